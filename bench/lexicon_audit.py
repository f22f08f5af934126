"""False-correction audit of the lexicon correction (engines/lexicon.py) on rendered text only.

Renders the text lines (without the generator's OCR-like slips) of the project's own synthetic
receipts (tasks/extract/synthreceipts.py:
company names with made-up proper names, addresses, codes, item rows, amounts, dates; English
and Chinese) plus invented names and codes outside the lexicon (`NAMES`) in several fonts and sizes, sharp and blurred, reads each line with the lexicon
correction off and on (same recogniser otherwise), and compares every word the correction
changed with the rendered truth:

- fixed: the word read was wrong and the corrected one is the truth;
- FALSE: the word read was the truth and the correction changed it (must be none);
- wrong -> wrong: neither is the truth.

It also counts the rendered words outside the lexicon (names, codes) that were read right with
the correction off, and how many of them the correction changed (the false ones above).

    PYTHONPATH=src python bench/lexicon_audit.py [--receipts 40] [--show]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from promptocr.engines.lexicon import load_lexicon
from promptocr.engines.stages import SessionSettings, TextRecognizer
from promptocr.tasks.extract import synthreceipts
from promptocr.tasks.extract.synthreceipts import generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ctc_spaces_calib import find  # noqa: E402

# A subset of ctc_spaces_calib.FONTS, looked up with its `find` (the same font folders).
FONTS = [
    "DejaVuSans.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSans-Bold.ttf",
    "NimbusSans-Regular.otf",
    "NimbusRoman-Regular.otf",
]
# Real-world-like surnames, given names and codes the lexicon does not hold (invented for the
# audit, not taken from any data set); an unsure letter next to a word-making alternative must
# not turn them into words (`Chong` -> `Thong`, `Yann` -> `Yarn`, `C0DE` -> `CODE`).
NAMES = [
    "Tan Chong Wong",
    "CHONG KAH YANN",
    "Lim Woon Hock",
    "Yann Tan Siew Ling",
    "Goh Boon Teck",
    "Ong Hui Min",
    "Chua Kim Leng",
    "Tee Yong Sheng",
    "Kwok Mun Keong",
    "Loke Wai Kit",
    "SKU ABCD 4471",
    "REF C0DE 12",
    "R00MS 3",
    "ITEM XKCD-09",
    "Lau Poh Chin",
    "Yeoh Kah Seng",
    # words with real diacritics whose unmarked forms are lexicon words (`Jose`, `Muller`,
    # `cafe`, `resume`): the mark must stay
    "José Müller",
    "Café Renée",
    "RÉSUMÉ",
    "Zoë Brontë",
    "Jürgen Schäfer",
    "Crème brûlée",
]
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SIZES = (7, 9, 12)
BLURS = (0.0, 0.6)


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def render(text: str, font: ImageFont.FreeTypeFont, blur: float) -> np.ndarray:
    x0, y0, x1, y1 = font.getbbox(text)
    pad = max(3, font.size // 4)
    img = Image.new("RGB", (int(x1 - x0) + 2 * pad, int(y1 - y0) + 2 * pad), "white")
    ImageDraw.Draw(img).text((pad - x0, pad - y0), text, font=font, fill="black")
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    return np.ascontiguousarray(np.asarray(img)[:, :, ::-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--receipts", type=int, default=40)
    ap.add_argument("--show", action="store_true", help="print every changed word")
    args = ap.parse_args()
    # The generator puts OCR-like slips into its text (`t0tal`, `inv0ice`) for the extraction
    # models; rendered here they would be "truths" no print has: render the clean text.
    synthreceipts._B.noisy = lambda self, t: t  # type: ignore[method-assign]
    lexicon = load_lexicon()
    if lexicon is None:
        raise SystemExit("no word list: install wamerican (scripts/setup.sh)")
    off = TextRecognizer(SessionSettings(rec_lexicon=False))
    on = TextRecognizer(SessionSettings(rec_lexicon=True))
    lines = sorted(
        {r.text for doc in generate(7, args.receipts) for r in doc.rows if r.text.strip()}
        | set(NAMES)
    )
    fonts = [Path(p) for p in map(find, FONTS) if p is not None]
    print(f"{len(lines)} distinct lines x {len(fonts)} fonts x sizes {SIZES} x blurs {BLURS}")
    print(
        "size | words | read wrong (off) | fixed | FALSE | wrong->wrong | non-lexicon words read right | of them changed"
    )
    for size in SIZES:
        tot = wrong = fixed = false = neutral = outside = outside_changed = 0
        for path in fonts:
            latin = ImageFont.truetype(str(path), size)
            cjk = ImageFont.truetype(str(CJK_FONT), size) if CJK_FONT.is_file() else latin
            for blur in BLURS:
                crops = [
                    render(t, cjk if any(ord(c) > 0x2E80 for c in t) else latin, blur)
                    for t in lines
                ]
                for truth, a, b in zip(lines, off(crops), on(crops), strict=True):
                    tw, aw, bw = words(truth), words(a.text), words(b.text)
                    tot += len(tw)
                    wrong += sum(1 for w in aw if w not in tw)
                    outside += sum(
                        1
                        for w in aw
                        if w in tw
                        and w.isascii()
                        and w.isalpha()
                        and len(w) >= 3
                        and w not in lexicon
                    )
                    for x, y in zip(aw, bw, strict=True):
                        if x == y:
                            continue
                        if y in tw and x not in tw:
                            fixed += 1
                            kind = "fixed"
                        elif x in tw:
                            false += 1
                            outside_changed += x not in lexicon
                            kind = "FALSE"
                        else:
                            neutral += 1
                            kind = "wrong->wrong"
                        if args.show:
                            print(
                                f"  {size}px {path.stem} blur {blur}: {kind} {x!r} -> {y!r} in {truth!r}"
                            )
        print(
            f"{size} | {tot} | {wrong} | {fixed} | {false} | {neutral} | {outside} | {outside_changed}"
        )


if __name__ == "__main__":
    main()
