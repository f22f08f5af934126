"""Word spaces the recogniser left out at a wide gap, put back from the CTC path's timing.

The PP-OCRv6 recogniser often emits no space where two words of one detected line stand far
apart (`Tel:03-56319320`, `1175805Cashier`): the gap is wider than any space it saw in
training. Its greedy CTC path still shows the gap. Each emitted character has a span of time
steps where it is the best class (one step is 8 px of the crop at the model's height of 48),
and where no space was emitted between two characters their spans lie further apart than the
line's own character pitch. A space is put in where the distance from one character's first
step to the next one's is more than `k` times the line's median such distance *and* the
blank steps between them are at least `min_gap_steps`; both thresholds were chosen on rendered
text only (`bench/ctc_spaces_calib.py`), never on a benchmark set.

On by default (`SessionSettings.rec_gap_spaces`, the `k`, 2.5; None turns it off), never
next to a character of a script written without word spaces (CJK, kana): measured,
docs/benchmarks.md, "Spaces at wide gaps".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# Blank steps (8 px each at height 48, i.e. 1/6 of the line height) that a gap must hold
# besides being wide against the line's pitch: a floor for lines whose pitch is tiny (one or
# two steps). The ratio does the work: inside rendered words up to 5 blank steps occur
# (`Tom|orrow`), and a floor of 2, 3 or 4 gave the same calibration counts.
MIN_GAP_STEPS = 3
# Fewer emitted characters than this and the median pitch means little: nothing is added.
MIN_CHARS = 4


@dataclass(frozen=True, slots=True)
class Span:
    """One emitted character: its class and its first and last time step."""

    cls: int
    first: int
    last: int


def emitted_spans(idx: np.ndarray, blank: int = 0) -> list[Span]:
    """The greedy CTC path's emitted characters, each with the run of steps it is best in."""
    spans: list[Span] = []
    prev = -1
    for t, k in enumerate(idx.tolist()):
        if k != prev and k != blank:
            spans.append(Span(int(k), t, t))
        elif k == prev and k != blank and spans:
            s = spans[-1]
            spans[-1] = Span(s.cls, s.first, t)
        prev = k
    return spans


def gap_features(spans: list[Span], space: int) -> list[tuple[float, int]]:
    """For each pair of consecutive emitted characters (index i, i+1): (distance from the
    first step of i to the first of i+1 over the line's median such distance, blank steps
    between them). Pairs next to an emitted space are measured too but never get another."""
    starts = [s.first for s in spans]
    dist = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    inner = [
        d
        for d, a, b in zip(dist, spans, spans[1:], strict=False)
        if a.cls != space and b.cls != space
    ]
    pitch = float(np.median(inner)) if inner else 0.0
    out = []
    for i, d in enumerate(dist):
        blank = spans[i + 1].first - spans[i].last - 1
        out.append((d / pitch if pitch > 0 else 0.0, blank))
    return out


def gap_space_positions(
    idx: np.ndarray, k: float, space: int, blank: int = 0, min_gap_steps: int = MIN_GAP_STEPS
) -> list[int]:
    """Indexes i (into the emitted characters) after which a space belongs: the gap to
    character i+1 is more than `k` times the line's median pitch and at least `min_gap_steps`
    blank steps, and neither character is a space."""
    spans = emitted_spans(idx, blank)
    if len([s for s in spans if s.cls != space]) < MIN_CHARS:
        return []
    feats = gap_features(spans, space)
    return [
        i
        for i, (ratio, gap) in enumerate(feats)
        if ratio > k
        and gap >= min_gap_steps
        and spans[i].cls != space
        and spans[i + 1].cls != space
    ]


# Scripts written without spaces between words: no space is put between two characters when
# either is one of them (CJK ideographs and radicals, CJK punctuation, kana, fullwidth forms).
# A wide gap there is letter-spacing (`名　称`, a tracked title), not a word break.
_UNSPACED = (
    (0x2E80, 0x303F),
    (0x3040, 0x30FF),
    (0x3100, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)


def unspaced(ch: str) -> bool:
    """Whether `ch` belongs to a script written without word spaces (CJK, kana, fullwidth)."""
    code = ord(ch)
    return any(a <= code <= b for a, b in _UNSPACED)


def spaced_cuts(text: str, after: Iterable[int]) -> set[int]:
    """The indexes of `after` where a space really goes into `text`: inside it, and with
    neither neighbour written without word spaces (`unspaced`)."""
    return {
        i
        for i in after
        if i + 1 < len(text) and not unspaced(text[i]) and not unspaced(text[i + 1])
    }


def with_gap_spaces(
    text: str,
    char_pos: list[float],
    char_conf: list[float],
    after: list[int],
) -> tuple[str, list[float], list[float]]:
    """`text` (one character per emitted CTC character) with a space after each index in
    `after`, except between characters of which one is written without word spaces
    (`unspaced`); the space sits halfway between its neighbours and carries the lower of their
    confidences."""
    cut = spaced_cuts(text, after)
    if not cut:
        return text, char_pos, char_conf
    chars: list[str] = []
    pos: list[float] = []
    conf: list[float] = []
    for i, ch in enumerate(text):
        chars.append(ch)
        pos.append(char_pos[i])
        conf.append(char_conf[i])
        if i in cut and i + 1 < len(text):
            chars.append(" ")
            pos.append((char_pos[i] + char_pos[i + 1]) / 2)
            conf.append(min(char_conf[i], char_conf[i + 1]))
    return "".join(chars), pos, conf
