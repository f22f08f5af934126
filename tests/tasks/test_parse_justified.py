"""Parse on narrow columns of justified text (the fourth round of issue 15's held-out pages).

In justified text set in narrow columns the spaces between words are wider than a gutter half
a character wide, so the text detector bridges the gutter rather than the spaces: many lines
of neighbouring columns are boxed together, some of them in consecutive rows, and the top row
under a headline as well. Two articles side by side, with a gutter as narrow, are read article
by article even where a paragraph break of one lines up with a caption's end in the other.

The pieces (`gutter_cuts`, `order_regions`) are checked on hand-made input; one drawn page
runs the real OCR and layout models.
"""

from __future__ import annotations

import io
import random

from task_synth import justified_words, worded_line

from promptocr.bench.parse import page_distance, plain_text
from promptocr.document.model import Line
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.usage import Usage
from promptocr.pipeline import OCRPipeline
from promptocr.synth import Canvas
from promptocr.synth_docs import DocPage, RefBlock, _crop_height
from promptocr.synth_heldout import EN_VOCAB, SerifWriter, _columns, _head, broadsheet
from promptocr.tasks.columns import gutter_cuts
from promptocr.tasks.parse import order_regions, parse_pages

CHAR = 9  # px a character on the hand-made lines
H = 20  # their height


def _line(words: list[tuple[str, float]], y: float, h: float = H, char: float = CHAR) -> Line:
    return worded_line(words, y, h, char)


def _justified(rng: random.Random, x: float, width: float) -> list[tuple[str, float]]:
    """Words of one justified line filling [x, x + width]: the spaces share what is left."""
    vocabulary = ["household", "the", "municipal", "of", "realistic", "stay", "winter"]
    return justified_words(rng, x, width, vocabulary, CHAR)


COLS = (50.0, 332.0)  # two columns 270 px wide (13.5 line heights), a 12 px gutter
WIDTH = 270.0


def _two_columns(
    merged_rows: set[int], rows: int = 14, y0: float = 100, seed: int = 7
) -> tuple[list[Line], dict[int, Line]]:
    """Two justified columns; in `merged_rows` a line of each column is boxed as one line."""
    rng = random.Random(seed)
    lines: list[Line] = []
    merged: dict[int, Line] = {}
    for k in range(rows):
        y = y0 + 26 * k
        left, right = _justified(rng, COLS[0], WIDTH), _justified(rng, COLS[1], WIDTH)
        if k in merged_rows:
            merged[k] = _line(left + right, y)
            lines.append(merged[k])
        else:
            lines += [_line(left, y), _line(right, y)]
    return lines, merged


def test_gutter_cuts_find_a_gutter_that_several_lines_run_across() -> None:
    # rows 0 (the top row, right under a headline over both columns), 3, 4 (consecutive)
    # and 9 were each boxed across the gutter: every one of them is cut there, and nothing else
    lines, merged = _two_columns({0, 3, 4, 9})
    headline = _line([("Volunteers", 50), ("map", 300), ("every", 420)], 50, 36, 22)
    cuts = gutter_cuts([headline, *lines])
    assert set(cuts) == {id(ln) for ln in merged.values()}
    for ln in merged.values():
        (k,) = cuts[id(ln)]
        assert ln.words[k - 1].bbox[2] <= COLS[1] - 5 and ln.words[k].bbox[0] == COLS[1]


def test_gutter_cuts_leave_one_justified_column_alone() -> None:
    # one column 540 px wide of justified lines whose wide spaces line up here and there
    rng = random.Random(3)
    lines = [_line(_justified(rng, 50, 540), 100 + 26 * k) for k in range(14)]
    assert gutter_cuts(lines) == {}
    # nor a river: the same words in every row leave the same spaces free all the way down
    row = _justified(random.Random(5), 50, 540)
    assert gutter_cuts([_line(row, 100 + 26 * k) for k in range(14)]) == {}


def test_gutter_cuts_leave_a_boxed_note_under_the_columns_whole() -> None:
    # a note across both columns right under them, set apart by more than a row's spacing,
    # whose word space happens to fall on the gutter
    lines, _merged = _two_columns(set(), rows=10)
    note_y = 100 + 26 * 10 + 22
    note = _line([("boxed", 70), ("note", 124), ("across", 174), ("words", 240)], note_y)
    words = [("running", 60), ("on", 134), ("under", 158), ("the", 212), ("columns", 257)]
    words += [("here", COLS[1]), ("beyond", COLS[1] + 45), ("it", COLS[1] + 108)]
    across = _line(words, note_y + 26)
    assert id(across) not in gutter_cuts([*lines, note, across])


def test_two_articles_side_by_side_are_read_article_by_article() -> None:
    # a narrow gutter (9 px) between article A (headline, deck, picture and caption over two
    # columns) and article B (headline, paragraphs, a boxed note); B's paragraph break lines
    # up with the space under A's caption: a band across the page, but no wider than the
    # spaces between the paragraphs of a column
    boxes = {
        "a-head": (50, 76, 481, 118),
        "a-deck": (49, 130, 287, 163),
        "a-figure": (50, 179, 846, 493),
        "a-caption": (48, 501, 292, 522),
        "a1-1": (47, 549, 438, 762),
        "a1-2": (48, 781, 430, 870),
        "a1-3": (48, 874, 431, 1132),
        "a2-1": (450, 549, 834, 761),
        "a2-2": (448, 762, 532, 796),
        "a2-3": (451, 812, 842, 1149),
        "b-head": (859, 74, 1189, 109),
        "b-1": (857, 139, 1242, 195),
        "b-2": (855, 199, 1243, 382),
        "b-3": (857, 402, 1238, 520),
        "b-note-1": (865, 542, 1226, 660),
        "b-note-2": (861, 661, 905, 698),
    }
    order = order_regions(list(boxes), lambda k: boxes[k], 3.75)
    assert order == list(boxes)


def test_gutter_cuts_leave_a_headline_between_the_columns_whole() -> None:
    # a headline in larger type over the columns of the next article, right under the
    # columns of the one before: its word space falls on the gutter, lines of both columns
    # stand above and below it, but a headline's space is no gutter
    above, _m = _two_columns(set(), rows=6)
    below, _m = _two_columns(set(), rows=6, y0=310, seed=8)
    head = _line(
        [("Library", 60), ("opens", 206), ("late", COLS[1] + 4), ("today", 430)], 262, 34, 20
    )
    assert id(head) not in gutter_cuts([*above, head, *below])


def test_a_band_under_which_a_headline_opens_the_next_article_is_read_first() -> None:
    # the three columns of article A (paragraphs 16 px apart), then article B's headline
    # over the first two columns and a note in the third; the band between the articles
    # (20 px) is wider than the gutters (10 px) but not clearly wider than the paragraph
    # breaks: the headline under it says it is the space between two articles
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for k, x in enumerate((50, 340, 630)):
        boxes[f"a{k + 1}-1"] = (x, 100, x + 280, 240)
        boxes[f"a{k + 1}-2"] = (x, 256, x + 280, 400)
    boxes["b-head"] = (50, 420, 600, 450)
    for k, x in enumerate((50, 340)):
        boxes[f"b{k + 1}-1"] = (x, 466, x + 280, 580)
        boxes[f"b{k + 1}-2"] = (x, 596, x + 280, 700)
    boxes["c-1"] = (630, 420, 900, 560)
    boxes["c-2"] = (630, 576, 900, 700)
    order = order_regions(list(boxes), lambda k: boxes[k], 3.0, lambda k: k.endswith("head"))
    assert order == list(boxes)
    # told of no headline, the band is a paragraph break: the third column is read to its end
    plain = order_regions(list(boxes), lambda k: boxes[k], 3.0)
    assert plain.index("b-head") < plain.index("a3-1")


# --------------------------------------------------------------------------------------------
# A drawn page


def _justified_page(seed: int) -> DocPage:
    """Five justified columns 11 px apart (half a character at 19 px text): article A under a
    headline over its three columns, article B with its own headline over the last two."""
    rng = random.Random(seed)
    size, gutter, margin, width = 19, 11, 50, 1500
    col_w = (width - 2 * margin - 4 * gutter) // 5
    cols = [(margin + i * (col_w + gutter), col_w) for i in range(5)]
    c = Canvas(width, 1300)
    w = SerifWriter(c, "en", size, True)
    blocks: list[RefBlock] = []
    bottom = 0

    def para(n: int) -> str:
        out = []
        for _ in range(n):
            words = [rng.choice(EN_VOCAB).strip(",.") for _ in range(rng.randint(8, 14))]
            out.append(" ".join(words).capitalize() + ".")
        return " ".join(out)

    for heads, span, npara in (
        (["Waterfront crossing wins approval"], cols[:3], 5),
        (["Volunteers map every tree"], cols[3:], 3),
    ):
        y = 40
        for text in heads:
            t = _head(c, (span[0][0], y), text, int(size * 1.8))
            blocks.append(RefBlock("title", text, level=2))
            y = t.box[3] + int(size * 0.8)
        body = [para(rng.randint(3, 4)) for _ in range(npara)]
        bottom = max(bottom, _columns(w, body, span, [y] * len(span)))
        blocks.extend(RefBlock("text", p) for p in body)
    _crop_height(c, bottom + 40)
    return DocPage(f"justified-{seed}", "en", c, blocks)


def test_justified_narrow_columns_are_read_column_by_column(engine: EmbeddedEngine) -> None:
    page = _justified_page(4)
    buf = io.BytesIO()
    page.canvas.image.save(buf, format="PNG")
    pipe = OCRPipeline(engine)
    usage = Usage()
    pages = pipe.load(buf.getvalue(), name=page.name + ".png")
    doc = pipe.read_pages(pages, usage)
    md = parse_pages(pipe, pages, doc, usage).markdown
    flat = plain_text(md)
    pos = -1
    for b in page.body:  # every headline and paragraph, in order
        at = flat.find(plain_text(" ".join(b.text.split()[:4])), pos + 1)
        assert at > pos, (b.text[:40], flat[:300])
        pos = at
    assert page_distance(md, page.markdown()) < 0.05


def test_held_out_broadsheet_headlines_stay_on_the_page() -> None:
    # the renderer wraps a headline in the font it draws it in: no text runs off the page
    for seed in range(48, 54):
        for n in (4, 5):
            page = broadsheet(n, "en", seed=seed)
            width = page.canvas.image.size[0]
            assert all(ln.box[2] <= width - 10 for ln in page.canvas.lines), page.name


def test_a_body_line_over_the_columns_is_not_cut_at_a_word_space() -> None:
    # a line set across the columns' top at line spacing, one of its word spaces by chance
    # over the gutter (narrower than it), and a letter-spaced title: neither is two columns
    vocab = [
        "Council",
        "approves",
        "the",
        "new",
        "budget",
        "for",
        "harbour",
        "district",
        "schools",
        "and",
        "a",
        "road",
    ]
    for seed in range(40):
        rng = random.Random(seed)
        at, words = 50.0, []
        for w in (rng.choice(vocab) for _ in range(14)):
            if at + CHAR * len(w) > 600:
                break
            words.append((w, at))
            at += CHAR * len(w) + 9
        top = _line(words, 100 - 26)
        body, _ = _two_columns(set(), rows=8, seed=seed)
        assert id(top) not in gutter_cuts([top, *body]), (seed, top.text)
    for off in range(0, 40, 2):
        at, letters = 170.0 + off, []
        for ch in "ANNUALREPORT2025":
            letters.append((ch, at))
            at += 19
        title = _line(letters, 100 - 26)
        body, _ = _two_columns(set(), rows=8)
        assert id(title) not in gutter_cuts([title, *body]), off


def test_chinese_lines_across_a_gutter_are_cut_on_a_page_set_mostly_in_latin() -> None:
    # Chinese characters are twice as wide as Latin letters: no headline for it
    lines, _ = _two_columns(set(), rows=16, seed=4)
    merged = []
    for k in range(10):
        y = 600 + 26 * k
        a, b = ("财" * (13 if k % 4 != 3 else 7), COLS[0]), ("政" * 13, COLS[1])
        if k in (3, 6):
            merged.append(_line([a, b], y, char=20))
            lines.append(merged[-1])
        else:
            lines += [_line([a], y, char=20), _line([b], y, char=20)]
    cuts = gutter_cuts(lines)
    assert all(id(m) in cuts for m in merged)


def test_order_regions_survives_a_gap_that_rounds_above_its_edge() -> None:
    # (a - e) + e > a in floating point: the band under the widest gap is still found
    e, a = 105.8, 250.9
    assert (a - e) + e > a
    boxes = [(50, e - 100, 300, e), (320, e - 50, 570, e - 0), (50, a, 300, a + 300)]
    boxes.append((320, a, 570, a + 250))
    assert sorted(order_regions(list(range(4)), lambda k: boxes[k], 3.0)) == [0, 1, 2, 3]


def test_lines_whose_words_run_right_to_left_are_not_cut() -> None:
    # a line read turned round lists its words right to left: no gap of it is a gutter
    lines, _ = _two_columns(set(), rows=14, seed=1)
    turned = [Line(ln.text, 0.9, ln.polygon, list(reversed(ln.words))) for ln in lines]
    assert gutter_cuts(turned) == {}
