"""Bundled example images for the web page, all rendered from synthetic data (safe to ship).

`scripts/make_examples.py` writes them into `promptocr/ui/examples/`; the page lists them so an
operator can demo every task without a file of their own: a Chinese ID-card-like card (fictional
person, ID number with a valid GB 11643 check digit), a receipt, a form, a two-column page,
a street-sign photo (a coloured board with Chinese text, put in perspective with noise) and a
video still with subtitles.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from promptocr.synth import Canvas, find_font, receipt

CJK_SANS = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CJK_SANS_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
LATIN_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
LATIN_SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
LATIN_SERIF_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"
SC_INDEX = 2  # "Noto Sans CJK SC" inside the collection: simplified-Chinese glyph shapes

GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK = "10X98765432"


def gb11643_check_digit(first17: str) -> str:
    """Check character of an 18-digit Chinese resident ID number (GB 11643-1999, ISO 7064)."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need the first 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, GB11643_WEIGHTS, strict=True))
    return GB11643_CHECK[total % 11]


@lru_cache(maxsize=64)
def _font(path: str, size: int, cjk: bool = False) -> ImageFont.FreeTypeFont:
    if not Path(path).exists():
        path = find_font(cjk)
    index = SC_INDEX if path.endswith(".ttc") else 0
    return ImageFont.truetype(path, size, index=index)


def cjk(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return _font(CJK_SANS_BOLD if bold else CJK_SANS, size, True)


def _gradient(
    size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> Image.Image:
    w, h = size
    t = np.linspace(0.0, 1.0, h)[:, None, None]
    a = np.array(top, dtype=np.float32)[None, None, :]
    b = np.array(bottom, dtype=np.float32)[None, None, :]
    rows = (a * (1 - t) + b * t).astype(np.uint8)
    return Image.fromarray(np.repeat(rows, w, axis=1), "RGB")


def id_card() -> Image.Image:
    """A resident-ID-card-like card (front side) for a fictional person, marked as a specimen."""
    w, h = 856, 540
    img = _gradient((w, h), (236, 244, 250), (214, 230, 240))
    d = ImageDraw.Draw(img)
    # Faint guilloche-like pattern so the card is not a flat colour.
    for i in range(0, w + h, 18):
        d.line([(i, 0), (i - h, h)], fill=(222, 234, 243), width=1)
    d.rounded_rectangle((2, 2, w - 3, h - 3), radius=28, outline=(160, 184, 204), width=3)
    label, value = (90, 110, 130), (20, 24, 30)
    f_label, f_value = cjk(26), cjk(30)
    x_label, x_value = 56, 160
    number17 = "11010819900307123"
    number = number17 + gb11643_check_digit(number17)
    d.text((x_label, 52), "姓名", font=f_label, fill=label)
    d.text((x_value, 46), "李明华", font=cjk(36, bold=True), fill=value)
    d.text((x_label, 122), "性别", font=f_label, fill=label)
    d.text((x_value, 118), "男", font=f_value, fill=value)
    d.text((x_value + 130, 122), "民族", font=f_label, fill=label)
    d.text((x_value + 220, 118), "汉", font=f_value, fill=value)
    d.text((x_label, 186), "出生", font=f_label, fill=label)
    d.text((x_value, 182), "1990年3月7日", font=f_value, fill=value)
    d.text((x_label, 250), "住址", font=f_label, fill=label)
    d.text((x_value, 246), "北京市海淀区学院路", font=f_value, fill=value)
    d.text((x_value, 292), "28号3单元502室", font=f_value, fill=value)
    d.text((x_label, 430), "公民身份号码", font=f_label, fill=label)
    d.text((x_value + 110, 424), number, font=_font(LATIN_BOLD, 34), fill=value)
    # Portrait placeholder: a grey silhouette, no real face.
    px0, py0, px1, py1 = 580, 60, 800, 330
    d.rectangle((px0, py0, px1, py1), fill=(226, 232, 238), outline=(190, 200, 210))
    cx = (px0 + px1) // 2
    d.ellipse((cx - 52, py0 + 50, cx + 52, py0 + 160), fill=(170, 180, 192))
    d.pieslice((cx - 100, py0 + 170, cx + 100, py0 + 370), 180, 360, fill=(170, 180, 192))
    # Specimen watermark, drawn faintly across the card.
    mark = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ImageDraw.Draw(mark).text((420, 380), "样本 SPECIMEN", font=cjk(30), fill=(200, 60, 60, 90))
    img = Image.alpha_composite(img.convert("RGBA"), mark).convert("RGB")
    return img


def form() -> Image.Image:
    """An English application form: labelled fields with hand-entered-looking values."""
    c = Canvas(800, 900, background="white")
    d = c.draw
    d.rectangle((0, 0, 800, 90), fill=(28, 61, 110))
    d.text((40, 22), "NORTHWIND INSURANCE", font=_font(LATIN_BOLD, 30), fill="white")
    d.text((560, 32), "Claim Form B-7", font=_font(LATIN_SERIF, 20), fill=(210, 222, 240))
    rows = [
        ("Policy number", "NW-4471-2290"),
        ("Full name", "Emily Carter"),
        ("Date of birth", "12/08/1987"),
        ("Phone", "+44 20 7946 0321"),
        ("Email", "emily.carter@example.com"),
        ("Address", "14 Willow Lane, Bristol BS1 4DJ"),
        ("Date of incident", "03/02/2024"),
        ("Amount claimed", "GBP 1,240.00"),
    ]
    y = 130
    for name, value in rows:
        c.text((40, y + 10), name, size=20, fill="#4a5568")
        d.rectangle((260, y, 760, y + 48), outline=(160, 170, 185), width=2)
        c.text((274, y + 9), value, size=24, fill="#0b2a66")
        y += 70
    y += 10
    c.text((40, y), "Type of claim", size=20, fill="#4a5568")
    claims = [(260, "Theft", False), (400, "Water damage", True), (620, "Fire", False)]
    for x, label, ticked in claims:
        d.rectangle((x, y, x + 24, y + 24), outline=(60, 70, 90), width=2)
        if ticked:
            d.line([(x + 4, y + 12), (x + 10, y + 20), (x + 21, y + 4)], fill="#0b2a66", width=4)
        c.text((x + 34, y - 1), label, size=20)
    y += 70
    c.text((40, y), "Signature", size=20, fill="#4a5568")
    d.line([(260, y + 30), (560, y + 30)], fill=(120, 130, 145), width=2)
    d.text(
        (270, y - 8),
        "E. Carter",
        font=_font("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", 30),
        fill="#0b2a66",
    )
    c.text((600, y), "Date: 05/02/2024", size=20)
    return c.image


LOREM_LEFT = [
    "Optical character recognition turns",
    "pictures of text into text a program",
    "can search, index and check. A modern",
    "system finds each line first, then",
    "reads it with a recognition network.",
    "",
    "Detection and recognition are two",
    "separate models. Running only the",
    "stages a request needs keeps latency",
    "low on an ordinary laptop processor.",
]
LOREM_RIGHT = [
    "Layout analysis groups lines into",
    "paragraphs, tables and headings, and",
    "puts them in reading order: down the",
    "left column, then down the right one.",
    "",
    "Each result reports the stages that",
    "ran, how long they took, and the",
    "stages that were skipped, so an",
    "operator can see the cost of every",
    "instruction sent to the service.",
]


def two_column() -> Image.Image:
    """A two-column article page with a title, a section heading and a small table."""
    w, h = 1000, 1150
    c = Canvas(w, h)
    d = c.draw
    d.text((60, 50), "Reading Documents on a CPU", font=_font(LATIN_SERIF_BOLD, 40), fill="black")
    c.text((60, 112), "Technical note 7 - March 2024", size=20, fill="#555555")
    d.line([(60, 150), (w - 60, 150)], fill=(0, 0, 0), width=2)
    col_x = (60, 530)
    d.text((col_x[0], 180), "1. Introduction", font=_font(LATIN_SERIF_BOLD, 26), fill="black")
    d.text((col_x[1], 180), "2. Layout", font=_font(LATIN_SERIF_BOLD, 26), fill="black")
    for x, lines in zip(col_x, (LOREM_LEFT, LOREM_RIGHT), strict=True):
        y = 232
        for ln in lines:
            if ln:
                d.text((x, y), ln, font=_font(LATIN_SERIF, 21), fill="black")
            y += 34
    # A small ruled table across the page.
    top = 640
    d.text(
        (60, top), "Table 1. Stage cost per page", font=_font(LATIN_SERIF_BOLD, 22), fill="black"
    )
    rows = [
        ("Stage", "Model", "Time (ms)"),
        ("Detect", "PP-OCRv6 det", "180"),
        ("Recognize", "PP-OCRv6 rec", "240"),
        ("Layout", "CDLA", "95"),
    ]
    xs = (60, 330, 650, w - 60)
    y0 = top + 44
    rh = 50
    for r, row in enumerate(rows):
        y = y0 + r * rh
        for i, cell in enumerate(row):
            font = _font(LATIN_SERIF_BOLD if r == 0 else LATIN_SERIF, 21)
            d.text((xs[i] + 14, y + 12), cell, font=font, fill="black")
    for r in range(len(rows) + 1):
        d.line([(xs[0], y0 + r * rh), (xs[-1], y0 + r * rh)], fill="black", width=2)
    for x in xs:
        d.line([(x, y0), (x, y0 + len(rows) * rh)], fill="black", width=2)
    y = y0 + len(rows) * rh + 50
    for ln in [
        "The embedded engine needs no network and no GPU. Larger models can be added",
        "for translation and free-form questions when a language model is configured.",
    ]:
        d.text((60, y), ln, font=_font(LATIN_SERIF, 21), fill="black")
        y += 34
    d.text((w // 2 - 10, h - 60), "- 3 -", font=_font(LATIN_SERIF, 18), fill="#444444")
    return c.image


def _perspective_coeffs(
    src: list[tuple[float, float]], dst: list[tuple[float, float]]
) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping output points `dst` to `src`."""
    rows = []
    rhs = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    sol = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64))
    return [float(v) for v in sol]


def street_sign(seed: int = 7) -> Image.Image:
    """A photo-like street sign: green board, white Chinese and pinyin text, seen at an angle."""
    rng = random.Random(seed)
    bw, bh = 760, 300
    board = Image.new("RGBA", (bw, bh), (0, 0, 0, 0))
    d = ImageDraw.Draw(board)
    d.rounded_rectangle((0, 0, bw - 1, bh - 1), radius=22, fill=(18, 112, 72))
    d.rounded_rectangle((12, 12, bw - 13, bh - 13), radius=16, outline=(240, 245, 240), width=5)
    d.text((60, 40), "中山北路", font=cjk(112, bold=True), fill="white")
    d.text((64, 196), "ZHONGSHAN RD (N)", font=_font(LATIN_BOLD, 40), fill="white")
    # Arrow pointing right.
    d.polygon(
        [(600, 70), (690, 125), (600, 180), (600, 145), (540, 145), (540, 105), (600, 105)],
        fill="white",
    )
    d.text((548, 196), "→ 南京东路", font=cjk(32), fill="white")

    w, h = 960, 640
    scene = _gradient((w, h), (128, 170, 214), (206, 222, 236))
    sd = ImageDraw.Draw(scene)
    # Buildings and a pole behind the sign.
    for x0 in range(-20, w, 150):
        top = rng.randint(260, 420)
        shade = rng.randint(150, 190)
        sd.rectangle((x0, top, x0 + 140, h), fill=(shade, shade - 8, shade - 20))
        for wy in range(top + 20, h - 20, 40):
            for wx in range(x0 + 15, x0 + 125, 35):
                sd.rectangle((wx, wy, wx + 18, wy + 22), fill=(90, 110, 130))
    sd.rectangle((468, 330, 490, h), fill=(90, 96, 104))
    dst = [(150.0, 90.0), (820.0, 150.0), (800.0, 430.0), (170.0, 420.0)]
    src = [(0.0, 0.0), (float(bw), 0.0), (float(bw), float(bh)), (0.0, float(bh))]
    warped = board.transform(
        (w, h), Image.Transform.PERSPECTIVE, _perspective_coeffs(src, dst), Image.Resampling.BICUBIC
    )
    scene.paste(warped, (0, 0), warped)
    scene = scene.filter(ImageFilter.GaussianBlur(0.8))
    arr = np.asarray(scene).astype(np.int16)
    noise = np.random.default_rng(seed).normal(0, 6, arr.shape).astype(np.int16)
    return Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8), "RGB")


def subtitle_frame(seed: int = 3) -> Image.Image:
    """A video still: a dusk landscape with a two-line (Chinese + English) subtitle at the bottom,
    white with a dark outline, plus a channel logo in the corner that is not a subtitle."""
    w, h = 960, 540
    img = _gradient((w, h), (38, 52, 92), (214, 132, 88))
    d = ImageDraw.Draw(img)
    rng = random.Random(seed)
    # Hills and a sun, so the frame is not a flat background.
    d.ellipse((620, 170, 760, 310), fill=(250, 206, 140))
    for layer, (top, colour) in enumerate([(330, (70, 62, 88)), (380, (46, 42, 64))]):
        pts = [(0, h)]
        for x in range(0, w + 60, 60):
            pts.append((x, top + rng.randint(-30, 30) + layer * 10))
        pts.append((w, h))
        d.polygon(pts, fill=colour)
    d.text((36, 28), "TV 8", font=_font(LATIN_BOLD, 26), fill=(255, 255, 255))
    for text, y, f in (
        ("我们明天早上八点出发", 404, cjk(38)),
        ("We leave at eight tomorrow morning", 466, _font(LATIN_BOLD, 28)),
    ):
        x0, _, x1, _ = d.textbbox((0, 0), text, font=f)
        tx = int((w - (x1 - x0)) // 2)
        d.text((tx, y), text, font=f, fill="white", stroke_width=3, stroke_fill=(10, 10, 10))
    return img


def receipt_image() -> Image.Image:
    return receipt().image


# name -> (renderer, file name). The page's example list (static/app.js) uses the same names.
EXAMPLES: dict[str, tuple[Callable[[], Image.Image], str]] = {
    "id_card": (id_card, "id_card.png"),
    "receipt": (receipt_image, "receipt.png"),
    "form": (form, "form.png"),
    "two_column": (two_column, "two_column.png"),
    "street_sign": (street_sign, "street_sign.jpg"),
    "subtitle_frame": (subtitle_frame, "subtitle_frame.jpg"),
}


def write_examples(out_dir: Path) -> list[Path]:
    """Render every example into out_dir (PNG, palette-free but optimised)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for render, file_name in EXAMPLES.values():
        path = out_dir / file_name
        img = render()
        if path.suffix == ".jpg":
            img.save(path, quality=88)
        else:
            img.save(path, optimize=True)
        written.append(path)
    return written
