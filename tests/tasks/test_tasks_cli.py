"""`promptocr read FILE -p PROMPT`, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from task_synth import receipt_en


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptocr.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_read_with_prompt_prints_result_json(tmp_path: Path) -> None:
    img = receipt_en().save(tmp_path / "receipt.png")
    proc = run_cli(
        "read", str(img), "-p", "Extract the date and total as JSON.", "-q", "-f", "json"
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["task"] == "extract"
    assert payload["output"]["fields"] == {"date": "25/12/2018", "total": "31.40"}
    assert payload["plan"]["arguments"]["fields"] == ["date", "total"]
    assert "layout" in payload["usage"]["skipped"]
    proc = run_cli("read", str(img), "-p", "make me a sandwich", "-q")
    assert proc.returncode == 2  # a usage error, said once before any file is read
    assert proc.stderr.startswith("promptocr: error: -p: can't tell what to do")
