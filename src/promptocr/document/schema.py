"""The JSON schema of `Document.to_dict()`, as pydantic models.

These models are the machine-readable form of docs/schema.md: `validate_document(d)` checks a
payload (extra keys are refused), and `json_schema()` gives the JSON Schema published as
docs/document.schema.json (regenerate it with `python -m promptocr.document.schema`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from promptocr.document.model import SCHEMA_VERSION

Confidence = Annotated[float, Field(ge=0.0, le=1.0, description="0 (unsure) to 1 (certain)")]
PointModel = Annotated[
    list[float],
    Field(min_length=2, max_length=2, description="[x, y] in page pixels"),
]
PolygonModel = Annotated[
    list[PointModel],
    Field(
        min_length=4,
        max_length=4,
        description="4 corners in page pixels, starting at the text's own top-left corner and "
        "going clockwise as the text is read (on a turned page the first point is wherever the "
        "text starts)",
    ),
]
BBoxModel = Annotated[
    list[float],
    Field(
        min_length=4,
        max_length=4,
        description="[x0, y0, x1, y1]: axis-aligned box around the polygon, page pixels",
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class WordModel(_Strict):
    """A run of characters without spaces (a CJK run counts as one word)."""

    text: str
    confidence: Confidence
    polygon: PolygonModel
    bbox: BBoxModel


class LineModel(_Strict):
    """One detected text line, the unit detection finds and recognition reads."""

    text: str
    confidence: Confidence
    polygon: PolygonModel
    bbox: BBoxModel
    words: list[WordModel]
    origin: Literal["pdf_text"] | None = Field(
        default=None,
        description='schema 1.1: "pdf_text" when the line was taken from the PDF\'s own text '
        "layer instead of OCR (absent for OCR'd lines)",
    )


class BlockModel(_Strict):
    """Lines that belong together (a paragraph, a column's section), in reading order."""

    kind: str = Field(
        description='layout role: "text" from the reader; the parse task adds '
        '"title", "table", "figure", ...'
    )
    text: str = Field(description="lines joined: a space within one visual row, else a newline")
    confidence: Confidence
    polygon: PolygonModel
    bbox: BBoxModel
    lines: list[LineModel]


class PageModel(_Strict):
    """One page of a PDF or TIFF, or the one image."""

    index: int = Field(ge=0, description="0-based page number in the source file")
    width: int = Field(ge=0, description="page width in pixels (as decoded / rendered)")
    height: int = Field(ge=0, description="page height in pixels")
    rotation: Literal[0, 90, 180, 270] = Field(
        description="clockwise degrees the page content is turned in the file; the page was "
        "read upright, but all geometry stays in the file's own frame"
    )
    source: str | None = Field(description="file name the page came from")
    text: str = Field(description="blocks in reading order, separated by a blank line")
    confidence: Confidence
    blocks: list[BlockModel]


class DocumentModel(_Strict):
    """Everything read from one input file."""

    schema_version: Literal["1.0", "1.1"] = Field(description="version of this schema")
    source: str | None = Field(description="input file name (or the upload's name)")
    text: str = Field(description="pages' text, separated by a blank line")
    confidence: Confidence = Field(description="character-weighted mean of line confidences")
    pages: list[PageModel]


def validate_document(data: dict[str, Any]) -> DocumentModel:
    """Check a `Document.to_dict()` payload against the schema (raises pydantic's
    ValidationError naming the offending field)."""
    return DocumentModel.model_validate(data)


def json_schema() -> dict[str, Any]:
    schema = DocumentModel.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"urn:promptocr:schema:document:{SCHEMA_VERSION}"
    schema["title"] = f"promptocr Document (schema {SCHEMA_VERSION})"
    return schema


if __name__ == "__main__":
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
