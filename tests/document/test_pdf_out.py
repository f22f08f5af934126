"""Searchable PDF out: the text read back with pypdfium2 equals ours and sits on our words;
original pages and images are kept byte for byte."""

from __future__ import annotations

import ctypes
import io
import json
import subprocess
import sys
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

from promptocr import synth
from promptocr.document.model import Document, Line, Page, Word, polygon_of
from promptocr.document.pdf import to_searchable_pdf
from promptocr.pipeline import OCRPipeline, ReadOptions

PxBox = tuple[float, float, float, float]


def norm(text: str) -> str:
    return " ".join(text.split())


def extracted_words(data: bytes, index: int, width: int, height: int) -> list[tuple[str, PxBox]]:
    """Words as pdfium reads them back (split at whitespace), each with the union of its
    characters' loose boxes mapped to the page's pixels by pdfium itself (/Rotate and crop
    box included)."""
    pdf = pdfium.PdfDocument(data)
    page = pdf[index]
    tp = page.get_textpage()

    def to_px(x: float, y: float) -> tuple[float, float]:
        dx, dy = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDF_PageToDevice(
            page.raw, 0, 0, width, height, 0, x, y, ctypes.byref(dx), ctypes.byref(dy)
        )
        return float(dx.value), float(dy.value)

    words: list[tuple[str, PxBox]] = []
    cur, boxes = "", []
    for i in range(tp.count_chars()):
        ch = tp.get_text_range(i, 1)
        if not ch or ch.isspace():
            if cur:
                words.append((cur, _union(boxes)))
            cur, boxes = "", []
            continue
        left, bottom, right, top = tp.get_charbox(i, loose=True)
        (xa, ya), (xb, yb) = to_px(left, top), to_px(right, bottom)
        cur += ch
        boxes.append((min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)))
    if cur:
        words.append((cur, _union(boxes)))
    tp.close()
    page.close()
    pdf.close()
    return words


def _union(boxes: list[PxBox]) -> PxBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def page_text(data: bytes, index: int) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        tp = pdf[index].get_textpage()
        return str(tp.get_text_range())
    finally:
        pdf.close()


def assert_words_match(page: Page, got: list[tuple[str, PxBox]], tol: float) -> None:
    """Same words, boxes within `tol` pixels (pdfium rounds to whole pixels), plus 6% of the
    text height where a word's run was narrowed to make room for the space after it."""
    ours = [(w.text, w.bbox) for w in page.words]
    assert [t for t, _ in got] == [t for t, _ in ours]
    for (text, box), (_, mine) in zip(got, ours, strict=True):
        slack = tol + 0.06 * (mine[3] - mine[1])
        for a, b in zip(box, mine, strict=True):
            assert abs(a - b) <= slack, (text, box, mine)


def hand_page(index: int, width: int, height: int, rows: list[tuple[PxBox, list[str]]]) -> Page:
    """A page whose words sit at known boxes: each row's box is split evenly by characters."""
    lines = []
    for (x0, y0, x1, y1), words in rows:
        n = sum(len(w) for w in words) + len(words) - 1
        step = (x1 - x0) / n
        ws, x = [], x0
        for w in words:
            ws.append(Word(w, 0.9, polygon_of((x, y0, x + step * len(w), y1))))
            x += step * (len(w) + 1)
        lines.append(Line(" ".join(words), 0.9, polygon_of((x0, y0, x1, y1)), ws))
    from promptocr.document.layout import build_blocks

    return Page(index, width, height, build_blocks(lines))


def image_xobjects(data: bytes) -> list[bytes]:
    """Raw (still encoded) bytes of every image XObject, page by page."""
    out = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for _, img in page.get_images().items():
                out.append(bytes(img.read_raw_bytes()))
    return out


# --------------------------------------------------------------------------------------------


def test_png_read_back_equals_our_text_and_boxes(pipeline: OCRPipeline) -> None:
    canvas = synth.english_page()
    buf = io.BytesIO()
    canvas.image.save(buf, format="PNG")
    png = buf.getvalue()
    doc, _ = pipeline.read(png, name="page.png")
    out = to_searchable_pdf(doc, png)
    page = doc.pages[0]
    assert norm(page_text(out, 0)) == norm(page.text)
    assert_words_match(page, extracted_words(out, 0, page.width, page.height), tol=1.5)
    # Lossless: the pixels in the PDF are the PNG's pixels.
    with pikepdf.open(io.BytesIO(out)) as pdf:
        (img,) = pdf.pages[0].get_images().values()
        pil = pikepdf.PdfImage(img).as_pil_image()
    assert pil.tobytes() == canvas.image.convert("RGB").tobytes()


def test_cjk_and_mixed_text_round_trip() -> None:
    img = Image.new("RGB", (800, 400), "white")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90, dpi=(150, 150))
    jpeg = buf.getvalue()
    page = hand_page(
        0,
        800,
        400,
        [
            ((40, 40, 700, 90), ["中华人民共和国", "居民身份证"]),
            ((40, 140, 600, 180), ["姓名", "李明华", "(Li", "Minghua)"]),
            ((40, 240, 300, 270), ["总计:", "¥1,284.50"]),
        ],
    )
    doc = Document([page], source="card.jpg")
    out = to_searchable_pdf(doc, jpeg)
    assert norm(page_text(out, 0)) == norm(page.text)
    assert_words_match(page, extracted_words(out, 0, 800, 400), tol=1.0)
    # The JPEG is embedded as its own DCT bytes, and the page is sized from its 150 dpi.
    assert image_xobjects(out) == [jpeg]
    with pikepdf.open(io.BytesIO(out)) as pdf:
        box = [float(v) for v in pdf.pages[0].mediabox]
    assert box == pytest.approx([0, 0, 800 * 72 / 150, 400 * 72 / 150])
    # A character beyond the BMP is written as its surrogate pair and read back whole.
    rare = Document([hand_page(0, 800, 400, [((40, 40, 300, 90), ["𠀋𠀌", "ok"])])])
    assert norm(page_text(to_searchable_pdf(rare, jpeg), 0)) == "𠀋𠀌 ok"


def test_scanned_pdf_keeps_its_pages_and_images(pipeline: OCRPipeline) -> None:
    images = [synth.numbered_page(n).image for n in (1, 2)]
    original = synth.pdf_from_images(images, dpi=100)
    doc, _ = pipeline.read(original, ReadOptions(dpi=100), name="scan.pdf")
    out = to_searchable_pdf(doc, original)
    with pikepdf.open(io.BytesIO(original)) as src, pikepdf.open(io.BytesIO(out)) as dst:
        assert len(dst.pages) == len(src.pages) == 2
        for a, b in zip(src.pages, dst.pages, strict=True):
            old = bytes(a.obj.Contents.read_raw_bytes())
            streams = b.obj.Contents
            raw = [bytes(s.read_raw_bytes()) for s in streams]
            assert old in raw  # the page's own content stream, byte for byte
            assert [float(v) for v in a.mediabox] == [float(v) for v in b.mediabox]
    assert image_xobjects(out) == image_xobjects(original)
    for page in doc.pages:
        assert norm(page_text(out, page.index)) == norm(page.text)
        got = extracted_words(out, page.index, page.width, page.height)
        assert_words_match(page, got, tol=1.5)


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_rotated_and_cropped_pdf_page(rotate: int) -> None:
    """Words land where they are in the displayed (rotated, cropped) page's pixels."""
    original = synth.write_pdf([synth.PdfPage(width_pt=400, height_pt=300, rotate=rotate)])
    with pikepdf.open(io.BytesIO(original)) as pdf:  # a crop box off the origin
        pdf.pages[0].obj["/CropBox"] = [20, 10, 380, 290]
        buf = io.BytesIO()
        pdf.save(buf)
        w_pt, h_pt = (280, 360) if rotate in (90, 270) else (360, 280)
    width, height = round(w_pt * 2), round(h_pt * 2)  # as rendered at 144 dpi
    page = hand_page(
        0,
        width,
        height,
        [((30, 40, 400, 80), ["Rotated", "page", "text"]), ((30, 200, 300, 230), ["第二行"])],
    )
    out = to_searchable_pdf(Document([page]), original)
    assert norm(page_text(out, 0)) == norm(page.text)
    assert_words_match(page, extracted_words(out, 0, width, height), tol=1.5)


def test_lines_from_the_pdf_text_layer_are_not_drawn_twice() -> None:
    original = synth.write_pdf([synth.PdfPage(texts=[(72, 72, 20, "Already here")])])
    page = hand_page(0, 850, 1100, [((100, 100, 400, 130), ["Already", "here"])])
    page.lines[0].origin = "pdf_text"
    out = to_searchable_pdf(Document([page]), original)
    assert norm(page_text(out, 0)) == "Already here"


def test_cli_writes_a_searchable_pdf(tmp_path: Path) -> None:
    src = synth.english_page(lines=["Searchable output", "Second line 42"]).save(
        tmp_path / "page.png"
    )
    run = subprocess.run(
        [sys.executable, "-m", "promptocr.cli.main", "read", "-q", "--format", "pdf",
         "-o", str(tmp_path / "out"), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    data = (tmp_path / "out" / "page.pdf").read_bytes()
    assert norm(page_text(data, 0)) == "Searchable output Second line 42"
    # Several files to stdout is refused (binary output needs -o DIR).
    two = subprocess.run(
        [sys.executable, "-m", "promptocr.cli.main", "read", "--format", "pdf", str(src), str(src)],
        capture_output=True,
        timeout=60,
    )
    assert two.returncode == 2
    assert b"needs -o DIR" in two.stderr


def test_born_digital_pdf_round_trip(pipeline: OCRPipeline) -> None:
    """A digital page read from its own layer gets no second copy of that text; a picture of
    text on it gets its OCR'd words, so the whole page reads back as our document."""
    original = synth.digital_page_with_picture()
    doc, _ = pipeline.read(original, ReadOptions(dpi=100), name="mixed.pdf")
    assert {ln.origin for ln in doc.pages[0].lines} == {"pdf_text", "ocr"}
    out = to_searchable_pdf(doc, original)
    got = sorted(norm(page_text(out, 0)).split())
    assert got == sorted(norm(doc.pages[0].text).split())  # each word once
    # The picture's words sit where OCR found them.
    page = doc.pages[0]
    extracted = extracted_words(out, 0, page.width, page.height)
    ocr_words = [w for ln in page.lines if ln.origin == "ocr" for w in ln.words]
    assert len(ocr_words) >= 4
    for word in ocr_words:
        boxes = [box for text, box in extracted if text == word.text]
        slack = 1.5 + 0.06 * (word.bbox[3] - word.bbox[1])
        assert any(
            all(abs(a - b) <= slack for a, b in zip(box, word.bbox, strict=True)) for box in boxes
        ), (word.text, boxes, word.bbox)


def test_cli_searchable_pdf_of_a_page_with_an_empty_media_box(tmp_path: Path) -> None:
    """A page whose /MediaBox is empty ([0 0 0 0]) is rendered by PDFium as US Letter and OCR'd;
    its text layer used to be scaled to nothing (no searchable text at all)."""
    image = synth.english_page(lines=["Empty media box", "Still searchable 7"]).image
    with pikepdf.open(io.BytesIO(synth.pdf_from_images([image], dpi=120))) as pdf:
        pdf.pages[0].obj["/MediaBox"] = [0, 0, 0, 0]
        pdf.save(tmp_path / "zero.pdf")
    cli = [sys.executable, "-m", "promptocr.cli.main", "read", "-q", str(tmp_path / "zero.pdf")]
    read = subprocess.run([*cli, "--text-source", "ocr"], capture_output=True, timeout=300)
    assert read.returncode == 0, read.stderr
    page = Page.from_dict(json.loads(read.stdout)["document"]["pages"][0])
    assert "Still searchable" in page.text
    out = subprocess.run(
        [*cli, "--format", "pdf", "-o", str(tmp_path / "out")], capture_output=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    data = (tmp_path / "out" / "zero.pdf").read_bytes()
    assert norm(page_text(data, 0)) == norm(page.text)
    assert_words_match(page, extracted_words(data, 0, page.width, page.height), tol=1.5)
