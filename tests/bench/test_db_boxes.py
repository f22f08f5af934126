"""The detector's post-processing on hand-made probability maps (no model involved)."""

from __future__ import annotations

import numpy as np
import pytest

from promptocr.engines.stages import DetectionPolicy, TextRecognizer, db_boxes, order_quad


def test_two_regions_become_two_grown_quads_scaled_to_the_page() -> None:
    prob = np.zeros((100, 200), dtype=np.float32)
    prob[10:20, 20:120] = 0.9  # a 100 x 10 line
    prob[50:70, 30:60] = 0.8  # a 30 x 20 block
    prob[90:92, 5:8] = 0.9  # too small to be text
    boxes, scores = db_boxes(prob, (200, 400), DetectionPolicy())  # page is 2x the map
    assert len(boxes) == 2 and len(scores) == 2
    assert all(s > 0.7 for s in scores)
    line = min(boxes, key=lambda b: b[:, 1].min())
    # minAreaRect of the dilated 100x10 region, grown by area*1.6/perimeter on every side
    x0, y0 = line[0]
    x1, y1 = line[2]
    assert x0 < 40 and x1 > 238  # grown beyond the region's 40..240 (page pixels)
    assert y0 < 20 and y1 > 40
    assert (line[:, 0] >= 0).all() and (line[:, 0] <= 400).all()


def test_low_probability_regions_are_dropped() -> None:
    prob = np.zeros((64, 64), dtype=np.float32)
    prob[10:30, 10:50] = 0.4  # above the 0.3 binarisation, below the 0.5 box score
    boxes, scores = db_boxes(prob, (64, 64), DetectionPolicy())
    assert boxes.shape == (0, 4, 2) and scores == []


def test_order_quad_starts_top_left_clockwise() -> None:
    pts = np.array([[10, 5], [0, 0], [0, 5], [10, 0]], dtype=np.float32)
    assert order_quad(pts).tolist() == [[0, 0], [10, 0], [10, 5], [0, 5]]


def test_recognizer_batches_respect_count_and_width_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rec = TextRecognizer.__new__(TextRecognizer)  # only the batching logic, no model
    shapes: list[tuple[int, ...]] = []

    class FakeSession:
        def run(self, _outputs: object, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
            x = next(iter(feed.values()))
            shapes.append(x.shape)
            return [np.zeros((x.shape[0], x.shape[3] // 8, 3), dtype=np.float32)]

    rec.session = FakeSession()  # type: ignore[assignment]
    rec._input = "x"
    rec.charset = ["<blank>", "a", " "]
    crops = [np.zeros((48, w, 3), dtype=np.uint8) for w in (40, 100, 150, 900, 1000, 2000)]
    out = rec(crops, batch=4, max_batch_width=2400)
    assert len(out) == 6
    # narrow ones share a batch padded to the 160 px floor; wide ones go in small batches
    assert shapes[0] == (3, 3, 48, 160)
    assert all(s[0] * s[3] <= 2400 or s[0] == 1 for s in shapes)
    assert sum(s[0] for s in shapes) == 6
