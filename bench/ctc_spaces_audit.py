"""Audit engines/ctcspaces.py on a benchmark set: which spaces a `k` would add, right or wrong.

Reads every image once with the default engine, keeps each recognised line's greedy CTC path,
and for each `k` counts the words the rule splits: *right* where every piece is a word of the
image's ground truth and the joined word is not, *wrong* where the joined word is a ground-truth
word, *other* otherwise (both readings wrong for another reason). Evaluation only: the rule's
thresholds come from rendered text (`bench/ctc_spaces_calib.py`).

    PYTHONPATH=src python bench/ctc_spaces_audit.py ../shared/data/sroie ../shared/data/funsd
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from promptocr.bench.datasets import load_dataset
from promptocr.bench.metrics import word_bag
from promptocr.engines.ctcspaces import gap_space_positions
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import load_pages

KS = (2.0, 2.25, 2.5, 3.0)


def split_words(text: str, after: list[int]) -> list[tuple[str, list[str]]]:
    """For each whitespace token of `text` that an insertion after a character index in
    `after` falls inside: (the token, its pieces)."""
    out = []
    cut = set(after)
    start = 0
    for tok in text.split(" "):
        end = start + len(tok)
        inner = sorted(i + 1 - start for i in cut if start <= i < end - 1)
        if tok and inner:
            bounds = [0, *inner, len(tok)]
            out.append((tok, [tok[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]))
        start = end + 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="+")
    ap.add_argument("-n", "--limit", type=int, default=None)
    ap.add_argument("--show", action="store_true", help="print every split word")
    args = ap.parse_args()
    engine = EmbeddedEngine()
    rec = engine.recognizer
    space = len(rec.charset) - 1
    seen: list[tuple[np.ndarray, str]] = []
    decode = rec._decode

    def capture(idx: np.ndarray, conf: np.ndarray, used: float):  # type: ignore[no-untyped-def]
        r = decode(idx, conf, used)
        seen.append((np.array(idx), r.text))
        return r

    rec._decode = capture  # type: ignore[method-assign]
    for root in args.datasets:
        ds = load_dataset(root, args.limit)
        tally = {k: Counter[str]() for k in KS}
        for sample in ds.samples:
            seen.clear()
            engine.read_page(load_pages(sample.image)[0], Usage())
            gt = word_bag(ln.text for ln in sample.lines if not ln.ignore)
            for idx, text in seen:
                for k in KS:
                    after = gap_space_positions(idx, k, space)
                    for tok, pieces in split_words(text, after):
                        t, p = tok.casefold(), [x.casefold() for x in pieces]
                        verdict = (
                            "wrong" if gt[t] else "right" if all(gt[x] for x in p) else "other"
                        )
                        tally[k][verdict] += 1
                        if args.show and k == 2.5:
                            print(f"{ds.name} {sample.image.name} {verdict:5} {tok!r} -> {pieces}")
        for k in KS:
            c = tally[k]
            print(
                f"{ds.name} k {k:4.2f}: words split {sum(c.values())}: right {c['right']}, "
                f"wrong {c['wrong']}, other {c['other']}"
            )


if __name__ == "__main__":
    main()
