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

from promptocr.tasks.extract.features import (
    CANDIDATES_PER_KEY,
    FEATURE_NAMES,
    PageGeometry,
    Unit,
    _is_cjk,
)
from promptocr.tasks.extract.model import TreeModel, load_model

DEFAULT_THRESHOLD = 0.5
# with the question / answer labels given, every answer is meant to have a question: each takes
# its most likely one unless the model all but rules it out
GOLD_LABEL_THRESHOLD = 0.02
# a value takes a second key only when that link is this likely too
SECOND_KEY_THRESHOLD = 0.3


# a page on which at least this share of the written tokens are CJK characters is read by the
# `keyed_cjk` model (a token: a CJK character, or a run of other letters — a word)
CJK_PAGE = 0.5


def cjk_share(units: Sequence[Unit]) -> float:
    """The share of CJK characters among the page's tokens: its CJK characters and its runs of
    other letters (0 without either); a Latin-script page is 0. A Chinese form with English
    glosses is not always well above a half (`姓名 Name` labels with values 0.7 to 0.8; a label
    and value over an English line of four words 0.56), and a long Chinese title counts each
    character (20 over 7 short English labels and values: about 0.59); docs/extract.md, "Training data and model"."""
    cjk = words = 0
    for u in units:
        in_word = False
        for ch in u.text:
            if _is_cjk(ch):
                cjk += 1
                in_word = False
            elif ch.isalpha():
                words += not in_word
                in_word = True
            else:
                in_word = False
    return cjk / (cjk + words) if cjk + words else 0.0


def keyed_model(units: Sequence[Unit]) -> TreeModel:
    """The `keyed` model for a page: `keyed_cjk` (trained with generator v7's ruled grids,
    section tables and option rows in its forms) where the page is mostly written in CJK, else
    `keyed` (trained on a set drawn from the same seed without them — other documents, the
    grid draw moving the shared random stream; docs/extract.md, "Training data and model")."""
    return load_model("keyed_cjk" if cjk_share(units) >= CJK_PAGE else "keyed")


def roles_model(units: Sequence[Unit]) -> TreeModel:
    """The key-role model for a page (`keyness.estimate_keyness`), chosen as `keyed_model`
    chooses: `roles_cjk` (trained on the document set with the grid blocks) where the page is
    mostly written in CJK, else `roles` (without them; the role model trained on the grids takes
    more of a Latin-script form's answers for keys — docs/extract.md, "Training data and
    model")."""
    return load_model("roles_cjk" if cjk_share(units) >= CJK_PAGE else "roles")


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
    pairs: list[tuple[int, int]] = []
    for k in keys:
        pairs += [(k, int(j)) for j in geom.candidates(k, pool, m)]
    WORK.keys_scored += len(keys)
    if not pairs:
        return []
    WORK.pairs_scored += len(pairs)
    p = model.proba(pair_rows(geom, pairs))
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
    pairs: list[tuple[int, int]] = []
    for v in values:
        pairs += [(int(k), v) for k in geom.key_candidates(v, key_pool, m)]
    if not pairs:
        return []
    WORK.pairs_scored += len(pairs)
    p = model.proba(pair_rows(geom, pairs))
    return [(k, v, float(q)) for (k, v), q in zip(pairs, p, strict=True)]


# the most units for which `candidate_pairs` sorts the whole directed-distance matrix at once
WHOLE_COST = 1000


def candidate_pairs(
    geom: PageGeometry,
    keys: Sequence[int] | None = None,
    values: Sequence[int] | None = None,
    m: int = CANDIDATES_PER_KEY,
) -> list[tuple[int, int]]:
    """The (key, value) pairs the linker scores: each key with its m nearest candidates, and
    each value with its m nearest keys (a far value column is still reached from its value
    side). Training (scripts/train_linker.py, the kv_links cross-validation) and linking read
    the same pairs."""
    key_idx = list(range(geom.n)) if keys is None else list(keys)
    val_idx = list(range(geom.n)) if values is None else list(values)
    pool = None if values is None else np.asarray(val_idx, dtype=np.int64)
    kpool = None if keys is None else np.asarray(key_idx, dtype=np.int64)
    out: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    if geom.n <= WHOLE_COST:
        by_key, by_value = geom.nearest(key_idx, pool, val_idx, kpool, m)
    else:  # a row at a time: no n × n matrix of a page of thousands of lines
        by_key = [geom.candidates(k, pool, m).tolist() for k in key_idx]
        by_value = [geom.key_candidates(v, kpool, m).tolist() for v in val_idx]
    for k, js in zip(key_idx, by_key, strict=True):
        for j in js:
            if (k, j) not in seen:
                seen.add((k, j))
                out.append((k, j))
    for v, ks in zip(val_idx, by_value, strict=True):
        for k in ks:
            if (k, v) not in seen:
                seen.add((k, v))
                out.append((k, v))
    return out


def pair_rows(geom: PageGeometry, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """Feature rows of `pairs`, in their order."""
    if not pairs:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float64)
    kj = np.array(pairs, dtype=np.int64).reshape(len(pairs), 2)
    return geom.pairs_features(kj[:, 0], kj[:, 1])


def assign(
    scored: Sequence[tuple[int, int, float]],
    *,
    roles_known: bool,
    threshold: float,
    second_key: float = SECOND_KEY_THRESHOLD,
    geom: PageGeometry | None = None,
) -> list[tuple[int, int, float]]:
    """Greedy global assignment, best pair first. A value has one key, or two when the second
    is also likely (≥ `second_key`) and lies the other way (a table cell right of its row label
    and under its column header: one key on the value's row, the other not; needs `geom`).
    Without known roles a unit used as a key is never a value and a value never a key."""
    out: list[tuple[int, int, float]] = []
    n_keys: dict[int, int] = {}
    first: dict[int, int] = {}
    as_key: set[int] = set()
    for k, v, p in sorted(scored, key=lambda t: -t[2]):
        if p < threshold:
            break
        got = n_keys.get(v, 0)
        if got >= 2 or (got == 1 and (p < second_key or geom is None)):
            continue
        if got == 1 and geom is not None:
            k0 = first[v]
            if (geom.yover[k0, v] > 0.3) == (geom.yover[k, v] > 0.3):
                continue
        if not roles_known and (v in as_key or k in n_keys):
            continue
        first.setdefault(v, k)  # the key actually linked (not one rejected just above)
        out.append((k, v, p))
        n_keys[v] = got + 1
        as_key.add(k)
    return out


def link_units(
    units: Sequence[Unit],
    *,
    keys: Sequence[int] | None = None,
    values: Sequence[int] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    model: TreeModel | None = None,
    second_key: float = SECOND_KEY_THRESHOLD,
    keyness: Sequence[float] | None = None,
    geom: PageGeometry | None = None,
    scored_out: list[tuple[int, int, float]] | None = None,
) -> list[tuple[int, int, float]]:
    """Key→value links among `units` as (key index, value index, probability). `keyness`: how
    likely each unit is a key (the gold labels where known). `geom`: the units' geometry when
    the caller has built it already (with the same `keyness`). `scored_out`: receives every
    pair the model scored, linked or not (a value's growth reads the weaker ones)."""
    if geom is None:
        geom = PageGeometry(units, keyness)
    elif keyness is not None:
        raise ValueError("give the units' keyness to their PageGeometry, not beside it")
    if geom.n < 2:
        return []
    if model is None:
        model = load_model("pairs") if keys is None else keyed_model(units)
    pairs = candidate_pairs(geom, keys, values)
    if not pairs:
        return []
    WORK.pairs_scored += len(pairs)
    p = model.proba(pair_rows(geom, pairs))
    scored = [(k, v, float(q)) for (k, v), q in zip(pairs, p, strict=True)]
    if scored_out is not None:
        scored_out.extend(scored)
    return assign(
        scored,
        roles_known=keys is not None,
        threshold=threshold,
        second_key=second_key,
        geom=geom,
    )
