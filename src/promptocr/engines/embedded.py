"""The embedded CPU engine: composes the ONNX stages into page OCR producing the document model.

Conditional execution happens here at page level: a blank page runs neither detection nor
recognition, a tiny single-line image (a plate, a cropped field) skips detection and is read
whole, the page-orientation decision (engines/orientation.py) reuses the page's detection and
runs its extra checks only where the lines leave doubt, and the 0/180 line classifier runs on
every line only when enabled. `Usage` records each stage's time and each skip with its reason.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from promptocr.document.layout import build_blocks
from promptocr.document.model import Line, Page, Point, Polygon, Word
from promptocr.engines.detsize import resolve_policy
from promptocr.engines.gutters import split_at_gutters
from promptocr.engines.orientation import orient_page
from promptocr.engines.squeeze import squeeze_report
from promptocr.engines.stages import (
    DetectionPolicy,
    LineOrientationClassifier,
    Recognition,
    SessionSettings,
    TextDetector,
    TextRecognizer,
    crop_line,
)
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Everything that changes the OCR result of a page (part of the result cache key)."""

    detection: DetectionPolicy = field(default_factory=DetectionPolicy)
    use_line_cls: bool = False
    page_orientation: bool = True
    text_score: float = 0.5
    single_line_max_height: int = 64
    single_line_min_aspect: float = 2.0
    rec_batch: int = 8
    # Crops narrower than this (px at the model's height) are padded to it; 0 = the
    # recognizer's own default (TextRecognizer.min_width).
    rec_min_width: int = 0
    # Short crops whose least sure character is below this are read again padded to 320 px
    # (engines/secondlook.py); 0 = off (measured, not the default).
    rec_second_look: float = 0.0
    text_source: str = "auto"  # PDF pages: auto | ocr | pdf (engines/textsource.py)

    def with_overrides(self, **kw: Any) -> EngineSettings:
        det_keys = {
            "limit_type",
            "side_len",
            "max_side",
            "thresh",
            "box_thresh",
            "unclip_ratio",
            "end_pad",
            "target_text_px",
            "min_side",
            "max_upscale",
            "auto_max_side",
        }
        det = {k: v for k, v in kw.items() if k in det_keys and v is not None}
        if "side_len" in det and "limit_type" not in det and self.detection.limit_type == "auto":
            # a detection size asked for on its own is that size (`max`), as before `auto`
            det["limit_type"] = "max"
        rest = {k: v for k, v in kw.items() if k not in det_keys and v is not None}
        return replace(self, detection=replace(self.detection, **det), **rest)

    def key(self) -> str:
        return repr(self)


class EmbeddedEngine:
    """PP-OCRv6 det + rec (+ optional cls and page orientation), all offline, thread-safe."""

    name = "embedded"

    def __init__(
        self, settings: EngineSettings | None = None, session: SessionSettings | None = None
    ) -> None:
        self.settings = settings or EngineSettings()
        self.session_settings = session or SessionSettings()
        # One lock per stage, so warm_up can build the sessions side by side.
        self._locks = {k: threading.Lock() for k in ("det", "rec", "cls")}
        self._det: TextDetector | None = None
        self._rec: TextRecognizer | None = None
        self._cls: LineOrientationClassifier | None = None

    # Stages load lazily (a plan that doesn't need one never pays for it) but exactly once.
    @property
    def detector(self) -> TextDetector:
        if self._det is None:
            with self._locks["det"]:
                if self._det is None:
                    self._det = TextDetector(self.session_settings)
        return self._det

    @property
    def recognizer(self) -> TextRecognizer:
        if self._rec is None:
            with self._locks["rec"]:
                if self._rec is None:
                    self._rec = TextRecognizer(self.session_settings)
        return self._rec

    @property
    def line_classifier(self) -> LineOrientationClassifier:
        if self._cls is None:
            with self._locks["cls"]:
                if self._cls is None:
                    self._cls = LineOrientationClassifier(self.session_settings)
        return self._cls

    def set_recognizer(self, recognizer: TextRecognizer) -> None:
        """Swap in another recognizer (the server's cross-request `BatchingRecognizer`)."""
        self._rec = recognizer

    def warm_up(self) -> None:
        """Load the models every read needs (for readiness probes and cold-start figures).

        The sessions are built in parallel threads: onnxruntime does the graph optimisation of
        each in native code, so on two cores this takes about the time of the largest one."""
        from concurrent.futures import ThreadPoolExecutor

        loaders: list[Any] = [lambda: self.detector, lambda: self.recognizer]
        if self.settings.page_orientation:
            loaders.append(lambda: self.line_classifier)
        with ThreadPoolExecutor(len(loaders)) as pool:
            for f in [pool.submit(fn) for fn in loaders]:
                f.result()

    # ----------------------------------------------------------------------------------------

    def read_page(
        self, page: PageImage, usage: Usage, settings: EngineSettings | None = None
    ) -> Page:
        """OCR one page image into a `Page` with blocks in reading order."""
        s = settings or self.settings
        rgb = page.image
        h, w = rgb.shape[:2]
        usage.pages += 1
        out = Page(index=page.index, width=w, height=h, source=page.source)
        # A PDF page with a real text layer is read from it (engines/textsource.py).
        if page.text_layer is not None and s.text_source != "ocr":
            from promptocr.engines.textsource import read_from_text_layer

            from_layer = read_from_text_layer(self, page, usage, s)
            if from_layer is not None:
                return from_layer

        bgr = np.ascontiguousarray(rgb[:, :, ::-1])

        with usage.stage("blank_check"):
            blank = _is_blank(bgr)
        if blank:
            usage.skip("detect", "blank page")
            usage.skip("recognize", "blank page")
            return out

        if h <= s.single_line_max_height and w >= s.single_line_min_aspect * h:
            usage.skip("detect", "single-line input: the whole image is read as one line")
            usage.skip("page_orientation", "single-line input")
            out.blocks = build_blocks(self._read_whole(bgr, usage, s, page.index))
            return out

        rotation = 0
        upright = bgr
        policy = s.detection
        if policy.limit_type == "auto":  # the detection size from the page (engines/detsize.py)
            with usage.stage("detect_size"):
                policy, choice = resolve_policy(upright, policy)
        else:
            nh, nw = TextDetector.target_size(h, w, policy)
            choice = {"policy": policy.limit_type, "side": max(nh, nw), "size": [nw, nh]}
        usage.detection.append({"page": page.index + 1, **choice})
        with usage.stage("detect"):
            quads, _scores = self.detector(upright, policy)
        if s.page_orientation:  # judged from these boxes; re-detects only if the page is turned
            rotation, upright, quads = orient_page(self, bgr, quads, usage, s)
        else:
            usage.skip("page_orientation", "disabled by settings")
        out.rotation = rotation
        usage.lines_detected += len(quads)
        if len(quads) == 0:
            usage.skip("recognize", "no text detected")
            if not s.use_line_cls:
                usage.skip("line_orientation", "disabled by settings")
            return out

        with usage.stage("column_split"):  # a line never runs across a column gutter
            quads, n_split = split_at_gutters(upright, quads)
        if n_split:
            usage.notes.append(f"{n_split} detected line(s) split at column gutters")
        with usage.stage("crop"):
            crops = [crop_line(upright, q) for q in quads]
        flips = [False] * len(crops)
        if s.use_line_cls:
            with usage.stage("line_orientation"):
                flips = self.line_classifier(crops)
            crops = [
                np.ascontiguousarray(np.rot90(c, 2)) if f else c
                for c, f in zip(crops, flips, strict=True)
            ]
        else:
            usage.skip("line_orientation", "disabled by settings")

        with usage.stage("recognize"):
            if s.rec_min_width:
                recs = self.recognizer(crops, batch=s.rec_batch, min_width=s.rec_min_width)
            else:
                recs = self.recognizer(crops, batch=s.rec_batch)
            if s.rec_second_look:
                from promptocr.engines.secondlook import second_look

                recs, n_again = second_look(self.recognizer, crops, recs, s.rec_second_look)
                usage.notes.append(f"{n_again} short line(s) read again at 320 px")
        usage.rec_squeeze.append(squeeze_report(page.index, recs))

        lines: list[Line] = []
        for quad, crop_flip, rec in zip(quads, flips, recs, strict=True):
            if not rec.text.strip() or rec.confidence < s.text_score:
                continue
            lines.append(_make_line(rec, _quad_to_polygon(quad), crop_flip, tall=_is_tall(quad)))
            self._count_head(usage, rec)
        usage.lines_recognized += len(lines)
        with usage.stage("reading_order"):
            # Reading order is decided upright; geometry then goes back to the file's frame.
            out.blocks = build_blocks(lines)
            if rotation:
                uh, uw = upright.shape[:2]
                for ln in lines:
                    ln.polygon = _unrotate(ln.polygon, rotation, uw, uh)
                    for wd in ln.words:
                        wd.polygon = _unrotate(wd.polygon, rotation, uw, uh)
        return out

    def _read_whole(
        self, bgr: np.ndarray, usage: Usage, s: EngineSettings, index: int = 0
    ) -> list[Line]:
        h, w = bgr.shape[:2]
        pad = max(2, h // 8)
        padded = cv2.copyMakeBorder(bgr, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        with usage.stage("recognize"):
            rec = self.recognizer([padded])[0]
        usage.rec_squeeze.append(squeeze_report(index, [rec]))
        usage.lines_detected += 1
        if not rec.text.strip() or rec.confidence < s.text_score:
            return []
        usage.lines_recognized += 1
        self._count_head(usage, rec)
        poly: Polygon = ((0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h)))
        return [_make_line(rec, poly, False, tall=False)]

    def _count_head(self, usage: Usage, rec: Recognition) -> None:
        """`usage.rec_head` under rec_head "latin": the kept lines (those `lines_recognized`
        counts) by the head that decoded them (engines/rechead.py), and `usage.rec_lexicon`
        the words the lexicon correction changed in them (engines/lexicon.py)."""
        usage.rec_lexicon += rec.corrected
        if self.session_settings.rec_head != "full":
            usage.rec_head[rec.head] = usage.rec_head.get(rec.head, 0) + 1

    def recognize_crops(self, crops: list[np.ndarray], usage: Usage) -> list[Recognition]:
        """Recognition alone on caller-supplied BGR crops (used by field re-reads). Like
        `lines_recognized`, `usage.rec_head` does not count these."""
        with usage.stage("recognize"):
            return self.recognizer(crops)


# --------------------------------------------------------------------------------------------


def _is_blank(bgr: np.ndarray) -> bool:
    """A page with (almost) no ink: low contrast everywhere after downsampling."""
    small = cv2.resize(bgr, (max(1, bgr.shape[1] // 4), max(1, bgr.shape[0] // 4)))
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    return float(gray.std()) < 2.0 and int(gray.max()) - int(gray.min()) < 24


def _quad_to_polygon(quad: np.ndarray) -> Polygon:
    p = [(float(x), float(y)) for x, y in quad]
    return (p[0], p[1], p[2], p[3])


def _is_tall(quad: np.ndarray) -> bool:
    w = float(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    h = float(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    return h / max(w, 1.0) >= 1.5


def _unrotate(poly: Polygon, angle: int, uw: int, uh: int) -> Polygon:
    """Map points from the upright image back to the original, whose content was turned by
    `angle` clockwise (so upright = original turned `angle` counter-clockwise)."""

    def back(p: Point) -> Point:
        x, y = p
        if angle == 90:  # original width is the upright height
            return (uh - y, x)
        if angle == 180:
            return (uw - x, uh - y)
        if angle == 270:
            return (y, uw - x)
        return p

    pts = [back(p) for p in poly]
    # Keep the polygon starting at the text's top-left in reading direction.
    return (pts[0], pts[1], pts[2], pts[3])


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (float(a[0] + (b[0] - a[0]) * t), float(a[1] + (b[1] - a[1]) * t))


def _make_line(rec: Recognition, poly: Polygon, flipped: bool, tall: bool) -> Line:
    """A Line with words placed along the text axis by CTC character positions."""
    p0, p1, p2, p3 = poly
    if tall:  # the crop was turned 90 degrees: text runs from p3 towards p0 ... as a strip
        p0, p1, p2, p3 = p3, p0, p1, p2
    if flipped:
        p0, p1, p2, p3 = p2, p3, p0, p1
    words: list[Word] = []
    text = rec.text
    pos = rec.char_pos
    if len(pos) != len(text):
        pos = [(i + 0.5) / max(len(text), 1) for i in range(len(text))]
    step = float(np.median(np.diff(pos))) if len(pos) > 1 else 1.0 / max(len(text), 1)
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        j = i
        while j < len(text) and not text[j].isspace():
            j += 1
        a = max(0.0, pos[i] - step / 2)
        b = min(1.0, pos[j - 1] + step / 2)
        confs = rec.char_conf[i:j] or [rec.confidence]
        wpoly: Polygon = (_lerp(p0, p1, a), _lerp(p0, p1, b), _lerp(p3, p2, b), _lerp(p3, p2, a))
        words.append(Word(text[i:j], float(np.mean(confs)), wpoly))
        i = j
    return Line(text.strip(), rec.confidence, poly, words)
