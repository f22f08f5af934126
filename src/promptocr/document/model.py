"""The one document model every engine produces and every output format reads.

Document -> Page -> Block -> Line -> Word, in the spirit of docTR. Every element carries its
text, a confidence in [0, 1], a 4-point polygon and an axis-aligned bbox, all in the page's own
pixel coordinates (the page as the user supplied it, before any upright rotation we applied).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.1"

Point = tuple[float, float]
Polygon = tuple[Point, Point, Point, Point]
BBox = tuple[float, float, float, float]


def bbox_of(points: Sequence[Point]) -> BBox:
    """Axis-aligned box (x0, y0, x1, y1) around a polygon."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def polygon_of(bbox: BBox) -> Polygon:
    """Clockwise polygon from the top-left corner of an axis-aligned box."""
    x0, y0, x1, y1 = bbox
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def overlap_area(a: Sequence[float], b: Sequence[float]) -> float:
    """The area two axis-aligned boxes (x0, y0, x1, y1) share (0 where they do not meet)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def union_bbox(boxes: Sequence[BBox]) -> BBox:
    """Smallest box covering all boxes (empty input gives a zero box)."""
    if not boxes:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def same_row(a: Line, b: Line) -> bool:
    """Lines whose extents across the text direction overlap by more than half the smaller
    height. Measured along `a`'s own "down" axis, so it holds on rotated pages too."""
    p0, p1, p2, p3 = a.polygon
    dx = (p3[0] - p0[0] + p2[0] - p1[0]) / 2
    dy = (p3[1] - p0[1] + p2[1] - p1[1]) / 2
    norm = (dx * dx + dy * dy) ** 0.5
    if norm == 0:
        dx, dy, norm = 0.0, 1.0, 1.0
    dx, dy = dx / norm, dy / norm
    pa = [x * dx + y * dy for x, y in a.polygon]
    pb = [x * dx + y * dy for x, y in b.polygon]
    overlap = min(max(pa), max(pb)) - max(min(pa), min(pb))
    return overlap > 0.5 * min(max(pa) - min(pa), max(pb) - min(pb))


def _round_poly(poly: Polygon) -> list[list[float]]:
    return [[round(x, 1), round(y, 1)] for x, y in poly]


def _round_box(box: BBox) -> list[float]:
    return [round(v, 1) for v in box]


@dataclass(slots=True)
class Word:
    """A run of characters without spaces (or a single CJK run), with its own geometry."""

    text: str
    confidence: float
    polygon: Polygon

    @property
    def bbox(self) -> BBox:
        return bbox_of(self.polygon)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "polygon": _round_poly(self.polygon),
            "bbox": _round_box(self.bbox),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Word:
        return cls(d["text"], float(d["confidence"]), _poly_from(d["polygon"]))


# Where a line's text came from: OCR (the default, not written out) or the PDF's text layer.
ORIGIN_OCR = "ocr"
ORIGIN_PDF_TEXT = "pdf_text"


@dataclass(slots=True)
class Line:
    """One detected text line: the unit that detection finds and recognition reads."""

    text: str
    confidence: float
    polygon: Polygon
    words: list[Word] = field(default_factory=list)
    origin: str = ORIGIN_OCR

    @property
    def bbox(self) -> BBox:
        return bbox_of(self.polygon)

    @property
    def height(self) -> float:
        x0, y0, x1, y1 = self.bbox
        return y1 - y0

    def to_dict(self) -> dict[str, Any]:
        out = {
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "polygon": _round_poly(self.polygon),
            "bbox": _round_box(self.bbox),
            "words": [w.to_dict() for w in self.words],
        }
        if self.origin != ORIGIN_OCR:  # schema 1.1: only written when not OCR
            out["origin"] = self.origin
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Line:
        return cls(
            d["text"],
            float(d["confidence"]),
            _poly_from(d["polygon"]),
            [Word.from_dict(w) for w in d.get("words", [])],
            str(d.get("origin", ORIGIN_OCR)),
        )


@dataclass(slots=True)
class Block:
    """Lines that belong together (a paragraph, a column cell); `kind` names its layout role."""

    lines: list[Line]
    kind: str = "text"
    polygon: Polygon | None = None

    @property
    def bbox(self) -> BBox:
        if self.polygon is not None:
            return bbox_of(self.polygon)
        return union_bbox([ln.bbox for ln in self.lines])

    @property
    def text(self) -> str:
        """Lines in order; lines of one visual row (e.g. item and price) joined by a space."""
        parts: list[str] = []
        for i, ln in enumerate(self.lines):
            if i:
                parts.append(" " if same_row(self.lines[i - 1], ln) else "\n")
            parts.append(ln.text)
        return "".join(parts)

    @property
    def confidence(self) -> float:
        return _mean_conf(self.lines)

    def to_dict(self) -> dict[str, Any]:
        box = self.bbox
        return {
            "kind": self.kind,
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "polygon": _round_poly(self.polygon or polygon_of(box)),
            "bbox": _round_box(box),
            "lines": [ln.to_dict() for ln in self.lines],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Block:
        return cls(
            [Line.from_dict(ln) for ln in d["lines"]],
            d.get("kind", "text"),
            _poly_from(d["polygon"]) if d.get("polygon") else None,
        )


@dataclass(slots=True)
class Page:
    """One page or image. `rotation` is the clockwise angle (0/90/180/270) the page was turned
    by in the file; geometry stays in the file's own coordinates either way."""

    index: int
    width: int
    height: int
    blocks: list[Block] = field(default_factory=list)
    rotation: int = 0
    source: str | None = None

    @property
    def lines(self) -> list[Line]:
        return [ln for b in self.blocks for ln in b.lines]

    @property
    def words(self) -> Iterator[Word]:
        for ln in self.lines:
            yield from ln.words

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks if b.lines)

    @property
    def confidence(self) -> float:
        return _mean_conf(self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "source": self.source,
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "blocks": [b.to_dict() for b in self.blocks],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Page:
        return cls(
            int(d["index"]),
            int(d["width"]),
            int(d["height"]),
            [Block.from_dict(b) for b in d.get("blocks", [])],
            int(d.get("rotation", 0)),
            d.get("source"),
        )


@dataclass(slots=True)
class Document:
    """All pages read from one input file (or one uploaded image)."""

    pages: list[Page] = field(default_factory=list)
    source: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)

    @property
    def lines(self) -> list[Line]:
        return [ln for p in self.pages for ln in p.lines]

    @property
    def confidence(self) -> float:
        return _mean_conf(self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "source": self.source,
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "pages": [p.to_dict() for p in self.pages],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        return cls([Page.from_dict(p) for p in d.get("pages", [])], d.get("source"))

    # Exports live in promptocr.document.export; these are thin conveniences.
    def to_text(self) -> str:
        from promptocr.document.export import to_text

        return to_text(self)

    def to_markdown(self) -> str:
        from promptocr.document.export import to_markdown

        return to_markdown(self)

    def to_hocr(self) -> str:
        from promptocr.document.export import to_hocr

        return to_hocr(self)

    def to_alto(self) -> str:
        from promptocr.document.export import to_alto

        return to_alto(self)


def _mean_conf(lines: Sequence[Line]) -> float:
    """Character-weighted mean confidence, so a one-letter line doesn't count like a paragraph."""
    total = sum(max(len(ln.text), 1) for ln in lines)
    if not total:
        return 0.0
    return sum(ln.confidence * max(len(ln.text), 1) for ln in lines) / total


def _poly_from(raw: Sequence[Sequence[float]]) -> Polygon:
    pts = [(float(p[0]), float(p[1])) for p in raw]
    if len(pts) != 4:
        raise ValueError(f"polygon needs 4 points, got {len(pts)}")
    return (pts[0], pts[1], pts[2], pts[3])
