"""The `promptocr read` output contract, each point through the real CLI subprocess.

-p prints the answer (the OpenAI `content`); --format json the whole result, one line per file;
--format markdown the layout Markdown in every mode; folders and globs expand; -o names never
collide; a progress bar on a terminal with -p too; `| head` ends quietly; one error prefix.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_read_cli import ROOT, run_cli, run_on_tty

from promptocr import synth

EXTRACT = "Extract the total and date as JSON."


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("contract")
    (d / "batch" / "nested").mkdir(parents=True)
    (d / "empty").mkdir()
    receipt = synth.receipt().save(d / "receipt.png")
    # the same receipt as JPEG and PNG under one stem, in a folder tree with a stray text file
    synth.receipt().image.convert("RGB").save(d / "batch" / "shop.jpg", quality=95)
    synth.receipt().save(d / "batch" / "nested" / "shop.png")
    (d / "batch" / "notes.txt").write_text("not an image\n")
    return {
        "receipt": receipt,
        "report": synth.two_column_page().save(d / "report.png"),
        "pdf": _write(
            d / "two.pdf",
            synth.pdf_from_images([synth.numbered_page(n).image for n in (1, 2)], dpi=100),
        ),
        "batch": d / "batch",
        "empty": d / "empty",
        "root": d,
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_prompt_prints_the_answer_and_json_prints_the_whole_result(
    docs: dict[str, Path],
) -> None:
    answer = run_cli("read", str(docs["receipt"]), "-p", EXTRACT)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout) == {"total": "13.50", "date": "14/03/2019"}
    assert answer.stdout.count("\n") == 1 and answer.stderr == ""

    whole = run_cli("read", str(docs["receipt"]), "-p", EXTRACT, "--format", "json")
    assert whole.returncode == 0, whole.stderr
    assert whole.stdout.count("\n") == 1  # one compact line
    result = json.loads(whole.stdout)
    assert result["task"] == "extract" and result["content"] == answer.stdout.strip()
    assert set(result) >= {"plan", "output", "document", "usage"}

    # a read prompt answers with the text; several files with -f json are JSON Lines
    text = run_cli("read", str(docs["receipt"]), "-p", "read the text")
    assert text.stdout.startswith("GREEN LEAF TRADING SDN BHD\n") and "TOTAL" in text.stdout
    lines = run_cli("read", str(docs["batch"]), "-p", EXTRACT, "-f", "json", "-q")
    assert lines.returncode == 0, lines.stderr
    rows = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [r["document"]["source"] for r in rows] == [
        str(docs["batch"] / "nested" / "shop.png"),
        str(docs["batch"] / "shop.jpg"),
    ]
    assert all(r["output"]["fields"]["total"] == "13.50" for r in rows)


def test_an_empty_answer_says_why(tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), "white").save(blank)
    proc = run_cli("read", str(blank), "-p", "read the text")
    assert proc.returncode == 0 and proc.stdout == ""
    assert proc.stderr.startswith(f"promptocr: {blank}: empty answer: ")


def test_markdown_is_the_layout_markdown_with_and_without_a_prompt(
    docs: dict[str, Path],
) -> None:
    plain = run_cli("read", str(docs["report"]), "--format", "markdown")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("# Annual Report of the River Survey\n\n")
    assert "\\" not in plain.stdout  # not the escaped line text
    prompted = run_cli("read", str(docs["report"]), "-p", EXTRACT, "-f", "markdown")
    assert prompted.returncode == 0, prompted.stderr
    assert prompted.stdout == plain.stdout
    parse = run_cli("read", str(docs["report"]), "-p", "parse this page to markdown")
    assert parse.stdout == plain.stdout


def test_folders_and_globs_expand_and_skip_other_files(docs: dict[str, Path]) -> None:
    out = docs["root"] / "out"
    proc = run_cli("read", str(docs["batch"]), "-f", "text", "-o", str(out))
    assert proc.returncode == 0, proc.stderr  # notes.txt in the folder is skipped, not an error
    # shop.jpg and nested/shop.png share a stem: both keep their extension
    assert sorted(p.name for p in out.iterdir()) == ["shop.jpg.txt", "shop.png.txt"]
    assert "13.50" in (out / "shop.jpg.txt").read_text()
    # a quoted glob (the shell did not expand it) is expanded by the CLI, recursively with **
    proc = run_cli("read", str(docs["batch"] / "**" / "*.png"), "-f", "text")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("GREEN LEAF") and "==>" not in proc.stdout  # one file
    proc = run_cli("read", str(docs["empty"]), str(docs["root"] / "*.gif"), str(docs["receipt"]))
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["document"]["source"] == str(docs["receipt"])
    assert proc.stderr.splitlines() == [
        f"promptocr: error: {docs['empty']}: folder holds no image or PDF files",
        f"promptocr: error: {docs['root'] / '*.gif'}: no file matches this pattern",
    ]


def test_prompt_outputs_into_a_folder_never_collide(docs: dict[str, Path], tmp_path: Path) -> None:
    """Issue 11: `-p ... -o DIR a.jpg a.png` used to write both to a.json."""
    jpg, png = docs["batch"] / "shop.jpg", docs["batch"] / "nested" / "shop.png"
    proc = run_cli("read", "-p", EXTRACT, "-o", str(tmp_path), str(jpg), str(png), str(jpg))
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["shop.jpg-2.json", "shop.jpg.json", "shop.png.json"]
    for name in names:  # an extraction's answer is its fields JSON
        assert json.loads((tmp_path / name).read_text())["total"] == "13.50"
    # -o naming an existing file: a clean usage error, nothing read
    proc = run_cli("read", "-p", EXTRACT, "-o", str(docs["receipt"]), str(png))
    assert proc.returncode == 2
    assert proc.stderr == (
        f"promptocr: error: -o {docs['receipt']}: exists and is not a folder "
        "(give a folder to write into)\n"
    )


def test_progress_bar_on_a_terminal_with_a_prompt(docs: dict[str, Path]) -> None:
    code, stdout, tty = run_on_tty("read", str(docs["pdf"]), str(docs["receipt"]), "-p", "read")
    assert code == 0, tty
    assert re.search(r"3/3 \[", tty) and "page" in tty, tty  # pages, as the service reads them
    assert "two.pdf" in tty and "receipt.png" in tty
    # the answers went to stdout, each under its file's header
    out = stdout.decode()
    assert out.count("==> ") == 2 and "page number 2" in out and "13.50" in out


def test_a_closed_pipe_ends_quietly(docs: dict[str, Path]) -> None:
    args = [str(docs["receipt"])] * 6
    cmd = [sys.executable, "-m", "promptocr.cli.main", "read", *args, "-f", "text"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()  # like `| head -1`: read a line, then go away
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=300)
    assert first.decode().startswith("==> ")
    assert err == "" and code == 141  # 128 + SIGPIPE, no traceback


def test_one_error_prefix_in_every_command(tmp_path: Path) -> None:
    cases = [
        (["read", "x.png", "--dpi", "ten"], "argument --dpi: invalid int value: 'ten'"),
        (["read", "x.png", "--format", "answer"], "--format answer needs -p PROMPT"),
        (["read", "x.png", "-p", "make me a sandwich"], "-p: can't tell what to do"),
        (["serve", "--workers", "0"], ""),
        (["bench"], "give at least one DATASET_DIR"),
        (["bench", str(tmp_path), "--limit", "0"], "--limit must be at least 1"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ]
    for args, message in cases:
        proc = run_cli(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        errors = [ln for ln in proc.stderr.splitlines() if "error" in ln]
        assert len(errors) == 1 and errors[0].startswith("promptocr: error: "), (args, errors)
        assert message in errors[0], (args, errors)
        assert "Traceback" not in proc.stderr


def test_readme_and_help_state_the_same_contract() -> None:
    help_text = " ".join(run_cli("read", "--help").stdout.split())
    readme = " ".join((ROOT / "README.md").read_text().split())
    for claim in (
        "the answer alone, exactly the `content` an OpenAI client gets",
        "--format json prints the whole task result",
        "--format markdown is the layout-aware Markdown",
        "one compact JSON object per line (JSON Lines)",
        "FILE may be a folder (searched recursively; only image and PDF files in it are read)",
        "DIR/a.jpg.json, DIR/a.png.json",
        "A closed pipe (| head) ends the run quietly.",
        "Every error starts with 'promptocr: error:'",
    ):
        assert claim in help_text, claim
        assert claim in readme, claim


def test_hunyuanocrs_invoice_example_through_the_cli(tmp_path: Path) -> None:
    """HunyuanOCR's own example prompt on a Chinese VAT invoice (`购买方` set down the margin)
    answers the buyer's name and tax id through the CLI, keyed as asked."""
    from promptocr.bench.invoices import exact_form, invoice_image, make_invoice

    data, _ = invoice_image(901, photo=False, s=6.0)
    page = tmp_path / "vat.png"
    page.write_bytes(data)
    inv = make_invoice(901)
    out = run_cli("read", str(page), "-p", "提取发票上的购买方名称、纳税人识别号和金额合计")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert exact_form(got["购买方名称"]) == exact_form(inv.buyer[0]), got
    assert exact_form(got["纳税人识别号"]) == exact_form(inv.buyer[1]), got


def test_a_french_invoice_asked_in_english_through_the_cli(tmp_path: Path) -> None:
    """An invoice printed in French (`Facture N°`, `Échéance`, `Total HT` / `Total TTC`, figures
    written `2 772,00 €`) answers English keys through the CLI, amounts normalised."""
    from PIL import Image, ImageDraw, ImageFont

    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    im = Image.new("RGB", (1600, 1000), "white")
    d = ImageDraw.Draw(im)
    f, big = ImageFont.truetype(font, 26), ImageFont.truetype(font, 52)
    d.text((80, 60), "ATELIER BOIS & LUMIÈRE SARL", font=big, fill="black")
    rows = [("Facture N° :", "F-2024-0412"), ("Date :", "18/04/2024"), ("Échéance :", "18/05/2024")]
    for i, (label, value) in enumerate(rows):
        d.text((980, 200 + 50 * i), label, font=f, fill="black")
        d.text((1200, 200 + 50 * i), value, font=f, fill="black")
    totals = [("Total HT", "2 310,00 €"), ("TVA 20 %", "462,00 €"), ("Total TTC", "2 772,00 €")]
    for i, (label, value) in enumerate(totals):
        d.text((900, 600 + 55 * i), label, font=f, fill="black")
        d.text((1500 - d.textlength(value, font=f), 600 + 55 * i), value, font=f, fill="black")
    page = tmp_path / "facture.png"
    im.save(page)
    out = run_cli(
        "read",
        str(page),
        "-p",
        "Extract the invoice number, due date, subtotal and total",
        "-f",
        "json",
    )
    assert out.returncode == 0, out.stderr
    details = json.loads(out.stdout)["output"]["details"]
    got = {k: details[k]["normalized"] for k in ("invoice number", "due date", "subtotal", "total")}
    assert got == {
        "invoice number": "F-2024-0412",
        "due date": "2024-05-18",
        "subtotal": "2310.00",
        "total": "2772.00",
    }, details
