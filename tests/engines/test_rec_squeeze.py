"""`SessionSettings.rec_squeeze`: recognition crops narrowed horizontally before the model
(docs/benchmarks.md, "Recognition width squeeze"). Real model, rendered lines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from promptocr import synth
from promptocr.engines.stages import SessionSettings, TextRecognizer, bucket_width

LINE = "Invoice No. 2018-0412 / Cashier 07"


def _crop(text: str) -> np.ndarray:
    return np.ascontiguousarray(
        np.asarray(synth.text_image(text, size=32, pad=8).image)[:, :, ::-1]
    )


def _widths(rec: TextRecognizer, crops: list[np.ndarray]) -> tuple[list[str], list[int]]:
    """Texts read and the input widths the model was given (a spy on the real call)."""
    seen: list[int] = []
    run = rec.model.run

    def spy(x: np.ndarray, **kw: Any) -> np.ndarray:
        seen.append(int(x.shape[3]))
        return run(x, **kw)

    rec.model.run = spy  # type: ignore[method-assign]
    try:
        texts = [" ".join(r.text.split()) for r in rec(crops)]
    finally:
        del rec.model.run
    return texts, seen


def test_squeeze_narrows_the_model_input_and_keeps_the_text() -> None:
    crop = _crop(LINE)
    natural = TextRecognizer.height * crop.shape[1] / crop.shape[0]  # ~650 px at height 48
    floor = TextRecognizer.min_width
    plain = TextRecognizer(SessionSettings(rec_squeeze=1.0))
    squeezed = TextRecognizer(SessionSettings(rec_squeeze=0.75))
    (text1,), widths1 = _widths(plain, [crop])
    (text2,), widths2 = _widths(squeezed, [crop])
    assert widths1 == [bucket_width(natural, floor)] == [768]
    assert widths2 == [bucket_width(0.75 * natural, floor)] == [512]
    for text in (text1, text2):
        assert Levenshtein.distance(text, LINE) / len(LINE) <= 0.03, text


def test_squeezed_chinese_line_keeps_every_character() -> None:
    assert SessionSettings().rec_squeeze == 1.0  # opt-in
    rec = TextRecognizer(SessionSettings(rec_squeeze=0.85))
    texts, _ = _widths(rec, [_crop("统一发票收银员")])
    assert texts == ["统一发票收银员"]  # square CJK glyphs keep every character


def test_squeeze_must_be_a_fraction() -> None:
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match="rec_squeeze"):
            TextRecognizer(SessionSettings(rec_squeeze=bad))
