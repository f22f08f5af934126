"""Detection size from the page: a cheap estimate of the text height picks the resolution.

The DB detector finds text best when characters land at a moderate height in its input (on the
dev receipts and forms, about 10-25 px for a line; big type at full resolution splits and
merges lines worse, small print shrunk below ~7 px is lost). A fixed `max` 1280 policy shrinks
every page by its size alone, so a receipt photographed large and a dense form scanned small
get the same side. `DetectionPolicy(limit_type="auto")` instead measures the page's character
height from the connected components of its ink (a grey-level threshold on a downsampled copy:
a few milliseconds, no model) and scales the page so that characters come out near
`target_text_px` high, within `min_side`..`max_side` on the long side and never more than
`max_upscale` times the page. Pages where no height can be read (photos with little text,
blank-ish scans) fall back to the fixed `side_len` `max` policy.

It is the default policy, with `target_text_px` 13 between `min_side` 960 and `auto_max_side`
1280: big-type receipts run at 960, ordinary body text (x-height 14-17 px) at or near 1280, and
nothing runs larger than the old fixed default (peak memory). docs/benchmarks.md, "Round 2".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

if TYPE_CHECKING:
    from promptocr.engines.stages import DetectionPolicy

# The estimate runs on a copy whose long side is at most this (small print stays >= ~3 px).
ESTIMATE_SIDE = 1024
# Sizes are rounded to this step (fewer distinct detection shapes, stable choices).
SIDE_STEP = 160


@dataclass(frozen=True, slots=True)
class TextHeight:
    """Median character height in page pixels, and how many components it was read from."""

    px: float
    components: int


def estimate_text_height(bgr: np.ndarray, min_components: int = 20) -> TextHeight | None:
    """Median height of character-like connected components of the page's ink, in page px.

    Ink is what an Otsu threshold puts on the minority side (dark on light or light on dark).
    Components that are too small (noise), too large (rules, pictures, whole blocks), or shaped
    unlike characters (long lines, big filled areas) are left out. None when fewer than
    `min_components` characters remain (too little text to judge)."""
    h, w = bgr.shape[:2]
    if h < 16 or w < 16:
        return None
    f = min(1.0, ESTIMATE_SIDE / max(h, w))
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    if f < 1.0:
        gray = cv2.resize(
            gray, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA
        )
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if int(ink.sum()) * 2 > ink.size:  # light text on a dark ground
        ink = 1 - ink
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return None
    s = stats[1:]
    cw, ch, area = s[:, cv2.CC_STAT_WIDTH], s[:, cv2.CC_STAT_HEIGHT], s[:, cv2.CC_STAT_AREA]
    gh = gray.shape[0]
    keep = (
        (ch >= 3)
        & (ch <= max(8, gh // 8))
        & (cw <= 3 * ch)  # a character, or a few touching ones; not a rule
        & (cw * 8 >= ch)  # not a vertical rule
        & (area >= 6)
        & (area <= 0.9 * cw * ch)  # strokes, not a filled box
    )
    heights = ch[keep]
    if len(heights) < min_components:
        return None
    return TextHeight(float(np.median(heights)) / f, int(len(heights)))


def auto_side(
    h: int,
    w: int,
    text_px: float,
    target_text_px: float,
    min_side: int,
    max_side: int,
    max_upscale: float,
) -> int:
    """The detection input's long side that brings characters `text_px` high to about
    `target_text_px`, rounded to `SIDE_STEP` and kept within the limits."""
    long = max(h, w)
    top = min(long * max_upscale, float(max_side))  # the largest side allowed for this page
    want = long * target_text_px / max(text_px, 1.0)
    if want >= top:  # as large as allowed: exactly that (the page itself when not enlarging)
        return int(top)
    want = max(want, float(min(min_side, long)))
    side = int(round(want / SIDE_STEP)) * SIDE_STEP
    return max(min(SIDE_STEP, int(top)), min(side, int(top)))  # never above `top`


def resolve_policy(
    bgr: np.ndarray, policy: DetectionPolicy
) -> tuple[DetectionPolicy, dict[str, Any]]:
    """A concrete policy for this page (unchanged unless `limit_type="auto"`) and the record
    of the choice for `usage.detection`: the policy, the long side of the detection input, and
    for `auto` the character height it was chosen from (None when it fell back)."""
    from promptocr.engines.stages import TextDetector

    h, w = bgr.shape[:2]
    record: dict[str, Any] = {"policy": policy.limit_type}
    if policy.limit_type == "auto":
        est = estimate_text_height(bgr)
        if est is None:
            policy = replace(policy, limit_type="max")
            record["text_px"] = None
        else:
            side = auto_side(
                h,
                w,
                est.px,
                policy.target_text_px,
                policy.min_side,
                min(policy.max_side, policy.auto_max_side),
                policy.max_upscale,
            )
            policy = replace(policy, limit_type="long", side_len=side)
            record["text_px"] = round(est.px, 1)
    nh, nw = TextDetector.target_size(h, w, policy)
    record["side"] = max(nh, nw)
    record["size"] = [nw, nh]
    return policy, record
