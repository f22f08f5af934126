"""Framed boxes on a page: boxed articles, sidebars, notes set in a ruled rectangle.

A newspaper often sets an article in a frame of thin rules; everything inside belongs to that
article and is read before what lies outside it. `find_frames` finds such rectangles from the
page's ruling (long horizontal and vertical rules that close into a box around text), and
`order_framed` reads the regions of each frame together, the frame itself taking its place
among the other regions like one big region.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import cv2
import numpy as np

from promptocr.document.model import BBox, Line

FRAME_MIN_WIDTH = 8.0  # a frame is at least this many line heights wide ...
FRAME_MIN_HEIGHT = 2.5  # ... and this many high
FRAME_SIDE = 0.9  # each of its four sides is ruled over this share of its length
FRAME_MAX_FILL = 0.25  # rules fill at most this share of its inside (no picture, no solid)
FRAME_MIN_LINES = 2  # text lines inside
FRAME_SHADE = 235  # pixels darker than this (least channel) are not white page ...
FRAME_MAX_SHADED = 0.4  # ... and fill at most this share of a frame's inside (no picture)
FRAME_PAGE = 0.9  # a frame around (nearly) the whole page is a border, not a box

T = TypeVar("T")


def _rules(gray: np.ndarray, lh: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks of long horizontal and vertical rules (dark, thin, straight)."""
    bw = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    hk = max(25, int(4 * lh))
    vk = max(20, int(2 * lh))
    horiz = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vert = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    return horiz > 0, vert > 0


def _covered(mask: np.ndarray, axis: int) -> float:
    """Share of positions along a side strip (`mask`: rows x cols) that hold a rule pixel
    (axis 0: along x, for a horizontal side; axis 1: along y)."""
    if mask.size == 0:
        return 0.0
    return float(mask.any(axis=axis).mean())


def find_frames(rgb: np.ndarray, lines: Sequence[Line], lh: float) -> list[BBox]:
    """Boxes (x0, y0, x1, y1) of ruled rectangles that hold text lines: each side ruled over
    most of its length, the inside mostly free of rules (a frame, not a picture), at least
    FRAME_MIN_LINES lines inside. Frames inside another frame are left out (the outer one
    keeps its content together); so is a border around the whole page."""
    if not lines or lh <= 0:
        return []
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    tone = rgb.min(axis=2) if rgb.ndim == 3 else gray
    page_h, page_w = gray.shape[:2]
    horiz, vert = _rules(gray, lh)
    both = (horiz | vert).astype(np.uint8)
    both = cv2.dilate(both, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    contours, _ = cv2.findContours(both, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    t = 4  # side strips this many pixels deep (rules are thin, the dilation moved them)
    found: list[BBox] = []
    for c in contours:
        x, y, w, h = cv2.boundingRect(c)
        if w < FRAME_MIN_WIDTH * lh or h < FRAME_MIN_HEIGHT * lh:
            continue
        if w * h >= FRAME_PAGE * page_w * page_h:
            continue
        x1, y1 = x + w, y + h
        sides = (
            _covered(horiz[y : y + 2 * t, x:x1], 0),
            _covered(horiz[y1 - 2 * t : y1, x:x1], 0),
            _covered(vert[y:y1, x : x + 2 * t], 1),
            _covered(vert[y:y1, x1 - 2 * t : x1], 1),
        )
        if min(sides) < FRAME_SIDE:
            continue
        inner = (horiz | vert)[y + 3 * t : y1 - 3 * t, x + 3 * t : x1 - 3 * t]
        if inner.size and float(inner.mean()) > FRAME_MAX_FILL:
            continue
        # the edges of a picture close into a rectangle too: a frame is mostly white inside
        shaded = tone[y + 3 * t : y1 - 3 * t, x + 3 * t : x1 - 3 * t]
        if shaded.size and float((shaded < FRAME_SHADE).mean()) > FRAME_MAX_SHADED:
            continue
        box = (float(x), float(y), float(x1), float(y1))
        if sum(1 for ln in lines if _inside(ln.bbox, box)) < FRAME_MIN_LINES:
            continue
        found.append(box)
    return [b for b in found if not any(o != b and _inside(b, o) for o in found)]


FRAME_CUT_SHARE = 0.2  # a box reaches into a frame when this share of its area lies inside it


def cut_at_frames(box: BBox, frames: Sequence[BBox]) -> list[BBox]:
    """`box` cut at the borders of the frames it lies across: where two frames or more each
    hold FRAME_CUT_SHARE of its area, its part inside each of them (what lies outside them
    is left out); else `box` itself. A table stands inside one frame, never across the rule
    between two boxed articles."""
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1.0)
    parts: list[BBox] = []
    for f in frames:
        cut = (max(box[0], f[0]), max(box[1], f[1]), min(box[2], f[2]), min(box[3], f[3]))
        inside = max(0.0, cut[2] - cut[0]) * max(0.0, cut[3] - cut[1])
        if inside >= FRAME_CUT_SHARE * area:
            parts.append(cut)
    return parts if len(parts) >= 2 else [box]


def framed_part(box: BBox, frames: Sequence[BBox], share: float = 0.9) -> bool:
    """`box` stands inside a frame that holds more than it (its centre in the frame, under
    `share` of the frame's area): a part of a boxed article, not a ruled table whose own
    border the frame is."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    return any(_centre_in(box, f) and area < share * (f[2] - f[0]) * (f[3] - f[1]) for f in frames)


def _inside(box: BBox, frame: BBox, slack: float = 2.0) -> bool:
    return (
        box[0] >= frame[0] - slack
        and box[1] >= frame[1] - slack
        and box[2] <= frame[2] + slack
        and box[3] <= frame[3] + slack
    )


def _union(boxes: list[BBox]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _centre_in(box: BBox, frame: BBox) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return frame[0] <= cx <= frame[2] and frame[1] <= cy <= frame[3]


@dataclass(frozen=True)
class _Frame:
    index: int
    box: BBox


def order_framed(
    items: Sequence[T],
    box_of: Callable[[T], BBox],
    frames: Sequence[BBox],
    order: Callable[[list[Any], Callable[[Any], BBox]], list[Any]],
) -> list[T]:
    """`items` in reading order (`order`: an XY-cut over boxes), the items of each frame
    (their box's centre inside it) read together where the frame stands among the rest."""
    members: list[list[T]] = [[] for _ in frames]
    loose: list[T] = []
    for it in items:
        b = box_of(it)
        k = next((k for k, f in enumerate(frames) if _centre_in(b, f)), -1)
        (members[k] if k >= 0 else loose).append(it)
    if not any(members):
        return order(list(items), box_of)
    # a frame stands among the rest by the extent of what it holds (its rules lie a little
    # outside and would narrow the gaps around it)
    top: list[Any] = [
        *loose,
        *(_Frame(k, _union([box_of(it) for it in m])) for k, m in enumerate(members) if m),
    ]

    def top_box(x: Any) -> BBox:
        return x.box if isinstance(x, _Frame) else box_of(x)

    out: list[T] = []
    for x in order(top, top_box):
        if isinstance(x, _Frame):
            out.extend(order(members[x.index], box_of))
        else:
            out.append(x)
    return out
