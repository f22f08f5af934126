"""The recognition width squeeze (`SessionSettings.rec_squeeze`): how far a line crop is
narrowed at the model's height before recognition.

The recognition model's cost grows with its input width, and at height 48 a Latin glyph is
~20-28 px wide against one CTC step per 8 px, so a crop can be narrowed. A crop that is
already narrower than the recognizer's padding floor (`TextRecognizer.min_width`, 160 px) is
padded to the floor anyway: narrowing it saves nothing, so it is never narrowed, and a wider
crop is narrowed at most down to the floor.

`rec_squeeze="auto"` (opt-in; the default is 1.0, no squeeze) decides per caller of a recognition call (a page; each
request's crops where the server merges requests) from the recogniser's own evidence: the
caller's crops are read at full width, narrowest first, batch after batch until they have
shown `MIN_PAIRS` pairs of characters (often the first batch, possibly several), and its
remaining crops are squeezed by `AUTO_FACTOR` only if that reading showed few *loose*
character pairs: two consecutive characters with at least `LOOSE_STEPS` blank CTC steps
between them and no space emitted. On receipts and forms 0-5 % of pairs are loose; on clean
rendered pages in large type 6-29 %, and there the squeeze shortens exactly those blank runs,
where a word space is the recogniser's marginal call (a rendered, JPEG-compressed invoice line
lost `amount due` → `amountdue` at 0.85 where the unsqueezed read had already dropped two of
its five spaces). Measured: docs/benchmarks.md, "Recognition width squeeze". The thresholds
were calibrated on bf16 readings with the full output head; with `precision="int8"` or
`rec_head="latin"` the rule was checked on a rendered page only.

The evidence is always the caller's own crops (the same ones, its narrowest, however calls
are merged), but where the server merges requests they are read at the merged batches'
padded widths, which move the greedy paths a little (the model sees the padding), and the
batch boundaries decide which of the caller's crops are already read when the decision
falls: so a caller near the threshold may decide, and a line may read, differently than
alone (as any line may at another padded width). Checks that compare readings of the same
crops (page orientation, the text-layer check) pass `squeeze=1.0` to the recognizer and are
never squeezed.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from promptocr.engines.ctcspaces import emitted_spans

if TYPE_CHECKING:
    from promptocr.engines.stages import Recognition

# The factor `auto` squeezes by once a caller's evidence allows it. 0.85 cut recognition time
# by 11 % on the dev sets but read FUNSD 0.001 word F1 under the unsqueezed default; 0.9 cut it
# by 7-8 % and read word F1 on both dev sets at or above it, char F1 at or above on SROIE and
# just under on FUNSD (0.97712 against 0.97714; docs/benchmarks.md).
AUTO_FACTOR = 0.9
# Blank steps between two emitted characters (no space between them) that make the pair loose.
LOOSE_STEPS = 3
# Most loose pairs (share of all pairs of consecutive characters) a caller may show and be
# squeezed.
MAX_LOOSE = 0.05
# Fewest pairs the evidence needs; until a caller has read this many, its crops are read at
# full width (batch after batch; a caller with fewer pairs in all is never squeezed).
MIN_PAIRS = 20


def parse_auto(value: object) -> float | None:
    """The factor of an `auto` setting ("auto" = `AUTO_FACTOR`; "auto:F", for experiments,
    F in (0, 1]), or None for anything else (a plain number is not `auto`)."""
    if value == "auto":
        return AUTO_FACTOR
    if isinstance(value, str) and value.startswith("auto:"):
        try:
            f = float(value[5:])
        except ValueError:
            return None
        return f if 0.1 <= f <= 1.0 else None
    return None


def auto_key(value: object) -> list[Any] | None:
    """How an `auto` setting keys results (`BatchConfig.settings_hash`): its name with the
    factor and every threshold its decision depends on, so a change of any of them keys
    results anew; None for anything that is not `auto`."""
    factor = parse_auto(value)
    if factor is None:
        return None
    params = {
        "factor": factor,
        "min_pairs": MIN_PAIRS,
        "max_loose": MAX_LOOSE,
        "loose_steps": LOOSE_STEPS,
        # 2: page-orientation and text-layer checks read at full width, whatever the squeeze
        "rules": 2,
    }
    return [value, params]


def squeezed_ratio(ratio: float, factor: float, floor_ratio: float) -> float:
    """A crop's width over height as the model sees it: `ratio` times `factor`, but never
    under `floor_ratio` (the padding floor over the model's height) nor under `ratio` itself
    where the crop is narrower than the floor (it is padded to the floor either way)."""
    if factor >= 1.0:
        return ratio
    return max(min(ratio, floor_ratio), ratio * factor)


def loose_pairs(idx: np.ndarray, steps: int, space: int, blank: int = 0) -> tuple[int, int]:
    """(pairs of consecutive emitted characters, loose ones) on a greedy CTC path's first
    `steps` steps (the crop without its padding); pairs next to a space are not counted."""
    spans = emitted_spans(idx[: max(1, steps)], blank)
    pairs = loose = 0
    for a, b in zip(spans, spans[1:], strict=False):
        if a.cls == space or b.cls == space:
            continue
        pairs += 1
        if b.first - a.last - 1 >= LOOSE_STEPS:
            loose += 1
    return pairs, loose


class SqueezeGate:
    """One recognition call's `auto` squeeze, per group of crops (a caller): evidence is
    gathered from the group's rows read at full width, and the group's factor is decided once
    it has `MIN_PAIRS` pairs: `AUTO_FACTOR` if at most `MAX_LOOSE` of them were loose, else 1.0.
    One group's decision never applies to another's crops."""

    def __init__(self, factor: float = AUTO_FACTOR) -> None:
        self.squeeze = factor
        self.pairs: dict[Hashable, int] = {}
        self.loose: dict[Hashable, int] = {}
        self.factor: dict[Hashable, float] = {}

    def observe(self, group: Hashable, idx: np.ndarray, steps: int, space: int) -> None:
        """Count a row read at full width (its greedy path, `steps` of it the crop)."""
        if group in self.factor:
            return
        p, n = loose_pairs(idx, steps, space)
        self.pairs[group] = self.pairs.get(group, 0) + p
        self.loose[group] = self.loose.get(group, 0) + n
        if self.pairs[group] >= MIN_PAIRS:
            tight = self.loose[group] <= MAX_LOOSE * self.pairs[group]
            self.factor[group] = self.squeeze if tight else 1.0

    def decided(self, group: Hashable) -> float | None:
        return self.factor.get(group)


def squeeze_report(index: int, recs: Sequence[Recognition]) -> dict[str, Any]:
    """`usage.rec_squeeze`'s entry for a page (0-based `index`) read into `recs`, from what
    was done to each crop (`Recognition.squeeze`, its width at the model over its natural
    width): `factor`, the narrowest any crop was read with (1.0 if none was narrowed: also where
    `auto` decided to squeeze but every later crop was under the padding floor; above the
    decided factor where the narrowed crops were only narrowed down to the floor), `lines`,
    the crops recognised, and `squeezed`, how many of them were read narrowed."""
    factors = [r.squeeze for r in recs]
    return {
        "page": index + 1,
        "factor": round(min(factors, default=1.0), 3),
        "lines": len(recs),
        "squeezed": sum(f < 1.0 for f in factors),
    }


def merge_reports(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """`usage.rec_squeeze` with one entry per page: entries of the same page (a text-layer
    page's raster regions, each read on its own) merged (narrowest factor; lines and squeezed
    summed), in order of first appearance."""
    pages: dict[Any, dict[str, Any]] = {}
    for e in entries:
        got = pages.get(e["page"])
        if got is None:
            pages[e["page"]] = dict(e)
            continue
        got["factor"] = min(got["factor"], e["factor"])
        got["lines"] += e["lines"]
        got["squeezed"] += e["squeezed"]
    return list(pages.values())
