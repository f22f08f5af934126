"""`SessionSettings.rec_height`: recognition crops scaled to a lower height than the model's
48 (an issue-13 experiment, not the default; docs/benchmarks.md, "Recognition at a lower
height"). Real model, rendered lines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from promptocr import synth
from promptocr.engines.runtime import resolve_runtime
from promptocr.engines.stages import MIN_REC_HEIGHT, SessionSettings, TextRecognizer

LINES = ["Invoice No. 2018-0412 / Cashier 07", "TOTAL RM 57.40", "Lindenstraße 42a, Berlin"]

needs_openvino = pytest.mark.skipif(
    resolve_runtime("auto") != "openvino", reason="rec_height needs the OpenVINO runtime"
)


def _crop(text: str) -> np.ndarray:
    image = synth.text_image(text, size=32, pad=8).image
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def test_default_is_the_models_height() -> None:
    assert SessionSettings().rec_height == TextRecognizer.height == 48


@pytest.mark.parametrize("height", [MIN_REC_HEIGHT - 1, 49, 0])
def test_out_of_range_is_refused(height: int) -> None:
    with pytest.raises(ValueError, match="rec_height"):
        TextRecognizer(SessionSettings(rec_height=height))


def test_onnxruntime_refuses_another_height() -> None:
    with pytest.raises(ValueError, match="OpenVINO"):
        TextRecognizer(SessionSettings(rec_height=40, runtime="onnxruntime"))


def _shapes(
    rec: TextRecognizer, crops: list[np.ndarray]
) -> tuple[list[str], list[tuple[int, ...]]]:
    """The lines read and the model's input shapes, from a spy on the real model call."""
    seen: list[tuple[int, ...]] = []
    run = rec.model.run

    def spy(x: np.ndarray, **kw: Any) -> np.ndarray:
        seen.append(tuple(x.shape))
        return run(x, **kw)

    rec.model.run = spy  # type: ignore[method-assign]
    try:
        got = [" ".join(r.text.split()) for r in rec(crops)]
    finally:
        del rec.model.run
    return got, seen


@needs_openvino
def test_a_lower_height_reads_the_same_lines_on_a_smaller_input() -> None:
    low = TextRecognizer(SessionSettings(rec_height=40))
    assert low.height == 40 and low.min_width == 136  # 160 px at 48, scaled, a multiple of 8
    crops = [_crop(t) for t in LINES]
    got, low_shapes = _shapes(low, crops)
    assert got == LINES
    assert low_shapes and all(shape[2] == 40 for shape in low_shapes)
    full_got, full_shapes = _shapes(TextRecognizer(SessionSettings()), crops)
    assert full_got == LINES and all(shape[2] == 48 for shape in full_shapes)
    # the same crops, a smaller input: the model's cost grows with height times width
    area = sum(s[0] * s[2] * s[3] for s in low_shapes)
    assert area < 0.8 * sum(s[0] * s[2] * s[3] for s in full_shapes)
