"""Day/month order of all-numeric dates, decided per document.

`9/3/92` is 3 September 1992 on a US form and 9 March 1992 on a British one. The order is
settled, in this sequence:

1. **Other dates in the same document.** Any all-numeric date whose first number is over 12
   (`25/03/92`) says day-first; whose second number is over 12 (`03/25/92`) says month-first.
   The majority of such dates decides.
2. **The document's language.** Mostly English text (and no such evidence) → month-first, the
   US convention; other Latin-script text → day-first; CJK documents write year-first, and
   their rare `a/b/y` dates are read day-first. Text is English where common English words
   make up part of it, or (a form's labels: `Patient Name:`, `DOB:`) where most of its words
   are in the English word list (`EN_LEXICON_SHARE`; the list of the lexicon correction,
   Debian's `wamerican`, which scripts/setup.sh installs; without it only the common words
   count).
3. Otherwise the order is ambiguous: the value is returned as printed, with day-first as its
   normalised form and a `reason` saying it is ambiguous.

A date whose numbers only fit one order (`13/3/92`) is never changed, and one written with dots
(`12.03.1987`, the German, Russian or Scandinavian form) is always day-first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from promptocr.tasks.validators import expand_year

NUMERIC = re.compile(r"(?<![\dA-Za-z])(\d{1,2})\s?([-/.])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?!\d)")
_EN_WORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "for",
        "by",
        "on",
        "in",
        "date",
        "name",
        "total",
        "amount",
        "please",
        "from",
        "with",
        "this",
        "that",
        "is",
        "are",
    ]
)


# a form prints few of `_EN_WORDS` (`Patient Name:`, `DOB:`, `Collected:`): its words are
# English when this share of them (three letters or more) are in the English word list
EN_LEXICON_SHARE = 0.7


def _english_words(words: list[str]) -> bool:
    """Most of `words` (`EN_LEXICON_SHARE` of those of three letters or more, at least five)
    are English words (the word list of `engines.lexicon`; False without it). On `kv_links`
    this holds for 142 of the 149 English forms and for 13 of the 697 French, German,
    Spanish, Italian and Portuguese ones (bilingual forms)."""
    from promptocr.engines.lexicon import load_lexicon

    lex = load_lexicon()
    long = [w for w in words if len(w) >= 3]
    if lex is None or len(long) < 5:
        return False
    return sum(w in lex for w in long) >= EN_LEXICON_SHARE * len(long)


def convention(texts: Iterable[str]) -> tuple[str | None, str]:
    """("mdy" | "dmy" | None, why) for a document's lines."""
    texts = list(texts)
    md = dm = 0
    for t in texts:
        for m in NUMERIC.finditer(t):
            a, b = int(m.group(1)), int(m.group(3))
            if a > 12 >= b >= 1:
                dm += 1
            elif b > 12 >= a >= 1:
                md += 1
    if md != dm:
        order = "mdy" if md > dm else "dmy"
        return order, f"other dates in the document are {'month' if md > dm else 'day'}-first"
    words = [w.lower() for t in texts for w in re.findall(r"[A-Za-z]+", t)]
    cjk = sum(1 for t in texts for ch in t if "\u4e00" <= ch <= "\u9fff")
    if cjk > len(words):
        return "dmy", "a CJK document (a/b/y read day-first)"
    if len(words) >= 5:
        en = sum(w in _EN_WORDS for w in words)
        if en >= max(2, 0.05 * len(words)) or _english_words(words):
            return "mdy", "an English-language document (US month-first)"
        return "dmy", "a Latin-script document that is not English (day-first)"
    return None, "no other date or language cue in the document"


def resolve(value: str, order: str | None) -> tuple[str | None, str | None]:
    """(ISO date, reason) for an all-numeric date in `value` under `order`; (None, None) when
    `value` holds no such date or it is not ambiguous."""
    m = NUMERIC.search(value)
    if not m:
        return None, None
    a, b, y = (
        int(m.group(1)),
        int(m.group(3)),
        expand_year(m.group(4)),
    )  # the date finders' two-digit pivot
    if a > 12 or b > 12 or a == b:
        return None, None  # only one order fits, or both give the same date
    if m.group(2) == ".":
        order = "dmy"  # `12.03.1987`: the dotted form is written day-first, never the US way
    try:
        if order == "mdy":
            return date(y, a, b).isoformat(), None
        d = date(y, b, a).isoformat()
    except ValueError:
        return None, None
    if order is None:
        return d, "ambiguous day/month order: read day-first"
    return d, None
