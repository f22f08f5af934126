"""Key→value linking over the units of a page, with the learned pair model.

Two entry points:

- `score_pairs(geom, keys, pool)`: the calibrated link probability of each key with each of its
  `CANDIDATES_PER_KEY` nearest candidates (bounded work per key).
- `link_units(units, ...)`: every key→value link on a page, by a global greedy assignment over
  the scored pairs: each value belongs to at most one key, a unit used as a key is never a
  value (and a value never a key), and a pair below the threshold is not a link. With `keys`
  and `values` given (the annotated question / answer labels), only those pairs are scored —
  the published relation-extraction setting; without them the model decides what is a key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from promptocr.tasks.extract.features import CANDIDATES_PER_KEY, PageGeometry, Unit
from promptocr.tasks.extract.model import TreeModel, load_model

DEFAULT_THRESHOLD = 0.5
# with the question / answer labels given, every answer is meant to have a question: each takes
# its most likely one unless the model all but rules it out
GOLD_LABEL_THRESHOLD = 0.02


@dataclass
class Work:
    """Counters of the linker's work (the test of linear cost reads them)."""

    pairs_scored: int = 0
    keys_scored: int = 0


WORK = Work()


def score_pairs(
    geom: PageGeometry,
    keys: Sequence[int],
    pool: np.ndarray | None = None,
    model: TreeModel | None = None,
    m: int = CANDIDATES_PER_KEY,
) -> list[tuple[int, int, float]]:
    """(key, candidate, probability) for each key and its m nearest candidates in `pool`
    (default model: `pairs`, any unit may be a key)."""
    model = model or load_model("pairs")
    rows: list[np.ndarray] = []
    pairs: list[tuple[int, int]] = []
    for k in keys:
        js = geom.candidates(k, pool, m)
        if len(js) == 0:
            continue
        rows.append(geom.pair_features(k, js))
        pairs += [(k, int(j)) for j in js]
    WORK.keys_scored += len(keys)
    if not pairs:
        return []
    X = np.concatenate(rows, axis=0)
    WORK.pairs_scored += len(pairs)
    p = model.proba(X)
    return [(k, j, float(q)) for (k, j), q in zip(pairs, p, strict=True)]


def score_pairs_by_value(
    geom: PageGeometry,
    values: Sequence[int],
    key_pool: np.ndarray | None = None,
    model: TreeModel | None = None,
    m: int = CANDIDATES_PER_KEY,
) -> list[tuple[int, int, float]]:
    """(key, value, probability) for each value and the m keys nearest to it."""
    model = model or load_model("pairs")
    rows: list[np.ndarray] = []
    pairs: list[tuple[int, int]] = []
    for v in values:
        ks = geom.key_candidates(v, key_pool, m)
        for k in ks:
            rows.append(geom.pair_features(int(k), np.array([v])))
            pairs.append((int(k), v))
    if not pairs:
        return []
    WORK.pairs_scored += len(pairs)
    p = model.proba(np.concatenate(rows, axis=0))
    return [(k, v, float(q)) for (k, v), q in zip(pairs, p, strict=True)]


def link_units(
    units: Sequence[Unit],
    *,
    keys: Sequence[int] | None = None,
    values: Sequence[int] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    model: TreeModel | None = None,
) -> list[tuple[int, int, float]]:
    """Key→value links among `units` as (key index, value index, probability)."""
    geom = PageGeometry(units)
    if geom.n < 2:
        return []
    if model is None:
        model = load_model("pairs" if keys is None else "keyed")
    key_idx = list(range(geom.n)) if keys is None else list(keys)
    pool = None if values is None else np.asarray(list(values), dtype=np.int64)
    scored = score_pairs(geom, key_idx, pool, model)
    val_idx = list(range(geom.n)) if values is None else list(values)
    kpool = None if keys is None else np.asarray(key_idx, dtype=np.int64)
    seen = {(k, v) for k, v, _ in scored}
    scored += [
        t for t in score_pairs_by_value(geom, val_idx, kpool, model) if (t[0], t[1]) not in seen
    ]
    scored.sort(key=lambda t: -t[2])
    out: list[tuple[int, int, float]] = []
    as_value: set[int] = set()
    as_key: set[int] = set()
    for k, v, p in scored:
        if p < threshold:
            break
        if v in as_value:
            continue
        if keys is None and (v in as_key or k in as_value):
            continue
        out.append((k, v, p))
        as_value.add(v)
        as_key.add(k)
    return out
