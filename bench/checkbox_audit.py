"""The check boxes the `checkboxes` stage writes (engines/checkboxes.py), against ground truth.

For each image of each folder (`gt.jsonl`) the page is read as the extract plan reads it (OCR,
then the stage) and every box the stage wrote (a `☐`/`☑` word of confidence 1.0) is matched to
the ground truth's `☐`/`☑` words (FUNSD annotates boxes as words): found with the right state,
found with the wrong one, missed, and written where the ground truth has no box. `-v` lists
each miss and each box without a ground-truth box; `--ocr-cache DIR` keeps the OCR between runs
(the stage itself always runs again).

    PYTHONPATH=src python bench/checkbox_audit.py ../shared/data/funsd ../shared/data/sroie \
        --ocr-cache /tmp/ocrc -v

(docs/extract.md, "Check boxes").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from promptocr.bench.fields import _engine, _ocr_document
from promptocr.engines.checkboxes import EMPTY, TICKED

Box = tuple[float, float, float, float]


def _truth(row: dict[str, object]) -> list[tuple[Box, bool]]:
    out = []
    for ln in row.get("lines", []):  # type: ignore[union-attr]
        for w in ln.get("words", []):
            if w["text"] in (EMPTY, TICKED):
                (x0, y0), _, (x1, y1), _ = w["box"]
                out.append(((x0, y0, x1, y1), w["text"] == TICKED))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="+", type=Path)
    ap.add_argument("--ocr-cache", type=Path, default=None)
    ap.add_argument("-v", action="store_true", help="list the misses and the extra boxes")
    a = ap.parse_args(argv)
    service, key = _engine()
    for ds in a.datasets:
        counts = {"truth": 0, "right": 0, "wrong_state": 0, "missed": 0, "extra": 0}
        for line in (ds / "gt.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            row["fields"] = row.get("fields") or {"date": ""}  # (the plan needs a key)
            doc, _, _ = _ocr_document(service, key, a.ocr_cache, ds, row)
            written = [
                (w.bbox, w.text == TICKED)
                for p in doc.pages
                for w in p.words
                if w.text in (EMPTY, TICKED) and w.confidence == 1.0
            ]
            truth = _truth(row)
            counts["truth"] += len(truth)
            used: set[int] = set()
            for box, ticked in written:
                cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
                hit = next(
                    (
                        i
                        for i, (t, _) in enumerate(truth)
                        if i not in used
                        and t[0] - 3 <= cx <= t[2] + 3
                        and t[1] - 3 <= cy <= t[3] + 3
                    ),
                    None,
                )
                if hit is None:
                    counts["extra"] += 1
                    if a.v:
                        print(
                            f"extra  {ds.name} {row['image']} {[round(v) for v in box]} ticked={ticked}"
                        )
                    continue
                used.add(hit)
                counts["right" if truth[hit][1] == ticked else "wrong_state"] += 1
            for i, (t, ticked) in enumerate(truth):
                if i not in used:
                    counts["missed"] += 1
                    if a.v:
                        print(f"missed {ds.name} {row['image']} {list(t)} ticked={ticked}")
        print(ds.name, json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
