"""`read`: all text in reading order (plain text, or the layout's Markdown when asked)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptocr.document.export import to_markdown, to_text
from promptocr.document.model import Document
from promptocr.tasks.base import TaskInput


def read_output(doc: Document, arguments: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    text = to_text(doc) if doc.text.strip() else ""
    fmt = arguments.get("output_format") or arguments.get("format", "text")
    content = to_markdown(doc) if fmt == "markdown" else text
    return {"text": text}, content


class ReadTask:
    name = "read"
    document_only = True

    def stages(self, arguments: Mapping[str, Any]) -> frozenset[str]:
        return frozenset({"decode", "ocr"})

    def run(self, t: TaskInput) -> tuple[dict[str, Any], str]:
        return read_output(t.document, t.plan.arguments)
