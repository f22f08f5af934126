"""Lexicon correction from the recogniser's own alternatives (engines/lexicon.py): on constructed
CTC probability arrays through `TextRecognizer._decode`, and end to end on words rendered small
enough that the real model misreads letters."""

from __future__ import annotations

import logging
import string
import threading
from collections.abc import Hashable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from promptocr.engines.lexicon import load_lexicon
from promptocr.engines.stages import Recognition, SessionSettings, TextRecognizer, fold_marks
from promptocr.engines.usage import Usage
from promptocr.jobs.result import usage_from_dict
from promptocr.synth import find_font

CHARSET = [
    "<blank>",
    *string.ascii_uppercase,
    *string.ascii_lowercase,
    *string.digits,
    *"áāäÀÁČĊéüūâêïÉÏ",
    "中",
    " ",
]
CLS = {c: i for i, c in enumerate(CHARSET)}
LEXICON = frozenset(
    {"pharmacy", "house", "mouse", "hope", "rope", "selangor", "guardian", "bill", "sugar", "cat"}
    | {"thong", "yarn", "moon", "abed", "code", "rooms", "shop"}
    | {"tobacco", "total", "cigarette", "media", "muller", "cafe", "café", "naïve"}
)

Step = tuple[str, float, list[tuple[str, float]]]


def probs_of(steps: list[Step]) -> np.ndarray:
    """A (steps, classes) softmax output: each character one step (best class, probability,
    alternatives), then a blank step; what is left of each step's mass spread thinly."""
    out = []
    for ch, p, alts in steps:
        row = np.zeros(len(CHARSET), dtype=np.float32)
        row[CLS[ch]] = p
        for a, q in alts:
            row[CLS[a]] = q
        rest = 1.0 - row.sum()
        free = row == 0
        row[free] = rest / free.sum()
        blank = np.zeros(len(CHARSET), dtype=np.float32)
        blank[0] = 1.0
        out += [row, blank]
    return np.stack(out)


def sure(text: str) -> list[Step]:
    return [(c, 0.999, []) for c in text]


@pytest.fixture
def reader() -> TextRecognizer:
    rec = TextRecognizer.__new__(TextRecognizer)  # decoding only: no model needed
    rec.charset = CHARSET
    rec.gap_spaces = None
    rec.lexicon = LEXICON
    return rec


def decode_line(rec: TextRecognizer, steps: list[Step]) -> Recognition:
    """One row through `_decode`: stray-diacritic folds still pending."""
    probs = probs_of(steps)
    best = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    return rec._decode(best, conf, 1.0, probs)


def decode(rec: TextRecognizer, steps: list[Step]) -> Recognition:
    """One row read as a page of its own (the recogniser's call applies the folds)."""
    r = decode_line(rec, steps)
    fold_marks([r], [0])
    return r


def test_right_word_among_alternatives_is_taken(reader: TextRecognizer) -> None:
    steps = sure("PHAR") + [("H", 0.6, [("M", 0.3), ("N", 0.05)])] + sure("ACY")
    r = decode(reader, steps)
    assert r.text == "PHARMACY" and r.corrected == 1
    assert r.char_conf[4] == pytest.approx(0.3) and r.char_conf[0] == pytest.approx(0.999)
    # the case pattern is kept: a title-case word stays title case, a lower-case word's
    # first letter takes the model's own case, digits read for letters become letters
    r = decode(reader, sure("Sel") + [("e", 0.7, [("a", 0.25)])] + sure("ngor"))
    assert r.text == "Selangor"
    r = decode(reader, [("b", 0.5, [("G", 0.3), ("g", 0.1)])] + sure("uardian"))
    assert r.text == "Guardian"  # a line's first word: the model's own case
    # mid-line, a lower-case word gains no capital
    r = decode(reader, sure("a ") + [("x", 0.5, [("S", 0.3), ("s", 0.1)])] + sure("ugar"))
    assert r.text == "a sugar"
    r = decode(reader, sure("Bil") + [("1", 0.6, [("l", 0.35)])] + sure(" 12"))
    assert r.text == "Bill 12" and r.corrected == 1


def test_what_is_left_as_read(reader: TextRecognizer) -> None:
    cases = {
        # a non-word whose alternatives make no lexicon word
        "ZQXWV": sure("ZQ") + [("X", 0.5, [("Y", 0.3)])] + sure("WV"),
        # a lexicon word, even if an alternative makes another one
        "HOUSE": [("H", 0.6, [("M", 0.35)])] + sure("OUSE"),
        # two lexicon words about as likely: which one is not known
        "XOPE": [("X", 0.5, [("H", 0.2), ("R", 0.2)])] + sure("OPE"),
        # a code of mostly digits, a number, and a digit the model is sure of
        "AB1234": sure("AB12") + [("3", 0.5, [("B", 0.4)])] + sure("4"),
        "2019": sure("20") + [("1", 0.5, [("l", 0.45)])] + sure("9"),
        "Bi11": sure("Bi1") + [("1", 0.5, [("l", 0.45)])],
        # a Latin run joined to CJK text
        "中PHARHACY": sure("中PHAR") + [("H", 0.6, [("M", 0.3)])] + sure("ACY"),
        # a right letter below the alternatives' floor (`MIN_ALT`), though near the reading
        "PHARHACY": sure("PHAR") + [("H", 0.04, [("M", 0.018)])] + sure("ACY"),
        # names and codes whose read letter is far more likely than the word-making one
        "Chong": [("C", 0.97, [("T", 0.025)])] + sure("hong"),
        "CHONG": [("C", 0.97, [("T", 0.025)])] + sure("HONG"),
        "Yann": sure("Ya") + [("n", 0.6, [("r", 0.3)])] + sure("n"),
        "Woon": [("W", 0.7, [("M", 0.2)])] + sure("oon"),
        "SKU ABCD": sure("SKU AB") + [("C", 0.8, [("E", 0.15)])] + sure("D"),
        "C0DE": sure("C") + [("0", 0.8, [("O", 0.19)])] + sure("DE"),
        "R00MS": sure("R") + [("0", 0.8, [("O", 0.19)])] * 2 + sure("MS"),
    }
    for text, steps in cases.items():
        r = decode(reader, steps)
        assert (r.text, r.corrected) == (text, 0), text
    reader.lexicon = None  # the option off
    r = decode(reader, sure("PHAR") + [("H", 0.6, [("M", 0.3)])] + sure("ACY"))
    assert r.text == "PHARHACY"


def test_a_stray_diacritic_goes_where_the_word_is_a_word(reader: TextRecognizer) -> None:
    """Noise over a letter read as an accent (`Tobácco`, `Totäl`, `Čigarette`, `MEDIÀ`, as
    PP-OCRv6 read them on FUNSD and SROIE): the mark goes when the plain letter is among the
    alternatives, the mark was unsure and the word without it is a lexicon word, even though
    the plain letter is far less likely than the marked one (0.06 against 0.93)."""
    r = decode(reader, sure("Tob") + [("á", 0.927, [("a", 0.059), ("â", 0.005)])] + sure("cco"))
    assert (r.text, r.corrected) == ("Tobacco", 1)
    assert r.char_conf[3] == pytest.approx(0.059)
    r = decode(reader, sure("Tot") + [("ä", 0.9, [("a", 0.04), ("ā", 0.037)])] + sure("l"))
    assert r.text == "Total"
    r = decode(reader, [("Č", 0.82, [("C", 0.089), ("Ċ", 0.036)])] + sure("igarette"))
    assert r.text == "Cigarette"  # a line's first letter keeps the model's case
    r = decode(reader, sure("THE MEDI") + [("À", 0.813, [("A", 0.165), ("Á", 0.006)])])
    assert r.text == "THE MEDIA"
    # the plain letter takes the case read, whichever case the model offered
    r = decode(reader, sure("MEDi") + [("á", 0.8, [("A", 0.1), ("a", 0.05)])])
    assert r.text == "MEDia" and r.char_conf[4] == pytest.approx(0.1)


def test_real_diacritics_stay(reader: TextRecognizer) -> None:
    """A mark read surely is spelling (`Müller` on a German letter); a word the list holds
    with its mark (`café`) is a word; a mark whose plain letter is not among the alternatives,
    or whose word without it is no word (a name), stays; so does a word of 3 letters."""
    cases = {
        "Müller": sure("M") + [("ü", 0.97, [("u", 0.02), ("ū", 0.005)])] + sure("ller"),
        "café": sure("caf") + [("é", 0.9, [("e", 0.08)])],
        "Neuchâtel": sure("Neuch") + [("â", 0.9, [("ê", 0.06), ("á", 0.02)])] + sure("tel"),
        "Kallános": sure("Kall") + [("á", 0.66, [("a", 0.33)])] + sure("nos"),
        # a swap elsewhere that keeps the mark is no fold (the mark must go)
        "naïue": sure("na") + [("ï", 0.9, [])] + [("u", 0.6, [("v", 0.35)])] + sure("e"),
        "TÀX": sure("T") + [("À", 0.8, [("A", 0.19)])] + sure("X"),
        # the plain letter under the floor of alternatives (`MIN_ALT`)
        "Mediá": sure("Medi") + [("á", 0.9, [("ā", 0.08), ("a", 0.01)])],
    }
    for text, steps in cases.items():
        r = decode(reader, steps)
        assert (r.text, r.corrected) == (text, 0), text


def test_no_fold_on_a_page_written_with_diacritics(reader: TextRecognizer) -> None:
    """A page (one caller's lines) that reads a diacritic surely is written with them (French,
    German …): there a mark is spelling, and no word loses one; another caller's page in the
    same call still does; gap spaces before a folded word move its indices."""
    stray = sure("Tob") + [("á", 0.9, [("a", 0.06)])] + sure("cco")
    plain = sure("THE MEDI") + [("À", 0.8, [("A", 0.16)])]
    german = sure("f") + [("ü", 0.995, [])] + sure("r Sie")
    lines = [decode_line(reader, s) for s in (stray, german, plain)]
    assert [r.text for r in lines] == ["Tobácco", "für Sie", "THE MEDIÀ"]  # pending
    assert [r.sure_marks for r in lines] == [0, 1, 0]
    fold_marks(lines, ["de", "de", "en"])
    assert [r.text for r in lines] == ["Tobácco", "für Sie", "THE MEDIA"]
    assert [r.corrected for r in lines] == [0, 0, 1] and all(not r.folds for r in lines)
    assert lines[2].char_conf[8] == pytest.approx(0.16)
    # with gap spaces put in before the word, the fold lands on the shifted letter
    reader.gap_spaces = 2.5
    p = gapped([sure("SHOP"), plain[4:]])
    r = reader._decode(p.argmax(1), p.max(1), 1.0, p)
    assert r.text == "SHOP MEDIÀ" and r.folds == [{9: ("A", pytest.approx(0.16))}]
    fold_marks([r], [0])
    assert r.text == "SHOP MEDIA" and r.corrected == 1


def test_batcher_keeps_each_callers_page_rule(reader: TextRecognizer) -> None:
    """The server's `BatchingRecognizer` merges requests into one call: with the lexicon on it
    passes one group per caller, so a German request's sure `für` does not keep a concurrent
    English request's `Tobácco` from its fold (the recogniser's model is replaced by the
    constructed rows below; the batcher and `fold_marks` are the real ones)."""
    from promptocr.engines.batching import BatchingRecognizer

    rows = {
        1: sure("Tob") + [("á", 0.9, [("a", 0.06)])] + sure("cco"),
        2: sure("f") + [("ü", 0.995, [])] + sure("r Sie"),
    }
    seen: list[list[Hashable] | None] = []

    class Inner:
        lexicon = reader.lexicon
        model = None
        charset = CHARSET

        def __call__(
            self, crops: list[np.ndarray], batch: int = 8, groups: list[Hashable] | None = None
        ) -> list[Recognition]:
            seen.append(groups)
            recs = [decode_line(reader, rows[int(c[0, 0])]) for c in crops]
            fold_marks(recs, groups if groups is not None else [0] * len(recs))
            return recs

    got: dict[int, list[Recognition]] = {}
    batcher = BatchingRecognizer(Inner(), window_ms=1000, batch=8)  # type: ignore[arg-type]
    try:
        workers = [
            threading.Thread(
                target=lambda k=k: got.__setitem__(k, batcher([np.full((4, 4), k, np.uint8)]))
            )
            for k in rows
        ]
        for t in workers:
            t.start()
        for t in workers:
            t.join(timeout=60)
    finally:
        batcher.close()
    assert got[1][0].text == "Tobacco" and got[2][0].text == "für Sie"
    assert any(g is not None and len(set(g)) == 2 for g in seen)  # merged, one group each


def test_thresholds(reader: TextRecognizer) -> None:
    """One case on each side of every threshold of engines/lexicon.py (a mutated constant fails
    one of them)."""

    def read(steps: list[Step]) -> str:
        return decode(reader, steps).text

    # MIN_ALT_SHORT: a 4-letter word's alternative at 0.10 (near the reading) stays, 0.16 is taken
    assert read([("X", 0.15, [("H", 0.10)])] + sure("ope")) == "Xope"
    assert read([("X", 0.2, [("H", 0.16)])] + sure("ope")) == "Hope"
    # MIN_ALT: 0.018 stays in a long word, 0.025 is taken (both near the reading)
    assert read(sure("PHAR") + [("H", 0.04, [("M", 0.018)])] + sure("ACY")) == "PHARHACY"
    assert read(sure("PHAR") + [("H", 0.035, [("M", 0.025)])] + sure("ACY")) == "PHARMACY"
    # MARGIN: two lexicon words at 3:2 stay, at 2.5:1 the likelier is taken
    assert read([("X", 0.35, [("H", 0.3), ("M", 0.2)])] + sure("OUSE")) == "XOUSE"
    assert read([("X", 0.35, [("H", 0.3), ("M", 0.12)])] + sure("OUSE")) == "HOUSE"
    # MAX_SUBS: two swaps are taken, three left
    swap = [("B", 0.6, [("A", 0.3)])]
    h = [("H", 0.6, [("M", 0.3)])]
    assert read(sure("PH") + swap + sure("R") + h + sure("ACY")) == "PHARMACY"
    assert read(sure("PH") + swap + sure("R") + h + swap + sure("CY")) == "PHBRHBCY"
    # MIN_LEN: a 3-letter word is left, whatever its alternatives
    assert read(sure("C") + [("X", 0.5, [("A", 0.45)])] + sure("T")) == "CXT"
    # LOW_CONF: a letter read at 0.75 is tried
    assert read(sure("PHAR") + [("H", 0.75, [("M", 0.24)])] + sure("ACY")) == "PHARMACY"
    # MIN_RATIO: against the reading, 0.36 of its probability is taken, 0.25 left
    assert read(sure("Sel") + [("e", 0.7, [("a", 0.25)])] + sure("ngor")) == "Selangor"
    assert read(sure("Sel") + [("e", 0.72, [("a", 0.18)])] + sure("ngor")) == "Selengor"
    # MIN_RATIO_SHORT: in a 4-letter word 0.7 of it is taken, 0.55 left
    assert read([("X", 0.5, [("H", 0.35)])] + sure("ope")) == "Hope"
    assert read([("X", 0.55, [("H", 0.3)])] + sure("ope")) == "Xope"
    # MIN_RATIO_DIGIT: a digit read for a letter needs half its probability
    assert read(sure("Guard") + [("1", 0.6, [("i", 0.32)])] + sure("an")) == "Guardian"
    assert read(sure("Guard") + [("1", 0.6, [("i", 0.27)])] + sure("an")) == "Guard1an"


def test_correction_keeps_line_confidence(reader: TextRecognizer) -> None:
    """The line's confidence is the one read (the engine's `text_score` filter uses it), while
    the replaced character carries its alternative's probability."""
    steps = [("X", 0.5, [("H", 0.45)])] + sure("ope")
    r = decode(reader, steps)
    reader.lexicon = None
    read = decode(reader, steps)
    assert (r.text, read.text) == ("Hope", "Xope")
    assert r.confidence == pytest.approx(read.confidence)
    assert r.char_conf[0] == pytest.approx(0.45) and read.char_conf[0] == pytest.approx(0.5)


def gapped(words: list[list[Step]], gap: int = 12) -> np.ndarray:
    """Words' probability rows with `gap` blank steps between them."""
    rows = []
    for k, steps in enumerate(words):
        rows.append(probs_of(steps))
        if k < len(words) - 1:
            blank = np.zeros((gap, len(CHARSET)), dtype=np.float32)
            blank[:, 0] = 1.0
            rows.append(blank)
    return np.concatenate(rows)


def test_gap_cuts_next_to_cjk_end_no_word(reader: TextRecognizer) -> None:
    """A gap cut ends a word only where `with_gap_spaces` puts a space: not next to CJK."""
    reader.gap_spaces = 2.5
    bad = sure("PHAR") + [("H", 0.6, [("M", 0.3)])] + sure("ACY")

    def read(probs: np.ndarray) -> str:
        return reader._decode(probs.argmax(1), probs.max(1), 1.0, probs).text

    assert read(gapped([bad, sure("SHOP")])) == "PHARMACY SHOP"
    assert read(gapped([sure("中中"), bad])) == "中中PHARHACY"


def test_word_list_loading(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    words = tmp_path / "words"
    words.write_text("apple\nApple's\nZurich\nnaïve\n", encoding="utf-8")
    lex = load_lexicon(words)
    assert lex is not None and "apple" in lex and "zurich" in lex and "naïve" in lex
    assert "Apple" not in lex and "apples" not in lex and 5 not in lex  # lower-case words only
    assert "jalan" in lex  # the receipt generator's address words join it
    from promptocr.engines.lexicon import ADDRESS_WORDS
    from promptocr.tasks.extract.synthreceipts import address_vocabulary

    kept = {w.strip() for w in ADDRESS_WORDS.read_text().splitlines() if w.strip().isalpha()}
    assert kept == {w.lower() for w in address_vocabulary()}  # the file is the generator's
    with caplog.at_level(logging.WARNING):
        assert load_lexicon(tmp_path / "missing") is None
    assert "lexicon correction is off" in caplog.text


def test_word_list_paths_and_batch_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`american-english` first, then `words`, the one used logged with its count; batch results
    are keyed on the list loaded ('off' without one), so installing it reads pages again."""
    from promptocr.batch import BatchConfig
    from promptocr.engines import lexicon

    words = tmp_path / "words"
    words.write_text("apple\npear\n", encoding="utf-8")
    monkeypatch.setattr(lexicon, "DICT_PATHS", (tmp_path / "american-english", words))
    lexicon.load_lexicon.cache_clear()
    try:
        with caplog.at_level(logging.INFO):
            lex = lexicon.load_lexicon()
        assert lex is not None and "pear" in lex
        assert f"{len(lex)} words from {words}" in caplog.text
        with_list = BatchConfig().settings_hash()
        assert lexicon.lexicon_key().startswith(f"{len(lex)}:")
        words.write_text("apple\npear\nplum\n", encoding="utf-8")
        lexicon.load_lexicon.cache_clear()
        assert BatchConfig().settings_hash() != with_list  # another list, other keys
        words.unlink()
        lexicon.load_lexicon.cache_clear()
        assert lexicon.lexicon_key() == "off"
        assert BatchConfig().settings_hash() not in (with_list,)
        off = BatchConfig(rec_lexicon=False).settings_hash()
        assert off != BatchConfig().settings_hash()
    finally:
        lexicon.load_lexicon.cache_clear()


def test_default_word_list_is_there() -> None:
    if load_lexicon() is None:
        pytest.skip("no word list in /usr/share/dict (scripts/setup.sh installs wamerican)")
    assert SessionSettings().rec_lexicon and len(load_lexicon() or ()) > 50_000


def test_usage_counts_corrections() -> None:
    a, b = Usage(rec_lexicon=2), Usage(rec_lexicon=3)
    a.merge(b)
    assert a.rec_lexicon == 5 and a.to_dict()["rec_lexicon"] == 5
    assert "rec_lexicon" not in Usage().to_dict()
    assert usage_from_dict(a.to_dict()).rec_lexicon == 5


WORDS = ["Guardian", "Manuscript", "Corporation", "Receipt", "HARDWARE", "Attention"]
# Names and codes outside the lexicon, which must stay as read.
OTHERS = ["Tan Woon Yann", "CS0098812", "KAWANG", "Zhongshan"]


def render(text: str, size: int, font: str) -> np.ndarray:
    f = ImageFont.truetype(font, size)
    img = Image.new("RGB", (int(f.getlength(text)) + 8, size + 8), "white")
    ImageDraw.Draw(img).text((4, 2), text, font=f, fill="black")
    return np.ascontiguousarray(np.asarray(img)[:, :, ::-1])


def test_real_misreads_are_corrected() -> None:
    if load_lexicon() is None:
        pytest.skip("no word list in /usr/share/dict (scripts/setup.sh installs wamerican)")
    sans = Path(find_font())
    serif = sans.parent / "DejaVuSerif.ttf"
    fonts = [str(serif)] if serif.is_file() else [str(sans)]
    off = TextRecognizer(SessionSettings(rec_lexicon=False))
    on = TextRecognizer(SessionSettings(rec_lexicon=True))
    # Large: read right either way, nothing changed.
    crops = [render(t, 24, fonts[0]) for t in WORDS + OTHERS]
    a, b = off(crops), on(crops)
    assert [r.text for r in a] == WORDS + OTHERS
    assert [r.text for r in b] == WORDS + OTHERS and not any(r.corrected for r in b)
    # 7-8 px high: letters misread; the correction finds the word where the right letter is
    # among the model's alternatives, and never changes a word that was read right.
    fixed = 0
    for size in (7, 8):
        crops = [render(t, size, f) for f in fonts for t in WORDS + OTHERS]
        truth = [t for _ in fonts for t in WORDS + OTHERS]
        for t, x, y in zip(truth, off(crops), on(crops), strict=True):
            assert x.text != t or y.text == t, (t, x.text, y.text)
            fixed += x.text != t and y.text == t
            assert (y.corrected > 0) == (x.text != y.text)
    assert fixed >= 1


def test_option_plumbing() -> None:
    """The default is one everywhere, and --rec-lexicon / --no-rec-lexicon reach the session."""
    import argparse

    from promptocr.batch import BatchConfig
    from promptocr.cli.read import add_runtime_arguments
    from promptocr.server.settings import ServerSettings

    default = SessionSettings().rec_lexicon
    assert BatchConfig().rec_lexicon == default
    assert ServerSettings.model_fields["rec_lexicon"].default == default
    p = argparse.ArgumentParser()
    add_runtime_arguments(p)
    assert p.parse_args([]).rec_lexicon is None  # not given: the default
    assert p.parse_args(["--rec-lexicon"]).rec_lexicon is True
    assert p.parse_args(["--no-rec-lexicon"]).rec_lexicon is False


def test_engine_counts_corrections_in_usage() -> None:
    """Through the engine (single-line images are read whole): `usage.rec_lexicon` counts the
    words changed, and each page it counts reads as rendered."""
    if load_lexicon() is None:
        pytest.skip("no word list in /usr/share/dict (scripts/setup.sh installs wamerican)")
    from promptocr.engines.embedded import EmbeddedEngine
    from promptocr.inputs.loader import PageImage

    sans = Path(find_font())
    serif = sans.parent / "DejaVuSerif.ttf"
    font = str(serif if serif.is_file() else sans)
    engine = EmbeddedEngine(session=SessionSettings(rec_lexicon=True))
    total = Usage()
    for size in (7, 8):
        for word in WORDS:
            usage = Usage()
            page = PageImage(0, np.ascontiguousarray(render(word, size, font)[:, :, ::-1]), "w.png")
            lines = [ln.text for ln in engine.read_page(page, usage).lines]
            if usage.rec_lexicon:
                assert lines == [word]
            total.merge(usage)
    assert total.rec_lexicon >= 1 and total.to_dict()["rec_lexicon"] == total.rec_lexicon


def test_a_sure_mark_over_a_capital_is_stripped_from_a_word_in_capitals(
    reader: TextRecognizer,
) -> None:
    """Noise over a capital reads as an accent, sometimes surely (`SÉLANGOR` at 0.99, no
    alternative kept): a word in capitals that makes a lexicon word without its marks loses
    them on a page that reads no other diacritic surely, and its mark does not count as one
    (else it would shut its own page's folds). A marked word the lexicon holds (`CAFÉ`), a word
    not in capitals, and a page written with diacritics keep their marks."""
    shop = sure("S") + [("É", 0.99, [])] + sure("LANGOR")
    cafe = sure("CAF") + [("é", 0.99, [])]
    caps_cafe = sure("CAF") + [("É", 0.99, [])]
    german = sure("f") + [("ü", 0.995, [])] + sure("r Sie")
    lines = [decode_line(reader, s) for s in (shop, caps_cafe, cafe)]
    assert [r.sure_marks for r in lines] == [0, 1, 1]
    fold_marks(lines[:1], ["en"])
    assert lines[0].text == "SELANGOR" and lines[0].corrected == 1
    # `CAFÉ` is a lexicon word as it stands: no fold (and its sure mark counts)
    assert lines[1].folds == [] and lines[1].text == "CAFÉ"
    # on a page written with diacritics the capital keeps its mark
    page = [decode_line(reader, s) for s in (shop, german)]
    fold_marks(page, ["de", "de"])
    assert page[0].text == "SÉLANGOR"


def test_a_page_printed_in_capitals_with_diacritics_keeps_them(reader: TextRecognizer) -> None:
    """Two or more words in capitals with sure marks that strip to lexicon words (`MÉDIA`,
    `CAFÉ` here stand for `TÉLÉPHONE`, `CRÉDIT` on a French receipt printed in capitals): the
    page is written with diacritics and keeps them; one such word alone (`TÀX INVOICE`) is
    noise. A stripped sure capital keeps its own probability, an unsure one its plain
    letter's (either case)."""
    media = sure("M") + [("É", 0.99, [])] + sure("DIA")
    bill = sure("B") + [("Ï", 0.99, [])] + sure("LL")
    lines = [decode_line(reader, s) for s in (media, bill)]
    assert [r.capital_marks for r in lines] == [1, 1] and [r.sure_marks for r in lines] == [0, 0]
    fold_marks(lines, ["fr", "fr"])
    assert [r.text for r in lines] == ["MÉDIA", "BÏLL"]
    alone = decode_line(reader, media)
    fold_marks([alone], ["en"])
    assert alone.text == "MEDIA" and alone.char_conf[1] == pytest.approx(0.99)
    unsure = decode_line(reader, sure("M") + [("É", 0.8, [("e", 0.15)])] + sure("DIA"))
    assert unsure.capital_marks == 0
    fold_marks([unsure], ["en"])
    assert unsure.text == "MEDIA" and unsure.char_conf[1] == pytest.approx(0.15)
