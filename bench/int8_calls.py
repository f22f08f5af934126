"""Detection and recognition inference time per call, bf16 against int8 (and f32), on fixed inputs.

Less sensitive to machine load than whole-page timings: the same inputs are run by every
precision in turn, round after round (interleaved), and both the median and the minimum ms
per call are reported. Inputs: pages the project renders (a receipt, a two-column page, a
Chinese page) and any images given with --images, each resized for detection as the engine
does; recognition runs the engine's batches of those pages' line crops (found by the bf16
detector, so every precision reads the same crops). Also reports how many crops each
precision reads differently from bf16.

    PYTHONPATH=src python bench/int8_calls.py [--images ../shared/data/sroie/images/000.jpg ...]
        [--rounds 5] [--precisions bf16,int8,f32]
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


def main(argv: list[str] | None = None) -> int:
    import cv2

    from promptocr.engines import runtime
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
        help="comma-separated; int8/f32 runs the int8 models with f32 for their float layers",
    )
    ap.add_argument("--show-diff", action="store_true", help="print the lines read differently")
    args = ap.parse_args(argv)

    policy = DetectionPolicy()
    bgr = pages(args.images)
    names = args.precisions.split(",")
    dets: dict[str, Any] = {}
    recs: dict[str, Any] = {}
    for name in names:
        precision, _, float_hint = name.partition("/")
        runtime.INT8_FLOAT_PRECISION = float_hint or "bf16"
        s = SessionSettings(runtime="openvino", precision=precision)
        dets[name], recs[name] = TextDetector(s), TextRecognizer(s)
    runtime.INT8_FLOAT_PRECISION = "bf16"

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
    if args.show_diff:
        for name in names:
            for a, b in zip(texts[name], ref, strict=True):
                if a != b:
                    print(f"{name}: {b!r} -> {a!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
