"""The one small interface every task implements, and what a task is given to run.

A task module (`tasks/read.py`, `tasks/spot.py`, `tasks/parse.py`, `tasks/extract/`,
`tasks/subtitles.py`, `tasks/vlm_only.py`) declares the stages its plan needs and turns the
OCR'd document into the task's JSON payload and its OpenAI-style `content`. `Service.run`
plans, routes once, reads the pages, calls `Task.run`, and formats; nothing in a task looks at
the prompt text again (the plan's arguments carry what the planner understood).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from promptocr.document.model import Document
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage

if TYPE_CHECKING:
    from promptocr.tasks.parse import ParsedPage
    from promptocr.tasks.planner import Plan


@dataclass
class TaskInput:
    """What a task runs on: the plan, the OCR'd document and the request's usage; for tasks
    that need more, the page images (kept only when a vision-language engine is configured),
    the pages' layout (parse) and the VLM engine."""

    plan: Plan
    document: Document
    usage: Usage
    source: str | None = None
    images: list[PageImage] = field(default_factory=list)
    parsed: list[ParsedPage] = field(default_factory=list)
    vlm: object | None = None


class Task(Protocol):
    """One task. `document_only`: it can run on an already OCR'd `Document` alone (a job's
    pages, `Service.run_on_document`); otherwise it needs the page images or their layout."""

    name: str
    document_only: bool

    def stages(self, arguments: Mapping[str, Any]) -> frozenset[str]:
        """The plan stages this task runs, given the planner's arguments."""
        ...

    def run(self, t: TaskInput) -> tuple[dict[str, Any], str]:
        """The task's JSON payload and its `content` (the answer as text)."""
        ...
