"""Reading-order boxes opened at half-character gutters.

The reading order (an XY-cut over the regions' boxes, `tasks.parse.order_regions`) reads
columns one after the other only where an x gap separates them. A text region's box comes
from its lines' word extents, which the recogniser's character timing places only roughly:
at a gutter narrower than half a character (Chinese broadsheets) the box of one column can
reach a few pixels into the gutter and close it, and the article is then read band by band
across its columns. Where a text box's side comes closer than the reading order's smallest
gap to a box beside it (at any height: the XY-cut looks for a gap down the whole region), that side is moved in to the box's ink (the
first or last pixel column with ink inside it). Other sides stay as they are: the reading
order's other rules weigh gaps measured on word extents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from promptocr.document.model import BBox

T = TypeVar("T")

INK_LEVEL = 128  # pixels darker than this (grey level) are ink
SIDE_OVERLAP = 3.0  # a box beside another overlaps it across by less than this many
# smallest gaps (more is a box above or below it, in the same column, or across it)


def _ink_span(gray: np.ndarray, b: BBox) -> tuple[float, float] | None:
    h, w = gray.shape[:2]
    x0, y0 = max(0, int(b[0])), max(0, int(b[1]))
    x1, y1 = min(w, int(np.ceil(b[2]))), min(h, int(np.ceil(b[3])))
    if x1 <= x0 or y1 <= y0:
        return None
    cols = np.flatnonzero((gray[y0:y1, x0:x1] < INK_LEVEL).any(axis=0))
    if len(cols) == 0:
        return None
    return float(x0 + cols[0]), float(x0 + cols[-1] + 1)


def open_gutters(
    image: np.ndarray,
    items: Sequence[T],
    box_of: Callable[[T], BBox],
    is_text: Callable[[T], bool],
    min_gap: float,
) -> Callable[[T], BBox]:
    """`box_of` with the sides of text items that lie closer than `min_gap` to a box to their
    left or right (or overlap it a little), at any height, moved in to their ink."""
    gray = image.min(axis=2) if image.ndim == 3 else image
    boxes = [box_of(it) for it in items]
    out: dict[int, BBox] = {}
    for k, it in enumerate(items):
        if not is_text(it):
            continue
        b = boxes[k]
        left = right = False
        for j, o in enumerate(boxes):
            if j == k:
                continue
            if o[0] > b[0] and -SIDE_OVERLAP * min_gap < o[0] - b[2] < min_gap:
                right = True
            if o[2] < b[2] and -SIDE_OVERLAP * min_gap < b[0] - o[2] < min_gap:
                left = True
        if not (left or right):
            continue
        span = _ink_span(gray, b)
        if span is None:
            continue
        out[id(it)] = (span[0] if left else b[0], b[1], span[1] if right else b[2], b[3])

    def box(it: T) -> BBox:
        return out.get(id(it)) or box_of(it)

    return box
