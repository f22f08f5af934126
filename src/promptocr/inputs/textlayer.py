"""A PDF page's own text layer, read with pdfium: characters -> words -> lines, in the rendered
page's pixel frame, plus what is needed to judge whether the layer can be trusted (how many
characters have no real Unicode meaning, how many are drawn invisibly) and where raster images
sit on the page.

Called by the loader while the page is open (under `PDFIUM_LOCK`). Deciding whether to use the
layer is the engine's job (`promptocr.engines.textsource`).
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from promptocr.document.model import ORIGIN_PDF_TEXT, BBox, Line, Polygon, Word, union_bbox
from promptocr.document.pdfgeom import page_transform

INVISIBLE = 3  # text render mode 3: neither filled nor stroked (an OCR layer over a scan)
INVISIBLE_SAMPLE = 8  # the render mode is looked up for every 8th character


@dataclass(slots=True)
class TextLayer:
    """The text a PDF page carries, in page pixels."""

    lines: list[Line] = field(default_factory=list)
    chars: int = 0  # characters drawn (pdfium's generated spaces and line breaks not counted)
    garbage: int = 0  # characters without a usable Unicode value (unmapped, private use, ...)
    invisible: int = 0  # characters drawn in render mode 3 (estimated from every 8th)
    images: list[BBox] = field(default_factory=list)  # raster images placed on the page

    @property
    def words(self) -> list[Word]:
        return [w for ln in self.lines for w in ln.words]

    @property
    def garbage_ratio(self) -> float:
        return self.garbage / self.chars if self.chars else 0.0

    @property
    def invisible_ratio(self) -> float:
        return self.invisible / self.chars if self.chars else 0.0

    def fingerprint(self) -> bytes:
        """Identifies the layer's content (part of the page cache key)."""
        h = hashlib.blake2b(digest_size=16)
        for ln in self.lines:
            h.update(ln.text.encode("utf-8", "surrogatepass"))
            h.update(repr([round(v) for v in ln.bbox]).encode())
        h.update(repr((self.chars, self.garbage, self.invisible, self.images)).encode())
        return h.digest()


def _is_garbage(code: int) -> bool:
    if code in (0, 0xFFFD, 0xFFFE, 0xFFFF):
        return True
    if 0xE000 <= code <= 0xF8FF or code >= 0xF0000:  # private use: a font's own glyph ids
        return True
    if 0xD800 <= code <= 0xDFFF:  # half of a surrogate pair: judged with its partner
        return False
    return unicodedata.category(chr(code)) in ("Cc", "Cn", "Co") and chr(code) not in "\t\r\n"


def read_text_layer(page: Any, width: int, height: int) -> TextLayer:
    """The text layer of an open pypdfium2 page rendered at `width` x `height` pixels."""
    import pypdfium2.raw as pdfium_c

    # pdfium's own page box (media box ∩ crop box, inherited from the page tree when the page
    # has none of its own): pypdfium2's get_cropbox/get_mediabox read only the page's own
    # entries and fall back to US Letter, which put every box of an A4 page with an inherited
    # MediaBox 50 pt too high.
    m = page_transform(page.get_bbox(), page.get_rotation(), width, height)
    # Page space -> pixels: invert the pixel -> page map.
    a, b, c, d, e, f = m
    det = a * d - b * c

    def to_px(x: float, y: float) -> tuple[float, float]:
        x, y = x - e, y - f
        return ((d * x - c * y) / det, (-b * x + a * y) / det)

    layer = TextLayer()
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        get_unicode = pdfium_c.FPDFText_GetUnicode
        map_error = pdfium_c.FPDFText_HasUnicodeMapError
        n = pdfium_c.FPDFText_CountChars(raw)
        # Words as (code units, index of the first and of the last character); a word's box is
        # the union of its first and last characters' loose boxes (loose boxes span the font's
        # ascent and descent, so every glyph of a run has the same height): two box look-ups
        # a word instead of one a character.
        lines: list[list[tuple[list[int], int, int]]] = [[]]
        codes: list[int] = []
        first = -1
        last = -1
        for i in range(n):
            code = get_unicode(raw, i)
            if code in (0x0D, 0x0A) or (code < 0xD800 and chr(code).isspace()):
                if codes:  # a word break, drawn or generated (pdfium: CR LF between lines)
                    lines[-1].append((codes, first, last))
                    codes = []
                if code in (0x0D, 0x0A) and lines[-1]:
                    lines.append([])
                continue
            layer.chars += 1
            if _is_garbage(code) or map_error(raw, i) == 1:
                layer.garbage += 1
            if i % INVISIBLE_SAMPLE == 0 and _render_mode(raw, i) == INVISIBLE:
                layer.invisible += INVISIBLE_SAMPLE
            if not codes:
                first = i
            codes.append(code)
            last = i
        if codes:
            lines[-1].append((codes, first, last))
        box = _char_box_reader(raw, to_px)
        layer.lines = [
            ln
            for ln in (
                _make_line([(cs, [box(a), box(b)] if b != a else [box(a)]) for cs, a, b in ws])
                for ws in lines
                if ws
            )
            if ln is not None
        ]
    finally:
        textpage.close()
    layer.images = _image_boxes(page, to_px)
    return layer


def read_text_layer_safely(page: Any, width: int, height: int) -> TextLayer | None:
    """`read_text_layer`, or None when the page has no text or its layer cannot be read (the
    page is then simply OCR'd)."""
    try:
        layer = read_text_layer(page, width, height)
    except Exception:  # a malformed layer must not stop the page from being read
        return None
    return layer if layer.chars else None


def _char_box_reader(raw: Any, to_px: Any) -> Any:
    """A function: character index -> its loose box in page pixels (x0, y0, x1, y1)."""
    import pypdfium2.raw as pdfium_c

    rect = pdfium_c.FS_RECTF()
    left, right = ctypes.c_double(), ctypes.c_double()
    bottom, top = ctypes.c_double(), ctypes.c_double()

    def box(i: int) -> BBox:
        if pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect):
            xa, ya = to_px(rect.left, rect.top)
            xb, yb = to_px(rect.right, rect.bottom)
        else:
            pdfium_c.FPDFText_GetCharBox(raw, i, left, right, bottom, top)
            xa, ya = to_px(left.value, top.value)
            xb, yb = to_px(right.value, bottom.value)
        return (min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))

    return box


def _render_mode(raw: Any, i: int) -> int:
    import pypdfium2.raw as pdfium_c

    return int(pdfium_c.FPDFTextObj_GetTextRenderMode(pdfium_c.FPDFText_GetTextObject(raw, i)))


def _decode(codes: list[int]) -> str:
    """Code units as pdfium gives them (a non-BMP character may come as a surrogate pair)."""
    units = "".join(chr(c) for c in codes)
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _make_line(words: list[tuple[list[int], list[BBox]]]) -> Line | None:
    out: list[Word] = []
    boxes: list[BBox] = []
    for codes, chars in words:
        text = _decode(codes)
        if not text.strip():
            continue
        box = (
            min(b[0] for b in chars),
            min(b[1] for b in chars),
            max(b[2] for b in chars),
            max(b[3] for b in chars),
        )
        out.append(Word(text, 1.0, _oriented(box, _direction(chars))))
        boxes.append(box)
    if not out:
        return None
    direction = _direction(boxes) if len(boxes) > 1 else None
    if direction is None:
        direction = _direction([b for _, bs in words for b in bs])
    line_box = union_bbox(boxes)
    return Line(
        " ".join(w.text for w in out), 1.0, _oriented(line_box, direction), out, ORIGIN_PDF_TEXT
    )


def _direction(boxes: list[BBox]) -> int | None:
    """Which way the text runs on the displayed page, as the clockwise angle of the text
    (0: left to right, 90: top to bottom, 180: right to left upside down, 270: bottom to top),
    judged from the first and last box; None when there is one box."""
    if len(boxes) < 2:
        return None
    (a0, a1, a2, a3), (b0, b1, b2, b3) = boxes[0], boxes[-1]
    dx = (b0 + b2) / 2 - (a0 + a2) / 2
    dy = (b1 + b3) / 2 - (a1 + a3) / 2
    if math.hypot(dx, dy) < 1e-6:
        return None
    if abs(dx) >= abs(dy):
        return 0 if dx > 0 else 180
    return 90 if dy > 0 else 270


def _oriented(box: BBox, direction: int | None) -> Polygon:
    """The box as a polygon starting at the text's own top-left corner (docs/schema.md)."""
    x0, y0, x1, y1 = box
    tl, tr, br, bl = (x0, y0), (x1, y0), (x1, y1), (x0, y1)
    if direction == 90:
        return (tr, br, bl, tl)
    if direction == 180:
        return (br, bl, tl, tr)
    if direction == 270:
        return (bl, tl, tr, br)
    return (tl, tr, br, bl)


def _image_boxes(page: Any, to_px: Any) -> list[BBox]:
    """Pixel bounds of the raster images drawn directly on the page (images inside form
    XObjects are not included: their bounds are in the form's own space)."""
    import pypdfium2.raw as pdfium_c

    out: list[BBox] = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=0):
        left, bottom, right, top = obj.get_bounds()
        xa, ya = to_px(left, top)
        xb, yb = to_px(right, bottom)
        out.append((min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)))
    return out
