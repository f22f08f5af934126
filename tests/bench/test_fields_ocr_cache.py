"""`bench.fields` with `--ocr-cache` (the OCR'd documents kept and read back, so only
extraction reruns) and `--half` (a fixed split by file name)."""

from __future__ import annotations

import json
from pathlib import Path

from promptocr.bench.fields import _half, evaluate_fields, fields_markdown
from promptocr.synth import Canvas

RECEIPTS = [
    ("b.png", "TORAMI TRADING", "12.40"),
    ("a.png", "SELKA BAKERY", "7.90"),
]


def _dataset(root: Path) -> Path:
    (root / "images").mkdir(parents=True)
    with (root / "gt.jsonl").open("w", encoding="utf-8") as f:
        for name, company, total in RECEIPTS:
            c = Canvas(560, 300)
            c.text((150, 30), company, size=30)
            c.text((30, 150), "TOTAL", size=26)
            c.text((380, 150), total, size=26)
            c.image.save(root / "images" / name)
            fields = {"company": company, "total": total}
            f.write(json.dumps({"image": f"images/{name}", "fields": fields}) + "\n")
    return root


def test_ocr_cache_reads_back_the_same_documents(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    cache = tmp_path / "cache"
    first = evaluate_fields(ds, ocr_cache=cache)
    assert first["ocr_from_cache"] == 0 and len(list(cache.glob("*.pkl"))) == 2
    again = evaluate_fields(ds, ocr_cache=cache)
    assert again["ocr_from_cache"] == 2
    assert again["per_field"] == first["per_field"]
    assert first["per_field"]["total"]["exact"] == 1.0
    assert "read back from --ocr-cache for 2 of 2 images" in fields_markdown(again)
    # the returned values' confidences are reported: 4 values, all exact here
    conf = again["confidence"]
    assert conf["values"] == sum(b["n"] for b in conf["bins"]) == 4
    assert conf["auc"] is None  # no wrong value to rank against
    assert "Confidence of the returned values (4; every method)" in fields_markdown(again)
    # the halves by sorted file name: a.png first, b.png second
    one = evaluate_fields(ds, ocr_cache=cache, half=1)
    assert one["images"] == 1 and one["ocr_from_cache"] == 1


def test_halves_split_by_sorted_file_name() -> None:
    rows = [{"image": f"images/{n:03d}.jpg"} for n in (7, 3, 5, 1)]
    assert [r["image"] for r in _half(rows, 1)] == ["images/003.jpg", "images/001.jpg"]
    assert [r["image"] for r in _half(rows, 2)] == ["images/007.jpg", "images/005.jpg"]
    assert _half(rows, None) == rows


def test_extract_everything_is_scored_against_the_annotated_fields(tmp_path: Path) -> None:
    """`--all-pairs`: no key in the prompt; each annotated question is looked up among the
    labels the linker returned, and its answer scored; the OCR cache is the same."""
    from promptocr.bench.fields import all_pairs_markdown, evaluate_all_pairs

    root = tmp_path / "forms"
    (root / "images").mkdir(parents=True)
    with (root / "gt.jsonl").open("w", encoding="utf-8") as f:
        for name, who, when in (
            ("a.png", "TORAMI SELKA", "12/03/2018"),
            ("b.png", "MEI", "5/6/95"),
        ):
            c = Canvas(700, 300)
            c.text((30, 40), f"Name: {who}", size=28)
            c.text((30, 140), f"Date: {when}", size=28)
            c.image.save(root / "images" / name)
            fields = {"Name:": who, "Date:": when, "Signature:": "J. Smith"}
            f.write(json.dumps({"image": f"images/{name}", "fields": fields}) + "\n")
    cache = tmp_path / "cache"
    rep = evaluate_all_pairs(root, ocr_cache=cache)
    assert rep["fields"] == 6 and rep["pairs_returned"] == rep["pairs_on_a_question"] == 4
    assert rep["key_found"] == rep["exact"] == round(4 / 6, 4)  # no pair for the signature
    assert {m["field"] for m in rep["misses_sample"]} == {"Signature:"}
    assert len(list(cache.glob("*.pkl"))) == 2
    assert evaluate_all_pairs(root, ocr_cache=cache) == rep
    assert "| 0.667 | 0.667 |" in all_pairs_markdown(rep)


def test_the_confidence_report_ranks_and_bins_the_returned_values() -> None:
    from promptocr.bench.fields import confidence_report

    rep = confidence_report([(0.99, True), (0.97, True), (0.96, False), (0.6, False), (0.3, True)])
    assert rep["values"] == 5
    # right values above wrong ones in 4 of the 6 (right, wrong) pairs
    assert rep["auc"] == round(4 / 6, 3)
    top = rep["bins"][-1]
    assert (top["from"], top["n"], top["exact"]) == (0.95, 3, round(2 / 3, 3))
    gaps = [b["n"] / 5 * abs(b["confidence"] - b["exact"]) for b in rep["bins"]]
    assert rep["ece"] == round(sum(gaps), 3)
    assert confidence_report([]) == {"values": 0, "bins": [], "auc": None, "ece": None}
