"""`promptocr read --streams 2` reads two pages of a multi-page document at once (two
single-thread OpenVINO streams, pinning off); by default every input is read page by page on
one stream with every core. The output is the same either way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from promptocr import synth
from promptocr.cli import read as read_cmd
from promptocr.cli.main import build_parser
from promptocr.engines.runtime import OpenVINOModel, openvino_available


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("streams")
    images = [synth.numbered_page(n).image for n in (1, 2, 3)]
    pdf = d / "scan.pdf"
    pdf.write_bytes(synth.pdf_from_images(images, dpi=100))
    return {
        "pdf": pdf,
        "tiff": synth.save_tiff(images, d / "scan.tiff"),
        "page": synth.numbered_page(4).save(d / "page.png"),
    }


def _args(*argv: str) -> object:
    return build_parser().parse_args(["read", *argv])


@pytest.mark.parametrize(
    ("argv", "want"),
    [
        (["{pdf}"], 1),  # page by page unless asked: two streams cost memory over the budget
        (["{tiff}"], 1),
        (["{page}"], 1),
        (["--streams", "2", "{pdf}"], 2),
        (["--streams", "3", "{page}"], 3),
        (["{pdf}", "{tiff}"], 1),
    ],
)
def test_default_streams(docs: dict[str, Path], argv: list[str], want: int) -> None:
    argv = [a.format(**{k: str(v) for k, v in docs.items()}) for a in argv]
    args = _args(*argv)
    files = [a for a in argv if not a.startswith("--") and not a[0].isdigit()]
    assert read_cmd.default_streams(args, files) == want  # type: ignore[arg-type]


def test_a_piped_document_is_read_once(docs: dict[str, Path]) -> None:
    """The stream choice does not open the input: a PDF piped on stdin is read, not emptied
    by a look at its page count first."""
    proc = subprocess.run(
        [sys.executable, "-m", "promptocr.cli.main", "read", "-q", "-f", "text"]
        + ["--dpi", "100", "--pages", "1", "/dev/stdin"],
        input=docs["pdf"].read_bytes(),
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"page number 1" in proc.stdout


@pytest.mark.skipif(not openvino_available(), reason="OpenVINO properties")
def test_two_stream_pipeline_compiles_the_models_as_intended(docs: dict[str, Path]) -> None:
    """Recognition: one compiled model, NUM_STREAMS 2, one thread per stream; detection: one
    stream of one thread; pinning off on both (OpenVINO would pin both models' first stream to
    the same core). The single-stream pipeline keeps OpenVINO's defaults."""
    args = _args(str(docs["pdf"]))
    with mock.patch("promptocr.batch.default_workers", return_value=2):
        pipeline, _ = read_cmd.make_pipeline(args, 2, page_workers=2)  # type: ignore[arg-type]
    assert pipeline.page_workers == 2
    engine = pipeline.engine
    rec, det = engine.recognizer.model, engine.detector.model
    assert isinstance(rec, OpenVINOModel) and isinstance(det, OpenVINOModel)
    prop = rec.compiled.get_property
    assert int(prop("NUM_STREAMS")) == 2
    assert int(prop("INFERENCE_NUM_THREADS")) == 2
    assert prop("ENABLE_CPU_PINNING") is False
    prop = det.compiled.get_property
    assert int(prop("NUM_STREAMS")) == 1
    assert int(prop("INFERENCE_NUM_THREADS")) == 1
    assert prop("ENABLE_CPU_PINNING") is False

    one, _ = read_cmd.make_pipeline(args, 1, page_workers=1)  # type: ignore[arg-type]
    assert one.page_workers == 1
    prop = one.engine.recognizer.model.compiled.get_property  # type: ignore[attr-defined]
    assert int(prop("NUM_STREAMS")) == 1
    assert one.engine.session_settings.cpu_pinning is None  # OpenVINO's own choice


def _read(*argv: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "promptocr.cli.main", "read", "-q", "--format", "json", *argv],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    out.pop("usage", None)  # stage times differ; the document must not
    return out


def test_two_pages_at_once_give_the_same_document_as_page_by_page(
    docs: dict[str, Path],
) -> None:
    default = _read("--dpi", "100", "--streams", "2", str(docs["pdf"]))
    one = _read("--dpi", "100", "--streams", "1", str(docs["pdf"]))
    assert default == one
    text = json.dumps(default)
    assert all(f"page number {n}" in text for n in (1, 2, 3))
