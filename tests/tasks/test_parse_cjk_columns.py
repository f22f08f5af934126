"""Chinese broadsheets of the held-out family that read out of order: a half-character
gutter between two Chinese columns (no space the recogniser could mark) that the detector
boxes across, and columns whose boxes (from the word extents) reach into a half-character
gutter and close it for the reading order.

The real OCR and layout models run on the drawn pages; the pieces (`gutter_splits`,
`open_gutters`) are also checked on hand-made input.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from promptocr.bench.parse import page_distance
from promptocr.document.model import BBox
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.gutters import _ink, gutter_splits
from promptocr.engines.usage import Usage
from promptocr.pipeline import OCRPipeline
from promptocr.synth_heldout import broadsheet, serif
from promptocr.tasks.inkbox import open_gutters
from promptocr.tasks.parse import order_regions, parse_pages

ZH = "城市晚报消费恢复快于预期居民对造价看法不一市民在剧院门前旁听方案讨论"


def _zh_columns(gutter: int, size: int = 19) -> tuple[np.ndarray, list[int]]:
    """Two justified Chinese columns of 14 characters, `gutter` px apart, 12 lines; returns
    the page and the x of each column's left edge."""
    img = Image.new("RGB", (2 * 14 * size + gutter + 80, 12 * 28 + 60), "white")
    d = ImageDraw.Draw(img)
    f = serif(size, True)
    xs = [40, 40 + 14 * size + gutter]
    for row in range(12):
        for k, x in enumerate(xs):
            text = (ZH * 3)[row * 3 + k * 5 :][:14]
            d.text((x, 30 + row * 28), text, fill="black", font=f)
    return np.array(img)[:, :, ::-1].copy(), xs


def test_a_half_character_gutter_between_chinese_columns_is_cut() -> None:
    # the detector's box is padded (31 px for 19 px text): the gutter (10 px, about half a
    # character) is narrower than MIN_GAP box heights, but not than TEXT_GAP text heights
    page, xs = _zh_columns(gutter=10)
    ink = _ink(page, 31.0)
    y = 30 + 5 * 28
    box = (xs[0] - 4, y - 6, xs[1] + 14 * 19 + 4, y + 25)
    cuts = gutter_splits(ink, box)
    assert len(cuts) == 1
    ga, gb = cuts[0]
    assert xs[0] + 14 * 19 - 2 <= ga and gb <= xs[1] + 2


def test_chinese_text_in_one_column_is_not_cut() -> None:
    # the spaces between the characters of one column are no gutter
    page, xs = _zh_columns(gutter=10)
    ink = _ink(page, 31.0)
    y = 30 + 5 * 28
    assert gutter_splits(ink, (xs[0] - 4, y - 6, xs[0] + 14 * 19 + 2, y + 25)) == []


def _figure_page() -> tuple[list[str], list[BBox], list[BBox]]:
    """Regions of an article like `broadsheet-zh-5col-32`: a picture over its first two
    columns, the third column beside it (cut by the layout model where the first two start
    under the picture), the gutters 9 px wide; the boxes as the word extents give them (the
    second column's reaching 7 px into the gutter) and the ink inside each."""
    named = {
        "title": (50.0, 75.0, 461.0, 119.0),
        "figure": (50.0, 176.0, 604.0, 393.0),
        "caption": (51.0, 400.0, 274.0, 421.0),
        "c3-top": (613.0, 179.0, 882.0, 440.0),
        "c3-bottom": (613.0, 442.0, 887.0, 821.0),
        "c1": (49.0, 442.0, 327.0, 900.0),
        "c2": (332.0, 442.0, 610.0, 903.0),
    }
    ink = dict(named, c2=(336.0, 442.0, 603.0, 903.0))
    return list(named), list(named.values()), list(ink.values())


def test_open_gutters_keeps_a_half_character_gutter_open_for_the_reading_order() -> None:
    names, boxes, inks = _figure_page()
    img = np.full((960, 1000, 3), 255, np.uint8)
    for x0, y0, x1, y1 in inks:
        img[int(y0) : int(y1), int(x0) : int(x1)] = 0
    want = ["title", "figure", "caption", "c1", "c2", "c3-top", "c3-bottom"]
    items = list(range(len(names)))
    # the second column's box closes the gutter: the third column's top, beside the
    # picture, is read before the first two columns
    plain = order_regions(items, lambda i: boxes[i], min_gap=4.0)
    assert [names[i] for i in plain] != want
    opened = open_gutters(img, items, lambda i: boxes[i], lambda i: names[i] != "figure", 4.0)
    assert opened(names.index("c2")) == (332.0, 442.0, 603.0, 903.0)  # only the close side
    assert opened(names.index("c1")) == boxes[names.index("c1")]  # 5 px from c2: open
    assert [names[i] for i in order_regions(items, opened, min_gap=4.0)] == want


def test_open_gutters_leaves_boxes_with_open_sides_alone() -> None:
    img = np.full((60, 300, 3), 255, np.uint8)
    img[20:40, 50:120] = 0
    img[20:40, 140:200] = 0
    boxes = [(40.0, 10.0, 130.0, 50.0), (132.0, 10.0, 210.0, 50.0), (30.0, 0.0, 220.0, 8.0)]
    # a gap of 2 px between the first two, the third box over both (a headline)
    opened = open_gutters(img, [0, 1, 2], lambda i: boxes[i], lambda i: True, 4.0)
    assert opened(0) == (40.0, 10.0, 120.0, 50.0) and opened(1) == (140.0, 10.0, 210.0, 50.0)
    assert opened(2) == boxes[2]
    opened = open_gutters(img, [0, 1, 2], lambda i: boxes[i], lambda i: True, 2.0)
    assert [opened(i) for i in (0, 1, 2)] == boxes  # 2 px is open when the smallest gap is 2


# --------------------------------------------------------------------------------------------
# The held-out pages, with the real models


@pytest.fixture(scope="module")
def pipe(engine: EmbeddedEngine) -> OCRPipeline:
    return OCRPipeline(engine)


@pytest.mark.parametrize(("columns", "seed"), [(5, 32), (4, 41)])
def test_chinese_broadsheets_read_in_order(pipe: OCRPipeline, columns: int, seed: int) -> None:
    # 5 columns, seed 32: half-character gutters, a line boxed across three columns; 4
    # columns, seed 41: two articles side by side with their headlines in one row
    page = broadsheet(columns, "zh", seed=seed)
    buf = io.BytesIO()
    page.canvas.image.save(buf, format="PNG")
    usage = Usage()
    pages = pipe.load(buf.getvalue(), name=page.name + ".png")
    doc = pipe.read_pages(pages, usage)
    md = parse_pages(pipe, pages, doc, usage).markdown
    assert "<table" not in md
    assert page_distance(md, page.markdown()) < 0.05


def test_a_monospaced_receipt_line_keeps_its_aligned_word_space() -> None:
    # a receipt set in a monospaced font: the word space before a short last word lines up
    # down the receipt, as narrow as a half-character gutter (10 px at 15 px text) but with
    # only a word after it: no gutter
    img = np.full((400, 400, 3), 255, np.uint8)
    pitch, top = 9, 30
    for row in range(12):
        y = top + row * 30
        for cell in list(range(25)) + list(range(26, 31)):
            x = 20 + cell * pitch
            img[y : y + 15, x : x + 8] = 0
    ink = _ink(img, 26.0)
    y = top + 6 * 30
    box = (16, y - 5, 20 + 31 * pitch + 4, y + 21)
    assert gutter_splits(ink, box) == []
    # with a whole line of a column on either side the same gap is a gutter
    wide = np.full((400, 700, 3), 255, np.uint8)
    for row in range(12):
        y0 = top + row * 30
        for cell in list(range(25)) + list(range(26, 51)):
            wide[y0 : y0 + 15, 20 + cell * pitch : 28 + cell * pitch] = 0
    cuts = gutter_splits(_ink(wide, 26.0), (16, y - 5, 20 + 51 * pitch + 4, y + 21))
    assert len(cuts) == 1 and 20 + 25 * pitch - 2 <= cuts[0][0]
