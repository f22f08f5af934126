"""The embedded ONNX engine on rendered pages: accuracy, geometry, rotation, skips, threads,
and no network access."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from promptocr import synth
from promptocr.document.model import BBox, Page
from promptocr.engines.embedded import EmbeddedEngine, EngineSettings
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage
from promptocr.pipeline import OCRPipeline, ReadOptions


def cer(got: str, want: str) -> float:
    """Character error rate: edit distance over the reference length (whitespace collapsed)."""
    g, w = " ".join(got.split()), " ".join(want.split())
    return Levenshtein.distance(g, w) / max(len(w), 1)


def iou(a: BBox, b: BBox) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def read(
    engine: EmbeddedEngine, image: Image.Image | np.ndarray, usage: Usage | None = None
) -> Page:
    arr = np.ascontiguousarray(np.asarray(image))
    return engine.read_page(PageImage(0, arr, "test.png"), usage or Usage())


def assert_lines_match(
    page: Page, want: list[synth.DrawnLine], boxes: list[BBox] | None = None
) -> None:
    """Every drawn line is found once, in order, with its box (IoU >= 0.5) and its text."""
    boxes = boxes or [tuple(float(v) for v in d.box) for d in want]  # type: ignore[misc]
    assert len(page.lines) == len(want), [ln.text for ln in page.lines]
    for ln, d, box in zip(page.lines, want, boxes, strict=True):
        assert iou(ln.bbox, box) >= 0.5, (ln.text, ln.bbox, box)
        assert cer(ln.text, d.text) <= 0.05, (ln.text, d.text)


def test_english_page_text_and_boxes(engine: EmbeddedEngine) -> None:
    canvas = synth.english_page()
    usage = Usage()
    page = read(engine, canvas.image, usage)
    want = " ".join(d.text for d in canvas.lines)
    assert cer(page.text, want) <= 0.02, page.text
    assert_lines_match(page, canvas.lines)
    assert page.rotation == 0 and (page.width, page.height) == canvas.image.size
    assert usage.stages_ms["detect"] > 0 and usage.stages_ms["recognize"] > 0
    assert usage.lines_recognized == len(canvas.lines)
    for ln in page.lines:
        assert 0.5 <= ln.confidence <= 1.0
        assert " ".join(w.text for w in ln.words) == " ".join(ln.text.split())
        x0, y0, x1, y1 = ln.bbox
        prev = x0 - 1
        for w in ln.words:  # words lie inside their line, left to right
            assert x0 - 1 <= w.bbox[0] < w.bbox[2] <= x1 + 1 and y0 - 1 <= w.bbox[1]
            assert w.bbox[0] >= prev - 1
            prev = w.bbox[2]
            assert 0.0 <= w.confidence <= 1.0


def test_chinese_page_text_and_boxes(engine: EmbeddedEngine) -> None:
    canvas = synth.chinese_page()
    page = read(engine, canvas.image)
    got = "".join(page.text.split())
    want = "".join(d.text for d in canvas.lines)
    assert Levenshtein.distance(got, want) / len(want) <= 0.02, page.text
    assert_lines_match(page, canvas.lines)


def rotate_box(box: tuple[int, int, int, int], k: int, w: int, h: int) -> BBox:
    """Where a box of a w x h image lands after np.rot90(image, k) (k quarter turns CCW)."""
    x0, y0, x1, y1 = (float(v) for v in box)
    pts = [(x0, y0), (x1, y1)]
    for _ in range(k % 4):
        pts = [(y, w - x) for x, y in pts]
        w, h = h, w
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (min(xs), min(ys), max(xs), max(ys))


@pytest.mark.parametrize(("k", "rotation"), [(1, 270), (2, 180), (3, 90)])
def test_rotated_page_is_read_upright_with_geometry_in_the_file_frame(
    engine: EmbeddedEngine, k: int, rotation: int
) -> None:
    canvas = synth.english_page()
    w, h = canvas.image.size
    turned = np.rot90(np.asarray(canvas.image), k)
    usage = Usage()
    page = read(engine, turned, usage)
    assert page.rotation == rotation
    assert (page.width, page.height) == (turned.shape[1], turned.shape[0])
    assert "page_orientation" in usage.stages_ms
    want = " ".join(d.text for d in canvas.lines)
    assert cer(page.text, want) <= 0.02, page.text
    assert_lines_match(page, canvas.lines, [rotate_box(d.box, k, w, h) for d in canvas.lines])
    # polygons start at the text's own top-left corner and run along the reading direction
    first = page.lines[0].polygon
    start = rotate_box(canvas.lines[0].box, k, w, h)
    corner = {1: (start[0], start[3]), 2: (start[2], start[3]), 3: (start[2], start[1])}[k]
    assert abs(first[0][0] - corner[0]) <= 12 and abs(first[0][1] - corner[1]) <= 12


def test_blank_page_skips_detection_and_recognition(engine: EmbeddedEngine) -> None:
    usage = Usage()
    page = read(engine, Image.new("RGB", (800, 600), "white"), usage)
    assert page.blocks == [] and page.text == ""
    assert usage.skipped["detect"] == "blank page"
    assert usage.skipped["recognize"] == "blank page"
    assert "detect" not in usage.stages_ms and "recognize" not in usage.stages_ms


def test_tiny_single_line_image_is_read_without_detection(engine: EmbeddedEngine) -> None:
    canvas = synth.text_image("ABC 1234", size=17)
    assert canvas.image.size[1] <= 24
    usage = Usage()
    page = read(engine, canvas.image, usage)
    assert page.text.replace(" ", "") == "ABC1234"
    assert "single-line" in usage.skipped["detect"]
    assert "detect" not in usage.stages_ms
    (line,) = page.lines
    assert line.bbox == (0.0, 0.0, float(canvas.image.width), float(canvas.image.height))


def test_concurrent_reads_match_sequential_ones(engine: EmbeddedEngine) -> None:
    images = [
        np.asarray(synth.english_page().image),
        np.asarray(synth.chinese_page().image),
        np.asarray(synth.receipt().image),
        np.rot90(np.asarray(synth.english_page().image)),
    ]
    pages = [PageImage(i, np.ascontiguousarray(im), f"p{i}.png") for i, im in enumerate(images)]
    sequential = [engine.read_page(p, Usage()).to_dict() for p in pages]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda p: engine.read_page(p, Usage()).to_dict(), pages * 2))
    assert len(concurrent) == 8
    for got, want in zip(concurrent, sequential * 2, strict=True):
        assert_same_page(got, want)


def assert_same_page(got: object, want: object, path: str = "page") -> None:
    """Equal texts and structure; numbers equal up to float noise (0.5 px, 0.001 conf)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), path
        for k in want:
            assert_same_page(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same_page(g, w, f"{path}[{i}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        assert isinstance(got, float) and abs(got - want) <= 0.5, (path, got, want)
        if path.endswith("confidence"):
            assert abs(got - want) <= 1e-3, (path, got, want)
    else:
        assert got == want, (path, got, want)


def test_multi_page_pdf_and_tiff_through_the_pipeline(
    pipeline: OCRPipeline, tmp_path: Path
) -> None:
    images = [synth.numbered_page(n).image for n in (1, 2, 3)]
    pdf = tmp_path / "three.pdf"
    pdf.write_bytes(synth.pdf_from_images(images, dpi=150))
    tiff = synth.save_tiff(images, tmp_path / "three.tiff")
    for path, opts in ((pdf, ReadOptions(dpi=150)), (tiff, ReadOptions())):
        doc, usage = pipeline.read(path, opts)
        assert [p.index for p in doc.pages] == [0, 1, 2]
        for n, p in enumerate(doc.pages, start=1):
            assert cer(p.text, f"This is page number {n} Section {n} of the test document") <= 0.02
            assert (p.width, p.height) == images[0].size
        assert usage.pages == 3
        picked, _ = pipeline.read(path, ReadOptions(dpi=150, pages="2-3"))
        assert [p.index for p in picked.pages] == [1, 2]
        assert "page number 3" in picked.pages[1].text


def test_pdf_text_layer_replaces_ocr_only_when_asked(pipeline: OCRPipeline) -> None:
    # Page 1: a scanned image with an invisible text layer that says something else, so we can
    # tell which one was used. Page 2: a scan without a text layer, which is always OCR'd.
    first = synth.english_page(lines=["What the pixels say"]).image
    second = synth.english_page(lines=["Only pixels here"]).image
    pages = [
        synth.PdfPage(width_pt=im.width * 72 / 150, height_pt=im.height * 72 / 150, image=im)
        for im in (first, second)
    ]
    pages[0].texts = [(20, 20, 12, "What the text layer says")]
    pages[0].invisible_text = True
    data = synth.write_pdf(pages)
    doc, usage = pipeline.read(data, ReadOptions(dpi=150), name="scan.pdf")
    assert cer(doc.pages[0].text, "What the pixels say") <= 0.05
    assert cer(doc.pages[1].text, "Only pixels here") <= 0.05
    assert usage.stage_calls["detect"] == 2
    pdf_source = EngineSettings(text_source="pdf")
    doc, usage = pipeline.read(data, ReadOptions(dpi=150), pdf_source, name="scan.pdf")
    assert doc.pages[0].text == "What the text layer says"
    assert doc.pages[0].lines[0].confidence == 1.0
    assert [w.text for w in doc.pages[0].lines[0].words] == ["What", "the", "text", "layer", "says"]
    assert cer(doc.pages[1].text, "Only pixels here") <= 0.05
    assert "text layer" in usage.skipped["detect"]
    assert usage.cache == {"hits": 1, "misses": 1}  # page 2 came from the first read's cache


OFFLINE_PRELUDE = """
import socket
attempts = []
def blocked(*args, **kwargs):
    attempts.append(args[:2])
    raise OSError("network access attempted")
socket.socket.connect = blocked
socket.socket.connect_ex = blocked
socket.create_connection = blocked
socket.getaddrinfo = blocked
"""

OFFLINE_BODY = """
from promptocr.pipeline import OCRPipeline
from promptocr.engines.embedded import EmbeddedEngine
pipeline = OCRPipeline(EmbeddedEngine())
pipeline.engine.warm_up()
_ = pipeline.engine.line_classifier
doc, usage = pipeline.read(sys.argv[1])
print(doc.text.replace("\\n", " "))
print("ATTEMPTS", len(attempts))
"""


def test_no_network_access_at_run_time(tmp_path: Path) -> None:
    path = synth.english_page(lines=["Nothing is downloaded"]).save(tmp_path / "offline.png")
    code = "import sys\n" + textwrap.dedent(OFFLINE_PRELUDE) + textwrap.dedent(OFFLINE_BODY)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NO_PROXY": "*"},
    )
    assert proc.returncode == 0, proc.stderr
    text, attempts = proc.stdout.strip().splitlines()[-2:]
    assert cer(text, "Nothing is downloaded") <= 0.05
    assert attempts == "ATTEMPTS 0"
