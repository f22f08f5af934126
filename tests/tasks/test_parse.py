"""The parse task end to end: real OCR + real CDLA layout model on drawn pages."""

from __future__ import annotations

import textwrap

import pytest

from promptocr.document.model import Document, Line, polygon_of
from promptocr.document.schema import validate_document
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.layout import LayoutRegion
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage
from promptocr.pipeline import OCRPipeline
from promptocr.synth import Canvas
from promptocr.tasks.parse import (
    ParsedRegion,
    _assign,
    _page_markdown,
    _paragraph_markdown,
    _split_table_captions,
    join_lines,
    order_regions,
    parse_document,
    parse_pages,
)

LEFT = (
    "Rivers carry sediment from the mountains to the sea and shape the valleys they "
    "cross. Engineers measure the flow at gauging stations every hour of the year."
)
RIGHT = (
    "Lakes store water between seasons and buffer floods downstream of the dams. "
    "Their temperature layers change slowly as the weather turns colder."
)


def two_column_page() -> Canvas:
    c = Canvas(1100, 1300)
    c.text((70, 30), "Hydrology Notes", size=18)
    c.text((70, 100), "Rivers and Lakes", size=56)
    for x, text in ((70, LEFT), (590, RIGHT)):
        y = 240
        for _ in range(2):
            for ln in textwrap.wrap(text, 34):
                c.text((x, y), ln, size=23)
                y += 33
            y += 36
    c.text((540, 1240), "7", size=18)
    return c


def table_page() -> Canvas:
    c = Canvas(1000, 1100)
    c.text((80, 80), "Station Survey", size=52)
    y = 200
    for ln in textwrap.wrap(LEFT, 62):
        c.text((80, y), ln, size=22)
        y += 32
    top = y + 50
    rows = [["Station", "pH", "Nitrate"], ["North", "7.2", "1.4"], ["South", "6.9", "2.1"]]
    c.ruled_table((80, top), rows, [300, 200, 200])
    c.text((80, top + 3 * 56 + 24), "Table 1. Water quality by station.", size=22)
    return c


def _read(pipeline: OCRPipeline, canvas: Canvas) -> tuple[list[PageImage], Document, Usage]:
    import io

    buf = io.BytesIO()
    canvas.image.save(buf, format="PNG")
    usage = Usage()
    pages = pipeline.load(buf.getvalue(), name="page.png")
    doc = pipeline.read_pages(pages, usage)
    return pages, doc, usage


@pytest.fixture(scope="module")
def pipe(engine: EmbeddedEngine) -> OCRPipeline:
    return OCRPipeline(engine)


@pytest.fixture(scope="module")
def two_column(pipe: OCRPipeline) -> tuple[list[PageImage], Document, Usage]:
    return _read(pipe, two_column_page())


def test_two_columns_title_first_left_before_right(
    pipe: OCRPipeline, two_column: tuple[list[PageImage], Document, Usage]
) -> None:
    pages, doc, usage = two_column
    md = parse_document(pipe, pages, doc, usage)
    assert md.startswith("# Rivers and Lakes\n\n"), md
    assert md.count("Rivers carry sediment") == 2 and md.count("Lakes store water") == 2
    # the whole left column comes before the right one
    assert md.rindex("Rivers carry sediment") < md.index("Lakes store water")
    # a paragraph's lines are joined into one Markdown paragraph
    assert "sea and shape the valleys they cross." in md
    # header and page number dropped
    assert "Hydrology" not in md and "\n7\n" not in md and not md.rstrip().endswith("7")
    # the stages that ran, and the one that was not needed
    assert usage.stages_ms.get("layout", 0) > 0 and "markdown" in usage.stages_ms
    assert "table_structure" in usage.skipped
    # the document's blocks were rebuilt with layout kinds, in reading order
    kinds = [b.kind for b in doc.pages[0].blocks]
    assert kinds[0] == "header" and "title" in kinds and kinds.count("text") >= 4
    assert kinds[-1] == "footer"
    texts = [b.text for b in doc.pages[0].blocks if b.kind == "text"]
    assert texts[0].startswith("Rivers") and texts[-1].startswith("Lakes")


def test_headers_kept_on_request(
    pipe: OCRPipeline, two_column: tuple[list[PageImage], Document, Usage]
) -> None:
    pages, doc, _ = two_column
    md = parse_document(pipe, pages, doc, Usage(), drop_headers_footers=False)
    assert md.startswith("Hydrology Notes\n\n# Rivers and Lakes")
    assert md.rstrip().endswith("7")


def test_multi_page_comments(
    pipe: OCRPipeline, two_column: tuple[list[PageImage], Document, Usage]
) -> None:
    pages, _, _ = two_column
    second = PageImage(1, pages[0].image, pages[0].source)
    usage = Usage()
    doc = pipe.read_pages([pages[0], second], usage)  # the second page comes from the cache
    result = parse_pages(pipe, [pages[0], second], doc, usage)
    md = result.markdown
    assert md.startswith("<!-- page 1 -->\n\n# Rivers and Lakes")
    assert "\n\n<!-- page 2 -->\n\n# Rivers and Lakes" in md
    assert usage.stage_calls["layout"] == 2
    d = result.to_dict()
    assert [p["index"] for p in d["pages"]] == [0, 1]
    assert any(r["kind"] == "title" for r in d["pages"][0]["regions"])


def test_page_with_a_table(pipe: OCRPipeline) -> None:
    pages, doc, usage = _read(pipe, table_page())
    result = parse_pages(pipe, pages, doc, usage)
    md = result.markdown
    assert md.startswith("# Station Survey\n\n")
    start, end = md.index("<table>"), md.index("</table>")
    table = md[start:end]
    assert table.count("<tr>") == 3
    for word in ("Station", "pH", "Nitrate", "North", "7.2", "1.4", "South", "6.9", "2.1"):
        assert f"<td>{word}</td>" in table, table
    assert "<thead><tr><td>Station</td><td>pH</td><td>Nitrate</td></tr></thead>" in table
    assert "*Table 1. Water quality by station.*" in md
    assert md.index("Rivers carry") < start < md.index("*Table 1.")
    assert usage.stages_ms.get("table_structure", 0) > 0
    grids = result.tables
    assert len(grids) == 1 and (grids[0].n_rows, grids[0].n_cols) == (3, 3)
    assert [b.kind for b in doc.pages[0].blocks].count("table") == 1


def figure_page() -> Canvas:
    c = Canvas(1000, 1100)
    c.text((80, 80), "Flow Results", size=52)
    y = 200
    for ln in textwrap.wrap(LEFT, 62):
        c.text((80, y), ln, size=22)
        y += 32
    top = y + 40
    d = c.draw
    d.line((150, top, 150, top + 360), fill="black", width=3)
    d.line((150, top + 360, 800, top + 360), fill="black", width=3)
    for k, h in enumerate((120, 300, 210, 90, 330, 160, 250, 190)):
        d.rectangle((180 + k * 75, top + 360 - h, 230 + k * 75, top + 360), fill=(60, 90, 160))
    c.text((80, top + 390), "Figure 2. Mean flow per station in spring.", size=22)
    y = top + 460
    for ln in textwrap.wrap(RIGHT, 62):
        c.text((80, y), ln, size=22)
        y += 32
    return c


def test_figure_placeholder_and_caption(pipe: OCRPipeline) -> None:
    pages, doc, usage = _read(pipe, figure_page())
    md = parse_document(pipe, pages, doc, usage)
    parts = md.strip().split("\n\n")
    assert parts[0] == "# Flow Results"
    assert parts[1].startswith("Rivers carry sediment")
    assert parts[2] == "![figure](page-1-figure-1.png)"
    assert parts[3] == "*Figure 2. Mean flow per station in spring.*"
    assert parts[4].startswith("Lakes store water")
    fig = [b for b in doc.pages[0].blocks if b.kind == "figure"]
    assert len(fig) == 1 and fig[0].polygon is not None
    x0, y0, x1, y1 = fig[0].bbox
    assert x0 < 200 and x1 > 750 and 300 < y0 < y1 < 800
    # the rebuilt document still fits the published JSON schema
    validate_document(doc.to_dict())


def test_turned_page_reads_like_the_upright_one(
    pipe: OCRPipeline, two_column: tuple[list[PageImage], Document, Usage]
) -> None:
    pages, doc, _ = two_column
    upright_md = parse_document(pipe, pages, doc, Usage())
    turned = two_column_page()
    turned.image = turned.image.rotate(90, expand=True)
    tpages, tdoc, usage = _read(pipe, turned)
    assert tdoc.pages[0].rotation in (90, 270)
    result = parse_pages(pipe, tpages, tdoc, usage)
    assert result.markdown == upright_md
    # blocks and regions keep the file's own frame: the turned page is wider than high
    w, h = tdoc.pages[0].width, tdoc.pages[0].height
    assert w > h
    boxes = [b.bbox for b in tdoc.pages[0].blocks]
    boxes += [tuple(r["bbox"]) for r in result.to_dict()["pages"][0]["regions"]]
    for x0, y0, x1, y1 in boxes:
        assert 0 <= x0 < x1 <= w + 1 and 0 <= y0 < y1 <= h + 1
    title = next(b for b in tdoc.pages[0].blocks if b.kind == "title")
    tx0, ty0, tx1, ty1 = title.bbox
    assert ty1 - ty0 > tx1 - tx0  # the title runs down the turned page


def test_lists_and_hyphenation_on_a_page(pipe: OCRPipeline) -> None:
    c = Canvas(1000, 760)
    c.text((80, 60), "Sampling Guide", size=52)
    y = 180
    for t in (
        "Before you start, prepare the bottles for each station on the map.",
        "Every sample needs a label with the date and the measure-",
        "ment series it belongs to.",
    ):
        c.text((80, y), t, size=22)
        y += 32
    y += 30
    for t in ("• Rinse the bottle twice.", "• Fill it to the neck.", "• Keep it cold."):
        c.text((80, y), t, size=22)
        y += 34
    y += 30
    for t in ("1. Write the station code.", "2. Note the temperature."):
        c.text((80, y), t, size=22)
        y += 34
    pages, doc, usage = _read(pipe, c)
    parts = parse_document(pipe, pages, doc, usage).strip().split("\n\n")
    assert parts[0] == "# Sampling Guide"
    assert "the date and the measurement series it belongs to." in parts[1]
    assert parts[2] == "- Rinse the bottle twice.\n- Fill it to the neck.\n- Keep it cold."
    assert parts[3] == "1. Write the station code.\n2. Note the temperature."


def test_page_count_mismatch_is_refused(
    pipe: OCRPipeline, two_column: tuple[list[PageImage], Document, Usage]
) -> None:
    pages, doc, _ = two_column
    with pytest.raises(ValueError, match="page images"):
        parse_document(pipe, pages + pages, doc, Usage())


# --------------------------------------------------------------------------------------------
# Pure helpers (no models)


def _line(text: str, x: float, y: float, h: float = 20.0) -> Line:
    return Line(text, 0.99, polygon_of((x, y, x + 12 * len(text), y + h)))


def test_join_lines_repairs_hyphenation() -> None:
    assert join_lines(["the measure-", "ments were", "taken"]) == "the measurements were taken"
    assert join_lines(["well-", "Known"]) == "well- Known"  # capital: a real dash
    assert join_lines(["中文文本", "继续"]) == "中文文本继续"
    assert join_lines(["", "a", " b "]) == "a b"


def test_lists_become_markdown_items() -> None:
    lines = [
        _line("Steps to follow:", 10, 10),
        _line("• take the sample", 10, 40),
        _line("• seal the bottle and", 10, 70),
        _line("label it", 30, 100),
    ]
    assert _paragraph_markdown(lines) == [
        "Steps to follow:",
        "- take the sample\n- seal the bottle and label it",
    ]
    numbered = [_line("1. first", 10, 10), _line("2) second", 10, 40)]
    assert _paragraph_markdown(numbered) == ["1. first\n2. second"]


def test_order_regions_columns_then_rows() -> None:
    boxes = {
        "title": (50.0, 20.0, 950.0, 80.0),
        "l1": (50.0, 100.0, 480.0, 300.0),
        "l2": (50.0, 320.0, 480.0, 600.0),
        "r1": (520.0, 100.0, 950.0, 400.0),
        "r2": (520.0, 420.0, 950.0, 600.0),
        "foot": (50.0, 650.0, 950.0, 700.0),
    }
    got = order_regions(list(boxes), lambda k: boxes[k])
    assert got == ["title", "l1", "l2", "r1", "r2", "foot"]
    # side-by-side boxes of one row (not columns) are read left to right, row by row
    grid = {"a": (0.0, 0.0, 100.0, 20.0), "b": (200.0, 0.0, 300.0, 20.0)}
    grid |= {"c": (0.0, 200.0, 100.0, 220.0), "d": (200.0, 200.0, 300.0, 220.0)}
    grid |= {"e": (0.0, 400.0, 300.0, 420.0)}
    assert order_regions(list(grid), lambda k: grid[k]) == ["a", "b", "c", "d", "e"]


def test_caption_inside_a_table_region_is_split_off() -> None:
    lines = [
        _line("Table 3. Flow by month", 10, 0),
        _line("Month", 10, 40),
        _line("Flow", 200, 40),
        _line("May", 10, 80),
        _line("12", 200, 80),
    ]
    region = ParsedRegion("table", (0.0, 0.0, 400.0, 110.0), 0.9, list(lines))
    out = _split_table_captions([region])
    assert [r.kind for r in out] == ["table_caption", "table"]
    assert [ln.text for ln in out[0].lines] == ["Table 3. Flow by month"]
    assert len(out[1].lines) == 4 and out[1].bbox[1] >= 30


def test_rows_of_a_receipt_stay_on_their_own_lines() -> None:
    rows = [
        [_line("GREEN LEAF TRADING", 10, 10)],
        [_line("NO 12, JALAN MERANTI", 10, 40)],
        [_line("MILK", 10, 70), _line("7.20", 400, 70)],
        [_line("TOTAL", 10, 100), _line("13.50", 400, 100)],
    ]
    got = _paragraph_markdown([ln for row in rows for ln in row])
    assert got == ["GREEN LEAF TRADING\nNO 12, JALAN MERANTI\nMILK 7.20\nTOTAL 13.50"]


def test_a_figure_full_of_text_is_read_as_text() -> None:
    lines = [_line(f"ITEM NUMBER {k} 12.50", 20, 20 + 30 * k) for k in range(14)]
    photo = LayoutRegion("figure", 0.8, (0.0, 0.0, 600.0, 500.0))
    chart = LayoutRegion("figure", 0.8, (700.0, 0.0, 900.0, 200.0))
    regions = _assign([photo, chart], [*lines, _line("12", 710, 150)])
    kinds = sorted(r.kind for r in regions)
    assert kinds == ["figure", "text"]
    text = next(r for r in regions if r.kind == "text")
    assert len(text.lines) == 14


def test_blank_page_runs_no_layout(pipe: OCRPipeline) -> None:
    import numpy as np

    pages = [PageImage(0, np.full((300, 400, 3), 255, dtype=np.uint8), "blank.png")]
    usage = Usage()
    doc = pipe.read_pages(pages, usage)
    result = parse_pages(pipe, pages, doc, usage)
    assert result.markdown == "" and doc.pages[0].blocks == []
    assert "layout" not in usage.stages_ms
    assert usage.skipped["layout"] == "no text on any page"


def test_heading_levels_follow_the_largest_title_of_the_document() -> None:
    big = ParsedRegion("title", (0, 0, 500, 60), 0.9, [_line("Report", 0, 0, h=60)])
    small = ParsedRegion("title", (0, 100, 500, 130), 0.9, [_line("Methods", 0, 100, h=30)])
    body = ParsedRegion("text", (0, 140, 500, 160), 0.9, [_line("Some words.", 0, 140)])
    eq = ParsedRegion("equation", (0, 170, 200, 190), 0.9, [_line("E = mc2", 0, 170)])
    md = _page_markdown(0, [big, small, body, eq], body_h=20.0, top_title=60.0)
    assert md == "# Report\n\n## Methods\n\nSome words.\n\n$$\nE = mc2\n$$"
    # on a later page without the big title, a section title stays a second-level heading
    assert _page_markdown(1, [small, body], body_h=20.0, top_title=60.0).startswith("## Methods")
