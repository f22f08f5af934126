"""Whole-page orientation on real scans.

Each dev image is taken as given and turned by 90, 180 and 270 degrees (in memory; nothing is
written). For every page the engine's orientation decision is made exactly as `read_page`
makes it (detection on the page as given, then `decide_rotation` on those boxes) and compared
with the truth; the time of the decision on upright pages is what orientation adds to a read.
On the first `--full` images of each dataset the four pages are also read end to end, and the
text of each turned page is compared with the text of the upright read (CER).

    .venv/bin/python bench/orientation_eval.py [--data ../shared/data]
        [--datasets sroie funsd] [--limit N] [--full N] [--out results.jsonl]

Uses gt.jsonl only to list the images (see ../shared/data/README.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.orientation import decide_rotation
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage

# np.rot90(image, k) turns the content k quarters counter-clockwise, i.e. 360 - 90k clockwise.
EXPECTED = {0: 0, 1: 270, 2: 180, 3: 90}


def norm(text: str) -> str:
    return " ".join(text.split())


def evaluate(args: argparse.Namespace, write: Any) -> list[dict[str, Any]]:
    engine = EmbeddedEngine()
    engine.warm_up()
    policy = engine.settings.detection
    results: list[dict[str, Any]] = []
    for ds in args.datasets:
        root = Path(args.data) / ds
        rows = [json.loads(line) for line in (root / "gt.jsonl").open(encoding="utf-8")]
        if args.limit:
            rows = rows[: args.limit]
        for n, row in enumerate(rows):
            bgr = cv2.imread(str(root / row["image"]), cv2.IMREAD_COLOR)
            if bgr is None:
                raise SystemExit(f"cannot read {root / row['image']}")
            upright_text = ""
            for k in range(4):
                turned = np.ascontiguousarray(np.rot90(bgr, k))
                t0 = time.perf_counter()
                quads, _ = engine.detector(turned, policy)
                t1 = time.perf_counter()
                d = decide_rotation(engine, turned, quads)
                t2 = time.perf_counter()
                rec: dict[str, Any] = {
                    "dataset": ds,
                    "image": row["image"],
                    "k": k,
                    "expected": EXPECTED[k],
                    "rotation": d.rotation,
                    "ok": d.rotation == EXPECTED[k],
                    "reason": d.reason,
                    "vertical_share": round(d.vertical_share, 3),
                    "flip_prob": round(d.flip_prob, 3),
                    "confidences": {a: round(c, 3) for a, c in d.confidences.items()},
                    "detect_ms": round((t1 - t0) * 1000, 2),
                    "orientation_ms": round((t2 - t1) * 1000, 2),
                }
                if n < args.full:
                    usage = Usage()
                    rgb = np.ascontiguousarray(turned[:, :, ::-1])
                    t3 = time.perf_counter()
                    page = engine.read_page(PageImage(0, rgb, row["image"]), usage)
                    rec["read_ms"] = round((time.perf_counter() - t3) * 1000, 2)
                    rec["read_rotation"] = page.rotation
                    text = norm(page.text)
                    if k == 0:
                        upright_text = text
                    dist = Levenshtein.distance(text, upright_text)
                    rec["cer_vs_upright"] = round(dist / max(len(upright_text), 1), 4)
                results.append(rec)
                write(json.dumps(rec, ensure_ascii=False) + "\n")
                if not rec["ok"]:
                    print(f"MISS {ds} {row['image']} k={k}: {d}", file=sys.stderr)
            print(f"{ds} {row['image']}", file=sys.stderr, flush=True)
    return results


def report(results: list[dict[str, Any]], datasets: list[str]) -> None:
    print("| dataset | content turned (clockwise) | pages | correct | accuracy |")
    print("| --- | --- | --- | --- | --- |")
    for ds in datasets:
        for k in range(4):
            sel = [r for r in results if r["dataset"] == ds and r["k"] == k]
            if sel:
                ok = sum(1 for r in sel if r["ok"])
                print(f"| {ds} | {EXPECTED[k]} | {len(sel)} | {ok} | {ok / len(sel):.1%} |")
    upright = [r for r in results if r["k"] == 0]
    false_rot = sum(1 for r in upright if r["rotation"] != 0)
    checked = sum(1 for r in upright if r["confidences"])
    print(f"\nupright pages: {len(upright)}, falsely turned: {false_rot}, ", end="")
    print(f"read both ways to make sure: {checked}")
    if upright:
        o_ms = [r["orientation_ms"] for r in upright]
        d_ms = [r["detect_ms"] for r in upright]
        print(
            f"orientation ms on upright pages: median {statistics.median(o_ms):.1f}, "
            f"mean {statistics.mean(o_ms):.1f}, max {max(o_ms):.1f} "
            f"(detection of the same pages: median {statistics.median(d_ms):.0f} ms)"
        )
    full = [r for r in results if "read_ms" in r]
    if full:
        print("\n| content turned | full reads | rotation right | median CER vs upright read |")
        print("| --- | --- | --- | --- |")
        for k in range(4):
            sel = [r for r in full if r["k"] == k]
            ok = sum(1 for r in sel if r["read_rotation"] == EXPECTED[k])
            cers = [r["cer_vs_upright"] for r in sel]
            print(f"| {EXPECTED[k]} | {len(sel)} | {ok} | {statistics.median(cers):.3f} |")
        up = [r for r in full if r["k"] == 0]
        share = sum(r["orientation_ms"] for r in up) / max(sum(r["read_ms"] for r in up), 1e-9)
        print(f"\norientation share of an upright page's full read time: {share:.1%}")


def main() -> int:
    ap = argparse.ArgumentParser(description="Whole-page orientation on turned dev scans")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--datasets", nargs="+", default=["sroie", "funsd"])
    ap.add_argument("--limit", type=int, default=0, help="images per dataset (0: all)")
    ap.add_argument("--full", type=int, default=5, help="images per dataset read end to end")
    ap.add_argument("--out", default="", help="write one JSON line per page here")
    args = ap.parse_args()
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:

            def write(line: str) -> None:
                fh.write(line)
                fh.flush()

            results = evaluate(args, write)
    else:
        results = evaluate(args, lambda line: None)
    report(results, args.datasets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
