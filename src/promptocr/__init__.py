"""promptocr: image or PDF + instruction -> structured JSON, on a laptop CPU."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promptocr.document.model import Block, Document, Line, Page, Word
from promptocr.errors import PromptOCRError

if TYPE_CHECKING:
    from promptocr.tasks.service import Result

__version__ = "0.1.0"


def run(image_or_path: Any, prompt: str = "", **kw: Any) -> Result:
    """Run an instruction on an image or PDF: `promptocr.run("r.jpg", "extract the total")`.

    Uses a process-wide `promptocr.tasks.Service` (models load once, on first use)."""
    from promptocr.tasks.service import run as _run

    return _run(image_or_path, prompt, **kw)


__all__ = ["Block", "Document", "Line", "Page", "PromptOCRError", "Word", "__version__", "run"]
