"""The router driving a real VLM engine (tiny random HunYuanVL checkpoint on CPU)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from promptocr.engines.usage import Usage  # noqa: E402
from promptocr.engines.vlm import VLMSettings  # noqa: E402
from promptocr.engines.vlm.local import TransformersVLMEngine  # noqa: E402
from promptocr.engines.vlm.tiny import build_tiny_checkpoint  # noqa: E402
from promptocr.inputs.loader import PageImage  # noqa: E402
from promptocr.synth import Canvas  # noqa: E402
from promptocr.tasks.router import run_vlm  # noqa: E402


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-hunyuanocr"))


@pytest.fixture(scope="module")
def local_vlm(tiny_dir: Path) -> TransformersVLMEngine:
    return TransformersVLMEngine(
        VLMSettings(backend="transformers", model_dir=str(tiny_dir), max_tokens=16, threads=1)
    )


def pages() -> list[PageImage]:
    out = []
    for i, text in enumerate(["Guten Tag", "Rechnung Nr. 42"]):
        c = Canvas(260 + 40 * i, 90)
        c.text((10, 20), text, size=24)
        out.append(PageImage(i, np.asarray(c.image), "doc.pdf"))
    return out


def test_run_vlm_over_pages_translate(local_vlm: TransformersVLMEngine) -> None:
    usage = Usage()
    run = run_vlm(local_vlm, "translate", pages(), arguments={"target_language": "en"}, usage=usage)
    assert len(run.outputs) == 2
    u = run.usage()
    assert u["engine"] == "vlm" and u["backend"] == "transformers" and u["requests"] == 2
    assert u["completion_tokens"] == sum(o.usage["completion_tokens"] for o in run.outputs)
    assert usage.stage_calls["vlm"] == 2
    assert run.markdown is not None and run.fields is None and run.document is None


def test_run_vlm_spot_keeps_page_geometry(local_vlm: TransformersVLMEngine) -> None:
    run = run_vlm(local_vlm, "spot", pages(), source="doc.pdf")
    assert run.document is not None
    assert [(p.index, p.width, p.height) for p in run.document.pages] == [
        (0, 260, 90),
        (1, 300, 90),
    ]
    # noise from random weights is reported as a parse error, never turned into lines
    for out, page in zip(run.outputs, run.document.pages, strict=True):
        assert out.parse_error or page.lines


def test_run_vlm_extract_names_every_field(local_vlm: TransformersVLMEngine) -> None:
    run = run_vlm(local_vlm, "extract", pages(), arguments={"fields": ["Nr", "Datum"]})
    assert run.fields is not None and list(run.fields) == ["Nr", "Datum"]
    assert run.usage()["requests"] == 2
