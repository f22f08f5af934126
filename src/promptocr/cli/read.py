"""`promptocr read FILE...`: OCR files into JSON, text, Markdown, hOCR or ALTO."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from promptocr.document.export import to_alto, to_hocr, to_markdown, to_text
from promptocr.document.model import Document
from promptocr.engines.embedded import EmbeddedEngine, EngineSettings
from promptocr.engines.usage import Usage
from promptocr.errors import PromptOCRError
from promptocr.inputs.loader import InputLimits
from promptocr.pipeline import OCRPipeline, ReadOptions

FORMATS = {"json": "json", "text": "txt", "markdown": "md", "hocr": "hocr", "alto": "alto.xml"}


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "read",
        help="read text from images or PDFs",
        description="Read text from images (PNG, JPEG, WebP, BMP, GIF, TIFF) or PDFs on the "
        "embedded CPU engine and print or save the result.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="image or PDF files")
    p.add_argument("-f", "--format", choices=sorted(FORMATS), default="json", help="output format")
    p.add_argument(
        "-p",
        "--prompt",
        help="an instruction, e.g. '提取姓名、性别、身份证号' or 'extract the total'; prints the "
        "task's Result JSON (plan, output, content, usage, document)",
    )
    p.add_argument("--pages", help="pages to read, 1-based, e.g. '1-3,5' (default: all)")
    p.add_argument("-o", "--output-dir", type=Path, help="write one file per input into DIR")
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
    p.add_argument("--det-side-len", type=int, help="side length for --det-limit-type")
    p.add_argument(
        "--line-cls", action="store_true", help="run the 0/180 line orientation classifier"
    )
    p.add_argument(
        "--no-page-orientation",
        action="store_true",
        help="skip whole-page 90/180/270 rotation detection",
    )
    p.add_argument("--max-pixels", type=int, help="refuse pages with more pixels than this")
    p.add_argument("--max-pages", type=int, help="refuse documents with more pages than this")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


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
    return OCRPipeline(EmbeddedEngine(settings), limits), settings


def run(args: argparse.Namespace) -> int:
    from promptocr.cli.main import EXIT_ALL_FAILED, EXIT_OK, EXIT_PARTIAL

    pipeline, settings = make_pipeline(args)
    if getattr(args, "prompt", None) is not None:
        return run_prompt(args, pipeline, settings)
    options = ReadOptions(pages=args.pages, dpi=args.dpi, use_pdf_text=args.use_pdf_text)
    if args.output_dir:
        args.output_dir.mkdir(parents=True, exist_ok=True)
    failures = 0
    # tqdm draws only on a terminal (disable=None), so pipes and logs stay clean.
    bar = tqdm(total=len(args.files), unit="page", disable=True if args.quiet else None)
    for name in args.files:
        try:
            usage = Usage()
            with usage.stage("decode"):
                pages = pipeline.load(name, options)
            bar.total += len(pages) - 1 if len(pages) > 1 else 0
            doc = Document([], source=name)
            for page in pages:
                doc.pages.extend(pipeline.read_pages([page], usage, settings).pages)
                bar.update(1)
            text = render(doc, usage, args.format)
        except PromptOCRError as exc:
            failures += 1
            bar.update(1)
            tqdm.write(f"promptocr: error: {exc}", file=sys.stderr)
            continue
        if args.output_dir:
            out = args.output_dir / f"{Path(name).stem}.{FORMATS[args.format]}"
            out.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
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
