"""Time and NumPy memory of the column-gutter split (engines/gutters.find_gutters) against
another version of the module, interleaved on the same pages and boxes.

    PYTHONPATH=src python bench/gutter_timing.py --other /path/to/other/gutters.py

Pages: a 5-column Chinese newspaper (synth_docs) scaled to A4 at 300 dpi and to a 4208x3120
photo (grey paper), and a single-column typed page scaled to A4 at 300 dpi; boxes from the
real detector on the unscaled page, scaled with it.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import tracemalloc
from types import ModuleType

import cv2
import numpy as np
from PIL import Image, ImageDraw

from promptocr.engines import gutters
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.synth import font
from promptocr.synth_docs import newspaper


def _load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("other_gutters", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _bgr(img: Image.Image) -> np.ndarray:
    return np.array(img.convert("RGB"))[:, :, ::-1].copy()


def _single_column() -> np.ndarray:
    img = Image.new("RGB", (1240, 1754), "white")
    d = ImageDraw.Draw(img)
    f = font(22)
    words = [
        "the",
        "committee",
        "met",
        "on",
        "tuesday",
        "to",
        "review",
        "the",
        "budget",
        "and",
        "the",
        "plan",
        "for",
        "next",
        "year",
    ]
    rng = np.random.default_rng(1)
    for k in range(50):
        line = " ".join(rng.choice(words, 14))
        d.text((90, 80 + 32 * k), line, font=f, fill="black")
    return _bgr(img)


def _scaled(bgr: np.ndarray, quads: np.ndarray, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    big = cv2.resize(bgr, (w, h), interpolation=cv2.INTER_CUBIC)
    q = quads.copy()
    q[:, :, 0] *= w / bgr.shape[1]
    q[:, :, 1] *= h / bgr.shape[0]
    return big, q


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--other", required=True, help="path of the other gutters.py")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    other = _load(args.other)
    engine = EmbeddedEngine()
    engine.warm_up()

    def detect(bgr: np.ndarray) -> np.ndarray:
        quads, _s = engine.detector(bgr, engine.settings.detection)
        return np.asarray(quads, dtype=np.float32).reshape(-1, 4, 2)

    paper = _bgr(newspaper(5, "zh", seed=3, gutter=14).canvas.image)
    # photographed: grey paper darkening down the page, with noise
    level = np.linspace(205, 165, paper.shape[0], dtype=np.float32)[:, None, None]
    noise = np.random.default_rng(1).normal(0, 4, paper.shape[:2])[:, :, None]
    grey = np.clip(paper / 255.0 * level + noise, 0, 255).astype(np.uint8)
    single = _single_column()
    pages = {
        "newspaper A4 300dpi": _scaled(paper, detect(paper), 2480, 3508),
        "newspaper photo 4208x3120": _scaled(grey, detect(grey), 4208, 3120),
        "single column A4 300dpi": _scaled(single, detect(single), 2480, 3508),
    }
    for name, (img, quads) in pages.items():
        times: dict[str, list[float]] = {"other": [], "this": []}
        peaks: dict[str, float] = {}
        for _ in range(args.repeat):
            for label, mod in (("other", other), ("this", gutters)):
                t = time.perf_counter()
                mod.find_gutters(img, quads)
                times[label].append(time.perf_counter() - t)
        for label, mod in (("other", other), ("this", gutters)):
            tracemalloc.start()
            found = mod.find_gutters(img, quads)
            peaks[label] = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            peaks[label + " boxes"] = len(found)
        med = {k: sorted(v)[len(v) // 2] * 1000 for k, v in times.items()}
        print(
            f"{name}: {len(quads)} boxes; other {med['other']:.0f} ms, {peaks['other']:.0f} MB, "
            f"{peaks['other boxes']:.0f} split; this {med['this']:.0f} ms ({med['this'] / med['other']:.2f}x), "
            f"{peaks['this']:.0f} MB, {peaks['this boxes']:.0f} split"
        )


if __name__ == "__main__":
    main()
