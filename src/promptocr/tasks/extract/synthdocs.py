"""Synthetic document layouts for training the key→value linker.

No images: the linker reads OCR lines (text + box), so the generator writes lines directly —
forms (label: value on the row, value under its label, values aligned in a column, empty
fields, checkbox rows, tables with column headers, signature lines with the value above),
Chinese VAT invoices (header fields, the buyer / seller blocks with wide-spaced labels, the
goods table with 金额 / 税率 / 税额 and values below, the 合计 row, 价税合计（大写）…（小写）),
receipts, ID cards and letters — in Chinese and English with a little Spanish, French, German,
Italian, Portuguese and Japanese label vocabulary, with varied line heights, margins and
columns, a slight rotation, jitter, lost colons and OCR-like character errors.

Every label and value here comes from the small vocabularies below; nothing is read from any
dataset. `generate(seed, n)` is deterministic for a seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from promptocr.tasks.extract.features import Unit

GENERATOR_VERSION = 7
# the experimental variant (`generate(..., stacked=True)`; measured, not shipped: docs/extract.md,
# "Synthdocs v8 (stacked)")
STACKED_VERSION = 8
# generator v9 (experimental, not shipped): v7's documents and invoices (`invoices`: blocks of
# parties side by side, `BILL TO` / `SHIP TO` each over its name and address; docs/extract.md,
# "Invoices added to the linker's training (v9)")
INVOICES_VERSION = 9

LABELS: dict[str, list[str]] = {
    "en": [
        "Name",
        "Date",
        "Address",
        "Phone",
        "Fax",
        "Company",
        "Title",
        "Signature",
        "Department",
        "Total",
        "Amount",
        "Account No.",
        "Invoice No.",
        "Customer",
        "Reference",
        "Subject",
        "To",
        "From",
        "CC",
        "Project",
        "Budget",
        "Brand",
        "Product",
        "Contact",
        "Email",
        "City",
        "State",
        "Zip Code",
        "Country",
        "Date of Birth",
        "Sex",
        "Nationality",
        "Position",
        "Approved By",
        "Requested By",
        "Cost Center",
        "Quantity",
        "Price",
        "Description",
        "Remarks",
        "Comments",
        "Supervisor/Manager",
        "Name/Phone Ext.",
        "Period",
        "Start Date",
        "End Date",
        "Program",
        "Market",
        "Region",
        "Distribution",
        "Code",
        "Job No.",
        "Media",
        "Objective",
        "Telephone Number",
        "Social Security No.",
        "Home Address",
        "Employer",
        "Occupation",
        "Marital Status",
        "Account Name",
        "Due Date",
        "Order Number",
        "Ship To",
        "Bill To",
        "Tax",
        "Subtotal",
        "Balance Due",
        "Vendor",
        "Terms",
        "Issued By",
        "Reason",
        "Location",
        "Time",
        "Number of Pages",
        "Sent By",
        "Report Date",
        "Test Article",
        "Study No.",
        "Purpose",
    ],
    "zh": [
        "姓名",
        "性别",
        "民族",
        "出生日期",
        "住址",
        "公民身份号码",
        "名称",
        "纳税人识别号",
        "地址、电话",
        "开户行及账号",
        "开票日期",
        "发票号码",
        "发票代码",
        "金额",
        "税率",
        "税额",
        "价税合计",
        "合计",
        "备注",
        "收款人",
        "复核",
        "开票人",
        "电话",
        "邮箱",
        "单位",
        "职务",
        "申请人",
        "联系电话",
        "日期",
        "编号",
        "项目名称",
        "规格型号",
        "数量",
        "单价",
        "学历",
        "专业",
        "工作单位",
        "身份证号",
        "户籍地址",
        "邮政编码",
        "签名",
        "负责人",
        "部门",
        "申请日期",
        "联系人",
        "手机号码",
        "银行账号",
        "开户银行",
        "籍贯",
        "婚姻状况",
        "政治面貌",
        "毕业院校",
        "家庭住址",
        "紧急联系人",
        "与本人关系",
        "申请金额",
        "用途",
        "审批意见",
    ],
    "es": [
        "Nombre",
        "Apellidos",
        "Fecha",
        "Dirección",
        "Teléfono",
        "Correo electrónico",
        "Ciudad",
        "Código postal",
        "Firma",
        "Número",
        "Empresa",
        "Cargo",
        "País",
        "Fecha de nacimiento",
        "Sexo",
        "Provincia",
        "Nacionalidad",
    ],
    "fr": [
        "Nom",
        "Prénom",
        "Date",
        "Adresse",
        "Téléphone",
        "Courriel",
        "Ville",
        "Code postal",
        "Signature",
        "Numéro",
        "Société",
        "Fonction",
        "Pays",
        "Date de naissance",
        "Sexe",
        "Lieu de naissance",
        "Nationalité",
    ],
    "de": [
        "Name",
        "Vorname",
        "Datum",
        "Adresse",
        "Telefon",
        "E-Mail",
        "Stadt",
        "Postleitzahl",
        "Unterschrift",
        "Nummer",
        "Firma",
        "Beruf",
        "Land",
        "Geburtsdatum",
        "Geschlecht",
        "Straße",
        "Hausnummer",
        "Staatsangehörigkeit",
    ],
    "it": [
        "Nome",
        "Cognome",
        "Data",
        "Indirizzo",
        "Telefono",
        "Città",
        "CAP",
        "Firma",
        "Numero",
        "Azienda",
        "Professione",
        "Paese",
        "Data di nascita",
        "Sesso",
        "Codice fiscale",
        "Provincia",
    ],
    "pt": [
        "Nome",
        "Apelido",
        "Data",
        "Morada",
        "Telefone",
        "Cidade",
        "Código postal",
        "Assinatura",
        "Número",
        "Empresa",
        "Profissão",
        "País",
        "Data de nascimento",
        "Sexo",
        "Nacionalidade",
        "Localidade",
    ],
    "ja": [
        "氏名",
        "住所",
        "電話番号",
        "生年月日",
        "性別",
        "会社名",
        "日付",
        "署名",
        "メールアドレス",
        "郵便番号",
        "職業",
        "国籍",
        "番号",
        "部署",
        "フリガナ",
        "勤務先",
        "携帯電話",
    ],
}

WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "for",
    "on",
    "with",
    "report",
    "program",
    "sales",
    "market",
    "research",
    "test",
    "study",
    "new",
    "plan",
    "review",
    "total",
    "cost",
    "product",
    "brand",
    "media",
    "data",
    "project",
    "group",
    "office",
    "national",
    "company",
    "service",
    "quality",
    "control",
    "analysis",
    "results",
    "summary",
    "budget",
    "schedule",
    "account",
    "special",
    "annual",
    "regional",
    "store",
    "retail",
    "promotion",
    "tobacco",
    "filter",
    "smoke",
    "sample",
    "method",
    "area",
    "information",
    "please",
    "return",
    "attached",
    "copy",
    "original",
    "following",
    "approved",
    "meeting",
]
ZH_CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质信"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
FIRST = [
    "Mary",
    "John",
    "Robert",
    "Linda",
    "James",
    "Susan",
    "David",
    "Karen",
    "Paul",
    "Nancy",
    "Mark",
    "Lisa",
    "Carlos",
    "Ana",
    "Jean",
    "Marie",
    "Hans",
    "Petra",
    "Luca",
    "Giulia",
    "João",
    "Maria",
    "Kenji",
    "Yuki",
]
LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Miller",
    "Wilson",
    "Moore",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "García",
    "López",
    "Martin",
    "Bernard",
    "Müller",
    "Schmidt",
    "Rossi",
    "Bianchi",
    "Silva",
    "Santos",
    "Tanaka",
    "Suzuki",
]
STREETS = [
    "Main St.",
    "Oak Avenue",
    "Park Road",
    "Rue de la Paix",
    "Calle Mayor",
    "Hauptstraße",
    "Via Roma",
    "Rua Augusta",
    "中山路",
    "人民大道",
    "解放路",
    "建设路",
]
CITIES = [
    "Springfield",
    "Richmond",
    "Winston-Salem",
    "Paris",
    "Madrid",
    "Berlin",
    "Roma",
    "Lisboa",
    "北京市",
    "上海市",
    "广州市",
    "深圳市",
    "杭州市",
    "成都市",
]
DIGITS_CN = "零壹贰叁肆伍陆柒捌玖"
OCR_CONFUSIONS = {
    "0": "O",
    "O": "0",
    "1": "l",
    "l": "1",
    "I": "l",
    "5": "S",
    "S": "5",
    "8": "B",
    "B": "8",
    "e": "c",
    "c": "e",
    "m": "rn",
    ":": ";",
    "：": ":",
    "称": "称",
    "额": "频",
    "税": "祝",
    "号": "导",
}

ROLES = ("key", "value", "header", "other")


@dataclass
class SynthDoc:
    width: float
    height: float
    lang: str
    units: list[Unit] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    links: list[tuple[int, int]] = field(default_factory=list)
    # the second and later lines of a value printed over several lines, as (key, line): not
    # trained as links or as non-links (the extractor grows a value down by layout)
    continued: list[tuple[int, int]] = field(default_factory=list)


def _char_w(ch: str, lh: float) -> float:
    if ch == " ":
        return 0.3 * lh
    o = ord(ch)
    if 0x2E80 <= o <= 0x9FFF or 0xFF00 <= o <= 0xFFEF or 0xAC00 <= o <= 0xD7AF:
        return 0.95 * lh
    return 0.52 * lh


def text_width(text: str, lh: float) -> float:
    return sum(_char_w(c, lh) for c in text)


class _Builder:
    def __init__(
        self,
        rng: random.Random,
        lang: str,
        width: float,
        height: float,
        grids: bool = True,
        stacked: bool = False,
    ) -> None:
        self.rng = rng
        self.grids = grids  # generator v7's grid blocks in forms (off: forms without them)
        self.doc = SynthDoc(width, height, lang)
        self.lang = lang
        # generator v8 (`stacked`, experimental): rows of labels over their values, and a
        # document's own habit with colons (most forms print all their labels with one, or none;
        # others mix), added to every label's chance of a colon; v7 draws neither
        self.stacked = stacked
        self.colon_habit = rng.choice([0.0, 0.0, 0.3, -0.45]) if stacked else 0.0

    # -- text ---------------------------------------------------------------------------------
    def label(self, lang: str | None = None) -> str:
        lang = lang or self.lang
        r = self.rng
        if lang not in ("zh", "ja") and r.random() < 0.35:
            lang = "en"
        u = r.random()
        if u < 0.45:
            # a label of the form's own wording: a phrase of any length, not a known word
            if lang in ("zh", "ja") and r.random() < 0.8:
                t = "".join(r.choice(ZH_CHARS) for _ in range(r.randint(2, 12)))
            else:
                n = r.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8])
                t = " ".join(r.choice(WORDS + LABELS["en"]) for _ in range(n))
                t = t.title() if r.random() < 0.6 else t.capitalize()
                if r.random() < 0.15:
                    t += r.choice([" (s)", " No.", " #", " (if any)", " / Ext.", " (mm)", " %"])
        else:
            t = r.choice(LABELS[lang])
        if lang not in ("zh", "ja"):
            u = r.random()
            if u < 0.3:
                t = t.upper()
            elif u < 0.4:
                t = t.lower()
        return t

    def value(self, kind: str | None = None) -> str:
        r = self.rng
        cjk = self.lang in ("zh", "ja") and r.random() < 0.7
        kind = kind or r.choice(
            ["name", "date", "amount", "phone", "code", "text", "text", "word", "percent", "addr"]
        )
        if kind == "name":
            if cjk:
                return r.choice(SURNAMES) + "".join(
                    r.choice(ZH_CHARS) for _ in range(r.randint(1, 2))
                )
            return f"{r.choice(FIRST)} {r.choice(LAST)}" if r.random() < 0.7 else r.choice(LAST)
        if kind == "date":
            y, m, d = r.randint(1960, 2030), r.randint(1, 12), r.randint(1, 28)
            f = r.randint(0, 5)
            if f == 0:
                return f"{m}/{d}/{y % 100:02d}"
            if f == 1:
                return f"{y}-{m:02d}-{d:02d}"
            if f == 2:
                return f"{y}年{m}月{d}日"
            if f == 3:
                mon = [
                    "Jan",
                    "Feb",
                    "Mar",
                    "Apr",
                    "May",
                    "Jun",
                    "Jul",
                    "Aug",
                    "Sep",
                    "Oct",
                    "Nov",
                    "Dec",
                ][m - 1]
                return f"{mon} {d}, {y}" if r.random() < 0.5 else f"{d} {mon} {y}"
            if f == 4:
                return f"{d:02d}.{m:02d}.{y}"
            return f"{d}/{m}/{y}"
        if kind == "amount":
            a = r.choice([r.uniform(1, 100), r.uniform(100, 10000), r.uniform(1000, 10**6)])
            s = f"{a:,.2f}" if r.random() < 0.5 else f"{a:.2f}"
            cur = r.choice(["", "", "$", "￥", "¥", "€", "RM"])
            return cur + s
        if kind == "percent":
            return r.choice(["3%", "6%", "9%", "13%", "17%", "16%", "10%", "5.5%", "20 %"])
        if kind == "phone":
            if cjk or r.random() < 0.3:
                return "1" + "".join(str(r.randint(0, 9)) for _ in range(10))
            return f"({r.randint(200, 999)}) {r.randint(200, 999)}-{r.randint(1000, 9999)}"
        if kind == "code":
            n = r.randint(6, 20)
            alpha = "0123456789" if r.random() < 0.5 else "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
            return "".join(r.choice(alpha) for _ in range(n))
        if kind == "word":
            if cjk:
                return "".join(r.choice(ZH_CHARS) for _ in range(r.randint(1, 4)))
            return r.choice(["Yes", "No", "N/A", "X", "Male", "Female", "M", "F", "OK"] + WORDS)
        if kind == "addr":
            if cjk:
                return f"{r.choice(CITIES[8:])}{r.choice(STREETS[8:])}{r.randint(1, 999)}号"
            return f"{r.randint(1, 9999)} {r.choice(STREETS[:8])}, {r.choice(CITIES[:8])}"
        # free text
        if cjk:
            return "".join(r.choice(ZH_CHARS) for _ in range(r.randint(2, 14)))
        n = r.choice([1, 1, 2, 2, 3, 4, 5, 7, 10, 14])
        return " ".join(r.choice(WORDS) for _ in range(n)).capitalize()

    def noisy(self, t: str) -> str:
        r = self.rng
        if r.random() < 0.75:
            return t
        out = []
        for ch in t:
            u = r.random()
            if u < 0.04 and ch in OCR_CONFUSIONS:
                out.append(OCR_CONFUSIONS[ch])
            elif u < 0.05:
                continue
            else:
                out.append(ch)
        return "".join(out) or t

    def colon(self, t: str, p: float = 0.65) -> str:
        r = self.rng
        if r.random() < p + self.colon_habit:
            cjk = any(ord(c) > 0x2E80 for c in t)
            return t + ("：" if cjk and r.random() < 0.8 else ":")
        return t

    # -- units --------------------------------------------------------------------------------
    def add(
        self,
        text: str,
        x: float,
        y: float,
        lh: float,
        role: str,
        *,
        spacing: float = 1.0,
        lines: int = 1,
        width: float | None = None,
    ) -> int:
        text = self.noisy(text)
        w = width if width is not None else text_width(text, lh) * spacing
        r = self.rng
        h = lh * (lines + (lines - 1) * 0.25) * r.uniform(0.85, 1.15)
        j = 0.08 * lh
        box = (
            x + r.uniform(-j, j),
            y + r.uniform(-j, j),
            x + w + r.uniform(-j, j),
            y + h + r.uniform(-j, j),
        )
        self.doc.units.append(Unit(text, box))
        self.doc.roles.append(role)
        return len(self.doc.units) - 1

    def link(self, k: int, v: int, continued: bool = False) -> None:
        (self.doc.continued if continued else self.doc.links).append((k, v))


def _field(
    b: _Builder,
    x: float,
    y: float,
    lh: float,
    cell_w: float,
    style: str,
    value_x: float | None = None,
) -> float:
    """One label and its value in a cell starting at (x, y); returns the height used."""
    r = b.rng
    lab = b.colon(b.label())
    wide = b.lang in ("zh", "ja") and len(lab) <= 4 and r.random() < 0.25
    spacing = r.uniform(1.6, 3.0) if wide else 1.0
    lw = text_width(lab, lh) * spacing
    if style == "above":
        val = b.value()
        v = b.add(val, x + r.uniform(0, 2) * lh, y, lh, "value")
        k = b.add(lab, x, y + lh * r.uniform(1.3, 2.0), lh, "key", spacing=spacing)
        b.link(k, v)
        return 3.0 * lh
    k = b.add(lab, x, y, lh, "key", spacing=spacing)
    if style == "empty":
        if r.random() < 0.3:
            b.add("_" * r.randint(5, 25), x + lw + 0.5 * lh, y + 0.2 * lh, lh, "other")
        if r.random() < 0.5:
            # unrelated text further down (a note, a footer, the next section's prose): an
            # empty field's label does not take it
            t = (
                b.value("text")
                if r.random() < 0.5
                else " ".join(r.choice(WORDS) for _ in range(r.randint(4, 12)))
            )
            gap = r.uniform(1.6, 5.0) * lh
            b.add(
                t,
                x + r.uniform(-0.5, 1.0) * lh,
                y + gap,
                lh * r.uniform(0.8, 1.05),
                "other",
                width=min(text_width(t, lh), cell_w),
            )
            return gap + lh * r.uniform(1.4, 2.0)
        return lh * r.uniform(1.4, 2.2)
    kind = r.choice(["name", "date", "amount", "phone", "code", "text", "text", "word", "addr"])
    nlines = 1
    if kind in ("text", "addr") and r.random() < 0.35:
        nlines = r.randint(2, 7)
    if style in ("inline", "right"):
        if style == "inline":
            vx = x + lw + r.uniform(0.2, 2.0) * lh
        else:
            vx = value_x if value_x is not None else x + lw + r.uniform(2.5, 20) * lh
        vx = max(vx, x + lw + 0.2 * lh)
        avail = max(cell_w - (vx - x), 4 * lh)
        vals = [b.value(kind) for _ in range(nlines)]
        if nlines > 1 and r.random() < 0.4:
            v = b.add(
                " ".join(vals),
                vx,
                y,
                lh,
                "value",
                lines=nlines,
                width=min(avail, max(text_width(s, lh) for s in vals)),
            )
            b.link(k, v)
        else:
            for i, s in enumerate(vals):
                w = min(text_width(s, lh), avail)
                v = b.add(
                    s,
                    vx if i == 0 else vx + r.choice([0, 0, -lw - (vx - x - lw)]),
                    y + i * 1.25 * lh,
                    lh,
                    "value",
                    width=w,
                )
                b.link(k, v, continued=i > 0)
        return lh * (1.25 * nlines + r.uniform(0.3, 1.2))
    # below
    vx = x + r.uniform(-0.3, 3.0) * lh
    vy = y + lh * r.uniform(1.15, 2.0)
    vals = [b.value(kind) for _ in range(nlines)]
    if nlines > 1 and r.random() < 0.4:
        v = b.add(
            " ".join(vals),
            vx,
            vy,
            lh,
            "value",
            lines=nlines,
            width=min(cell_w, max(text_width(s, lh) for s in vals)),
        )
        b.link(k, v)
    else:
        for i, s in enumerate(vals):
            v = b.add(s, vx, vy + i * 1.25 * lh, lh, "value", width=min(text_width(s, lh), cell_w))
            b.link(k, v, continued=i > 0)
    return (vy - y) + lh * (1.25 * nlines + r.uniform(0.3, 1.0))


def _form(b: _Builder) -> None:
    r = b.rng
    d = b.doc
    lh = r.uniform(16, 48)
    margin = d.width * r.uniform(0.04, 0.12)
    usable = d.width - 2 * margin
    y = margin * r.uniform(0.5, 1.5)
    # a title
    if r.random() < 0.8:
        t = (
            b.value("text")
            if r.random() < 0.5
            else " ".join(r.choice(WORDS) for _ in range(3)).upper()
        )
        big = lh * r.uniform(1.1, 1.8)
        w = text_width(t, big)
        b.add(t, margin + max(0.0, (usable - w) / 2) * r.random(), y, big, "header")
        y += big * r.uniform(1.8, 3)
    styles = ["inline", "inline", "right", "below", "empty", "above"]
    weights = [0.35, 0.0, 0.25, 0.25, 0.1, 0.05]
    while y < d.height * 0.92:
        share = GRID_SHARE["cjk" if b.lang in ("zh", "ja") else "other"] if b.grids else 0.0
        if share and r.random() < share:  # generator v7: grids
            make = r.choice([_GRID_MAKERS[k] for k in GRID_KINDS])
            y = make(b, margin, y, lh, usable)
            continue
        u = r.random()
        if u < 0.08:  # section header
            t = b.value("text").upper() if r.random() < 0.6 else b.label()
            b.add(t, margin, y, lh * r.uniform(1.0, 1.3), "header")
            y += lh * r.uniform(1.5, 2.5)
        elif u < 0.12:  # short stray text: a page number, a stamp, a code, a note
            t = r.choice([b.value("code"), b.value("word"), b.value("text"), str(r.randint(1, 99))])
            b.add(t, margin + r.uniform(0, 0.8) * usable, y, lh, "other")
            y += lh * r.uniform(1.3, 2.0)
        elif u < 0.19:  # paragraph, on its own or the answer to a question printed above it
            n = r.randint(1, 4)
            q = -1
            if r.random() < 0.35:
                q = b.add(b.colon(b.label(), 0.4), margin, y, lh, "key")
                y += lh * r.uniform(1.3, 2.2)
                n = r.randint(1, 6)
            for _ in range(n):
                t = " ".join(r.choice(WORDS) for _ in range(r.randint(6, 16))).capitalize()
                if b.lang in ("zh", "ja") and r.random() < 0.7:
                    t = "".join(r.choice(ZH_CHARS) for _ in range(r.randint(8, 30)))
                    if r.random() < 0.3:
                        t += "："
                i = b.add(t, margin, y, lh, "other", width=min(text_width(t, lh), usable))
                if q >= 0:
                    b.doc.roles[i] = "value"
                    b.link(q, i)
                y += lh * 1.3
            y += lh * 0.6
        elif u < 0.29:  # table with column headers
            y = _table(b, margin, y, lh, usable)
        elif u < 0.33:  # checkbox row
            k = b.add(b.colon(b.label()), margin, y, lh, "key")
            x = d.units[k].box[2] + lh
            for _ in range(r.randint(2, 4)):
                opt = r.choice(["□ ", "☐ ", "[ ] ", "○ ", ""]) + b.value("word")
                i = b.add(opt, x, y, lh, "other" if r.random() < 0.7 else "value")
                if d.roles[i] == "value":
                    b.link(k, i)
                x = d.units[i].box[2] + lh * r.uniform(1, 4)
            y += lh * 1.8
        elif u < 0.45:  # a block of fields with values aligned in a column
            n = r.randint(2, 6)
            vx = margin + r.uniform(6, 30) * lh
            for _ in range(n):
                y += _field(b, margin, y, lh, usable, r.choice(["right", "right", "empty"]), vx)
        elif u < 0.52:  # table rows whose label stands at the middle of a tall cell of lines
            y = _centred_rows(b, margin, y, lh, usable)
        elif b.stacked and u < 0.58:  # generator v8: rows of labels, each over its value
            y = _stacked_fields(b, margin, y, lh, usable)
        else:  # a row of 1-3 fields in columns
            ncol = r.choice([1, 1, 2, 2, 3])
            cw = usable / ncol
            hs = []
            st = r.choices(styles, weights)[0] if r.random() < 0.6 else None
            for c in range(ncol):
                s = st or r.choices(styles, weights)[0]
                hs.append(_field(b, margin + c * cw, y, lh, cw * 0.92, s))
            y += max(hs)


# the headings of a party's block (who bills, who is billed, where goods go), by language
PARTY_HEADINGS: dict[str, list[str]] = {
    "en": ["Bill To", "Ship To", "Sold To", "Remit To", "Invoice To", "Deliver To", "From", "To",
           "Seller", "Buyer", "Shipper", "Consignee", "Vendor", "Customer", "Supplier", "Client",
           "Billing Address", "Shipping Address", "Sender", "Recipient", "Landlord", "Tenant",
           "Notify Party", "Payee", "Customer Details", "Issued To"],
    "zh": ["购买方", "销售方", "发货人", "收货人", "甲方", "乙方", "寄件人", "收件人", "供应商",
           "客户", "付款方", "收款方", "买方", "卖方"],
    "es": ["Facturar a", "Enviar a", "Remitente", "Destinatario", "Vendedor", "Comprador", "Cliente"],
    "fr": ["Facturer à", "Livrer à", "Expéditeur", "Destinataire", "Vendeur", "Acheteur", "Client"],
    "de": ["Rechnungsempfänger", "Lieferanschrift", "Absender", "Empfänger", "Verkäufer", "Käufer",
           "Kunde"],
    "it": ["Fatturare a", "Spedire a", "Mittente", "Destinatario", "Venditore", "Acquirente",
           "Cliente"],
    "pt": ["Faturar para", "Enviar para", "Remetente", "Destinatário", "Vendedor", "Comprador",
           "Cliente"],
    "ja": ["請求先", "送付先", "発送元", "届け先", "売主", "買主", "お客様"],
}  # fmt: skip
_FIRMS = ["Inc.", "Ltd", "LLC", "GmbH", "Co.", "Corp.", "Group", "S.A.", "Trading", "& Sons",
          "Pty Ltd", "S.r.l.", "Ltda.", "SARL", "Holdings", "Logistics"]  # fmt: skip


def _party_name(b: _Builder, cjk: bool) -> str:
    """A party's name as its block's first line: a firm or a person."""
    r = b.rng
    if cjk:
        city = r.choice(CITIES[8:]).rstrip("市")
        core = "".join(r.choice(ZH_CHARS) for _ in range(r.randint(2, 4)))
        return r.choice([f"{city}{core}有限公司", f"{core}科技有限公司", b.value("name")])
    if r.random() < 0.3:
        return b.value("name")
    core = " ".join(r.choice(LAST + WORDS) for _ in range(r.randint(1, 3))).title()
    name = f"{core} {r.choice(_FIRMS)}"
    return name.upper() if r.random() < 0.3 else name


def _party_blocks(b: _Builder, x0: float, y: float, lh: float, usable: float) -> float:
    """Blocks of parties side by side (generator v9): a heading each (`BILL TO`, `Ship To:`,
    `购买方`), and under it the party's lines, left-aligned with it — a name, one to three
    address lines, sometimes a phone — all the heading's value (the first line linked, the
    others continuing it); a block may end with a `Tel:` or `Email:` line of its own (a label
    and its value). The next block's heading stands on the first one's row, so the name under
    one heading has another name to its right: no label of it. Returns the y under them."""
    r = b.rng
    ncol = r.choice([1, 2, 2, 2, 2, 3])
    cw = usable / ncol
    lang = b.lang if r.random() < 0.6 else "en"
    if lang not in PARTY_HEADINGS:
        lang = "en"
    heads = r.sample(PARTY_HEADINGS[lang], ncol)
    caps = r.random() < 0.5
    colon = r.random() < 0.3
    hh = lh * r.uniform(1.0, 1.25)
    step = lh * r.uniform(1.15, 1.4)
    used = 0.0
    for c in range(ncol):
        x = x0 + c * cw + r.uniform(0, 0.6) * lh
        head = heads[c].upper() if caps and lang not in ("zh", "ja") else heads[c]
        k = b.add(b.colon(head, 1.0) if colon else head, x, y, hh, "key")
        cjk = b.lang in ("zh", "ja") and lang == b.lang and r.random() < 0.8
        lines = [_party_name(b, cjk)]
        for _ in range(r.randint(1, 3)):
            lines.append(b.value("addr"))
        if r.random() < 0.35:
            lines.append(b.value("phone"))
        vy = y + hh + lh * r.uniform(0.2, 0.7)
        vx = x + r.uniform(-0.2, 0.4) * lh

        def own_field(labels: list[str], kind: str, vx: float) -> None:
            # a line of the block with a label of its own (`Attn: Maria Delgado`, `Tel: …`)
            nonlocal vy
            sk = b.add(b.colon(r.choice(labels), 0.9), vx, vy, lh, "key")
            sv = b.add(b.value(kind), b.doc.units[sk].box[2] + lh * r.uniform(0.3, 1.0), vy, lh,
                       "value")  # fmt: skip
            b.link(sk, sv)
            vy += step

        for i, t in enumerate(lines):
            w = min(text_width(t, lh), cw * 0.92)
            v = b.add(t, vx, vy, lh, "value", width=w)
            b.link(k, v, continued=i > 0)
            vy += step
            if i == 0 and len(lines) > 1 and r.random() < 0.2:
                # (under the name, the person to write to; the address goes on under it)
                own_field(
                    ["联系人"] if cjk else ["Attn", "Attention", "c/o", "Contact"], "name", vx
                )
        if r.random() < 0.3:
            own_field(["电话", "传真"] if cjk else ["Tel", "Phone", "Email", "Fax"], "phone", vx)
        used = max(used, vy - y)
    return y + used + lh * r.uniform(0.8, 1.8)


_INVOICE_FIELDS = ["Invoice #", "Invoice No.", "Invoice Number", "Invoice Date", "Date",
                   "Due Date", "PO Number", "P.O. #", "Order #", "Customer ID", "Account No.",
                   "Terms", "Reference", "Delivery Date", "Payment Due"]  # fmt: skip
_TOTALS = ["Subtotal", "Sub Total", "Tax", "Sales Tax", "VAT", "GST", "Discount", "Shipping",
           "Freight", "Total", "Total Due", "Balance Due", "Amount Due", "Amount Paid",
           "Grand Total"]  # fmt: skip
_TITLES_INV = ["INVOICE", "TAX INVOICE", "Invoice", "QUOTATION", "PURCHASE ORDER", "RECEIPT",
               "STATEMENT", "CREDIT NOTE", "PACKING SLIP"]  # fmt: skip


def _invoice_kv(
    b: _Builder, labels: list[str], x: float, y: float, vx: float, lh: float, kinds: list[str]
) -> float:
    """Rows of `label   value` with the values in a column at `vx` (an invoice's header
    fields, its totals); a label may carry a bracketed rate (`Tax (8.5%)`)."""
    r = b.rng
    colon = r.random() < 0.5
    step = lh * r.uniform(1.2, 1.6)
    for lab, kind in zip(labels, kinds, strict=True):
        if kind == "amount" and lab in ("Tax", "Sales Tax", "VAT", "GST") and r.random() < 0.5:
            lab += f" ({r.choice(['5', '6', '7.25', '8.5', '10', '13', '20'])}%)"
        text = lab.upper() if r.random() < 0.25 else lab
        k = b.add(b.colon(text, 1.0) if colon else text, x, y, lh, "key")
        v = b.add(b.value(kind), vx + r.uniform(-0.3, 0.3) * lh, y, lh, "value")
        b.link(k, v)
        y += step
    return y


def _invoice(b: _Builder) -> None:
    """An invoice (generator v9): the vendor's letterhead, a title, header fields in a column
    of values, the parties side by side (`_party_blocks`), the goods table, the totals under
    its right half, and a footer line."""
    r = b.rng
    d = b.doc
    lh = r.uniform(16, 40)
    m = d.width * r.uniform(0.05, 0.1)
    usable = d.width - 2 * m
    y = m * r.uniform(0.6, 1.2)
    top = y
    b.add(_party_name(b, False).upper(), m, y, lh * r.uniform(1.3, 2.0), "header")
    y += lh * 2.4
    for _ in range(r.randint(1, 3)):
        b.add(b.value("addr"), m, y, lh, "other")
        y += lh * 1.3
    if r.random() < 0.6:
        b.add(f"{r.choice(['Phone', 'Tel', 'Ph'])}: {b.value('phone')}", m, y, lh, "other")
        y += lh * 1.3
    right = m + usable * r.uniform(0.5, 0.62)
    b.add(r.choice(_TITLES_INV), right, top, lh * r.uniform(1.5, 2.4), "header")
    labels = r.sample(_INVOICE_FIELDS, r.randint(2, 5))
    kinds = ["date" if "Date" in x or "Due" in x else "code" for x in labels]
    ry = _invoice_kv(b, labels, right, top + lh * 3.0, right + usable * 0.2, lh, kinds)
    y = max(y, ry) + lh * r.uniform(1.0, 2.5)
    y = _party_blocks(b, m, y, lh, usable)
    y = _table(b, m, y, lh, usable) + lh * 0.5
    totals = r.sample(_TOTALS, r.randint(2, 5))
    tx = m + usable * r.uniform(0.5, 0.65)
    y = _invoice_kv(b, totals, tx, y, m + usable * 0.85, lh, ["amount"] * len(totals))
    y += lh
    if r.random() < 0.7 and y < d.height - 2 * lh:
        t = r.choice(["Payment terms", "Terms", "Notes", "Bank"])
        k = b.add(f"{t}:", m, y, lh, "key")
        v = b.add(b.value("text"), b.doc.units[k].box[2] + 0.5 * lh, y, lh, "value")
        b.link(k, v)


def invoices(seed: int, n: int) -> list[SynthDoc]:
    """`n` invoices (`_invoice`; generator v9, an experiment not shipped, adds them to v7's
    documents: `scripts/train_linker.py`, `LINKER_INVOICES`), the same for the same seed; mostly
    in English."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        lang = rng.choice(["en", "en", "en", "en", "fr", "de", "es", "it", "pt"])
        w = rng.uniform(1200, 2600)
        b = _Builder(rng, lang, w, w * rng.uniform(1.1, 1.5))
        _invoice(b)
        if rng.random() < 0.5:
            _rotate(b.doc, rng.uniform(-1.5, 1.5))
        out.append(b.doc)
    return out


def _stacked_fields(b: _Builder, x0: float, y: float, lh: float, usable: float) -> float:
    """1-3 rows of 2-5 fields across the page, each label over its value (`First Name`
    `Last Name` `Date of Birth` over `Anna` `Weller` `12/03/1985`): the labels of a row share
    one style, all with a colon or (more often) none, and their values stand under them, left
    aligned, centred or slightly off; some are empty (generator v8). A row of labels over a row
    of values has the shape of a column of labels beside a column of values; which it is shows
    in what the runs say."""
    r = b.rng
    for _ in range(r.randint(1, 3)):
        ncol = r.randint(2, 5)
        cuts = sorted(r.uniform(0.15, 0.85) for _ in range(ncol - 1))
        edges = [0.0, *cuts, 1.0]
        colon = r.random() < 0.35 + b.colon_habit
        align = r.choice(["left", "left", "centre", "loose"])
        vy = lh * r.uniform(1.15, 1.9)
        kinds = ["name", "date", "amount", "phone", "code", "text", "word", "addr"]
        for c in range(ncol):
            cx = x0 + edges[c] * usable
            cw = (edges[c + 1] - edges[c]) * usable * 0.95
            if cw < 2.5 * lh:
                continue
            lab = b.label()
            if colon:
                lab += "：" if b.lang in ("zh", "ja") and r.random() < 0.8 else ":"
            lw = min(text_width(lab, lh), cw)
            k = b.add(lab, cx, y, lh, "key", width=lw)
            if r.random() < 0.1:
                continue  # left empty
            t = b.value(r.choice(kinds))
            w = min(text_width(t, lh), cw)
            if align == "left":
                vx = cx + r.uniform(-0.2, 0.2) * lh
            elif align == "centre":
                vx = cx + (lw - w) / 2
            else:
                vx = cx + r.uniform(-0.5, 2.0) * lh
            v = b.add(t, max(x0, vx), y + vy, lh, "value", width=w)
            b.link(k, v)
        y += vy + lh * r.uniform(1.5, 2.6)
    return y + lh * 0.3


def _centred_rows(b: _Builder, x0: float, y: float, lh: float, usable: float) -> float:
    """2-4 rows of a form table, each a label set at the vertical middle of its cell and the
    cell's 2-8 lines of text right of it: the first lines of a cell stand above its label, level
    with the label of the row before (a Chinese application form's 支出内容 / 政策依据)."""
    r = b.rng
    lab_w = lh * r.uniform(3, 9)
    vx = x0 + lab_w + lh * r.uniform(0.8, 4.0)
    avail = max(usable - (vx - x0), 6 * lh)
    pitch = lh * r.uniform(1.05, 1.45)
    for _ in range(r.randint(2, 4)):
        n = r.randint(2, 8)
        block = n * pitch
        lab = b.colon(b.label(), 0.3)
        # a long label wraps in its narrow column: one unit of 1-3 lines
        nl = 1 if len(lab) <= 6 or r.random() < 0.5 else r.randint(2, 3)
        lw = min(text_width(lab, lh) / nl, lab_w)
        lx = x0 + (lab_w - lw) / 2 if r.random() < 0.5 else x0 + 0.3 * lh
        lab_h = lh * (nl + (nl - 1) * 0.25)
        ly = y + (block - lab_h) / 2 + r.uniform(-0.3, 0.3) * lh
        k = b.add(lab, lx, ly, lh, "key", lines=nl, width=lw)
        for i in range(n):
            t = b.value("text")
            if r.random() < 0.5:
                t = " ".join(r.choice(WORDS) for _ in range(r.randint(4, 14))).capitalize()
                if b.lang in ("zh", "ja") and r.random() < 0.7:
                    t = "".join(r.choice(ZH_CHARS) for _ in range(r.randint(8, 30)))
            w = min(text_width(t, lh), avail)
            v = b.add(t, vx + r.uniform(-0.2, 0.2) * lh, y + i * pitch, lh, "value", width=w)
            b.link(k, v)
        y += block + lh * r.uniform(0.4, 1.0)
    return y + lh * 0.5


def _table(b: _Builder, x0: float, y: float, lh: float, usable: float) -> float:
    r = b.rng
    ncol = r.randint(2, 6)
    cw = usable / ncol
    heads = []
    for c in range(ncol):
        t = b.label()
        if r.random() < 0.1:
            t = b.colon(t, 1.0)
        w = text_width(t, lh)
        cx = x0 + c * cw + (cw - w) / 2 if r.random() < 0.5 else x0 + c * cw + 0.3 * lh
        heads.append(b.add(t, cx, y, lh, "key"))
    y += lh * r.uniform(1.5, 2.2)
    nrows = r.choice([1, 2, 3, 4, 5, 6, 8, 10, 12, 15])
    all_rows = r.random() < 0.7
    if r.random() < 0.4:  # row labels in the first column, each the key of its row's cells
        b.doc.roles[heads[0]] = "header" if r.random() < 0.5 else "key"
        # a cell answers its row's label, and on some forms its column's header too
        both = r.random() < 0.5
        if not both:
            for h in heads[1:]:
                if r.random() < 0.7:
                    b.doc.roles[h] = "header"
        for _ in range(nrows):
            rk = b.add(
                b.label(),
                x0 + 0.3 * lh,
                y,
                lh,
                "key",
                width=min(cw * 0.9, text_width(b.label(), lh)),
            )
            for c in range(1, ncol):
                if r.random() < 0.15:
                    continue
                t = b.value(r.choice(["amount", "word", "percent", "code"]))
                w = min(text_width(t, lh), cw * 0.9)
                v = b.add(t, x0 + c * cw + (cw - w) / 2, y, lh, "value", width=w)
                b.link(rk, v)
                if both:
                    b.link(heads[c], v)
            y += lh * r.uniform(1.2, 1.8)
        return y + lh * 0.8
    kinds = [r.choice(["amount", "word", "text", "date", "code", "percent"]) for _ in range(ncol)]
    for ri in range(nrows):
        for c in range(ncol):
            if r.random() < 0.1:
                continue
            t = b.value(kinds[c])
            w = min(text_width(t, lh), cw * 0.9)
            mode = r.random()
            cx = (
                x0
                + c * cw
                + ((cw - w) / 2 if mode < 0.4 else (cw - w - 0.3 * lh if mode < 0.7 else 0.3 * lh))
            )
            v = b.add(t, cx, y, lh, "value", width=w)
            if ri == 0 or all_rows:
                b.link(heads[c], v)
            else:
                b.doc.roles[v] = "other"
        y += lh * r.uniform(1.3, 1.8)
    return y + lh * 0.8


def _cell_text(b: _Builder, long: bool = False) -> str:
    """A table cell's text: a value of any kind, or a longer phrase."""
    r = b.rng
    if long and r.random() < 0.5:
        if b.lang in ("zh", "ja") and r.random() < 0.7:
            return "".join(r.choice(ZH_CHARS) for _ in range(r.randint(6, 24)))
        return " ".join(r.choice(WORDS) for _ in range(r.randint(3, 10))).capitalize()
    return b.value(r.choice(["name", "date", "amount", "word", "text", "percent", "code"]))


def _section_table(b: _Builder, x0: float, y: float, lh: float, usable: float) -> float:
    """A table of column headers and rows of cells, with a tall section label in a cell on its
    left spanning all its rows (家庭主要成员及社会关系 beside 称谓 / 姓名 / 年龄 …): the section
    label is a key of no cell; each cell answers its column's header (generator v7)."""
    r = b.rng
    sec_w = lh * r.uniform(2.5, 8)
    lab = b.label()
    if b.lang in ("zh", "ja") and r.random() < 0.7:
        lab = "".join(r.choice(ZH_CHARS) for _ in range(r.randint(4, 14)))
    ncol = r.randint(2, 6)
    tx = x0 + sec_w + lh * r.uniform(0.5, 1.5)
    cw = (x0 + usable - tx) / ncol
    nrows = r.randint(1, 6)
    pitch = lh * r.uniform(1.4, 2.6)
    top = y
    heads = []
    for c in range(ncol):
        t = b.colon(b.label(), 0.1)
        w = min(text_width(t, lh), cw * 0.95)
        cx = tx + c * cw + ((cw - w) / 2 if r.random() < 0.6 else 0.3 * lh)
        heads.append(b.add(t, cx, y, lh, "key", width=w))
    y += pitch
    kinds = [r.choice(["name", "date", "amount", "word", "text", "code", "percent"]) for _ in heads]
    for _ in range(nrows):
        for c in range(ncol):
            if r.random() < 0.12:
                continue
            t = b.value(kinds[c])
            w = min(text_width(t, lh), cw * 0.9)
            cx = tx + c * cw + ((cw - w) / 2 if r.random() < 0.6 else 0.3 * lh)
            v = b.add(t, cx, y + r.uniform(-0.15, 0.15) * lh, lh, "value", width=w)
            b.link(heads[c], v)
        y += pitch
    # the section label: at the middle of its tall cell, wrapped in its narrow column
    nl = max(1, min(4, math.ceil(text_width(lab, lh) / sec_w)))
    lw = min(text_width(lab, lh) / nl, sec_w)
    lab_h = lh * (nl + (nl - 1) * 0.25)
    ly = top + (y - top - lab_h) / 2 + r.uniform(-0.3, 0.3) * lh
    b.add(lab, x0 + max(0.0, (sec_w - lw) / 2), ly, lh, "key", lines=nl, width=lw)
    return y + lh * r.uniform(0.4, 1.0)


def _kv_grid(b: _Builder, x0: float, y: float, lh: float, usable: float) -> float:
    """A ruled form grid: rows of [label | value | label | value …] cells in fixed columns
    (姓名 | 张三 | 性别 | 男), values centred or left in their wide cells, some empty, some
    of two lines; a label may wrap in a tall cell (工作单位 / 及职务) (generator v7)."""
    r = b.rng
    npair = r.randint(1, 4)
    lab_w = lh * r.uniform(2.5, 7)
    pair_w = usable / npair
    val_w = max(pair_w - lab_w, 3 * lh)
    centred = r.random() < 0.5
    for _ in range(r.randint(2, 7)):
        tall = r.random() < 0.3
        row_h = lh * (r.uniform(2.4, 4.0) if tall else r.uniform(1.4, 2.4))
        span = npair > 1 and r.random() < 0.2  # one pair across the whole row
        for c in range(1 if span else npair):
            cx = x0 + c * pair_w
            lab = b.colon(b.label(), 0.3)
            nl = 2 if tall and text_width(lab, lh) > lab_w * 0.8 and r.random() < 0.7 else 1
            lw = min(text_width(lab, lh) / nl, lab_w * 0.95)
            lab_h = lh * (nl + (nl - 1) * 0.25)
            lx = cx + ((lab_w - lw) / 2 if r.random() < 0.5 else 0.2 * lh)
            k = b.add(lab, lx, y + (row_h - lab_h) / 2, lh, "key", lines=nl, width=lw)
            if r.random() < 0.12:
                continue  # left empty
            vw = (usable - lab_w) if span else val_w
            nv = 2 if tall and r.random() < 0.5 else 1
            vals = [_cell_text(b, long=span or nv > 1) for _ in range(nv)]
            vx0 = cx + lab_w
            for i, t in enumerate(vals):
                w = min(text_width(t, lh), vw * 0.92)
                vx = vx0 + ((vw - w) / 2 if centred else r.uniform(0.2, 0.8) * lh)
                vy = y + (row_h - lh * (1.25 * nv - 0.25)) / 2 + i * 1.25 * lh
                v = b.add(t, vx, vy, lh, "value", width=w)
                b.link(k, v)
        y += row_h
    return y + lh * r.uniform(0.4, 1.0)


def _option_row(b: _Builder, x0: float, y: float, lh: float, usable: float) -> float:
    """A question and its check-box options (□工人 □干部 ☑其他), all options the answer, in one
    run or several; often another question with its options further along the row (v7)."""
    r = b.rng
    x = x0
    for _ in range(r.choice([1, 1, 2, 3])):
        if x > x0 + usable * 0.75:
            break
        k = b.add(b.colon(b.label(), 0.6), x, y, lh, "key")
        x = b.doc.units[k].box[2] + lh * r.uniform(0.3, 1.5)
        box = r.choice(["□", "☐", "☑", "■", "○", "[ ]"])
        opts = [
            box + (r.choice(["", " "]) if r.random() < 0.8 else "") + b.value("word")
            for _ in range(r.randint(2, 5))
        ]
        if r.random() < 0.1:
            opts = [o + r.choice(["[1]", "(2)", "3"]) for o in opts]
        groups = [opts] if r.random() < 0.5 else [[o] for o in opts]
        for g in groups:
            t = " ".join(g)
            v = b.add(t, x, y, lh, "value")
            b.link(k, v)
            x = b.doc.units[v].box[2] + lh * r.uniform(0.5, 2.0)
        x += lh * r.uniform(1, 4)
    return y + lh * r.uniform(1.5, 2.2)


_GRID_MAKERS = {"section": _section_table, "grid": _kv_grid, "option": _option_row}
# generator v7: the share of a form's blocks drawn as grids, by the script of the rendered form
# (CJK forms are mostly ruled grids), and the kinds drawn (a kind listed twice is drawn twice as
# often)
GRID_SHARE = {"cjk": 0.25, "other": 0.1}
GRID_KINDS = ("section", "grid", "grid", "option")


def _amount_upper(a: float) -> str:
    s = "".join(DIGITS_CN[int(c)] for c in str(int(a)))
    return "⊗" + s + "圆整"


def _vat(b: _Builder) -> None:
    r = b.rng
    d = b.doc
    lh = r.uniform(18, 40)
    m = d.width * r.uniform(0.03, 0.08)
    W = d.width - 2 * m
    y = m
    b.add(
        r.choice(["北京", "上海", "广东", "浙江", "江苏"]) + "增值税专用发票",
        m + W * 0.3,
        y,
        lh * 1.6,
        "header",
    )
    right_x = m + W * 0.68
    for lab, kind in (("发票代码", "code"), ("发票号码", "code"), ("开票日期", "date")):
        k = b.add(b.colon(lab, 0.8), right_x, y, lh * 0.9, "key")
        v = b.add(b.value(kind), d.units[k].box[2] + r.uniform(0.3, 1.5) * lh, y, lh * 0.9, "value")
        b.link(k, v)
        y += lh * 1.4
    y += lh

    def party(y: float) -> float:
        b.add(r.choice(["购买方", "销售方", "购 买 方", "销 售 方"]), m, y, lh, "other")
        vx = m + 7.5 * lh
        for lab, kind in (
            ("名称", "text"),
            ("纳税人识别号", "code"),
            ("地址、电话", "addr"),
            ("开户行及账号", "text"),
        ):
            spacing = 1.0
            if len(lab) <= 3 and r.random() < 0.6:
                spacing = r.uniform(2.0, 4.0)
            k = b.add(b.colon(lab, 0.85), m + 2 * lh, y, lh, "key", spacing=spacing)
            if kind == "addr":
                val = b.value("addr") + " " + b.value("phone")
            elif kind == "text" and lab == "开户行及账号":
                val = (
                    r.choice(["中国工商银行", "中国银行", "招商银行", "建设银行"])
                    + r.choice(CITIES[8:])
                    + "支行 "
                    + b.value("code")
                )
            else:
                val = b.value(kind)
                if lab == "名称":
                    val = (
                        r.choice(CITIES[8:])[:2]
                        + "".join(r.choice(ZH_CHARS) for _ in range(r.randint(2, 6)))
                        + "有限公司"
                    )
            v = b.add(
                val, max(vx, d.units[k].box[2] + 0.3 * lh) + r.uniform(0, 1) * lh, y, lh, "value"
            )
            b.link(k, v)
            y += lh * r.uniform(1.3, 1.7)
        return y

    y = party(y)
    # 密码区
    for _ in range(r.randint(0, 3)):
        b.add(b.value("code") + b.value("code"), m + W * 0.6, y - lh * 4, lh * 0.8, "other")
    y += lh * 0.8
    cols = ["货物或应税劳务、服务名称", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额"]
    fr = [0.0, 0.22, 0.34, 0.42, 0.5, 0.6, 0.75, 0.84, 1.0]
    heads = []
    for i, c in enumerate(cols):
        cx0, cx1 = m + fr[i] * W, m + fr[i + 1] * W
        t = c if r.random() > 0.3 or len(c) > 2 else c[0] + "  " + c[1]
        w = text_width(t, lh)
        heads.append(b.add(t, (cx0 + cx1 - w) / 2, y, lh, "key"))
    y += lh * r.uniform(1.4, 2.0)
    nrows = r.randint(1, 3)
    totals = [0.0, 0.0]
    for ri in range(nrows):
        amt = round(r.uniform(10, 20000), 2)
        rate = r.choice([3, 6, 9, 13, 16, 17])
        tax = round(amt * rate / 100, 2)
        totals[0] += amt
        totals[1] += tax
        vals = [
            "*"
            + "".join(r.choice(ZH_CHARS) for _ in range(r.randint(2, 6)))
            + "*"
            + "".join(r.choice(ZH_CHARS) for _ in range(2)),
            b.value("code")[:6] if r.random() < 0.5 else "",
            r.choice(["个", "台", "件", "套", "次", ""]),
            str(r.randint(1, 50)),
            f"{amt / r.randint(1, 9):.2f}",
            f"{amt:.2f}",
            f"{rate}%",
            f"{tax:.2f}",
        ]
        for i, t in enumerate(vals):
            if not t:
                continue
            cx0, cx1 = m + fr[i] * W, m + fr[i + 1] * W
            w = text_width(t, lh)
            x = cx1 - w - 0.3 * lh if i >= 3 else cx0 + 0.3 * lh
            v = b.add(t, x, y, lh, "value" if ri == 0 else "other")
            if ri == 0:
                b.link(heads[i], v)
        y += lh * 1.4
    y += lh * r.uniform(0.5, 2.5)
    k = b.add(r.choice(["合计", "合 计", "合      计"]), m + 0.08 * W, y, lh, "key")
    for i, val in ((5, totals[0]), (7, totals[1])):
        t = "￥" + f"{val:.2f}"
        cx1 = m + fr[i + 1] * W
        w = text_width(t, lh)
        b.link(k, b.add(t, cx1 - w - 0.3 * lh, y, lh, "value"))
    y += lh * 1.8
    total = totals[0] + totals[1]
    k = b.add(
        "价税合计（大写）" if r.random() < 0.8 else "价税合计(大写)", m + 0.02 * W, y, lh, "key"
    )
    v1 = b.add(_amount_upper(total), m + 0.25 * W, y, lh, "value")
    k2 = b.add("（小写）" if r.random() < 0.7 else "(小写)", m + 0.62 * W, y, lh, "key")
    v2 = b.add("￥" + f"{total:.2f}", d.units[k2].box[2] + r.uniform(0.1, 1.0) * lh, y, lh, "value")
    b.link(k, v1)
    b.link(k, v2)
    b.link(k2, v2)
    y += lh * 2.0
    y = party(y)
    x = m
    for lab in ("收款人", "复核", "开票人"):
        k = b.add(b.colon(lab, 0.9), x, y + lh, lh, "key")
        v = b.add(
            b.value("name"), d.units[k].box[2] + r.uniform(0.2, 1.0) * lh, y + lh, lh, "value"
        )
        b.link(k, v)
        x += W * 0.25
    b.add(b.colon("销售方：（章）", 0.0), x, y + lh, lh, "other")


def _receipt(b: _Builder) -> None:
    r = b.rng
    d = b.doc
    lh = r.uniform(16, 36)
    m = d.width * r.uniform(0.05, 0.15)
    W = d.width - 2 * m
    y = m
    for _ in range(r.randint(1, 4)):  # company, registration, address lines (no labels)
        t = b.value(r.choice(["text", "addr", "code"])).upper()
        w = min(text_width(t, lh), W)
        b.add(t, m + (W - w) / 2, y, lh, "other", width=w)
        y += lh * 1.3
    y += lh
    for _ in range(r.randint(2, 5)):
        y += _field(b, m, y, lh, W, r.choice(["inline", "inline", "right"]))
    for _ in range(r.randint(1, 8)):  # items: description, qty, price (no labels)
        b.add(
            b.value("text"), m, y, lh, "other", width=min(W * 0.55, text_width(b.value("text"), lh))
        )
        t = b.value("amount")
        b.add(t, m + W - text_width(t, lh), y, lh, "other")
        y += lh * 1.3
    y += lh * 0.5
    for lab in r.sample(
        [
            "TOTAL",
            "Total",
            "SUBTOTAL",
            "GST 6%",
            "CASH",
            "CHANGE",
            "Rounding",
            "Total (RM)",
            "合计",
            "实收",
            "找零",
            "Amount Due",
        ],
        r.randint(2, 5),
    ):
        k = b.add(b.colon(lab, 0.3), m, y, lh, "key")
        t = b.value("amount")
        v = b.add(t, m + W - text_width(t, lh), y, lh, "value")
        b.link(k, v)
        y += lh * 1.3
    y += lh
    for _ in range(r.randint(0, 3)):
        t = b.value("text")
        b.add(t, m, y, lh, "other", width=min(W, text_width(t, lh)))
        y += lh * 1.3


def _idcard(b: _Builder) -> None:
    r = b.rng
    d = b.doc
    lh = r.uniform(20, 50)
    x = d.width * r.uniform(0.05, 0.1)
    y = d.height * r.uniform(0.05, 0.1)
    spaced = r.random() < 0.6

    def lab(t: str) -> str:
        return "  ".join(t) if spaced and len(t) == 2 else t

    rows = [
        [("姓名", "name")],
        [("性别", "sex"), ("民族", "eth")],
        [("出生", "date")],
        [("住址", "addr")],
        [("公民身份号码", "id")],
    ]
    for row in rows:
        cx = x
        for name, kind in row:
            k = b.add(lab(name), cx, y, lh, "key")
            if kind == "sex":
                val = r.choice(["男", "女"])
            elif kind == "eth":
                val = r.choice(["汉", "回", "满", "壮", "蒙古"])
            elif kind == "id":
                val = "".join(str(r.randint(0, 9)) for _ in range(17)) + r.choice("0123456789X")
            else:
                val = b.value(kind)
            gap = r.uniform(0.5, 2.5) * lh
            if kind == "addr" and r.random() < 0.6:
                parts = [
                    val[: len(val) // 2 + 1],
                    val[len(val) // 2 + 1 :] + "".join(r.choice(ZH_CHARS) for _ in range(4)),
                ]
                for i, p in enumerate(parts):
                    v = b.add(p, d.units[k].box[2] + gap, y + i * 1.3 * lh, lh, "value")
                    b.link(k, v, continued=i > 0)
                y += 1.3 * lh
            else:
                v = b.add(val, d.units[k].box[2] + gap, y, lh, "value")
                b.link(k, v)
            cx = d.units[-1].box[2] + r.uniform(2, 5) * lh
        y += lh * r.uniform(1.6, 2.4)


def _letter(b: _Builder) -> None:
    r = b.rng
    d = b.doc
    lh = r.uniform(16, 36)
    m = d.width * r.uniform(0.08, 0.15)
    W = d.width - 2 * m
    y = m
    b.add(b.value("text").upper(), m, y, lh * 1.4, "header")
    y += lh * 2.5
    for _ in range(r.randint(2, 5)):
        y += _field(b, m, y, lh, W, r.choice(["inline", "inline", "right", "empty"]))
    y += lh
    for _ in range(r.randint(3, 14)):
        t = " ".join(r.choice(WORDS) for _ in range(r.randint(8, 18))).capitalize()
        if b.lang in ("zh", "ja"):
            t = "".join(r.choice(ZH_CHARS) for _ in range(r.randint(10, 35)))
        b.add(t, m, y, lh, "other", width=min(W, text_width(t, lh)))
        y += lh * 1.3
    y += lh
    b.add(r.choice(["Sincerely,", "Yours truly,", "此致", "Best regards,"]), m, y, lh, "other")
    b.add(b.value("name"), m, y + 2 * lh, lh, "other")


KINDS = (
    ("form", _form, 0.55),
    ("vat", _vat, 0.15),
    ("receipt", _receipt, 0.12),
    ("id", _idcard, 0.08),
    ("letter", _letter, 0.1),
)
LANG_WEIGHTS = (
    ("en", 0.35),
    ("zh", 0.35),
    ("es", 0.05),
    ("fr", 0.05),
    ("de", 0.05),
    ("it", 0.05),
    ("pt", 0.05),
    ("ja", 0.05),
)


def _rotate(doc: SynthDoc, angle_deg: float) -> None:
    a = math.radians(angle_deg)
    ca, sa = math.cos(a), math.sin(a)
    cx, cy = doc.width / 2, doc.height / 2
    for u in doc.units:
        x0, y0, x1, y1 = u.box
        pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        rp = [
            (cx + (x - cx) * ca - (y - cy) * sa, cy + (x - cx) * sa + (y - cy) * ca) for x, y in pts
        ]
        xs, ys = [p[0] for p in rp], [p[1] for p in rp]
        u.box = (min(xs), min(ys), max(xs), max(ys))


def make_doc(rng: random.Random, grids: bool = True, stacked: bool = False) -> SynthDoc:
    kind = rng.choices([k[0] for k in KINDS], [k[2] for k in KINDS])[0]
    fn = {k[0]: k[1] for k in KINDS}[kind]
    lang = (
        "zh"
        if kind in ("vat", "id")
        else rng.choices([x[0] for x in LANG_WEIGHTS], [x[1] for x in LANG_WEIGHTS])[0]
    )
    w = rng.uniform(1200, 2600)
    h = w * rng.uniform(0.6, 1.5) if kind != "receipt" else w * rng.uniform(1.5, 3.0)
    b = _Builder(rng, lang, w, h, grids, stacked)
    fn(b)
    if rng.random() < 0.5:
        _rotate(b.doc, rng.uniform(-1.5, 1.5))
    return b.doc


def generate(seed: int, n: int, grids: bool = True, stacked: bool = False) -> list[SynthDoc]:
    """`n` synthetic documents, the same for the same seed. `grids=False`: forms without
    generator v7's grid blocks (not the `grids=True` set less its grids: the grid draw takes
    numbers from the shared stream). `stacked=True`: generator v8, an experiment not shipped
    (rows of labels over their values, and each document's colon habit, in both sets)."""
    rng = random.Random(seed)
    return [make_doc(rng, grids, stacked) for _ in range(n)]
