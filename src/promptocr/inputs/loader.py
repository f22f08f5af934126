"""Turn a file (path or bytes) into page images, refusing bad input before any big allocation.

Images are decoded with Pillow (header first, so the pixel limit is checked before decoding) and
PDFs are rendered with pypdfium2 (page count and page size checked before rendering).
"""

from __future__ import annotations

import ctypes
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from promptocr.errors import (
    EncryptedPDFError,
    InputTooLargeError,
    InvalidInputError,
    PageRangeError,
    PromptOCRError,
    UnsupportedFormatError,
)


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Refusal thresholds; the server and CLI expose each one as a setting."""

    max_pixels: int = 50_000_000  # per page, after PDF rendering
    max_pages: int = 200  # pages read from one document, checked before anything is rendered
    max_bytes: int = 100 * 1024 * 1024


@dataclass(slots=True)
class PageImage:
    """One decoded page: RGB uint8 pixels plus where it came from."""

    index: int
    image: np.ndarray
    source: str
    pdf_text: list[tuple[str, tuple[float, float, float, float]]] | None = field(default=None)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF", "MPO"}


def parse_page_range(spec: str | None, total: int, source: str | None = None) -> list[int]:
    """'1-3,5' (1-based, inclusive) -> sorted 0-based indices; None means all pages."""
    if spec is None or str(spec).strip() in ("", "all", "*"):
        return list(range(total))
    chosen: set[int] = set()
    for part in str(spec).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                a, b = part.split("-", 1)
                lo = int(a) if a.strip() else 1
                hi = int(b) if b.strip() else total
            else:
                lo = hi = int(part)
        except ValueError:
            raise PageRangeError(
                f"page range {spec!r} is not like '1-3,5'", source=source
            ) from None
        if lo < 1 or hi < lo:
            raise PageRangeError(f"page range {part!r} is not valid", source=source)
        if lo > total:
            raise PageRangeError(
                f"page {lo} requested but the document has {total} page(s)", source=source
            )
        chosen.update(range(lo - 1, min(hi, total)))
    if not chosen:
        raise PageRangeError(f"page range {spec!r} selects no page", source=source)
    return sorted(chosen)


def sniff_kind(data: bytes) -> str:
    """'pdf', 'image' or 'unknown' from the first bytes (never from the file name)."""
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    sigs = (
        b"\x89PNG",
        b"\xff\xd8\xff",
        b"GIF87a",
        b"GIF89a",
        b"BM",
        b"II*\x00",
        b"MM\x00*",
    )
    if data.startswith(sigs) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    return "unknown"


def load_pages(
    src: str | Path | bytes,
    *,
    name: str | None = None,
    pages: str | None = None,
    dpi: int = 200,
    limits: InputLimits | None = None,
    use_pdf_text: bool = False,
) -> list[PageImage]:
    """Decode every selected page of `src`. Raises a PromptOCRError subclass on bad input."""
    limits = limits or InputLimits()
    if isinstance(src, bytes):
        data = src
        source = name or "<upload>"
    else:
        path = Path(src)
        source = name or str(path)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise InvalidInputError("file not found", source=source) from None
        except OSError as exc:
            raise InvalidInputError(f"cannot read file ({exc.strerror})", source=source) from None
        if path.is_dir():
            raise InvalidInputError("is a directory, not a file", source=source)
        if size > limits.max_bytes:
            raise InputTooLargeError(
                f"file is {size} bytes, over the limit of {limits.max_bytes}", source=source
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInputError(f"cannot read file ({exc.strerror})", source=source) from None
    if not data:
        raise InvalidInputError("file is empty", source=source)
    if len(data) > limits.max_bytes:
        raise InputTooLargeError(
            f"input is {len(data)} bytes, over the limit of {limits.max_bytes}", source=source
        )
    kind = sniff_kind(data)
    if kind == "pdf":
        return _load_pdf(data, source, pages, dpi, limits, use_pdf_text)
    return _load_image(data, source, pages, limits, kind)


SUPPORTED = "supported: PNG, JPEG, WebP, BMP, GIF, TIFF, PDF"


def _check_page_count(
    selected: int, total: int, kind: str, source: str, limits: InputLimits
) -> None:
    if selected > limits.max_pages:
        hint = "" if selected < total else "; select fewer pages (e.g. --pages 1-10)"
        raise InputTooLargeError(
            f"{kind} has {total} pages and {selected} are selected, over the limit of "
            f"{limits.max_pages} pages per document{hint}",
            source=source,
        )


def _load_image(
    data: bytes, source: str, pages: str | None, limits: InputLimits, kind: str
) -> list[PageImage]:
    try:
        # Only the header is read here; pixels are decoded by `load()` after the size check.
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        if kind == "unknown":
            raise UnsupportedFormatError(
                f"not an image or PDF ({SUPPORTED})", source=source
            ) from None
        raise InvalidInputError("image header is truncated or corrupt", source=source) from None
    except Image.DecompressionBombError as exc:
        raise InputTooLargeError(
            f"image declares too many pixels, refusing to decode it ({exc})", source=source
        ) from None
    except Exception as exc:  # Pillow raises many types for broken headers
        raise InvalidInputError(
            f"image header is truncated or corrupt ({exc})", source=source
        ) from None
    if img.format not in IMAGE_FORMATS:
        raise UnsupportedFormatError(
            f"image format {img.format} is not supported ({SUPPORTED})", source=source
        )
    # GIF, WebP and MPO animations are read as their first frame; TIFF pages are pages.
    try:
        n_frames = int(getattr(img, "n_frames", 1)) if img.format == "TIFF" else 1
    except Exception as exc:
        raise InvalidInputError(f"TIFF page directory is corrupt ({exc})", source=source) from None
    wanted = parse_page_range(pages, n_frames, source)
    _check_page_count(len(wanted), n_frames, "TIFF", source, limits)
    out: list[PageImage] = []
    frames: Iterator[Image.Image] = ImageSequence.Iterator(img) if n_frames > 1 else iter([img])
    chosen = set(wanted)
    try:
        for i, frame in enumerate(frames):
            if i > wanted[-1]:
                break
            if i not in chosen:
                continue
            out.append(PageImage(i, _decode_frame(frame, i, source, limits), source))
    except PromptOCRError:
        raise
    except Exception as exc:
        raise InvalidInputError(
            f"image data is truncated or corrupt ({exc})", source=source
        ) from None
    return out


def _decode_frame(frame: Image.Image, i: int, source: str, limits: InputLimits) -> np.ndarray:
    w, h = frame.size
    if w < 1 or h < 1:
        raise InvalidInputError("image has zero size", source=source)
    if w * h > limits.max_pixels:
        raise InputTooLargeError(
            f"page {i + 1} is {w}x{h} = {w * h} pixels, over the limit of {limits.max_pixels}",
            source=source,
        )
    try:
        frame.load()
        rgb = to_rgb(frame)
    except Image.DecompressionBombError as exc:
        raise InputTooLargeError(
            f"image declares too many pixels, refusing to decode it ({exc})", source=source
        ) from None
    except Exception as exc:  # truncated data, bad EXIF, broken palette ...
        raise InvalidInputError(
            f"image data is truncated or corrupt ({exc})", source=source
        ) from None
    return np.ascontiguousarray(np.asarray(rgb))


def to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode -> 8-bit RGB upright: EXIF orientation, 16-bit, palette, alpha, CMYK.

    Transparent pixels are composited onto white (text is usually dark on a light page).
    16-bit greyscale is scaled by 1/257 (full range kept, no contrast stretch, so a blank
    16-bit page stays blank); 32-bit integer and float images are scaled from their own range.
    """
    img = ImageOps.exif_transpose(img) or img
    mode = img.mode
    if mode.startswith("I;16"):
        arr16 = np.asarray(img).astype(np.float64)
        return Image.fromarray((arr16 / 257.0).round().clip(0, 255).astype(np.uint8), "L").convert(
            "RGB"
        )
    if mode in ("I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        if mode == "F" and lo >= 0.0 and hi <= 1.0:
            lo, hi = 0.0, 1.0  # a normalised float image
        elif lo >= 0.0 and hi <= 255.0:
            lo, hi = 0.0, 255.0  # 8-bit values stored wide
        elif lo >= 0.0 and hi <= 65535.0:
            lo, hi = 0.0, 65535.0
        if hi <= lo:
            scaled = np.zeros(arr.shape, dtype=np.uint8)
        else:
            scaled = ((arr - lo) * (255.0 / (hi - lo))).round().clip(0, 255).astype(np.uint8)
        return Image.fromarray(scaled, "L").convert("RGB")
    if mode == "P":
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode == "1":
        return img.convert("L").convert("RGB")
    if mode != "RGB":
        return img.convert("RGB")
    return img


# PDFium is not thread-safe, not even across different documents: every call into it goes
# through this lock (image decoding with Pillow runs in parallel). Other modules that call
# pypdfium2 must take it too.
PDFIUM_LOCK = threading.Lock()


def _load_pdf(
    data: bytes, source: str, pages: str | None, dpi: int, limits: InputLimits, use_pdf_text: bool
) -> list[PageImage]:
    if not 18 <= dpi <= 1200:
        raise InvalidInputError(f"DPI {dpi} is outside 18-1200", source=source)
    with PDFIUM_LOCK:
        return _load_pdf_locked(data, source, pages, dpi, limits, use_pdf_text)


def _load_pdf_locked(
    data: bytes, source: str, pages: str | None, dpi: int, limits: InputLimits, use_pdf_text: bool
) -> list[PageImage]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedPDFError(
                "PDF is encrypted (password protected); decrypt it first", source=source
            ) from None
        raise InvalidInputError(f"PDF is corrupt or truncated ({exc})", source=source) from None
    try:
        total = len(pdf)
        if total == 0:
            raise InvalidInputError("PDF has no pages", source=source)
        wanted = parse_page_range(pages, total, source)
        _check_page_count(len(wanted), total, "PDF", source, limits)
        scale = dpi / 72.0
        out: list[PageImage] = []
        for i in wanted:
            try:
                page = pdf[i]
            except pdfium.PdfiumError as exc:
                raise InvalidInputError(
                    f"PDF page {i + 1} is corrupt ({exc})", source=source
                ) from None
            try:
                w_pt, h_pt = page.get_size()  # as displayed: /Rotate already applied
                w_px, h_px = round(w_pt * scale), round(h_pt * scale)
                if w_px < 1 or h_px < 1:
                    raise InvalidInputError(f"PDF page {i + 1} has zero size", source=source)
                if w_px * h_px > limits.max_pixels:
                    raise InputTooLargeError(
                        f"page {i + 1} at {dpi} dpi is {w_px}x{h_px} pixels, over the limit of "
                        f"{limits.max_pixels}; lower the DPI",
                        source=source,
                    )
                bitmap = page.render(scale=scale, may_draw_forms=True)
                try:
                    arr = np.ascontiguousarray(np.asarray(bitmap.to_pil().convert("RGB")))
                finally:
                    bitmap.close()
                pdf_text = (
                    _pdf_text_lines(page, arr.shape[1], arr.shape[0]) if use_pdf_text else None
                )
            finally:
                page.close()
            out.append(PageImage(i, arr, source, pdf_text))
        return out
    finally:
        pdf.close()


def _pdf_text_lines(
    page: object, width: int, height: int
) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The page's own text layer as (text, pixel bbox) segments in the rendered image's frame
    (pdfium maps page space to device space, so /Rotate and crop boxes are accounted for)."""
    import pypdfium2.raw as pdfium_c

    raw_page = page.raw  # type: ignore[attr-defined]
    rotate = 0  # the page's own /Rotate is applied by pdfium, as in rendering

    def to_px(x: float, y: float) -> tuple[float, float]:
        dx, dy = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDF_PageToDevice(
            raw_page, 0, 0, width, height, rotate, x, y, ctypes.byref(dx), ctypes.byref(dy)
        )
        return float(dx.value), float(dy.value)

    textpage = page.get_textpage()  # type: ignore[attr-defined]
    try:
        out: list[tuple[str, tuple[float, float, float, float]]] = []
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = " ".join(textpage.get_text_bounded(left, bottom, right, top).split())
            if not text:
                continue
            xa, ya = to_px(left, top)
            xb, yb = to_px(right, bottom)
            box = (min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))
            out.append((text, box))
        return out
    finally:
        textpage.close()
