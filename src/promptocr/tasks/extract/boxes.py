"""Check-box answers: a field whose answer is a box, or the options ticked among several.

The `checkboxes` stage (engines/checkboxes.py) writes each check box on a page into its text
line as a word of its own: `☐` (empty) or `☑` (ticked), and each radio button as `◯` or `◉`,
which are read here as boxes are. A box then stands with its option's text on one side (`☑
P.O.`, `SHIPMENT ☐`): the page's boxes come either before their text or after it, and a line is
read the way it shows (a line that starts with a box has its boxes before their options, one
that ends with one after). Two kinds of key are answered from them:

- **the option itself** (`SHIPMENT`, `P.O.`): the key is an option's printed text; its value
  is the box, `☑` or `☐`, `normalized` True or False (type `checkbox`), its box the box's.
  Where the key is also printed on a line without a box and the linker found it a value
  (`E-Mail` beside an address, and an `☐ E-Mail` option), that label answers;
- **a question with options** (`Route of administration:` before `☑ P.O.  ☐ I.P.  ☐ I.V.`):
  where the linker links the question to an option, the answer is the row of options from
  there on (in one detected line or in several side by side); where it links nothing (an
  option is rarely a value to the pair model) and the label ends with `:` or `?`, the options
  that follow it on its row, or on the row under it; an option alone on its row takes the
  options stacked under it, one to a row (`_column_options`). A value found without its box
  (a typed value: a sex taken from `◯ Male`) answers so too. The value is the options as printed
  (`☑ P.O. ☐ I.P. ☐ I.V.`, as forms annotate such answers), `normalized` the ticked options'
  texts (`["P.O."]`; type `choice`); with none ticked `normalized` is empty and `reason` lists
  the options.

Boxes the recogniser read itself as glyphs count too (`□` empty; `☑`, `☒`, `▣`, `✓`, `✔`, `✗`,
`✘`, `⦿` ticked; not `○`, more often a hollow bullet than a radio button), also glued to their
word (`☒ja`), so a document read before the stage existed, or a PDF's text layer, still answers.

"Extract everything" adds what the linker left (`unanswered_boxes`): a printed question with
its boxes after it, and an option with no question as a field of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from promptocr.document.model import BBox, Document, Line, Page, Word, polygon_of, union_bbox
from promptocr.engines.checkboxes import is_cjk
from promptocr.tasks.fields import fold

if TYPE_CHECKING:
    from promptocr.tasks.extract import FieldResult

# check boxes, and radio buttons (`◯ Male ◉ Female`: the rings the check-box stage writes;
# not `○`, more often a hollow bullet)
EMPTY_MARKS = frozenset("☐□▢◻◯")
TICKED_MARKS = frozenset("☑☒▣✓✔✗✘◉⦿")
MARKS = EMPTY_MARKS | TICKED_MARKS
KEY_MATCH = 90  # fuzz.ratio of an option's folded text and the key's, at least
ROW_GAP = 6.0  # options side by side: at most this many box widths apart
COLUMN_GAP = 1.5  # options one under another: at most this many line heights apart
QUESTION_GAP = 6.0  # a question's first option at most this many line heights to its right


@dataclass(frozen=True, slots=True)
class Option:
    """One check box and its option's text (empty for a box that stands alone)."""

    text: str
    ticked: bool
    box: BBox  # the box's
    bbox: BBox  # the box's and its text's together
    printed: str = ""  # the box and its text as printed (`☑ P.O.`)


def is_mark(word: Word) -> bool:
    return len(word.text) == 1 and word.text in MARKS


# a token of a line: its text, its box, and whether the next token follows with no space
Token = tuple[str, BBox, bool]


def _tokens(line: Line) -> list[Token]:
    """The line's words, a mark glued to a word (`☒ja`, `Nein□`) split off it (the mark's box
    taken as a square at that end of the word's; the two marked as printed without a space)."""
    out: list[Token] = []
    for w in line.words:
        t, (x0, y0, x1, y1) = w.text, w.bbox
        if not t:
            continue
        side = min(y1 - y0, (x1 - x0) / max(1, len(t)))
        if len(t) > 1 and t[0] in MARKS:
            out += [(t[0], (x0, y0, x0 + side, y1), True), (t[1:], (x0 + side, y0, x1, y1), False)]
        elif len(t) > 1 and t[-1] in MARKS:
            out += [
                (t[:-1], (x0, y0, x1 - side, y1), True),
                (t[-1], (x1 - side, y0, x1, y1), False),
            ]
        else:
            out.append((t, (x0, y0, x1, y1), False))
    return out


def _printed(toks: list[Token]) -> str:
    """Tokens joined as printed: a space between words, none where a mark was glued or next
    to CJK (`☑本人申办`)."""
    out = ""
    for i, (t, _, glued) in enumerate(toks):
        out += t
        if i + 1 < len(toks) and not glued:
            nxt = toks[i + 1][0]
            if not (is_cjk(t[-1]) or is_cjk(nxt[0])):
                out += " "
    return out


def has_mark(line: Line) -> bool:
    return any(ch in MARKS for ch in line.text)


QUESTION_ENDS = (":", "：", "?", "？")  # what a printed question or label ends with
_OPENS_FIELD = re.compile(r"[:：?？]")
_QUESTION_END = re.compile(r".*[:：?？]\s*")


def options_in(line: Line) -> list[Option]:
    """The options of one line, each box with the words on its side up to the next box: a line
    that ends with a box has its boxes after their text, any other before. Where boxes follow
    their text, the first option's text starts after a question printed before it on the line
    (`Smoker? Yes □ No □`: `Yes`)."""
    if not has_mark(line):
        return []
    toks = _tokens(line)
    marks = [j for j, (t, _, _) in enumerate(toks) if len(t) == 1 and t in MARKS]
    if not marks:
        return []
    after = marks[-1] == len(toks) - 1 and marks[0] != 0
    out: list[Option] = []
    for n, j in enumerate(marks):
        if after:
            lo = marks[n - 1] + 1 if n else 0
            text = toks[lo:j]
            if n == 0:
                ends = [i for i, (t, _, _) in enumerate(text) if _QUESTION_END.fullmatch(t)]
                text = text[ends[-1] + 1 :] if ends else text
        else:
            hi = marks[n + 1] if n + 1 < len(marks) else len(toks)
            text = toks[j + 1 : hi]
        box = toks[j][1]
        out.append(
            Option(
                " ".join(t for t, _, _ in text).strip(" :："),
                toks[j][0] in TICKED_MARKS,
                box,
                union_bbox([box, *(b for _, b, _ in text)]),
                _printed(text + [toks[j]] if after else [toks[j], *text]),
            )
        )
    return out


def _polygon(box: list[float]) -> list[list[float]]:
    return [list(p) for p in polygon_of((box[0], box[1], box[2], box[3]))]


def _result(key: str, page: Page, value: str | None, **kw: Any) -> FieldResult:
    from promptocr.tasks.extract import FieldResult

    return FieldResult(key, value, page=page.index + 1, **kw)


def _printed_apart(doc: Document, want: str) -> bool:
    """Is the folded key `want` printed on a line that holds no box (a label of its own, as
    `E-Mail` beside an address as well as an `☐ E-Mail` option)?"""
    return any(
        not has_mark(ln) and want in fold(ln.text) for page in doc.pages for ln in page.lines
    )


def option_answer(doc: Document, key: str, found: bool = False) -> FieldResult | None:
    """The box of the option whose printed text is `key` (the first page's, then in reading
    order), or None where no option reads so. Where a value was `found` for the key and the
    key is also printed on a line without a box, that label answers, not the option."""
    want = fold(key)
    if len(want) < 2 or any(ch in MARKS for ch in key) or (found and _printed_apart(doc, want)):
        return None
    for page in doc.pages:
        for ln in page.lines:
            for opt in options_in(ln):
                got = fold(opt.text)
                if not got or _OPENS_FIELD.search(opt.printed):
                    continue  # (`☐ Other:`, `□ If yes, since when?`: a question of its own)
                if got == want or (
                    fuzz.ratio(got, want) >= KEY_MATCH and len(got.split()) == len(want.split())
                ):
                    return _box_result(key, page, opt)
    return None


def _box_result(key: str, page: Page, opt: Option) -> FieldResult:
    """`key` answered by the box of option `opt`: `☑` or `☐`, `normalized` whether ticked."""
    from promptocr.tasks.extract import bbox_list

    res = _result(
        key,
        page,
        "☑" if opt.ticked else "☐",
        normalized=opt.ticked,
        type="checkbox",
        bbox=bbox_list(opt.box),
        polygon=_polygon(bbox_list(opt.box)),
        label=opt.text,
        method="checkbox",
        link_confidence=1.0,
        read_confidence=1.0,
    )
    res.settle_confidence()
    return res


# marks that are boxes or buttons: not a bare tick (`✓`, `✔`, `✗`, `✘`), which a text layer
# prints beside a value it checks off (`Inspected ✔ 2024-03-01`)
BOX_MARKS = frozenset("☐□▢◻◯☑☒▣◉⦿")


def _question_of(line: Line) -> str | None:
    """The question a line prints before its first box (`Married? Yes ☐ No ☑`), or the whole
    line where it holds no box (`Do you smoke?`): a text with letters that ends with `:` or
    `?`; None for anything else."""
    text = line.text
    at = next((k for k, ch in enumerate(text) if ch in MARKS), len(text))
    head = text[:at].strip()
    if at < len(text):  # (`Married? Yes ☐`: the question ends before the option's text)
        ends = [m.end() for m in _OPENS_FIELD.finditer(head)]
        head = head[: ends[-1]].strip() if ends else ""
    if not head.endswith(QUESTION_ENDS) or not any(ch.isalpha() for ch in head):
        return None
    return head


def _covers(boxes: list[list[float]], box: BBox | list[float]) -> bool:
    """Does one of `boxes` hold the centre of `box`?"""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)


def unanswered_boxes(doc: Document, found: list[FieldResult]) -> list[FieldResult]:
    """What "extract everything" adds from the boxes that no answer in `found` covers, in
    reading order, page by page:
    - a printed question (`_question_of`) that no answer has as its label, with options after
      it: its options (`question_answer`), named by the question;
    - a question answered by one box with no text of its own (`Married? ☑`): the box, named by
      the question;
    - an option with no question (`SHIPMENT ☐`, `☑ SPECIAL SAMPLE MANUFACTURE`): a field of its
      own, named by its text and answered by its box (`_box_result`).
    An option that opens a field of its own (`☐ Other:`) is left to the linker, and so is one
    whose text has no letter (a date after a tick) or whose mark is a bare tick."""
    from promptocr.tasks.extract import FieldResult

    out: list[FieldResult] = []
    for page in doc.pages:
        mine = [r for r in found if r.page == page.index + 1]
        asked = {fold(r.label or r.name) for r in mine}
        covered = [r.bbox for r in mine if r.bbox]
        for ln in sorted(page.lines, key=lambda ln: (ln.bbox[1], ln.bbox[0])):
            question = _question_of(ln)
            name = question.rstrip(" :：") if question else ""
            if question and fold(question) not in asked:
                res = question_answer(
                    doc, FieldResult(name, None, page=page.index + 1, label=question)
                )
                box = res.bbox if res is not None else None
                if res is not None and box is not None and not _covers(covered, box):
                    out.append(res)
                    asked.add(fold(question))
                    covered.append(box)
            for opt in options_in(ln):
                mark = next((ch for ch in opt.printed if ch in MARKS), "")
                if mark not in BOX_MARKS or _OPENS_FIELD.search(opt.printed):
                    continue
                if _covers(covered, opt.box):
                    continue
                if opt.text and any(ch.isalpha() for ch in opt.text):
                    out.append(_box_result(opt.text, page, opt))
                elif not opt.text and question and fold(question) not in asked:
                    res = _box_result(name, page, opt)
                    res.label = question
                    out.append(res)
                    asked.add(fold(question))
                else:
                    continue
                covered.append(list(opt.box))
    return out


def _row_options(page: Page, value_box: BBox) -> list[Option]:
    """The options from the value's box on along its row: the lines that overlap the value,
    then the lines to their right on the same row while they hold boxes, no more than
    `ROW_GAP` box widths apart, up to an option that opens a field of its own (`☐ Other:`)."""
    x0, y0, x1, y1 = value_box
    lines = [ln for ln in page.lines if has_mark(ln)]
    if not lines:
        return []
    cy = (y0 + y1) / 2
    row = [ln for ln in lines if ln.bbox[1] <= cy <= ln.bbox[3] and ln.bbox[2] > x0]
    row.sort(key=lambda ln: ln.bbox[0])
    out: list[Option] = []
    for ln in row:
        opts = [o for o in options_in(ln) if o.bbox[2] > x0]
        if not opts:
            continue
        if out:
            side = max(1.0, out[-1].box[2] - out[-1].box[0])
            if opts[0].bbox[0] - out[-1].bbox[2] > ROW_GAP * side:
                break
        for o in opts:
            if out and _OPENS_FIELD.search(o.printed):
                return out  # (`□ Nein □ Ja: …`: an option that opens a field of its own)
            out.append(o)
    return out


def _rows_meet(a: BBox, b: BBox) -> bool:
    """Do two boxes share at least a quarter of the shorter one's height (a label beside an
    option, also one printed between two rows of options)?"""
    shared = min(a[3], b[3]) - max(a[1], b[1])
    return shared >= 0.25 * max(1.0, min(a[3] - a[1], b[3] - b[1]))


def _column_options(page: Page, opts: list[Option]) -> list[Option]:
    """`opts`, and where they are one option alone on its row, the options stacked under it one
    to a row (a column of radio buttons or boxes: `◯ Phone` / `◯ Email` / `◉ Post`): each box
    aligned with the first's, at most `COLUMN_GAP` line heights under the one before, and
    nothing printed before it, on its line or beside it to its left (`_rows_meet`): under
    `Q1: ◯ A` the `◯ B` of `Q2: ◯ B` is Q2's."""
    if len(opts) != 1:
        return opts
    out = list(opts)
    first = opts[0].box
    side = max(1.0, first[2] - first[0])
    lines = sorted(page.lines, key=lambda ln: (ln.bbox[1], ln.bbox[0]))
    while True:
        last = out[-1].bbox
        h = max(1.0, last[3] - last[1])
        nxt: Option | None = None
        for ln in lines:
            if ln.bbox[1] <= last[1] + 0.5 * h or ln.bbox[1] > last[3] + COLUMN_GAP * h:
                continue
            if ln.bbox[2] <= first[0] or ln.bbox[0] >= last[2]:
                continue  # not under the column (another group's, beside it)
            row = options_in(ln)
            if (
                len(row) == 1
                and abs(row[0].box[0] - first[0]) <= side
                and row[0].text
                and row[0].bbox[0] <= ln.bbox[0] + side  # nothing printed before it on its line
            ):
                nxt = row[0]
            break  # the first line under the last option decides
        if nxt is None or _OPENS_FIELD.search(nxt.printed):
            return out
        if any(
            ln.bbox[2] <= nxt.box[0] and _rows_meet(ln.bbox, nxt.bbox) and ln.text.strip()
            for ln in page.lines
        ):
            return out  # a label on its row to its left: another question's option
        out.append(nxt)


def choice_answer(doc: Document, res: FieldResult) -> FieldResult | None:
    """Where the value found for a key is a check box's option, its row of options (None where
    the value is no option)."""
    if res.value is None or res.page is None or res.bbox is None:
        return None
    page = next((p for p in doc.pages if p.index == res.page - 1), None)
    if page is None:
        return None
    x0, y0, x1, y1 = res.bbox
    if not any(ch in MARKS for ch in res.value) and not _an_option(page, res):
        return None
    opts = [o for o in _row_options(page, (x0, y0, x1, y1)) if o.text]
    if not opts:
        # a value grown over several rows of options, whose middle lies between two of them:
        # the options from its first row on
        marked = [
            ln
            for ln in page.lines
            if has_mark(ln) and ln.bbox[1] < y1 and ln.bbox[3] > y0 and ln.bbox[2] > x0
        ]
        if marked:
            first = min(marked, key=lambda ln: (ln.bbox[1], ln.bbox[0]))
            box = (max(x0, first.bbox[0]), first.bbox[1], x1, first.bbox[3])
            opts = [o for o in _row_options(page, box) if o.text]
    return _choice(res, page, _column_options(page, opts)) if opts else None


def _an_option(page: Page, res: FieldResult) -> bool:
    """Is the value found (without its box: a typed value such as a sex taken from `◯ Male`)
    the text of an option printed where it was found?"""
    want = fold(res.value or "")
    if not want or res.bbox is None:
        return False
    x0, y0, x1, y1 = res.bbox
    return any(
        fold(o.text) == want
        and o.bbox[0] < x1
        and o.bbox[2] > x0
        and o.bbox[1] < y1
        and o.bbox[3] > y0
        for ln in page.lines
        if has_mark(ln)
        for o in options_in(ln)
    )


def _options_over(page: Page, res: FieldResult) -> list[Option]:
    """The options in the lines the value's box covers (every row of a value grown over
    several), in reading order."""
    if res.bbox is None:
        return []
    x0, y0, x1, y1 = res.bbox
    out: list[Option] = []
    for ln in sorted(page.lines, key=lambda ln: (ln.bbox[1], ln.bbox[0])):
        if has_mark(ln) and ln.bbox[1] < y1 and ln.bbox[3] > y0:
            out += [o for o in options_in(ln) if o.bbox[2] > x0 and o.bbox[0] < x1]
    return out


def _choice(res: FieldResult, page: Page, opts: list[Option]) -> FieldResult:
    """`res` answered by the row of options `opts`: the value as printed, `normalized` the
    ticked options' texts."""
    from promptocr.tasks.extract import bbox_list

    printed = " ".join(o.printed for o in opts)
    if res.value is not None and (
        sum(ch in MARKS for ch in res.value) >= 2
        or all(fold(o.text) in fold(res.value) for o in opts)
    ):
        # the value found holds its group of options already: it stays as found (with what
        # it prints among them), and answers with the options it holds
        printed = res.value
        opts = [o for o in _options_over(page, res) if fold(o.text) in fold(res.value)] or opts
    ticked = [o for o in opts if o.ticked]
    out = _result(
        res.name,
        page,
        printed,
        normalized=[o.text for o in ticked],
        type="choice",
        label=res.label,
        method=res.method,
        link_confidence=res.link_confidence if res.value is not None else None,
        read_confidence=res.read_confidence,
        others=res.others,
    )
    out.bbox = bbox_list(union_bbox([o.bbox for o in opts]))
    out.polygon = _polygon(out.bbox)
    if not ticked:
        out.reason = "no option ticked among: " + ", ".join(o.text for o in opts)
    out.settle_confidence()
    return out


def _label_boxes(page: Page, label: str) -> list[BBox]:
    """Where `label` is printed on `page`: the words that make it up, in each line that holds
    it, the lines that start with it first (`Sex:` before `Resident of Sussex`)."""
    want = fold(label)
    if not want:
        return []
    found: list[tuple[bool, BBox]] = []
    for ln in page.lines:
        text = fold(ln.text)
        if want not in text:
            continue
        used: list[Word] = []
        box = ln.bbox
        for w in ln.words:
            used.append(w)
            if want in fold(" ".join(x.text for x in used)):
                box = union_bbox([x.bbox for x in used])
                break
        found.append((not text.startswith(want), box))
    found.sort(key=lambda f: f[0])
    return [b for _, b in found]


def question_answer(doc: Document, res: FieldResult) -> FieldResult | None:
    """Where no value was linked to a printed question (a label that ends with `:` or `?`),
    the options that follow it: on its row to the right (the first within `QUESTION_GAP` line
    heights), else on the row under it (`_choice`); or a box of its own with no option text
    right after it (`Smoker: ☐`), which answers as an option's box does."""
    if res.value is not None or not res.label:
        return None
    if not res.label.rstrip().endswith(QUESTION_ENDS):
        return None
    pages = [p for p in doc.pages if res.page is None or p.index == res.page - 1]
    for page in pages:
        for x0, y0, x1, y1 in _label_boxes(page, res.label):
            h = max(1.0, y1 - y0)
            right, under = (x1, y0, x1 + 1, y1), (x0 - h, y1 + 0.2 * h, x0 - h + 1, y1 + 1.4 * h)
            for probe in (right, under):
                row = _row_options(page, probe)
                opts = [o for o in row if o.text]
                if opts and opts[0].bbox[0] - probe[0] <= QUESTION_GAP * h:
                    return _choice(res, page, _column_options(page, opts))
                if probe is right and row and not row[0].text and row[0].box[0] - x1 <= 2 * h:
                    # one box of its own right after the question (`Smoker: ☐`)
                    got = _box_result(res.name, page, row[0])
                    got.label = res.label
                    return got
    return None


def answer_boxes(doc: Document, key: str, res: FieldResult) -> FieldResult:
    """`res` for `key`, answered from the check boxes where they answer it: the key names an
    option (its box), or the value found is an option, or options follow a question with no
    value (the row of options, `normalized` the ticked ones)."""
    return (
        option_answer(doc, key, found=res.value is not None)
        or choice_answer(doc, res)
        or question_answer(doc, res)
        or one_box(res)
    )


def one_box(res: FieldResult) -> FieldResult:
    """`res`, typed as a check box where its value is one box alone (`Smoker: ☐`): `normalized`
    whether it is ticked, type `checkbox`."""
    mark = (res.value or "").strip()
    if len(mark) == 1 and mark in BOX_MARKS:
        res.type = "checkbox"
        res.normalized = mark in TICKED_MARKS
    return res


def has_boxes(doc: Document) -> bool:
    """Does any line of the document hold a check box (a mark)?"""
    return any(has_mark(ln) for p in doc.pages for ln in p.lines)
