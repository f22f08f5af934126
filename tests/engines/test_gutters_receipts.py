"""The column-gutter split (engines/gutters.py) on single-column pages: receipts and typed
forms, whose wide label-value spaces, faint print, grey paper, monospaced letters and light
print on dark bands once made it cut lines where no column gutter is (on one receipt inside
`2018`, losing its faint `0`). Pages are drawn here; the real text detector boxes them.

Which test pins which check (each fails with its check switched off, and asserts that its
page still shows the fault, so it cannot pass by losing it):

- the faint mask: the faint receipt digit (Otsu's ink alone cuts `2018`);
- the picture test against the paper level: the grey receipt (grey < 235 cuts it);
- the minimum gap unrounded: the 17 px typewritten page (cut when the minimum is truncated;
  not asserted in the test: the rounding is inside the function);
- twice the line's letter gaps: the letter-spaced typewritten page;
- half the lines beside open: the two-paragraph typewritten page;
- grey thin rules out of the faint mask: two Chinese columns with a grey rule in the gutter.

The dark band's test guards only the outcome: with the band dropped from the faint mask too
(Otsu's ink alone) its gaps are stopped by the other checks. Two Chinese columns on
photographed grey paper are still cut at their gutter.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from promptocr.engines import gutters
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.gutters import (
    PICTURE_SHADE,
    _ink,
    _masks,
    find_gutters,
    gutter_splits,
    split_at_gutters,
)
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage
from promptocr.synth import font

MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
TYPEWRITER = "/usr/share/fonts/opentype/urw-base35/NimbusMonoPS-Regular.otf"
Box = tuple[int, int, int, int]


def _bgr(img: Image.Image) -> np.ndarray:
    return np.array(img.convert("RGB"))[:, :, ::-1].copy()


def _boxes(quads: np.ndarray) -> list[Box]:
    return [
        (int(q[:, 0].min()), int(q[:, 1].min()), int(q[:, 0].max()), int(q[:, 1].max()))
        for q in quads
    ]


def _cut_words(bgr: np.ndarray, quads: np.ndarray, words: list[tuple[str, Box]]) -> list[str]:
    """The drawn words that the split leaves in no piece whole: a word is whole when some box
    after the split spans it (its ends within 2 px) at its height."""
    pieces, _n = split_at_gutters(bgr, quads)
    out = []
    for text, (x0, y0, x1, y1) in words:
        mid = (y0 + y1) / 2
        whole = any(
            a <= x0 + 2 and b >= x1 - 2 and top <= mid <= bottom
            for a, top, b, bottom in _boxes(pieces)
        )
        spanned = any(
            a <= x0 + 2 and b >= x1 - 2 and top <= mid <= bottom
            for a, top, b, bottom in _boxes(quads)
        )
        if spanned and not whole:
            out.append(text)
    return out


def _detect(engine: EmbeddedEngine, bgr: np.ndarray) -> np.ndarray:
    quads, _scores = engine.detector(bgr, engine.settings.detection)
    return quads


# --------------------------------------------------------------------------------------------
# A receipt's date with a faint digit in a column of aligned label-value spaces


def _faint_receipt() -> tuple[np.ndarray, list[tuple[str, Box]], Box]:
    """A monospaced receipt whose labels end and values start at the same character cells, so
    a white column runs down it; in the date line the `0` of `2018` is printed faint (light
    grey) right in that column. Returns the page, the date line's words and the `2018` box."""
    f = ImageFont.truetype(MONO, 22)
    adv = f.getlength("0")
    rows = [
        f"{'Counter No.: 0002':<17} GST REG NO:",
        f"{'Table No.: 000012':<17} 001335787520",
        f"{'INV No.: 1175805':<17} Cashier: Thandar",
        "Date    : 04-06-2018 15:53:52",
        "- " * 15,
        f"{'Item Description':<17} Qty  U.price",
        f"{'Teh Tarik (B) 1 x':<17} 2.20",
        f"{'Milo Ais (B) 2 x':<17} 5.60",
        f"{'Total (incl GST):':<17} 7.80",
    ]
    img = Image.new("RGB", (int(34 * adv) + 60, 60 + 41 * len(rows)), "white")
    d = ImageDraw.Draw(img)
    words: list[tuple[str, Box]] = []
    year: Box = (0, 0, 0, 0)
    for k, text in enumerate(rows):
        y = 30 + 41 * k
        if not text.startswith("Date"):
            d.text((30, y), text, font=f, fill="black")
            continue
        for i, ch in enumerate(text):  # the faint digit: cell 17, the `0` of 2018
            d.text((30 + i * adv, y), ch, font=f, fill=(215, 215, 215) if i == 17 else "black")
        for word in text.split():
            i = text.index(word)
            bb = d.textbbox((30 + i * adv, y), word, font=f)
            words.append((word, (int(bb[0]), int(bb[1]), int(bb[2]), int(bb[3]))))
        bb = d.textbbox((30 + 14 * adv, y), "2018", font=f)
        year = (int(bb[0]), int(bb[1]), int(bb[2]), int(bb[3]))
    return _bgr(img), words, year


def test_a_faint_digit_in_a_receipt_date_is_not_cut(engine: EmbeddedEngine) -> None:
    bgr, words, year = _faint_receipt()
    quads = _detect(engine, bgr)
    assert _cut_words(bgr, quads, words) == []
    # the date line as the detector boxes it: Otsu's ink alone (what the stage measured) has
    # a white gap inside `2018` that runs down the page; the faint ink closes it
    (line,) = [
        b for b in _boxes(quads) if b[0] <= year[0] and b[2] >= year[2] and b[1] < year[3] < b[3]
    ]
    ink = _ink(bgr, float(np.median([b[3] - b[1] for b in _boxes(quads)])))
    assert any(year[0] < ga < year[2] for ga, _gb in gutter_splits(ink, line))
    ink, faint, shade = _masks(bgr, float(np.median([b[3] - b[1] for b in _boxes(quads)])))
    assert gutter_splits(ink, line, shade, faint) == []
    # and the page is read with the whole date
    page = engine.read_page(PageImage(0, np.ascontiguousarray(bgr[:, :, ::-1]), "r.png"), Usage())
    assert any("04-06-2018" in ln.text for ln in page.lines), [ln.text for ln in page.lines]


# --------------------------------------------------------------------------------------------
# A photographed receipt: grey paper, a lighting gradient


def _grey_receipt(paper: bool = True) -> tuple[np.ndarray, list[tuple[str, Box]]]:
    """A receipt's centred header and label : value lines with blank rows between groups,
    on grey paper darkening towards the bottom (as photographed), with some noise."""
    rows = [
        "POPULAR BOOK CO. (M) SDN BHD",
        "(Co. No. 113825-W)",
        "(GST Reg No. 001492992000)",
        "",
        "Tel : 03-56319320",
        "",
        "Member Card No : 1001016668849",
        "Card Expiry : 31/05/18",
        "",
        "Trans : 104610",
        "",
        "Total RM Incl. of GST",
        "",
        "Amount (RM)",
        "Buy Chinese books online",
    ]
    width, step = 640, 44
    img = Image.new("L", (width, 60 + step * len(rows)), 255)
    d = ImageDraw.Draw(img)
    f = font(26)
    words: list[tuple[str, Box]] = []
    for k, text in enumerate(rows):
        if not text:
            continue
        x, y = (width - f.getlength(text)) / 2, 30 + step * k
        d.text((x, y), text, font=f, fill=30)
        for i, word in enumerate(text.split(" ")):
            left = x + f.getlength(" ".join(text.split(" ")[:i]) + (" " if i else ""))
            bb = d.textbbox((left, y), word, font=f)
            words.append((word, (int(bb[0]), int(bb[1]), int(bb[2]), int(bb[3]))))
    gray = np.asarray(img, dtype=np.float32)
    if paper:  # ink stays dark; the paper goes 215 → 175 down the page, plus noise
        h = gray.shape[0]
        level = np.linspace(215, 175, h, dtype=np.float32)[:, None]
        noise = np.random.default_rng(3).normal(0, 3, gray.shape).astype(np.float32)
        gray = np.clip(gray / 255.0 * level + noise, 0, 255)
    g = gray.astype(np.uint8)
    return np.dstack([g, g, g]), words


def test_a_receipt_on_grey_paper_keeps_its_lines(engine: EmbeddedEngine) -> None:
    bgr, words = _grey_receipt()
    quads = _detect(engine, bgr)
    assert find_gutters(bgr, quads) == {}
    assert _cut_words(bgr, quads, words) == []
    # the picture test the stage used (darker than 235 = a picture beside the gap) takes
    # the whole grey page for a picture: with it the same page was cut
    line_h = float(np.median([b[3] - b[1] for b in _boxes(quads)]))
    ink, faint, _shade = _masks(bgr, line_h)
    old_shade = bgr[:, :, 0] < PICTURE_SHADE
    assert any(gutter_splits(ink, box, old_shade, faint) for box in _boxes(quads))


# --------------------------------------------------------------------------------------------
# A typewritten form: letter gaps of a monospaced font line up down the page


TYPED = (
    "The test article was suspended in warm propylene glycol and diluted with warm water "
    "to the final volume. Reference solutions were prepared the same day and kept at room "
    "temperature until dosing. A 0.5 g sample is soluble in 0.5 mL of corn oil at room "
    "temperature; 0.2 mg is soluble in 0.5 mL of a 10% propylene glycol solution at 38 C. "
    "Cardiovascular and respiratory effects were studied in beagle dogs after each dose."
)


def _typed_page(
    text: str, size: int = 17, step: int = 24, cols: int = 62, track: float = 0.0
) -> tuple[np.ndarray, list[tuple[str, Box]]]:
    """`text` typed in cells of NimbusMonoPS at `size` px, `cols` a line, `step` px apart,
    `track` px of letter spacing added to each cell; the page and its words' boxes."""
    f = ImageFont.truetype(TYPEWRITER, size)
    adv = f.getlength("m") + track
    lines, cur = [], ""
    for word in text.split():
        if len(cur) + 1 + len(word) > cols:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}".strip()
    lines.append(cur)
    img = Image.new("RGB", (int(cols * adv) + 80, 60 + step * len(lines)), "white")
    d = ImageDraw.Draw(img)
    words: list[tuple[str, Box]] = []
    for k, line in enumerate(lines):
        y = 30 + step * k
        if track:
            for i, ch in enumerate(line):
                d.text((40 + i * adv, y), ch, font=f, fill="black")
        else:
            d.text((40, y), line, font=f, fill="black")
        at = 0
        for word in line.split(" "):
            first = d.textbbox((40 + at * adv, y), word[0], font=f)
            last = d.textbbox((40 + (at + len(word) - 1) * adv, y), word[-1], font=f)
            words.append((word, (int(first[0]), int(first[1]), int(last[2]), int(last[3]))))
            at += len(word) + 1
    return _bgr(img), words


def test_a_typewritten_page_is_not_cut_between_letters(engine: EmbeddedEngine) -> None:
    # at 17 px NimbusMonoPS's letter gaps are 3-4 px: this page was cut while the gap
    # minimum was rounded down to whole pixels
    bgr, words = _typed_page(TYPED)
    assert _cut_words(bgr, _detect(engine, bgr), words) == []


@pytest.mark.parametrize(
    ("page", "check"),
    [
        # letter-spaced typing: every cell boundary is a white column down the page, as wide
        # as a gutter in every line beside; only the line's own letter gaps tell it apart
        ({"text": TYPED, "cols": 50, "track": 3.0}, "LETTER_GAPS"),
        # a longer page: a river of letter gaps and word spaces runs down it, as wide as a
        # gutter in this line but narrower in most lines beside it
        ({"text": f"{TYPED} {TYPED}"}, "OPEN_SHARE"),
    ],
)
def test_a_typewritten_page_needs_each_check(
    engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch, page: dict, check: str
) -> None:
    bgr, words = _typed_page(**page)
    quads = _detect(engine, bgr)
    assert _cut_words(bgr, quads, words) == []
    # the page shows the fault the check is for: without it, words are cut
    monkeypatch.setattr(gutters, check, 0.0)
    assert _cut_words(bgr, quads, words) != []


# --------------------------------------------------------------------------------------------
# Light print on a dark band


def test_light_digits_on_a_dark_band_are_not_cut(engine: EmbeddedEngine) -> None:
    # a form's black band (taller than three lines) with a number printed in white; text
    # above and below. Otsu takes the band for a vertical rule and drops it from the ink, so
    # the gaps between the digits looked like gutters (on a FUNSD form). The outcome only:
    # on this page the other checks stop those gaps too
    img = Image.new("RGB", (700, 420), "white")
    d = ImageDraw.Draw(img)
    f = font(24)
    for k in range(3):
        d.text((40, 20 + 34 * k), "Lot number and code as printed below", font=f, fill="black")
        d.text((40, 320 + 30 * k), "Please keep this slip with the goods", font=f, fill="black")
    d.rectangle((20, 140, 680, 300), fill="black")
    big = font(40)
    d.text((60, 195), "77905", font=big, fill="white")
    d.text((260, 200), "6  4  3  3", font=font(34), fill="white")
    bgr = _bgr(img)
    quads = _detect(engine, bgr)
    band = [b for b in _boxes(quads) if 140 < (b[1] + b[3]) / 2 < 300]
    assert band, "the detector finds the white number"
    assert all(
        find_gutters(bgr, quads).get(k) is None for k, b in enumerate(_boxes(quads)) if b in band
    )


# --------------------------------------------------------------------------------------------
# Columns on photographed paper are still cut


COLUMN_TEXT = "城市晚报消费恢复快于预期居民对造价看法不一市民在剧院门前旁听方案讨论" * 3
SIZE = 19  # the columns' type size: 14 characters a column line, 28 px a line, 12 lines


def chinese_columns(gutter: int, seed: int) -> tuple[Image.Image, list[int], Box]:
    """Two columns of Chinese text `gutter` px apart (white paper), the columns' left edges and
    the box of a detected line that runs across both columns (the 6th line)."""
    img = Image.new("L", (2 * 14 * SIZE + gutter + 80, 12 * 28 + 60), 255)
    d = ImageDraw.Draw(img)
    f = font(SIZE, cjk=True)
    xs = [40, 40 + 14 * SIZE + gutter]
    rng = random.Random(seed)
    for row in range(12):
        for x in xs:
            start = rng.randrange(0, 40)
            d.text((x, 30 + row * 28), COLUMN_TEXT[start : start + 14], fill=30, font=f)
    y = 30 + 5 * 28
    return img, xs, (xs[0] - 4, y - 6, xs[1] + 14 * SIZE + 4, y + 25)


def assert_cut_between(cuts: list[tuple[int, int]], xs: list[int]) -> None:
    assert len(cuts) == 1
    ga, gb = cuts[0]
    assert xs[0] + 14 * SIZE - 2 <= ga and gb <= xs[1] + 2


@pytest.mark.parametrize("gutter", [10, 14])
def test_a_gutter_between_chinese_columns_on_grey_paper_is_still_cut(gutter: int) -> None:
    img, xs, box = chinese_columns(gutter, seed=gutter)
    gray = np.asarray(img, dtype=np.float32)
    level = np.linspace(205, 170, gray.shape[1], dtype=np.float32)[None, :]
    g = np.clip(gray / 255.0 * level, 0, 255).astype(np.uint8)
    bgr = np.dstack([g, g, g])
    ink, faint, shade = _masks(bgr, 31.0)
    assert_cut_between(gutter_splits(ink, box, shade, faint), xs)


# --------------------------------------------------------------------------------------------
# A thin grey rule in a gutter: lighter than Otsu's threshold, 20+ levels under the paper


@pytest.mark.parametrize(("level", "width"), [(160, 1), (180, 1), (175, 2)])
def test_a_gutter_with_a_grey_rule_is_still_cut(
    level: int, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    gutter = 14
    img, xs, box = chinese_columns(gutter, seed=level)
    rule = xs[1] - gutter // 2
    ImageDraw.Draw(img).rectangle((rule, 20, rule + width - 1, 12 * 28 + 40), fill=level)
    g = np.asarray(img)
    bgr = np.dstack([g, g, g])
    assert_cut_between(gutter_splits(*_masks_of(bgr, box)), xs)
    # the page shows the fault: with the faint-only rule kept, the rule closes the gutter
    monkeypatch.setattr(gutters, "_tall_sparse", lambda mask, _h: np.zeros_like(mask))
    assert gutter_splits(*_masks_of(bgr, box)) == []


def _masks_of(bgr: np.ndarray, box: Box) -> tuple[np.ndarray, Box, np.ndarray, np.ndarray]:
    ink, faint, shade = _masks(bgr, 31.0)
    return ink, box, shade, faint
