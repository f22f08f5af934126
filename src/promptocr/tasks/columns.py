"""Text columns for `parse`: where the body text of a page runs in columns, and what is not a table.

The CDLA layout model's text boxes are unreliable on pages set in many narrow columns (one box
over two columns, a "table" over three columns of running text). `segment_text` rebuilds the
text regions of such a page from the OCR lines themselves: a recursive XY-cut that cuts at a
vertical gap (a gutter no line crosses) only when both sides read like columns of text (wide
enough, lines that fill the column) and otherwise at wide horizontal gaps; its leaves are split
into paragraphs. Receipts and forms (a narrow value column beside labels) have no such columns,
so `segment_text` reports none and the layout model's regions stand.

`prose_share` tells running text from table cells: the share of a region's lines that are
sentences (four words or more, or a dozen CJK characters) rather than short cell values.
"""

from __future__ import annotations

import bisect
import statistics
import unicodedata
from collections.abc import Sequence

from promptocr.document.layout import build_blocks, gap_cuts, sort_rows
from promptocr.document.model import Block, Line, same_row

COL_GAP = 0.2  # a gutter is at least this many line heights wide (between narrowed boxes)
BOX_SHRINK = 0.1  # text extents are narrowed by this many line heights on each side
COL_MIN_WIDTH = 5.0  # a text column is at least this many line heights wide ...
COL_MIN_LINES = 2  # ... holds at least this many lines ...
COL_FILL = 0.6  # ... whose median width is at least this share of the column's width
COL_ROW_GAP = 1.5  # ... and whose rows are at most this many line heights apart (median;
# double-spaced text is 1.1-1.3, exam options about 3)
SECTION_GAP = 1.2  # horizontal cut, in line heights
PROSE_SHARE = 0.5  # lines that are mostly sentences are running text


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"


def is_sentence(text: str) -> bool:
    """Running text rather than a table cell: 4+ words, or 12+ CJK characters."""
    t = text.strip()
    if sum(1 for ch in t if _is_cjk(ch)) >= 12:
        return True
    return len([w for w in t.split() if any(c.isalpha() for c in w)]) >= 4


def prose_share(lines: Sequence[Line]) -> float:
    """Share of `lines` (by count) that read as running text."""
    if not lines:
        return 0.0
    return sum(1 for ln in lines if is_sentence(ln.text)) / len(lines)


def text_extent(line: Line) -> tuple[float, float]:
    """Left and right x of a line's text: its words' boxes (placed from the recogniser's
    character positions) are tighter than the detector's padded line box."""
    if line.words:
        return (min(w.bbox[0] for w in line.words), max(w.bbox[2] for w in line.words))
    return (line.bbox[0], line.bbox[2])


def running_text(lines: Sequence[Line]) -> bool:
    """Lines that read as running text, not as a table: mostly sentences, or set in columns
    of text (`column_cuts` somewhere in an XY-cut), or one column of lines that fill it."""
    lines = [ln for ln in lines if ln.text.strip()]
    if not lines:
        return False
    if prose_share(lines) > PROSE_SHARE:
        return True
    lh = statistics.median(max(ln.height, 1.0) for ln in lines)
    if _in_columns(list(lines), lh):
        return True
    if _one_text_column(list(lines), lh):
        return True
    # most of the lines are one column of text (a boxed article), or columns of text side
    # by side, with a few lines of the next column caught at the region's edge; a group may
    # itself be set in columns under a line across them (two columns under a picture's
    # caption, which hides their gutter from the whole region) when its lines run on as
    # prose does (a table's text columns beside a column of numbers are set in columns too,
    # but its cells begin with a capital or a name)
    groups = _split(list(lines), gap_cuts(_spans(lines, lh), COL_GAP * lh), 0)

    def beside(g: list[Line]) -> bool:
        """Other lines share a third of its rows or more: a table's other cells."""
        own = {id(ln) for ln in g}
        rest = [o for o in lines if id(o) not in own]
        rows = sort_rows(g)
        shared = sum(1 for row in rows if any(same_row(o, row[0]) for o in rest))
        return 3 * shared > len(rows)

    held = sum(
        len(g)
        for g in groups
        if _one_text_column(g, lh) or (_runs_on(g) and _in_columns(g, lh) and not beside(g))
    )
    return held >= BULK * len(lines)


def _runs_on(lines: Sequence[Line]) -> bool:
    """Lines of running text: half of them or more begin with a lower-case word (running on
    from the line before), or a third or more hold CJK sentence punctuation."""
    texts = [ln.text.strip() for ln in lines if ln.text.strip()]
    lower = sum(1 for t in texts if t[:1].islower())
    punct = sum(1 for t in texts if any(ch in "，。；、：！？" for ch in t))
    return 2 * lower >= len(texts) or 3 * punct >= len(texts)


def _in_columns(lines: list[Line], lh: float) -> bool:
    """Lines an XY-cut finds set in text columns somewhere (`column_cuts`)."""
    found = [False]
    _xy(lines, lh, 0, found)
    return found[0]


def _one_text_column(lines: list[Line], lh: float) -> bool:
    """Three or more rows that fill a text column, one line each (mostly) or, where the
    detector boxed the words of a widely spaced line apart, with no gaps that line up
    between the rows (a table's cells do line up)."""
    rows = sort_rows(lines)
    if len(rows) < 3 or not _is_text_column(lines, lh):
        return False
    multi = [ln for row in rows if len(row) > 1 for ln in row]
    if len(multi) <= 0.2 * len(lines):
        return True
    return not gap_cuts(_spans(multi, lh), COL_GAP * lh)


BULK = 0.6


def _spans(lines: Sequence[Line], lh: float) -> list[tuple[float, float]]:
    """Text extents, narrowed a little (see `column_cuts`)."""
    s = BOX_SHRINK * lh
    return [(a + s, max(a + s, b - s)) for a, b in (text_extent(ln) for ln in lines)]


def _split(lines: list[Line], cuts: list[float], axis: int) -> list[list[Line]]:
    groups: list[list[Line]] = [[] for _ in range(len(cuts) + 1)]
    for ln in lines:
        centre = (ln.bbox[axis] + ln.bbox[axis + 2]) / 2
        groups[sum(1 for c in cuts if centre > c)].append(ln)
    return [g for g in groups if g]


def _is_text_column(group: list[Line], lh: float) -> bool:
    x0 = min(ln.bbox[0] for ln in group)
    x1 = max(ln.bbox[2] for ln in group)
    width = x1 - x0
    if width < COL_MIN_WIDTH * lh or len(group) < COL_MIN_LINES:
        return False
    # by rows: the detector may box the words of a widely spaced justified line apart
    rows = sort_rows(group)
    fill = statistics.median(
        max(ln.bbox[2] for ln in row) - min(ln.bbox[0] for ln in row) for row in rows
    ) / max(width, 1.0)
    # and it reads as text: rows of several words (a column of codes or numbers is no text)
    words = statistics.median(_words(" ".join(ln.text for ln in row)) for row in rows)
    if len(rows) < COL_MIN_LINES or fill < COL_FILL or words < 2:
        return False
    # and its rows follow one another at line spacing (the options C and D of an exam's
    # questions, one row under each question, are no column)
    gaps = [
        min(ln.bbox[1] for ln in b) - max(ln.bbox[3] for ln in a)
        for a, b in zip(rows, rows[1:], strict=False)
    ]
    return statistics.median(gaps) <= COL_ROW_GAP * lh


def _words(text: str) -> float:
    """Words in a row of text, a CJK character counting as a third of one."""
    cjk = sum(1 for ch in text if _is_cjk(ch))
    return len([w for w in text.split() if any(c.isalpha() for c in w)]) + cjk / 3


def column_cuts(lines: list[Line], lh: float, depth: int = 0) -> list[float]:
    """x positions of gutters between text columns in `lines` (empty when none). A side of a
    gutter may itself be set in columns (an article in two columns beside another article)."""
    if len(lines) < 2 * COL_MIN_LINES:
        return []
    # detector boxes are padded, and two halves of a line split at a gutter may touch: the
    # boxes are narrowed a little so that a gutter shows as a gap
    cuts = gap_cuts(_spans(lines, lh), COL_GAP * lh)
    if not cuts:
        return []
    groups = _split(lines, cuts, 0)
    if len(groups) != len(cuts) + 1 or not all(_columnar(g, lh, depth) for g in groups):
        return []
    return cuts


SPAN_GAP = 0.4  # a boxed note or a headline across columns sits this many line heights apart


def _spanning_cut(lines: list[Line], lh: float, depth: int) -> float | None:
    """A y position, at a narrow gap across the lines, below which lines run across the
    gutters of the columns above it (a boxed note under an article's columns) or above which
    they do (a headline over them): the lowest (or highest) such gap."""
    ys = gap_cuts([(ln.bbox[1], ln.bbox[3]) for ln in lines], SPAN_GAP * lh)
    for at in sorted(ys, reverse=True):
        top, bottom = _split(lines, [at], 1)
        if len(sort_rows(bottom)) <= len(sort_rows(top)) and column_cuts(top, lh, depth):
            return at
    for at in ys:
        top, bottom = _split(lines, [at], 1)
        if len(sort_rows(top)) < len(sort_rows(bottom)) and column_cuts(bottom, lh, depth):
            return at
    return None


NEST = 3  # how deep `_columnar` looks for columns inside a side of a gutter


def _columnar(lines: list[Line], lh: float, depth: int) -> bool:
    """One text column, or lines set in text columns themselves (under a deck or a
    headline of at most two rows, set apart by a section gap)."""
    if _is_text_column(lines, lh):
        return True
    if depth >= NEST or len(lines) < 2 * COL_MIN_LINES:
        return False
    if column_cuts(lines, lh, depth + 1):
        return True
    ycuts = gap_cuts([(ln.bbox[1], ln.bbox[3]) for ln in lines], SECTION_GAP * lh)
    if not ycuts:
        at = _spanning_cut(lines, lh, depth + 1)
        if at is None:
            return False
        ycuts = [at]
    parts = _split(lines, ycuts, 1)
    big = [p for p in parts if len(sort_rows(p)) > 2]
    return bool(big) and all(_columnar(p, lh, depth + 1) for p in big)


def _xy(lines: list[Line], lh: float, depth: int, found: list[bool]) -> list[list[Line]]:
    if len(lines) <= 1 or depth > 16:
        return [lines]
    cols = column_cuts(lines, lh)
    if cols:
        found[0] = True
        return [leaf for g in _split(lines, cols, 0) for leaf in _xy(g, lh, depth + 1, found)]
    rows = gap_cuts([(ln.bbox[1], ln.bbox[3]) for ln in lines], SECTION_GAP * lh)
    if not rows:
        at = _spanning_cut(lines, lh, 0)
        rows = [] if at is None else [at]
    if rows:
        return [leaf for g in _split(lines, rows, 1) for leaf in _xy(g, lh, depth + 1, found)]
    parts = _by_size(lines)  # a headline set close above the columns of its article
    if len(parts) > 1:
        return [leaf for g in parts for leaf in _xy(g, lh, depth + 1, found)]
    return [lines]


def segment_text(lines: Sequence[Line], hint: dict[int, int] | None = None) -> list[Block] | None:
    """Paragraph blocks of body-text lines laid out in columns, or None when the lines show no
    text columns (then the layout model's own text regions are kept). `hint` maps `id(line)`
    to the layout region the line was in: inside a column, a change of region starts a new
    paragraph (the model sees paragraph breaks the line spacing may not show)."""
    lines = [ln for ln in lines if ln.text.strip()]
    if len(lines) < 2 * COL_MIN_LINES:
        return None
    lh = statistics.median(max(ln.height, 1.0) for ln in lines)
    found = [False]
    leaves = _xy(list(lines), lh, 0, found)
    if not found[0]:
        return None
    return [
        b
        for leaf in leaves
        for part in _by_size(leaf)
        for piece in _by_hint(part, hint or {})
        for b in build_blocks(piece)
    ]


def _by_hint(lines: list[Line], hint: dict[int, int]) -> list[list[Line]]:
    """Rows cut where the layout region of their lines changes (one column's lines)."""
    if not hint:
        return [lines]
    parts: list[list[Line]] = []
    prev: int | None = None
    for row in sort_rows(lines):
        k = hint.get(id(row[0]), -1)
        if not parts or (k != prev and k >= 0 and prev is not None and prev >= 0):
            parts.append([])
        parts[-1].extend(row)
        prev = k
    return parts


SIZE_STEP = 1.2  # neighbouring rows whose heights differ by this factor are different blocks


def _by_size(lines: list[Line]) -> list[list[Line]]:
    """A leaf cut where the text size changes between rows (a headline over its article, a
    caption over body text)."""
    rows = sort_rows(lines)
    parts: list[list[Line]] = []
    prev = 0.0
    for row in rows:
        h = statistics.median(ln.height for ln in row)
        if not parts or max(h, prev) > SIZE_STEP * min(h, prev):
            parts.append([])
        parts[-1].extend(row)
        prev = h
    return parts


# Lines that run across a gutter, after recognition. The detector may box two lines of
# neighbouring columns as one where the gutter is narrower than its own gap threshold (half
# a character: `engines.gutters` does not see it); the recogniser then reads them as one line
# with a space where the gutter is. The other lines around it show the gutter: they end left
# of it and start right of it, and none crosses it.
GUTTER_WINDOW = 6.0  # lines this many line heights above and below are the neighbours
GUTTER_SIDE_LINES = 3  # neighbours flush on each side of the gutter
GUTTER_LINE_WIDTH = 3.0  # ... each a line of text at least this many line heights wide
GUTTER_FLUSH = 1.0  # a line right of a gutter starts within this many line heights of it
GUTTER_REACH = 5.0  # a line left of a gutter ends within this many line heights of it


NARROW_GUTTER = 0.8  # line heights: a gap narrower than this may be a word space


GUTTER_SIZE = 1.35  # lines set this much larger than most (headlines) are not cut
GUTTER_STRETCH = 6  # ... at least this many lines beside the gap show it free, in all
GUTTER_EDGE = 0.25  # line heights: three of them start this close together, at least
GUTTER_MIN_WIDTH = 0.15  # line heights between the neighbours' ends and starts, at least
GUTTER_PITCH = 1.3  # line heights between the middles of neighbouring rows of a column, at most
GUTTER_ALIGN = 0.3  # line heights: a line's pieces stay this close inside the columns' edges
GUTTER_GAP_SLACK = 0.1  # ... and its gap is the gutter's width, less this many line heights


def gutter_cuts(lines: Sequence[Line]) -> dict[int, list[int]]:
    """Lines that run across a column gutter, as `id(line)` -> the indexes of the words that
    start a new piece. A gap between two words of a line is a gutter when the lines above and
    below it show one there (`_shown_gutter`): within GUTTER_WINDOW line heights, up to the
    first line whose words cross the gap (a headline over the columns, a boxed note under
    them), at least three whole lines of text end left of it (within GUTTER_REACH line
    heights) and three start flush right of it (within GUTTER_FLUSH), at one x. Justified or
    ragged text in one column has no such gap (the next line's words cross every space of
    another line); a receipt's prices are not lines of text. The neighbours are judged by
    their words, not their whole extent: other lines run across the same gutter (justified
    text in narrow columns, where the detector bridges the gutter rather than the wider
    spaces between words) do not hide it."""
    lines = [ln for ln in lines if ln.text.strip()]
    if len(lines) < 2 * GUTTER_SIDE_LINES + 1:
        return {}
    lh = statistics.median(max(ln.height, 1.0) for ln in lines)
    shrink = BOX_SHRINK * lh
    # the lines, by their middle's height (a window of them is found by bisection: pages of
    # thousands of lines stay linear-ish); only lines of text 3+ line heights wide show a
    # gutter, but any line's words (a word of a justified line boxed apart) hide one
    rows = sorted(
        (
            (
                (o.bbox[1] + o.bbox[3]) / 2,
                o,
                _word_spans(o),
                o.bbox[2] - o.bbox[0] >= GUTTER_LINE_WIDTH * lh,
            )
            for o in lines
        ),
        key=lambda t: t[0],
    )
    mids = [t[0] for t in rows]
    body = statistics.median(_letter_size(ln) for ln in lines)
    out: dict[int, list[int]] = {}
    for ln in lines:
        if len(ln.words) < 2 or ln.bbox[2] - ln.bbox[0] < GUTTER_LINE_WIDTH * lh:
            continue
        xs = [w.bbox[0] for w in ln.words]
        if any(x1 < x0 for x0, x1 in zip(xs, xs[1:], strict=False)):
            continue  # words not left to right (a line read turned round): cut none
        if _letter_size(ln) > GUTTER_SIZE * body:  # a headline's word space is no gutter
            continue
        y0, y1 = ln.bbox[1] - GUTTER_WINDOW * lh, ln.bbox[3] + GUTTER_WINDOW * lh
        mid = (ln.bbox[1] + ln.bbox[3]) / 2
        lo, hi = bisect.bisect_left(mids, y0), bisect.bisect_right(mids, y1)
        around = [t for t in rows[lo:hi] if t[1] is not ln and not same_row(t[1], ln)]
        if ln.bbox[2] - ln.bbox[0] < 2 * GUTTER_LINE_WIDTH * lh:
            # a short line is cut only where the rest of its columns' row stands beside it
            # (a short line alone on its row, a centred subhead, is no pieces)
            beside = [t[1] for t in rows[lo:hi] if t[1] is not ln and same_row(t[1], ln)]
            if not any(
                o.bbox[2] <= ln.bbox[0] + shrink or o.bbox[0] >= ln.bbox[2] - shrink for o in beside
            ):
                continue
        # nearest first, upwards and downwards
        up = sorted((t for t in around if t[0] < mid), key=lambda t: -t[0])
        down = [t for t in around if t[0] >= mid]
        if sum(1 for t in around if t[3]) < 2 * GUTTER_SIDE_LINES:
            continue
        cuts: list[int] = []
        words = ln.words  # in reading order: left to right on the upright page
        for k in range(1, len(words)):
            a, b = (
                min(words[k - 1].bbox[2], words[k].bbox[0]),
                max(words[k - 1].bbox[2], words[k].bbox[0]),
            )
            left: list[Side] = []
            right: list[Side] = []
            x = _shown_gutter(up, down, (a, b, mid), shrink, lh, left, right)
            if x is None:
                continue
            # a gap no wider than a word space is a gutter only inside the columns (text on
            # both sides above and below it), or in the top or bottom row of the columns:
            # where the line's pieces stay inside the columns' edges and it follows the
            # columns' lines at line spacing (a line set across the columns' top or a boxed
            # note under them, with a word space there by chance, is set apart or reaches
            # into the gutter)
            if b - a < NARROW_GUTTER * lh:
                ups = [t[0] for t in left if t[3]], [t[0] for t in right if t[3]]
                inside = all(any(u) and not all(u) for u in ups)
                tol = GUTTER_ALIGN * lh
                end, start = max(t[1] for t in left), min(t[1] for t in right)
                flush = (
                    a <= end + tol
                    and b >= start - tol
                    # the gap spans the gutter itself, not a word space inside it by chance
                    and b - a >= start - end - GUTTER_GAP_SLACK * lh
                    and max(min(t[2] for t in left), min(t[2] for t in right)) <= GUTTER_PITCH * lh
                    # letters spaced out (`A N N U A L`) are no columns' words
                    and min(len(words[k - 1].text.strip()), len(words[k].text.strip())) > 1
                )
                if not (inside or flush):
                    continue
            cuts.append(k)
        if cuts:
            out[id(ln)] = cuts
    return out


Row = tuple[float, Line, list[tuple[float, float]], bool]  # middle, line, words, wide
Side = tuple[bool, float, float, bool]  # above, end or start, distance, wide


def _shown_gutter(
    up: list[Row],
    down: list[Row],
    gap: tuple[float, float, float],
    shrink: float,
    lh: float,
    left: list[Side],
    right: list[Side],
) -> float | None:
    """The x of a gutter in the gap (a, b) of a line at height `mid` that its neighbours (`up`,
    `down`: nearest first) show, or None. The neighbours that end within GUTTER_REACH line
    heights left of the gap or start within GUTTER_FLUSH right of it are looked at, each way up
    to the first one whose words (narrowed by `shrink`) leave no part of the gap free; `left`
    and `right` get (above, x, distance, whole) of those that end left of the gutter and start
    flush right of it (only whole lines of text on one side show it)."""
    a, b, mid = gap
    stretch: list[Row] = []
    spans: list[tuple[float, float]] = []
    for side in (up, down):
        seen = list(spans)
        for t in side:
            s, e = min(w[0] for w in t[2]), max(w[1] for w in t[2])
            if e < a - GUTTER_REACH * lh or s > b + GUTTER_FLUSH * lh:  # away from the gap
                continue
            # (only words over the gap matter: a line of many words stays cheap)
            near = [w for w in t[2] if w[1] - shrink > a and w[0] + shrink < b]
            if near and _free_x([*seen, *near], a, b, shrink) is None:
                break
            seen.extend(near)
            stretch.append(t)
        spans = seen
    x = _free_x(spans, a, b, shrink)
    # and they are many (a few lines of one column may leave a space free by chance: a
    # river of ragged or justified text)
    if x is None or len(stretch) < GUTTER_STRETCH:
        return None
    outer = [x, x]  # how far the columns on either side reach
    for m, _o, ws, wide in stretch:
        above = m < mid
        before = [(s, e) for s, e in ws if (s + e) / 2 < x]
        after = [(s, e) for s, e in ws if (s + e) / 2 >= x]
        # (only a line of text that ends left of the gap, or starts right of it, shows a
        # gutter: the spaces of a river of text lie inside lines)
        if before and x - before[-1][1] <= GUTTER_REACH * lh:
            left.append((above, before[-1][1], abs(m - mid), wide and not after))
            outer[0] = min(outer[0], before[0][0]) if wide and not after else outer[0]
        if after and -shrink <= after[0][0] - x <= GUTTER_FLUSH * lh:
            right.append((above, after[0][0], abs(m - mid), wide and not before))
            outer[1] = max(outer[1], after[-1][1]) if wide and not before else outer[1]
    if min(sum(t[3] for t in left), sum(t[3] for t in right)) < GUTTER_SIDE_LINES:
        return None
    # a gutter stands between two columns of text (a river of text inside one column leaves
    # less than a column's width on one side)
    if min(x - outer[0], outer[1] - x) < COL_MIN_WIDTH * lh:
        return None
    # the lines right of a gutter start flush, at one x: a column's edge (the words after the
    # spaces of a river of justified text start where they happen to)
    starts = sorted(t[1] for t in right if t[3])
    if not any(
        starts[i + GUTTER_SIDE_LINES - 1] - starts[i] <= GUTTER_EDGE * lh
        for i in range(len(starts) - GUTTER_SIDE_LINES + 1)
    ):
        return None
    # and a gutter is a white stretch between the whole lines' ends and starts (the spaces
    # of a river of text overlap; the words of a line that bridges the gutter too are placed
    # only roughly, from the recogniser's character timing, and may reach into it)
    ends = [t[1] for t in left if t[3]]
    if min(starts) - max(ends) < GUTTER_MIN_WIDTH * lh:
        return None
    return x


def _letter_size(line: Line) -> float:
    """Width per character of a line's words (spaces left out): the size of its type. A wide
    (CJK, full-width) character counts as two, so Chinese body text is not taken for a
    headline on a page set mostly in Latin letters."""
    words = [w for w in line.words if w.text.strip()]
    chars = sum(_cells(w.text.strip()) for w in words)
    if not chars:
        return max(line.bbox[2] - line.bbox[0], 1.0) / max(len(line.text), 1)
    return sum(w.bbox[2] - w.bbox[0] for w in words) / chars


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _word_spans(line: Line) -> list[tuple[float, float]]:
    """The x extents of a line's words, left to right (its text extent when it has none)."""
    if line.words:
        return sorted((w.bbox[0], w.bbox[2]) for w in line.words)
    return [text_extent(line)]


def _free_x(spans: list[tuple[float, float]], a: float, b: float, shrink: float) -> float | None:
    """An x in [a, b] that no span (narrowed by `shrink` on each side) covers: the middle of
    the widest free stretch; None when there is none."""
    if b - a < 1.0:
        m = (a + b) / 2
        return None if any(s + shrink < m < e - shrink for s, e in spans) else m
    covered = sorted(
        (max(a, s + shrink), min(b, e - shrink))
        for s, e in spans
        if e - shrink > a and s + shrink < b
    )
    best: tuple[float, float] | None = None
    at = a
    for s, e in [*covered, (b, b)]:
        if s > at and (best is None or s - at > best[1] - best[0]):
            best = (at, s)
        at = max(at, e)
    return None if best is None else (best[0] + best[1]) / 2


def split_line(line: Line, starts: Sequence[int]) -> list[Line]:
    """`line` cut before each word index in `starts`: the pieces keep their words, the line's
    confidence, and the part of its polygon (top and bottom edges) their words cover."""
    words = line.words
    edges = [0, *starts, len(words)]
    out: list[Line] = []
    for i, j in zip(edges, edges[1:], strict=False):
        part = words[i:j]
        if not part:
            continue
        first, last = part[0].polygon, part[-1].polygon
        poly = (first[0], last[1], last[2], first[3])
        text = " ".join(wd.text for wd in part)
        out.append(Line(text, line.confidence, poly, list(part), line.origin))
    return out
