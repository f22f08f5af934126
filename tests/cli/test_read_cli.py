"""The `promptocr read` command, run as a real subprocess."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from promptocr import synth

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "promptocr.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cli")
    images = [synth.numbered_page(n).image for n in (1, 2, 3)]
    pdf = d / "scan.pdf"
    pdf.write_bytes(synth.pdf_from_images(images, dpi=100))
    broken = d / "broken.png"
    broken.write_bytes(_half_png())
    locked = d / "locked.pdf"
    locked.write_bytes(synth.write_pdf([synth.PdfPage()], user_password="pw"))
    empty = d / "empty.jpg"
    empty.write_bytes(b"")
    return {
        "page": synth.english_page(lines=["Hello <world> & friends", "Second line 42"]).save(
            d / "page.png"
        ),
        "pdf": pdf,
        "tiff": synth.save_tiff(images, d / "scan.tiff"),
        "broken": broken,
        "locked": locked,
        "empty": empty,
        "missing": d / "missing.png",
    }


def _half_png() -> bytes:
    import io

    buf = io.BytesIO()
    synth.english_page().image.save(buf, format="PNG")
    data = buf.getvalue()
    return data[: len(data) // 2]


def test_read_bundled_sample_as_json() -> None:
    proc = run_cli("read", str(ROOT / "examples" / "receipt.png"))
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    text = payload["document"]["text"]
    assert "GREEN LEAF TRADING" in text
    assert "13.50" in text
    assert payload["usage"]["stages_ms"]["detect"] > 0
    assert payload["document"]["schema_version"] == "1.1"
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal


@pytest.mark.parametrize("fmt", ["text", "markdown", "hocr", "alto"])
def test_each_format_to_stdout(files: dict[str, Path], fmt: str) -> None:
    proc = run_cli("read", str(files["page"]), "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    if fmt == "text":
        assert out == "Hello <world> & friends\nSecond line 42\n"
    elif fmt == "markdown":  # the layout Markdown (parse task): a paragraph, nothing escaped
        assert out == "Hello <world> & friends Second line 42\n"
    elif fmt == "hocr":
        root = ET.fromstring(out)
        words = [e.text for e in root.iter() if e.get("class") == "ocrx_word"]
        assert words == ["Hello", "<world>", "&", "friends", "Second", "line", "42"]
    else:
        root = ET.fromstring(out)
        ns = "{http://www.loc.gov/standards/alto/ns-v4#}"
        assert [s.get("CONTENT") for s in root.iter(f"{ns}String")][:3] == [
            "Hello",
            "<world>",
            "&",
        ]
        assert root.findtext(f"{ns}Description/{ns}sourceImageInformation/{ns}fileName") == str(
            files["page"]
        )


def test_pages_on_multi_page_pdf_and_tiff_into_a_directory(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    proc = run_cli(
        "read",
        str(files["pdf"]),
        str(files["tiff"]),
        "--pages",
        "2-3",
        "--dpi",
        "100",
        "-o",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    # same stem twice: both keep their extension instead of one overwriting the other
    assert sorted(p.name for p in out.iterdir()) == ["scan.pdf.json", "scan.tiff.json"]
    for name in ("scan.pdf.json", "scan.tiff.json"):
        doc = json.loads((out / name).read_text())["document"]
        assert [p["index"] for p in doc["pages"]] == [1, 2]
        assert "page number 2" in doc["pages"][0]["text"]
        assert "page number 3" in doc["pages"][1]["text"]
    proc = run_cli("read", str(files["tiff"]), "--pages", "3", "-f", "alto", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    alto = ET.fromstring((out / "scan.alto.xml").read_text())
    ns = "{http://www.loc.gov/standards/alto/ns-v4#}"
    assert [p.get("PHYSICAL_IMG_NR") for p in alto.iter(f"{ns}Page")] == ["3"]


def test_batch_with_a_corrupt_file_still_writes_the_others(files: dict[str, Path]) -> None:
    proc = run_cli("read", str(files["broken"]), str(files["page"]))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 1  # several files: one JSON object per line
    doc = json.loads(lines[0])["document"]
    assert doc["source"] == str(files["page"]) and "Second line 42" in doc["text"]
    errors = proc.stderr.splitlines()
    assert errors == [f"promptocr: error: {files['broken']}: " + errors[0].split(": ", 3)[3]]
    assert "truncated or corrupt" in errors[0]


def test_batch_into_a_directory_with_one_bad_file(files: dict[str, Path], tmp_path: Path) -> None:
    proc = run_cli(
        "read", str(files["page"]), str(files["missing"]), "-f", "text", "-o", str(tmp_path)
    )
    assert proc.returncode == 1
    assert (tmp_path / "page.txt").read_text() == "Hello <world> & friends\nSecond line 42\n"
    assert not (tmp_path / "missing.txt").exists()
    assert proc.stderr.strip() == f"promptocr: error: {files['missing']}: file not found"


def test_every_file_bad_exits_3_with_one_line_each(files: dict[str, Path]) -> None:
    bad = [files["missing"], files["empty"], files["locked"], files["broken"]]
    proc = run_cli("read", *map(str, bad), "-f", "text")
    assert proc.returncode == 3
    assert proc.stdout == ""
    errors = proc.stderr.splitlines()
    assert len(errors) == 4
    reasons = ["file not found", "file is empty", "encrypted", "truncated or corrupt"]
    for line, path, reason in zip(errors, bad, reasons, strict=True):
        assert line.startswith(f"promptocr: error: {path}: ") and reason in line


@pytest.mark.parametrize(
    "flags",
    [
        ["--runtime", "onnxruntime"],
        ["--runtime", "openvino", "--precision", "f32"],
        ["--precision", "int8"],
    ],
)
def test_runtime_flags_read_the_same_text(files: dict[str, Path], flags: list[str]) -> None:
    proc = run_cli("read", str(files["page"]), "-f", "text", *flags)
    assert proc.returncode == 0, proc.stderr
    assert "Hello <world> & friends" in proc.stdout and "Second line 42" in proc.stdout


def test_rec_head_latin_and_squeeze_reach_the_engine(files: dict[str, Path]) -> None:
    """--rec-head latin reads the Latin page as the full head does, and its usage counts the
    lines read by the restricted head (so the flag is not silently dropped on the way)."""
    proc = run_cli(
        "read",
        str(files["page"]),
        "-f",
        "json",
        "--rec-head",
        "latin",
        "--rec-squeeze",
        "0.9",
        "--rec-gap-spaces",
        "0",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    text = " ".join(ln["text"] for b in out["document"]["pages"][0]["blocks"] for ln in b["lines"])
    assert "Hello <world> & friends" in text and "Second line 42" in text
    heads = out["usage"]["rec_head"]
    assert sum(heads.values()) == out["usage"]["lines_recognized"] >= 2
    plain = json.loads(run_cli("read", str(files["page"]), "-f", "json").stdout)
    assert "rec_head" not in plain["usage"]  # the default full head reports nothing
    # the width squeeze per page: 0.9 for every page, none by default, `auto` as decided
    assert [(d["page"], d["factor"]) for d in out["usage"]["rec_squeeze"]] == [(1, 0.9)]
    (full,) = plain["usage"]["rec_squeeze"]
    assert (full["page"], full["factor"], full["squeezed"]) == (1, 1.0, 0)
    proc = run_cli("read", str(files["page"]), "-f", "json", "--rec-squeeze", "auto")
    assert proc.returncode == 0, proc.stderr
    (auto,) = json.loads(proc.stdout)["usage"]["rec_squeeze"]
    assert auto["page"] == 1 and auto["factor"] in (0.9, 1.0)
    assert auto["lines"] >= 2


def test_rec_gap_spaces_flag_maps_to_the_session_setting() -> None:
    from promptocr.cli.read import gap_spaces

    assert gap_spaces(None, 2.5) == 2.5  # not given: the default
    assert gap_spaces(0.0, 2.5) is None  # 0: off (SessionSettings None, no spaces put back)
    assert gap_spaces(3.0, 2.5) == 3.0


def test_usage_errors_exit_2(files: dict[str, Path]) -> None:
    proc = run_cli("read", str(files["page"]), "--format", "docx")
    assert proc.returncode == 2 and "invalid choice: 'docx'" in proc.stderr
    proc = run_cli("read")
    assert proc.returncode == 2 and "FILE" in proc.stderr
    proc = run_cli("read", str(files["page"]), str(files["page"]), "-f", "hocr")
    assert proc.returncode == 2 and "needs -o DIR" in proc.stderr
    proc = run_cli("read", str(files["page"]), "--runtime", "tensorrt")
    assert proc.returncode == 2 and "invalid choice: 'tensorrt'" in proc.stderr
    proc = run_cli("read", str(files["page"]), "--runtime", "onnxruntime", "--precision", "int8")
    assert proc.returncode == 2 and "int8 needs the OpenVINO runtime" in proc.stderr
    proc = run_cli("read", str(files["page"]), "--runtime", "onnxruntime", "--rec-head", "latin")
    assert proc.returncode == 2 and "rec-head latin needs the OpenVINO runtime" in proc.stderr
    proc = run_cli("read", str(files["page"]), "--rec-head", "auto")
    assert proc.returncode == 2 and "invalid choice: 'auto'" in proc.stderr
    proc = run_cli("read", str(files["page"]), "--rec-squeeze", "0.3")
    assert proc.returncode == 2 and "--rec-squeeze must be between 0.5 and 1" in proc.stderr
    proc = run_cli("read", str(files["page"]), "--rec-squeeze", "fast")
    assert proc.returncode == 2 and "expected auto or a number" in proc.stderr
    proc = run_cli("read", str(files["page"]), "--rec-gap-spaces", "1")
    assert proc.returncode == 2 and "--rec-gap-spaces must be 0 (off)" in proc.stderr
    # the same rule for reads on a server: refused before anything is sent (nothing listens)
    for fmt in ("hocr", "pdf"):
        proc = run_cli(
            "read",
            "--server",
            "http://127.0.0.1:9",
            "--async",
            str(files["page"]),
            str(files["page"]),
            "-f",
            fmt,
        )
        assert proc.returncode == 2 and "needs -o DIR" in proc.stderr, proc.stderr
    # this machine's engine options mean nothing to a read on a server: said, not ignored
    for flag, value in (("--streams", "2"), ("--rec-head", "latin")):
        proc = run_cli(
            "read", "--server", "http://127.0.0.1:9", "--async", str(files["page"]), flag, value
        )
        assert proc.returncode == 2 and f"{flag}: the server's own settings" in proc.stderr


def test_help_documents_formats_pages_and_exit_codes() -> None:
    proc = run_cli("read", "--help")
    assert proc.returncode == 0
    for needle in (
        "--format",
        "json,text,markdown,hocr,alto",
        "--pages",
        "-o DIR",
        "--dpi",
        "--use-pdf-text",
        "exit codes:",
        "3 every file failed",
        "JSON Lines",
    ):
        assert needle in proc.stdout, needle
    top = run_cli("--help")
    assert top.returncode == 0 and "read" in top.stdout and "Exit codes" in top.stdout


def run_on_tty(*args: str) -> tuple[int, bytes, str]:
    """Run the CLI with stderr on a pseudo-terminal (100 columns): (exit code, stdout, tty)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    cmd = [sys.executable, "-m", "promptocr.cli.main", *args]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave) as proc:
        os.close(slave)
        chunks = []
        while True:  # read while it runs, so a full pty buffer never blocks the child
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        os.close(master)
        stdout = proc.stdout.read() if proc.stdout else b""
    return proc.wait(), stdout, b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_only_on_a_terminal(files: dict[str, Path], tmp_path: Path) -> None:
    code, stdout, tty = run_on_tty("read", str(files["tiff"]), "-f", "text", "-o", str(tmp_path))
    assert code == 0
    assert stdout == b""  # results went to files; nothing of the bar on stdout
    assert re.search(r"3/3 \[", tty), tty  # counts pages, not files
    assert "page" in tty and "scan.tiff" in tty
    assert (tmp_path / "scan.txt").read_text().count("page number") == 3
    # -q: nothing on the terminal, and the result on stdout is untouched
    code, stdout, tty = run_on_tty("read", str(files["page"]), "-f", "text", "-q")
    assert code == 0 and tty == ""
    assert stdout.decode() == "Hello <world> & friends\nSecond line 42\n"


def test_every_kind_of_bad_input_in_one_batch(files: dict[str, Path], tmp_path: Path) -> None:
    """Each bad file gets one error line naming it and the reason; the good file in the middle
    of the batch is still read and written."""
    import io

    from PIL import Image

    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    cases: dict[str, tuple[bytes | None, str]] = {
        "bomb.png": (synth.png_header_only(100_000, 100_000), "too many pixels"),
        "big.png": (
            synth.png_header_only(10_000, 6_000),
            "10000x6000 = 60000000 pixels, over the limit of 50000000",
        ),
        "cut.png": (_half_png(), "truncated or corrupt"),
        "huge.pdf": (
            synth.write_pdf([synth.PdfPage() for _ in range(10_000)]),
            "10000 pages and 10000 are selected, over the limit of 200",
        ),
        "cut.jpg": (None, "truncated or corrupt"),
        "cut.pdf": (synth.pdf_from_images([synth.english_page().image])[:300], "PDF is corrupt"),
        "empty.png": (b"", "file is empty"),
        "notes.png": (b"shopping list: milk, eggs\n", "not an image or PDF"),
        "locked.pdf": (
            synth.write_pdf([synth.PdfPage()], user_password="pw"),
            "PDF is encrypted (password protected)",
        ),
        "folder": (None, "folder holds no image or PDF files"),
        "missing.png": (None, "file not found"),
    }
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buf, format="JPEG")
    cases["cut.jpg"] = (buf.getvalue()[:400], cases["cut.jpg"][1])
    paths = []
    for name, (data, _) in cases.items():
        p = bad_dir / name
        if name == "folder":
            p.mkdir()
        elif data is not None:
            p.write_bytes(data)
        paths.append(p)
    batch = [*paths[:4], files["page"], *paths[4:]]
    out = tmp_path / "out"
    proc = run_cli("read", *map(str, batch), "-f", "json", "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["page.json"]
    doc = json.loads((out / "page.json").read_text())["document"]
    assert "Second line 42" in doc["text"]
    errors = proc.stderr.splitlines()
    assert len(errors) == len(cases), errors
    for line, path, (_, reason) in zip(errors, paths, cases.values(), strict=True):
        assert line.startswith(f"promptocr: error: {path}: "), line
        assert reason in line, line


def test_output_dir_takes_a_file_whose_name_is_not_utf8(tmp_path: Path) -> None:
    """`read -o DIR` on a file named with non-UTF-8 bytes used to fail it as an internal error
    (UnicodeEncodeError writing the output) and leave an empty output file behind."""
    name = os.fsdecode(b"scan\xff.png")
    synth.numbered_page(4).image.save(tmp_path / name)
    out = tmp_path / "out"
    for fmt in ("json", "hocr"):
        proc = run_cli("read", str(tmp_path / name), "-q", "-o", str(out), "--format", fmt)
        assert proc.returncode == 0, proc.stderr
    stem = os.fsdecode(b"scan\xff")
    doc = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))["document"]
    assert doc["source"] == str(tmp_path / name) and "4" in doc["text"]
    assert os.fsencode(str(tmp_path / name)) in (out / f"{stem}.hocr").read_bytes()


def test_stdout_takes_a_file_name_that_is_not_utf8_under_a_strict_utf8_stdout(
    tmp_path: Path,
) -> None:
    """Under a UTF-8 locale stdout is strict: the `==> FILE <==` header and hOCR's title of a
    non-UTF-8 name used to fail that file as an internal error. They now carry its bytes."""
    raw = b"scan\xff.png"
    synth.numbered_page(5).image.save(tmp_path / os.fsdecode(raw))
    synth.numbered_page(6).image.save(tmp_path / "b.png")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    cmd = [sys.executable, "-m", "promptocr.cli.main", "read", "-q"]
    text = subprocess.run(
        [*cmd, str(tmp_path), "--format", "text"], capture_output=True, env=env, timeout=300
    )
    assert text.returncode == 0, text.stderr
    assert b"==> " + os.fsencode(str(tmp_path)) + b"/" + raw + b" <==\n" in text.stdout
    hocr = subprocess.run(
        [*cmd, str(tmp_path / os.fsdecode(raw)), "--format", "hocr"],
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert hocr.returncode == 0, hocr.stderr
    assert raw in hocr.stdout and b"5" in hocr.stdout
