"""precision="int8": the shipped int8 recognition model loads, its hashes match, it reads pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from promptocr import synth
from promptocr.engines import int8
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.runtime import OpenVINOModel, inference_precision, load_model
from promptocr.engines.stages import (
    DET_MODEL,
    SessionSettings,
    TextRecognizer,
    model_path,
    rec_model_file,
)
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage

INT8 = SessionSettings(runtime="openvino", precision="int8")


def test_shipped_files_match_their_recorded_hashes() -> None:
    assert set(int8.INT8_FILES) == {int8.INT8_REC, int8.INT8_REC.replace(".xml", ".bin")}
    for name, digest in int8.INT8_FILES.items():
        assert int8.sha256(int8.models_dir() / name) == digest
    assert int8.int8_model_path(int8.INT8_REC) == int8.models_dir() / int8.INT8_REC
    assert rec_model_file("fp32", "int8") == int8.models_dir() / int8.INT8_REC


def test_a_changed_or_missing_file_is_refused(tmp_path: Path) -> None:
    for name in int8.INT8_FILES:
        shutil.copyfile(int8.models_dir() / name, tmp_path / name)
    bin_file = tmp_path / int8.INT8_REC.replace(".xml", ".bin")
    data = bytearray(bin_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bin_file.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="SHA-256"):
        int8.int8_model_path(int8.INT8_REC, tmp_path)
    bin_file.unlink()
    with pytest.raises(RuntimeError, match="missing"):
        int8.int8_model_path(int8.INT8_REC, tmp_path)


def test_int8_needs_openvino() -> None:
    with pytest.raises(ValueError, match="int8 needs the OpenVINO runtime"):
        load_model(model_path(*DET_MODEL), SessionSettings(runtime="onnxruntime", precision="int8"))


def test_int8_loads_the_quantised_model_with_f32_float_layers() -> None:
    rec = TextRecognizer(INT8)
    assert rec.model_file.name == int8.INT8_REC
    assert isinstance(rec.model, OpenVINOModel)
    # the character list survived quantisation (metadata in the IR)
    assert len(rec.charset) > 6000 and "统" in rec.charset
    assert inference_precision(rec.model_file, "int8") == "f32"
    assert inference_precision(model_path(*DET_MODEL), "int8") == "bf16"
    assert inference_precision(model_path(*DET_MODEL), "f32") == "f32"


def test_int8_engine_reads_a_synthetic_page() -> None:
    engine = EmbeddedEngine(session=INT8)
    canvas = synth.english_page()
    usage = Usage()
    page = engine.read_page(PageImage(0, np.asarray(canvas.image.convert("RGB")), "p"), usage)
    got = [ln.text for b in page.blocks for ln in b.lines]
    want = [ln.text for ln in canvas.lines]
    assert len(got) == len(want)
    for text, line in zip(got, want, strict=True):
        assert Levenshtein.distance(text, line) / len(line) <= 0.03, (text, line)
    # a Chinese line too
    crop = np.asarray(synth.text_image("统一发票收银员", size=32, pad=8).image)[:, :, ::-1]
    assert engine.recognizer([np.ascontiguousarray(crop)])[0].text == "统一发票收银员"
