"""Turn a file (path or bytes) into page images, refusing bad input before any big allocation.

Images are decoded with Pillow (header first, so the pixel limit is checked before decoding) and
PDFs are rendered with pypdfium2 (page count and page size checked before rendering).
"""

from __future__ import annotations

import io
import warnings
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
    UnsupportedFormatError,
)

# We do our own pixel check (with a clear message) before decoding; keep Pillow's as a backstop
# that turns into an error rather than a warning.
warnings.simplefilter("error", Image.DecompressionBombWarning)


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Refusal thresholds; the server and CLI expose each one as a setting."""

    max_pixels: int = 50_000_000  # per page, after PDF rendering
    max_pages: int = 200  # per document, checked before anything is rendered
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
        data = path.read_bytes()
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


def _load_image(
    data: bytes, source: str, pages: str | None, limits: InputLimits, kind: str
) -> list[PageImage]:
    try:
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        if kind == "unknown":
            raise UnsupportedFormatError(
                "not an image or PDF (supported: PNG, JPEG, WebP, BMP, GIF, TIFF, PDF)",
                source=source,
            ) from None
        raise InvalidInputError("image header is corrupt", source=source) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputTooLargeError(
            "image declares too many pixels (decompression bomb?)", source=source
        ) from None
    except Exception as exc:  # Pillow raises many types for broken headers
        raise InvalidInputError(f"image header is corrupt ({exc})", source=source) from None
    if img.format not in IMAGE_FORMATS:
        raise UnsupportedFormatError(
            f"image format {img.format} is not supported "
            "(supported: PNG, JPEG, WebP, BMP, GIF, TIFF, PDF)",
            source=source,
        )
    n_frames = getattr(img, "n_frames", 1) if img.format == "TIFF" else 1
    if n_frames > limits.max_pages:
        raise InputTooLargeError(
            f"TIFF has {n_frames} pages, over the limit of {limits.max_pages}", source=source
        )
    wanted = parse_page_range(pages, n_frames, source)
    out: list[PageImage] = []
    frames: Iterator[Image.Image] = ImageSequence.Iterator(img) if n_frames > 1 else iter([img])
    for i, frame in enumerate(frames):
        if i not in wanted:
            continue
        w, h = frame.size
        if w * h > limits.max_pixels:
            raise InputTooLargeError(
                f"page {i + 1} is {w}x{h} = {w * h} pixels, over the limit of {limits.max_pixels}",
                source=source,
            )
        if w < 1 or h < 1:
            raise InvalidInputError("image has zero size", source=source)
        try:
            frame.load()
            rgb = to_rgb(frame)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InputTooLargeError(
                "image declares too many pixels (decompression bomb?)", source=source
            ) from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise InvalidInputError(
                f"image data is truncated or corrupt ({exc})", source=source
            ) from None
        out.append(PageImage(i, np.ascontiguousarray(np.asarray(rgb)), source))
    return out


def to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode -> 8-bit RGB upright: EXIF orientation, 16-bit, palette, alpha, CMYK."""
    img = ImageOps.exif_transpose(img) or img
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        if hi <= lo:
            scaled = np.zeros(arr.shape, dtype=np.uint8)
        else:
            scaled = ((arr - lo) * (255.0 / (hi - lo))).clip(0, 255).astype(np.uint8)
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


def _load_pdf(
    data: bytes, source: str, pages: str | None, dpi: int, limits: InputLimits, use_pdf_text: bool
) -> list[PageImage]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise EncryptedPDFError(
                "PDF is encrypted (password protected); decrypt it first", source=source
            ) from None
        raise InvalidInputError(f"PDF is corrupt or truncated ({exc})", source=source) from None
    try:
        total = len(pdf)
        if total == 0:
            raise InvalidInputError("PDF has no pages", source=source)
        if total > limits.max_pages:
            raise InputTooLargeError(
                f"PDF has {total} pages, over the limit of {limits.max_pages}", source=source
            )
        wanted = parse_page_range(pages, total, source)
        scale = dpi / 72.0
        out: list[PageImage] = []
        for i in wanted:
            page = pdf[i]
            try:
                w_pt, h_pt = page.get_size()
                w_px, h_px = int(w_pt * scale), int(h_pt * scale)
                if w_px * h_px > limits.max_pixels:
                    raise InputTooLargeError(
                        f"page {i + 1} at {dpi} dpi is {w_px}x{h_px} pixels, over the limit of "
                        f"{limits.max_pixels}; lower the DPI",
                        source=source,
                    )
                bitmap = page.render(scale=scale, rotation=0)
                arr = np.ascontiguousarray(bitmap.to_numpy()[:, :, :3][:, :, ::-1])
                if bitmap.format != 2:  # pdfium FPDFBitmap_BGR* gives BGR(x); convert to RGB
                    pil = bitmap.to_pil().convert("RGB")
                    arr = np.ascontiguousarray(np.asarray(pil))
                pdf_text = _pdf_text_lines(page, scale, h_pt) if use_pdf_text else None
            finally:
                page.close()
            out.append(PageImage(i, arr, source, pdf_text))
        return out
    finally:
        pdf.close()


def _pdf_text_lines(
    page: object, scale: float, h_pt: float
) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The page's own text layer as (text, pixel bbox) segments, if it has one."""
    textpage = page.get_textpage()  # type: ignore[attr-defined]
    try:
        out: list[tuple[str, tuple[float, float, float, float]]] = []
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top).strip()
            if text:
                box = (left * scale, (h_pt - top) * scale, right * scale, (h_pt - bottom) * scale)
                out.append((text, box))
        return out
    finally:
        textpage.close()
