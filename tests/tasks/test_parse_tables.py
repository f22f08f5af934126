"""Table structure from real OCR lines and drawn rules, and the TEDS metric."""

from __future__ import annotations

import io

import pytest

from promptocr.bench.tables import parse_table_html, teds
from promptocr.document.model import Line, Word, polygon_of
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.usage import Usage
from promptocr.errors import InvalidInputError
from promptocr.pipeline import OCRPipeline
from promptocr.synth import Canvas
from promptocr.tasks.tables import TableGrid, build_table, detect_rules, split_line


def _grid(pipe: OCRPipeline, canvas: Canvas) -> TableGrid:
    buf = io.BytesIO()
    canvas.image.save(buf, format="PNG")
    pages = pipe.load(buf.getvalue(), name="table.png")
    doc = pipe.read_pages(pages, Usage())
    img = pages[0].image
    h, w = img.shape[:2]
    return build_table(img, doc.pages[0].lines, (0.0, 0.0, float(w), float(h)))


def ruled_table_with_spans() -> Canvas:
    """Header: Site (2 rows) | Spring (2 columns: pH, NO3) | Total (2 rows); 3 body rows."""
    c = Canvas(860, 400)
    x0, y0, rh = 40, 30, 62
    xs = [x0, 300, 480, 660, 840]
    rows = [
        ["Site", "Spring", None, "Total"],
        [None, "pH", "NO3", None],
        ["North", "7.2", "1.4", "8.6"],
        ["South", "6.9", "2.1", "9.0"],
        ["East", "7.4", "0.8", "8.2"],
    ]
    n = len(rows)
    d = c.draw
    for r in range(n + 1):
        y = y0 + r * rh
        a, b = (xs[1], xs[3]) if r == 1 else (xs[0], xs[-1])  # the rule under "Spring" only
        d.line((a, y, b, y), fill="black", width=2)
    for k, x in enumerate(xs):
        top = y0 + rh if k == 2 else y0  # no rule between pH and NO3 in the header's top row
        d.line((x, top, x, y0 + n * rh), fill="black", width=2)
    for r, row in enumerate(rows):
        for k, cell in enumerate(row):
            if cell:
                c.text((xs[k] + 14, y0 + r * rh + 16), cell, size=24)
    return c


def open_table_with_spanning_header() -> Canvas:
    """No rules at all; "Results" sits centred over two columns."""
    c = Canvas(900, 420)
    c.text((420, 20), "Results", size=24)
    heads = ["Sample", "Mass", "Volume", "Note"]
    xs = [30, 340, 520, 700]
    for k, h in enumerate(heads):
        c.text((xs[k], 70), h, size=24)
    body = [
        ["Alpha", "12.5", "3.1", "ok"],
        ["Beta", "9.8", "2.7", "ok"],
        ["Gamma", "15.0", "4.4", "late"],
        ["Delta", "11.2", "3.9", "ok"],
        ["Epsilon", "8.1", "2.2", "redo"],
    ]
    for r, row in enumerate(body):
        for k, cell in enumerate(row):
            c.text((xs[k], 130 + 55 * r), cell, size=24)
    return c


@pytest.fixture(scope="module")
def pipe(engine: EmbeddedEngine) -> OCRPipeline:
    return OCRPipeline(engine)


def test_ruled_table_rows_cols_and_spans(pipe: OCRPipeline) -> None:
    canvas = ruled_table_with_spans()
    grid = _grid(pipe, canvas)
    assert (grid.n_rows, grid.n_cols) == (5, 4) and grid.ruled
    assert grid.header_rows == 2
    cells = {(c.row, c.col): c for c in grid.cells}
    assert cells[(0, 0)].text == "Site" and cells[(0, 0)].rowspan == 2
    assert cells[(0, 1)].text == "Spring" and cells[(0, 1)].colspan == 2
    assert cells[(0, 3)].text == "Total" and cells[(0, 3)].rowspan == 2
    assert [cells[(1, k)].text for k in (1, 2)] == ["pH", "NO3"]
    assert [cells[(4, k)].text for k in range(4)] == ["East", "7.4", "0.8", "8.2"]
    html = grid.to_html()
    assert html.startswith(
        '<table><thead><tr><td rowspan="2">Site</td><td colspan="2">Spring</td>'
        '<td rowspan="2">Total</td></tr><tr><td>pH</td><td>NO3</td></tr></thead><tbody>'
    ), html
    assert html.count("<tr>") == 5
    d = grid.to_dict()
    assert d["rows"] == 5 and d["cols"] == 4 and d["html"] == html
    assert {"row", "col", "rowspan", "colspan", "text", "bbox"} <= set(d["cells"][0])


def test_rules_found(pipe: OCRPipeline) -> None:
    import numpy as np

    img = np.asarray(ruled_table_with_spans().image)
    rules = detect_rules(img, (0.0, 0.0, float(img.shape[1]), float(img.shape[0])), 24.0)
    assert len(rules.horizontal) == 6 and len(rules.vertical) == 5
    ys = sorted(round(y) for y, _, _ in rules.horizontal)
    assert all(abs(a - b) <= 2 for a, b in zip(ys, [31, 93, 155, 217, 279, 341], strict=True))


def test_open_table_colspan_from_alignment(pipe: OCRPipeline) -> None:
    grid = _grid(pipe, open_table_with_spanning_header())
    assert (grid.n_rows, grid.n_cols) == (7, 4) and not grid.ruled
    cells = {(c.row, c.col): c for c in grid.cells}
    top = [c for c in grid.cells if c.row == 0 and c.text]
    assert len(top) == 1 and top[0].text == "Results"
    assert (top[0].col, top[0].colspan) == (1, 2)
    assert [cells[(1, k)].text for k in range(4)] == ["Sample", "Mass", "Volume", "Note"]
    assert [cells[(6, k)].text for k in range(4)] == ["Epsilon", "8.1", "2.2", "redo"]
    assert "<td>8.1</td>" in grid.to_html()


def test_html_escapes_text() -> None:
    line = Line("a<b & c", 0.9, polygon_of((0, 0, 100, 20)))
    grid = build_table(None, [line], (0, 0, 100, 20))
    assert grid.to_html() == "<table><tbody><tr><td>a&lt;b &amp; c</td></tr></tbody></table>"


def test_split_line_at_wide_word_gaps() -> None:
    words = [
        Word("Total", 0.9, polygon_of((0, 0, 50, 20))),
        Word("12.5", 0.9, polygon_of((120, 0, 160, 20))),
        Word("kg", 0.9, polygon_of((165, 0, 185, 20))),
    ]
    line = Line("Total 12.5 kg", 0.9, polygon_of((0, 0, 185, 20)), words)
    assert [p.text for p in split_line(line)] == ["Total", "12.5 kg"]


def test_empty_table() -> None:
    grid = build_table(None, [], (0, 0, 10, 10))
    assert grid.n_rows == 0 and grid.to_html() == "<table></table>"


# --------------------------------------------------------------------------------------------
# TEDS

GT = (
    "<html><body><table><thead><tr><td><b>Name</b></td><td>Value</td></tr></thead>"
    '<tbody><tr><td>alpha</td><td>1.0</td></tr><tr><td colspan="2">note</td></tr>'
    "</tbody></table></body></html>"
)


def test_teds_identical_and_formatting_ignored() -> None:
    pred = (
        "<table><thead><tr><td>Name</td><td>Value</td></tr></thead><tbody><tr><td>alpha</td>"
        '<td>1.0</td></tr><tr><td colspan="2">note</td></tr></tbody></table>'
    )
    assert teds(pred, GT) == pytest.approx(1.0)
    assert teds(pred, GT, structure_only=True) == pytest.approx(1.0)


def test_teds_text_and_structure_errors() -> None:
    typo = GT.replace("alpha", "alpba")
    assert 0.9 < teds(typo, GT) < 1.0
    assert teds(typo, GT, structure_only=True) == pytest.approx(1.0)
    no_span = GT.replace('<td colspan="2">note</td>', "<td>note</td><td></td>")
    s = teds(no_span, GT, structure_only=True)
    assert 0.7 < s < 1.0
    assert teds("<p>no table</p>", GT) == 0.0
    tree = parse_table_html(GT)
    assert tree.tag == "table" and tree.size() == 11
    with pytest.raises(InvalidInputError):
        parse_table_html("<div></div>")
