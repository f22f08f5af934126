"""Detection size from the page (engines/detsize.py): big type runs smaller, dense small print
larger, the choice is reported in `usage.detection`, and pages without readable text height
fall back to the fixed policy."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from promptocr import synth
from promptocr.engines.detsize import auto_side, estimate_text_height, resolve_policy
from promptocr.engines.embedded import EmbeddedEngine, EngineSettings
from promptocr.engines.stages import TextDetector
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage

W, H = 1400, 1800
WORDS = [
    "total",
    "amount",
    "invoice",
    "date",
    "paid",
    "order",
    "number",
    "balance",
    "credit",
    "account",
]


def page(size: int) -> synth.Canvas:
    """A W x H page filled with lines of `size`-pixel type."""
    c = synth.Canvas(W, H)
    y, i = 40, 0
    while y + 2 * size < H - 40:
        words = [WORDS[(i + k) % len(WORDS)] for k in range(max(2, 900 // (size * 6)))]
        c.text((50, y), f"{i + 1:03d} " + " ".join(words), size=size)
        y += int(size * 1.8)
        i += 1
    return c


def bgr(c: synth.Canvas) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(c.image)[:, :, ::-1])


def test_estimate_follows_the_type_size() -> None:
    big, small = estimate_text_height(bgr(page(64))), estimate_text_height(bgr(page(13)))
    assert big is not None and small is not None
    assert big.px > 3 * small.px, (big, small)
    assert 5 <= small.px <= 14 and 25 <= big.px <= 64, (big, small)
    # A blank page and a page with only a few characters give no estimate.
    assert estimate_text_height(np.full((800, 600, 3), 255, np.uint8)) is None
    few = synth.Canvas(800, 600)
    few.text((50, 50), "OK", size=40)
    assert estimate_text_height(bgr(few)) is None


def test_auto_side_limits() -> None:
    # Characters 40 px high on a 2000 px page, wanted at 10: a quarter of the page, but the
    # floor (min_side) holds; tiny print wants more than the page: never enlarged by default.
    assert auto_side(2000, 1000, 40.0, 10.0, 640, 2400, 1.0) == 640
    assert auto_side(2000, 1000, 20.0, 10.0, 640, 2400, 1.0) == 960
    assert auto_side(2000, 1000, 14.0, 10.0, 640, 2400, 1.0) == 1440  # in steps of 160
    assert auto_side(2000, 1000, 5.0, 10.0, 640, 2400, 1.0) == 2000  # the page itself
    assert auto_side(900, 620, 17.0, 10.0, 960, 2400, 1.0) == 900  # small page: as it is
    assert auto_side(3000, 2000, 5.0, 10.0, 640, 2400, 1.0) == 2400  # max_side
    assert auto_side(1000, 800, 5.0, 10.0, 640, 2400, 1.5) == 1500  # upscaling when allowed


def test_resolve_policy_falls_back_without_text() -> None:
    auto = replace(EngineSettings().detection, limit_type="auto", side_len=1280)
    policy, record = resolve_policy(np.full((900, 700, 3), 255, np.uint8), auto)
    assert policy.limit_type == "max" and record["text_px"] is None and record["side"] == 896
    # dense small print: by default no larger than 1280 (auto_max_side: peak memory) ...
    policy, record = resolve_policy(bgr(page(13)), auto)
    assert policy.limit_type == "long" and record["text_px"] > 0 and record["side"] == 1280
    # ... and with a higher ceiling the page as it is, not shrunk to 1280
    policy, record = resolve_policy(bgr(page(13)), replace(auto, auto_max_side=2400))
    assert policy.side_len == H
    assert record["side"] == max(TextDetector.target_size(H, W, policy)) == 1792


def test_auto_is_the_default_and_keeps_ordinary_documents_near_their_size() -> None:
    """The default policy is `auto` between 960 and 1280: big type (a photographed receipt)
    runs at 960, body text of an ordinary page (x-height ~14 px) stays at 1280."""
    default = EngineSettings().detection
    assert default.limit_type == "auto" and default.auto_max_side == 1280
    _, big = resolve_policy(bgr(page(64)), default)
    _, body = resolve_policy(bgr(page(23)), default)
    assert big["side"] == 960 and body["side"] == 1280, (big, body)


@pytest.mark.parametrize("size", [64, 13])
def test_adaptive_size_reads_and_reports(engine: EmbeddedEngine, size: int) -> None:
    c = page(size)
    settings = EngineSettings().with_overrides(limit_type="auto", auto_max_side=2400)
    usage = Usage()
    out = engine.read_page(PageImage(0, np.asarray(c.image), "p.png"), usage, settings)
    (choice,) = usage.detection
    assert choice["policy"] == "auto" and choice["page"] == 1 and choice["text_px"] > 0
    if size == 64:  # big type: detection runs smaller than a fixed `max` 1280 would
        assert choice["side"] < 1280
    else:  # dense small print: larger than 1280 (up to the page's own 1800)
        assert choice["side"] > 1280
    assert "detect_size" in usage.stages_ms
    assert usage.to_dict()["detection"] == usage.detection
    want = " ".join(d.text for d in c.lines)
    got = " ".join(ln.text for ln in out.lines)
    assert Levenshtein.distance(got, want) / len(want) <= 0.03, got[:200]


def test_fixed_policy_is_reported_too(engine: EmbeddedEngine) -> None:
    usage = Usage()
    c = synth.english_page()
    fixed = EngineSettings().with_overrides(limit_type="max", side_len=1280)
    engine.read_page(PageImage(2, np.asarray(c.image), "p.png"), usage, fixed)
    w, h = c.image.size
    nh, nw = TextDetector.target_size(h, w, fixed.detection)
    assert usage.detection == [{"page": 3, "policy": "max", "side": max(nh, nw), "size": [nw, nh]}]


def test_a_side_length_alone_is_a_fixed_size_and_tiny_pages_are_not_enlarged() -> None:
    alone = EngineSettings().with_overrides(side_len=960).detection
    assert (alone.limit_type, alone.side_len) == ("max", 960)
    both = EngineSettings().with_overrides(limit_type="auto", side_len=960).detection
    assert both.limit_type == "auto"
    assert auto_side(100, 120, 20.0, 13.0, 960, 1280, 1.0) == 120
