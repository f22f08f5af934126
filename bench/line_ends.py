"""Lines whose first or last characters promptocr loses against RapidOCR's reading of the same line.

For the first N images of a ground-truth folder (`gt.jsonl`), reads each page with the embedded
engine (its default settings unless `--set key=value`) and with the `rapidocr-openvino` anchor of
`promptocr bench`, pairs the lines by box IoU (>= 0.5), and lists the pairs whose texts differ at a
line's start or end: which engine loses or changes characters there, and the geometry of the two
boxes (length difference at each end in line heights, the detection side, the crop's width at
the recognition height, whether the crop was turned). Each such line is then recognised again
with the same recognizer from (a) the anchor's box, (b) our box lengthened at both ends by
`--margins` line heights, (c) our crop padded to 320 px, so that the cause shows: the box
(geometry) or the recognizer's input.

    PYTHONPATH=src python bench/line_ends.py ../shared/data/sroie ../shared/data/funsd -n 20

(docs/benchmarks.md, "The word-F1 gap on SROIE").
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from promptocr.bench.datasets import load_dataset
from promptocr.bench.metrics import iou
from promptocr.bench.worker import make_rapidocr, parse_sets


def end_ops(anchor: str, ours: str) -> tuple[str, str]:
    """How `ours` differs from `anchor` at the start and at the end: "" (same), "lost" (ours
    lacks characters the anchor has), "extra" (ours has more), "changed"."""
    ops = difflib.SequenceMatcher(a=anchor, b=ours, autojunk=False).get_opcodes()
    names = {"delete": "lost", "insert": "extra", "replace": "changed", "equal": ""}
    if not ops:
        return "", ""
    return names[ops[0][0]], names[ops[-1][0]]


def lengthen(quad: np.ndarray, margin: float) -> np.ndarray:
    """The quad (tl, tr, br, bl) lengthened along its top/bottom edges by `margin` heights at
    each end."""
    q = quad.astype(np.float32).copy()
    h = float(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))
    for a, b in ((0, 1), (3, 2)):
        d = q[b] - q[a]
        n = float(np.linalg.norm(d))
        if n <= 0:
            continue
        u = d / n * margin * h
        q[a] = q[a] - u
        q[b] = q[b] + u
    return q


def box_ends(ours: np.ndarray, anchor: np.ndarray) -> tuple[float, float, float]:
    """(left, right) extent of the anchor's box beyond ours, in our line heights (positive:
    the anchor reaches further), and our line height in page px (horizontal lines)."""
    h = float(np.linalg.norm(ours[0] - ours[3]))
    left = float(ours[:, 0].min() - anchor[:, 0].min()) / max(h, 1.0)
    right = float(anchor[:, 0].max() - ours[:, 0].max()) / max(h, 1.0)
    return left, right, h


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--set", action="append", default=[], help="embedded key=value")
    ap.add_argument("--margins", default="0.1,0.2,0.3")
    ap.add_argument("--json", help="write every differing pair here")
    args = ap.parse_args(argv)

    import promptocr.engines.embedded as emb
    from promptocr.engines.stages import crop_line
    from promptocr.engines.usage import Usage
    from promptocr.inputs.loader import load_pages

    sets = parse_sets(args.set)
    engine = emb.EmbeddedEngine(
        emb.EngineSettings().with_overrides(**sets),
    )
    engine.warm_up()
    anchor_run, _info = make_rapidocr(False, best=True)
    rec = engine.recognizer
    margins = [float(m) for m in args.margins.split(",") if m]

    seen: dict[str, Any] = {}

    def record_crop(img: np.ndarray, quad: np.ndarray) -> np.ndarray:
        seen.setdefault("quads", []).append(np.asarray(quad, dtype=np.float32))
        seen["img"] = img
        return crop_line(img, quad)

    class Recorder:
        def __call__(self, crops: list[np.ndarray], **kw: Any) -> Any:
            out = rec(crops, **kw)
            seen["crops"], seen["recs"] = crops, out
            return out

    emb.crop_line = record_crop  # type: ignore[assignment]
    engine.set_recognizer(Recorder())  # type: ignore[arg-type]

    rows: list[dict[str, Any]] = []
    tally: Counter[str] = Counter()
    for folder in args.folders:
        ds = load_dataset(folder, args.n)
        for sample in ds.samples:
            seen.clear()
            usage = Usage()
            page = load_pages(sample.image)[0]
            out = engine.read_page(page, usage)
            if out.rotation or "recs" not in seen:
                tally[f"{ds.name} pages skipped (turned or empty)"] += 1
                continue
            img = seen["img"]
            n = len(seen["crops"])
            quads = seen["quads"][-n:]
            recs = seen["recs"]
            side = usage.detection[0].get("side") if usage.detection else None
            apred, _ = anchor_run(sample.image)
            apolys = [tuple((float(x), float(y)) for x, y in a["box"]) for a in apred]
            gpolys = [ln.box for ln in sample.lines]
            for q, crop, r in zip(quads, seen["crops"], recs, strict=True):
                ours = r.text.strip()
                if not ours or r.confidence < engine.settings.text_score:
                    continue
                qp = tuple((float(x), float(y)) for x, y in q)
                scores = [iou(qp, a) for a in apolys]
                if not scores or max(scores) < 0.5:
                    tally[f"{ds.name} lines unpaired"] += 1
                    continue
                k = int(np.argmax(scores))
                anchor = apred[k]["text"].strip()
                tally[f"{ds.name} lines paired"] += 1
                start, end = end_ops(anchor, ours)
                if not start and not end:
                    continue
                gs = [iou(qp, g) for g in gpolys]
                gt = sample.lines[int(np.argmax(gs))].text if gs and max(gs) > 0.3 else ""
                for where, op in (("start", start), ("end", end)):
                    if op:
                        tally[f"{ds.name} {where} {op}"] += 1
                aq = np.array(apred[k]["box"], dtype=np.float32)
                left, right, h = box_ends(q, aq)
                qw = float(np.linalg.norm(q[0] - q[1]))
                tall = float(np.linalg.norm(q[0] - q[3])) / max(qw, 1.0) >= 1.5
                again: dict[str, str] = {}
                variants = {"anchor_box": crop_line(img, aq)}
                for m in margins:
                    variants[f"ours+{m:g}h"] = crop_line(img, lengthen(q, m))
                texts = [x.text.strip() for x in rec(list(variants.values()))]
                again = dict(zip(variants, texts, strict=True))
                again["ours@320"] = rec([crop], min_width=320)[0].text.strip()
                width48 = 48 * crop.shape[1] / max(crop.shape[0], 1)
                last = r.char_pos[-1] if r.char_pos else None
                rows.append(
                    {
                        "set": ds.name,
                        "image": sample.name,
                        "gt": gt,
                        "anchor": anchor,
                        "ours": ours,
                        "start": start,
                        "end": end,
                        "anchor_left_beyond_h": round(left, 2),
                        "anchor_right_beyond_h": round(right, 2),
                        "line_h_px": round(h, 1),
                        "det_side": side,
                        "crop_w_at_48": round(width48),
                        "last_char_pos": None if last is None else round(last, 3),
                        "turned": bool(tall),
                        "again": again,
                    }
                )
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))
    print()
    for key in sorted(tally):
        print(f"{key}: {tally[key]}")
    # Which re-read restores the anchor's reading at the ends where ours lost/changed characters.
    fixed: Counter[str] = Counter()
    broke: Counter[str] = Counter()
    for r in rows:
        for name, text in r["again"].items():
            s, e = end_ops(r["anchor"], text)
            before = (r["start"] in ("lost", "changed")) + (r["end"] in ("lost", "changed"))
            after = (s in ("lost", "changed")) + (e in ("lost", "changed"))
            fixed[name] += max(0, before - after)
            broke[name] += max(0, after - before)
    print("re-read from another crop: ends restored / ends newly lost, of the differing lines")
    for name in fixed:
        print(f"  {name}: +{fixed[name]} / -{broke[name]}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
