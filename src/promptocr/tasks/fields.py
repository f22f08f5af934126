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
from dataclasses import dataclass

from rapidfuzz import fuzz


@dataclass(frozen=True)
class Concept:
    name: str
    type: str  # text, date, amount, percent, phone, email, cn_id, sex, company, address, number
    synonyms: tuple[str, ...]


CONCEPTS: tuple[Concept, ...] = (
    Concept("name", "text", ("姓名", "名字", "name", "full name", "holder")),
    Concept("sex", "sex", ("性别", "sex", "gender")),
    Concept("ethnicity", "text", ("民族", "ethnicity", "ethnic group")),
    Concept(
        "date_of_birth",
        "date",
        ("出生", "出生日期", "生日", "date of birth", "birth date", "birthday", "dob", "born"),
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
    Concept("issuing_authority", "text", ("签发机关", "issuing authority", "authority")),
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
    Concept("tax", "amount", ("税额", "合计税额", "tax", "tax amount", "gst", "vat")),
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
            "seller",
            "business name",
        ),
    ),
    Concept("buyer", "text", ("购买方", "购买方名称", "buyer", "customer", "bill to", "sold to")),
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
    Concept("date_of_expiry", "date", ("有效期至", "expiry date", "date of expiry", "expires")),
    Concept("surname", "text", ("姓", "surname", "last name", "family name")),
    Concept("given_names", "text", ("名", "given names", "given name", "first name")),
)
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


@functools.lru_cache(maxsize=4096)
def match_concept(key: str) -> Concept | None:
    """The concept whose name or a synonym best matches `key` (score >= 88), if any
    (memoised: the concepts are fixed, and a key is looked up by several finders)."""
    k = fold(key)
    if not k:
        return None
    best: tuple[float, Concept | None] = (0.0, None)
    for c in CONCEPTS:
        for s in (c.name.replace("_", " "), *c.synonyms):
            score = (100.0 if s == k else 0.0) if len(s) <= 2 or len(k) <= 2 else fuzz.ratio(k, s)
            if score > best[0]:
                best = (score, c)
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
        inside = [
            (len(syn), c)
            for c in CONCEPTS
            for syn in c.synonyms
            if len(syn) >= 2 and any("\u4e00" <= ch <= "\u9fff" for ch in syn) and syn in k
        ]
        if inside:
            return max(inside, key=lambda t: t[0])[1]
    return None


def guess_type(key: str) -> str:
    k = fold(key)
    if re.search(r"date|日期|时间|\bdob\b|出生", k):
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
