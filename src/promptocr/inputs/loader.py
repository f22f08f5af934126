"""Turn a file (path or bytes) into page images, refusing bad input before any big allocation.

Images are decoded with Pillow (header first, so the pixel limit is checked before decoding) and
PDFs are rendered with pypdfium2 (page count and page size checked before rendering).
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from promptocr.errors import (
    EncryptedPDFError,
    InputTooLargeError,
    InvalidInputError,
    PageRangeError,
    PromptOCRError,
    UnsupportedFormatError,
)
from promptocr.inputs.textlayer import TextLayer, read_text_layer_safely


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Refusal thresholds; the server and CLI expose each one as a setting."""

    max_pixels: int = 50_000_000  # per page, after PDF rendering
    max_pages: int = 200  # pages read from one document, checked before anything is rendered
    max_bytes: int = 100 * 1024 * 1024
    # all selected pages together (pages are decoded one at a time, so this bounds work and
    # time rather than memory); checked from the headers before anything is decoded
    max_total_pixels: int = 1_000_000_000


@dataclass(slots=True)
class PageImage:
    """One decoded page: RGB uint8 pixels plus where it came from."""

    index: int
    image: np.ndarray
    source: str
    # A PDF page's own text layer (inputs/textlayer.py); the engine decides whether to use it.
    text_layer: TextLayer | None = field(default=None)
    # What the pixels were made from, when that is cheaper to hash than the pixels: a PDF page
    # is its document's bytes, page index and DPI (the page cache's key; pipeline.page_key).
    content_key: bytes | None = field(default=None)

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


class PageStream:
    """The selected pages of one document, decoded one at a time as it is iterated.

    Everything that can be refused without decoding pixels is checked when the stream is
    opened (`open_pages`): bytes, format, page count, every selected page's size and the
    document's total pixels. Iterating then decodes (renders) one page at a time, so a caller
    that drops each page after use holds one page's pixels, whatever the page count.
    """

    def __init__(
        self, source: str, total: int, selected: list[int], gen: Generator[PageImage, None, None]
    ) -> None:
        self.source = source
        self.total = total  # pages in the document
        self.selected = selected  # 0-based indices that will be yielded, in order
        self._gen = gen

    @property
    def count(self) -> int:
        return len(self.selected)

    def __iter__(self) -> Iterator[PageImage]:
        return self._gen

    def close(self) -> None:
        """Release the decoder (an unfinished stream is also released when collected)."""
        self._gen.close()


def open_pages(
    src: str | Path | bytes,
    *,
    name: str | None = None,
    pages: str | None = None,
    dpi: int = 200,
    limits: InputLimits | None = None,
) -> PageStream:
    """Check `src` and return a stream of its selected pages. Raises a PromptOCRError
    subclass on bad input; a page that turns out corrupt while decoding raises then.

    A PDF page's text layer always comes with it (`PageImage.text_layer`); whether it replaces
    OCR is the engine setting `text_source` (engines/textsource.py)."""
    limits = limits or InputLimits()
    data, source = _read_source(src, name, limits)
    kind = sniff_kind(data)
    if kind == "pdf":
        return _open_pdf(data, source, pages, dpi, limits)
    return _open_image(data, source, pages, limits, kind)


def load_pages(
    src: str | Path | bytes,
    *,
    name: str | None = None,
    pages: str | None = None,
    dpi: int = 200,
    limits: InputLimits | None = None,
) -> list[PageImage]:
    """Decode every selected page of `src` at once (all pixels held: prefer `open_pages`)."""
    return list(open_pages(src, name=name, pages=pages, dpi=dpi, limits=limits))


def _read_source(
    src: str | Path | bytes, name: str | None, limits: InputLimits
) -> tuple[bytes, str]:
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
    return data, source


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


def _check_total_pixels(sizes: list[int], source: str, limits: InputLimits, hint: str) -> None:
    total = sum(sizes)
    if total > limits.max_total_pixels:
        raise InputTooLargeError(
            f"the {len(sizes)} selected page(s) add up to {total} pixels, over the limit of "
            f"{limits.max_total_pixels} per document; {hint}",
            source=source,
        )


def _open_image(
    data: bytes, source: str, pages: str | None, limits: InputLimits, kind: str
) -> PageStream:
    try:
        # Only the header is read here; pixels are decoded by `load()` after the size checks.
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
    # Every selected frame's size comes from its header (seeking reads no pixels).
    sizes: list[int] = []
    try:
        for i in wanted:
            if n_frames > 1:
                img.seek(i)
            sizes.append(_check_frame_size(img.size, i, source, limits))
    except PromptOCRError:
        raise
    except Exception as exc:
        raise InvalidInputError(
            f"TIFF page {len(sizes) + 1} is corrupt ({exc})", source=source
        ) from None
    _check_total_pixels(sizes, source, limits, "select fewer pages")

    def gen() -> Generator[PageImage, None, None]:
        try:
            for i in wanted:
                try:
                    if n_frames > 1:
                        img.seek(i)
                    pixels = _decode_frame(img, i, source, limits)
                except PromptOCRError:
                    raise
                except Exception as exc:
                    raise InvalidInputError(
                        f"image data is truncated or corrupt ({exc})", source=source
                    ) from None
                yield PageImage(i, pixels, source)
        finally:
            img.close()

    return PageStream(source, n_frames, wanted, gen())


def _check_frame_size(size: tuple[int, int], i: int, source: str, limits: InputLimits) -> int:
    w, h = size
    if w < 1 or h < 1:
        raise InvalidInputError("image has zero size", source=source)
    if w * h > limits.max_pixels:
        raise InputTooLargeError(
            f"page {i + 1} is {w}x{h} = {w * h} pixels, over the limit of {limits.max_pixels}",
            source=source,
        )
    return int(w * h)


def _decode_frame(frame: Image.Image, i: int, source: str, limits: InputLimits) -> np.ndarray:
    _check_frame_size(frame.size, i, source, limits)
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


_STRIP_ROWS = 512  # wide images are converted in strips, so no full-page float copy exists


def _scale_to_u8(arr: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """(arr - lo) * 255 / (hi - lo), rounded and clipped, into uint8, strip by strip in
    float32: at most a strip of temporaries beside the output (not a float64 page)."""
    out = np.empty(arr.shape, dtype=np.uint8)
    if hi <= lo:
        out.fill(0)
        return out
    k = np.float32(255.0 / (hi - lo))
    for y in range(0, arr.shape[0], _STRIP_ROWS):
        strip = arr[y : y + _STRIP_ROWS].astype(np.float32)
        strip -= np.float32(lo)
        strip *= k
        np.rint(strip, out=strip)
        np.clip(strip, 0, 255, out=strip)
        out[y : y + _STRIP_ROWS] = strip
    return out


def to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode -> 8-bit RGB upright: EXIF orientation, 16-bit, palette, alpha, CMYK.

    Transparent pixels are composited onto white (text is usually dark on a light page).
    16-bit greyscale is scaled by 1/257 (full range kept, no contrast stretch, so a blank
    16-bit page stays blank); 32-bit integer and float images are scaled from their own range.
    Wide modes are converted strip by strip, so the only full-size copy is the 8-bit result.
    """
    img = ImageOps.exif_transpose(img) or img
    mode = img.mode
    if mode.startswith("I;16"):
        return Image.fromarray(_scale_to_u8(np.asarray(img), 0.0, 65535.0), "L").convert("RGB")
    if mode in ("I", "F"):
        arr = np.asarray(img)
        finite = arr if mode == "I" else np.where(np.isfinite(arr), arr, 0)
        lo, hi = float(finite.min()), float(finite.max())
        if mode == "F" and lo >= 0.0 and hi <= 1.0:
            lo, hi = 0.0, 1.0  # a normalised float image
        elif lo >= 0.0 and hi <= 255.0:
            lo, hi = 0.0, 255.0  # 8-bit values stored wide
        elif lo >= 0.0 and hi <= 65535.0:
            lo, hi = 0.0, 65535.0
        return Image.fromarray(_scale_to_u8(finite, lo, hi), "L").convert("RGB")
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
# pypdfium2 must take it too. A page stream takes it per page, not for the whole document.
PDFIUM_LOCK = threading.Lock()


def _open_pdf(
    data: bytes, source: str, pages: str | None, dpi: int, limits: InputLimits
) -> PageStream:
    import pypdfium2 as pdfium

    if not 18 <= dpi <= 1200:
        raise InvalidInputError(f"DPI {dpi} is outside 18-1200", source=source)
    scale = dpi / 72.0
    with PDFIUM_LOCK:
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
            sizes = [_pdf_page_pixels(pdf, i, scale, dpi, source, limits) for i in wanted]
            _check_total_pixels(sizes, source, limits, "select fewer pages or lower the DPI")
        except BaseException:
            pdf.close()
            raise

    doc_key = hashlib.blake2b(data, digest_size=20).digest()

    def gen() -> Generator[PageImage, None, None]:
        try:
            for i in wanted:
                with PDFIUM_LOCK:
                    page_image = _render_pdf_page(pdf, i, scale, source)
                page_image.content_key = doc_key + f":{i}:{dpi}".encode()
                yield page_image
        finally:
            with PDFIUM_LOCK:
                pdf.close()

    return PageStream(source, total, wanted, gen())


def _pdf_page_pixels(
    pdf: object, i: int, scale: float, dpi: int, source: str, limits: InputLimits
) -> int:
    import pypdfium2 as pdfium

    try:
        w_pt, h_pt = pdf.get_page_size(i)  # type: ignore[attr-defined]
    except pdfium.PdfiumError as exc:
        raise InvalidInputError(f"PDF page {i + 1} is corrupt ({exc})", source=source) from None
    # /Rotate swaps the rendered sides but not the pixel count.
    w_px, h_px = round(w_pt * scale), round(h_pt * scale)
    if w_px < 1 or h_px < 1:
        raise InvalidInputError(f"PDF page {i + 1} has zero size", source=source)
    if w_px * h_px > limits.max_pixels:
        raise InputTooLargeError(
            f"page {i + 1} at {dpi} dpi is {w_px}x{h_px} pixels, over the limit of "
            f"{limits.max_pixels}; lower the DPI",
            source=source,
        )
    return int(w_px * h_px)


def _render_pdf_page(pdf: object, i: int, scale: float, source: str) -> PageImage:
    import pypdfium2 as pdfium

    try:
        page = pdf[i]  # type: ignore[index]
    except pdfium.PdfiumError as exc:
        raise InvalidInputError(f"PDF page {i + 1} is corrupt ({exc})", source=source) from None
    try:
        # Rendered straight into RGB byte order and copied out of PDFium's buffer once (going
        # through Pillow cost two more full-page copies: ~40 ms a page at 200 dpi).
        bitmap = page.render(scale=scale, may_draw_forms=True, rev_byteorder=True)
        try:
            arr = _bitmap_rgb(bitmap)
        finally:
            bitmap.close()
        layer = read_text_layer_safely(page, arr.shape[1], arr.shape[0])
    except pdfium.PdfiumError as exc:
        raise InvalidInputError(f"PDF page {i + 1} is corrupt ({exc})", source=source) from None
    finally:
        page.close()
    return PageImage(i, arr, source, layer)


def _bitmap_rgb(bitmap: Any) -> np.ndarray:
    """A PDFium bitmap rendered with `rev_byteorder` as a contiguous RGB uint8 copy."""
    if bitmap.mode == "RGB":
        pixels: np.ndarray = bitmap.to_numpy()  # a view of PDFium's buffer (rows may be padded)
        out = np.empty(pixels.shape, dtype=np.uint8)
        out[...] = pixels
        return out
    return np.ascontiguousarray(np.asarray(bitmap.to_pil().convert("RGB")))
