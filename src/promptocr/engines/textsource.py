"""Born-digital PDF pages: read the page's own text layer instead of OCR when it is real.

`text_source` (an engine setting, so it is part of the cache key):

- `ocr`: always OCR, ignore any text layer.
- `pdf`: a page that has a text layer is read from it, unchecked; pages without one are OCR'd.
- `auto` (default): the layer is used only when the rendered page agrees with it:
  1. at most 20% of its characters may lack a real Unicode value (unmapped codes, private
     use, replacement characters: a font without a usable ToUnicode map);
  2. text detection on the rendered page (det only, at a reduced size) and the layer's glyph
     boxes must cover each other: the detected text outside raster images must lie under the
     layer's words (coverage) and the words must lie on detected text (precision), so an
     invisible layer that sits anywhere else than the visible text, hidden text, or a page
     whose text is mostly drawn as outlines gets OCR;
  3. two short pieces of the layer's lines (the first words of one, the last words of
     another) are recognised from the pixels and must read the same (so a scanned page's bad
     OCR layer, or a font whose Unicode map is wrong, gets OCR).
  Raster images on an accepted page whose detected text the layer does not cover are OCR'd,
  only those regions, and their lines are merged with the layer's.

A page read from its layer costs its rendering, one small detection and two short
recognitions; usage records `text_layer_check` and skips `detect`/`recognize` with
"ocr skipped: text layer".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from promptocr.document.layout import build_blocks
from promptocr.document.model import ORIGIN_OCR, BBox, Block, Document, Line, Page, Point, Word
from promptocr.engines.squeeze import merge_reports
from promptocr.engines.stages import DetectionPolicy
from promptocr.engines.usage import Usage
from promptocr.errors import InvalidInputError
from promptocr.inputs.loader import PageImage
from promptocr.inputs.textlayer import TextLayer

if TYPE_CHECKING:
    from promptocr.engines.embedded import EmbeddedEngine, EngineSettings

TEXT_SOURCES = ("auto", "ocr", "pdf")
SKIP_REASON = "ocr skipped: text layer"

MAX_GARBAGE = 0.2
MIN_COVERAGE = 0.6  # of detected text (outside images) under the layer's words
MIN_PRECISION = 0.6  # of the layer's words on detected text
MIN_AGREEMENT = 0.75  # mean similarity of the sampled lines' recognised text to the layer's
SAMPLE_LINES = 2
SAMPLE_ASPECT = 6.0  # a sample is a line's first and last words, each up to 6 heights wide
CHECK_DETECTION = DetectionPolicy(limit_type="max", side_len=512)
MASK_SCALE = 0.25  # coverage is measured on a quarter-resolution mask
# The quick ink test (pages without raster images): a pixel darker than INK_LEVEL is ink.
INK_LEVEL = 160
MIN_INK_COVERAGE = 0.97  # of the ink under the layer's (grown) words
MIN_INK_PRECISION = 0.97  # of the words' area on ink


@dataclass(frozen=True, slots=True)
class Verdict:
    accepted: bool
    reason: str
    coverage: float = 0.0
    precision: float = 0.0
    agreement: float | None = None


def check_text_source(value: str) -> str:
    if value not in TEXT_SOURCES:
        raise InvalidInputError(
            f"text_source {value!r} is not one of {', '.join(TEXT_SOURCES)}", source=None
        )
    return value


def read_from_text_layer(
    engine: EmbeddedEngine, page: PageImage, usage: Usage, s: EngineSettings
) -> Page | None:
    """The page from its text layer (plus OCR of uncovered image regions), or None when the
    page must be OCR'd. `usage.pages` is counted by the caller."""
    mode = check_text_source(s.text_source)
    layer = page.text_layer
    if mode == "ocr" or layer is None or not layer.lines:
        return None
    h, w = page.image.shape[:2]
    out = Page(index=page.index, width=w, height=h, source=page.source)
    if mode == "pdf":
        out.rotation, out.blocks = blocks_in_reading_order(list(layer.lines), w, h)
        _record(usage, layer)
        return out
    with usage.stage("text_layer_check"):
        verdict, det_boxes = judge(engine, page, layer)
    if not verdict.accepted:
        usage.notes.append(f"text layer not used, page OCR'd: {verdict.reason}")
        return None
    lines = list(layer.lines)
    lines += _ocr_image_regions(engine, page, layer, det_boxes, usage, s)
    out.rotation, out.blocks = blocks_in_reading_order(lines, w, h)
    _record(usage, layer)
    return out


def plan_stage(doc: Document) -> tuple[bool, str] | None:
    """How the plan's `ocr` stage should read after `doc` was read: (runs, reason), or None
    when no page came from its text layer."""
    from_layer = [
        p for p in doc.pages if p.lines and all(ln.origin != ORIGIN_OCR for ln in p.lines)
    ]
    if not from_layer:
        return None
    if len(from_layer) == len(doc.pages):
        return False, SKIP_REASON
    return True, f"{SKIP_REASON} on {len(from_layer)} of {len(doc.pages)} page(s); the others OCR'd"


def _record(usage: Usage, layer: TextLayer) -> None:
    for stage in ("detect", "page_orientation", "line_orientation", "recognize"):
        usage.skip(stage, SKIP_REASON)
    usage.notes.append(f"{SKIP_REASON}: page text taken from the PDF's own text layer")


def _line_angle(ln: Line) -> int:
    """Clockwise angle (0/90/180/270) the line's text runs at on the page."""
    (x0, y0), (x1, y1) = ln.polygon[0], ln.polygon[1]
    dx, dy = x1 - x0, y1 - y0
    if abs(dx) >= abs(dy):
        return 0 if dx >= 0 else 180
    return 90 if dy > 0 else 270


def blocks_in_reading_order(lines: list[Line], w: int, h: int) -> tuple[int, list[Block]]:
    """The page's rotation (the direction most of its text runs, weighted by characters) and
    its blocks, ordered as the page reads upright; geometry stays in the page's own frame."""
    votes: dict[int, int] = {}
    for ln in lines:
        votes[_line_angle(ln)] = votes.get(_line_angle(ln), 0) + len(ln.text)
    angle = max(votes, key=lambda a: votes[a]) if votes else 0
    if angle == 0:
        return 0, build_blocks(lines)
    original = {id(ln): ln.polygon for ln in lines}

    def up(p: Point) -> Point:  # the page turned upright (the inverse of the engine's unrotate)
        x, y = p
        if angle == 90:
            return (y, w - x)
        if angle == 180:
            return (w - x, h - y)
        return (h - y, x)

    for ln in lines:
        p0, p1, p2, p3 = (up(p) for p in ln.polygon)
        ln.polygon = (p0, p1, p2, p3)
    try:
        blocks = build_blocks(lines)
    finally:
        for ln in lines:
            ln.polygon = original[id(ln)]
    for b in blocks:
        b.polygon = None
    return angle, blocks


# --------------------------------------------------------------------------------------------
# Is the layer real?


def judge(engine: EmbeddedEngine, page: PageImage, layer: TextLayer) -> tuple[Verdict, list[BBox]]:
    """Compare the layer with the rendered page; also returns the detected text boxes."""
    if layer.garbage_ratio > MAX_GARBAGE:
        return Verdict(False, f"{layer.garbage_ratio:.0%} of its characters are unmapped"), []
    rgb = page.image
    h, w = rgb.shape[:2]
    words = [wd.bbox for wd in layer.words]
    if not layer.images:
        # The quick test: every bit of ink lies under the layer's words and every word lies on
        # ink. Only an accepting answer is taken; anything else (rules, graphics, outlined or
        # hidden text, a blank page) goes to the detection below.
        ink_cov, ink_prec = _ink_agreement(rgb, words)
        if ink_cov >= MIN_INK_COVERAGE and ink_prec >= MIN_INK_PRECISION:
            return _with_sample(engine, rgb, layer, ink_cov, ink_prec, "(ink)"), []
    # Detection runs small anyway: take every k-th pixel first (k keeps the image at least
    # twice the detection size), so the page is never copied or resized at full size.
    k = max(1, max(h, w) // (2 * CHECK_DETECTION.side_len))
    small = np.ascontiguousarray(rgb[::k, ::k, ::-1])
    quads, _ = engine.detector(small, CHECK_DETECTION)
    det = [(x0 * k, y0 * k, x1 * k, y1 * k) for x0, y0, x1, y1 in (_quad_box(q) for q in quads)]
    d_mask = _mask(det, w, h)
    l_mask = _mask(words, w, h, grow=2)
    i_mask = _mask(layer.images, w, h)
    outside = d_mask & ~i_mask
    n_out = int(outside.sum())
    coverage = float((outside & l_mask).sum()) / n_out if n_out else 1.0
    l_plain = _mask(words, w, h)
    n_l = int(l_plain.sum())
    precision = float((l_plain & _mask(det, w, h, grow=2)).sum()) / n_l if n_l else 0.0
    if not det:
        return Verdict(False, "no text is visible where the layer has words", 0.0, 0.0), det
    if coverage < MIN_COVERAGE:
        return (
            Verdict(False, f"it covers {coverage:.0%} of the visible text", coverage, precision),
            det,
        )
    if precision < MIN_PRECISION:
        return (
            Verdict(
                False, f"{precision:.0%} of its words lie on visible text", coverage, precision
            ),
            det,
        )
    return _with_sample(engine, rgb, layer, coverage, precision), det


def _with_sample(
    engine: EmbeddedEngine,
    rgb: np.ndarray,
    layer: TextLayer,
    coverage: float,
    precision: float,
    how: str = "(detection)",
) -> Verdict:
    """The verdict once the layer's boxes agree with the page: its text must read the same."""
    agreement = _sample_agreement(engine, rgb, layer)
    if agreement is not None and agreement < MIN_AGREEMENT:
        return Verdict(
            False,
            f"its text differs from what the page shows (similarity {agreement:.2f})",
            coverage,
            precision,
            agreement,
        )
    return Verdict(True, f"agrees with the page {how}", coverage, precision, agreement)


def _ink_agreement(rgb: np.ndarray, words: list[BBox]) -> tuple[float, float]:
    """(coverage, precision) of the layer's words against the page's ink, on the
    quarter-resolution mask grid: the share of ink pixels under the (grown) word boxes, and
    the share of word area (by word) that has ink under it."""
    import cv2

    h, w = rgb.shape[:2]
    mw, mh = max(1, int(w * MASK_SCALE)), max(1, int(h * MASK_SCALE))
    step = round(1 / MASK_SCALE)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    # Min-pooled, so a thin stroke still marks its cell.
    dark = cv2.erode(gray, np.ones((step, step), np.uint8), anchor=(0, 0))[::step, ::step]
    ink = np.zeros((mh, mw), dtype=bool)
    dh, dw = min(mh, dark.shape[0]), min(mw, dark.shape[1])
    ink[:dh, :dw] = dark[:dh, :dw] < INK_LEVEL
    n_ink = int(ink.sum())
    if not n_ink or not words:
        return 0.0, 0.0
    coverage = float((ink & _mask(words, w, h, grow=2)).sum()) / n_ink
    counts = cv2.integral(ink.astype(np.uint8))
    on, total = 0.0, 0.0
    for x0, y0, x1, y1 in words:
        a, b = max(0, int(x0 * MASK_SCALE)), max(0, int(y0 * MASK_SCALE))
        c = min(mw, int(np.ceil(x1 * MASK_SCALE)))
        d = min(mh, int(np.ceil(y1 * MASK_SCALE)))
        area = float(max(0, c - a) * max(0, d - b))
        if not area:
            continue
        total += area
        if counts[d, c] - counts[b, c] - counts[d, a] + counts[b, a] > 0:
            on += area
    return coverage, (on / total if total else 0.0)


def _quad_box(q: np.ndarray) -> BBox:
    return (float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max()))


def _mask(boxes: list[BBox], w: int, h: int, grow: int = 0) -> np.ndarray:
    mw, mh = max(1, int(w * MASK_SCALE)), max(1, int(h * MASK_SCALE))
    m = np.zeros((mh, mw), dtype=bool)
    for x0, y0, x1, y1 in boxes:
        a = max(0, int(x0 * MASK_SCALE) - grow)
        b = max(0, int(y0 * MASK_SCALE) - grow)
        c = min(mw, int(np.ceil(x1 * MASK_SCALE)) + grow)
        d = min(mh, int(np.ceil(y1 * MASK_SCALE)) + grow)
        if c > a and d > b:
            m[b:d, a:c] = True
    return m


def _norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in t if not ch.isspace())


def _sample_agreement(engine: EmbeddedEngine, rgb: np.ndarray, layer: TextLayer) -> float | None:
    """Mean similarity (0-1) between two pieces of horizontal layer lines (see above) and what
    recognition reads there; None when there is no line to sample."""
    from rapidfuzz.fuzz import ratio

    h, w = rgb.shape[:2]
    candidates = [
        ln
        for ln in layer.lines
        if len(ln.text) >= 3
        and ln.polygon[0][1] <= ln.polygon[3][1]
        and ln.polygon[0][0] <= ln.polygon[1][0]
        and (ln.bbox[2] - ln.bbox[0]) > (ln.bbox[3] - ln.bbox[1])
    ]
    if not candidates:
        return None
    step = max(1, len(candidates) // SAMPLE_LINES)
    chosen = candidates[::step][:SAMPLE_LINES]
    # Two pieces in all: the first sampled line's first words and the last one's last words
    # (one line: both ends of it), so a wrong layer that starts like the page (a common
    # prefix) still differs somewhere, for the price of two short recognitions.
    ends = [(chosen[0], "head"), (chosen[-1], "tail")]
    crops = []
    seen: set[tuple[int, ...]] = set()
    for ln, end in ends:
        x0, y0, x1, y1 = ln.bbox
        span = SAMPLE_ASPECT * (y1 - y0)
        if end == "head":
            words = [wd for wd in ln.words if wd.bbox[2] <= x0 + span] or ln.words[:1]
        else:
            words = [wd for wd in ln.words if wd.bbox[0] >= x1 - span] or ln.words[-1:]
        if (ident := tuple(id(wd) for wd in words)) in seen:  # a short line: read once
            continue
        seen.add(ident)
        text = " ".join(wd.text for wd in words)
        a0, a1 = min(wd.bbox[0] for wd in words), max(wd.bbox[2] for wd in words)
        pad = max(2, int((y1 - y0) * 0.15))
        a, b = max(0, int(a0) - pad), max(0, int(y0) - pad)
        c, d = min(w, int(np.ceil(a1)) + pad), min(h, int(np.ceil(y1)) + pad)
        if c - a < 4 or d - b < 4:
            continue
        crops.append((text, np.ascontiguousarray(rgb[b:d, a:c, ::-1])))
    if not crops:
        return None
    # At full width, every crop alike (no width squeeze decided after the first batch).
    recs = engine.recognizer([c for _, c in crops], squeeze=1.0)
    scores = [
        ratio(_norm(text), _norm(r.text)) / 100.0 for (text, _), r in zip(crops, recs, strict=True)
    ]
    return float(np.mean(scores))


# --------------------------------------------------------------------------------------------
# Raster images on a digital page


def _ocr_image_regions(
    engine: EmbeddedEngine,
    page: PageImage,
    layer: TextLayer,
    det: list[BBox],
    usage: Usage,
    s: EngineSettings,
) -> list[Line]:
    """OCR the raster images whose detected text the layer does not cover; their lines in
    page pixels. Lines overlapping the layer's own words are dropped (the layer wins)."""
    if not layer.images:
        return []
    h, w = page.image.shape[:2]
    l_mask = _mask([wd.bbox for wd in layer.words], w, h, grow=2)
    out: list[Line] = []
    plain = replace(s, text_source="ocr")
    for x0, y0, x1, y1 in layer.images:
        a, b = max(0, int(x0)), max(0, int(y0))
        c, d = min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1)))
        if c - a < 8 or d - b < 8:
            continue
        inside = [
            box
            for box in det
            if a <= (box[0] + box[2]) / 2 <= c and b <= (box[1] + box[3]) / 2 <= d
        ]
        if not any(_covered(box, l_mask, w, h) < 0.5 for box in inside):
            continue
        crop = np.ascontiguousarray(page.image[b:d, a:c])
        sub_usage = Usage()
        with usage.stage("image_region_ocr"):
            sub = engine.read_page(PageImage(page.index, crop, page.source), sub_usage, plain)
        usage.lines_detected += sub_usage.lines_detected
        usage.lines_recognized += sub_usage.lines_recognized
        for k, n in sub_usage.rec_head.items():
            usage.rec_head[k] = usage.rec_head.get(k, 0) + n
        usage.rec_squeeze[:] = merge_reports(usage.rec_squeeze + sub_usage.rec_squeeze)
        usage.rec_lexicon += sub_usage.rec_lexicon
        for ln in sub.lines:
            moved = _shift(ln, a, b)
            if _covered(moved.bbox, l_mask, w, h) < 0.5:
                out.append(moved)
    if out:
        usage.notes.append("raster images on text-layer pages OCR'd (those regions only)")
    return out


def _covered(box: BBox, l_mask: np.ndarray, w: int, h: int) -> float:
    m = _mask([box], w, h)
    n = int(m.sum())
    return float((m & l_mask).sum()) / n if n else 1.0


def _shift(ln: Line, dx: float, dy: float) -> Line:
    def mv(poly: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        return tuple((x + dx, y + dy) for x, y in poly)

    words = [Word(wd.text, wd.confidence, mv(wd.polygon)) for wd in ln.words]  # type: ignore[arg-type]
    return Line(ln.text, ln.confidence, mv(ln.polygon), words)  # type: ignore[arg-type]
