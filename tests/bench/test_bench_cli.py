"""`promptocr bench` end to end on a tiny synthetic dataset written in the test (real models,
real worker processes, real Tesseract when it is installed)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from promptocr.bench.datasets import load_dataset
from promptocr.bench.report import END, START, write_markdown
from promptocr.bench.runner import parse_engines
from promptocr.errors import InvalidInputError
from promptocr.synth import Canvas, receipt


def write_dataset(root: Path) -> Path:
    (root / "images").mkdir(parents=True)
    rows = []
    page = receipt()
    page.save(root / "images" / "receipt.png")
    rows.append(
        {
            "image": "images/receipt.png",
            "width": page.image.width,
            "height": page.image.height,
            "lines": [
                {
                    "text": ln.text,
                    # Annotators draw boxes with a margin; the renderer's are tight to the ink.
                    "box": [
                        [ln.box[0] - 6, ln.box[1] - 6],
                        [ln.box[2] + 6, ln.box[1] - 6],
                        [ln.box[2] + 6, ln.box[3] + 6],
                        [ln.box[0] - 6, ln.box[3] + 6],
                    ],
                }
                for ln in page.lines
            ],
        }
    )
    strip = Canvas(180, 40)
    strip.text((8, 6), "AB 1234", size=24)
    strip.save(root / "images" / "strip.png")
    rows.append(
        {
            "image": "images/strip.png",
            "width": 180,
            "height": 40,
            "lines": [{"text": "AB 1234", "box": [[0, 0], [180, 0], [180, 40], [0, 40]]}],
        }
    )
    with (root / "gt.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return root


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptocr.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_bench_scores_embedded_engine_and_writes_reports(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "synthetic")
    # The reference column: RapidOCR at its best on a CPU (real rapidocr on OpenVINO).
    engines = "embedded,rapidocr-openvino"
    engines += ",tesseract" if shutil.which("tesseract") else ""
    out = tmp_path / "report.md"
    out.write_text(f"# Kept prose\n\n{START}\nold\n{END}\n\nMore prose.\n", encoding="utf-8")
    js = tmp_path / "report.json"
    proc = run_cli(
        "bench", str(data), "--engines", engines, "--output", str(out), "--json", str(js), "-q"
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(js.read_text(encoding="utf-8"))
    ds = report["datasets"][0]
    assert ds["images"] == 2
    emb = ds["engines"][0]
    assert emb["label"] == "embedded"
    assert emb["char"]["f1"] > 0.95
    assert emb["det"]["recall"] > 0.7
    assert emb["peak_rss_mb"] > 50
    assert emb["sec_median"] > 0
    assert len(emb["per_image"]) == 2
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# Kept prose") and md.rstrip().endswith("More prose.")
    assert "old" not in md
    assert "| embedded |" in md
    if "tesseract" in engines:
        assert ds["engines"][2]["char"]["f1"] > 0.5
    anchor = ds["engines"][1]
    assert anchor["label"] == "rapidocr-openvino" and not anchor["errors"]
    assert anchor["char"]["f1"] > 0.9
    assert "EngineType.OPENVINO" in anchor["info"]["settings"]
    assert "| rapidocr-openvino |" in md and "× RapidOCR-OV" in md
    # Where the embedded engine's time went: inside the models against everything else.
    assert emb["infer_ms_mean"]["det"] > 0 and emb["infer_ms_mean"]["rec"] > 0
    assert sum(emb["infer_ms_mean"].values()) < emb["sec_mean"] * 1000
    assert "decode" in emb["stages_ms_mean"]
    assert "embedded inference " in md and "% of wall time" in md


def test_bench_rejects_unknown_engine_and_missing_dataset(tmp_path: Path) -> None:
    proc = run_cli("bench", str(tmp_path), "--engines", "embedded")
    assert proc.returncode == 2
    assert "no gt.jsonl" in proc.stderr
    data = write_dataset(tmp_path / "d")
    proc = run_cli("bench", str(data), "--engines", "nope")
    assert proc.returncode == 2
    assert "unknown engine 'nope'" in proc.stderr
    proc = run_cli("bench", str(data), "--shard", "2/2")
    assert proc.returncode == 2
    assert "K/N" in proc.stderr


def test_parse_engines_and_variants() -> None:
    specs = parse_engines("embedded,rapidocr", ["fast:side_len=960,limit_type=max"])
    assert [s.label for s in specs] == ["embedded", "rapidocr", "fast"]
    assert specs[2].engine == "embedded"
    assert specs[2].sets == ("side_len=960", "limit_type=max")
    with pytest.raises(InvalidInputError):
        parse_engines("embedded", ["embedded:side_len=960"])  # duplicate label
    with pytest.raises(InvalidInputError):
        parse_engines("embedded", ["x:side_len"])


def test_load_dataset_limit_and_bad_rows(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d")
    ds = load_dataset(data, limit=1)
    assert len(ds.samples) == 1 and ds.samples[0].lines[0].text == "GREEN LEAF TRADING SDN BHD"
    (data / "gt.jsonl").write_text('{"image": "images/missing.png", "width": 1, "height": 1}\n')
    with pytest.raises(InvalidInputError, match="does not exist"):
        load_dataset(data)
    (data / "gt.jsonl").write_text("{not json\n")
    with pytest.raises(InvalidInputError, match="bad ground-truth row"):
        load_dataset(data)


def test_write_markdown_creates_file_without_markers(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "b.md"
    write_markdown(out, "| table |")
    text = out.read_text(encoding="utf-8")
    assert START in text and END in text and "| table |" in text
