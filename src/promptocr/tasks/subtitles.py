"""`subtitles`: the lines in a video frame's bottom band, one entry per visual row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptocr.document.layout import sort_rows
from promptocr.tasks.base import TaskInput


class SubtitlesTask:
    name = "subtitles"
    document_only = True

    def stages(self, arguments: Mapping[str, Any]) -> frozenset[str]:
        return frozenset({"decode", "ocr", "subtitles"})

    def run(self, t: TaskInput) -> tuple[dict[str, Any], str]:
        """Lines in the frame's bottom band, one entry per visual row (bilingual lines
        apart)."""
        out_lines: list[dict[str, Any]] = []
        with t.usage.stage("subtitles"):
            for page in t.document.pages:
                band = [
                    ln
                    for ln in page.lines
                    if (ln.bbox[1] + ln.bbox[3]) / 2 >= 0.62 * page.height
                    and (
                        abs((ln.bbox[0] + ln.bbox[2]) / 2 - page.width / 2) <= 0.25 * page.width
                        or ln.bbox[2] - ln.bbox[0] >= 0.3 * page.width
                    )
                ]
                for row in sort_rows(band):
                    text = " ".join(ln.text for ln in row)
                    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
                    x0 = min(ln.bbox[0] for ln in row)
                    y0 = min(ln.bbox[1] for ln in row)
                    x1 = max(ln.bbox[2] for ln in row)
                    y1 = max(ln.bbox[3] for ln in row)
                    conf = min(ln.confidence for ln in row)
                    out_lines.append(
                        {
                            "text": text,
                            "language": "zh" if cjk else "latin",
                            "confidence": round(conf, 4),
                            "bbox": [round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1)],
                            "page": page.index + 1,
                        }
                    )
        text = "\n".join(x["text"] for x in out_lines)
        return {"text": text, "lines": out_lines}, text
