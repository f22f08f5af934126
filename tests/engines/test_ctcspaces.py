"""Spaces put back at wide gaps from the CTC path (engines/ctcspaces.py), on rendered lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from promptocr.engines.ctcspaces import emitted_spans, gap_space_positions, with_gap_spaces
from promptocr.engines.stages import SessionSettings, TextRecognizer
from promptocr.synth import find_font

SPACE = 99


def render(parts: list[tuple[str, float]], font: str, size: int, track: float = 0.0) -> np.ndarray:
    """Parts drawn left to right, each followed by a gap of its float in ems (with `track`,
    letter by letter, that many ems apart); cropped to the ink with a small margin, like a
    detected line."""
    f = ImageFont.truetype(font, size)
    w = int(sum(f.getlength(t) + (g + track * len(t)) * size for t, g in parts)) + 2 * size
    img = Image.new("RGB", (w, int(size * 1.6)), "white")
    d = ImageDraw.Draw(img)
    x = 0.3 * size
    for t, g in parts:
        for ch in t if track else [t]:
            d.text((x, 0.2 * size), ch, font=f, fill="black")
            x += f.getlength(ch) + track * size
        x += g * size
    a = np.asarray(img)
    cols = np.nonzero((a < 128).any(axis=(0, 2)))[0]
    rows = np.nonzero((a < 128).any(axis=(1, 2)))[0]
    m = max(2, size // 6)
    return np.ascontiguousarray(a[rows[0] - m : rows[-1] + m, cols[0] - m : cols[-1] + m])


def fonts() -> list[str]:
    sans = Path(find_font())
    out = [str(sans)]
    for name in ("DejaVuSansMono.ttf", "DejaVuSerif.ttf", "DejaVuSans-Bold.ttf"):
        if (sans.parent / name).is_file():
            out.append(str(sans.parent / name))
    return out


@pytest.fixture(scope="module")
def readers() -> tuple[TextRecognizer, TextRecognizer]:
    off = TextRecognizer(SessionSettings(rec_gap_spaces=None))
    return off, TextRecognizer(SessionSettings(rec_gap_spaces=2.5))


def path(*runs: tuple[int, int]) -> np.ndarray:
    """A greedy CTC path from (class, steps) runs (class 0 = blank)."""
    return np.array([c for c, n in runs for _ in range(n)])


def test_positions_from_a_path() -> None:
    # five characters three steps apart, then a gap of twelve steps before the sixth
    idx = path((1, 1), (0, 2), (2, 2), (0, 1), (3, 1), (0, 2), (4, 1), (0, 2), (5, 1), (0, 12))
    idx = np.concatenate([idx, path((6, 1), (0, 2), (7, 1))])
    spans = emitted_spans(idx)
    assert [(s.cls, s.first, s.last) for s in spans][:2] == [(1, 0, 0), (2, 3, 4)]
    assert gap_space_positions(idx, 2.5, SPACE) == [4]
    # a space the model emitted is never doubled, and a gap below 2.5 pitches gets nothing
    spaced = np.concatenate([idx[:14], path((SPACE, 1)), idx[15:]])
    assert gap_space_positions(spaced, 2.5, SPACE) == []
    assert gap_space_positions(idx, 6.0, SPACE) == []
    # too few characters to know the pitch
    assert gap_space_positions(path((1, 1), (0, 12), (2, 1)), 2.5, SPACE) == []
    text, pos, conf = with_gap_spaces("abcdefg", [0.1 * i for i in range(7)], [0.9] * 7, [4])
    assert text == "abcde fg" and len(pos) == len(conf) == 8
    assert pos[5] == pytest.approx(0.45)


def test_on_by_default() -> None:
    assert SessionSettings().rec_gap_spaces == 2.5


def test_no_space_between_characters_of_unspaced_scripts(
    readers: tuple[TextRecognizer, TextRecognizer],
) -> None:
    """A wide gap between CJK characters is letter-spacing (a tracked title, `名　称`), not a
    word break: no space goes in where either neighbour is CJK, kana or fullwidth."""
    assert with_gap_spaces("增值税发票", [0.0] * 5, [0.9] * 5, [0, 1, 2, 3])[0] == "增值税发票"
    assert with_gap_spaces("合计¥12.00", [0.0] * 8, [0.9] * 8, [1])[0] == "合计¥12.00"
    assert with_gap_spaces("Tel:0312", [0.0] * 8, [0.9] * 8, [3])[0] == "Tel: 0312"
    off, on = readers
    cjk = find_font(cjk=True)
    crops = [render([("增值税专用发票", 0)], cjk, 32, track=t) for t in (0.0, 0.6, 1.2)] + [
        render([("名", 2.0), ("称：", 0)], cjk, 28),
        render([("价税合计", 3.0), ("3495", 0)], cjk, 28),
    ]
    assert [r.text for r in on(crops)] == [r.text for r in off(crops)]


def test_wide_gaps_get_their_space(readers: tuple[TextRecognizer, TextRecognizer]) -> None:
    off, on = readers
    lines = [
        ([("Tel:", 3.0), ("03-56319320", 0)], "Tel: 03-56319320"),
        ([("1175805", 3.0), ("Cashier", 0)], "1175805 Cashier"),
        ([("Date:", 2.0), ("04-06-2018", 0)], "Date: 04-06-2018"),
    ]
    crops = [render(parts, fonts()[0], 28) for parts, _ in lines]
    plain = [r.text for r in off(crops)]
    spaced = on(crops)
    for (_, want), before, r in zip(lines, plain, spaced, strict=True):
        assert r.text == want
        # only spaces were added, each with a position and a confidence
        assert r.text.replace(" ", "") == before.replace(" ", "")
        assert len(r.char_pos) == len(r.char_conf) == len(r.text)
    assert any(" " not in p for p in plain)  # the recogniser alone drops some of them


def test_kerned_words_stay_whole(readers: tuple[TextRecognizer, TextRecognizer]) -> None:
    off, on = readers
    words = [
        "Amount",
        "AVENUE",
        "WAVE AVAILABLE",
        "modern burn",
        "Tomorrow Yard",
        "www.example.com",
    ]
    crops = [render([(w, 0)], f, s) for f in fonts() for s in (20, 32) for w in words]
    # letter-spaced headings: wide gaps everywhere, none of them a word space
    crops += [
        render([(w, 0)], fonts()[0], 28, track=t) for w in ("TOTAL", "RECEIPT") for t in (0.2, 0.4)
    ]
    assert [r.text for r in on(crops)] == [r.text for r in off(crops)]
