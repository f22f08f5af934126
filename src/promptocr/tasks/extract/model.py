"""The linker's shipped model: a gradient-boosted tree ensemble evaluated in plain numpy.

`scripts/train_linker.py` trains scikit-learn's HistGradientBoostingClassifier on synthetic
layouts (`synthdocs.py`) and writes the trees as flat arrays into `linker_pairs.npz`,
`linker_keyed.npz`, `linker_keyed_cjk.npz`, `linker_roles.npz` and `linker_roles_cjk.npz` next to
this file, each with a Platt calibration (fitted on a held-out synthetic split) and metadata (feature
names and version, generator version, seed, training figures). Nothing from scikit-learn is
needed at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_DIR = Path(__file__).parent
# `pairs`: any unit may be the key (extract everything); `keyed`: the key is known (a requested
# field's printed label, an annotated question)
# `roles`: whether a unit is a key at all (keyness.py)
# `keyed_cjk`: `keyed` for pages written mostly in CJK characters (`linker.keyed_model`)
# `roles_cjk`: `roles` for pages written mostly in CJK characters (`linker.roles_model`)
MODEL_FILES = {
    "pairs": "linker_pairs.npz",
    "keyed": "linker_keyed.npz",
    "keyed_cjk": "linker_keyed_cjk.npz",
    "roles": "linker_roles.npz",
    "roles_cjk": "linker_roles_cjk.npz",
}


@dataclass
class TreeModel:
    feature: np.ndarray  # int32, per node
    threshold: np.ndarray  # float64, per node: x <= threshold goes left
    left: np.ndarray  # int32, global node index
    right: np.ndarray
    value: np.ndarray  # float64, leaf value
    is_leaf: np.ndarray  # bool
    roots: np.ndarray  # int32, root node of each tree
    depth: int
    baseline: float
    platt_a: float  # calibrated p = 1 / (1 + exp(-(a * raw + b)))
    platt_b: float
    meta: dict[str, Any]

    def _flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The trees for `raw`, built once: each node's feature and threshold, and its two
        children side by side (right, left; a leaf its own child both ways)."""
        got = self.__dict__.get("_flat_cache")
        if got is None:
            nodes = np.arange(len(self.feature), dtype=np.int64)
            left = np.where(self.is_leaf, nodes, self.left).astype(np.int64)
            right = np.where(self.is_leaf, nodes, self.right).astype(np.int64)
            child = np.stack([right, left], axis=1).reshape(-1)
            got = (self.feature.astype(np.int64), self.threshold.astype(np.float64), child)
            self.__dict__["_flat_cache"] = got
        return got

    def raw(self, X: np.ndarray) -> np.ndarray:
        """The ensemble's raw score (log-odds before calibration) for each row of X."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        n = X.shape[0]
        if n == 0:
            return np.zeros(0)
        feature, threshold, child = self._flat()
        flat = X.reshape(-1)
        trees = len(self.roots)
        node = np.broadcast_to(self.roots[None, :], (n, trees)).copy()
        at = node.reshape(-1)  # a view: (row, tree) pairs walked down together
        row_base = np.repeat(np.arange(n, dtype=np.int64) * X.shape[1], trees)
        walking = np.flatnonzero(~self.is_leaf[at])
        for _ in range(self.depth + 1):
            if walking.size == 0:
                break
            nd = at[walking]
            go_left = flat[row_base[walking] + feature[nd]] <= threshold[nd]
            nd = child[2 * nd + go_left]
            at[walking] = nd
            walking = walking[~self.is_leaf[nd]]  # only the pairs not yet at a leaf go on
        return self.baseline + self.value[node].sum(axis=1)

    def proba(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability that each pair is a key→value link."""
        z = self.platt_a * self.raw(X) + self.platt_b
        return 1.0 / (1.0 + np.exp(-z))

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            feature=self.feature.astype(np.int16),
            threshold=self.threshold.astype(np.float64),
            left=self.left.astype(np.int32),
            right=self.right.astype(np.int32),
            value=self.value.astype(np.float64),
            is_leaf=self.is_leaf,
            roots=self.roots.astype(np.int32),
            scalars=np.array([self.depth, self.baseline, self.platt_a, self.platt_b]),
            meta=np.array(json.dumps(self.meta, sort_keys=True)),
        )

    @classmethod
    def load(cls, path: Path) -> TreeModel:
        with np.load(path, allow_pickle=False) as z:
            depth, baseline, a, b = (float(x) for x in z["scalars"])
            return cls(
                feature=z["feature"].astype(np.int64),
                threshold=z["threshold"].astype(np.float64),
                left=z["left"].astype(np.int64),
                right=z["right"].astype(np.int64),
                value=z["value"].astype(np.float64),
                is_leaf=z["is_leaf"].astype(bool),
                roots=z["roots"].astype(np.int64),
                depth=int(depth),
                baseline=baseline,
                platt_a=a,
                platt_b=b,
                meta=json.loads(str(z["meta"])),
            )


@lru_cache(maxsize=8)
def load_model(kind: str = "pairs", folder: str | None = None) -> TreeModel:
    """The shipped linker model of `kind` (cached); `folder` overrides MODEL_DIR."""
    return TreeModel.load(Path(folder or MODEL_DIR) / MODEL_FILES[kind])


def model_digest(path: Path) -> str:
    """SHA-256 of a model file's arrays and metadata, not of the zip container (whose
    timestamps vary) nor of the training times recorded in its metadata: two trainings with the
    same seed give the same digest (the training scripts print it; tests compare it)."""
    import hashlib

    h = hashlib.sha256()
    with np.load(path, allow_pickle=False) as z:
        for name in sorted(z.files):
            if name == "meta":
                m = json.loads(str(z[name]))
                for timing in ("seconds", "seconds_generate"):
                    m.pop(timing, None)
                h.update(json.dumps(m, sort_keys=True).encode())
            else:
                h.update(np.ascontiguousarray(z[name]).tobytes())
    return h.hexdigest()
