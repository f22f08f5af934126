"""Make the int8 recognition model (OpenVINO IR) from the rapidocr wheel's PP-OCRv6 small ONNX file.

Post-training quantisation with NNCF (accuracy-controlled), calibrated on pages the project
renders (promptocr.synth, promptocr.synth_docs) plus a few dev images given with --dev-images.
The shipped model was made with (docs/benchmarks.md, "int8 on OpenVINO"):

    python scripts/quantize_models.py --dev-images ../shared/data/sroie/images/604.jpg \
        ../shared/data/funsd/images/92091873.png

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


def calibration_pages(dev_images: list[Path]) -> list[np.ndarray]:
    """RGB pages: rendered receipts, forms-like pages, English and Chinese text, newspapers."""
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


def quantize_rec(rec_in: list[np.ndarray], max_drop: float, validation: int) -> Any:
    """int8 recognition model, accuracy-controlled: NNCF quantises (MIXED preset, transformer
    rules: SmoothQuant on the MatMuls, Softmax etc. left float), then measures the agreement of
    its readings with the f32 model's on `validation` of the recorded batches (mean normalised
    Levenshtein similarity per line), and if it drops more than `max_drop` puts the most
    sensitive layers back to float one at a time until it does not."""
    import nncf
    import openvino as ov
    from rapidfuzz.distance import Levenshtein

    from promptocr.engines.stages import REC_MODEL, model_path

    core = ov.Core()
    model = core.read_model(str(model_path(*REC_MODEL)))
    chars = str(model.get_rt_info(["framework", "character"]).astype(str)).splitlines()
    charset = ["<blank>", *chars, " "]
    reference = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    rng = np.random.default_rng(20261129)
    picked = sorted(int(i) for i in rng.choice(len(rec_in), size=validation, replace=False))
    val = [(rec_in[i], greedy_texts(reference(rec_in[i])[0], charset)) for i in picked]

    def validate(compiled: Any, items: Any) -> tuple[float, list[float]]:
        per_batch = []
        for x, ref in items:
            got = greedy_texts(compiled(x)[0], charset)
            sims = [Levenshtein.normalized_similarity(a, b) for a, b in zip(got, ref, strict=True)]
            per_batch.append(float(np.mean(sims)))
        return float(np.mean(per_batch)), per_batch

    return nncf.quantize_with_accuracy_control(
        model,
        nncf.Dataset(rec_in),
        nncf.Dataset(val),
        validate,
        max_drop=max_drop,
        preset=nncf.QuantizationPreset.MIXED,
        model_type=nncf.ModelType.TRANSFORMER,
        subset_size=300,
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
    args = ap.parse_args(argv)

    import openvino as ov

    t0 = time.perf_counter()
    pages = calibration_pages(args.dev_images)
    det_in, rec_in = record_inputs(pages)
    print(
        f"calibration: {len(pages)} pages, {len(det_in)} detection inputs, "
        f"{len(rec_in)} recognition batches ({time.perf_counter() - t0:.1f} s)",
        file=sys.stderr,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [
        (
            args.out / "PP-OCRv6_rec_small.int8.xml",
            quantize_rec(rec_in, args.max_drop, args.validation_batches),
        )
    ]
    if args.det:
        jobs.append((args.out / "PP-OCRv6_det_small.int8.xml", quantize_det(det_in)))
    for xml, model in jobs:
        ov.save_model(model, str(xml), compress_to_fp16=True)
        for f in (xml, xml.with_suffix(".bin")):
            print(f"{f.name} {f.stat().st_size} {sha256(f)}")
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
