"""Reading receipt text through OCR's slips: helpers of the receipt finders (`doctypes.py`).

* `is_tax_summary` — the title of the tax summary table ("GST SUMMARY") also as OCR misreads
  it ("GST SUHLARY", "TAX SUMNARY", "GST Summery"): a tax word, then a word within two
  edits of SUMMARY.
* `fold_total_keywords` — the words TOTAL and SUBTOTAL read in a font whose letters OCR
  confuses ("IUIAL" for TOTAL, "SUBIUIAL" for SUBTOTAL: T and L read as I, O as U or 0)
  written back as the keywords, character for character (the text keeps its length, so
  offsets into it stay valid). The total finder reads the receipt both as printed and so
  folded, and takes the folded reading where its strongest keyword is stronger.
* `fix_l_read_as_i` — a lower-case `l` that OCR read as a capital `I` inside a word in mixed
  case, where the word with l is an address word of the receipt generator's vocabulary
  (`synthreceipts.address_vocabulary`: "BIk 5, JIn Merbau" → "Blk 5, Jln Merbau", "SeIangor"
  → "Selangor"). Nothing else is changed: a capital I inside a mixed-case word is as often
  right ("McIntosh", "LinkedIn", "CityInn").
* `drop_repeated_heading` — a heading printed above an address and repeated inside one of
  its lines (the branch or building name: "PUSAT NIAGA KORAMI" over "UNIT 12, BLOCK C,
  PUSAT NIAGA KORAMI, …") is no address line (two words or more, ten letters or digits or
  more, repeated word for word: a town repeated in a street name is too short to tell, and
  "JALAN SURIA 1" is not in "JALAN SURIA 12").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from rapidfuzz.distance import Levenshtein

from promptocr.tasks.extract.synthreceipts import address_vocabulary

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


_WORD = re.compile(r"[A-Za-z]+")
_ADDRESS_WORDS = frozenset(w for w in address_vocabulary() if len(w) >= 3)


def fix_l_read_as_i(text: str) -> str:
    """`text` with a capital I read for a lower-case l inside a mixed-case word written as l,
    only where the word so written is an address word (`address_vocabulary`) and as read is
    not ("JIn" → "Jln", "SeIangor" → "Selangor"; "McIntosh", "Phase IIa" stay)."""

    def sub(m: re.Match[str]) -> str:
        w = m.group(0)
        if len(w) < 3 or "I" not in w[1:] or not any(ch.islower() for ch in w):
            return w
        cand = w[0] + w[1:].replace("I", "l")
        if cand.upper() in _ADDRESS_WORDS and w.upper() not in _ADDRESS_WORDS:
            return cand
        return w

    return _WORD.sub(sub, text)


T = TypeVar("T")


def _tokens(t: str) -> list[str]:
    """`t`'s words in capitals (letters and digits; a Chinese character is a word)."""
    return re.findall(r"[0-9A-Z]+|[\u4e00-\u9fff]", t.upper())


def drop_repeated_heading(lines: Sequence[T], texts: Sequence[str]) -> list[T]:
    """`lines` without the first when its text (two words or more, at least ten letters or
    digits) is repeated word for word inside one of the lines after it: a branch or building
    name printed above the address."""
    if len(lines) < 2:
        return list(lines)
    head = _tokens(texts[0])
    k = len(head)
    if len(texts[0].split()) < 2 or sum(len(w) for w in head) < 10:
        return list(lines)
    for t in texts[1:]:
        words = _tokens(t)
        if any(words[i : i + k] == head for i in range(len(words) - k + 1)):
            return list(lines[1:])
    return list(lines)
