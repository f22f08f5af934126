"""The embedded engine's stages, each a small object with one job and its own loaded model.

Models are the ones shipped inside the `rapidocr` wheel (PP-OCRv6 small det/rec, PP-OCR mobile
0/180 line classifier); nothing is downloaded. They run on OpenVINO or onnxruntime
(engines/runtime.py). The stages hold no per-call state, and a loaded model is safe to `run`
from several threads, so one stage object can serve concurrent requests.

All stages take BGR uint8 images (what the PaddleOCR models were trained on).
"""

from __future__ import annotations

import bisect
import logging
import math
import os
from collections.abc import Container, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np

from promptocr.engines.ctcspaces import gap_space_positions, spaced_cuts, with_gap_spaces
from promptocr.engines.lexicon import CAPITAL_WORDS, StepChoices, correct_text, load_lexicon
from promptocr.engines.rechead import (
    HEAD_MODES,
    ConditionalHead,
    HeadGate,
    model_characters,
    split_head,
)
from promptocr.engines.runtime import PixelInput, load_model, resolve_runtime
from promptocr.engines.squeeze import SqueezeGate, parse_auto, squeezed_ratio

_log = logging.getLogger(__name__)


def _package_dir(package: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {package} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def model_path(package: str, filename: str) -> Path:
    """Path of a model file shipped inside an installed wheel (never downloaded)."""
    path = _package_dir(package) / "models" / filename
    if not path.exists():
        raise RuntimeError(f"model {filename} is missing from the {package} wheel at {path}")
    return path


DET_MODEL = ("rapidocr", "PP-OCRv6_det_small.onnx")
REC_MODEL = ("rapidocr", "PP-OCRv6_rec_small.onnx")
CLS_MODEL = ("rapidocr", "ch_ppocr_mobile_v2.0_cls_mobile.onnx")


@dataclass(frozen=True, slots=True)
class SessionSettings:
    """How the models are run: runtime, precision, threads (0 = every core), and the options
    that only onnxruntime has (inter-op threads, arena, memory patterns, spinning)."""

    intra_op_threads: int = 0
    inter_op_threads: int = 1
    # (onnxruntime) Off by default: input shapes change with every page and every batch of
    # lines, so an arena keeps the largest call's activations for the life of the process and
    # cached memory patterns pile up per shape (measured on SROIE: peak RSS 770-810 MB with
    # both on, about 530 MB with both off; RapidOCR also turns the arena off).
    enable_mem_arena: bool = False
    enable_mem_pattern: bool = False
    # (onnxruntime) Idle worker threads busy-wait by default; on a small or shared CPU that
    # burns cycles other work needs (measured: about a third of the recognizer's CPU time).
    allow_spinning: bool = False
    # Recognition model: "fp32" (the wheel's) or the path of an .onnx file with the same
    # inputs, outputs and `character` metadata, for experiments (an int8 copy was measured
    # this way and not adopted: docs/benchmarks.md, "int8 recognition model").
    rec_model: str = "fp32"
    # Which runtime executes the models (engines/runtime.py): "auto" = OpenVINO when installed,
    # else onnxruntime. `precision` is OpenVINO's inference precision ("f32" or "bf16"; bf16
    # only takes effect on CPUs with bfloat16 instructions; "int8" runs the quantised
    # recognition model of engines/int8.py, OpenVINO only). `streams` is how many calls one
    # OpenVINO model runs at once (the server sets it to its number of workers).
    runtime: str = "auto"
    precision: str = "bf16"
    streams: int = 1
    # Streams of the detection model alone (0 = `streams`). Each OpenVINO stream keeps its own
    # activations, ~170 MB for a page detected at 1280: a document read two pages at a time
    # (promptocr/overlap.py) detects on one stream and recognises on two.
    det_streams: int = 0
    # OpenVINO's ENABLE_CPU_PINNING (None = OpenVINO's own choice, which pins each stream's
    # threads to cores). Separately compiled models pin their streams to the same cores, so
    # two pages in flight can land on one core while the other waits (docs/benchmarks.md,
    # "Two pages at once").
    cpu_pinning: bool | None = None
    # Horizontal squeeze of recognition crops: each line is resized to the model's height and
    # its width then multiplied by this (1.0 = aspect kept; never below the padding floor).
    # The model's cost grows with its input width. 1.0 (the default) leaves every crop at
    # full width. "auto" (opt-in) squeezes a page's remaining lines by 0.9 once its first
    # lines, read at full width until 20 pairs of characters are read (one batch or more),
    # showed tight glyphs (few wide blank runs without a space): engines/squeeze.py. It was
    # the default for a while and is opt-in again: it cost SROIE key fields (207 -> 203 of
    # 240 exact) for ~4-5 % of wall time; docs/benchmarks.md, "Recognition width squeeze".
    rec_squeeze: float | str = 1.0
    # Recognition output head: "full" (every class, every line; the default) or "latin": the
    # caller declares the text Latin/Greek/Cyrillic script, and after a page's first batch read
    # only such characters later lines are decoded with a head restricted to them (OpenVINO
    # only, else full). Not a guess: CJK look-alikes (一 二 工 口 十) are misread under it
    # (engines/rechead.py; docs/benchmarks.md, "Restricted recognition head").
    rec_head: str = "full"
    # Put back word spaces the recogniser left out at wide gaps inside a line, where two
    # characters' CTC steps lie more than this many times the line's median pitch apart
    # (engines/ctcspaces.py; None = off; 2.5 chosen on rendered text, docs/benchmarks.md;
    # never next to a character of a script written without word spaces: CJK, kana).
    rec_gap_spaces: float | None = 2.5
    # Correct words that are not in the system's English word list from the recogniser's own
    # second and third choices at its unsure steps, where one clearly gives a word
    # (engines/lexicon.py; docs/benchmarks.md, "Lexicon correction"; the default since it
    # raised word F1 on SROIE and FUNSD, with a few false corrections of invented names and
    # codes on rendered text: 4 in 27,228 words a size, against 97 fixes). Full head
    # only: under rec_head "latin" the head keeps no alternatives and words stay as read.
    # Without a word list in /usr/share/dict (Debian wamerican) it is off, said once in the log.
    rec_lexicon: bool = True
    # Height the recognition crops are scaled to (OpenVINO only; the model was trained at 48,
    # its input is made height-free where this differs, 33-48 work): the model's cost grows
    # with height times width, and a crop keeps its aspect, so 40 costs about (40/48)^2. An
    # experiment for issue 13, not the default: measured at 40, recognition 18-24 % faster
    # and word F1 0.001-0.003 lower on SROIE and FUNSD (docs/benchmarks.md, "Recognition at
    # a lower height").
    rec_height: int = 48


def rec_model_file(choice: str, precision: str = "bf16") -> Path:
    """The recognition model file for `SessionSettings.rec_model`: "fp32" is the wheel's model
    (its int8 copy under `precision="int8"`), anything else must name an existing .onnx file
    or, on OpenVINO, an .xml IR (for experiments such as an int8 copy)."""
    if choice == "fp32" and precision == "int8":
        from promptocr.engines.int8 import INT8_REC, int8_model_path

        return int8_model_path(INT8_REC)
    if choice == "fp32":
        return model_path(*REC_MODEL)
    path = Path(choice)
    if path.suffix in (".onnx", ".xml") and path.is_file():  # .xml: OpenVINO IR (OpenVINO only)
        return path
    raise ValueError(f"rec_model must be 'fp32' or an existing .onnx or .xml file, got {choice!r}")


# --------------------------------------------------------------------------------------------
# Detection


@dataclass(frozen=True, slots=True)
class DetectionPolicy:
    """How the page is resized before detection.

    `limit_type="max"` shrinks pages whose longer side exceeds `side_len` (never enlarges);
    `"min"` scales the shorter side up to `side_len` (RapidOCR's default, 736) which helps tiny
    text but costs time on ordinary scans; `"long"` scales the longer side to exactly
    `side_len` (up or down); `"auto"` picks the long side from the page's character height
    (engines/detsize.py) so that characters land near `target_text_px` pixels high, between
    `min_side` and `auto_max_side` (and `max_side`) and at most `max_upscale` times the page,
    falling back to `max` `side_len` where the height can't be read. `auto` is the default.
    """

    limit_type: str = "auto"
    side_len: int = 1280
    max_side: int = 2400
    thresh: float = 0.3
    box_thresh: float = 0.5
    unclip_ratio: float = 1.6
    # Extra length at each end of a line box, in box heights (after the unclip). 0 = RapidOCR's
    # geometry; 0.1-0.3 were measured and not adopted (docs/benchmarks.md, "The word-F1 gap").
    end_pad: float = 0.0
    # limit_type="auto" only (engines/detsize.py)
    target_text_px: float = 13.0
    min_side: int = 960
    max_upscale: float = 1.0
    # The largest long side `auto` picks (dense small print on large scans runs up to this; at
    # most `max_side`). 1280 by default: above it the detector's buffers push peak memory of a
    # receipt over 600 MB (docs/benchmarks.md).
    auto_max_side: int = 1280


class TextDetector:
    """DB text detection (PP-OCRv6 small): page image -> quadrilaterals + scores."""

    def __init__(self, settings: SessionSettings) -> None:
        # Pixels in, (x - 127.5) / 127.5 done by the runtime (PixelInput); no per-shape kernel
        # cache: every page size is a new shape (see load_model).
        self.model = load_model(
            model_path(*DET_MODEL),
            settings,
            cache_shapes=False,
            pixels=PixelInput(),
            name="det",
            streams=settings.det_streams or None,
        )

    @staticmethod
    def target_size(h: int, w: int, policy: DetectionPolicy) -> tuple[int, int]:
        side = policy.side_len
        if policy.limit_type == "min":
            ratio = side / min(h, w) if min(h, w) < side else 1.0
        elif policy.limit_type == "max":
            ratio = side / max(h, w) if max(h, w) > side else 1.0
        elif policy.limit_type == "long":
            ratio = side / max(h, w)
        else:
            raise ValueError(f"unknown detection limit type {policy.limit_type!r}")
        if max(h, w) * ratio > policy.max_side:
            ratio = policy.max_side / max(h, w)
        nh = max(32, int(round(h * ratio / 32)) * 32)
        nw = max(32, int(round(w * ratio / 32)) * 32)
        return nh, nw

    def __call__(self, img: np.ndarray, policy: DetectionPolicy) -> tuple[np.ndarray, list[float]]:
        if policy.limit_type == "auto":  # callers that report the choice resolve it first
            from promptocr.engines.detsize import resolve_policy

            policy = resolve_policy(img, policy)[0]
        h, w = img.shape[:2]
        nh, nw = self.target_size(h, w, policy)
        resized = cv2.resize(img, (nw, nh)) if (nh, nw) != (h, w) else img
        x = np.ascontiguousarray(resized)[None]  # (1, H, W, 3) uint8 BGR
        return db_boxes(self.probability_map(x), (h, w), policy)

    def probability_map(self, x: np.ndarray) -> np.ndarray:
        """The model's text-probability map for a (1, H, W, 3) uint8 BGR page.

        (Running large pages as overlapping strips, to bound the activations OpenVINO keeps,
        was tried and dropped: the model's maps differ far from the seams, so strips are not
        the same detector; docs/benchmarks.md.)
        """
        return self.model.run(x)[0, 0]


_DILATE = np.ones((2, 2), dtype=np.uint8)


def order_quad(pts: np.ndarray) -> np.ndarray:
    """Four corners as top-left, top-right, bottom-right, bottom-left."""
    by_x = pts[np.argsort(pts[:, 0], kind="stable")]
    left = by_x[:2][np.argsort(by_x[:2, 1], kind="stable")]
    right = by_x[2:][np.argsort(by_x[2:, 1], kind="stable")]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)


def db_boxes(
    prob: np.ndarray, dest: tuple[int, int], policy: DetectionPolicy, max_candidates: int = 1000
) -> tuple[np.ndarray, list[float]]:
    """Differentiable-binarization post-processing: probability map -> text quadrilaterals.

    The map is binarised at `thresh` (and dilated by 2x2), each connected region's minimum-area
    rectangle is scored by the mean probability inside it (kept when >= `box_thresh`), then
    grown by `area * unclip_ratio / perimeter` on every side (the DB paper's "unclip", done in
    closed form on the rectangle) and scaled to the `dest` (height, width) image.
    """
    mh, mw = prob.shape
    dh, dw = dest
    mask = cv2.dilate((prob > policy.thresh).astype(np.uint8), _DILATE)
    contours = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[-2]
    sx, sy = dw / mw, dh / mh
    boxes: list[np.ndarray] = []
    scores: list[float] = []
    for contour in contours[:max_candidates]:
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
        if min(rw, rh) < 3:
            continue
        quad = cv2.boxPoints(((cx, cy), (rw, rh), angle))
        score = _mean_inside(prob, quad)
        if score < policy.box_thresh:
            continue
        d = rw * rh * policy.unclip_ratio / (2.0 * (rw + rh))
        gw, gh = rw + 2 * d, rh + 2 * d
        if policy.end_pad:  # lengthen along the long side (the text's direction)
            if gw >= gh:
                gw += 2 * policy.end_pad * gh
            else:
                gh += 2 * policy.end_pad * gw
        if min(gw, gh) < 5:
            continue
        big = order_quad(cv2.boxPoints(((cx, cy), (gw, gh), angle)))
        big[:, 0] = np.clip(np.round(big[:, 0] * sx), 0, dw)
        big[:, 1] = np.clip(np.round(big[:, 1] * sy), 0, dh)
        bw = np.linalg.norm(big[0] - big[1])
        bh = np.linalg.norm(big[0] - big[3])
        if bw <= 3 or bh <= 3:
            continue
        boxes.append(big)
        scores.append(score)
    if not boxes:
        return np.zeros((0, 4, 2), dtype=np.float32), []
    return np.stack(boxes), scores


def _mean_inside(prob: np.ndarray, quad: np.ndarray) -> float:
    """Mean of `prob` inside the polygon (computed on its bounding-box window only)."""
    mh, mw = prob.shape
    x0 = int(np.clip(np.floor(quad[:, 0].min()), 0, mw - 1))
    x1 = int(np.clip(np.ceil(quad[:, 0].max()), 0, mw - 1))
    y0 = int(np.clip(np.floor(quad[:, 1].min()), 0, mh - 1))
    y1 = int(np.clip(np.ceil(quad[:, 1].max()), 0, mh - 1))
    window = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    pts = (quad - np.array([x0, y0], dtype=np.float32)).round().astype(np.int32)
    cv2.fillPoly(window, [pts], 1)
    return float(cv2.mean(prob[y0 : y1 + 1, x0 : x1 + 1], window)[0])


# --------------------------------------------------------------------------------------------
# Crops


def crop_line(img: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Perspective-crop a detected quadrilateral to an upright strip (tall strips turned)."""
    pts = quad.astype(np.float32)
    w = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    h = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    w, h = max(w, 1), max(h, 1)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(pts, dst)
    crop = cv2.warpPerspective(
        img, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if h / w >= 1.5:
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)


# --------------------------------------------------------------------------------------------
# Line orientation (0 / 180)


class LineOrientationClassifier:
    """PP-OCR mobile 0/180 classifier: flips upside-down line crops before recognition."""

    shape = (3, 48, 192)

    def __init__(self, settings: SessionSettings, threshold: float = 0.9) -> None:
        # Batch sizes vary with every page's lines: no per-shape kernel cache (see load_model).
        self.model = load_model(model_path(*CLS_MODEL), settings, cache_shapes=False, name="cls")
        self.threshold = threshold

    def _norm(self, img: np.ndarray) -> np.ndarray:
        c, h, w = self.shape
        ih, iw = img.shape[:2]
        rw = min(w, int(math.ceil(h * iw / float(ih))))
        r = cv2.resize(img, (max(rw, 1), h)).astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
        out = np.zeros((c, h, w), dtype=np.float32)
        out[:, :, : r.shape[2]] = r
        return out

    def __call__(self, crops: list[np.ndarray], batch: int = 16) -> list[bool]:
        """True for each crop that is upside down (and confidently so)."""
        flips = [False] * len(crops)
        for start in range(0, len(crops), batch):
            chunk = crops[start : start + batch]
            x = np.stack([self._norm(c) for c in chunk])
            prob = self.model.run(x)
            for i, p in enumerate(prob):
                flips[start + i] = bool(p.argmax() == 1 and p[1] > self.threshold)
        return flips

    def probabilities(self, crops: list[np.ndarray]) -> list[float]:
        """Probability that each crop is upside down (page orientation votes with these)."""
        if not crops:
            return []
        x = np.stack([self._norm(c) for c in crops])
        return [float(p[1]) for p in self.model.run(x)]


# --------------------------------------------------------------------------------------------
# Recognition


@dataclass(slots=True)
class Recognition:
    """Text of one crop, its confidence, and for each character the fraction of crop width
    where CTC emitted it (used to place word boxes)."""

    text: str
    confidence: float
    char_pos: list[float]
    char_conf: list[float]
    # Which output head decoded it (engines/rechead.py): "full", "restricted" or "fallback".
    head: str = "full"
    # The width squeeze it was read with: its width at the model over its natural width
    # (engines/squeeze.py; 1.0 for a crop left alone: `auto`'s first batches, a crop under
    # the padding floor; between the factor and 1.0 for one narrowed only down to the floor).
    squeeze: float = 1.0
    # Words changed by the lexicon correction (engines/lexicon.py).
    corrected: int = 0
    # The lexicon correction's stray-diacritic folds, {index into `text`: (character,
    # probability)} a word, applied by the recogniser only where the page (the caller's crops)
    # reads no diacritic surely: `sure_marks` counts those of this line.
    folds: list[dict[int, tuple[str, float]]] = field(default_factory=list)
    sure_marks: int = 0
    # words in capitals whose sure marks `capital_fold` would strip: more than
    # `lexicon.CAPITAL_WORDS` of them on a page make it a page printed with diacritics
    capital_marks: int = 0


# Padded recognition widths. OpenVINO builds kernels and buffers per input shape and keeps
# them (several MB per shape for this model), so batches come in a few fixed shapes: each
# crop's width is rounded up to this ladder (at most ~25 % extra padding, ~12 % typical).
WIDTH_LADDER = (
    160,
    192,
    224,
    256,
    320,
    384,
    448,
    512,
    640,
    768,
    896,
    1024,
    1280,
    1536,
    1792,
    2048,
    2560,
    3072,
    3584,
)


def bucket_width(width: float, floor: int) -> int:
    """Padded input width for a crop `width` px wide at the model's height (>= `floor`)."""
    w = max(width, float(floor))
    if w < WIDTH_LADDER[0]:
        return int(math.ceil(w / 32)) * 32
    for step in WIDTH_LADDER:
        if step >= w:
            return step
    return int(math.ceil(w / 512)) * 512


def plan_batches(
    ratios: list[float],
    height: int,
    floor: int,
    budget: int,
    batch: int,
    pad_batches: bool,
    max_spread: float = 1e9,
    pad_single: bool = False,
) -> list[tuple[list[int], int, int]]:
    """How crops of these width/height `ratios` are batched: (crop indices, padded width,
    rows of the model input) per call. Crops are sorted by ratio, each padded to at least `floor`
    px and up the `WIDTH_LADDER`; a batch holds at most `batch` crops and `budget` padded pixels
    of width in all, and no crop joins a batch whose narrowest crop is more than `max_spread`
    times narrower. With `pad_batches` a short batch is filled with blank rows up to that size
    (unless the call is a single batch and not `pad_single`: the rest of a call planned anew),
    so each width runs with the same shape."""
    widths = [bucket_width(height * r, floor) for r in ratios]

    def rows(width: int) -> int:
        return max(1, min(batch, budget // width))

    order = [int(i) for i in np.argsort(ratios, kind="stable")]
    groups: list[list[int]] = []
    for i in order:
        g = groups[-1] if groups else None
        # Sorted ascending, so the newest crop is the widest: it sets the batch width.
        if g is not None and len(g) < rows(widths[i]) and widths[i] <= max_spread * widths[g[0]]:
            g.append(i)
        else:
            groups.append([i])
    plan = []
    for idx in groups:
        width = widths[idx[-1]]
        # A call that fits in one batch (a plate, a field re-read) is not padded: rows of
        # blank would cost more than the few extra shapes such calls add.
        n = len(idx)
        if pad_batches and (len(groups) > 1 or pad_single):
            n = rows(width)
        plan.append((idx, width, n))
    return plan


MIN_REC_HEIGHT = 33  # the model's last pooling needs 3 rows of features: a height over 32


class TextRecognizer:
    """CRNN/SVTR CTC recognition (PP-OCRv6 small): line crops -> text + confidence."""

    height = 48
    # Crops narrower than this are padded to it. RapidOCR pads to 320 (the training width);
    # 160 read SROIE/FUNSD dev as well (char-bag F1 equal or +0.001) with ~20 % less
    # recognition time, since half of all lines are narrower than 160 px at height 48.
    min_width = 160
    # At most this many padded pixels of width per batch (long lines go in smaller batches).
    max_batch_width = 1024
    # A crop does not join a batch whose narrowest crop is this many times narrower (padded
    # widths): a short crop batched with long lines is mostly padding, which costs time and
    # makes the int8 model less sure of it (docs/benchmarks.md).
    max_spread = 1.5
    # Width factor at height 48 (SessionSettings.rec_squeeze sets it per instance); with
    # `squeeze_auto` decided per caller from its first batches (engines/squeeze.py).
    squeeze = 1.0
    squeeze_auto = False
    # The restricted output head (SessionSettings.rec_head "latin"), or None: the model's own.
    head: ConditionalHead | None = None
    # SessionSettings.rec_gap_spaces: spaces put back at wide gaps (None = off).
    gap_spaces: float | None = None
    # SessionSettings.rec_lexicon: the word list (None = no lexicon correction).
    lexicon: Container[str] | None = None

    def __init__(self, settings: SessionSettings) -> None:
        squeeze = settings.rec_squeeze
        auto = parse_auto(squeeze)  # "auto" or, for experiments, "auto:F" (factor F)
        if auto is None and (isinstance(squeeze, str) or not 0.1 <= squeeze <= 1.0):
            raise ValueError(f"rec_squeeze must be 'auto' or in [0.1, 1], got {squeeze!r}")
        self.model_file = rec_model_file(settings.rec_model, settings.precision)
        if settings.rec_head not in HEAD_MODES:
            raise ValueError(f"rec_head must be one of {HEAD_MODES}, got {settings.rec_head!r}")
        # The restricted head (rec_head "latin") needs the model cut in memory: OpenVINO only.
        split = settings.rec_head == "latin" and resolve_runtime(settings.runtime) == "openvino"
        parts: list[np.ndarray] = []

        def cut(model: Any) -> Any:
            # Any failure (a custom rec_model without the usual head, a charset that does not
            # match its classes, an OpenVINO error) leaves the model whole: read in full.
            try:
                features, weight, bias = split_head(model)
                classes = len(model_characters(model)) + 2  # + blank and space, as `charset`
                if weight.shape[1] != classes:
                    raise ValueError(f"head has {weight.shape[1]} classes, charset {classes}")
            except Exception as exc:
                _log.warning(
                    "rec_head=latin: %s read with its full head (%s)", self.model_file, exc
                )
                return model
            parts.extend((weight, bias))
            return features

        if not MIN_REC_HEIGHT <= settings.rec_height <= TextRecognizer.height:
            raise ValueError(
                f"rec_height must be in [{MIN_REC_HEIGHT}, {TextRecognizer.height}],"
                f" got {settings.rec_height}"
            )
        free = settings.rec_height != TextRecognizer.height
        if free and resolve_runtime(settings.runtime) != "openvino":
            raise ValueError("rec_height other than 48 needs the OpenVINO runtime")

        def prepare(model: Any) -> Any:
            if free:  # (any height: the crops of every call have the one set here)
                import openvino as ov

                model.reshape(ov.PartialShape([-1, 3, -1, -1]))
            return cut(model) if split else model

        self.model = load_model(
            self.model_file, settings, name="rec", transform=prepare if free or split else None
        )
        self.height = settings.rec_height
        scale = self.height / TextRecognizer.height  # (the padding floor scales with it)
        self.min_width = max(8, round(TextRecognizer.min_width * scale / 8) * 8)
        chars = (self.model.metadata("character") or "").splitlines()
        if not chars:
            raise RuntimeError(f"{self.model_file} has no 'character' metadata")
        self.charset = ["<blank>", *chars, " "]
        self.head = None
        if parts:
            config = getattr(self.model, "config", {})
            try:
                self.head = ConditionalHead(parts[0], parts[1], self.charset, config)
            except Exception as exc:  # the cut model is no use without its head: load it whole
                _log.warning(
                    "rec_head=latin: %s read with its full head (%s)", self.model_file, exc
                )
                self.model = load_model(self.model_file, settings, name="rec")
        # OpenVINO keeps kernels and buffers per input shape, so its batches are padded to a
        # fixed number of rows per width (see `__call__`); onnxruntime frees them per call, and
        # padding would only cost time there.
        self.pad_batches = self.model.runtime == "openvino"
        self.squeeze_auto = auto is not None
        self.squeeze = auto if auto is not None else float(squeeze)
        self.gap_spaces = settings.rec_gap_spaces
        self.lexicon = load_lexicon() if settings.rec_lexicon else None

    def _norm(self, img: np.ndarray, width: int, ratio: float) -> tuple[np.ndarray, float]:
        # Height to the model's, width to `ratio` times that (the squeezed aspect).
        rw = min(width, int(math.ceil(self.height * ratio)))
        rw = max(rw, 1)
        r = cv2.resize(img, (rw, self.height)).astype(np.float32)
        r = r.transpose(2, 0, 1) / 127.5 - 1.0
        out = np.zeros((3, self.height, width), dtype=np.float32)
        out[:, :, :rw] = r
        return out, rw / width

    def __call__(
        self,
        crops: list[np.ndarray],
        batch: int = 8,
        min_width: int | None = None,
        max_batch_width: int | None = None,
        groups: Sequence[Hashable] | None = None,
        squeeze: float | None = None,
    ) -> list[Recognition]:
        """Recognise crops in batches of similar width (sorted by aspect ratio: less padding).

        Every crop is padded to at least `min_width` pixels (default: the class attribute) and
        then up the `WIDTH_LADDER`. A batch holds at most `batch` crops and at most
        `max_batch_width` padded pixels in all, so a batch of long lines is smaller than one of
        short ones: bounded activation memory. With `pad_batches` a short batch is filled with
        blank rows up to that size (unless the call is a single batch), so each width is run
        with the same shape. `groups` (one per crop) keeps the restricted head's decision
        (rec_head "latin") per group: the server's `BatchingRecognizer` passes one per caller.
        `squeeze` overrides the width squeeze for this call (a factor in (0, 1]; 1.0 = every
        crop at full width): checks that compare readings of the same crops (page orientation,
        the text-layer check) pass 1.0, so no crop is read narrower than another.
        """
        if not crops:
            return []
        floor = self.min_width if min_width is None else min_width
        budget = self.max_batch_width if max_batch_width is None else max_batch_width
        natural = [c.shape[1] / max(c.shape[0], 1) for c in crops]
        group: list[Hashable] = list(groups) if groups is not None else [0] * len(crops)
        # rec_squeeze "auto": a caller's crops are read at full width until its evidence
        # decides its factor (engines/squeeze.py); a number squeezes every crop alike.
        if squeeze is not None and not 0.0 < squeeze <= 1.0:
            raise ValueError(f"squeeze must be in (0, 1], got {squeeze}")
        fixed = self.squeeze if squeeze is None else squeeze
        sq = SqueezeGate(self.squeeze) if self.squeeze_auto and squeeze is None else None

        def factor(i: int) -> float:
            if sq is None:
                return fixed
            return sq.decided(group[i]) or 1.0

        def planned(todo: list[int], pad: bool) -> list[tuple[list[int], int, int]]:
            # Widths as the model sees them (squeezed), so batches and their widths shrink too.
            for i in todo:
                ratios[i] = squeezed_ratio(natural[i], factor(i), floor / self.height)
            sub = plan_batches(
                [ratios[i] for i in todo],
                self.height,
                floor,
                budget,
                batch,
                self.pad_batches,
                self.max_spread,
                pad_single=pad,
            )
            return [([todo[j] for j in idx], width, n) for idx, width, n in sub]

        ratios = list(natural)
        plan = planned(list(range(len(crops))), False)
        out: list[Recognition | None] = [None] * len(crops)
        gate = None if self.head is None else HeadGate(self.head)
        space = len(self.charset) - 1
        k = 0
        while k < len(plan):
            idx, width, n = plan[k]
            k += 1
            x = np.zeros((n, 3, self.height, width), dtype=np.float32)
            used: list[float] = []
            for j, i in enumerate(idx):
                x[j], fraction = self._norm(crops[i], width, ratios[i])
                used.append(fraction)
            paths: list[np.ndarray] = []
            if gate is not None:  # the model returns features: the head runs here
                feats = self.model.run(x, copy=False)[: len(idx)]
                rows = gate.decode(feats, used, [group[i] for i in idx])
                for j, i in enumerate(idx):
                    rec = self._decode(rows[j][0], rows[j][1], used[j])
                    rec.head = rows[j][2]
                    out[i] = rec
                    paths.append(rows[j][0])
            else:
                # Reduced at once over the (rows, steps, classes) output, padded rows left
                # out: with 18k classes the raw output is MBs per batch, not worth copying.
                probs = self.model.run(x, copy=False)[: len(idx)]
                best = probs.argmax(axis=2)
                conf = np.take_along_axis(probs, best[:, :, None], axis=2)[:, :, 0]
                for j, i in enumerate(idx):
                    row = probs[j] if self.lexicon is not None else None  # engines/lexicon.py
                    out[i] = self._decode(best[j], conf[j], used[j], row)
                    paths.append(best[j])
            for i in idx:  # what was done: 1.0 for a crop left alone (under the floor)
                cast(Recognition, out[i]).squeeze = (
                    round(ratios[i] / natural[i], 4) if natural[i] > 0 else 1.0
                )
            if sq is None:
                continue
            before = {g: sq.decided(g) for g in set(group[i] for i in idx)}
            for j, i in enumerate(idx):
                if before[group[i]] is None:
                    steps = min(len(paths[j]), int(math.ceil(len(paths[j]) * used[j])))
                    sq.observe(group[i], paths[j], steps, space)
            rest = [i for b in plan[k:] for i in b[0]]
            # A caller just decided for the squeeze: its crops not read yet are planned anew.
            if any(before[g] is None and (sq.decided(g) or 1.0) < 1.0 for g in before) and rest:
                plan = plan[:k] + planned(rest, len(plan) > 1)
        done = [(r, g) for r, g in zip(out, group, strict=True) if r is not None]
        fold_marks([r for r, _ in done], [g for _, g in done])
        return [r for r, _ in done]

    def _decode(
        self, idx: np.ndarray, conf: np.ndarray, used: float, probs: np.ndarray | None = None
    ) -> Recognition:
        """CTC greedy decoding of one row: best class and its probability per time step;
        with a lexicon, `probs` (the row's softmax output) gives the corrections their
        alternatives (engines/lexicon.py)."""
        steps = len(idx)
        keep = np.ones(steps, dtype=bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        pos = np.nonzero(keep)[0]
        text = "".join(self.charset[k] for k in idx[pos])
        confs = [float(c) for c in conf[pos]]
        span = steps * used if used > 0 else steps
        char_pos = [min(1.0, (p + 0.5) / span) for p in pos]
        after = None
        if self.gap_spaces is not None:  # spaces at wide gaps (engines/ctcspaces.py)
            after = gap_space_positions(idx, self.gap_spaces, len(self.charset) - 1)
        # the line's confidence as read: a correction never drops a line under `text_score`
        mean = float(np.mean(confs)) if confs else 0.0
        fixed = None
        if probs is not None and self.lexicon is not None:  # engines/lexicon.py
            fixed = correct_text(
                text, StepChoices(probs, idx, conf, self.charset), self.lexicon, after or ()
            )
            text = fixed.text
            for k, q in fixed.conf.items():
                confs[k] = q
        folds: list[dict[int, tuple[str, float]]] = fixed.folds if fixed is not None else []
        if after is not None:
            if folds:  # a fold's indices past the spaces put in before them
                cut = sorted(spaced_cuts(text, after))
                folds = [{k + bisect.bisect_left(cut, k): v for k, v in f.items()} for f in folds]
            text, char_pos, confs = with_gap_spaces(text, char_pos, confs, after)
        return Recognition(
            text,
            mean,
            char_pos,
            confs,
            corrected=fixed.changed if fixed is not None else 0,
            folds=folds,
            sure_marks=fixed.sure_marks if fixed is not None else 0,
            capital_marks=fixed.capital_marks if fixed is not None else 0,
        )


def fold_marks(recs: Sequence[Recognition], groups: Sequence[Hashable]) -> None:
    """Apply the lexicon correction's stray-diacritic folds (`Recognition.folds`) to the lines of
    each caller (`groups`, one per line) whose lines read no diacritic surely, nor more than
    `lexicon.CAPITAL_WORDS` words in capitals with a sure mark; drop them on the others (a page
    written with diacritics). Each applied fold counts as a corrected word."""
    marked = {g for r, g in zip(recs, groups, strict=True) if r.sure_marks}
    capitals: dict[Hashable, int] = {}
    for r, g in zip(recs, groups, strict=True):
        capitals[g] = capitals.get(g, 0) + r.capital_marks
    marked |= {g for g, n in capitals.items() if n > CAPITAL_WORDS}
    for r, g in zip(recs, groups, strict=True):
        if r.folds and g not in marked:
            chars = list(r.text)
            for fold in r.folds:
                for k, (ch, q) in fold.items():
                    chars[k] = ch
                    r.char_conf[k] = q
                r.corrected += 1
            r.text = "".join(chars)
        r.folds = []


def default_threads() -> int:
    return os.cpu_count() or 1
