"""Every task is one module behind one interface: it declares its stages (the planner asks it)
and runs on a TaskInput; tasks that need only the text run on an already OCR'd Document."""

from __future__ import annotations

import pytest

from promptocr.document.model import Block, Document, Line, Page, Word
from promptocr.errors import InvalidOptionError
from promptocr.tasks import Service
from promptocr.tasks.planner import STAGES, TASKS, plan
from promptocr.tasks.registry import TASKS as REGISTRY


def _line(text: str, x: float, y: float) -> Line:
    box = [[x, y], [x + 10 * len(text), y], [x + 10 * len(text), y + 20], [x, y + 20]]
    return Line(text, 0.99, box, words=[Word(text, 0.99, box)])


def _doc() -> Document:
    lines = [_line("Name: Ada Lovelace", 20, 20), _line("Date: 1998-07-01", 20, 60)]
    page = Page(0, 400, 300, blocks=[Block(lines)])
    return Document([page], source="synthetic")


def test_every_planned_task_has_one_module_that_declares_its_stages() -> None:
    assert set(REGISTRY) == set(TASKS)
    for name, task in REGISTRY.items():
        assert task.name == name
        stages = task.stages({})
        assert stages <= set(STAGES) and "decode" in stages
        p = plan("", task_type=None) if name == "read" else None
        if p is not None:  # the planner's stages are the task's own
            assert {s.name for s in p.stages if s.runs} == set(stages)


def test_spot_declares_the_wire_format_stage_only_when_asked() -> None:
    spot = REGISTRY["spot"]
    assert "spotting_format" not in spot.stages({"format": "lines"})
    assert "spotting_format" in spot.stages({"format": "hunyuan"})
    p = plan("检测并识别图片中的文字，将文本坐标格式化输出。")
    assert p.task == "spot"
    assert p.runs("spotting_format") == ("spotting_format" in spot.stages(p.arguments))


def test_text_only_tasks_run_on_a_document_and_image_tasks_refuse() -> None:
    service = Service(vlm=None)
    doc = _doc()
    read = service.run_on_document(doc, "read the text")
    assert read.content.splitlines() == ["Name: Ada Lovelace", "Date: 1998-07-01"]
    got = service.run_on_document(doc, "提取Name、Date")
    assert got.output["fields"]["Name"] == "Ada Lovelace"
    assert got.output["fields"]["Date"] == "1998-07-01"
    for name, task in REGISTRY.items():
        assert task.document_only == (name in ("read", "spot", "extract", "subtitles"))
    with pytest.raises(InvalidOptionError, match="needs the page images"):
        service.run_on_document(doc, "parse this page to markdown")
