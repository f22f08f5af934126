"""`promptocr read FILE...`: OCR files into JSON, text, Markdown, hOCR or ALTO."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from promptocr.document.export import to_alto, to_hocr, to_markdown, to_text
from promptocr.document.model import Document
from promptocr.engines.embedded import EmbeddedEngine, EngineSettings
from promptocr.engines.runtime import PRECISIONS, RUNTIMES, limit_malloc_arenas
from promptocr.engines.stages import SessionSettings
from promptocr.engines.usage import Usage
from promptocr.errors import PromptOCRError
from promptocr.inputs.loader import InputLimits
from promptocr.pipeline import OCRPipeline, ReadOptions

# format -> file extension written with -o DIR
FORMATS = {"json": "json", "text": "txt", "markdown": "md", "hocr": "hocr", "alto": "alto.xml"}


EPILOG = """\
output:
  With one FILE the result goes to stdout. With several, json is written as one JSON object
  per line (JSON Lines) and text/markdown get a '==> FILE <==' header before each file;
  hocr and alto need -o DIR. With -o DIR each input gives DIR/<name>.<ext>
  (.json, .txt, .md, .hocr, .alto.xml).

progress and errors:
  A progress bar is drawn on stderr when stderr is a terminal (never in pipes or logs; -q
  turns it off). Each file that cannot be read gives one line on stderr:
  'promptocr: error: FILE: reason'; the other files are still read and written.

exit codes:
  0 every file was read, 1 some files failed (the others were written),
  2 usage error (bad option), 3 every file failed.
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "read",
        help="read text from images or PDFs",
        description="Read text from images (PNG, JPEG, WebP, BMP, GIF, TIFF) or PDFs on the "
        "embedded CPU engine and print or save the result.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="image or PDF files")
    p.add_argument(
        "-f",
        "--format",
        choices=list(FORMATS),
        default="json",
        help="output format (default json): json, text, markdown, hocr (hOCR 1.2), alto (ALTO 4)",
    )
    p.add_argument(
        "--pages", metavar="RANGE", help="pages to read, 1-based, e.g. '1-3,5' (default: all)"
    )
    p.add_argument(
        "-o", "--output-dir", type=Path, metavar="DIR", help="write one file per input into DIR"
    )
    p.add_argument(
        "-p",
        "--prompt",
        help="an instruction, e.g. '提取姓名、性别、身份证号' or 'extract the total'; prints the "
        "task's Result JSON (plan, output, content, usage, document)",
    )
    p.add_argument("--dpi", type=int, default=200, help="PDF rendering resolution (default 200)")
    p.add_argument(
        "--use-pdf-text",
        action="store_true",
        help="take text from a PDF page's own text layer instead of OCR when it has one",
    )
    p.add_argument(
        "--det-limit-type",
        choices=["max", "min"],
        help="detection resize policy: 'max' caps the longer side, 'min' raises the shorter",
    )
    p.add_argument(
        "--det-side-len", type=int, metavar="PX", help="side length for --det-limit-type"
    )
    p.add_argument(
        "--line-cls", action="store_true", help="run the 0/180 line orientation classifier"
    )
    p.add_argument(
        "--no-page-orientation",
        action="store_true",
        help="skip whole-page 90/180/270 rotation detection",
    )
    p.add_argument(
        "--max-pixels",
        type=int,
        metavar="N",
        help=f"refuse pages with more pixels than N (default {InputLimits().max_pixels:,})",
    )
    p.add_argument(
        "--max-pages",
        type=int,
        metavar="N",
        help=f"refuse reading more than N pages of one document (default {InputLimits().max_pages})",
    )
    add_runtime_arguments(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def add_runtime_arguments(p: argparse.ArgumentParser) -> None:
    """--runtime / --precision, shared by `read` and `serve`."""
    p.add_argument(
        "--runtime",
        choices=RUNTIMES,
        help="what runs the ONNX models: auto (OpenVINO when installed), openvino, onnxruntime",
    )
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        help="OpenVINO inference precision (default bf16; f32 where the CPU lacks bfloat16)",
    )


def render(doc: Document, usage: Usage, fmt: str) -> str:
    if fmt == "json":
        payload = {"document": doc.to_dict(), "usage": usage.to_dict()}
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if fmt == "text":
        return to_text(doc)
    if fmt == "markdown":
        return to_markdown(doc)
    if fmt == "hocr":
        return to_hocr(doc)
    return to_alto(doc)


def make_pipeline(args: argparse.Namespace) -> tuple[OCRPipeline, EngineSettings]:
    defaults = InputLimits()
    limits = InputLimits(
        max_pixels=args.max_pixels or defaults.max_pixels,
        max_pages=args.max_pages or defaults.max_pages,
    )
    settings = EngineSettings().with_overrides(
        limit_type=args.det_limit_type,
        side_len=args.det_side_len,
        use_line_cls=True if args.line_cls else None,
        page_orientation=False if args.no_page_orientation else None,
    )
    session = SessionSettings()
    session = replace(
        session,
        runtime=args.runtime or session.runtime,
        precision=args.precision or session.precision,
    )
    return OCRPipeline(EmbeddedEngine(settings, session), limits), settings


def output_paths(files: list[str], out_dir: Path, fmt: str) -> list[Path]:
    """DIR/<stem>.<ext> per input; inputs with the same stem get -2, -3 ... suffixes."""
    used: set[str] = set()
    paths: list[Path] = []
    for name in files:
        stem = Path(name).stem or "input"
        candidate, n = stem, 1
        while candidate in used:
            n += 1
            candidate = f"{stem}-{n}"
        used.add(candidate)
        paths.append(out_dir / f"{candidate}.{FORMATS[fmt]}")
    return paths


def run(args: argparse.Namespace) -> int:
    from promptocr.cli.main import EXIT_ALL_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE

    limit_malloc_arenas(2)  # as `serve` does by default: bounds RSS with the runtimes' threads
    several = len(args.files) > 1
    if several and not args.output_dir and args.format in ("hocr", "alto"):
        sys.stderr.write(
            f"promptocr read: error: --format {args.format} with several files needs -o DIR\n"
        )
        return EXIT_USAGE
    if args.dpi is not None and not 18 <= args.dpi <= 1200:
        sys.stderr.write("promptocr read: error: --dpi must be between 18 and 1200\n")
        return EXIT_USAGE
    pipeline, settings = make_pipeline(args)
    if getattr(args, "prompt", None) is not None:
        return run_prompt(args, pipeline, settings)
    options = ReadOptions(pages=args.pages, dpi=args.dpi, use_pdf_text=args.use_pdf_text)
    targets: list[Path] | None = None
    if args.output_dir:
        try:
            args.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            sys.stderr.write(
                f"promptocr read: error: cannot create {args.output_dir} ({exc.strerror})\n"
            )
            return EXIT_USAGE
        targets = output_paths(args.files, args.output_dir, args.format)
    failures = 0
    # tqdm draws only when stderr is a terminal (disable=None), so pipes and logs stay clean.
    bar = tqdm(
        total=len(args.files),
        unit="page",
        disable=True if args.quiet else None,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    for n, name in enumerate(args.files):
        bar.set_postfix_str(Path(name).name, refresh=False)
        try:
            usage = Usage()
            with usage.stage("decode"):
                pages = pipeline.load(name, options)
            bar.total += max(len(pages) - 1, 0)
            bar.refresh()
            doc = Document([], source=name)
            for page in pages:
                doc.pages.extend(pipeline.read_pages([page], usage, settings).pages)
                bar.update(1)
            if args.format == "json" and several and targets is None:
                payload = {"document": doc.to_dict(), "usage": usage.to_dict()}
                text = json.dumps(payload, ensure_ascii=False) + "\n"
            else:
                text = render(doc, usage, args.format)
            if targets is not None:
                targets[n].write_text(text, encoding="utf-8")
            else:
                if several and args.format in ("text", "markdown"):
                    text = f"==> {name} <==\n{text}" + ("\n" if n < len(args.files) - 1 else "")
                sys.stdout.write(text)
                sys.stdout.flush()
        except PromptOCRError as exc:
            failures += 1
            bar.update(1)
            tqdm.write(f"promptocr: error: {exc}", file=sys.stderr)
        except OSError as exc:  # writing the output failed
            failures += 1
            bar.update(1)
            where = exc.filename or name
            tqdm.write(f"promptocr: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        except Exception as exc:  # a bug must not lose the other files' results
            failures += 1
            bar.update(1)
            tqdm.write(
                f"promptocr: error: {name}: internal error ({type(exc).__name__}: {exc})",
                file=sys.stderr,
            )
    bar.close()
    if failures == 0:
        return EXIT_OK
    return EXIT_ALL_FAILED if failures == len(args.files) else EXIT_PARTIAL


def run_prompt(args: argparse.Namespace, pipeline: OCRPipeline, settings: EngineSettings) -> int:
    """`promptocr read FILE -p PROMPT`: run the instruction and print each Result as JSON."""
    from promptocr.cli.main import EXIT_ALL_FAILED, EXIT_OK, EXIT_PARTIAL
    from promptocr.tasks import Service

    service = Service(pipeline)
    failures = 0
    for name in args.files:
        try:
            result = service.run(
                name, args.prompt, pages=args.pages, dpi=args.dpi, settings=settings
            )
        except PromptOCRError as exc:
            failures += 1
            print(f"promptocr: error: {exc}", file=sys.stderr)
            if exc.details:
                print(json.dumps({"error": exc.to_dict()}, ensure_ascii=False), file=sys.stderr)
            continue
        text = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
        if args.output_dir:
            args.output_dir.mkdir(parents=True, exist_ok=True)
            (args.output_dir / f"{Path(name).stem}.json").write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    if failures == 0:
        return EXIT_OK
    return EXIT_ALL_FAILED if failures == len(args.files) else EXIT_PARTIAL
