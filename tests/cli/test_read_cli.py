"""The `promptocr read` command, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptocr.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_read_bundled_sample_as_json() -> None:
    proc = run_cli("read", str(ROOT / "examples" / "receipt.png"))
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    text = payload["document"]["text"]
    assert "GREEN LEAF TRADING" in text
    assert "13.50" in text
    assert payload["usage"]["stages_ms"]["detect"] > 0
