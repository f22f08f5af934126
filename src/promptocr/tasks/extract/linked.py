"""Requested fields and "extract everything" with the learned key→value linker.

Per page, the OCR lines become units (a line that prints `label: value` is cut in two at the
separator). For each requested key:

1. Its printed label is found among the units: the key or one of its concept's synonyms
   (`fields.py`, Chinese and English), compared with rapidfuzz after folding case, width and the
   spaces of wide-set CJK labels; a label printed so wide that OCR cut it into pieces on one row
   (`名` + `称：`) is matched as the joined pieces, and the piece nearest the value is the key;
   a label run into its entry over a fill-in underscore (`Date_March 18`) is cut there, and a
   key printed inside another field's line is cut out of it (`split_at_keys`).
2. The linker scores the key's nearest value candidates (`CANDIDATES_PER_KEY`, so the work per
   key is bounded and the whole is linear in the number of keys); a candidate that is itself a
   matched label of another requested key is never a value; a typed key (amount, date, ...)
   takes only a candidate holding such a value, cut to it.
   Layout facts the model misses are added as options (docs/extract.md, "VAT invoices"):
   the run right after a label's colon, the first typed value along the label's row (after
   `（小写）`), a column header's cell on the table's total row (`合计`), the first typed cell
   down a header's column however far (`PageFacts.first_cell`); a header row's cells are never
   values; a label printed twice counts its later printings at half.
3. One assignment over all requested keys' (key, value, probability) options gives each key
   one value and each unit at most one key, maximising the summed probabilities
   (`_assigned_first`; the greedy reading, best first, for extract everything's candidate
   keys). A printed label that is one requested key's only best match is not another key's.
4. A text value grows down line by line while the next line under it is aligned, close, of a
   similar height, not a label and not another field's (a layout rule, `_grow`), and up into
   the lines the model links as well, the run after its label's colon, or the lines of its
   paragraph above a line the model links with confidence (`_grow_up`, `_own_row_start`,
   `_paragraph_up`); a figure cut from its label's line stays one line, and a figure grows
   up only over a number wrapped onto a second line (not level with its label, nor into a
   line beside another label or run).
5. The probability is calibrated (Platt scaling on held-out synthetic documents); a field whose
   best candidate scores below `MIN_CONFIDENCE` is `null` with a `reason`, which the router
   counts as a missing field (escalation).

Pages are searched in order; a key whose label is printed on several pages takes the first page
where it gets a value (`find_all=True` returns every page's value in `details[key]["others"]`).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from promptocr.document.model import (
    Block,
    Document,
    Line,
    Page,
    Point,
    Polygon,
    Word,
    bbox_of,
    overlap_area,
    polygon_of,
    union_bbox,
)
from promptocr.tasks.extract import (
    COMMA_TO_END,
    COMPOUND_KEY,
    CURRENCY_WORDS,
    FieldResult,
    Span,
    _reject_reason,
    case_differs,
    dates,
    fill_geometry,
    phone_goes_on,
    running_text,
    span_geometry,
    typed_value,
)
from promptocr.tasks.extract.assign import max_assignment
from promptocr.tasks.extract.boxes import QUESTION_ENDS
from promptocr.tasks.extract.features import LOOK_NAMES, PageGeometry, Unit, text_look
from promptocr.tasks.extract.linker import keyed_model, link_units, pair_rows, score_pairs
from promptocr.tasks.fields import (
    BOX_NUMBER,
    GENERIC_WORDS,
    ITEM_NUMBER,
    SMALL_WORDS,
    box_label,
    canonical_words,
    fold,
    generic_fits,
    guess_type,
    is_field_name,
    looks_dated,
    match_concept,
    names_a_date,
    other_words,
    paraphrases,
    same_field_words,
    synonyms_for,
)
from promptocr.tasks.validators import cn_capital_amount, parse_date

MIN_CONFIDENCE = 0.05  # calibrated link probability below which a field is null
CONTINUE_P = 0.8  # a line under a text value that the model links to the key this well continues it
MIN_KEY_MATCH = 80.0  # rapidfuzz score for a printed label to count as the key
SYNONYM_CAP = 90.0  # the best score a synonym of the key gets (the key as printed gets 100)
OTHER_CAPITALS = 6.0  # what the key printed in other capitals scores less
LABEL_MARGIN = 5.0  # a key is read from its printed labels this close to its best match

MAX_LINES = 8
UP_P = 0.3  # the model's link probability for a line above the chosen value to join it

_SEP = re.compile(r"^\s*([^:：]{1,40}?)\s*[:：]\s*(\S.*)$")
# a short bracketed label before its value: "(小写) ¥3495.00", "（盖章）…"
_BRACKETED = re.compile(r"^\s*([（(][^)）]{1,8}[)）])\s*(\S.*)$")
_STRIP = " \t:：.#=;-–_|·…()（）[]"
# what OCR reads of the dots or rule leading from a label to its value far along the row
_LEADER = re.compile(r"[.·…\s]+")


def _norm(s: str) -> str:
    """Folded text without spaces and edge punctuation, for label matching."""
    return fold(s).replace(" ", "").strip(_STRIP)


MIN_SKEW = 0.25  # degrees: a page slanted less is read as it stands


def page_skew(page: Page) -> float:
    """The page's slant in degrees: the median angle of its long lines' top edges (a scan fed
    in slightly turned); 0 with fewer than three long lines or a slant over 5°."""
    angles = []
    for ln in page.lines:
        (x0, y0), (x1, y1) = ln.polygon[0], ln.polygon[1]
        bx = ln.bbox
        if x1 - x0 > 4 * max(bx[3] - bx[1], 1.0) and x1 > x0:
            angles.append(math.degrees(math.atan2(y1 - y0, x1 - x0)))
    if len(angles) < 3:
        return 0.0
    a = float(np.median(angles))
    return a if abs(a) <= 5.0 else 0.0


def _levelling(page: Page) -> tuple[float, float] | None:
    """(cos, sin) of minus the page's slant where `page_units` levels its units' boxes (a slant
    of `MIN_SKEW` or more), else None."""
    skew = page_skew(page)
    if abs(skew) < MIN_SKEW:
        return None
    return math.cos(math.radians(-skew)), math.sin(math.radians(-skew))


def _level(poly: Polygon, cos: float, sin: float) -> tuple[float, float, float, float]:
    """The box of a polygon turned back by the page's slant (cos, sin of minus the slant)."""
    xs = [x * cos - y * sin for x, y in poly]
    ys = [x * sin + y * cos for x, y in poly]
    return (min(xs), min(ys), max(xs), max(ys))


# A further `Label:` inside the value of a `label: value` line (`DATE: June 21, 1993
# DEPARTMENT: R&D Library`, read as one line where the fields of a row stand close): after a
# space, one word beginning with a capital (or two to eight Han letters), a colon, more text.
# One word only: which of several capitalised words before a colon begin the label is not
# known (`Name: John Smith Title: Vice President`), and a value cut short is worse than one
# run on. "Extract everything" cuts the line there too (`page_units(..., every_label=True)`).
# (the label: one word beginning with a capital, Latin with accents, or two to eight Han letters)
_LABEL_WORD = r"[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿ.#&'-]*|[\u4e00-\u9fff]{2,8}"
_INNER_LABEL = re.compile(r"(?<=\s)(" + _LABEL_WORD + r")\s?[:：][ \t]*(?=\S)(?!//)")
# the same label and its colon ending a run after a value
_TRAILING_LABEL = re.compile(r"(?<=\s)(?:" + _LABEL_WORD + r")\s?[:：]\s*$")


def _unclosed(text: str) -> bool:
    """`text` leaves a bracket open (what follows it is inside the brackets)."""
    return text.count("(") + text.count("（") > text.count(")") + text.count("）")


def _trailing_label(value: str) -> int | None:
    """Where a further label with no value of its own ends the value part of a `label:
    value` line (`12/12/1990 Âge :`, `70.719-900 Fone :`), or None: one word beginning with a
    capital (Latin, accents included) or two to eight Han letters, and its colon at the end,
    after some value, outside brackets. One word only: which of several words begin the label
    is not known (`Paris Code postal :` stays whole)."""
    m = _TRAILING_LABEL.search(value)
    if m is None or not value[: m.start()].strip():
        return None
    return None if _unclosed(value[: m.start()]) else m.start()


_DIGIT = re.compile(r"\d")
# a figure with no letter: digits and the signs between them (`35900-043`, `22/4/2020`)
_FIGURE_ONLY = re.compile(r"[\d\s.,:/()+\-–]+")


def _figure_only(text: str) -> bool:
    """A value that is a figure alone (a postcode, date, phone or code): digits and the signs
    between them, no letter, at least four digits, and no item's or section's number (`1)`,
    `123)`, `12.`, `1.1.1`, `2.1.10`)."""
    t = text.strip()
    return (
        bool(_FIGURE_ONLY.fullmatch(t))
        and len(_DIGIT.findall(t)) >= 4
        and t[-1:] not in ".)"
        and not _OUTLINE.fullmatch(t)
    )


_OUTLINE = re.compile(r"\(?\d{1,2}(\.\d{1,2}){2,}\)?")


def _bare_label(text: str) -> bool:
    """A label alone (`Fixe:`, `Branche :`, `seminar name:`): a few words and a colon, no
    figure, not a check box's option that opens a field (`□ Autre(s) :`)."""
    t = text.strip()
    return (
        t.endswith((":", "："))
        and len(t.split()) <= 4
        and not _DIGIT.search(t)
        and t[:1] not in _BOXES
        and any(ch.isalpha() for ch in t)
    )


def _inner_cuts(text: str) -> list[tuple[int, int]]:
    """(label start, value start) of each further `Label:` in a value's `text`
    (`_INNER_LABEL`): not inside brackets, not a web address, and only after some value (two
    labels side by side leave the first with no value to cut off)."""
    cuts: list[tuple[int, int]] = []
    found = [(m.start(), m.end()) for m in _INNER_LABEL.finditer(text)]
    found = sorted(found + [c for c in _han_inner_labels(text) if c not in found])
    for start, end in found:
        if _unclosed(text[:start]):
            continue
        if not text[cuts[-1][1] if cuts else 0 : start].strip():
            continue
        cuts.append((start, end))
    return cuts


_HAN_COLON = re.compile(r"([\u4e00-\u9fff]{3,})\s?[:：][ \t]*(?=\S)")


def _han_inner_labels(text: str) -> list[tuple[int, int]]:
    """(label start, value start) of a known field's name in Han letters run straight on
    after a value, before a colon (`性别：女民族：汉`: OCR puts no space at a CJK gap): the
    longest name of two to eight letters ending at the colon (`民族`, `联系电话`;
    `fields.is_field_name`: a field's name and nothing else) that leaves at least one letter of
    value before it."""
    out: list[tuple[int, int]] = []
    for m in _HAN_COLON.finditer(text):
        run = m.group(1)
        for n in range(min(8, len(run) - 1), 1, -1):
            if is_field_name(run[-n:]):  # (a name, not a run holding one: `王小红联系电话`)
                out.append((m.end(1) - n, m.end()))
                break
    return out


_WORD_END = re.compile(r"\S+")


def _names_a_field(text: str) -> bool:
    """`text` names a known field (`fields.is_field_name`), or a field of a known concept
    (`成立日期`, a date; `fields.match_concept`)."""
    return is_field_name(text) or match_concept(text) is not None


NAME_CHARS = 40  # the longest text read as a field's name (a label, not a line of text)
NAME_WORDS = 5


@functools.lru_cache(maxsize=8192)
def _names_a_typed_field(text: str) -> bool:
    """`text` names a known field (`fields.is_field_name`), or holds the name of a typed
    concept's field and no figure (`交易日期`, `注册日期`: a date). A concept of free text read
    inside a longer run names no field (`国家税务总局监制` holds `国家`, a company's name
    `公司`). Longer texts (`NAME_CHARS`, `NAME_WORDS`) are no field's name: the concepts are
    not searched for them (a search costs about a millisecond, and "extract everything" asks
    it of nearly every line)."""
    if is_field_name(text):
        return True
    if any(ch.isdigit() for ch in text) or len(text) > NAME_CHARS:
        return False
    if len(text.split()) > NAME_WORDS:
        return False
    c = match_concept(text)
    return c is not None and c.type not in ("text", "company")


def _field_name_cut(text: str, named: Callable[[str], bool] = is_field_name) -> int | None:
    """Where a line that starts with a known field's name run into a figure with no separator
    (`DATE 2/25/89`, `Telephone# 6926`, `FAX 1-502-568-8092`, `校验码 22145 订单号…`;
    `fields.is_field_name`) is cut into label and value: after the longest such name of up to
    four words, where what follows holds no letter (a sign or bracket before its first digit
    allowed) or begins with four digits or more (`named`: what counts as a field's name).
    None elsewhere: `Total Sample 214`, `December 13, 1983`, `Tier 1`, and values such as
    `Shop 7, Level 2`, `Total 2 items`, `Due 30 days`; nor where all that follows is in
    brackets, the label's qualifier (`Sales Tax (8.5%)`, `Amount (USD)`); a qualifier in
    brackets before the figure goes with the name (`Sales Tax (8.5%) 70.13`)."""
    ends = [m.end() for m in _WORD_END.finditer(text)][:4]
    for end in reversed(ends[:-1] if len(ends) > 1 else []):
        rest = text[end:].strip()
        if not re.match(r"[-+$€£¥￥(#]?\s?\d", rest):
            continue
        if re.fullmatch(r"[(（][^()（）]*[)）]", rest):
            continue
        bracket = re.match(r"\s*[(（][^()（）]*[)）]\s*(?=[-+$€£¥￥#]?\s?\d)", text[end:])
        if (
            bracket is not None
            and re.search(r"[A-Za-z%\u3400-\u9fff]", bracket.group(0))
            and not any(ch.isdigit() for ch in text[:end])
        ):
            # the qualifier in brackets, then the figure (`Sales Tax (8.5%) 70.13`): the
            # label ends after the brackets (not an area code's, `Phone (555) 123-4567`)
            if named(text[:end]):
                return end + len(bracket.group(0).rstrip())
            continue
        if any(ch.isalpha() for ch in rest) and not re.match(r"[-+$€£¥￥(#]?\s?\d{4,}(?!\d)", rest):
            continue
        if not any(ch.isdigit() for ch in text[:end]) and named(text[:end]):
            return end
    return None


def _after_a_label(page: Page, ln: Line) -> bool:
    """Whether a line ending with a colon stands left of `ln` on its row or right above it,
    overlapping it: `ln` is that label's value (`Ship to:` over `Customer 4417`)."""
    x0, y0, x1, y1 = ln.bbox
    h = max(y1 - y0, 1.0)
    for o in page.lines:
        if o is ln or not o.text.rstrip().endswith((":", "：")):
            continue
        a0, b0, a1, b1 = o.bbox
        level = min(y1, b1) - max(y0, b0) > 0.5 * min(h, b1 - b0)
        if level and a1 <= x0 + 0.5 * h:
            return True
        if 0 <= y0 - b1 <= 1.5 * h and min(x1, a1) > max(x0, a0):
            return True
    return False


# a gap between two words of a line this many line heights wide, with no separator, may part a
# label from its value (`NAME OF CHILD    Eloise Margaret Thackeray`); word spaces are about a
# third of a line height
GAP_CUT = 0.75
GAP_OTHERS = 0.5  # ... where every other gap of the line is at most this share of it
GAP_LABEL_WORDS = 5  # the most words before such a gap that make a label
GAP_CJK_LABEL = 6  # the most CJK letters of a label known by its figure alone (`证号  4403…`)
_FIGURE_START = "$€£¥￥(#+-"


def _word_offsets(ln: Line) -> list[tuple[int, int]] | None:
    """(start, end) in `ln.text` of each of the line's words, in order; None where a word's
    text is not found there (or is empty)."""
    offs: list[tuple[int, int]] = []
    at = 0
    for w in ln.words:
        start = ln.text.find(w.text, at)
        if start < 0 or not w.text:
            return None
        offs.append((start, start + len(w.text)))
        at = start + len(w.text)
    return offs


def _gap_cut(ln: Line) -> tuple[int, int] | None:
    """(label end, value start) in `ln.text` where a line read as one holds a label and its
    value set apart by a wide gap with no separator, as a form set with tab stops prints them
    (`NAME OF CHILD    Eloise Margaret Thackeray`, `SEX    Female`, `证号    4403…`), else None.
    Read from the words' boxes: exactly one gap of at least `GAP_CUT` line heights, every other
    at most `GAP_OTHERS` of it, after at most `GAP_LABEL_WORDS` words. What stands before it
    must read as a label and what follows as its value:

    - the label holds letters and no digit (`1986年  4月28日` is a date set wide), ends in no
      sentence mark, and starts with a letter or digit (not a check box: `□OUI  □NON`); the
      value is not itself a label (a known field's name, or ending with a colon);
    - either the label ends with a colon or names a known field (`fields.is_field_name`, a
      known concept), or:
    - on a line with CJK letters, the label is two to `GAP_CJK_LABEL` letters and the value
      starts with a figure (a label of one letter set wide, `名  称`, is one word);
    - in other scripts, the label is in capitals (two letters or more, at least 80 % of them
      capitals: OCR reads `sTUDENT`) and the value is not (it holds a lower-case letter or a
      figure: `MOTHER  Harriet Anne`, `REGISTRATION NO  ASH-2019-0044`), and the value holds
      a figure or two words or more (`DURAS  Léa`, a surname and a given name, is not cut);
      or the label starts with a capital and has two words or more before a value with a
      figure (`Quantity Received  2 ROLLS`), or stands before a value of two words or more
      in capitals (`Plaintiff  CHARLES WOODWARD`); the label's last word is no section's
      letter or Roman number (`SECTION A  Personal Details`). A title (`FORMULAIRE
      D'INSCRIPTION`), a pair of options (`OUI  NON`), a contents line (`Introduction  1`) or
      a section's letter (`F  AUFENTHALTE …`) is not cut.

    Only "extract everything" cuts such lines (`page_units(..., every_label=True)`): a named
    key finds its label inside a longer run itself."""
    if len(ln.words) < 2:
        return None
    x0, y0, x1, y1 = ln.bbox
    h = y1 - y0
    if h <= 0 or h > 0.5 * (x1 - x0):
        return None  # (a line read down the page)
    offs = _word_offsets(ln)
    if offs is None:
        return None
    boxes = [w.bbox for w in ln.words]
    gaps = [boxes[i + 1][0] - boxes[i][2] for i in range(len(boxes) - 1)]
    wide = [i for i, g in enumerate(gaps) if g >= GAP_CUT * h]
    if len(wide) != 1 or wide[0] >= GAP_LABEL_WORDS:
        return None
    cut = wide[0]
    if any(g > GAP_OTHERS * gaps[cut] for i, g in enumerate(gaps) if i != cut):
        return None
    label = ln.text[: offs[cut][1]].strip()
    rest = ln.text[offs[cut + 1][0] :].strip()
    if not rest or not any(ch.isalpha() for ch in label) or any(ch.isdigit() for ch in label):
        return None
    if label.endswith((".", ",", ";")) or rest.endswith((":", "：")) or _names_a_field(rest):
        return None
    if label.upper() in CURRENCY_WORDS:
        return None  # (an amount's currency: `EUR    65.34`)
    if not label[0].isalnum() or not (rest[0].isalnum() or rest[0] in _FIGURE_START):
        return None
    named = label.endswith((":", "：")) or _names_a_field(label)
    if _CJK_ANY.search(ln.text):
        short = len(label.rstrip(":：")) <= GAP_CJK_LABEL and rest[0].isdigit()
        if len(label.rstrip(":：")) < 2 or not (named or short):
            return None
    elif not named:
        letters = [ch for ch in label if ch.isalpha()]
        caps = len(letters) >= 2 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
        rest_letters = [ch for ch in rest if ch.isalpha()]
        figure = any(ch.isdigit() for ch in rest)
        rest_caps = len(rest_letters) >= 2 and rest.upper() == rest and not figure
        words = len(rest.split())
        if caps and (rest_caps or not (figure or words >= 2)):
            return None
        titled = label[0].isupper() and (figure and len(label.split()) >= 2 or rest_caps)
        if not caps and not (titled and (figure or words >= 2)):
            return None
        if _DESIGNATOR.fullmatch(label.split()[-1]):
            return None  # a section's heading (`SECTION A  Personal Details`, `PART II  …`)
    return offs[cut][1], offs[cut + 1][0]


# a gap that sets a further label apart on a line: at least this share of the line's height,
# and at least `APART_WORDS` times the line's median gap between words
APART_HEIGHT = 0.5
APART_WORDS = 2.0


def _merged_cuts(
    cuts: list[tuple[int, int]], apart: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """`cuts` and `apart` together in order; of two that overlap, the one set apart (it
    knows where its label starts: `Hours per Week:`, where `_inner_cuts` reads `Week:`)."""
    out = list(apart)
    for c in cuts:
        if not any(a[0] < c[1] and c[0] < a[1] for a in apart):
            out.append(c)
    return sorted(out)


def _apart_starts(ln: Line) -> list[int]:
    """Where in `ln.text` each word starts that stands after a wide gap (`APART_HEIGHT`,
    `APART_WORDS` against the line's other gaps), read from the words' boxes."""
    offs = _word_offsets(ln) if len(ln.words) >= 3 else None
    if offs is None:
        return []
    h = ln.bbox[3] - ln.bbox[1]
    starts = [a for a, _ in offs]
    gaps = [b.bbox[0] - a.bbox[2] for a, b in zip(ln.words, ln.words[1:], strict=False)]
    out = []
    for i, g in enumerate(gaps):
        others = gaps[:i] + gaps[i + 1 :]
        if g >= APART_HEIGHT * h and g >= APART_WORDS * float(np.median(others)):
            out.append(starts[i + 1])
    return out


# a label of up to `GAP_LABEL_WORDS` words (no figure) and its colon, then its value
_APART_LABEL = re.compile(r"([^\s\d:：][^\d:：]{0,39}?)\s?[:：][ \t]*(?=\S)(?!//)")


def _apart_labels(ln: Line, start: int) -> list[tuple[int, int]]:
    """(label start, value start) in `ln.text` of each further label after `start` that stands
    after a wide gap and runs to a colon (`Hours per Week: 10`, `Accession #: 24-285`,
    `Date Signed: …`), as `_inner_cuts` gives them."""
    out: list[tuple[int, int]] = []
    for at in _apart_starts(ln):
        # (two labels side by side are both cut: `page_units` leaves the first with no value)
        if at <= start or not ln.text[start:at].strip() or _unclosed(ln.text[start:at]):
            continue
        m = _APART_LABEL.match(ln.text, at)
        if m is None or len(m.group(1).split()) > GAP_LABEL_WORDS:
            continue
        if out and at < out[-1][1]:
            continue
        out.append((at, m.end()))
    return out


# a section's letter or Roman number ending a heading
_DESIGNATOR = re.compile(r"[A-Z]|[IVX]{1,4}")
_CJK_ANY = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def page_units(page: Page, *, every_label: bool = False) -> list[Unit]:
    """A page's lines as linker units; `label: value` lines cut at the separator (with
    `every_label`, at each further `Label:` in the value too: `_INNER_LABEL`, and a line that
    starts with a known field's name run into a figure cut after the name: `_field_name_cut`,
    `DATE 2/25/89`, and a label set apart from its value by a wide gap cut there: `_gap_cut`,
    `NAME OF CHILD    Eloise Thackeray`). On a page
    scanned slightly turned the units' boxes are taken in the levelled frame (an axis-aligned
    box of a slanted line is too tall: lines of a paragraph would overlap)."""
    out: list[Unit] = []
    polys: list[Polygon] = []
    for ln in page.lines:
        if not ln.text.strip():
            continue
        m = _SEP.match(ln.text) or _BRACKETED.match(ln.text)
        label = m.group(1) if m else ""
        if m and label[-1:].isdigit() and m.group(2)[:1].isdigit():
            m, label = None, ""  # a time ("TIME3:28 CST"), not a label and its value
        if m and m.group(2).startswith("//"):
            m, label = None, ""  # a web address ("https://…"), not a label and its value
        # dot leaders read after the colon (`Monthly Rent: .`, `Adresse :.`): the label alone
        leader = bool(m and _LEADER.fullmatch(m.group(2)))
        if m and _unclosed(label):
            m, label = None, ""  # a colon inside brackets ("… samples. (Note: Coal …")
        spans: list[Span] = []  # the line's pieces, where it is cut
        if m and any(ch.isalpha() for ch in label) and not re.fullmatch(r"[\d\s.]+", label):
            start = at = m.start(2)
            spans = [Span(ln, 0, start, page)]
            cuts = _inner_cuts(ln.text[start:])
            apart = [(a - start, b - start) for a, b in _apart_labels(ln, start)]
            if not every_label:
                # a named key's value runs on past a further `Label:` (a colon inside a
                # value is common), unless a wide gap sets that label apart, as a row of
                # fields prints it (`Account: 004417729   Routing: 122000661`)
                cuts = apart
            elif apart:  # (a label of several words set apart: `Hours per Week: 10`)
                cuts = _merged_cuts(cuts, apart)
            if cuts:  # the value before each further label, and that label
                for lab, val in cuts:
                    if ln.text[at : start + lab].strip():  # (two labels side by side: the
                        spans.append(Span(ln, at, start + lab, page))  # first one's empty)
                    spans.append(Span(ln, start + lab, start + val, page))
                    at = start + val
            # a further label that ends the line with no value of its own (`Date de
            # naissance : 12/12/1990 Âge :`): its empty field, not a part of this value
            tail = _trailing_label(ln.text[at:])
            if tail is not None and not leader:
                spans += [Span(ln, at, at + tail, page), Span(ln, at + tail, len(ln.text), page)]
            elif not leader:
                spans.append(Span(ln, at, len(ln.text), page))
        elif (
            every_label
            and (cut := _field_name_cut(ln.text)) is not None
            and not _after_a_label(page, ln)
        ):
            value_at = len(ln.text) - len(ln.text[cut:].lstrip())
            spans = [Span(ln, 0, cut, page), Span(ln, value_at, len(ln.text), page)]
        elif every_label and (gc := _gap_cut(ln)) is not None and not _after_a_label(page, ln):
            spans = [Span(ln, 0, gc[0], page), Span(ln, gc[1], len(ln.text), page)]
        elif (tail := _trailing_label(ln.text)) is not None and _figure_only(ln.text[:tail]):
            # a figure (a number, date or code, no letter) and an empty field's label read as
            # one line (`35900-043 Cidade:`, the value of the label on the line above); not a
            # numbered label (`1) Name:`, `2) 5% HCL:`)
            spans = [Span(ln, 0, tail, page), Span(ln, tail, len(ln.text), page)]
        if not spans:  # the line whole
            sp = Span(ln, 0, len(ln.text), page)
            out.append(Unit(ln.text.strip(), tuple(ln.bbox), page.index, sp))  # type: ignore[arg-type]
            polys.append(ln.polygon)
        for sp in spans:
            box, poly, _ = span_geometry(sp)
            out.append(Unit(sp.text.strip(), tuple(box), page.index, sp))  # type: ignore[arg-type]
            polys.append(poly or ln.polygon)
    turn = _levelling(page)
    if turn is not None:
        for u, poly in zip(out, polys, strict=True):
            u.box = _level(poly, *turn)
    return out


@functools.lru_cache(maxsize=4096)
def _key_pattern(key: str, least: int = 5) -> re.Pattern[str] | None:
    """A requested key's words as printed inside a line: the same words with any punctuation
    or spaces between them (`CITY STATE, ZIP` for `CITY. STATE. ZIP`), not inside a word, and
    the separator after them; None for a key of fewer than five letters or digits, or one
    written in other than Latin letters (`split_at_keys`)."""
    words = re.findall(r"[A-Za-z0-9]+", key)
    if sum(len(w) for w in words) < least or not any(ch.isalpha() for w in words for ch in w):
        return None
    if re.search(r"[^\x00-\x7f]", key):
        return None
    body = r"[\W_]*".join(re.escape(w) for w in words)
    return re.compile(r"(?<![A-Za-z])(\(?" + body + r"\)?)(?![a-z0-9])\s*[:：.]?", re.I)


# a CJK letter (Han, kana, Hangul): a key written in them is found inside a run by its letters
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _cjk_key_pattern(key: str) -> re.Pattern[str] | None:
    """A requested key written in CJK as printed inside a line: its letters and digits with
    any spaces between them (`名 称`), and the separator after them; None for a key of fewer
    than two CJK letters (`split_at_keys`)."""
    body = _norm(key)
    if len(_CJK.findall(body)) < 2:
        return None
    chars = [re.escape(ch) for ch in body if not ch.isspace()]
    return re.compile("(" + r"\s*".join(chars) + r")\s*[:：]?")


def _cjk_cuts(
    text: str, pats: Sequence[re.Pattern[str]], value_side: bool, left: Callable[[], bool]
) -> list[tuple[int, int]]:
    """Where requested CJK keys are printed inside a run after another field's text
    (`split_at_keys`): the key ends the run after a value of its own (`2016.7修业年限`,
    `江苏省高邮市政治面貌`, the value beside it), or a colon follows it and the run goes on
    (`13835888654邮编：044000`, `…15时发生地点：学院北路`), or the key follows figures or Latin
    letters (`熟练掌握word到岗时间 2017年9月`). Not the tail of a longer label ending in its
    colon (`联系人姓名：`) unless the run is the value after another label's colon. Where the
    key ends the run without a colon, only in another field's value: the run after a label's
    colon (`value_side`) or one with a label or value left of it on its row (`left`), not a
    label of its own first on its row (`紧急联系人电话`, `E-mail地址`, an item `技术服务费金额`
    under a `项目名称` header)."""
    cuts: list[tuple[int, int]] = []
    for pat in pats:
        for m in pat.finditer(text):
            a, e = m.start(1), m.end()
            before = text[:a].rstrip(" \t;；,，、")
            if not before.strip(_STRIP):
                continue  # a key at the run's start is matched as printed (`find_keys`)
            colon = m.group(0).rstrip()[-1:] in ":："
            after = text[e:].strip()
            script = not _CJK.match(before[-1]) and before[-1] not in "(（"
            if colon and not after and not value_side and not before[-1].isdigit():
                continue  # the tail of a longer label (`联系人姓名：`)
            if not (colon or script or not after):
                continue  # inside a phrase (`本人姓名及地址`) or a value run on (`…地址不详`)
            if not (colon or script) and len(before.strip(_STRIP)) <= 2:
                continue  # a stray mark read into the label's start (`入勤務先名`: `_match_all`)
            if not colon and not after and not (value_side or left()):
                continue  # a longer label of its own (`紧急联系人电话`, `E-mail地址`)
            if any(a < ce and e > ca for ca, ce in cuts):
                continue
            cuts.append((a, e))
    return cuts


SPLIT_KEEP = 90.0  # a unit printing a requested key this well is that key's label, not cut
# the most units cut on one page: each cut adds units, and the page's geometry grows faster
# than its units (a page of 3,429 runs with keys in most of them)
MAX_CUT_UNITS = 200
SHORT_KEY = 2  # letters and digits: a shorter Latin key is not looked for inside a run
# the link probability of a whole printing's value from which a printing cut out of another
# line is not read (`split_at_keys`): a label printed twice, once empty, uses the cut printing
WHOLE_FIRST = 0.5


# a mail's reply or forward prefixes before a subject (`Re: Fwd: …`)
_REPLY = re.compile(r"(?:(?:re|fwd?|aw|wg|tr|sv|vs)\s*[:：]\s*)*", re.I)


def _stands_left(w: Unit, u: Unit) -> bool:
    """Whether `w` stands left of `u` on its row (ending by a fifth of `u`'s height into it,
    overlapping half the lower one's height)."""
    x0, y0, _, y1 = u.box
    _, b0, a1, b1 = w.box
    h = max(y1 - y0, 1.0)
    return w is not u and a1 <= x0 + 0.2 * h and min(y1, b1) - max(y0, b0) >= 0.5 * min(h, b1 - b0)


def _left_on_row(units: Sequence[Unit], u: Unit) -> bool:
    """Whether another unit stands left of `u` on its row (a label or a value before it)."""
    return any(_stands_left(w, u) for w in units)


def _left_of(units: Sequence[Unit], u: Unit) -> Unit | None:
    """The nearest unit left of `u` on its row, if any."""
    left = [w for w in units if _stands_left(w, u)]
    return min(left, key=lambda w: u.box[0] - w.box[2]) if left else None


def split_at_keys(units: list[Unit], keys: Sequence[str]) -> list[Unit]:
    """Units cut where a requested key is printed inside another run of text: two fields
    that OCR read as one line (`…Suite 800 CITY. STATE. ZIP Washington. DC 20006`,
    `NOT APPROVE (Give reasons below): —APPROVE TENTATIVELY`), or a label run into figures
    before it (`11/16New Balance:`). Cut only where the key stands after another field's text
    and looks like a label there (a key at a line's start is matched as printed, `find_keys`):
    followed by a colon, after figures or three words or more; or a key of two words or more
    printed in its own case in capitals after figures (`… 800 CITY. STATE. ZIP …`). Never in
    running text (a lower-case word after the key, or on both sides of a colon), nor where the
    key ends a unit that ends in a colon (the tail of a longer label, `4. Supervisor
    Signature:`) unless figures run straight into it. A printing cut out is read only where no
    whole printing of the key has a value linked with `WHOLE_FIRST` (`extract_linked`). Each
    piece keeps its place in the line (a share of the unit's box by character widths)."""
    pats = [(k, p) for k in keys if (p := _key_pattern(k, SHORT_KEY)) is not None]
    # the longest first: a key printed inside a longer requested key is that key's
    cjk_keys = sorted(
        ((_norm(k), p) for k in keys if (p := _cjk_key_pattern(k)) is not None),
        key=lambda kp: -len(kp[1].pattern),
    )
    cjk = [p for _, p in cjk_keys]
    if not pats and not cjk:
        return units
    normed = [_norm(k) for k in keys]
    out: list[Unit] = []
    n_cut = 0
    for n, u in enumerate(units):
        if n_cut >= MAX_CUT_UNITS:
            out.extend(units[n:])  # (a page of runs holding keys everywhere: no more cuts)
            break
        sp: Span = u.ref
        text = sp.text
        t = _norm(text)
        if any(t == k or fuzz.ratio(t, k) >= SPLIT_KEEP for k in normed if k):
            out.append(u)  # the printed label of a requested key itself is not cut
            continue
        # the run after another label's colon on its line (`电话：13835888654邮编：044000`)
        value_side = sp.start > 0 and sp.line.text[: sp.start].rstrip()[-1:] in ":："
        left_on_row = functools.partial(_left_on_row, units, u)
        cuts = _cjk_cuts(text, cjk, value_side, left_on_row)
        if cuts and (left := _left_of(units, u)) is not None:
            # the value in the cell right of the key's own label, ending with the key's word
            # (`考场` | `第027考场`): no second printing of the key
            own = [p for k, p in cjk_keys if k != _norm(left.text)]
            if len(own) < len(cjk):
                cuts = _cjk_cuts(text, own, value_side, left_on_row)
        for key, pat in pats:
            for m in pat.finditer(text):
                a, e = m.start(1), m.end()
                before = text[:a]
                figures = any(ch.isdigit() for ch in before)
                printed = re.sub(r"[^A-Za-z0-9]", "", m.group(1))
                own_case = printed == re.sub(r"[^A-Za-z0-9]", "", key)
                # a label's look: a colon after it, after figures or three words or more of
                # another field (`FAX NUMBER:` is one label); or, after figures, the words of
                # a key of two or more printed in its own case in capitals (`… 800 CITY.
                # STATE. ZIP …`). Not cut: a phrase inside running text (`1996 Marketing
                # Budget by Quarter`, `Invoice 4471 Due Date extended …`, `… with the
                # Reference: number shown`), nor the tail of a longer label (`4. Supervisor
                # Signature:`) unless figures run straight into it (`4/12Closing Position:`)
                colon = m.group(0).rstrip()[-1:] in ":："
                after = text[e:].lstrip(" \t;；,，—–-")
                running = after[:1].islower()
                capitals = printed.isupper()
                phrase = own_case and capitals and len(key.split()) >= 2 and not running
                sentence = running and before.rstrip()[-1:].islower()
                # (in the run after another label's colon the key begins a new field:
                # `DATE: June 21, 1993 DEPARTMENT:`)
                tail = (
                    colon and not text[e:].strip() and not before[-1:].isdigit() and not value_side
                )
                if sentence or tail:
                    continue
                # (in the run after another label's colon, a key with its own colon begins
                # the next field after any value: `Estado: España Código Postal: 18002`)
                # (not after a word in lower case, `Note: call Customer Name: Smith`, nor
                # after a reply's prefix, `Subject: Re: Purchase Order: 4471`)
                words = before.split()
                begins = (
                    value_side
                    and not (words and words[-1][:1].islower())
                    and not _REPLY.fullmatch(before.strip())
                )
                if not (colon and (figures or len(words) >= 3 or begins)) and not (
                    phrase and figures
                ):
                    continue
                if len(printed) < 5 and not (
                    colon and before.rstrip()[-1:].isdigit() and printed[:1].isupper()
                ):
                    # a short key (`Time`, `To`) only as a label: a capital, its colon, right
                    # after another field's figures (`Date: 3/4/95 Time: 10:00`)
                    continue
                if any(a < ce and e > ca for ca, ce in cuts):
                    continue
                cuts.append((a, e))
        if not cuts:
            out.append(u)
            continue
        n_cut += 1
        bounds = sorted({0, len(text), *(i for c in cuts for i in c)})
        x0, y0, x1, y1 = u.box
        ws = [0.55 if ord(ch) < 0x2E80 else 1.0 for ch in text]
        total = sum(ws) or 1.0
        for a, e in zip(bounds, bounds[1:], strict=False):
            piece = text[a:e]
            if not piece.strip(" \t;；,，—–-"):
                continue
            fa, fe = sum(ws[:a]) / total, sum(ws[:e]) / total
            box = (x0 + (x1 - x0) * fa, y0, x0 + (x1 - x0) * fe, y1)
            lead = len(piece) - len(piece.lstrip(" \t;；,，—–-"))
            sub = Span(sp.line, sp.start + a + lead, sp.start + e, sp.page)
            out.append(Unit(sub.text.strip(), box, u.page, sub))
    return out


def _up_point(p: Point, angle: int, w: float, h: float) -> Point:
    """A point of a page whose content was turned `angle` degrees clockwise (`Page.rotation`;
    `w` x `h` the file's size), in the upright page's frame."""
    x, y = p
    if angle == 90:
        return (y, w - x)
    if angle == 180:
        return (w - x, h - y)
    if angle == 270:
        return (h - y, x)
    return p


def _file_point(p: Point, angle: int, w: float, h: float) -> Point:
    """The inverse of `_up_point`: an upright point back in the file's frame."""
    x, y = p
    if angle == 90:
        return (w - y, x)
    if angle == 180:
        return (w - x, h - y)
    if angle == 270:
        return (y, h - x)
    return p


def upright_page(page: Page) -> Page:
    """The page with its lines' boxes in the upright frame (the linker reads layout: right of,
    below), for a page the engine turned back (`rotation`), and levelled when its text runs at
    a slant (`page_tilt`: a photo taken a few degrees turned, whose slanted lines' boxes would
    reach into the rows above and below); the page itself when neither."""
    turned = _turned_page(page)
    tilt = page_tilt(turned)
    return _rotated(turned, -tilt) if tilt else turned


MIN_TILT = math.radians(1.0)  # a slant below this is left alone


def page_tilt(page: Page) -> float:
    """The angle (radians, clockwise positive) of the page's text: the median direction of its
    long lines' baselines; 0 when under `MIN_TILT` or when too few lines show it."""
    angles = []
    for ln in page.lines:
        (x0, y0), (x1, y1), _, (x3, y3) = ln.polygon
        h = math.hypot(x3 - x0, y3 - y0) or 1.0
        if math.hypot(x1 - x0, y1 - y0) > 3 * h and x1 > x0:
            angles.append(math.atan2(y1 - y0, x1 - x0))
    if len(angles) < 3:
        return 0.0
    a = float(np.median(angles))
    return a if MIN_TILT <= abs(a) <= math.radians(20.0) else 0.0


def _turn_point(p: Point, angle: float, cx: float, cy: float) -> Point:
    """`p` turned by `angle` radians (clockwise on the page) about (cx, cy)."""
    c, s = math.cos(angle), math.sin(angle)
    dx, dy = p[0] - cx, p[1] - cy
    return (cx + dx * c - dy * s, cy + dx * s + dy * c)


def _mapped_lines(page: Page, f: Callable[[Polygon], Polygon]) -> list[Line]:
    """The page's lines and their words with every polygon mapped by `f`."""
    return [
        Line(
            ln.text,
            ln.confidence,
            f(ln.polygon),
            [Word(wd.text, wd.confidence, f(wd.polygon)) for wd in ln.words],
            ln.origin,
        )
        for ln in page.lines
    ]


def _rotated(page: Page, angle: float) -> Page:
    """The page with its lines and words turned by `angle` about its centre."""
    cx, cy = page.width / 2, page.height / 2

    def turn(poly: Polygon) -> Polygon:
        p0, p1, p2, p3 = (_turn_point(q, angle, cx, cy) for q in poly)
        return (p0, p1, p2, p3)

    lines = _mapped_lines(page, turn)
    return Page(
        page.index, page.width, page.height, [Block(lines)] if lines else [], 0, page.source
    )


def _turned_page(page: Page) -> Page:
    """The page with a right-angle `rotation` undone (the first half of `upright_page`)."""
    a, w, h = page.rotation % 360, page.width, page.height
    if a not in (90, 180, 270):
        return page

    def up(poly: Polygon) -> Polygon:
        p0, p1, p2, p3 = (_up_point(q, a, w, h) for q in poly)
        return (p0, p1, p2, p3)

    lines = _mapped_lines(page, up)
    uw, uh = (h, w) if a in (90, 270) else (w, h)
    return Page(page.index, uw, uh, [Block(lines)] if lines else [], 0, page.source)


MAX_LINK_LINES = 300  # lines "extract everything" links at once; denser pages go in bands
BAND_OVERLAP = 40


def link_bands(page: Page) -> list[Page]:
    """The page, or for a page of more than MAX_LINK_LINES lines, overlapping horizontal bands
    of it (in reading order). The pair features compare every unit of a page with every other,
    so memory and time grow with the square of its lines: "extract everything" on a dense
    newspaper page links band by band (a key and its value are near each other; the overlap
    keeps pairs that straddle a band's edge)."""
    lines = page.lines
    if len(lines) <= MAX_LINK_LINES:
        return [page]
    order = sorted(lines, key=lambda ln: (ln.bbox[1], ln.bbox[0]))
    step = MAX_LINK_LINES - BAND_OVERLAP
    bands = []
    for start in range(0, len(order), step):
        chunk = order[start : start + MAX_LINK_LINES]
        bands.append(Page(page.index, page.width, page.height, [Block(chunk)], 0, page.source))
        if start + MAX_LINK_LINES >= len(order):
            break
    return bands


FileFrame = tuple[int, float, float, float]  # right-angle rotation, tilt, centre x, y


def file_frame(page: Page) -> FileFrame:
    """How `upright_page(page)` maps back to the file (`_to_file_frame`): the page's
    right-angle rotation, the tilt levelled and the turned page's centre. Worked out once per
    page: it maps every line of the page."""
    turned = _turned_page(page)
    return page.rotation % 360, page_tilt(turned), turned.width / 2, turned.height / 2


def _to_file_frame(res: FieldResult, page: Page, frame: FileFrame | None = None) -> None:
    """A result found on `upright_page(page)` with its box and polygon in the file's frame
    (`frame`: `file_frame(page)`, when the caller has it)."""
    if res.polygon is None:
        return
    a, tilt, cx, cy = frame if frame is not None else file_frame(page)
    if a not in (90, 180, 270) and not tilt:
        return
    pts = [(float(x), float(y)) for x, y in res.polygon]
    if tilt:
        pts = [_turn_point(q, tilt, cx, cy) for q in pts]
    pts = [_file_point((x, y), a, page.width, page.height) for x, y in pts]
    res.polygon = [[round(x, 1), round(y, 1)] for x, y in pts]
    res.bbox = [round(v, 1) for v in bbox_of([(x, y) for x, y in pts])]


def _han(s: str) -> bool:
    return bool(s) and all("\u4e00" <= ch <= "\u9fff" for ch in s)


def _run_into_value(key: str, rest: str) -> bool:
    """A Chinese key of four or more characters printed whole and run straight into a value
    of its own (no separator: the data printed over the label's colon): the key still reads
    as printed. So is a key of four or more that holds CJK letters where the value begins in
    another script than the key ends (`5、在华住址AddressinChina山西省…`, `邮政编码044000`)."""
    if len(key) < 4 or not rest:
        return False
    if _han(key):
        return len(rest) >= 4 and _han(rest[:1])
    if not _CJK.search(key):
        return False
    return bool(_CJK.match(key[-1])) != bool(_CJK.match(rest[0])) and rest[0].isalnum()


@functools.lru_cache(maxsize=4096)
def _key_words(key: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[A-Za-z0-9]+", key))


# a printed key run on into its value over a space, without a colon (`Account Name CAPRI`)
RUN_ON_MATCH = 94.0


def _spaced_run_on(key: str, text: str, others: Sequence[str] = ()) -> bool:
    """A key of two words or more written in Latin letters printed at the start of a run and
    followed, past a space, by a value (`Account Name CAPRI`, `Authorized by Dr. Connie
    Stone`, `PROJECT No. 1984- 175NP`, `E-Mail 10 info@…`). Not a longer label (`Project No.
    of Cartons`: a word in lower case goes on), a label in two languages (`E-Mail / E-mail`),
    nor two labels read as one run: the rest begins another requested key (`others`,
    normalised: `Codice Postale Città`)."""
    words = _key_words(key)
    if len(words) < 2 or text.lstrip(" (")[: len(words[0])].lower() != words[0].lower():
        return False  # (a cheap look first: the run starts with the key's first word)
    pat = _key_pattern(key)
    if pat is None:
        return False
    m = pat.match(text.lstrip())
    if m is None:
        return False
    rest = text.lstrip()[m.end(1) :]
    gap = re.match(r"[.]?\s+(\S)", rest)
    if gap is None or re.match(r"[.]?\s+[a-z]+\b(?![@.\d])", rest):
        return False
    if not (gap.group(1).isalnum() or gap.group(1) in "($€£¥#+\"'“"):
        return False
    t = _norm(rest)
    return not any(k and (t.startswith(k) or fuzz.ratio(t, k) >= SPLIT_KEEP) for k in others)


def _header_run(geom: PageGeometry, i: int, key: str) -> bool:
    """A run that starts with `key` and goes on past a space (`_spaced_run_on`) is a row of
    column headers read as one line where the line directly below holds separate runs under
    the key and under the rest (`Date Received Date Shipped` over `3/4/95` `3/9/95`)."""
    u = geom.units[i]
    text = u.text
    pat = _key_pattern(key)
    m = pat.match(text.lstrip()) if pat is not None else None
    if m is None:
        return False
    x0, y0, x1, y1 = u.box
    ws = [0.55 if ord(ch) < 0x2E80 else 1.0 for ch in text]
    cut = len(text) - len(text.lstrip()) + m.end(1)
    xs = x0 + (x1 - x0) * sum(ws[:cut]) / (sum(ws) or 1.0)
    h = max(y1 - y0, 1.0)
    below = [
        b
        for n, w in enumerate(geom.units)
        if n != i
        and (b := w.box)[1] >= y1 - 0.3 * h
        and b[1] <= y1 + 1.5 * h
        and b[0] < x1
        and b[2] > x0
    ]
    if not below:
        return False
    top = min(b[1] for b in below)
    row = [b for b in below if b[1] <= top + 0.5 * h]
    under_key = [b for b in row if b[2] <= xs + 0.2 * h]
    under_rest = [b for b in row if b[0] >= xs - 2.0 * h and (b[0] + b[2]) / 2 > xs]
    return bool(under_key) and bool(under_rest)


def _match_all(
    labels: Sequence[str],
    texts: Sequence[str],
    words: Sequence[tuple[str, ...]] | None = None,
    *,
    kinds_apart: bool = True,
) -> np.ndarray:
    """How well each (normalised) unit text is one of the labels (0-100). With the units'
    `words` (`fields.canonical_words`), a label alike letter by letter but another word by
    word (`Opening Balance` for "ending balance", `Account Name` for "account no") is none.
    `kinds_apart`: the synonyms that only name a kind of value are scored apart, lower."""
    # a synonym that only names the kind of value (`amount` for "total") is scored apart, by
    # the same rules as the other synonyms (no key of its own: the empty first label), and
    # under them (`KIND_SYNONYM_CAP`)
    kinds = [lab for lab in labels[1:] if _kind_only(lab)] if kinds_apart else []
    if kinds:
        labels = [lab for n, lab in enumerate(labels) if n == 0 or not _kind_only(lab)]
        apart = _match_all(["", *kinds], texts, words, kinds_apart=False)
        weak = np.minimum(apart, KIND_SYNONYM_CAP)
        if len(labels) == 1:
            return np.maximum(_match_all(labels, texts, words, kinds_apart=False), weak)
    best = np.zeros(len(texts))
    for n, lab in enumerate(labels):
        if n == 1:  # the synonyms after the key itself: a printed key beats a synonym
            own, best = best, np.zeros(len(texts))
        k = _norm(lab)
        if not k:
            continue
        key_words = canonical_words(lab) if words is not None else ()
        if len(k) > 3:
            sc = process.cdist([k], list(texts), scorer=fuzz.ratio, dtype=np.float64)[0]
            if key_words and words is not None:
                for j in np.nonzero((sc >= MIN_KEY_MATCH) & (sc < 100.0))[0]:
                    if other_words(key_words, words[int(j)]):
                        sc[j] = 0.0
            best = np.maximum(best, sc)
        if len(k) < 2:
            continue
        short = n >= 1 and len(k) <= 2  # a synonym such as "No": whole, or before a number
        bare = _PUNCT.sub("", k)
        for i, t in enumerate(texts):
            if t == k:
                best[i] = 100.0
            elif len(bare) >= 4 and _PUNCT.sub("", t) == bare:
                # the same words with other punctuation (`CITY. STATE. ZIP`, `CITY, STATE, ZIP`)
                best[i] = max(best[i], PUNCT_MATCH)
                continue
            elif short:
                if t.startswith(k) and t[len(k) :].isdigit():
                    best[i] = max(best[i], 94.0)
            elif t.endswith(k) and len(t) - len(k) <= 2 and len(k) >= 2:
                # a stray mark or character read into the label's start ("购名称" for 名称)
                best[i] = max(best[i], 92.0 - 4.0 * (len(t) - len(k)))
            elif t.startswith(k):
                # "价税合计(大写)" for 价税合计; "DATE OF ISSUE" is not quite "DATE"
                rest = t[len(k) :]
                # a bracket, a separator or a value run on with no space ("DATE11/4/93")
                quick = rest[:1] in "(（-–—_" or rest[:1].isdigit()
                if (
                    not quick
                    and words is not None
                    and key_words
                    and other_words(key_words, words[i])
                    and not _run_into_value(k, rest)
                ):
                    continue  # `Customer PO` is no printing of "customer"
                penalty = 3.0 if quick else 12.0 + 2.0 * min(len(rest), 10)
                if n == 0 and rest[:1].isdigit() and k[-1:].isalpha():
                    # the key's words run straight into figures ("ADDRESS1875 Eye Street"):
                    # as good a printing as one followed by a colon (within LABEL_MARGIN)
                    penalty = 1.0
                if n == 0 and _run_into_value(k, rest):
                    penalty = 1.0  # "开户行及账号中信银行…": the value printed over the colon
                best[i] = max(best[i], 97.0 - penalty)
    if len(labels) > 1:
        best = np.maximum(own, np.minimum(best, SYNONYM_CAP))
    return np.maximum(best, weak) if kinds else best


# the best score of a synonym that only names the kind of value (`_kind_only`): more than
# `LABEL_MARGIN` under `SYNONYM_CAP`, so that a column headed `Amount` does not answer "total"
# where `Total Due` is printed too (where it is the only printing, it still answers)
KIND_SYNONYM_CAP = 84.0


def _kind_only(label: str) -> bool:
    """`label` is one word that only says what kind of value a field holds (`amount`,
    `date`, `number`: `fields.GENERIC_WORDS`)."""
    w = canonical_words(label)
    return len(w) == 1 and w[0] in GENERIC_WORDS


# what `PUNCT_MATCH` ignores: separators and spaces only; a symbol (% # $ № brackets) makes
# another field (`Nicotine %` is not `Nicotine`)
_PUNCT = re.compile(r"[\s.,;:/\-–—_、，：；]")
PUNCT_MATCH = 98.0  # the key's words printed with other punctuation between them


@dataclass
class KeyHit:
    unit: int  # the unit used as the key for scoring
    pieces: tuple[int, ...]  # all units of the printed label
    score: float
    cut: int = 0  # where the value starts when it runs on in the label's own unit (0: none)
    generic: bool = False  # matched only with a generic word less (`GENERIC_MATCH`)


TEXT_TYPES = ("text", "address", "company")
# a row with this many other key-like units is a table's header row (2 cost 0.02 of FUNSD dev
# similarity: form rows with several labels; 4 costs nothing there)
HEADER_ROW_KEYS = 4
# the factor for each later printing of the same label on the page (for a total: each earlier)
LATER_PRINTED = 0.5
KEY_ROW_P = 0.5  # the probability given to the first typed value further along the label's row
# the label of a table's total row (the 合计 row under the 金额 and 税额 columns)
TOTAL_ROW = re.compile(r"合计|总计|小计|共计|total|grandtotal|subtotal|sum", re.I)
SUBTOTAL_ROW = re.compile(r"小计|sub", re.I)
ROW_FORM = 0.8  # the probability factor for the typed form of a value further along its row
SAME_UNIT = 0.9  # the probability given to the rest of the label's own line


# an amount: decimals or thousands separators (`14,165.00`, `2040.00`); a code or number run on
# to its label over a hyphen (`Account-12345678`, `Batch-2231-B`) is not signed
_AMOUNT = re.compile(r"(\d{1,3}(,\d{3})+(\.\d+)?|\d+\.\d{2})\s*([A-Z]{3}|[$€£¥₹])?\s*$")


def _label_end(labels: Sequence[str], text: str) -> int:
    """Where in `text` a label that begins it ends (after its separators), or 0."""
    for lab in labels:
        k = _norm(lab)
        if len(k) < 2 or not _norm(text).startswith(k):
            continue
        for i in range(1, len(text) + 1):
            if len(_norm(text[:i])) >= len(k) and _norm(text[:i]).startswith(k):
                if i < len(text) and text[i - 1].isascii() and text[i - 1].isalpha():
                    while i < len(text) and text[i].isascii() and text[i].isalpha():
                        i += 1  # the key is a longer word's start (`BOOKING REF|ERENCE`)
                elif re.match(r"[\u4e00-\u9fff][\s:：]", text[i : i + 2]) and _han(text[i - 1]):
                    i += 1  # and a CJK label's last character (`有效期|限 2031年03月`)
                while i < len(text) and (text[i] in _STRIP or text[i] in ",，"):
                    if text[i] in "-–" and _AMOUNT.match(text[i + 1 :]):
                        # a minus run on to its amount (`This Amount-14,165.00`, `This Amount
                        # -14,165.00`); a dash set apart (`Total - 14.00`) separates
                        break
                    if text[i] in "(（" and re.search(r"[)）]", text[i + 1 :]):
                        break  # a bracket the value opens (`MOBILE NUMBER (415) 555-0178`)
                    i += 1
                return i if i < len(text) else 0
    return 0


# a label, the underscore of its fill-in line and the value written on it, read as one run
_FILL_SEP = re.compile(r"^\s*([^_:：]{1,40}?)\s*_+\s*([^\s_].*)$")
FILL_MATCH = (
    96.0  # a label run into its value over an underscore (as printed: 100; within LABEL_MARGIN)
)


def find_keys(
    geom: PageGeometry,
    labels: Sequence[str],
    texts: Sequence[str],
    others: Sequence[str] = (),
    cut: frozenset[int] = frozenset(),
) -> list[KeyHit]:
    """Units that print one of `labels` (`texts`: the units' normalised texts), best first;
    the pieces of a label set so wide that OCR cut it (`名` + `称：`) are joined. Where the key
    itself (`labels[0]`) is printed, its synonyms are not searched: they name other fields
    (价税合计 is printed; 合计, a synonym, is the goods table's own total row). `others`: the
    other requested keys, normalised (a label read as one run with another is no value).
    `cut`: the units cut out of a longer run (`split_at_keys`); the key printed only there is
    not printed as far as its synonyms go (`地址` cut out of a run, `住址` printed whole).
    Where the key is not printed whole, a label under a heading that prints its first part
    answers (`_section_keys`: `购买方名称`); where neither it nor a synonym is printed, a short
    form of it (`_short_form_keys`: `MRN` for "medical record number")."""
    found: list[KeyHit] = []
    if len(labels) > 1:
        own = _find_keys(geom, labels[:1], texts, others)
        if (
            own
            and not all(h.generic for h in own)
            and any(i not in cut for h in own for i in h.pieces)
        ):
            found = own
    if not found:
        found = _find_keys(geom, labels, texts, others)
    if any(h.score >= 100.0 for h in found):
        return found
    section = _section_keys(geom, labels[0], texts)
    if section:
        return sorted(section + found, key=lambda h: (-h.score, h.unit))
    if any(h.score >= SYNONYM_CAP for h in found):
        return found
    # (beside a weaker printing: a title `DELIVERY NOTE` for "delivery note number", a generic
    # word less, and `Note No:` printed)
    found += _short_form_keys(geom, labels[0])
    if not found:
        # the key (or a synonym of it) in other words ("balance owed" for `Total Amount Due`)
        found = _short_form_keys(
            geom,
            labels[0],
            lambda _, printed: any(paraphrases(lab, printed) for lab in labels),
            loose=True,
        )
    return sorted(found, key=lambda h: (-h.score, h.unit))


# a printed label the key spells out (`MRN` for "medical record number", `社保号` for
# `社会保障号码`) or a label of the key's head with a qualifier less (`Agreement No.` for
# "rental agreement number"): read where nothing prints the key or a synonym
SHORT_FORM_MATCH = 86.0  # over a match with a generic word less (`GENERIC_MATCH`)


def _words_alike(a: str, b: str) -> bool:
    """Two words of one field's name: equal, or one the other's start of 5 letters or more
    (`member` / `membership`)."""
    return a == b or (min(len(a), len(b)) >= 5 and (a.startswith(b) or b.startswith(a)))


def _short_form(key: str, printed: str) -> bool:
    """`printed` (a label, its colon off) is a short form of `key`: its initials (`MRN`,
    `TIN`: 3 to 5 letters, the key's words but the small ones); two words or more, the last
    of the key's (or their starts: `Member ID` for "membership number"), qualifiers before
    them left out (`Note No` for "delivery note number"; not `Amount` for "tax amount") where
    the key is a field's name of at most four words, not a form's question; or, in CJK, the
    first characters of the other's two-character words, from the same first one (`车号` for
    `车牌号`, `社保号` for `社会保障号码`, either way round)."""
    p = printed.strip()
    if _CJK.search(key):
        a, b = _norm(key), _norm(p)
        short, long_ = (a, b) if len(a) <= len(b) else (b, a)
        if len(short) < 2 or long_.startswith(short) or short[0] != long_[0] or not _han(long_):
            return False  # (one that starts with the other whole is a label run into its value)
        if len(b) > 8:
            return False  # a label, not a run of text
        # the short form takes the first character of the long one's words, read as pairs of
        # characters (`社会|保障|号码` → `社保号`, `车牌|号` → `车号`; not `车辆|品牌` for
        # `车牌`, nor `车辆|识别|代号` for `车号`)
        firsts = iter(long_[i] for i in range(0, len(long_), 2))
        return all(ch in firsts for ch in short)
    raw = [w for w in re.findall(r"[A-Za-z]+", key.lower()) if w not in SMALL_WORDS]
    letters = re.sub(r"[.\s]", "", p)
    if 3 <= len(raw) <= 5 and re.fullmatch(r"[A-Z]{3,5}", letters):
        # (three letters or more: `PN`, `ID`, `CN` are too often other fields' initials)
        return letters.lower() == "".join(w[0] for w in raw)
    if re.fullmatch(r"[A-Z]{3,5}", key.strip()):
        # the key is the initials of the printed label (`SSN` for `Social Security No.`)
        spelled = [w for w in canonical_words(p, brackets=False) if w not in SMALL_WORDS]
        return 3 <= len(spelled) <= 5 and "".join(w[0] for w in spelled) == key.strip().lower()
    if re.search(r"[\d:()\[\]?]", key):
        return False  # a form's question or a qualified key, not a field's name
    kw, pw = canonical_words(key), canonical_words(p, brackets=False)
    if not 2 <= len(pw) <= len(kw) <= 4 or pw == kw or not set(pw) - GENERIC_WORDS:
        return False
    # the label is the key's last words (its head and what kind of value), qualifiers before
    # them left out
    return all(_words_alike(w, x) for w, x in zip(pw, kw[-len(pw) :], strict=True))


# a printed label that names the key's field in other words (`fields.paraphrases`): read
# where nothing prints the key, a synonym or a short form of it
PARAPHRASE_MATCH = 85.0


def _short_form_keys(
    geom: PageGeometry,
    key: str,
    alike: Callable[[str, str], bool] = _short_form,
    *,
    loose: bool = False,
) -> list[KeyHit]:
    """Printings of a short form of the key (`_short_form`, at `SHORT_FORM_MATCH`), as the
    label alone or before a colon and its value on one run. `loose`: labels in other words
    (what `alike` accepts, at `PARAPHRASE_MATCH`), also run into their value over a space
    and after a form's box number."""
    score = PARAPHRASE_MATCH if loose else SHORT_FORM_MATCH
    out: list[KeyHit] = []
    for i, u in enumerate(geom.units):
        text = u.text.strip()
        m = re.match(r"^([^:：]{1,40}?)\s*[:：]\s*(\S.*)?$", text)
        if m is None and loose:
            # a label run into its value over a space (`证号 4403…`, `Trans # 88213`)
            m = _RUN_ON_CJK.match(text) or _RUN_ON_WORDS.match(text)
        label = m.group(1) if m else text
        if loose:
            label = ITEM_NUMBER.sub("", label)  # `6. Date of Intended Arrival`
        # (`MRN #` prints the short form `MRN`; in other words `#` is a word: `Trans #`)
        if len(label) > 40 or not alike(key, label.rstrip(" ." if loose else " .#")):
            continue
        cut = 0
        if m and m.group(2):
            cut = len(u.text) - len(u.text.lstrip()) + m.start(2)
        out.append(KeyHit(i, (i,), score, cut))
    return out


# a label and the value it runs into over a space: CJK letters before anything else, or words
# before a figure
_RUN_ON_CJK = re.compile(r"^([\u3400-\u9fff]{2,8})\s+(\S.*)$")
_RUN_ON_WORDS = re.compile(r"^([A-Za-z][A-Za-z .#/&'-]{0,38}?)\s+(\d.*)$")


SECTION_REACH = 10.0  # line heights from a section's heading down to a label in it
VERTICAL_HEADING = 1.8  # a heading this many times as tall as wide is set down the margin
VERTICAL_SLACK = 1.5  # line heights a label in its section may stand above or below it


def _key_splits(key: str) -> list[tuple[str, str, int]]:
    """The ways `key` parts in two, each part two characters or more: (the first part
    normalised, the rest as written, the first part's count of words): after each CJK
    character but the first and the last, after each Latin word but the last (count 0 for
    CJK)."""
    k = _norm(key)
    if _CJK.search(key):
        splits = [(k[:n], k[n:], 0) for n in range(2, len(k) - 1)]
    else:
        words = key.split()
        splits = [
            (_norm(" ".join(words[:n])), " ".join(words[n:]), n) for n in range(1, len(words))
        ]
    return [(a, r, n) for a, r, n in splits if len(a) >= 2 and len(_norm(r)) >= 2]


# a bracketed qualifier at the end of a heading (`（供应方）`, ` (Vendor)`)
_BRACKETED_TAIL = re.compile(r"\s*[（(][^()（）]{1,12}[)）]\s*$")


def _colon_after(text: str, label: str) -> bool:
    """Whether a colon follows `label`'s last character in `text` (`称：苏州…` for `名称`)."""
    at = text.find(label[-1:]) if label else -1
    return at >= 0 and text[at + 1 : at + 2] in (":", "：")


def _section_keys(geom: PageGeometry, key: str, texts: Sequence[str]) -> list[KeyHit]:
    """The key as a section's heading and a label in that section (`购买方名称`: `名　称：`
    under the heading `购买方信息`, not the `名　称：` under `销售方信息` beside it;
    "shipper address": `Address:` under `SHIPPER`): the label's printings below the
    heading, starting at most a line height left of it and left of the next heading on its
    row, the nearest first, as printings of the key (beside a CJK heading set down the
    margin, `VERTICAL_HEADING`: right of it, within its height). The heading is the key's first
    characters (CJK) or words, and at most three characters or one word more, with no colon
    nor figures; the label names a known field or is printed with a colon."""
    cjk = bool(_CJK.search(key))
    b = geom.b
    out: list[KeyHit] = []
    for head, rest, n_words in _key_splits(key):
        # (a bracketed role after the heading does not count: `乙方（供应方）`, `Seller (Vendor)`)
        bare = [
            _norm(_BRACKETED_TAIL.sub("", u.text)) or t
            for u, t in zip(geom.units, texts, strict=True)
        ]
        heads = [
            i
            for i, t in enumerate(bare)
            if t.startswith(head)
            and (
                len(t) - len(head) <= 3
                if cjk
                else len(_BRACKETED_TAIL.sub("", geom.units[i].text).split()) - n_words <= 1
            )
            and geom.looks[i, 4] == 0  # no figures
            and geom.looks[i, 1] == 0  # nor a colon: a heading, not a label
        ]
        # (a heading set down the margin, a letter to a line: `购` `买` `方` beside the buyer's
        # box of a VAT invoice, read as one tall run or as several)
        margin = _down_the_margin(geom, texts, head, heads) if cjk else []
        if not heads and not margin:
            continue
        named = _names_a_field(rest)
        printed = [
            h
            for h in _find_keys(geom, [rest], texts)
            if h.score >= 100.0 and (named or _colon_after(geom.units[h.unit].text, rest))
        ]
        for box, pieces in margin:  # its section is right of it, over its height
            out += _beside_heading(geom, box, pieces, printed)
        for hd in heads:
            level = (geom.yover[hd] > 0.5) & (b[:, 0] > b[hd, 2])
            level[hd] = False
            nxt = float(b[level, 0].min()) if level.any() else math.inf
            if cjk and b[hd, 3] - b[hd, 1] >= VERTICAL_HEADING * (b[hd, 2] - b[hd, 0]):
                continue  # (read above)
            inside = [
                h
                for h in printed
                if hd not in h.pieces
                and b[h.pieces[0], 0] >= b[hd, 0] - 1.0
                and b[h.pieces[0], 0] < nxt - 0.5
                and 0.0 <= b[h.pieces[0], 1] - b[hd, 3] + 0.3 <= SECTION_REACH
            ]
            if inside:
                h = min(inside, key=lambda h: b[h.pieces[0], 1])
                if texts[hd] == head and int(geom.below_nn[hd]) == h.pieces[0]:
                    continue  # the key's own label wrapped onto two lines (`企业通信` over `地址`)
                out.append(KeyHit(h.unit, h.pieces, 100.0, h.cut))
    return out


def _down_the_margin(
    geom: PageGeometry, texts: Sequence[str], head: str, heads: Sequence[int]
) -> list[tuple[tuple[float, float, float, float], tuple[int, ...]]]:
    """(box, units) of each printing of the CJK heading `head` set down the page: one of
    `heads` at least `VERTICAL_HEADING` times as tall as wide, or runs of one to three letters
    stacked in a column (`购` over `买方`) that spell it."""
    b = geom.b
    out: list[tuple[tuple[float, float, float, float], tuple[int, ...]]] = []
    for hd in heads:
        if b[hd, 3] - b[hd, 1] >= VERTICAL_HEADING * (b[hd, 2] - b[hd, 0]):
            out.append(((b[hd, 0], b[hd, 1], b[hd, 2], b[hd, 3]), (hd,)))
    for i, t in enumerate(texts):
        if not (0 < len(t) < len(head) <= 6) or not head.startswith(t):
            continue
        chain, said = [i], t
        while len(said) < len(head):
            j = chain[-1]
            below = [
                k
                for k, tk in enumerate(texts)
                if k not in chain
                and 0 < len(tk) <= 3
                and head.startswith(said + tk)
                and abs(b[k, 0] - b[j, 0]) <= 0.6
                and -0.6 <= b[k, 1] - b[j, 3] <= 1.0
                and b[k, 1] + b[k, 3] > b[j, 1] + b[j, 3]  # (lower: boxes of letters overlap)
            ]
            if not below:
                break
            k = min(below, key=lambda k: b[k, 1])
            chain.append(k)
            said += texts[k]
        if said == head and len(chain) > 1:
            xs = b[chain]
            box = (xs[:, 0].min(), xs[:, 1].min(), xs[:, 2].max(), xs[:, 3].max())
            out.append(((float(box[0]), float(box[1]), float(box[2]), float(box[3])), tuple(chain)))
    return out


def _beside_heading(
    geom: PageGeometry,
    box: tuple[float, float, float, float],
    pieces: tuple[int, ...],
    printed: Sequence[KeyHit],
) -> list[KeyHit]:
    """The printing among `printed` right of a heading set down the margin (`box`), in its
    section: the nearest to the heading's height (`VERTICAL_SLACK`; the heading stands at
    its box's middle, so the first row may start above it), as a printing of the key."""
    b = geom.b
    x0, y0, x1, y1 = box

    def off(h: KeyHit) -> float:
        return float(max(0.0, y0 - b[h.pieces[0], 3], b[h.pieces[0], 1] - y1))

    inside = [
        h
        for h in printed
        if not set(pieces) & set(h.pieces)
        and x1 - 0.5 <= b[h.pieces[0], 0] <= x1 + SECTION_REACH
        and off(h) <= VERTICAL_SLACK
    ]
    if not inside:
        return []
    h = min(inside, key=lambda h: (off(h), b[h.pieces[0], 1]))
    return [KeyHit(h.unit, h.pieces, 100.0, h.cut)]


# the rest of a unit after a label's words that is only a bracketed qualifier (its opening
# bracket may have been taken as the label's separator)
# (three characters or more: `性别（男）`, `Gender (M)`, `Size (XL)` hold their values)
_QUALIFIER_ONLY = re.compile(r"\s*[（(]?[^()（）:：]{3,12}[)）]\s*[:：]?\s*")


def _unit_words(
    geom: PageGeometry,
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], list[tuple[int, str]]]:
    """Per page, once (every key looked up reads them): each unit's words
    (`fields.canonical_words`), its words with brackets and a box's number left out, and the
    label of each unit
    that runs over a fill-in line's underscore into its value (`_FILL_SEP`), normalised."""
    got = geom.memo.get("words")
    if got is None:
        units = geom.units
        fills = [(i, _FILL_SEP.match(u.text)) for i, u in enumerate(units)]
        got = (
            [canonical_words(u.text) for u in units],
            # (a box's number left out too: `2. Patient's name (Last, First, Middle Initial)`)
            [canonical_words(BOX_NUMBER.sub("", u.text), brackets=False) for u in units],
            [(i, _norm(m.group(1))) for i, m in fills if m],
        )
        geom.memo["words"] = got
    return got


def _find_keys(
    geom: PageGeometry, labels: Sequence[str], texts: Sequence[str], others: Sequence[str] = ()
) -> list[KeyHit]:
    hits: list[KeyHit] = []
    words, core_words, fill_heads = _unit_words(geom)
    scores = _match_all(labels, texts, words)
    generic = _match_words(labels, words, core_words, scores)
    # a label run into its value over the underscore of a fill-in line (`Date_March 18,
    # 1968`): the underscore separates them as a colon would (`fold` drops it from `texts`)
    for i, head in fill_heads:
        if scores[i] < FILL_MATCH:
            for n, lab in enumerate(labels):
                if head and head == _norm(lab):
                    scores[i] = max(scores[i], FILL_MATCH if n == 0 else SYNONYM_CAP)
    for i, u in enumerate(geom.units):
        if (
            scores[i] < RUN_ON_MATCH
            and _spaced_run_on(labels[0], u.text, others)
            and not _header_run(geom, i, labels[0])
        ):
            scores[i] = RUN_ON_MATCH
    for i in (int(x) for x in np.nonzero(scores >= MIN_KEY_MATCH)[0]):
        s = float(scores[i])
        if case_differs(labels[0], geom.units[i].text, prefix=True):
            # "REQUEST AUTHORIZED BY" asked, "Request Authorized By:" printed: outside
            # `LABEL_MARGIN` of a printing in the key's own capitals, still over any synonym
            # (`INVOICE DATE:` is "Invoice Date"'s, not "Date"'s by its synonym `invoice date`)
            s -= OTHER_CAPITALS
        cut = _label_end(labels, geom.units[i].text) if s < 100 else 0
        rest = canonical_words(geom.units[i].text[cut:]) if cut else ()
        if rest and set(rest) <= GENERIC_WORDS:
            cut = 0  # the key begins a longer label (`Due Date` for "due"), not a value
        text = geom.units[i].text
        if cut and COMMA_TO_END.match(text[cut:]) and geom.right_nn[i] >= 0:
            # the label goes on after a comma (`Glucose, Fasting` with its result beside
            # it), no value; alone on its row, `Name, John Smith` is the key and its value
            cut = 0
        if (
            cut
            and _QUALIFIER_ONLY.fullmatch(text[cut:])
            and (text[:cut].rstrip()[-1:] in "(（" or text[cut:].lstrip()[:1] in "(（")
        ):
            cut = 0  # a qualifier of the label in brackets (`权利人（申请人）`), not a value
        hits.append(KeyHit(i, (i,), s, cut, generic=bool(generic[i]) and s == GENERIC_MATCH))
    if geom.n > 1:
        short = [
            (i, int(geom.right_nn[i]))
            for i, t in enumerate(texts)
            if 0 < len(t) <= 3 and geom.right_nn[i] >= 0 and geom.right_gap[i] < 4.0
        ]
        # (each joined text scored on its own: one call for all of them)
        joined = _match_all(labels, [texts[i] + texts[j] for i, j in short])
        for (i, j), s2 in zip(short, joined.tolist(), strict=True):
            if s2 >= MIN_KEY_MATCH and s2 > scores[i]:
                hits.append(KeyHit(j, (i, j), s2))
        hits += _stacked_keys(geom, labels, texts, scores)
    hits.sort(key=lambda h: (-h.score, h.unit))
    return hits


# two stacked lines that look like two fields (`_own_rows`) are read as one wrapped label
# only where together they print the key as asked (`Quantity, Cartons` over `of 200 each`
# beside `Tax Status` over `Paid or Free`; not `Date` over `Received by` for `Date Received`)
OWN_ROWS_MATCH = 98.0
STACK_GAP = 0.6  # line heights between the lines of a label wrapped in its cell
MAX_STACK = 3  # the most lines a wrapped label is read from


# the key's words printed abbreviated or ordered otherwise (`Account No.`): outside
# `LABEL_MARGIN` of the key printed as asked, which answers first (`Department` before `Dept.`)
WORDS_MATCH = 94.0
# the key's words less a generic one (`Due` for "due date"): under `SYNONYM_CAP` by more than
# `LABEL_MARGIN`, so a synonym printed answers first, and not the key's own printing
# (`find_keys` then searches the synonyms too)
GENERIC_MATCH = 84.0


def _match_words(
    labels: Sequence[str],
    words: Sequence[tuple[str, ...]],
    core_words: Sequence[tuple[str, ...]],
    scores: np.ndarray,
) -> np.ndarray:
    """Raise `scores` where a unit prints a label's words (`fields.canonical_words`):
    abbreviated or in another order (`WORDS_MATCH`), or with a generic word more or less
    (`GENERIC_MATCH`). Synonyms stay under `SYNONYM_CAP` (`KIND_SYNONYM_CAP`), as in
    `_match_all`. Returns which
    units matched only so (a generic word less)."""
    generic = np.zeros(len(words), dtype=bool)
    for n, lab in enumerate(labels):
        key = canonical_words(lab)
        if not key:
            continue
        # a key without a bracketed qualifier is the printed label's core (`Tax (8%)` for
        # "tax"); one with it asks for that qualifier (`Nicotine (Mg/Cigt)`, not `Nicotine`)
        core = key == canonical_words(lab, brackets=False)
        cap = 100.0 if n == 0 else KIND_SYNONYM_CAP if _kind_only(lab) else SYNONYM_CAP
        for i, printed_all in enumerate(words):
            if scores[i] >= min(WORDS_MATCH, cap):
                continue
            printed = core_words[i] if core else printed_all
            if not printed:
                continue
            if printed == key:
                scores[i] = max(scores[i], min(WORDS_MATCH, cap))
                generic[i] = False
            elif same_field_words(key, printed) and scores[i] < GENERIC_MATCH:
                scores[i] = GENERIC_MATCH
                generic[i] = True
    return generic


def _stacked_keys(
    geom: PageGeometry, labels: Sequence[str], texts: Sequence[str], scores: np.ndarray
) -> list[KeyHit]:
    """A label wrapped onto two or three lines in a narrow cell (`婚姻` over `状况`, `Final
    Report Due` over `(Supplier Rpt.)` over `Wave(s)`): a unit that begins a label, and the
    lines right under it (tight, starting or centred where it does, as tall), match as one
    while each line added matches better, and better than any printing on one line (the
    row header `项目目标和` over `主要开发内容` does not displace a printed `项目目标:`)."""
    heads = {_norm(lab)[:2] for lab in labels if len(_norm(lab)) >= 3}
    printed = float(scores.max()) if len(scores) else 0.0  # the best printing on one line
    b = geom.b
    out: list[KeyHit] = []
    for i, t in enumerate(texts):
        if not t or t[:2] not in heads or scores[i] >= 100.0:
            continue
        pieces, joined, best = [i], t, float(scores[i])
        while len(pieces) < MAX_STACK:
            last = pieces[-1]
            j = int(geom.below_nn[last])
            if j < 0 or geom.below_gap[last] > STACK_GAP or not texts[j] or j in pieces:
                break
            same_start = abs(b[last, 0] - b[j, 0]) <= 1.0
            centred = abs(geom.cx[last] - geom.cx[j]) <= 1.0
            if not (same_start or centred) or not 0.7 <= geom.h[last] / max(geom.h[j], 1e-6) <= 1.4:
                break
            s2 = float(_match_all(labels, [joined + texts[j]])[0])
            if s2 <= max(best, float(scores[j])):
                break
            if _own_rows(geom, last, j) and (s2 < OWN_ROWS_MATCH or geom.looks[last, 0] > 0):
                # two fields, each with its value, unless together they print the key; a line
                # ending with a colon is a whole label (`Name:` over `Phone:` for "name/phone")
                break
            pieces.append(j)
            joined, best = joined + texts[j], s2
        if len(pieces) > 1 and best >= MIN_KEY_MATCH and best > printed:
            # its value may stand beside any of its lines: each line is read as the key, one
            # printing (`_answering` ranks them as one)
            out += [KeyHit(u, tuple(pieces), best) for u in pieces]
    return out


def _own_rows(geom: PageGeometry, up: int, low: int) -> bool:
    """Two stacked lines that look like two fields, not one label wrapped in its cell: the
    upper ends with a colon, or each has a run of its own on its row (not key-like), the two
    one under the other (`Date  3/4/95` over `Received by  J. Smith`). A value beside both
    lines, or beside the last line only, is the wrapped label's."""
    if geom.looks[up, 0] > 0:
        return True
    a, c = int(geom.right_nn[up]), int(geom.right_nn[low])
    if a < 0 or c < 0 or a == c or geom.keyness[a] >= 0.5 or geom.keyness[c] >= 0.5:
        return False
    return bool(abs(geom.b[a, 0] - geom.b[c, 0]) <= 2.0)


def _value_of(u: Unit, ftype: str) -> tuple[Span, object, bool] | None:
    """The value a candidate unit holds for a key of `ftype` (cut to a typed value)."""
    sp: Span = u.ref
    if ftype in TEXT_TYPES:
        tv = typed_value(sp.text, "text")
        if tv is None:
            return None
        return Span(sp.line, sp.start + tv[0], sp.start + tv[1], sp.page), None, True
    tv = typed_value(sp.text, ftype)
    if tv is None:
        return None
    s, e, norm, valid = tv
    return Span(sp.line, sp.start + s, sp.start + e, sp.page), norm, valid


# the types with values read only beside their label (`typed_value(..., beside=True)`): a
# date given to the month only (`1997.12`), a phone given as an extension (`6926`)
BESIDE_TYPES = ("date", "phone")


def _typed_beside(
    geom: PageGeometry, pieces: Sequence[int], v: int, facts: PageFacts, ftype: str
) -> tuple[Span, object, bool] | None:
    """A value read only beside its label (`BESIDE_TYPES`) in `v`, where `v` is the run the
    key's label points at: the next run on the row of one of its lines, or the line right
    under its last (never a year and month, or a short number, found elsewhere on the page)."""
    last = pieces[-1]
    under = int(geom.below_nn[last]) == v and geom.below_gap[last] <= 1.5
    if not under and not any(
        int(geom.right_nn[p]) == v or facts.row_right(p)[0] == v for p in pieces
    ):
        return None
    nxt = int(geom.right_nn[v])
    if ftype == "phone" and nxt >= 0 and phone_goes_on(geom.right_gap[v], geom.units[nxt].text):
        return None  # `212` | `555-1234`: one number split into runs, no extension
    return _beside_value(geom.units[v], ftype)


def _beside_value(u: Unit, ftype: str) -> tuple[Span, object, bool] | None:
    sp: Span = u.ref
    tv = typed_value(sp.text, ftype, beside=True, before=sp.line.text[: sp.start])
    if tv is None:
        return None
    s, e, norm, valid = tv
    return Span(sp.line, sp.start + s, sp.start + e, sp.page), norm, valid


def _capital_amount(
    u: Unit, w: int, facts: PageFacts, asked: bool = False
) -> tuple[Span, object, bool] | None:
    """An amount written in Chinese capital numerals in `u` (`注册资本 伍佰万元整`), where
    no figures stand further along the row of `w` (`u`'s unit): where the amount is printed
    twice (价税合计（大写）…（小写）￥3495.00) the figures answer, unless the key asks for
    the capital numerals (`asked`: `合计（大写）`)."""
    found = cn_capital_amount(u.ref.text)
    if found is None:
        return None
    for _ in range(0 if asked else 3):
        w, gap = facts.row_right(w)
        if w < 0 or gap > 30:
            break
        if facts.value_of(w, "amount") is not None:
            return None
    sp: Span = u.ref
    return (
        Span(sp.line, sp.start + found.start, sp.start + found.end, sp.page),
        found.normalized,
        True,
    )


def row_right(geom: PageGeometry, k: int, slope: float = 0.0) -> tuple[int, float]:
    """The nearest unit right of `k` on its row, allowing for the page's slope (a turned
    photo puts the next row's start as near as the row's own value), and the gap to it in
    line heights; (-1, inf) when there is none. Of two as near (within 0.2), the one better
    in line."""
    b = geom.b
    dy = np.abs((geom.cy - geom.cy[k]) - slope * (geom.cx - geom.cx[k]))
    gap = b[:, 0] - b[k, 2]
    # a run printed a little over the label's tail (data misregistered against the form)
    # still follows it: it starts past the label's middle and reaches well beyond its end
    over = (geom.cx > geom.cx[k]) & (b[:, 0] > geom.cx[k]) & (b[:, 2] > b[k, 2] + 2.0)
    ok = (dy < 0.5 * np.maximum(geom.h, geom.h[k])) & ((gap >= -0.5) | over)
    ok[k] = False
    if not ok.any():
        return -1, float("inf")
    idx = np.nonzero(ok)[0]
    g = gap[idx]
    near = idx[g <= g.min() + 0.2]
    j = int(near[np.argmin(dy[near])])
    return j, float(max(gap[j], 0.0))


def _after_colon(
    geom: PageGeometry, k: int, v: int, slope: float = 0.0, facts: PageFacts | None = None
) -> bool:
    """`v` is the run right after the label `k` that ends with a colon: the nearest on its
    row (`row_right`), close (≤ 1.5 line heights), and not itself a label. A semicolon counts
    as the colon OCR often misreads it for (`开户行及账号；`)."""
    colon = geom.looks[k, 0] > 0 or geom.units[k].text.rstrip()[-1:] in ";；"
    if not colon or geom.looks[v, 0] > 0:
        return False
    j, gap = facts.row_right(k) if facts is not None else row_right(geom, k, slope)
    return j == v and gap <= 1.5


OTHER_LABEL = 0.5  # the factor for a candidate that stands right after another label's colon


def colon_values(geom: PageGeometry, slope: float = 0.0) -> dict[int, int]:
    """Each run that stands right after a label ending with a colon (by `_after_colon`'s
    rule), mapped to that label. A colon OCR read as a run of its own (`Cashier   :   ALI`)
    belongs to the label on its left."""
    out: dict[int, int] = {}
    for k in np.nonzero(geom.looks[:, 0] > 0)[0]:
        j, gap = row_right(geom, int(k), slope)
        if j >= 0 and gap <= 1.5 and geom.looks[j, 0] == 0:
            o = int(k)
            if not any(ch.isalnum() for ch in geom.units[o].text) and geom.left_nn[o] >= 0:
                o = int(geom.left_nn[o])
            out.setdefault(j, o)
    return out


# the factor for a candidate right after the colon of another printed label that is not
# requested (an empty `Remarks:` does not take the number right after `Phone:`)
CARRIED = 0.04
# the factor for a candidate the role model takes for a key (estimate >= 0.5) where the key's
# label has a value on its own line (`姓名 张伟` above `性别男`): the line's rest comes first
KEYLIKE_BESIDE_OWN = 0.5
# the factor for a candidate the role model reads as a key surely (`SURE_KEY`) when the keys
# are requested (not "extract everything"'s second pass, where any candidate may be a key)
LABEL_LIKE = 0.3
FIELD_NAME = 0.05
# the factor for a candidate with no figure in it (`Unterschrift`, `Stuttgart`) where the key,
# read as text (no concept knows it), names a date by its words (`Geburtsdatum`, `Ort, Datum`)
UNDATED = 0.3
COLON_VALUE_GAP = 10.0  # line heights: the run after a label's colon on its row, within this


def _skew(units: Sequence[Unit]) -> float:
    """The page's text slope (dy/dx; a photo turned a little), the median of its long lines'
    baselines."""
    slopes = []
    for u in units:
        poly = u.ref.line.polygon if u.ref is not None else None
        if not poly:
            continue
        (x0, y0), (x1, y1) = poly[0], poly[1]
        h = abs(poly[3][1] - poly[0][1]) or 1.0
        if x1 - x0 > 3 * h:
            slopes.append((y1 - y0) / (x1 - x0))
    return float(np.median(slopes)) if slopes else 0.0


def _same_row(geom: PageGeometry, i: int, j: int, slope: float) -> bool:
    """`i` and `j` stand on one row of the page, allowing for its slope."""
    dy = (geom.cy[j] - geom.cy[i]) - slope * (geom.cx[j] - geom.cx[i])
    return abs(dy) < 0.5 * max(geom.h[i], geom.h[j])


def header_row(geom: PageGeometry, v: int, slope: float = 0.0) -> bool:
    """`v` is a cell of a table's header row: no figures, nothing key-like just left of it,
    and at least `HEADER_ROW_KEYS` other key-like units on its row (`规格型号`, `单位`, `数量` …),
    and fewer than half as many others (not a row of fields, each label with its value)."""
    if geom.looks[v, 4] > 0:  # digits: a data cell
        return False
    left = int(geom.left_nn[v])
    if left >= 0 and geom.keyness[left] >= 0.5 and geom.left_gap[v] <= 3.0:
        return False  # the value of the label left of it
    dy = (geom.cy - geom.cy[v]) - slope * (geom.cx - geom.cx[v])
    on_row = np.abs(dy) < 0.5 * np.maximum(geom.h, geom.h[v])
    on_row[v] = False
    keys = on_row & (geom.keyness >= 0.5)
    n_keys = int(keys.sum())
    # a form's row of fields (`姓名 荆妙海 性别 男 出生年月 1997.12 …`) holds as many values
    # as labels; a header row holds labels, with at most a few cells read as values
    n_other = int(on_row.sum()) - n_keys
    return n_keys >= HEADER_ROW_KEYS and 2 * n_other < n_keys


# the types whose labels head a table's row or column, its cells their own columns' values
_TABLED = ("amount", "percent")


class PageFacts:
    """What the linker reads about a page more than once, worked out once per page: the
    nearest run right of a unit on its row, whether a unit is a header-row cell, the typed
    value a unit holds, the labels of the page's total rows, the figure of each cell and the
    total cell of each column. The scoring loop asks these for every (key, candidate) pair;
    a 3,200-line table read them again for each candidate."""

    def __init__(self, geom: PageGeometry, texts: Sequence[str], slope: float) -> None:
        self.geom, self.texts, self.slope = geom, texts, slope
        self._right: dict[int, tuple[int, float]] = {}
        self._header: dict[int, bool] = {}
        self._values: dict[tuple[int, str], tuple[Span, object, bool] | None] = {}
        self._labels: list[tuple[int, int, bool]] | None = None
        self._cells: dict[int, tuple[bool, float | None]] = {}
        self._sums: dict[tuple[int, ...], int | None] = {}
        self._first: dict[tuple[tuple[int, ...], str], int] = {}
        self._typed: dict[int, int] | None = None

    def row_right(self, k: int) -> tuple[int, float]:
        got = self._right.get(k)
        if got is None:
            got = self._right[k] = row_right(self.geom, k, self.slope)
        return got

    def typed_labels(self) -> dict[int, int]:
        """{label: value} for each run that says a typed field's name and nothing else
        (`fields.is_field_name`) with a value of that field's type as the next run
        along its row (`联系电话 13812345678`, `Phone 555-0182`): a field of its own, its
        value no other key's. Not an amount's or a rate's (`合计 ￥3200.00`: a table's total
        row, whose cells are its columns' values)."""
        if self._typed is None:
            self._typed = {}
            for u, unit in enumerate(self.geom.units):
                concept = match_concept(unit.text) if is_field_name(unit.text) else None
                if concept is None or concept.type in TEXT_TYPES or concept.type in _TABLED:
                    continue
                w, gap = self.row_right(u)
                if w >= 0 and gap <= COLON_VALUE_GAP and self.value_of(w, concept.type):
                    self._typed[u] = w
        return self._typed

    def header_row(self, v: int) -> bool:
        got = self._header.get(v)
        if got is None:
            got = self._header[v] = header_row(self.geom, v, self.slope)
        return got

    def value_of(self, v: int, ftype: str) -> tuple[Span, object, bool] | None:
        key = (v, ftype)
        if key not in self._values:
            self._values[key] = _value_of(self.geom.units[v], ftype)
        return self._values[key]

    def total_labels(self) -> list[tuple[int, int, bool]]:
        """The total rows' labels (first piece, last piece, a subtotal): a unit, or a
        wide-set label cut in two (`合` + `计`)."""
        if self._labels is None:
            texts, geom = self.texts, self.geom
            labels: list[tuple[int, int, bool]] = []
            for i, t in enumerate(texts):
                nxt = int(geom.right_nn[i])
                for last, name in ((i, t), (nxt, t + texts[nxt] if nxt >= 0 else "")):
                    if name and TOTAL_ROW.fullmatch(name):
                        labels.append((i, last, bool(SUBTOTAL_ROW.search(name))))
                        break
            self._labels = labels
        return self._labels

    def cell(self, j: int) -> tuple[bool, float | None]:
        """(a cell of the column at all, its amount): a placeholder (`***`) is a cell of no
        amount; a unit without a figure is not a cell."""
        got = self._cells.get(j)
        if got is None:
            got = self._cells[j] = _cell_amount(self.geom.units[j].text)
        return got

    def first_cell(self, pieces: tuple[int, ...], ftype: str) -> int:
        """For a label standing in a table's header row (`header_key`), the first unit down
        its column that holds a value of `ftype`, past placeholder cells (`***`); -1 when
        the label is no column header or another text comes first."""
        key = (pieces, ftype)
        got = self._first.get(key)
        if got is None:
            got = self._first[key] = _first_cell(self, pieces, ftype)
        return got

    def sum_cell(self, column: Sequence[int]) -> int | None:
        key = tuple(column)
        if key not in self._sums:
            self._sums[key] = _sum_cell(self.geom, column, self)
        return self._sums[key]


def _mid_paragraph(geom: PageGeometry, k: int, v: int) -> bool:
    """`v` is a line inside a paragraph and `k` a label far left on its row: a line of running
    text (≥ `PARA_WIDTH` line heights, mostly letters: a digit share under `PARA_DIGITS`) set
    tight between two other such lines starting where it starts (≤ 0.5 line heights apart, or
    overlapping), not a label, with no key-like run close on its left (its own label), and `k`
    left of it on its row more than 3 line heights off; neither neighbour has a label of its
    own on its row (a colon, surely key-like, or standing in `k`'s column: a grid of labels
    and values, not a paragraph). A paragraph answers the label above it or beside its first
    line; its middle lines are not the values of a label that happens to stand level with
    them across the page."""
    b = geom.b
    if geom.w[v] < PARA_WIDTH or geom.yover[k, v] <= 0.3 or b[k, 2] > b[v, 0]:
        return False
    if b[v, 0] - b[k, 2] <= 3.0:
        return False
    left = int(geom.left_nn[v])
    if left >= 0 and left != k and geom.keyness[left] >= 0.5 and geom.left_gap[v] <= 3.0:
        return False
    if geom.looks[v, _DIGITS] >= PARA_DIGITS:
        return False  # a column of figures (amounts, codes) is no running text
    text = (
        (np.abs(b[:, 0] - b[v, 0]) <= 0.5)
        & (geom.w >= PARA_WIDTH)
        & (geom.looks[:, 0] == 0)
        & (geom.keyness < 0.5)
        & (geom.looks[:, _DIGITS] < PARA_DIGITS)
    )
    text[[k, v]] = False
    # a neighbour with a label of its own on its row (key-like, or standing in `k`'s column)
    # is the next value of a grid of labels and values, not a line of the same paragraph
    # (surely key-like: a paragraph's line may have a one-word answer of another label, which
    # the role model half takes for a key, left of it)
    labelled = (
        (geom.keyness >= SIBLING_CELL_KEYNESS)
        | (geom.looks[:, 0] > 0)
        | (np.abs(b[:, 0] - b[k, 0]) <= 1.0)
    )
    for n in np.nonzero(text)[0]:
        beside = labelled & (geom.yover[n] > 0.3) & (b[:, 2] <= b[n, 0] + 0.5)
        beside[[n, k]] = False  # (`k` itself may stand level with two of the lines)
        if beside.any():
            text[n] = False
    up = text & (geom.cy < geom.cy[v]) & (b[v, 1] - b[:, 3] <= 0.5) & (b[:, 1] < b[v, 1])
    down = text & (geom.cy > geom.cy[v]) & (b[:, 1] - b[v, 3] <= 0.5) & (b[:, 3] > b[v, 3])
    return bool(up.any() and down.any())


PARA_DIGITS = 0.3  # the digit share above which a line is a figure, not running text


SIBLING_GAP = 2.0  # line heights from a column header down to its first cell
# the cells under two headers are not labels: no colon, and the role model does not take them
# for keys with confidence (a one-word cell such as `Brochures` may get 0.5 by its look)
SIBLING_CELL_KEYNESS = 0.8


def _sibling_header(geom: PageGeometry, k: int, v: int) -> bool:
    """`v` is another column header on the row of the header `k` (`Offer Description` beside
    `Charge Code`, each with its cells under it): key-like to the role model, right of `k` on
    its row, and each of the two has a cell right under it (≤ `SIBLING_GAP` line heights,
    overlapping it by half the narrower width or more), neither of them a label
    (`SIBLING_CELL_KEYNESS`), the two on one row. A row of fewer headers than `header_row`
    asks for; a label's value beside it has no cell of its own on the next row's line under
    the label (the label's next row is another label)."""
    if geom.keyness[v] < 0.5 or geom.yover[k, v] <= 0.5 or geom.b[v, 0] < geom.b[k, 2] - 0.5:
        return False
    a, c = int(geom.below_nn[k]), int(geom.below_nn[v])
    if a < 0 or c < 0 or a in (c, v) or c == k:
        return False
    if geom.below_gap[k] > SIBLING_GAP or geom.below_gap[v] > SIBLING_GAP:
        return False
    if geom.xover[k, a] < 0.5 or geom.xover[v, c] < 0.5:
        return False  # each cell stands under its header (not a row of options across)
    cells = (a, c)
    if any(geom.keyness[i] >= SIBLING_CELL_KEYNESS or geom.looks[i, 0] > 0 for i in cells):
        return False
    return bool(geom.yover[a, c] > 0.3)


HEADING_GAP = 8.0  # line heights: a run this far along a key's row may head a block of its own
BLOCK_GAP = 1.5  # line heights from a heading down to its block's first line


def _heads_fields(geom: PageGeometry, k: int, v: int) -> bool:
    """`v` heads a block of fields of its own far along the row of the key `k`, which has a
    block of its own under it (`Customer` over a name and address, `Payment Details` over
    `Bank:` and `Account:`; a shipping label's `FROM:` over the sender, `PRIORITY MAIL 2-DAY`
    over `Ship Date:`): `v` is at least `HEADING_GAP` line heights right of `k` on its row,
    without a colon; right under it (≤ `BLOCK_GAP`, starting within a line height of it)
    stands a label with a colon, and right under `k` a line that is no label. (A value a few
    line heights along the row, `September` beside `ISSUE FREQUENCY/ YEAR`, is not passed.)"""
    b = geom.b
    if geom.yover[k, v] < 0.5 or b[v, 0] - b[k, 2] < HEADING_GAP or geom.looks[v, 0] > 0:
        return False

    def under(i: int) -> int:
        j = int(geom.below_nn[i])
        ok = j >= 0 and geom.below_gap[i] <= BLOCK_GAP and abs(b[j, 0] - b[i, 0]) <= 1.0
        return j if ok else -1

    fv, fk = under(v), under(k)
    return fv >= 0 and fk >= 0 and geom.looks[fv, 0] > 0 and geom.looks[fk, 0] == 0


PAIR_GAP = 0.35  # line heights from a label down to its value in a grid of stacked pairs
PAIR_SPLIT = 0.4  # the more line heights that part one stacked pair from the next


def stacked_value(geom: PageGeometry, i: int) -> int:
    """The run right under `i` where the two stand as one stacked pair, a label over its
    value (`PASSENGER` over `HALVORSEN/INGRID MS`, a tax form's box `c Employer's name` over
    its entry), else -1: the run starts where `i` starts (½ a line height) under it by at most
    `PAIR_GAP` line heights, and the pair stands apart from what lies above and below it by
    `PAIR_SPLIT` line heights more than that. Evenly spaced lines (a list of labels each
    with its value beside it, a paragraph, an address) are no pairs."""
    j = int(geom.below_nn[i])
    if j < 0 or geom.below_gap[i] > PAIR_GAP or abs(geom.b[i, 0] - geom.b[j, 0]) > 0.5:
        return -1
    apart = float(geom.below_gap[i]) + PAIR_SPLIT
    if geom.above_gap[i] < apart or geom.below_gap[j] < apart:
        return -1
    return j


TABLE_CELL_P = 0.99  # the probability given to the cell where a key's column and row cross


def _table_cell(geom: PageGeometry, key: str, texts: Sequence[str]) -> tuple[int, int, int] | None:
    """(row label, column header, cell) where the key names a table's column and row, in
    either order (`女方姓名`: the `女方` column, the `姓名` row; `大学物理成绩`: the row, then
    the column; "2023 Revenue"): each part printed as a run of its own, the header above the
    row label's line and right of it, and a run on the row label's line under the header
    (overlapping its column, or centred within 1.5 line heights of it); the nearest such. None
    where no such crossing exists, or the key holds a colon, brackets, `*` or `?` (a form's
    question or a qualified label, not a column and a row)."""
    if re.search(r"[:：()（）\[\]*?？]", key):
        return None  # a form's question or a qualified label, not a column and a row
    b = geom.b
    best: tuple[float, tuple[int, int, int]] | None = None
    for first, rest, _ in _key_splits(key):
        second = _norm(rest)
        at_first = [i for i, t in enumerate(texts) if t == first]
        at_second = [i for i, t in enumerate(texts) if t == second]
        if not at_first or not at_second:
            continue
        wrapped = any(int(geom.below_nn[i]) in at_second for i in at_first)
        if wrapped:
            continue  # the key's own label wrapped onto two lines (`AVERAGE DAILY` over …)
        for cols, rows in ((at_first, at_second), (at_second, at_first)):
            for col in cols:
                for row in rows:
                    if b[col, 3] > b[row, 1] + 0.3 or b[col, 0] < b[row, 2] - 0.5:
                        continue  # the header stands above the row label and right of it
                    level = (geom.yover[row] > 0.5) & (b[:, 0] >= b[row, 2] - 0.2)
                    under = (geom.xover[col] > 0.0) | (np.abs(geom.cx - geom.cx[col]) <= 1.5)
                    found = np.nonzero(level & under)[0]
                    for c in (int(i) for i in found):
                        if c in (row, col) or texts[c] in (first, second):
                            continue
                        d = abs(float(geom.cx[c] - geom.cx[col]))
                        if best is None or d < best[0]:
                            best = (d, (row, col, c))
    return best[1] if best is not None else None


# a key that names money (`合计（大写）`, `金额（大写）`): 大写 there asks for capital numerals
_MONEY_KEY = re.compile(r"金额|合计|总计|小计|价|费|款|额|资本|资金")

ROW_FAR = 3.0  # line heights from a label to a value far along its row


def _row_sibling(geom: PageGeometry, k: int, v: int, facts: PageFacts) -> bool:
    """`v` is the next label down a column of labels, each with its value far along its row
    (a taxi slip's `上车 … 21:07` over `下车 … 21:34`): `v` starts where the key starts,
    under it (within 3 line heights), is short and holds no figures, neither has a colon, and
    each has a run with figures (not ending with a colon) `ROW_FAR` line heights or more
    along its row, the two runs in one column (starting or ending within 1.5 line heights)."""
    b = geom.b
    if abs(b[v, 0] - b[k, 0]) > 1.0 or not 0.0 <= b[v, 1] - b[k, 3] + 0.3 <= 3.0:
        return False
    text = geom.units[v].text.strip()
    if len(text) > 12 or any(ch.isdigit() for ch in text) or geom.looks[[k, v], 1].any():
        return False
    (rk, gk), (rv, gv) = facts.row_right(k), facts.row_right(v)
    if rk < 0 or rv < 0 or min(gk, gv) < ROW_FAR or rk == rv:
        return False
    if geom.looks[[rk, rv], 0].any() or not (geom.looks[[rk, rv], 4] > 0).all():
        return False
    if any(_numbered(geom.units[r].text) for r in (rk, rv)):
        return False  # the figures are the next column's box numbers (`4. Passport Number`)
    return bool(abs(b[rk, 0] - b[rv, 0]) <= 1.5 or abs(b[rk, 2] - b[rv, 2]) <= 1.5)


def _pair_grid(geom: PageGeometry, k: int, v: int, labels: Iterable[int] = ()) -> bool:
    """`v` is the label of the next stacked pair on the row of the key's own (`FLIGHT` over
    `AU 2047` beside `PASSENGER` over its name; a tax form's boxes): each of the two stands
    over its value (`stacked_value`), the two values on one row, neither of them a requested
    key's label (`labels`), and `v` reads as a label (no colon — that would be a label with
    its value beside it —, no figures but an item's number where the key has one too, `1.
    Surname` beside `2. Given Names`, or a box's number before a caption of three words or
    more, no known field's name under either, which makes a list of labels with their values
    beside them). What the role model says of them does not count: it takes a name in
    capitals for a label and a box's numbered caption for a value."""
    if geom.yover[k, v] <= 0.5 or geom.b[v, 0] < geom.b[k, 2] - 0.5:
        return False
    a, c = stacked_value(geom, k), stacked_value(geom, v)
    if a < 0 or c < 0 or geom.yover[a, c] <= 0.3 or a in labels or c in labels:
        return False  # (a requested key's label under the key: a list)
    if any(geom.looks[i, 0] > 0 for i in (k, v, a, c)):
        return False
    text = geom.units[v].text
    if ITEM_NUMBER.match(geom.units[k].text):
        text = ITEM_NUMBER.sub("", text)  # (`1. Surname` beside `2. Given Names`)
    words = text.split()
    if words and len(words[0]) <= 2 and len(words) >= 4:
        words = words[1:]  # a box's number before its caption (`1 Wages, tips, other …`)
    if any(ch.isdigit() for w in words for ch in w):
        return False  # (`3 cartons` beside `Laboratory` over `Other`: a list of labels)
    # (`Bill To` `Northwind` over `Customer` `NW-4471`: a list of labels with values beside
    # them; where the label under the key names no known field, the two read alike: two rows
    # of a list, or a row of labels over a row of values — the forms of `kv_links` print the
    # latter, `Município` `UF` over `São Paulo` `SP`, and a version that asked `v` to read as a
    # label, in capitals as the key or a known field's name, lost five of their fields)
    return not (_names_a_field(geom.units[a].text) or _names_a_field(geom.units[c].text))


COLUMN_CELL_P = 0.5  # the probability given to the first typed cell down a header's column
COLUMN_GAP = 2.0  # line heights of empty page that end a header's column


def header_key(geom: PageGeometry, pieces: Sequence[int], slope: float = 0.0) -> bool:
    """The label (its `pieces`) stands in a table's header row: at least `HEADER_ROW_KEYS`
    other key-like units on its row (`规格型号`, `单位`, `数量` … beside `税　额`)."""
    k = pieces[-1]
    dy = (geom.cy - geom.cy[k]) - slope * (geom.cx - geom.cx[k])
    row = (np.abs(dy) < 0.5 * np.maximum(geom.h, geom.h[k])) & (geom.keyness >= 0.5)
    row[list(pieces)] = False
    return int(row.sum()) >= HEADER_ROW_KEYS


def _first_cell(facts: PageFacts, pieces: tuple[int, ...], ftype: str, slack: float = 1.5) -> int:
    """`PageFacts.first_cell`: a header's column is the units under the header overlapping its
    whole (wide-set) label widened by `slack` line heights, top first. A tax-exempt invoice's
    `税　额` column holds `***` on each goods line — or nothing where OCR does not read them —
    and its total `￥0.00` on the 合计 row: the column's only figure, far under the header,
    which the pair model alone scores low."""
    geom = facts.geom
    if not header_key(geom, pieces, facts.slope):
        return -1
    b = geom.b
    hx0 = min(b[i, 0] for i in pieces) - slack
    hx1 = max(b[i, 2] for i in pieces) + slack
    head = max(b[i, 3] for i in pieces)
    under = (b[:, 1] >= head - 0.3) & (b[:, 2] > hx0) & (b[:, 0] < hx1)
    under[list(pieces)] = False
    mid = (hx0 + hx1) / 2
    for j in sorted(np.flatnonzero(under).tolist(), key=lambda j: (b[j, 1], b[j, 0])):
        if PLACEHOLDER.fullmatch(geom.units[j].text):
            continue
        # of the cells of the first row under the header (tops within half a line height),
        # the one nearest its middle: data printed off the form's grid puts the next
        # column's cell into the slack too, sometimes a little higher
        row = [
            k
            for k in np.flatnonzero(under & (np.abs(b[:, 1] - b[j, 1]) < 0.5)).tolist()
            if not PLACEHOLDER.fullmatch(geom.units[k].text)
        ]
        j = min(row, key=lambda k: abs((b[k, 0] + b[k, 2]) / 2 - mid))
        if facts.value_of(j, ftype) is None:
            return -1
        # the table runs on down to the cell: no empty band of more than
        # `COLUMN_GAP` line heights between the header row and it (a blank table's
        # column would otherwise reach into another section of the page)
        band = (geom.cy > head) & (geom.cy < b[j, 1])
        edge = head
        for y0, y1 in sorted(zip(b[band, 1].tolist(), b[band, 3].tolist(), strict=True)):
            if y0 - edge > COLUMN_GAP:
                return -1
            edge = max(edge, y1)
        return j if b[j, 1] - edge <= COLUMN_GAP else -1
    return -1


HEADER_OVERLAP = 0.5  # line heights a cell's top may reach up into its column header's box


def _column_total(
    geom: PageGeometry,
    texts: Sequence[str],
    pieces: Sequence[int],
    v: int,
    slope: float = 0.0,
    slack: float = 1.5,
    facts: PageFacts | None = None,
) -> int | None:
    """For a column header (its label's `pieces`, `税` + `额` when set wide) whose value `v`
    lies under it: the column's cell on the table's total row (`合　　计`, `TOTAL`) further
    down, if the table has one — an invoice's `金额` is the goods' total, which equals the
    single item's amount when there is one. Of several total rows the first that is not a
    subtotal (`小计`, `Subtotal`) answers. Where no total row's label is read and no cell sums
    the cells above it, the first cell printed with a currency sign (`_signed_total`)."""
    b = geom.b
    hx0 = min(b[i, 0] for i in pieces) - slack
    hx1 = max(b[i, 2] for i in pieces) + slack
    if b[v, 1] < max(b[i, 3] for i in pieces) - HEADER_OVERLAP or b[v, 2] <= hx0 or b[v, 0] >= hx1:
        return None  # not under its header
    # the cell that sums the column's cells above it: the total when its row's label is not
    # read or the last goods line stands on that row (data printed off its rows)
    head = max(b[i, 3] for i in pieces)
    column = np.flatnonzero((geom.xover[v] > 0) & (geom.cy > head)).tolist()
    column = sorted(set(column) | {v}, key=lambda j: geom.cy[j])
    facts = facts if facts is not None else PageFacts(geom, texts, slope)
    summed = facts.sum_cell(column)
    labels = facts.total_labels()  # (first piece, last piece, a subtotal)
    if not labels:
        return summed if summed is not None else _signed_total(facts, column, v)
    below = np.flatnonzero((b[:, 1] > b[v, 3] - 0.2) & (geom.xover[v] > 0))
    found: list[tuple[bool, float, int]] = []
    for j in below.tolist():
        for first, last, sub in labels:
            if b[last, 2] <= b[j, 0] and _same_row(geom, first, j, slope):
                found.append((sub, float(b[j, 1]), j))
                break
    best = min(found)[2] if found else None
    if summed is not None and (best is None or b[best, 1] <= b[summed, 1]):
        return summed  # a total row further down (after a subtotal that sums) still answers
    return best if best is not None else _signed_total(facts, column, v)


CURRENCY_LEAD = "￥¥$€£"


def _signed_total(facts: PageFacts, column: Sequence[int], v: int) -> int | None:
    """The first cell down the column from `v` printed with a currency sign and larger than
    every cell above it (that OCR read with its cents), after cells printed without one
    (`￥1063561.89` under goods lines):
    the column's total where no total row's label is read (`合` of `合　　计` lost) and the
    cells read do not sum to it (a goods line missed). Not one with a word right before it on
    its row: a label's figure under the table (`（小写） ￥588253.57`), where the column's own
    total cell was not read."""
    seen: list[float] = []
    cents: list[float] = []
    for j in column:
        if facts.geom.cy[j] < facts.geom.cy[v]:
            continue
        ok, amount = facts.cell(j)
        if not ok or amount is None:
            continue
        if facts.geom.units[j].text.lstrip()[:1] in CURRENCY_LEAD:
            left = int(facts.geom.left_nn[j])
            if (
                left >= 0
                and facts.geom.left_gap[j] <= 2.0
                and not _DIGIT.search(facts.geom.units[left].text)
            ):
                return None  # a label's figure (`（小写） ￥3495.00`), not a cell of the column
            # (against the cells read with their cents where there are some: not one whose
            # decimal point OCR lost, `23546627`)
            above = cents or seen
            return j if above and amount > max(above) else None
        seen.append(amount)
        if _CENTS.search(facts.geom.units[j].text):
            cents.append(amount)
    return None


_CENTS = re.compile(r"\d[.,]\d{1,2}\s*$")


PLACEHOLDER = re.compile(r"\s*[*＊xX×—–\-/]{1,8}\s*")  # a cell left blank on purpose


def _goods_go_on(geom: PageGeometry, cells: Sequence[tuple[int, float | None]], at: int) -> bool:
    """The column's cells go on under cell `at` at the spacing of those above it with a
    smaller amount: `at` is one more line of goods, not their total."""
    j, amount = cells[at]
    step = (geom.cy[j] - geom.cy[cells[0][0]]) / max(at, 1)
    return any(
        a is not None and a < (amount or 0.0) and geom.cy[k] - geom.cy[j] <= 1.5 * step
        for k, a in cells[at + 1 :]
    )


def _cell_amount(text: str) -> tuple[bool, float | None]:
    """Whether a unit's text is a cell of a column of amounts, and its amount (None for a
    placeholder: `***`, `—`, nothing charged on that line)."""
    if PLACEHOLDER.fullmatch(text):
        return True, None
    got = typed_value(text, "amount")
    if got is None:
        return False, None
    try:
        return True, float(str(got[2]))
    except ValueError:
        return False, None


def _sum_cell(
    geom: PageGeometry, column: Sequence[int], facts: PageFacts | None = None
) -> int | None:
    """The cell of a column of amounts (the cells under its header, top first) that equals
    the sum of the two or more amounts above it: the column's total, found by its figures
    when the total row's label is misread, hidden, or shares its row with a goods line. A
    placeholder (`***`: nothing charged) counts as zero, so a column of them totals 0.00. A
    total is not followed, at the goods' own spacing, by a smaller amount (goods of 100, 100,
    200, 50: the 200 only happens to be a sum)."""
    cells: list[tuple[int, float | None]] = []  # (unit, amount; None for a placeholder)
    for j in column:
        is_cell, amount = facts.cell(j) if facts is not None else _cell_amount(geom.units[j].text)
        if is_cell:
            cells.append((j, amount))
    total = 0.0
    blanks = 0
    for seen, (j, amount) in enumerate(cells):
        if amount is None:
            blanks += 1
            continue
        if (
            seen >= 2
            and abs(amount - total) <= 0.011 * seen
            and (amount > 0 or blanks == seen)
            and not _goods_go_on(geom, cells, seen)
        ):
            return j
        total += amount
    return None


_DIGITS = LOOK_NAMES.index("digit_frac")
PARA_WIDTH = 6.0  # line heights: lines this wide are lines of running text


def _next_line(geom: PageGeometry, cur: int) -> int:
    """The line under unit `cur` in its column, within 0.9 line heights: the nearest one whose
    top lies below the middle of `cur` (in a dense paragraph the boxes of consecutive lines
    overlap), or -1."""
    b = geom.b
    top = b[cur, 1] + 0.5 * geom.h[cur]
    gap = b[:, 1] - b[cur, 3]
    ok = (geom.xover[cur] > 0.05) & (b[:, 1] > top) & (gap <= 0.9)
    ok[cur] = False
    if not ok.any():
        return -1
    return int(np.argmin(np.where(ok, b[:, 1], np.inf)))


def _grow(
    geom: PageGeometry,
    v: int,
    used: set[int],
    x0: float,
    alt_x: float | None = None,
    probs: dict[int, float] | None = None,
    slope: float = 0.0,
    key: Sequence[int] = (),
    spaced_above: bool = False,
) -> list[int]:
    """Lines carrying a text value on under it: the next line down, close (≤ 0.9 line heights),
    aligned with the value's start, of a similar height, not a label, not another field's
    value, and with nothing printed left of it in the value's column (a new field starts
    there). `alt_x`: a second start to align with (a long line that wraps back to the margin
    under its label). An aligned line the model itself links to the key (`probs` ≥
    `CONTINUE_P`) carries the value on even with text printed left of it (an answer column
    beside another column). `key`: the key's printed label, which a value keeps beside it
    when it wraps onto a line set tight under it (a long name on two small lines right of
    `名　称：`) or runs on as a dense paragraph. `spaced_above`: the value began on a line set
    apart above `v` (a row of its own), so it is not a pair squeezed into the key's row: a line
    set tight under `v` beside the key is the key's own. A value that stands with its key as a
    stacked pair (`stacked_value`) ends where another pair begins under it."""
    pair = any(stacked_value(geom, k) == v for k in key)
    numbered = any(box_label(geom.units[k].text) for k in key)
    out: list[int] = []
    cur = v
    b = geom.b
    probs = probs or {}
    for _ in range(MAX_LINES - 1):
        nxt = _next_line(geom, cur)
        if nxt < 0 or nxt in used or (pair and stacked_value(geom, nxt) >= 0):
            break
        if numbered and box_label(geom.units[nxt].text):
            break  # the next numbered box's label (`33. Billing provider …`)
        # set tight: starting above the bottom of a line long enough to have wrapped
        tight = bool(
            geom.w[cur] >= TIGHT_MIN_WIDTH and b[nxt, 1] < b[cur, 3] and geom.cy[nxt] > b[cur, 3]
        )
        # the second of two lines squeezed into one row (a long name printed small on two
        # lines in `名　称：`'s row: its centre in the lower half of the line above), beside the
        # next row's label, which has a value of its own further right
        squeezed = bool(
            geom.w[cur] >= TIGHT_MIN_WIDTH
            and b[nxt, 1] < b[cur, 3]
            and geom.cy[cur] < geom.cy[nxt] <= b[cur, 3]
        )
        # a line wraps back to the label's margin only from a line that reached about as far
        # right as the next one does, or would have but for the next line's first word (a
        # short entry does not wrap into a long line under it)
        aligned = abs(b[nxt, 0] - x0) <= 1.0 or (
            alt_x is not None
            and abs(b[nxt, 0] - alt_x) <= 1.0
            and geom.keyness[nxt] < 0.5
            and b[cur, 2] + max(WRAP_SHORT, _first_word_width(geom, nxt) + 1.0) >= b[nxt, 2]
        )
        left = int(geom.left_nn[nxt])
        if left in key:
            # the key's label is the nearest run left of the next line, but another label is
            # more in line with it: the line is that label's value (data printed a little
            # high, level with the bottom of the key's wide-set label)
            inline = _in_line_left(geom, nxt)
            if inline >= 0 and inline not in key and geom.looks[inline, 0] > 0:
                break
        if left in key and (
            (tight and spaced_above and cur == v)
            or _beside_another(geom, v, key)
            or (
                tight
                and not _its_value(geom, left, v, slope)
                and _another_labels(geom, v, left, nxt, key)
            )
        ):
            # the key beside the next line while the value's line is another run's (a run
            # close left of it on its row, or one printed above-left whose first line it is):
            # the next line is the key's own, the value was another field's; no growth
            break
        # the key itself beside the next line of a dense paragraph (or of a value set tight)
        # lets it carry on, unless another label stands under the key on that line's height
        under = int(geom.below_nn[left]) if left in key else -1
        beside_key = (left in key and tight) or (
            left in key
            and min(geom.w[v], geom.w[nxt]) >= PARA_WIDTH
            and not (under >= 0 and b[under, 1] < b[nxt, 3])
        )
        if (
            left >= 0
            and left != v
            and not beside_key
            and (left in used or geom.looks[left, 0] > 0)
            and not ((tight or squeezed) and not _its_value(geom, left, nxt, slope))
            and geom.left_gap[nxt] <= 3.0
        ):
            break  # the line is the value of the label (or field) printed left of it
        if header_row(geom, nxt, slope):
            break  # a table's header row ends the value
        if geom.looks[v, _DIGITS] >= 0.5:
            break  # a number, an amount, a date: one line
        if (
            geom.looks[nxt, _DIGITS] >= 0.5
            and _CODE.fullmatch(geom.units[nxt].text.strip())
            and not any(geom.looks[i, _DIGITS] > 0 for i in (v, *out))
        ):
            # a name without a figure does not run on into a code of figures (the next
            # field's tax number, `91510107XCMX926J8B`; not `Ext 1485`)
            break
        if geom.looks[nxt, 0] > 0 or geom.looks[nxt, 2] > 0:
            # a label; a question of the form (a line ending with a question mark, however
            # well the model links it: `Were the quantities appropriate?` under a comment at
            # p 0.82)
            break
        if key and _numbered(geom.units[key[0]].text) and _numbered(geom.units[nxt].text):
            break  # the next box of a numbered form (`5. Purpose of Visit` under `Norwegian`)
        if abs(b[nxt, 0] - x0) > 1.0 and (
            (
                key
                and all(_capitals((geom.units[i].text.split() or [""])[0]) for i in key)
                and _capitals_lead(geom.units[nxt].text)
            )
            or _field_name_cut(geom.units[nxt].text, _names_a_field) is not None
        ):
            # wrapped back to the label's margin: a line that starts as the key's own does, a
            # label in capitals (`GRADUATION DATE June 14, 2024` under `STUDENT NAME Priya
            # Vandersloot`), or with a field's name run into its figure (`成立日期 2019年…`
            # under `注册资本 伍佰万元整`), is the next field
            break
        if aligned and probs.get(nxt, 0.0) >= CONTINUE_P:
            out.append(nxt)
            out += _row_rest(geom, nxt, used | set(out))
            cur = nxt
            continue
        if not aligned:
            break
        if not 0.6 <= geom.h[nxt] / geom.h[v] <= 1.6:
            break
        left = int(geom.left_nn[nxt])
        # text in another column further left (the key's column begins right of it) is not a
        # new field of this one
        lx = min(x0, min(float(b[i, 0]) for i in key)) if key else -1e9
        if (
            left >= 0
            and left not in out
            and left != v
            and lx - 0.5 <= b[left, 2] <= x0 + 0.5
            and not beside_key
            and not (
                (tight and geom.looks[left, 0] > 0 or squeezed)
                and not _its_value(geom, left, nxt, slope)
            )
        ):
            break
        out.append(nxt)
        out += _row_rest(geom, nxt, used | set(out))
        cur = nxt
    return out


WRAP_SHORT = 3.0  # line heights a wrapped line may end short of the line under it


# the scripts written without spaces between words: Han and kana (not Hangul)
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def join_lines(texts: Sequence[str]) -> str:
    """A value's lines as one text: joined by a space, or by nothing between two CJK letters
    (a Chinese name wrapped onto a second line is one word: `北京市凯腾餐饮管理集` +
    `团有限公司第一分公司`)."""
    out = ""
    for t in (t.strip() for t in texts):
        if not t:
            continue
        if out and not (_UNSPACED.match(out[-1]) and _UNSPACED.match(t[0])):
            out += " "
        out += t
    return out


_CODE = re.compile(r"[A-Za-z0-9-]{8,}")  # one token of letters and figures: a number or an ID


def _numbered(text: str) -> bool:
    """A form's numbered box label (`3. Nationality`, `6.车辆品牌`; `fields.ITEM_NUMBER`)."""
    return ITEM_NUMBER.match(text) is not None


def _capitals(word: str) -> bool:
    """`word` is in capitals (Latin letters, most of them upper case: OCR reads `COUNsELOR`)."""
    letters = [c for c in word if c.isalpha() and c.isascii()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _capitals_lead(text: str) -> bool:
    """`text` starts with words in capitals (4 letters or more) and goes on in a word with
    small letters after a capital or in a date (`GRADUATION DATE June 14, 2024`, `COUNsELOR
    Mr. Elias`, `FECHA DE NACIMIENTO 09/12/1996`), or after a question mark or colon, or in a
    check box (`TRAVAILLEZ-VOUS ACTUELLEMENT ? □ OUI`): a label in capitals with its value. Not a
    line all in capitals, nor one that goes on in other figures (an address: `NEW YORK, NY
    10001`, `SUITE 200, Austin TX`)."""
    words = text.split()
    n = 0
    while n < len(words) and _capitals(words[n]):
        n += 1
    if not 0 < n < len(words) or sum(c.isalpha() for w in words[:n] for c in w) < 4:
        return False
    nxt = words[n]
    if nxt[:1].isupper() and any(c.islower() for c in nxt):
        return True
    if nxt[:1] in "?？:：□☐☑☒■◯◉⦿" or words[n - 1][-1:] in "?？:：":
        return True  # a question in capitals and its boxes (`TRAVAILLEZ-VOUS … ? □ OUI`)
    date = parse_date(" ".join(words[n:]))  # (`FECHA DE NACIMIENTO 09/12/1996`)
    return date is not None and date.start == 0


def _first_word_width(geom: PageGeometry, u: int) -> float:
    """The width of `u`'s first word in line heights (its share of the line's characters):
    a word that did not fit at the end of the line above (ragged-right text wraps it)."""
    text = geom.units[u].text.strip()
    if not text:
        return 0.0
    first = text.split()[0]
    return float(geom.w[u]) * (len(first) + 1) / (len(text) + 1)


def _in_line_left(geom: PageGeometry, v: int) -> int:
    """The run most in line with `v` close left of it (within 3 line heights; of two as much
    in line, the nearer), or -1."""
    b = geom.b
    gap = b[v, 0] - b[:, 2]
    ok = (geom.yover[v] > 0.3) & (gap >= -0.5) & (gap <= 3.0)
    ok[v] = False
    if not ok.any():
        return -1
    idx = np.nonzero(ok)[0]
    return int(idx[np.lexsort((gap[idx], -np.round(geom.yover[v, idx], 2)))[0]])


def _beside_another(geom: PageGeometry, v: int, key: Sequence[int]) -> bool:
    """Whether the run most in line with `v` close left of it is not the key's printed
    label: `v` is that run's line."""
    best = _in_line_left(geom, v)
    return best >= 0 and best not in key


ROW_GAP = 1.0  # line heights between the pieces of one line of a value


def _row_rest(geom: PageGeometry, u: int, used: set[int]) -> list[int]:
    """The pieces of a value's line that OCR read apart (a wider space): the units right of
    `u` on its row, each within ROW_GAP line heights of the last, not labels, not taken."""
    out: list[int] = []
    cur = u
    for _ in range(MAX_LINES):
        nxt = int(geom.right_nn[cur])
        if nxt < 0 or nxt in used or nxt in out or geom.right_gap[cur] > ROW_GAP:
            break
        if geom.looks[nxt, 0] > 0 or geom.keyness[nxt] >= 0.5 or geom.yover[cur, nxt] < 0.5:
            break
        out.append(nxt)
        cur = nxt
    return out


CENTS_GAP = 12.0


_DIGIT_GROUPS = re.compile(r"\d{2,}(?:[ -]\d{2,})*")
# groups of digits printed apart, two or more (`9400 1118 9922`): a number set in groups
_GROUPED = re.compile(r"\d{2,}(?:[ -]\d{2,})+")
DIGITS_GAP = 0.8  # line heights between two runs of one number along a row


def _digits_run_on(
    geom: PageGeometry, units: Sequence[Unit], v: int, used: set[int], facts: PageFacts
) -> list[int]:
    """The runs right of `v` along its row that carry on the number it holds: `v` a number
    set in groups of digits (`_GROUPED`), each of them groups of digits alone
    (`_DIGIT_GROUPS`), at most `DIGITS_GAP` line heights apart, none used or a label. (Not
    a number in one run: `7558651504` beside `387`, `10` beside `10`, other fields' figures.)"""
    out: list[int] = []
    if not _GROUPED.fullmatch(units[v].text.strip()):
        return out
    cur = v
    for _ in range(3):
        nxt, gap = facts.row_right(cur)
        if nxt < 0 or gap > DIGITS_GAP or nxt in used or geom.looks[nxt, 0] > 0:
            break
        if not _DIGIT_GROUPS.fullmatch(units[nxt].text.strip()):
            break
        out.append(nxt)
        cur = nxt
    return out


def _with_cents(
    geom: PageGeometry,
    units: Sequence[Unit],
    w: int,
    got: tuple[Span, object, bool],
    ftype: str,
    slope: float,
    label_units: set[int],
    facts: PageFacts | None = None,
) -> tuple[int, tuple[Span, object, bool]]:
    """An amount found along a label's row without cents (`403960` misread from a line of
    words) gives way to one with cents further along the same row (`￥519682.86`), with gaps
    of at most `CENTS_GAP` line heights and before any other label ending with a colon
    (`金额：500  税额：12.50` keeps 500)."""
    if ftype != "amount" or "." in got[0].text:
        return w, got
    nxt = w
    for _ in range(3):
        nxt, gap = facts.row_right(nxt) if facts is not None else row_right(geom, nxt, slope)
        if (
            nxt < 0
            or gap > CENTS_GAP
            or nxt in label_units
            or geom.looks[nxt, 0] > 0  # another label (`税额：`); `（小写）` is passed
        ):
            break
        other = facts.value_of(nxt, ftype) if facts is not None else _value_of(units[nxt], ftype)
        if other is not None and "." in other[0].text:
            return nxt, other
    return w, got


def _its_value(geom: PageGeometry, label: int, v: int, slope: float) -> bool:
    """`v` may be the value of the label (or field) left of it: no other run stands nearer
    and better in line right of it (a line squeezed between two rows is not the lower label's
    value when that label has its own beside it)."""
    j, _ = row_right(geom, label, slope)
    return j in (-1, v)


TIGHT_MIN_WIDTH = 4.0


def _set_tight_above(geom: PageGeometry, v: int) -> np.ndarray:
    """Lines set so tight above `v` that their boxes overlap it by a fifth of a line height or
    more, starting where it starts, long enough to have wrapped, of a similar height and not
    labels: the candidates of `_tight_above` and `_overlapping_above`."""
    b = geom.b
    return (
        (geom.xover[v] > 0.05)
        & (b[:, 3] > b[v, 1] + 0.2 * np.minimum(geom.h, geom.h[v]))
        & (geom.cy < b[v, 1])
        & (np.abs(b[:, 0] - b[v, 0]) <= 1.0)
        & (geom.w >= TIGHT_MIN_WIDTH)
        & (geom.looks[:, 0] == 0)
        & (geom.h / geom.h[v] >= 0.6)
        & (geom.h / geom.h[v] <= 1.6)
    )


def _tight_above(
    geom: PageGeometry, v: int, k: int, used: set[int], pieces: Sequence[int] = ()
) -> list[int]:
    """The first line of a value squeezed onto two lines beside its label `k` when the second
    was chosen: a line set tight above `v` (their boxes overlap by a fifth of a line height or
    more), starting where it starts,
    long enough to have wrapped, not a label nor in `used` (another label's value), with the
    label's middle between the two, and not another run's line (`_beside_another`,
    `_another_labels`; `pieces`: the key's printed label)."""
    b = geom.b
    ok = _set_tight_above(geom, v) & (geom.cy <= geom.cy[k]) & (geom.cy[k] <= geom.cy[v])
    ok[v] = False
    pieces = tuple(pieces) or (k,)
    idx = [
        int(i)
        for i in np.nonzero(ok)[0]
        if int(i) not in used
        and not _beside_another(geom, int(i), pieces)
        and not _another_labels(geom, int(i), k, v, pieces)
    ]
    return [max(idx, key=lambda i: b[i, 3])] if idx else []


def _overlapping_above(
    geom: PageGeometry,
    v: int,
    k: int,
    pieces: Sequence[int],
    probs: dict[int, float],
    taken: set[int],
) -> int:
    """The line the model links best among those whose boxes overlap `v`'s from above by a fifth
    of a line height or more, starting where it starts, both long enough to have wrapped, of a
    similar height, not a label, with the label `k`'s middle at or below theirs and not below
    `v`'s box, and not another label's value (`taken`: after its colon; `_another_labels`)
    (-1: none)."""
    b = geom.b
    if geom.w[v] < TIGHT_MIN_WIDTH:
        return -1
    ok = (
        _set_tight_above(geom, v)
        # the label's middle between the two lines' (a squeezed pair may sit a little high
        # beside a taller label: down to the lower line's bottom)
        & (geom.cy <= geom.cy[k])
        & (geom.cy[k] <= b[v, 3])
    )
    ok[v] = False
    idx = [
        int(i)
        for i in np.nonzero(ok)[0]
        if int(i) not in taken and not _another_labels(geom, int(i), k, v, pieces)
    ]
    return max(idx, key=lambda i: probs.get(i, 0.0)) if idx else -1


def _another_labels(geom: PageGeometry, up: int, k: int, v: int, pieces: Sequence[int]) -> bool:
    """Whether `up` is another run's value rather than the first line of `k`'s value `v`: the
    line under a label printed right above it (a colon, a key to the role model or a short
    run), or the first line in reading order right of a run printed above the label `k` and
    left of `up` (key-like runs, `k` and `v` aside; not one with `k` between it and `up` on
    its row), that run a label the role model may not know (`Remarks` without a colon: 0.05)
    or one that it does (`名称：`)."""
    b = geom.b
    keylike = (geom.keyness >= 0.5) | (geom.looks[:, 0] > 0)
    # a label printed right above `up`, starting where it starts, whose nearest line under it
    # `up` is (`Remarks:` over its note): a key to the role model, or a label-sized run (at
    # most 5 line heights and 0.4 of `up`'s width: `名称` over a name)
    short = (geom.w <= 0.4 * geom.w[up]) & (geom.w <= 5.0)
    # a short run with a label close left of it on its row is that label's value, not a label
    ln = geom.left_nn
    valued = (ln >= 0) & keylike[np.maximum(ln, 0)] & (geom.left_gap <= 12.0)
    short &= ~valued
    over = (keylike | short) & (np.abs(b[:, 0] - b[up, 0]) <= 1.0) & (geom.below_nn == up)
    over &= (b[:, 3] <= b[up, 1] + 0.3) & (geom.below_gap <= 2.0)
    over[list(pieces)] = False
    over[[k, v, up]] = False
    if over.any():
        return True
    others = (geom.cy < geom.cy[k]) & (b[:, 2] <= b[up, 0] + 0.5) & (b[up, 1] - b[:, 3] <= 2.0)
    others &= keylike | ((geom.w <= 5.0) & ~valued)
    others[list(pieces)] = False
    others[[k, v, up]] = False
    for j in np.nonzero(others)[0]:
        if geom.yover[j, k] > 0.3 and b[j, 2] <= b[k, 0] + 0.5 and b[k, 2] <= b[up, 0] + 0.5:
            continue  # the label `k` stands between that run and `up` on its row
        right = ~keylike & (b[:, 0] >= b[j, 2] - 0.5) & (b[:, 3] > b[j, 1])
        right[[j, k, v]] = False
        cand = np.nonzero(right)[0]
        if up not in cand:
            continue
        # the first of them in reading order: the topmost (a lower line may start a little
        # nearer across, and be nearer by distance)
        first = int(cand[np.lexsort((b[cand, 0], np.round(b[cand, 1], 1)))[0]])
        if first == up:
            return True
    return False


def _own_row_start(
    geom: PageGeometry, v: int, k: int, used: set[int], slope: float, facts: PageFacts
) -> list[int]:
    """The run right after the label `k`'s colon (`_after_colon`), when the value chosen is the
    line under that run, wrapped back to the run's start or to the label's margin: the value
    begins on the label's own row (`REFERENCE: Litchfield, J. T. and …` over `and Exper. Ther.,
    90:99, 1948.`), whichever of its lines the model scored higher."""
    r, _ = facts.row_right(k)
    if r < 0 or r == v or r in used or not _after_colon(geom, k, r, slope, facts):
        return []
    if geom.looks[r, _DIGITS] >= 0.5 or _next_line(geom, r) != v:
        return []
    b = geom.b
    if min(abs(b[v, 0] - b[r, 0]), abs(b[v, 0] - b[k, 0])) > 1.0:
        return []
    return [r]


PARA_UP_P = 0.5  # the chosen line's link probability from which `_paragraph_up` climbs


def _paragraph_up(geom: PageGeometry, v: int, k: int, used: set[int]) -> list[int]:
    """The lines of running text above a chosen line `v` of a paragraph, top first: the model
    may score a middle line of a paragraph answer best (the lines of a long comment in a
    table column all score alike, low). Each line joins while it is set at the paragraph's
    pitch (≤ 0.9 line heights apart, or overlapping), starts where the line under it starts,
    is a line of running text (≥ `PARA_WIDTH` line heights, as is `v`) of a similar height,
    not a label nor key-like, not in `used`, and does not start above the label `k`'s own top
    (a paragraph beside or under its label does not climb into the rows above it)."""
    b = geom.b
    if geom.w[v] < PARA_WIDTH or geom.looks[v, _DIGITS] >= 0.5:
        return []
    out: list[int] = []
    cur = v
    for _ in range(MAX_LINES - 1):
        ok = (
            (geom.xover[cur] > 0.05)
            & (b[:, 1] < b[cur, 1])
            & (geom.cy < geom.cy[cur])
            & (b[cur, 1] - b[:, 3] <= 0.9)
            & (np.abs(b[:, 0] - b[cur, 0]) <= 1.0)
            & (geom.w >= PARA_WIDTH)
            & (geom.looks[:, 0] == 0)
            & (geom.keyness < 0.5)
            & (geom.h / geom.h[v] >= 0.6)
            & (geom.h / geom.h[v] <= 1.6)
            & (b[:, 1] >= b[k, 1] - 0.3)
        )
        ok[[cur, k]] = False
        if not ok.any():
            break
        idx = np.nonzero(ok)[0]
        up = int(idx[np.argmax(b[idx, 3])])
        if up in used or up in out or _line_between(geom, up, cur):
            break
        out.insert(0, up)
        cur = up
    return out


def _line_between(geom: PageGeometry, up: int, cur: int) -> bool:
    """Whether another line of `cur`'s column stands between `up` and `cur`: starting below
    `up`'s bottom, its middle above `cur`'s (a line overlapping `cur` from above is not
    `above_nn`)."""
    mid = (geom.cy > geom.cy[up] + 0.15) & (geom.cy < geom.cy[cur] - 0.15)
    mid &= (geom.xover[cur] > 0.05) & (geom.b[:, 1] >= geom.b[up, 3] - 0.1)
    mid[[up, cur]] = False
    return bool(mid.any())


def _row_led(geom: PageGeometry, u: int, pieces: Sequence[int]) -> bool:
    """Whether a run other than the key's `pieces` starts where the key starts (within a line
    height) level with `u`, left of it: `u` is in that run's row of a table or list (the
    result `6.8 ↑` of `空腹血糖`, over `7.2 ↑` beside the key `糖化血红蛋白`)."""
    b = geom.b
    first = min(pieces, key=lambda i: float(b[i, 0]))
    x = float(b[first, 0])
    # where the key was cut from the end of a run (`颜色` out of `8.车身颜色`), the run's start
    for _ in range(4):
        left = int(geom.left_nn[first])
        if left < 0 or geom.left_gap[first] > 0.6 or left in pieces:
            break
        first, x = left, float(b[left, 0])
    ok = (np.abs(b[:, 0] - x) <= 1.0) & (b[:, 2] <= b[u, 0] + 0.5) & (geom.yover[u] > 0.5)
    ok[u] = False
    ok[list(pieces)] = False
    return bool(ok.any())


def _label_left(geom: PageGeometry, u: int, pieces: Sequence[int]) -> bool:
    """Whether a label other than the key's `pieces` stands close left of `u` (within 3 line
    heights, on its row or printed a little above it): `u` is that label's value."""
    b = geom.b
    gap = b[u, 0] - b[:, 2]
    ok = (
        ((geom.looks[:, 0] > 0) | (geom.keyness >= 0.5))
        & (gap >= -0.5)
        & (gap <= 3.0)
        & (b[:, 3] > b[u, 1] - 0.5)
        & (b[:, 1] < b[u, 3])
    )
    ok[u] = False
    ok[list(pieces)] = False
    return bool(ok.any())


def _grow_up(
    geom: PageGeometry,
    v: int,
    k: int,
    pieces: Sequence[int],
    used: set[int],
    probs: dict[int, float],
    taken: set[int],
) -> list[int]:
    """Lines above a chosen value that the model links to the same key as well (the value
    started higher: its first line scored a little lower than a later one), top first; a line
    overlapping from above joins only where no other label owns it (`taken`: other labels'
    colon values; `_overlapping_above`)."""
    out: list[int] = []
    cur = v
    b = geom.b
    figure = geom.looks[v, _DIGITS] >= 0.5
    for _ in range(MAX_LINES - 1):
        up = int(geom.above_nn[cur])
        gap, least = float(geom.above_gap[cur]), UP_P
        if up < 0 or probs.get(up, 0.0) < UP_P:
            # a line set so tight above that the boxes overlap (two small lines squeezed into
            # one row) is not `above_nn`: it joins where the model links it all but surely
            up, gap = _overlapping_above(geom, cur, k, pieces, probs, taken), 0.0
            least = CONTINUE_P
        if up < 0 or up in used or up in taken or gap > 0.9 or probs.get(up, 0.0) < least:
            break  # (a line right after another label's colon is that label's value)
        if abs(b[up, 0] - b[v, 0]) > 1.0 or geom.looks[up, 0] > 0:
            break
        if box_label(geom.units[up].text) and any(box_label(geom.units[p].text) for p in pieces):
            break  # a numbered box's label over the value: another box (`33. Billing …`)
        if _line_between(geom, up, cur):
            break  # growth does not jump over a line (another field's) printed between
        if geom.yover[k, v] > 0.3 and _row_led(geom, up, pieces):
            break  # a value level with its label: the row above has its own label
        if figure and (
            geom.yover[k, v] > 0.3
            or _label_left(geom, up, pieces)
            or _beside_another(geom, up, pieces)
        ):
            # a figure level with its label is its value whole; nor does it take a figure
            # printed over it beside another label or run (a grid's cells); a long number
            # wrapped onto a second line (an account number, an IBAN) joins its first line
            break
        out.insert(0, up)
        cur = up
    return out


def _hit_words(units: Sequence[Unit], h: KeyHit) -> tuple[str, ...]:
    """The words of a printed label (`fields.canonical_words`, brackets dropped)."""
    return canonical_words(" ".join(units[i].text for i in h.pieces), brackets=False)


def _figured(facts: PageFacts, printings: Sequence[tuple[int, ...]]) -> bool:
    """Whether each of a label's printings has an amount as the next run along its row
    (however far: a receipt's figures stand at its right edge)."""
    for pieces in printings:
        w, _ = facts.row_right(pieces[-1])
        if w < 0 or facts.value_of(w, "amount") is None:
            return False
    return True


def _answering(geom: PageGeometry, hs: Sequence[KeyHit], texts: Sequence[str]) -> list[KeyHit]:
    """The printed labels a key is read from, first printed first: its best matches (within 5
    points), less those held inside a longer one that matches as well."""
    if not hs:
        return []
    top = hs[0].score
    # of two printed labels that both match, one inside the other (合计 and 价税合计,
    # "Total" and "Grand Total"), the longer is the more specific: it answers
    near = [h for h in hs if h.score >= top - 5]
    said = {h.unit: "".join(texts[i] for i in h.pieces) for h in near}
    words = {h.unit: canonical_words(" ".join(geom.units[i].text for i in h.pieces)) for h in near}

    def inside(h: KeyHit, g: KeyHit) -> bool:
        if words[h.unit] and words[g.unit]:  # whole words: `Subtotal` holds no `Total`
            return set(words[g.unit]) > set(words[h.unit])
        return len(said[g.unit]) > len(said[h.unit]) and said[h.unit] in said[g.unit]

    near = [h for h in near if not any(inside(h, g) for g in near)]

    # a label printed more than once (a buyer's and a seller's 名称): the first printed
    # is the field (a total's with its figure: the last, `extract_linked`), unless its value
    # is much less likely; printings on one row (tops within half a line height: the
    # seller's box printed a little higher) are read left to right
    def before(a: KeyHit, c: KeyHit) -> int:
        ya = min(geom.b[i, 1] for i in a.pieces)
        yc = min(geom.b[i, 1] for i in c.pieces)
        if abs(ya - yc) > 0.5:
            return -1 if ya < yc else 1
        xa, xc = geom.b[a.pieces[0], 0], geom.b[c.pieces[0], 0]
        return int(xa > xc) - int(xa < xc)

    return sorted(near, key=functools.cmp_to_key(before))


CAPTION_GAP = 1.6  # line heights from a value down to the caption printed under it
CAPTION_WIDE = 2.5  # a run over a label this many times as wide ...
CAPTION_LONG = 12.0  # ... and this many line heights wide is a note or a heading, no value
CAPTION_P = 0.7  # the probability given to the value over a caption on a page of captions
CAPTION_NEXT = 0.3  # the factor for a caption's other candidates
CAPTION_ALIGN = 0.3  # the share of the narrower unit's width a value and its label share
CAPTION_SMALLER = 0.8  # a run over a label in print this much smaller is no value
CAPTION_TALLER = 1.08  # values written over (under) labels stand in print this much taller
CAPTION_PRINT = 0.15  # runs within this share of the labels' height are printed alike
MIN_TALL_PAIRS = 2  # pairs of a label and a taller value that make the print count
MIN_TOPS = 2  # blocks of captions that make a page of captions
TALL_MARGIN = 2  # ... and, decided by the runs printed like the key, this many times the ends


def _caption_of(
    geom: PageGeometry, k: int, up: bool, labels: set[int], taller: bool = False
) -> int:
    """The unit right over (`up`) or under label `k` in its column that may be its value,
    or -1: closer than `CAPTION_GAP` line heights; aligned with it (overlapping
    `CAPTION_ALIGN` of the narrower one's width, or starting within a line height of it);
    not one of `labels`, nor the run after a label on its row; over the label, not a long
    line of text (a note or a heading over a short label) and not in smaller print (the
    reading printed over Japanese letters); not surely a label to the role model, unless
    (`taller`) it is in print taller than `k`'s, which is then required (a value typed or
    written on the line)."""
    j = int(geom.above_nn[k] if up else geom.below_nn[k])
    gap = float(geom.above_gap[k] if up else geom.below_gap[k])
    if j < 0 or gap > CAPTION_GAP or j in labels:
        return -1
    if taller:
        if geom.h[j] < CAPTION_TALLER * geom.h[k]:
            return -1
    elif geom.keyness[j] >= SURE_KEY:
        return -1
    if geom.xover[k, j] < CAPTION_ALIGN and abs(geom.b[k, 0] - geom.b[j, 0]) > 1.0:
        return -1
    if up and (
        geom.w[j] > max(CAPTION_WIDE * geom.w[k], CAPTION_LONG)
        or geom.h[j] < CAPTION_SMALLER * geom.h[k]
    ):
        return -1
    left = int(geom.left_nn[j])
    if left >= 0 and left in labels and geom.left_gap[j] <= COLON_VALUE_GAP:
        return -1  # the value of the label before it on its row
    return j


def _one_each(found: dict[int, int]) -> dict[int, int]:
    """`found` (label → the unit over or under it) without the units found for two labels or
    more: a run spanning two captions (a code block over a row of column headings) is
    neither's value."""
    seen = Counter(v for v in found.values() if v >= 0)
    return {k: v if v >= 0 and seen[v] == 1 else -1 for k, v in found.items()}


def _chain_ends(
    geom: PageGeometry, cands: Sequence[int], labels: set[int], taller: bool
) -> tuple[dict[int, int], dict[int, int], int, int]:
    """The unit over and the one under each of `cands` (`_caption_of`; with `taller`, only
    units in taller print than the label count), and how many of `cands` have a unit over
    them that no label's unit under could be (the tops of blocks of captions) and how many
    a unit under them that no label's unit over could be (the ends of blocks of labels over
    their values)."""
    over = _one_each({k: _caption_of(geom, k, True, labels, taller) for k in cands})
    under = _one_each({k: _caption_of(geom, k, False, labels, taller) for k in cands})
    owned_over = {v for v in over.values() if v >= 0}
    owned_under = {v for v in under.values() if v >= 0}
    tops = sum(1 for k in cands if over[k] >= 0 and over[k] not in owned_under)
    ends = sum(1 for k in cands if under[k] >= 0 and under[k] not in owned_over)
    if not taller:
        # a chain of label, value, label that ends in a blank field: labels over their values
        ends += sum(1 for k in cands if under[k] < 0 and over[k] >= 0 and over[k] in owned_under)
    return over, under, tops, ends


def captions(
    geom: PageGeometry, labels: set[int], requested: set[int] | None = None
) -> tuple[dict[int, int], set[int]]:
    """The requested labels printed as captions under their values, each with the value over
    it, and the page's other captions: a form of fill-in lines with the caption under each
    line (`Name, Vorname` under the name, `Signature` under the signature). `labels`: the
    page's known labels (the requested keys' and the runs naming a known field);
    `requested`: the requested keys' (default: all of `labels`).

    A caption and a label over its value look alike to a pair of units, so the page decides,
    from its labels with no colon whose nearest run further along their row is none, a label,
    or a run printed like them with a taller value over or under it: each has a candidate
    over it and one under it. A reading that leaves a filled-in line no label can own is
    wrong, so a label whose run over it no label's run under could be (the top of a block of
    captions) counts for captions, and against them a label whose run under it no label's run
    over could be (the last row of labels over their values), or one with nothing under it
    whose run over it is another label's run under (labels over values, the last field
    blank). Captions need `MIN_TOPS` and more for them than against. Where fewer than two of
    the requested labels are such labels (a key asked alone) and at least two of the page's
    runs printed like them (no colon, few figures, nothing else on their row) have a run in
    taller print over or under them, those runs decide instead, each with only a run in
    taller print as its value (typed or written larger on the line), and the count for
    captions must be more than `TALL_MARGIN` times the count against. On a page of captions
    each caption is given the run over it, and the runs printed like the labels with a taller
    value over them are captions too: never a value on their caption's row, and no value
    grows into them. Else (and for labels with a colon, or with a value on their row)
    nothing."""

    def colon(k: int) -> bool:  # (or the rest of its label on its row has one: `名` `称：`)
        r = int(geom.right_nn[k])
        return geom.looks[k, 0] > 0 or (
            r in labels and geom.looks[r, 0] > 0 and geom.right_gap[k] <= SPACED_GAP
        )

    bare = [k for k in sorted(labels) if not colon(k)]
    if not bare:
        return {}, set()
    height = float(np.median(geom.h[bare]))
    bare_set = set(bare)
    alike = [
        j
        for j in range(geom.n)
        if j in bare_set
        or (
            j not in labels
            and abs(geom.h[j] - height) <= CAPTION_PRINT * height
            and geom.looks[j, 0] == 0
            and geom.looks[j, _DIGITS] <= PARA_DIGITS
        )
    ]
    # (a run with something else further along its row, its value there, is no caption)
    alike_set = set(alike)
    lone = [k for k in alike if (r := int(geom.right_nn[k])) < 0 or r in labels or r in alike_set]
    tall, tall_under, tall_tops, tall_ends = _chain_ends(geom, lone, labels, taller=True)
    # runs with a taller value over them (captions) or under them (labels over values)
    shaped = {k for k in lone if tall[k] >= 0}
    heads = {k for k in lone if tall_under[k] >= 0}
    free = [
        k
        for k in bare
        if (r := int(geom.right_nn[k])) < 0 or r in labels or r in shaped or r in heads
    ]
    if not free:
        return {}, set()
    asked = [k for k in free if requested is None or k in requested]
    plain, _, tops, ends = _chain_ends(geom, free, labels, taller=False)
    if len(asked) < MIN_TALL_PAIRS and len(shaped | heads) >= MIN_TALL_PAIRS:
        # too few requested labels to decide by: the page's runs printed like them do
        tops, ends = tall_tops, TALL_MARGIN * tall_ends
    if tops <= ends or tops < MIN_TOPS:
        return {}, set()
    # (a label's value in print no taller, `García Morales` over `Apellidos`, is still the
    # one over it)
    over = {k: tall.get(k, -1) if tall.get(k, -1) >= 0 else plain[k] for k in free}
    others = shaped - (labels if requested is None else requested)
    return {k: v for k, v in over.items() if v >= 0}, others


def _score_labels(
    geom: PageGeometry, labels: dict[str, list[KeyHit]], pool: np.ndarray, slope: float = 0.0
) -> dict[int, list[tuple[int, int, float]]]:
    """Each matched label unit's candidates scored by the `keyed` model, all labels of the
    page in one batch (the trees read each row on its own: the same scores as one call per
    label, without the fixed cost of a call per label)."""
    units = list(dict.fromkeys(h.unit for hs in labels.values() for h in hs))
    out: dict[int, list[tuple[int, int, float]]] = {u: [] for u in units}
    model = keyed_model(geom.units)
    for k, v, p in score_pairs(geom, units, pool, model=model):
        out[k].append((k, v, p))
    # the run right of a label on its own row is always a candidate, however far across
    # empty space it stands: on a dense page (a column of labels, a column of values far
    # right) the nearest units by distance are the rows above and below, and the label's own
    # value can be the 13th nearest; not where the run looks like another label
    in_pool = np.zeros(geom.n, dtype=bool)
    in_pool[pool] = True
    extra: list[tuple[int, int]] = []
    # (a label read as one run with its value, `开户行及账号 交通银行…`, has it already)
    whole = dict.fromkeys(h.unit for hs in labels.values() for h in hs if not h.cut)
    for k in whole:
        j, _ = row_right(geom, k, slope)
        if j < 0 or not in_pool[j] or geom.keyness[j] >= 0.5:
            continue  # (another label further along the row is not reached this way)
        if all(v != j for _, v, _ in out[k]):
            extra.append((k, j))
    if extra:
        X = pair_rows(geom, extra)
        for (k, j), p in zip(extra, model.proba(X), strict=True):
            out[k].append((k, j, float(p)))
    return out


def _unclaimed(hits: dict[str, list[KeyHit]], keep: int = 3) -> dict[str, list[KeyHit]]:
    """Each key's `keep` best printed labels, less the one printed label of another requested
    key (its only best match, as it is or in other capitals: `SYNONYM_CAP` or more) where this
    key matches less: with "total" and "total HT" both asked, `Total HT` is the second's
    label. (A key whose best match is printed twice claims neither printing: a second key
    may be read from one of them.)"""
    claimed: dict[int, tuple[float, str]] = {}
    for key, hs in hits.items():
        if not hs or hs[0].score < SYNONYM_CAP or (len(hs) > 1 and hs[1].score >= hs[0].score):
            continue
        h = hs[0]
        if h.score > claimed.get(h.unit, (0.0, ""))[0]:
            claimed[h.unit] = (h.score, key)
    return {
        key: [
            h
            for h in hs
            if h.unit not in claimed or claimed[h.unit][1] == key or h.score >= claimed[h.unit][0]
        ][:keep]
        for key, hs in hits.items()
    }


# an option of `extract_linked`: score, key, the key's unit, the value's unit, span, normalized
# value, whether valid
_Option = tuple[float, str, int, int, Span, object, bool]


def extract_linked(
    doc: Document,
    keys: Sequence[str],
    *,
    find_all: bool = False,
    apart: bool = False,
    fixed: Sequence[str] = (),
) -> dict[str, FieldResult | None]:
    """Values for `keys` by the linker; a key whose label is printed nowhere maps to None (the
    caller may try other means), one with a label but no confident value to a null result.

    `apart`: another requested key's printed label may be a key's value (one value per key
    and each unit one key's value still hold); only the labels printing `fixed` (keys known
    to be keys, not looked up) are never a value. "Extract everything" looks up its candidate
    keys so: many of them are no keys. (Not quite as if each were requested alone: every
    requested label still reads as a key to the pair model, and the values are assigned
    together.)"""
    out: dict[str, FieldResult | None] = {k: None for k in keys}
    specs = []
    cjk_text = any(_CJK.search(ln.text) for p in doc.pages for ln in p.lines)
    for key in keys:
        concept = match_concept(key)
        ftype = concept.type if concept else guess_type(key)
        if COMPOUND_KEY.search(key) or concept is None:
            # "地址、电话", "Name/Phone Ext.": the whole value, not one part; a key of the
            # caller's own (a form's question): its answer as printed
            ftype = "text"
        if ftype == "cn_id" and not cjk_text:
            ftype = "text"  # `ID #` on a document without CJK text: its code, not a 身份证 number
        if "大写" in key and "小写" not in key and (ftype == "amount" or _MONEY_KEY.search(key)):
            ftype = "amount"  # an amount in capital numerals (`合计（大写）`; not `姓名（大写）`)
        labels = [key, *synonyms_for(key, concept)]
        specs.append((key, ftype, labels))
    for page in doc.pages:
        pending = [s for s in specs if out[s[0]] is None or out[s[0]].value is None or find_all]  # type: ignore[union-attr]
        if not pending:
            break
        file_page, page = page, upright_page(page)
        whole = join_spaced_labels(page_units(page), labels=[t for s in pending for t in s[2]])
        units = split_at_keys(whole, [s[0] for s in pending])
        kept = {id(u) for u in whole}
        cut_pieces = {i for i, u in enumerate(units) if id(u) not in kept}
        if not units:
            continue
        frame = file_frame(file_page)
        geom = PageGeometry(units)
        # the units of a slanted page are levelled already (page_units); else the slope is read
        slope = _skew(units) if abs(page_skew(page)) < MIN_SKEW else 0.0
        texts = [_norm(u.text) for u in units]
        field_named = [is_field_name(u.text) for u in units]
        # runs that start with a known field's name run into its figure (`成立日期 2019年…`)
        field_led = [_field_name_cut(u.text, _names_a_field) is not None for u in units]
        # (all requested keys, not only those still pending: `Città` found on an earlier
        # page still begins another field in `Codice Postale Città`)
        normed = [_norm(s[0]) for s in specs]
        # (every requested key's printed labels, not only those still pending: `Total HT`
        # on page 2 is still "total HT"'s label when that key was answered on page 1; for
        # those, only the key as printed, which is all that claims a label)
        waiting = {s[0] for s in pending}
        printed = {
            key: find_keys(
                geom, labels, texts, [k for k in normed if k != _norm(key)], frozenset(cut_pieces)
            )
            if key in waiting
            else _find_keys(geom, [key], texts, [k for k in normed if k != _norm(key)])
            for key, _, labels in specs
        }
        unclaimed = _unclaimed(printed)
        # the keys whose printed labels are all other keys'
        claimed_away = {
            s[0]: printed[s[0]][0] for s in pending if printed[s[0]] and not unclaimed[s[0]]
        }
        for key, _, labels in pending:
            if key in claimed_away and len(labels) > 1:
                # the key's own printings are all other keys' labels: its synonyms are
                # searched too, printed as they are ("total" beside "subtotal": `Total HT`
                # is the subtotal's, `Total TTC` the total's; not a kind-only synonym, an
                # `Amount` column's header)
                printed[key] = [
                    h
                    for h in _find_keys(geom, labels, texts, [k for k in normed if k != _norm(key)])
                    if h.score >= SYNONYM_CAP
                ]
        if claimed_away:
            unclaimed = _unclaimed(printed)
        hits = {key: unclaimed[key] for key, _, _ in pending}
        fixed_hits = [
            find_keys(geom, [f], texts, [k for k in normed if k != _norm(f)], frozenset())[:3]
            for f in fixed
        ]
        # a key that names a table's column and row (`女方姓名`: the `女方` column, the `姓名`
        # row; "2023 Revenue"), printed nowhere whole: the cell where they cross
        cells: dict[str, int] = {}
        for key, _, _ in pending:
            if not any(h.score >= 100.0 for h in hits[key]):
                crossing = _table_cell(geom, key, texts)
                if crossing is not None:
                    row, col, cells[key] = crossing
                    hits[key] = [KeyHit(row, (col, row), 100.0)]

        def read_from(found: Iterable[list[KeyHit]]) -> set[int]:
            # the labels each key is read from (its best matches); a weaker match of one key
            # may still be another key's value ("3 cartons" under the key "Laboratory", key
            # "Cartons")
            return {
                i
                for hs in found
                for h in hs
                if h.score >= hs[0].score - LABEL_MARGIN
                for i in h.pieces
            }

        label_units = read_from([*hits.values(), *fixed_hits])
        if label_units:  # the requested keys' printed labels are keys
            keyness = geom.keyness.copy()
            keyness[sorted(label_units)] = 1.0
            geom.set_keyness(keyness)
        if apart:
            # only the fixed labels are never a value (a key's own label never is its own).
            # The requested keys' labels still read as keys to the pair model: left at the
            # role model's reading, extract everything's second pass scored 0.624 / 0.610
            # on FUNSD dev's halves against 0.625 / 0.616 (kv_links: better on zh and ja,
            # worse on the Latin-script files)
            label_units = read_from(fixed_hits)
        # the candidates are the units that are not a requested key's printed label (a column
        # of labels under the key must not fill its candidate list: a value far right across
        # empty space is still reached)
        pool = np.array([i for i in range(geom.n) if i not in label_units], dtype=np.int64)
        options: list[_Option] = []
        whole_keys: set[str] = set()  # keys with a value linked to a whole printing
        probs: dict[tuple[str, int], dict[int, float]] = {}
        owners = colon_values(geom, slope)
        facts = PageFacts(geom, texts, slope)
        answering = {key: _answering(geom, hits[key], texts) for key, _, _ in pending}
        scores = _score_labels(geom, answering, pool, slope)
        named = {i for i, f in enumerate(field_named) if f}
        typed = facts.typed_labels()
        typed_value_of = {w: u for u, w in typed.items()}
        over, form_labels = (
            captions(geom, label_units | named, label_units) if not apart else ({}, set())
        )
        for key, ftype, _ in pending:
            near_top = answering[key]
            capital = ftype == "amount" and "大写" in key  # (`合计（大写）`: in words)
            dated = ftype in TEXT_TYPES and names_a_date(key)
            printings = list(dict.fromkeys(h.pieces for h in near_top))
            concept = match_concept(key)
            if (
                concept is not None
                and concept.name == "total"
                and len({"".join(texts[i] for i in p) for p in printings}) == 1
                and _figured(facts, printings)
            ):
                # the same total label printed twice with its figure (before and after a tip,
                # a deposit or a discount line): the last printed is what is due (not a
                # form's blank copy; not `Net à payer` after `Total TTC`, another label)
                printings.reverse()

            for h in near_top:
                first = LATER_PRINTED ** printings.index(h.pieces)
                match = (h.score / 100.0) ** 2 * first
                if key in cells:
                    # the cell where the key's column and row cross, and nothing else
                    got = facts.value_of(cells[key], ftype)
                    if got is not None:
                        sp, norm, valid = got
                        score = TABLE_CELL_P * match - 1e-6 * h.unit
                        options.append((score, key, h.unit, cells[key], sp, norm, valid))
                    continue
                scored = scores.get(h.unit, [])
                probs[(key, h.unit)] = {v: p for _, v, p in scored}
                if h.unit in over:
                    # a caption under its value (`captions`): the value over it first (the
                    # next caption's value under it, the next caption along its row, after)
                    top = over[h.unit]
                    scored = [
                        (k, v, max(p, CAPTION_P) if v == top else p * CAPTION_NEXT)
                        for k, v, p in scored
                    ]
                    if all(v != top for _, v, _ in scored):
                        scored.append((h.unit, top, CAPTION_P))
                    probs[(key, h.unit)][top] = max(probs[(key, h.unit)].get(top, 0.0), CAPTION_P)
                own_value = False
                if h.cut:
                    ref: Span = units[h.unit].ref
                    rest = Unit(
                        ref.text[h.cut :],
                        units[h.unit].box,
                        page.index,
                        Span(ref.line, ref.start + h.cut, ref.end, ref.page),
                    )
                    got = _capital_amount(rest, h.unit, facts, True) if capital else None
                    got = got or _value_of(rest, ftype)
                    if got is None and ftype in BESIDE_TYPES:
                        # `出生年月 1997.12`, `Telephone 6926` read as one run
                        got = _beside_value(rest, ftype)
                    if got is None and ftype == "amount":
                        got = _capital_amount(rest, h.unit, facts)  # `注册资本 伍佰万元整`
                    if got is not None:
                        sp, norm, valid = got
                        # figures run on right after the label ("No 20215394") are its value
                        # and so is the entry written on the label's fill-in line (`Date_…`)
                        own = 1.0 if rest.text.lstrip()[:1].isdigit() else SAME_UNIT
                        if _FILL_SEP.match(units[h.unit].text) and h.score == FILL_MATCH:
                            own = 1.0
                        score = own * match - 1e-6 * h.unit
                        options.append((score, key, h.unit, h.unit, sp, norm, valid))
                        own_value = True
                        if h.unit not in cut_pieces:
                            whole_keys.add(key)
                # per printing: the run after its colon on its row (a value however much it
                # looks like a field's name), and for a match with a generic word less, the
                # words its value must fit
                colon_right = facts.row_right(h.unit) if geom.looks[h.unit, 0] > 0 else (-1, 0.0)
                numbered = _numbered(units[h.pieces[0]].text)
                fits = (canonical_words(key), _hit_words(units, h)) if h.generic else None
                for _, v, p in scored:
                    if v in label_units or v in h.pieces or facts.header_row(v):
                        continue  # a label is never a value
                    if dated and not looks_dated(units[v].text):
                        p *= UNDATED  # a date's label over a run with no figure in it
                    if v in form_labels and geom.yover[h.unit, v] >= 0.5:
                        continue  # nor another caption of the label's row (a page of captions)
                    if _sibling_header(geom, h.unit, v) or _pair_grid(geom, h.unit, v, label_units):
                        continue  # the next column's header, not the cell under the key
                    if _heads_fields(geom, h.unit, v):
                        continue  # a block's heading far along the row, over fields of its own
                    if _row_sibling(geom, h.unit, v, facts):
                        continue  # the next label down a column of labels with far values
                    caption_value = h.unit in over and v == over[h.unit]
                    if _mid_paragraph(geom, h.unit, v) and not caption_value:
                        p *= CARRIED  # a line inside another answer's paragraph
                    if ftype not in TEXT_TYPES and v == facts.first_cell(h.pieces, ftype):
                        # the first typed cell down a table header's column (only placeholders
                        # above it): the column's value however far down (its total, below)
                        p = max(p, COLUMN_CELL_P)
                    if own_value and (geom.keyness[v] >= 0.5 or h.score == RUN_ON_MATCH):
                        # (a key run on into its value over a space, `Authorized by Dr.
                        # Connie Stone`: the rest of its line comes first, not the next field)
                        p *= KEYLIKE_BESIDE_OWN
                    after_colon = _after_colon(geom, h.unit, v, slope, facts)
                    if after_colon:
                        # `label：value` that OCR read as two runs: as if read as one line
                        p = max(p, SAME_UNIT)
                    elif owners.get(v, h.unit) not in h.pieces:
                        # the run right after another label's colon is its (all but ruled out
                        # where that label is not requested: nothing else will take it)
                        p *= OTHER_LABEL if owners[v] in label_units else CARRIED
                    beside_colon = after_colon or (
                        colon_right[0] == v and colon_right[1] <= COLON_VALUE_GAP
                    )
                    if not apart and v in typed and not set(h.pieces) & {v, typed[v]}:
                        # a typed field's name with its value after it (`联系电话
                        # 13812345678` right of an empty `备注：`): another field's label,
                        # however near the key's colon
                        continue
                    if not apart and v in typed_value_of and typed_value_of[v] not in h.pieces:
                        # that field's value (`555-0182` after `Phone`): all but ruled out
                        p *= OTHER_LABEL if typed_value_of[v] in label_units else CARRIED
                    if not apart and field_named[v] and not beside_colon:
                        # a run that says a known field's name and nothing else (`SHIP TO`,
                        # `Last name`; `fields.is_field_name`) is another field's label: its
                        # link counts `FIELD_NAME` as much (a value in capitals the role
                        # model takes for a label, `BEATRIZ` under `First name`, still wins;
                        # not the run after the key's colon on its row: `Shipping Method:
                        # Courier`, `Document Type:   Invoice`)
                        p *= FIELD_NAME
                    elif caption_value:
                        pass  # the value over a caption, however it looks (`captions`)
                    elif (
                        not apart
                        and geom.keyness[v] >= SURE_KEY
                        and stacked_value(geom, h.unit) != v
                    ):
                        # a run the role model is sure is a label (another field's, not
                        # requested) is seldom a value, even right after the key's colon: its
                        # link counts `LABEL_LIKE` as much (not the run the key stands over
                        # as a stacked pair, `c Employer's name` over the name in capitals)
                        p *= LABEL_LIKE
                    elif not apart and field_led[v] and not beside_colon:
                        # another field's label with its value (`成立日期 2019年08月23日`
                        # under `注册资本 伍佰万元整`)
                        p *= LABEL_LIKE
                    elif not apart and numbered and _numbered(units[v].text) and not beside_colon:
                        # on a form that numbers its boxes, the next box's label (`4. Passport
                        # Number` beside `3. Nationality`, `7. Duration of Stay (days) 14`)
                        p *= LABEL_LIKE
                    if fits is not None and not generic_fits(*fits, units[v].text):
                        continue  # "customer number" under `Customer: Globex`
                    got = _capital_amount(units[v], v, facts, True) if capital else None
                    in_words = got is not None
                    if capital and got is None:
                        p *= ROW_FORM  # figures where the capital numerals are asked for
                    got = got or facts.value_of(v, ftype)
                    if got is None and ftype in BESIDE_TYPES:
                        got = _typed_beside(geom, h.pieces, v, facts, ftype)
                    w = v
                    label_like = geom.looks[v, 0] > 0  # ends with a colon: another label
                    if got is None and p >= 0.5 and ftype not in TEXT_TYPES and not label_like:
                        # the value printed twice along its row, in words then in figures
                        # (价税合计（大写）⊗叁仟…（小写）￥3495.00): the typed form further right
                        for _ in range(3):
                            gap = float(geom.right_gap[w])
                            w = int(geom.right_nn[w])
                            if w < 0 or gap > 30:
                                break
                            got = facts.value_of(w, ftype)
                            if got is not None:
                                p *= ROW_FORM
                                break
                    if got is None and ftype == "amount" and not label_like:
                        # in Chinese capital numerals only (`伍佰万元整` beside `注册资本`)
                        got = _capital_amount(units[v], v, facts)
                        w = v
                    slack = 1.5  # line heights a cell may stand beside its column's header
                    if got is None and ftype == "amount":
                        # a column whose cells hold no figure (`***`, `—`: nothing charged)
                        # still has its total under them; a placeholder belongs to no other
                        # column, so it may stand further off its header (misprinted data)
                        w = v
                        if PLACEHOLDER.fullmatch(units[v].text):
                            slack = 3.0
                    elif got is None or w < 0:
                        continue
                    if ftype == "amount" and not in_words:
                        if got is not None:
                            w, got = _with_cents(
                                geom, units, w, got, ftype, slope, label_units, facts
                            )
                        t = _column_total(geom, texts, h.pieces, w, slope, slack, facts)
                        got_t = facts.value_of(t, ftype) if t is not None else None
                        if t is not None and got_t is not None:
                            w, got = t, got_t
                    if got is None:
                        continue
                    sp, norm, valid = got
                    # the key's match and its position in reading order break ties
                    score = p * match - 1e-6 * h.unit
                    options.append((score, key, h.unit, w, sp, norm, valid))
                    if h.unit not in cut_pieces and p >= WHOLE_FIRST:
                        whole_keys.add(key)
                if ftype not in TEXT_TYPES and not capital:
                    # the first typed value further along the label's own row, past words and
                    # bracketed qualifiers (价税合计（大写）⊗叁仟…（小写）￥3495.00)
                    w = h.unit
                    for _ in range(4):
                        w, gap = facts.row_right(w)
                        if w < 0 or gap > 30 or w in label_units:
                            break
                        got = facts.value_of(w, ftype)
                        if got is not None:
                            if fits is not None and not generic_fits(*fits, units[w].text):
                                break
                            w, got = _with_cents(
                                geom, units, w, got, ftype, slope, label_units, facts
                            )
                            sp, norm, valid = got
                            score = KEY_ROW_P * match - 1e-6 * h.unit
                            options.append((score, key, h.unit, w, sp, norm, valid))
                            break
        if cut_pieces:
            # a key printed whole ranks above a printing cut out of another line: the cut one
            # is read only where no whole printing has a value (a heading or a sentence that
            # happens to hold the key's words is not its label)
            options = [o for o in options if o[2] not in cut_pieces or o[1] not in whole_keys]
        options.sort(key=lambda o: -o[0])
        if not apart:
            # (not for extract everything's candidate keys: many of them are no keys, and an
            # assignment that gives more of them a value is no better reading)
            options = _assigned_first(options)
        done: set[str] = set()
        used: set[int] = set()
        for score, key, k, v, sp, norm, valid in options:
            if key in done or v in used:
                continue
            done.add(key)
            ftype = next(s[1] for s in specs if s[0] == key)
            res = FieldResult(name=key, type=ftype, method="linker")
            res.label = " ".join(
                units[i].text for i in next(h.pieces for h in hits[key] if h.unit == k)
            )
            if score < MIN_CONFIDENCE:
                res.reason = f"no value linked to the label with confidence ≥ {MIN_CONFIDENCE} (best {score:.2f})"
                res.settle_confidence(max(score, 0.0))
                res.page = page.index + 1
                prev = out[key]
                if prev is None or prev.value is None:
                    out[key] = res
                continue
            used.add(v)
            spans = [sp]
            # a figure (an amount, a date, a code) cut from its label's own line is one line
            # (`This Amount-14,165.00`); a figure on a line of its own grows as `_grow_up`
            # and `_grow` allow (a long number wrapped onto a second line)
            figure = v == k and text_look(sp.text)[_DIGITS] >= 0.5
            if ftype in ("text", "address", "company") and not figure:
                pieces = next(h.pieces for h in hits[key] if h.unit == k)
                taken = {u for u, o in owners.items() if o != k}  # other labels' values
                link = probs.get((key, k), {})
                above = _grow_up(
                    geom, v, k, pieces, used | label_units | form_labels | {k}, link, taken
                )
                if not above:
                    above = _tight_above(
                        geom, v, k, used | label_units | form_labels | taken, pieces
                    )
                if not above:
                    above = _own_row_start(
                        geom, v, k, used | label_units | form_labels | taken, slope, facts
                    )
                # and the lines of running text above the first one so far (a paragraph)
                top = above[0] if above else v
                # (only where the model links the chosen line with confidence: a paragraph
                # it links weakly is likely not the answer, and more of it is no better)
                if link.get(v, 0.0) >= PARA_UP_P:
                    above = (
                        _paragraph_up(geom, top, k, used | label_units | form_labels | taken | {k})
                        + above
                    )
                # a value on its label's own long line may wrap back to the margin
                same_line = units[v].ref.line is units[k].ref.line
                wide = geom.b[k, 2] - geom.b[k, 0] + geom.w[v] >= 12
                alt = float(geom.b[k, 0]) if same_line and wide else None
                # where the value itself starts, in the units' (levelled) frame
                start = span_geometry(sp)[0][0] - span_geometry(units[v].ref)[0][0]
                x0 = float(geom.b[v, 0]) + start / geom.lh
                # the value began on a line set apart above (not overlapping) `v`
                spaced = bool(above) and geom.b[v, 1] >= geom.b[above[-1], 3]
                more = _grow(
                    geom,
                    v,
                    used | label_units | form_labels,
                    x0,
                    alt,
                    probs.get((key, k), {}),
                    slope,
                    pieces,
                    spaced,
                )
                used.update(above + more)
                spans = [units[m].ref for m in above] + spans + [units[m].ref for m in more]
            last, ref = spans[-1], units[v].ref
            if ftype in ("text", "number") and last.line is ref.line and last.end >= ref.end:
                # a long number OCR read as two runs along its row (`9400 1118 9922` `3344
                # 5566 77`)
                run = _digits_run_on(geom, units, v, used | label_units | form_labels, facts)
                used.update(run)
                spans += [units[m].ref for m in run]
                if run and ftype == "number":
                    norm = re.sub(r"\s", "", " ".join(s.text for s in spans))
            res.value = join_lines([s.text for s in spans])
            res.normalized, res.valid = norm, valid
            if not valid:
                res.raw, res.value, res.reason = res.value, None, _reject_reason(ftype)
            fill_geometry(res, spans)
            _to_file_frame(res, file_page, frame)
            res.settle_confidence(score)
            prev = out[key]
            if prev is None or prev.value is None:
                out[key] = res
            elif find_all:
                prev.others = [*(prev.others or []), res.to_dict()]
        for key, _, _ in pending:
            if out[key] is None and (hits[key] or key in claimed_away):
                h = hits[key][0] if hits[key] else claimed_away[key]
                out[key] = FieldResult(
                    name=key,
                    type=next(s[1] for s in specs if s[0] == key),
                    method="linker",
                    page=page.index + 1,
                    label=units[h.unit].text,
                    reason="the label is printed but no value candidate was found"
                    if hits[key]
                    else "its printed label is another requested key's",
                )
    _date_order(doc, [r for r in out.values() if r is not None])
    return out


# what the one assignment must gain a pair it changes to replace the greedy reading
ASSIGN_KEEP = 0.05


def _assigned_first(options: list[_Option]) -> list[_Option]:
    """`options` (sorted by score, best first) with the one assignment of keys to values that
    maximises the summed scores put first (each key one value, each value one key's; only
    options of `MIN_CONFIDENCE` or more), the rest after them in their order: the greedy pass
    over them takes the assignment, and a key whose value another key's value grew into
    falls back to its next option."""
    best: dict[tuple[str, int], int] = {}
    for i, o in enumerate(options):
        if o[0] >= MIN_CONFIDENCE:
            best.setdefault((o[1], o[3]), i)
    if not best:
        return options
    keys = sorted({k for k, _ in best})
    vals = sorted({v for _, v in best})
    ki = {k: i for i, k in enumerate(keys)}
    vi = {v: i for i, v in enumerate(vals)}
    m = np.zeros((len(keys), len(vals)))
    for (k, v), i in best.items():
        m[ki[k], vi[v]] = options[i][0]
    # the greedy reading (each key its best value not yet taken, best first) is kept unless
    # the assignment gains more than `ASSIGN_KEEP` a changed pair: ties and near-ties (the
    # same label asked twice, `Supplier(s)` and `Supplier (s)`) stay in reading order
    taken_k: set[str] = set()
    taken_v: set[int] = set()
    for (k, v), _ in sorted(best.items(), key=lambda kv: kv[1]):
        if k not in taken_k and v not in taken_v:
            taken_k.add(k)
            taken_v.add(v)
            m[ki[k], vi[v]] += ASSIGN_KEEP
    chosen = {best[(keys[r], vals[c])] for r, c in max_assignment(m) if m[r, c] > 0}
    return [options[i] for i in sorted(chosen)] + [
        o for i, o in enumerate(options) if i not in chosen
    ]


def _date_order(doc: Document, results: Sequence[FieldResult]) -> None:
    """All-numeric dates follow the document's day/month convention (`dates.py`)."""
    dated = [r for r in results if r.value and r.type == "date"]
    if not dated:
        return
    order, why = dates.convention(ln.text for p in doc.pages for ln in p.lines)
    for r in dated:
        iso, note = dates.resolve(r.value or "", order)
        if iso is not None:
            r.normalized = iso
            if note:
                r.reason = f"{note}: {why}"


# line heights: a linked unit is in the value's column only when its left edge, centre or right
# edge lies this close to the value's (a paragraph of another field that merely overlaps the
# column is not: `September 26, 1995` + `(submit by 30 days after event)` under it)
COLUMN_ALIGN = 2.0


def _aligned(geom: PageGeometry, v: int, w: int) -> bool:
    """`v` and `w` share a left edge, a centre or a right edge (`COLUMN_ALIGN`)."""
    b = geom.b
    return (
        min(
            abs(b[v, 0] - b[w, 0]),
            abs(geom.cx[v] - geom.cx[w]),
            abs(b[v, 2] - b[w, 2]),
        )
        <= COLUMN_ALIGN
    )


def _block_of(
    geom: PageGeometry,
    k: int,
    by_key: dict[int, list[tuple[int, float]]],
    own: int | None,
    slope: float = 0.0,
    scores: dict[int, float] | None = None,
    claimed: set[int] | None = None,
) -> list[tuple[int, float]]:
    """The value of key `k` among the units the model linked to it (`by_key[k]`: unit and
    probability): the rest of the key's own `label: value` line (`own`) or else the likeliest
    one, with the lines above and under it that carry it on as a block (`_grow_up`, `_grow`:
    aligned, close, not another key or another key's value), then the other linked units down
    its column. The model may link several separate runs to one key (a label and a date
    further along, `RECEIVED 25-84 APR 2 1984`): joined, they were no value anyone printed.
    `scores`: the model's probability for each of the key's candidates, linked or not; the
    growth reads them as it does for a named key (a paragraph's first line scored 0.46, under
    the link threshold, beside its second line's 0.55, joins as a line above, `UP_P`), except
    upwards from a value level with its key (a line above it is above the key too). `claimed`:
    the lines earlier keys' values took, which no growth takes again."""
    best, p_best = max(by_key[k], key=lambda t: (t[0] == own, t[1], -t[0]))
    probs = dict(by_key[k])
    grow_probs = {**(scores or {}), **probs}
    up_probs = probs if geom.yover[k, best] > 0.3 else grow_probs
    others = {v for kk, vs in by_key.items() if kk != k for v, _ in vs}
    used = set(by_key) | others | (claimed or set())
    # the value's other runs on its row that the model links to the key too (`John` `Smith`)
    row = [best]
    while (nxt := int(geom.right_nn[row[-1]])) in probs and nxt not in row:
        if geom.right_gap[row[-1]] > 1.0 or nxt in used or geom.keyness[nxt] >= 0.5:
            break
        row.append(nxt)
    if best == own and geom.looks[best, _DIGITS] >= 0.5:
        block = row  # a figure on its label's own line is one line (as for named keys)
    else:
        more = _grow(
            geom, row[-1], used | set(row), float(geom.b[best, 0]), None, grow_probs, slope, (k,)
        )
        above = _grow_up(geom, best, k, (k,), used | set(row) | set(more), up_probs, others)
        block = [*above, *row, *more]
    # and the other linked units in the value's column, above or under the block (a column
    # header's cells, the lines of a cipher block): a column is one value, read top to bottom
    # (the block keeps its own order: runs of one row stay left to right)
    top, low = geom.b[block[0], 1], geom.b[block[-1], 3]
    column = sorted(
        (
            v
            for v in probs
            if v not in block and geom.xover[v, best] > 0.5 and _aligned(geom, v, best)
        ),
        key=lambda v: geom.b[v, 1],
    )
    over = [v for v in column if geom.b[v, 3] <= top]
    under = [v for v in column if geom.b[v, 1] >= low]
    return [(m, probs.get(m, p_best)) for m in [*over, *block, *under]]


# "Extract everything", second pass: a unit the role model reads as a key at least this
# likely (`PageGeometry.keyness`) to which the pair model linked no value is looked up as a
# named key is (`extract_linked`, apart: another candidate's label may be its value). The pair
# model alone left about a third of FUNSD's annotated questions without a value (`Brand`,
# `INITIATED BY:` …); named, about half of those were found.
KEY_CANDIDATE = 0.3
# a second-pass value whose first run the role model reads as a key this surely is another
# label (`购买方` → `销售方`); a weaker reading may be a value set like a header
SURE_KEY = 0.9
# boxes lying this much inside one another (the smaller's share) hold the same text
VALUE_OVERLAP = 0.5


def _overlap(a: Sequence[float], b: Sequence[float]) -> float:
    """The share of the smaller of boxes `a` and `b` that lies inside the other."""
    shared = overlap_area(a, b)
    if shared <= 0:
        return 0.0
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return shared / small if small > 0 else 0.0


def _down_the_column(key: Sequence[float], value: Sequence[float], label: str, text: str) -> bool:
    """Whether `value` (one or two Han letters) carries on a Han `label` written down its
    column (`key` taller than wide): right under it, in its column, closer than half a
    letter."""
    kw, kh = key[2] - key[0], key[3] - key[1]
    vw, vh = value[2] - value[0], value[3] - value[1]
    if not (1 <= len(text.strip()) <= 2 and _han(text.strip())) or kh < 1.5 * kw:
        return False
    if not _han(label.strip().rstrip(":：")):
        return False
    across = min(key[2], value[2]) - max(key[0], value[0])
    return across >= 0.5 * min(kw, vw) and -0.2 * vh <= value[1] - key[3] <= 0.5 * min(vw, vh)


def _label_name(text: str) -> str:
    """A printed label as "extract everything" names its pair: without its colon."""
    return text.strip().rstrip(":：").strip() or text


MATE_ALIGN = 0.5  # line heights between the left edges of two labels of one column
MATE_ROWS = 2.5  # line heights from one label of the column to the next, centre to centre
MATE_VALUE_ALIGN = 1.0  # line heights between the left edges of their values
MATE_WORDS = 4  # the most words of such a label
TABLE_ROW = 6  # runs on one row that make it a table's row (its first cell is no label)


def _column_mates(geom: PageGeometry, linked: dict[int, list[tuple[int, float]]]) -> set[int]:
    """For "extract everything": the runs that stand in a column of labels, each with its
    value along its row (a form's right-hand column `Service Date`, `VIN`, `Technician`, each
    with its entry further right), though the role model reads them as values and they name
    no known field. A run is such a label where it starts within `MATE_ALIGN` line heights of
    a label of the page (a first-pass key, a unit the role model reads as a key, a known
    field's name, or another such run) on the row above or below (`MATE_ROWS`), and the runs
    right of the two on their rows start within `MATE_VALUE_ALIGN` of each other. The run has
    no colon (that one is a label already), at most `MATE_WORDS` words, letters and few
    figures; what stands right of it is no label (read as a key, or naming a known field, or
    itself linked to a value); its row holds fewer than `TABLE_ROW` runs (the first cells of a
    table's rows, a goods column, are no labels)."""
    n = geom.n
    b = geom.b
    right = np.array([row_right(geom, i)[0] for i in range(n)], dtype=np.int64)
    named = np.array([_names_a_typed_field(u.text) for u in geom.units], dtype=bool)
    labels = (geom.keyness >= KEY_CANDIDATE) | named
    labels[list(linked)] = True
    row_n = (geom.yover > 0.5).sum(1)
    cands = []
    for u in range(n):
        text = geom.units[u].text
        r = int(right[u])
        if labels[u] or r < 0 or r in linked or geom.keyness[r] >= 0.5 or named[r]:
            continue
        if geom.looks[u, 0] > 0 or geom.looks[u, _DIGITS] > PARA_DIGITS:
            continue
        if len(text.split()) > MATE_WORDS or not any(ch.isalpha() for ch in text):
            continue
        if row_n[u] >= TABLE_ROW:
            continue
        cands.append(u)
    seeds = labels & (right >= 0)
    value_x = np.where(right >= 0, b[np.maximum(right, 0), 0], np.inf)
    mates: set[int] = set()
    grown = True
    while grown:
        grown = False
        for u in cands:
            if u in mates or int(right[u]) in mates:
                continue
            near = (
                seeds
                & (np.abs(b[:, 0] - b[u, 0]) <= MATE_ALIGN)
                & (np.abs(geom.cy - geom.cy[u]) <= MATE_ROWS)
                & (np.abs(value_x - b[int(right[u]), 0]) <= MATE_VALUE_ALIGN)
            )
            near[u] = False
            if near.any():
                mates.add(u)
                seeds[u] = True
                grown = True
    return mates


def _named_pass(
    band: Page,
    geom: PageGeometry,
    units: Sequence[Unit],
    keys: Sequence[int],
    first: list[FieldResult],
    linked: dict[int, list[tuple[int, float]]] | None = None,
) -> list[tuple[FieldResult, tuple[float, float, float, float]]]:
    """The second pass of "extract everything" on one band: new pairs, each with its label's
    box. The candidates are the units the role model reads as keys (`KEY_CANDIDATE`) that are
    neither a first-pass key (`keys`) nor inside a first-pass value (`first`: the first pass's
    pairs). Each is looked up as a named key (`extract_linked(..., apart=True)`): a candidate
    is often no key, so another candidate may be its value, but a first-pass label never is.
    Then, likeliest first, a pair is kept unless its value begins with a unit surely read as
    a key (`SURE_KEY`) or lies on a kept pair's key or value, or its key lies on a kept value;
    the first pass's pairs are kept as they are. A label printed twice is looked up once (its
    likelier printing), as a named key is. Boxes are compared in the units' frame (levelled
    on a page scanned slightly turned, as `page_units` levels them)."""
    turn = _levelling(band)

    def frame(res: FieldResult) -> tuple[float, float, float, float]:
        pts = [(float(x), float(y)) for x, y in (res.polygon or [])]
        if turn is not None and pts:
            return _level(pts, *turn)  # type: ignore[arg-type]
        b = res.bbox or [0.0, 0.0, 0.0, 0.0]
        return (b[0], b[1], b[2], b[3])

    labels = list(dict.fromkeys(units[k].text.strip() for k in keys))
    known = {_norm(t) for t in labels}
    taken = [frame(r) for r in first if r.bbox]  # values
    wanted: list[tuple[str, tuple[float, float, float, float]]] = []
    mates = _column_mates(geom, linked or {})
    for i, u in enumerate(units):
        text = u.text.strip()
        if not any(ch.isalpha() for ch in text) or _option(text):
            continue
        if geom.keyness[i] < KEY_CANDIDATE and not _names_a_typed_field(text) and i not in mates:
            continue  # (a known field's name is looked up however the role model reads it)
        if _norm(text) in known or any(_overlap(u.box, b) > VALUE_OVERLAP for b in taken):
            continue
        known.add(_norm(text))
        wanted.append((text, u.box))
    if not wanted:
        return []
    found = extract_linked(Document([band]), [t for t, _ in wanted], apart=True, fixed=labels)
    got = [
        (res, box)
        for text, box in wanted
        if (res := found.get(text)) is not None and res.value is not None and res.bbox
    ]
    keyboxes: list[Sequence[float]] = [units[k].box for k in keys]
    out: list[tuple[FieldResult, tuple[float, float, float, float]]] = []
    for res, box in sorted(got, key=lambda t: -(t[0].link_confidence or 0.0)):
        vbox = frame(res)
        inside = [i for i, u in enumerate(units) if _overlap(u.box, vbox) > VALUE_OVERLAP]
        if inside and geom.keyness[inside[0]] >= SURE_KEY:
            continue  # a label is never a value
        if any(_overlap(vbox, b) > VALUE_OVERLAP for b in [*taken, *keyboxes]):
            continue  # one value per key, and a key is no value
        if any(_overlap(box, b) > VALUE_OVERLAP for b in taken):
            continue
        if _overlap(vbox, box) > VALUE_OVERLAP:
            continue  # its own label's letter (`性别男` → `男`)
        if _down_the_column(box, vbox, res.name, res.value or ""):
            continue  # the rest of a label written down the margin (`销售` `方`)
        taken.append(vbox)
        keyboxes.append(box)
        res.name = _label_name(res.name)
        out.append((res, box))
    return out


SPACED_GAP = 4.0  # line heights between the letters of a label set with wide spacing
# ... and at least this many: letters set closer that OCR read as separate runs are no one
# word (the vertical `购` of `购买方` beside `名` of `名　称：`, 0.4–0.5 line heights)
MIN_SPACED = 0.8
# a gap this many times the narrowest one between a run's letters ends a word (two column
# headers set wide side by side: `数 量` `单 价`)
WORD_GAP = 1.5
MAX_SPACED = 8  # the most pieces a word set wide is read from
_SPACED_END = re.compile(r"^[\u4e00-\u9fff]{1,2}\s*[:：]$")


def _whole(u: Unit) -> bool:
    """`u` is a whole OCR line (not a piece cut from a `label: value` line)."""
    ref: Span = u.ref
    return ref.start == 0 and ref.end >= len(ref.line.text.rstrip())


def _letter(u: Unit) -> bool:
    return len(u.text) == 1 and _han(u.text) and _whole(u)


def _short_han(u: Unit) -> bool:
    """One or two Han letters, maybe with a colon: a letter of vertical writing."""
    t = u.text.strip().rstrip(":：")
    return 1 <= len(t) <= 2 and _han(t)


def _row_next(units: Sequence[Unit], u: Unit, left: bool = False) -> tuple[Unit, float] | None:
    """The nearest unit right (or left) of `u` on its row within `SPACED_GAP` line heights,
    and the gap in line heights. A letter or a longer run of `u`'s own top and bottom
    overlapping it on that side (`购` with `名` read over its edge, `男` with `民族：`) is
    nearest, at no gap: a letter set wide further on is not next to `u`. (A stray mark of one
    other character does not count; a stamp's letter pressed over a label mostly stands higher
    or lower, and one level with it breaks the word too.)"""
    h = max(u.box[3] - u.box[1], 1.0)
    best: tuple[Unit, float] | None = None
    for v in units:
        if v is u or min(v.box[3], u.box[3]) - max(v.box[1], u.box[1]) < 0.5 * h:
            continue
        gap = (u.box[0] - v.box[2]) if left else (v.box[0] - u.box[2])
        if (
            gap < 0
            and (_letter(v) or len(v.text.strip()) >= 2)
            and (v.box[2] < u.box[2] if left else v.box[0] > u.box[0])
            and abs(v.box[1] - u.box[1]) <= 0.25 * h
            and abs(v.box[3] - u.box[3]) <= 0.25 * h
        ):
            gap = 0.0
        if 0 <= gap <= SPACED_GAP * h and (best is None or gap < best[1] * h):
            best = (v, gap / h)
    return best


def _read_down(u: Unit) -> bool:
    """A run of letters read down the page: taller than wide."""
    return len(u.text.strip()) >= 2 and u.box[3] - u.box[1] >= 1.3 * (u.box[2] - u.box[0])


def _in_word(units: Sequence[Unit], u: Unit) -> bool:
    """`u` has a letter, or a last piece with a colon, set wide after it on its row, or a
    letter set wide before it: a letter of a word set wide along its row."""
    nxt = _row_next(units, u)
    word = nxt is not None and (_letter(nxt[0]) or bool(_SPACED_END.match(nxt[0].text)))
    if nxt is not None and word and nxt[1] >= MIN_SPACED:
        return True
    before = _row_next(units, u, left=True)
    return before is not None and before[1] >= MIN_SPACED and _letter(before[0])


def _in_column(units: Sequence[Unit], u: Unit) -> bool:
    """A letter of vertical writing (`购` `买` `方` down an invoice's margin), not of a word set
    wide along a row: one of at least three short Han runs stacked in a column, each less than
    a line height under the one above, not all of them letters of words set wide along their
    rows (a column of row labels set wide, `姓 名：` over `性 别：` over `籍 贯：`, is no
    vertical writing); or a run of letters read down the page (`一联：` of the margin's
    `第一联：`: taller than wide)."""
    if _read_down(u):
        return True
    h = u.box[3] - u.box[1]

    def step(cur: Unit, down: bool) -> Unit | None:
        w = max(cur.box[2] - cur.box[0], 1.0)
        for v in units:
            if v is cur or not _short_han(v):
                continue
            gap = v.box[1] - cur.box[3] if down else cur.box[1] - v.box[3]
            across = min(v.box[2], cur.box[2]) - max(v.box[0], cur.box[0])
            if 0 <= gap + 0.2 * h <= 1.2 * h and across >= 0.5 * w:
                return v
        return None

    stack = [u]
    for down in (True, False):
        cur: Unit | None = u
        while len(stack) < 6 and cur is not None and (cur := step(cur, down)) is not None:
            if any(cur is c for c in stack):
                break
            stack.append(cur)
    # (a word already joined in the column, `姓名：`, is no letter of vertical writing)
    return len(stack) >= 3 and not all(_in_word(units, c) or not _letter(c) for c in stack)


def _joined(chain: Sequence[Unit], made: dict[tuple[int, ...], Line]) -> Unit:
    """One unit for the pieces of a word set wide. Its `ref` is a line of its own over the
    pieces (its text and box are the word's: a joined value reads whole; its polygon is the
    pieces' own, in the page's frame, not the levelled `Unit.box`), except where the last
    piece is a label cut from its value's line (`称：` of `称：济南…`): that piece's `ref`, so
    the label still pairs with the rest of its line."""
    text = "".join(c.text.strip() for c in chain)
    box = union_bbox([c.box for c in chain])
    last: Span = chain[-1].ref
    if last.start > 0 or last.end < len(last.line.text):
        return Unit(text, box, chain[0].page, last)
    key = tuple(id(c.ref.line) for c in chain)
    if key not in made:  # one line for the same pieces in every band of a page
        # a word per piece (its own polygon and confidence): a value's box and confidence
        # are its pieces', not the whole joined line's
        words = [
            Word(
                c.text.strip(),
                min((w.confidence for w in c.ref.line.words), default=c.ref.line.confidence),
                c.ref.line.polygon,
            )
            for c in chain
        ]
        made[key] = Line(
            text,
            min(w.confidence for w in words),
            polygon_of(bbox_of([q for c in chain for q in c.ref.line.polygon])),
            words,
            last.line.origin,
        )
    line = made[key]
    return Unit(text, box, chain[0].page, Span(line, 0, len(line.text), last.page))


def _requested_word(chain: list[Unit], wanted: set[str]) -> list[Unit]:
    """Of a run of letters set wide, what the named path joins (`wanted`: the requested labels,
    normalised): the whole run where it prints a requested label; the first label where it is
    requested labels side by side (`金 额 税 额` with `金额` and `税额` asked: the next one
    joins in its turn); else nothing. (A requested label printed inside a longer run of letters
    is not joined: joining the whole run read `氏名` of a row of letters as a longer label and
    took another field's value; joining the label alone left the rest of a longer label, `番`
    of `印鑑登録` + `番 号`, as its value.)"""
    texts = [_norm(c.text).rstrip(":：") for c in chain]
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(texts) - 1:
        j = next((j for j in range(len(texts), i + 1, -1) if "".join(texts[i:j]) in wanted), None)
        if j is None:
            i += 1
        else:
            found.append((i, j))
            i = j
    if sum(j - i for i, j in found) < len(chain):
        return chain[:1]
    return chain[: found[0][1]]


def join_spaced_labels(
    units: Sequence[Unit],
    made: dict[tuple[int, ...], Line] | None = None,
    labels: Iterable[str] | None = None,
) -> list[Unit]:
    """`units` with each Chinese word set with wide spacing and read one letter per run
    (`名` `称：`, `金` `额`, `开` `户` `行：`) joined into one unit (`名称：`, `金额`): single
    Han letters on one row, each `MIN_SPACED` to `SPACED_GAP` line heights from the next,
    possibly ending in a run of one or two letters and a colon; a gap more than `WORD_GAP`
    times the run's narrowest ends a word. No piece is a letter of vertical writing
    (`_in_column`) or cut from a `label: value` line, and a letter right after a label's colon
    is that label's value, not the start of the next label (`性别：` `男` `民族：`). Else a
    label's first letter is a value candidate of its own (the buyer block's `名` was "extract
    everything"'s value of `购买方`) and the label reads `称`. (`_joined`: the joined unit's
    `ref`; `made` keeps the lines it makes, so that bands of one page share them.)

    Not told apart from a word set wide: single-letter cells of neighbouring columns (`男` `汉`
    under `性别` `民族`) and two headers set with equal gaps (`金 额 税 额`).

    `labels` (named keys: the requested keys and their synonyms): only a run that prints one
    of them is joined (`_requested_word`), so the named keys do not lose a value or swap two
    over such runs."""
    made = {} if made is None else made
    wanted = None if labels is None else {_norm(t).rstrip(":：") for t in labels}
    # (a run the named path joins begins with a requested label's first letter: no other
    # letter starts a chain, and English keys none at all)
    firsts = None if wanted is None else {w[0] for w in wanted if w}
    out = list(units)
    i = 0
    while i < len(out):
        u = out[i]
        if (
            not _letter(u)
            or (firsts is not None and _norm(u.text)[:1] not in firsts)
            or _in_column(out, u)
        ):
            i += 1
            continue
        chain, gaps = [u], []
        while len(chain) < MAX_SPACED:
            got = _row_next(out, chain[-1])
            if got is None or got[1] < MIN_SPACED or any(got[0] is c for c in chain):
                break
            v, gap = got
            end = bool(_SPACED_END.match(v.text))
            # (a label's last piece may stand in a column of labels: `名：` over `别：`)
            if _read_down(v) if end else (not _letter(v) or _in_column(out, v)):
                break
            chain.append(v)
            gaps.append(gap)
            if end:
                break
        # the first word of the run: up to a gap much wider than the narrowest
        if gaps:
            cut = next((n for n, g in enumerate(gaps) if g > WORD_GAP * min(gaps)), len(gaps))
            chain = chain[: cut + 1]
        if len(chain) > 1 and _SPACED_END.match(chain[-1].text):
            before = _row_next(out, u, left=True)
            if before is not None and before[0].text.rstrip().endswith((":", "：")):
                chain = [u]  # the value of the label before it, not a label's first letter
        if wanted is not None:
            chain = _requested_word(chain, wanted)
        if len(chain) < 2:
            i += 1
            continue
        joined = _joined(chain, made)
        drop = {id(c) for c in chain}
        # in the last piece's place: a label cut from its value's line stays right before the
        # value (`fixed` pairs in `extract_all_linked` are neighbours of one line)
        last = next(n for n, c in enumerate(out) if c is chain[-1])
        at = last - sum(1 for c in out[:last] if id(c) in drop)
        # the next unit to read: the one after `u`, where it now stands
        i -= sum(1 for c in out[:i] if id(c) in drop)
        out = [c for c in out if id(c) not in drop]
        out.insert(at, joined)
        i += at <= i
    return out


# what a section's heading says besides its name (`购买方信息`, `Shipper Details`)
_HEADING_TAIL = re.compile(r"(?:信息|资料|情况|\s+(?:information|info|details))$", re.I)
HEADING_REACH = 6.0  # line heights from a section's heading down to a label in it


def _section_heading(units: Sequence[Unit], box: tuple[float, float, float, float]) -> str:
    """The heading over a label (its `box`): of the runs above it that start where it starts
    (within 1.5 line heights) and end at most `HEADING_REACH` line heights above it, past the
    section's other labels (runs with a colon), the nearest; a heading where short (eight CJK
    characters or three words) with no figures: its name without `信息` or "details"
    (`购买方信息` → `购买方`); "" where there is none."""
    x0, y0, _, y1 = box
    h = max(y1 - y0, 1.0)
    above = sorted(
        (u for u in units if u.box[3] <= y0 + 0.2 * h and y0 - u.box[3] <= HEADING_REACH * h),
        key=lambda u: -u.box[3],
    )
    for u in above:
        if abs(u.box[0] - x0) > 1.5 * h:
            continue
        text = u.text.strip()
        if re.search(r"[:：]", text):
            continue  # another label of the section
        if re.search(r"\d", text) or (len(text) > 8 if _han(text) else len(text.split()) > 3):
            return ""
        return _HEADING_TAIL.sub("", text).strip()
    return ""


def _name_by_sections(
    found: list[tuple[FieldResult, tuple[float, float, float, float]]], units: Sequence[Unit]
) -> None:
    """Pairs of one page whose keys print the same label (`名称` under `购买方信息` and under
    `销售方信息` on an e-invoice) named by their sections' headings (`购买方名称`,
    `销售方名称`), where each has a heading over it and the names so made differ."""
    by_name: dict[str, list[int]] = {}
    for i, (res, _) in enumerate(found):
        by_name.setdefault(res.name, []).append(i)
    for name, at in by_name.items():
        if len(at) < 2:
            continue
        heads = [_section_heading(units, found[i][1]) for i in at]
        if not all(heads) or len(set(heads)) < len(heads):
            continue
        for i, head in zip(at, heads, strict=True):
            sep = "" if _CJK.match(head[-1]) and _CJK.match(name[0]) else " "
            found[i][0].name = f"{head}{sep}{name}"


GRID_LABEL = 0.4  # the role model's reading that makes the run over a value a label


def _reads_as_label(geom: PageGeometry, i: int) -> bool:
    """The role model reads unit `i` as a key (`GRID_LABEL`), or it names a known field."""
    return bool(geom.keyness[i] >= GRID_LABEL) or _names_a_typed_field(geom.units[i].text)


# marks that begin a check box's option (`□ Female`, `☑ Overnight`) or a ticked item (not
# `■`, as often a bullet before a field as a filled box)
_BOXES = "□☐☑☒▢◻✓✔✗✘◯◉⦿"


def _option(text: str) -> bool:
    """A check box's option (`□ Female`, `☑ Overnight`, `□ B`, or with its box after it,
    `Shipment ☐`): the box's answer, never a key of its own in "extract everything" (on
    `kv_links` such keys were right in 5 of 528 pairs, mostly another option or the next
    question taken as their value); an option that opens a field of its own ends with a colon
    (`□ Other:`, `□Ja:` before a figure) and stays one, as does a question answered by one box
    (`Married? ☐`)."""
    t = text.strip()
    if t[:1] in _BOXES:
        return not t.endswith((":", "："))
    return len(t) > 1 and t[-1] in _BOXES and not t[:-1].rstrip().endswith(QUESTION_ENDS)


def _grid_pairs(
    geom: PageGeometry, links: list[tuple[int, int, float]], fixed: list[tuple[int, int, float]]
) -> list[tuple[int, int, float]]:
    """The pair model's `links` read again where the page prints a row of labels each over its
    value (`_pair_grid`: `Full Name` over its entry beside `Position Applied For` over its
    own): a label linked to the next label on its row, or a value linked to the next value
    under it, is replaced by each label linked to its own value (the second label only where
    it is no key already). Two values are read so only where the run over the first reads as
    a label (`_reads_as_label`): two rows of a label with its value beside it (`Vessel`
    `Northern Star` over `Flag` `Norway`) stand alike, and a value over a caption (`10969`
    over `Postleitzahl`) is no label. The lines printed as `label: value`
    (`fixed`) stay as they are; a pair linked twice keeps its likelier link."""
    keys = {k for k, _, _ in links}
    cut = {(k, v) for k, v, _ in fixed}
    label_of = {j: i for i in range(geom.n) if (j := stacked_value(geom, i)) >= 0}
    out: dict[tuple[int, int], float] = {}

    def add(k: int, v: int, p: float) -> None:
        out[(k, v)] = max(p, out.get((k, v), 0.0))

    for k, v, p in links:
        if (k, v) in cut:
            add(k, v, p)
            continue
        if _pair_grid(geom, k, v):
            pairs = [(k, stacked_value(geom, k)), (v, stacked_value(geom, v))]
        elif (
            k in label_of
            and v in label_of
            and _reads_as_label(geom, label_of[k])
            and _pair_grid(geom, label_of[k], label_of[v])
        ):
            pairs = [(label_of[k], k), (label_of[v], v)]  # (the two values linked)
        else:
            add(k, v, p)
            continue
        for a, c in pairs:
            if a == k or a not in keys:
                keys.add(a)
                add(a, c, p)
    return [(k, v, p) for (k, v), p in out.items()]


HEADING_P = 0.8  # the link probability of a heading's block (`_heading_blocks`)
HEADING_BLOCK_GAP = 1.2  # line heights from a heading down to its block's first line


def _heading_blocks(
    geom: PageGeometry, units: Sequence[Unit], slope: float, fixed: set[int]
) -> dict[int, list[int]]:
    """{heading: its block's units} for each run that says a known field's name and nothing
    else, with no colon (`BILL TO`, `Ship To`, `Customer`; `fields.is_field_name`), beside
    another such heading on its row (and nothing else), and a block set close under it starting
    where it starts (the first line within `HEADING_BLOCK_GAP`, no label; then the lines that carry
    it on, `_grow`): "extract everything" reads the block as its value. (The pair model, which
    links across a row, read `BILL TO` → `SHIP TO` and each line of the bill-to block → the
    ship-to line level with it.)"""
    b = geom.b
    # (Latin-script headings: on CJK forms two or three labels side by side head a grid's
    # cells, one line each, and taking blocks there cost `kv_links` zh 0.003)
    named = [
        is_field_name(u.text) and not _option(u.text) and not _CJK.search(u.text) for u in units
    ]
    out: dict[int, list[int]] = {}
    used: set[int] = set(fixed)
    for h in range(len(units)):
        if not named[h] or h in used or geom.looks[h, 0] > 0:
            continue
        right, _ = row_right(geom, h, slope)
        left = int(geom.left_nn[h])
        if not (right >= 0 and named[right]) and not (left >= 0 and left in out):
            # only headings side by side (parties: `BILL TO` | `SHIP TO`, `Shipper` |
            # `Consignee`), which the pair model links to each other; a label over its value
            # alone is the model's to read (FUNSD dev, extract everything: 0.504 → 0.499 exact
            # where every such heading was taken)
            continue
        v = int(geom.below_nn[h])
        if (
            v < 0
            or v in used
            or named[v]
            or geom.looks[v, 0] > 0
            or b[v, 1] - b[h, 3] > HEADING_BLOCK_GAP
            or abs(b[v, 0] - b[h, 0]) > 1.0
            or header_row(geom, h, slope)
        ):
            continue
        # (the block ends at another field's name, a line with something beside it before the
        # next heading's column (`Department` `Finance` under `John Smith`), a line of running
        # text (a certification), or a line reaching past the next heading's start)
        reach = float(b[right, 0]) if right >= 0 else math.inf
        block: list[int] = []
        for w in [v, *_grow(geom, v, used | {h}, float(b[v, 0]), None, None, slope, (h,))]:
            text = units[w].text
            beside, _ = row_right(geom, w, slope)
            if (
                is_field_name(text)
                or running_text(text)
                or b[w, 2] > reach + 0.5
                or (beside >= 0 and b[beside, 0] < reach - 0.5)
            ):
                break
            block.append(w)
        if not block:
            continue
        out[h] = block
        used.update(block)
        used.add(h)
    return out


def extract_all_linked(doc: Document, *, second_pass: bool = True) -> dict[str, FieldResult]:
    """Every key→value pair the linker finds on every page, keyed by the printed label: the
    pair model's links (a value block per key, `_block_of`), then the units the role model
    reads as keys that it left alone, looked up by name (`_named_pass`; `second_pass=False`
    leaves it out, for the benchmarks); in reading order."""
    out: dict[str, FieldResult] = {}
    # (page, label line, label start, value): pairs met again in a band overlap (the page's index too: a
    # later page's lines may reuse the ids of an earlier page's freed ones)
    seen: set[tuple[int, int, int, str]] = set()
    # the second pass's pairs met again in a band overlap: (page, label, value, value box)
    met: set[tuple[int, str | None, str | None, tuple[float, ...]]] = set()
    for file_page in doc.pages:
        frame = file_frame(file_page)
        made: dict[tuple[int, ...], Line] = {}
        for page in link_bands(upright_page(file_page)):
            units = join_spaced_labels(page_units(page, every_label=True), made)
            if len(units) < 2:
                continue
            # a line printed as `label: value` is a pair as it stands (`label: value label:
            # value …`: each label with the run after it)
            fixed: list[tuple[int, int, float]] = []
            for i in range(len(units) - 1):
                if units[i].ref.line is not units[i + 1].ref.line:
                    continue
                if fixed and fixed[-1][1] == i:
                    continue  # a value, then the line's next label
                if _bare_label(units[i + 1].text):
                    continue  # two labels side by side (`Telephone: Fixe:`): the first is empty
                fixed.append((i, i + 1, SAME_UNIT))
            keys_f = {k: v for k, v, _ in fixed}
            vals_f = {v for _, v, _ in fixed}
            geom = PageGeometry(units)
            slope = _skew(units) if abs(page_skew(page)) < MIN_SKEW else 0.0
            scored: list[tuple[int, int, float]] = []
            # (a check box's option is no key of the pair model's: `_option`; a pair printed
            # on one line stays, `■ Order Date 12/03/2024`)
            links = fixed + [
                (k, v, p)
                for k, v, p in link_units(units, geom=geom, scored_out=scored)
                if v not in vals_f
                and v not in keys_f
                and k not in vals_f
                and not _option(units[k].text)
            ]
            links = _grid_pairs(geom, links, fixed)
            heads = _heading_blocks(geom, units, slope, set(keys_f) | vals_f)
            if heads:
                # a field's name printed as a heading over its block (`BILL TO` beside `SHIP
                # TO`, each over a name and an address): the block is its value, and no line
                # of it pairs with the other column's line level with it
                taken = set(heads) | {v for vs in heads.values() for v in vs}
                links = [(k, v, p) for k, v, p in links if k not in taken and v not in taken]
                links += [(h, v, HEADING_P) for h, vs in heads.items() for v in vs]
            cand: dict[int, dict[int, float]] = {}
            for k, v, p in scored:
                cand.setdefault(k, {})[v] = p
            claimed: set[int] = set()  # the units of the values read so far
            by_key: dict[int, list[tuple[int, float]]] = {}
            for k, v, p in links:
                by_key.setdefault(k, []).append((v, p))
            found: list[tuple[FieldResult, tuple[float, float, float, float]]] = []
            every: list[FieldResult] = []
            for k in sorted(by_key, key=lambda i: (units[i].box[1], units[i].box[0])):
                vals = _block_of(geom, k, by_key, keys_f.get(k), slope, cand.get(k), claimed)
                claimed.update(v for v, _ in vals)
                label = _label_name(units[k].text)
                res = FieldResult(name=label, type="text", method="linker", label=units[k].text)
                spans = [units[v].ref for v, _ in vals]
                res.value = join_lines([s.text for s in spans])
                res.valid = True
                fill_geometry(res, spans)
                res.settle_confidence(min(p for _, p in vals))
                every.append(res)  # (the second pass's values to keep clear of)
                # (the label's place on its line too: a line may hold several fields)
                place = (page.index, id(units[k].ref.line), units[k].ref.start, res.value)
                if place in seen:
                    continue
                seen.add(place)
                found.append((res, units[k].box))
            if second_pass:
                for res, box in _named_pass(page, geom, units, list(by_key), every, by_key):
                    again = (page.index, res.label, res.value, tuple(res.bbox or ()))
                    if again not in met:
                        met.add(again)
                        found.append((res, box))
            # in reading order of their labels (the second pass's pairs among the first's)
            found.sort(key=lambda t: (t[1][1], t[1][0]))
            _name_by_sections(found, units)
            for res, _ in found:
                _to_file_frame(res, file_page, frame)
                label, name, n = res.name, res.name, 2
                while name in out:
                    name, n = f"{label} ({n})", n + 1
                res.name = name
                out[name] = res
    _date_order(doc, list(out.values()))
    return out
