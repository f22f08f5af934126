"""The OCRmyPDF plugin, run through the real `ocrmypdf` command on a generated scanned PDF."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from rapidfuzz.distance import Levenshtein

from promptocr import synth

ROOT = Path(__file__).resolve().parents[2]
LINES = [
    ["Invoice number 48213", "Total amount due 1,284.50 EUR"],
    ["Second page of the scan", "Signed on Friday at noon"],
]


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ocrmypdf") / "scan.pdf"
    images = [synth.english_page(lines=lines).image for lines in LINES]
    path.write_bytes(synth.pdf_from_images(images, dpi=150))
    return path


def run_ocrmypdf(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run(
        [sys.executable, "-m", "ocrmypdf", "--plugin", "promptocr.ocrmypdf", "-j", "1", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


@pytest.mark.parametrize("renderer", ["auto", "sandwich"])
def test_ocrmypdf_with_the_plugin_makes_the_scan_searchable(
    scan: Path, tmp_path: Path, renderer: str
) -> None:
    out = tmp_path / "out.pdf"
    run = run_ocrmypdf("--output-type", "pdf", "--pdf-renderer", renderer, str(scan), str(out))
    assert run.returncode == 0, run.stderr[-3000:]
    pdf = pdfium.PdfDocument(out.read_bytes())
    assert len(pdf) == len(LINES)
    for page, lines in zip(pdf, LINES, strict=True):
        got = norm(page.get_textpage().get_text_range())
        assert Levenshtein.normalized_distance(got, norm(" ".join(lines))) < 0.05, got
    pdf.close()
    with pikepdf.open(out) as done:  # OCRmyPDF names the engine in the metadata
        producer = str(done.open_metadata().get("xmp:CreatorTool", ""))
    assert "promptocr" in producer


def test_pdfa_without_ghostscript(tmp_path: Path) -> None:
    """PDF/A-2b through OCRmyPDF's own PDF/A backend (pikepdf), no Ghostscript involved, on a
    scan that carries no fonts (as a scanner or Pillow writes it). docs/pdf.md says when
    Ghostscript is needed and which version."""
    scan = tmp_path / "scan.pdf"
    synth.english_page(lines=LINES[0]).image.save(scan, resolution=150)
    out = tmp_path / "out.pdf"
    run = run_ocrmypdf("--output-type", "pdfa", "--pdfa-backend", "internal", str(scan), str(out))
    assert run.returncode == 0, run.stderr[-3000:]
    with pikepdf.open(out) as done:
        meta = done.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("2", "B")
    pdf = pdfium.PdfDocument(out.read_bytes())
    got = norm(pdf[0].get_textpage().get_text_range())
    pdf.close()
    assert Levenshtein.normalized_distance(got, norm(" ".join(LINES[0]))) < 0.05, got
