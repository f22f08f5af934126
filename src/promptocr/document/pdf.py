"""Searchable PDF: the original pages with an invisible text layer placed on every word.

- A PDF input keeps its pages exactly as they are: the page's own content streams, images and
  resources are not touched or re-encoded; an extra content stream is appended that draws the
  recognised words in text render mode 3 (invisible), wrapped so that the page's graphics state
  cannot leak into it.
- An image input becomes one page per image (per TIFF frame), embedded losslessly: a JPEG's
  own DCT bytes are kept (unless its EXIF orientation has to be applied), everything else is
  stored as Flate-compressed pixels (with an alpha channel as a soft mask).

Each word is drawn with a glyph-less CID font (Identity-H encoding, one box glyph, and a
ToUnicode map that turns every code back into the character it stands for), so any script,
Chinese included, is searchable and copyable, and its glyph run is stretched with horizontal
scaling (`Tz`) to span the word's box. Objects and content streams are built with pikepdf.

Coordinates: words are in the page's pixel frame (`docs/schema.md`). For a PDF page that frame is
the page as displayed (crop box, `/Rotate` applied) at `page.width / display width` pixels per
point, which is how the loader renders it, so the mapping back to PDF user space is exact.
"""

from __future__ import annotations

import functools
import io
import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pikepdf
from PIL import Image, ImageOps, ImageSequence

from promptocr.document.model import ORIGIN_PDF_TEXT, Document, Line, Page, Point, Word
from promptocr.document.pdfgeom import Affine, page_transform
from promptocr.errors import InvalidInputError

FONT_NAME = "GlyphLessFont"
RESOURCE_NAME = "/PromptOCRText"
GLYPH_WIDTH = 500  # every code's advance, in 1/1000 em
DEFAULT_IMAGE_DPI = 72.0  # for images that do not say: one pixel per point


def to_searchable_pdf(doc: Document, original: bytes) -> bytes:
    """PDF bytes: `original` (the input file: a PDF or an image) with `doc`'s words as an
    invisible, searchable text layer. Pages not in `doc` are kept without a text layer, and
    lines taken from the PDF's own text layer (`origin == "pdf_text"`) are not drawn again."""
    if not original:
        raise InvalidInputError("the original file is empty", source=doc.source)
    head = original[:1024].lstrip()
    pages_by_index = {p.index: p for p in doc.pages}
    try:
        if head.startswith(b"%PDF-"):
            pdf = pikepdf.open(io.BytesIO(original))
        else:
            pdf = _pdf_from_image(original, doc.source)
    except pikepdf.PdfError as exc:
        raise InvalidInputError(f"PDF cannot be opened ({exc})", source=doc.source) from None
    with pdf:
        font = _glyphless_font(pdf)
        for i, pdf_page in enumerate(pdf.pages):
            page = pages_by_index.get(i)
            if page is None or not _ocr_lines(page):
                continue
            _add_text_layer(pdf, pdf_page, page, font)
        out = io.BytesIO()
        # Streams are written as they are (ours are compressed when made): the original
        # content and images keep their exact bytes and filters.
        pdf.save(
            out,
            compress_streams=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
        )
        return out.getvalue()


def text_only_pdf(page: Page, width_pt: float, height_pt: float) -> bytes:
    """A one-page PDF of `width_pt` x `height_pt` points holding only `page`'s invisible text
    (what OCRmyPDF's sandwich renderer grafts onto the original page: one content stream, the
    font named /F1)."""
    with pikepdf.new() as pdf:
        pdf_page = pdf.add_blank_page(page_size=(width_pt, height_pt))
        m = page_transform((0.0, 0.0, width_pt, height_pt), 0, page.width, page.height)
        ops = text_layer_ops(page, m, "/F1") if _ocr_lines(page) else []
        pdf_page.obj["/Resources"] = pikepdf.Dictionary(
            Font=pikepdf.Dictionary(F1=_glyphless_font(pdf))
        )
        pdf_page.obj["/Contents"] = _flate(pdf, pikepdf.unparse_content_stream(ops))
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


# --------------------------------------------------------------------------------------------
# Geometry: page pixels -> PDF user space


def _apply(m: Affine, p: Point) -> Point:
    a, b, c, d, e, f = m
    x, y = p
    return (a * x + c * y + e, b * x + d * y + f)


def _page_box(page: pikepdf.Page) -> tuple[list[float], int]:
    """Crop box (defaulting to the media box, clipped to it) and /Rotate of a pikepdf page."""
    media = [float(v) for v in page.mediabox]
    crop = [float(v) for v in page.cropbox]
    mx0, mx1 = sorted((media[0], media[2]))
    my0, my1 = sorted((media[1], media[3]))
    if mx1 <= mx0 or my1 <= my0:  # an empty media box: PDFium renders US Letter, as do we
        mx0, my0, mx1, my1 = 0.0, 0.0, 612.0, 792.0
    cx0, cx1 = sorted((crop[0], crop[2]))
    cy0, cy1 = sorted((crop[1], crop[3]))
    box = [max(mx0, cx0), max(my0, cy0), min(mx1, cx1), min(my1, cy1)]
    if box[2] <= box[0] or box[3] <= box[1]:
        box = [mx0, my0, mx1, my1]
    rotate = int(page.obj.get("/Rotate", 0)) if "/Rotate" in page.obj else _inherited_rotate(page)
    return box, rotate % 360


def _inherited_rotate(page: pikepdf.Page) -> int:
    node: Any = page.obj
    for _ in range(64):
        if "/Rotate" in node:
            return int(node["/Rotate"])
        if "/Parent" not in node:
            break
        node = node["/Parent"]
    return 0


# --------------------------------------------------------------------------------------------
# The text layer


@dataclass(slots=True)
class _Placed:
    """One word ready to draw: its codes and its text matrix in user space."""

    codes: bytes
    size: float
    matrix: Affine
    scale: float  # Tz, percent, so that the glyph run spans the word
    start: Point  # user-space start and end of the word's baseline
    end: Point
    length: float
    space_scale: float | None = None  # Tz of the space after it, spanning the gap


def _utf16_codes(text: str) -> bytes:
    return text.encode("utf-16-be")


def _place_word(word: Word, m: Affine) -> _Placed | None:
    text = word.text
    if not text.strip():
        return None
    p0, p1, p2, p3 = (_apply(m, p) for p in word.polygon)
    # Baseline along the bottom edge (p3 -> p2), "up" from the bottom edge to the top edge.
    ux = ((p1[0] - p0[0]) + (p2[0] - p3[0])) / 2
    uy = ((p1[1] - p0[1]) + (p2[1] - p3[1])) / 2
    vx = ((p0[0] - p3[0]) + (p1[0] - p2[0])) / 2
    vy = ((p0[1] - p3[1]) + (p1[1] - p2[1])) / 2
    length = math.hypot(ux, uy)
    size = math.hypot(vx, vy)
    if length < 1e-3 or size < 1e-3:
        return None
    codes = _utf16_codes(text)
    natural = len(codes) // 2 * size * GLYPH_WIDTH / 1000.0
    matrix = (ux / length, uy / length, vx / size, vy / size, p3[0], p3[1])
    end = (p3[0] + ux, p3[1] + uy)
    return _Placed(codes, size, matrix, 100.0 * length / natural, p3, end, length)


MIN_SPACE_EM = 0.05  # the narrowest space glyph drawn between two words, in em


def _space_between(a: _Placed, b: _Placed) -> None:
    """Give `a` a trailing space glyph that fills the gap up to `b`'s start along `a`'s
    baseline. Readers drop a space that is too narrow and reorder one that overlaps the next
    word, so where OCR's word boxes touch, `a` is narrowed a little to make room."""
    gap = (b.start[0] - a.end[0]) * a.matrix[0] + (b.start[1] - a.end[1]) * a.matrix[1]
    width = MIN_SPACE_EM * a.size
    if gap < width:
        shrink = width - gap
        a.scale *= max(0.5, 1.0 - shrink / max(a.length, 1e-6))
    else:
        width = gap
    a.space_scale = 100.0 * width / (a.size * GLYPH_WIDTH / 1000.0)


def _ocr_lines(page: Page) -> list[Line]:
    """The lines a text layer must be drawn for: all but those read from the PDF's own."""
    return [ln for ln in page.lines if ln.origin != ORIGIN_PDF_TEXT]


def _line_words(ln: Line) -> list[Word]:
    return list(ln.words) if ln.words else [Word(ln.text, ln.confidence, ln.polygon)]


def text_layer_ops(page: Page, m: Affine, font_name: str = RESOURCE_NAME) -> list[Any]:
    """Content-stream instructions (pikepdf operand/operator pairs) drawing `page`'s words."""
    op = pikepdf.Operator
    ops: list[Any] = [([], op("q"))]
    for ln in _ocr_lines(page):
        placed = [p for w in _line_words(ln) if (p := _place_word(w, m)) is not None]
        if not placed:
            continue
        for a, b in zip(placed, placed[1:], strict=False):
            _space_between(a, b)
        ops.append(([], op("BT")))
        ops.append(([3], op("Tr")))
        for p in placed:
            ops.append(([pikepdf.Name(font_name), round(p.size, 3)], op("Tf")))
            ops.append(([round(p.scale, 3)], op("Tz")))
            ops.append(([round(v, 4) for v in p.matrix], op("Tm")))
            ops.append(([pikepdf.String(p.codes)], op("Tj")))
            if p.space_scale is not None:  # an explicit space, so readers need not guess
                ops.append(([round(p.space_scale, 3)], op("Tz")))
                ops.append(([pikepdf.String(_utf16_codes(" "))], op("Tj")))
        ops.append(([], op("ET")))
    ops.append(([], op("Q")))
    return ops


def _add_text_layer(
    pdf: pikepdf.Pdf, pdf_page: pikepdf.Page, page: Page, font: pikepdf.Object
) -> None:
    box, rotate = _page_box(pdf_page)
    m = page_transform(box, rotate, page.width, page.height)
    resources = pdf_page.obj.get("/Resources")
    if resources is None:
        # Resources inherited from the page tree: give the page its own copy to add to.
        inherited: Any = _inherited(pdf_page.obj, "/Resources")
        pdf_page.obj["/Resources"] = (
            pikepdf.Dictionary(inherited) if inherited is not None else pikepdf.Dictionary()
        )
    name = pdf_page.add_resource(font, pikepdf.Name("/Font"), prefix="PromptOCRText")
    content = pikepdf.unparse_content_stream(text_layer_ops(page, m, str(name)))
    # Wrap the page's own content in q ... Q (added streams only: the original ones are kept
    # byte for byte), so a changed CTM or colour state in it cannot move or show our text.
    pdf_page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    pdf_page.contents_add(_flate(pdf, b"Q\n" + content), prepend=False)


def _flate(pdf: pikepdf.Pdf, data: bytes) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, b"")
    stream.write(zlib.compress(data, 6), filter=pikepdf.Name.FlateDecode)
    return stream


def _inherited(node: Any, key: str) -> Any:
    cur = node
    for _ in range(64):
        if key in cur:
            return cur[key]
        if "/Parent" not in cur:
            return None
        cur = cur["/Parent"]
    return None


# --------------------------------------------------------------------------------------------
# The glyph-less font


@functools.lru_cache(maxsize=1)
def glyphless_truetype() -> bytes:
    """A TrueType font whose one glyph is a plain box, 1/2 em wide and 1 em tall (built once
    with fontTools). The text is drawn invisibly (render mode 3), so the box never shows; it
    gives each glyph real bounds, which text extractors need (pdfium, for one, ignores text
    objects of zero width, such as a one-letter word in an empty-glyph font)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    fb = FontBuilder(1000, isTTF=True)
    names = [".notdef", "box"]
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({0x20: "box"})
    pen = TTGlyphPen(None)
    pen.moveTo((0, 0))
    pen.lineTo((0, 1000))
    pen.lineTo((GLYPH_WIDTH, 1000))
    pen.lineTo((GLYPH_WIDTH, 0))
    pen.closePath()
    box = pen.glyph()
    fb.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "box": box})
    fb.setupHorizontalMetrics({n: (GLYPH_WIDTH, 0) for n in names})
    fb.setupHorizontalHeader(ascent=1000, descent=0)
    fb.setupNameTable({"familyName": FONT_NAME, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=1000, sTypoDescender=0, usWinAscent=1000, usWinDescent=0)
    fb.setupPost()
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


def _to_unicode_cmap() -> bytes:
    """Every 2-byte code maps to the UTF-16 code unit of the same value (a non-BMP character is
    written as its surrogate pair, two codes, and read back as that pair)."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256)]
    for start in range(0, len(ranges), 100):  # at most 100 entries per block
        chunk = ranges[start : start + 100]
        lines.append(f"{len(chunk)} beginbfrange")
        lines.extend(chunk)
        lines.append("endbfrange")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return ("\n".join(lines) + "\n").encode("ascii")


def _glyphless_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """A Type0 font (Identity-H) over a CIDFontType2 whose every CID draws the empty glyph."""
    name = pikepdf.Name
    font_file = pikepdf.Stream(pdf, zlib.compress(glyphless_truetype()))
    font_file["/Filter"] = name.FlateDecode
    font_file["/Length1"] = len(glyphless_truetype())
    cid_to_gid = pikepdf.Stream(pdf, zlib.compress(b"\x00\x01" * 65536))
    cid_to_gid["/Filter"] = name.FlateDecode
    to_unicode = pikepdf.Stream(pdf, zlib.compress(_to_unicode_cmap()))
    to_unicode["/Filter"] = name.FlateDecode
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=name.FontDescriptor,
            FontName=name("/" + FONT_NAME),
            Flags=5,
            FontBBox=[0, 0, GLYPH_WIDTH, 1000],
            ItalicAngle=0,
            Ascent=1000,
            Descent=0,
            CapHeight=1000,
            StemV=80,
            FontFile2=font_file,
        )
    )
    cid_font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=name.Font,
            Subtype=name.CIDFontType2,
            BaseFont=name("/" + FONT_NAME),
            CIDSystemInfo=pikepdf.Dictionary(
                Registry=pikepdf.String("Adobe"),
                Ordering=pikepdf.String("Identity"),
                Supplement=0,
            ),
            FontDescriptor=descriptor,
            DW=GLYPH_WIDTH,
            CIDToGIDMap=cid_to_gid,
        )
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=name.Font,
            Subtype=name.Type0,
            BaseFont=name("/" + FONT_NAME),
            Encoding=name("/Identity-H"),
            DescendantFonts=[cid_font],
            ToUnicode=to_unicode,
        )
    )


# --------------------------------------------------------------------------------------------
# Image inputs -> one page per image (TIFF frame), embedded losslessly


def _pdf_from_image(data: bytes, source: str | None) -> pikepdf.Pdf:
    try:
        img = Image.open(io.BytesIO(data))
    except Exception as exc:
        raise InvalidInputError(f"not an image or PDF ({exc})", source=source) from None
    pdf = pikepdf.new()
    frames: Iterable[Image.Image] = ImageSequence.Iterator(img) if img.format == "TIFF" else [img]
    for n, frame in enumerate(frames, start=1):
        try:
            _add_image_page(pdf, frame, data if img.format == "JPEG" else None)
        except (OSError, ValueError, SyntaxError) as exc:  # Pillow's decoder errors
            raise InvalidInputError(
                f"image frame {n} cannot be decoded ({exc}); no searchable PDF of this file",
                source=source,
            ) from None
    return pdf


def _frame_dpi(img: Image.Image) -> tuple[float, float]:
    dpi = img.info.get("dpi")
    try:
        xd, yd = float(dpi[0]), float(dpi[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return DEFAULT_IMAGE_DPI, DEFAULT_IMAGE_DPI
    if not (10 <= xd <= 10000 and 10 <= yd <= 10000):
        return DEFAULT_IMAGE_DPI, DEFAULT_IMAGE_DPI
    return xd, yd


def _add_image_page(pdf: pikepdf.Pdf, frame: Image.Image, jpeg: bytes | None) -> None:
    xdpi, ydpi = _frame_dpi(frame)
    frame.load()
    turned = _exif_orientation(frame) > 1  # applied, as the loader does: then no DCT copy
    upright = (ImageOps.exif_transpose(frame) or frame) if turned else frame
    image = _image_xobject(pdf, upright, None if turned else jpeg)
    w_px, h_px = upright.size
    if upright.size != frame.size:
        xdpi, ydpi = ydpi, xdpi
    w_pt, h_pt = w_px * 72.0 / xdpi, h_px * 72.0 / ydpi
    page = pdf.add_blank_page(page_size=(w_pt, h_pt))
    name = page.add_resource(image, pikepdf.Name("/XObject"), prefix="Im")
    op = pikepdf.Operator
    placement: list[Any] = [
        ([], op("q")),
        ([round(w_pt, 4), 0, 0, round(h_pt, 4), 0, 0], op("cm")),
        ([name], op("Do")),
        ([], op("Q")),
    ]
    page.obj["/Contents"] = _flate(pdf, pikepdf.unparse_content_stream(placement))


def _exif_orientation(img: Image.Image) -> int:
    try:
        return int(img.getexif().get(0x0112, 1))
    except Exception:
        return 1


def _image_xobject(pdf: pikepdf.Pdf, img: Image.Image, jpeg: bytes | None) -> pikepdf.Stream:
    import numpy as np

    name = pikepdf.Name
    w, h = img.size
    mode = img.mode
    if jpeg is not None and mode in ("L", "RGB", "CMYK"):
        # The JPEG's own bytes: no decoding, no re-encoding.
        space = {"L": name.DeviceGray, "RGB": name.DeviceRGB, "CMYK": name.DeviceCMYK}[mode]
        stream = pikepdf.Stream(pdf, jpeg)
        stream.write(jpeg, filter=name.DCTDecode)
        _image_dict(stream, w, h, space, 8)
        if mode == "CMYK" and "adobe" in img.info:
            stream["/Decode"] = [1, 0, 1, 0, 1, 0, 1, 0]
        return stream
    alpha: Image.Image | None = None
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        alpha = img.getchannel("A")
        img = img.convert("RGB" if mode in ("RGBA", "PA", "RGBa") else "L")
        mode = img.mode
    if mode == "1":
        raw, space, bits = img.tobytes(), name.DeviceGray, 1
    elif mode == "L":
        raw, space, bits = img.tobytes(), name.DeviceGray, 8
    elif mode.startswith("I;16"):
        raw, space, bits = np.asarray(img).astype(">u2").tobytes(), name.DeviceGray, 16
    elif mode == "CMYK":
        raw, space, bits = img.tobytes(), name.DeviceCMYK, 8
    elif mode == "RGB":
        raw, space, bits = img.tobytes(), name.DeviceRGB, 8
    else:  # 32-bit integer, float, LAB, HSV, YCbCr ...: as the loader reads them
        from promptocr.inputs.loader import to_rgb

        raw, space, bits = to_rgb(img).tobytes(), name.DeviceRGB, 8
    stream = pikepdf.Stream(pdf, b"")
    stream.write(zlib.compress(raw, 6), filter=name.FlateDecode)
    _image_dict(stream, w, h, space, bits)
    if alpha is not None:
        mask = pikepdf.Stream(pdf, b"")
        mask.write(zlib.compress(alpha.tobytes(), 6), filter=name.FlateDecode)
        _image_dict(mask, w, h, name.DeviceGray, 8)
        stream["/SMask"] = mask
    return stream


def _image_dict(stream: pikepdf.Stream, w: int, h: int, space: pikepdf.Name, bits: int) -> None:
    stream["/Type"] = pikepdf.Name.XObject
    stream["/Subtype"] = pikepdf.Name.Image
    stream["/Width"] = w
    stream["/Height"] = h
    stream["/ColorSpace"] = space
    stream["/BitsPerComponent"] = bits
