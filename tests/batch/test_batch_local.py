"""`promptocr batch` on one machine: the real CLI, the real models in a local process pool,
synthetic images and a generated 3-page PDF, folder and glob inputs, resume, a corrupt file."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from promptocr import synth
from promptocr.batch import (
    RESULTS,
    BatchConfig,
    BatchInputError,
    WorkItem,
    Writer,
    count_pages,
    expand_inputs,
    plan_items,
    run_local,
)
from promptocr.cli.main import main
from promptocr.cli.read import squeeze_arg
from promptocr.engines import squeeze
from promptocr.engines.lexicon import lexicon_key


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "nested").mkdir(parents=True)
    synth.numbered_page(1).image.save(root / "one.png")
    synth.numbered_page(2).image.save(root / "nested" / "two.jpg")
    pdf = synth.pdf_from_images([synth.numbered_page(n).image for n in (3, 4, 5)])
    (root / "nested" / "three.pdf").write_bytes(pdf)
    (root / "notes.txt").write_text("not picked up from a folder")
    (tmp_path / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    return tmp_path


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / RESULTS).read_text().splitlines()]


def test_batch_cli_folder_glob_resume_and_a_corrupt_file(
    inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = inputs / "out"
    args = [
        "batch",
        str(inputs / "in"),  # folder, recursive: one.png, nested/two.jpg, nested/three.pdf
        str(inputs / "in" / "**" / "*.jpg"),  # a glob naming two.jpg again: read once
        str(inputs / "corrupt.png"),
        "--out",
        str(out),
        "--format",
        "text",
        "--workers",
        "2",
        "--parquet",
        "-q",
    ]
    assert main(args) == 1  # some pages failed, the rest were written
    err = capsys.readouterr().err
    assert "corrupt.png" in err and "truncated or corrupt" in err
    recs = records(out)
    assert len(recs) == 6 and len({r["key"] for r in recs}) == 6
    by_name = {(Path(r["source"]).name, r["page"]): r for r in recs}
    expect = {
        ("one.png", 1): 1,
        ("two.jpg", 1): 2,
        ("three.pdf", 1): 3,
        ("three.pdf", 2): 4,
        ("three.pdf", 3): 5,
    }
    for name, n in expect.items():
        assert by_name[name]["status"] == "ok"
        assert f"page number {n}" in by_name[name]["text"]
        assert by_name[name]["document"]["pages"][0]["blocks"]
    bad = by_name[("corrupt.png", 1)]
    assert bad["status"] == "error" and bad["error"]["code"] == "invalid_input"
    page_files = sorted(p.name for p in (out / "pages").iterdir())
    assert len(page_files) == 5 and all(p.endswith(".txt") for p in page_files)
    pdf_page2 = next((out / "pages").glob("three-*-p0002.txt")).read_text()
    assert "page number 4" in pdf_page2
    table = pq.read_table(out / "results.parquet")
    assert table.num_rows == 6
    assert Counter(table.column("status").to_pylist()) == {"ok": 5, "error": 1}

    # A crash mid-write leaves half a line: the rerun cuts it and redoes that page only.
    lines = (out / RESULTS).read_text().splitlines(keepends=True)
    lost = json.loads(lines[-1])
    (out / RESULTS).write_text("".join(lines[:-1]) + lines[-1][:40])
    assert main(args) == (3 if lost["status"] == "error" else 0)  # only the lost page ran
    recs = records(out)
    assert len(recs) == 6 and Counter(r["key"] for r in recs)[lost["key"]] == 1

    # Everything recorded: nothing runs, nothing is appended.
    before = (out / RESULTS).read_bytes()
    assert main(args) == 0
    assert (out / RESULTS).read_bytes() == before


def test_batch_with_a_prompt_writes_task_results(inputs: Path) -> None:
    out = inputs / "out"
    code = main(
        [
            "batch",
            str(inputs / "in" / "one.png"),
            "--out",
            str(out),
            "-p",
            "detect and recognize all text with coordinates",
            "--workers",
            "1",
            "-q",
        ]
    )
    assert code == 0
    (rec,) = records(out)
    assert rec["result"]["task"] == "spot"
    assert any("page number 1" in ln["text"] for ln in rec["result"]["output"]["lines"])
    (page_file,) = (out / "pages").glob("one-*-p0001.json")
    assert json.loads(page_file.read_text())["result"]["task"] == "spot"


def test_planning_counts_pages_and_keys_by_content(inputs: Path) -> None:
    files = expand_inputs([str(inputs / "in"), str(inputs / "in" / "one.png")])
    assert [f.name for f in files] == ["three.pdf", "two.jpg", "one.png"]  # sorted paths
    assert count_pages((inputs / "in" / "nested" / "three.pdf").read_bytes(), "x") == 3
    tiff = synth.save_tiff([synth.numbered_page(n).image for n in (1, 2)], inputs / "two-pages.tif")
    assert count_pages(tiff.read_bytes(), "t") == 2
    a = plan_items(files, BatchConfig())
    b = plan_items(files, BatchConfig(prompt="extract the total"))
    assert len(a) == 5 and len({i.key for i in a}) == 5
    assert not {i.key for i in a} & {i.key for i in b}  # other settings: other keys
    latin = plan_items(files, BatchConfig(rec_head="latin"))
    assert not {i.key for i in a} & {i.key for i in latin}
    # the recognition options key results only where they differ from how results were made
    # before they existed: with gap spaces off a config keeps the key it had then (a rerun
    # skips what is done); the default, gap spaces on, reads pages again
    before = {"prompt": None, "format": "json", "dpi": 200, "runtime": "auto", "precision": "bf16"}
    blob = json.dumps(before, sort_keys=True, ensure_ascii=False).encode()
    old_key = hashlib.sha256(blob).hexdigest()[:16]
    assert (
        BatchConfig(rec_gap_spaces=None, rec_squeeze=1.0, rec_lexicon=False).settings_hash()
        == old_key
    )
    assert BatchConfig().settings_hash() != old_key
    # 1.0, the default again (after a while of `auto`), keys as before the squeeze existed;
    # the lexicon correction keys with its rule and word list (engines/lexicon.py
    # `lexicon_key`), so results of its first rule are read again
    assert BatchConfig().rec_squeeze == 1.0
    before_auto = {**before, "rec_gap_spaces": 2.5, "rec_lexicon": lexicon_key()}
    blob = json.dumps(before_auto, sort_keys=True, ensure_ascii=False).encode()
    default_key = hashlib.sha256(blob).hexdigest()[:16]
    assert BatchConfig().settings_hash() == default_key
    # the opt-in `auto` squeeze keys anew against the gap-spaces default,
    # and so does a number (read since without narrowing crops under the padding floor)
    gaps = BatchConfig(rec_squeeze=1.0, rec_lexicon=False).settings_hash()
    # (the key the default had before `auto` and the lexicon: results made then are skipped)
    gaps_blob = json.dumps({**before, "rec_gap_spaces": 2.5}, sort_keys=True).encode()
    assert gaps == hashlib.sha256(gaps_blob).hexdigest()[:16]
    assert gaps not in (old_key, BatchConfig(rec_squeeze="auto", rec_lexicon=False).settings_hash())
    blob = json.dumps({**before, "rec_gap_spaces": 2.5, "rec_squeeze": 0.85}, sort_keys=True)
    assert (
        BatchConfig(rec_squeeze=0.85, rec_lexicon=False).settings_hash()
        != hashlib.sha256(blob.encode()).hexdigest()[:16]
    )
    # `--rec-squeeze 1` (as the CLI parses it) keeps the key from before the squeeze existed
    one = BatchConfig(rec_squeeze=squeeze_arg("1"), rec_gap_spaces=None, rec_lexicon=False)
    assert one.settings_hash() == old_key
    # and `auto` is keyed with its factor and thresholds: a change of any re-keys results
    auto = BatchConfig(rec_squeeze="auto").settings_hash()
    assert auto != BatchConfig().settings_hash()
    assert auto != BatchConfig(rec_squeeze="auto:0.85").settings_hash()
    for name, value in (("AUTO_FACTOR", 0.85), ("MIN_PAIRS", 30), ("MAX_LOOSE", 0.1)):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(squeeze, name, value)
            assert BatchConfig(rec_squeeze="auto").settings_hash() != auto, name
            assert BatchConfig().settings_hash() == default_key  # 1.0 is not keyed by them
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(squeeze, "LOOSE_STEPS", 4)
        assert BatchConfig(rec_squeeze="auto").settings_hash() != auto
    assert BatchConfig(rec_squeeze="auto").settings_hash() == auto
    # the lexicon correction, the default since, keys anew where it is on
    assert gaps != BatchConfig().settings_hash()
    assert auto != BatchConfig(rec_squeeze="auto", rec_lexicon=False).settings_hash()
    # the same bytes under another name share the content part of the key
    copy = inputs / "copy.png"
    copy.write_bytes((inputs / "in" / "one.png").read_bytes())
    (c,) = plan_items([copy], BatchConfig())
    assert c.key == next(i.key for i in a if i.source.endswith("one.png"))
    with pytest.raises(BatchInputError, match="no file matches"):
        expand_inputs([str(inputs / "*.nothing")])
    with pytest.raises(BatchInputError, match="no such file"):
        expand_inputs([str(inputs / "missing.png")])
    (inputs / "empty").mkdir()
    with pytest.raises(BatchInputError, match="folder holds no image or PDF files"):
        expand_inputs([str(inputs / "empty")])


def test_writer_drops_a_second_copy_of_a_key(tmp_path: Path) -> None:
    w = Writer(tmp_path, "json")
    rec = {"key": "k:1:s", "source": "a.png", "page": 1, "status": "error", "error": {}}
    assert w.write(dict(rec)) is True
    assert w.write(dict(rec)) is False
    w.close()
    assert len((tmp_path / RESULTS).read_text().splitlines()) == 1
    assert Writer(tmp_path, "json").done == {"k:1:s"}


def test_batch_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path / "nope.png"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    # the one prefix every subcommand's errors start with (cli/main.py, README)
    assert err.startswith("promptocr: error: ") and "no such file" in err
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    capsys.readouterr()
    assert main(["batch", "--ray", str(tmp_path), str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "--ray auto" in capsys.readouterr().err


def crash_on_marked_pages(item: WorkItem) -> dict:
    """Pool function for the test below (module level: the spawned workers import it). Kills
    its worker process on crash* the first time (a marker file remembers) and on poison*
    every time."""
    from promptocr.batch import _process_in_pool

    src = Path(item.source)
    if src.name.startswith("poison"):
        os._exit(1)
    if src.name.startswith("crash"):
        marker = src.with_suffix(".crashed")
        if not marker.exists():
            marker.write_text("died once")
            os._exit(1)
    return _process_in_pool(item)


def test_local_pool_survives_dying_workers(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    for name, n in (("crash", 1), ("ok", 2), ("poison", 3)):
        synth.numbered_page(n).image.save(root / f"{name}.png")
    config = BatchConfig(threads=1)
    items = plan_items(expand_inputs([str(root)]), config)
    writer = Writer(tmp_path / "out", "json")
    run_local(items, config, 1, writer.write, process=crash_on_marked_pages)
    writer.close()
    assert (root / "crash.crashed").exists()
    recs = {Path(r["source"]).stem: r for r in records(tmp_path / "out")}
    assert len(records(tmp_path / "out")) == 3
    assert recs["crash"]["status"] == "ok" and "page number 1" in recs["crash"]["text"]
    assert recs["ok"]["status"] == "ok" and "page number 2" in recs["ok"]["text"]
    assert recs["poison"]["status"] == "error"
    assert recs["poison"]["error"]["code"] == "worker_died"


def test_batch_cli_reads_a_file_whose_name_is_not_utf8(tmp_path: Path) -> None:
    """A file name with bytes that are not UTF-8 (kept as surrogates by Python) used to stop the
    run at the JSON Lines write (UnicodeEncodeError), again on every rerun."""
    import subprocess
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(b"scan\xff.png")
    synth.numbered_page(7).image.save(folder / name)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "promptocr.cli.main", "batch", str(folder), "--out", str(out)]
    cmd += ["--workers", "1", "-q", "--format", "hocr", "--parquet"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (rec,) = records(out)  # valid UTF-8 JSON Lines
    assert rec["status"] == "ok" and rec["source"] == str(folder / name)
    assert "7" in rec["text"]
    (page_file,) = (out / "pages").iterdir()
    assert page_file.name.startswith(os.fsdecode(b"scan\xff-")) and page_file.suffix == ".hocr"
    assert pq.read_table(out / "results.parquet").num_rows == 1
