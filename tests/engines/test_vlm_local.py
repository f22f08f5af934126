"""The transformers engine end to end on CPU, with a tiny random HunYuanVL checkpoint built here
(small config, byte-level tokenizer and chat template built locally, saved with
save_pretrained and loaded back through the loading code users run). Plumbing, not text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from promptocr.engines.usage import Usage  # noqa: E402
from promptocr.engines.vlm import VLMConfigError, VLMSettings, make_engine  # noqa: E402
from promptocr.engines.vlm.local import TransformersVLMEngine  # noqa: E402
from promptocr.engines.vlm.tiny import build_tiny_checkpoint  # noqa: E402
from promptocr.synth import Canvas  # noqa: E402


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-hunyuanocr"))


@pytest.fixture(scope="module")
def engine(tiny_dir: Path) -> TransformersVLMEngine:
    e = make_engine(
        VLMSettings(backend="transformers", model_dir=str(tiny_dir), max_tokens=48, threads=1)
    )
    assert isinstance(e, TransformersVLMEngine)
    return e


@pytest.fixture(scope="module")
def page_image() -> np.ndarray:
    c = Canvas(320, 120)
    c.text((10, 10), "Invoice INV-0042", size=22)
    c.text((10, 60), "Total 12.50", size=22)
    return np.asarray(c.image)


def test_checkpoint_is_a_real_hunyuan_vl_directory(tiny_dir: Path) -> None:
    names = {p.name for p in tiny_dir.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "processor_config.json"} <= names
    assert "hunyuan_vl" in (tiny_dir / "config.json").read_text()


def test_translate_runs_through_processor_and_generate(
    engine: TransformersVLMEngine, page_image: np.ndarray
) -> None:
    usage = Usage()
    out = engine.run(page_image, "translate", arguments={"target_language": "en"}, usage=usage)
    assert out.prompt.startswith("先提取文字")  # the official prompt was sent
    assert out.usage["backend"] == "transformers" and out.usage["device"] == "cpu"
    # the prompt went through the chat template with the image span expanded to its tokens
    assert out.usage["prompt_tokens"] > len(out.prompt.encode()) + 8
    assert 1 <= out.usage["completion_tokens"] <= 48
    assert out.usage["finish_reason"] in ("stop", "length")
    assert 0.0 < out.usage["confidence"] <= 1.0
    assert out.markdown is not None and out.markdown == out.text.strip()
    assert usage.stages_ms["vlm"] > 0 and usage.stage_calls["vlm"] == 1


def test_greedy_decoding_is_deterministic(
    engine: TransformersVLMEngine, page_image: np.ndarray
) -> None:
    a = engine.generate(page_image, "提取图中的文字。", max_tokens=12)
    b = engine.generate(page_image, "提取图中的文字。", max_tokens=12)
    assert a.text == b.text and a.completion_tokens == b.completion_tokens
    assert a.token_logprobs is not None and len(a.token_logprobs) == a.completion_tokens


def test_max_tokens_is_bounded_by_settings(
    engine: TransformersVLMEngine, page_image: np.ndarray
) -> None:
    out = engine.run(page_image, "chart", max_tokens=10_000)
    assert out.usage["completion_tokens"] <= 48
    small = engine.run(page_image, "formula", max_tokens=3)
    assert small.usage["completion_tokens"] <= 3
    if small.usage["completion_tokens"] == 3:
        assert small.usage["finish_reason"] == "length"


def test_spot_and_extract_parse_or_report(
    engine: TransformersVLMEngine, page_image: np.ndarray
) -> None:
    # random weights cannot produce coordinates: the parser must say so, never invent lines
    spot = engine.run(page_image, "spot", page_index=3)
    assert spot.document is None or spot.document.index == 3
    if spot.document is None:
        assert spot.parse_error
    ext = engine.run(page_image, "extract", arguments={"fields": ["name", "total"]})
    assert ext.fields is not None or ext.parse_error


def test_missing_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VLMConfigError, match="does not exist"):
        TransformersVLMEngine(VLMSettings(backend="transformers", model_dir=str(tmp_path / "x")))
    with pytest.raises(VLMConfigError, match="config.json"):
        TransformersVLMEngine(VLMSettings(backend="transformers", model_dir=str(tmp_path)))


def test_not_configured_gives_no_engine() -> None:
    assert make_engine(VLMSettings(backend="transformers", model_dir=None)) is None
    assert make_engine(VLMSettings(backend="remote", base_url=None)) is None


def test_degenerate_loop_is_trimmed_and_flagged(
    engine: TransformersVLMEngine, page_image: np.ndarray
) -> None:
    """Greedy decoding of the random model loops on one character until the token limit — the
    failure mode HunyuanOCR shows on hard pages. The answer is cut back and flagged."""
    raw = engine.generate(page_image, "提取图中的文字。", max_tokens=48)
    assert raw.finish_reason == "length" and len(set(raw.text)) <= 2, (
        "the tiny model no longer loops on this page; pick another prompt"
    )
    usage = Usage()
    out = engine.run(page_image, "read", usage=usage)
    assert out.repetition_trimmed and out.usage["repetition_trimmed"]
    assert len(out.text) < len(raw.text) and raw.text.startswith(out.text)
    assert any("repetition" in n for n in usage.notes)
