"""Second look: short, unsure lines read again padded to RapidOCR's recognition width.

Crops narrower than `TextRecognizer.min_width` (160 px at the model's height) are padded to it,
where RapidOCR pads every crop to 320 px. On the dev receipts and forms this is where most of the
line-end differences against RapidOCR with the *same* box come from (`3.0C` for `3.00`, a lost
trailing `:`; bench/line_ends.py, docs/benchmarks.md "The word-F1 gap on SROIE"). Reading every
short crop at 320 costs about 20 % more recognition; this re-reads only the short crops with a
character the model was unsure of, and keeps whichever reading is the more confident.
Opt-in (`EngineSettings.rec_second_look`): measured and not made the default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from promptocr.engines.stages import Recognition

SECOND_LOOK_WIDTH = 320


def second_look(
    recognize: Callable[..., list[Recognition]],
    crops: Sequence[np.ndarray],
    recs: list[Recognition],
    threshold: float,
    height: int = 48,
    width: int = SECOND_LOOK_WIDTH,
) -> tuple[list[Recognition], int]:
    """`recs` with short crops (narrower than `width` at `height`) whose least sure character is
    below `threshold` read again padded to `width`; the more confident reading is kept. Also
    returns how many crops were read again."""
    idx = [
        i
        for i, (crop, rec) in enumerate(zip(crops, recs, strict=True))
        if rec.char_conf
        and min(rec.char_conf) < threshold
        and height * crop.shape[1] / max(crop.shape[0], 1) < width
    ]
    if not idx:
        return recs, 0
    again = recognize([crops[i] for i in idx], min_width=width)
    out = list(recs)
    for i, rec in zip(idx, again, strict=True):
        if rec.confidence > out[i].confidence:
            out[i] = rec
    return out, len(idx)
