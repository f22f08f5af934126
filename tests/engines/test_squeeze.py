"""The recognition width squeeze (engines/squeeze.py): never under the padding floor, `auto`
decided per caller from the recogniser's own first reading, and spaces of small rendered text
kept. The real models read drawn lines; the rules are also checked on hand-made CTC paths."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from promptocr import synth
from promptocr.engines.batching import BatchingRecognizer
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.orientation import decide_rotation
from promptocr.engines.squeeze import (
    AUTO_FACTOR,
    MIN_PAIRS,
    SqueezeGate,
    loose_pairs,
    merge_reports,
    squeeze_report,
    squeezed_ratio,
)
from promptocr.engines.stages import (
    DetectionPolicy,
    Recognition,
    SessionSettings,
    TextRecognizer,
    crop_line,
)
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage

LINES = [
    "Total amount due 1,284.50 EUR",
    "Invoice number 48213 dated 12 March",
    "Residents remain divided over cost",
    "The theatre crowd hears plans for the old quarter",
    "Signed on Friday at noon by the clerk",
    "Qty 2 x 12.50 Subtotal 25.00",
]
SPACE = 9  # a class index standing for the space in the hand-made paths


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    """`auto` is opt-in (the default is 1.0, no squeeze): this module's engine asks for it."""
    return EmbeddedEngine(session=SessionSettings(rec_squeeze="auto"))


def test_default_is_full_width_and_auto_is_opt_in() -> None:
    assert SessionSettings().rec_squeeze == 1.0
    assert not TextRecognizer(SessionSettings()).squeeze_auto
    assert TextRecognizer(SessionSettings(rec_squeeze="auto")).squeeze_auto


def _page(size: int) -> PageImage:
    c = synth.Canvas(900, int(size * 1.8) * len(LINES) + 40)
    for k, text in enumerate(LINES):
        c.text((20, 20 + k * int(size * 1.8)), text, size=size)
    return PageImage(0, np.asarray(c.image), "drawn")


def _path(chars: int, pitch: int, gap_blank: int) -> np.ndarray:
    """A greedy CTC path: `chars` characters (classes 1..), each one step followed by blanks so
    that consecutive characters stand `gap_blank` blank steps apart."""
    out: list[int] = []
    for k in range(chars):
        out.append(1 + k % 5)
        out.extend([0] * gap_blank)
    out.extend([0] * pitch)
    return np.array(out)


def test_squeezed_ratio_never_narrows_under_the_floor() -> None:
    floor = 160 / 48
    assert squeezed_ratio(2.0, 0.85, floor) == 2.0  # under the floor: padded to it anyway
    assert squeezed_ratio(3.5, 0.85, floor) == floor  # narrowed only down to the floor
    assert squeezed_ratio(10.0, 0.85, floor) == pytest.approx(8.5)
    assert squeezed_ratio(10.0, 1.0, floor) == 10.0


def test_gate_decides_per_group_from_loose_pairs() -> None:
    tight = _path(12, 2, 1)  # one blank between characters
    loose = _path(12, 2, 3)  # three: a loose pair each
    assert loose_pairs(tight, len(tight), SPACE) == (11, 0)
    assert loose_pairs(loose, len(loose), SPACE) == (11, 11)
    # the padding after the crop is not read
    assert loose_pairs(tight, 6, SPACE)[0] == 2
    gate = SqueezeGate()
    gate.observe("a", tight, len(tight), SPACE)
    gate.observe("b", loose, len(loose), SPACE)
    assert gate.decided("a") is None and gate.decided("b") is None  # 11 < MIN_PAIRS pairs
    assert MIN_PAIRS <= 22
    gate.observe("a", tight, len(tight), SPACE)
    gate.observe("b", loose, len(loose), SPACE)
    assert gate.decided("a") == AUTO_FACTOR
    assert gate.decided("b") == 1.0
    gate.observe("a", loose, len(loose), SPACE)  # decided: later rows change nothing
    assert gate.decided("a") == AUTO_FACTOR
    # spaces: pairs next to one are not counted
    spaced = np.array([1, 0, 0, 0, SPACE, 0, 0, 0, 2, 0, 3])
    assert loose_pairs(spaced, len(spaced), SPACE) == (1, 0)


def test_squeeze_report() -> None:
    recs = [Recognition("a", 1.0, [0.5], [1.0], squeeze=f) for f in (1.0, 0.85, 0.85)]
    assert squeeze_report(2, recs) == {"page": 3, "factor": 0.85, "lines": 3, "squeezed": 2}
    assert squeeze_report(0, [])["factor"] == 1.0
    # what was done, not what was decided: crops left alone (under the floor) count as 1.0
    alone = [Recognition("a", 1.0, [0.5], [1.0], squeeze=1.0) for _ in range(3)]
    assert squeeze_report(0, alone) == {"page": 1, "factor": 1.0, "lines": 3, "squeezed": 0}


def test_reports_of_one_page_merge_into_one_entry() -> None:
    """A text-layer page's raster regions are read one by one: one entry for the page."""
    a = {"page": 2, "factor": 0.9, "lines": 4, "squeezed": 2}
    b = {"page": 2, "factor": 1.0, "lines": 3, "squeezed": 0}
    c = {"page": 3, "factor": 1.0, "lines": 1, "squeezed": 0}
    assert merge_reports([a, c, b]) == [
        {"page": 2, "factor": 0.9, "lines": 7, "squeezed": 2},
        c,
    ]
    assert a == {"page": 2, "factor": 0.9, "lines": 4, "squeezed": 2}  # inputs left alone


def test_auto_squeezes_small_text_and_keeps_its_spaces(engine: EmbeddedEngine) -> None:
    """Small proportional text drawn with known spaces: `auto` (asked for) narrows the page's
    later lines, and every line reads exactly, spaces included; 28 px text, whose first lines
    show loose glyphs at height 48, is read at full width."""
    assert engine.session_settings.rec_squeeze == "auto"
    usage = Usage()
    page = engine.read_page(_page(13), usage)
    assert [ln.text for ln in page.lines] == LINES
    (report,) = usage.rec_squeeze
    assert report["factor"] == AUTO_FACTOR and report["squeezed"] >= 3
    assert report["lines"] == len(LINES)
    usage = Usage()
    page = engine.read_page(_page(28), usage)
    assert [ln.text for ln in page.lines] == LINES
    assert usage.rec_squeeze == [{"page": 1, "factor": 1.0, "lines": 6, "squeezed": 0}]
    assert usage.to_dict()["rec_squeeze"] == usage.rec_squeeze


def _crops(engine: EmbeddedEngine, size: int) -> list[np.ndarray]:
    img = np.ascontiguousarray(_page(size).image[:, :, ::-1])
    quads, _ = engine.detector(img, DetectionPolicy())
    return [crop_line(img, q) for q in quads]


def test_auto_is_decided_per_caller(engine: EmbeddedEngine) -> None:
    """One call holding two callers' crops (as the server's `BatchingRecognizer` merges
    requests): each caller's lines are read with its own decision, exactly as alone."""
    rec = engine.recognizer
    small, large = _crops(engine, 13), _crops(engine, 28)
    alone = [rec(small), rec(large)]
    assert {r.squeeze for r in alone[0]} == {1.0, AUTO_FACTOR}
    assert {r.squeeze for r in alone[1]} == {1.0}
    merged = rec(small + large, groups=[0] * len(small) + [1] * len(large))
    _same_decisions(merged[: len(small)], merged[len(small) :])
    # through the batcher, two callers at once (merged into one call when they meet)
    calls: list[tuple[int, int]] = []
    batcher = BatchingRecognizer(
        rec, window_ms=1000, batch=8, on_batch=lambda n, jobs: calls.append((n, jobs))
    )
    got: dict[int, list[Recognition]] = {}
    try:
        workers = [
            threading.Thread(target=lambda k=k, c=c: got.__setitem__(k, batcher(c)))
            for k, c in enumerate((small, large))
        ]
        for t in workers:
            t.start()
        for t in workers:
            t.join(timeout=120)
    finally:
        batcher.close()
    # the two requests really were merged into one call
    assert (len(small) + len(large), 2) in calls, calls
    _same_decisions(got[0], got[1])


def _same_decisions(small: list[Recognition], large: list[Recognition]) -> None:
    """The small text's caller squeezed after its own first crops, the large text's never,
    both read exactly (which crops made the evidence depends on how the batches mix)."""
    assert min(r.squeeze for r in small) == AUTO_FACTOR
    assert {r.squeeze for r in large} == {1.0}
    assert sorted(r.text for r in small) == sorted(LINES)
    assert sorted(r.text for r in large) == sorted(LINES)


def test_settings_refuse_other_values() -> None:
    for bad in ("fast", 1.5, 0.0):
        with pytest.raises(ValueError, match="rec_squeeze"):
            TextRecognizer(SessionSettings(rec_squeeze=bad))


def _spy_widths(rec: TextRecognizer, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """(crop, padded width, width/height ratio) of every crop as `_norm` sends it to the model."""
    sent: list[Any] = []
    norm = rec._norm

    def spy(img: np.ndarray, width: int, ratio: float) -> tuple[np.ndarray, float]:
        sent.append((img, width, ratio))
        return norm(img, width, ratio)

    monkeypatch.setattr(rec, "_norm", spy)
    return sent


def test_auto_sends_later_batches_narrower(
    engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the model gets, not what is reported: on the 13 px page `auto` sends the crops read
    after its decision narrower and in smaller padded widths than at full width
    (`squeeze=1.0`, which sends every crop at its natural ratio)."""
    rec = engine.recognizer
    small = _crops(engine, 13)
    natural = [c.shape[1] / c.shape[0] for c in small]
    sent = _spy_widths(rec, monkeypatch)
    full = rec(small, squeeze=1.0)
    at_full = {id(img): (w, r) for img, w, r in sent}
    assert len(sent) == len(small)
    assert all(at_full[id(c)][1] == pytest.approx(n) for c, n in zip(small, natural, strict=True))
    assert {r.squeeze for r in full} == {1.0}
    sent.clear()
    recs = rec(small)
    auto = {id(img): (w, r) for img, w, r in sent}
    assert len(sent) == len(small)  # each crop read once
    got = [auto[id(c)] for c in small]
    narrowed = [k for k, (_, r) in enumerate(got) if r < natural[k] * 0.999]
    assert len(narrowed) >= 3
    assert all(got[k][1] == pytest.approx(AUTO_FACTOR * natural[k]) for k in narrowed)
    assert all(got[k][0] <= at_full[id(c)][0] for k, c in enumerate(small))
    assert any(got[k][0] < at_full[id(small[k])][0] for k in narrowed)  # smaller padded widths
    # each Recognition says what was done to its crop
    for k, r in enumerate(recs):
        assert r.squeeze == pytest.approx(got[k][1] / natural[k], abs=1e-3)
    assert sorted(r.text for r in recs) == sorted(LINES)


def test_orientation_check_reads_both_ways_at_full_width(
    engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page-orientation check compares upright and turned readings of the same crops: it
    reads them all at full width (`squeeze=1.0`), never some narrowed by `auto`."""
    rec = engine.recognizer
    calls: list[dict[str, Any]] = []

    def recognizer(crops: list[np.ndarray], *args: Any, **kw: Any) -> list[Recognition]:
        calls.append(kw)
        return rec(crops, *args, **kw)

    sent = _spy_widths(rec, monkeypatch)
    monkeypatch.setattr(engine, "_rec", recognizer)
    bgr = np.ascontiguousarray(np.rot90(_page(13).image, 2)[:, :, ::-1])
    quads, _ = engine.detector(bgr, DetectionPolicy())
    decision = decide_rotation(engine, bgr, quads)
    assert decision.rotation == 180
    assert calls and all(kw.get("squeeze") == 1.0 for kw in calls)
    assert sent and all(r == pytest.approx(img.shape[1] / img.shape[0]) for img, _, r in sent)
