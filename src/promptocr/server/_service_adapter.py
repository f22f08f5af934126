"""TEMPORARY stand-in for `promptocr.tasks.Service` until the tasks branch lands (then delete).

It honours the contract in docs/architecture.md but knows one task only: `read` (plain text in
reading order, whatever the prompt says).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptocr.document.export import to_markdown, to_text
from promptocr.document.model import Document
from promptocr.engines.embedded import EngineSettings
from promptocr.engines.usage import Usage
from promptocr.pipeline import OCRPipeline, ReadOptions


@dataclass
class Plan:
    task: str
    arguments: dict[str, Any] = field(default_factory=dict)
    stages: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "arguments": dict(self.arguments), "stages": list(self.stages)}


@dataclass
class Result:
    task: str
    plan: Plan
    usage: Usage
    document: Document
    output: dict[str, Any]
    content: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "plan": self.plan.to_dict(),
            "output": self.output,
            "content": self.content,
            "document": self.document.to_dict(),
            "usage": self.usage.to_dict(),
        }


class Service:
    def __init__(self, pipeline: OCRPipeline) -> None:
        self.pipeline = pipeline

    def run(
        self,
        src: str | Path | bytes,
        prompt: str,
        *,
        name: str | None = None,
        pages: str | None = None,
        dpi: int = 200,
        settings: EngineSettings | None = None,
        output_format: str | None = None,
    ) -> Result:
        plan = Plan("read", {"prompt": prompt}, ["decode", "detect", "recognize", "reading_order"])
        doc, usage = self.pipeline.read(src, ReadOptions(pages=pages, dpi=dpi), settings, name)
        text = to_text(doc)
        content = to_markdown(doc) if output_format == "markdown" else text
        return Result("read", plan, usage, doc, {"text": text}, content)
