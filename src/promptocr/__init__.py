"""promptocr: image or PDF + instruction -> structured JSON, on a laptop CPU."""

from promptocr.document.model import Block, Document, Line, Page, Word
from promptocr.errors import PromptOCRError

__version__ = "0.1.0"

__all__ = ["Block", "Document", "Line", "Page", "PromptOCRError", "Word", "__version__"]
