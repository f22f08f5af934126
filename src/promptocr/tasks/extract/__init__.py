"""`extract`: find the values of named fields on OCR'd pages, by layout, and check their type.

For each requested key: match it to a concept (synonyms in several languages), find label
occurrences on the page (fuzzy, word-bounded), then take the value from (1) the same line after
the label and a separator, (2) the right neighbour on the same row, (3) the line below. The
candidate must pass the field's type check (date, amount, phone, e-mail, Chinese ID with its
check digit, ...). A field that is not found is `None`, never a guess.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz import fuzz

from promptocr.document.layout import sort_rows
from promptocr.document.model import (
    BBox,
    Document,
    Line,
    Page,
    Polygon,
    bbox_of,
    same_row,
    union_bbox,
)
from promptocr.tasks import validators as v
from promptocr.tasks.extract.boxes import (
    answer_boxes,
    choice_answer,
    has_boxes,
    one_box,
    unanswered_boxes,
)
from promptocr.tasks.fields import (
    GENERIC_WORDS,
    Concept,
    box_label,
    canonical_words,
    fold,
    fold_line,
    guess_type,
    is_field_name,
    match_concept,
    names_a_date,
    other_kind,
    synonyms_for,
)
from promptocr.tasks.planner import FIELD_SEPARATORS
from promptocr.tasks.wordings import CONJUNCTIONS


@dataclass
class FieldResult:
    """One extracted field: the value as printed (or None) and where it came from."""

    name: str
    value: str | None = None
    # the chance the value is right: `link_confidence` (where a model chose it) times
    # `read_confidence` (`settle_confidence`)
    confidence: float | None = None
    # the linker's or the line-role model's probability that this is the key's value (None
    # where a rule or a pattern found it)
    link_confidence: float | None = None
    # the OCR's confidence in the value's text: its least sure word
    read_confidence: float | None = None
    page: int | None = None  # 1-based page number
    bbox: list[float] | None = None
    polygon: list[list[float]] | None = None
    normalized: Any = None
    valid: bool | None = None
    type: str = "text"
    label: str | None = None  # the printed label the value was found next to
    method: str | None = None  # same_line, right, below, pattern, mrz, layout, linker, parts
    raw: str | None = None  # a rejected candidate (e.g. an ID number failing its checksum)
    reason: str | None = None
    others: list[dict[str, Any]] | None = None  # the same key's values on later pages (all=True)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "value": self.value,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "page": self.page,
            "bbox": self.bbox,
            "polygon": self.polygon,
            "normalized": self.normalized,
            "valid": self.valid,
            "type": self.type,
        }
        for k in ("link_confidence", "read_confidence"):
            val = getattr(self, k)
            if val is not None:
                d[k] = round(val, 4)
        for k in ("label", "method", "raw", "reason", "others"):
            val = getattr(self, k)
            if val is not None:
                d[k] = val
        return d

    def settle_confidence(self, link: float | None = None) -> None:
        """`confidence` from its two parts: the model's `link` probability (kept as
        `link_confidence`; None leaves the one set) times the OCR's `read_confidence`. On
        OCR'd forms and receipts the value's least sure word tells a misread value where the
        link probability alone does not (docs/extract.md, "Confidence")."""
        if link is not None:
            self.link_confidence = round(float(link), 4)
        parts = [c for c in (self.link_confidence, self.read_confidence) if c is not None]
        self.confidence = round(math.prod(parts), 4) if parts else None


@dataclass
class Span:
    """A piece of a line: text and the character range it covers."""

    line: Line
    start: int
    end: int
    page: Page

    @property
    def text(self) -> str:
        return self.line.text[self.start : self.end]


@dataclass
class PageView:
    """A page's lines in rows, with geometry helpers."""

    page: Page
    lines: list[Line] = field(default_factory=list)
    rows: list[list[Line]] = field(default_factory=list)
    lh: float = 20.0
    # each line's row, worked out once (the rules ask it of the same lines again and again)
    row_cache: dict[int, list[Line]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, page: Page) -> PageView:
        rows = sort_rows(page.lines)
        lines = [ln for r in rows for ln in r]
        hs = [ln.height for ln in lines if ln.height > 0]
        lh = statistics.median(hs) if hs else 20.0
        return cls(page, lines, rows, lh)

    def row_of(self, ln: Line) -> list[Line]:
        """Lines on the same visual row as `ln` (overlapping it vertically), left to right."""
        got = self.row_cache.get(id(ln))
        if got is None:
            row = [x for x in self.lines if x is ln or same_row(ln, x)]
            got = self.row_cache[id(ln)] = sorted(row, key=lambda x: x.bbox[0])
        return list(got)


# ---------------------------------------------------------------------------------------------
# geometry of a substring


def _char_weight(ch: str) -> float:
    """Relative printed width of a character: full-width (CJK) characters are about twice as
    wide as Latin letters and digits."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55


def _sub_polygon(poly: Polygon, text: str, a: int, b: int) -> Polygon:
    """The part of a word/line polygon that holds characters [a, b) of its text, by
    interpolating along the text axis with per-character widths."""
    if a <= 0 and b >= len(text):
        return poly
    ws = [_char_weight(ch) for ch in text]
    total = sum(ws) or 1.0
    ta = sum(ws[:a]) / total
    tb = sum(ws[:b]) / total
    p0, p1, p2, p3 = poly

    def lerp(p: tuple[float, float], q: tuple[float, float], t: float) -> tuple[float, float]:
        return (p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t)

    return (lerp(p0, p1, ta), lerp(p0, p1, tb), lerp(p3, p2, tb), lerp(p3, p2, ta))


def span_geometry(sp: Span) -> tuple[BBox, Polygon | None, float]:
    """Box, polygon and confidence of a substring of a line: the words it covers, cut down to
    the covered characters when it starts or ends inside a word (a CJK run such as "民族汉"
    is one word), or the line polygon cut the same way when the words are unknown. The
    confidence is the least sure covered word's (the line's where it has no words)."""
    ln = sp.line
    start, end = max(0, sp.start), min(len(ln.text), sp.end)
    while start < end and ln.text[start].isspace():
        start += 1
    while end > start and ln.text[end - 1].isspace():
        end -= 1
    if start <= 0 and end >= len(ln.text):
        return ln.bbox, ln.polygon, min((w.confidence for w in ln.words), default=ln.confidence)
    if start >= end:
        return ln.bbox, ln.polygon, ln.confidence
    pieces: list[tuple[Polygon, float, int]] = []
    cursor = 0
    for w in ln.words:
        i = ln.text.find(w.text, cursor)
        if i < 0:
            continue
        j = i + len(w.text)
        cursor = j
        if i < end and j > start:
            a, b = max(start, i) - i, min(end, j) - i
            pieces.append((_sub_polygon(w.polygon, w.text, a, b), w.confidence, b - a))
    if not pieces:
        poly = _sub_polygon(ln.polygon, ln.text, start, end)
        return bbox_of(poly), poly, ln.confidence
    box = union_bbox([bbox_of(p) for p, _, _ in pieces])
    if len(pieces) == 1:
        return box, pieces[0][0], pieces[0][1]
    first, last = pieces[0][0], pieces[-1][0]
    poly = (first[0], last[1], last[2], first[3])
    return box, poly, min(c for _, c, _ in pieces)


def fill_geometry(res: FieldResult, spans: Sequence[Span]) -> None:
    boxes: list[BBox] = []
    confs: list[float] = []
    polys: list[Polygon] = []
    for sp in spans:
        b, p, c = span_geometry(sp)
        boxes.append(b)
        confs.append(c)
        if p is not None:
            polys.append(p)
    if not boxes:
        return
    box = union_bbox(boxes)
    res.bbox = [round(x, 1) for x in box]
    poly = polys[0] if len(polys) == 1 else None
    if poly is None:
        x0, y0, x1, y1 = box
        poly = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    res.polygon = [[round(x, 1), round(y, 1)] for x, y in poly]
    res.read_confidence = round(min(confs), 4)
    res.settle_confidence()
    res.page = spans[0].page.index + 1


# ---------------------------------------------------------------------------------------------
# typed values


def _is_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


def looks_like_label(text: str) -> bool:
    t = text.strip()
    return bool(t) and t[-1] in ":：" and len(t) <= 40


_RULE_CHARS = " \t_|·…"


_PERCENT = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d+)?\s?[%％]|免税|不征税")


CURRENCY_SIGNS = "$￥¥€£₹₩₱₫฿"
_CURRENCY_BEFORE = re.compile(rf"[{CURRENCY_SIGNS}]\s?$")
# letters right before a figure, with at most a space (`GBP 4,250.00`): a currency code where
# they are one of `CURRENCY_WORDS` in capitals, and not one that is also an English word an
# item line may print in capitals (`TOTAL ALL 12.00`, `UNIT PRICE TOP 5.00`)
_WORD_LIKE_CODES = frozenset({"ALL", "TOP", "CUP", "PEN", "SOS", "MOP", "TRY", "BAM", "MAD"})
_CURRENCY_WORD_BEFORE = re.compile(r"(?<![A-Za-z])([A-Za-z]{2,5})\.?\s?$")


# currency words printed against a figure (`EUR100`, `RM12`, `Rs100`, `100USD`): the ISO 4217
# codes and the common letter abbreviations; other letters against digits make a code (`DN50`,
# `SUS304`, `PN16`: a goods line's size or grade, not an amount). Two-letter abbreviations that
# also start common part numbers (`TL431`, `SR44`, `DT830`, `BS5950`: Turkish lira, riyal,
# dinar …) are left out: against whole figures they read as codes; with cents (`100.00TL`)
# they are amounts all the same
# fmt: off
CURRENCY_WORDS = frozenset(
    {
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
        "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
        "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
        "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
        "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
        "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
        "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
        "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
        "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
        "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
        "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
        "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL", "RMB",
        "NTD", "RM", "RS", "RP", "KR", "TK", "DHS", "LEI", "YTL", "NIS", "YEN", "KSH", "EURO",
        "EUROS",
    }
)
# fmt: on


def _code_like(text: str, a: v.Found) -> bool:
    """Bare digits (no decimals, grouping or currency sign) that are part of a number, code or
    ID rather than an amount of money: a run of ten or more (a tax number, an account), or
    digits inside a run of letters and digits (`T480s`, `KJY2N`, `DN50`). A currency word
    standing on one side only is no code (`EUR100`, `RM12`, `Rs100`, `100USD`:
    `CURRENCY_WORDS`)."""
    if not a.text.isdigit() or _CURRENCY_BEFORE.search(text[: a.start]):
        return False
    i = a.start
    while i > 0 and text[i - 1].isascii() and text[i - 1].isalpha():
        i -= 1
    j = a.end
    while j < len(text) and text[j].isascii() and text[j].isalpha():
        j += 1
    left, right = text[i : a.start], text[a.end : j]
    if left and right:
        return True
    word = left or right
    if word:
        edge = text[i - 1 : i] if left else text[j : j + 1]
        return not (word.upper() in CURRENCY_WORDS and not edge.isalnum())
    return len(a.text) >= 10


# the weekday printed before or after a date (`SAT 14 DEC 2024`, `2024-06-03 (Mon)`,
# `2024年6月3日 星期一`), kept with it as printed (`typed_value`)
_WEEKDAYS = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?"
_WEEKDAY_BEFORE = re.compile(rf"(?<![A-Za-z]){_WEEKDAYS}\.?,?\s*$", re.I)
_WEEKDAY_AFTER = re.compile(
    rf"\s*(?:\(\s*{_WEEKDAYS}\.?\s*\)|,?\s*{_WEEKDAYS}\b\.?|[（(]?(?:星期|周|礼拜)[一二三四五六日天][)）]?)",
    re.I,
)
# a date given to the month only (`1997.12`, `2014年12月`, `2017-9`: a date of birth, of
# joining, on a form's field for a year and month): normalised to `YYYY-MM`. Read only where
# a date key's label points at the candidate (`typed_value(..., beside=True)`), never when
# a date is searched for anywhere on the page (a lot number `1998-3`, a version `2014.12`),
# and only as the whole candidate (`$1997.12`, `Room 2010/11`, `2019 - 12 units` are not)
_YEAR_MONTH = re.compile(r"(\d{4})(?:\s*年\s*(\d{1,2})\s*月|[-/.]\s?(\d{1,2}))")
# the month first (a card's `Valid Thru: 11/2025`)
_MONTH_YEAR = re.compile(r"(\d{1,2})\s?[-/.]\s?(\d{4})")


def year_month(text: str, before: str = "") -> tuple[int, int, Any, bool] | None:
    """`text` whole (but for spaces round it) a year and month (`1997.12`, `2024年6月`,
    `11/2025`): (start, end, `YYYY-MM`, True), or None. `before` is what the line prints
    right before `text`: a value run on after a currency sign, a comma or a letter
    (`$1997.12`, `1,997.12`, `No2014.12`) is not a date."""
    stripped = text.strip()
    m = _YEAR_MONTH.fullmatch(stripped)
    if m is not None:
        y, mo = int(m.group(1)), int(m.group(2) or m.group(3))
    elif (m := _MONTH_YEAR.fullmatch(stripped)) is not None:
        y, mo = int(m.group(2)), int(m.group(1))
    else:
        return None
    prev = before[-1:]
    if prev and (prev in "$¥￥," or (prev.isascii() and prev.isalpha())):
        return None
    if not (v.YEAR_RANGE[0] <= y <= v.YEAR_RANGE[1] and 1 <= mo <= 12):
        return None
    start = len(text) - len(text.lstrip())
    return (start, start + len(stripped), f"{y:04d}-{mo:02d}", True)


# a phone given as an internal extension (`6926`, `x4471`, `Ext. 215`): read only where a
# phone key's label points at the candidate (`typed_value(..., beside=True)`) and as the whole
# candidate, never when a phone is searched for anywhere on the page (any short number); not
# a year (`1994`)
_EXTENSION = re.compile(r"(?:(?:ext|extn|x)\.?\s*)?(?!(?:19|20)\d\d$)(\d{3,6})", re.I)
# a compound key ("地址、电话", "Name/Phone Ext."): its whole value is asked for, not one part
COMPOUND_KEY = re.compile(r"[、/&＆]|及|与|\band\b", re.I)
# what a run after a short number starts with when the two are one phone number split into
# runs (`212` | `555-1234`, `(0 22 03)` | `303-362`): the number is no extension then
PHONE_GOES_ON = re.compile(r"^\s*(?:\d|[(+\-–]\s*\d)")


_DIGIT_GROUPS_TO_END = re.compile(r"(?:[ \t]\d{2,})+\s*$")


_MILLS_AFTER = re.compile(r"\s?(?:" + "|".join(sorted(v.MILLS_CODES)) + r")\b")
_SIGN_AFTER = re.compile(r"[ \u00a0\u202f]?[" + re.escape(CURRENCY_SIGNS) + r"](?!\w)")


def typed_value(
    text: str, ftype: str, *, beside: bool = False, before: str = ""
) -> tuple[int, int, Any, bool] | None:
    """Where in `text` a value of `ftype` is: (start, end, normalized, valid), or None.
    `beside`: `text` is the candidate the key's label points at (right after it, its row's
    next run, the line under it), where a date given to the month only (`1997.12`) or a phone
    given as an extension (`6926`) counts too, when it is the whole candidate; a date not run
    on after `before` (the line's text right before `text`: `$`, a comma or a letter there
    refuse it)."""
    t = text
    if not t.strip():
        return None
    if ftype == "date":
        f = v.parse_date(t)
        if f is None:
            return year_month(t, before) if beside else None
        start, end = f.start, f.end
        # the weekday printed with the date is kept as printed (`SAT 14 DEC 2024`,
        # `2024年6月3日 星期一`)
        if (wd := _WEEKDAY_BEFORE.search(t[:start])) is not None:
            start = wd.start()
        if (wd := _WEEKDAY_AFTER.match(t[end:])) is not None:
            end += wd.end()
        return (start, end, f.normalized, True)
    if ftype == "amount":
        found = [a for a in v.find_amounts(t) if not _code_like(t, a) and not v.a_rate(t, a)]
        if not found:
            return None
        with_dec = [a for a in found if v.amount_decimals(a.text) is not None]
        a = (with_dec or found)[-1]
        start = a.start
        if start > 0 and t[start - 1] in CURRENCY_SIGNS:  # an attached sign kept as printed
            start -= 1
        elif start > 1 and t[start - 1] == " " and t[start - 2] in CURRENCY_SIGNS:
            start -= 2  # and one set a space before the figures (`$ 28,880.00`)
        elif (cw := _CURRENCY_WORD_BEFORE.search(t[:start])) is not None and (
            cw.group(1) in CURRENCY_WORDS  # printed in capitals: not `gel 12.50`, `all 45.00`
            and cw.group(1) not in _WORD_LIKE_CODES
            # (a dinar's letters before its three decimals: `KD 12.500`)
            or cw.group(1) in v.MILLS_CODES
            and len(a.normalized.split(".")[-1]) == 3
        ):
            start = cw.start()  # a currency code kept as printed (`GBP 4,250.00`, `RM12.50`)
        end = a.end
        if start == a.start and (after := _SIGN_AFTER.match(t, end)) is not None:
            end = after.end()  # a sign after the figures kept as printed (`2 310,00 €`)
        elif (
            start == a.start
            and len(a.normalized.split(".")[-1]) == 3
            and (after := _MILLS_AFTER.match(t, end)) is not None
        ):
            end = after.end()  # and a dinar's code after its three decimals (`3.250 BHD`)
        norm = a.normalized
        if start > 0 and t[start - 1] == "(" and t[end : end + 1] == ")":
            start, end = start - 1, end + 1  # a negative figure in brackets, as printed
            norm = norm if norm.startswith("-") else "-" + norm
        return (start, end, norm, True)
    if ftype == "percent":
        pm = _PERCENT.search(t)
        return (pm.start(), pm.end(), pm.group(0).replace(" ", ""), True) if pm else None
    if ftype == "phone":
        ph = v.find_phone(t)
        if ph is None and beside:  # masked digits, where the key's label points at them
            ph = v.masked_phone(t)
        if ph is None and beside and (m := _EXTENSION.fullmatch(t.strip())):
            start = len(t) - len(t.lstrip())
            return (start, start + len(m.group(0)), m.group(1), True)
        return (ph.start, ph.end, ph.normalized, True) if ph else None
    if ftype == "email":
        em = v.find_email(t)
        return (em.start, em.end, em.normalized, True) if em else None
    if ftype == "cn_id":
        compact = t.replace(" ", "")
        m = re.search(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])", compact)
        if not m:
            return None
        val = m.group(1).upper()
        # map back to the spaced text: find the first digit of the match
        start = _index_ignoring_spaces(t, m.start())
        end = _index_ignoring_spaces(t, m.end() - 1) + 1
        return (start, end, val, v.valid_cn_id(val))
    if ftype == "sex":
        m = re.search(r"男|女|\b(?:male|female|m|f)\b", t, re.I)
        if not m:
            return None
        s = m.group(0).lower()
        norm = "M" if s in ("男", "male", "m") else "F"
        return (m.start(), m.end(), norm, True)
    if ftype == "number":
        m = re.search(r"[A-Za-z0-9][A-Za-z0-9/\-.]*\d[A-Za-z0-9/\-.]*", t)
        if not m:
            return None
        end = m.end()
        # a number printed in groups of digits (`61728 33901 44520 19876`, `4568 7712 0090`):
        # the groups to the end of the candidate are the number
        if len(m.group(0)) >= 3 and m.group(0).isdigit():
            rest = _DIGIT_GROUPS_TO_END.match(t, end)
            if rest is not None:
                end = len(t.rstrip())
        return (m.start(), end, re.sub(r"\s", "", t[m.start() : end]), True)
    stripped = t.strip()
    if looks_like_label(stripped) or not any(ch.isalnum() for ch in stripped):
        return None  # another label, or only rules/underscores/dots of an empty form field
    # the rule of a fill-in field read as "_" / "|" around the entry is not part of it
    start = len(t) - len(t.lstrip(_RULE_CHARS))
    end = len(t.rstrip(_RULE_CHARS))
    return (start, end, None, True)


def _index_ignoring_spaces(text: str, k: int) -> int:
    """Index in `text` of the k-th non-space character."""
    n = -1
    for i, ch in enumerate(text):
        if ch != " ":
            n += 1
            if n == k:
                return i
    return len(text)


# ---------------------------------------------------------------------------------------------
# labels


@dataclass
class LabelHit:
    line: Line
    start: int
    end: int
    score: float
    synonym: str


def _run_on_value(text: str, s: int, e: int) -> bool:
    """The recogniser ran a label into its value with no space ("DATE11/4/93",
    "DATEMay 27, 1982"): a capitals label followed by a digit or by a capitalised word."""
    lab = text[s:e]
    if e >= len(text) or not lab[-1:].isalpha() or lab != lab.upper() or len(lab) < 3:
        return False
    nxt = text[e : e + 2]
    return nxt[:1].isdigit() or (len(nxt) == 2 and nxt[0].isupper() and nxt[1].islower())


def case_differs(key: str, printed: str, *, prefix: bool = False) -> bool:
    """The key is written with capitals and the printed label has the same letters in
    another case: a different field than the one asked for, when both are printed.
    `prefix`: only the printed run's first letters, as many as the key's, are compared (a run
    that begins with the label and goes on)."""
    k = "".join(ch for ch in key if ch.isalpha())
    p = "".join(ch for ch in printed if ch.isalpha())
    if prefix:
        p = p[: len(k)]
    return k != k.lower() and k.lower() == p.lower() and k != p


# a word of a label line with the punctuation attached to it (`No.`, `Name:`)
_LABEL_TOKEN = re.compile(r"\S+")


def _longer_label(low: str, e: int) -> tuple[int, bool] | None:
    """Where the printed label ends when words run on after a key that matched at `low[:e]`
    with no separator between, and whether the words more are generic ones (`fields.
    GENERIC_WORDS`). Past generic words, the key's own field: `Bank Name:` for "bank",
    `Account No.` alone on its line for "account", `Account No 1234` (its colon lost, a figure
    after it). Past one other word ending with a colon (`Account Holder:` for "account",
    `ANALYTICAL REQUIREMENTS:` for "analytical"), or one to three that end the line as a known
    field's name (`Account Holder`: `fields.is_field_name`), a longer label that holds the
    key. Either way the value is what follows the whole label, never the label's own words.
    None where neither, the caller reading the rest of the line as a value run on after a
    label that lost its colon: `Remarks None given`, `Reason No show`, `Approved No` (a bare
    `No` is an answer), `Color Red Size: M` (two words before a colon: a value, then the next
    label)."""
    generic_end: int | None = None
    generic_tok = ""
    plain = 0
    for m in _LABEL_TOKEN.finditer(low, e):
        tok = m.group()
        core = tok.rstrip(":：.=;-–)")
        words = canonical_words(core) if core else ()
        if generic_end is None and plain == 0 and tok[:1] in ":：=;":
            return None  # a separator right after the key
        if words and set(words) <= GENERIC_WORDS and plain == 0:
            generic_end, generic_tok = m.end(), tok
            if tok[-1:] in ":：":
                return generic_end, True
            continue
        if generic_end is not None:
            # its colon lost: a figure after a generic word that asks for one, not words
            asks_figure = "name" not in canonical_words(generic_tok.rstrip(":：.=;-–)"))
            if asks_figure and re.match(r"[-+$€£¥￥(#]?\d", tok):
                return generic_end, True
            return None
        if not core.replace(".", "").isalpha() or plain >= 3:
            return None
        plain += 1
        if tok[-1:] in ":：":
            return (m.end(), False) if plain == 1 else None
    if generic_end is not None:
        # the label alone on its line, its value beside or under it
        return None if generic_tok == "no" else (generic_end, True)
    return (len(low), False) if plain and is_field_name(low) else None


def find_labels(
    view: PageView, labels: Sequence[str], min_score: float = 75.0, *, longer: bool = False
) -> list[LabelHit]:
    """Occurrences of any of `labels` at word boundaries near the start of a line. With
    `longer` (a key of the caller's own), a printed label that goes on past the key is read
    whole (`_longer_label`): the key's with generic words more, else another field's."""
    hits: list[LabelHit] = []
    for ln in view.lines:
        low = fold_line(ln.text)
        if len(low) != len(ln.text):
            low = ln.text.lower()
        best: LabelHit | None = None
        for lab in labels:
            src = fold(lab)
            if not src:
                continue
            cutoff = 100.0 if len(src) <= 3 else (80.0 if len(src) <= 6 else min_score)
            al = fuzz.partial_ratio_alignment(src, low, score_cutoff=cutoff)
            if al is None:
                continue
            s, e = al.dest_start, al.dest_end
            if e - s < 0.8 * len(src) or al.src_end - al.src_start < 0.8 * len(src):
                continue  # the line is only a fragment of the label (e.g. "By" of "Written By")
            longer_by: str | None = None  # a longer printed label: "generic" or "other" words more
            if not _is_cjk(src):
                if s > 0 and low[s - 1].isalnum():
                    continue
                end = e
                while end < len(low) and low[end].isalnum():
                    end += 1
                run_on = _run_on_value(ln.text, s, e)
                if end - e > 2 and not run_on:
                    continue  # the match stops inside a longer word
                if not run_on:
                    e = end
                if longer and not run_on:
                    more = _longer_label(low, e)
                    if more is not None:
                        e, generic = more
                        longer_by = "generic" if generic else "other"
            if al.score < 100 and other_kind(canonical_words(lab), canonical_words(ln.text[s:e])):
                continue  # alike letter by letter, another kind of value (`DATE OF BIRTH` for
                # "time of birth"; not OCR's `csacco Number` for `Tobacco Number`)
            prefix = low[:s].strip()
            # a label sits at the line start (allow a few characters of noise before it)
            if len(prefix) > max(3, len(src)):
                continue
            score = al.score - 2.0 * len(prefix)
            if longer_by is not None:
                # a label printed with words more than the key: after one that says the key
                # alone, and after one with generic words more (`Account No.` before
                # `Account Holder` for "account")
                score -= 3.0 if longer_by == "generic" else 8.0
            if case_differs(lab, ln.text[s:e]):
                score -= 10.0  # "REQUEST AUTHORIZED BY" asked, "Request Authorized By:" read
            # extend over trailing separators
            label_end = e
            while e < len(low) and low[e] in " :：.#=;-–)":
                if low[e] in "-–" and e + 1 < len(low) and low[e + 1].isalnum():
                    break
                e += 1
            if (
                e < len(low)
                and not _is_cjk(src)
                and longer_by is None  # (scored above)
                and not re.search(r"[:：=#]", low[label_end:e])
            ):
                # words run on after the label with no separator: more likely a heading
                # ("PROJECT INITIATION FORM") than the "PROJECT" field
                score -= 8.0
            if best is None or score > best.score or (score == best.score and e > best.end):
                best = LabelHit(ln, s, e, score, lab)
        if best is not None:
            hits.append(best)
    hits.sort(key=lambda h: -h.score)
    return hits


def wrapped_labels(view: PageView, labels: Sequence[str]) -> list[list[Line]]:
    """Lines that together spell a long label printed over two or three lines (left- or
    right-aligned, set tight), top line first."""
    out: list[list[Line]] = []
    lh = view.lh
    for lab in labels:
        k = fold(lab)
        if len(k) < 8 or _is_cjk(k):
            continue
        for ln in view.lines:
            t = fold(ln.text)
            if len(t) < 3 or len(t) >= len(k) or fuzz.ratio(t, k[: len(t)]) < 85:
                continue
            group, joined = [ln], t
            while len(group) < 3:
                cur = group[-1]
                nxt = None
                for c in view.lines:
                    if c in group or c.bbox[1] < cur.bbox[1] + 0.45 * cur.height:
                        continue
                    if not -0.5 * lh <= c.bbox[1] - cur.bbox[3] <= 0.6 * lh:
                        continue
                    if abs(c.bbox[0] - ln.bbox[0]) < lh or abs(c.bbox[2] - ln.bbox[2]) < lh:
                        cand = joined + " " + fold(c.text)
                        if fuzz.ratio(cand, k[: len(cand)]) >= 85:
                            nxt = c
                            break
                if nxt is None:
                    break
                group.append(nxt)
                joined = joined + " " + fold(nxt.text)
                if fuzz.ratio(joined, k) >= 88 and len(joined) >= 0.9 * len(k):
                    out.append(group)
                    break
    return out


def phone_goes_on(gap: float, nxt: str) -> bool:
    """The run `nxt`, next on a short number's row `gap` line heights after it, goes on with
    that number: it starts within 1.5 line heights and with a digit (or a bracket, plus or
    dash before one: `212` | `555-1234`), so the number is no extension."""
    return gap <= 1.5 and PHONE_GOES_ON.match(nxt) is not None


def _goes_on(view: PageView, sp: Span, nxt: Span) -> bool:
    """`phone_goes_on` for the rules' runs `sp` and `nxt` on one row."""
    return phone_goes_on((nxt.line.bbox[0] - sp.line.bbox[2]) / view.lh, nxt.text)


def _right_of(view: PageView, ln: Line) -> list[Line]:
    row = view.row_of(ln)
    x1 = ln.bbox[2]
    cands = [x for x in row if x is not ln and x.bbox[0] >= x1 - 0.5 * view.lh]
    return sorted(cands, key=lambda x: x.bbox[0])


def _below(view: PageView, ln: Line, max_gap: float = 2.5) -> list[Line]:
    """Lines under the label (overlapping it, or starting just right of it), nearest first;
    then, as a last resort, the line just above it (forms that print the label under a
    filled-in value)."""
    x0, y0, x1, y1 = ln.bbox
    lh = view.lh
    below: list[tuple[float, Line]] = []
    above: list[tuple[float, Line]] = []
    for c in view.lines:
        if c is ln:
            continue
        cx0, cy0, cx1, cy1 = c.bbox
        overlap = min(x1, cx1) - max(x0, cx0)
        near = overlap > 0 or abs(cx0 - x0) <= 1.5 * lh or x1 - lh <= cx0 <= x1 + 3 * lh
        if not near:
            continue
        # clearly lower than the label (tightly set lines may overlap it a little)
        h = y1 - y0
        lower = cy0 >= y0 + 0.45 * h and cy1 > y1 + 0.2 * h
        # a line right of the label must start well down its height (else it is on its row)
        clear = cy0 >= y1 - 0.3 * lh or cx0 < x1 - 0.5 * lh or cy0 >= y0 + 0.6 * h
        if lower and clear and cy0 <= y1 + max_gap * lh:
            below.append((max(cy0 - y1, 0.0), c))
        elif same_row(ln, c):
            continue
        elif cy1 <= y0 + 0.3 * lh and y0 - cy1 <= 1.0 * lh and overlap > 0:
            above.append((y0 - cy1, c))
    out = [c for _, c in sorted(below, key=lambda t: (t[0], t[1].bbox[0]))[:2]]
    out += [c for _, c in sorted(above, key=lambda t: t[0])[:1]]
    return out


MAX_WRAPPED_LINES = 6


_LABEL_START = re.compile(r"^\s*[A-Z][\w.#/&() -]{0,25}[:：](?!\d)")


def _continuation(
    view: PageView,
    first: Line,
    label: Line,
    x_start: float,
    x_alt: float | None = None,
    stop: Callable[[Line], bool] | None = None,
) -> list[Line]:
    """Lines under a text value that carry on from it (a wrapped answer): left-aligned with
    the value's start (or with `x_alt`, the label's own start, for a long line that wraps
    back to the margin), right under it, not labels, and nothing in the label column."""
    out: list[Line] = []
    cur = first
    lh = view.lh
    for _ in range(MAX_WRAPPED_LINES):
        y1 = cur.bbox[3]
        nxt = None
        for c in view.lines:
            if c is cur or c is label or c is first or c in out:
                continue
            cx0, cy0 = c.bbox[0], c.bbox[1]
            # clearly lower than the current line (tightly set lines may overlap it a little)
            if cy0 < cur.bbox[1] + 0.45 * cur.height:
                continue
            aligned = abs(cx0 - x_start) < lh or (x_alt is not None and abs(cx0 - x_alt) < lh)
            if -0.6 * lh <= cy0 - y1 <= 0.6 * lh and aligned and (nxt is None or cy0 < nxt.bbox[1]):
                nxt = c  # the nearest such line
        if nxt is None or looks_like_label(nxt.text) or (stop is not None and stop(nxt)):
            break
        if nxt.text.rstrip().endswith(("?", "？")):
            break  # a question of the form, not part of the answer
        if _LABEL_START.match(nxt.text):
            break  # "Department: ..." under "Name: ...": the next field, not a wrapped line
        if box_label(label.text) and box_label(nxt.text):
            break  # "33. Billing provider …" under a numbered box's value: the next box
        beside = first.bbox[0] >= label.bbox[2] - lh  # the value sits right of its label
        if beside and nxt.bbox[0] < label.bbox[2] - lh:
            break
        # under a label (not beside it), lines left of the label's own column belong to
        # another column of the page
        left_edge = label.bbox[0] - 0.5 * lh if not beside and first is not label else -1e9
        if any(
            o is not nxt
            and o.bbox[2] < nxt.bbox[0] + 0.5 * lh
            and o.bbox[0] < label.bbox[2]
            and o.bbox[2] > left_edge
            for o in view.row_of(nxt)
        ):
            break  # something sits in the label column on its row: a new field starts there
        out.append(nxt)
        cur = nxt
    return out


# ---------------------------------------------------------------------------------------------


# a label that goes on after the key's words: a preposition and words to a colon (`Time| of
# Incident:`; not `Payable| to Acme Corp`, a value), CJK letters to a colon (`有效期|至：`), or
# one letter that makes the key's last one a longer word (`客票号|码`, `有效期|限`), or a
# compound label's further names (`_GOES_ON_COMPOUND`) or its qualifier after a comma
_GOES_ON_WORDS = re.compile(
    r"^\s*(?:of|in|for|on|at|to|from|by)\s+[A-Za-z][A-Za-z .'/&-]{0,30}?\s*[:：]"
)
_GOES_ON_CJK = re.compile(r"^[\u3400-\u9fff]{1,2}\s*[:：]")
# a compound label the key opens (`Name|/Phone Ext.:`, `地址|、电话：`, `Date| & Time:`): a
# slash, an ideographic comma, `&` or `and`, then label words (no digits) to a colon
_GOES_ON_COMPOUND = re.compile(
    r"^\s*(?:[/&、・]|and\s)\s*(?:[A-Za-z][A-Za-z .'/&-]{0,30}?|[\u3400-\u9fff]{1,6})\s*[:：]"
)
# a label the key opens with a comma (`Glucose|, Fasting:`): words, no figure, to a colon;
# without the colon, to the end of the run only where a value stands beside it (`find_by_label`)
_GOES_ON_COMMA = re.compile(r"^\s*,\s*[A-Za-z][A-Za-z .'/&-]{0,30}?\s*[:：]")
COMMA_TO_END = re.compile(r"^\s*,\s*[A-Za-z][A-Za-z .'/&-]{0,30}?\s*$")
# the rest of a run after a key with no colon that reads as more of the label, not a value (no
# figure, to the end of the run): a bracketed qualifier with letters (`Patient's name| (Last,
# First, Middle Initial)`); words led by `and`, `or`, `of` or `for` (`Medicare wages| and
# tips`, `referring provider| or other source`; not `to`: `Payable| to Acme Corp` is a key and
# its value); after a comma, lower-case words holding `and` or `or` (`Date of current
# illness|, injury, or pregnancy`); right after a CJK key, `及` or `或` and up to four letters
# (`申请人姓名|及工号`; not `和`, a value's letter: `和平路`). A value in capitals (`Name John and
# Mary Smith`) is none of these, nor one or two letters in brackets (`Gender (M)`). Such words
# up to a colon end the label at the colon (`Payee| or Company: Acme Ltd`, `_LABEL_TO_COLON`);
# a qualifier in brackets before the value ends it after the brackets (`Insured's ID number
# (for program in item 1) XQH448812907`, `_BRACKET_LEAD`).
_BRACKET_LEAD = re.compile(
    r"^\s*[(（](?=[^()（）]*[A-Za-z\u3400-\u9fff])[^()（）]{3,}[)）]\s*(?=\S)"
)
_LABEL_REST = re.compile(
    r"^(?:\s*[(（](?=[^()（）]*[A-Za-z\u3400-\u9fff])[^()（）\d]{3,}[)）]"
    r"|\s*(?i:and|or|of|for)\s[^\d:：]{1,40}"
    r"|\s*,\s*[a-z][a-z'-]*(?:,?\s[a-z#&/'-]+)*,?\s(?:and|or)\s[^\d:：]{1,30}"
    r"|[及或][\u3400-\u9fff]{1,4})\s*$"
)
_LABEL_TO_COLON = re.compile(r"^\s*(?:(?i:and|or)\s|&|/)\s*[^\d:：]{1,40}[:：]\s*")
_LONGER_WORDS = ("号码", "期至", "期限")


def label_goes_on(label: str, rest: str) -> int:
    """How many characters of `rest` (what follows a key's printing on its line) still belong
    to the printed label; 0 where the value starts right there."""
    spaced = label[-1:].isspace() or rest[:1].isspace()
    m = (
        (_GOES_ON_WORDS.match(rest) if spaced else None)
        or _GOES_ON_CJK.match(rest)
        or _GOES_ON_COMPOUND.match(rest)
        or _GOES_ON_COMMA.match(rest)
    )
    if m is not None:
        return m.end()
    lone = re.match(r"^([\u3400-\u9fff])\s*(?:[:：]|$)", rest)
    if lone is not None and label[-1:] + lone.group(1) in _LONGER_WORDS:
        return lone.end()
    return 0


def find_by_label(
    views: Sequence[PageView],
    name: str,
    labels: Sequence[str],
    ftype: str,
    *,
    multiline: bool = False,
    hit_filter: Callable[[LabelHit], bool] | None = None,
    avoid: Sequence[str] = (),
    whole: bool = False,
    longer: bool = False,
) -> FieldResult:
    """Value next to a label: same line after it, right neighbour, or the line below.
    `longer`: a label printed with words more is read whole (`find_labels`).
    With `whole`, a candidate holding a value of the type is returned entire (a form's
    answer as printed), not cut down to the typed value.
    Candidates that are themselves one of the `avoid` labels (the other keys asked for) are
    skipped."""
    res = FieldResult(name=name, type=ftype)
    others = [fold(a) for a in avoid if fold(a) and fold(a) not in {fold(x) for x in labels}]

    def is_other_label(line: Line) -> bool:
        t = fold(line.text)
        return any(
            fuzz.ratio(t, o) >= 88
            or (len(o) > 6 and t.startswith(o))
            or (len(t) >= 8 and t in o)  # a piece of a label printed over several lines
            for o in others
        )

    rejected: tuple[str, Span] | None = None

    def next_box(ln: Line, other: Line) -> bool:
        # on a form that numbers its boxes, another numbered label is the next box's
        return box_label(ln.text) and box_label(other.text)

    def below_of(
        view: PageView, ln: Line, found: list[Line] | None = None
    ) -> list[tuple[Span, str]]:
        out: list[tuple[Span, str]] = []
        for b in _below(view, ln) if found is None else found:
            if find_labels(PageView(view.page, [b], [[b]], view.lh), labels):
                continue
            if is_other_label(b) or next_box(ln, b):
                continue
            out.append((Span(b, 0, len(b.text), view.page), "below"))
        return out

    def right_of(
        view: PageView, ln: Line, skip: Sequence[Line] = (), found: list[Line] | None = None
    ) -> list[tuple[Span, str]]:
        out: list[tuple[Span, str]] = []
        rights = _right_of(view, ln) if found is None else found
        for r in [x for x in rights if x not in skip][:2]:
            if is_other_label(r) or next_box(ln, r):
                break
            out.append((Span(r, 0, len(r.text), view.page), "right"))
        return out

    def attempt(view: PageView, ln: Line, label: str, cands: list[tuple[Span, str]]) -> bool:
        nonlocal rejected
        seen: set[str] = set()
        for n, (sp, method) in enumerate(cands):
            # the first candidate each way is the one the label points at
            beside = method not in seen
            seen.add(method)
            if beside and ftype == "phone" and method == "right":
                # no extension where the next run on the row goes on with the number
                nxt = next((c for c, m in cands[n + 1 :] if m == method), None)
                beside = nxt is None or not _goes_on(view, sp, nxt)
            before = sp.line.text[: sp.start]
            tv = typed_value(sp.text, ftype, beside=beside, before=before)
            if tv is None:
                continue
            s, e, norm, valid = tv
            val_span = Span(sp.line, sp.start + s, sp.start + e, sp.page)
            if whole and valid:
                val_span = sp
            if not valid:
                rejected = rejected or (val_span.text, val_span)
                continue
            res.value = val_span.text.strip()
            res.normalized = norm
            res.valid = True
            res.label = label
            res.method = method
            spans = [val_span]
            if multiline and ftype in ("text", "address"):
                x_start = span_geometry(val_span)[0][0]
                # a long line that wraps may go on at the margin, under its label
                wraps = method == "same_line" and ln.bbox[2] - ln.bbox[0] >= 12 * view.lh
                x_alt = ln.bbox[0] if wraps else None
                more = _continuation(view, sp.line, ln, x_start, x_alt, is_other_label)
                spans += [Span(m, 0, len(m.text), view.page) for m in more]
                res.value = " ".join(x.text.strip() for x in spans)
            fill_geometry(res, spans)
            return True
        return False

    for view in views:
        hits = find_labels(view, labels, longer=longer)
        if hit_filter is not None:
            hits = [h for h in hits if hit_filter(h)]
        for hit in hits:
            ln = hit.line
            cands: list[tuple[Span, str]] = []
            # the key printed as the start of a longer label (`Time of Incident: 14:25` for
            # "time", `有效期至：…` for 有效期): the value starts after the whole label
            end = hit.end + label_goes_on(ln.text[hit.start : hit.end], ln.text[hit.end :])
            rights, belows = _right_of(view, ln), _below(view, ln)
            colon = ln.text[hit.start : end].rstrip()[-1:] in (":", "：")
            if colon:
                pass  # (what follows a label's colon is its value, however it reads)
            elif _LABEL_REST.match(ln.text[end:]) and (rights or belows):
                # the rest of the run is more of the label, and a value stands beside or
                # under it (`Status (Pending)` alone is the key and its value)
                end = len(ln.text)
            elif (
                more := _LABEL_TO_COLON.match(ln.text[end:]) or _BRACKET_LEAD.match(ln.text[end:])
            ) is not None:
                end += more.end()
            elif COMMA_TO_END.match(ln.text[end:]) and rights:
                # (`Glucose, Fasting` with its result beside it: the whole run is the label;
                # `Name, John Smith` alone on its row is the key and its value)
                end = len(ln.text)
            if (comma := re.match(r"\s*[,，]\s*", ln.text[end:])) is not None:
                end += comma.end()  # (the comma after the key is no part of its value)
            if ln.text[end:].strip():
                cands.append((Span(ln, end, len(ln.text), view.page), "same_line"))
            cands += right_of(view, ln, found=rights) + below_of(view, ln, found=belows)
            label = ln.text[hit.start : end]
            if attempt(view, ln, label.strip() if end == hit.end else label.strip(" :："), cands):
                return res
    if hit_filter is None:
        # a long label printed over two or three lines ("Field Start" / "Wave(s)")
        for view in views:
            for group in wrapped_labels(view, labels):
                cands = []
                for g in group:
                    cands += right_of(view, g, group)
                cands += [c for c in below_of(view, group[-1]) if c[0].line not in group]
                label = " ".join(g.text.strip() for g in group)
                if attempt(view, group[-1], label, cands):
                    return res
    if rejected is not None:
        res.raw = rejected[0]
        res.valid = False
        res.reason = _reject_reason(ftype)
        fill_geometry(res, [rejected[1]])
    return res


def _reject_reason(ftype: str) -> str:
    if ftype == "cn_id":
        return "GB 11643 check digit or birth date does not match: not returned as a value"
    return f"no valid {ftype} value"


def find_by_pattern(views: Sequence[PageView], name: str, ftype: str) -> FieldResult:
    """A typed value anywhere on the page (dates, IDs, e-mail, phone), first in reading order."""
    res = FieldResult(name=name, type=ftype)
    rejected: Span | None = None
    for view in views:
        for ln in view.lines:
            tv = typed_value(ln.text, ftype)
            if tv is None:
                continue
            s, e, norm, valid = tv
            if ftype == "phone" and _glued(ln.text, s, e):
                # a piece of a longer code (`2022-004518` in `J330106-2022-004518`); dates are
                # glued to their times by OCR (`2018/02/2213:34:14`) and stay
                continue
            sp = Span(ln, s, e, view.page)
            if not valid:
                rejected = rejected or sp
                continue
            res.value, res.normalized, res.valid, res.method = (
                sp.text.strip(),
                norm,
                True,
                "pattern",
            )
            fill_geometry(res, [sp])
            return res
    if rejected is not None:
        res.raw, res.valid, res.reason = rejected.text, False, _reject_reason(ftype)
        fill_geometry(res, [rejected])
    return res


PATTERN_TYPES = frozenset({"date", "cn_id", "email", "phone"})


def _glued(text: str, s: int, e: int) -> bool:
    """Whether `text[s:e]` runs on into a longer token: a letter or digit right before or
    after it, or a hyphen or slash between it and one."""
    before, after = text[max(0, s - 2) : s], text[e : e + 2]
    return bool(
        re.search(r"[^\W_]$|[^\W_][-/]$", before) or re.match(r"^[^\W_]|^[-/][^\W_]", after)
    )


def extract_generic(views: Sequence[PageView], key: str, avoid: Sequence[str] = ()) -> FieldResult:
    concept: Concept | None = match_concept(key)
    ftype = concept.type if concept else guess_type(key)
    if COMPOUND_KEY.search(key):
        ftype = "text"  # "地址、电话": the whole value, not one part (as the linker reads it)
    labels = [key, *synonyms_for(key, concept)]
    if concept is None:
        # A key of the caller's own (a form's question text): its answer is whatever is printed
        # in the answer slot, as printed. The type guessed from the key's words only adds a
        # normalised form when the whole answer is such a value; no pattern search elsewhere.
        res = FieldResult(name=key)
        if ftype != "text":  # prefer a slot that holds such a value, kept whole
            res = find_by_label(views, key, labels, ftype, avoid=avoid, whole=True, longer=True)
            if res.value is not None:
                tv = typed_value(res.value, ftype, beside=True)
                if tv is None or tv[1] - tv[0] < 0.6 * len(res.value):
                    res.normalized = None
                return res
        res = find_by_label(views, key, labels, "text", multiline=True, avoid=avoid, longer=True)
        res.type = "text"
        return res
    ftype_label = "text" if ftype in ("company", "address") else ftype
    res = find_by_label(views, key, labels, ftype_label, multiline=True, avoid=avoid)
    res.type = ftype
    # a date found by its look answers only the document's own date ("date", 开票日期): a date
    # of birth, of expiry or a due date is not whichever date the page prints
    own_date = ftype != "date" or concept.name == "date"
    if res.value is None and ftype in PATTERN_TYPES and res.raw is None and own_date:
        res = find_by_pattern(views, key, ftype)
    return res


def views_of(doc: Document) -> list[PageView]:
    return [PageView.of(p) for p in doc.pages]


def extract_method() -> str:
    """`linker` (default) or `rules` (the earlier label rules, kept for side-by-side benches):
    the PROMPTOCR_EXTRACT environment variable."""
    m = os.environ.get("PROMPTOCR_EXTRACT", "linker").strip().lower()
    return m if m in ("linker", "rules") else "linker"


# what a prompt's field list is split at (`planner.FIELD_SEPARATORS`: a comma, `and`, `or`,
# `、`, …, and the other languages' `et`, `und`, `y`, `e`, `と`: `wordings.CONJUNCTIONS`), or
# `&` printed for `and`
_JOINER = rf"(\s*(?:{FIELD_SEPARATORS}|{CONJUNCTIONS}|&)\s*)"
# before a label at a line's start: a little punctuation, or a box's number or letter (`1
# Wages`, `c Employer's name`)
_LINE_START = r"^(?:[^\w]{0,3}|(?:\d{1,2}|[A-Za-z])[.)]?\s+)"


def _printed_label(texts: Sequence[str], body: str) -> re.Match[str] | None:
    """The first of `texts` that starts (`_LINE_START`) with `body` (a pattern) ended by a
    colon or the line's end."""
    pat = re.compile(_LINE_START + "(?:" + body + r")\s*(?:[:：]|$)", re.I)
    return next((m for t in texts if (m := pat.search(t.strip()))), None)


def _glue(sep: str) -> str:
    """A separator as printed between two joined keys: `, `, ` and `, ` & `, `、`."""
    if not sep.isascii():
        return sep
    return sep + " " if sep in ",;" else f" {sep} "


def rejoin_split_keys(doc: Document, keys: Sequence[str], most: int = 4) -> list[str]:
    """The prompt's keys, with the ones it split at a comma or `and` joined again where the
    page prints them as one label and not each apart (`Glucose, fasting` where no `fasting`
    label stands alone; `Wages, tips, other compensation`; not a heading `Name and Address`
    over a `Name:` and an `Address:`): two to `most` consecutive keys, longest first, whose
    words with one of the list's separators between them start a line (after at most a
    box's number or letter) and end at a colon or the line's end. The joined key is the
    caller's words with the separators as printed."""
    if len(keys) < 2:
        return list(keys)
    texts = [ln.text for p in doc.pages for ln in p.lines]
    parts = [k.strip().rstrip(":：").strip() for k in keys]
    alone = [_printed_label(texts, re.escape(k)) is not None for k in parts]
    out: list[str] = []
    i = 0
    while i < len(keys):
        for n in range(min(most, len(keys) - i), 1, -1):
            if all(alone[i : i + n]):
                continue  # each printed as a label of its own: the keys the caller meant
            body = _JOINER.join(re.escape(k) for k in parts[i : i + n])
            m = _printed_label(texts, body)
            if m is not None:
                joined = parts[i]
                for sep, k in zip(m.groups(), parts[i + 1 : i + n], strict=True):
                    joined += _glue(sep.strip()) + k
                out.append(joined)
                i += n
                break
        else:
            out.append(keys[i])
            i += 1
    return out


def slash_parts(key: str) -> list[str]:
    """The parts of a key written with slashes outside brackets ("name/phone"), or []."""
    if "/" not in key or re.search(r"\([^)]*/", key):
        return []
    parts = [p.strip(" :：") for p in key.split("/")]
    return parts if len(parts) > 1 and all(re.search(r"\w", p) for p in parts) else []


def _joined_parts(key: str, found: dict[str, FieldResult]) -> FieldResult | None:
    """One result for a slashed key from its parts' results: the values found, joined by
    " / " in the key's order, at the least of their confidences; None where none was found."""
    got = [r for r in found.values() if r.value is not None]
    if not got:
        return None
    confs = [r.confidence for r in got if r.confidence is not None]
    first = got[0]
    return FieldResult(
        name=key,
        value=" / ".join(r.value for r in got if r.value is not None),
        confidence=min(confs) if confs else None,
        page=first.page,
        bbox=first.bbox if len(got) == 1 else None,
        polygon=first.polygon if len(got) == 1 else None,
        label=" / ".join(r.label or r.name for r in got),
        method="parts",
        reason=None if len(got) == len(found) else "some parts were not found",
    )


def extract_fields(
    doc: Document,
    keys: Sequence[str],
    document_type: str | None = None,
    *,
    find_all: bool = False,
    depth: int = 0,
) -> dict[str, FieldResult]:
    """Values for `keys` (in order). A document type (given, or implied by the keys) lends
    its specialised finders (receipt header lines, passport MRZ) for the keys it has them for;
    the other keys go to the learned linker (`linked.py`); a key whose label is printed nowhere
    falls back to the earlier rules (a typed value found by pattern, e.g. a date). A key with
    slashes ("name/phone") printed nowhere as such is looked up by its parts, their values
    joined (`depth` 1: the parts, not split again)."""
    from promptocr.tasks import doctypes
    from promptocr.tasks.extract.linked import _to_file_frame, upright_page

    # the rules read layout (right of, below) too: pages the engine turned back are read
    # upright, and the boxes they find go back to the file's frame below; the pages' rows are
    # sorted only when a rule runs (every key linked: never)
    made: list[list[PageView]] = []

    def views() -> list[PageView]:
        if not made:
            made.append([PageView.of(upright_page(p)) for p in doc.pages])
        return made[0]

    file_pages = {p.index: p for p in doc.pages}
    boxed = has_boxes(doc)
    dt = doctypes.resolve(document_type, keys)
    use_linker = extract_method() == "linker"
    # a lone total key is read the receipt way (so "What is the total amount?" and the four
    # receipt fields agree), but the page need not be a receipt: where the receipt rules found
    # no printed total (only the largest amount, the cash paid, or a subtotal where a `TOTAL`
    # stands with its figure under it), the linker answers
    lone_total = document_type is None and dt is not None and len(keys) == 1 and use_linker

    def special(key: str) -> bool:
        if dt is None:
            return False
        f = dt.field_for(key)
        return f is not None and (f in dt.finders or not use_linker)

    # the receipt's name and address lines are found by the line-role model because receipts
    # print no label for them; where the page prints the key itself as a label (`VENDOR NAME`
    # on an order read as a receipt by its keys), the linker reads it first
    by_label = {
        k
        for k in keys
        if use_linker
        and document_type is None
        and dt is not None
        and special(k)
        and dt.field_for(k) in ("company", "address")
    }
    linked: dict[str, FieldResult | None] = {}
    if use_linker:
        from promptocr.tasks.extract.linked import extract_linked

        linked = extract_linked(
            doc, [k for k in keys if not special(k) or k in by_label], find_all=find_all
        )
    out: dict[str, FieldResult] = {}
    for key in keys:
        res = None
        got = linked.get(key) if key in by_label else None
        if (
            got is not None
            and got.value is not None
            and got.label
            and (
                fold(got.label) == fold(key)
                or bool(canonical_words(key))
                and canonical_words(got.label) == canonical_words(key)
            )
        ):
            res = got  # the key's own printed label, not a synonym
        if res is None and dt is not None and special(key):
            res = dt.extract(views(), key)
            if res is not None and res.value is None and res.method is None and use_linker:
                # the document type's finder found nothing (no MRZ on a visa form whose keys
                # read as a passport's): the linker reads the printed labels
                from promptocr.tasks.extract.linked import extract_linked

                others = [k for k in keys if k != key]  # (their labels are no values)
                res = extract_linked(doc, [key], find_all=find_all, fixed=others).get(key) or res
        if (
            lone_total
            and res is not None
            and (
                res.method == "largest_amount"
                or res.label == "cash paid"
                or bool(doctypes.SUBTOTAL.search(res.label or ""))
            )
        ):
            from promptocr.tasks.extract.linked import extract_linked

            other = extract_linked(doc, [key], find_all=find_all).get(key)
            if other is not None and other.value:
                res = other
        if res is None:
            res = linked.get(key)
        if res is None:
            res = extract_generic(views(), key, avoid=keys)
        parts = slash_parts(key)
        if res.value is None and parts and use_linker and depth == 0:
            # "name/phone" where no `Name/Phone` label has a value: each part looked up, the
            # values joined (a printed `Town/City` or `Supervisor/Manager` answers whole)
            res = (
                _joined_parts(
                    key, extract_fields(doc, parts, document_type, find_all=find_all, depth=1)
                )
                or res
            )
        if res.method != "linker" and res.page is not None and res.page - 1 in file_pages:
            _to_file_frame(res, file_pages[res.page - 1])
        res.name = key
        res = in_sentence(doc, key, res)
        if boxed:  # the key names an option, or the value is one (tasks/extract/boxes.py)
            res = answer_boxes(doc, key, res)
        out[key] = res
    typed = [r for r in out.values() if type_by_words(r)]
    # every all-numeric date (document-type finders and fallbacks too) follows the document's
    # day/month convention, so the same date never normalises differently by the other keys
    from promptocr.tasks.extract.linked import _date_order

    rest = [r for r in out.values() if r.method != "linker"]
    _date_order(doc, rest + [r for r in typed if r.method == "linker"])
    return out


SENTENCE_WORDS = 6  # running text: this many words or more, ...
SENTENCE_LOWER = 3  # ... this many of them in small letters (`is`, `payable`, `shall`, `of`)
_MONEY = re.compile(r"[" + re.escape(CURRENCY_SIGNS) + r"]|\d[.,]\d{2}(?!\d)|^[A-Z]{2,3}\s?\d")


def running_text(text: str) -> bool:
    """`text` reads as a sentence, not a form's entry: `SENTENCE_WORDS` words or more, at
    least `SENTENCE_LOWER` of them words in small letters (`September 10, 1997 Marcus
    Hellenic Spirit`, `WEEK OF MARCH 25, 1974`, `12/ 12/ 1990 . Paris` are entries)."""
    words = text.split()
    lower = [
        w for w in (w.strip(".,;:()") for w in words) if len(w) >= 2 and w.isalpha() and w.islower()
    ]
    return len(words) >= SENTENCE_WORDS and len(lower) >= SENTENCE_LOWER


# where a clause ends in running text: a stop, a semicolon, … followed by a space or the end
_CLAUSE_END = re.compile(r"[.;!?。；](?=\s|$)")


def _figure_kind(key: str) -> str | None:
    """ "amount" or "date" where `key` asks for one by its concept or its words (`monthly
    rent`, `security deposit`, `late fee`, `lease end date`), else None."""
    concept = match_concept(key)
    if concept is not None:
        return concept.type if concept.type in ("amount", "date") else None
    words = canonical_words(key, brackets=False)
    if words and words[-1] in _AMOUNT_HEADS:
        return "amount"
    if set(words) & _DATE_HEADS or names_a_date(key):
        return "date"
    return None


def in_sentence(doc: Document, key: str, res: FieldResult) -> FieldResult:
    """A value that is running text holding the figure a key asks for (`The monthly rent is
    $1,850.00, payable on the first day of each month.` for "monthly rent"; a lease or a
    letter prints no label for it): the first amount or date after the key's words in it (or
    from its start), up to the end of that clause (a stop, or `and` / `but`), with its own
    box. Unchanged otherwise: a value that is no `running_text`, a key that asks for no
    figure, no such figure in the clause, a rate before the amount (`5% of the monthly rent
    of $1,850.00`: the fee is the rate), or an amount that is no money (no currency sign, no
    cents)."""
    text = res.value
    if text is None or res.type not in ("text", "amount") or not running_text(text):
        return res
    kind = _figure_kind(key)
    if kind is None:
        return res
    words = [re.escape(w) for w in re.findall(r"\w+", key)]
    said = re.search(r"\b" + r"\W+".join(words) + r"\b", text, re.I) if words else None
    start = said.end() if said is not None else 0
    end = m.start() if (m := _CLAUSE_END.search(text, start)) is not None else len(text)
    clause = text[start:end]
    got = _first_figure(clause, kind)
    if got is None:
        return res
    s, e, norm = got
    value = clause[s:e]
    if kind == "amount" and not _MONEY.search(value):
        return res  # a count or a part of a figure (`within 20 days`), not money
    out = replace(res, value=value, normalized=norm, type=kind, valid=True)
    page = next((p for p in doc.pages if res.page is not None and p.index == res.page - 1), None)
    box = res.bbox
    if page is not None and box is not None:
        # the value's own box: on the line of the page that prints it with the words before
        # it (a figure printed twice on the line: this one), inside the old box; where the
        # figure is cut over two lines, the old box stays
        before = text[max(0, start + s - 24) : start + s]
        lines = [
            ln
            for ln in page.lines
            if (b := ln.bbox)[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3]
        ]
        for probe, lead in ((before + value, len(before)), (value, 0)):
            ln = next((ln for ln in lines if probe in ln.text), None)
            if ln is not None:
                at = ln.text.index(probe) + lead
                fill_geometry(out, [Span(ln, at, at + len(value), page)])
                break
    return out


_CLAUSE_AND = re.compile(r"\s(?:and|but)\s+(?!\d)", re.I)


def _first_figure(clause: str, kind: str) -> tuple[int, int, Any] | None:
    """(start, end, normalized) of the first amount (with its currency sign) or date in a
    clause, up to an `and` / `but` that opens another one; None where none is, or where a
    rate comes before the amount."""
    if (m := _CLAUSE_AND.search(clause)) is not None:
        clause = clause[: m.start()]
    if kind == "date":
        found = v.parse_date(clause)
        return (found.start, found.end, found.normalized) if found is not None else None
    amounts = [a for a in v.find_amounts(clause) if not _code_like(clause, a)]
    first = next((a for a in amounts if not v.a_rate(clause, a)), None)
    if first is None or any(v.a_rate(clause, a) for a in amounts if a.start < first.start):
        return None
    # (the figure with its sign, as `typed_value` keeps it: read from the clause up to it)
    got = typed_value(clause[: first.end + 2], "amount")
    if got is None or got[1] < first.end - 1:
        return first.start, first.end, first.normalized
    return got[0], got[1], got[2]


# the head word of a key no concept knows that says what its value is (as
# `fields.canonical_words` gives it: `dated` is `dat`, `DOB` is `birth date`): a date
# (`preferred start date`, `date signed`, `Dated`), an amount (`late fee`, `freight`, `total
# current charges`, `Amount (USD)`)
_DATE_HEADS = frozenset({"date", "dat"})
_AMOUNT_HEADS = frozenset(
    {"amount", "total", "subtotal", "fee", "charge", "cost", "price", "salary", "balance",
     "freight", "rent", "deposit", "payment", "tax", "tip", "discount", "due", "paid"}
)  # fmt: skip


def type_by_words(res: FieldResult, named: str | None = None) -> bool:
    """A text value whose key (or `named`: its printed label) names a date or an amount by its
    words (`_DATE_HEADS`: any of them, or a date's label in another language,
    `fields.names_a_date`; `_AMOUNT_HEADS`: the last) and that is one whole, valid
    value of that type: typed and normalised as such (which value was found is unchanged).
    Whether it was."""
    if res.type != "text" or not res.value:
        return False
    words = canonical_words(named or res.name, brackets=False)
    kind = (
        "date"
        if set(words) & _DATE_HEADS or names_a_date(named or res.name)
        else "amount"
        if words and words[-1] in _AMOUNT_HEADS
        else None
    )
    if kind is None:
        return False
    value = res.value.strip()
    got = typed_value(value, kind)
    if got is None or not got[3] or value[: got[0]].strip(" $€£¥￥") or value[got[1] :].strip():
        return False
    res.type, res.normalized = kind, got[2]
    return True


def bbox_list(box: BBox) -> list[float]:
    return [round(x, 1) for x in box]


__all__ = [
    "FieldResult",
    "PageView",
    "Span",
    "bbox_list",
    "bbox_of",
    "extract_fields",
    "extract_generic",
    "rejoin_split_keys",
    "find_by_label",
    "find_by_pattern",
    "views_of",
]


_PAIR = re.compile(r"^\s*([^:：]{1,40}?)\s*[:：]\s*(.*)$")


def extract_all_pairs(doc: Document) -> dict[str, FieldResult]:
    """Every key→value pair on the pages, for prompts that name no fields ("extract all
    key-value pairs", "提取所有字段"): the linker decides what is a key (`rules`: every printed
    `label: value` pair)."""
    if extract_method() == "linker":
        from promptocr.tasks.extract.linked import extract_all_linked

        found = extract_all_linked(doc)
    else:
        found = extract_all_pairs_rules(doc)
    if has_boxes(doc):  # a question's value that is a check box's option: the ticked ones
        for k, res in found.items():
            found[k] = choice_answer(doc, res) or one_box(res)
        # and a question no answer took, with its boxes; a box with its text and no question,
        # a field of its own answered by the box
        for res in unanswered_boxes(doc, list(found.values())):
            name, n = res.name, 2
            while name in found:
                name, n = f"{res.name} ({n})", n + 1
            res.name = name
            found[name] = res
    # a pair whose label names a date or an amount, typed and normalised as one
    from promptocr.tasks.extract.linked import _date_order

    _date_order(doc, [r for r in found.values() if type_by_words(r, r.label)])
    return found


def extract_all_pairs_rules(doc: Document) -> dict[str, FieldResult]:
    """Every printed `label: value` pair (value on the same line, right of it, or under it)."""
    out: dict[str, FieldResult] = {}
    for view in views_of(doc):
        used: set[int] = set()
        for ln in view.lines:
            if id(ln) in used:
                continue
            m = _PAIR.match(ln.text)
            if not m or m.group(2).startswith("//"):
                continue  # no separator, or a web address ("https://…")
            label = m.group(1).strip()
            if not any(ch.isalpha() for ch in label) or re.fullmatch(r"[\d\s.]+", label):
                continue  # "10:43" is a time, not a label
            res = FieldResult(name=label, type="text")
            span: Span | None = None
            if m.group(2).strip():
                span = Span(ln, m.start(2), len(ln.text), view.page)
                res.method = "same_line"
            else:
                for cand, method in [(c, "right") for c in _right_of(view, ln)[:1]] + [
                    (c, "below") for c in _below(view, ln)[:1]
                ]:
                    if id(cand) in used or _PAIR.match(cand.text) or looks_like_label(cand.text):
                        continue
                    span = Span(cand, 0, len(cand.text), view.page)
                    res.method = method
                    used.add(id(cand))
                    break
            if span is None or not span.text.strip():
                continue
            res.value, res.valid, res.label = span.text.strip(), True, label
            fill_geometry(res, [span])
            key, n = label, 2
            while key in out:
                key, n = f"{label} ({n})", n + 1
            res.name = key
            out[key] = res
    return out
