"""Train the key→value linker on synthetic layouts and write its model file.

    PYTHONPATH=src python scripts/train_linker.py            # the shipped model
    PYTHONPATH=src python scripts/train_linker.py --docs 60 --iters 5 --out /tmp/linker

Only documents from `promptocr.tasks.extract.synthdocs` are used (no dataset is read).
scikit-learn's HistGradientBoostingClassifier is trained with a fixed seed on one split of
the generated documents; a Platt scaling of its score is fitted on a held-out split; the trees
are written as flat arrays (`promptocr.tasks.extract.model.TreeModel`) so that the product
evaluates them with numpy alone. Same seed and settings → the same file contents.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402

from promptocr.tasks.extract.features import (  # noqa: E402
    CANDIDATES_PER_KEY,
    FEATURE_NAMES,
    FEATURE_VERSION,
    ROLE_FEATURE_NAMES,
    PageGeometry,
)
from promptocr.tasks.extract.linker import candidate_pairs, pair_rows  # noqa: E402
from promptocr.tasks.extract.model import MODEL_DIR, MODEL_FILES, TreeModel  # noqa: E402
from promptocr.tasks.extract.synthdocs import (  # noqa: E402
    GENERATOR_VERSION,
    INVOICES_VERSION,
    STACKED_VERSION,
    SynthDoc,
    generate,
    invoices,
)

# the later lines of a multi-line value: trained as links of the key (True) or left out
CONTINUED_AS_LINKS = os.environ.get("LINKER_CONTINUED", "links") == "links"
# `keyed` experiments, off in the shipped model (docs/extract.md, "What fails"): the other labels
# near each key (the next label on its row, the label below it) trained as negatives; the
# candidates' keyness taken from the role model's estimate instead of the true roles
KEY_NEGATIVES = os.environ.get("LINKER_KEY_NEGATIVES", "0") == "1"
KEYED_ESTIMATED = os.environ.get("LINKER_KEYED_ESTIMATED", "0") == "1"
# experiment, off in the shipped model: `keyed_cjk`'s candidates carry `roles_cjk`'s estimate
# (the run-time keyness of a requested field's other units on a CJK page) instead of the true roles
CJK_KEYED_ESTIMATED = os.environ.get("LINKER_CJK_KEYED_ESTIMATED", "0") == "1"
# experiment, off in the shipped model: generator v8's documents (rows of labels over their
# values, each document's colon habit; docs/extract.md, "Synthdocs v8 (stacked)")
STACKED = os.environ.get("LINKER_STACKED", "0") == "1"
# experiment, off in the shipped model: generator v9, this many invoices (`synthdocs.invoices`:
# parties side by side, `BILL TO` / `SHIP TO`) added to v7's training documents
# (docs/extract.md, "Invoices added to the linker's training (v9)")
INVOICES = int(os.environ.get("LINKER_INVOICES", "0"))
SHIPPED = {"docs": 500, "iters": 100, "seed": 1, "leaves": 31, "lr": 0.1}


def role_matrix(docs: list[SynthDoc]) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit features and whether each unit is a key (the role model's data)."""
    xs = [PageGeometry(d.units, np.zeros(len(d.units))).unit_features() for d in docs if d.units]
    ys = [np.array([r == "key" for r in d.roles], dtype=np.int8) for d in docs if d.units]
    return np.concatenate(xs), np.concatenate(ys)


def near_keys(units: list[Any], keys: list[int]) -> list[tuple[int, int]]:
    """For each key, the nearest other key right of it on its row and the nearest one below
    it in its column (the label-looking neighbours a requested field's label sees)."""
    out: list[tuple[int, int]] = []
    for k in keys:
        x0, y0, x1, y1 = units[k].box
        h = max(y1 - y0, 1.0)
        right: tuple[float, int] | None = None
        below: tuple[float, int] | None = None
        for j in keys:
            if j == k:
                continue
            a0, b0, a1, b1 = units[j].box
            v_overlap = min(y1, b1) - max(y0, b0)
            h_overlap = min(x1, a1) - max(x0, a0)
            if v_overlap > 0.5 * min(h, b1 - b0) and a0 >= x1 - 0.2 * h:
                gap = a0 - x1
                if right is None or gap < right[0]:
                    right = (gap, j)
            elif h_overlap > 0 and b0 >= y1 - 0.2 * h:
                gap = b0 - y1
                if below is None or gap < below[0]:
                    below = (gap, j)
        out += [(k, near[1]) for near in (right, below) if near is not None]
    return out


def pair_matrix(
    docs: list[SynthDoc],
    keyed: bool,
    roles: TreeModel | None = None,
    estimated: bool = KEYED_ESTIMATED,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Features and labels of the pairs the linker scores, and the share of true links that
    the candidate sets hold (the ceiling of recall). `keyed`: the key units are known (the
    pairs of `linker.candidate_pairs` from the keys to the other units); else every unit may
    be a key (each unit with its nearest candidates). `estimated`: with `keyed`, the other
    units carry the role model's estimate (an experiment)."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    found = total = 0
    for d in docs:
        roles_gold = [float(r == "key") for r in d.roles]
        geom = PageGeometry(d.units, roles_gold)
        if not keyed and roles is not None:  # the model decides what is a key: estimated roles
            geom.set_keyness(roles.proba(geom.unit_features()))
        elif keyed and roles is not None and estimated:
            geom.set_keyness(np.maximum(roles.proba(geom.unit_features()), roles_gold))
        links = set(d.links) | (set(d.continued) if CONTINUED_AS_LINKS else set())
        cont = set() if CONTINUED_AS_LINKS else set(d.continued)
        if keyed:
            keys = [i for i, r in enumerate(roles_gold) if r]
            others = [i for i, r in enumerate(roles_gold) if not r]
            pairs = candidate_pairs(geom, keys, others) if keys and others else []
            if KEY_NEGATIVES:
                have = set(pairs)
                pairs += [p for p in near_keys(d.units, keys) if p not in have]
        else:
            pairs = [(k, int(j)) for k in range(geom.n) for j in geom.candidates(k, None).tolist()]
        pairs = [p for p in pairs if p not in cont]
        total += len(links)
        if not pairs:
            continue
        xs.append(pair_rows(geom, pairs))
        lab = np.array([p in links for p in pairs], dtype=np.int8)
        found += int(lab.sum())
        ys.append(lab)
    return np.concatenate(xs), np.concatenate(ys), found / max(total, 1)


def export(clf: Any) -> tuple[dict[str, np.ndarray], float, int]:
    """The fitted ensemble's trees as flat arrays with global node indices."""
    feats, thrs, lefts, rights, vals, leaves, roots = [], [], [], [], [], [], []
    offset = 0
    depth = 0
    for it in clf._predictors:
        nodes = it[0].nodes
        roots.append(offset)
        feats.append(nodes["feature_idx"].astype(np.int64))
        thrs.append(nodes["num_threshold"].astype(np.float64))
        lefts.append(nodes["left"].astype(np.int64) + offset)
        rights.append(nodes["right"].astype(np.int64) + offset)
        vals.append(nodes["value"].astype(np.float64))
        leaves.append(nodes["is_leaf"].astype(bool))
        depth = max(depth, int(nodes["depth"].max()))
        offset += len(nodes)
    arrays = {
        "feature": np.concatenate(feats),
        "threshold": np.concatenate(thrs),
        "left": np.concatenate(lefts),
        "right": np.concatenate(rights),
        "value": np.concatenate(vals),
        "is_leaf": np.concatenate(leaves),
        "roots": np.array(roots, dtype=np.int64),
    }
    baseline = float(np.asarray(clf._baseline_prediction).ravel()[0])
    return arrays, baseline, depth


def platt(raw: np.ndarray, y: np.ndarray, iters: int = 50) -> tuple[float, float]:
    """Fit p = sigmoid(a * raw + b) by Newton's method on the log-loss."""
    a, b = 1.0, 0.0
    for _ in range(iters):
        z = a * raw + b
        p = 1.0 / (1.0 + np.exp(-z))
        g = np.array([np.sum((p - y) * raw), np.sum(p - y)])
        w = p * (1 - p) + 1e-9
        H = np.array([[np.sum(w * raw * raw), np.sum(w * raw)], [np.sum(w * raw), np.sum(w)]])
        step = np.linalg.solve(H + 1e-6 * np.eye(2), g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def fit(
    X: np.ndarray,
    y: np.ndarray,
    Xc: np.ndarray,
    yc: np.ndarray,
    iters: int,
    seed: int,
    leaves: int,
    lr: float,
    meta: dict[str, Any],
) -> TreeModel:
    from sklearn.ensemble import HistGradientBoostingClassifier

    clf = HistGradientBoostingClassifier(
        max_iter=iters,
        learning_rate=lr,
        max_leaf_nodes=leaves,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )
    clf.fit(X, y)
    arrays, baseline, depth = export(clf)
    raw_c = clf.decision_function(Xc)
    a, b = platt(raw_c, yc.astype(np.float64))
    p = 1 / (1 + np.exp(-(a * raw_c + b)))
    pred = p >= 0.5
    tp = float(np.sum(pred & (yc == 1)))
    meta = dict(meta)
    meta["train_pairs"] = int(len(y))
    meta["train_positives"] = int(y.sum())
    meta["heldout_pair_precision"] = round(tp / max(float(pred.sum()), 1.0), 4)
    meta["heldout_pair_recall"] = round(tp / max(float(yc.sum()), 1.0), 4)
    model = TreeModel(
        depth=depth,
        baseline=baseline,
        platt_a=a,
        platt_b=b,
        meta=meta,
        **arrays,  # type: ignore[arg-type]
    )
    # the exported trees must reproduce scikit-learn's scores
    diff = float(np.max(np.abs(model.raw(Xc[:5000]) - raw_c[:5000]))) if len(yc) else 0.0
    if diff > 1e-6:
        raise SystemExit(f"exported trees differ from the fitted model by {diff}")
    return model


def train(
    docs: int, iters: int, seed: int, leaves: int = 31, lr: float = 0.1
) -> dict[str, TreeModel]:
    """Five models from the same seed and features: `roles` (is a unit a key), `pairs` scores
    any unit as a possible key (the linker decides what is a key), `keyed` scores value
    candidates of a unit known to be a key (a requested field's printed label; annotated
    questions), all three on forms without generator v7's grid blocks; `keyed_cjk` and
    `roles_cjk`, the same as `keyed` and `roles` on a set drawn from the same seed with the
    grid blocks in its forms (ruled label | value grids, section tables, check-box option rows;
    not the same documents: the grid draw moves the shared random stream), read pages written
    mostly in CJK. `keyed_cjk` is trained with the true roles as keyness, so no role model's
    estimate enters it; `pairs` reads the `roles` estimate."""
    t0 = time.perf_counter()
    all_docs = generate(seed, docs, grids=False, stacked=STACKED)
    grid_docs = generate(seed, docs, grids=True, stacked=STACKED)
    n_cal = max(1, docs // 7)
    extra = invoices(seed + 1_000_003, INVOICES) if INVOICES else []
    train_docs, cal_docs = all_docs[n_cal:] + extra, all_docs[:n_cal]
    grid_docs = grid_docs + extra
    Xr, yr = role_matrix(train_docs)
    Xrc, yrc = role_matrix(cal_docs)
    t_gen = time.perf_counter() - t0
    meta: dict[str, Any] = {
        "feature_version": FEATURE_VERSION,
        "feature_names": list(FEATURE_NAMES),
        "generator_version": (
            STACKED_VERSION if STACKED else INVOICES_VERSION if INVOICES else GENERATOR_VERSION
        ),
        "candidates_per_key": CANDIDATES_PER_KEY,
        "seed": seed,
        "docs": docs,
        "iters": iters,
        "leaves": leaves,
        "learning_rate": lr,
        "trainer": "sklearn HistGradientBoostingClassifier",
        "grids": False,
    }
    if INVOICES:
        meta["invoices"] = INVOICES
    rmeta = {**meta, "kind": "roles", "feature_names": list(ROLE_FEATURE_NAMES)}
    models = {"roles": fit(Xr, yr, Xrc, yrc, iters, seed, leaves, lr, rmeta)}
    Xg, yg = role_matrix(grid_docs[n_cal:])
    Xgc, ygc = role_matrix(grid_docs[:n_cal])
    gmeta = {**rmeta, "kind": "roles_cjk", "grids": True}
    models["roles_cjk"] = fit(Xg, yg, Xgc, ygc, iters, seed, leaves, lr, gmeta)
    for kind in ("keyed", "pairs", "keyed_cjk"):
        keyed = kind != "pairs"
        cjk = kind == "keyed_cjk"
        tr, ca = (grid_docs[n_cal:], grid_docs[:n_cal]) if cjk else (train_docs, cal_docs)
        roles = models["roles_cjk"] if cjk and CJK_KEYED_ESTIMATED else models["roles"]
        est = KEYED_ESTIMATED or (cjk and CJK_KEYED_ESTIMATED)
        X, y, ceiling = pair_matrix(tr, keyed, roles, est)
        Xc, yc, _ = pair_matrix(ca, keyed, roles, est)
        m = {**meta, "kind": kind, "candidate_recall": round(ceiling, 4)}
        m["grids"] = cjk
        if keyed and (KEY_NEGATIVES or est):  # experiments only
            m["key_negatives"] = KEY_NEGATIVES
            m["keyed_estimated_keyness"] = est
        models[kind] = fit(X, y, Xc, yc, iters, seed, leaves, lr, m)
    for m in models.values():
        m.meta["seconds_generate"] = round(t_gen, 1)
        m.meta["seconds"] = round(time.perf_counter() - t0, 1)
    return models


def file_digest(path: Path) -> str:
    """The model file's digest (promptocr.tasks.extract.model.model_digest)."""
    from promptocr.tasks.extract.model import model_digest

    return model_digest(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--docs", type=int, default=SHIPPED["docs"])
    ap.add_argument("--iters", type=int, default=SHIPPED["iters"])
    ap.add_argument("--seed", type=int, default=SHIPPED["seed"])
    ap.add_argument("--leaves", type=int, default=SHIPPED["leaves"])
    ap.add_argument("--lr", type=float, default=SHIPPED["lr"])
    ap.add_argument("--out", type=Path, default=MODEL_DIR, help="folder for the model files")
    ns = ap.parse_args(argv)
    experiments = [
        name
        for name, on in (
            ("LINKER_STACKED", STACKED),
            ("LINKER_INVOICES", bool(INVOICES)),
            ("LINKER_KEY_NEGATIVES", KEY_NEGATIVES),
            ("LINKER_KEYED_ESTIMATED", KEYED_ESTIMATED),
            ("LINKER_CJK_KEYED_ESTIMATED", CJK_KEYED_ESTIMATED),
            ("LINKER_CONTINUED", not CONTINUED_AS_LINKS),
        )
        if on
    ]
    if experiments and ns.out.resolve() == MODEL_DIR.resolve():
        ap.error(f"{', '.join(experiments)} set: write the experiment's models with --out DIR")
    models = train(ns.docs, ns.iters, ns.seed, ns.leaves, ns.lr)
    ns.out.mkdir(parents=True, exist_ok=True)
    for kind, model in models.items():
        path = ns.out / MODEL_FILES[kind]
        model.save(path)
        meta = {k: v for k, v in model.meta.items() if k != "feature_names"}
        sys.stdout.write(json.dumps(meta) + "\n")
        sys.stdout.write(f"wrote {path} ({path.stat().st_size} bytes) {file_digest(path)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
