"""Field concepts: multilingual synonyms and value types for key matching.

A user's key ("身份证号", "ID No.", "Amount Due", "Date:") is matched to a concept with
rapidfuzz; the concept's synonyms are then all searched on the page as labels, and its type
decides how a value is recognised and validated. Keys that match no concept are searched as
given, with a type guessed from their words.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from promptocr.tasks.validators import MONTH_NAME


@dataclass(frozen=True)
class Concept:
    name: str
    type: str  # text, date, amount, percent, phone, email, cn_id, sex, company, address, number
    synonyms: tuple[str, ...]
    # the concept's usual printed labels in French, German, Spanish, Italian and Portuguese
    # (`Facture N°`, `Gesamtbetrag`): searched on the page for a key of the concept
    # (`synonyms_for`), but no key is recognised as the concept by them (an English `Total HST`
    # is no `total ht`) and no run printing one is taken for a field's name (`TVA`, `Iva` are
    # values too)
    abroad: tuple[str, ...] = ()


CONCEPTS: tuple[Concept, ...] = (
    Concept("name", "text", ("姓名", "名字", "name", "full name", "holder")),
    Concept("sex", "sex", ("性别", "sex", "gender")),
    Concept("ethnicity", "text", ("民族", "ethnicity", "ethnic group")),
    Concept(
        "date_of_birth",
        "date",
        ("出生", "出生日期", "生日", "date of birth", "birth date", "birthday", "dob", "born"),
    ),
    # (a place, not a date: `出生地` is no `出生`)
    Concept(
        "place_of_birth",
        "text",
        ("出生地", "出生地点", "place of birth", "birthplace", "birth place"),
    ),
    Concept(
        "id_number",
        "cn_id",
        (
            "公民身份号码",
            "身份证号",
            "身份证号码",
            "身份号码",
            "id no",
            "id number",
            "identity number",
            "id card number",
            "citizen id",
        ),
    ),
    Concept(
        "issuing_authority", "text", ("签发机关", "发证机关", "issuing authority", "authority")
    ),
    Concept(
        "valid_period", "text", ("有效期限", "有效期", "valid period", "validity", "valid until")
    ),
    Concept(
        "total",
        "amount",
        (
            "合计",
            "总计",
            "总额",
            "总金额",
            "价税合计",
            # (the figures after `（小写）`, "in figures", on a Chinese invoice or receipt: its
            # total, whose label photos often lose)
            "小写",
            "应付",
            "应付金额",
            "实付",
            "total",
            "grand total",
            "total amount",
            "amount due",
            "total due",
            "balance due",
            "nett total",
            "net total",
            "total payable",
            "amount payable",
            "total sales",
            "amount",
        ),
    ),
    Concept("subtotal", "amount", ("小计", "subtotal", "sub total", "sub-total")),
    # an invoice's amount before tax (the goods table's 金额 column and its 合计)
    Concept("net_amount", "amount", ("金额", "不含税金额", "net amount", "amount excl. tax")),
    Concept("tax_rate", "percent", ("税率", "征收率", "税率/征收率", "tax rate", "vat rate")),
    Concept("tax", "amount", ("税额", "合计税额", "tax", "tax amount", "sales tax", "gst", "vat")),
    Concept(
        "date",
        "date",
        (
            "日期",
            "开票日期",
            "date",
            "invoice date",
            "issue date",
            "date issued",
            "transaction date",
        ),
    ),
    Concept(
        "invoice_number",
        "number",
        (
            "发票号码",
            "发票号",
            "invoice no",
            "invoice number",
            "invoice #",
            "inv no",
            "bill no",
            "receipt no",
            "收据号",
            "收据编号",
            "receipt #",
            "doc no",
            "no",
            "№",
        ),
    ),
    Concept("invoice_code", "number", ("发票代码", "invoice code")),
    Concept("check_code", "number", ("校验码", "check code", "verification code")),
    Concept(
        "phone",
        "phone",
        ("电话", "手机", "联系电话", "手机号", "phone", "tel", "telephone", "mobile", "phone no"),
    ),
    Concept("fax", "phone", ("传真", "fax")),
    Concept("email", "email", ("邮箱", "电子邮件", "email", "e-mail", "mail")),
    Concept(
        "company",
        "company",
        (
            "公司",
            "公司名称",
            "商户",
            "商户名称",
            "商家",
            "店名",
            "销售方",
            "销售方名称",
            "company",
            "company name",
            "merchant",
            "merchant name",
            "store",
            "store name",
            "shop",
            "vendor",
            "vendor name",
            "supplier",
            "supplier name",
            "供应商",
            "seller",
            "business name",
        ),
    ),
    Concept(
        "buyer",
        "text",
        (
            "购买方",
            "购买方名称",
            "客户",
            "客户名称",
            "buyer",
            "customer",
            "customer name",
            "bill to",
            "billed to",
            "sold to",
            "client",
        ),
    ),
    Concept(
        "tax_id",
        "number",
        (
            "纳税人识别号",
            "税号",
            "统一社会信用代码",
            "tax id",
            "tax number",
            "gst id",
            "gst reg no",
        ),
    ),
    Concept("address", "address", ("住址", "地址", "address", "addr", "location")),
    Concept("nationality", "text", ("国籍", "nationality")),
    Concept("passport_number", "number", ("护照号", "护照号码", "passport no", "passport number")),
    Concept(
        "date_of_expiry",
        "date",
        ("有效期至", "expiry date", "date of expiry", "expiration date", "expires", "valid thru"),
    ),
    Concept("surname", "text", ("姓", "surname", "last name", "family name")),
    Concept("given_names", "text", ("名", "given names", "given name", "first name")),
    # business documents: invoices, orders, statements, shipping papers
    Concept(
        "due_date",
        "date",
        ("到期日", "付款期限", "due date", "payment due", "payment due date", "due", "pay by"),
    ),
    Concept(
        "po_number",
        "text",
        ("采购单号", "purchase order number", "customer po", "your order number", "po"),
    ),
    Concept("order_number", "text", ("订单号", "订单编号", "order number", "sales order")),
    Concept(
        "order_date", "date", ("订单日期", "下单日期", "order date", "date ordered", "po date")
    ),
    Concept(
        "account_number",
        "text",
        ("账号", "帐号", "银行账号", "卡号", "account number", "bank account number", "iban"),
    ),
    Concept("account_name", "text", ("户名", "账户名称", "account name", "account holder")),
    Concept(
        "opening_balance",
        "amount",
        (
            "期初余额",
            "上期余额",
            "opening balance",
            "previous balance",
            "starting balance",
            "beginning balance",
            "balance brought forward",
        ),
    ),
    Concept(
        "closing_balance",
        "amount",
        (
            "期末余额",
            "本期余额",
            "closing balance",
            "ending balance",
            "new balance",
            "statement balance",
            "balance carried forward",
        ),
    ),
    Concept(
        "statement_period",
        "text",
        ("账单周期", "statement period", "period covered", "billing period", "period"),
    ),
    Concept(
        "tracking_number",
        "text",
        ("运单号", "快递单号", "tracking number", "waybill number", "air waybill number", "awb"),
    ),
    Concept(
        "ship_to",
        "text",
        (
            "收货人",
            "收货地址",
            "ship to",
            "deliver to",
            "consignee",
            "recipient",
            "delivery address",
            "receiver",
        ),
    ),
    Concept(
        "shipper",
        "text",
        ("发货人", "寄件人", "shipper", "sender", "ship from", "consignor", "exporter"),
    ),
    Concept("contact", "text", ("联系人", "contact", "contact person", "contact name")),
    Concept(
        "delivery_date",
        "date",
        ("交货日期", "送货日期", "delivery date", "deliver by", "required by", "ship date"),
    ),
    Concept("carrier", "text", ("承运人", "carrier", "shipping company", "courier", "ship via")),
    Concept("weight", "text", ("重量", "weight", "gross weight", "package weight")),
    Concept(
        "occupation",
        "text",
        ("职业", "职位", "职务", "岗位", "occupation", "job", "job title", "position"),
    ),
    # an address's parts, asked for on their own
    Concept("city", "text", ("城市", "city", "town", "town / city")),
    Concept("state", "text", ("省份", "state", "province", "county")),
    Concept(
        "postcode",
        "text",
        ("邮编", "邮政编码", "postcode", "post code", "zip", "zip code", "postal code"),
    ),
    Concept("country", "text", ("国家", "country")),
    # vehicles and property: the names an owner's papers print and the words people use
    Concept(
        "plate_number",
        "text",
        (
            "号牌号码",
            "车牌号",
            "车牌号码",
            "车牌",
            "车号",
            "plate number",
            "licence plate",
            "license plate",
            "license plate number",
        ),
    ),
    Concept(
        "vin",
        "text",
        (
            "车辆识别代号",
            "车辆识别代码",
            "车架号",
            "vin",
            "vehicle identification number",
            "chassis number",
            "frame number",
        ),
    ),
    Concept(
        "owner",
        "text",
        ("所有人", "车主", "业主", "产权人", "owner", "registered owner", "property owner"),
    ),
    Concept(
        "mileage",
        "text",
        (
            "里程",
            "行驶里程",
            "里程数",
            "公里数",
            "mileage",
            "miles",
            "odometer",
            "odometer reading",
        ),
    ),
    # insurance, payments and credit
    Concept(
        "insured", "text", ("被保险人", "受保人", "insured", "named insured", "insured person")
    ),
    Concept("policyholder", "text", ("投保人", "policyholder", "policy holder")),
    Concept("premium", "amount", ("保费", "保险费", "premium", "insurance premium")),
    Concept(
        "sum_insured",
        "amount",
        ("保额", "保险金额", "基本保险金额", "sum insured", "amount insured", "coverage amount"),
    ),
    Concept("payer", "text", ("付款单位", "付款方", "付款人", "交款单位", "交款人", "payer")),
    Concept("credit_limit", "amount", ("信用额度", "授信额度", "credit limit", "credit line")),
    # leases
    Concept("landlord", "text", ("出租人", "出租方", "房东", "landlord", "lessor")),
    Concept("tenant", "text", ("承租人", "承租方", "租客", "租户", "tenant", "lessee", "renter")),
)
# an invoice's usual labels in French, German, Spanish, Italian and Portuguese (`Concept.abroad`)
_ABROAD: dict[str, tuple[str, ...]] = {
    "total": (
        "total ttc",
        "montant ttc",
        "net à payer",
        "gesamtbetrag",
        "rechnungsbetrag",
        "endbetrag",
        "totale",
        "importe total",
        "total a pagar",
        "valor total",
    ),
    "subtotal": (
        "total ht",
        "sous-total",
        "zwischensumme",
        "nettobetrag",
        "imponibile",
        "base imponible",
    ),
    "tax": ("tva", "montant tva", "mwst", "mehrwertsteuer", "umsatzsteuer", "iva"),
    "date": (
        "date de facture",
        "date de facturation",
        "rechnungsdatum",
        "fecha de factura",
        "data fattura",
    ),
    "invoice_number": (
        "facture n°",
        "n° de facture",
        "numéro de facture",
        "rechnungsnummer",
        "rechnung nr",
        "rechnungs-nr",
        "número de factura",
        "factura n°",
        "numero fattura",
        "fattura n",
        "número da fatura",
        "fatura n°",
    ),
    "due_date": ("échéance", "date d'échéance", "fälligkeitsdatum", "fällig am", "scadenza"),
}
CONCEPTS = tuple(replace(c, abroad=_ABROAD.get(c.name, ())) for c in CONCEPTS)
CONCEPT_BY_NAME = {c.name: c for c in CONCEPTS}


# Traditional/variant forms the recogniser sometimes returns for labels printed in simplified
# Chinese (one character for one, so positions in a line are kept).
CJK_VARIANTS = str.maketrans(
    "別號碼發證縣區門電話郵額稅總計單價項數貨購買賣銷開據種類學醫",
    "别号码发证县区门电话邮额税总计单价项数货购买卖销开据种类学医",
)


def fold_line(s: str) -> str:
    """Lower-case and CJK-variant-fold a line without changing its length."""
    return s.lower().translate(CJK_VARIANTS)


@functools.lru_cache(maxsize=65536)
def fold(s: str) -> str:
    """Lower-case, width-folded, trailing separators dropped, spaces collapsed (memoised: each
    requested key and OCR line is folded once per extraction, not once per other key)."""
    t = unicodedata.normalize("NFKC", s).lower().translate(CJK_VARIANTS).strip()
    t = re.sub(r"[\s_]+", " ", t)
    return t.strip(" :：.。;；=#-–")


# Abbreviations read as the words they stand for, in a requested key and a printed label alike
# (`Account No.` = `account number`, `P.O. #` = `PO Number` = `purchase order number`)
ABBREVIATIONS = {
    "no": ("number",),
    "nr": ("number",),
    "num": ("number",),
    "nbr": ("number",),
    "#": ("number",),
    "№": ("number",),
    "acct": ("account",),
    "amt": ("amount",),
    "qty": ("quantity",),
    "dept": ("department",),
    "addr": ("address",),
    "ref": ("reference",),
    "inv": ("invoice",),
    "tel": ("phone",),
    "telephone": ("phone",),
    "dob": ("birth", "date"),
    "po": ("purchase", "order"),
    "emp": ("employee",),
    "cust": ("customer",),
    "desc": ("description",),
    "stmt": ("statement",),
    "bal": ("balance",),
    "pmt": ("payment",),
    "pymt": ("payment",),
    "txn": ("transaction",),
    "mgr": ("manager",),
}
# inflections taken off a word (one, at most), with what replaces them; the stem keeps at
# least `_MIN_STEM` letters
_SUFFIXES = (
    ("ations", "e"),
    ("ation", "e"),
    ("ings", ""),
    ("ing", ""),
    ("ies", "y"),
    ("sses", "ss"),
    ("xes", "x"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("ed", ""),
    ("s", ""),
)
_MIN_STEM = 3


@functools.lru_cache(maxsize=65536)
def _stem(w: str) -> str:
    """A word without its inflection, so that its forms compare equal (`Items` / `item`,
    `Billed` / `bill`, `Quotation` / `quote`, `Cities` / `city`): one suffix, where at least
    three letters stay, a doubled last consonant undoubled (`shipped`); not `-ss`, `-us`,
    `-is`, and no bare `-e` or `-y` (`Party` is not `Part`, `Addressee` not `Address`)."""
    if not w.isalpha():
        return w
    for suf, repl in _SUFFIXES:
        # (`taxes` → `tax`, `boxes` → `box`: two letters before a plural's `-es`)
        least = 2 if suf in ("sses", "xes", "ches", "shes") else _MIN_STEM
        if w.endswith(suf) and len(w) - len(suf) >= least:
            if suf == "s" and w.endswith(("ss", "us", "is")):
                continue
            w = w[: -len(suf)]
            if suf in ("ed", "ing", "ings") and len(w) > 3 and w[-1] == w[-2] not in "aeioulsz":
                w = w[:-1]  # shipped, shipping
            return w + repl
    return w


# words that only say what kind of value a label holds: `Due` and `Due Date`, `Buyer` and
# `Buyer Name`, `Account` and `Account Number` name the same field
GENERIC_WORDS = frozenset(
    _stem(w) for w in ("name", "number", "date", "amount", "value", "code", "count")
)


_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


@functools.lru_cache(maxsize=65536)
def canonical_words(s: str, brackets: bool = True) -> tuple[str, ...]:
    """The words of a Latin-script key or label, lower-cased, abbreviations spelled out,
    each without its inflection, and `X of Y` read as `Y X` (`date of invoice` = `invoice
    date`); with `brackets` False, bracketed qualifiers dropped (`Tax (8%)`); () for other
    scripts."""
    t = unicodedata.normalize("NFKC", s).lower()
    if not re.search(r"[a-z]", t) or re.search(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", t):
        return ()
    # accents off (`Número` = `numero`)
    t = "".join(ch for ch in unicodedata.normalize("NFKD", t) if not unicodedata.combining(ch))
    if not brackets:
        t = _BRACKETED.sub(" ", t)
    t = re.sub(r"\bp\s*[./]\s*o\b\.?", " po ", t)  # P.O., P/O
    t = re.sub(r"\ba\s*/\s*c\b", " account ", t)  # A/C
    words: list[str] = []
    for w in re.findall(r"[^\W_]+|[#№]", t):
        if w == "id" and words and words[-1] != "number":
            w = "number"  # `Member ID`, `Emp. ID`: the member's, the employee's number
        words += ABBREVIATIONS.get(w, (w,))
    words = [_stem(w) for w in words]
    if words.count("of") == 1:
        i = words.index("of")
        # `date of invoice` = `invoice date`; `number of items` is a count, `item count`
        # (`item number` is an identifier)
        if 0 < i < len(words) - 1:
            head = ["count"] if words[:i] == ["number"] else words[:i]
            words = words[i + 1 :] + head
    return tuple(words)


def same_field_words(key: tuple[str, ...], label: tuple[str, ...]) -> bool:
    """A key that says what a printed label says and only generic words more
    (`GENERIC_WORDS`: "due date" for `Due`, "buyer name" for `Buyer`; `canonical_words`).
    Not the other way round: a label with a word more is often another field (`FAX NUMBER`
    beside a form's `FAX`, `PROJECT CODE` beside `PROJECT`)."""
    a, b = set(key), set(label)
    return bool(b - GENERIC_WORDS) and a > b and a - b <= GENERIC_WORDS


# Words of fields' names that say one thing, for a key asked in the user's own words where the
# page prints neither it, a synonym nor a short form of it ("balance owed" for `Total Amount
# Due`, "date of receipt" for `Date Received`, "renewal deadline" for `Renew By`, "mileage"
# for `Odometer`). A word may have two senses (`due`: owed, or by when). General document
# vocabulary, not any one document's.
_SENSE_GROUPS = (
    ("owe", "owed", "owing", "due", "payable", "outstanding", "unpaid"),
    ("deadline", "due", "by", "until", "before", "latest"),
    ("total", "amount", "balance", "sum", "gross"),
    ("price", "cost", "fee", "charge"),
    ("receipt", "receive"),
    ("mileage", "odometer"),
    ("start", "begin", "commence", "commencement", "effective", "from"),
    ("end", "expiry", "expire", "expiration", "termination", "terminate"),
    ("customer", "client"),
    ("vehicle", "car"),
    ("phone", "mobile", "cell"),
    ("doctor", "physician"),
    ("address", "residence"),
    ("employer", "company"),
    ("cheque", "check"),
    ("manager", "supervisor"),
    ("purchase", "sale", "sold"),
    ("annual", "yearly"),
    ("salary", "pay", "wage"),
    ("duration", "length"),
    ("visit", "stay"),
    ("cycle", "period"),
    ("main", "principal", "primary"),
    ("pupil", "student"),
    ("waiter", "server"),
    ("retailer", "dealer"),
    ("installment", "instalment", "payment"),
)
# what a label may say beyond the key: when, as planned or as it turned out (`Estimated
# Completion` for "completion date", `Date of Intended Arrival` for "arrival date")
_QUALIFIER_WORDS = (
    "estimated",
    "expected",
    "intended",
    "planned",
    "scheduled",
    "anticipated",
    "base",
)
# words that only say what kind of value is asked; left over on one side they do not part key
# and label, left over on both they must say the same kind (a date is no number)
_VALUE_KINDS = (
    ("date", "deadline", "day"),
    ("number", "code", "no"),
    ("name",),
    ("amount", "value"),
    ("time",),  # (the time of birth is not the date of birth)
)
# the concept types (`Concept.type`) a label may have for each kind of value in `_VALUE_KINDS`
_KIND_TYPES: dict[int | None, tuple[str, ...]] = {
    0: ("date",),
    4: ("date", "text"),
    1: ("number", "text", "cn_id", "phone"),
    2: ("text", "company"),
    3: ("amount", "percent"),
}
_ROOT_SUFFIXES = ("ment", "ance", "ence", "ion", "al", "ure", "e")


@functools.lru_cache(maxsize=65536)
def _root(w: str) -> str:
    """`_stem` less a derivational ending, so a noun and its verb compare equal (`renewal` /
    `renew`, `completion` / `complete`, `arrival` / `arrive`, `received` / `receive`); at
    least four letters stay."""
    w = _stem(w)
    for suf in _ROOT_SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 4:
            return w[: -len(suf)]
    return w


@functools.lru_cache(maxsize=1)
def _senses() -> dict[str, frozenset[int]]:
    out: dict[str, set[int]] = {}
    for n, group in enumerate(_SENSE_GROUPS):
        for w in group:
            out.setdefault(_root(w), set()).add(n)
    return {w: frozenset(s) for w, s in out.items()}


@functools.lru_cache(maxsize=1)
def _kinds() -> dict[str, int]:
    return {_root(w): n for n, group in enumerate(_VALUE_KINDS) for w in group}


def _kind(w: str) -> int | None:
    """Which of `_VALUE_KINDS` a word names, if any."""
    return _kinds().get(_root(w))


@functools.lru_cache(maxsize=1)
def _qualifiers() -> frozenset[str]:
    return frozenset(_root(q) for q in _QUALIFIER_WORDS)


def other_kind(key: tuple[str, ...], printed: tuple[str, ...]) -> bool:
    """Whether a label (`canonical_words`) that matches the key letter by letter says another
    kind of value in the same place: as many words, and at one place two different words
    that each name a kind of value (`_VALUE_KINDS`: `time` / `date`, `name` / `number`)."""
    return len(key) == len(printed) and any(
        a != b and _kind(a) is not None and _kind(b) is not None and _kind(a) != _kind(b)
        for a, b in zip(key, printed, strict=True)
    )


def _alike(a: str, b: str, cut: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """Two words (`canonical_words`) of a key and a label say the same: one root, one sense,
    or one the other's abbreviation as printed (`cut`: pairs of the two words' stems)."""
    ra, rb = _root(a), _root(b)
    if ra == rb or (a, b) in cut or (b, a) in cut:
        return True
    senses = _senses()
    return bool(senses.get(ra, frozenset()) & senses.get(rb, frozenset()))


def _abbreviated(key: str, label: str) -> frozenset[tuple[str, str]]:
    """Pairs of word stems where one of the words as printed is the first four letters or
    more of the other, three or more letters shorter, and reads as cut short: five letters at
    most, or a full stop after it (`Trans #`, `Approx.` ; not `Signed` for "signature", `Part`
    for "party", nor `Policy` for "policyholder")."""
    k, lab = fold(key), fold(label)
    a = re.findall(r"[a-z]+", k)
    b = re.findall(r"[a-z]+", lab)
    return frozenset(
        (_stem(x), _stem(y))
        for x in a
        for y in b
        for short, long_ in [sorted((x, y), key=len)]
        if len(short) >= 4
        and len(long_) >= len(short) + 3
        and long_.startswith(short)
        and (
            len(short) <= 5
            or re.search(rf"\b{short}\.", f"{k} {unicodedata.normalize('NFKC', label).lower()}")
        )
    )


# words too small to name a field's part (a key's initials leave them out too)
SMALL_WORDS = frozenset(
    ("of", "and", "the", "for", "to", "in", "on", "a", "an", "or", "by", "at", "is")
)
# the CJK words that name one kind of value, each read as its last character (`编号`, `号码`
# and `号`; `日期` and `时间`); longest first
_CJK_KINDS = (
    ("号码", "号"),
    ("编号", "号"),
    ("代号", "号"),
    ("编码", "号"),
    ("日期", "期"),
    ("时间", "期"),
    ("费用", "费"),
    ("名称", "名"),
    ("姓名", "名"),
    ("名字", "名"),
    ("住址", "址"),
    ("地址", "址"),
)


def _cjk_canon(s: str) -> str:
    t = re.sub(r"[^\u3400-\u9fff]", "", unicodedata.normalize("NFKC", s).translate(CJK_VARIANTS))
    for word, kind in _CJK_KINDS:
        t = t.replace(word, kind)
    return t


@functools.lru_cache(maxsize=65536)
def paraphrases(key: str, label: str) -> bool:
    """Whether a printed `label` (its colon off) names the field a user asked for in other
    words: word by word, each of the label's words is one of the key's (the same root, the
    same sense in `_SENSE_GROUPS`, or an abbreviation printed cut short, `_abbreviated`), a
    qualifier of when left out, and each side's words left over only say what kind of value
    it is, the same kind where both have some; where the key's left-over words ask for a kind
    of value, not the label of a known field of another type; or the label is the key's
    initials (`S/N` for "serial number"). In CJK, with the words for a kind of value read
    alike (`编号` = `号`, `时间` = `日期`), the label is the key, its end (`证号` for `驾驶证号`,
    `户号` for `用户编号`), the key with a qualifier before it (`电子客票号码` for `客票号`) or one
    letter longer inside (`保险单号` for `保单号`). Only where nothing prints the key, a synonym
    or a short form: a loose match (`extract.linked.find_keys`)."""
    if re.search(r"[\u3400-\u9fff]", key):
        if re.search(r"[^\W_]", re.sub(r"[\u3400-\u9fff]", "", label)):
            return False  # a label run into its value, or a label that is not all CJK
        a, b = _cjk_canon(key), _cjk_canon(label)
        if len(b) < 2 or len(b) > 8 or not a or fold(key) == fold(label):
            return False
        if a == b or (a.endswith(b) and b[-1] in "号期费名址"):
            return True  # the key, or its end (`证号` for `驾驶证号`)
        if len(a) >= 3 and b.endswith(a) and len(b) - len(a) <= 4:
            return True  # the key with a qualifier before it (`电子客票号码` for `客票号`)
        # the label one letter longer inside (`保险单号` for `保单号`), the first and last the
        # same; not shorter (`社会保障号码` is no `社会保障卡号`)
        return (
            len(b) == len(a) + 1
            and len(a) >= 3
            and a[0] == b[0]
            and a[-1] == b[-1]
            and any(b[:i] + b[i + 1 :] == a for i in range(1, len(b) - 1))
        )
    if fold(label).startswith(fold(key)):
        return False  # the key as printed, a value run into it (`Approved No`)
    if re.match(r"(?i)\s*(?:the|a|an|this|that|these|our|your|my|its)\s", label):
        return False  # a sentence's start (`The pH of a`), not a label
    senses = _senses()
    kw = [w for w in canonical_words(key) if w not in SMALL_WORDS or _root(w) in senses]
    lw = [
        w
        for w in canonical_words(label, brackets=False)
        if (w not in SMALL_WORDS or _root(w) in senses) and _root(w) not in _qualifiers()
    ]
    if sum(map(len, kw)) < 4 or not lw or len(lw) > 5:
        return False  # (a key of three letters or fewer is too short to find in other words)
    if len(lw) >= 2 and all(len(w) == 1 for w in lw):
        return len(kw) == len(lw) and all(k[0] == w for k, w in zip(kw, lw, strict=True))
    cut = _abbreviated(key, label)
    used: set[int] = set()
    left_label: list[str] = []
    for w in lw:
        hit = next((i for i, k in enumerate(kw) if i not in used and _alike(k, w, cut)), None)
        if hit is None:
            left_label.append(w)
            continue
        used.add(hit)
    left_key = [k for i, k in enumerate(kw) if i not in used]
    if not used or any(_kind(w) is None for w in left_label + left_key):
        return False
    if not any(_kind(kw[i]) is None for i in used):
        return False  # only kinds of value alike (`Date` for "due date")
    kinds = {_kind(w) for w in left_label}
    if kinds and left_key and kinds != {_kind(w) for w in left_key}:
        return False
    # where the key asks for a kind of value the label does not say, not the label of a known
    # field of another type (`Ship To`, an address, for "shipping amount"; `Bill To` for
    # "billing date"; `Gross Weight` for "total weight" says all the key does)
    concept = match_concept(label) if left_key else None
    wanted = {_kind(w) for w in left_key}
    return concept is None or concept.type in {t for k in wanted for t in _KIND_TYPES.get(k, ())}


_AMOUNT_LIKE = re.compile(r"^\D{0,4}\(?-?\d[\d,. ]*[.,]\d{2}\)?\D{0,4}$")
# a figure with at most a currency sign or code around it (`500`, `500 USD`, `EUR 1.200`)
_BARE_AMOUNT = re.compile(
    r"^(?:[$€£¥￥₹]|(?:USD|EUR|GBP|CNY|RMB|JPY|MYR|RM|SGD|HKD|AUD|CAD|CHF|INR|KRW|NZD)\b)?\s*"
    r"\(?-?\d[\d,. ]*\)?\s*(?:[$€£¥￥₹元]|(?:USD|EUR|GBP|CNY|RMB|JPY|MYR|SGD|HKD|AUD|CAD|CHF|INR)\b)?$",
    re.I,
)


def generic_fits(key: tuple[str, ...], printed: tuple[str, ...], value: str) -> bool:
    """Whether `value` is what the generic words a key has beyond its printed label ask for
    (`same_field_words`): a number or code holds a digit and is no amount with cents, an
    amount is a figure with at most a currency sign or code, a date holds a digit, a name two
    letters. "customer number" under `Customer: Globex` is not `Globex`."""
    extra = set(key) - set(printed)
    v = value.strip()
    digits = sum(ch.isdigit() for ch in v)
    letters = sum(ch.isalpha() for ch in v)
    if extra & {"number", "code", "count"} and (not digits or _AMOUNT_LIKE.match(v)):
        return False
    if _stem("amount") in extra and not _BARE_AMOUNT.match(v):
        return False
    if extra & {_stem("date"), _stem("value")} and not digits:
        return False
    return not (_stem("name") in extra and letters < 2)


def other_words(key: tuple[str, ...], printed: tuple[str, ...]) -> bool:
    """Whether a printed label (`canonical_words`) that looks like the key letter by letter
    is another field word by word. Of as many words: some word is another word, not a
    misreading of it — two or more letters long, two or more edits apart, under 80 % alike and
    neither inside the other (`ending` / `opening`, `number` / `name`, `dn` / `id`; not
    `Invoioe` / `Invoice`, `Recieved` / `Received`, `CARTOCARTON` / `CARTON`, OCR's `H` for
    `#`). Of other word counts: see below."""
    if not key or not printed:
        return False
    if len(key) != len(printed):
        # words more or fewer: a label that leaves out a word of the key other than a generic
        # one names a more general field; a label with words more is another field where,
        # spelled out, the two are unlike (`Customer PO` for "customer"); not a label OCR cut
        # or joined (`DATESUBMITTED`, `Re marks`, `AcctNo.`), nor `FAX NUMBER` for `NUMBER`
        if set(printed) < set(key) and set(key) - set(printed) - GENERIC_WORDS:
            return True  # a more general label (`Amount` for "tax amount")
        short, long_ = (key, printed) if len(key) < len(printed) else (printed, key)
        return set(short) <= set(long_) and fuzz.ratio("".join(key), "".join(printed)) < 80
    return any(
        min(len(a), len(b)) > 1  # a lone letter is OCR's (`PDC H` for `PDC #`)
        and a not in b
        and b not in a
        and Levenshtein.distance(a, b) >= 2
        and fuzz.ratio(a, b) < 80
        for a, b in zip(key, printed, strict=True)
    )


@dataclass(frozen=True)
class _ConceptNames:
    """Every concept's name and synonyms in order, each with its concept, its
    `canonical_words`; which of them are two letters or fewer (matched exactly); and the
    Chinese synonyms (for a key that adds a word to one)."""

    names: list[str]
    owners: list[Concept]
    canon: list[tuple[str, ...]]
    short_at: frozenset[int]
    han: list[tuple[str, Concept]]


# synonyms that name their concept only printed whole, not inside a longer key: `小写` ("in
# figures") is the total's label after `（小写）`, but `小写字母` is lower-case letters and
# `金额（小写）` the amount's column
WHOLE_ONLY = frozenset({"小写"})


@functools.lru_cache(maxsize=1)
def _concept_names() -> _ConceptNames:
    names: list[str] = []
    owners: list[Concept] = []
    for c in CONCEPTS:
        for s in (c.name.replace("_", " "), *c.synonyms):
            names.append(s)
            owners.append(c)
    canon = [canonical_words(s) for s in names]
    han = [
        (syn, c)
        for c in CONCEPTS
        for syn in c.synonyms
        if len(syn) >= 2 and any("\u4e00" <= ch <= "\u9fff" for ch in syn) and syn not in WHOLE_ONLY
    ]
    short_at = frozenset(i for i, s in enumerate(names) if len(s) <= 2)
    return _ConceptNames(names, owners, canon, short_at, han)


@functools.lru_cache(maxsize=1)
def _abroad_names() -> dict[str, Concept]:
    """Each concept's labels in other languages (`Concept.abroad`), folded."""
    return {fold(s): c for c in CONCEPTS for s in c.abroad}


@functools.lru_cache(maxsize=4096)
def match_concept(key: str) -> Concept | None:
    """The concept whose name or a synonym best matches `key` (score >= 88), if any
    (memoised: the concepts are fixed, and a key is looked up by several finders). Each name
    scores 100 where its words are the key's (abbreviated or ordered otherwise), else by
    exact match where it or the key is two letters or fewer, else `fuzz.ratio` — 0 where a
    match is another word letter by letter (`DN Number`, `ID Number`); the first best wins.
    A key that is one of a concept's labels `abroad` is that concept."""
    k = fold(key)
    if not k:
        return None
    if k in _abroad_names():
        # a key worded as another language prints the label (`numéro de facture`, `date
        # d'échéance`); only exactly, since these labels are near other keys letter by letter
        # (`Total HST`, `data de emissão`). (Not a form's `Telefon`, `Courriel` or `Date de
        # naissance`: typed as their concepts, the handwritten values in `kv_links` failed their
        # checks and 60 fields were lost)
        return _abroad_names()[k]
    words = canonical_words(key)
    cn = _concept_names()
    scores = process.cdist([k], cn.names, scorer=fuzz.ratio, dtype=np.float64)[0]
    exact = range(len(cn.names)) if len(k) <= 2 else cn.short_at  # (matched exactly)
    scores[list(exact)] = 0.0
    scores[[i for i in exact if cn.names[i] == k]] = 100.0
    same = [i for i, w in enumerate(cn.canon) if words and w == words and len(cn.names[i]) > 2]
    scores[same] = 100.0  # the same words, abbreviated or ordered otherwise
    if len(k) > 2:
        # (only a match can be another word: the costlier test is asked of those)
        ruled = cn.short_at.union(same)
        for i in np.nonzero(scores >= 88)[0]:
            if int(i) not in ruled and other_words(words, cn.canon[i]):
                scores[i] = 0.0  # alike letter by letter, another word (`DN Number`)
    top = int(np.argmax(scores))
    best: tuple[float, Concept | None] = (
        (float(scores[top]), cn.owners[top]) if scores[top] > 0 else (0.0, None)
    )
    if best[0] >= 88:
        found = best[1]
        own = guess_type(key)
        if best[0] < 100 and found is not None and own not in ("text", found.type):
            # a near miss whose own words name another type (`Fax Number` is not `Tax Number`)
            return None
        return found
    # Chinese keys often add a word to a known label ("合计金额" = 合计 + 金额): take the
    # concept whose synonym is the longest piece of the key.
    if any("\u4e00" <= ch <= "\u9fff" for ch in k):
        inside = [(len(syn), c) for syn, c in cn.han if syn in k]
        if inside:
            return max(inside, key=lambda t: t[0])[1]
    return None


# a relative or a guardian named before a field's word (`父亲姓名`, `紧急联系人电话`): not a
# party (`乙方姓名`, `收款人账号`), whose field the page prints as a label under its heading
_SOMEONE = re.compile(r"(?:父亲|母亲|配偶|妻子|丈夫|子女|儿子|女儿|监护人|紧急联系人|家属|亲属)$")


def synonyms_for(key: str, concept: Concept | None) -> tuple[str, ...]:
    """The labels searched for `key` besides itself: its concept's synonyms (and its labels
    `abroad`), except where a
    Chinese key names a relative before the concept's word (`父亲姓名`, `紧急联系人电话`): that
    is another person's field, and the page's own `姓名` or `电话` is no answer to it (the type
    still comes from the concept)."""
    if concept is None:
        return ()
    k = fold(key)
    for syn in sorted(concept.synonyms, key=len, reverse=True):
        if len(syn) >= 2 and re.search(r"[\u4e00-\u9fff]", syn) and k.endswith(syn) and k != syn:
            if _SOMEONE.search(k[: -len(syn)]):
                return ()
            break
    return concept.synonyms + concept.abroad


@functools.lru_cache(maxsize=1)
def _field_names() -> tuple[frozenset[str], frozenset[tuple[str, ...]]]:
    """Every concept's name and synonyms (three letters or more, or two CJK letters), folded
    and as `canonical_words`."""
    names = [s for c in CONCEPTS for s in (c.name.replace("_", " "), *c.synonyms)]
    folded = frozenset(fold(s) for s in names if len(s) >= 3 or re.search(r"[\u3400-\u9fff]", s))
    words = frozenset(w for s in names if len(s) >= 3 and (w := canonical_words(s, brackets=False)))
    return folded, words


# the number of a form's box or item before its label: `4. `, `(3) `, `12) `, `3b. `, `c) `,
# or `6.` / `6、` before CJK letters; not a figure (`3.5`), nor a number without a mark (`2019
# Subaru`)
ITEM_NUMBER = re.compile(
    r"^\s*\(?(?:\d{1,2}[a-z]?|[a-z])[.)]\s+(?=[^\W\d_])"
    r"|^\s*\(?\d{1,2}[.)、．]\s*(?=[\u3400-\u9fff])",
    re.I,
)

# a box's number of a form that numbers its boxes, digits only (`3. `, `1a. `, `12) `; not an
# initial, `J. Smith`); `box_label` asks for no figure after it either (`12. März 1990`, `1.
# Aspirin 100 mg` are no box labels)
BOX_NUMBER = re.compile(
    r"^\s*\(?\d{1,2}[a-z]?[.)]\s+(?=[^\W\d_])|^\s*\(?\d{1,2}[.)、．]\s*(?=[\u3400-\u9fff])",
    re.I,
)


def box_label(text: str) -> bool:
    """`text` is a numbered box's label (`3. Patient's birth date`, `6.车辆品牌`): a box
    number (`BOX_NUMBER`) and words with no figure."""
    m = BOX_NUMBER.match(text)
    return m is not None and not any(ch.isdigit() for ch in text[m.end() :])


@functools.lru_cache(maxsize=65536)
def is_field_name(text: str) -> bool:
    """`text` says a known field's name and nothing else (`SHIP TO`, `Last name:`, `Postcode`,
    `联系电话`): a label on the page, seldom a value."""
    folded, words = _field_names()
    text = ITEM_NUMBER.sub("", text)  # a form's box number (`4. Passport Number`, `6.车辆品牌`)
    if fold(text) in folded:
        return True
    w = canonical_words(text, brackets=False)
    return bool(w) and w in words


# a key's words that name a date, in the languages of the forms the linker is measured on
# (English `date`/`dated`, German compounds in `-datum`, Spanish `fecha`, Portuguese and
# Italian `data`: opening the key (after a box number) before `de`/`di`/`do`/`e`, a bracket,
# a slash or a colon, or alone, or after `e` (`Luogo e data`, `Firma e data`); not English
# `Personal data`, `Data entry`; 日期, 日付, 年月日): a value of such a key has a figure in it
# (`Bonn, 12.12.2009`, `09.2020`, `28年05月06日`) or a month's name
_DATE_KEY = re.compile(
    r"\bdate[ds]?\b|datum|\bfecha\b"
    r"|^\W*(?:\d{1,2}[.)]\s*)?data\b(?=\s*(?:$|[:：(/,]|d[aeio]\b|dell|del\b|e\b))"
    r"|\be\s+data\b|日期|日付|年月日|날짜|\bдата\b",
    re.I,
)
DATE_KEY_WORDS = 8  # a longer key is a sentence that mentions a date, not a date's label
_DATED = re.compile(r"\d|[〇一二三四五六七八九十]\s*[年月日]|\b" + MONTH_NAME + r"\b", re.I)


def names_a_date(key: str) -> bool:
    """`key` is a date's label by its words in one of several languages (`Geburtsdatum`,
    `Ort, Datum`, `Fecha de expedición`, `Data di nascita`, `生年月日`), not a sentence."""
    return len(key.split()) <= DATE_KEY_WORDS and _DATE_KEY.search(key) is not None


def looks_dated(text: str) -> bool:
    """`text` could hold a date: a figure, a date in CJK numerals or a month's name (English,
    French, German, Spanish, Italian, Portuguese: `validators.MONTH_NAME`)."""
    return _DATED.search(text) is not None


def guess_type(key: str) -> str:
    k = fold(key)
    if re.search(r"date|日期|日付|时间|\bdob\b|出生(?!地)", k) or k in ("fecha", "datum", "data"):
        return "date"
    if re.search(r"total|amount|price|金额|合计|总计|价|费|\bsum\b|cost|balance", k):
        return "amount"
    if re.search(r"phone|\btel\b|mobile|电话|手机|fax|传真", k):
        return "phone"
    if re.search(r"e-?mail|邮箱", k):
        return "email"
    if re.search(r"身份证|公民身份", k):
        return "cn_id"
    return "text"
