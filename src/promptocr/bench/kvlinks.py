"""Key→value linking F1 on `kv_links` (annotated question→answer links, no images).

Per language file, entity-level relation-extraction F1 over question→answer links, in two
settings:

- `gold_labels`: the annotated entities and their question / answer labels are given; each
  answer is linked to at most one question (the published RE setting);
- `no_labels`: the annotated entities without labels; the linker decides what is a key and
  what a value (the product's situation).

Beside them, a floor: each answer linked to the nearest question (box-gap distance) that lies
left of it on its row or above it, with the gold labels. The linker's model was trained on synthetic layouts only, so this is an
out-of-domain test.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from promptocr.tasks.extract.features import Unit
from promptocr.tasks.extract.linker import GOLD_LABEL_THRESHOLD, link_units
from promptocr.tasks.extract.model import load_model

PUBLISHED = {
    "LayoutXLM-base": {
        "en_funsd_train": 0.548,
        "zh": 0.707,
        "ja": 0.696,
        "es": 0.690,
        "fr": 0.635,
        "it": 0.642,
        "de": 0.655,
        "pt": 0.572,
    },
    "GeoLayoutLM": {"en_funsd_train": 0.8945},
}


def load(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    docs = []
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                docs.append(json.loads(line))
                if limit and len(docs) >= limit:
                    break
    return docs


def _f1(tp: int, npred: int, ngold: int) -> dict[str, float]:
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _gap(a: list[float], b: list[float]) -> float:
    gx = max(0.0, b[0] - a[2], a[0] - b[2])
    gy = max(0.0, b[1] - a[3], a[1] - b[3])
    return math.hypot(gx, gy)


def _before(q: list[float], a: list[float]) -> bool:
    """q is on a's row and starts left of it, or q lies above a."""
    yo = min(q[3], a[3]) - max(q[1], a[1])
    if yo > 0.3 * min(q[3] - q[1], a[3] - a[1]) and a[0] >= q[0]:
        return True
    return a[1] >= q[1] + 0.5 * (q[3] - q[1])


def evaluate_file(path: Path, limit: int | None = None) -> dict[str, Any]:
    docs = load(path, limit)
    counts = {k: [0, 0, 0] for k in ("gold_labels", "no_labels", "floor")}
    for d in docs:
        ents = d["entities"]
        units = [Unit(e["text"], (*e["box"],)) for e in ents]
        ids = [e["id"] for e in ents]
        gold = {(a, b) for a, b in d["links"]}
        qs = [i for i, e in enumerate(ents) if e["label"] == "question"]
        ans = [i for i, e in enumerate(ents) if e["label"] == "answer"]
        for setting in ("gold_labels", "no_labels"):
            if setting == "gold_labels":
                got = link_units(
                    units,
                    keys=qs,
                    values=ans,
                    threshold=GOLD_LABEL_THRESHOLD,
                    model=load_model("keyed"),
                )
            else:
                got = link_units(units)
            pred = {(ids[k], ids[v]) for k, v, _ in got}
            c = counts[setting]
            c[0] += len(pred & gold)
            c[1] += len(pred)
            c[2] += len(gold)
        # floor: each answer → the nearest question left of it on its row or above it
        pred = set()
        for a in ans:
            cands = [q for q in qs if _before(ents[q]["box"], ents[a]["box"])]
            if cands:
                q = min(cands, key=lambda q, a=a: _gap(ents[q]["box"], ents[a]["box"]))  # type: ignore[misc]
                pred.add((ids[q], ids[a]))
        c = counts["floor"]
        c[0] += len(pred & gold)
        c[1] += len(pred)
        c[2] += len(gold)
    out: dict[str, Any] = {"file": Path(path).stem, "docs": len(docs)}
    for k, (tp, npred, ngold) in counts.items():
        out[k] = _f1(tp, npred, ngold)
    out["links"] = counts["floor"][2]
    return out


def evaluate_dir(root: Path, limit: int | None = None) -> list[dict[str, Any]]:
    order = ["en_funsd_train", "zh", "ja", "es", "fr", "it", "de", "pt"]
    files = sorted(
        Path(root).glob("*.jsonl"),
        key=lambda p: (order.index(p.stem) if p.stem in order else 99, p.stem),
    )
    return [evaluate_file(p, limit) for p in files]


def kvlinks_markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "### Key→value linking on kv_links (entity-level F1, gold entities)",
        "",
        "| file | docs | links | floor: nearest question left or above (gold labels) | linker, gold labels | "
        "linker, no labels | LayoutXLM-base | GeoLayoutLM |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lx = PUBLISHED["LayoutXLM-base"].get(r["file"])
        geo = PUBLISHED["GeoLayoutLM"].get(r["file"])
        lines.append(
            f"| {r['file']} | {r['docs']} | {r['links']} | {r['floor']['f1']:.3f} | "
            f"{r['gold_labels']['f1']:.3f} | {r['no_labels']['f1']:.3f} | "
            f"{'' if lx is None else f'{lx:.3f}'} | {'' if geo is None else f'{geo:.4f}'} |"
        )
    lines += [
        "",
        "The linker's model is trained on synthetic layouts only (scripts/train_linker.py): these "
        "files are out-of-domain for it. Published figures are fine-tuned on each language's "
        "training split (XFUND paper; GeoLayoutLM paper).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - convenience entry point
    import argparse
    import sys

    ap = argparse.ArgumentParser(description="kv_links linking F1")
    ap.add_argument("root", type=Path)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--model", type=str, default=None)
    ns = ap.parse_args()
    if ns.model:  # a folder of model files (scripts/train_linker.py --out)
        import promptocr.tasks.extract.model as m

        m.MODEL_DIR = Path(ns.model)
    res = evaluate_dir(ns.root, ns.limit)
    sys.stdout.write(kvlinks_markdown(res))
