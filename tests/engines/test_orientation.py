"""Whole-page orientation on rendered pages turned by 0/90/180/270 degrees: the rotation is
reported, the text is read upright, and geometry comes back in the turned file's own frame."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from promptocr import synth
from promptocr.document.model import BBox, Page
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.orientation import OrientationPolicy, decide_rotation
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage

# np.rot90(image, k) turns the content k quarters counter-clockwise: 360 - 90k clockwise.
ROTATION = {0: 0, 1: 270, 2: 180, 3: 90}


def wide_single_line() -> synth.Canvas:
    """A wide strip of paper with one line on it (too tall to skip detection)."""
    c = synth.Canvas(1400, 150)
    c.text((40, 50), "Shipment 7781 left the north warehouse on 3 March 2024", size=36)
    return c


PAGES: dict[str, Callable[[], synth.Canvas]] = {
    "english": synth.english_page,
    "chinese": synth.chinese_page,
    "wide_line": wide_single_line,
    "receipt": synth.receipt,
}


def squash(text: str) -> str:
    return "".join(text.split()).upper()


def cer(got: str, want: str) -> float:
    return Levenshtein.distance(squash(got), squash(want)) / max(len(squash(want)), 1)


def turned_box(box: tuple[int, int, int, int], k: int, w: int, h: int) -> BBox:
    """Where a box of a w x h image lands after np.rot90(image, k)."""
    pts = [(float(box[0]), float(box[1])), (float(box[2]), float(box[3]))]
    for _ in range(k):
        pts = [(y, w - x) for x, y in pts]
        w, h = h, w
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (min(xs), min(ys), max(xs), max(ys))


def area(b: BBox) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def overlap(a: BBox, b: BBox) -> float:
    return area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def covers(found: BBox, drawn: BBox) -> bool:
    """The found box holds (almost) all of the drawn ink box and is not much bigger."""
    return overlap(found, drawn) >= 0.8 * area(drawn) and area(found) <= 3.0 * area(drawn)


def read(engine: EmbeddedEngine, image: np.ndarray, usage: Usage) -> Page:
    return engine.read_page(PageImage(0, np.ascontiguousarray(image), "turned.png"), usage)


@pytest.mark.parametrize("k", [0, 1, 2, 3])
@pytest.mark.parametrize("name", list(PAGES))
def test_turned_page_is_read_upright_in_the_file_frame(
    engine: EmbeddedEngine, name: str, k: int
) -> None:
    canvas = PAGES[name]()
    w, h = canvas.image.size
    turned = np.rot90(np.asarray(canvas.image), k)
    usage = Usage()
    page = read(engine, turned, usage)

    assert page.rotation == ROTATION[k], usage.notes
    assert (page.width, page.height) == (turned.shape[1], turned.shape[0])
    want = "".join(d.text for d in canvas.lines)
    assert cer(page.text, want) <= 0.05, page.text
    # Every drawn line is found where it lies in the turned image, with its own text.
    for drawn in canvas.lines:
        box = turned_box(drawn.box, k, w, h)
        best = max(page.lines, key=lambda ln: overlap(ln.bbox, box))
        assert covers(best.bbox, box), (drawn.text, best.text, best.bbox, box)
        assert cer(best.text, drawn.text) <= 0.1, (best.text, drawn.text)
        for word in best.words:  # words lie inside their line in the same frame
            x0, y0, x1, y1 = best.bbox
            assert x0 - 2 <= word.bbox[0] <= word.bbox[2] <= x1 + 2
            assert y0 - 2 <= word.bbox[1] <= word.bbox[3] <= y1 + 2

    assert usage.stage_calls["page_orientation"] == 1
    if k == 0:  # the upright page reuses its boxes: one detection, nothing noted
        assert usage.stage_calls["detect"] == 1 and usage.notes == []
    else:  # a turned page is detected again upright, and says why it was turned
        assert usage.stage_calls["detect"] == 2
        assert any(f"turned back by {ROTATION[k]} degrees" in n for n in usage.notes)


def test_decision_reports_its_evidence(engine: EmbeddedEngine) -> None:
    canvas = synth.english_page()
    bgr = np.ascontiguousarray(np.asarray(canvas.image)[:, :, ::-1])
    for k, vertical in [(0, False), (1, True), (2, False)]:
        turned = np.ascontiguousarray(np.rot90(bgr, k))
        quads, _ = engine.detector(turned, engine.settings.detection)
        d = decide_rotation(engine, turned, quads)
        assert d.rotation == ROTATION[k], d
        assert (d.vertical_share > 0.9) if vertical else (d.vertical_share < 0.1), d
        if k == 0:
            assert d.flip_prob < OrientationPolicy().suspect_flip and d.confidences == {}, d
        else:  # the turned-back reading is clearly the confident one
            assert d.confidences[ROTATION[k]] > max(d.confidences.values()) - 1e-9, d


def test_orientation_can_be_switched_off(engine: EmbeddedEngine) -> None:
    canvas = synth.english_page()
    usage = Usage()
    settings = engine.settings.with_overrides(page_orientation=False)
    turned = np.ascontiguousarray(np.rot90(np.asarray(canvas.image), 2))
    page = engine.read_page(PageImage(0, turned, "t.png"), usage, settings)
    assert page.rotation == 0
    assert usage.skipped["page_orientation"] == "disabled by settings"
    assert "page_orientation" not in usage.stages_ms


def test_page_without_text_skips_orientation(engine: EmbeddedEngine) -> None:
    ramp = np.linspace(120, 250, 600, dtype=np.float32)  # shaded paper, not blank, no text
    image = np.repeat(np.tile(ramp, (400, 1))[:, :, None], 3, axis=2).astype(np.uint8)
    usage = Usage()
    page = read(engine, image, usage)
    assert page.text == "" and page.rotation == 0
    assert usage.skipped["page_orientation"] == "no text detected"


def test_squarish_marks_give_no_direction(engine: EmbeddedEngine) -> None:
    """Isolated single characters say nothing about the axis: the page is left as it is."""
    canvas = synth.Canvas(500, 500)
    for i, ch in enumerate("7X4"):
        canvas.text((80 + 150 * i, 200), ch, size=60)
    bgr = np.ascontiguousarray(np.asarray(canvas.image)[:, :, ::-1])
    quads, _ = engine.detector(bgr, engine.settings.detection)
    assert len(quads) >= 1
    d = decide_rotation(engine, bgr, quads)
    assert d.rotation == 0 and "no elongated text line" in d.reason, d


def test_lines_running_both_ways_leave_the_page_alone(engine: EmbeddedEngine) -> None:
    """As much text across as down the page: no clear axis, so the page is not turned."""
    across = synth.text_image("Quarterly totals by region", size=30, pad=6).image
    down = synth.text_image("Approved by the board", size=30, pad=6).image.rotate(90, expand=True)
    canvas = synth.Canvas(900, 900)
    canvas.image.paste(across, (150, 120))
    canvas.image.paste(across, (150, 700))
    canvas.image.paste(down, (80, 250))
    canvas.image.paste(down, (760, 250))
    bgr = np.ascontiguousarray(np.asarray(canvas.image)[:, :, ::-1])
    quads, _ = engine.detector(bgr, engine.settings.detection)
    d = decide_rotation(engine, bgr, quads)
    assert 0.34 < d.vertical_share < 0.66, d
    assert d.rotation == 0 and "no clear axis" in d.reason, d
