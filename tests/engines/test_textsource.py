"""Born-digital PDFs: a real text layer replaces OCR (auto), a fake one does not."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pytest
from rapidfuzz.distance import Levenshtein

from promptocr import synth
from promptocr.document.model import Document
from promptocr.document.pdf import to_searchable_pdf
from promptocr.document.schema import validate_document
from promptocr.engines.embedded import EngineSettings
from promptocr.engines.textsource import SKIP_REASON
from promptocr.pipeline import OCRPipeline, ReadOptions

AUTO, OCR, PDF = (EngineSettings(text_source=v) for v in ("auto", "ocr", "pdf"))


def norm(text: str) -> str:
    return " ".join(text.split())


def cer(got: str, want: str) -> float:
    return Levenshtein.normalized_distance(norm(got), norm(want))


def layer_text(data: bytes, index: int = 0) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return str(pdf[index].get_textpage().get_text_range())
    finally:
        pdf.close()


def page_lines(k: int) -> list[str]:
    return [f"Page {k + 1} line {i + 1}: invoice total {i * 17 + k}.50 EUR" for i in range(12)]


def digital_pdf(n_pages: int = 2) -> bytes:
    """Helvetica text, 12 lines a page; the second page is shown turned (/Rotate 90)."""
    pages = []
    for k in range(n_pages):
        texts = [(60, 60 + 22 * i, 12, text) for i, text in enumerate(page_lines(k))]
        pages.append(synth.PdfPage(texts=texts, rotate=90 if k == 1 else 0))
    return synth.write_pdf(pages)


def test_born_digital_pages_are_read_from_the_layer_without_ocr(pipeline: OCRPipeline) -> None:
    data = digital_pdf()
    doc, usage = pipeline.read(data, ReadOptions(dpi=100), AUTO, name="digital.pdf")
    for page in doc.pages:
        # The layer's own text, in reading order (the turned page read upright).
        assert norm(page.text) == norm(" ".join(page_lines(page.index)))
        assert sorted(norm(layer_text(data, page.index)).split()) == sorted(page.text.split())
        assert all(ln.origin == "pdf_text" and ln.confidence == 1.0 for ln in page.lines)
    assert usage.skipped["recognize"] == SKIP_REASON
    assert "recognize" not in usage.stage_calls and "detect" not in usage.stage_calls
    assert usage.stage_calls["text_layer_check"] == 2
    payload = doc.to_dict()
    validate_document(payload)
    assert payload["pages"][0]["blocks"][0]["lines"][0]["origin"] == "pdf_text"
    # Word boxes sit on the words: the first word of page 1 is at x=60pt, y=60pt (100 dpi).
    first = doc.pages[0].lines[0].words[0]
    assert first.text == "Page"
    x0, y0, _, _ = first.bbox
    assert abs(x0 - 60 * 100 / 72) < 3 and abs(y0 - 60 * 100 / 72) < 6
    # The rotated page (/Rotate 90): text runs top to bottom in the displayed page.
    rotated = doc.pages[1]
    assert rotated.width > rotated.height and rotated.rotation == 90
    line = rotated.lines[0]
    assert line.bbox[3] - line.bbox[1] > 5 * (line.bbox[2] - line.bbox[0])
    # ocr ignores the layer.
    again, usage = pipeline.read(data, ReadOptions(dpi=100, pages="1"), OCR, name="digital.pdf")
    assert usage.stage_calls["recognize"] >= 1
    assert all(ln.origin == "ocr" for ln in again.pages[0].lines)
    assert cer(again.pages[0].text, doc.pages[0].text) < 0.05


def scan_with_layer(layer_words: str | None, pixels: str) -> bytes:
    """A scanned page showing `pixels`, with an invisible layer saying `layer_words` exactly
    where the pixels' words are (so only the text itself can tell them apart)."""
    canvas = synth.english_page(lines=[pixels])
    scan = synth.pdf_from_images([canvas.image], dpi=100)
    if layer_words is None:
        return scan
    from promptocr.document.layout import build_blocks
    from promptocr.document.model import Line, Page, Word, polygon_of

    (drawn,) = canvas.lines
    x0, y0, x1, y1 = drawn.box
    words = layer_words.split()
    step = (x1 - x0) / len(words)
    ws = [
        Word(w, 1.0, polygon_of((x0 + i * step, y0, x0 + (i + 1) * step - 4, y1)))
        for i, w in enumerate(words)
    ]
    line = Line(layer_words, 1.0, polygon_of(drawn.box), ws)
    page = Page(0, canvas.image.width, canvas.image.height, build_blocks([line]))
    return to_searchable_pdf(Document([page]), scan)


def test_a_scan_with_a_wrong_ocr_layer_is_ocrd(pipeline: OCRPipeline) -> None:
    data = scan_with_layer("Totally different words here", "What the pixels really say")
    doc, usage = pipeline.read(data, ReadOptions(dpi=100), AUTO, name="scan.pdf")
    assert cer(doc.pages[0].text, "What the pixels really say") < 0.1
    assert any("text layer not used" in n and "differs" in n for n in usage.notes)
    assert usage.stage_calls["recognize"] >= 1
    # text_source=pdf takes the layer anyway.
    doc, _ = pipeline.read(data, ReadOptions(dpi=100), PDF, name="scan.pdf")
    assert doc.pages[0].text == "Totally different words here"


def test_a_scan_with_a_matching_ocr_layer_reuses_it(pipeline: OCRPipeline) -> None:
    data = scan_with_layer("What the pixels really say", "What the pixels really say")
    doc, usage = pipeline.read(data, ReadOptions(dpi=100), AUTO, name="scan.pdf")
    assert doc.pages[0].text == "What the pixels really say"
    assert usage.skipped["recognize"] == SKIP_REASON


def test_the_layer_check_reads_at_full_width(
    pipeline: OCRPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check compares the layer's words with what recognition reads at their place: it
    reads every crop at full width (`squeeze=1.0`), never some narrowed by `auto`."""
    rec = pipeline.engine.recognizer
    calls: list[dict[str, Any]] = []

    def recognizer(crops: list[Any], *args: Any, **kw: Any) -> Any:
        calls.append(kw)
        return rec(crops, *args, **kw)

    monkeypatch.setattr(pipeline.engine, "_rec", recognizer)
    data = scan_with_layer("What the pixels really say", "What the pixels really say")
    doc, usage = pipeline.read(data, ReadOptions(dpi=100), AUTO, name="scan.pdf")
    assert usage.skipped["recognize"] == SKIP_REASON  # only the check recognised
    assert calls and all(kw.get("squeeze") == 1.0 for kw in calls)


def test_unmapped_and_misplaced_layers_are_ocrd(pipeline: OCRPipeline) -> None:
    # Private-use characters: what a font without a ToUnicode map extracts as.
    garbage = scan_with_layer("\ue001\ue002\ue003 \ue004\ue005", "Readable words on the page")
    doc, usage = pipeline.read(garbage, ReadOptions(dpi=100), AUTO, name="g.pdf")
    assert cer(doc.pages[0].text, "Readable words on the page") < 0.1
    assert any("unmapped" in n for n in usage.notes)
    # An invisible layer away from the visible text.
    image = synth.english_page(lines=["Visible text at the top"]).image
    page = synth.PdfPage(
        width_pt=image.width * 72 / 100,
        height_pt=image.height * 72 / 100,
        image=image,
        texts=[(20, 150, 10, "Hidden words far below the text")],
        invisible_text=True,
    )
    misplaced = synth.write_pdf([page])
    doc, usage = pipeline.read(misplaced, ReadOptions(dpi=100), AUTO, name="m.pdf")
    assert cer(doc.pages[0].text, "Visible text at the top") < 0.1
    assert any("text layer not used" in n for n in usage.notes)


def test_raster_image_on_a_digital_page_is_ocrd_by_region(pipeline: OCRPipeline) -> None:
    data = synth.digital_page_with_picture()
    doc, usage = pipeline.read(data, ReadOptions(dpi=100), AUTO, name="mixed.pdf")
    page_doc = doc.pages[0]
    texts = [ln.text for ln in page_doc.lines]
    assert "Digital heading line" in texts and "Footer" in texts
    ocrd = [ln for ln in page_doc.lines if ln.origin == "ocr"]
    assert len(ocrd) == 1 and cer(ocrd[0].text, "Words inside a picture 42") < 0.1
    # The OCR'd line sits inside the picture's place on the page (y from 200pt down).
    assert ocrd[0].bbox[1] > 200 * 100 / 72 - 5
    assert usage.stage_calls["image_region_ocr"] == 1
    assert usage.skipped["recognize"] == SKIP_REASON
    assert [(d["page"], d["lines"]) for d in usage.rec_squeeze] == [(1, 1)]
    # two pictures, each OCR'd on its own: still one `rec_squeeze` entry for the page
    data = synth.digital_page_with_picture(pictures=2)
    doc, usage = pipeline.read(data, ReadOptions(dpi=100), AUTO, name="mixed2.pdf")
    ocrd = sorted(ln.text for ln in doc.pages[0].lines if ln.origin == "ocr")
    assert len(ocrd) == 2 and cer(ocrd[1], "Words inside a picture 42") < 0.1, ocrd
    assert usage.stage_calls["image_region_ocr"] == 2
    assert [(d["page"], d["lines"]) for d in usage.rec_squeeze] == [(1, 2)]


def test_the_quick_ink_check_only_ever_accepts(pipeline: OCRPipeline) -> None:
    """Pages without raster images are first tested against their ink (no detection); only a
    page whose ink all lies under the layer's words, and whose words all lie on ink, is
    accepted that way. Anything else goes to the detection, which decides."""
    from promptocr.engines.textsource import judge
    from promptocr.inputs.loader import load_pages

    def verdict(page: synth.PdfPage) -> str:
        (p,) = load_pages(synth.write_pdf([page]), dpi=100)
        assert p.text_layer is not None
        v, _ = judge(pipeline.engine, p, p.text_layer)
        return ("accepted " if v.accepted else "refused ") + v.reason

    texts = [(60, 60 + 22 * i, 12, t) for i, t in enumerate(page_lines(0)[:6])]
    assert verdict(synth.PdfPage(texts=texts)).startswith("accepted agrees with the page (ink)")
    # A dark logo block beside the text is ink no word covers: detection decides (and accepts).
    logo = [((400, 40, 560, 120), (0.1, 0.2, 0.6))]
    assert verdict(synth.PdfPage(texts=texts, rects=logo)) == (
        "accepted agrees with the page (detection)"
    )
    # An invisible layer on a blank page: no word lies on ink, and detection sees no text.
    hidden = synth.PdfPage(texts=texts, invisible_text=True)
    assert verdict(hidden).startswith("refused no text is visible")
    doc, usage = pipeline.read(synth.write_pdf([hidden]), ReadOptions(dpi=100), AUTO)
    assert doc.pages[0].text == "" and any("text layer not used" in n for n in usage.notes)


def test_visible_text_the_layer_lacks_gets_ocr(pipeline: OCRPipeline) -> None:
    """A picture of text inside a form XObject (not one of the page's own images) next to a
    one-line layer: the ink check sees ink no word covers, detection sees text the layer
    lacks, so the page is OCR'd and the picture's text is read."""
    base = synth.write_pdf([synth.PdfPage(texts=[(60, 40, 12, "Short heading")])])
    rows = ["Text drawn as a picture", "inside a form object 2024", "that the layer lacks"]
    picture = synth.english_page(lines=rows, width=700).image
    with pikepdf.open(io.BytesIO(base)) as pdf:
        raw = pikepdf.Stream(pdf, picture.tobytes())
        raw["/Type"], raw["/Subtype"] = pikepdf.Name.XObject, pikepdf.Name.Image
        raw["/Width"], raw["/Height"] = picture.size
        raw["/ColorSpace"], raw["/BitsPerComponent"] = pikepdf.Name.DeviceRGB, 8
        form = pikepdf.Stream(pdf, b"q 420 0 0 %d 0 0 cm /Im0 Do Q" % (picture.height * 0.6))
        form["/Type"], form["/Subtype"] = pikepdf.Name.XObject, pikepdf.Name.Form
        form["/BBox"] = [0, 0, 420, picture.height * 0.6]
        form["/Resources"] = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=raw))
        page = pdf.pages[0]
        name = page.add_resource(form, pikepdf.Name.XObject, prefix="Fm")
        ops = [([1, 0, 0, 1, 60, 500], pikepdf.Operator("cm")), ([name], pikepdf.Operator("Do"))]
        page.contents_add(pikepdf.Stream(pdf, pikepdf.unparse_content_stream(
            [([], pikepdf.Operator("q")), *ops, ([], pikepdf.Operator("Q"))]
        )))  # fmt: skip
        buf = io.BytesIO()
        pdf.save(buf)
    doc, usage = pipeline.read(buf.getvalue(), ReadOptions(dpi=100), AUTO, name="form.pdf")
    assert any("text layer not used" in n for n in usage.notes), usage.notes
    assert cer(doc.pages[0].text, "Short heading " + " ".join(rows)) < 0.1


def test_cli_text_source_and_the_deprecated_flag(tmp_path: Path) -> None:
    data = digital_pdf(1)
    path = tmp_path / "digital.pdf"
    path.write_bytes(data)
    for flags in (["--text-source", "pdf"], ["--use-pdf-text"], []):
        run = subprocess.run(
            [sys.executable, "-m", "promptocr.cli.main", "read", "-q", "--format", "text",
             "--dpi", "100", *flags, str(path)],
            capture_output=True,
            text=True,
            timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert norm(run.stdout) == norm(" ".join(page_lines(0))), flags
    bad = subprocess.run(
        [sys.executable, "-m", "promptocr.cli.main", "read", "--text-source", "x", str(path)],
        capture_output=True,
        timeout=60,
    )
    assert bad.returncode == 2


@pytest.mark.parametrize("value", ["nope"])
def test_unknown_text_source_is_refused(pipeline: OCRPipeline, value: str) -> None:
    from promptocr.errors import PromptOCRError

    with pytest.raises(PromptOCRError, match="text_source"):
        pipeline.read(digital_pdf(1), ReadOptions(dpi=72), EngineSettings(text_source=value))
