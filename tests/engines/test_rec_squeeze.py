"""`SessionSettings.rec_squeeze` as a number: recognition crops narrowed horizontally before
the model (docs/benchmarks.md, "Recognition width squeeze"; the default is 1.0, and the opt-in `auto`
decides per caller: tests/engines/test_squeeze.py). Real model, rendered lines."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from promptocr import synth
from promptocr.engines.stages import Recognition, SessionSettings, TextRecognizer, bucket_width

H = TextRecognizer.height
FLOOR = TextRecognizer.min_width
LINE = "Invoice No. 2018-0412 / Cashier 07"


def _crop(text: str) -> np.ndarray:
    image = synth.text_image(text, size=32, pad=8).image
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def _read(rec: TextRecognizer, crop: np.ndarray) -> tuple[str, int, int]:
    """Text read, the model's input width and the columns the crop filled in it (padding is
    0 after normalisation, the white ground 1), from a spy on the real model call."""
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
    return " ".join(r.text.split()), int(x.shape[3]), filled


@pytest.fixture(scope="module")
def recs() -> tuple[TextRecognizer, TextRecognizer]:
    plain = TextRecognizer(SessionSettings(rec_squeeze=1.0))
    return plain, TextRecognizer(SessionSettings(rec_squeeze=0.75))


def test_squeeze_default_is_full_width() -> None:
    assert SessionSettings().rec_squeeze == 1.0
    assert not TextRecognizer(SessionSettings()).squeeze_auto


def test_squeeze_narrows_the_model_input_and_keeps_the_text(
    recs: tuple[TextRecognizer, TextRecognizer],
) -> None:
    plain, squeezed = recs
    crop = _crop(LINE)
    natural = H * crop.shape[1] / crop.shape[0]  # ~650 px at height 48
    text1, width1, filled1 = _read(plain, crop)
    text2, width2, filled2 = _read(squeezed, crop)
    assert (width1, width2) == (bucket_width(natural, FLOOR), bucket_width(0.75 * natural, FLOOR))
    assert (width1, width2) == (768, 512)
    assert filled1 == math.ceil(natural) and filled2 == math.ceil(0.75 * natural)
    for text in (text1, text2):
        assert Levenshtein.distance(text, LINE) / len(LINE) <= 0.03, text


def test_squeezed_chinese_line_keeps_every_character(
    recs: tuple[TextRecognizer, TextRecognizer],
) -> None:
    _, squeezed = recs
    assert _read(squeezed, _crop("统一发票收银员"))[0] == "统一发票收银员"


def test_squeeze_must_be_a_fraction() -> None:
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match="rec_squeeze"):
            TextRecognizer(SessionSettings(rec_squeeze=bad))


def test_a_crop_under_the_floor_keeps_its_natural_width(
    recs: tuple[TextRecognizer, TextRecognizer],
) -> None:
    """A number squeezes only what is wider than the padding floor, and only down to it: a
    short crop reaches the model at its natural width (and says it was not narrowed), one
    just over the floor at the floor. Also through the per-call override at 0.85."""
    plain, squeezed = recs
    short = _crop("TAX 1")  # ratio under 160/48
    just_over = _crop("TOTAL 9")  # ratio a little over it
    for crop in (short, just_over):
        assert H * crop.shape[1] / crop.shape[0] < FLOOR / 0.85  # narrowed under the floor
    assert H * short.shape[1] / short.shape[0] < FLOOR < H * just_over.shape[1] / just_over.shape[0]
    for rec, kw in ((squeezed, {}), (plain, {"squeeze": 0.85})):
        got, ratio = _sent_ratios(rec, [short, just_over], **kw)
        assert ratio[id(short)] == pytest.approx(short.shape[1] / short.shape[0])
        assert ratio[id(just_over)] == pytest.approx(FLOOR / H)
        assert got[0].squeeze == 1.0 and 0.75 < got[1].squeeze < 1.0
        assert got[0].text.replace(" ", "") == "TAX1"


def _sent_ratios(
    rec: TextRecognizer, crops: list[np.ndarray], **kw: Any
) -> tuple[list[Recognition], dict[int, float]]:
    """What `rec` read and the width/height ratio each crop (by id) was sent to the model at."""
    sent: dict[int, float] = {}
    norm = rec._norm

    def spy(img: np.ndarray, width: int, ratio: float) -> tuple[np.ndarray, float]:
        sent[id(img)] = ratio
        return norm(img, width, ratio)

    rec._norm = spy  # type: ignore[method-assign]
    try:
        got = rec(crops, **kw)
    finally:
        del rec._norm
    return got, sent
