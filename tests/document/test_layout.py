"""Reading order and block grouping on rendered pages with known line positions."""

from __future__ import annotations

import numpy as np

from promptocr import synth
from promptocr.document.layout import build_blocks, sort_rows
from promptocr.document.model import Line, polygon_of
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage


def lines_of(canvas: synth.Canvas) -> list[Line]:
    """The canvas's drawn lines as model lines (geometry straight from the renderer)."""
    return [
        Line(d.text, 0.99, polygon_of(tuple(float(v) for v in d.box)))  # type: ignore[arg-type]
        for d in canvas.lines
    ]


def test_two_column_page_reads_title_then_left_then_right_column() -> None:
    page = synth.two_column_page(paragraphs=3, lines_per_paragraph=3)
    lines = lines_of(page)
    shuffled = [lines[i] for i in np.random.default_rng(0).permutation(len(lines))]
    blocks = build_blocks(shuffled)
    assert [ln.text for b in blocks for ln in b.lines] == [d.text for d in page.lines]
    # title alone, then one block per paragraph (3 per column)
    assert [len(b.lines) for b in blocks] == [1] + [3] * 6
    left_edge = blocks[1].bbox[0]
    assert all(b.bbox[0] == left_edge for b in blocks[1:4])
    assert all(b.bbox[0] > page.image.width / 2 for b in blocks[4:])


def test_two_column_page_with_full_width_footer() -> None:
    page = synth.two_column_page(paragraphs=2, lines_per_paragraph=2)
    height = page.image.height
    footer = Line(
        "Page 1 of 1 - River Survey annual report - printed on recycled paper",
        0.99,
        polygon_of((60.0, height + 40.0, 1100.0, height + 64.0)),
    )
    blocks = build_blocks([footer, *reversed(lines_of(page))])
    order = [ln.text for b in blocks for ln in b.lines]
    assert order == [d.text for d in page.lines] + [footer.text]


def test_receipt_keeps_item_and_price_on_one_row() -> None:
    page = synth.receipt()
    blocks = build_blocks(lines_of(page)[::-1])
    text = "\n".join(b.text for b in blocks)
    for row in ("MINERAL WATER 1.5L 2.50", "WHITE BREAD 3.80", "TOTAL 13.50", "CHANGE 6.50"):
        assert row in text.split("\n"), text
    assert text.index("GREEN LEAF") < text.index("TOTAL 13.50") < text.index("THANK YOU")


def test_sort_rows_groups_by_row_left_to_right() -> None:
    a = Line("left", 0.9, polygon_of((10.0, 10.0, 100.0, 30.0)))
    b = Line("right", 0.9, polygon_of((300.0, 12.0, 380.0, 31.0)))
    c = Line("below", 0.9, polygon_of((10.0, 60.0, 100.0, 80.0)))
    rows = sort_rows([c, b, a])
    assert [[ln.text for ln in r] for r in rows] == [["left", "right"], ["below"]]


def test_empty_and_whitespace_lines_give_no_blocks() -> None:
    assert build_blocks([]) == []
    assert build_blocks([Line("  ", 0.9, polygon_of((0.0, 0.0, 10.0, 10.0)))]) == []


def test_two_column_page_read_by_the_engine(engine: EmbeddedEngine) -> None:
    page = synth.two_column_page(paragraphs=2, lines_per_paragraph=3)
    result = engine.read_page(PageImage(0, np.asarray(page.image), "two-column.png"), Usage())
    got = [ln.text for ln in result.lines]
    want = [d.text for d in page.lines]
    assert len(got) == len(want)
    # Each recognized line is matched to the drawn line it overlaps; the order must agree.
    order = []
    for ln in result.lines:
        cy = (ln.bbox[1] + ln.bbox[3]) / 2
        cx = (ln.bbox[0] + ln.bbox[2]) / 2
        hits = [
            i
            for i, d in enumerate(page.lines)
            if d.box[0] - 10 <= cx <= d.box[2] + 10 and d.box[1] - 10 <= cy <= d.box[3] + 10
        ]
        assert len(hits) == 1, (ln.text, hits)
        order.append(hits[0])
    assert order == list(range(len(want)))
    assert result.blocks[0].text == want[0]


def test_three_columns_are_read_one_after_the_other() -> None:
    page = synth.two_column_page(width=1500, paragraphs=2, lines_per_paragraph=2, columns=3)
    blocks = build_blocks(lines_of(page)[::-1])
    assert [ln.text for b in blocks for ln in b.lines] == [d.text for d in page.lines]
    assert len(blocks) == 1 + 3 * 2


def test_receipt_read_by_the_engine_stays_row_by_row(engine: EmbeddedEngine) -> None:
    page = synth.receipt()
    result = engine.read_page(PageImage(0, np.asarray(page.image), "receipt.png"), Usage())
    rows = result.text.split("\n")
    for row in ("MINERAL WATER 1.5L 2.50", "WHITE BREAD 3.80", "TOTAL 13.50", "CASH 20.00"):
        assert row in rows, result.text
    assert rows[0] == "GREEN LEAF TRADING SDN BHD" and rows[-1] == "THANK YOU, PLEASE COME AGAIN"
