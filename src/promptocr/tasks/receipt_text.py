"""Reading receipt text through OCR's slips: helpers of the receipt finders (`doctypes.py`).

* `is_tax_summary` — the title of the tax summary table ("GST SUMMARY") also as OCR misreads
  it ("GST SUHLARY", "TAX SUMNARY", "GST Summery"): a tax word, then a word within two
  edits of SUMMARY.
* `fold_total_keywords` — the words TOTAL and SUBTOTAL read in a font whose letters OCR
  confuses ("IUIAL" for TOTAL, "SUBIUIAL" for SUBTOTAL: T and L read as I, O as U or 0)
  written back as the keywords, character for character (the text keeps its length, so
  offsets into it stay valid). Only the total finder's fallback reads it, when no total
  keyword was found as printed.
* `fix_l_read_as_i` — a lower-case `l` that OCR read as a capital `I` inside a word in mixed
  case ("BIk G, JIn PJU" → "Blk G, Jln PJU", "SeIangor" → "Selangor"): a capital I after a
  capital initial or a lower-case letter and before a lower-case letter.
* `drop_repeated_heading` — a heading printed above an address and repeated inside it (the
  branch or building name: "PUSAT DAGANGAN X" over "UNIT 105, BLOCK A, PUSAT DAGANGAN X, …")
  is no address line (two words or more, ten letters or digits or more: a town repeated
  in a street name is too short to tell).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from rapidfuzz.distance import Levenshtein

_TAX_WORD = re.compile(r"\b(?:GST|GS[I1]|6ST|TAX|TAS|SST|VAT)\s*([A-Z]{5,9})\b", re.I)


def is_tax_summary(text: str) -> bool:
    """Whether `text` is the title of a tax summary table, also misread ("GST SUHLARY")."""
    if "税额汇总" in text:
        return True
    for m in _TAX_WORD.finditer(text):
        if Levenshtein.distance(m.group(1).upper(), "SUMMARY") <= 2:
            return True
    return False


# classes of letters a receipt font's OCR confuses: a thin vertical stroke (T, I, L, 1, l),
# a round letter (O, U, 0, D, Q); every other character stands for itself
_CLASS = str.maketrans({"T": "I", "L": "I", "1": "I", "l": "I", "U": "O", "0": "O", "D": "O"})
_WORDS = {w.translate(_CLASS): w for w in ("TOTAL", "SUBTOTAL")}
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{5,8}(?![A-Za-z0-9])")


def fold_total_keywords(text: str) -> str:
    """`text` with words that read as TOTAL or SUBTOTAL under OCR's letter confusions written
    as those words (same length)."""

    def sub(m: re.Match[str]) -> str:
        w = m.group(0)
        if not any(ch.isalpha() for ch in w):
            return w
        return _WORDS.get(w.upper().translate(_CLASS), w)

    return _TOKEN.sub(sub, text)


_I_FOR_L = re.compile(r"(?<=\b[A-Z])I(?=[a-z])|(?<=[a-z])I(?=[a-z])")


def fix_l_read_as_i(text: str) -> str:
    """A capital I inside a mixed-case word, after a capital initial or a lower-case letter
    and before a lower-case letter, is a lower-case l ("JIn" → "Jln")."""
    return _I_FOR_L.sub("l", text)


T = TypeVar("T")


def _fold(t: str) -> str:
    return re.sub(r"[^0-9A-Z\u4e00-\u9fff]", "", t.upper())


def drop_repeated_heading(lines: Sequence[T], texts: Sequence[str]) -> list[T]:
    """`lines` without the first when its text (two words or more, at least ten letters or
    digits) is repeated inside the lines after it: a branch or building name printed above
    the address."""
    if len(lines) < 2:
        return list(lines)
    head = _fold(texts[0])
    if len(texts[0].split()) >= 2 and len(head) >= 10 and head in _fold(" ".join(texts[1:])):
        return list(lines[1:])
    return list(lines)
