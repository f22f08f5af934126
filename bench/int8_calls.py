"""Detection and recognition inference time per call, bf16 against int8 (and f32), on fixed inputs.

Less sensitive to machine load than whole-page timings: the same inputs are run by every
precision in turn, round after round (interleaved), and both the median and the minimum ms
per call are reported. Inputs: pages the project renders (a receipt, a two-column page, a
Chinese page) and any images given with --images, each resized for detection as the engine
does; recognition runs the engine's batches of those pages' line crops (found by the bf16
detector, so every precision reads the same crops). Also reports how many crops each
precision reads differently from bf16.

    PYTHONPATH=src python bench/int8_calls.py [--images ../shared/data/sroie/images/004.jpg ...]
        [--rounds 5] [--precisions bf16,int8,int8/bf16,f32] [--det-model DET.int8.xml]
        [--gt ../shared/data/sroie ../shared/data/funsd --gt-limit 20]

With --gt, the recogniser alone is also scored on the datasets' ground-truth line crops.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np


def pages(images: list[Path]) -> list[np.ndarray]:
    """BGR pages."""
    from PIL import Image

    from promptocr import synth

    out = [
        np.asarray(c.image.convert("RGB"))
        for c in (synth.receipt(), synth.two_column_page(), synth.chinese_page())
    ]
    out += [np.asarray(Image.open(p).convert("RGB")) for p in images]
    return [np.ascontiguousarray(p[:, :, ::-1]) for p in out]


def gt_scores(recs: dict[str, Any], datasets: list[Path], limit: int, rounds: int) -> None:
    """Each precision's recogniser on the datasets' ground-truth line crops: exact lines and
    mean normalised similarity (case-folded), and the time to read them all."""
    import json

    import cv2
    from rapidfuzz.distance import Levenshtein

    from promptocr.engines.stages import crop_line

    crops: list[np.ndarray] = []
    truth: list[str] = []
    for ds in datasets:
        for raw in (ds / "gt.jsonl").read_text(encoding="utf-8").splitlines()[:limit]:
            rec = json.loads(raw)
            img = cv2.imread(str(ds / rec["image"]))
            for line in rec["lines"]:
                if line.get("ignore") or not line["text"].strip():
                    continue
                crops.append(crop_line(img, np.array(line["box"], dtype=np.float32)))
                truth.append(line["text"].casefold())
    names = list(recs)
    texts = {n: [r.text.casefold() for r in recs[n](crops)] for n in names}
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for n in names[r % len(names) :] + names[: r % len(names)]:
            t, c = time.perf_counter(), time.process_time()
            for i in range(0, len(crops), 40):  # about a page's lines per call
                recs[n](crops[i : i + 40])
            wall[n].append(time.perf_counter() - t)
            cpu[n].append(time.process_time() - c)
    sets = ", ".join(d.name for d in datasets)
    print(f"\nground-truth line crops of {sets} (first {limit} images each): {len(crops)} lines")
    print(
        "| precision | exact lines | mean similarity | wall s median (min) | CPU s median (min) |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for n in names:
        exact = np.mean([a == b for a, b in zip(texts[n], truth, strict=True)])
        sim = np.mean(
            [Levenshtein.normalized_similarity(a, b) for a, b in zip(texts[n], truth, strict=True)]
        )
        print(
            f"| {n} | {exact:.4f} | {sim:.4f} | {statistics.median(wall[n]):.2f} "
            f"({min(wall[n]):.2f}) | {statistics.median(cpu[n]):.2f} ({min(cpu[n]):.2f}) |"
        )


def main(argv: list[str] | None = None) -> int:
    import cv2

    from promptocr.engines import runtime
    from promptocr.engines.runtime import PixelInput, load_model
    from promptocr.engines.stages import (
        DetectionPolicy,
        SessionSettings,
        TextDetector,
        TextRecognizer,
        crop_line,
    )

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=Path, nargs="*", default=[])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--precisions",
        default="bf16,int8",
        help="comma-separated; int8/bf16 runs the int8 model with bf16 for its float layers "
        "(int8 alone: f32, the shipped setting)",
    )
    ap.add_argument("--show-diff", action="store_true", help="print the lines read differently")
    ap.add_argument(
        "--det-model",
        type=Path,
        help="an int8 detection IR (scripts/quantize_models.py --det) for the int8 rows",
    )
    ap.add_argument(
        "--gt",
        type=Path,
        nargs="*",
        default=[],
        help="dataset folders (gt.jsonl): also read their ground-truth line crops and score them",
    )
    ap.add_argument("--gt-limit", type=int, default=20, help="first N images of each --gt set")
    args = ap.parse_args(argv)

    policy = DetectionPolicy()
    bgr = pages(args.images)
    names = args.precisions.split(",")
    dets: dict[str, Any] = {}
    recs: dict[str, Any] = {}
    default_hint = runtime.INT8_FLOAT_PRECISION
    for name in names:
        precision, _, float_hint = name.partition("/")
        runtime.INT8_FLOAT_PRECISION = float_hint or default_hint
        s = SessionSettings(runtime="openvino", precision=precision)
        dets[name], recs[name] = TextDetector(s), TextRecognizer(s)
        if precision == "int8" and args.det_model:
            dets[name].model = load_model(
                args.det_model, s, cache_shapes=False, pixels=PixelInput()
            )
    runtime.INT8_FLOAT_PRECISION = default_hint

    det_inputs = []
    crops_per_page = []
    for img in bgr:
        h, w = img.shape[:2]
        nh, nw = TextDetector.target_size(h, w, policy)
        det_inputs.append(np.ascontiguousarray(cv2.resize(img, (nw, nh)))[None])
        quads, _ = dets["bf16" if "bf16" in dets else names[0]](img, policy)
        crops_per_page.append([crop_line(img, q) for q in quads])

    det_ms: dict[str, list[float]] = {n: [] for n in names}
    rec_ms: dict[str, list[float]] = {n: [] for n in names}
    det_cpu: dict[str, list[float]] = {n: [] for n in names}
    rec_cpu: dict[str, list[float]] = {n: [] for n in names}
    texts: dict[str, list[str]] = {}
    for name in names:  # warm-up (kernels for every shape) and the texts
        for x in det_inputs:
            dets[name].model.run(x)
        texts[name] = [r.text for crops in crops_per_page for r in recs[name](crops)]
    for r in range(args.rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for i, x in enumerate(det_inputs):
            for name in order:
                t, c = time.perf_counter(), time.process_time()
                dets[name].model.run(x)
                det_ms[name].append((time.perf_counter() - t) * 1000)
                det_cpu[name].append((time.process_time() - c) * 1000)
                t, c = time.perf_counter(), time.process_time()
                recs[name](crops_per_page[i])
                rec_ms[name].append((time.perf_counter() - t) * 1000)
                rec_cpu[name].append((time.process_time() - c) * 1000)

    n_crops = sum(len(c) for c in crops_per_page)
    shapes = ", ".join(f"{x.shape[1]}x{x.shape[2]}" for x in det_inputs)
    print(f"{len(det_inputs)} pages (detection inputs {shapes}), {n_crops} line crops")
    print(f"{args.rounds} interleaved rounds; ms per round over all pages: median (min)")
    print(
        "| precision | detection wall | detection CPU | recognition wall | recognition CPU "
        "| lines read differently from bf16 |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    ref = texts.get("bf16", texts[names[0]])
    k = len(det_inputs)

    def cell(values: list[float]) -> str:
        per_round = [sum(values[r * k : (r + 1) * k]) for r in range(args.rounds)]
        return f"{statistics.median(per_round):.0f} ({min(per_round):.0f})"

    for name in names:
        diff = sum(a != b for a, b in zip(texts[name], ref, strict=True))
        print(
            f"| {name} | {cell(det_ms[name])} | {cell(det_cpu[name])} | {cell(rec_ms[name])} "
            f"| {cell(rec_cpu[name])} | {diff} / {len(ref)} |"
        )
    if args.gt:
        gt_scores(recs, args.gt, args.gt_limit, args.rounds)
    if args.show_diff:
        for name in names:
            for a, b in zip(texts[name], ref, strict=True):
                if a != b:
                    print(f"{name}: {b!r} -> {a!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
