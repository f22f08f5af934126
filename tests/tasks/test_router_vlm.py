"""The router driving a real VLM engine (tiny random HunYuanVL checkpoint on CPU)."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from prometheus_client import REGISTRY

pytest.importorskip("torch")
pytest.importorskip("transformers")

from promptocr.engines.embedded import EmbeddedEngine  # noqa: E402
from promptocr.engines.usage import Usage  # noqa: E402
from promptocr.engines.vlm import UpstreamUnavailableError, VLMSettings, make_engine  # noqa: E402
from promptocr.engines.vlm.local import TransformersVLMEngine  # noqa: E402
from promptocr.engines.vlm.serve_local import LocalServer  # noqa: E402
from promptocr.engines.vlm.tiny import build_tiny_checkpoint  # noqa: E402
from promptocr.errors import EngineUnavailableError  # noqa: E402
from promptocr.inputs.loader import PageImage  # noqa: E402
from promptocr.pipeline import OCRPipeline  # noqa: E402
from promptocr.synth import Canvas  # noqa: E402
from promptocr.tasks import Service  # noqa: E402
from promptocr.tasks.router import InvalidEngineError, RouterSettings, run_vlm  # noqa: E402


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


# ---------------------------------------------------------------------------------------------
# wired into the Service, with the remote engine talking to the tiny model's HTTP server


@pytest.fixture(scope="module")
def server(tiny_dir: Path) -> Iterator[str]:
    with LocalServer(tiny_dir, threads=1, max_tokens=24) as url:
        yield url


@pytest.fixture(scope="module")
def invoice_png() -> bytes:
    c = Canvas(640, 170)
    c.text((20, 20), "INVOICE NO: CS0098812", size=28)
    c.text((20, 95), "TOTAL 13.50", size=28)
    buf = io.BytesIO()
    c.image.save(buf, format="PNG")
    return buf.getvalue()


def service(engine: EmbeddedEngine, url: str | None, **router: Any) -> Service:
    vlm = make_engine(VLMSettings(base_url=url, max_tokens=24)) if url else None
    return Service(OCRPipeline(engine), vlm=vlm, router=RouterSettings(**router))


def escalations(task: str, reason: str) -> float:
    labels = {"task": task, "reason": reason}
    return REGISTRY.get_sample_value("promptocr_vlm_escalations_total", labels) or 0.0


def test_translate_goes_to_the_remote_vlm(
    engine: EmbeddedEngine, server: str, invoice_png: bytes
) -> None:
    r = service(engine, server).run(
        invoice_png, "Translate the text in this image into English", name="inv.png"
    )
    assert r.task == "translate"
    assert r.output["route"]["engine"] == "vlm" and r.output["route"]["reason"] == "vlm_only_task"
    assert r.output["vlm"]["engine"] == "vlm" and r.output["vlm"]["backend"] == "remote"
    assert r.output["vlm"]["requests"] == 1 and r.output["vlm"]["completion_tokens"] >= 1
    assert r.plan.runs("vlm") and r.usage.stage_calls["vlm"] == 1
    assert r.content == r.output["text"]
    assert "INVOICE" in r.output["source_text"]  # the plan still reads the page on the CPU
    body = r.to_dict()
    assert body["output"]["route"]["engine"] == "vlm" and "vlm" in body["usage"]["stages_ms"]


def test_extract_with_a_missing_field_escalates(
    engine: EmbeddedEngine, server: str, invoice_png: bytes
) -> None:
    before = escalations("extract", "missing_fields")
    prompt = (
        "Extract the content of the fields: ['Invoice No', 'Passport Number'] from the image "
        "and return it in JSON format."
    )
    r = service(engine, server).run(invoice_png, prompt, name="inv.png")
    assert r.task == "extract"
    route = r.output["route"]
    assert route == {
        "engine": "vlm",
        "reason": "missing_fields",
        "detail": "not found by the embedded engine: Passport Number",
        "escalated": True,
    }
    assert escalations("extract", "missing_fields") == before + 1
    # the embedded value (with its box) is kept; the VLM only fills gaps
    assert r.output["fields"]["Invoice No"] == "CS0098812"
    assert set(r.output["vlm_filled"]) <= {"Passport Number"}
    vlm_stage = next(s for s in r.plan.to_dict()["stages"] if s["name"] == "vlm")
    assert vlm_stage["runs"] and vlm_stage["reason"].startswith("escalated to the VLM engine")
    assert any("escalated" in n for n in r.usage.notes)
    assert "vlm" not in r.usage.skipped
    assert r.output["vlm"]["backend"] == "remote" and r.usage.stage_calls["vlm"] == 1


def test_strong_read_stays_on_the_cpu(
    engine: EmbeddedEngine, server: str, invoice_png: bytes
) -> None:
    r = service(engine, server).run(invoice_png, "read the text", name="inv.png")
    assert "route" not in r.output and "vlm" not in r.usage.stages_ms
    assert "CS0098812" in r.content


def test_engine_vlm_request_skips_the_cpu_ocr(
    engine: EmbeddedEngine, server: str, invoice_png: bytes
) -> None:
    r = service(engine, server).run(invoice_png, "read the text", name="inv.png", engine="vlm")
    assert r.output["route"]["reason"] == "requested_vlm"
    assert "ocr" in r.usage.skipped and "detect" not in r.usage.stages_ms
    assert r.usage.stage_calls["vlm"] == 1


def test_escalation_with_the_upstream_down_keeps_the_embedded_result(
    engine: EmbeddedEngine, invoice_png: bytes
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    svc = Service(
        OCRPipeline(engine),
        vlm=make_engine(VLMSettings(base_url=dead, retries=0)),
        router=RouterSettings(),
    )
    prompt = "Extract the content of the fields: ['Invoice No', 'IBAN'] from the image and return it in JSON format."
    r = svc.run(invoice_png, prompt, name="inv.png")
    assert r.output["fields"]["Invoice No"] == "CS0098812" and r.output["fields"]["IBAN"] is None
    assert r.output["route"]["error"]["code"] == "upstream_unavailable"
    # a task only the VLM can do fails loudly instead
    with pytest.raises(UpstreamUnavailableError):
        svc.run(invoice_png, "Translate the text in this image into English", name="inv.png")


def test_without_a_vlm_weak_results_stand_and_vlm_tasks_fail(
    engine: EmbeddedEngine, invoice_png: bytes
) -> None:
    svc = service(engine, None)
    prompt = (
        "Extract the content of the fields: ['IBAN'] from the image and return it in JSON format."
    )
    r = svc.run(invoice_png, prompt, name="inv.png")
    assert r.output["route"]["reason"] == "vlm_unavailable"
    assert any("weak embedded result kept" in n for n in r.usage.notes)
    with pytest.raises(EngineUnavailableError):
        svc.run(invoice_png, "Translate the text in this image into English", name="inv.png")
    with pytest.raises(EngineUnavailableError):
        svc.run(invoice_png, "read the text", name="inv.png", engine="vlm")
    with pytest.raises(InvalidEngineError):
        svc.run(invoice_png, "Translate the text into English", name="inv.png", engine="gpu")


def test_parse_sends_display_formulas_to_the_vlm(
    engine: EmbeddedEngine, local_vlm: TransformersVLMEngine
) -> None:
    """With a VLM configured, `parse` on the embedded engine sends each display formula's crop
    to it (`formula` task) and writes its answer in the `$$` block instead of the OCR text
    (random weights here: the answer is noise, but it is the VLM's, and the page's other
    blocks stay the embedded engine's)."""
    from promptocr.synth_docs import paper

    buf = io.BytesIO()
    paper("en", width=1100, size=17).canvas.image.save(buf, format="PNG")
    svc = Service(OCRPipeline(engine), vlm=local_vlm)
    result = svc.run(buf.getvalue(), "parse this page to markdown", engine="embedded")
    assert result.task == "parse"
    md = result.output["markdown"]
    assert result.usage.stage_calls.get("vlm") == 1  # one formula on the page, one request
    start = md.index("$$\n")
    block = md[start : md.index("\n$$", start + 3)]
    assert "N = k" not in block  # not the OCR text of the formula: the VLM's answer
    assert "Measuring nitrate" in md and "<table" in md  # the rest is the embedded parse


def test_engine_vlm_extract_everything_asks_the_vlm_for_every_pair(
    engine: EmbeddedEngine, server: str, invoice_png: bytes
) -> None:
    r = service(engine, server).run(
        invoice_png, "extract all key-value pairs", name="inv.png", engine="vlm"
    )
    assert r.task == "extract" and r.plan.arguments.get("all_pairs")
    assert r.output["route"]["reason"] == "requested_vlm"
    assert r.usage.stage_calls["vlm"] == 1 and isinstance(r.output["fields"], dict)


def test_a_question_extraction_cannot_answer_goes_to_the_vlm_as_asked(
    engine: EmbeddedEngine, server: str, invoice_png: bytes
) -> None:
    before = escalations("extract", "missing_fields")
    question = "When does the policy expire?"
    r = service(engine, server).run(invoice_png, question, name="inv.png")
    assert r.task == "extract" and r.plan.arguments["question"] == question
    key = r.plan.arguments["fields"][0]
    assert r.output["route"]["reason"] == "missing_fields" and r.output["route"]["escalated"]
    assert escalations("extract", "missing_fields") == before + 1
    # sent as the question (a `vqa` request), not as the key it was read as
    assert r.output["vlm"]["task"] == "vqa" and r.output["vlm"]["requests"] == 1
    answer = r.output["fields"][key]
    assert r.output["vlm_filled"] == ([key] if answer else [])
    if answer:
        assert r.output["details"][key]["source"] == "vlm"
    # without a VLM the same question is answered null, with the reason
    alone = service(engine, None).run(invoice_png, question, name="inv.png")
    assert alone.output["fields"][key] is None
    assert "vision-language" in alone.output["details"][key]["reason"]
