"""Calibrate engines/ctcspaces.py on rendered text only (never on a benchmark set).

Renders lines whose spaces are known: proportional, monospace, condensed and letter-spaced
fonts, wide-tracking headings, digits with separators, label:value with 1-4 spaces and wide
gaps, and kerning pairs (`Am`, `AV`, `rn`). Reads each with the recogniser (gap spaces off),
pairs the decoded characters with the truth, and prints for every pair of consecutive decoded
characters with no space emitted between them its pitch ratio and blank steps, split into
pairs with a space in the truth (should get one) and without (must not). Then, for a grid of
`k`, how many of each a rule `ratio > k and blank >= MIN_GAP_STEPS` would space.

    PYTHONPATH=src python bench/ctc_spaces_calib.py [--show]
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from promptocr.engines.ctcspaces import MIN_CHARS, MIN_GAP_STEPS, emitted_spans, gap_features
from promptocr.engines.stages import SessionSettings, TextRecognizer

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/opentype/urw-base35")]
FONTS = [
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansCondensed.ttf",
    "NimbusSans-Regular.otf",
    "NimbusSans-Bold.otf",
    "NimbusRoman-Regular.otf",
    "NimbusMonoPS-Regular.otf",
    "NimbusSansNarrow-Regular.otf",
    "URWGothic-Book.otf",
    "C059-Roman.otf",
]

# Lines with ordinary spaces (and kerning pairs): every gap here is a word space or none.
PLAIN = [
    "Amount Due",
    "TOTAL AMOUNT",
    "AVENUE WAY",
    "WAVE AVAILABLE",
    "modern burn",
    "Tomorrow Yard",
    "Tel: 03-5631 9320",
    "Date: 04-06-2018 15:53:52",
    "Invoice No. 1175805",
    "GST Reg No: 000123456789",
    "Cash Rounding -0.02",
    "Qty 2 x 12.50",
    "www.example.com.my",
    "RM 1,234.56",
    "29/03/2018",
    "Lorem ipsum dolor sit amet",
]
# (left, right) pairs drawn with a gap of `em` ems between them (the truth has one space).
GAPPED = [
    ("Tel:", "03-56319320"),
    ("INV No.: 1175805", "Cashier: Thandar"),
    ("Date:", "04-06-2018"),
    ("09/03/2018", "21:26"),
    ("Amount", "12.50"),
    ("TOTAL", "RM 45.00"),
    ("AVENUE", "KL"),
    ("Qty", "2"),
    ("Subtotal", "118.00"),
]
GAP_EMS = [0.6, 1.0, 1.5, 2.0, 3.0, 5.0]
SIZES = [20, 28, 40]


def find(name: str) -> str | None:
    for d in FONT_DIRS:
        if (d / name).is_file():
            return str(d / name)
    return None


def render(
    parts: list[tuple[str, float]], f: ImageFont.FreeTypeFont, track: float = 0.0
) -> Image.Image:
    """Parts drawn left to right, each followed by a gap of its float (ems); with `track`,
    every character is drawn alone with that many ems of extra space after it."""
    size = f.size
    w = int(sum(f.getlength(t) + (len(t) * track + g) * size for t, g in parts)) + 2 * size
    h = int(size * 1.6)
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    x = 0.3 * size
    for t, g in parts:
        if track:
            for ch in t:
                d.text((x, 0.2 * size), ch, font=f, fill="black")
                x += f.getlength(ch) + track * size
        else:
            d.text((x, 0.2 * size), t, font=f, fill="black")
            x += f.getlength(t)
        x += g * size
    arr = np.asarray(img)
    ink = np.nonzero((arr < 128).any(axis=(0, 2)))[0]
    rows = np.nonzero((arr < 128).any(axis=(1, 2)))[0]
    pad = max(2, size // 6)
    x0, x1 = max(0, ink[0] - pad), min(w, ink[-1] + pad)
    y0, y1 = max(0, rows[0] - pad), min(h, rows[-1] + pad)
    return img.crop((x0, y0, x1, y1))


def samples() -> list[tuple[str, np.ndarray]]:
    out = []
    for name in FONTS:
        path = find(name)
        if path is None:
            continue
        for size in SIZES:
            f = ImageFont.truetype(path, size)
            for line in PLAIN:
                out.append((line, np.asarray(render([(line, 0)], f))))
            for a, b in GAPPED:
                for em in GAP_EMS:
                    out.append((f"{a} {b}", np.asarray(render([(a, em), (b, 0)], f))))
            # wide-tracking headings: letters 0.3 em apart, words 1.2 em + tracking apart
            for a, b in (("TOTAL", "AMOUNT"), ("RECEIPT", "NO"), ("Amount", "Due")):
                for track in (0.15, 0.3, 0.5):
                    img = render([(a, 0.6 + track), (b, 0)], f, track=track)
                    out.append((f"{a} {b}", np.asarray(img)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", action="store_true", help="print each line's reading")
    args = ap.parse_args()
    rec = TextRecognizer(SessionSettings())
    space = len(rec.charset) - 1
    paths: list[np.ndarray] = []
    decode = rec._decode

    def capture(idx: np.ndarray, conf: np.ndarray, used: float):  # type: ignore[no-untyped-def]
        paths.append(np.array(idx))
        return decode(idx, conf, used)

    rec._decode = capture  # type: ignore[method-assign]
    data = samples()
    pos: list[tuple[float, int, str]] = []  # pairs with a truth space, none emitted
    neg: list[tuple[float, int, str]] = []  # pairs without a truth space
    emitted_ok = 0
    for start in range(0, len(data), 32):
        chunk = data[start : start + 32]
        paths.clear()
        # one crop per call keeps `paths` in the order of `chunk`
        recs = [rec([img])[0] for _, img in chunk]
        for (truth, _), r, idx in zip(chunk, recs, paths, strict=True):
            spans = emitted_spans(idx)
            text = "".join(rec.charset[s.cls] for s in spans)
            assert text == r.text
            if args.show:
                print(f"{truth!r:40} {text!r}")
            if len([s for s in spans if s.cls != space]) < MIN_CHARS:
                continue
            feats = gap_features(spans, space)
            sm = difflib.SequenceMatcher(a=text, b=truth, autojunk=False)
            where = {}
            for blk in sm.get_matching_blocks():
                for o in range(blk.size):
                    where[blk.a + o] = blk.b + o
            for i, (ratio, gap) in enumerate(feats):
                if text[i] == " " or text[i + 1] == " ":
                    emitted_ok += 1
                    continue
                if i not in where or i + 1 not in where:
                    continue
                between = truth[where[i] + 1 : where[i + 1]]
                item = (ratio, gap, f"{truth!r} @{text[: i + 1]!r}")
                (pos if " " in between else neg).append(item)
    print(
        f"lines {len(data)}; pairs with a truth space not emitted {len(pos)}, "
        f"pairs without a truth space {len(neg)}, emitted spaces {emitted_ok}"
    )
    neg.sort(key=lambda t: -t[0])
    print("widest no-space pairs (ratio, blank steps):")
    for r, g, s in neg[:15]:
        print(f"  {r:5.2f} {g:2d} {s}")
    print("narrowest dropped spaces:")
    for r, g, s in sorted(pos)[:15]:
        print(f"  {r:5.2f} {g:2d} {s}")
    for mg in (MIN_GAP_STEPS - 1, MIN_GAP_STEPS, MIN_GAP_STEPS + 1):
        for k in (1.5, 1.75, 2.0, 2.25, 2.5, 3.0):
            tp = sum(1 for r, g, _ in pos if r > k and g >= mg)
            fp = sum(1 for r, g, _ in neg if r > k and g >= mg)
            print(
                f"min_gap {mg} k {k:4.2f}: spaces put back {tp}/{len(pos)}, false {fp}/{len(neg)}"
            )


if __name__ == "__main__":
    main()
