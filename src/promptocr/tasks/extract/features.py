"""Pair features for the key→value linker.

A page is a list of `Unit`s (a piece of text with an axis-aligned box: an OCR line, a part of
one cut at a label separator, or an annotated entity). For a (key unit, value candidate) pair
the linker looks at what a person looks at: where the candidate lies relative to the key in
line-height units (same row to the right, below, same column, above), how they align, how far
apart they are, whether something else lies between them or nearer to either, and how each
looks (ends with a colon, is an amount / date / percent / code, how long, which script).

Everything is computed with numpy over the whole page once (O(n²) in the units of a page,
independent of how many fields are asked); the per-pair part is then O(1) per pair, and the
linker scores only a bounded number of candidates per key, so the cost of extraction is
linear in the number of requested fields.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Bump when the features change: the shipped model records it and a test compares.
FEATURE_VERSION = 4

# how many value candidates the linker scores per key (the nearest ones by a directed distance)
CANDIDATES_PER_KEY = 12


@dataclass
class Unit:
    """A piece of text on a page and its box (x0, y0, x1, y1) in pixels."""

    text: str
    box: tuple[float, float, float, float]
    page: int = 0
    ref: Any = field(default=None, compare=False, repr=False)


_AMOUNT = re.compile(r"[$￥¥€£]?\s?-?\d{1,3}(?:[,，]\d{3})*(?:[.．]\d{1,2})|[$￥¥€£]\s?\d+")
_DATE = re.compile(
    r"\d{1,4}\s?[-/.年]\s?\d{1,2}\s?[-/.月]\s?\d{1,4}|"
    r"\b\d{1,2}\s?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s?\d{2,4}|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s?\d{1,2},?\s?\d{2,4}",
    re.I,
)
_PERCENT = re.compile(r"\d+(?:\.\d+)?\s?[%％]")
_CODE = re.compile(r"[A-Z0-9][A-Z0-9\-/]{5,}")


# CJK characters: the ideographs (unified, extension A, the compatibility block and the
# supplementary planes' extensions B onwards), 々〆〇, kana (half-width katakana `ｺｰﾋｰ` too,
# one per character) and hangul (syllables and compatibility jamo; no Korean page measured)
_CJK_RANGES = (
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3130, 0x318F),  # hangul compatibility jamo
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3400, 0x9FFF),  # CJK unified ideographs and extension A
    (0xAC00, 0xD7AF),  # hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width katakana
    (0x20000, 0x3134F),  # extensions B to G and the compatibility supplement
)


@functools.lru_cache(maxsize=65536)
def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _CJK_RANGES)


LOOK_NAMES = (
    "colon_end",
    "colon_any",
    "question_end",
    "log_chars",
    "digit_frac",
    "alpha_frac",
    "cjk_frac",
    "upper_frac",
    "is_amount",
    "is_date",
    "is_percent",
    "is_code",
    "n_words",
    "width",
    "height",
    "bracket_end",
)


def text_look(text: str) -> list[float]:
    """How a piece of text looks, independent of its language's words."""
    return list(_text_look(text))


@functools.lru_cache(maxsize=65536)
def _text_look(text: str) -> tuple[float, ...]:
    t = text.strip()
    n = max(len(t), 1)
    digits = sum(ch.isdigit() for ch in t)
    alpha = sum(ch.isalpha() and not _is_cjk(ch) for ch in t)
    cjk = sum(_is_cjk(ch) for ch in t)
    upper = sum(ch.isupper() for ch in t)
    return (
        float(t[-1:] in (":", "：")),
        float(":" in t or "：" in t),
        float(t[-1:] in ("?", "？")),
        math.log1p(len(t)),
        digits / n,
        alpha / n,
        cjk / n,
        upper / max(alpha, 1),
        float(bool(_AMOUNT.search(t))),
        float(bool(_DATE.search(t))),
        float(bool(_PERCENT.search(t))),
        float(bool(_CODE.search(t))),
        float(len(t.split())),
        0.0,  # width and height are filled in by page geometry
        0.0,
        float(t[-1:] in (")", "）", "]", "】")),
    )


PAIR_NAMES = (
    "dx_gap",
    "dy_gap",
    "dcx",
    "dcy",
    "dleft",
    "dright",
    "yover",
    "xover",
    "dist",
    "between",
    "v_left_is_k",
    "v_above_is_k",
    "k_right_is_v",
    "k_below_is_v",
    "rank_v_for_k",
    "rank_k_for_v",
    "v_left_colon",
    "v_left_gap",
    "v_above_gap",
    "k_right_gap",
    "k_below_gap",
    "hratio",
    "between_labels",
    "v_above_colon",
    "k_left_colon",
    # what is known or estimated of the units' roles (`keyness`: 1 a key, 0 not)
    "k_keyness",
    "v_keyness",
    "keys_between",
    "keys_nearer_to_v",
    "values_nearer_to_k",
    "k_is_v_left_key",
    "k_is_v_above_key",
    "v_left_key_gap",
    "v_above_key_gap",
)

# the same table column: units in the key's column between the key and a candidate below it
COLUMN_NAMES = ("col_between", "col_keys_between", "col_rank")

ROLE_FEATURE_NAMES: tuple[str, ...] = (
    tuple(LOOK_NAMES)
    + tuple(
        f"{side}_{n}"
        for side in ("left", "right", "above", "below")
        for n in ("has", "gap", "colon_end", "digit_frac", "log_chars", "is_amount", "is_date")
    )
    + ("x0", "n_same_row", "n_same_left_edge")
)

FEATURE_NAMES: tuple[str, ...] = (
    PAIR_NAMES
    + tuple("k_" + n for n in LOOK_NAMES)
    + tuple("v_" + n for n in LOOK_NAMES)
    + COLUMN_NAMES
)


class PageGeometry:
    """Per-page arrays the pair features read: boxes in line-height units, each unit's
    nearest neighbour to the left / above / right / below, distance ranks."""

    def __init__(self, units: Sequence[Unit], keyness: Sequence[float] | None = None) -> None:
        self.units = list(units)
        # what other modules work out once per page from the units (their words, …)
        self.memo: dict[str, Any] = {}
        n = len(self.units)
        self.n = n
        b = np.array([u.box for u in self.units], dtype=np.float64).reshape(n, 4)
        hs = b[:, 3] - b[:, 1] if n else np.zeros(0)
        # the typical line height: the median of the shorter half (multi-line boxes are tall)
        lh = float(np.median(np.sort(hs)[: max(1, (n + 1) // 2)])) if n else 20.0
        self.lh = max(lh, 1.0)
        b = b / self.lh
        self.b = b
        x0, y0, x1, y1 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
        self.cx, self.cy = (x0 + x1) / 2, (y0 + y1) / 2
        w = np.maximum(x1 - x0, 1e-3)
        h = np.maximum(y1 - y0, 1e-3)
        self.w, self.h = w, h
        looks = np.array([_text_look(u.text) for u in self.units], dtype=np.float64)
        looks = looks.reshape(n, len(LOOK_NAMES))
        looks[:, LOOK_NAMES.index("width")] = w
        looks[:, LOOK_NAMES.index("height")] = h
        self.looks = looks
        if n == 0:
            self.keyness = np.zeros(0)
            return
        # pairwise relations (row i relative to column j)
        yo = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
        xo = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
        self.yover = yo / np.minimum(h[:, None], h[None, :])
        self.xover = xo / np.minimum(w[:, None], w[None, :])
        gx = np.maximum(0.0, np.maximum(x0[None, :] - x1[:, None], x0[:, None] - x1[None, :]))
        gy = np.maximum(0.0, np.maximum(y0[None, :] - y1[:, None], y0[:, None] - y1[None, :]))
        dist = np.sqrt(gx**2 + gy**2)
        np.fill_diagonal(dist, np.inf)
        self.dist = dist
        # the distance ranks (`rank_of`, `rank_in`) and the directed distance (`cost_row`,
        # `cost_col`) are worked out for the rows asked: a full matrix of each (a sort of
        # every row) cost more than the rest of the page on a table of thousands of lines
        self._x0, self._y0, self._x1, self._y1 = x0, y0, x1, y1
        same_row = self.yover > 0.3
        eye = np.eye(n, dtype=bool)
        # j is left of i on i's row: j.x1 <= i.x0 + 0.5
        left = same_row & (x1[None, :] <= x0[:, None] + 0.5) & ~eye
        gap_left = np.where(left, x0[:, None] - x1[None, :], np.inf)
        self.left_nn = np.where(left.any(1), gap_left.argmin(1), -1)
        self.left_gap = np.where(left.any(1), gap_left.min(1), 50.0)
        right = same_row & (x0[None, :] >= x1[:, None] - 0.5) & ~eye
        gap_right = np.where(right, x0[None, :] - x1[:, None], np.inf)
        self.right_nn = np.where(right.any(1), gap_right.argmin(1), -1)
        self.right_gap = np.where(right.any(1), gap_right.min(1), 50.0)
        col = (self.xover > 0.05) & ~eye
        above = col & (y1[None, :] <= y0[:, None] + 0.3)
        gap_above = np.where(above, y0[:, None] - y1[None, :], np.inf)
        self.above_nn = np.where(above.any(1), gap_above.argmin(1), -1)
        self.above_gap = np.where(above.any(1), gap_above.min(1), 50.0)
        below = col & (y0[None, :] >= y1[:, None] - 0.3)
        gap_below = np.where(below, y0[None, :] - y1[:, None], np.inf)
        self.below_nn = np.where(below.any(1), gap_below.argmin(1), -1)
        self.below_gap = np.where(below.any(1), gap_below.min(1), 50.0)
        self._gap_left, self._gap_above = gap_left, gap_above
        self.set_keyness(keyness)

    def rank_of(self, i: int, js: np.ndarray) -> np.ndarray:
        """rank[i, js]: the place of each j among unit i's neighbours by distance, nearest
        first (0), ties in index order (a stable sort of i's row)."""
        js = np.asarray(js, dtype=np.int64)
        rows = np.broadcast_to(self.dist[i], (len(js), self.n))
        return self._nearer(rows, self.dist[i, js], js)

    def rank_in(self, js: np.ndarray, i: int) -> np.ndarray:
        """rank[js, i]: the place of unit i among each j's neighbours (as `rank_of` counts)."""
        js = np.asarray(js, dtype=np.int64)
        return self._nearer(self.dist[js], self.dist[js, i], np.full(len(js), i))

    def _nearer(self, rows: np.ndarray, at: np.ndarray, index: np.ndarray) -> np.ndarray:
        """For each row of distances, how many units stand nearer than `at`, or as near with a
        lower index than `index`: the place a stable sort of the row gives that unit."""
        lower = np.arange(self.n)[None, :] < index[:, None]
        return (rows < at[:, None]).sum(1) + ((rows == at[:, None]) & lower).sum(1)

    @property
    def rank(self) -> np.ndarray:
        """rank[i, j]: j is the rank-th nearest unit to i (the whole matrix; the features read
        `rank_of` / `rank_in`)."""
        order = np.argsort(self.dist, axis=1, kind="stable")
        rank = np.empty_like(order)
        rank[np.arange(self.n)[:, None], order] = np.arange(self.n)[None, :]
        return rank

    def cost_row(self, k: int) -> np.ndarray:
        """The directed distance from key k to every unit, for choosing candidates: a unit
        wholly left of or above the key costs more (inf for k itself)."""
        c = (
            self.dist[k]
            + np.maximum(0.0, self._x0[k] - self._x1)
            + np.maximum(0.0, self._y0[k] - self._y1)
        )
        c[k] = np.inf
        return c

    def cost_col(self, v: int) -> np.ndarray:
        """The directed distance from every unit (as a key) to unit v."""
        c = (
            self.dist[:, v]
            + np.maximum(0.0, self._x0 - self._x1[v])
            + np.maximum(0.0, self._y0 - self._y1[v])
        )
        c[v] = np.inf
        return c

    @property
    def cost(self) -> np.ndarray:
        """The directed distance of every pair (cost[k, j]: `cost_row(k)`)."""
        x0, y0, x1, y1 = self._x0, self._y0, self._x1, self._y1
        cost = (
            self.dist
            + np.maximum(0.0, x0[:, None] - x1[None, :])
            + np.maximum(0.0, y0[:, None] - y1[None, :])
        )
        np.fill_diagonal(cost, np.inf)
        return cost

    def set_keyness(self, keyness: Sequence[float] | np.ndarray | None) -> None:
        """How likely each unit is a key: the gold labels where known, else the role model's
        estimate (`keyness.py`, trained on synthetic documents)."""
        if keyness is None:
            from promptocr.tasks.extract.keyness import estimate_keyness

            keyness = estimate_keyness(self)
        self.keyness = np.asarray(keyness, dtype=np.float64).reshape(self.n)
        # the nearest key-like unit left of each unit on its row, and above it in its column
        km = self.keyness > 0.5
        self.key_mask = km
        gl = np.where(km[None, :], self._gap_left, np.inf)
        self.left_key = np.where(np.isfinite(gl).any(1), gl.argmin(1), -1)
        self.left_key_gap = np.where(np.isfinite(gl).any(1), gl.min(1), 50.0)
        ga = np.where(km[None, :], self._gap_above, np.inf)
        self.above_key = np.where(np.isfinite(ga).any(1), ga.argmin(1), -1)
        self.above_key_gap = np.where(np.isfinite(ga).any(1), ga.min(1), 50.0)

    def unit_features(self) -> np.ndarray:
        """Per-unit rows for the role model (`keyness.py`, ROLE_FEATURE_NAMES): the unit's look and
        its neighbours' on each side, with the gaps to them."""
        n = self.n
        colon = LOOK_NAMES.index("colon_end")
        cols: list[np.ndarray] = [self.looks]
        for nn, gap in (
            (self.left_nn, self.left_gap),
            (self.right_nn, self.right_gap),
            (self.above_nn, self.above_gap),
            (self.below_nn, self.below_gap),
        ):
            has = nn >= 0
            j = np.maximum(nn, 0)
            nb = self.looks[j][
                :,
                [
                    colon,
                    LOOK_NAMES.index("digit_frac"),
                    LOOK_NAMES.index("log_chars"),
                    LOOK_NAMES.index("is_amount"),
                    LOOK_NAMES.index("is_date"),
                ],
            ]
            nb = np.where(has[:, None], nb, -1.0)
            cols.append(np.stack([has.astype(np.float64), np.minimum(gap, 50.0)], axis=1))
            cols.append(nb)
        x0 = self.b[:, 0] - self.b[:, 0].min()
        same_row = (self.yover > 0.3).sum(1) - 1
        same_col = (
            (self.xover > 0.05) & (np.abs(self.b[:, 0][:, None] - self.b[:, 0][None, :]) < 1.0)
        ).sum(1) - 1
        cols.append(
            np.stack([x0, same_row.astype(np.float64), same_col.astype(np.float64)], axis=1)
        )
        return np.concatenate(cols, axis=1).reshape(n, -1)

    def candidates(
        self, k: int, pool: np.ndarray | None = None, m: int = CANDIDATES_PER_KEY
    ) -> np.ndarray:
        """The m value candidates nearest to key `k` (within `pool`, all units if None)."""
        return np.array(self._nearest(self.cost_row(k)[None, :], pool, m)[0], dtype=np.int64)

    def key_candidates(
        self, v: int, pool: np.ndarray | None = None, m: int = CANDIDATES_PER_KEY
    ) -> np.ndarray:
        """The m keys (within `pool`) nearest to value `v`, by the same directed distance."""
        return np.array(self._nearest(self.cost_col(v)[None, :], pool, m)[0], dtype=np.int64)

    def nearest(
        self,
        keys: Sequence[int],
        pool: np.ndarray | None,
        values: Sequence[int],
        key_pool: np.ndarray | None,
        m: int = CANDIDATES_PER_KEY,
    ) -> tuple[list[list[int]], list[list[int]]]:
        """`candidates` of each of `keys` and `key_candidates` of each of `values`, from one
        directed-distance matrix (the same lists; n × n memory)."""
        if self.n == 0:
            return [[] for _ in keys], [[] for _ in values]
        cost = self.cost
        return (
            self._nearest(cost[np.asarray(keys, dtype=np.int64)], pool, m),
            self._nearest(cost.T[np.asarray(values, dtype=np.int64)], key_pool, m),
        )

    def _nearest(self, costs: np.ndarray, pool: np.ndarray | None, m: int) -> list[list[int]]:
        """Per row of directed distances (a copy, changed here; inf for the unit itself), the
        m units of `pool` (all if None) nearest first, ties in index order, none at inf."""
        if pool is not None:
            costs[:, np.setdiff1d(np.arange(self.n), pool)] = np.inf
        if len(costs) == 0:
            return []
        order = np.argsort(costs, axis=1, kind="stable")[:, :m]
        take = np.minimum(np.isfinite(costs).sum(1), m)
        return [o[:t].tolist() for o, t in zip(order, take, strict=True)]

    def between(self, ks: np.ndarray, js: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """How many other units, how many label-like ones (ending with a colon), and how much
        keyness have their centre inside the box spanning ks[i] and js[i], for each pair."""
        b = self.b
        rows = np.arange(len(js))
        bx0 = np.minimum(b[ks, 0], b[js, 0])
        by0 = np.minimum(b[ks, 1], b[js, 1])
        bx1 = np.maximum(b[ks, 2], b[js, 2])
        by1 = np.maximum(b[ks, 3], b[js, 3])
        inside = (
            (self.cx[None, :] > bx0[:, None])
            & (self.cx[None, :] < bx1[:, None])
            & (self.cy[None, :] > by0[:, None])
            & (self.cy[None, :] < by1[:, None])
        )
        inside[rows, ks] = False
        inside[rows, js] = False
        colon = self.looks[:, LOOK_NAMES.index("colon_end")] > 0
        return (
            inside.sum(1).astype(np.float64),
            (inside & colon[None, :]).sum(1).astype(np.float64),
            (inside * self.keyness[None, :]).sum(1),
        )

    def column_features(self, ks: np.ndarray, js: np.ndarray) -> tuple[np.ndarray, ...]:
        """A table column under a header, for each pair (ks[i], js[i]): how many units of the
        key's column lie between the key and the candidate below it, how much keyness among
        them (another header-like unit in between), and the candidate's rank down the column
        (0: the first cell; 50: not in the key's column below it)."""
        b = self.b
        rows = np.arange(len(js))
        col = (self.xover[ks] > 0.3) & (b[None, :, 1] >= b[ks, 3][:, None] - 0.3)
        col[rows, ks] = False
        in_col = col[rows, js]
        inside = col & (b[None, :, 3] <= b[js, 1][:, None] + 0.3)
        inside[rows, js] = False
        n_in = inside.sum(1).astype(np.float64)
        keys_in = (inside * self.keyness[None, :]).sum(1)
        rank = np.where(in_col, np.minimum(n_in, 50.0), 50.0)
        return np.minimum(n_in, 50.0), keys_in, rank

    def pair_features(self, k: int, js: np.ndarray) -> np.ndarray:
        """Feature rows for key `k` and candidates `js`, columns as FEATURE_NAMES."""
        js = np.asarray(js, dtype=np.int64)
        return self.pairs_features(np.full(len(js), k, dtype=np.int64), js)

    # the most pair × unit cells `pairs_features` works on at once (its n-wide masks)
    PAIR_CHUNK = 1 << 20

    def pairs_features(self, ks: np.ndarray, js: np.ndarray) -> np.ndarray:
        """Feature rows for the pairs (ks[i], js[i]), columns as FEATURE_NAMES: all pairs of a
        page in a few array passes instead of one per key (the same numbers)."""
        ks = np.asarray(ks, dtype=np.int64)
        js = np.asarray(js, dtype=np.int64)
        step = max(1, self.PAIR_CHUNK // max(self.n, 1))
        if len(js) <= step:
            return self._pairs_features(ks, js)
        return np.concatenate(
            [
                self._pairs_features(ks[i : i + step], js[i : i + step])
                for i in range(0, len(js), step)
            ],
            axis=0,
        )

    def _pairs_features(self, ks: np.ndarray, js: np.ndarray) -> np.ndarray:
        b = self.b
        m = len(js)
        out = np.zeros((m, len(FEATURE_NAMES)), dtype=np.float64)
        if m == 0:
            return out
        rows = np.arange(m)
        kb = b[ks]
        vb = b[js]
        colon = LOOK_NAMES.index("colon_end")
        left_nn = self.left_nn[js]
        above_nn = self.above_nn[js]
        n_between, n_labels, keys_between = self.between(ks, js)
        dist_k = self.dist[ks]  # each pair's key row
        dist_j = self.dist[js]  # each pair's candidate row
        dk = dist_j[rows, ks]
        keys_nearer = (dist_j[:, self.key_mask] < dk[:, None]).sum(1)
        dv = dist_k[rows, js]
        vals_nearer = (dist_k[:, ~self.key_mask] < dv[:, None]).sum(1)
        rank_of = self._nearer(dist_k, dv, js)  # (as `rank_of` and `rank_in` count)
        rank_in = self._nearer(dist_j, dk, ks)
        k_left = self.left_nn[ks]
        cols = [
            vb[:, 0] - kb[:, 2],
            vb[:, 1] - kb[:, 3],
            self.cx[js] - self.cx[ks],
            self.cy[js] - self.cy[ks],
            vb[:, 0] - kb[:, 0],
            vb[:, 2] - kb[:, 2],
            self.yover[ks, js],
            self.xover[ks, js],
            np.minimum(dv, 100.0),
            n_between,
            (left_nn == ks).astype(np.float64),
            (above_nn == ks).astype(np.float64),
            (self.right_nn[ks] == js).astype(np.float64),
            (self.below_nn[ks] == js).astype(np.float64),
            np.minimum(rank_of, 50).astype(np.float64),
            np.minimum(rank_in, 50).astype(np.float64),
            np.where(left_nn >= 0, self.looks[np.maximum(left_nn, 0), colon], -1.0),
            np.minimum(self.left_gap[js], 50.0),
            np.minimum(self.above_gap[js], 50.0),
            np.minimum(self.right_gap[ks], 50.0),
            np.minimum(self.below_gap[ks], 50.0),
            self.h[js] / self.h[ks],
            n_labels,
            np.where(above_nn >= 0, self.looks[np.maximum(above_nn, 0), colon], -1.0),
            np.where(k_left >= 0, self.looks[np.maximum(k_left, 0), colon], -1.0),
            self.keyness[ks],
            self.keyness[js],
            keys_between,
            np.minimum(keys_nearer, 50).astype(np.float64),
            np.minimum(vals_nearer, 50).astype(np.float64),
            (self.left_key[js] == ks).astype(np.float64),
            (self.above_key[js] == ks).astype(np.float64),
            np.minimum(self.left_key_gap[js], 50.0),
            np.minimum(self.above_key_gap[js], 50.0),
        ]
        npair = len(PAIR_NAMES)
        out[:, :npair] = np.stack(cols, axis=1)
        nl = len(LOOK_NAMES)
        out[:, npair : npair + nl] = self.looks[ks]
        out[:, npair + nl : npair + 2 * nl] = self.looks[js]
        out[:, npair + 2 * nl :] = np.stack(self.column_features(ks, js), axis=1)
        return out
