"""`SessionSettings.rec_model`: the wheel's fp32 model by default, or another .onnx file."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from promptocr import synth
from promptocr.engines.stages import (
    REC_MODEL,
    SessionSettings,
    TextRecognizer,
    model_path,
    rec_model_file,
)

LINES = ["Total amount due: RM 45.90", "Invoice No. 2018-0412 / Cashier 07", "统一发票收银员"]


def test_default_is_the_wheels_model() -> None:
    assert SessionSettings().rec_model == "fp32"
    assert rec_model_file("fp32") == model_path(*REC_MODEL)


def test_recognizer_loads_a_model_from_a_path(tmp_path: Path) -> None:
    copy = tmp_path / "rec.onnx"
    shutil.copyfile(model_path(*REC_MODEL), copy)
    rec = TextRecognizer(SessionSettings(rec_model=str(copy)))
    assert rec.model_file == copy
    crops = [np.asarray(synth.text_image(t, size=32, pad=8).image)[:, :, ::-1] for t in LINES]
    for r, want in zip(rec(crops), LINES, strict=True):
        text = " ".join(r.text.split())
        assert Levenshtein.distance(text, want) / len(want) <= 0.02, (text, want)


def test_rec_model_rejects_unknown_choice(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rec_model"):
        rec_model_file("int8")
    with pytest.raises(ValueError, match="rec_model"):
        rec_model_file(str(tmp_path / "missing.onnx"))
    (tmp_path / "model.txt").write_text("not a model")
    with pytest.raises(ValueError, match="rec_model"):
        rec_model_file(str(tmp_path / "model.txt"))
