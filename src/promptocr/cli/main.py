"""`promptocr` command line: read files, batch many files, run the benchmark, start the service.

Exit codes: 0 all inputs read; 1 some inputs failed (the others were still written);
2 usage error (bad flags); 3 every input failed. Every error line starts with
`promptocr: error:`, whichever subcommand (or argparse itself) reports it.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from promptocr import __version__
from promptocr.cli import batch as batch_cmd
from promptocr.cli import bench as bench_cmd
from promptocr.cli import read as read_cmd
from promptocr.cli import serve as serve_cmd

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_ALL_FAILED = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as `yes | head` reports it

ERROR_PREFIX = "promptocr: error: "


class Parser(argparse.ArgumentParser):
    """argparse with the one error prefix (argparse's own would say `promptocr read: error:`).

    Subcommand parsers are made with the parent's class, so they share it."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{ERROR_PREFIX}{message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="promptocr",
        description="Prompt-driven OCR on a CPU: image or PDF + instruction -> structured JSON.",
        epilog="Exit codes: 0 ok, 1 some inputs failed, 2 usage error, 3 all inputs failed.",
    )
    parser.add_argument("--version", action="version", version=f"promptocr {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    read_cmd.add_parser(sub)
    serve_cmd.add_parser(sub)
    bench_cmd.add_parser(sub)
    batch_cmd.add_parser(sub)
    return parser


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`promptocr read ... | head`): end quietly
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{ERROR_PREFIX}interrupted\n")
        return EXIT_INTERRUPTED
    return code


if __name__ == "__main__":
    sys.exit(main())
