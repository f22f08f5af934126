"""`SessionSettings.rec_squeeze`: recognition crops narrowed horizontally before the model,
per crop never below the width floor nor with a word gap under `min_gap` (docs/benchmarks.md,
"Recognition width squeeze"). Real model, rendered lines."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from promptocr import synth
from promptocr.engines.stages import SessionSettings, TextRecognizer, bucket_width

H = TextRecognizer.height
FLOOR = TextRecognizer.min_width


def _crop(text: str, size: int = 20, pad: int = 10) -> np.ndarray:
    image = synth.text_image(text, size=size, pad=pad).image
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def _read(rec: TextRecognizer, crop: np.ndarray) -> tuple[str, int, int]:
    """Text read, the model's input width and the columns the crop filled in it (padding is
    0 after normalisation; the white ground is 1), from a spy on the real model call."""
    seen: list[np.ndarray] = []
    run = rec.model.run

    def spy(x: np.ndarray, **kw: Any) -> np.ndarray:
        seen.append(x.copy())
        return run(x, **kw)

    rec.model.run = spy  # type: ignore[method-assign]
    try:
        (r,) = rec([crop])
    finally:
        del rec.model.run
    (x,) = seen
    filled = int(np.flatnonzero(np.abs(x[0]).sum(axis=(0, 1)) > 0).max()) + 1
    return r.text, int(x.shape[3]), filled


@pytest.fixture(scope="module")
def recs() -> tuple[TextRecognizer, TextRecognizer]:
    return TextRecognizer(SessionSettings(rec_squeeze=1.0)), TextRecognizer(
        SessionSettings(rec_squeeze=0.75)
    )


def test_default_squeeze() -> None:
    assert SessionSettings().rec_squeeze == 0.85


def test_squeeze_narrows_the_model_input_and_keeps_the_text(
    recs: tuple[TextRecognizer, TextRecognizer],
) -> None:
    plain, squeezed = recs
    text = "INVOICE2018041207CASHIER"  # no word gap: squeezed all the way
    crop = _crop(text)
    natural = H * crop.shape[1] / crop.shape[0]  # ~440 px at height 48
    assert squeezed.crop_squeeze(crop) == 0.75
    text1, width1, filled1 = _read(plain, crop)
    text2, width2, filled2 = _read(squeezed, crop)
    assert (width1, width2) == (bucket_width(natural, FLOOR), bucket_width(0.75 * natural, FLOOR))
    assert width2 < width1
    assert filled1 == math.ceil(natural) and filled2 == math.ceil(0.75 * natural)
    assert text1 == text2 == text


def test_narrow_word_gaps_are_not_squeezed(recs: tuple[TextRecognizer, TextRecognizer]) -> None:
    plain, squeezed = recs
    line = "Invoice No. 2018-0412 / Cashier 07"  # its spaces are under 12 px at height 48
    crop = _crop(line)
    assert squeezed.crop_squeeze(crop) == 1.0
    assert _read(squeezed, crop) == _read(plain, crop)
    assert _read(squeezed, crop)[0] == line


def test_short_crops_are_not_squeezed_under_the_floor(
    recs: tuple[TextRecognizer, TextRecognizer],
) -> None:
    _, squeezed = recs
    crop = _crop("pH")  # narrower than the floor: squeezing it would save nothing
    assert squeezed.crop_squeeze(crop) == 0.75
    text, width, filled = _read(squeezed, crop)
    assert (text, width, filled) == ("pH", FLOOR, math.ceil(H * crop.shape[1] / crop.shape[0]))


def test_squeezed_chinese_line_keeps_every_character(
    recs: tuple[TextRecognizer, TextRecognizer],
) -> None:
    _, squeezed = recs
    crop = _crop("统一发票收银员")
    assert squeezed.crop_squeeze(crop) == 0.75
    assert _read(squeezed, crop)[0] == "统一发票收银员"


def test_squeeze_must_be_a_fraction() -> None:
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match="rec_squeeze"):
            TextRecognizer(SessionSettings(rec_squeeze=bad))
