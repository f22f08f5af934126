"""Table structure from OCR lines and ruling lines: a cell grid and its HTML.

Input: the page image, the box of a table region and the OCR lines inside it.

1. Ruling lines: the crop is binarised and opened with long thin horizontal and vertical kernels
   (OpenCV morphology); what survives are rules, kept as segments (y, x0, x1) / (x, y0, y1).
2. Text pieces: each OCR line is cut where two of its words are further apart than a line height
   (the detector sometimes reads two neighbouring cells as one line).
3. Rows: pieces whose vertical extents overlap form a visual row. Where horizontal rules cross
   the whole table between most rows (a fully ruled grid), the bands between rules are the rows
   instead, so a cell whose text wraps onto two lines stays one cell.
4. Columns: vertical rules spanning the body when present; otherwise the x-axis is cut where no
   piece covers it, and also where only a few rows cover it (a spanning header bridging a
   column gap), at the least-covered point.
5. Cells: each piece goes to its row and to the columns it overlaps; a piece crossing a column
   cut whose neighbours in its row are empty becomes a `colspan` cell. In a ruled grid, an empty
   cell below a filled one with no horizontal rule between them joins it as a `rowspan`.
6. Header: the rows above the first internal horizontal rule (up to three), else the first row,
   go into `<thead>`.
"""

from __future__ import annotations

import html
import statistics
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from promptocr.document.model import BBox, Line, Word, union_bbox

WORD_SPLIT_GAP = 0.8  # cut a line between words further apart than this many line heights
MIN_COL_GAP = 0.25  # narrowest uncovered stretch that separates columns, in line heights
LOW_COVER_SHARE = 0.2  # a gap bridged by at most this share of rows still separates columns


@dataclass(slots=True)
class Piece:
    """A run of text inside one cell: a whole OCR line or part of one."""

    text: str
    bbox: BBox
    confidence: float


@dataclass(slots=True)
class TableCell:
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    text: str = ""
    bbox: BBox | None = None
    confidence: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "col": self.col,
            "rowspan": self.rowspan,
            "colspan": self.colspan,
            "text": self.text,
            "bbox": [round(v, 1) for v in self.bbox] if self.bbox else None,
            "confidence": round(self.confidence, 4),
        }


@dataclass(slots=True)
class Rules:
    """Ruling lines found in a table crop, in page coordinates."""

    horizontal: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1)
    vertical: list[tuple[float, float, float]] = field(default_factory=list)  # (x, y0, y1)


@dataclass(slots=True)
class TableGrid:
    """A table as a grid of cells (only the top-left slot of a spanning cell is listed)."""

    n_rows: int
    n_cols: int
    cells: list[TableCell]
    bbox: BBox
    header_rows: int = 0
    ruled: bool = False
    ruled_rows: bool = False  # horizontal rules separate most of its text rows

    def to_html(self) -> str:
        """`<table>` with `<thead>`/`<tbody>`, `<td rowspan/colspan>`, text escaped."""
        by_row: dict[int, list[TableCell]] = {}
        for c in self.cells:
            by_row.setdefault(c.row, []).append(c)

        def tr(r: int) -> str:
            parts = []
            for c in sorted(by_row.get(r, []), key=lambda c: c.col):
                attrs = ""
                if c.rowspan > 1:
                    attrs += f' rowspan="{c.rowspan}"'
                if c.colspan > 1:
                    attrs += f' colspan="{c.colspan}"'
                parts.append(f"<td{attrs}>{html.escape(c.text, quote=False)}</td>")
            return "<tr>" + "".join(parts) + "</tr>"

        head = "".join(tr(r) for r in range(self.header_rows))
        body = "".join(tr(r) for r in range(self.header_rows, self.n_rows))
        out = "<table>"
        if head:
            out += f"<thead>{head}</thead>"
        if body:
            out += f"<tbody>{body}</tbody>"
        return out + "</table>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.n_rows,
            "cols": self.n_cols,
            "header_rows": self.header_rows,
            "ruled": self.ruled,
            "bbox": [round(v, 1) for v in self.bbox],
            "cells": [c.to_dict() for c in self.cells],
            "html": self.to_html(),
        }


# --------------------------------------------------------------------------------------------
# Ruling lines


def detect_rules(rgb: np.ndarray, bbox: BBox, text_height: float) -> Rules:
    """Horizontal and vertical rules inside `bbox` of the page image (page coordinates)."""
    h_img, w_img = rgb.shape[:2]
    x0, y0 = max(0, int(bbox[0])), max(0, int(bbox[1]))
    x1, y1 = min(w_img, int(np.ceil(bbox[2]))), min(h_img, int(np.ceil(bbox[3])))
    rules = Rules()
    if x1 - x0 < 8 or y1 - y0 < 8:
        return rules
    gray = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    bw = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)
    ch, cw = bw.shape
    th = max(text_height, 6.0)
    # A rule is much longer than any glyph stroke: at least 3 text heights, or 1/4 of the table.
    hlen = int(max(3 * th, min(cw / 4, 12 * th)))
    vlen = int(max(1.6 * th, min(ch / 4, 6 * th)))
    hmask = cv2.morphologyEx(
        bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hlen, 1))
    )
    vmask = cv2.morphologyEx(
        bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vlen))
    )
    for mask, horizontal in ((hmask, True), (vmask, False)):
        n, _labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for i in range(1, n):
            sx, sy, sw, sh, _area = (int(v) for v in stats[i])
            if horizontal:
                if sh > max(4, th / 2):
                    continue  # a filled bar or dark band, not a rule
                rules.horizontal.append((y0 + sy + sh / 2, float(x0 + sx), float(x0 + sx + sw)))
            else:
                if sw > max(4, th / 2):
                    continue
                rules.vertical.append((x0 + sx + sw / 2, float(y0 + sy), float(y0 + sy + sh)))
    rules.horizontal = _merge_rules(rules.horizontal, tol=max(3.0, th / 3))
    rules.vertical = _merge_rules(rules.vertical, tol=max(3.0, th / 3))
    return rules


def _merge_rules(
    segs: list[tuple[float, float, float]], tol: float
) -> list[tuple[float, float, float]]:
    """Join collinear segments at about the same position (broken or double-drawn rules)."""
    out: list[tuple[float, float, float]] = []
    for pos, a, b in sorted(segs):
        for k, (p2, a2, b2) in enumerate(out):
            if abs(p2 - pos) <= tol and a <= b2 + tol and b >= a2 - tol:
                out[k] = ((p2 + pos) / 2, min(a, a2), max(b, b2))
                break
        else:
            out.append((pos, a, b))
    return out


# --------------------------------------------------------------------------------------------
# Running text set in a grid

TEXT_FILL = 0.8  # a line of running text fills its column (median over the column's cells) ...
TEXT_WORDS = 2.0  # ... with this many words or more (a CJK character counts a third of one)
TEXT_CELLS = 3  # a column of text has at least this many such lines ...
TEXT_WIDTH = 5.0  # ... and is at least this many line heights wide (a column of names is not)
PROSE_WORDS = 4.0  # one column at least reads as prose: this many words a line (median)


def reads_as_text(grid: TableGrid, framed: bool = False) -> bool:
    """A grid whose cells are lines of running text set in columns, not a table's cells.

    A table has short cells somewhere: numbers, labels and values narrower than their column,
    in at least one of its columns. Columns of running text (an article set in columns, maybe
    inside a ruled frame with a rule between its columns) have none: every column that holds
    text in two rows or more is a column of text (TEXT_WIDTH line heights wide or more) whose
    cells (median) are lines of several words that fill its width, and one column at least
    reads as prose (PROSE_WORDS a line, or lines that run on: `_runs_on`) or the grid stands
    `framed` in a boxed article. Horizontal rules between most rows are a table's own
    ruling and keep it one. Cells spanning columns (a headline over the columns) are left out."""
    if grid.ruled_rows:
        return False
    by_col: dict[int, list[TableCell]] = {}
    for c in grid.cells:
        if c.text.strip() and c.colspan == 1 and c.bbox is not None:
            by_col.setdefault(c.col, []).append(c)
    text_cols = 0
    prose = False
    for cells in by_col.values():
        if len(cells) < 2:
            continue
        boxes = [c.bbox for c in cells if c.bbox is not None]
        width = max(b[2] for b in boxes) - min(b[0] for b in boxes)
        fill = statistics.median((b[2] - b[0]) / max(width, 1.0) for b in boxes)
        words = statistics.median(_word_count(c.text) for c in cells)
        lh = statistics.median(b[3] - b[1] for b in boxes)
        if len(cells) < TEXT_CELLS or fill < TEXT_FILL or words < TEXT_WORDS:
            return False
        if width < TEXT_WIDTH * lh:
            return False
        text_cols += 1
        prose = prose or words >= PROSE_WORDS or _runs_on(cells)
    # a table of short text cells (session | speaker, 单位名称 | 通讯地址) fills its columns
    # too; running text has lines of several words in one column at least
    return text_cols > 0 and (prose or framed)


def _runs_on(cells: list[TableCell]) -> bool:
    """Lines that run on from the line above: half of them or more begin with a lower-case
    word, or a third or more hold CJK sentence punctuation (a table's cells begin with a
    capital or a name, and hold no sentences)."""
    texts = [c.text.strip() for c in sorted(cells, key=lambda c: c.row)]
    lower = sum(1 for t in texts[1:] if t[:1].islower())
    punct = sum(1 for t in texts if any(ch in "，。；、：！？" for ch in t))
    return 2 * lower >= max(1, len(texts) - 1) or 3 * punct >= len(texts)


def _word_count(text: str) -> float:
    """Words in a cell's text, a CJK character counting as a third of one (numbers and
    symbols are no words)."""
    cjk = sum(1 for ch in text if _is_cjk(ch))
    return (
        len([w for w in text.split() if any(ch.isalpha() and not _is_cjk(ch) for ch in w)])
        + cjk / 3
    )


# --------------------------------------------------------------------------------------------
# Text pieces


def split_line(line: Line, gap: float = WORD_SPLIT_GAP) -> list[Piece]:
    """Cut a line between words further apart than `gap` line heights."""
    words: list[Word] = sorted(line.words, key=lambda w: w.bbox[0])
    h = max(line.height, 1.0)
    lb = line.bbox
    if not words:
        return [Piece(line.text.strip(), lb, line.confidence)]
    groups: list[list[Word]] = [[words[0]]]
    for w in words[1:]:
        if w.bbox[0] - groups[-1][-1].bbox[2] > gap * h:
            groups.append([])
        groups[-1].append(w)
    if len(groups) == 1:
        # word boxes are tighter than the detector's (padded) line box: better column gaps
        x0 = max(lb[0], words[0].bbox[0] - 0.1 * h)
        x1 = min(lb[2], max(w.bbox[2] for w in words) + 0.1 * h)
        return [Piece(line.text.strip(), (x0, lb[1], x1, lb[3]), line.confidence)]
    out = []
    for g in groups:
        box = union_bbox([w.bbox for w in g])
        text = _join_words([w.text for w in g])
        conf = sum(w.confidence for w in g) / len(g)
        out.append(Piece(text, (box[0], lb[1], box[2], lb[3]), conf))
    return out


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uff00" <= ch <= "\uffef"


def _join_words(words: list[str]) -> str:
    out = ""
    for w in words:
        if out and not (_is_cjk(out[-1]) and _is_cjk(w[:1])):
            out += " "
        out += w
    return out


# --------------------------------------------------------------------------------------------
# Rows and columns


def _rows_by_overlap(pieces: list[Piece]) -> list[list[Piece]]:
    rows: list[list[Piece]] = []
    spans: list[tuple[float, float]] = []
    for p in sorted(pieces, key=lambda p: (p.bbox[1] + p.bbox[3]) / 2):
        y0, y1 = p.bbox[1], p.bbox[3]
        for k in range(max(0, len(rows) - 3), len(rows)):
            a, b = spans[k]
            overlap = min(b, y1) - max(a, y0)
            if overlap > 0.5 * min(b - a, y1 - y0):
                rows[k].append(p)
                spans[k] = (min(a, y0), max(b, y1))
                break
        else:
            rows.append([p])
            spans.append((y0, y1))
    order = sorted(range(len(rows)), key=lambda k: spans[k][0] + spans[k][1])
    return [sorted(rows[k], key=lambda p: p.bbox[0]) for k in order]


def _full_rules(
    rules: list[tuple[float, float, float]], lo: float, hi: float, share: float = 0.8
) -> list[float]:
    """Positions of rules covering at least `share` of [lo, hi], counting the pieces of a rule
    broken by spanning cells together."""
    span = max(hi - lo, 1.0)
    groups: list[list[tuple[float, float, float]]] = []
    for seg in sorted(rules):
        if groups and abs(seg[0] - groups[-1][-1][0]) <= 4:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    out = []
    for g in groups:
        covered = sum(max(0.0, min(b, hi) - max(a, lo)) for _, a, b in g)
        if covered >= share * span:
            out.append(statistics.fmean(pos for pos, _, _ in g))
    return sorted(out)


def _column_cuts(rows: list[list[Piece]], x0: float, x1: float, lh: float) -> list[float]:
    """Column separators from how many rows cover each x (see the module docstring)."""
    width = int(np.ceil(x1 - x0)) + 1
    if width <= 2:
        return []
    cover = np.zeros(width, dtype=np.int32)
    for row in rows:
        hit = np.zeros(width, dtype=bool)
        for p in row:
            a = int(max(0, p.bbox[0] - x0))
            b = int(min(width, np.ceil(p.bbox[2] - x0)))
            hit[a:b] = True
        cover += hit
    low = max(1, int(LOW_COVER_SHARE * len(rows))) if len(rows) >= 5 else 0
    min_gap = max(2.0, MIN_COL_GAP * lh)
    cuts: list[float] = []
    i = 0
    first = int(np.argmax(cover > 0))
    last = width - 1 - int(np.argmax(cover[::-1] > 0))
    i = first
    while i <= last:
        if cover[i] > low:
            i += 1
            continue
        j = i
        while j <= last and cover[j] <= low:
            j += 1
        # [i, j) is a low-coverage run strictly inside the text extent
        if i > first and j <= last and j - i >= min_gap:
            zero = np.nonzero(cover[i:j] == 0)[0]
            runs = np.split(zero, np.nonzero(np.diff(zero) > 1)[0] + 1) if zero.size else []
            wide = [r for r in runs if len(r) >= min_gap]
            if len(wide) >= 2:
                # a sparse column (text in few rows) between empty stretches: cut at each
                cuts.extend(x0 + i + (r[0] + r[-1]) / 2 for r in wide)
            else:
                # one gap, maybe bridged by a spanning cell: cut in its middle
                cuts.append(x0 + (i + j - 1) / 2)
        i = j
    return sorted(cuts)


def _col_range(box: BBox, cuts: list[float], lh: float) -> tuple[int, int]:
    """First and last column a box overlaps (ignoring slivers under a third of a line height)."""
    pad = min(lh / 3, (box[2] - box[0]) / 4)
    a = sum(1 for c in cuts if c < box[0] + pad)
    b = sum(1 for c in cuts if c < box[2] - pad)
    return a, max(a, b)


# --------------------------------------------------------------------------------------------
# The grid


def build_table(rgb: np.ndarray | None, lines: list[Line], bbox: BBox) -> TableGrid:
    """Cell grid of the table in `bbox` from its OCR `lines` (and rules, if `rgb` is given)."""
    pieces = [p for ln in lines if ln.text.strip() for p in split_line(ln) if p.text]
    if not pieces:
        return TableGrid(0, 0, [], bbox)
    lh = statistics.median(max(p.bbox[3] - p.bbox[1], 1.0) for p in pieces)
    rules = detect_rules(rgb, bbox, lh) if rgb is not None else Rules()
    tx0 = min(p.bbox[0] for p in pieces)
    tx1 = max(p.bbox[2] for p in pieces)
    ty0 = min(p.bbox[1] for p in pieces)
    ty1 = max(p.bbox[3] for p in pieces)

    # Rows: visual text rows; in a ruled grid, text rows with no rule between them are one row
    # (a cell whose text wraps).
    text_rows = _rows_by_overlap(pieces)
    seps = _row_separators(text_rows, rules.horizontal, tx1 - tx0, lh)
    ruled_rows = len(text_rows) >= 2 and sum(y is not None for y in seps) >= max(
        1.0, 0.6 * (len(text_rows) - 1)
    )
    rows: list[list[Piece]] = []
    bounds: list[float] = []  # y between row k and k+1 (a rule where there is one)
    for k, row in enumerate(text_rows):
        if k and ruled_rows and seps[k - 1] is None:
            rows[-1].extend(row)
            continue
        if k:
            sep = seps[k - 1]
            bounds.append(sep if sep is not None else _mid_gap(text_rows[k - 1], row))
        rows.append(list(row))

    # Columns: vertical rules down most of the table when there are some, else coverage gaps.
    vlong = _full_rules(rules.vertical, ty0, ty1, share=0.5)
    inner_v = [x for x in vlong if tx0 + lh / 3 < x < tx1 - lh / 3]
    ruled_cols = bool(inner_v)
    cuts = inner_v if ruled_cols else _column_cuts(rows, tx0, tx1, lh)
    n_cols = len(cuts) + 1
    if not ruled_rows:
        rows, bounds = _merge_continuations(rows, bounds, cuts, lh)
    n_rows = len(rows)

    # Place pieces: a piece crossing column cuts spans them when its row leaves them free.
    slots: dict[tuple[int, int], list[Piece]] = {}
    spans: dict[tuple[int, int], int] = {}
    for r, row in enumerate(rows):
        ranges = [_col_range(p.bbox, cuts, lh) for p in row]
        for k, p in enumerate(row):
            a, b = ranges[k]
            if b > a:
                taken = {
                    c
                    for j, (a2, b2) in enumerate(ranges)
                    if j != k and not (a2 == a and b2 == b)
                    for c in range(a2, b2 + 1)
                }
                if ruled_cols or any(c in taken for c in range(a, b + 1)):
                    centre = (p.bbox[0] + p.bbox[2]) / 2
                    a = b = sum(1 for c in cuts if c < centre)
            ranges[k] = (a, b)
            slots.setdefault((r, a), []).append(p)
            spans[(r, a)] = max(spans.get((r, a), 0), b - a + 1)

    covered: set[tuple[int, int]] = set()
    cells: list[TableCell] = []
    for r in range(n_rows):
        for c in range(n_cols):
            if (r, c) in covered:
                continue
            span = spans.get((r, c), 1)
            # a span may not run over a slot that has its own text
            for k in range(1, span):
                if (r, c + k) in slots or (r, c + k) in covered:
                    span = k
                    break
            for k in range(1, span):
                covered.add((r, c + k))
            cells.append(_make_cell(r, c, span, slots.get((r, c), [])))

    grid = TableGrid(
        n_rows, n_cols, cells, bbox, ruled=ruled_rows or ruled_cols, ruled_rows=ruled_rows
    )
    if not ruled_cols:
        _section_rows(grid)
    edges = [min(tx0, bbox[0]), *cuts, max(tx1, bbox[2])]
    tops = [min(ty0, bbox[1]), *bounds, max(ty1, bbox[3])]
    if ruled_cols:
        _col_spans(grid, rules, edges, tops, lh)
    if ruled_rows:
        _row_spans(grid, rules, edges, tops, lh)
    grid.header_rows = _header_rows(rows, rules, tx1 - tx0, bounds, seps)
    if not ruled_cols:
        _centre_group_headers(grid, edges)
    return grid


def _centre_group_headers(grid: TableGrid, edges: list[float]) -> None:
    """Header conventions: a group header is centred over its group, so a header cell widens
    over empty neighbours in its row while that centres its columns on its text (by half, for
    a cell that did not already span); and in a header of several rows, a cell with only empty
    cells below it in the header spans down to the body."""
    for r in range(grid.header_rows):
        row = {c.col: c for c in grid.cells if c.row == r}
        last = r == grid.header_rows - 1
        for cell in sorted(row.values(), key=lambda c: c.col):
            if cell.bbox is None or cell.rowspan != 1 or (cell.colspan < 2 and last):
                continue
            _widen(cell, row, edges, grid)
    for r in range(grid.header_rows - 1):
        for cell in [c for c in grid.cells if c.row == r and c.text and c.rowspan == 1]:
            below = [
                c
                for c in grid.cells
                if r < c.row < grid.header_rows
                and c.col < cell.col + cell.colspan
                and c.col + c.colspan > cell.col
            ]
            fits = all(
                not c.text and cell.col <= c.col and c.col + c.colspan <= cell.col + cell.colspan
                for c in below
            )
            if below and fits:
                for c in below:
                    grid.cells.remove(c)
                cell.rowspan = grid.header_rows - r


def _widen(cell: TableCell, row: dict[int, TableCell], edges: list[float], grid: TableGrid) -> None:
    assert cell.bbox is not None
    mid = (cell.bbox[0] + cell.bbox[2]) / 2
    need = 0.5 if cell.colspan == 1 else 1.0

    def off(a: int, b: int) -> float:
        return abs((edges[a] + edges[b + 1]) / 2 - mid)

    while True:
        a, b = cell.col, cell.col + cell.colspan - 1
        best = off(a, b)
        options: list[tuple[float, TableCell]] = []
        for other, span in ((row.get(a - 1), (a - 1, b)), (row.get(b + 1), (a, b + 1))):
            if other is not None and not other.text and other.colspan == 1 and other.rowspan == 1:
                options.append((off(*span), other))
        if not options:
            return
        score, other = min(options, key=lambda o: o[0])
        if score >= need * best - 1e-6:
            return
        need = 1.0
        grid.cells.remove(other)
        del row[other.col]
        del row[cell.col]
        cell.col = min(cell.col, other.col)
        cell.colspan += 1
        row[cell.col] = cell


def _merge_continuations(
    rows: list[list[Piece]], bounds: list[float], cuts: list[float], lh: float
) -> tuple[list[list[Piece]], list[float]]:
    """Join a text row to the row above when it continues wrapped cells: its text lies only in
    columns the row above fills (at most half of them), starts in lower case, and follows at
    line spacing."""
    out = [rows[0]]
    out_bounds: list[float] = []
    for k in range(1, len(rows)):
        prev, row = out[-1], rows[k]
        prev_cols = {_col_range(p.bbox, cuts, lh)[0] for p in prev}
        cols = {_col_range(p.bbox, cuts, lh)[0] for p in row}
        gap = min(p.bbox[1] for p in row) - max(p.bbox[3] for p in prev)
        lower = all(p.text[:1].islower() for p in row)
        if cols <= prev_cols and len(cols) <= len(prev_cols) // 2 and lower and gap < 0.6 * lh:
            out[-1] = prev + row
            continue
        out.append(row)
        out_bounds.append(bounds[k - 1])
    return out, out_bounds


def _section_rows(grid: TableGrid) -> None:
    """A row with text in its first cell only, in a table of three or more columns, is a
    section label: it spans the whole row."""
    if grid.n_cols < 3:
        return
    for r in range(grid.n_rows):
        row = [c for c in grid.cells if c.row == r]
        filled = [c for c in row if c.text]
        if len(filled) == 1 and filled[0].col == 0 and all(c.rowspan == 1 for c in row):
            for c in row:
                if c is not filled[0]:
                    grid.cells.remove(c)
            filled[0].colspan = grid.n_cols


def _mid_gap(upper: list[Piece], lower: list[Piece]) -> float:
    return (max(p.bbox[3] for p in upper) + min(p.bbox[1] for p in lower)) / 2


def _row_separators(
    rows: list[list[Piece]], hrules: list[tuple[float, float, float]], width: float, lh: float
) -> list[float | None]:
    """For each pair of neighbouring text rows, the y of a rule between them (or None). A rule
    counts when it is long (a fifth of the table, or three text heights)."""
    out: list[float | None] = []
    need = min(0.2 * width, 3 * lh)
    for upper, lower in zip(rows, rows[1:], strict=False):
        lo = statistics.fmean((p.bbox[1] + p.bbox[3]) / 2 for p in upper)
        hi = statistics.fmean((p.bbox[1] + p.bbox[3]) / 2 for p in lower)
        found = [y for y, a, b in hrules if lo < y < hi and b - a >= need]
        out.append(statistics.fmean(found) if found else None)
    return out


def _band_rows(pieces: list[Piece], cuts: list[float]) -> list[list[Piece]]:
    bands: list[list[Piece]] = [[] for _ in range(len(cuts) + 1)]
    for p in pieces:
        centre = (p.bbox[1] + p.bbox[3]) / 2
        bands[sum(1 for y in cuts if centre > y)].append(p)
    return [sorted(b, key=lambda p: ((p.bbox[1] + p.bbox[3]) / 2, p.bbox[0])) for b in bands if b]


def _make_cell(r: int, c: int, span: int, ps: list[Piece]) -> TableCell:
    if not ps:
        return TableCell(r, c, 1, span)
    lines = _rows_by_overlap(ps)
    text = " ".join(_join_words([p.text for p in ln]) for ln in lines)
    conf = sum(p.confidence * max(len(p.text), 1) for p in ps) / sum(
        max(len(p.text), 1) for p in ps
    )
    return TableCell(r, c, 1, span, text, union_bbox([p.bbox for p in ps]), conf)


def _h_ruled(rules: Rules, y: float, a: float, b: float, tol: float) -> bool:
    need = 0.6 * (b - a)
    return any(
        abs(pos - y) <= tol and min(e, b) - max(s, a) >= need for pos, s, e in rules.horizontal
    )


def _v_ruled(rules: Rules, x: float, a: float, b: float, tol: float) -> bool:
    need = 0.6 * (b - a)
    return any(
        abs(pos - x) <= tol and min(e, b) - max(s, a) >= need for pos, s, e in rules.vertical
    )


def _col_spans(
    grid: TableGrid, rules: Rules, edges: list[float], tops: list[float], lh: float
) -> None:
    """In a ruled grid, a filled cell takes in the empty cells to its right that no vertical
    rule separates from it (a spanning header)."""
    tol = max(4.0, lh / 3)
    by_pos = {(c.row, c.col): c for c in grid.cells}
    for cell in sorted(grid.cells, key=lambda c: (c.row, c.col)):
        if not cell.text or cell.rowspan != 1:
            continue
        a, b = tops[cell.row], tops[cell.row + 1]
        while cell.col > 0:
            prv = by_pos.get((cell.row, cell.col - 1))
            if prv is None or prv.text or prv.rowspan != 1:
                break
            if _v_ruled(rules, edges[cell.col], a, b, tol):
                break
            grid.cells.remove(prv)
            del by_pos[(prv.row, prv.col)]
            del by_pos[(cell.row, cell.col)]
            cell.col -= prv.colspan
            cell.colspan += prv.colspan
            by_pos[(cell.row, cell.col)] = cell
        while cell.col + cell.colspan < grid.n_cols:
            nxt = by_pos.get((cell.row, cell.col + cell.colspan))
            if nxt is None or nxt.text or nxt.rowspan != 1:
                break
            if _v_ruled(rules, edges[cell.col + cell.colspan], a, b, tol):
                break
            grid.cells.remove(nxt)
            del by_pos[(nxt.row, nxt.col)]
            cell.colspan += nxt.colspan


def _row_spans(
    grid: TableGrid, rules: Rules, edges: list[float], tops: list[float], lh: float
) -> None:
    """In a ruled grid, a filled cell takes in the empty cells below it that no horizontal rule
    separates from it."""
    tol = max(4.0, lh / 3)
    by_pos = {(c.row, c.col): c for c in grid.cells}
    for cell in sorted(grid.cells, key=lambda c: (c.row, c.col)):
        if not cell.text:
            continue
        a, b = edges[cell.col], edges[cell.col + cell.colspan]
        while cell.row + cell.rowspan < grid.n_rows:
            below = by_pos.get((cell.row + cell.rowspan, cell.col))
            if below is None or below.text or below.colspan != cell.colspan:
                break
            if _h_ruled(rules, tops[cell.row + cell.rowspan], a, b, tol):
                break
            grid.cells.remove(below)
            del by_pos[(below.row, below.col)]
            cell.rowspan += 1


def _header_rows(
    rows: list[list[Piece]],
    rules: Rules,
    width: float,
    bounds: list[float],
    seps: list[float | None],
) -> int:
    """Rows above the first long rule inside the table (at most three), else the first row."""
    if len(rows) < 2:
        return 0
    for k, y in enumerate(bounds[:3]):
        if any(abs(pos - y) <= 4 and b - a >= 0.6 * width for pos, a, b in rules.horizontal):
            return k + 1
    return 1
