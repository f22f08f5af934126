"""`promptocr read FILE...`: OCR files (or answer a prompt about them) into JSON, text, Markdown,
hOCR or ALTO.

Structure, for whoever adds a format or a mode: FILE arguments are expanded (cli/inputs.py), each
file becomes an `Item` (the document, its usage and, with -p, the task's Result), `render` turns
an Item into the text of one format, and `run` writes it to stdout or to DIR. A new format is a
row in FORMATS, a branch in `render` and, when it needs more than the document, a field on Item.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from promptocr.cancel import CancelToken
from promptocr.cli.inputs import Input, expand_inputs, output_bases
from promptocr.document.export import to_alto, to_hocr, to_text
from promptocr.document.model import Document
from promptocr.engines.embedded import EmbeddedEngine, EngineSettings
from promptocr.engines.rechead import HEAD_MODES
from promptocr.engines.runtime import (
    PRECISIONS,
    RUNTIMES,
    limit_malloc_arenas,
    precision_problem,
)
from promptocr.engines.stages import SessionSettings
from promptocr.engines.usage import Usage
from promptocr.errors import PromptOCRError
from promptocr.inputs.loader import InputLimits
from promptocr.overlap import read_ahead
from promptocr.pipeline import OCRPipeline, ReadOptions
from promptocr.tasks.parse import write_figures

if TYPE_CHECKING:
    from promptocr.tasks import Result, Service

# format -> file extension written with -o DIR ("answer" depends on the task: ANSWER_EXTENSIONS)
FORMATS = {
    "answer": "txt",
    "json": "json",
    "text": "txt",
    "markdown": "md",
    "hocr": "hocr",
    "alto": "alto.xml",
    "pdf": "pdf",
}
BINARY_FORMATS = {"pdf"}  # written as bytes: to -o DIR, or to stdout when it is not a terminal
ANSWER_EXTENSIONS = {"extract": "json", "parse": "md", "spot": "json"}
PARSE_TASK_TYPE = "doc_parse"  # the task type whose answer is the layout-aware Markdown


EPILOG = """\
what is printed:
  Without -p the default is json: {"document": ..., "usage": ...}.
  With -p PROMPT the default is the answer alone, exactly the `content` an OpenAI client gets
  from /v1/chat/completions: the fields as JSON for an extraction, Markdown for a parse, the
  text for a read. --format json prints the whole task result (task, plan, output, content,
  document, usage) instead.
  --format markdown is the layout-aware Markdown of the page (headings, paragraphs, tables in
  reading order; the `parse` task) with or without -p. --format text is the plain text, hocr
  and alto the positioned words. --format pdf is the input made searchable: the original
  pages (PDF pages kept as they are, images embedded losslessly) with an invisible text layer
  on every word; it goes to stdout only when stdout is not a terminal.

several files:
  FILE may be a folder (searched recursively; only image and PDF files in it are read) or a
  glob pattern ('scans/**/*.png' works even where the shell does not expand it); files are
  read in sorted order. json prints one compact JSON object per line (JSON Lines); the other
  formats print a '==> FILE <==' header before each file; hocr, alto and pdf need -o DIR.
  With -o DIR each input gives DIR/<name>.<ext> (.json, .txt, .md, .hocr, .alto.xml, .pdf; an
  answer is .json for an extraction, .md for a parse, .txt otherwise). Inputs whose names
  differ only in the extension (a.jpg, a.png) keep it: DIR/a.jpg.json, DIR/a.png.json.

progress and errors:
  A progress bar (pages) is drawn on stderr when stderr is a terminal
  (never in pipes or logs; -q turns it off). Every error starts with 'promptocr: error:';
  a file that cannot be read gives one line 'promptocr: error: FILE: reason' and the other
  files are still read and written. An empty answer is no error: stderr says why
  ('promptocr: FILE: empty answer: reason'). A closed pipe (| head) ends the run quietly.

exit codes:
  0 every file was read, 1 some files failed (the others were written),
  2 usage error (bad option, -o naming a file, a prompt that maps to no task),
  3 every file failed.
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "read",
        help="read text from images or PDFs, or answer a prompt about them",
        description="Read text from images (PNG, JPEG, WebP, BMP, GIF, TIFF) or PDFs on the "
        "embedded CPU engine, or run an instruction (-p) on them, and print or save the result.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="image or PDF files, folders or glob patterns"
    )
    p.add_argument(
        "-f",
        "--format",
        choices=list(FORMATS),
        default=None,
        help="output format: answer (the default with -p), json (the default without), "
        "text, markdown (layout-aware), hocr (hOCR 1.2), alto (ALTO 4), pdf (searchable PDF)",
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
        help="an instruction, e.g. '提取姓名、性别、身份证号' or 'extract the total'; prints "
        "the answer (--format json: the whole result)",
    )
    p.add_argument(
        "--all",
        dest="find_all",
        action="store_true",
        help="with -p extracting fields: a key printed on several pages also lists the later "
        "pages' values (details[key].others); without it the first page with a value answers",
    )
    p.add_argument("--dpi", type=int, default=200, help="PDF rendering resolution (default 200)")
    p.add_argument(
        "--text-source",
        choices=["auto", "ocr", "pdf"],
        default=None,
        help="PDF pages with a text layer: auto (default) reads the layer instead of OCR when "
        "it agrees with the rendered page, ocr always OCRs, pdf always takes the layer",
    )
    p.add_argument(
        "--use-pdf-text",
        action="store_true",
        help="deprecated: the same as --text-source pdf",
    )
    p.add_argument(
        "--det-limit-type",
        choices=["max", "min", "auto"],
        help="detection resize policy: 'auto' (default) sizes each page from its character "
        "height, between 960 and 1280 px on the long side (smaller pages at their own size; "
        "reported in usage.detection); 'max' "
        "caps the longer side at --det-side-len, 'min' raises the shorter",
    )
    p.add_argument(
        "--det-side-len",
        type=int,
        metavar="PX",
        help="detection side length; on its own it means --det-limit-type max at PX; with "
        "--det-limit-type auto, the size used where the character height can't be read",
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
    p.add_argument(
        "--streams",
        type=int,
        metavar="N",
        help="pages of one file (or, for several files, files) read at once, each on its own "
        "model stream with its share of the cores (default 1: one page at a time with every "
        "core; 2 reads a multi-page scan faster on a busy machine at ~100-180 MB more memory)",
    )
    add_runtime_arguments(p)
    p.add_argument("--server", metavar="URL", help="read on a promptocr server (needs --async)")
    p.add_argument(
        "--async",
        dest="async_",
        action="store_true",
        help="with --server: submit each FILE as a job, follow its progress, write the result",
    )
    p.add_argument("--api-key", metavar="KEY", help="--server's API key (or PROMPTOCR_API_KEY)")
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
        help="OpenVINO inference precision (default bf16; f32 where the CPU lacks bfloat16; "
        "int8 runs the quantised recognition model, detection staying in bf16; OpenVINO only)",
    )
    p.add_argument(
        "--rec-head",
        choices=HEAD_MODES,
        help="recognition output head: full (default; every character the model knows) or "
        "latin (you declare the text Latin, Greek or Cyrillic script: a restricted head, "
        "faster; CJK characters that look like Latin letters or strokes may be misread; "
        "OpenVINO only, docs/benchmarks.md)",
    )
    p.add_argument(
        "--rec-gap-spaces",
        type=float,
        metavar="K",
        help="put back word spaces the recogniser left out where two characters stand more "
        "than K times the line's character pitch apart (default 2.5; 0 turns it off; never "
        "between CJK characters)",
    )
    p.add_argument(
        "--rec-lexicon",
        action=argparse.BooleanOptionalAction,
        help="correct words of 4+ letters outside the system's English word list (wamerican) "
        "from the recogniser's own second and third choices where one clearly makes a word "
        "and is nearly as likely as the letters read (PHARHACY -> PHARMACY; numbers and CJK "
        "stay as read, names and codes mostly: one whose unsure letter has a near-as-likely "
        "word-making alternative can change; full head only; "
        f"default {'on' if SessionSettings().rec_lexicon else 'off'}; docs/benchmarks.md)",
    )
    p.add_argument(
        "--rec-squeeze",
        type=squeeze_arg,
        metavar="auto|F",
        help="recognition width factor: a number in [0.5, 1] for every page (default 1 = "
        "off), or auto (opt-in: a page's lines are read at full width, narrowest first, batch "
        "after batch until 20 pairs of characters are read; if they showed tightly set glyphs "
        "its remaining lines are narrowed to 0.9; ~4-5 %% faster, a few key fields on "
        "receipts read worse; usage.rec_squeeze says per page what was narrowed); never "
        "narrower than the 160 px padding floor; the page-orientation and text-layer checks "
        "always read at full width: docs/benchmarks.md",
    )


def gap_spaces(value: float | None, default: float | None) -> float | None:
    """--rec-gap-spaces as the session setting: not given -> the default, 0 -> off."""
    if value is None:
        return default
    return value or None


def gap_spaces_problem(value: float | None) -> str | None:
    """The usage error of a --rec-gap-spaces value, or None."""
    if value is not None and value != 0 and not 1.5 <= value <= 10:
        return f"--rec-gap-spaces must be 0 (off) or between 1.5 and 10, got {value}"
    return None


def squeeze_arg(text: str) -> float | str:
    """--rec-squeeze's value: "auto" or a number."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected auto or a number, got {text!r}") from None


def squeeze_problem(value: float | str | None) -> str | None:
    """The usage error of a --rec-squeeze value, or None."""
    if value is not None and value != "auto" and not 0.5 <= float(value) <= 1.0:
        return f"--rec-squeeze must be between 0.5 and 1, got {value}"
    return None


@dataclass
class Item:
    """What one input gave: everything a format may print."""

    name: str
    document: Document
    usage: Usage
    result: Result | None = None  # with -p
    markdown: str | None = None  # the layout-aware Markdown, made only for --format markdown
    figures: list[dict[str, Any]] | None = None  # its figures (name, base64 PNG data, ...)


def render(item: Item, fmt: str) -> str:
    """The text of one format for one input (json: one compact line)."""
    if fmt == "answer":
        assert item.result is not None  # run() refuses --format answer without -p
        return _line(item.result.content)
    if fmt == "json":
        payload = (
            item.result.to_dict()
            if item.result is not None
            else {"document": item.document.to_dict(), "usage": item.usage.to_dict()}
        )
        text = json.dumps(payload, ensure_ascii=False)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a file name that is not UTF-8: \udcXX escapes
            text = json.dumps(payload)
        return text + "\n"
    if fmt == "text":
        return to_text(item.document)
    if fmt == "markdown":
        return _line(item.markdown or "")
    if fmt == "hocr":
        return to_hocr(item.document)
    return to_alto(item.document)


def render_binary(item: Item, fmt: str) -> bytes:
    """--format pdf: the input file made searchable with the item's words."""
    from promptocr.document.pdf import to_searchable_pdf

    return to_searchable_pdf(item.document, Path(item.name).read_bytes())


def extension(item: Item, fmt: str) -> str:
    if fmt == "answer" and item.result is not None:
        return ANSWER_EXTENSIONS.get(item.result.task, "txt")
    return FORMATS[fmt]


def _write_stdout(text: str) -> None:
    """Print `text`; a file name that is not UTF-8 in it (a header, hOCR's title) goes out as
    its own bytes where stdout's encoding is strict (a UTF-8 locale) instead of failing."""
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode(sys.stdout.encoding or "utf-8", "surrogateescape"))
    sys.stdout.flush()


def _line(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def make_pipeline(
    args: argparse.Namespace, streams: int = 1, page_workers: int = 1
) -> tuple[OCRPipeline, EngineSettings]:
    """The pipeline for `read`: `streams` model streams sharing the cores, and `page_workers`
    pages of one document read at once (1 when several files are read ahead instead, so the
    two never multiply)."""
    limits = input_limits(args)
    settings = EngineSettings().with_overrides(
        limit_type=args.det_limit_type,
        side_len=args.det_side_len,
        use_line_cls=True if args.line_cls else None,
        page_orientation=False if args.no_page_orientation else None,
        text_source=args.text_source or ("pdf" if args.use_pdf_text else None),
    )
    session = SessionSettings()
    session = replace(
        session,
        runtime=args.runtime or session.runtime,
        precision=args.precision or session.precision,
        rec_head=args.rec_head or session.rec_head,
        rec_squeeze=args.rec_squeeze or session.rec_squeeze,
        rec_gap_spaces=gap_spaces(args.rec_gap_spaces, session.rec_gap_spaces),
        rec_lexicon=session.rec_lexicon if args.rec_lexicon is None else args.rec_lexicon,
    )
    if streams > 1:  # pages read `streams` at a time, the cores shared between them
        from promptocr.batch import default_workers

        threads = max(1, default_workers() // streams)
        # Detection on one stream: each stream keeps its own activations (docs/benchmarks.md).
        # Pinning off: OpenVINO pins each compiled model's streams to the same first cores, so
        # one page's detection and the other's recognition could share a core while another
        # core idles (docs/benchmarks.md, "Two pages at once").
        session = replace(
            session,
            streams=streams,
            intra_op_threads=threads,
            det_streams=1,
            cpu_pinning=False,
        )
    return OCRPipeline(
        EmbeddedEngine(settings, session), limits, page_workers=page_workers
    ), settings


def input_limits(args: argparse.Namespace) -> InputLimits:
    defaults = InputLimits()
    return InputLimits(
        max_pixels=args.max_pixels or defaults.max_pixels,
        max_pages=args.max_pages or defaults.max_pages,
    )


def default_streams(args: argparse.Namespace, files: list[str]) -> int:
    """`--streams` when given, else 1: one page at a time with every core. Two pages at once
    (`--streams 2`) read a multi-page scan faster under load (docs/benchmarks.md, "Two pages at
    once"), but a second recognition stream and a second page in flight put `read`'s peak
    memory at 656–789 MB on an A4 scan against 546–611 MB page by page, over the 600 MB budget,
    for an estimated ~1.1× on an idle machine; so it is a choice, not the default."""
    del files  # the choice does not depend on the input (a pipe must not be read twice)
    return int(args.streams) if args.streams is not None else 1


def usage_error(message: str) -> int:
    from promptocr.cli.main import EXIT_USAGE

    sys.stderr.write(f"promptocr: error: {message}\n")
    return EXIT_USAGE


def check_arguments(args: argparse.Namespace) -> str | None:
    """The usage error in `args` (after argparse's own checks), or None."""
    if args.format == "answer" and args.prompt is None:
        return "--format answer needs -p PROMPT (without it there is no question to answer)"
    if args.dpi is not None and not 18 <= args.dpi <= 1200:
        return "--dpi must be between 18 and 1200"
    if getattr(args, "server", None):
        local = [
            flag
            for flag, value in (
                ("--runtime", args.runtime),
                ("--precision", args.precision),
                ("--rec-head", args.rec_head),
                ("--rec-squeeze", args.rec_squeeze),
                ("--rec-gap-spaces", args.rec_gap_spaces),
                ("--rec-lexicon", args.rec_lexicon),
                ("--streams", args.streams),
            )
            if value is not None
        ]
        if local:  # they choose this machine's engine, which a --server read does not use
            return f"{', '.join(local)}: the server's own settings apply with --server"
    else:
        defaults = SessionSettings()
        problem = precision_problem(
            args.runtime or defaults.runtime,
            args.precision or defaults.precision,
            args.rec_head or defaults.rec_head,
        )
        if problem:
            return f"--{problem.split()[0]}: {problem}"
    squeeze = squeeze_problem(args.rec_squeeze) or gap_spaces_problem(args.rec_gap_spaces)
    if squeeze:
        return squeeze
    if args.streams is not None and not 1 <= args.streams <= 16:
        return "--streams must be between 1 and 16"
    if args.format in BINARY_FORMATS and args.output_dir is None and sys.stdout.isatty():
        return f"--format {args.format} is binary: use -o DIR or redirect stdout to a file"
    out = args.output_dir
    if out is not None and out.exists() and not out.is_dir():
        return f"-o {out}: exists and is not a folder (give a folder to write into)"
    if args.find_all and (args.prompt is None or args.server):
        return "--all needs -p PROMPT (extracting fields) and is not sent to --server"
    if args.prompt is not None:
        from promptocr.tasks import plan

        try:
            plan(args.prompt)
        except PromptOCRError as exc:  # the same for every file: say it once, read nothing
            return f"-p: {exc.message}"
    return None


def several_files_problem(args: argparse.Namespace, fmt: str, files: list[str]) -> str | None:
    """The usage error of writing several files' output in `fmt` to stdout, or None (formats
    that cannot be concatenated need -o DIR); for local and --server reads alike."""
    if len(files) > 1 and not args.output_dir and fmt in ("hocr", "alto", *BINARY_FORMATS):
        return f"--format {fmt} with several files needs -o DIR"
    return None


def run(args: argparse.Namespace) -> int:
    from promptocr.cli.main import EXIT_ALL_FAILED, EXIT_OK, EXIT_PARTIAL

    if args.server or args.async_:
        from promptocr.cli.remote import run_remote

        return run_remote(args)
    fmt: str = args.format or ("answer" if args.prompt is not None else "json")
    problem = check_arguments(args)
    if problem:
        return usage_error(problem)
    inputs = expand_inputs(args.files)
    files = [i.path for i in inputs if i.error is None]
    several = len(files) > 1
    problem = several_files_problem(args, fmt, files)
    if problem:
        return usage_error(problem)
    if not files:  # nothing to read: say why for each argument
        for i in inputs:
            sys.stderr.write(f"promptocr: error: {i.path}: {i.error}\n")
        return EXIT_ALL_FAILED
    bases: list[Path] = []  # with -o: one per file, in order
    if args.output_dir:
        try:
            args.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return usage_error(f"cannot create {args.output_dir} ({exc.strerror or exc})")
        bases = output_bases(files, args.output_dir)

    limit_malloc_arenas(2)  # as `serve` does by default: bounds RSS with the runtimes' threads
    # One stream with every core unless --streams says otherwise (default_streams).
    streams = default_streams(args, files)
    # Several files: `streams` files at once, each read page by page; one multi-page file:
    # `streams` of its pages at once.
    pipeline, settings = make_pipeline(args, streams, page_workers=1 if several else streams)
    cancel = CancelToken()  # Ctrl-C or a closed pipe stops the files in flight at once
    service: Service | None = None
    if args.prompt is not None:
        from promptocr.tasks import Service

        service = Service(pipeline)
    # tqdm draws only when stderr is a terminal (disable=None), so pipes and logs stay clean.
    bar = tqdm(
        total=len(files),
        unit="page",
        disable=True if args.quiet else None,
        file=sys.stderr,
        dynamic_ncols=True,
    )

    def read_file(name: str) -> Item:
        if service is not None:
            return answer_one(service, name, args, settings, fmt, bar, cancel)
        return read_one(pipeline, name, args, settings, fmt, bar, cancel)

    # Several files on two streams: the next file is read while this one is written.
    items = read_ahead(read_file, files, workers=streams if several else 1)
    try:
        failures = _write_all(inputs, items, fmt, bases, several, files, bar)
    finally:
        cancel.cancel("the run was interrupted")  # no-op once every file is done
        items.close()
    bar.close()
    if failures == 0:
        return EXIT_OK
    return EXIT_ALL_FAILED if failures == len(inputs) else EXIT_PARTIAL


def _write_all(
    inputs: list[Input],
    items: Iterator[Future[Item]],
    fmt: str,
    bases: list[Path],
    several: bool,
    files: list[str],
    bar: tqdm[Any],
) -> int:
    """Take each file's result in order and write it; returns the number of failures."""
    failures = 0
    done = 0
    for entry in inputs:
        name = entry.path
        if entry.error is not None:
            failures += 1
            tqdm.write(f"promptocr: error: {name}: {entry.error}", file=sys.stderr)
            continue
        bar.set_postfix_str(Path(name).name, refresh=False)
        done += 1
        try:
            item = next(items).result()
            if fmt in BINARY_FORMATS:
                data = render_binary(item, fmt)
                if bases:
                    Path(f"{bases[done - 1]}.{extension(item, fmt)}").write_bytes(data)
                else:
                    sys.stdout.buffer.write(data)
                    sys.stdout.flush()
                continue
            text = render(item, fmt)
            why = item.result.empty_reason if item.result is not None else None
            if fmt == "answer" and why:  # an empty answer says why (on stderr: not an error)
                tqdm.write(f"promptocr: {name}: empty answer: {why}", file=sys.stderr)
            if bases:
                Path(f"{bases[done - 1]}.{extension(item, fmt)}").write_text(
                    text,
                    encoding="utf-8",
                    errors="surrogateescape",  # a name's own bytes
                )
                figures = item.figures if fmt == "markdown" else None
                write_figures(item.result, bases[done - 1], extension(item, fmt), figures)
            else:
                if several and fmt != "json":
                    text = f"==> {name} <==\n{text}" + ("\n" if done < len(files) else "")
                _write_stdout(text)
        except PromptOCRError as exc:
            failures += 1
            bar.update(1)
            message = str(exc) if exc.source else f"{name}: {exc}"
            tqdm.write(f"promptocr: error: {message}", file=sys.stderr)
            if exc.details:
                tqdm.write(json.dumps({"error": exc.to_dict()}, ensure_ascii=False), sys.stderr)
        except BrokenPipeError:
            raise  # the reader went away: cli.main ends the run quietly
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
    return failures


def read_one(
    pipeline: OCRPipeline,
    name: str,
    args: argparse.Namespace,
    settings: EngineSettings,
    fmt: str,
    bar: tqdm[Any],
    cancel: CancelToken | None = None,
) -> Item:
    """OCR one file a page at a time (decode, OCR, layout when asked, drop the pixels); the bar
    counts pages."""
    options = ReadOptions(pages=args.pages, dpi=args.dpi)
    usage = Usage(cancel=cancel)
    with usage.stage("decode"):
        stream = pipeline.open(name, options)
    bar.total += max(stream.count - 1, 0)
    bar.refresh()
    doc = Document([], source=stream.source)
    parsed = []
    detector = None
    if fmt == "markdown":
        from promptocr.tasks.parse import finish_parse, layout_detector, parse_page

        detector = layout_detector(pipeline)
    with closing(pipeline.iter_read(stream, usage, settings)) as pages:
        for image, page in pages:
            doc.pages.append(page)
            if detector is not None:
                parsed.append(parse_page(image, page, detector, usage))
            del image
            bar.update(1)
    item = Item(name, doc, usage)
    if detector is not None:
        parse = finish_parse(parsed, usage)
        item.markdown = parse.markdown
        item.figures = [f.to_dict() for f in parse.figures]
    return item


def answer_one(
    service: Service,
    name: str,
    args: argparse.Namespace,
    settings: EngineSettings,
    fmt: str,
    bar: tqdm[Any],
    cancel: CancelToken | None = None,
) -> Item:
    """Run the prompt on one file (the bar counts pages as the service reads them); for
    --format markdown also the parse task's Markdown (the OCR cache serves the pages a second
    time without recognising them again)."""
    counted = 0

    def on_page(page: Any, done: int, total: int) -> None:
        nonlocal counted
        if counted == 0:
            bar.total += max(total - 1, 0)
            bar.refresh()
        counted += 1
        bar.update(1)

    kw: dict[str, Any] = {
        "pages": args.pages,
        "dpi": args.dpi,
        "settings": settings,
        "cancel": cancel,
    }
    result = service.run(name, args.prompt, on_page=on_page, find_all=args.find_all, **kw)
    if counted == 0:  # no page went through OCR (a vision-language engine read the file)
        bar.update(1)
    item = Item(name, result.document, result.usage, result=result)
    if fmt == "markdown":
        if result.task == "parse" and "markdown" in result.output:
            item.markdown = str(result.output["markdown"])
            item.figures = list(result.output.get("figures") or [])
        else:
            parse = service.run(name, "", task_type=PARSE_TASK_TYPE, **kw)
            item.markdown = parse.content
            item.figures = list(parse.output.get("figures") or [])
    return item
