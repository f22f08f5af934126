"""Every task by name: the planner asks a task which stages it runs, the service runs it."""

from __future__ import annotations

from promptocr.tasks.base import Task
from promptocr.tasks.extract.task import ExtractTask
from promptocr.tasks.parse import ParseTask
from promptocr.tasks.read import ReadTask
from promptocr.tasks.spot import SpotTask
from promptocr.tasks.subtitles import SubtitlesTask
from promptocr.tasks.vlm_only import VLMOnlyTask

_ALL: tuple[Task, ...] = (
    ReadTask(),
    SpotTask(),
    ParseTask(),
    ExtractTask(),
    SubtitlesTask(),
    *(VLMOnlyTask(n) for n in ("translate", "formula", "chart", "vqa")),
)
TASKS: dict[str, Task] = {t.name: t for t in _ALL}


def task_for(name: str) -> Task:
    return TASKS[name]
