"""OCRmyPDF plugin: `ocrmypdf --plugin promptocr.ocrmypdf in.pdf out.pdf` OCRs with the
embedded engine (PP-OCRv6 on OpenVINO/onnxruntime) instead of Tesseract.

OCRmyPDF does everything around the OCR (rasterising pages, grafting the text layer onto the
original pages, PDF/A with Ghostscript, optimising); per page it hands this engine an image and
takes back hOCR (`generate_hocr`, the path of its default fpdf2 renderer) or a text-only PDF
(`generate_pdf`, for `--pdf-renderer sandwich`). Needs `pip install 'promptocr[ocrmypdf]'`;
see docs/pdf.md for what OCRmyPDF itself needs (Ghostscript for PDF/A).

One engine is loaded per OCRmyPDF worker process, on its first page.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ocrmypdf import hookimpl
from ocrmypdf.pluginspec import OcrEngine, OrientationConfidence

from promptocr import __version__

# Tesseract-style codes OCRmyPDF's `-l` accepts for this engine: the PP-OCRv6 recognizer
# reads Chinese (simplified and traditional) and English with one model, whichever is given.
LANGUAGES = frozenset({"eng", "chi_sim", "chi_tra"})

_pipeline: Any = None
_lock = threading.Lock()


def _get_pipeline() -> Any:
    global _pipeline
    if _pipeline is None:
        with _lock:
            if _pipeline is None:
                from promptocr.engines.runtime import limit_malloc_arenas
                from promptocr.pipeline import OCRPipeline

                limit_malloc_arenas(2)
                _pipeline = OCRPipeline()
    return _pipeline


def read_image(input_file: Path) -> Any:
    """OCR one page image into a `Document` (pixel coordinates of the image)."""
    from promptocr.engines.embedded import EngineSettings
    from promptocr.pipeline import ReadOptions

    pipeline = _get_pipeline()
    # The image OCRmyPDF rasterised is what we read, so the engine must not look for a text
    # layer (there is none in an image anyway).
    doc, _ = pipeline.read(
        Path(input_file), ReadOptions(), EngineSettings(text_source="ocr"), name=input_file.name
    )
    return doc


class PromptOCREngine(OcrEngine):
    """The embedded promptocr engine behind OCRmyPDF's OCR engine interface."""

    @staticmethod
    def version() -> str:
        return __version__

    @staticmethod
    def creator_tag(options: Any) -> str:
        return f"promptocr {__version__} (PP-OCRv6)"

    def __str__(self) -> str:
        return f"promptocr {__version__}"

    @staticmethod
    def languages(options: Any) -> set[str]:
        return set(LANGUAGES)

    @staticmethod
    def get_orientation(input_file: Path, options: Any) -> OrientationConfidence:
        # The engine reads turned pages itself and places the text in the page's own frame,
        # so OCRmyPDF need not turn them (--rotate-pages is a no-op with this engine).
        return OrientationConfidence(angle=0, confidence=0.0)

    @staticmethod
    def get_deskew(input_file: Path, options: Any) -> float:
        return 0.0

    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options: Any) -> None:
        from promptocr.document.export import to_hocr, to_text

        doc = read_image(Path(input_file))
        Path(output_hocr).write_text(to_hocr(doc), encoding="utf-8")
        Path(output_text).write_text(to_text(doc), encoding="utf-8")

    @staticmethod
    def generate_pdf(input_file: Path, output_pdf: Path, output_text: Path, options: Any) -> None:
        from PIL import Image

        from promptocr.document.export import to_text
        from promptocr.document.pdf import text_only_pdf

        doc = read_image(Path(input_file))
        with Image.open(input_file) as img:
            dpi = img.info.get("dpi", (300, 300))
        page = doc.pages[0]
        w_pt = page.width * 72.0 / float(dpi[0])
        h_pt = page.height * 72.0 / float(dpi[1])
        Path(output_pdf).write_bytes(text_only_pdf(page, w_pt, h_pt))
        Path(output_text).write_text(to_text(doc), encoding="utf-8")


@hookimpl
def get_ocr_engine(options: Any) -> OcrEngine | None:
    if options is not None and getattr(options, "ocr_engine", "auto") not in ("auto", None):
        return None  # `--ocr-engine tesseract` or `none` asked for another engine
    return PromptOCREngine()
