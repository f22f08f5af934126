"""Make the int8 recognition model (OpenVINO IR) from the rapidocr wheel's PP-OCRv6 small ONNX file.

Post-training quantisation with NNCF (accuracy-controlled), calibrated on pages the project
renders (promptocr.synth, promptocr.synth_docs) plus a few dev images given with --dev-images.
The shipped model was made with (docs/benchmarks.md, "int8 on OpenVINO"; the defaults; the same
bytes only with the engine of its commit, since calibration records the engine's batches):

    python scripts/quantize_models.py --dev-images ../shared/data/sroie/images/604.jpg \
        ../shared/data/funsd/images/92091873.png

The recalibrated variants measured and not kept (docs/benchmarks.md, "Round 2") add
`--line-sheets 12 --subset 0 --no-accuracy-control --cache FILE.npz`, more --dev-images, and
for one of them `--ignore MatMul.1,MatMul.2,MatMul.7,MatMul.8`.

What is calibrated: the exact inputs the engine feeds the model. The pages are read by the
embedded engine in f32 and every recognition batch (line crops padded on the width ladder) is
recorded on the way (and every detection input, for --det).

Writes `<out>/PP-OCRv6_rec_small.int8.{xml,bin}` (and the detection model with --det, an
experiment that is not shipped) and prints their SHA-256; the hashes the engine checks at load
are in promptocr/engines/int8.py. Needs the `quant` extra (nncf).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def line_sheet(seed: int, width: int = 1000) -> Any:
    """A page of short and long lines of the kinds receipts, forms and signs have: codes, dates,
    amounts, phone numbers, punctuation, 2-6 character Chinese words and mixed lines, at body
    and small sizes, left and right aligned (so short crops share batches with long ones)."""
    from promptocr import synth, synth_docs

    rng = random.Random(7000 + seed)
    digits = "0123456789"
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def code() -> str:
        n = rng.randint(2, 4)
        return "".join(rng.choice(upper) for _ in range(n)) + "".join(
            rng.choice(digits) for _ in range(rng.randint(3, 8))
        )

    def amount() -> str:
        return f"{rng.randint(0, 9999):,}.{rng.randint(0, 99):02d}"

    def zh(n: int) -> str:
        return "".join(rng.choice(synth_docs.ZH_WORDS) for _ in range(n))[: rng.randint(2, 9)]

    def en(n: int) -> str:
        return " ".join(rng.choice(synth_docs.EN_WORDS) for _ in range(n))

    makers = [
        lambda: (
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(10, 29)} "
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
        ),
        lambda: f"TEL: 0{rng.randint(1, 9)}-{rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        lambda: f"{en(rng.randint(1, 3)).upper()} {amount()}",
        lambda: f"{code()}-{rng.randint(10, 99)}",
        lambda: f"RM{amount()}",
        lambda: f"{en(rng.randint(1, 2)).upper()}:",
        lambda: f"({rng.randint(1, 99)}%) x{rng.randint(1, 9)} @{amount()} = {amount()}",
        lambda: (
            f"No. {rng.randint(1, 999)}, Jalan {en(1).title()} {rng.randint(1, 9)}/"
            f"{rng.randint(1, 99)}, {rng.randint(10000, 99999)}"
        ),
        lambda: zh(rng.randint(1, 3)),
        lambda: zh(rng.randint(2, 6)),
        lambda: f"{zh(2)}{rng.randint(1, 999)}号 {rng.randint(100, 999)}元",
        lambda: f"{zh(3)}：{rng.randint(130, 189)}{rng.randint(10000000, 99999999)}",
        lambda: f"{en(rng.randint(3, 9)).capitalize()}.",
        lambda: f"{rng.choice(['#', '*', '-', '&', '/'])} {en(2)} {rng.choice(['!', '?', ';'])}",
    ]
    size = rng.choice([14, 16, 18, 20, 24, 28])
    step = int(size * rng.uniform(1.5, 2.2))
    rows = max(8, (1400 - 80) // step)
    c = synth.Canvas(width, 80 + rows * step)
    y = 40
    for _ in range(rows):
        text = rng.choice(makers)()
        if rng.random() < 0.3:  # a right-aligned amount on the same row
            right = amount()
            c.text((width - 40 - len(right) * size * 6 // 10, y), right, size=size)
        c.text((40 + rng.randint(0, width // 6), y), text, size=size)
        y += step
    return c


def calibration_pages(dev_images: list[Path], line_sheets: int = 0) -> list[np.ndarray]:
    """RGB pages: rendered receipts, forms-like pages, English and Chinese text, newspapers,
    and `line_sheets` pages of codes, amounts, punctuation and short Chinese words."""
    from PIL import Image, ImageFilter

    from promptocr import synth, synth_docs

    canvases: list[Any] = [
        synth.receipt(),
        synth.receipt(480),
        synth.english_page(),
        synth.english_page(size=18),
        synth.chinese_page(),
        synth.chinese_page(size=22),
        synth.two_column_page(),
        synth.two_column_page(size=16, columns=3, paragraphs=3),
    ]
    canvases += [p.canvas for p in synth_docs.corpus(seeds=1)]
    if line_sheets:
        canvases += [line_sheet(seed) for seed in range(line_sheets)]
    rng = random.Random(20261129)
    pages: list[np.ndarray] = []
    for i, c in enumerate(canvases):
        img = c.image.convert("RGB")
        if i % 2:  # every other page slightly blurred and greyed, like a scan
            img = img.filter(ImageFilter.GaussianBlur(0.8))
            arr = np.asarray(img).astype(np.int16)
            arr = arr - 30 + rng.randint(0, 20)
            img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        pages.append(np.asarray(img))
    for path in dev_images:
        pages.append(np.asarray(Image.open(path).convert("RGB")))
    return pages


def record_inputs(pages: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Read the pages with the f32 engine and keep what det and rec were fed."""
    from promptocr.engines.embedded import EmbeddedEngine
    from promptocr.engines.stages import SessionSettings
    from promptocr.engines.usage import Usage
    from promptocr.inputs.loader import PageImage

    engine = EmbeddedEngine(session=SessionSettings(runtime="openvino", precision="f32"))
    det_in: list[np.ndarray] = []
    rec_in: list[np.ndarray] = []

    def spy(model: Any, sink: list[np.ndarray]) -> None:
        run = model.run

        def wrapped(x: np.ndarray, *, copy: bool = True) -> np.ndarray:
            sink.append(np.array(x, copy=True))
            return run(x, copy=copy)

        model.run = wrapped

    spy(engine.detector.model, det_in)
    spy(engine.recognizer.model, rec_in)
    for i, rgb in enumerate(pages):
        engine.read_page(PageImage(i, rgb, f"calib-{i}"), Usage())
    return det_in, rec_in


def det_float(x: np.ndarray) -> np.ndarray:
    """(1, H, W, 3) uint8 BGR -> the raw detection model's (1, 3, H, W) float input."""
    return ((x.astype(np.float32) - 127.5) / 127.5).transpose(0, 3, 1, 2).copy()


def greedy_texts(probs: np.ndarray, charset: list[str]) -> list[str]:
    """CTC greedy decoding of a (rows, steps, classes) output, as TextRecognizer does."""
    out = []
    for row in probs.argmax(axis=2):
        keep = np.ones(len(row), dtype=bool)
        keep[1:] = row[1:] != row[:-1]
        keep &= row != 0
        out.append("".join(charset[k] for k in row[keep]))
    return out


def quantize_rec(
    rec_in: list[np.ndarray],
    max_drop: float,
    validation: int,
    *,
    accuracy_control: bool = False,
    subset: int = 0,
    ignore: list[str] | None = None,
) -> Any:
    """int8 recognition model: NNCF post-training quantisation, MIXED preset with the
    transformer rules (SmoothQuant on the MatMuls; Softmax, LayerNorm-like ops left float),
    statistics over `subset` recorded batches (0: all of them), the layers named in `ignore`
    (node names such as MatMul.12, or op types such as MatMul) left in float.

    With `accuracy_control`, NNCF then measures the agreement of its readings with the f32
    model's on `validation` of the recorded batches (mean normalised Levenshtein similarity per
    line), and if it drops more than `max_drop` puts the most sensitive layers back to float
    one at a time until it does not (on the rendered lines it never dropped: docs)."""
    import nncf
    import openvino as ov
    from rapidfuzz.distance import Levenshtein

    from promptocr.engines.stages import REC_MODEL, model_path

    core = ov.Core()
    model = core.read_model(str(model_path(*REC_MODEL)))
    data = nncf.Dataset(rec_in, lambda x: x.astype(np.float32))
    names = [n for n in ignore or [] if "." in n]
    types = [n for n in ignore or [] if "." not in n]
    scope = nncf.IgnoredScope(names=names, types=types) if ignore else None
    common: dict[str, Any] = {
        "preset": nncf.QuantizationPreset.MIXED,
        "model_type": nncf.ModelType.TRANSFORMER,
        "subset_size": subset or len(rec_in),
    }
    if scope is not None:
        common["ignored_scope"] = scope
    if not accuracy_control:
        return nncf.quantize(model, data, **common)

    chars = str(model.get_rt_info(["framework", "character"]).astype(str)).splitlines()
    charset = ["<blank>", *chars, " "]
    reference = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    rng = np.random.default_rng(20261129)
    picked = sorted(int(i) for i in rng.choice(len(rec_in), size=validation, replace=False))
    val = [
        (x, greedy_texts(reference(x)[0], charset))
        for x in (rec_in[i].astype(np.float32) for i in picked)
    ]

    def validate(compiled: Any, items: Any) -> tuple[float, list[float]]:
        per_batch = []
        for x, ref in items:
            got = greedy_texts(compiled(x)[0], charset)
            sims = [Levenshtein.normalized_similarity(a, b) for a, b in zip(got, ref, strict=True)]
            per_batch.append(float(np.mean(sims)))
        return float(np.mean(per_batch)), per_batch

    return nncf.quantize_with_accuracy_control(
        model, data, nncf.Dataset(val), validate, max_drop=max_drop, **common
    )


def quantize_det(det_in: list[np.ndarray]) -> Any:
    """int8 detection model (an experiment: not shipped, it measured no faster than bf16)."""
    import nncf
    import openvino as ov

    from promptocr.engines.stages import DET_MODEL, model_path

    model = ov.Core().read_model(str(model_path(*DET_MODEL)))
    data = nncf.Dataset(det_in, det_float)
    return nncf.quantize(model, data, subset_size=len(det_in), preset=nncf.QuantizationPreset.MIXED)


def sha256(path: Path) -> str:
    from promptocr.engines.int8 import sha256 as file_sha256

    return file_sha256(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("src/promptocr/models"))
    ap.add_argument("--dev-images", type=Path, nargs="*", default=[])
    ap.add_argument("--max-drop", type=float, default=0.002)
    ap.add_argument("--validation-batches", type=int, default=120)
    ap.add_argument(
        "--det", action="store_true", help="also make the (not shipped) int8 detection model"
    )
    ap.add_argument(
        "--line-sheets",
        type=int,
        default=0,
        help="also render this many pages of codes, amounts and short Chinese words",
    )
    ap.add_argument(
        "--subset", type=int, default=300, help="batches for the statistics (0: all of them)"
    )
    ap.add_argument(
        "--ignore", default="", help="comma-separated layers (MatMul.12) or op types left float"
    )
    ap.add_argument(
        "--accuracy-control",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="nncf.quantize_with_accuracy_control (as the shipped model); "
        "--no-accuracy-control: plain nncf.quantize",
    )
    ap.add_argument(
        "--cache", type=Path, help="keep the recorded calibration batches here (.npz) and reuse"
    )
    args = ap.parse_args(argv)

    import openvino as ov

    t0 = time.perf_counter()
    if args.cache and args.cache.is_file() and not args.det:
        with np.load(args.cache) as z:
            rec_in = [z[k] for k in sorted(z.files, key=lambda k: int(k[1:]))]
        det_in: list[np.ndarray] = []
        print(f"calibration: {len(rec_in)} recognition batches from {args.cache}", file=sys.stderr)
    else:
        pages = calibration_pages(args.dev_images, args.line_sheets)
        det_in, rec_in = record_inputs(pages)
        print(
            f"calibration: {len(pages)} pages, {len(det_in)} detection inputs, "
            f"{len(rec_in)} recognition batches ({time.perf_counter() - t0:.1f} s)",
            file=sys.stderr,
        )
        if args.cache:  # kept (and then used) in float16: half the memory for ~1000 batches
            rec_in = [x.astype(np.float16) for x in rec_in]
            np.savez(args.cache, **{f"b{i}": x for i, x in enumerate(rec_in)})
    args.out.mkdir(parents=True, exist_ok=True)
    ignore = [n.strip() for n in args.ignore.split(",") if n.strip()]
    jobs: list[tuple[Path, Any]] = []
    if args.det:
        jobs.append((args.out / "PP-OCRv6_det_small.int8.xml", quantize_det(det_in)))
    jobs += [
        (
            args.out / "PP-OCRv6_rec_small.int8.xml",
            quantize_rec(
                rec_in,
                args.max_drop,
                args.validation_batches,
                accuracy_control=args.accuracy_control,
                subset=args.subset,
                ignore=ignore,
            ),
        )
    ]
    for xml, model in jobs:
        ov.save_model(model, str(xml), compress_to_fp16=True)
        for f in (xml, xml.with_suffix(".bin")):
            print(f"{f.name} {f.stat().st_size} {sha256(f)}")
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
