"""The detector's post-processing on hand-made probability maps (no model involved)."""

from __future__ import annotations

import numpy as np

from promptocr.engines.stages import (
    WIDTH_LADDER,
    DetectionPolicy,
    TextRecognizer,
    bucket_width,
    db_boxes,
    order_quad,
)


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


def _shape_recording_recognizer(shapes: list[tuple[int, ...]], pad: bool) -> TextRecognizer:
    """A TextRecognizer whose model only records the input shapes (the batching logic alone)."""
    rec = TextRecognizer.__new__(TextRecognizer)

    class ShapeRecorder:
        runtime = "none"
        input_shape: list[int | str | None] = [None, 3, 48, None]

        def run(self, x: np.ndarray, *, copy: bool = True) -> np.ndarray:
            shapes.append(x.shape)
            return np.zeros((x.shape[0], x.shape[3] // 8, 3), dtype=np.float32)

        def run_all(self, x: np.ndarray) -> list[np.ndarray]:
            return [self.run(x)]

        def metadata(self, key: str) -> str | None:
            return None

    rec.model = ShapeRecorder()
    rec.charset = ["<blank>", "a", " "]
    rec.pad_batches = pad
    return rec


def test_recognizer_batches_respect_count_and_width_budget() -> None:
    shapes: list[tuple[int, ...]] = []
    rec = _shape_recording_recognizer(shapes, pad=False)
    crops = [np.zeros((48, w, 3), dtype=np.uint8) for w in (40, 100, 150, 900, 1000, 2000)]
    out = rec(crops, batch=4, max_batch_width=2400)
    assert len(out) == 6
    # narrow ones share a batch padded to the 160 px floor; wide ones go in small batches
    assert shapes[0] == (3, 3, 48, 160)
    assert all(s[0] * s[3] <= 2400 or s[0] == 1 for s in shapes)
    assert sum(s[0] for s in shapes) == 6
    # every width is a rung of the ladder
    assert all(s[3] in WIDTH_LADDER for s in shapes)


def test_padded_batches_use_one_shape_per_width() -> None:
    """With pad_batches (OpenVINO) a width always runs with the same number of rows, so a
    page's batches and the next page's reuse the same few compiled shapes; a call that fits
    in one batch is left unpadded."""
    shapes: list[tuple[int, ...]] = []
    rec = _shape_recording_recognizer(shapes, pad=True)
    rng = np.random.default_rng(0)
    for _page in range(5):
        widths = rng.integers(30, 900, size=int(rng.integers(12, 30)))  # several batches
        out = rec([np.zeros((48, int(w), 3), dtype=np.uint8) for w in widths])
        assert len(out) == len(widths)
    rows_by_width: dict[int, set[int]] = {}
    for s in shapes:
        rows_by_width.setdefault(s[3], set()).add(s[0])
    assert all(len(r) == 1 for r in rows_by_width.values())
    assert all(s[0] * s[3] <= TextRecognizer.max_batch_width or s[0] == 1 for s in shapes)
    shapes.clear()
    rec([np.zeros((48, 100, 3), dtype=np.uint8)] * 2)
    assert shapes == [(2, 3, 48, 160)]


def test_bucket_width_rounds_up_to_the_ladder() -> None:
    assert bucket_width(10, 160) == 160
    assert bucket_width(161, 160) == 192
    assert bucket_width(700, 160) == 768
    assert bucket_width(5000, 160) == 5120
    assert bucket_width(40, 48) == 64  # below the ladder: multiples of 32


def test_a_short_crop_is_not_batched_with_much_wider_lines() -> None:
    """`max_spread`: a 2-character crop (padded to the 160 px floor) does not share a batch
    padded to 320 px with longer lines; the int8 model misread such a crop (docs/benchmarks.md)."""
    shapes: list[tuple[int, ...]] = []
    rec = _shape_recording_recognizer(shapes, pad=False)
    crops = [np.zeros((48, w, 3), dtype=np.uint8) for w in (90, 290, 300)]
    rec(crops, batch=8, max_batch_width=1024)
    assert shapes == [(1, 3, 48, 160), (2, 3, 48, 320)]
    shapes.clear()
    rec.max_spread = 1e9  # without the limit all three share one 320 px batch
    rec(crops, batch=8, max_batch_width=1024)
    assert shapes == [(3, 3, 48, 320)]
