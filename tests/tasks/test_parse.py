"""The parse task end to end: real OCR + real CDLA layout model on drawn pages."""

from __future__ import annotations

import textwrap

import pytest

from promptocr.document.model import Document, Line, polygon_of
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage
from promptocr.pipeline import OCRPipeline
from promptocr.synth import Canvas
from promptocr.tasks.parse import (
    _paragraph_markdown,
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
    for r, row in enumerate(rows):
        x = 80
        for k, cell in enumerate(row):
            w = 300 if k == 0 else 200
            c.rect((x, top + r * 56, x + w, top + (r + 1) * 56))
            c.text((x + 14, top + r * 56 + 14), cell, size=22)
            x += w
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
    assert parts[2] == "![figure](page-1-figure-1)"
    assert parts[3] == "*Figure 2. Mean flow per station in spring.*"
    assert parts[4].startswith("Lakes store water")
    fig = [b for b in doc.pages[0].blocks if b.kind == "figure"]
    assert len(fig) == 1 and fig[0].polygon is not None
    x0, y0, x1, y1 = fig[0].bbox
    assert x0 < 200 and x1 > 750 and 300 < y0 < y1 < 800


def test_turned_page_reads_like_the_upright_one(
    pipe: OCRPipeline, two_column: tuple[list[PageImage], Document, Usage]
) -> None:
    pages, doc, _ = two_column
    upright_md = parse_document(pipe, pages, doc, Usage())
    turned = two_column_page()
    turned.image = turned.image.rotate(90, expand=True)
    tpages, tdoc, usage = _read(pipe, turned)
    assert tdoc.pages[0].rotation in (90, 270)
    assert parse_document(pipe, tpages, tdoc, usage) == upright_md
    # blocks keep the file's own frame: the turned page is wider than high
    w, h = tdoc.pages[0].width, tdoc.pages[0].height
    assert w > h
    for b in tdoc.pages[0].blocks:
        x0, y0, x1, y1 = b.bbox
        assert 0 <= x0 < x1 <= w + 1 and 0 <= y0 < y1 <= h + 1


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
