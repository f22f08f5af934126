"""Every detected line the column-gutter split (engines/gutters.py) cuts, on ground-truth folders.

For each image of each folder (`gt.jsonl`), runs the embedded engine's detection (default
settings: detection size, page orientation) and the gutter split, and for every box it cuts
prints the box, the cut's x range, the text read from the whole box and from each piece (the
same recognizer), and the ground-truth lines the box overlaps. With `--crops DIR` it writes each
cut box (a little page around it, the cut shaded) as a PNG to look at.

    PYTHONPATH=src python bench/gutter_audit.py ../shared/data/sroie ../shared/data/funsd
    git show 6053700:src/promptocr/engines/gutters.py > /tmp/gutters_before.py
    PYTHONPATH=src python bench/gutter_audit.py ../shared/data/sroie ../shared/data/funsd \
        -n 20 --time-against /tmp/gutters_before.py

(docs/benchmarks.md, "The word-F1 gap on SROIE", the gutter paragraph).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import promptocr.engines.embedded as embedded
from promptocr.bench.datasets import GTLine, load_dataset
from promptocr.engines.gutters import cut_quad, find_gutters, split_at_gutters
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import load_pages


class _Stop(Exception):
    """Raised by the recording split to end a page's read before recognition."""


def _gt_overlap(gt_lines: list[GTLine], box: tuple[float, float, float, float]) -> list[str]:
    x0, y0, x1, y1 = box
    out = []
    for ln in gt_lines:
        xs = [p[0] for p in ln.box]
        ys = [p[1] for p in ln.box]
        gx0, gx1, gy0, gy1 = min(xs), max(xs), min(ys), max(ys)
        iy = min(y1, gy1) - max(y0, gy0)
        ix = min(x1, gx1) - max(x0, gx0)
        if iy > 0.5 * min(y1 - y0, gy1 - gy0) and ix > 0:
            out.append(ln.text)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("datasets", nargs="+")
    ap.add_argument("-n", "--limit", type=int, default=0, help="first N images of each (0: all)")
    ap.add_argument("--crops", help="write each cut box as a PNG into this folder")
    ap.add_argument("--json", help="write the list as JSON here")
    ap.add_argument(
        "--time-against",
        metavar="GUTTERS_PY",
        help="also time split_at_gutters against this other version of engines/gutters.py "
        "(e.g. from `git show REV:src/promptocr/engines/gutters.py`), interleaved on each "
        "page's detected boxes, and print the median ms of both",
    )
    args = ap.parse_args(argv)
    other = _load_other(args.time_against) if args.time_against else None
    times: dict[str, tuple[list[float], list[float]]] = {}

    engine = embedded.EmbeddedEngine()
    seen: dict[str, Any] = {}

    def recording(bgr: np.ndarray, quads: np.ndarray) -> tuple[np.ndarray, int]:
        seen["bgr"], seen["quads"] = bgr, quads
        raise _Stop

    embedded.split_at_gutters = recording  # type: ignore[assignment]
    rows: list[dict[str, Any]] = []
    totals: dict[str, list[int]] = {}
    for ds in args.datasets:
        name = Path(ds).name
        items = load_dataset(ds, args.limit or None).samples
        totals[name] = [0, 0, len(items)]
        for it in items:
            page = load_pages(it.image)[0]
            seen.clear()
            with contextlib.suppress(_Stop):
                engine.read_page(page, Usage())
            if "quads" not in seen:
                continue
            bgr, quads = seen["bgr"], seen["quads"]
            if other is not None:
                mine, theirs = times.setdefault(name, ([], []))
                for r in range(4):  # interleaved, each first in turn
                    for fn, acc in [(split_at_gutters, mine), (other, theirs)][:: 1 - 2 * (r % 2)]:
                        t0 = time.perf_counter()
                        fn(bgr, quads)
                        acc.append(time.perf_counter() - t0)
            cut = find_gutters(bgr, quads)
            if cut:
                totals[name][0] += len(cut)
                totals[name][1] += 1
            for k, gaps in cut.items():
                q = quads[k]
                pieces = cut_quad(q, gaps)
                box = (
                    float(q[:, 0].min()),
                    float(q[:, 1].min()),
                    float(q[:, 0].max()),
                    float(q[:, 1].max()),
                )
                recs = engine.recognize_crops(
                    [embedded.crop_line(bgr, q)] + [embedded.crop_line(bgr, p) for p in pieces],
                    Usage(),
                )
                row = {
                    "dataset": name,
                    "image": it.image.name,
                    "box": [round(v) for v in box],
                    "height": round(box[3] - box[1]),
                    "cuts": [list(g) for g in gaps],
                    "whole": recs[0].text,
                    "pieces": [r.text for r in recs[1:]],
                    "gt": _gt_overlap(list(it.lines), box),
                }
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
                if args.crops:
                    _write_crop(Path(args.crops), row, bgr)
    for name, (n, imgs, total) in totals.items():
        print(f"{name}: {n} split(s) on {imgs} of {total} images", file=sys.stderr)
    for name, (mine, theirs) in times.items():
        print(
            f"{name}: split_at_gutters median {statistics.median(mine) * 1000:.1f} ms, "
            f"{args.time_against}: {statistics.median(theirs) * 1000:.1f} ms",
            file=sys.stderr,
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"totals": totals, "splits": rows}, indent=1))
    return 0


def _load_other(path: str) -> Any:
    """split_at_gutters of another version of the module, loaded from its file."""
    spec = importlib.util.spec_from_file_location("other_gutters", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.split_at_gutters


def _write_crop(folder: Path, row: dict[str, Any], bgr: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    x0, y0, x1, y1 = row["box"]
    h = max(1, y1 - y0)
    H, W = bgr.shape[:2]
    ay0, ay1 = max(0, y0 - 4 * h), min(H, y1 + 4 * h)
    ax0, ax1 = max(0, x0 - h), min(W, x1 + h)
    img = bgr[ay0:ay1, ax0:ax1].copy()
    cv2.rectangle(img, (x0 - ax0, y0 - ay0), (x1 - ax0, y1 - ay0), (0, 160, 0), 1)
    for a, b in row["cuts"]:
        over = img.copy()
        cv2.rectangle(over, (a - ax0, 0), (b - ax0, img.shape[0] - 1), (0, 0, 255), -1)
        img = cv2.addWeighted(over, 0.25, img, 0.75, 0)
    scale = max(1.0, 600 / max(1, img.shape[1]))
    img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    stem = Path(row["image"]).stem
    cv2.imwrite(str(folder / f"{row['dataset']}_{stem}_{x0}_{y0}.png"), img)


if __name__ == "__main__":
    raise SystemExit(main())
