"""Whole-page orientation (0 / 90 / 180 / 270) from the detector's own boxes.

The page is detected once as given. The boxes then say which axis the text runs along: if most
of the text length lies in tall boxes the page is turned by a quarter turn, otherwise it is
upright or upside down. The direction is read from the text itself. For horizontal lines, a
sample of the longest goes through the PP-OCR 0/180 line classifier (a few milliseconds), and
only when that suggests an upside-down page does recognition settle it, by reading a few of
those lines both ways and keeping the reading with the clearly higher confidence: an upright
page is turned only when two models agree. For vertical lines recognition decides between 90
and 270 directly, and leaves the page alone if neither reading is confident. An upright page
(the usual case) pays only for the classifier on a handful of small crops: its boxes are
reused as they are.

When the page is turned, detection runs again on the upright image (the detector is trained on
horizontal text), and `read_page` maps the geometry back to the file's frame.

Rotation is reported as the angle the content is turned clockwise, as the page-orientation
model labels it: the upright image is `np.rot90(image, k=rotation // 90)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from promptocr.engines.stages import crop_line
from promptocr.engines.usage import Usage

if TYPE_CHECKING:
    from promptocr.engines.embedded import EmbeddedEngine, EngineSettings


@dataclass(frozen=True, slots=True)
class OrientationPolicy:
    """Thresholds of the orientation decision (tuned on dev receipts and forms turned four
    ways; see docs/orientation.md)."""

    # A box counts as a line along an axis when its long side is this many times its short side.
    min_aspect: float = 2.0
    # Share of the elongated text length that must lie in tall boxes to call a quarter turn (and
    # at most 1 - this for a horizontal page; in between the page is left as it is).
    vertical_share: float = 0.66
    # Longest lines sampled for the classifier, and the few of them recognised both ways.
    sample: int = 16
    verify: int = 3
    # Each line is judged by a piece from its middle this many heights long: the classifier's
    # own input shape (48 x 192) and, for recognition, a few words (cost grows with width).
    classify_aspect: float = 4.0
    verify_aspect: float = 8.0
    # Mean "upside down" probability of the sampled horizontal lines above which the page is
    # read both ways; below it the page is upright and nothing else runs.
    suspect_flip: float = 0.4
    # How much higher the mean recognition confidence must be to accept a turned reading.
    margin: float = 0.08
    # A turned reading must itself be at least this confident.
    min_confidence: float = 0.7


@dataclass(slots=True)
class OrientationDecision:
    """What was decided and from what evidence (kept for benchmarks and debugging)."""

    rotation: int = 0
    reason: str = ""
    vertical_share: float = 0.0
    flip_prob: float = 0.0
    confidences: dict[int, float] = field(default_factory=dict)


def _sides(quad: np.ndarray) -> tuple[float, float]:
    w = float(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    h = float(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    return w, h


def _middle(crop: np.ndarray, aspect: float) -> np.ndarray:
    """The middle `aspect` heights of a line crop: the classifier squeezes longer crops into
    its 4:1 input (which blurs the glyphs it judges by), and recognition cost grows with width."""
    h, w = crop.shape[:2]
    limit = max(1, int(h * aspect))
    if w <= limit:
        return crop
    left = (w - limit) // 2
    return np.ascontiguousarray(crop[:, left : left + limit])


def decide_rotation(
    engine: EmbeddedEngine,
    bgr: np.ndarray,
    quads: np.ndarray,
    policy: OrientationPolicy | None = None,
) -> OrientationDecision:
    """How far the page's content is turned clockwise, judged from its detected boxes."""
    p = policy or OrientationPolicy()
    sides = [_sides(q) for q in quads]
    tall = [i for i, (w, h) in enumerate(sides) if h >= p.min_aspect * max(w, 1.0)]
    wide = [i for i, (w, h) in enumerate(sides) if w >= p.min_aspect * max(h, 1.0)]
    tall_len = sum(sides[i][1] for i in tall)
    wide_len = sum(sides[i][0] for i in wide)
    if tall_len + wide_len <= 0:
        return OrientationDecision(0, "no elongated text line to judge orientation from")
    share = tall_len / (tall_len + wide_len)
    vertical = share >= p.vertical_share
    if not vertical and share > 1.0 - p.vertical_share:
        return OrientationDecision(
            0, "text lines run both ways (no clear axis): left as is", vertical_share=share
        )
    axis = tall if vertical else wide
    axis.sort(key=lambda i: -max(sides[i]))
    # Tall crops come out of crop_line turned a quarter counter-clockwise: upright when the
    # content was turned 90 degrees clockwise, upside down when it was turned 270.
    crops = [crop_line(bgr, quads[i]) for i in axis[: p.sample if not vertical else p.verify]]
    d = OrientationDecision(vertical_share=share)
    if not vertical:
        views = [_middle(c, p.classify_aspect) for c in crops]
        d.flip_prob = float(np.mean(engine.line_classifier.probabilities(views)))
        if d.flip_prob < p.suspect_flip:
            d.reason = "text lines run horizontally and read upright"
            return d

    # Settle it by reading the longest lines both ways.
    few = [_middle(c, p.verify_aspect) for c in crops[: p.verify]]
    # Both ways at full width (squeeze=1.0): under `auto` the crops read after the first batch
    # would be narrowed, and the upright and turned readings compared at different widths.
    turned_crops = [np.ascontiguousarray(np.rot90(c, 2)) for c in few]
    recs = engine.recognizer(few + turned_crops, squeeze=1.0)
    n = len(few)
    plain, turned = (90, 270) if vertical else (0, 180)
    d.confidences = {
        plain: float(np.mean([r.confidence for r in recs[:n]])),
        turned: float(np.mean([r.confidence for r in recs[n:]])),
    }
    best, other = (
        (turned, plain) if d.confidences[turned] > d.confidences[plain] else (plain, turned)
    )
    clear = d.confidences[best] >= d.confidences[other] + p.margin
    readable = d.confidences[best] >= p.min_confidence
    if vertical:
        if clear and readable:
            d.rotation = best
            d.reason = f"text lines run vertically; they read best turned back by {best}"
        else:
            d.reason = "text lines run vertically but read no better either way: left as is"
        return d
    if best == 180 and clear and readable:
        d.rotation = 180
        d.reason = "text lines read upside down (line classifier and recognition agree)"
    else:
        d.reason = "text lines run horizontally; reading them turned is no better"
    return d


def orient_page(
    engine: EmbeddedEngine,
    bgr: np.ndarray,
    quads: np.ndarray,
    usage: Usage,
    settings: EngineSettings,
) -> tuple[int, np.ndarray, np.ndarray]:
    """Decide the page's rotation from the boxes detected on it as given.

    Returns (rotation, upright image, boxes in the upright image's frame); when the page is
    already upright that is the input image and its boxes, untouched.
    """
    if len(quads) == 0:
        usage.skip("page_orientation", "no text detected")
        return 0, bgr, quads
    with usage.stage("page_orientation"):
        decision = decide_rotation(engine, bgr, quads)
    if decision.rotation == 0:
        return 0, bgr, quads
    usage.notes.append(f"page turned back by {decision.rotation} degrees: {decision.reason}")
    upright = np.ascontiguousarray(np.rot90(bgr, k=decision.rotation // 90))
    with usage.stage("detect"):
        quads, _scores = engine.detector(upright, settings.detection)
    return decision.rotation, upright, quads
