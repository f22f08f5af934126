"""Reading order and block grouping for recognised lines.

A recursive XY-cut: a region is split at a vertical gap only when both sides are real columns
(each a good share of the region's width), otherwise at wide horizontal gaps; the leaves are then
split into paragraphs at smaller vertical gaps. Two-column pages come out column by column, while
receipts and forms (a narrow price or value column beside labels) stay row by row.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from promptocr.document.model import Block, Line, same_row

COLUMN_MIN_SHARE = 0.28  # each side of a column cut must be this share of the region width
COLUMN_MIN_GAP = 0.8  # ... and the gap at least this many median line heights
SECTION_GAP = 1.2  # horizontal cut between regions, in median line heights
PARAGRAPH_GAP = 0.75  # paragraph break inside a region, in median line heights


def sort_rows(lines: Sequence[Line]) -> list[list[Line]]:
    """Group lines into rows (top to bottom), each row left to right."""
    rows: list[list[Line]] = []
    for ln in sorted(lines, key=lambda x: (x.bbox[1] + x.bbox[3]) / 2):
        for row in rows[-3:]:
            # pieces of a row sit side by side: a long line tilted a little may reach into
            # the row above, but it lies under that row's lines, not beside them
            if any(same_row(ln, other) for other in row) and not any(
                _stacked(ln, other) for other in row
            ):
                row.append(ln)
                break
        else:
            rows.append([ln])
    for row in rows:
        row.sort(key=lambda x: x.bbox[0])
    rows.sort(key=lambda r: min((x.bbox[1] + x.bbox[3]) / 2 for x in r))
    return rows


def _stacked(a: Line, b: Line) -> bool:
    """Lines that overlap along `a`'s text direction by more than half the shorter one and
    by more than two line heights (a superscript or a price box touching the end of a line
    stays on its row)."""
    p0, p1, _p2, _p3 = a.polygon
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    norm = (dx * dx + dy * dy) ** 0.5
    if norm == 0:
        return False
    dx, dy = dx / norm, dy / norm
    pa = [x * dx + y * dy for x, y in a.polygon]
    pb = [x * dx + y * dy for x, y in b.polygon]
    overlap = min(max(pa), max(pb)) - max(min(pa), min(pb))
    return overlap > 0.5 * min(max(pa) - min(pa), max(pb) - min(pb)) and overlap > 2.0 * max(
        a.height, b.height
    )


def gap_cuts(intervals: list[tuple[float, float]], min_gap: float) -> list[float]:
    """Cut positions in the middle of every uncovered stretch at least `min_gap` wide."""
    intervals = sorted(intervals)
    cuts: list[float] = []
    end = intervals[0][1]
    for a, b in intervals[1:]:
        if a - end >= min_gap:
            cuts.append((a + end) / 2)
        end = max(end, b)
    return cuts


def _split(lines: list[Line], cuts: list[float], axis: int) -> list[list[Line]]:
    groups: list[list[Line]] = [[] for _ in range(len(cuts) + 1)]
    for ln in lines:
        centre = (ln.bbox[axis] + ln.bbox[axis + 2]) / 2
        k = sum(1 for c in cuts if centre > c)
        groups[k].append(ln)
    return [g for g in groups if g]


def _column_cut(lines: list[Line], lh: float) -> list[float]:
    x0 = min(ln.bbox[0] for ln in lines)
    x1 = max(ln.bbox[2] for ln in lines)
    width = x1 - x0
    if width <= 0 or len(lines) < 4:
        return []
    cuts = gap_cuts([(ln.bbox[0], ln.bbox[2]) for ln in lines], COLUMN_MIN_GAP * lh)
    if not cuts:
        return []
    edges = [x0, *cuts, x1]
    groups = _split(lines, cuts, 0)
    if len(groups) != len(edges) - 1:
        return []
    for g in groups:
        gw = max(ln.bbox[2] for ln in g) - min(ln.bbox[0] for ln in g)
        if gw < COLUMN_MIN_SHARE * width or len(g) < 2:
            return []
    return cuts


def _xy_cut(lines: list[Line], lh: float, depth: int = 0) -> list[list[Line]]:
    if len(lines) <= 1 or depth > 12:
        return [lines]
    cols = _column_cut(lines, lh)
    if cols:
        out: list[list[Line]] = []
        for g in _split(lines, cols, 0):
            out.extend(_xy_cut(g, lh, depth + 1))
        return out
    rows = gap_cuts([(ln.bbox[1], ln.bbox[3]) for ln in lines], SECTION_GAP * lh)
    if rows:
        out = []
        for g in _merge_column_bands(_split(lines, rows, 1), lh):
            out.extend(_xy_cut(g, lh, depth + 1))
        return out
    return [lines]


def _merge_column_bands(bands: list[list[Line]], lh: float) -> list[list[Line]]:
    """Re-join neighbouring horizontal bands that share a column layout.

    Paragraph breaks in two columns often line up, so a horizontal cut slices a column page
    into bands of side-by-side paragraphs; reading those band by band would interleave the
    columns. Bands whose union still has a column gutter are one column region (read column by
    column); full-width bands (a title, a wide table) stay separate.
    """
    merged: list[list[Line]] = []
    for band in bands:
        if merged and _column_cut(merged[-1] + band, lh):
            merged[-1] = merged[-1] + band
        else:
            merged.append(band)
    return merged


def _paragraphs(lines: list[Line], lh: float) -> list[list[Line]]:
    """Split a region's rows into paragraphs where the gap between rows is clearly larger than
    the region's usual line spacing (so loosely spaced text is not cut at every line)."""
    rows = sort_rows(lines)
    tops = [min(x.bbox[1] for x in row) for row in rows]
    bottoms = [max(x.bbox[3] for x in row) for row in rows]
    gaps = [tops[i] - bottoms[i - 1] for i in range(1, len(rows))]
    usual = statistics.median(gaps) if gaps else 0.0
    limit = max(PARAGRAPH_GAP * lh, usual + 0.5 * lh)
    paras: list[list[Line]] = [list(rows[0])]
    for row, gap in zip(rows[1:], gaps, strict=True):
        if gap > limit:
            paras.append([])
        paras[-1].extend(row)
    return paras


def build_blocks(lines: Sequence[Line]) -> list[Block]:
    """Group lines into blocks in reading order; lines inside a block are row-major."""
    lines = [ln for ln in lines if ln.text.strip()]
    if not lines:
        return []
    lh = statistics.median(max(ln.height, 1.0) for ln in lines)
    blocks: list[Block] = []
    for region in _xy_cut(list(lines), lh):
        for para in _paragraphs(region, lh):
            blocks.append(Block(para))
    return blocks
