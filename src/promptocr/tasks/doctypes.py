"""Prebuilt document types: a schema (the fields returned when the prompt only names the
document) and specialised finders for fields that have no printed label.

* `receipt` — shop receipts: company and address (the rows a learned line-role model,
  `extract/roles.py`, reads as the merchant's name and its address), date (first date), total (amount after TOTAL / ROUNDED /
  AMOUNT DUE / 合计 keywords, largest plausible amount as a fallback).
* `id_card` — Chinese resident identity card, front (姓名 性别 民族 出生 住址 公民身份号码,
  the ID number checked against GB 11643) and back (签发机关 有效期限).
* `vat_invoice` — Chinese VAT invoice (增值税发票) key fields.
* `passport` — passports and ID cards with an ICAO 9303 machine-readable zone (TD3 / TD1),
  every check digit verified.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from promptocr.document.model import Line
from promptocr.tasks import validators as v
from promptocr.tasks.extract import (
    CURRENCY_SIGNS,
    CURRENCY_WORDS,
    FieldResult,
    PageView,
    Span,
    extract_generic,
    fill_geometry,
    find_by_label,
    find_by_pattern,
    roles,
    typed_value,
)
from promptocr.tasks.fields import CONCEPT_BY_NAME, fold, match_concept
from promptocr.tasks.receipt_text import (
    drop_repeated_heading,
    fix_l_read_as_i,
    fold_total_keywords,
    is_tax_summary,
)

Finder = Callable[[Sequence[PageView], str], FieldResult]


@dataclass
class DocType:
    name: str
    title: str
    schema: dict[str, str]  # field -> type, in output order
    finders: dict[str, Finder] = field(default_factory=dict)

    def field_for(self, key: str) -> str | None:
        k = fold(key).replace(" ", "_")
        if k in self.schema:
            return k
        c = match_concept(key)
        if c is not None and c.name in self.schema:
            return c.name
        return None

    def extract(self, views: Sequence[PageView], key: str) -> FieldResult | None:
        f = self.field_for(key)
        if f is None:
            return None
        finder = self.finders.get(f)
        if finder is not None:
            return finder(views, key)
        concept = CONCEPT_BY_NAME.get(f)
        if concept is None:
            return extract_generic(views, key)
        res = find_by_label(
            views, key, [key, *concept.synonyms], _label_type(concept.type), multiline=True
        )
        res.type = concept.type
        if res.value is None and res.raw is None and concept.type in ("date", "cn_id"):
            res = find_by_pattern(views, key, concept.type)
        return res


def _label_type(t: str) -> str:
    return "text" if t in ("company", "address") else t


# ---------------------------------------------------------------------------------------------
# receipts

REG_NO = re.compile(
    r"\(?\s*(?<![A-Z])(?:CO\.?\s*(?:REG|NO)|COMPANY\s*(?:REG|NO)|ROC|REG\.?\s*NO)(?![A-Z])[^)]*\)?|"
    r"\(?\b[A-Z]{0,3}\d{4,}[\dA-Z]*\s*-\s*[A-Z]\b\)?|\(\s*\d{3,}[\dA-Z-]*(?:\s+[A-Z])?\s*\)",
    re.I,
)
TOTAL_EXCLUDE = re.compile(
    r"SUB\s*-?\s*TOTAL|TOTAL\s*(?:QTY|QUANTITY|ITEMS?|GST|TAX|DISC|SAVING|EXCL|POINTS?|"
    r"NO\.?\s*OF|UNITS?)|TOT\s*QTY|EXCLUD|ITEM\s*\(?S\)?|QTY|小计|税额|\bGST\b\s*\d|"
    r"CHANGE|CASH\b|TENDER|PAID|BALANCE\s+(?:OF\s+)?POINTS|DISCOUNT|ROUNDING|TAX\s*TOTAL",
    re.I,
)
TOTAL_HIGH = re.compile(
    r"GRAND\s*TOTAL|NETT?\s*TOTAL|TOTAL\s*ROUNDED|ROUNDED\s*TOTAL|TOTAL\s*AMO?U?N?T|AMOUNT\s*DUE|"
    r"TOTAL\s*DUE|TOTAL\s*PAYABLE|AMOUNT\s*PAYABLE|TOTAL\s*SALES|TOTAL\s*\(?\s*RM|"
    r"TOTAL\s*INCL|TOTAL\s*\(?\s*MYR|TOTAL\s*AFTER|\bDUE\b|价税合计|应付金额|实付金额|实收",
    re.I,
)
TOTAL_NEVER = re.compile(
    r"INCLUDED|TAX\s*TOTAL|SAVING|\bQTY\b|QUANTITY|CHANGE|TENDER|PAID|COLLECTED|找零", re.I
)
# the tax summary table's title, also as OCR misreads it ("GST SUHHARY", "TAX SUMNARY")
SUMMARY = re.compile(r"(?:GST|TAX|SST|VAT)\s*S\s*U\s*[MNH]{1,2}\s*A\s*R\s*Y|税额汇总", re.I)
TOTAL_ANY = re.compile(r"\bTOTAL\b|\bAMOUNT\b|\bDUE\b|合计|总计|总额|应付|实付", re.I)
SUBTOTAL = re.compile(r"SUB\s*-?\s*TOTAL|小计", re.I)
ROUNDED = re.compile(r"ROUND", re.I)
CASHY = re.compile(r"CASH|CHANGE|TENDER|PAID|VISA|MASTER|CARD|找零|现金", re.I)


# a registration number at the end of the name's row as OCR misreads it: a bracket read as a
# digit or letter, digits read as look-alike letters ("6S20418-X)" for "(620418-X)"); its
# check letter after a dash says what it is
_GARBLED_REGNO = re.compile(r"\s+[(\[<{]?\S?([0-9OIlSBZGQ]{5,})\s*-\s*[A-Z][)\]>}]?$")
_ASIDE = re.compile(r"\s*[(（<\[]([^()（）<>\[\]]*)[)）>\]]\s*$")


def _drop_aside(t: str) -> str:
    """`t` without a closed bracket at its end that is no part of the name: a registration
    number, or the name's own abbreviation ("KEDAI SRI BAHAGIA (KSB)"); a whole row in
    brackets is dropped. Other brackets stay: a country or branch ("ACME (USA)", "（中国）")
    and a marker of one or two letters ("(M)", "(KL)")."""
    m = _ASIDE.search(t)
    if m is None:
        return t
    head, inner = t[: m.start()].strip(), m.group(1).strip()
    if not head:
        return ""
    if re.search(r"\d{4,}", inner):
        return head
    letters = inner.replace(".", "").replace(" ", "")
    if len(letters) >= 3 and letters.isascii() and letters.isalpha() and letters.isupper():
        initials = iter(w[0].upper() for w in re.findall(r"[A-Za-z]+", head))
        if all(ch in initials for ch in letters):  # the letters, in order, among the initials
            return head
    return t


def _clean_company(text: str) -> str:
    """The name as printed, without a lead-in ("Owned by: …"), what follows "formerly", and
    the registration number printed beside it."""
    if re.fullmatch(r"[^:：]{1,30}[:：]\s*", text):
        return ""  # a lead-in on its own row ("Owned By :"): a name never ends in a colon
    text = re.sub(r"^[^:：]{1,30}[:：]\s*(?=\S)", "", text)  # "Dimiliki: ..." lead-in
    t = re.split(r"\bF\.?K\.?A\b|\(?formerly\b", text, maxsplit=1, flags=re.I)[0]
    t = REG_NO.sub(" ", t)
    m = _GARBLED_REGNO.search(t)
    if m is not None and sum(ch.isdigit() for ch in m.group(1)) >= 4:
        t = t[: m.start()]
    for _ in range(2):
        t = _drop_aside(t.strip())
    t = re.sub(r"\s+", " ", t).strip(" ,-:;")
    return t if any(ch.isalnum() for ch in t) else ""  # "< >": only the number was there


_RoleLines = tuple[list[Line], list[Line], np.ndarray, list[Line]]
_ROLE_CACHE: list[tuple[PageView, _RoleLines]] = []  # the last few views (company, then address)


def _role_lines(view: PageView) -> _RoleLines:
    """The receipt's company lines and address lines by the learned line-role model, with the
    role probabilities of all its lines."""
    for v_, got in _ROLE_CACHE:
        if v_ is view:
            return got
    lines, texts, boxes, pieces = roles.line_units(view.rows)
    company, address, P = roles.receipt_rows(texts, boxes, pieces)
    out = ([lines[i] for i in company], [lines[i] for i in address], P, lines)
    _ROLE_CACHE[:] = [*_ROLE_CACHE[-3:], (view, out)]
    return out


def _conf(chosen: list[Line], lines: list[Line], P: np.ndarray, k: int) -> float:
    idx = [i for i, ln in enumerate(lines) if any(ln is x for x in chosen)]
    return round(float(min(P[i, k] for i in idx)), 4) if idx else 0.0


def _repeated_in(brand: str, name: str) -> bool:
    a = re.sub(r"[^0-9a-z]", "", brand.lower())
    return len(a) >= 3 and a in re.sub(r"[^0-9a-z]", "", name.lower())


def receipt_company(views: Sequence[PageView], key: str) -> FieldResult:
    """The merchant's name: the rows the line-role model reads as the company (`roles.py`)."""
    res = FieldResult(name=key, type="company")
    for view in views:
        lines, _, P, every = _role_lines(view)
        # a piece with fewer than two letters or digits is a logo's stroke, not a name; a
        # brand row repeated at the start of the registered name under it is said once
        lines = [ln for ln in lines if sum(ch.isalnum() for ch in ln.text) >= 2]
        lines = [
            ln
            for k, ln in enumerate(lines)
            if k + 1 >= len(lines) or not _repeated_in(ln.text, lines[k + 1].text)
        ]
        names = [_clean_company(ln.text) for ln in lines]
        # each line's span is the name it keeps where that stands in it as printed (a
        # registration number or a lead-in cut off is outside the box and the read confidence)
        spans = []
        for ln, n in zip(lines, names, strict=True):
            if n:
                at = ln.text.find(n)
                start, end = (at, at + len(n)) if at >= 0 else (0, len(ln.text))
                spans.append(Span(ln, start, end, view.page))
        name = fix_l_read_as_i(" ".join(n for n in names if n))
        if not name:
            continue
        res.value, res.valid, res.method = name, True, "line_roles"
        res.link_confidence = _conf(lines, every, P, 1)
        fill_geometry(res, spans)
        return res
    labelled = find_by_label(
        views, key, [key, "company", "merchant", "store", "商户", "公司"], "text"
    )
    labelled.type = "company"
    return labelled


def receipt_address(views: Sequence[PageView], key: str) -> FieldResult:
    """The merchant's address: the rows the line-role model reads as the address."""
    res = FieldResult(name=key, type="address")
    for view in views:
        _, lines, P, every = _role_lines(view)
        if not lines:
            continue
        # a branch or building name printed above the address and repeated inside it
        lines = drop_repeated_heading(lines, [ln.text for ln in lines])
        text = " ".join(ln.text.strip() for ln in lines)
        text = re.sub(r"^[\u4e00-\u9fff]{1,4}\s*[:：]\s*", "", text)  # a printed "地址：" label
        res.value = fix_l_read_as_i(v.fix_digit_confusions(text))
        res.valid, res.method = True, "line_roles"
        res.link_confidence = _conf(lines, every, P, 2)
        fill_geometry(res, [Span(ln, 0, len(ln.text), view.page) for ln in lines])
        return res
    labelled = find_by_label(views, key, [key, "address", "地址"], "text", multiline=True)
    labelled.type = "address"
    return labelled if labelled.value is not None else res


_SPACED_DECIMAL = re.compile(r"(?<![\d.])\d{1,6}\.\s\d{2}(?![\d.])")  # "170. 00" as OCR reads it


def _decimal_amounts(text: str) -> list[tuple[int, int]]:
    """(start, end) of the amounts with decimals in `text`, also those OCR split after the
    decimal point."""
    found = [
        (a.start, a.end)
        for a in v.find_amounts(text)
        if v.amount_decimals(a.text) is not None and not v.a_rate(text, a)
    ]
    for m in _SPACED_DECIMAL.finditer(text):
        if not any(s <= m.start() < e for s, e in found):
            found.append((m.start(), m.end()))
    return sorted(found)


def _row_amounts(view: PageView, ln: Line, after: int) -> list[Span]:
    """Amounts (with decimals) after a label: the rest of its line, then the row to its right."""
    out: list[Span] = []
    spans = [Span(ln, after, len(ln.text), view.page)]
    cy = (ln.bbox[1] + ln.bbox[3]) / 2
    spans += [
        Span(r, 0, len(r.text), view.page)
        for r in _right_neighbours(view, ln)
        if abs((r.bbox[1] + r.bbox[3]) / 2 - cy) <= 0.5 * view.lh
    ]
    for sp in spans:
        for a_start, a_end in _decimal_amounts(sp.text):
            start = sp.start + a_start
            if start > 0 and sp.line.text[start - 1] in CURRENCY_SIGNS:
                start -= 1
            else:  # a currency code glued to the figure is part of it as printed ("RM9.00";
                # set apart, `RM 9.00`, receipts' totals are written without it)
                cur = re.search(r"([A-Za-z]{2,5})$", sp.line.text[:start])
                if (
                    cur
                    # in capitals (`EUR12.00`), or Malaysia's and its neighbours' as ever
                    and (
                        cur.group(1) in CURRENCY_WORDS
                        or cur.group(1).upper() in ("RM", "MYR", "USD", "SGD")
                    )
                    and (cur.start() == 0 or not sp.line.text[cur.start() - 1].isalpha())
                ):
                    start = cur.start()
            out.append(Span(sp.line, start, sp.start + a_end, sp.page))
    return out


def _amounts_below(view: PageView, ln: Line) -> list[Span]:
    """Amounts on the row right under a label that has none ("CASH" / "RM 170.00"), when that
    row holds no other words."""
    i = next((k for k, row in enumerate(view.rows) if any(x is ln for x in row)), None)
    if i is None or i + 1 >= len(view.rows):
        return []
    below = view.rows[i + 1]
    if below[0].bbox[1] - ln.bbox[3] > 1.5 * view.lh:
        return []
    text = " ".join(x.text for x in below)
    if re.search(r"[A-Za-z]{4,}|[\u4e00-\u9fff]", text):
        return []
    out: list[Span] = []
    for x in below:
        out += _row_amounts(view, x, 0)
    return out


def _amount_of(sp: Span) -> float:
    found = v.find_amounts(re.sub(r"(\d)\.\s(\d{2})(?![\d.])", r"\1.\2", sp.text))
    return float(found[-1].normalized) if found else 0.0


def _total_candidates(
    views: Sequence[PageView], read: Callable[[str], str]
) -> tuple[list[tuple[int, int, Span, str]], list[tuple[int, list[Span]]]]:
    """The total's candidates (priority, order, amount, label) and the rounding lines' amounts,
    each line's text read through `read` (the same length as the text)."""
    cands: list[tuple[int, int, Span, str]] = []  # (priority, order, span, label)
    rounding: list[tuple[int, list[Span]]] = []
    order = 0
    for view in views:
        in_summary = False
        for ln in view.lines:
            t = read(ln.text)
            order += 1
            if SUMMARY.search(t) or is_tax_summary(t):
                in_summary = True  # the tax summary table repeats "Total" for other figures
            if in_summary:
                continue
            if ROUNDED.search(t) and not re.search(r"ADJ", t, re.I):
                amounts = _row_amounts(view, ln, ROUNDED.search(t).end())  # type: ignore[union-attr]
                if amounts:
                    rounding.append((order, amounts))
                    continue
            is_adj = bool(ROUNDED.search(t) and re.search(r"ADJ", t, re.I))
            if not TOTAL_ANY.search(t) and not SUBTOTAL.search(t) and not is_adj:
                continue
            if TOTAL_NEVER.search(t):
                continue
            m_hi = TOTAL_HIGH.search(t)
            if ROUNDED.search(t) and re.search(r"ADJ", t, re.I) and not m_hi:
                amounts = _row_amounts(view, ln, 0)
                if amounts:
                    rounding.append((order, amounts))
                continue
            if SUBTOTAL.search(t) and not m_hi:
                prio = 0
                m = SUBTOTAL.search(t)
            else:
                if TOTAL_EXCLUDE.search(t) and not m_hi:
                    continue
                prio = 2 if m_hi else 1
                m = m_hi or TOTAL_ANY.search(t)
            assert m is not None
            amounts = _row_amounts(view, ln, m.end())
            if amounts:
                cands.append((prio, order, amounts[-1], m.group(0)))
    return cands, rounding


def receipt_total(views: Sequence[PageView], key: str) -> FieldResult:
    """Amount after the strongest total keyword (the last one of that strength); a rounded
    figure printed on a rounding line next to it wins; subtotal and then the largest amount
    are fallbacks."""
    res = FieldResult(name=key, type="amount")
    cands, rounding = _total_candidates(views, lambda t: t)
    # the words read again through OCR's letter confusions ("IUIAL" for TOTAL in a font whose
    # T reads as I and O as U): that reading is taken where its strongest keyword is stronger
    # than the strongest as printed (a SUBTOTAL read right must not hide a misread TOTAL)
    folded, folded_rounding = _total_candidates(views, fold_total_keywords)
    if folded and (not cands or max(c[0] for c in folded) > max(c[0] for c in cands)):
        cands, rounding = folded, folded_rounding
    if cands:
        prio, pos, sp, label = max(cands, key=lambda c: (c[0], c[1]))
        value = _amount_of(sp)
        # "Rounding 31.45 -0.02" or "Rounding RM 182.00" right after the total
        lh = views[0].lh if views else 20.0
        for _rpos, amounts in rounding:
            dy = amounts[0].line.bbox[1] - sp.line.bbox[1]
            if 0 < dy <= 4.5 * lh:
                for a in amounts:
                    av = _amount_of(a)
                    if av != value and abs(av - value) <= 0.05 and av >= 1.0:
                        sp, label = a, "rounded total"
                        value = av
        res.value = sp.text.strip()
        res.normalized = f"{value:.2f}"
        res.valid, res.method, res.label = True, "label", label
        fill_geometry(res, [sp])
        return res
    # no total printed: the amount tendered when no change is given back ("CASH 170.00"): the
    # last cash line (not a title such as "CASH BILL"), at least every other amount printed
    paid: Span | None = None
    change = False
    for view in views:
        for ln in view.lines:
            if re.search(r"\b(?:CHANGE|BALANCE)\b|找零", ln.text, re.I):
                change = True
            elif re.search(
                r"\bCASH\b(?!\s*(?:BILL|SALES?|RECEIPT|INVOICE|MEMO)\b)|现金", ln.text, re.I
            ):
                found = _row_amounts(view, ln, 0) or _amounts_below(view, ln)
                if found:
                    paid = found[-1]
    if paid is not None and not change:
        most = max(
            (
                float(a.normalized)
                for view in views
                for ln in view.lines
                if ln is not paid.line
                for a in v.find_amounts(ln.text, require_decimals=True)
            ),
            default=0.0,
        )
        if _amount_of(paid) < most:
            paid = None
    if paid is not None and not change:
        value = _amount_of(paid)
        res.value, res.normalized = paid.text.strip(), f"{value:.2f}"
        res.valid, res.method, res.label = True, "label", "cash paid"
        fill_geometry(res, [paid])
        return res
    # fallback: the largest plausible amount that is not a cash/change line
    top: tuple[float, Span] | None = None
    for view in views:
        for ln in view.lines:
            row_text = " ".join(x.text for x in view.row_of(ln))
            if CASHY.search(row_text):
                continue
            for amt in v.find_amounts(ln.text, require_decimals=True):
                val = float(amt.normalized)
                if val < 100000 and (top is None or val > top[0]):
                    top = (val, Span(ln, amt.start, amt.end, view.page))
    if top is not None:
        res.value = top[1].text
        res.normalized = f"{top[0]:.2f}"
        res.valid, res.method = True, "largest_amount"
        fill_geometry(res, [top[1]])
    return res


def _right_neighbours(view: PageView, ln: Line) -> list[Line]:
    row = view.row_of(ln)
    return sorted(
        [x for x in row if x is not ln and x.bbox[0] >= ln.bbox[2] - 0.5 * view.lh],
        key=lambda x: x.bbox[0],
    )


def receipt_date(views: Sequence[PageView], key: str) -> FieldResult:
    res = find_by_label(views, key, [key, "date", "日期", "tarikh"], "date")
    if res.value is None:
        res = find_by_pattern(views, key, "date")
    if res.value is None:
        # a date printed straight after a receipt number ("#002-0417-000312/04/2019 09:15"):
        # a day/month/four-digit-year date at the end of a run of digits
        for view in views:
            for ln in view.lines:
                m = re.search(r"\d(\d{2}[/.-]\d{2}[/.-](?:19|20)\d{2})(?!\d)", ln.text)
                if m is None:
                    continue
                tv = typed_value(m.group(1), "date")
                if tv is not None and tv[3]:
                    sp = Span(ln, m.start(1), m.end(1), view.page)
                    res = FieldResult(name=key, value=sp.text, normalized=tv[2], valid=True)
                    res.method = "pattern"
                    fill_geometry(res, [sp])
                    res.type = "date"
                    return res
    res.type = "date"
    return res


# ---------------------------------------------------------------------------------------------
# passports (ICAO 9303 MRZ)

MRZ_FIELDS = (
    "document_type",
    "issuing_country",
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "date_of_birth",
    "sex",
    "date_of_expiry",
    "personal_number",
)
_MRZ_ALIASES = {
    "passport_number": "document_number",
    "name": "given_names",
    "country": "issuing_country",
}


def _mrz(views: Sequence[PageView]) -> tuple[dict[str, object], list[Span]] | None:
    for view in views:
        lines = [ln for ln in view.lines if v.looks_like_mrz(ln.text)]
        parsed = v.parse_mrz([ln.text for ln in lines])
        if parsed is not None:
            return parsed, [Span(ln, 0, len(ln.text), view.page) for ln in lines]
    return None


def passport_field(views: Sequence[PageView], key: str) -> FieldResult:
    res = FieldResult(name=key, type="mrz")
    f = fold(key).replace(" ", "_")
    c = match_concept(key)
    name = f if f in MRZ_FIELDS else _MRZ_ALIASES.get(c.name if c else f, c.name if c else f)
    found = _mrz(views)
    if found is None or name not in MRZ_FIELDS:
        return res
    parsed, spans = found
    checks = parsed["checks"]
    assert isinstance(checks, dict)
    val = parsed.get(name)
    res.value = None if val is None else str(val)
    res.normalized = res.value
    check_key = name if name in checks else None
    res.valid = bool(checks[check_key]) if check_key else bool(parsed["valid"])
    res.method = "mrz"
    if check_key and not checks[check_key]:
        res.raw, res.value, res.reason = res.value, None, "ICAO 9303 check digit does not match"
    res.type = "date" if name.startswith("date_") else "mrz"
    fill_geometry(res, spans)
    return res


# ---------------------------------------------------------------------------------------------


def _receipt() -> DocType:
    return DocType(
        "receipt",
        "Shop receipt",
        {"company": "company", "date": "date", "address": "address", "total": "amount"},
        {
            "company": receipt_company,
            "address": receipt_address,
            "total": receipt_total,
            "date": receipt_date,
        },
    )


def _id_card() -> DocType:
    return DocType(
        "id_card",
        "Chinese resident identity card (front and back)",
        {
            "name": "text",
            "sex": "sex",
            "ethnicity": "text",
            "date_of_birth": "date",
            "address": "address",
            "id_number": "cn_id",
            "issuing_authority": "text",
            "valid_period": "text",
        },
    )


def _vat_invoice() -> DocType:
    return DocType(
        "vat_invoice",
        "Chinese VAT invoice (增值税发票)",
        {
            "invoice_code": "number",
            "invoice_number": "number",
            "date": "date",
            "check_code": "number",
            "buyer": "text",
            "company": "company",
            "tax_id": "number",
            "subtotal": "amount",
            "tax": "amount",
            "total": "amount",
        },
    )


def _passport() -> DocType:
    schema = {f: ("date" if f.startswith("date_") else "mrz") for f in MRZ_FIELDS}
    dt = DocType("passport", "Passport / ID with an ICAO 9303 MRZ", schema)
    dt.finders = {f: passport_field for f in MRZ_FIELDS}
    return dt


DOCTYPES: dict[str, DocType] = {
    d.name: d for d in (_receipt(), _id_card(), _vat_invoice(), _passport())
}
_RECEIPT_HINTS = {"company", "address", "total", "date"}


def resolve(document_type: str | None, keys: Sequence[str]) -> DocType | None:
    """The named document type, or the one the keys imply (e.g. company + total -> receipt)."""
    if document_type:
        return DOCTYPES[document_type]
    found = [c.name for c in (match_concept(k) for k in keys) if c is not None]
    concepts = set(found)
    receipt_keys = sum(1 for c in found if c in _RECEIPT_HINTS)
    # mostly receipt fields (a form that also has a DATE and a TOTAL box is not a receipt)
    if (
        len(concepts & _RECEIPT_HINTS) >= 2
        and concepts & {"company", "total"}
        and 2 * receipt_keys >= len(keys)
    ):
        return DOCTYPES["receipt"]
    # a lone question for the total ("What is the total amount?") reads the total the way the
    # four receipt fields do, so that both prompts give the same figure; a Chinese key
    # (合计 vs 价税合计 on a VAT invoice) stays with the linker
    if len(keys) == 1 and concepts == {"total"} and keys[0].isascii():
        return DOCTYPES["receipt"]
    return None
