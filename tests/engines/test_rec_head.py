"""The conditional recognition head (`SessionSettings.rec_head="auto"`, engines/rechead.py):
the recognition model cut before its output head in memory, a Latin-only head once a page's
first batch read only Latin, and the full head again for any line whose restricted evidence is
weak. Real models, rendered pages."""

from __future__ import annotations

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from promptocr import synth
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.rechead import restricted_class, split_head
from promptocr.engines.stages import SessionSettings, TextRecognizer
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage
from promptocr.jobs.result import usage_from_dict

SHORT = ["Total", "Cash", "12.50", "Date", "Qty 2", "No. 7", "VAT", "Item", "Tax", "Paid"]
LONG = [
    "Invoice number 48213 was paid on 2024-05-01 by card.",
    "Please return the signed form by Friday noon, thank you.",
    "Total amount due: 1,284.50 EUR (incl. VAT 19%) at once.",
]
CHINESE = synth.CHINESE_LINES[0]


def _page(with_chinese: bool) -> PageImage:
    """Short words (the first batches: recognition sorts crops by width), then long lines; the
    Chinese line, if any, is among the widest, so it is read after the first batch."""
    c = synth.Canvas(1400, 1000)
    for i, word in enumerate(SHORT):
        c.text((60 + (i % 2) * 700, 40 + (i // 2) * 60), word, size=28)
    y = 360
    for text in LONG + ([CHINESE] if with_chinese else []):
        c.text((60, y), text, size=30)
        y += 80
    return PageImage(0, np.asarray(c.image), "page.png")


def _read(engine: EmbeddedEngine, page: PageImage) -> tuple[list[str], Usage]:
    usage = Usage()
    out = engine.read_page(page, usage)
    return [ln.text for ln in out.lines], usage


@pytest.fixture(scope="module")
def engines() -> tuple[EmbeddedEngine, EmbeddedEngine]:
    full = EmbeddedEngine()
    auto = EmbeddedEngine(session=SessionSettings(rec_head="auto"))
    auto._det = full.detector  # the detector is the same in both: load it once
    return full, auto


def test_full_is_the_default_and_modes_are_checked() -> None:
    assert SessionSettings().rec_head == "full"
    with pytest.raises(ValueError, match="rec_head"):
        TextRecognizer(SessionSettings(rec_head="latin"))


def test_restricted_set_is_chosen_by_script() -> None:
    for ch in "Aaé9%€$£¥()[]:;-–—“”•°±×✓☐（，αЖ":
        assert restricted_class(ch), ch
    for ch in "中文字あア한אعกक":
        assert not restricted_class(ch), ch


def test_latin_page_reads_as_the_full_head(engines: tuple[EmbeddedEngine, EmbeddedEngine]) -> None:
    full, auto = engines
    page = _page(with_chinese=False)
    want, _ = _read(full, page)
    got, usage = _read(auto, page)
    assert got == want
    heads = usage.rec_head
    # The first batch ran the full head; the rest the restricted one, no line fell back.
    assert heads.get("full", 0) >= 1 and heads.get("restricted", 0) >= 3, heads
    assert heads.get("fallback", 0) == 0, heads
    assert sum(heads.values()) == usage.lines_recognized
    assert usage.to_dict()["rec_head"] == heads
    assert usage_from_dict(usage.to_dict()).rec_head == heads
    # The default reports nothing about heads.
    _, plain = _read(full, page)
    assert plain.rec_head == {} and "rec_head" not in plain.to_dict()


def test_chinese_line_after_the_first_batch_falls_back_to_the_full_head(
    engines: tuple[EmbeddedEngine, EmbeddedEngine],
) -> None:
    full, auto = engines
    page = _page(with_chinese=True)
    want, _ = _read(full, page)
    got, usage = _read(auto, page)
    assert got == want
    chinese = [t for t in got if any(not restricted_class(ch) for ch in t)]
    assert len(chinese) == 1, got
    assert Levenshtein.normalized_similarity(chinese[0], CHINESE) >= 0.9, chinese
    assert usage.rec_head.get("fallback", 0) >= 1, usage.rec_head
    assert usage.rec_head.get("restricted", 0) >= 1, usage.rec_head


def test_auto_needs_openvino_and_otherwise_reads_in_full() -> None:
    rec = TextRecognizer(SessionSettings(runtime="onnxruntime", rec_head="auto"))
    assert rec.head is None
    crop = np.ascontiguousarray(
        np.asarray(synth.text_image("Paid 12.50", size=28).image)[..., ::-1]
    )
    (r,) = rec([crop])
    assert r.text == "Paid 12.50" and r.head == "full"


def _crop(text: str) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(synth.text_image(text, size=28).image)[..., ::-1])


def test_int8_model_splits_too() -> None:
    """The int8 copy's head has NNCF-quantised weights (an int8 constant times scales): they
    are dequantised at load, and its lines read as with the uncut int8 model."""
    crops = [_crop(t) for t in [*SHORT, *LONG, CHINESE]]
    full = TextRecognizer(SessionSettings(precision="int8"))
    auto = TextRecognizer(SessionSettings(precision="int8", rec_head="auto"))
    assert auto.head is not None and 1000 < auto.head.restricted_size < 2000
    want, got = full(crops), auto(crops)
    assert [r.text for r in got] == [r.text for r in want]
    heads = [r.head for r in got]
    assert heads[-1] == "fallback" and "restricted" in heads, heads
    for a, b in zip(got, want, strict=True):  # confidences stay close to the full softmax
        assert abs(a.confidence - b.confidence) < 0.02, (a, b)


def test_split_head_refuses_a_model_without_the_head() -> None:
    import openvino as ov
    import openvino.opset13 as ops

    x = ops.parameter([1, 4, 120], np.float32)
    model = ov.Model([ops.relu(x).output(0)], [x], "no_head")
    with pytest.raises(ValueError, match="Softmax"):
        split_head(model)
