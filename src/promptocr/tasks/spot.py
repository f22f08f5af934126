"""`spot`: every line with its confidence and box, or HunyuanOCR's spotting wire formats."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from promptocr.document.model import Document, Line
from promptocr.engines.usage import Usage
from promptocr.tasks.base import TaskInput


def _line_dict(ln: Line, page_no: int) -> dict[str, Any]:
    d = ln.to_dict()
    d.pop("words", None)
    d["page"] = page_no
    return d


def _norm_box(ln: Line, w: int, h: int) -> list[int]:
    x0, y0, x1, y1 = ln.bbox

    def nx(x: float) -> int:
        return max(0, min(1000, round(x / max(w, 1) * 1000)))

    def ny(y: float) -> int:
        return max(0, min(1000, round(y / max(h, 1) * 1000)))

    return [nx(x0), ny(y0), nx(x1), ny(y1)]


def hunyuan_spotting(doc: Document, fmt: str) -> str:
    """HunyuanOCR's spotting wire formats, coordinates normalised to 0-1000 per page:
    `hunyuan` = `text(x1,y1),(x2,y2)` items back to back; `hunyuan_json` =
    `[{"box": [xmin, ymin, xmax, ymax], "text": ...}]`."""
    if fmt == "hunyuan_json":
        items = [
            {"box": _norm_box(ln, page.width, page.height), "text": ln.text}
            for page in doc.pages
            for ln in page.lines
        ]
        return json.dumps(items, ensure_ascii=False)
    parts = []
    for page in doc.pages:
        chunk = []
        for ln in page.lines:
            x0, y0, x1, y1 = _norm_box(ln, page.width, page.height)
            chunk.append(f"{ln.text}({x0},{y0}),({x1},{y1})")
        parts.append("".join(chunk))
    return "\n".join(parts)


def spot_output(
    doc: Document, arguments: Mapping[str, Any], usage: Usage
) -> tuple[dict[str, Any], str]:
    lines = [_line_dict(ln, page.index + 1) for page in doc.pages for ln in page.lines]
    output: dict[str, Any] = {"lines": lines}
    fmt = arguments.get("output_format") or arguments.get("format", "lines")
    if fmt in ("hunyuan", "hunyuan_json"):
        with usage.stage("spotting_format"):
            output["hunyuan"] = hunyuan_spotting(doc, fmt)
        return output, output["hunyuan"]
    return output, json.dumps(lines, ensure_ascii=False)


class SpotTask:
    name = "spot"
    document_only = True

    def stages(self, arguments: Mapping[str, Any]) -> frozenset[str]:
        if arguments.get("format", "lines") != "lines":
            return frozenset({"decode", "ocr", "spotting_format"})
        return frozenset({"decode", "ocr"})

    def run(self, t: TaskInput) -> tuple[dict[str, Any], str]:
        return spot_output(t.document, t.plan.arguments, t.usage)
