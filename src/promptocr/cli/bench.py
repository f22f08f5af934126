"""`promptocr bench DATASET_DIR...`: accuracy, speed and memory side by side with peers."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shlex
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

from promptocr.bench.report import plot_summary, results_markdown, write_markdown
from promptocr.bench.runner import merge_shards
from promptocr.errors import InvalidInputError, PromptOCRError

DEFAULT_ENGINES = "embedded,rapidocr-openvino,rapidocr,tesseract"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "bench",
        help="benchmark on gt.jsonl datasets against RapidOCR (at its best and its defaults) "
        "and Tesseract",
        description="Score engines on OCR datasets (folders with a gt.jsonl): word-bag and "
        "char-bag F1, detection precision/recall at IoU 0.5, median seconds per image, peak "
        "RSS and cold start, and for the embedded engine the share of wall time inside model "
        "inference. Each engine runs in its own process; images are interleaved.",
    )
    p.add_argument("datasets", nargs="*", type=Path, metavar="DATASET_DIR")
    p.add_argument(
        "--from-json",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="don't run anything: render the report (and plot) of earlier --json files "
        "(their datasets are put together in the given order)",
    )
    p.add_argument(
        "--engines",
        default=DEFAULT_ENGINES,
        help="comma-separated: embedded, rapidocr-openvino (RapidOCR at its best on a CPU: "
        "OpenVINO, no line classifier, detection 960 max; the reference column), rapidocr "
        f"(its defaults), rapidocr-rec, tesseract (default {DEFAULT_ENGINES})",
    )
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME:K=V,...",
        help="also run the embedded engine with overrides, e.g. "
        "'min736:limit_type=min,side_len=736' (repeatable)",
    )
    p.add_argument("--limit", type=int, help="first N images of each dataset")
    p.add_argument(
        "--shard",
        metavar="K/N",
        help="only images K, K+N, K+2N, ... (0-based K) of each dataset, to split a long run "
        "over several processes; put the JSON files together with --from-json",
    )
    p.add_argument("--output", type=Path, help="write the Markdown report here (results block)")
    p.add_argument("--json", type=Path, help="write the full results (per image too) as JSON")
    p.add_argument("--plot", type=Path, help="write the summary plot (PNG) here")
    p.add_argument("--log", type=Path, help="engines' stderr goes here (default: discarded)")
    p.add_argument("--fields", action="store_true", help="append key-field extraction scores")
    p.add_argument("--tables", action="store_true", help="append table-structure scores")
    p.add_argument(
        "--parse",
        action="store_true",
        help="score page parsing instead (Markdown edit distance, page and per block) on the "
        "synthetic newspapers and papers plus the DATASET_DIRs with table_html (PubTabNet)",
    )
    p.add_argument(
        "--kv-links",
        type=Path,
        metavar="DIR",
        help="with --fields: also score key→value linking on the kv_links JSONL files in DIR "
        "(e.g. ../shared/data/kv_links): the shipped model and, where scikit-learn is "
        "installed, the design cross-validated over the files' documents (not shipped); and "
        "requested-key field extraction on the same forms built from their annotated words "
        "(perfect OCR; bench.kvfields), per file and split (FUNSD dev / read / held-out halves), "
        "each entity its own lines and with a row's runs merged as a detector reads them",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


EXTRAS = {
    "fields": ("promptocr.bench.fields", "evaluate_fields", "fields_markdown"),
    "tables": ("promptocr.bench.tables", "evaluate_tables", "tables_markdown"),
}


def _import_extra(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            raise PromptOCRError(f"{module} is not installed in this build") from None
        raise PromptOCRError(
            f"{module} needs the package {exc.name!r}, which is not installed"
        ) from None


def _extra(
    mod: ModuleType, evaluate: str, render: str, datasets: list[Path], limit: int | None
) -> str:
    parts = []
    for d in datasets:
        try:
            rep = getattr(mod, evaluate)(d, limit=limit)
        except PromptOCRError as exc:  # e.g. a dataset without fields or tables
            print(f"promptocr bench: {d}: {exc.message}", file=sys.stderr)
            continue
        parts.append(str(getattr(mod, render)(rep)))
    return "\n".join(parts)


def portable(arg: str) -> str:
    """An absolute path in the recorded command, made relative to the working directory when
    it is near it (`/work/shared/data/sroie` run from /work/main -> `../shared/data/sroie`), so
    the report names no one machine's layout."""
    if not os.path.isabs(arg):
        return arg
    try:
        rel = os.path.relpath(arg)
    except ValueError:  # another drive (Windows)
        return arg
    return rel if not rel.startswith(os.pardir + os.sep + os.pardir) else arg


def run(args: argparse.Namespace) -> int:
    from promptocr.bench.datasets import load_dataset
    from promptocr.bench.runner import machine, parse_engines, run_dataset
    from promptocr.cli.main import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE

    if getattr(args, "parse", False):
        from promptocr.bench.parse import run_cli

        return run_cli(args)
    if args.from_json:
        saved: dict[str, Any] = {}
        for path in args.from_json:
            try:
                part = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                print(f"promptocr: error: cannot read {path}: {exc}", file=sys.stderr)
                return EXIT_USAGE
            if not saved:
                saved = part
                saved["commands"] = [part["command"]]
            else:
                saved["datasets"] += part["datasets"]
                saved["commands"].append(part["command"])
        merged: list[dict[str, Any]] = []
        for ds in saved["datasets"]:  # shards of one dataset become one section
            same = [d for d in saved["datasets"] if d["name"] == ds["name"]]
            if ds is same[0]:
                merged.append(merge_shards(same) if len(same) > 1 else ds)
        saved["datasets"] = merged
        _write_outputs(args, saved)
        return EXIT_OK
    if not args.datasets:
        print("promptocr: error: give at least one DATASET_DIR", file=sys.stderr)
        return EXIT_USAGE
    if args.limit is not None and args.limit < 1:
        print("promptocr: error: --limit must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        # Checked before anything runs, so a missing module doesn't cost a whole run.
        extra_mods = {
            name: _import_extra(EXTRAS[name][0]) for name in EXTRAS if getattr(args, name)
        }
        specs = parse_engines(args.engines, args.variant)
        datasets = [load_dataset(d, args.limit) for d in args.datasets]
        if args.shard:
            k, n = _parse_shard(args.shard)
            datasets = [replace(d, samples=d.samples[k::n]) for d in datasets]
    except PromptOCRError as exc:
        print(f"promptocr: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE

    def progress(msg: str) -> None:
        if not args.quiet:
            print(f"\r{msg}   ", end="", file=sys.stderr, flush=True)

    log = args.log.open("a", encoding="utf-8") if args.log else None
    report: dict[str, Any] = {
        "machine": machine(),
        "command": "promptocr bench " + " ".join(shlex.quote(portable(a)) for a in sys.argv[2:])
        if len(sys.argv) > 1 and sys.argv[1] == "bench"
        else "promptocr bench",
        "datasets": [],
    }
    try:
        for ds in datasets:
            report["datasets"].append(run_dataset(ds, specs, log=log, progress=progress))
            if args.json:  # written after every dataset, so a long run leaves partial results
                args.json.parent.mkdir(parents=True, exist_ok=True)
                args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
            if not args.quiet:
                print(file=sys.stderr)
    finally:
        if log:
            log.close()

    extras = [
        _extra(mod, EXTRAS[name][1], EXTRAS[name][2], args.datasets, args.limit)
        for name, mod in extra_mods.items()
    ]
    if args.fields and args.kv_links:
        from promptocr.bench.kvlinks import evaluate_dir, kvlinks_markdown

        extras.append(kvlinks_markdown(evaluate_dir(args.kv_links)))
        # and the product's extraction path on the same forms (perfect OCR, requested keys)
        from promptocr.bench.kvfields import evaluate as kvfields_evaluate
        from promptocr.bench.kvfields import kvfields_markdown

        # both builds: each entity its own lines, and a row's runs merged as a detector
        # reads them (the key/value cut not given)
        for merge in (False, True):
            extras.append(kvfields_markdown(kvfields_evaluate(args.kv_links, merge=merge)))
    report["extra_sections"] = [e for e in extras if e]

    _write_outputs(args, report)
    failed = any(e["errors"] for d in report["datasets"] for e in d["engines"])
    return EXIT_PARTIAL if failed else EXIT_OK


def _parse_shard(spec: str) -> tuple[int, int]:
    k, sep, n = spec.partition("/")
    try:
        kk, nn = int(k), int(n)
    except ValueError:
        kk, nn = -1, 0
    if not sep or nn < 1 or not 0 <= kk < nn:
        raise InvalidInputError(f"--shard {spec!r} is not like 0/2 (K/N with 0 <= K < N)")
    return kk, nn


def _write_outputs(args: argparse.Namespace, report: dict[str, Any]) -> None:
    plot_ref = None
    if args.plot and plot_summary(report, args.plot):
        plot_ref = os.path.relpath(args.plot, args.output.parent) if args.output else str(args.plot)
    md = results_markdown(report, plot_ref)
    if args.output:
        write_markdown(args.output, md)
    else:
        sys.stdout.write(md)
    if args.json and not args.from_json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
