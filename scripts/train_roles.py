"""Train the receipt line-role model on synthetic receipts and write its model file.

    PYTHONPATH=src python scripts/train_roles.py             # the shipped model
    PYTHONPATH=src python scripts/train_roles.py --docs 200 --iters 10 --out /tmp/roles.npz

Only receipts from `promptocr.tasks.extract.synthreceipts` are used (no dataset is read). The
generated receipts are split three ways: the first third trains the word scores (a
scikit-learn logistic regression over hashed tokens), the second the tree ensemble (a
HistGradientBoostingClassifier over the row features, with the word scores computed by the
first part's model, so the trees never see scores of rows the words were fitted on), the last
is held out for the figures in the file's metadata. Fixed seeds; same settings → the same
arrays. The trees are written as flat arrays (`roles.RolesModel`), evaluated with numpy alone.
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

from promptocr.tasks.extract import roles  # noqa: E402
from promptocr.tasks.extract.model import TreeModel  # noqa: E402
from promptocr.tasks.extract.synthreceipts import (  # noqa: E402
    GENERATOR_VERSION,
    SynthReceipt,
    generate,
)

SHIPPED = {"docs": 6000, "iters": 120, "seed": 20261129, "leaves": 15, "lr": 0.1, "c": 0.2}


def _rows(
    doc: SynthReceipt,
) -> tuple[list[str], list[tuple[float, float, float, float]], list[int], list[int]]:
    """The receipt's OCR lines as the product reads them (`roles.line_units`), with roles."""
    from promptocr.document.layout import sort_rows
    from promptocr.document.model import Line, polygon_of

    lines = [Line(text=r.text, polygon=polygon_of(r.box), confidence=1.0) for r in doc.rows]
    role = {id(ln): roles.ROLES.index(r.role) for ln, r in zip(lines, doc.rows, strict=True)}
    units, texts, boxes, pieces = roles.line_units(sort_rows(lines))
    return texts, boxes, pieces, [role[id(ln)] for ln in units]


def _header(
    r: tuple[list[str], list[tuple[float, float, float, float]], list[int], list[int]],
) -> tuple[list[str], list[tuple[float, float, float, float]], list[int], list[int]]:
    """A receipt's rows down to three past its last company or address row."""
    last = max((i for i, y in enumerate(r[3]) if y), default=0)
    k = min(len(r[3]), last + 4)
    return r[0][:k], r[1][:k], r[2][:k], r[3][:k]


def _token_matrix(texts: list[str]) -> Any:
    from scipy.sparse import csr_matrix

    indptr, idx = [0], []
    for t in texts:
        ids = sorted(set(roles.token_ids(t)))
        idx += ids
        indptr.append(len(idx))
    data = np.ones(len(idx))
    return csr_matrix(
        (data, np.array(idx, dtype=np.int64), np.array(indptr)), shape=(len(texts), roles.N_BUCKETS)
    )


def _export(clf: Any, k: int) -> TreeModel:
    feats, thrs, lefts, rights, vals, leaves, roots = [], [], [], [], [], [], []
    offset = depth = 0
    for it in clf._predictors:
        nodes = it[k].nodes
        roots.append(offset)
        feats.append(nodes["feature_idx"].astype(np.int64))
        thrs.append(nodes["num_threshold"].astype(np.float64))
        lefts.append(nodes["left"].astype(np.int64) + offset)
        rights.append(nodes["right"].astype(np.int64) + offset)
        vals.append(nodes["value"].astype(np.float64))
        leaves.append(nodes["is_leaf"].astype(bool))
        depth = max(depth, int(nodes["depth"].max()))
        offset += len(nodes)
    base = np.asarray(clf._baseline_prediction).ravel()
    return TreeModel(
        feature=np.concatenate(feats),
        threshold=np.concatenate(thrs),
        left=np.concatenate(lefts),
        right=np.concatenate(rights),
        value=np.concatenate(vals),
        is_leaf=np.concatenate(leaves),
        roots=np.array(roots, dtype=np.int64),
        depth=depth,
        baseline=float(base[k]),
        platt_a=1.0,
        platt_b=0.0,
        meta={},
    )


def _doc_scores(model: roles.RolesModel, docs: list[SynthReceipt]) -> dict[str, float]:
    """Share of held-out receipts whose company / address rows are decoded exactly."""
    ok_c = ok_a = 0
    for d in docs:
        texts, boxes, pieces, ys = _rows(d)
        c, a, _ = roles.receipt_rows(texts, boxes, pieces, model)
        ok_c += c == [i for i, y in enumerate(ys) if y == 1]
        ok_a += a == [i for i, y in enumerate(ys) if y == 2]
    return {"company_exact": ok_c / len(docs), "address_exact": ok_a / len(docs)}


def train(
    docs: int,
    iters: int,
    seed: int,
    leaves: int,
    lr: float,
    c: float,
    header_words: bool = True,
) -> roles.RolesModel:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    t0 = time.time()
    all_docs = generate(seed, docs)
    n1, n2 = docs // 3, 2 * docs // 3
    part_tok, part_tree, part_eval = all_docs[:n1], all_docs[n1:n2], all_docs[n2:]
    rows_tok = [_rows(d) for d in part_tok]
    if header_words:
        # the word scores are fitted on the header only (down to three rows past the last name
        # or address row), where the roles are decided: the body's few fixed words (TOTAL,
        # CASH, …) would otherwise teach that their letters mean "neither name nor address"
        # wherever they occur (`TEMARU`, `SELORAN`); the trees still see every row
        rows_tok = [_header(r) for r in rows_tok]
    texts = [t for r in rows_tok for t in r[0]]
    y_tok = np.array([y for r in rows_tok for y in r[3]])
    lr_clf = LogisticRegression(C=c, max_iter=300, random_state=seed)
    T = _token_matrix(texts)
    lr_clf.fit(T, y_tok)
    token_w = lr_clf.coef_.T.copy()  # (buckets, 3)
    token_b = lr_clf.intercept_.copy()
    # the continuation score: a company row right under another company row (a wrapped name)
    y_cont = np.array(
        [
            int(y[i] == 1 and i > 0 and y[i - 1] == 1)
            for r in rows_tok
            for y in [r[3]]
            for i in range(len(y))
        ]
    )
    cont_clf = LogisticRegression(C=c, max_iter=300, random_state=seed)
    cont_clf.fit(T, y_cont)
    cont_w = cont_clf.coef_.ravel().copy()
    cont_b = float(cont_clf.intercept_[0])
    proto = roles.RolesModel(token_w, token_b, [], {}, cont_w, cont_b)
    Xs, ys = [], []
    for d in part_tree:
        texts, boxes, pieces, y = _rows(d)
        Xs.append(roles.row_features(texts, boxes, pieces, proto.token_scores(texts)))
        ys += y
    X, y_arr = np.concatenate(Xs), np.array(ys)
    clf = HistGradientBoostingClassifier(
        max_iter=iters,
        learning_rate=lr,
        max_leaf_nodes=leaves,
        min_samples_leaf=80,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )
    clf.fit(X, y_arr)
    trees = [_export(clf, k) for k in range(len(roles.ROLES))]
    model = roles.RolesModel(token_w, token_b, trees, {}, cont_w, cont_b)
    # the numpy evaluation reproduces scikit-learn's probabilities
    sk = clf.predict_proba(X[:2000])
    mine = model.proba(X[:2000])
    assert np.abs(sk - mine).max() < 1e-6, np.abs(sk - mine).max()
    model.meta = {
        "feature_version": roles.FEATURE_VERSION,
        "feature_names": list(roles.FEATURE_NAMES),
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "docs": docs,
        "iters": iters,
        "leaves": leaves,
        "learning_rate": lr,
        "token_c": c,
        "header_words": header_words,
        "train_rows": int(len(y_arr)),
        "held_out": {k: round(v, 4) for k, v in _doc_scores(model, part_eval).items()},
        "seconds": round(time.time() - t0, 1),
    }
    return model


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
    ap.add_argument("--c", type=float, default=SHIPPED["c"], help="word-score regularisation")
    ap.add_argument("--out", type=Path, default=roles.MODEL_FILE, help="model file to write")
    ns = ap.parse_args(argv)
    model = train(ns.docs, ns.iters, ns.seed, ns.leaves, ns.lr, ns.c)
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    roles.save_model(ns.out, model)
    meta = {k: v for k, v in model.meta.items() if k != "feature_names"}
    sys.stdout.write(json.dumps(meta) + "\n")
    sys.stdout.write(f"wrote {ns.out} ({ns.out.stat().st_size} bytes) {file_digest(ns.out)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
