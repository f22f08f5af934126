"""`promptocr batch INPUT... --out DIR`: OCR many files page by page, resumably, on a local
process pool or a Ray cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from promptocr.batch import (
    FORMATS,
    PARQUET,
    RESULTS,
    BatchConfig,
    BatchInputError,
    default_workers,
    run_batch,
)
from promptocr.engines.stages import SessionSettings

EPILOG = f"""\
inputs:
  Files, folders (searched recursively for .png .jpg .jpeg .webp .bmp .gif .tif .tiff .pdf)
  and globs ('scans/**/*.pdf', quoted so the shell leaves them alone). Each page of a PDF
  or multi-page TIFF is one work item.

output (DIR):
  {RESULTS}   one JSON object per page: key, source, page, status (ok|error), error,
                  text, and the document (or, with --prompt, the task's result)
  pages/          one file per page in --format (<name>-<hash>-p0001.json|txt|md|hocr|alto.xml)
  {PARQUET} with --parquet: the same rows, the result as a JSON string column

resuming:
  A page is keyed by the file's content hash, the page number and the settings (prompt,
  format, dpi, runtime, precision, and the recognition options --rec-head, --rec-squeeze,
  --rec-gap-spaces and --rec-lexicon where they differ from full / 1 / off / off; a numeric
  --rec-squeeze under 1 and auto key anew; --rec-lexicon keys with the word list loaded, or
  'off' without one). Pages already in DIR/{RESULTS} are skipped, so rerunning
  the same command after a crash or Ctrl-C finishes the rest. A page that failed is recorded
  with its error (and not retried on rerun: delete its line to retry it).

where it runs:
  Without --ray: a local pool of --workers processes (default: one per core), each with its
  own models; a page that kills its worker process is recorded as a 'worker_died' error. With --ray: Ray Data actors that each hold the models ('auto' joins the cluster
  'ray start' runs or starts a local one; or a cluster address). Needs the 'ray' extra
  (pip install 'promptocr[ray]'); input paths must be readable on every node.

exit codes:
  0 every page read, 1 some pages failed, 2 usage error, 3 every page failed.
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "batch",
        help="OCR many files page by page, resumably, locally or on Ray",
        description="OCR files, folders and globs page by page into JSON Lines (plus one file "
        "per page), on a local process pool or a Ray cluster. Rerun to resume.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders or globs")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    p.add_argument("-p", "--prompt", help="an instruction to run on every page")
    p.add_argument(
        "-f", "--format", choices=list(FORMATS), default="json", help="per-page file format"
    )
    p.add_argument("--dpi", type=int, default=200, help="PDF rendering resolution (default 200)")
    p.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        metavar="auto|ADDRESS",
        help="run on Ray: 'auto' (the default when the flag has no value) or a cluster address",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes (local) or actors (Ray); default: one per core / per cluster CPU",
    )
    p.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="model threads per worker (default: cores / workers locally, 1 per Ray actor)",
    )
    p.add_argument("--parquet", action="store_true", help="also write DIR/" + PARQUET)
    from promptocr.cli.read import add_runtime_arguments

    add_runtime_arguments(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from promptocr.cli.main import (
        ERROR_PREFIX,
        EXIT_ALL_FAILED,
        EXIT_OK,
        EXIT_PARTIAL,
        EXIT_USAGE,
    )

    def usage_error(msg: str) -> int:
        sys.stderr.write(f"{ERROR_PREFIX}{msg}\n")
        return EXIT_USAGE

    if not 18 <= args.dpi <= 1200:
        return usage_error("--dpi must be between 18 and 1200")
    if args.workers is not None and args.workers < 1:
        return usage_error("--workers must be at least 1")
    if args.threads is not None and args.threads < 1:
        return usage_error("--threads must be at least 1")
    if args.parquet:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            return usage_error("--parquet needs pyarrow: pip install 'promptocr[parquet]'")
    use_ray = args.ray is not None
    if use_ray and args.ray != "auto" and Path(args.ray).exists():
        return usage_error(
            f"--ray took {args.ray!r} as a cluster address; write '--ray auto' or put --ray "
            "after the inputs"
        )
    if use_ray:
        try:
            import ray  # noqa: F401
        except ImportError:
            return usage_error("--ray needs Ray: pip install 'promptocr[ray]'")
    cores = default_workers()
    if use_ray:
        workers = args.workers or 0  # 0: one actor per cluster CPU (decided once connected)
        threads = args.threads or 1
    else:
        workers = args.workers or cores
        threads = args.threads or max(1, cores // workers)
    session = SessionSettings()
    from promptocr.engines.runtime import precision_problem

    problem = precision_problem(
        args.runtime or session.runtime,
        args.precision or session.precision,
        args.rec_head or session.rec_head,
    )
    if problem:
        return usage_error(f"--{problem.split()[0]}: {problem}")
    from promptocr.cli.read import gap_spaces, gap_spaces_problem, squeeze_problem

    squeeze = squeeze_problem(args.rec_squeeze) or gap_spaces_problem(args.rec_gap_spaces)
    if squeeze:
        return usage_error(squeeze)
    config = BatchConfig(
        prompt=args.prompt,
        format=args.format,
        dpi=args.dpi,
        runtime=args.runtime or session.runtime,
        precision=args.precision or session.precision,
        threads=threads,
        rec_head=args.rec_head or session.rec_head,
        rec_squeeze=args.rec_squeeze or session.rec_squeeze,
        rec_gap_spaces=gap_spaces(args.rec_gap_spaces, session.rec_gap_spaces),
        rec_lexicon=session.rec_lexicon if args.rec_lexicon is None else args.rec_lexicon,
    )
    try:
        report = run_batch(
            args.inputs,
            args.out,
            config,
            workers=workers,
            use_ray=use_ray,
            ray_address=args.ray if args.ray != "auto" else None,
            parquet=args.parquet,
            progress=False if args.quiet else None,
        )
    except BatchInputError as exc:
        return usage_error(str(exc))
    except OSError as exc:
        return usage_error(f"{exc.filename or args.out}: {exc.strerror or exc}")
    except Exception as exc:  # the pool or the cluster failed: what was written stays written
        sys.stderr.write(
            f"{ERROR_PREFIX}the run stopped ({type(exc).__name__}: {exc}); the pages "
            f"written so far are in {args.out / RESULTS}: rerun the same command to resume\n"
        )
        return EXIT_PARTIAL
    for err in report.errors:
        page = f" page {err['page']}" if err["page"] else ""
        sys.stderr.write(f"promptocr: error: {err['source']}{page}: {err['message']}\n")
    if not args.quiet:
        sys.stderr.write(
            f"promptocr batch: {report.planned} pages planned, {report.skipped} already done, "
            f"{report.ok} read, {report.error} failed -> {args.out / RESULTS}\n"
        )
    if report.error == 0:
        return EXIT_OK
    return EXIT_ALL_FAILED if report.ok == 0 else EXIT_PARTIAL
