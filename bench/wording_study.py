"""Wording study: the same fields asked for in the page's own words and in a user's words.

Twenty held-out documents of our own design, drawn here with PIL (seed 777): utility bills,
hotel folios, payslips, insurance cards, delivery notes and quotations in English, a Chinese
express waybill and a Chinese receipt; invented names, companies, addresses and figures; five
layouts (inline, boxes, right-aligned labels, totals table, two columns), several DejaVu and
Noto CJK faces and sizes, and some pages slightly rotated, blurred, speckled or saved as JPEG.
Each document carries 4-5 fields with ground truth; each field has its printed label
(`Payment Due By`) and a user's wording of it ("payment deadline").

Every page is OCR'd once through the real service (`Service.run`, the default engine) and the
Document cached; then each field is asked for four ways on the cached Document
(`Service.run_on_document`):

    a  all fields at once, in the printed wording   ("Extract the Acct #, Due Date and ...")
    b  all fields at once, in the user's wording    ("Extract the account number, ...")
    c  each field alone, in the printed wording     ("Extract the Due Date")
    d  each field alone, in the user's wording      ("Extract the payment deadline")

(Chinese documents: "提取" + the names joined by "、".) An answer is exact when it equals the
truth with case and whitespace ignored; `sim` is rapidfuzz's ratio on the same normalisation.
Prints exact and sim per style, per document kind, per layout, per kind x style and overall,
then every miss with whether the expected value's text was in the OCR at all (docs/extract.md,
study 2's user-worded asks).

    PYTHONPATH=src .venv/bin/python bench/wording_study.py [--out DIR]
    PYTHONPATH=src .venv/bin/python bench/wording_study.py [--out DIR] --summary

DIR (default /tmp/promptocr-wording-study) holds docs/ (the pages and gt.jsonl), ocr_cache/
(one pickled Document per page) and results.jsonl and summary.txt. A second run with the same
DIR re-uses the drawn pages and the cached OCR, so only extraction and scoring run again;
delete ocr_cache/ to OCR again after changing the engine. `--summary` only prints the tables
from an existing results.jsonl.

Drawing the pages needs Debian's fonts-dejavu (fonts-dejavu-core and, for the Condensed faces,
fonts-dejavu-extra) and fonts-noto-cjk; a missing font file stops the run with its name.
`scripts/setup.sh dev` installs all three.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz import fuzz

from promptocr.document.model import Document
from promptocr.pipeline import OCRPipeline
from promptocr.tasks.service import Service

SEED = 777
DEFAULT_OUT = Path("/tmp/promptocr-wording-study")

DV = "/usr/share/fonts/truetype/dejavu/"
LAT = [
    DV + f
    for f in (
        "DejaVuSans.ttf",
        "DejaVuSerif.ttf",
        "DejaVuSansCondensed.ttf",
        "DejaVuSansMono.ttf",
        "DejaVuSerifCondensed.ttf",
    )
]
LATB = {f: f.replace(".ttf", "-Bold.ttf") for f in LAT}
CJK = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
]
CJKB = {f: f.replace("Regular", "Bold") for f in CJK}

FIRST = [
    "Maren", "Tobias", "Ilse", "Quentin", "Odalys", "Bram", "Seraphine",
    "Kofi", "Lucinda", "Evander", "Ysolde", "Rafferty", "Nadia", "Cormac",
]  # fmt: skip
LAST = [
    "Okonkwo-Hale", "Vantreight", "Lindqvist", "Marchetti", "Abernathy", "Szabo",
    "Delacroix", "Pemberton", "Havili", "Rutherford", "Castellanos",
]  # fmt: skip
STREETS = [
    "Larkspur Lane", "Quarry Road", "Beacon Terrace", "Millbrook Ave",
    "Ostler Street", "Harrow Close", "Juniper Way",
]  # fmt: skip
CITIES = [
    "Fennwick, OR 97321", "Dunmore, PA 18512", "Ashby Falls, MN 55411",
    "Caddo Springs, TX 75040", "Port Aldin, ME 04102",
]  # fmt: skip
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
MON3 = [m[:3] for m in MONTHS]
CN_NAMES = ["王晓雯", "李振国", "陈思远", "刘佳琪", "赵明辉", "孙丽娟", "周文涛", "吴雅婷"]
MONEY_KEYS = {"amount_due", "balance", "gross_pay", "net_pay", "total", "amount"}
LAYOUTS = ["inline", "boxes", "rightcol", "table", "twocol"]

Field = dict[str, str]
# (document kind, title, issuer, fields, extra lines, language)
Content = tuple[str, str, str, list[Field], list[str], str]


# ---- random values. The order of the draws fixes the pages: keep it as it is. ----


def name(r: random.Random) -> str:
    return f"{r.choice(FIRST)} {r.choice(LAST)}"


def addr(r: random.Random) -> str:
    return f"{r.randint(12, 9870)} {r.choice(STREETS)}, {r.choice(CITIES)}"


def money(r: random.Random, lo: float, hi: float, cur: str = "$") -> str:
    return f"{cur}{r.uniform(lo, hi):,.2f}"


def date(r: random.Random, style: str) -> str:
    y, m, d = r.choice([2024, 2025]), r.randint(1, 12), r.randint(1, 28)
    return {
        "us": f"{m:02d}/{d:02d}/{y}",
        "iso": f"{y}-{m:02d}-{d:02d}",
        "long": f"{MONTHS[m - 1]} {d}, {y}",
        "dmy": f"{d:02d}-{MON3[m - 1]}-{y}",
        "eu": f"{d:02d}.{m:02d}.{y}",
    }[style]


def digits(r: random.Random, n: int) -> str:
    return "".join(r.choice("0123456789") for _ in range(n))


def alnum(r: random.Random, n: int) -> str:
    return "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(n))


def fld(key: str, printed: str, natural: str, value: str) -> Field:
    """One field: its key, the label printed on the page, a user's wording, the value."""
    return {"key": key, "printed": printed, "natural": natural, "value": value}


# ---- document contents ----


def utility(r: random.Random) -> Content:
    ds = r.choice(["us", "long", "dmy"])
    per = f"{date(r, ds)} - {date(r, ds)}"
    f = [
        fld(
            "account_number",
            r.choice(["Acct #", "Account No.", "Customer Account"]),
            "account number",
            f"{digits(r, 4)}-{digits(r, 5)}-{digits(r, 2)}",
        ),
        fld(
            "billing_period",
            r.choice(["Billing Period", "Service Period"]),
            "period covered by this bill",
            per,
        ),
        fld(
            "amount_due",
            r.choice(["Amount Due", "Total Amount Due", "Please Pay"]),
            "amount I need to pay",
            money(r, 40, 480),
        ),
        fld(
            "due_date",
            r.choice(["Due Date", "Payment Due By"]),
            "payment deadline",
            date(r, ds),
        ),
        fld("service_address", "Service Address", "address where the service is provided", addr(r)),
    ]
    extra = [
        "Previous balance " + money(r, 20, 300),
        "Payment received - thank you",
        "Electricity usage 842 kWh",
        "Meter reading 48213 (actual)",
        "Customer service 1-800-555-0199",
    ]
    title = r.choice(["MONTHLY STATEMENT", "YOUR ENERGY BILL", "Water & Sewer Bill"])
    issuer = r.choice(["Northgate Power & Light", "Clearbrook Water Authority", "Sumner Gas Co-op"])
    return "utility bill", title, issuer, f, extra, "en"


def hotel(r: random.Random) -> Content:
    ds = r.choice(["dmy", "us", "eu"])
    f = [
        fld("guest_name", r.choice(["Guest Name", "Guest"]), "name of the guest", name(r)),
        fld("arrival_date", r.choice(["Arrival", "Check-in Date"]), "check-in date", date(r, ds)),
        fld(
            "departure_date",
            r.choice(["Departure", "Check-out Date"]),
            "check-out date",
            date(r, ds),
        ),
        fld(
            "room_number", r.choice(["Room No.", "Room"]), "room number", str(r.randint(101, 1418))
        ),
        fld(
            "balance",
            r.choice(["Balance", "Balance Due"]),
            "outstanding balance",
            money(r, 0, 2400),
        ),
    ]
    extra = [
        "Room charge " + money(r, 90, 300),
        "City tax " + money(r, 2, 15),
        "Minibar " + money(r, 4, 40),
        "Folio No. " + digits(r, 6),
        "We hope you enjoyed your stay",
    ]
    issuer = r.choice(["Hotel Brightwater", "The Wexley Inn & Suites", "Grand Meridel Hotel"])
    return "hotel folio", "GUEST FOLIO", issuer, f, extra, "en"


def payslip(r: random.Random) -> Content:
    g = r.uniform(2200, 8600)
    n = g * r.uniform(0.62, 0.8)
    ds = r.choice(["iso", "long", "eu"])
    f = [
        fld("employee_name", r.choice(["Employee Name", "Employee"]), "worker's name", name(r)),
        fld(
            "employee_id",
            r.choice(["Emp. ID", "Employee No.", "Staff ID"]),
            "employee number",
            f"E{digits(r, 5)}",
        ),
        fld(
            "pay_period",
            r.choice(["Pay Period", "Period"]),
            "period this pay covers",
            f"{date(r, ds)} to {date(r, ds)}",
        ),
        fld(
            "gross_pay",
            r.choice(["Gross Pay", "Total Earnings"]),
            "pay before deductions",
            f"{g:,.2f}",
        ),
        fld("net_pay", r.choice(["Net Pay", "Take Home Pay"]), "take-home amount", f"{n:,.2f}"),
    ]
    extra = [
        "Federal income tax " + f"{g * 0.12:,.2f}",
        "Social security " + f"{g * 0.062:,.2f}",
        "Medicare " + f"{g * 0.0145:,.2f}",
        "Pension contribution " + f"{g * 0.05:,.2f}",
        "Bank transfer **** " + digits(r, 4),
    ]
    title = r.choice(["PAYSLIP", "EARNINGS STATEMENT", "Pay Advice"])
    issuer = r.choice(["Halvorsen Logistics Ltd", "Brackwater Foods Inc.", "Tessaly Robotics GmbH"])
    return "payslip", title, issuer, f, extra, "en"


def insurance(r: random.Random) -> Content:
    f = [
        fld(
            "member_id",
            r.choice(["Member ID", "ID #", "Subscriber ID"]),
            "membership number",
            f"{alnum(r, 3)}{digits(r, 9)}",
        ),
        fld(
            "group_number", r.choice(["Group No.", "Group #", "GRP"]), "group number", digits(r, 6)
        ),
        fld(
            "plan",
            r.choice(["Plan", "Plan Name"]),
            "insurance plan",
            r.choice(
                ["Gold PPO 1500", "Silver HMO Select", "Bronze EPO Core", "Platinum Plus 250"]
            ),
        ),
        fld("member_name", r.choice(["Member", "Name"]), "cardholder", name(r)),
    ]
    extra = [
        "Rx BIN 610" + digits(r, 3),
        "Copay PCP $25 / Spec $50",
        "Customer Service 1-866-555-0142",
    ]
    title = r.choice(["Health Insurance Card", "MEMBER CARD"])
    issuer = r.choice(["Keystone Mutual Health", "BlueHeron Health Plans", "Orinda Care Alliance"])
    return "insurance card", title, issuer, f, extra, "en"


def delivery(r: random.Random) -> Content:
    ds = r.choice(["eu", "dmy", "iso"])
    f = [
        fld(
            "delivery_note_number",
            r.choice(["Delivery Note No.", "DN Number", "Despatch Note #"]),
            "delivery note number",
            f"DN-{digits(r, 6)}",
        ),
        fld(
            "order_reference",
            r.choice(["Order Ref.", "Your Order", "PO Reference"]),
            "purchase order number",
            f"PO{digits(r, 5)}/{r.randint(10, 99)}",
        ),
        fld(
            "delivery_date",
            r.choice(["Delivery Date", "Date of Delivery", "Delivered"]),
            "date delivered",
            date(r, ds),
        ),
        fld(
            "consignee",
            r.choice(["Consignee", "Deliver To", "Ship To"]),
            "recipient company",
            r.choice(
                [
                    "Obelisk Hardware BV",
                    "Fernhill Garden Centre",
                    "Quayside Marine Supplies",
                    "Artemis Print Works",
                ]
            ),
        ),
    ]
    extra = [
        "Qty 12  Steel bracket 40mm",
        "Qty 3  Hinge kit, zinc",
        "Qty 48  Wood screw 4x30",
        "Carrier: Pelham Freight",
        "Received in good condition: ________",
    ]
    title = r.choice(["DELIVERY NOTE", "Despatch Note"])
    issuer = r.choice(["Corran Industrial Supply", "Maple & Finch Wholesale"])
    return "delivery note", title, issuer, f, extra, "en"


def quote(r: random.Random) -> Content:
    ds = r.choice(["long", "us", "dmy"])
    f = [
        fld(
            "quote_number",
            r.choice(["Quote No.", "Quotation #", "Estimate No."]),
            "quotation number",
            f"Q-{r.randint(2024, 2025)}-{digits(r, 4)}",
        ),
        fld(
            "valid_until",
            r.choice(["Valid Until", "Expires", "Offer valid to"]),
            "expiry date of the offer",
            date(r, ds),
        ),
        fld(
            "customer",
            r.choice(["Customer", "Bill To", "Prepared for"]),
            "client",
            r.choice(
                [
                    "Hollister & Crane LLP",
                    "Vantage Dental Group",
                    "Meadowlark Bakery",
                    "Pinecrest School District",
                ]
            ),
        ),
        fld(
            "total",
            r.choice(["Total", "Grand Total", "Total (incl. VAT)"]),
            "total price",
            money(r, 300, 25000),
        ),
    ]
    extra = [
        "Subtotal " + money(r, 200, 20000),
        "Tax 8.25%",
        "Site survey 1 x $450.00",
        "Installation labour 16 h",
        "Prices in USD",
    ]
    title = r.choice(["QUOTATION", "Sales Quote", "ESTIMATE"])
    issuer = r.choice(["Brightline Renovations", "Corvid Networks", "Silverpine AV Systems"])
    return "quotation", title, issuer, f, extra, "en"


def chinese(r: random.Random, kind: str) -> Content:
    y, m, d = 2025, r.randint(1, 12), r.randint(1, 28)
    dt = r.choice([f"{y}年{m}月{d}日", f"{y}-{m:02d}-{d:02d}"])
    amt = f"¥{r.uniform(8, 980):.2f}" if r.random() < 0.5 else f"{r.uniform(8, 980):.2f}元"
    if kind == "express":
        f = [
            fld("sender", "寄件人", "发件人姓名", r.choice(CN_NAMES)),
            fld("recipient", "收件人", "收货人", r.choice(CN_NAMES)),
            fld("phone", "收件人电话", "收件人手机号", f"1{r.choice('3589')}{digits(r, 9)}"),
            fld("amount", "运费", "快递费用", amt),
            fld("date", "寄件日期", "发货日期", dt),
        ]
        extra = [
            "物品：文件/衣物",
            "重量：2.5kg",
            "寄件地址：上海市浦东新区张江路88号",
            "收件地址：成都市武侯区科华北路16号",
            "客服热线：95338",
        ]
        return "express waybill (zh)", "快递单", "迅达速运", f, extra, "zh"
    f = [
        fld("payer", "付款人", "交款人", r.choice(CN_NAMES)),
        fld("payee", "收款人", "收款方经手人", r.choice(CN_NAMES)),
        fld("phone", "联系电话", "电话号码", f"0{r.randint(10, 29)}-{digits(r, 8)}"),
        fld("amount", "金额", "收款金额", amt),
        fld("date", "日期", "开票日期", dt),
    ]
    extra = [
        "事由：办公用品费",
        "收据编号：No." + digits(r, 7),
        "大写：" + "贰佰叁拾元整",
        "单位：杭州明远文化有限公司",
    ]
    return "receipt (zh)", "收  据", "杭州明远文化有限公司", f, extra, "zh"


def cn_express(r: random.Random) -> Content:
    return chinese(r, "express")


def cn_receipt(r: random.Random) -> Content:
    return chinese(r, "receipt")


Gen = Callable[[random.Random], Content]
THREE_EACH: list[tuple[str, Gen]] = [
    ("utility", utility),
    ("hotel", hotel),
    ("payslip", payslip),
    ("insurance", insurance),
    ("delivery", delivery),
    ("quote", quote),
]
# The documents in drawing order: three of each English kind, then the two Chinese ones.
PLAN: list[tuple[str, Gen]] = [t for t in THREE_EACH for _ in range(3)] + [
    ("cn_express", cn_express),
    ("cn_receipt", cn_receipt),
]


# ---- drawing ----


def check_fonts() -> None:
    files = LAT + list(LATB.values()) + CJK + list(CJKB.values())
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        sys.exit(
            "wording_study: font file(s) missing: "
            + ", ".join(missing)
            + "\nThe pages are drawn with Debian's fonts-dejavu (fonts-dejavu-core, and"
            " fonts-dejavu-extra for the Condensed faces) and fonts-noto-cjk:"
            "\n  sudo apt-get install fonts-dejavu-core fonts-dejavu-extra fonts-noto-cjk"
        )


def font(path: str, size: int) -> ImageFont.FreeTypeFont:
    if path.endswith(".ttc"):
        return ImageFont.truetype(path, size, index=0)
    return ImageFont.truetype(path, size)


def render(r: random.Random, out: Path, idx: int, tag: str, gen: Gen) -> dict:
    """Draw document `idx` into `out` and return its ground-truth row."""
    kind, title, issuer, fields, extra, lang = gen(r)
    card = tag == "insurance"
    layout = r.choice(["inline", "boxes"]) if card else LAYOUTS[idx % len(LAYOUTS)]
    w, h = (1012, 638) if card else (1240, 1754)
    img = Image.new("RGB", (w, h), (255, 255, 255) if not card else (236, 243, 250))
    dr = ImageDraw.Draw(img)
    if lang == "zh":
        reg = r.choice(CJK)
        bold = CJKB[reg]
    else:
        reg = r.choice(LAT)
        bold = LATB[reg]
    s = r.randint(24, 30) if not card else r.randint(22, 26)
    fr, fb, ft = font(reg, s), font(bold, s), font(bold, int(s * 1.6))
    sep = "：" if lang == "zh" else ":"
    m = 80 if not card else 40
    y = m
    dr.text((m, y), issuer, font=fb, fill=(20, 40, 90))
    y += int(s * 1.6)
    if not card:
        if lang == "en":
            line = addr(r)
        else:
            line = "地址：杭州市西湖区文三路" + str(r.randint(10, 400)) + "号"
        dr.text((m, y), line, font=fr, fill=(60, 60, 60))
        y += int(s * 1.5)
    dr.text((w - m - dr.textlength(title, font=ft), m), title, font=ft, fill=(0, 0, 0))
    y += s
    dr.line((m, y, w - m, y), fill=(0, 0, 0), width=2)
    y += s
    if layout == "inline":
        for f in fields:
            dr.text((m, y), f"{f['printed']}{sep} {f['value']}", font=fr, fill=0)
            y += int(s * 1.7)
    elif layout == "boxes":
        cols = 2 if card else 3
        bw = (w - 2 * m) // cols
        bh = int(s * 3.2)
        for i, f in enumerate(fields):
            x0 = m + (i % cols) * bw
            y0 = y + (i // cols) * bh
            dr.rectangle((x0, y0, x0 + bw, y0 + bh), outline=(0, 0, 0), width=2)
            label = f["printed"].upper() if lang == "en" else f["printed"]
            dr.text((x0 + 10, y0 + 6), label, font=font(reg, int(s * 0.7)), fill=(80, 80, 80))
            vs = s
            while dr.textlength(f["value"], font=font(reg, vs)) > bw - 20 and vs > 12:
                vs -= 1
            dr.text((x0 + 10, y0 + 8 + int(s * 1.05)), f["value"], font=font(reg, vs), fill=0)
        y += ((len(fields) + cols - 1) // cols) * bh + s
    elif layout == "rightcol":
        cx = m + 360
        for f in fields:
            t = f["printed"] + sep
            dr.text((cx - dr.textlength(t, font=fb), y), t, font=fb, fill=0)
            dr.text((cx + 24, y), f["value"], font=fr, fill=0)
            y += int(s * 1.8)
    elif layout == "twocol":
        half = (w - 2 * m) // 2
        y0 = y
        for i, f in enumerate(fields):
            x = m + (i % 2) * half
            yy = y0 + (i // 2) * int(s * 1.9)
            dr.text((x, yy), f"{f['printed']}{sep}", font=fb, fill=0)
            xv = x + dr.textlength(f["printed"] + sep, font=fb) + 14
            dr.text((xv, yy), f["value"], font=fr, fill=0)
        y = y0 + ((len(fields) + 1) // 2) * int(s * 1.9) + s
    if layout == "table":  # header fields inline; money fields go into a totals table below
        for f in fields:
            if f["key"] not in MONEY_KEYS:
                dr.text((m, y), f"{f['printed']}{sep} {f['value']}", font=fr, fill=0)
                y += int(s * 1.7)
    y += s
    # body: the extra lines as a simple list of items
    if not card:
        dr.text((m, y), "Details" if lang == "en" else "明细", font=fb, fill=0)
        y += int(s * 1.5)
        for e in extra:
            dr.text((m + 20, y), e, font=fr, fill=(30, 30, 30))
            y += int(s * 1.5)
    else:
        for e in extra[:2]:
            dr.text((m, y), e, font=font(reg, int(s * 0.8)), fill=(40, 40, 40))
            y += int(s * 1.2)
    if layout == "table":
        y += s
        tx = w // 2
        rw = w - m - tx
        rh = int(s * 1.9)
        for f in fields:
            if f["key"] in MONEY_KEYS:
                dr.rectangle((tx, y, w - m, y + rh), outline=0, width=1)
                dr.line((tx + rw * 0.55, y, tx + rw * 0.55, y + rh), fill=0)
                dr.text((tx + 10, y + 8), f["printed"], font=fb, fill=0)
                xv = w - m - 10 - dr.textlength(f["value"], font=fr)
                dr.text((xv, y + 8), f["value"], font=fr, fill=0)
                y += rh
    # degradations
    ang = r.uniform(-2, 2) if r.random() < 0.5 else 0.0
    if ang:
        img = img.rotate(
            ang, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(255, 255, 255)
        )
    blur = r.random() < 0.35
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(r.uniform(0.5, 1.1)))
    noise = r.random() < 0.3
    if noise:
        px = img.load()
        assert px is not None
        for _ in range(w * h // 60):
            a, b = r.randrange(w), r.randrange(h)
            v = r.randint(120, 230)
            px[a, b] = (v, v, v)
    jpg = r.random() < 0.4
    did = f"d{idx:02d}_{tag}"
    fn = did + (".jpg" if jpg else ".png")
    if jpg:
        img.save(out / fn, quality=r.randint(55, 80))
    else:
        img.save(out / fn)
    return {
        "id": did,
        "kind": tag,
        "doc_kind": kind,
        "lang": lang,
        "layout": layout,
        "image": fn,
        "font": Path(reg).name,
        "size": s,
        "rotation": round(ang, 2),
        "blur": blur,
        "noise": noise,
        "jpeg": jpg,
        "fields": fields,
    }


def draw_pages(docs_dir: Path) -> list[dict]:
    """The pages and their ground truth: drawn into `docs_dir`, or read back if already there."""
    gt = docs_dir / "gt.jsonl"
    if gt.exists():
        rows = [json.loads(x) for x in gt.read_text(encoding="utf-8").splitlines() if x.strip()]
        if len(rows) == len(PLAN) and all((docs_dir / d["image"]).exists() for d in rows):
            print(f"re-using the {len(rows)} pages in {docs_dir}", flush=True)
            return rows
    check_fonts()
    docs_dir.mkdir(parents=True, exist_ok=True)
    r = random.Random(SEED)
    rows = [render(r, docs_dir, i, tag, gen) for i, (tag, gen) in enumerate(PLAN)]
    gt.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in rows), encoding="utf-8")
    for d in rows:
        print("drew", d["id"], d["layout"], d["font"], d["rotation"], d["blur"], d["jpeg"])
    return rows


# ---- asking and scoring ----


def listing(names: list[str], zh: bool) -> str:
    if zh:
        return "提取" + "、".join(names)
    if len(names) == 1:
        return f"Extract the {names[0]}"
    return "Extract the " + ", ".join(names[:-1]) + " and " + names[-1]


def prompts_for(doc: dict) -> list[tuple[str, str, list[str], list[str]]]:
    """(style, prompt, the gt keys asked, the names they were asked by) for the four styles."""
    zh = doc["lang"] == "zh"
    fl = doc["fields"]
    keys = [f["key"] for f in fl]
    printed = [f["printed"] for f in fl]
    natural = [f["natural"] for f in fl]
    out = [("a", listing(printed, zh), keys, printed), ("b", listing(natural, zh), keys, natural)]
    out += [("c", listing([f["printed"]], zh), [f["key"]], [f["printed"]]) for f in fl]
    out += [("d", listing([f["natural"]], zh), [f["key"]], [f["natural"]]) for f in fl]
    return out


def norm(s: Any) -> str:
    return re.sub(r"\s+", "", str(s or "")).casefold()


def closest(candidates: list[str], wanted: str) -> str:
    """The candidate most like `wanted` (rapidfuzz ratio on the normalised strings)."""
    return max(candidates, key=lambda c: fuzz.ratio(norm(c), norm(wanted)))


def ocr(svc: Service, image: Path, prompt: str, cache: Path) -> tuple[Document, float]:
    """The page's Document from the cache, or read once through the service and cached."""
    if cache.exists():
        return pickle.loads(cache.read_bytes()), 0.0
    t0 = time.time()
    res = svc.run(image, prompt)
    cache.write_bytes(pickle.dumps(res.document))
    return res.document, time.time() - t0


def score_doc(svc: Service, doc: dict, document: Document) -> list[dict]:
    """Every field of `doc` asked the four ways on its OCR'd Document, scored."""
    ntext = norm(document.text)
    gt = {f["key"]: f for f in doc["fields"]}
    rows = []
    for style, prompt, keys, names in prompts_for(doc):
        r = svc.run_on_document(document, prompt)
        pf = list(r.plan.arguments.get("fields") or [])
        fields = r.output.get("fields", {}) if r.task == "extract" else {}
        details = r.output.get("details", {}) if r.task == "extract" else {}
        # asked names -> gt keys: by position where the planner kept the count, else best match
        if len(pf) == len(keys):
            pairs: list[tuple[str, str | None]] = list(zip(keys, pf, strict=True))
        else:
            pairs = [(k, closest(pf, n) if pf else None) for k, n in zip(keys, names, strict=True)]
        for k, p in pairs:
            got = fields.get(p) if p is not None else None
            if isinstance(got, list | dict):
                got = json.dumps(got, ensure_ascii=False)
            exp = gt[k]["value"]
            exact = got is not None and norm(got) == norm(exp)
            sim = fuzz.ratio(norm(got), norm(exp)) / 100 if got is not None else 0.0
            det = details.get(p) or {}
            rows.append(
                {
                    "id": doc["id"],
                    "kind": doc["kind"],
                    "layout": doc["layout"],
                    "lang": doc["lang"],
                    "style": style,
                    "prompt": prompt,
                    "task": r.task,
                    "n_asked": len(keys),
                    "plan_fields": pf,
                    "key": k,
                    "printed": gt[k]["printed"],
                    "asked_as": p,
                    "expected": exp,
                    "got": got,
                    "exact": exact,
                    "sim": round(sim, 3),
                    "in_ocr": norm(exp) in ntext,
                    "label": det.get("label"),
                    "method": det.get("method"),
                    "confidence": det.get("confidence"),
                    "reason": r.output.get("route", {}).get("detail") if not exact else None,
                }
            )
    return rows


def run_study(out: Path) -> None:
    docs_dir, cache_dir = out / "docs", out / "ocr_cache"
    docs = draw_pages(docs_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    svc = Service(OCRPipeline())
    t_ocr = 0.0
    with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
        for doc in docs:
            first_prompt = prompts_for(doc)[0][1]
            cache = cache_dir / f"{doc['id']}.pkl"
            document, dt = ocr(svc, docs_dir / doc["image"], first_prompt, cache)
            t_ocr += dt
            for row in score_doc(svc, doc, document):
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(f"{doc['id']} done", flush=True)
    print(f"OCR time this run {t_ocr:.1f}s")


# ---- summary ----


def summarize(out: Path) -> None:
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    lines: list[str] = []

    def tab(title: str, keyf: Callable[[dict], str]) -> None:
        agg: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
        for r in rows:
            a = agg[keyf(r)]
            a[0] += 1
            a[1] += r["exact"]
            a[2] += r["sim"]
        lines.append(f"== {title}")
        for k in sorted(agg):
            n, e, s = agg[k]
            lines.append(f"  {k:<28} n={n:<4} exact={e / n:.3f} sim={s / n:.3f}")

    tab("style", lambda r: r["style"])
    tab("kind", lambda r: r["kind"])
    tab("layout", lambda r: r["layout"])
    tab("kind x style", lambda r: f"{r['kind']}/{r['style']}")
    tab("all", lambda r: "all")
    miss = [r for r in rows if not r["exact"]]
    lines.append(
        f"== misses {len(miss)}/{len(rows)}; value text in OCR: {sum(r['in_ocr'] for r in miss)};"
        f" got=None: {sum(r['got'] is None for r in miss)}"
    )
    for r in miss:
        lines.append(
            f"  {r['id']} {r['layout']} {r['style']} [{r['printed']}] asked={r['asked_as']!r}"
            f" exp={r['expected']!r} got={r['got']!r} in_ocr={r['in_ocr']} label={r['label']!r}"
        )
    text = "\n".join(lines) + "\n"
    (out / "summary.txt").write_text(text, encoding="utf-8")
    print(text, end="")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"folder for docs/, ocr_cache/, results.jsonl (default {DEFAULT_OUT})",
    )
    ap.add_argument(
        "--summary", action="store_true", help="only print the tables of an existing results.jsonl"
    )
    args = ap.parse_args()
    if args.summary:
        if not (args.out / "results.jsonl").exists():
            ap.error(f"no {args.out / 'results.jsonl'}: run the study first")
        summarize(args.out)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    run_study(args.out)
    summarize(args.out)


if __name__ == "__main__":
    main()
