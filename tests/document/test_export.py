"""hOCR, ALTO, Markdown, text and JSON exports of the document model."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from promptocr import synth
from promptocr.document import SCHEMA_VERSION, Block, Document, Line, Page, Word
from promptocr.document.export import to_alto, to_hocr, to_markdown, to_text
from promptocr.document.model import polygon_of
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage

H = "{http://www.w3.org/1999/xhtml}"
A = "{http://www.loc.gov/standards/alto/ns-v4#}"


def word(text: str, box: tuple[float, float, float, float], conf: float = 0.9) -> Word:
    return Word(text, conf, polygon_of(box))


def line_of(words: list[Word]) -> Line:
    x0 = min(w.bbox[0] for w in words)
    y0 = min(w.bbox[1] for w in words)
    x1 = max(w.bbox[2] for w in words)
    y1 = max(w.bbox[3] for w in words)
    conf = sum(w.confidence for w in words) / len(words)
    return Line(" ".join(w.text for w in words), conf, polygon_of((x0, y0, x1, y1)), words)


@pytest.fixture()
def doc() -> Document:
    """Two pages; text with XML specials, CJK and Markdown specials."""
    l1 = line_of([word("Fish", (10.2, 10, 60, 30), 0.97), word("<&>", (70, 10, 110.6, 30), 0.5)])
    l2 = line_of([word("*price*", (10, 40, 90, 60)), word("1.50", (300, 40, 340, 60), 0.8)])
    l3 = line_of([word('"quoted"', (10, 100, 80, 120)), word("身份证", (90, 100, 150, 120))])
    title = line_of([word("Report", (10, 5, 200, 60), 0.99)])
    p0 = Page(0, 400, 200, [Block([l1, l2]), Block([l3])], source="a&b.png")
    p1 = Page(1, 400, 200, [Block([title])], source="a&b.png")
    return Document([p0, p1], source="a&b.png")


def parse_title(title: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in title.split(";"))


def test_hocr_structure_coordinates_and_escaping(doc: Document) -> None:
    out = to_hocr(doc)
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html')
    root = ET.fromstring(out)
    assert root.tag == f"{H}html"
    metas = {m.get("name"): m.get("content") for m in root.iter(f"{H}meta") if m.get("name")}
    assert metas["ocr-system"].startswith("promptocr ")
    caps = set(metas["ocr-capabilities"].split())
    assert {"ocr_page", "ocr_carea", "ocr_par", "ocr_line", "ocrx_word"} <= caps
    pages = [e for e in root.iter() if e.get("class") == "ocr_page"]
    assert len(pages) == 2
    props = parse_title(pages[0].get("title", ""))
    assert props["bbox"] == "0 0 400 200"
    assert props["ppageno"] == "0"
    assert props["image"] == '"a&b.png"'
    assert parse_title(pages[1].get("title", ""))["ppageno"] == "1"
    # nesting: page > carea > par > line > word
    careas = pages[0].findall(f"{H}div")
    assert [c.get("class") for c in careas] == ["ocr_carea", "ocr_carea"]
    par = careas[0].find(f"{H}p")
    assert par is not None and par.get("class") == "ocr_par"
    lines = par.findall(f"{H}span")
    assert [ln.get("class") for ln in lines] == ["ocr_line", "ocr_line"]
    assert parse_title(lines[0].get("title", ""))["bbox"] == "10 10 111 30"
    words = lines[0].findall(f"{H}span")
    assert [w.text for w in words] == ["Fish", "<&>"]
    assert [w.get("class") for w in words] == ["ocrx_word", "ocrx_word"]
    w0, w1 = (parse_title(w.get("title", "")) for w in words)
    assert w0["bbox"] == "10 10 60 30" and w0["x_wconf"] == "97"
    assert w1["bbox"] == "70 10 111 30" and w1["x_wconf"] == "50"
    assert "&lt;&amp;&gt;" in out
    all_words = [e.text for e in root.iter() if e.get("class") == "ocrx_word"]
    assert all_words == ["Fish", "<&>", "*price*", "1.50", '"quoted"', "身份证", "Report"]
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_alto_structure_coordinates_and_escaping(doc: Document) -> None:
    out = to_alto(doc)
    root = ET.fromstring(out)
    assert root.tag == f"{A}alto"
    assert root.findtext(f"{A}Description/{A}MeasurementUnit") == "pixel"
    assert root.findtext(f"{A}Description/{A}sourceImageInformation/{A}fileName") == "a&b.png"
    sw = root.find(f"{A}Description/{A}Processing/{A}processingSoftware")
    assert sw is not None and sw.findtext(f"{A}softwareName") == "promptocr"
    pages = root.findall(f"{A}Layout/{A}Page")
    assert len(pages) == 2
    assert pages[0].get("WIDTH") == "400" and pages[0].get("HEIGHT") == "200"
    assert [p.get("PHYSICAL_IMG_NR") for p in pages] == ["1", "2"]
    blocks = pages[0].findall(f"{A}PrintSpace/{A}TextBlock")
    assert len(blocks) == 2
    tl = blocks[0].findall(f"{A}TextLine")
    assert len(tl) == 2
    assert (tl[0].get("HPOS"), tl[0].get("VPOS"), tl[0].get("WIDTH"), tl[0].get("HEIGHT")) == (
        "10",
        "10",
        "101",
        "20",
    )
    children = list(tl[0])
    assert [c.tag for c in children] == [f"{A}String", f"{A}SP", f"{A}String"]
    s0, sp, s1 = children
    assert s0.get("CONTENT") == "Fish" and s1.get("CONTENT") == "<&>"
    assert (s1.get("HPOS"), s1.get("VPOS"), s1.get("WIDTH"), s1.get("HEIGHT")) == (
        "70",
        "10",
        "41",
        "20",
    )
    assert float(s0.get("WC", "")) == pytest.approx(0.97)
    assert sp.get("HPOS") == "60" and sp.get("WIDTH") == "10"
    assert 'CONTENT="&lt;&amp;&gt;"' in out
    strings = [s.get("CONTENT") for s in root.iter(f"{A}String")]
    assert strings == ["Fish", "<&>", "*price*", "1.50", '"quoted"', "身份证", "Report"]
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", "").startswith(
        "http://www.loc.gov/standards/alto/ns-v4# "
    )


def test_rotated_page_is_marked_in_hocr_and_alto() -> None:
    # Text running top to bottom: a page whose content is turned 90 degrees clockwise.
    ln = Line("ABC", 0.9, ((50.0, 10.0), (50.0, 90.0), (30.0, 90.0), (30.0, 10.0)))
    doc = Document([Page(0, 100, 100, [Block([ln])], rotation=90)])
    hocr = ET.fromstring(to_hocr(doc))
    line = next(e for e in hocr.iter() if e.get("class") == "ocr_line")
    props = parse_title(line.get("title", ""))
    assert props["textangle"] == "270" and props["bbox"] == "30 10 50 90"
    alto = ET.fromstring(to_alto(doc))
    page = alto.find(f"{A}Layout/{A}Page")
    assert page is not None and page.get("ROTATION") == "270"
    string = next(alto.iter(f"{A}String"))
    assert (string.get("HPOS"), string.get("VPOS"), string.get("WIDTH")) == ("30", "10", "20")


def test_line_without_words_exports_as_one_word() -> None:
    ln = Line("a b", 0.8, polygon_of((0.0, 0.0, 30.0, 10.0)))
    doc = Document([Page(0, 50, 20, [Block([ln])])])
    assert [s.get("CONTENT") for s in ET.fromstring(to_alto(doc)).iter(f"{A}String")] == ["a b"]
    words = [e.text for e in ET.fromstring(to_hocr(doc)).iter() if e.get("class") == "ocrx_word"]
    assert words == ["a b"]


def test_empty_document_exports() -> None:
    doc = Document([Page(0, 10, 10)], source="blank.png")
    assert ET.fromstring(to_alto(doc)).find(f"{A}Layout/{A}Page") is not None
    assert ET.fromstring(to_hocr(doc)) is not None
    assert to_text(doc) == "\n"


def test_text_and_markdown(doc: Document) -> None:
    text = to_text(doc)
    assert text == 'Fish <&>\n*price* 1.50\n\n"quoted" 身份证\n\f\nReport\n'
    md = to_markdown(doc)
    assert "<!-- page 1 -->" in md and "<!-- page 2 -->" in md
    assert "Fish \\<&\\>  \n\\*price\\* 1.50" in md
    assert "## Report" in md  # a short block set much larger than the body text


def test_markdown_escapes_line_start_markers() -> None:
    lines = [
        Line("# not a heading", 0.9, polygon_of((0.0, 0.0, 100.0, 20.0))),
        Line("- not a list", 0.9, polygon_of((0.0, 30.0, 100.0, 50.0))),
        Line("1. not numbered", 0.9, polygon_of((0.0, 60.0, 100.0, 80.0))),
    ]
    md = to_markdown(Document([Page(0, 100, 100, [Block(lines)])]))
    assert md == "\\# not a heading  \n\\- not a list  \n1\\. not numbered\n"


def test_json_round_trip(doc: Document) -> None:
    d = doc.to_dict()
    assert d["schema_version"] == SCHEMA_VERSION
    again = Document.from_dict(json.loads(json.dumps(d)))
    assert again.to_dict() == d


def test_exports_of_a_real_ocr_result(engine: EmbeddedEngine) -> None:
    page = synth.english_page()
    result = engine.read_page(PageImage(0, np.asarray(page.image), "page.png"), Usage())
    doc = Document([result], source="page.png")
    hocr = ET.fromstring(to_hocr(doc))
    hlines = [e for e in hocr.iter() if e.get("class") == "ocr_line"]
    assert len(hlines) == len(result.lines) == len(page.lines)
    for el, ln in zip(hlines, result.lines, strict=True):
        words = [w.text or "" for w in el if w.get("class") == "ocrx_word"]
        assert " ".join(words) == re.sub(r"\s+", " ", ln.text)
        x0, y0, x1, y1 = (int(v) for v in parse_title(el.get("title", ""))["bbox"].split())
        for w in el:
            wx0, wy0, wx1, wy1 = (int(v) for v in parse_title(w.get("title", ""))["bbox"].split())
            assert x0 - 1 <= wx0 < wx1 <= x1 + 1 and y0 - 1 <= wy0 < wy1 <= y1 + 1
    alto = ET.fromstring(to_alto(doc))
    strings = [s.get("CONTENT") for s in alto.iter(f"{A}String")]
    assert strings == [w.text for w in result.words]
