"""`promptocr read --format markdown -o DIR` writes the figures next to the Markdown, with or
without a prompt (real CLI subprocess, real models)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from test_read_cli import run_cli

from promptocr.synth_docs import paper


def test_markdown_with_o_writes_the_figures_without_a_prompt(tmp_path: Path) -> None:
    src = tmp_path / "paper.png"
    paper("en", width=1100, size=17).canvas.image.save(src)
    out = tmp_path / "out"
    proc = run_cli("read", str(src), "--format", "markdown", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["paper-page-1-figure-1.png", "paper.md"]
    md = (out / "paper.md").read_text(encoding="utf-8")
    assert "![figure](paper-page-1-figure-1.png)" in md and "](page-1-figure-1.png)" not in md
    with Image.open(out / "paper-page-1-figure-1.png") as img:
        assert img.width > 200 and img.height > 100


def test_figure_names_from_a_server_never_leave_the_output_folder(tmp_path: Path) -> None:
    import base64

    from promptocr.tasks.parse import write_figures

    out = tmp_path / "out"
    out.mkdir()
    (out / "doc.md").write_text("![figure](page-1-figure-1.png) ![x](../evil.png)\n")
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    written = write_figures(
        None,
        out / "doc",
        "md",
        [
            {"name": "page-1-figure-1.png", "data": png},
            {"name": "../evil.png", "data": png},
            {"name": "/etc/evil.png", "data": png},
            {"name": "bad-data.png", "data": "%%%"},
        ],
    )
    assert written == [out / "doc-page-1-figure-1.png"]
    assert sorted(p.name for p in tmp_path.rglob("*.png")) == ["doc-page-1-figure-1.png"]
    assert "](doc-page-1-figure-1.png)" in (out / "doc.md").read_text()
