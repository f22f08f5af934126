"""The benchmark report records its command with paths relative to where it ran."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptocr.cli.bench import portable


def test_recorded_paths_are_relative_to_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "work" / "main"
    data = tmp_path / "work" / "shared" / "data" / "sroie"
    project.mkdir(parents=True)
    monkeypatch.chdir(project)
    assert portable(str(data)) == "../shared/data/sroie"
    assert portable(str(project / "docs" / "benchmarks.md")) == "docs/benchmarks.md"
    assert portable("--limit") == "--limit" and portable("docs/x.png") == "docs/x.png"
    far = str(Path("/") / "var" / "tmp" / "report.json")
    assert portable(far) == far  # far away: an absolute path says more than ../../../..
