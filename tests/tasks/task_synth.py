"""Synthetic documents drawn with real fonts for the task tests (no downloaded data)."""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from promptocr.document.model import Block, Document, Line, Page, Word, polygon_of
from promptocr.synth import Canvas
from promptocr.tasks.validators import cn_id_check_digit, mrz_check_digit

MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"


def png(c: Canvas | Image.Image) -> bytes:
    img = c.image if isinstance(c, Canvas) else c
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


# an OCR-like line drawn as text and box: text, x, y, width (and height, else the page's `h`)
LineRow = tuple[str, float, float, float] | tuple[str, float, float, float, float]


def lines_doc(
    rows: Sequence[LineRow], h: float = 20.0, width: int = 1000, height: int = 1000
) -> Document:
    """A one-page document (`width` x `height` px) of OCR-like lines, each read with
    confidence 0.99."""
    lines = []
    for text, x, y, w, *rest in rows:
        lh = rest[0] if rest else h
        poly = ((x, y), (x + w, y), (x + w, y + lh), (x, y + lh))
        lines.append(Line(text, 0.99, poly, []))
    return Document(pages=[Page(index=0, width=width, height=height, blocks=[Block(lines)])])


def valid_cn_id(prefix17: str = "11010519900307123") -> str:
    return prefix17 + cn_id_check_digit(prefix17)


def mistyped_cn_id() -> str:
    good = valid_cn_id()
    wrong = "0" if good[-1] != "0" else "1"
    return good[:-1] + wrong


def id_card(id_number: str) -> Canvas:
    """Front of a Chinese resident ID card (labels and values as printed on the card)."""
    c = Canvas(900, 560)
    c.text((50, 50), "姓名  张伟", size=34)
    c.text((50, 120), "性别  男", size=34)
    c.text((330, 120), "民族  汉", size=34)
    c.text((50, 190), "出生  1990年3月7日", size=34)
    c.text((50, 260), "住址  北京市东城区景山前街4号", size=34)
    c.text((50, 420), "公民身份号码", size=34)
    c.text((320, 420), id_number, size=34, cjk=False)
    return c


def receipt_en() -> Canvas:
    rows = [
        ("BLUE HARBOUR TRADING SDN BHD", None),
        ("NO 8, JALAN KENARI 5, 47100 PUCHONG", None),
        ("TEL: 03-8076 1234", None),
        ("DATE: 25/12/2018 10:15", None),
        ("COFFEE BEANS 500G", "24.90"),
        ("PAPER CUPS", "6.50"),
        ("SUBTOTAL", "31.40"),
        ("TOTAL", "31.40"),
        ("CASH", "50.00"),
        ("CHANGE", "18.60"),
    ]
    c = Canvas(700, 80 + 52 * len(rows))
    y = 40
    for left, right in rows:
        c.text((30, y), left, size=26)
        if right:
            c.text((560, y), right, size=26)
        y += 52
    return c


def invoice_zh() -> Canvas:
    c = Canvas(1000, 420)
    c.text((300, 30), "增值税普通发票", size=40)
    c.text((40, 120), "发票代码: 044031900111", size=30)
    c.text((520, 120), "发票号码: 12345678", size=30)
    c.text((40, 190), "开票日期: 2023年05月12日", size=30)
    c.text((40, 260), "购买方名称: 深圳市示例科技有限公司", size=30)
    c.text((40, 330), "价税合计(小写) ¥113.00", size=30)
    return c


def form_en() -> Canvas:
    c = Canvas(900, 420)
    c.text((40, 40), "REQUEST FORM", size=32)
    c.text((40, 120), "Name:", size=26)
    c.text((260, 120), "Alice Walker", size=26)
    c.text((40, 180), "Department:", size=26)
    c.text((260, 180), "Research", size=26)
    c.text((40, 240), "Date:", size=26)
    c.text((260, 240), "March 5, 2024", size=26)
    c.text((40, 300), "E-mail:", size=26)
    c.text((260, 300), "alice@example.com", size=26)
    return c


def td3_mrz(number: str = "L898902C3", dob: str = "740812", exp: str = "120415") -> list[str]:
    """An ICAO 9303 TD3 machine-readable zone with correct check digits."""
    l1 = "P<UTOERIKSSON<<ANNA<MARIA".ljust(44, "<")
    personal = "ZE184226B".ljust(14, "<")
    body = (
        number
        + mrz_check_digit(number)
        + "UTO"
        + dob
        + mrz_check_digit(dob)
        + "F"
        + exp
        + mrz_check_digit(exp)
        + personal
        + mrz_check_digit(personal)
    )
    composite = body[0:10] + body[13:20] + body[21:43]
    return [l1, body + mrz_check_digit(composite)]


def passport(lines: list[str]) -> Image.Image:
    img = Image.new("RGB", (1200, 420), "white")
    d = ImageDraw.Draw(img)
    d.text((40, 40), "PASSPORT", font=ImageFont.truetype(MONO, 34), fill="black")
    f = ImageFont.truetype(MONO, 40) if Path(MONO).exists() else None
    d.text((40, 250), lines[0], font=f, fill="black")
    d.text((40, 320), lines[1], font=f, fill="black")
    return img


def subtitle_frame() -> Canvas:
    c = Canvas(960, 540, background="#202830")
    c.text((40, 40), "NEWS 24", size=30, fill="white")
    c.text((300, 420), "今天天气很好", size=34, fill="white")
    c.text((300, 470), "The weather is nice today", size=30, fill="white")
    return c


def receipt_zh() -> Canvas:
    rows = [
        ("上海悦来便利店有限公司", None),
        ("上海市徐汇区漕溪北路88号", None),
        ("电话: 021-64871234", None),
        ("日期: 2024-01-18 09:30", None),
        ("矿泉水", "3.00"),
        ("面包", "8.50"),
        ("小计", "11.50"),
        ("合计", "11.50"),
        ("现金", "20.00"),
        ("找零", "8.50"),
    ]
    c = Canvas(640, 80 + 52 * len(rows))
    y = 40
    for left, right in rows:
        c.text((30, y), left, size=28)
        if right:
            c.text((500, y), right, size=28, cjk=False)
        y += 52
    return c


def worded_line(
    words: list[tuple[str, float]], y: float, h: float = 20.0, char: float = 9.0
) -> Line:
    """A hand-made line of `words` (text, left x), each `char` px a character and `h` high,
    its box 2 px wider than its words on each side."""
    ws = [Word(t, 0.99, polygon_of((x, y, x + char * len(t), y + h))) for t, x in words]
    box = (ws[0].bbox[0] - 2, y, ws[-1].bbox[2] + 2, y + h)
    return Line(" ".join(t for t, _x in words), 0.99, polygon_of(box), ws)


def justified_words(
    rng: random.Random, x: float, width: float, vocabulary: Sequence[str], char: float = 9.0
) -> list[tuple[str, float]]:
    """Words drawn from `vocabulary` for one justified line filling [x, x + width], each `char`
    px a character: as many as fit with 6 px spaces, then the spaces share what is left."""
    words: list[str] = []
    while True:
        w = rng.choice(vocabulary)
        if char * (sum(map(len, words)) + len(w)) + 6 * len(words) > width:
            break
        words.append(w)
    space = (width - char * sum(map(len, words))) / max(len(words) - 1, 1)
    out, at = [], x
    for w in words:
        out.append((w, at))
        at += char * len(w) + space
    return out
