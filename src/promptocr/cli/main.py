"""`promptocr` command line: read files, run the benchmark, start the service.

Exit codes: 0 all inputs read; 1 some inputs failed (the others were still written);
2 usage error (bad flags); 3 every input failed.
"""

from __future__ import annotations

import argparse
import sys

from promptocr import __version__
from promptocr.cli import bench as bench_cmd
from promptocr.cli import read as read_cmd
from promptocr.cli import serve as serve_cmd

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_ALL_FAILED = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promptocr",
        description="Prompt-driven OCR on a CPU: image or PDF + instruction -> structured JSON.",
        epilog="Exit codes: 0 ok, 1 some inputs failed, 2 usage error, 3 all inputs failed.",
    )
    parser.add_argument("--version", action="version", version=f"promptocr {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    read_cmd.add_parser(sub)
    serve_cmd.add_parser(sub)
    bench_cmd.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
