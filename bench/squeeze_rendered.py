"""Rendered pages with known spaces read under several `rec_squeeze` settings (docs/benchmarks.md,
"`auto`: the squeeze from the recogniser's own evidence").

Nine lines a page (an invoice line, dates, phone numbers, sentences) in the fonts of
`ctc_spaces_calib.py` at 12/14/17/20/28 px, clean, blurred and JPEG-compressed; each page is read
whole (`EmbeddedEngine.read_page`) and its lines matched to the truth by their characters
without spaces. Prints per setting the lines read exactly, the spaces lost and added on the
matched lines, and the pages read narrowed.

    PYTHONPATH=src python bench/squeeze_rendered.py [--settings 1.0 0.9 auto]
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.stages import SessionSettings
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ctc_spaces_calib import FONTS, find  # noqa: E402

TEXT = [
    "Total amount due 1,284.50 EUR",
    "Invoice number 48213 dated 12 March",
    "Residents remain divided over cost",
    "The theatre crowd hears plans for the old quarter",
    "Signed on Friday at noon by the clerk",
    "Qty 2 x 12.50 Subtotal 25.00",
    "Please return the signed form by Friday noon.",
    "Tel: 03-5631 9320 Fax: 03-5631 9321",
    "Date: 04-06-2018 15:53:52 Cashier: Thandar",
]
SIZES = [12, 14, 17, 20, 28]
DEGRADE = ["clean", "blur", "jpeg"]


def page(path: str, size: int, degrade: str) -> Image.Image:
    f = ImageFont.truetype(path, size)
    step = int(size * 1.9)
    img = Image.new("RGB", (int(size * 30), step * len(TEXT) + 40), "white")
    d = ImageDraw.Draw(img)
    for k, t in enumerate(TEXT):
        d.text((20, 20 + k * step), t, font=f, fill="black")
    if degrade == "blur":
        img = img.filter(ImageFilter.GaussianBlur(0.8))
    if degrade == "jpeg":
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=60)
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return img


def setting(raw: str) -> float | str:
    return raw if raw.startswith("auto") else float(raw)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settings", nargs="+", default=["1.0", "0.9", "auto"])
    args = ap.parse_args()
    engines = {
        k: EmbeddedEngine(session=SessionSettings(rec_squeeze=setting(k))) for k in args.settings
    }
    stats = {k: [0, 0, 0, 0] for k in engines}  # exact lines, spaces lost, added, pages narrowed
    pages = 0
    for name in FONTS:
        path = find(name)
        if path is None:
            continue
        for size in SIZES:
            for degrade in DEGRADE:
                img = np.asarray(page(path, size, degrade))
                pages += 1
                for k, engine in engines.items():
                    usage = Usage()
                    got = [ln.text for ln in engine.read_page(PageImage(0, img, "x"), usage).lines]
                    for truth in TEXT:
                        same = [g for g in got if g.replace(" ", "") == truth.replace(" ", "")]
                        if same:
                            stats[k][0] += same[0] == truth
                            stats[k][1] += max(0, truth.count(" ") - same[0].count(" "))
                            stats[k][2] += max(0, same[0].count(" ") - truth.count(" "))
                    stats[k][3] += usage.rec_squeeze[0]["squeezed"] > 0  # a crop read narrowed
    print(f"{pages} pages, {pages * len(TEXT)} lines")
    for k, (exact, lost, added, narrowed) in stats.items():
        print(
            f"{k:>8}: exact lines {exact}, spaces lost {lost}, added {added}, narrowed {narrowed}"
        )


if __name__ == "__main__":
    main()
