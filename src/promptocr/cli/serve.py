"""`promptocr serve`: run the HTTP service on the embedded engine (see docs/deploy.md)."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from promptocr.cli.read import add_runtime_arguments
from promptocr.engines.runtime import limit_malloc_arenas


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="start the HTTP service (native + OpenAI-compatible API)",
        description="Start the HTTP service. Settings come from flags, PROMPTOCR_* environment "
        "variables or a TOML/JSON config file (flags win, then env, then the file). "
        "See docs/deploy.md.",
    )
    p.add_argument("--config", type=Path, help="TOML or JSON settings file (or PROMPTOCR_CONFIG)")
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--workers", type=int, help="OCR worker threads (default: CPU cores)")
    p.add_argument("--queue-size", type=int, help="requests that may wait for a worker (16)")
    p.add_argument("--request-timeout", dest="request_timeout_s", type=float, help="seconds")
    p.add_argument(
        "--ocr-threads",
        type=int,
        help="threads per model run (default: cores / workers)",
    )
    add_runtime_arguments(p)
    p.add_argument("--rec-runners", type=int, help="recognition threads (default: workers)")
    p.add_argument(
        "--batch-window-ms", type=float, help="wait this long to merge recognition batches (0)"
    )
    p.add_argument("--cache-mb", type=int, help="OCR result cache size in MiB (256)")
    p.add_argument("--max-body-bytes", type=int, help="largest request body (25 MiB)")
    p.add_argument("--max-pixels", type=int, help="largest page in pixels (40 M)")
    p.add_argument("--max-pages", type=int, help="most pages per document (50)")
    p.add_argument(
        "--max-total-pixels", type=int, help="most pixels of all pages of one document (500 M)"
    )
    p.add_argument("--max-prompt-chars", type=int, help="longest instruction (4000 characters)")
    p.add_argument("--max-fields", type=int, help="most fields one instruction names (100)")
    p.add_argument(
        "--header-timeout",
        dest="header_timeout_s",
        type=float,
        help="seconds a client has to send its request headers (10)",
    )
    p.add_argument(
        "--allow-url-fetch",
        action="store_true",
        default=None,
        help="let clients send http(s) image URLs (public addresses only; off by default)",
    )
    p.add_argument("--job-store", type=Path, help="job store directory (docs/jobs.md)")
    p.add_argument("--job-workers", type=int, help="job runner threads (1)")
    p.add_argument(
        "--job-ttl", dest="job_ttl_s", type=float, help="seconds finished jobs are kept (7 days)"
    )
    p.add_argument("--job-store-max-mb", type=int, help="job store quota in MiB (2048)")
    p.add_argument("--job-max-pages", type=int, help="most pages per job (1000)")
    p.add_argument(
        "--allow-webhooks",
        action="store_true",
        default=None,
        help="let jobs name a completion webhook (public addresses only; off by default)",
    )
    p.add_argument(
        "--webhook-trusted-host",
        dest="webhook_trusted_hosts",
        action="append",
        metavar="HOST",
        help="a webhook host (as written in the URL) allowed although it is not public, e.g. "
        "an internal receiver (repeatable)",
    )
    p.add_argument(
        "--api-key",
        dest="api_keys",
        action="append",
        help="accept this bearer key (repeatable; prefer --api-keys-file or PROMPTOCR_API_KEYS)",
    )
    p.add_argument("--api-keys-file", type=Path, help="file with one API key per line")
    p.add_argument("--jwt-secret", help="accept HS256 JWTs signed with this shared secret")
    p.add_argument("--jwt-public-key-file", type=Path, help="accept RS256 JWTs (PEM public key)")
    p.add_argument("--jwt-audience", help="required 'aud' claim")
    p.add_argument("--jwt-issuer", help="required 'iss' claim")
    p.add_argument(
        "--insecure-no-auth",
        action="store_true",
        default=None,
        help="allow binding beyond loopback without authentication (you have been warned)",
    )
    p.add_argument("--log-level", help="debug, info, warning, error (default info)")
    p.set_defaults(func=run)


OVERRIDES = (
    "host",
    "port",
    "workers",
    "queue_size",
    "request_timeout_s",
    "ocr_threads",
    "runtime",
    "precision",
    "rec_head",
    "rec_squeeze",
    "rec_gap_spaces",
    "rec_lexicon",
    "rec_runners",
    "batch_window_ms",
    "cache_mb",
    "max_body_bytes",
    "max_pixels",
    "max_pages",
    "max_total_pixels",
    "max_prompt_chars",
    "max_fields",
    "header_timeout_s",
    "allow_url_fetch",
    "job_store",
    "job_workers",
    "job_ttl_s",
    "job_store_max_mb",
    "job_max_pages",
    "allow_webhooks",
    "webhook_trusted_hosts",
    "api_keys",
    "api_keys_file",
    "jwt_secret",
    "jwt_public_key_file",
    "jwt_audience",
    "jwt_issuer",
    "insecure_no_auth",
    "log_level",
)


def run(args: argparse.Namespace) -> int:
    from promptocr.cli.main import EXIT_USAGE
    from promptocr.server.settings import ConfigError, load_settings

    try:
        settings = load_settings(args.config, {k: getattr(args, k) for k in OVERRIDES})
        settings.check_safe_to_start()
    except ConfigError as exc:
        print(f"promptocr: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    import uvicorn

    from promptocr.server.app import create_app
    from promptocr.server.logs import setup_logging
    from promptocr.server.protocol_h11 import with_header_timeout

    setup_logging(settings.log_level)
    if settings.malloc_arena_max:
        limit_malloc_arenas(settings.malloc_arena_max)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        log_level=settings.log_level,
        access_log=False,
        timeout_graceful_shutdown=int(settings.graceful_timeout_s) or None,
        limit_concurrency=None,
        server_header=False,
        http=with_header_timeout(settings.header_timeout_s),
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises the SIGTERM/SIGINT it caught once it has shut down, which would end
    # the process with 143/130 after a clean drain; a no-op handler lets `run` return, so a
    # drained shutdown exits 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    server.run()
    return 0
