"""The document model (Document -> Page -> Block -> Line -> Word) and its exports."""

from promptocr.document.model import SCHEMA_VERSION, Block, Document, Line, Page, Word

__all__ = ["SCHEMA_VERSION", "Block", "Document", "Line", "Page", "Word"]
