"""Held-out benchmark: photographed Chinese VAT invoices (增值税专用发票) and HunyuanOCR's IE prompt.

The pages are drawn here by a renderer of their own — the printed layout of a special VAT
invoice, written from the form itself, independent of the linker's training generator
(`tasks/extract/synthdocs.py`, which the benchmark must not share a style with) — and then made
to look like a phone photo. The real pipeline reads them end to end: OCR, then the `extract`
task through `promptocr.tasks.service.Service` with HunyuanOCR's own prompt (`PROMPT`).

**The page.** Title `…增值税专用发票` with the red oval supervision stamp and `发票联`; the
invoice code printed large top left with a 2-D code, `机器编号`; on the right `No` and the
number in red, `开票日期`, sometimes `发票代码` / `发票号码` / `校验码` with labels; the buyer
box (`购买方` set vertically; `名　　称：`, `纳税人识别号：`, `地 址、电 话：`, `开户行及账号：`
printed with the form's wide letter spacing, so OCR often cuts them) beside the `密码区`
cipher; the goods table (`货物或应税劳务、服务名称`, `规格型号`, `单位`, `数量`, `单价`,
`金　额`, `税率`, `税　额`) with 1–3 item rows and the `合　　计` row; `价税合计（大写）⊗…
（小写）￥…`; the seller box with `备注`; `收款人 / 复核 / 开票人 / 销售方（章）` and the seller's
red stamp. The form is printed in one ink (brown, green or blue), the data by a dot-matrix
printer in black or dark blue, shifted against the form by up to 2 mm.

**The photo.** A canvas of 4,000–4,208 × 3,000–3,120 px (a phone's 12 MP); the invoice fills
70–88% of its width, on a desk-coloured background, turned up to ±3°, with perspective,
uneven light and a shadow, blur, sensor noise, and saved as JPEG (quality 72–90).

**The hard mode** (`--hard`; what phone photos of these invoices show): 3–8 goods lines
(`*类别*品名`) set closer and smaller; tax rates 13/9/6/3/1/0% or `免税` (the goods' tax
printed `***`, the 合计 row's `￥0.00`); long buyer and seller names (`…集团有限公司第一分公司`)
printed on two small lines squeezed into one row; a landline and a mobile after the address;
a 备注 text; the data printed off the form by up to 4 mm across and 2 mm up or down (into the
neighbouring cell, over the label's tail), half of the pages by a dot-matrix head (strokes of
dots); the copy's name down the right margin and the next copy's print showing through,
mirrored and faint; the seller's red stamp pressed over the seller's box and, on a third of
the pages, over the `价税合计` line; 1–2 creases across the sheet. The photo: the invoice 60–85%
of the frame's width, turned up to ±8° with stronger perspective, 1–2 glare patches, more
blur, JPEG quality 50–72.

**References** (`reference(inv)`) follow these conventions (in both modes):

* the buyer's fields (`名称`, `纳税人识别号`, `地址、电话`, `开户行及账号`) — the first block
  printed, and what a user asking for `名称` on a purchase invoice wants;
* `金额` and `税额`: the invoice's totals, the `合计` row's figures as printed (`￥2991.45`;
  equal to the item's own when the invoice has one item); `税率`: the items' rate (`13%`);
* `价税合计`: the figure after `（小写）` (`￥3495.00`); `开票日期` as printed
  (`2019年03月05日`); `No`: the invoice number (8 digits);
* `地址、电话` and `开户行及账号` are the whole printed value (address and phone; bank and
  account), joined by one space; a name printed on two lines is the whole name;
* hard mode: `税率` `免税` for tax-exempt goods, with `税额` the 合计 row's `￥0.00`; the phone
  part keeps both numbers as printed (`0755-86001234、13912345678`).

**Scores** (`score`): *exact* on the short fields (`SHORT_KEYS`: dates, names, codes, amounts,
rates) after folding width and case and removing spaces and currency signs; *similarity* on
all ten fields, rapidfuzz `ratio` / 100 of the same folded strings (a missing value scores 0).

Run: `python -m promptocr.bench.invoices --seeds 1000-1009 [--hard] [--cache /tmp/invoice-ocr]
[--save-images DIR] [--json OUT]`. The OCR of each page is cached under `--cache` (keyed by
seed and renderer version), so a rerun only repeats the extraction (through
`Service.run_on_document`, the same task on the same OCR'd document).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import random
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

RENDERER_VERSION = 1
HARD_VERSION = 2  # bump when the hard mode's drawing changes (the OCR cache's key)

PROMPT = (
    "提取图片中的：['开票日期','名称','纳税人识别号','地址、电话','开户行及账号','金额','税率',"
    "'税额','价税合计','No'] 的字段内容，并按照 JSON 格式返回。"
)
KEYS = (
    "开票日期",
    "名称",
    "纳税人识别号",
    "地址、电话",
    "开户行及账号",
    "金额",
    "税率",
    "税额",
    "价税合计",
    "No",
)
LONG_KEYS = ("地址、电话", "开户行及账号")
SHORT_KEYS = tuple(k for k in KEYS if k not in LONG_KEYS)

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONTS = {
    "serif": FONT_DIR / "NotoSerifCJK-Regular.ttc",
    "serif_bold": FONT_DIR / "NotoSerifCJK-Bold.ttc",
    "sans": FONT_DIR / "NotoSansCJK-Regular.ttc",
    "sans_bold": FONT_DIR / "NotoSansCJK-Bold.ttc",
}

# ---------------------------------------------------------------- invented content

PROVINCES = ("广东", "浙江", "江苏", "北京", "上海", "四川", "湖北", "山东", "福建", "河南")
CITIES = (
    ("深圳市", "南山区", "0755"),
    ("广州市", "天河区", "020"),
    ("杭州市", "西湖区", "0571"),
    ("南京市", "鼓楼区", "025"),
    ("北京市", "海淀区", "010"),
    ("上海市", "浦东新区", "021"),
    ("成都市", "武侯区", "028"),
    ("武汉市", "洪山区", "027"),
    ("济南市", "历下区", "0531"),
    ("厦门市", "思明区", "0592"),
    ("郑州市", "金水区", "0371"),
    ("苏州市", "工业园区", "0512"),
)
BRAND = "华瑞恒泰宏达信诚鼎盛嘉禾天成博远金川中联百汇启明安捷润丰立新东方凯越腾飞万通永和"
TRADE = (
    "科技",
    "贸易",
    "电子",
    "商贸",
    "实业",
    "网络技术",
    "建筑工程",
    "医药",
    "物流",
    "信息技术",
    "机械设备",
    "文化传媒",
    "餐饮管理",
    "环保科技",
)
FORMS = ("有限公司", "有限公司", "有限责任公司", "股份有限公司")
ROADS = "科技中人民建设解放新华中山和平长江学府金融文化滨河"
BANKS = (
    "中国工商银行",
    "中国建设银行",
    "中国农业银行",
    "中国银行",
    "招商银行",
    "交通银行",
    "兴业银行",
    "中信银行",
    "浦发银行",
)
ITEMS = (
    ("*办公用品*", ("复印纸", "打印机硒鼓", "文件柜", "签字笔"), ("箱", "个", "台", "盒")),
    ("*信息技术服务*", ("技术服务费", "软件维护费", "系统集成服务"), ("项", "次", "")),
    ("*电子计算机*", ("笔记本电脑", "台式计算机", "显示器"), ("台",)),
    ("*餐饮服务*", ("餐费", "会议餐饮服务"), ("次", "")),
    ("*运输服务*", ("国内货物运输服务", "运输费"), ("次", "吨")),
    ("*建筑服务*", ("工程款", "安装服务费"), ("项",)),
    ("*金属制品*", ("不锈钢管", "钢板", "五金配件"), ("吨", "件", "kg")),
)
SPECS = ("A4 70g", "HP-88A", "T480s", "DN50", "", "", "", "Q235", "27英寸", "标准版")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲"
RATES = (13, 13, 13, 6, 9, 16, 17, 3)
# the hard mode's rates: -1 stands for 免税 (tax-exempt: items' tax printed `***`)
HARD_RATES = (13, 13, 9, 6, 6, 3, 1, 0, -1, -1)
LONG_TAILS = (
    "集团有限公司第一分公司",
    "股份有限公司华南区营销服务中心",
    "有限责任公司（普通合伙）研发分中心",
    "有限公司附属第二人民医院后勤服务部",
)
CIPHER = "0123456789+-*/<>"


def _company(r: random.Random) -> str:
    city = r.choice(CITIES)[0]
    brand = "".join(r.sample(BRAND, 2))
    place = city if r.random() < 0.6 else city.rstrip("市")
    return f"{place}{brand}{r.choice(TRADE)}{r.choice(FORMS)}"


def _tax_id(r: random.Random) -> str:
    if r.random() < 0.15:  # the old 15-digit number
        return "".join(r.choice("0123456789") for _ in range(15))
    alnum = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    region = r.choice(("440300", "440106", "330106", "320106", "110108", "310115", "510107"))
    body = "".join(r.choice(alnum) for _ in range(9))
    return "91" + region + body + r.choice(alnum)


def _phone(r: random.Random, area: str) -> str:
    if r.random() < 0.3:
        return "1" + r.choice("3589") + "".join(r.choice("0123456789") for _ in range(9))
    n = 8 if len(area) == 3 else r.choice((7, 8))
    return f"{area}-" + r.choice("2345678") + "".join(r.choice("0123456789") for _ in range(n - 1))


def _address(r: random.Random) -> tuple[str, str]:
    city, district, area = r.choice(CITIES)
    road = "".join(r.sample(ROADS, 2)) + r.choice(("路", "大道", "街", "北路", "南路"))
    tail = f"{r.randint(1, 999)}号"
    if r.random() < 0.5:
        tail += (
            r.choice(("", "A座", "B栋", "科技大厦")) + f"{r.randint(2, 28)}{r.randint(1, 9):02d}室"
        )
    return f"{city}{district}{road}{tail}", _phone(r, area)


def _bank(r: random.Random) -> tuple[str, str]:
    city = r.choice(CITIES)[0].rstrip("市")
    branch = r.choice(("", city + "分行")) + "".join(r.sample(ROADS, 2)) + "支行"
    digits = r.choice((12, 16, 17, 19))
    account = r.choice("3456789") + "".join(r.choice("0123456789") for _ in range(digits - 1))
    return r.choice(BANKS) + branch, account


def _person(r: random.Random) -> str:
    return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2))))


_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def capital_amount(amount: float) -> str:
    """An amount in the capital numerals of a Chinese invoice (`叁仟肆佰玖拾伍圆整`)."""
    fen_total = int(round(amount * 100))
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10

    def four(n: int) -> str:  # 0..9999
        out, zero = "", False
        for unit, div in (("仟", 1000), ("佰", 100), ("拾", 10), ("", 1)):
            d = n // div % 10
            if d:
                if zero and out:
                    out += "零"
                out += _DIGITS[d] + unit
                zero = False
            else:
                zero = True
        return out

    s = ""
    if yuan >= 10000:
        s += four(yuan // 10000) + "万"
        rest = yuan % 10000
        if rest and rest < 1000:
            s += "零"
        s += four(rest)
    elif yuan:
        s = four(yuan)
    if yuan:
        s += "圆"
    if jiao == 0 and fen == 0:
        return s + "整"
    if jiao:
        s += _DIGITS[jiao] + "角"
    elif yuan:
        s += "零"
    if fen:
        s += _DIGITS[fen] + "分"
    else:
        s += "整"
    return s


@dataclass
class Item:
    name: str
    spec: str
    unit: str
    qty: str
    price: str
    amount: float
    rate: int
    tax: float


@dataclass
class Invoice:
    province: str
    code: str
    number: str
    date: str
    machine: str
    check: str | None
    buyer: tuple[str, str, str, str]  # name, tax id, address+phone, bank+account
    seller: tuple[str, str, str, str]
    items: list[Item]
    payee: str
    reviewer: str
    drawer: str
    copy: str
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return round(sum(i.amount for i in self.items), 2)

    @property
    def total_tax(self) -> float:
        return round(sum(i.tax for i in self.items), 2)


def _party(r: random.Random, hard: bool = False) -> tuple[str, str, str, str]:
    addr, phone = _address(r)
    bank, account = _bank(r)
    name = _company(r)
    if hard:
        if r.random() < 0.4:  # a long name, printed on two lines
            form = next(f for f in sorted(FORMS, key=len, reverse=True) if name.endswith(f))
            name = name[: -len(form)] + r.choice(LONG_TAILS)
        if r.random() < 0.5:  # a landline and a mobile
            mobile = "1" + r.choice("3589") + "".join(r.choice("0123456789") for _ in range(9))
            phone += r.choice(("/", " ", "、")) + mobile
    return name, _tax_id(r), f"{addr} {phone}", f"{bank} {account}"


def _note(r: random.Random) -> str:
    """The 备注 box's text (hard mode)."""
    return r.choice(
        (
            f"合同号：HT{r.randint(2017, 2023)}-{r.randint(100, 999)}",
            f"项目名称：{''.join(r.sample(ROADS, 2))}改造工程 {r.choice(CITIES)[0]}",
            f"订单号{r.randint(10**9, 10**10 - 1)} 付款方式：转账",
            f"差额征税：{r.randint(1000, 90000)}.00。",
        )
    )


def make_invoice(seed: int, hard: bool = False) -> Invoice:
    """The content of one invoice (deterministic per seed); `hard`: the hard mode's content
    (3–8 goods lines, 免税 / 0% / 13% / 9% / 6% rates, long names and phones, a 备注 text)."""
    r = random.Random(seed)
    rate = r.choice(HARD_RATES if hard else RATES)
    items = []
    n_items = r.randint(3, 8) if hard else r.choices((1, 2, 3), weights=(6, 3, 1))[0]
    for _ in range(n_items):
        cat, names, units = r.choice(ITEMS)
        unit = r.choice(units)
        qty = r.choice((1, 1, 2, 3, 5, 10, 12, 20, 50))
        price = r.uniform(8, 9000) / (1 + max(rate, 0) / 100)
        amount = round(qty * price, 2)
        # a tax-excluded unit price is often printed with many decimals
        price_s = f"{price:.8f}".rstrip("0") if r.random() < 0.4 else f"{price:.2f}"
        tax = round(amount * max(rate, 0) / 100, 2)
        items.append(
            Item(cat + r.choice(names), r.choice(SPECS), unit, str(qty), price_s, amount, rate, tax)
        )
    year = r.randint(2017, 2023)
    date = f"{year}年{r.randint(1, 12):02d}月{r.randint(1, 28):02d}日"
    province = r.choice(PROVINCES)
    code = f"{r.randint(1100, 6500)}{year % 100:02d}{r.choice(('1130', '2130', '3130', '1320'))}"
    check = None
    if r.random() < 0.35:
        check = " ".join("".join(r.choice("0123456789") for _ in range(5)) for _ in range(4))
    return Invoice(
        province=province,
        code=code,
        number=f"{r.randint(0, 99999999):08d}",
        date=date,
        machine="".join(r.choice("0123456789") for _ in range(12)),
        check=check,
        buyer=_party(r, hard),
        seller=_party(r, hard),
        items=items,
        payee=_person(r),
        reviewer=_person(r),
        drawer=_person(r),
        copy=r.choice(("发票联", "抵扣联", "记账联")),
        extras={"hard": True, "note": _note(r)} if hard else {},
    )


def reference(inv: Invoice) -> dict[str, str]:
    """The expected JSON for `KEYS` (conventions in the module's docstring)."""
    name, tax_id, addr, bank = inv.buyer
    return {
        "开票日期": inv.date,
        "名称": name,
        "纳税人识别号": tax_id,
        "地址、电话": addr,
        "开户行及账号": bank,
        "金额": f"￥{inv.total:.2f}",
        "税率": rate_text(inv.items[0].rate),
        "税额": f"￥{inv.total_tax:.2f}",
        "价税合计": f"￥{inv.total + inv.total_tax:.2f}",
        "No": inv.number,
    }


def rate_text(rate: int) -> str:
    """A tax rate as printed (`13%`; -1 is tax-exempt, `免税`)."""
    return "免税" if rate < 0 else f"{rate}%"


# ---------------------------------------------------------------- drawing the form


class Paper:
    """The invoice drawn at `s` pixels per millimetre, with a form ink and a data ink."""

    def __init__(self, s: float, r: random.Random, hard: bool = False) -> None:
        self.s = s
        self.r = r
        self.hard = hard
        self.w_mm, self.h_mm = 240.0, 150.0
        tint = r.choice(((252, 250, 244), (250, 247, 240), (253, 251, 250), (247, 246, 240)))
        self.image = Image.new("RGB", (int(self.w_mm * s), int(self.h_mm * s)), tint)
        self.draw = ImageDraw.Draw(self.image)
        self.form_ink = r.choice(((140, 70, 40), (150, 60, 50), (60, 110, 80), (50, 90, 140)))
        self.data_ink = r.choice(((25, 25, 30), (30, 35, 70), (45, 45, 55)))
        self.red = (205, 40, 45)
        self.label_font = r.choice(("serif", "serif", "sans"))
        self.data_font = r.choice(("serif", "sans", "serif_bold"))
        # the printer's offset against the form (mm)
        self.shift = (r.uniform(-2.0, 2.0), r.uniform(-1.2, 1.2))
        self._fonts: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}
        # hard mode: the data misaligned by up to 4 mm (into neighbouring cells, over labels),
        # drawn on a layer of its own so a dot-matrix head can break its strokes into dots
        self.data_layer: Image.Image | None = None
        self.dot_matrix = False
        if hard:
            self.shift = (r.uniform(-4.0, 4.0), r.uniform(-2.0, 2.0))
            self.data_layer = Image.new("L", self.image.size, 0)
            self.dot_matrix = r.random() < 0.5
            if self.dot_matrix:
                self.data_font = "sans"

    def font(self, kind: str, size_mm: float) -> ImageFont.FreeTypeFont:
        px = max(6, int(size_mm * self.s))
        key = (kind, px)
        if key not in self._fonts:
            self._fonts[key] = ImageFont.truetype(str(FONTS[kind]), px)
        return self._fonts[key]

    def px(self, x: float, y: float) -> tuple[float, float]:
        return x * self.s, y * self.s

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float = 0.25) -> None:
        self.draw.line(
            [self.px(x0, y0), self.px(x1, y1)],
            fill=self.form_ink,
            width=max(1, int(width * self.s)),
        )

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = 3.0,
        kind: str | None = None,
        fill: tuple[int, int, int] | None = None,
        anchor: str = "lm",
        data: bool = False,
    ) -> None:
        """Text at (x, y) mm; `data`: printed by the printer (its ink, font and offset)."""
        if data:
            x, y = x + self.shift[0], y + self.shift[1]
            kind = kind or self.data_font
            fill = fill or self.data_ink
            if self.data_layer is not None and fill == self.data_ink:
                x += self.r.uniform(-0.4, 0.4)  # the head's play from line to line
                y += self.r.uniform(-0.3, 0.3)
                ImageDraw.Draw(self.data_layer).text(
                    self.px(x, y), text, font=self.font(kind, size), fill=255, anchor=anchor
                )
                return
        else:
            kind = kind or self.label_font
            fill = fill or self.form_ink
        self.draw.text(self.px(x, y), text, font=self.font(kind, size), fill=fill, anchor=anchor)

    def print_data(self) -> None:
        """Hard mode: lay the data layer on the form (as dots when the printer is dot-matrix)."""
        if self.data_layer is None:
            return
        mask = np.asarray(self.data_layer, dtype=np.float32) / 255.0
        if self.dot_matrix:
            pitch = max(2.0, 0.3 * self.s)  # pins about 0.3 mm apart
            h, w = mask.shape
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
            fx = (xx % pitch) / pitch - 0.5
            fy = (yy % pitch) / pitch - 0.5
            dots = np.clip(1.6 - 6.0 * (fx * fx + fy * fy), 0.0, 1.0)
            mask = mask * dots * self.r.uniform(0.75, 1.0)
            mask = (
                np.asarray(
                    Image.fromarray((mask * 255).astype(np.uint8)).filter(
                        ImageFilter.GaussianBlur(0.6)
                    ),
                    dtype=np.float32,
                )
                / 255.0
                * 1.3
            )
            mask = np.clip(mask, 0.0, 1.0)
        arr = np.asarray(self.image, dtype=np.float32)
        ink = np.array(self.data_ink, dtype=np.float32)
        arr = arr * (1 - mask[..., None]) + ink * mask[..., None]
        self.image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        self.draw = ImageDraw.Draw(self.image)
        self.data_layer = None

    def spaced(self, x: float, y: float, pieces: list[str], width: float, size: float) -> None:
        """A form label set across `width` mm with its pieces spread (`名　　称：`)."""
        if len(pieces) == 1:
            self.text(x, y, pieces[0], size)
            return
        f = self.font(self.label_font, size)
        widths = [self.draw.textlength(t, font=f) / self.s for t in pieces]
        gap = max(0.5, (width - sum(widths)) / (len(pieces) - 1))
        for t, w in zip(pieces, widths, strict=True):
            self.text(x, y, t, size)
            x += w + gap

    def vertical(self, x: float, y0: float, y1: float, text: str, size: float) -> None:
        """Characters stacked top to bottom, centred on x (`购买方`, `密码区`)."""
        n = len(text)
        step = (y1 - y0) / n
        for i, ch in enumerate(text):
            self.text(x, y0 + step * (i + 0.5), ch, size, anchor="mm")

    def ellipse_stamp(
        self, cx: float, cy: float, rx: float, ry: float, ring: str, middle: list[str]
    ) -> None:
        """A red oval stamp: text along its upper rim, lines across its middle."""
        layer = Image.new("RGBA", self.image.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        col = (*self.red, int(self.r.uniform(150, 220)))
        box = [self.px(cx - rx, cy - ry), self.px(cx + rx, cy + ry)]
        d.ellipse([box[0], box[1]], outline=col, width=max(2, int(0.5 * self.s)))
        n = len(ring)
        arc = 0.8 * math.pi * 0.78 * (rx + ry) / 2  # the rim's length the text runs along (mm)
        f = self.font("sans_bold", min(arc / max(n, 1) * 0.85, min(rx, ry) * 0.3))
        for i, ch in enumerate(ring):
            a = math.pi * (1.1 + 0.8 * i / max(n - 1, 1))
            x = cx + (rx * 0.78) * math.cos(a)
            y = cy + (ry * 0.78) * math.sin(a)
            d.text(self.px(x, y), ch, font=f, fill=col, anchor="mm")
        fm = self.font("sans_bold", min(rx, ry) * 0.26)
        for j, t in enumerate(middle):
            y = cy + (j - (len(middle) - 1) / 2) * min(rx, ry) * 0.38 + ry * 0.12
            d.text(self.px(cx, y), t, font=fm, fill=col, anchor="mm")
        self.image.paste(layer, (0, 0), layer)


def draw_invoice(inv: Invoice, s: float, seed: int) -> Image.Image:
    """The flat invoice at `s` px/mm (about 240 × 150 mm)."""
    r = random.Random(seed * 7919 + 1)
    hard = bool(inv.extras.get("hard"))
    p = Paper(s, r, hard)
    lab = 3.1 + r.uniform(-0.2, 0.3)  # label size (mm)
    val = 3.0 + r.uniform(-0.2, 0.4)  # data size (mm)
    # --- top: 2-D code, code printed large, title, stamp, No, date
    qx, qy, qn = 9.0, 5.0, 21
    cell = 18.0 / qn
    for i in range(qn):
        for j in range(qn):
            corner = (i < 7 and j < 7) or (i < 7 and j >= qn - 7) or (i >= qn - 7 and j < 7)
            on = r.random() < 0.5
            if corner:
                on = i % 6 == 0 or j % 6 == 0 or (2 <= i % 14 <= 4 and 2 <= j % 14 <= 4)
            if on:
                p.draw.rectangle(
                    [
                        p.px(qx + j * cell, qy + i * cell),
                        p.px(qx + (j + 1) * cell, qy + (i + 1) * cell),
                    ],
                    fill=(20, 20, 20),
                )
    p.text(32, 10, inv.code, 5.0, kind="sans", fill=(25, 25, 25))
    title = f"{inv.province}增值税专用发票"
    p.text(120, 13, title, 7.0, kind="serif_bold", anchor="mm")
    tw = p.draw.textlength(title, font=p.font("serif_bold", 7.0)) / s
    p.line(120 - tw / 2, 18.2, 120 + tw / 2, 18.2, 0.3)
    p.line(120 - tw / 2, 19.0, 120 + tw / 2, 19.0, 0.3)
    p.text(120, 23.5, " ".join(inv.copy), 3.6)
    p.ellipse_stamp(
        120, 13, 15, 9.5, "全国统一发票监制章", [f"{inv.province}省", "国家税务总局监制"]
    )
    p.text(168, 10, "No", 6.0, kind="serif_bold", fill=p.red)
    p.text(180, 10, inv.number, 6.2, kind="sans", fill=p.red)
    y = 17.0
    if r.random() < 0.5:
        p.text(163, y, "发票代码：", lab)
        p.text(184, y, inv.code, val, data=True)
        y += 4.6
        p.text(163, y, "发票号码：", lab)
        p.text(184, y, inv.number, val, data=True)
        y += 4.6
    else:
        p.text(198, y, inv.code, val - 0.3, data=True)
        p.text(198, y + 4.0, inv.number, val - 0.3, data=True)
        y += 9.2
    p.text(163, y, "开票日期：", lab)
    p.text(184, y, inv.date, val, data=True)
    if inv.check:
        p.text(163, y + 4.6, "校 验 码：", lab)
        p.text(184, y + 4.6, inv.check, val - 0.5, data=True)
    p.text(9, 31.5, "机器编号：", lab)
    p.text(30, 31.5, inv.machine, val, data=True)

    # --- the frame and its blocks
    x0, x1 = 8.0, 232.0
    top, buyer_end, head_end, sum_row, total_row, seller_end = 36.0, 58.0, 64.0, 91.0, 98.0, 120.0
    lw = 0.35
    for yy in (top, buyer_end, sum_row, total_row, seller_end):
        p.line(x0, yy, x1, yy, lw)
    p.line(x0, top, x0, seller_end, lw)
    p.line(x1, top, x1, seller_end, lw)
    p.line(14.5, top, 14.5, buyer_end, lw)
    p.line(14.5, total_row, 14.5, seller_end, lw)
    col = (8.0, 62.0, 88.0, 101.0, 121.0, 146.0, 178.0, 191.0, 232.0)
    p.line(x0, head_end, x1, head_end, 0.15)
    for c in col[1:-1]:
        p.line(c, buyer_end, c, sum_row, 0.2)
    p.line(146.0, top, 146.0, buyer_end, lw)
    p.line(152.0, top, 152.0, buyer_end, lw)
    p.line(146.0, total_row, 146.0, seller_end, lw)
    p.line(152.0, total_row, 152.0, seller_end, lw)
    p.line(58.0, sum_row, 58.0, total_row, 0.2)

    def party_block(ytop: float, side: str, party: tuple[str, str, str, str], right: str) -> None:
        p.vertical(11.25, ytop + 1.5, ytop + 20.5, side, lab)
        labels: tuple[list[str], ...] = (
            ["名", "称："],
            ["纳税人识别号："],
            ["地", "址、电", "话："] if r.random() < 0.5 else ["地 址、电 话："],
            ["开户行及账号："],
        )
        for n, (pieces, value) in enumerate(zip(labels, party, strict=True)):
            yy = ytop + 3.2 + n * 5.0
            if len(pieces) > 1:
                p.spaced(16.5, yy, pieces, 20.5, lab)
            else:
                p.text(16.5, yy, pieces[0], lab)
            size = val if len(value) < 32 else val * 0.85
            if hard and n == 0 and len(value) > 16:  # a long name wraps onto two small lines
                cut = (len(value) + 1) // 2
                p.text(41.0, yy - 1.3, value[:cut], val * 0.8, data=True)
                p.text(41.0, yy + 1.3, value[cut:], val * 0.8, data=True)
                continue
            p.text(41.0, yy, value, size, data=True)
        p.vertical(149.0, ytop + 1.5, ytop + 20.5, right, lab)

    party_block(top, "购买方", inv.buyer, "密码区")
    for n in range(4):
        cipher = "".join(r.choice(CIPHER) for _ in range(27))
        p.text(154.0, top + 3.2 + n * 5.0, cipher, val * 0.95, kind="sans", data=True)

    heads = (
        "货物或应税劳务、服务名称",
        "规格型号",
        "单 位",
        "数 量",
        "单 价",
        "金　额",
        "税率",
        "税　额",
    )
    for n, h in enumerate(heads):
        cx = (col[n] + col[n + 1]) / 2
        if h in ("金　额", "税　额"):
            w = col[n + 1] - col[n]
            p.spaced(cx - w * 0.22, (buyer_end + head_end) / 2, [h[0], h[-1]], w * 0.44, lab)
        else:
            p.text(cx, (buyer_end + head_end) / 2, h, lab * (0.9 if n == 0 else 1.0), anchor="mm")
    pitch = min(4.8, 22.0 / len(inv.items))  # up to 8 lines above the 合计 row
    isize = val * min(0.9, pitch / 4.8 * 1.15)
    for n, it in enumerate(inv.items):
        yy = head_end + 0.7 + pitch * (n + 0.5) + (2.0 if pitch >= 4.8 else 0.0)
        p.text(9.0, yy, it.name, isize, data=True)
        p.text(63.0, yy, it.spec, isize, data=True)
        p.text(94.5, yy, it.unit, isize, anchor="mm", data=True)
        p.text(120.0, yy, it.qty, isize, anchor="rm", data=True)
        p.text(145.0, yy, it.price, isize, anchor="rm", data=True)
        p.text(177.0, yy, f"{it.amount:.2f}", isize, anchor="rm", data=True)
        p.text(184.5, yy, rate_text(it.rate), isize, anchor="mm", data=True)
        p.text(231.0, yy, f"{it.tax:.2f}" if it.rate >= 0 else "***", isize, anchor="rm", data=True)
    sy = sum_row - 3.2
    p.spaced(20.0, sy, ["合", "计"], 22.0, lab)
    p.text(177.0, sy, f"￥{inv.total:.2f}", val, anchor="rm", data=True)
    p.text(231.0, sy, f"￥{inv.total_tax:.2f}", val, anchor="rm", data=True)
    grand = round(inv.total + inv.total_tax, 2)
    gy = (sum_row + total_row) / 2
    p.text(16.0, gy, "价税合计（大写）", lab)
    p.text(60.0, gy, "⊗", val, kind="sans", data=True)
    p.text(64.5, gy, capital_amount(grand), val, data=True)
    p.text(158.0, gy, "（小写）", lab)
    p.text(176.0, gy, f"￥{grand:.2f}", val, data=True)

    party_block(total_row, "销售方", inv.seller, "备注")
    note = inv.extras.get("note")
    if note:
        p.text(154.0, total_row + 4.0, note, val * 0.8, data=True)
        if r.random() < 0.5:
            p.text(154.0, total_row + 8.5, f"开户行：{inv.buyer[3][:14]}", val * 0.8, data=True)
    elif r.random() < 0.5:
        p.text(
            154.0,
            total_row + 6.0,
            f"校验码 {inv.machine[:5]} 订单号{inv.machine[5:]}",
            val * 0.8,
            data=True,
        )
    fy = seller_end + 5.0
    p.text(12.0, fy, "收款人：", lab)
    p.text(27.0, fy, inv.payee, val, data=True)
    p.text(66.0, fy, "复核：", lab)
    p.text(77.0, fy, inv.reviewer, val, data=True)
    p.text(118.0, fy, "开票人：", lab)
    p.text(133.0, fy, inv.drawer, val, data=True)
    p.text(172.0, fy, "销售方：（章）", lab)
    if hard:
        # the copy's name down the right margin and, faint across the page, the next copy's
        # print showing through (mirrored) — the second copy-page watermark
        side = f"第{r.choice('二三一')}联：{inv.copy} {r.choice(('购买方记账凭证', '购买方扣税凭证', '销售方记账凭证'))}"
        p.vertical(236.0, 40.0, 40.0 + 3.4 * len(side), side, 2.8)
        p.print_data()
        layer = Image.new("RGBA", p.image.size, (0, 0, 0, 0))
        ImageDraw.Draw(layer).text(
            p.px(120, 75),
            f"{inv.province}增值税专用发票  {r.choice(('抵扣联', '记账联', '发票联'))}",
            font=p.font("serif_bold", 13.0),
            fill=(*p.form_ink, int(r.uniform(22, 45))),
            anchor="mm",
        )
        layer = layer.transpose(Image.Transpose.FLIP_LEFT_RIGHT).rotate(
            r.uniform(-12, 12), resample=Image.Resampling.BICUBIC
        )
        p.image.paste(layer, (0, 0), layer)
        # the seller's stamp pressed over the seller's text, sometimes over the 价税合计 line
        cx = r.uniform(40, 135)
        cy = r.uniform(95.5, 101.0) if r.random() < 0.35 else r.uniform(103.0, 114.0)
        p.ellipse_stamp(cx, cy, 20, 13, inv.seller[0][:14], [inv.seller[1], "发票专用章"])
        return crease(p.image, r)
    p.ellipse_stamp(
        r.uniform(185, 205),
        fy + r.uniform(-6, 2),
        20,
        13,
        inv.seller[0][:14],
        [inv.seller[1], "发票专用章"],
    )
    return p.image


def crease(image: Image.Image, r: random.Random) -> Image.Image:
    """1–2 fold lines across the paper: a dark crease with a lit and a shaded side."""
    arr = np.asarray(image, dtype=np.float32)
    h, w = arr.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(r.randint(1, 2)):
        across = r.random() < 0.5  # folded in half or in thirds, across or along
        d, other = (xx, yy) if across else (yy, xx)
        pos = r.choice((0.5, 0.33, 0.67)) * (w if across else h)
        dist = d - pos - r.uniform(-0.03, 0.03) * other
        width = max(2.0, w / 900)
        line = 1.0 - r.uniform(0.15, 0.35) * np.exp(-(dist**2) / (2 * width**2))
        side = 1.0 + np.sign(dist) * r.uniform(0.02, 0.06) * np.exp(-np.abs(dist) / (w / 25))
        arr *= (line * side)[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


# ---------------------------------------------------------------- the phone photo


def _perspective_coeffs(
    src: list[tuple[float, float]], dst: list[tuple[float, float]]
) -> list[float]:
    """PIL's PERSPECTIVE coefficients mapping output points `dst` to input points `src`."""
    a = []
    b = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    sol = np.linalg.solve(np.array(a, dtype=np.float64), np.array(b, dtype=np.float64))
    return [float(v) for v in sol]


def photograph(
    paper: Image.Image, seed: int, size: tuple[int, int] | None = None, hard: bool = False
) -> Image.Image:
    """The flat invoice as a phone photo of it lying on a desk (`hard`: smaller in the frame,
    turned up to ±8°, stronger perspective, glare, a lower JPEG quality)."""
    r = random.Random(seed * 104729 + 3)
    W, H = size or r.choice(((4208, 3120), (4032, 3024), (4000, 3000)))
    bg = np.array(
        r.choice(((150, 120, 90), (190, 185, 175), (120, 110, 100), (205, 200, 190))),
        dtype=np.float64,
    )
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    base = np.empty((H, W, 3), dtype=np.float32)
    grain = rng.normal(0, 6, (H // 8 + 1, W // 8 + 1)).astype(np.float32)
    grain_img = Image.fromarray(grain).resize((W, H), Image.Resampling.BILINEAR)
    g = np.asarray(grain_img, dtype=np.float32)
    for c in range(3):
        base[..., c] = bg[c] + g
    canvas = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    pw, ph = paper.size
    # where the paper's corners land: centred, turned, with perspective
    scale = W * (r.uniform(0.60, 0.85) if hard else r.uniform(0.70, 0.88)) / pw
    turn, persp, jitter, off = (8.0, 0.07, 0.02, 0.03) if hard else (3.0, 0.035, 0.012, 0.05)
    ang = math.radians(r.uniform(-turn, turn))
    cx, cy = W / 2 + r.uniform(-off, off) * W, H / 2 + r.uniform(-off, off) * H
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = sx * pw * scale / 2, sy * ph * scale / 2
        # perspective: one edge a little shorter than the opposite one
        x *= 1 + sy * r.uniform(-persp, persp) if sx else 1
        x += r.uniform(-jitter, jitter) * W
        y += r.uniform(-jitter, jitter) * H
        xr = x * math.cos(ang) - y * math.sin(ang)
        yr = x * math.sin(ang) + y * math.cos(ang)
        corners.append((cx + xr, cy + yr))
    coeffs = _perspective_coeffs([(0, 0), (pw, 0), (pw, ph), (0, ph)], corners)
    warped = paper.convert("RGBA").transform(
        (W, H), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC
    )
    canvas.paste(warped, (0, 0), warped)
    arr = np.asarray(canvas, dtype=np.float32)
    # uneven light: a broad gradient and a soft shadow
    gx, gy = r.uniform(-0.25, 0.25), r.uniform(-0.25, 0.25)
    light = 1.0 + gx * (xx / W - 0.5) + gy * (yy / H - 0.5)
    sx0, sy0 = r.uniform(0, W), r.uniform(0, H)
    rad = r.uniform(0.25, 0.6) * W
    shadow = 1.0 - r.uniform(0.08, 0.25) * np.exp(
        -((xx - sx0) ** 2 + (yy - sy0) ** 2) / (2 * rad**2)
    )
    arr *= (light * shadow)[..., None] * r.uniform(0.88, 1.02)
    if hard:  # glare: 1–2 washed-out patches from a lamp or a window
        for _ in range(r.randint(1, 2)):
            gx0, gy0 = cx + r.uniform(-0.3, 0.3) * W, cy + r.uniform(-0.2, 0.2) * H
            grx, gry = r.uniform(0.04, 0.12) * W, r.uniform(0.03, 0.08) * H
            glare = np.exp(-(((xx - gx0) / grx) ** 2 + ((yy - gy0) / gry) ** 2))
            arr += (r.uniform(90, 200) * glare)[..., None]
    arr += rng.normal(0, r.uniform(2.0, 5.0), arr.shape).astype(np.float32)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    img = img.filter(ImageFilter.GaussianBlur(r.uniform(0.8, 2.0 if hard else 1.8)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=r.randint(50, 72) if hard else r.randint(72, 90))
    return Image.open(io.BytesIO(buf.getvalue()))


def invoice_image(
    seed: int, photo: bool = True, s: float | None = None, hard: bool = False
) -> tuple[bytes, dict[str, str]]:
    """The page for `seed` as file bytes (a JPEG photo, or a flat PNG with `photo=False`) and
    its reference values; `hard`: the hard mode (module docstring)."""
    inv = make_invoice(seed, hard)
    r = random.Random(seed)
    scale = s if s is not None else (r.uniform(12.5, 14.5) if photo else 6.0)
    flat = draw_invoice(inv, scale, seed)
    buf = io.BytesIO()
    if photo:
        photograph(flat, seed, hard=hard).save(buf, "JPEG", quality=95)
    else:
        flat.save(buf, "PNG")
    return buf.getvalue(), reference(inv)


# ---------------------------------------------------------------- scoring


_CURRENCY = re.compile(r"[￥¥$]")


def fold_value(s: str | None) -> str:
    """Width/case folded, spaces removed: the form similarity compares."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s or "")).upper()


def exact_form(s: str | None) -> str:
    """The form exact match compares: folded, currency signs dropped."""
    return _CURRENCY.sub("", fold_value(s))


def similarity(got: str | None, ref: str) -> float:
    from rapidfuzz import fuzz

    if not got:
        return 0.0
    return fuzz.ratio(fold_value(got), fold_value(ref)) / 100.0


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per field and overall: exact (short fields) and mean similarity (all fields)."""
    per: dict[str, dict[str, float]] = {}
    for k in KEYS:
        ex = [exact_form(str(r["got"].get(k) or "")) == exact_form(r["ref"][k]) for r in rows]
        sim = [similarity(_as_str(r["got"].get(k)), r["ref"][k]) for r in rows]
        per[k] = {
            "exact": sum(ex) / max(len(ex), 1),
            "similarity": statistics.fmean(sim) if sim else 0.0,
        }
    short = [
        exact_form(str(r["got"].get(k) or "")) == exact_form(r["ref"][k])
        for r in rows
        for k in SHORT_KEYS
    ]
    allsim = [similarity(_as_str(r["got"].get(k)), r["ref"][k]) for r in rows for k in KEYS]
    allex = [
        exact_form(str(r["got"].get(k) or "")) == exact_form(r["ref"][k])
        for r in rows
        for k in KEYS
    ]
    return {
        "pages": len(rows),
        "short_exact": sum(short) / max(len(short), 1),
        "all_exact": sum(allex) / max(len(allex), 1),
        "similarity": statistics.fmean(allsim) if allsim else 0.0,
        "fields": per,
    }


def _as_str(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


# ---------------------------------------------------------------- running the pipeline


def _cache_path(cache: Path, seed: int, hard: bool = False) -> Path:
    tag = f"{RENDERER_VERSION}:{seed}" + (f":hard{HARD_VERSION}" if hard else "")
    h = hashlib.sha1(tag.encode()).hexdigest()[:10]
    return cache / f"invoice-{'hard-' if hard else ''}{seed}-{h}.json"


def run_bench(
    seeds: list[int],
    cache: Path | None = None,
    save_images: Path | None = None,
    log: Any = None,
    hard: bool = False,
) -> dict[str, Any]:
    """Render, OCR (or load the cached OCR) and extract each seed's page; the scores and rows."""
    from promptocr.document.model import Document
    from promptocr.tasks.service import Service

    service = Service(vlm=None)
    rows = []
    ocr_s = extract_s = 0.0
    for seed in seeds:
        cp = _cache_path(cache, seed, hard) if cache else None
        ref = reference(make_invoice(seed, hard))
        if cp is not None and cp.exists():
            doc = Document.from_dict(json.loads(cp.read_text(encoding="utf-8")))
            t0 = time.perf_counter()
            res = service.run_on_document(doc, PROMPT)
            extract_s += time.perf_counter() - t0
        else:
            data, ref = invoice_image(seed, hard=hard)
            if save_images is not None:
                save_images.mkdir(parents=True, exist_ok=True)
                (save_images / f"invoice-{seed}.jpg").write_bytes(data)
            t0 = time.perf_counter()
            res = service.run(data, PROMPT)
            ocr_s += time.perf_counter() - t0
            if cp is not None:
                cp.parent.mkdir(parents=True, exist_ok=True)
                cp.write_text(
                    json.dumps(res.document.to_dict(), ensure_ascii=False), encoding="utf-8"
                )
        got = dict(res.output.get("fields") or {})
        rows.append({"seed": seed, "ref": ref, "got": got})
        if log is not None:
            bad = {
                k: (got.get(k), ref[k])
                for k in KEYS
                if exact_form(str(got.get(k) or "")) != exact_form(ref[k])
            }
            print(f"seed {seed}: {len(KEYS) - len(bad)}/{len(KEYS)} exact", file=log)
            for k, (g, e) in bad.items():
                print(f"    {k}: got {g!r} want {e!r}", file=log)
    out = score(rows)
    out["rows"] = rows
    out["ocr_seconds"] = round(ocr_s, 1)
    out["extract_seconds"] = round(extract_s, 2)
    return out


def _parse_seeds(spec: str) -> list[int]:
    seeds: list[int] = []
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            seeds += list(range(int(a), int(b) + 1))
        elif part.strip():
            seeds.append(int(part))
    return seeds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m promptocr.bench.invoices",
        description="Held-out benchmark: photographed Chinese VAT invoices drawn by a renderer of "
        "their own, read end to end (OCR + extract with HunyuanOCR's IE prompt).",
    )
    ap.add_argument("--seeds", default="1000-1009", help="pages to draw, e.g. 1000-1009 or 1,5,9")
    ap.add_argument("--cache", type=Path, default=None, help="folder caching each page's OCR")
    ap.add_argument("--save-images", type=Path, default=None, help="write the photos here")
    ap.add_argument("--json", type=Path, default=None, help="write scores and rows here")
    ap.add_argument("--quiet", action="store_true", help="no per-page errors")
    ap.add_argument(
        "--hard",
        action="store_true",
        help="the hard mode: stamp over the data, glare, creases, ±8°, small in the frame, "
        "dot-matrix or misaligned data, 3–8 goods lines, 免税, wrapped names (see the docstring)",
    )
    a = ap.parse_args(argv)
    res = run_bench(
        _parse_seeds(a.seeds), a.cache, a.save_images, None if a.quiet else sys.stdout, a.hard
    )
    print(
        f"pages {res['pages']}: short-field exact {res['short_exact']:.3f}, "
        f"all-field exact {res['all_exact']:.3f}, mean similarity {res['similarity']:.3f}"
    )
    print(f"{'field':<10} {'exact':>6} {'similarity':>10}")
    for k, v in res["fields"].items():
        print(f"{k:<10} {v['exact']:>6.2f} {v['similarity']:>10.3f}")
    print(
        f"OCR {res['ocr_seconds']} s (uncached pages), extraction {res['extract_seconds']} s (cached pages)"
    )
    if a.json:
        a.json.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
