"""Router rules: which engine answers, when a weak embedded result escalates, and the metric."""

from __future__ import annotations

import numpy as np
import pytest
from prometheus_client import REGISTRY

from promptocr.document.model import Block, Document, Line, Page, polygon_of
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.usage import Usage
from promptocr.errors import EngineUnavailableError
from promptocr.inputs.loader import PageImage
from promptocr.synth import Canvas
from promptocr.tasks.router import (
    Decision,
    Evidence,
    InvalidEngineError,
    RouterSettings,
    decide_engine,
    has_value,
    merge_fields,
    review,
    route,
    vlm_task,
)


def escalations(task: str, reason: str) -> float:
    v = REGISTRY.get_sample_value(
        "promptocr_vlm_escalations_total", {"task": task, "reason": reason}
    )
    return v or 0.0


def doc(*confidences: float) -> Document:
    lines = [
        Line(f"line {i}", c, polygon_of((10.0, 30.0 * i, 200.0, 30.0 * i + 20)))
        for i, c in enumerate(confidences)
    ]
    return Document([Page(0, 400, 400, [Block(lines)] if lines else [])])


# ---------------------------------------------------------------------------------------------
# before the embedded run


@pytest.mark.parametrize("task", ["translate", "formula", "chart", "vqa"])
def test_vlm_only_tasks_go_to_the_vlm(task: str) -> None:
    d = route(task, vlm_available=True)
    assert (d.engine, d.reason, d.escalated) == ("vlm", "vlm_only_task", False)
    # even a caller pinning the embedded engine cannot make the CPU translate
    assert route(task, vlm_available=True, requested="embedded").engine == "vlm"


@pytest.mark.parametrize("task", ["translate", "vqa"])
def test_vlm_only_task_without_vlm_is_a_clear_error(task: str) -> None:
    with pytest.raises(EngineUnavailableError) as info:
        route(task, vlm_available=False)
    assert info.value.status == 501 and info.value.code == "engine_unavailable"
    assert task in info.value.message and "PROMPTOCR_VLM_URL" in info.value.message


@pytest.mark.parametrize("task", ["read", "spot", "extract", "parse", "subtitles"])
def test_cpu_tasks_start_on_the_embedded_engine(task: str) -> None:
    d = route(task, vlm_available=True)
    assert (d.engine, d.reason) == ("embedded", "embedded_default")


def test_caller_can_ask_for_the_vlm_or_pin_embedded() -> None:
    assert route("read", vlm_available=True, requested="vlm").reason == "requested_vlm"
    assert route("read", vlm_available=True, requested="EMBEDDED").reason == "requested_embedded"
    with pytest.raises(EngineUnavailableError):
        route("extract", vlm_available=False, requested="vlm")
    with pytest.raises(InvalidEngineError) as info:
        route("read", vlm_available=True, requested="gpu")
    assert info.value.status == 400
    # a deployment-wide default
    s = RouterSettings(engine="vlm")
    assert route("spot", vlm_available=True, settings=s).reason == "requested_vlm"


# ---------------------------------------------------------------------------------------------
# after the embedded run


def test_strong_result_stays_embedded() -> None:
    ev = Evidence.of(doc(0.98, 0.95, 0.97))
    d = decide_engine("read", ev, vlm_available=True)
    assert (d.engine, d.reason, d.escalated) == ("embedded", "embedded_ok", False)


def test_low_mean_confidence_escalates_and_counts() -> None:
    before = escalations("read", "low_confidence")
    d = decide_engine("read", Evidence.of(doc(0.6, 0.7, 0.65)), vlm_available=True)
    assert (d.engine, d.reason, d.escalated) == ("vlm", "low_confidence", True)
    assert "0.65" in d.detail or "0.6" in d.detail
    assert escalations("read", "low_confidence") == before + 1


def test_many_weak_lines_escalate_even_with_a_good_mean() -> None:
    # long strong lines keep the character-weighted mean up; 2 of 4 lines are weak
    lines = [
        Line("x" * 200, 0.99, polygon_of((0.0, 0.0, 300.0, 20.0))),
        Line("y" * 200, 0.99, polygon_of((0.0, 30.0, 300.0, 50.0))),
        Line("ab", 0.2, polygon_of((0.0, 60.0, 30.0, 80.0))),
        Line("cd", 0.3, polygon_of((0.0, 90.0, 30.0, 110.0))),
    ]
    d = decide_engine(
        "spot", Evidence.of(Document([Page(0, 400, 400, [Block(lines)])])), vlm_available=True
    )
    assert (d.engine, d.reason) == ("vlm", "weak_lines")


def test_missing_required_fields_escalate() -> None:
    fields = {"invoice_no": {"value": "INV-1", "bbox": [1, 2, 3, 4]}, "total": {"value": None}}
    ev = Evidence.of(doc(0.99), fields=fields)
    assert ev.missing_fields == ["total"]
    before = escalations("extract", "missing_fields")
    d = decide_engine("extract", ev, vlm_available=True)
    assert (d.engine, d.reason, d.escalated) == ("vlm", "missing_fields", True)
    assert "total" in d.detail
    assert escalations("extract", "missing_fields") == before + 1
    # only the required ones count
    ev2 = Evidence.of(doc(0.99), fields=fields, required=["invoice_no"])
    assert decide_engine("extract", ev2, vlm_available=True).engine == "embedded"


def test_no_text_on_a_non_blank_page_escalates_but_blank_pages_do_not() -> None:
    assert decide_engine("read", Evidence.of(doc()), vlm_available=True).reason == "no_text"
    usage = Usage()
    usage.skip("detect", "blank page")
    ev = Evidence.of(doc(), usage=usage)
    assert ev.blank
    assert decide_engine("read", ev, vlm_available=True).reason == "embedded_ok"


def test_weak_result_without_vlm_keeps_embedded_with_a_reason() -> None:
    before = escalations("read", "low_confidence")
    d = decide_engine("read", Evidence.of(doc(0.4)), vlm_available=False)
    assert (d.engine, d.reason, d.escalated) == ("embedded", "vlm_unavailable", False)
    assert "0.40" in d.detail
    assert escalations("read", "low_confidence") == before


def test_pinned_embedded_and_disabled_escalation_never_escalate() -> None:
    weak = Evidence.of(doc(0.3))
    assert (
        decide_engine("read", weak, vlm_available=True, requested="embedded").engine == "embedded"
    )
    off = RouterSettings(escalate=False)
    assert decide_engine("read", weak, off, vlm_available=True).reason == "embedded_ok"
    # parse is not in the escalating set by default
    assert decide_engine("parse", weak, vlm_available=True).engine == "embedded"
    # thresholds are configurable
    lenient = RouterSettings(min_confidence=0.2, max_weak_fraction=1.0)
    assert decide_engine("read", weak, lenient, vlm_available=True).engine == "embedded"
    # a request already on the VLM is left alone
    first = Decision("vlm", "requested_vlm", "")
    assert review("read", first, weak, vlm_available=True) is first


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMPTOCR_VLM_ROUTE", "embedded")
    monkeypatch.setenv("PROMPTOCR_VLM_MIN_CONFIDENCE", "0.9")
    monkeypatch.setenv("PROMPTOCR_VLM_ESCALATE", "false")
    s = RouterSettings.from_env()
    assert (s.engine, s.min_confidence, s.escalate) == ("embedded", 0.9, False)
    monkeypatch.setenv("PROMPTOCR_VLM_ROUTE", "tpu")
    with pytest.raises(InvalidEngineError):
        RouterSettings.from_env()


def test_decision_to_dict_and_helpers() -> None:
    d = Decision("vlm", "missing_fields", "total", escalated=True)
    assert d.to_dict() == {
        "engine": "vlm",
        "reason": "missing_fields",
        "detail": "total",
        "escalated": True,
    }
    assert vlm_task("read") == "spot" and vlm_task("extract") == "extract"
    assert not has_value({"value": "  "}) and has_value({"value": 0}) and not has_value([])


def test_merge_fields_keeps_embedded_values_and_fills_gaps() -> None:
    embedded = {
        "invoice_no": {"value": "INV-1", "bbox": [1, 2, 3, 4], "valid": True},
        "total": {"value": None, "bbox": None, "valid": None},
        "date": None,
    }
    merged, filled = merge_fields(
        embedded, {"invoice_no": "WRONG", "total": "12.50", "date": "2024-01-02"}
    )
    assert merged["invoice_no"] == embedded["invoice_no"]
    assert merged["total"] == {"value": "12.50", "bbox": None, "valid": None, "source": "vlm"}
    assert merged["date"] == "2024-01-02"
    assert filled == ["total", "date"]
    assert merge_fields(embedded, None) == (embedded, [])


# ---------------------------------------------------------------------------------------------
# with the real embedded engine


def test_real_embedded_results(engine: EmbeddedEngine) -> None:
    c = Canvas(640, 160)
    c.text((20, 20), "INVOICE NO: CS0098812", size=28)
    c.text((20, 90), "TOTAL 13.50", size=28)
    usage = Usage()
    page = engine.read_page(PageImage(0, np.asarray(c.image), "inv.png"), usage)
    ev = Evidence.of(page, usage=usage)
    assert ev.lines == 2 and ev.confidence > 0.8
    assert decide_engine("read", ev, vlm_available=True).reason == "embedded_ok"

    blank_usage = Usage()
    blank = engine.read_page(
        PageImage(0, np.full((200, 300, 3), 255, np.uint8), "b.png"), blank_usage
    )
    ev_blank = Evidence.of(blank, usage=blank_usage)
    assert (
        ev_blank.blank and decide_engine("read", ev_blank, vlm_available=True).engine == "embedded"
    )


def test_a_field_the_vlm_fills_drops_the_embedded_confidence_and_reason() -> None:
    # the linker left the field null (a weak link, its reason); the VLM's value carries no
    # confidence, so none of the embedded numbers may stay beside it
    from promptocr.tasks.router import vlm_filled_details

    details = {
        "Total": {
            "value": None,
            "confidence": 0.02,
            "link_confidence": 0.02,
            "reason": "no value linked to the label with confidence ≥ 0.05 (best 0.02)",
            "label": "Total",
        },
        "Date": {"value": "2024-01-02", "confidence": 0.9, "read_confidence": 0.95},
    }
    vlm_filled_details(details, {"Total": "31.40", "Date": "2024-01-02"}, ["Total"])
    assert details["Total"] == {"value": "31.40", "source": "vlm", "confidence": None}
    assert details["Date"]["confidence"] == 0.9  # a field the VLM did not fill keeps its own
