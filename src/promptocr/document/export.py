"""Output formats, all read from the one document model: text, Markdown, hOCR 1.2, ALTO 4."""

from __future__ import annotations

from promptocr.document.model import Document


def to_text(doc: Document) -> str:
    """Plain text in reading order: blocks separated by a blank line, pages by a form feed."""
    return "\n\f\n".join(p.text for p in doc.pages).strip("\n") + "\n"


def to_markdown(doc: Document) -> str:
    """Markdown: one paragraph per block (layout-aware Markdown comes from the `parse` task)."""
    parts: list[str] = []
    for page in doc.pages:
        if len(doc.pages) > 1:
            parts.append(f"<!-- page {page.index + 1} -->")
        for block in page.blocks:
            parts.append(block.text.replace("\n", "  \n"))
    return "\n\n".join(parts) + "\n"


def to_hocr(doc: Document) -> str:
    raise NotImplementedError("hOCR export is being written")


def to_alto(doc: Document) -> str:
    raise NotImplementedError("ALTO export is being written")
