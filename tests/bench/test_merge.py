"""Putting shard results of one dataset back together."""

from __future__ import annotations

from typing import Any

import pytest

from promptocr.bench.report import dataset_markdown
from promptocr.bench.runner import merge_shards


def part(tp: int, pred: int, gt: int, secs: list[float], rss: float) -> dict[str, Any]:
    prf = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": tp, "pred": pred, "gt": gt}
    return {
        "name": "d",
        "path": "/d",
        "images": len(secs),
        "gt_lines": gt,
        "engines": [
            {
                "label": "embedded",
                "engine": "embedded",
                "sets": [],
                "info": {},
                "word": prf,
                "char": prf,
                "det": prf,
                "images": len(secs),
                "sec_median": None,
                "sec_mean": None,
                "load_s": 1.0,
                "cold_start_s": 1.5,
                "peak_rss_mb": rss,
                "errors": [],
                "stages_ms_mean": {"detect": 100.0 * len(secs)},
                "rotated_pages": [],
                "per_image": [{"image": f"{i}", "seconds": s} for i, s in enumerate(secs)],
            }
        ],
    }


def test_merge_sums_counts_and_recomputes_median() -> None:
    merged = merge_shards([part(3, 4, 5, [1.0, 3.0], 400.0), part(1, 1, 3, [2.0], 500.0)])
    e = merged["engines"][0]
    assert merged["images"] == 3 and merged["gt_lines"] == 8
    assert (e["char"]["tp"], e["char"]["pred"], e["char"]["gt"]) == (4, 5, 8)
    assert e["char"]["recall"] == pytest.approx(0.5)
    assert e["sec_median"] == pytest.approx(2.0)
    assert e["peak_rss_mb"] == 500.0
    # per-image weighted mean of the shards' stage means: (200*2 + 100*1) / 3
    assert e["stages_ms_mean"]["detect"] == pytest.approx(166.7, abs=0.1)
    md = dataset_markdown(merged)
    assert "| embedded |" in md and "3 images" in md


def test_merge_sums_lines_by_recognition_head() -> None:
    """Every shard's `rec_head` tally (rec_head="latin") is summed, not only the first's."""
    a, b, c = part(1, 1, 1, [1.0], 1.0), part(1, 1, 1, [1.0], 1.0), part(1, 1, 1, [1.0], 1.0)
    a["engines"][0]["rec_head"] = {"full": 10, "restricted": 30}
    b["engines"][0]["rec_head"] = {"full": 7, "restricted": 50, "fallback": 3}
    merged = merge_shards([a, b, c])  # c from a run without the field
    assert merged["engines"][0]["rec_head"] == {"full": 17, "restricted": 80, "fallback": 3}
    assert "lines by recognition head: fallback 3, full 17, restricted 80" in dataset_markdown(
        merged
    )


def test_merge_sums_pages_read_narrowed() -> None:
    """Every shard's `rec_squeeze` tally (pages, pages narrowed under `auto`) is summed."""
    a, b, c = part(1, 1, 1, [1.0], 1.0), part(1, 1, 1, [1.0], 1.0), part(1, 1, 1, [1.0], 1.0)
    a["engines"][0]["rec_squeeze"] = {"pages": 10, "squeezed": 7}
    b["engines"][0]["rec_squeeze"] = {"pages": 5, "squeezed": 1}
    merged = merge_shards([a, b, c])  # c from a run without the field
    assert merged["engines"][0]["rec_squeeze"] == {"pages": 15, "squeezed": 8}
    assert "pages read narrowed by the width squeeze: 8 of 15" in dataset_markdown(merged)
