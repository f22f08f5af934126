"""The line-end experiments kept as opt-in settings: `DetectionPolicy.end_pad` (longer boxes)
and `engines/secondlook.py` (short unsure crops read again at 320 px). Both are off by default."""

from __future__ import annotations

from typing import Any

import numpy as np

from promptocr import synth
from promptocr.engines.embedded import EngineSettings
from promptocr.engines.secondlook import SECOND_LOOK_WIDTH, second_look
from promptocr.engines.stages import DetectionPolicy, SessionSettings, TextRecognizer, db_boxes


def test_end_pad_lengthens_a_line_box_along_its_text_only() -> None:
    prob = np.zeros((100, 200), dtype=np.float32)
    prob[40:50, 40:140] = 0.9  # a horizontal 100 x 10 line
    prob[30:70, 170:180] = 0.9  # a vertical 10 x 40 one
    plain, _ = db_boxes(prob, (100, 200), DetectionPolicy())
    padded, _ = db_boxes(prob, (100, 200), DetectionPolicy(end_pad=0.5))

    def size(q: np.ndarray) -> tuple[float, float]:
        return float(np.ptp(q[:, 0])), float(np.ptp(q[:, 1]))

    for a, b in zip(
        sorted(plain, key=lambda q: q[0][0]), sorted(padded, key=lambda q: q[0][0]), strict=True
    ):
        (aw, ah), (bw, bh) = size(a), size(b)
        if aw > ah:  # horizontal: longer by about one box height (0.5 at each end), as tall
            assert abs(bh - ah) <= 1 and abs((bw - aw) - ah) <= 2
        else:  # vertical: taller by about one box width, as wide
            assert abs(bw - aw) <= 1 and abs((bh - ah) - aw) <= 2
    assert EngineSettings().detection.end_pad == 0.0
    assert EngineSettings().with_overrides(end_pad=0.1).detection.end_pad == 0.1


def test_second_look_rereads_only_short_unsure_crops_and_keeps_the_surer_reading() -> None:
    rec = TextRecognizer(SessionSettings())
    short = np.ascontiguousarray(
        np.asarray(synth.text_image("3.00", size=32, pad=8).image)[..., ::-1]
    )
    long = np.ascontiguousarray(
        np.asarray(synth.text_image("Total Sales (Excluding GST)", size=32, pad=8).image)[..., ::-1]
    )
    assert 48 * short.shape[1] / short.shape[0] < SECOND_LOOK_WIDTH
    assert 48 * long.shape[1] / long.shape[0] > SECOND_LOOK_WIDTH
    first = rec([short, long])
    widths: list[int] = []

    def spy(crops: list[np.ndarray], **kw: Any) -> Any:
        widths.append(kw["min_width"])
        assert len(crops) == 1 and crops[0] is short  # the long line is not read again
        return rec(crops, **kw)

    # A threshold above every confidence: each short crop is read again at 320 px.
    out, n = second_look(spy, [short, long], first, threshold=1.01)
    assert n == 1 and widths == [SECOND_LOOK_WIDTH]
    assert out[1] is first[1]
    assert out[0].confidence >= first[0].confidence and out[0].text.strip() == "3.00"
    # A threshold below every confidence: nothing is read again.
    out, n = second_look(spy, [short, long], first, threshold=0.0)
    assert n == 0 and out == first and widths == [SECOND_LOOK_WIDTH]
    assert EngineSettings().rec_second_look == 0.0
