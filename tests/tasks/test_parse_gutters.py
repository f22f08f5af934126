"""Parse on columns with gutters half a character wide, and on columns of text the layout
model calls a table (the two failures the held-out pages of `synth_heldout` found).

The real OCR and layout models run on a drawn page; the pieces (`gutter_cuts`, `split_line`,
`running_text`) are also checked on hand-made lines without models.
"""

from __future__ import annotations

import io

import pytest
from rapidfuzz import fuzz

from promptocr.bench.parse import page_distance, plain_text
from promptocr.document.model import Line, Word, polygon_of
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.usage import Usage
from promptocr.pipeline import OCRPipeline
from promptocr.synth_docs import DocPage
from promptocr.synth_heldout import broadsheet
from promptocr.tasks.columns import gutter_cuts, running_text, split_line
from promptocr.tasks.parse import ParseResult, parse_pages


def _parse(pipe: OCRPipeline, page: DocPage) -> ParseResult:
    buf = io.BytesIO()
    page.canvas.image.save(buf, format="PNG")
    usage = Usage()
    pages = pipe.load(buf.getvalue(), name=page.name + ".png")
    doc = pipe.read_pages(pages, usage)
    return parse_pages(pipe, pages, doc, usage)


def _in_order(md: str, texts: list[str]) -> None:
    pos = -1
    flat = plain_text(md)
    for t in texts:
        key = plain_text(" ".join(t.split()[:4]))
        at = flat.find(key, pos + 1)
        assert at > pos, (key, flat[:400])
        pos = at


@pytest.fixture(scope="module")
def narrow(engine: EmbeddedEngine) -> tuple[DocPage, ParseResult]:
    # five columns with gutters of half a character (12 px at 19 px text), ragged: the
    # detector boxes a line of one column together with the next column's line beside it,
    # and the layout model calls two of the columns (with two lines of a third caught at its
    # edge) a table
    page = broadsheet(5, "en", seed=9)
    return page, _parse(OCRPipeline(engine), page)


def test_half_character_gutters_no_line_spans_two_columns(
    narrow: tuple[DocPage, ParseResult],
) -> None:
    page, result = narrow
    paragraphs = [plain_text(b.text) for b in page.body if b.kind in ("title", "text", "caption")]
    for region in result.pages[0].regions:
        if region.kind not in ("text", "title"):
            continue
        for ln in region.lines:
            t = plain_text(ln.text)
            if len(t) < 12:
                continue
            # a line read across a gutter holds the ends of two paragraphs: it is part of none
            best = max(fuzz.partial_ratio(t, p) for p in paragraphs)
            assert best >= 90, (ln.text, best)


def test_half_character_gutters_read_column_by_column_and_no_table(
    narrow: tuple[DocPage, ParseResult],
) -> None:
    page, result = narrow
    md = result.markdown
    assert "<table" not in md  # running text in columns is never a table
    _in_order(md, [b.text for b in page.body if b.kind in ("title", "text")])
    assert page_distance(md, page.markdown()) < 0.05


# --------------------------------------------------------------------------------------------
# The pieces, without models


def _words_line(words: list[tuple[str, float]], y: float, h: float = 20.0) -> Line:
    """A line of words at x positions (each word 9 px a character)."""
    ws = [Word(t, 0.99, polygon_of((x, y, x + 9 * len(t), y + h))) for t, x in words]
    box = (ws[0].bbox[0] - 2, y, ws[-1].bbox[2] + 2, y + h)
    return Line(" ".join(t for t, _x in words), 0.99, polygon_of(box), ws)


def _column_line(x: float, y: float, ragged: int) -> Line:
    words = ["running", "text", "inside", "one", "column"][: 5 - ragged % 2]
    out, at = [], x
    for w in words:
        out.append((w, at))
        at += 9 * len(w) + 9
    return _words_line(out, y)


def test_gutter_cuts_split_a_line_that_runs_across_a_narrow_gutter() -> None:
    # two ragged columns (x 50-320 and 332-602), gutter 12 px; row 5 was detected as one line
    lines = [_column_line(x, 100 + 26 * k, k) for k in range(10) if k != 5 for x in (50, 332)]
    merged = _words_line(
        [("running", 50), ("text", 122), ("inside", 167), ("one", 230), ("column", 266)]
        + [("next", 332), ("column", 377), ("words", 440)],
        100 + 26 * 5,
    )
    cuts = gutter_cuts([*lines, merged])
    assert cuts == {id(merged): [5]}
    left, right = split_line(merged, cuts[id(merged)])
    assert left.text == "running text inside one column" and right.text == "next column words"
    assert left.bbox[2] <= 326 <= right.bbox[0] and left.bbox[1] == merged.bbox[1]
    # one column of justified text: its word gaps are crossed by the lines above and below
    single = [
        _words_line(
            [("justified", 50), ("words", 200), ("spread", 330), ("wide", 470)], 100 + 26 * k
        )
        for k in range(8)
    ]
    assert gutter_cuts(single) == {}


def test_gutter_cuts_leave_a_receipt_alone() -> None:
    # labels left, prices right, mostly detected apart: the prices are no lines of text
    # beside a gutter, so the one row detected whole stays whole
    rows = [
        part
        for k in range(8)
        if k != 3
        for part in (
            _words_line([("Coffee", 50), ("beans", 113), ("large", 167)], 100 + 26 * k),
            _words_line([("3.50", 400)], 100 + 26 * k),
        )
    ]
    whole = _words_line([("Coffee", 50), ("beans", 113), ("large", 167), ("3.50", 400)], 178)
    assert gutter_cuts([*rows, whole]) == {}


def _line(text: str, x0: float, y0: float, x1: float, h: float = 20.0) -> Line:
    return Line(text, 0.99, polygon_of((x0, y0, x1, y0 + h)))


def test_two_text_columns_with_lines_of_a_third_at_the_edge_are_running_text() -> None:
    # short lines (two or three words: no sentences) in two narrow columns, and two lines of
    # the next column caught at the region's edge
    cols = [_line("words of text", x, 100 + 26 * k, x + 230) for x in (50, 290) for k in range(12)]
    edge = [_line("caught here", 530, 100 + 26 * k, 640) for k in range(2)]
    assert running_text(cols + edge)
    # a table of short cells is not
    cells = [
        _line(t, x, 100 + 26 * k, x + 60)
        for k in range(6)
        for x, t in ((50, "S1"), (200, "1.0"), (350, "108.0"), (500, "1.5"))
    ]
    assert not running_text(cells)
