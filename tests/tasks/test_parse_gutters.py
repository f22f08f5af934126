"""Parse on the failures the held-out pages of `synth_heldout` found: columns with gutters
half a character wide, columns of text the layout model calls a table, boxed articles side
by side, a shaded title bar taken for a picture, exam options taken for text columns.

The real OCR and layout models run on drawn pages; the pieces (`gutter_cuts`, `split_line`,
`running_text`, `find_frames`, `order_framed`, `find_pictures`, `sort_rows`) are also checked
on hand-made input without models.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw
from rapidfuzz import fuzz

from promptocr.bench.parse import page_distance, plain_text
from promptocr.document.layout import sort_rows
from promptocr.document.model import Line, Word, polygon_of
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.usage import Usage
from promptocr.pipeline import OCRPipeline
from promptocr.synth_docs import DocPage
from promptocr.synth_heldout import boxed_news, broadsheet
from promptocr.tasks.columns import gutter_cuts, running_text, segment_text, split_line
from promptocr.tasks.frames import find_frames, order_framed
from promptocr.tasks.parse import ParseResult, find_pictures, order_regions, parse_pages


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


def test_boxed_articles_side_by_side_are_read_box_by_box(engine: EmbeddedEngine) -> None:
    # two framed articles side by side, their headlines on one row, columns divided by rules;
    # a third framed article across the page under them
    page = boxed_news("en", seed=22)
    md = _parse(OCRPipeline(engine), page).markdown
    assert "<table" not in md and "MORNING LIGHT" not in md and "A17" not in md
    _in_order(md, [b.text for b in page.body if b.kind in ("title", "text")])
    assert page_distance(md, page.markdown()) < 0.05


def test_find_frames() -> None:
    img = Image.new("RGB", (1000, 600), "white")
    d = ImageDraw.Draw(img)
    d.rectangle((20, 20, 480, 400), outline="black", width=2)
    d.rectangle((520, 20, 980, 400), outline="black", width=2)
    d.rectangle((600, 450, 900, 560), fill=(60, 90, 60))  # a solid picture: no frame
    lines = [_line("text", x, y, x + 150) for x in (40, 260, 540, 760) for y in (40, 80, 120)]
    frames = sorted(find_frames(np.asarray(img), lines, 20.0))
    assert len(frames) == 2
    assert abs(frames[0][0] - 20) <= 4 and abs(frames[1][2] - 980) <= 4


def test_order_framed_reads_boxed_articles_box_by_box() -> None:
    # region boxes of a page of boxed articles (`boxed_news("en", 22)`): a banner headline,
    # two framed articles side by side whose headlines share a row, a framed article across
    # the page under them
    frames = [(42, 124, 920, 762), (936, 124, 1520, 762), (42, 775, 1520, 1269)]
    boxes = {
        "banner": (41, 62, 909, 110),
        "head-a": (54, 139, 681, 167),
        "head-b": (948, 139, 1508, 167),
        "b2": (1230, 178, 1510, 743),
        "a1": (51, 180, 330, 551),
        "a2-1": (341, 180, 620, 277),
        "a3-1": (629, 180, 908, 252),
        "b1-1": (947, 180, 1222, 224),
        "b1-2": (944, 227, 1224, 503),
        "a3-2": (631, 265, 908, 550),
        "a2-2": (341, 277, 620, 550),
        "b1-3": (945, 504, 1222, 743),
        "head-c": (64, 790, 796, 819),
        "c1-1": (52, 829, 333, 856),
        "c4": (932, 830, 1217, 1203),
        "c2": (346, 831, 627, 1204),
        "c3": (638, 831, 922, 1094),
        "c5-1": (1225, 831, 1509, 904),
        "c1-2": (52, 855, 333, 1204),
        "c5-2": (1225, 904, 1509, 1250),
    }
    expected = [
        "banner", "head-a", "a1", "a2-1", "a2-2", "a3-1", "a3-2",
        "head-b", "b1-1", "b1-2", "b1-3", "b2",
        "head-c", "c1-1", "c1-2", "c2", "c3", "c4", "c5-1", "c5-2",
    ]  # fmt: skip
    order = order_framed(
        list(boxes), lambda k: boxes[k], frames, lambda it, box: order_regions(it, box, 3.3)
    )
    assert order == expected
    # without the frames both headlines are read before either article
    plain = order_regions(list(boxes), lambda k: boxes[k], 3.3)
    assert plain.index("head-b") < plain.index("a1")


def test_a_flat_tint_is_no_picture_but_a_photo_is() -> None:
    img = Image.new("RGB", (1600, 900), "white")
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, 1600, 130), fill=(225, 232, 242))  # a slide's title bar
    d.rectangle((1000, 200, 1500, 600), fill=(198, 212, 226))  # a picture: sky ...
    d.rectangle((1000, 420, 1500, 600), fill=(60, 90, 60))  # ... and hills
    title = _line("Title", 70, 40, 900, 50)
    found = find_pictures(np.asarray(img), [title], [])
    assert len(found) == 1 and found[0].bbox[0] >= 990 and found[0].bbox[1] >= 190


def test_exam_options_under_each_question_are_no_text_column() -> None:
    # question rows across the page, each followed by a row of four options: the options C
    # and D line up one under another, but three line heights apart: no column
    lines: list[Line] = []
    for q in range(4):
        y = 100 + 80 * q
        lines.append(_line(f"{q + 1}. which statement about the crossing is true", 80, y, 620))
        for k, x in enumerate((120, 380, 640, 900)):
            lines.append(_line(f"{'ABCD'[k]}. words of option", x, y + 28, x + 200))
    assert segment_text(lines) is None


def test_a_tilted_long_line_does_not_join_the_row_above() -> None:
    above = _line("the first line of a justified paragraph across the page", 78, 186, 1162, 28)
    # tilted by a degree: its polygon reaches up into the row above
    below = Line(
        "the second line",
        0.99,
        ((76.0, 217.0), (1163.0, 198.0), (1163.0, 229.0), (76.0, 248.0)),
    )
    rows = sort_rows([below, above])
    assert [[ln.text for ln in r] for r in rows] == [[above.text], [below.text]]


def test_a_vertical_rule_read_as_a_bar_is_dropped() -> None:
    from promptocr.tasks.parse import _without_rules

    line = _words_line([("long-awaited|", 215)], 813)  # the rule right of a column's line
    clean = _without_rules(line)
    assert clean.text == "long-awaited" and [w.text for w in clean.words] == ["long-awaited"]
    assert clean.bbox[2] < line.bbox[2] - 5 and clean.bbox[0] == line.words[0].bbox[0]
    line = _words_line([("|the", 629), ("anticipated", 680)], 813)  # the rule left of it
    clean = _without_rules(line)
    assert clean.text == "the anticipated" and clean.bbox[0] > 629
    plain = _words_line([("a", 10), ("|", 40), ("b", 60)], 10)  # a bar inside: kept
    assert _without_rules(plain) is plain


def test_gutter_cuts_leave_a_line_set_across_the_columns_top_whole() -> None:
    # a line of body text above two columns (gutter 320-332) crosses the gutter with a plain
    # word space: only the columns below show the gutter, so it is no merged pair of lines
    body = [_column_line(x, 130 + 26 * k, k) for k in range(8) for x in (50, 332)]
    words, at = [], 50.0
    for w in [
        "Council",
        "approves",
        "the",
        "new",
        "budget",
        "for",
        "the",
        "harbour",
        "district",
        "schools",
    ]:
        words.append((w, at))
        at += 9 * len(w) + 9
    across = _words_line(words, 100)
    assert id(across) not in gutter_cuts([across, *body])


def test_a_superscript_or_a_price_touching_a_line_stays_on_its_row() -> None:
    def line(text: str, box: tuple[float, float, float, float]) -> Line:
        return Line(text, 0.9, polygon_of(box))

    rows = sort_rows(
        [line("The result holds", (50, 100, 300, 120)), line("1", (290, 96, 300, 106))]
    )
    assert [[x.text for x in r] for r in rows] == [["The result holds", "1"]]
    rows = sort_rows(
        [line("Coffee ......", (50, 100, 400, 120)), line("3.50", (360, 102, 420, 122))]
    )
    assert [[x.text for x in r] for r in rows] == [["Coffee ......", "3.50"]]
