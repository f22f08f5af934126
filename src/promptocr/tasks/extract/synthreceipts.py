"""Synthetic receipt layouts for training the receipt line-role model (`roles.py`).

No images: the role model reads OCR rows (text + box), so the generator writes rows directly,
each with its role — `company` (the merchant's registered name), `address` (the merchant's
address lines) or `other` (brand and branch lines, registration numbers, phone / fax / tax-id
/ e-mail lines, titles, invoice data, items, totals, footers). Receipts come in several
conventions: Malaysian / Singaporean style (legal name with SDN BHD / PTE LTD, registration
number, address with postcode and state — or, since version 6, ending with an industrial park,
an area or a town and no postcode — GST / SST id), US style (brand name, street number first,
city with state and ZIP), and since version 6 UK (unit and retail park, street, town and
postcode, VAT number), Australian (shop, street, suburb with state and postcode, ABN),
Indonesian (PT / CV, JL. … NO., RT/RW, kelurahan, town with postcode, NPWP) and Indian (plot
or shop number, road, nagar / layout, town - PIN, GSTIN), and Chinese (…有限公司 / 店名,
address from province down to the street number), with varied widths, line heights, centring,
brand lines above the legal name, a tax id between the name and the address, names and
addresses wrapped over several lines, lines that OCR cuts into two pieces on one row, a stamp
read as a short garbled run with a box several lines tall, lost punctuation and OCR-like
character errors (version 6: more confusions, `Y`→`G`, `A`→`E`, `M`→`H`, …). Item names are
mostly invented too (version 6), so that the body's few listed words do not teach that some
letters mean "neither a name nor an address". Version 7: the registered name printed only
under the address and the phone lines, with a slogan or the brand on top ("SHOP ONLINE AT
….COM", the name with its registration number and an "FKA …" former name); brand logos in
mixed case, often with a short mark ("Dorvani K"); a stamped number and a short scribble on
one stray row above the header; names wrapped over three lines. Version 8: the same receipts
with the slogan, the logo's mark (one capital consonant) and the tax-id row reworded in
general terms.

Place and company names are mostly invented from syllables, so the model learns the shape of
a name or an address (a legal-form word at the end, a house number, a postcode, commas,
street-type words), not a list of places. Every word here comes from the vocabularies below;
nothing is read from any dataset. `generate(seed, n)` is deterministic for a seed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

GENERATOR_VERSION = 8
ROLES = ("other", "company", "address")

_SYL = [
    "ka", "ma", "ta", "ra", "la", "na", "sa", "ba", "da", "pa", "ja", "ha", "wa", "ya",
    "ke", "me", "te", "re", "le", "ne", "se", "be", "de", "pe", "je", "he", "we",
    "ki", "mi", "ti", "ri", "li", "ni", "si", "bi", "di", "pi", "ji", "hi",
    "ko", "mo", "to", "ro", "lo", "no", "so", "bo", "do", "po", "jo", "ho",
    "ku", "mu", "tu", "ru", "lu", "nu", "su", "bu", "du", "pu", "ju", "hu",
    "an", "in", "un", "ang", "eng", "ong", "ing", "ar", "or", "el", "ton", "ley", "ville",
    "chen", "wong", "lee", "tan", "lim", "goh", "ng", "ho", "teo", "chu",
    # syllables with consonant clusters, so that names are not all consonant-vowel pairs
    "sun", "fish", "str", "bri", "cra", "ght", "ck", "sh", "th", "wor", "ber", "ter", "son",
    "man", "ford", "wood", "land", "ster", "gar", "den", "ria", "vio", "xen", "qui", "fra",
    "glo", "pla", "tro", "chi", "kin", "bel", "mond", "rix", "nox", "vel", "dex", "ox",
]  # fmt: skip
# legal forms and trade words (a name's shape; the model learns which end a company name)
_LEGAL_MY = ["SDN BHD", "SDN. BHD.", "SDN.BHD", "(M) SDN BHD", "S/B", "BHD", "ENTERPRISE",
             "TRADING", "PLT", "(M) SDN. BHD.", "CO. (M) SDN BHD", "SB", "(KL) SDN BHD",
             "& SONS SDN BHD", "HOLDINGS BHD"]  # fmt: skip
_LEGAL_SG = ["PTE LTD", "PTE. LTD.", "LLP", "PRIVATE LIMITED"]
_LEGAL_EN = ["LTD", "LIMITED", "INC", "INC.", "LLC", "CO.", "CORP", "PLC", "& CO", "GMBH"]
_TRADE = ["TRADING", "ENTERPRISE", "HARDWARE", "RESTAURANT", "RESTORAN", "MART",
          "SUPERMARKET", "STATIONERY", "BAKERY", "PHARMACY", "CAFE", "FOOD", "MARKETING",
          "HOLDINGS", "INDUSTRIES", "SERVICES", "STORE", "KEDAI", "PERNIAGAAN", "BOOK",
          "ELECTRICAL", "MOTOR", "GIFT", "SEAFOOD", "KITCHEN", "BISTRO", "TEA HOUSE",
          "CONFECTIONERY", "TEXTILE", "AUTO PARTS", "OPTICAL", "FLORIST", "PRINTING",
          "MINI MARKET", "HYPERMARKET", "DEPARTMENT STORE", "GARDEN", "NURSERY"]  # fmt: skip
_ADJ = ["GOLDEN", "NEW", "GREAT", "HAPPY", "SUNRISE", "STAR", "GRAND", "ROYAL", "LUCKY",
        "UNITED", "SUPER", "BEST", "GREEN", "FAMILY", "CITY", "EAGLE", "OCEAN", "PEARL",
        "DRAGON", "PHOENIX", "EVER", "FRESH", "PRIME", "SILVER", "RED", "BLUE"]  # fmt: skip
_STREET_MY = ["JALAN", "JLN", "JLN.", "LORONG", "LRG", "PERSIARAN", "LEBUH", "LEBUHRAYA",
              "JALAN BESAR"]  # fmt: skip
_AREA_MY = ["TAMAN", "TMN", "BANDAR", "KAMPUNG", "KG", "SEKSYEN", "KAWASAN PERINDUSTRIAN",
            "PUSAT PERNIAGAAN", "DESA", "BUKIT", "SRI", "PANDAN", "PERDANA"]  # fmt: skip
_UNIT_MY = ["NO.", "NO", "NO:", "LOT", "LOT NO.", "G-", "UNIT", "BLOK", "PT"]
_STREET_EN = ["STREET", "ST", "ST.", "ROAD", "RD", "RD.", "AVENUE", "AVE", "BOULEVARD",
              "BLVD", "LANE", "DRIVE", "DR", "WAY", "HIGHWAY", "PARKWAY", "PLACE", "COURT",
              "CRESCENT", "TERRACE"]  # fmt: skip
_BUILDING = ["PLAZA", "MALL", "CENTRE", "CENTER", "COMPLEX", "SQUARE", "TOWER", "BUILDING",
             "ARCADE", "PARADE", "POINT", "CITY", "SHOPPING CENTRE", "MEGAMALL",
             "INDUSTRIAL PARK", "IND. PARK", "INDS.PARK", "BUSINESS PARK", "HUB",
             "COMMERCIAL CENTRE", "GALLERY", "AVENUE"]  # fmt: skip
_BLOCK = ["BLK", "BLOCK", "NO.", ""]
_FLOOR = ["GROUND FLOOR", "1ST FLOOR", "2ND FLOOR", "3 FLOOR", "LEVEL 2", "LOWER GROUND",
          "G FLOOR", "FIRST FLOOR", "UPPER GROUND"]  # fmt: skip
_REGION = ["SELANGOR", "JOHOR", "PERAK", "KEDAH", "PAHANG", "MELAKA", "SABAH", "SARAWAK",
           "PENANG", "NEGERI SEMBILAN", "KUALA LUMPUR", "WILAYAH PERSEKUTUAN",
           "SELANGOR DARUL EHSAN", "JOHOR DARUL TAKZIM", "MALAYSIA", "SINGAPORE",
           "CA", "NY", "TX", "IL", "WA", "FL", "MA", "ONTARIO", "VICTORIA", "NSW", "LONDON",
           "KENT", "SURREY", "HONG KONG", "KOWLOON"]  # fmt: skip
_CN_PROV = ["广东省", "江苏省", "浙江省", "山东省", "河南省", "四川省", "湖北省", "湖南省",
            "福建省", "安徽省", "河北省", "陕西省", "北京市", "上海市", "天津市", "重庆市"]  # fmt: skip
_CN_CITY_END = ["市", "县", "区"]
_CN_ROAD = ["路", "街", "大道", "大街", "巷", "道", "中路", "东路", "西路", "南路", "北路"]
_CN_SHOP = ["超市", "便利店", "餐厅", "饭店", "酒家", "药房", "商店", "烘焙坊", "茶餐厅",
            "面馆", "咖啡", "书店", "五金店", "百货", "水果店"]  # fmt: skip
_CN_LEGAL = ["有限公司", "有限责任公司", "股份有限公司", "商贸有限公司", "餐饮管理有限公司",
             "贸易有限公司", "科技有限公司", "商行", "经营部"]  # fmt: skip
_CN_CHARS = "华兴盛达鑫源福瑞祥和丰泰隆安康明东方金海天宏伟嘉美佳新乐百家旺发利通恒信德"
_CN_DIGITS = "0123456789"
_ITEMS = ["COFFEE", "TEA", "RICE", "NOODLE", "CHICKEN", "BREAD", "MILK", "WATER", "PEN",
          "PAPER A4", "TAPE", "GLUE", "BATTERY", "CABLE", "SOAP", "SHAMPOO", "SUGAR", "EGG",
          "FISH BALL", "ICE LEMON TEA", "NASI LEMAK", "MEE GORENG", "ROTI", "TISSUE",
          "SCREW 2MM", "PAINT BRUSH", "BULB LED 9W", "PLASTIC BAG", "BISCUIT", "CHOCOLATE"]  # fmt: skip
_CN_ITEMS = ["矿泉水", "可乐", "面包", "牛奶", "方便面", "大米", "鸡蛋", "苹果", "纸巾",
             "洗发水", "牙膏", "咖啡", "奶茶", "炒饭", "牛肉面", "饺子"]  # fmt: skip
_TITLES = ["TAX INVOICE", "RECEIPT", "CASH SALE", "OFFICIAL RECEIPT", "INVOICE",
           "SIMPLIFIED TAX INVOICE", "CASH BILL", "SALES RECEIPT", "BILL"]  # fmt: skip
_FOOTERS = ["THANK YOU", "THANK YOU. PLEASE COME AGAIN", "GOODS SOLD ARE NOT RETURNABLE",
            "HAVE A NICE DAY", "THANK YOU FOR SHOPPING WITH US", "PLEASE KEEP THIS RECEIPT",
            "EXCHANGE WITHIN 7 DAYS WITH RECEIPT"]  # fmt: skip
_BRANCH = ["BRANCH", "OUTLET", "HQ", "HEAD OFFICE", "(BRANCH)", "STORE #"]
_OCR = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8", "8": "B",
        "L": "1", "D": "O", "G": "6", "Z": "2", ",": ".", ".": ",", "M": "N", "H": "N"}  # fmt: skip
# version 6: more of what OCR of thermal print confuses, several choices per character
_OCR_MORE = {"Y": "G", "A": "E", "E": "F", "U": "V", "N": "H", "M": "H", "R": "P", "C": "G",
             "T": "I", "L": "I", "I": "L", "Q": "O", "P": "F", "K": "X", "W": "V", "J": "I",
             "0": "Q", "6": "G", "2": "Z", "7": "T", "4": "A", ",": ";"}  # fmt: skip
_CONS = "BCDFGHJKLMNPRSTVWYZ"
_CLUSTERS = ["BR", "CH", "GR", "KR", "NG", "NK", "PR", "SH", "ST", "TR", "TH", "WH", "KH"]
_VOWELS = "AEIOU"


@dataclass
class Row:
    """One OCR line: text, box (x0, y0, x1, y1) and its role."""

    text: str
    box: tuple[float, float, float, float]
    role: str


@dataclass
class SynthReceipt:
    width: float
    height: float
    rows: list[Row] = field(default_factory=list)
    lang: str = "en"


def _w(text: str, h: float) -> float:
    return sum(h * (1.0 if "\u2e80" <= ch <= "\uffef" else 0.56) for ch in text)


class _B:
    def __init__(self, rng: random.Random, lang: str, style: str) -> None:
        self.r = rng
        self.lang, self.style = lang, style
        self.width = rng.uniform(380, 1000)
        self.h = rng.uniform(13, 30)
        self.margin = rng.uniform(0.03, 0.12) * self.width
        self.centre_header = rng.random() < 0.75
        self.upper = rng.random() < 0.7
        self.y = rng.uniform(0.5, 4) * self.h
        self.rows: list[Row] = []
        self.noise = rng.uniform(0, 0.05)
        self.spacing = rng.uniform(1.15, 1.7)

    # ---- words
    def name(self, lo: int = 1, hi: int = 3) -> str:
        r = self.r
        words = []
        for _ in range(r.randint(lo, hi)):
            if r.random() < 0.5:
                w = "".join(r.choice(_SYL) for _ in range(r.randint(1, 3)))
            else:  # version 6: letter by letter, so that no fixed syllable means anything
                w = ""
                for _ in range(r.randint(1, 3)):
                    c = r.choice(_CLUSTERS) if r.random() < 0.2 else r.choice(_CONS)
                    w += ("" if r.random() < 0.15 else c) + r.choice(_VOWELS)
                    if r.random() < 0.3:
                        w += r.choice(_CONS)
            words.append(w)
        return " ".join(words).upper()

    def case(self, t: str, upper: bool | None = None) -> str:
        upper = self.upper if upper is None else upper
        if upper or any("\u4e00" <= ch <= "\u9fff" for ch in t):
            return t
        if self.r.random() < 0.1:
            return t.lower()
        return " ".join(w.capitalize() if w.isalpha() else w for w in t.split(" "))

    def noisy(self, t: str) -> str:
        r = self.r
        out = []
        for ch in t:
            x = r.random()
            if x < self.noise and ch.upper() in _OCR_MORE and r.random() < 0.4:
                out.append(_OCR_MORE[ch.upper()])
            elif x < self.noise and ch.upper() in _OCR:
                out.append(_OCR[ch.upper()])
            elif x < self.noise * 1.3 and ch in ",.:":
                continue
            else:
                out.append(ch)
        return "".join(out)

    # ---- layout
    def add(
        self,
        text: str,
        role: str,
        *,
        centre: bool | None = None,
        scale: float = 1.0,
        right: str | None = None,
        gap: float = 1.0,
        upper: bool | None = None,
    ) -> None:
        r = self.r
        text = self.noisy(self.case(text, upper)).strip()
        if r.random() < 0.03:
            text = text.replace(" ", "")  # OCR lost the spaces of a tightly printed line
        if not text:
            return
        # OCR boxes of one type size vary with the letters and the detector (version 6: wider)
        h = self.h * scale * r.uniform(0.88, 1.2)
        y0 = self.y + r.uniform(-0.08, 0.08) * h
        usable = self.width - 2 * self.margin
        w = min(_w(text, h), usable * r.uniform(0.95, 1.0))
        centre = self.centre_header if centre is None else centre
        if centre:
            x0 = self.margin + (usable - w) / 2 + r.uniform(-0.04, 0.04) * usable
        else:
            x0 = self.margin + r.uniform(-0.5, 0.5) * self.h
        x0 = max(1.0, x0)
        pieces = [(text, x0, x0 + w)]
        if right is None and len(text) > 12 and " " in text and r.random() < 0.08:
            # OCR cut the line into two pieces on one row
            cut = r.choice([i for i, ch in enumerate(text) if ch == " "])
            left, rest = text[:cut], text[cut + 1 :]
            xm = x0 + w * cut / len(text)
            pieces = [(left, x0, xm), (rest, xm + 0.5 * h, x0 + w + 0.5 * h)]
        for t, xa, xb in pieces:
            if t:
                self.rows.append(Row(t, (xa, y0, xb, y0 + h), role))
        if right:
            rt = self.noisy(right)
            rw = _w(rt, h)
            x1 = self.width - self.margin + r.uniform(-0.3, 0.3) * h
            self.rows.append(Row(rt, (x1 - rw, y0, x1, y0 + h), "other"))
        self.y += h * self.spacing * gap * r.uniform(0.95, 1.05)

    def skip(self, lines: float) -> None:
        self.y += self.h * lines


def _reg_no(r: random.Random) -> str:
    n = "".join(r.choice("0123456789") for _ in range(r.randint(5, 7)))
    suffix = r.choice("ABDHKMPTUVWX")
    x = r.random()
    if x < 0.55:
        num = f"{n}-{suffix}"
    elif x < 0.7:
        num = f"{r.randint(2000, 2023)}0{n}"
    elif x < 0.8:
        num = f"{n}{suffix}"  # the dash not printed (or not read)
    elif x < 0.9:
        num = f"{r.choice(['JM', 'SA', 'KT', 'PG', 'IP', 'CA', 'AS'])}{n}-{suffix}"
    else:
        num = f"00{n}-{suffix}"
    form = r.choice(
        ["({n})", "(CO. REG: {n})", "CO. NO: {n}", "(COMPANY NO. {n})", "ROC NO: {n}",
         "({n}) ", "CO.REG.NO. {n}", "(REG NO: {n})", "BRN: {n}", "({n} {s})", "<{n}>",
         "{n}", "{n}", "({n})", "(CO. NO. {n})"]
    )  # fmt: skip
    return form.format(n=num, s=r.choice(["W", "D", "A"]))


def _company_en(b: _B) -> list[str]:
    r = b.r
    style = b.style
    x = r.random()
    if x < 0.12:
        # initials, ampersands, digits and possessives ("A.B.C.", "K & K", "99", "KING'S")
        bits = [
            ".".join(r.choice("ABCDEGHJKLMNPRSTWY") for _ in range(r.randint(2, 3))) + ".",
            f"{r.choice('ABCDEGHJKLMNPRSTWY')} & {r.choice('ABCDEGHJKLMNPRSTWY')}",
            str(r.choice([7, 88, 99, 168, 1, 3, 8])),
            f"{b.name(1, 1)}'S",
            f"{r.choice(['MR', 'MR.', 'DR', 'MRS', 'UNCLE', 'AUNTIE', 'AH'])} {b.name(1, 1)}",
        ]
        core = f"{r.choice(bits)} {b.name(0, 2)}".strip()
    elif x < 0.3:
        core = f"{r.choice(_ADJ)} {b.name(1, 2)}"
    elif x < 0.6:
        core = b.name(1, 2)
    elif x < 0.8:
        core = f"{b.name(1, 2)} {r.choice(_TRADE)}"
    else:
        core = f"{r.choice(_TRADE)} {b.name(1, 2)}"
    if r.random() < 0.3:
        core += " " + r.choice(_TRADE)
    if style == "my":
        legal = r.choice(_LEGAL_MY) if r.random() < 0.65 else ""
    elif style == "sg":
        legal = r.choice(_LEGAL_SG)
    elif style == "uk":
        legal = r.choice(["LTD", "LIMITED", "PLC", "& SONS LTD", "LLP"]) if r.random() < 0.6 else ""
    elif style == "au":
        legal = r.choice(["PTY LTD", "PTY. LTD.", "PTY LIMITED"]) if r.random() < 0.6 else ""
    elif style == "id":
        legal = r.choice(["TBK", "", ""])
        core = f"{r.choice(['PT', 'PT.', 'CV', 'CV.', 'TOKO', 'RM', 'UD'])} {core}"
    elif style == "in":
        legal = r.choice(["PVT LTD", "PVT. LTD.", "PRIVATE LIMITED", "LLP", ""])
    else:
        legal = r.choice(_LEGAL_EN) if r.random() < 0.5 else ""
    name = f"{core} {legal}".strip()
    words = name.split(" ")
    if len(words) >= 3 and r.random() < 0.3:
        # wrapped over two lines, mostly before the legal form or the trade word, or after
        # the first two words ("GOLDEN MERANTI" / "TRADING (M) SDN BHD")
        tail = len(legal.split()) if legal else 1
        x = r.random()
        k = len(words) - tail if x < 0.55 else 2 if x < 0.8 else r.randint(1, len(words) - 1)
        k = min(max(k, 1), len(words) - 1)
        first = " ".join(words[:k]) + ("-" if r.random() < 0.1 else "")
        rest = words[k:]
        if len(rest) >= 3 and r.random() < 0.3:
            # version 7: over three lines on a narrow receipt ("SOON KERAVI HARDWARE" /
            # "TRADING (BUKIT" / "TAMBUN) SDN BHD")
            j = r.randint(1, len(rest) - 1)
            return [first, " ".join(rest[:j]), " ".join(rest[j:])]
        return [first, " ".join(rest)]
    return [name]


def _address_my(b: _B) -> list[str]:
    r = b.r
    parts = []
    unit = r.choice(_UNIT_MY)
    num = str(r.randint(1, 300))
    if r.random() < 0.3:
        num += r.choice(["-A", "-1", "A", "-G", "-01"])
    if r.random() < 0.2:
        num = f"{r.randint(1, 50)}-{r.randint(1, 9)}, {num}"
    first = f"{unit} {num}".replace("G- ", "G-")
    if r.random() < 0.1:
        first = f"LOT NO. : G{r.randint(1, 3)}.{r.randint(1, 200)}{r.choice(['', 'A', 'B'])}"
    if r.random() < 0.12:
        first += f", {r.choice(_FLOOR)}"
    if r.random() < 0.85:
        street = f"{r.choice(_STREET_MY)} {b.name(1, 2)}"
        if r.random() < 0.5:
            street += f" {r.randint(1, 30)}" + (f"/{r.randint(1, 30)}" if r.random() < 0.5 else "")
        parts.append(f"{first}, {street}")
    else:
        parts.append(f"{first}, {r.choice(_BUILDING)} {b.name(1, 2)}")
    if r.random() < 0.7:
        parts.append(f"{r.choice(_AREA_MY)} {b.name(1, 2)}")
    if r.random() < 0.15:
        parts.insert(0, f"{b.name(1, 2)} {r.choice(_BUILDING)}")  # the mall or building first
    if r.random() < 0.12:
        parts = parts[1:]  # no street line: the area, postcode and town only
    pc = f"{r.randint(10000, 98999)}"
    city = b.name(1, 2)
    if r.random() < 0.1:
        city = f"{r.choice('BKPSTJ')}.{b.name(1, 1)}"  # an abbreviated town ("K.TEMARU")
    region = r.choice(_REGION[:16])
    if r.random() < 0.15:
        # version 6: no postcode at all; the address ends with an industrial park, an area
        # or a town, often abbreviated ("SELORAN INDS.PARK K.TEMARU")
        end = r.choice(
            [f"{b.name(1, 1)} {r.choice(_BUILDING[14:19] + _AREA_MY[4:8])} {city}",
             f"{r.choice(_AREA_MY)} {b.name(1, 2)}", city, f"{city} {region}"]
        )  # fmt: skip
        parts.append(end)
        return _wrap_address(b, parts)
    if r.random() < 0.15:
        parts.append(city)  # the town without its postcode, or the postcode after the town
        if r.random() < 0.5:
            parts.append(pc)
    else:
        parts.append(f"{pc} {city}" if r.random() < 0.85 else f"{city}, {pc}")
    if r.random() < 0.7:
        parts.append(
            region + (r.choice([" D.E.", " DARUL EHSAN", " D.T."]) if r.random() < 0.1 else "")
        )
    return _wrap_address(b, parts)


def _address_sg(b: _B) -> list[str]:
    r = b.r
    parts = [
        f"{r.choice(_BLOCK)} {r.randint(1, 999)} {b.name(1, 2)} "
        f"{r.choice(_STREET_EN + ['AVE 3', 'STREET 21', 'ROAD'])}".strip()
    ]
    if r.random() < 0.6:
        parts.append(f"#{r.randint(1, 20):02d}-{r.randint(1, 999):02d}")
    if r.random() < 0.4:
        parts.append(f"{b.name(1, 2)} {r.choice(_BUILDING)}")
    parts.append(f"SINGAPORE {r.randint(100000, 829999)}")
    return _wrap_address(b, parts)


def _address_us(b: _B) -> list[str]:
    r = b.r
    lines = [f"{r.randint(1, 9999)} {b.name(1, 2)} {r.choice(_STREET_EN)}"]
    if r.random() < 0.3:
        lines[0] += f" {r.choice(['SUITE', 'UNIT', 'STE', '#'])} {r.randint(1, 400)}"
    if r.random() < 0.5:
        lines.append(f"{b.name(1, 1)}, {r.choice(_REGION[16:22])} {r.randint(10000, 99999)}")
    else:
        pc = (
            f"{r.choice('ABCDEGHKLMNPRSTW')}{r.choice('ABCDEGHKLMNPRSTW')}{r.randint(1, 20)} "
            f"{r.randint(1, 9)}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )
        lines.append(f"{b.name(1, 1)} {pc}")
    return lines


def _address_uk(b: _B) -> list[str]:
    r = b.r
    out = []
    if r.random() < 0.4:
        out.append(f"UNIT {r.randint(1, 40)}{r.choice(['', 'A', 'B'])}, {b.name(1, 2)} "
                   f"{r.choice(['RETAIL PARK', 'SHOPPING CENTRE', 'HIGH STREET', 'ARCADE'])}")  # fmt: skip
    out.append(f"{r.randint(1, 300)} {b.name(1, 2)} {r.choice(_STREET_EN)}")
    pc = (
        f"{r.choice('BEGLMNSW')}{r.choice(['', r.choice('ACEGHKLMNRSTW')])}{r.randint(1, 29)} "
        f"{r.randint(1, 9)}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    )
    town = b.name(1, 2)
    out += [f"{town} {pc}"] if r.random() < 0.6 else [town, pc]
    return _wrap_address(b, out) if r.random() < 0.3 else out


def _address_au(b: _B) -> list[str]:
    r = b.r
    first = f"{r.randint(1, 400)} {b.name(1, 2)} {r.choice(_STREET_EN)}"
    if r.random() < 0.4:
        first = f"{r.choice(['SHOP', 'SHOP', 'UNIT', 'LEVEL'])} {r.randint(1, 120)}, {first}"
    state = r.choice(["NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT"])
    last = f"{b.name(1, 2)} {state} {r.randint(800, 7999):04d}"
    return _wrap_address(b, [first, last]) if r.random() < 0.4 else [first, last]


def _address_id(b: _B) -> list[str]:
    r = b.r
    parts = [f"{r.choice(['JL.', 'JL', 'JALAN'])} {b.name(1, 2)} {r.choice(['NO.', 'NO', 'KAV.'])} "
             f"{r.randint(1, 200)}{r.choice(['', 'A', '-B'])}"]  # fmt: skip
    if r.random() < 0.5:
        parts.append(f"RT.{r.randint(1, 20):03d}/RW.{r.randint(1, 20):03d}")
    if r.random() < 0.6:
        parts.append(f"{r.choice(['KEL.', 'KEC.', 'DESA'])} {b.name(1, 2)}")
    parts.append(
        f"{b.name(1, 2)} {r.choice(['', 'SELATAN ', 'BARAT ', 'TIMUR '])}{r.randint(10000, 99999)}"
    )
    return _wrap_address(b, parts)


def _address_in(b: _B) -> list[str]:
    r = b.r
    parts = [f"{r.choice(['NO.', '#', 'SHOP NO.', 'PLOT NO.'])} {r.randint(1, 400)}"
             f"{r.choice(['', '/1', '-A'])}, {b.name(1, 2)} {r.choice(['ROAD', 'MARG', 'NAGAR', 'MAIN ROAD', 'CROSS'])}"]  # fmt: skip
    if r.random() < 0.6:
        parts.append(
            f"{b.name(1, 2)} {r.choice(['NAGAR', 'LAYOUT', 'COLONY', 'SECTOR 4', 'PHASE 2'])}"
        )
    parts.append(f"{b.name(1, 2)} - {r.randint(110000, 855999)}")
    if r.random() < 0.4:
        parts.append(b.name(1, 2))
    return _wrap_address(b, parts)


def _wrap_address(b: _B, parts: list[str]) -> list[str]:
    """Address parts joined with commas into 1–4 printed lines."""
    r = b.r
    lines: list[str] = []
    cur = ""
    limit = r.randint(18, 48)
    for p in parts:
        if cur and (len(cur) + len(p) + 2 > limit or r.random() < 0.15):
            lines.append(cur + ("," if r.random() < 0.6 else ""))
            cur = p
        else:
            cur = f"{cur}, {p}" if cur else p
    if cur:
        lines.append(cur + ("." if r.random() < 0.15 else ""))
    return lines


def _cn_name(r: random.Random, n: int) -> str:
    return "".join(r.choice(_CN_CHARS) for _ in range(n))


def _company_cn(b: _B) -> list[str]:
    r = b.r
    city = _cn_name(r, 2)
    if r.random() < 0.6:
        return [f"{city}{_cn_name(r, r.randint(2, 3))}{r.choice(_CN_LEGAL)}"]
    return [f"{_cn_name(r, r.randint(2, 4))}{r.choice(_CN_SHOP)}（{_cn_name(r, 2)}店）"]


def _address_cn(b: _B) -> list[str]:
    r = b.r
    s = ""
    if r.random() < 0.5:
        s += r.choice(_CN_PROV)
    s += _cn_name(r, 2) + r.choice(_CN_CITY_END)
    if r.random() < 0.6:
        s += _cn_name(r, 2) + "区"
    s += _cn_name(r, 2) + r.choice(_CN_ROAD) + f"{r.randint(1, 999)}号"
    if r.random() < 0.4:
        s += f"{_cn_name(r, 2)}{r.choice(['大厦', '广场', '商场', '中心'])}{r.randint(1, 30)}楼"
    if r.random() < 0.3:
        s = r.choice(["地址：", "地址:", "店址："]) + s
    if len(s) > 18 and r.random() < 0.4:
        k = r.randint(10, len(s) - 4)
        return [s[:k], s[k:]]
    return [s]


_ADDRESS = {
    "my": _address_my,
    "sg": _address_sg,
    "us": _address_us,
    "uk": _address_uk,
    "au": _address_au,
    "id": _address_id,
    "in": _address_in,
    "cn": _address_cn,
}


def _phone(r: random.Random) -> str:
    if r.random() < 0.35:  # grouped with spaces ("03-5521 4907", "+1 415 555 0199")
        return (
            f"{r.choice(['0', '+60 ', '+1 ', ''])}{r.randint(2, 99)}{r.choice(['-', ' '])}"
            f"{r.randint(100, 9999)} {r.randint(1000, 9999)}"
        )
    return (
        f"{r.choice(['0', '+60 ', '(0', '1-', ''])}{r.randint(2, 99)}-{r.randint(1000000, 9999999)}"
    )


def _date(r: random.Random) -> str:
    d, m, y = r.randint(1, 28), r.randint(1, 12), r.randint(2015, 2025)
    return r.choice(
        [f"{d:02d}/{m:02d}/{y}", f"{d:02d}-{m:02d}-{y}", f"{y}-{m:02d}-{d:02d}",
         f"{m:02d}/{d:02d}/{y % 100:02d}", f"{d} {['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN'][m % 6]} {y}",
         f"{y}年{m}月{d}日"]
    )  # fmt: skip


def _header_other(b: _B, cn: bool) -> None:
    """Phone / fax / tax id / e-mail lines under the address."""
    r = b.r
    opts = []
    if cn:
        opts = [
            f"电话：{_phone(r)}",
            f"TEL:{_phone(r)}",
            f"税号：9144{r.randint(10**13, 10**14 - 1)}",
            f"门店编号：{r.randint(100, 9999)}",
            "欢迎光临",
        ]
    else:
        opts = [
            f"TEL: {_phone(r)}",
            f"TEL : {_phone(r)}  FAX : {_phone(r)}",
            f"Tel {_phone(r)}",
            f"PHONE {_phone(r)}",
            f"H/P: {_phone(r)}",
            f"GST ID : {r.randint(10**11, 10**12 - 1):012d}",
            f"GST REG NO: {r.randint(10**11, 10**12 - 1):012d}",
            f"SST ID: W10-{r.randint(1000, 9999)}-{r.randint(10000000, 99999999)}",
            f"EMAIL: {b.name(1, 1).lower()}@{b.name(1, 1).lower()}.com",
            f"www.{b.name(1, 1).lower()}.com.my",
            f"VAT NO. {r.randint(100000000, 999999999)}",
            f"VAT REG NO: GB {r.randint(100, 999)} {r.randint(1000, 9999)} {r.randint(10, 99)}",
            f"ABN {r.randint(10, 99)} {r.randint(100, 999)} {r.randint(100, 999)} {r.randint(100, 999)}",
            f"NPWP: {r.randint(10, 99)}.{r.randint(100, 999)}.{r.randint(100, 999)}.{r.randint(1, 9)}-"
            f"{r.randint(100, 999)}.000",
            f"GSTIN: {r.randint(10, 37)}{''.join(r.choice('ABCDEFGHJKLMNPRSTUVWXYZ') for _ in range(5))}"
            f"{r.randint(1000, 9999)}{r.choice('ABCDEFGHJK')}1Z{r.randint(1, 9)}",
            f"UEN: {r.randint(199000000, 202399999)}{r.choice('ABCDEKMNRWZ')}",
            _phone(r),
            f"{_phone(r)} / {r.randint(1000, 9999)}",
        ]
    for t in r.sample(opts, r.randint(0, min(3, len(opts)))):
        b.add(t, "other")


def _body(b: _B, cn: bool) -> None:
    r = b.r
    if r.random() < 0.7:
        b.add(r.choice(["销售小票", "收银小票", "购物小票"]) if cn else r.choice(_TITLES), "other",
              gap=1.2)  # fmt: skip
    meta = [
        f"{'单号' if cn else 'INVOICE NO'}: {r.randint(10000, 9999999)}",
        f"{'日期' if cn else 'DATE'}: {_date(r)}  {r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
        f"{'收银员' if cn else 'CASHIER'}: {b.name(1, 1) if not cn else _cn_name(r, 2)}",
        f"{'桌号' if cn else 'TABLE'}: {r.randint(1, 40)}",
        _date(r),
    ]
    for t in r.sample(meta, r.randint(1, 4)):
        b.add(t, "other", centre=False)
    if r.random() < 0.5:
        b.add("-" * r.randint(20, 40), "other", centre=False)
    total = 0.0
    for _ in range(r.randint(1, 9)):
        price = round(r.uniform(0.5, 120), 2)
        total += price
        item = r.choice(_CN_ITEMS) if cn else r.choice(_ITEMS)
        if not cn and r.random() < 0.5:
            # version 6: most items are product names nobody listed (so that the words of the
            # body do not teach that any few letters mean "not a name or an address")
            item = f"{b.name(1, 3)}{r.choice(['', '', ' 500G', ' 1L', ' (L)', ' 12S', ' X2'])}"
        if r.random() < 0.4:
            b.add(f"{r.randint(1000000, 9999999999)}", "other", centre=False, gap=0.9)
        b.add(f"{r.randint(1, 5)} {item}" if r.random() < 0.5 else item, "other",
              centre=False, right=f"{price:.2f}")  # fmt: skip
    for lab in r.sample(
        ["合计", "实收", "找零", "现金"] if cn else ["SUB TOTAL", "GST 6%", "ROUNDING",
                                                  "TOTAL", "CASH", "CHANGE", "TOTAL (RM)"],
        r.randint(1, 4),
    ):  # fmt: skip
        b.add(lab, "other", centre=False, right=f"{total:.2f}")
    for t in r.sample(
        _FOOTERS if not cn else ["谢谢惠顾", "欢迎再次光临", "请保留小票"], r.randint(0, 2)
    ):
        b.add(t, "other")


def _customer(b: _B, cn: bool, style: str) -> None:
    """A bill-to / deliver-to block (an invoice's customer, not the merchant): a name and an
    address, with or without a printed label."""
    r = b.r
    if r.random() < 0.85:
        b.add(
            r.choice(["客户：", "购买方：", "送货地址："])
            if cn
            else r.choice(["BILL TO:", "CUSTOMER:", "SOLD TO:", "DELIVER TO:", "SHIP TO"]),
            "other",
            centre=False,
        )
    name = _company_cn(b) if cn else _company_en(b)
    addr = _ADDRESS[style](b)
    for t in [*name, *addr]:
        b.add(t, "other", centre=False)


def _scribble(r: random.Random) -> str:
    """A short handwritten mark as OCR reads it ("Pula", "lt", "7/x")."""
    w = "".join(r.choice("abcdefghiklmnoprstuvwxyz") for _ in range(r.randint(1, 4)))
    return r.choice([w.capitalize(), w, w.upper(), f"{r.randint(1, 9)}/{w[:1]}"])


def make_receipt(rng: random.Random) -> SynthReceipt:
    r = rng
    x = r.random()
    style = (
        "my" if x < 0.36 else "sg" if x < 0.44 else "us" if x < 0.56 else "uk" if x < 0.62
        else "au" if x < 0.67 else "id" if x < 0.72 else "in" if x < 0.77 else "cn"
    )  # fmt: skip
    cn = style == "cn"
    b = _B(r, "zh" if cn else "en", style)
    if cn:
        b.upper = True
    if r.random() < 0.15:
        # stray text above the header: a title, a handwritten name, a stamp, spaced digits
        stray = [
            "WELCOME",
            "欢迎光临",
            "*** COPY ***",
            r.choice(_TITLES),
            r.choice("ABCDEFGHJKLMNPRSTUVWXYZ"),
            f"{b.name(2, 3).lower()}",
            " ".join(str(r.randint(0, 9)) for _ in range(r.randint(4, 9))),
            f"{r.randint(100, 99999)}",
        ]
        if r.random() < 0.25:
            # version 7: a stamped number and a short scribble on one row, both stray
            b.add(f"{r.randint(10**6, 10**8)}", "other", centre=False, scale=r.uniform(1.0, 1.8),
                  right=_scribble(r))  # fmt: skip
        else:
            b.add(r.choice(stray), "other", scale=r.uniform(0.8, 1.8))
    company = _company_cn(b) if cn else _company_en(b)
    # version 7: the registered name printed only under the address and the phone lines, a
    # slogan or the brand on top ("SHOP ONLINE AT ….COM", then "… TRADING SB (123456-X)")
    name_after = not cn and r.random() < 0.06
    if name_after:
        brand = b.name(1, 2)
        b.add(
            r.choice([f"SHOP ONLINE AT {brand}.COM", f"THANK YOU FOR SHOPPING AT {brand}",
                      f"WELCOME TO {brand}", brand, f"{brand} {r.choice(_TRADE)}"]),
            "other", scale=r.uniform(1.0, 1.6), upper=r.random() < 0.7,
        )  # fmt: skip
    # brand / trade name lines above the registered name (often its first words)
    branded = not name_after and r.random() < 0.15
    if branded:
        brand = _cn_name(r, r.randint(2, 4)) if cn else b.name(1, 2)
        if not cn and r.random() < 0.5:
            brand = " ".join(company[0].split(" ")[: r.randint(1, 3)])
        if not cn and r.random() < 0.4:
            # version 7: a logo's brand in mixed case, often with a short mark ("Dorvani K";
            # version 8: one capital consonant)
            brand = " ".join(w.capitalize() for w in brand.split(" "))
            if r.random() < 0.5:
                brand += " " + r.choice([r.choice(_CONS), "2U", "88", "&", "Co", "Express", "Go"])
            b.add(brand, "other", scale=r.uniform(1.0, 2.0), upper=False)
        else:
            b.add(brand, "other", scale=r.uniform(1.1, 2.0))
    scale = r.uniform(1.0, 1.6) if r.random() < 0.5 else 1.0
    reg_inline = not cn and r.random() < 0.25
    if r.random() < 0.1:
        # a trade name with its registered owner printed under it ("Owned by: … SDN BHD")
        b.add(b.name(1, 2) if not cn else _cn_name(r, 3), "other", scale=r.uniform(1.0, 1.8))
        lead = r.choice(["OWNED BY:", "OPERATED BY", "DIMILIKI OLEH:", "A BRAND OF", "经营者："])
        company[0] = f"{lead} {company[0]}"
    if r.random() < 0.06 and not branded:
        company = []  # the name was not printed (or not read)
    late_name: list[str] = []
    if name_after:
        late_name, company = company, []
    # the name is often printed in capitals above an address in mixed case
    name_upper = True if r.random() < 0.3 else None
    first_scale = scale * (r.uniform(1.0, 1.4) if r.random() < 0.3 else 1.0)
    for i, t in enumerate(company):
        if reg_inline and i == len(company) - 1:
            t = f"{t} {_reg_no(r)}"
            if r.random() < 0.15:
                t += f" ({''.join(r.choice('ABCDEKLMST') for _ in range(3))})"  # an abbreviation
        b.add(t, "company", scale=first_scale if i == 0 else scale, upper=name_upper)
    if r.random() < 0.06:
        b.add(f"{_date(r)} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}", "other")
    reg_after = r.random() < 0.15
    if not cn and not reg_inline and not reg_after and r.random() < 0.65:
        b.add(_reg_no(r), "other")
    if not cn and r.random() < 0.15:
        # a tax id between the name and the address (version 6: more often, more shapes)
        b.add(f"{r.choice(['GST', 'GST/TAX', 'TAX', 'SST', 'VAT'])} {r.choice(['ID', 'NO', 'REG NO', 'ID.'])}: "
              f"{r.randint(10**11, 10**12 - 1):012d}", "other")  # fmt: skip
    if r.random() < 0.12:
        b.add(
            f"{b.name(1, 2)} {r.choice(_BRANCH)}" if not cn else f"（{_cn_name(r, 2)}店）", "other"
        )
    if r.random() < 0.9:
        addr = _ADDRESS[style](b)
        spaced = r.random() < 0.06  # OCR put spaces around the punctuation ("NO . 3 , JALAN")
        for t in addr:
            if spaced:
                t = t.replace(",", " , ").replace(".", " . ").replace(":", " : ")
                t = " ".join(t.split())
            b.add(t, "address")
    if not cn and reg_after and r.random() < 0.8:
        b.add(_reg_no(r), "other")
    if r.random() < 0.12:
        # the branch, outlet or mall the shop is in, printed after the address (not an
        # industrial or business park: a row naming one is part of the address, version 6)
        t = (
            f"{b.name(1, 2)} {r.choice(_BUILDING[:14] + _BRANCH)}"
            if not cn
            else f"{_cn_name(r, 3)}店"
        )
        b.add(f"({t})" if r.random() < 0.5 else t, "other")
    _header_other(b, cn)
    for i, t in enumerate(late_name):
        if i == len(late_name) - 1:
            t = f"{t}{r.choice(['', ' '])}{_reg_no(r)}" if r.random() < 0.7 else t
            if r.random() < 0.25:
                t += f" {r.choice(['FKA', 'F.K.A', '(FORMERLY'])} {b.name(1, 2)} {r.choice(_LEGAL_MY)}"
        b.add(t, "company", centre=r.random() < 0.5)
    if late_name and r.random() < 0.6:
        b.add(
            f"{r.choice(['TAX ID NO', 'GST ID', 'SST NO'])}: {r.randint(10**11, 10**12 - 1):012d}",
            "other",
        )
    if r.random() < 0.08:
        # version 6: a stamp or handwriting over the header, read as a short garbled run whose
        # box is several lines tall (it lands on the row of a name or an address line)
        hh = b.h * r.uniform(2.5, 9.0)
        y0 = r.uniform(0, max(b.y - hh / 2, 1.0))
        x0 = r.uniform(0, b.width * 0.6)
        text = "".join(
            r.choice("ABCDEFGHIJKLMNOPRSTUVWXYZ0123456789/-") for _ in range(r.randint(1, 6))
        )
        b.rows.append(
            Row(text, (x0, y0, min(b.width, x0 + r.uniform(0.2, 0.7) * b.width), y0 + hh), "other")
        )
    b.skip(r.uniform(0, 1.5))
    if r.random() < 0.06:
        _customer(b, cn, style)
    _body(b, cn)
    doc = SynthReceipt(width=b.width, height=b.y + r.uniform(1, 6) * b.h, rows=b.rows)
    doc.lang = b.lang
    return doc


def generate(seed: int, n: int) -> list[SynthReceipt]:
    rng = random.Random(seed)
    return [make_receipt(rng) for _ in range(n)]


def address_vocabulary() -> frozenset[str]:
    """The generator's address words (street types, areas, units, buildings, floors, regions
    and their abbreviations, in capitals): general address vocabulary, no place from any
    dataset. `receipt_text.fix_l_read_as_i` reads OCR's l-for-I slips against it."""
    words: set[str] = set()
    for group in (_STREET_MY, _AREA_MY, _UNIT_MY, _STREET_EN, _BUILDING, _BLOCK, _FLOOR, _REGION):
        for phrase in group:
            words.update(w for w in re.findall(r"[A-Z]+", phrase) if len(w) >= 2)
    return frozenset(words)
