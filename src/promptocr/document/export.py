"""Output formats, all read from the one document model: text, Markdown, hOCR 1.2, ALTO 4.

The XML formats are built with `xml.etree.ElementTree`, so every text and attribute value is
escaped by the serializer (no hand-made markup). Coordinates are integer pixels in the page's own
frame (the file as supplied), the same frame as the JSON export.
"""

from __future__ import annotations

import math
import re
import statistics
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from promptocr import __version__
from promptocr.document.model import BBox, Block, Document, Line, Page, Word

HOCR_CAPABILITIES = "ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf"
XHTML_NS = "http://www.w3.org/1999/xhtml"
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
ALTO_XSD = "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


# --------------------------------------------------------------------------------------------
# Plain text and Markdown


def to_text(doc: Document) -> str:
    """Plain text in reading order: blocks separated by a blank line, pages by a form feed."""
    return "\n\f\n".join(p.text for p in doc.pages).strip("\n") + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+)([.)]?)(\s)")


def _md_escape(text: str) -> str:
    """Escape what Markdown would otherwise read as markup (emphasis, links, lists, headings)."""
    text = _MD_SPECIAL.sub(r"\\\1", text)

    def fix(m: re.Match[str]) -> str:
        lead, mark, dot, space = m.groups()
        if mark.isdigit():  # "1. " would start a numbered list
            return f"{lead}{mark}\\{dot}{space}" if dot else m.group(0)
        return f"{lead}\\{mark}{dot}{space}"

    return _MD_LINE_START.sub(fix, text)


def _line_size(ln: Line) -> float:
    """Text height of a line measured across its own direction (works on rotated pages)."""
    p0, p1, p2, p3 = ln.polygon
    return (math.dist(p0, p3) + math.dist(p1, p2)) / 2


def _is_heading(block: Block, body: float) -> bool:
    """A short block set clearly larger than the page's body text."""
    if not block.lines or len(block.lines) > 2 or body <= 0:
        return False
    size = statistics.median(_line_size(ln) for ln in block.lines)
    return size >= 1.4 * body and len(block.text) <= 120


def to_markdown(doc: Document) -> str:
    """Markdown: one paragraph per block, large short blocks as headings, text escaped.

    Rows of one visual line (an item and its price) stay on one line; other line breaks inside
    a block become Markdown hard breaks. Layout-aware Markdown (tables, reading regions) comes
    from the `parse` task.
    """
    parts: list[str] = []
    lines = doc.lines
    body = statistics.median(_line_size(ln) for ln in lines) if lines else 0.0
    for page in doc.pages:
        if len(doc.pages) > 1:
            parts.append(f"<!-- page {page.index + 1} -->")
        for block in page.blocks:
            if not block.lines:
                continue
            if _is_heading(block, body):
                parts.append("## " + _md_escape(block.text.replace("\n", " ")))
            else:
                rows = [_md_escape(row) for row in block.text.split("\n")]
                parts.append("  \n".join(rows))
    return "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------------------------
# Shared geometry helpers


def _int_box(box: BBox, page: Page) -> tuple[int, int, int, int]:
    """Integer pixel box covering `box`, clamped to the page."""
    x0, y0, x1, y1 = box
    return (
        max(0, min(page.width, math.floor(x0))),
        max(0, min(page.height, math.floor(y0))),
        max(0, min(page.width, math.ceil(x1))),
        max(0, min(page.height, math.ceil(y1))),
    )


def _line_words(ln: Line) -> Sequence[Word]:
    """A line's words, or the whole line as one word when the engine gave none."""
    if ln.words:
        return ln.words
    return [Word(ln.text, ln.confidence, ln.polygon)]


def _ccw(rotation: int) -> int:
    """Our `rotation` is clockwise; hOCR `textangle` and ALTO `ROTATION` count counter-clockwise."""
    return (360 - rotation) % 360


def _runs_horizontally(ln: Line) -> bool:
    (x0, y0), (x1, y1) = ln.polygon[0], ln.polygon[1]
    return abs(x1 - x0) >= abs(y1 - y0)


def _space_between(
    a: tuple[int, int, int, int], b: tuple[int, int, int, int], horizontal: bool
) -> dict[str, str]:
    """ALTO `SP` between two neighbouring words, whichever way the line runs (left to right,
    or right to left / top to bottom / bottom to top on a page read turned)."""
    if horizontal:
        start, end = min(a[2], b[2]), max(a[0], b[0])
        return {"WIDTH": str(max(0, end - start)), "HPOS": str(start), "VPOS": str(a[1])}
    start, end = min(a[3], b[3]), max(a[1], b[1])
    return {"WIDTH": str(max(0, end - start)), "HPOS": str(a[0]), "VPOS": str(start)}


# --------------------------------------------------------------------------------------------
# hOCR 1.2


def _title(**props: object) -> str:
    return "; ".join(f"{k} {v}" for k, v in props.items() if v is not None)


def _hocr_bbox(box: tuple[int, int, int, int]) -> str:
    return " ".join(str(v) for v in box)


def _quote(value: str) -> str:
    """hOCR's quoted-string property value."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_hocr(doc: Document) -> str:
    """hOCR 1.2 as XHTML: ocr_page > ocr_carea > ocr_par > ocr_line > ocrx_word.

    Every element has a `bbox`; words carry `x_wconf` (0-100); pages carry `image` (the source
    file name) and `ppageno` (0-based physical page number); pages read turned carry
    `textangle` on their lines (counter-clockwise degrees, as hOCR counts).
    """
    html = ET.Element("html", {"xmlns": XHTML_NS, "xml:lang": "en", "lang": "en"})
    head = ET.SubElement(html, "head")
    ET.SubElement(head, "title").text = doc.source or "promptocr"
    ET.SubElement(
        head, "meta", {"http-equiv": "Content-Type", "content": "text/html;charset=utf-8"}
    )
    ET.SubElement(head, "meta", {"name": "ocr-system", "content": f"promptocr {__version__}"})
    ET.SubElement(head, "meta", {"name": "ocr-capabilities", "content": HOCR_CAPABILITIES})
    ET.SubElement(head, "meta", {"name": "ocr-number-of-pages", "content": str(len(doc.pages))})
    body = ET.SubElement(html, "body")
    n_block = n_par = n_line = n_word = 0
    for page in doc.pages:
        pno = page.index + 1
        image = page.source or doc.source
        page_el = ET.SubElement(
            body,
            "div",
            {
                "class": "ocr_page",
                "id": f"page_{pno}",
                "title": _title(
                    image=_quote(image) if image else None,
                    bbox=f"0 0 {page.width} {page.height}",
                    ppageno=page.index,
                ),
            },
        )
        angle = _ccw(page.rotation) or None
        for block in page.blocks:
            if not block.lines:
                continue
            n_block += 1
            n_par += 1
            bbox = _hocr_bbox(_int_box(block.bbox, page))
            carea = ET.SubElement(
                page_el,
                "div",
                {"class": "ocr_carea", "id": f"block_{pno}_{n_block}", "title": f"bbox {bbox}"},
            )
            par = ET.SubElement(
                carea,
                "p",
                {"class": "ocr_par", "id": f"par_{pno}_{n_par}", "title": f"bbox {bbox}"},
            )
            for ln in block.lines:
                n_line += 1
                line_el = ET.SubElement(
                    par,
                    "span",
                    {
                        "class": "ocr_line",
                        "id": f"line_{pno}_{n_line}",
                        "title": _title(
                            bbox=_hocr_bbox(_int_box(ln.bbox, page)),
                            textangle=angle,
                            x_size=round(_line_size(ln), 1),
                        ),
                    },
                )
                words = _line_words(ln)
                for i, w in enumerate(words):
                    n_word += 1
                    word_el = ET.SubElement(
                        line_el,
                        "span",
                        {
                            "class": "ocrx_word",
                            "id": f"word_{pno}_{n_word}",
                            "title": _title(
                                bbox=_hocr_bbox(_int_box(w.bbox, page)),
                                x_wconf=round(max(0.0, min(1.0, w.confidence)) * 100),
                            ),
                        },
                    )
                    word_el.text = w.text
                    if i < len(words) - 1:
                        word_el.tail = " "
    ET.indent(html, space=" ")
    doctype = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
    )
    body_xml = ET.tostring(html, encoding="unicode", short_empty_elements=True)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{body_xml}\n'


# --------------------------------------------------------------------------------------------
# ALTO 4


def _alto_pos(box: tuple[int, int, int, int]) -> dict[str, str]:
    x0, y0, x1, y1 = box
    return {"HPOS": str(x0), "VPOS": str(y0), "WIDTH": str(x1 - x0), "HEIGHT": str(y1 - y0)}


def to_alto(doc: Document) -> str:
    """ALTO 4 XML (`MeasurementUnit` pixel): Page > PrintSpace > TextBlock > TextLine > String,
    with `SP` between the words of a line and `WC` (0-1) on each String."""
    alto = ET.Element(
        "alto",
        {
            "xmlns": ALTO_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": f"{ALTO_NS} {ALTO_XSD}",
        },
    )
    desc = ET.SubElement(alto, "Description")
    ET.SubElement(desc, "MeasurementUnit").text = "pixel"
    if doc.source:
        info = ET.SubElement(desc, "sourceImageInformation")
        ET.SubElement(info, "fileName").text = doc.source
    proc = ET.SubElement(desc, "Processing", {"ID": "OCR_0"})
    ET.SubElement(proc, "processingStepDescription").text = "contentGeneration"
    software = ET.SubElement(proc, "processingSoftware")
    ET.SubElement(software, "softwareName").text = "promptocr"
    ET.SubElement(software, "softwareVersion").text = __version__
    layout = ET.SubElement(alto, "Layout")
    n_block = n_line = n_word = 0
    for page in doc.pages:
        pno = page.index + 1
        attrs = {
            "ID": f"page_{pno}",
            "PHYSICAL_IMG_NR": str(pno),
            "WIDTH": str(page.width),
            "HEIGHT": str(page.height),
        }
        if page.rotation:
            attrs["ROTATION"] = str(_ccw(page.rotation))
        if page.lines:
            attrs["PC"] = f"{max(0.0, min(1.0, page.confidence)):.4f}"
        page_el = ET.SubElement(layout, "Page", attrs)
        space = ET.SubElement(page_el, "PrintSpace", _alto_pos((0, 0, page.width, page.height)))
        for block in page.blocks:
            if not block.lines:
                continue
            n_block += 1
            battrs = {"ID": f"block_{n_block}", **_alto_pos(_int_box(block.bbox, page))}
            if page.rotation:
                battrs["ROTATION"] = str(_ccw(page.rotation))
            block_el = ET.SubElement(space, "TextBlock", battrs)
            for ln in block.lines:
                n_line += 1
                line_el = ET.SubElement(
                    block_el,
                    "TextLine",
                    {"ID": f"line_{n_line}", **_alto_pos(_int_box(ln.bbox, page))},
                )
                words = _line_words(ln)
                horizontal = _runs_horizontally(ln)
                for i, w in enumerate(words):
                    n_word += 1
                    box = _int_box(w.bbox, page)
                    ET.SubElement(
                        line_el,
                        "String",
                        {
                            "ID": f"string_{n_word}",
                            **_alto_pos(box),
                            "WC": f"{max(0.0, min(1.0, w.confidence)):.4f}",
                            "CONTENT": w.text,
                        },
                    )
                    if i < len(words) - 1:
                        sp = _space_between(box, _int_box(words[i + 1].bbox, page), horizontal)
                        ET.SubElement(line_el, "SP", sp)
    ET.indent(alto, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(alto, encoding="unicode") + "\n"
