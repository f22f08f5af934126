"""Reading-order boxes moved in to the ink.

The reading order (an XY-cut over the regions' boxes, `tasks.parse.order_regions`) reads
columns one after the other only where an x gap separates them. A text region's box comes
from its lines' word extents, which the recogniser's character timing places only roughly:
at a gutter narrower than half a character (Chinese broadsheets) the box of one column can
reach a few pixels into the gutter and close it, and the article is then read band by band
across its columns. Its box's left and right edges are moved in to the first and last pixel
column with ink.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

from promptocr.document.model import BBox

T = TypeVar("T")

INK_LEVEL = 128  # pixels darker than this (grey level) are ink


def ink_tight(
    image: np.ndarray, box_of: Callable[[T], BBox], is_text: Callable[[T], bool]
) -> Callable[[T], BBox]:
    """`box_of` with the left and right edges of a text item's box moved in to its ink (the
    first and last pixel column with ink inside the box). A line's word extents come from the
    recogniser's character timing and may reach a few pixels into a gutter narrower than half
    a character, closing it for the reading order."""
    gray = image.min(axis=2) if image.ndim == 3 else image
    h, w = gray.shape[:2]

    def tight(it: T) -> BBox:
        b = box_of(it)
        if not is_text(it):
            return b
        x0, y0 = max(0, int(b[0])), max(0, int(b[1]))
        x1, y1 = min(w, int(np.ceil(b[2]))), min(h, int(np.ceil(b[3])))
        if x1 <= x0 or y1 <= y0:
            return b
        cols = np.flatnonzero((gray[y0:y1, x0:x1] < INK_LEVEL).any(axis=0))
        if len(cols) == 0:
            return b
        return (float(x0 + cols[0]), b[1], float(x0 + cols[-1] + 1), b[3])

    return tight
