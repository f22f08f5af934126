"""Typed value finders and validators: dates, amounts, phones, e-mail, Chinese resident ID
numbers (GB 11643 check digit) and ICAO 9303 machine-readable zones (check digits).

Each `find_*` returns the matching substring as printed (what `extract` returns as the value)
plus a normalised form (ISO 8601 date, decimal amount, ...), or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
# the months' names in French, German, Spanish, Italian and Portuguese (where not English's)
MONTHS_ABROAD: dict[int, tuple[str, ...]] = {
    1: ("janvier", "januar", "jänner", "enero", "gennaio", "janeiro"),
    2: ("février", "fevrier", "februar", "febrero", "febbraio", "fevereiro"),
    3: ("mars", "märz", "marz", "marzo", "março", "marco"),
    4: ("avril", "abril", "aprile"),
    5: ("mai", "mayo", "maggio", "maio"),
    6: ("juin", "juni", "junio", "giugno", "junho"),
    7: ("juillet", "juli", "julio", "luglio", "julho"),
    8: ("août", "aout", "agosto"),
    9: ("septembre", "septiembre", "setiembre", "settembre", "setembro"),
    10: ("octobre", "oktober", "octubre", "ottobre", "outubro"),
    11: ("novembre", "noviembre", "novembro"),
    12: ("décembre", "decembre", "dezember", "diciembre", "dicembre", "dezembro"),
}
_ABROAD_MONTH = {name: m for m, names in MONTHS_ABROAD.items() for name in names}
MONTH_NAME = (
    r"(?:"
    + "|".join(sorted(_ABROAD_MONTH, key=len, reverse=True))
    + r"|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)


def month_number(name: str) -> int:
    """The month a name of `MONTH_NAME` says (`Mar`, `Sept`, `März`, `marzo`, `août`)."""
    low = name.lower()
    if low in _ABROAD_MONTH:
        return _ABROAD_MONTH[low]
    return MONTHS["sep" if low.startswith("sept") else low[:3]]


@dataclass(frozen=True)
class Found:
    """A typed value found in a string: `text` as printed, `normalized`, span in the string."""

    text: str
    normalized: str
    start: int
    end: int


def expand_year(y: str) -> int:
    """A printed year as a number: a two-digit year below 70 is 20yy, else 19yy."""
    n = int(y)
    if len(y) == 2:
        n += 2000 if n < 70 else 1900
    return n


# Years a printed date may carry: wide enough for historical records (an 1843 deed), narrow
# enough that a run of digits such as a code or an amount is not read as a date.
YEAR_RANGE = (1800, 2099)


def _mk(y: int, m: int, d: int) -> date | None:
    try:
        if not YEAR_RANGE[0] <= y <= YEAR_RANGE[1]:
            return None
        return date(y, m, d)
    except ValueError:
        return None


_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # 2019年3月14日 / 2019-03-14 / 2019/3/14 / 2019.03.14
    (re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), "ymd"),
    # 14/03/2019, 14-03-19, 14.03.2019 (day first; month first when the day can't be a month)
    (
        re.compile(r"(?<![\dA-Za-z])(\d{1,2})\s?([-/.])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?!\d)"),
        "dmy",
    ),
    # 18:1524/05/18 (a date glued to the time before it)
    (re.compile(r"(?<=\d:\d\d)(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?!\d)"), "dmy"),
    # 30-06-201822:16 (a date glued to the time that follows it)
    (re.compile(r"(?<!\d)(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?=\d{1,2}:\d\d)"), "dmy"),
    # 14 MAR 2019, 14-Mar-19, 14MAR2019; 12. März 2024, 1er mars 2024, 5 de marzo de 2024
    # (not a year that is part of a figure: `2 MAYO 10.50`, a dish, its count and price)
    (
        re.compile(
            rf"(?<!\d)(\d{{1,2}})(?:er|º|°)?\s*(?:[-/.\s]|\s+de\s+)?\s*({MONTH_NAME})\.?\s*"
            rf"(?:[-/.,\s]|\s+de\s+|\s+del\s+)?\s*(\d{{4}}|\d{{2}})(?!\d|[.,]\d)",
            re.I,
        ),
        "dMy",
    ),
    # March 14, 2019 / Mar 14 2019
    # (`APRIL 1,1957`: typed without a space after the comma)
    (
        re.compile(
            rf"\b({MONTH_NAME})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,\s*|\s+)(\d{{4}})(?!\d|[.,]\d)",
            re.I,
        ),
        "Mdy",
    ),
    # 20190314 (compact, only when it is a valid date)
    (re.compile(r"(?<!\d)(19\d{2}|20\d{2})(\d{2})(\d{2})(?!\d)"), "ymd"),
]


def parse_date(s: str) -> Found | None:
    """First date-looking token in `s`, with its ISO 8601 form."""
    best: Found | None = None
    for rx, order in _DATE_PATTERNS:
        for m in rx.finditer(s):
            groups = [g for i, g in enumerate(m.groups()) if not (order == "dmy" and i == 1)]
            a, b, c = groups[0], groups[1], groups[2]
            d: date | None = None
            if order == "ymd":
                d = _mk(int(a), int(b), int(c))
            elif order == "dmy":
                d = _mk(expand_year(c), int(b), int(a)) or _mk(expand_year(c), int(a), int(b))
            elif order == "dMy":
                d = _mk(expand_year(c), month_number(b), int(a))
            elif order == "Mdy":
                d = _mk(expand_year(c), month_number(a), int(b))
            if d is None:
                continue
            end = m.end()
            f = Found(m.group(0).strip(), d.isoformat(), m.start(), end)
            if best is None or f.start < best.start:
                best = f
            break
    return best


# a money amount's figures, as printed in English (`1,234.56`), in India (`1,00,000.00`), in
# much of Europe (`1.234,56`, `1 234,56`, `12,50`, `1.000,-`), in Switzerland (`1'234.50`,
# `1’234.50`), or with its thousands' commas read as points (`1.488.126.15`): the first form
# that fits at a position is taken; a whole figure does not end before a further separator
# and digit (`1.234` is no amount: a thousand or one and a bit, and not `1`; `find_amounts`)
_AMOUNT = re.compile(
    r"(?<![\d.,])(?:(?:RM|MYR|USD|US\$|\$|¥|￥|€|£|CNY|RMB)\s?)?-?"
    r"((?:\d{1,3}(?:\.\d{3})+|\d+),[-–]"  # 1.000,- (whole, German)
    r"|\d{1,2}(?:,\d{2})+,\d{3}\.\d{2}"  # 1,00,000.00 (with its paise: not a list)
    r"|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?"  # 1,234 / 1,234.56
    r"|\d{1,3}(?:\.\d{3})+\.\d{2}"  # 1.488.126.15: commas read as points
    r"|\d{1,3}(?:\.\d{3})+,\d{1,2}"  # 1.234,56
    r"|\d{1,3}(?:\.\d{3}){2,}"  # 1.234.567
    r"|\d{1,3}(?:[ \u00a0\u202f'’]\d{3})+(?:[.,]\d{1,2})?"  # 1 234,56 / 1'234.50
    r"|\d+,\d{2}"  # 12,50 (not 2,5: a count or a size as often)
    r"|\d+(?:\.\d{1,2})?)"  # 1234 / 12.5
    r"(?!\d)",
    re.I,
)
_RUNS_ON = re.compile(r"[.,]\d")
_DECIMALS = re.compile(r"[.,](\d{1,2})$")  # (`1.000,-` has none)


def amount_decimals(num: str) -> str | None:
    """The decimals of an amount's figures as `find_amounts` gives them (`1.234,56` → `56`),
    or None for a whole amount (`1,234`, `1.234.567`)."""
    m = _DECIMALS.search(num)
    return m.group(1) if m else None


def a_rate(s: str, a: Found) -> bool:
    """The figures `a` found in `s` are a rate, a percent sign after them (`19,00 %`)."""
    return s[a.end :].lstrip().startswith(("%", "％"))


# the currencies counted in thousandths (dinars, rials: `KD 12.500`, `3.250 BHD`), their codes
# and the letters printed for them; only beside one is `12.500` an amount of three decimals
# (ISO codes, and `KD`, as Kuwaiti prices print it; not the other two-letter forms, `BD`, `RO`,
# `JD`, `DT`, `LD`, which start part and model numbers: `DT 1.250`, `LD 2.500 lens`)
MILLS_CODES = frozenset({"KWD", "KD", "BHD", "OMR", "JOD", "TND", "LYD", "IQD"})
_MILLS = "|".join(sorted(MILLS_CODES, key=len, reverse=True))
_THREE_DECIMALS = re.compile(
    rf"\b(?:{_MILLS})\.?\s?(\d{{1,3}}(?:,\d{{3}})+\.\d{{3}}|\d+\.\d{{3}})(?![\d.,]\d)"
    rf"|(?<![\d.,])(\d{{1,3}}(?:,\d{{3}})+\.\d{{3}}|\d+\.\d{{3}})\s?(?:{_MILLS})\b"
)


def find_amounts(s: str, require_decimals: bool = False) -> list[Found]:
    """Money amounts in `s` (keeps the printed form; normalised to a plain decimal). Three
    decimals only beside a currency counted in thousandths (`KD 12.500` → `12.500`)."""
    out: list[Found] = []
    mills = []
    for m in _THREE_DECIMALS.finditer(s):
        g = 1 if m.group(1) is not None else 2
        num = m.group(g)
        out.append(Found(num, f"{float(num.replace(',', '')):.3f}", m.start(g), m.end(g)))
        mills.append((m.start(g), m.end(g)))
    for m in _AMOUNT.finditer(s):
        if any(a <= m.start(1) < b for a, b in mills):
            continue
        num = m.group(1)
        dec = amount_decimals(num)
        on = _RUNS_ON.match(s, m.end(1))
        if on is not None and (dec is None or on.group(0)[0] == num[-len(dec) - 1]):
            # part of a longer figure (`1.234`: not `1`; `12.12.2009`: not `12.12`); a list
            # of amounts goes on (`12.50,13.00`)
            continue
        if require_decimals and dec is None:
            continue
        whole = re.sub(r"\D", "", num[: len(num) - len(dec) - 1] if dec is not None else num)
        val = float(f"{whole}.{dec or 0}")
        out.append(Found(num, f"{val:.2f}", m.start(1), m.end(1)))
    return sorted(out, key=lambda f: f.start)


_CN_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_CN_UNITS = {"拾": 10, "佰": 100, "仟": 1000}
# an amount in Chinese capital numerals (大写: `伍佰万元整`, `叁仟肆佰玖拾伍圆整`,
# `人民币壹拾贰万叁仟元伍角`, `壹仟陆佰捌拾元零叁角贰分`): the yuan (a digit other than 零 among
# them: not `五百万元`'s bare 万), then jiao and fen, the closing 整 kept as printed
_CN_CAPITAL = re.compile(
    r"(?:人民币)?([零壹贰叁肆伍陆柒捌玖拾佰仟万亿]*[壹贰叁肆伍陆柒捌玖拾][零壹贰叁肆伍陆柒捌玖拾佰仟万亿]*)"
    r"[元圆](?:零?([零壹贰叁肆伍陆柒捌玖])角)?(?:零?([零壹贰叁肆伍陆柒捌玖])分)?整?"
)


def _cn_integer(s: str) -> int | None:
    """The integer written in Chinese capital numerals `s` (`伍佰万` = 5000000)."""
    total = section = num = 0
    for ch in s:
        if ch in _CN_DIGITS:
            num = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (num or 1) * _CN_UNITS[ch]
            num = 0
        elif ch == "万":
            total += (section + num) * 10_000
            section = num = 0
        elif ch == "亿":
            total = (total + section + num) * 100_000_000
            section = num = 0
        else:
            return None
    return total + section + num


def cn_capital_amount(s: str) -> Found | None:
    """The first amount in `s` written in Chinese capital numerals (大写), normalised to a
    plain decimal (`伍佰万元整` → 5000000.00)."""
    m = _CN_CAPITAL.search(s)
    if m is None:
        return None
    yuan = _cn_integer(m.group(1))
    if yuan is None:
        return None
    jiao = _CN_DIGITS[m.group(2)] if m.group(2) else 0
    fen = _CN_DIGITS[m.group(3)] if m.group(3) else 0
    return Found(m.group(0), f"{yuan + jiao / 10 + fen / 100:.2f}", m.start(), m.end())


# groups of digits apart by a space, a hyphen, or a hyphen with a space on either side
# (`305 400- 6107`, `0731 - 56494164`); an international prefix (`+41`, `0041-32-888 5776`;
# other 4-digit numbers before a phone are not part of it: `Suite 1200 (212) 555-1234`), an
# area code in brackets with spaces inside (`(0 22 03) 303-362`, three digits at least)
_PHONE = re.compile(
    r"(?<![\d\w])(?:(?:\+\d{1,3}|00\d{1,2}|\d{1,3})(?:\s?-\s?|\s)?)?"
    r"(?:(?:\((?=(?:\s*\d){3})\d[\d ]{0,6}\d\)|\(?\d{2,4}\)?)(?:\s?-\s?|\s)?)?\d{3,4}"
    r"(?:\s?-\s?|\s)?\d{3,4}(?![\d])"
)


def _range_not_phone(text: str, digits: str) -> bool:
    """Figures the phone pattern reads that are a range of numbers, not a phone number: a
    hyphen set apart by a space on both sides (`1000 - 2200`, `ref 123 - 4567`, `12 - 345 -
    6789`) unless the groups make a whole number (ten digits or more: `0731 - 56494164`,
    `305 400 - 6107`) or three groups of three digits or more (`555 - 123 - 4567`); a space
    on one side is a typing slip (`457- 4850`, `917- 663 3056`); and two four-digit groups
    that read as a span of years (`2019-2020`, `1998 - 2003`)."""
    groups = re.findall(r"\d+", text)
    if re.search(r"\s-\s", text):
        three = len(groups) >= 3 and all(len(g) >= 3 for g in groups)
        if len(digits) < 10 and not three:
            return True
    if len(groups) == 2 and all(len(g) == 4 for g in groups):
        a, b = int(groups[0]), int(groups[1])
        if YEAR_RANGE[0] <= a <= b <= YEAR_RANGE[1]:
            return True
    return False


def find_phone(s: str) -> Found | None:
    """The first phone number in `s`: its text as printed and its digits."""
    for m in _PHONE.finditer(s):
        digits = re.sub(r"\D", "", m.group(0))
        if 7 <= len(digits) <= 15 and not _range_not_phone(m.group(0), digits):
            return Found(m.group(0).strip(), digits, m.start(), m.end())
    return None


# a mobile number printed with its middle digits masked (`139****6620`, `138-****-1234`: a
# courier's waybill, an order confirmation): three digits, four stars, four digits; a card's
# or account's `4532 **** 6614` is not one
_MASKED_PHONE = re.compile(r"(?<![\w*＊,.])(?:\+\d{1,3}\s?)?1\d{2}-?[*＊]{4}-?\d{4}(?![\w*＊])")


def masked_phone(s: str) -> Found | None:
    """A mobile number with its middle digits masked, as printed (normalised the same)."""
    m = _MASKED_PHONE.search(s)
    return Found(m.group(0), m.group(0), m.start(), m.end()) if m else None


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def find_email(s: str) -> Found | None:
    m = _EMAIL.search(s)
    return Found(m.group(0), m.group(0).lower(), m.start(), m.end()) if m else None


# ---- Chinese resident ID (GB 11643-1999) -----------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")


def cn_id_check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def valid_cn_id(s: str) -> bool:
    """18-character resident ID: valid birth date and a matching GB 11643 check digit."""
    s = s.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return False
    if _mk(int(s[6:10]), int(s[10:12]), int(s[12:14])) is None:
        return False
    return cn_id_check_digit(s[:17]) == s[17]


def find_cn_id(s: str) -> tuple[Found | None, bool]:
    """The first 18-character ID-looking token and whether its checksum holds."""
    compact = s.replace(" ", "")
    m = _ID.search(compact)
    if not m:
        return None, False
    val = m.group(1).upper()
    return Found(val, val, m.start(), m.end()), valid_cn_id(val)


# ---- ICAO 9303 MRZ ---------------------------------------------------------------------------


def mrz_char_value(c: str) -> int:
    if c.isdigit():
        return int(c)
    if "A" <= c <= "Z":
        return ord(c) - ord("A") + 10
    return 0  # '<' and anything else


def mrz_check_digit(field: str) -> str:
    weights = (7, 3, 1)
    return str(sum(mrz_char_value(c) * weights[i % 3] for i, c in enumerate(field)) % 10)


def clean_mrz_line(s: str) -> str:
    t = s.upper().replace(" ", "").replace("«", "<").replace("‹", "<")
    return re.sub(r"[^A-Z0-9<]", "<", t)


def looks_like_mrz(s: str) -> bool:
    t = clean_mrz_line(s)
    return len(t) >= 28 and t.count("<") >= 2 and bool(re.fullmatch(r"[A-Z0-9<]+", t))


def _mrz_date(yymmdd: str, future: bool) -> str | None:
    if not yymmdd.isdigit():
        return None
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    year = 2000 + yy if (future or yy <= date.today().year % 100) else 1900 + yy
    d = _mk(year, mm, dd)
    return d.isoformat() if d else None


def parse_mrz(lines: list[str]) -> dict[str, object] | None:
    """Parse a TD3 (passport, 2x44) or TD1 (ID card, 3x30) MRZ; None if none is found.

    Returns the fields plus `checks` (each check digit: True/False) and `valid` (all hold)."""
    cand = [clean_mrz_line(x) for x in lines if looks_like_mrz(x)]
    for i in range(len(cand) - 1):
        a, b = cand[i], cand[i + 1]
        if len(a) >= 40 and len(b) >= 40 and a[0] in "PV":
            return _parse_td3(a[:44].ljust(44, "<"), b[:44].ljust(44, "<"))
    for i in range(len(cand) - 2):
        a, b, c = cand[i], cand[i + 1], cand[i + 2]
        if all(25 <= len(x) <= 32 for x in (a, b, c)):
            return _parse_td1(a[:30].ljust(30, "<"), b[:30].ljust(30, "<"), c[:30].ljust(30, "<"))
    return None


def _names(field: str) -> tuple[str, str]:
    parts = field.split("<<", 1)
    surname = parts[0].replace("<", " ").strip()
    given = parts[1].replace("<", " ").strip() if len(parts) > 1 else ""
    return surname, re.sub(r"\s+", " ", given)


_TO_ALPHA = str.maketrans("0125868", "OIZSBGB")
_TO_DIGIT = str.maketrans("OQDIZSBG", "00012586")


def _alpha(s: str) -> str:
    """An alphabetic MRZ field read with digit look-alikes ("UT0" -> "UTO")."""
    return s.translate(_TO_ALPHA)


def _digits(s: str) -> str:
    """A numeric MRZ field read with letter look-alikes ("74O812" -> "740812")."""
    return s.translate(_TO_DIGIT)


def _fix_td3(l1: str, l2: str) -> tuple[str, str]:
    l1 = _alpha(l1)
    l2 = (
        l2[:9]
        + _digits(l2[9])
        + _alpha(l2[10:13])
        + _digits(l2[13:20])
        + _alpha(l2[20])
        + _digits(l2[21:28])
        + l2[28:42]
        + _digits(l2[42:44])
    )
    return l1, l2


def _fix_td1(l1: str, l2: str, l3: str) -> tuple[str, str, str]:
    l1 = _alpha(l1[:5]) + l1[5:14] + _digits(l1[14]) + l1[15:]
    l2 = (
        _digits(l2[0:7])
        + _alpha(l2[7])
        + _digits(l2[8:15])
        + _alpha(l2[15:18])
        + l2[18:29]
        + _digits(l2[29])
    )
    return l1, l2, _alpha(l3)


def _parse_td3(l1: str, l2: str) -> dict[str, object]:
    l1, l2 = _fix_td3(l1, l2)
    surname, given = _names(l1[5:44])
    number, dob, exp = l2[0:9], l2[13:19], l2[21:27]
    checks = {
        "document_number": mrz_check_digit(number) == l2[9],
        "date_of_birth": mrz_check_digit(dob) == l2[19],
        "date_of_expiry": mrz_check_digit(exp) == l2[27],
        "composite": mrz_check_digit(l2[0:10] + l2[13:20] + l2[21:43]) == l2[43],
    }
    personal = l2[28:42]
    if personal.strip("<"):
        checks["personal_number"] = (l2[42] in "<0" and not personal.strip("<")) or (
            mrz_check_digit(personal) == l2[42]
        )
    return {
        "format": "TD3",
        "document_type": l1[0:2].replace("<", ""),
        "issuing_country": l1[2:5].replace("<", ""),
        "surname": surname,
        "given_names": given,
        "document_number": number.replace("<", ""),
        "nationality": l2[10:13].replace("<", ""),
        "date_of_birth": _mrz_date(dob, future=False),
        "sex": {"M": "M", "F": "F"}.get(l2[20], "X"),
        "date_of_expiry": _mrz_date(exp, future=True),
        "personal_number": personal.replace("<", "") or None,
        "checks": checks,
        "valid": all(checks.values()),
        "lines": [l1, l2],
    }


def _parse_td1(l1: str, l2: str, l3: str) -> dict[str, object]:
    l1, l2, l3 = _fix_td1(l1, l2, l3)
    surname, given = _names(l3)
    number, dob, exp = l1[5:14], l2[0:6], l2[8:14]
    checks = {
        "document_number": mrz_check_digit(number) == l1[14],
        "date_of_birth": mrz_check_digit(dob) == l2[6],
        "date_of_expiry": mrz_check_digit(exp) == l2[14],
        "composite": mrz_check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]) == l2[29],
    }
    return {
        "format": "TD1",
        "document_type": l1[0:2].replace("<", ""),
        "issuing_country": l1[2:5].replace("<", ""),
        "surname": surname,
        "given_names": given,
        "document_number": number.replace("<", ""),
        "nationality": l2[15:18].replace("<", ""),
        "date_of_birth": _mrz_date(dob, future=False),
        "sex": {"M": "M", "F": "F"}.get(l2[7], "X"),
        "date_of_expiry": _mrz_date(exp, future=True),
        "personal_number": l1[15:30].replace("<", "") or None,
        "checks": checks,
        "valid": all(checks.values()),
        "lines": [l1, l2, l3],
    }


_DIGITISH = {"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1"}


def fix_digit_confusions(text: str) -> str:
    """Undo OCR letter-for-digit slips inside numbers ("29O" -> "290", "7/1l8B" -> "7/118B"):
    a letter that looks like a digit is replaced only when a digit touches it and the token
    is mostly digits."""
    out: list[str] = []
    for token in re.split(r"(\s+)", text):
        alnum = [c for c in token if c.isalnum()]
        digits = sum(c.isdigit() for c in alnum)
        if digits < 2 or digits < 0.6 * len(alnum):
            out.append(token)
            continue
        chars = list(token)
        for i, c in enumerate(chars):
            if c not in _DIGITISH or c == "D":
                continue
            left = chars[i - 1] if i > 0 else ""
            right = chars[i + 1] if i + 1 < len(chars) else ""
            if (left.isdigit() and (right.isdigit() or not right.isalnum())) or (
                right.isdigit() and (left.isdigit() or not left.isalnum())
            ):
                chars[i] = _DIGITISH[c]
        out.append("".join(chars))
    return "".join(out)
