"""Parse on five narrow justified columns (the fifth round of issue 15's held-out pages).

Three faults, each found on a five-column English broadsheet and checked here on hand-made
input (no models):

- a line the detector boxed across a gutter had neighbours that bridge it too, and the
  recogniser placed their words only roughly: one of them "started" inside the gutter, so
  the white stretch between the columns' ends and starts looked closed;
- a short line across a gutter (the last word of one column's row with the first word of the
  next column's, the rest of each row boxed apart) was never looked at;
- a layout "table" over two columns under a picture's caption, with a few words of the next
  column caught at its edge, was not read as running text (the caption hides the gutter from
  the whole region);
- a picture's box reaching over the first letters of the column beside it kept them as part
  of the picture when tightened to its pixels, and so hid the gutter from the reading order.
"""

from __future__ import annotations

import random

import numpy as np
from task_synth import justified_words, worded_line

from promptocr.document.model import Line
from promptocr.engines.layout import LayoutRegion
from promptocr.tasks.columns import gutter_cuts, running_text
from promptocr.tasks.parse import _tighten

CHAR = 9  # px a character on the hand-made lines
H = 20  # their height
LEFT, RIGHT, WIDTH = 50.0, 332.0, 270.0  # two columns 270 px wide, a 12 px gutter
LONG = ["household", "municipal", "realistic", "authorities", "construction", "pensioners"]


def _line(words: list[tuple[str, float]], y: float, h: float = H) -> Line:
    return worded_line(words, y, h, CHAR)


def _justified(rng: random.Random, x: float, width: float) -> list[tuple[str, float]]:
    """Long words (three to a line at most: no line reads as a sentence) filling [x, x+width]."""
    return justified_words(rng, x, width, LONG, CHAR)


def _rows(rng: random.Random, rows: range, y0: float = 100) -> list[Line]:
    return [_line(_justified(rng, x, WIDTH), y0 + 26 * k) for k in rows for x in (LEFT, RIGHT)]


def test_a_gutter_is_cut_where_a_bridging_neighbours_word_reaches_into_it() -> None:
    rng = random.Random(11)
    lines = _rows(rng, range(3)) + _rows(rng, range(6, 14))
    merged = _line(_justified(rng, LEFT, WIDTH) + _justified(rng, RIGHT, WIDTH), 100 + 26 * 3)
    # row 5, also boxed across the gutter: its right half's words placed 10 px too far left
    # (the recogniser's character timing), so that it "starts" inside the gutter
    rough = _line(_justified(rng, LEFT, WIDTH) + _justified(rng, RIGHT - 10, WIDTH), 100 + 26 * 5)
    row4 = _rows(rng, range(4, 5))
    cuts = gutter_cuts([*lines, merged, *row4, rough])
    (k,) = cuts[id(merged)]
    assert merged.words[k - 1].bbox[2] <= RIGHT - 10 and merged.words[k].bbox[0] == RIGHT


def test_a_short_line_across_a_gutter_is_cut() -> None:
    # row 6: the left column's last word and the right column's first word boxed as one
    # short line (5 line heights), the rest of each row boxed apart
    rng = random.Random(5)
    lines = _rows(rng, range(6)) + _rows(rng, range(7, 14))
    y = 100 + 26 * 6
    short = _line([("stay", RIGHT - 12 - 4 * CHAR), ("winter", RIGHT)], y)
    rest_left = _line(_justified(rng, LEFT, WIDTH - 4 * CHAR - 8), y)
    rest_right = _line(_justified(rng, RIGHT + 6 * CHAR + 8, WIDTH - 6 * CHAR - 8), y)
    cuts = gutter_cuts([*lines, short, rest_left, rest_right])
    assert cuts.get(id(short)) == [1]
    assert id(rest_left) not in cuts and id(rest_right) not in cuts


def test_two_columns_under_a_caption_with_words_of_the_next_column_are_running_text() -> None:
    # what the layout model called a table: a picture's caption across two columns (over
    # their gutter), the columns under it, and the first words of the next column caught at
    # the region's right edge, one of them on the caption's row
    rng = random.Random(2)
    caption = _line(
        [("Residents", 50), ("outside", 150), ("the", 230), ("theatre", 300), ("Thursday.", 380)],
        70,
    )
    columns = _rows(rng, range(14))
    edge = [_line([(w, 614)], 70 + 26 * k) for k, w in ((0, "cost"), (3, "the"), (6, "would"))]
    assert running_text([caption, *columns, *edge])
    # a real table's rows (short cells that line up under a header) are no running text
    cells = [
        _line([(w, x)], 100 + 26 * k)
        for k in range(8)
        for w, x in (("Region", 50), (f"{k * 17 % 90}.{k}", 260), (f"{k * 3}", 420))
    ]
    assert not running_text(cells)


def test_a_picture_box_is_tightened_without_the_text_beside_it() -> None:
    # a picture at x 50..500, the next column's lines from x 512 on; the model's figure box
    # runs to x 540, over the lines' first letters
    page = np.full((400, 800, 3), 255, dtype=np.uint8)
    yy, xx = np.mgrid[100:300, 50:500]
    page[100:300, 50:500] = np.stack([(xx * 7 + yy * 3) % 200] * 3, axis=-1).astype(np.uint8)
    lines = []
    for k in range(8):
        y = 104 + 24 * k
        page[y + 4 : y + 16, 514:700] = 0  # a line of text (ink)
        lines.append(_line([("residents", 512), ("announced", 610)], y))
    region = LayoutRegion("figure", 0.9, (48.0, 98.0, 540.0, 302.0))
    box = _tighten(region, page, lines).bbox
    assert box[2] <= 501 and box[0] >= 49 and box[1] >= 99 and box[3] <= 301
    # a label inside the picture (mostly inside its box) stays part of it
    page[280:296, 490:508] = 0
    label = _line([("km", 490)], 278)
    assert _tighten(region, page, [*lines, label]).bbox[2] >= 507


def test_a_short_line_alone_on_its_row_over_the_gutter_is_not_cut() -> None:
    # a centred subhead between two sections of a two-column page, its word space over the
    # gutter (x 320-332): no line of the columns' row stands beside it, so it is one line
    rng = random.Random(5)
    cols = _rows(rng, range(6)) + _rows(rng, range(8, 14))
    y = 100 + 26 * 6.5
    for words in (
        [("Chapter", 326 - 6 - 7 * CHAR + 3), ("Two", 329)],
        [("Part", 326 - 3 - 4 * CHAR), ("Two", 329)],
    ):
        head = _line(words, y)
        assert id(head) not in gutter_cuts([*cols, head]), head.text


def test_a_table_of_lower_case_text_cells_beside_a_number_column_is_no_running_text() -> None:
    # a header over two text columns whose cells begin in lower case, and a column of
    # quantities on every row: the text columns share their rows with the numbers
    rows = [
        ("stainless steel", "outer frame parts", "12"),
        ("carbon fibre", "inner panel sheet", "4"),
        ("cast iron", "base plate and feet", "2"),
        ("brass wire", "spring coil set", "30"),
        ("oak board", "side panels left", "6"),
        ("pine strip", "back rail top", "8"),
        ("glass pane", "front window pane", "1"),
    ]

    def cell(text: str, x: float, y: float) -> Line:
        words, at = [], x
        for w in text.split():
            words.append((w, at))
            at += 10 * (len(w) + 1)
        return _line(words, y)

    lines = [_line([("Material", 50), ("and", 200), ("use", 300)], 70)]
    for k, (a, b, n) in enumerate(rows):
        y = 100 + 26 * k
        lines += [cell(a, 50, y), cell(b, 260, y), _line([(n, 520)], y)]
    assert not running_text(lines)
