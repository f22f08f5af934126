"""Column chains: regions stacked in one column, read as one piece by the reading order.

The layout model often cuts a column of running text into several regions (at paragraph
breaks, or for no visible reason). Where such a cut lines up with the top of the columns
beside it (the columns under a picture start where the column beside the picture is cut),
the XY-cut of the reading order finds a band across the page there and reads the top of one
column, then the tops of the others, weaving the article's columns together. Regions set
one under the other with the same left and right edges and only a line's spacing between
them are one column: the reading order places their union, then reads them top to bottom.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from promptocr.document.model import BBox

T = TypeVar("T")

CHAIN_OVERLAP = 0.9  # the two boxes share this share of the wider one's width
CHAIN_GAP = 1.0  # ... and the space between them is at most this many line heights
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


def stacked(upper: BBox, lower: BBox, lh: float) -> bool:
    """Whether `lower` continues the column of `upper` right below it."""
    gap = lower[1] - upper[3]
    if gap < -0.25 * lh or gap > CHAIN_GAP * lh:
        return False
    overlap = min(upper[2], lower[2]) - max(upper[0], lower[0])
    wider = max(upper[2] - upper[0], lower[2] - lower[0], 1.0)
    return overlap >= CHAIN_OVERLAP * wider


def column_chains(boxes: Sequence[BBox], lh: float) -> list[list[int]]:
    """Indexes of `boxes` grouped into column chains (each chain top to bottom; a box with
    nothing stacked on it is a chain of one). A box continues the chain of the nearest box
    above it that it is stacked under, when no other box lies between them."""
    order = sorted(range(len(boxes)), key=lambda i: (boxes[i][1], boxes[i][0]))
    chain_of: dict[int, int] = {}
    chains: list[list[int]] = []
    for i in order:
        b = boxes[i]
        above = [j for j in chain_of if chains[chain_of[j]][-1] == j and stacked(boxes[j], b, lh)]
        between = [
            k
            for k in chain_of
            if k not in above
            and boxes[k][3] > min((boxes[j][3] for j in above), default=b[1])
            and boxes[k][1] < b[1]
            and min(boxes[k][2], b[2]) > max(boxes[k][0], b[0])
        ]
        if len(above) == 1 and not between:
            chain_of[i] = chain_of[above[0]]
            chains[chain_of[i]].append(i)
        else:
            chain_of[i] = len(chains)
            chains.append([i])
    return chains


class _Chain:
    def __init__(self, members: list[Any], box: BBox) -> None:
        self.members = members
        self.box = box


def order_chained(
    items: Sequence[T],
    box_of: Callable[[T], BBox],
    order: Callable[[list[Any], Callable[[Any], BBox]], list[Any]],
    lh: float,
) -> list[T]:
    """`items` in reading order (`order`: an XY-cut over boxes), each column chain placed
    by its union and read top to bottom."""
    boxes = [box_of(it) for it in items]
    chains = column_chains(boxes, lh)
    if all(len(c) == 1 for c in chains):
        return order(list(items), box_of)
    top: list[Any] = []
    for c in chains:
        if len(c) == 1:
            top.append(items[c[0]])
            continue
        bs = [boxes[i] for i in c]
        box = (
            min(b[0] for b in bs),
            min(b[1] for b in bs),
            max(b[2] for b in bs),
            max(b[3] for b in bs),
        )
        top.append(_Chain([items[i] for i in c], box))

    def top_box(x: Any) -> BBox:
        return x.box if isinstance(x, _Chain) else box_of(x)

    out: list[T] = []
    for x in order(top, top_box):
        if isinstance(x, _Chain):
            out.extend(x.members)
        else:
            out.append(x)
    return out
