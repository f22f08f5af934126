"""`promptocr read --server URL --async FILE...`: read files on a promptocr server as jobs.

Each FILE becomes one job (`POST /v1/jobs`); a progress bar (stderr, only on a terminal) follows
the jobs' `pages_done`; each result is written like a local `read` writes it (stdout, JSON
Lines or `==> FILE <==` sections for several files, or `-o DIR`). With `-p PROMPT` the task's
result JSON is written, as locally. Exit codes are the local ones. See docs/jobs.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

POLL_S = 0.5


@dataclass
class Submitted:
    index: int
    name: str
    job_id: str | None = None
    pages_total: int = 0
    pages_done: int = 0
    state: str = "queued"
    error: str | None = None
    written: bool = False


def _error_text(resp: httpx.Response) -> str:
    try:
        err = resp.json()["error"]
        return f"{err['message']} ({err['code']})"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {resp.status_code}"


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if getattr(args, "det_limit_type", None):
        out["det_limit_type"] = args.det_limit_type
    if getattr(args, "det_side_len", None):
        out["det_side_len"] = args.det_side_len
    if getattr(args, "line_cls", False):
        out["line_cls"] = True
    if getattr(args, "no_page_orientation", False):
        out["page_orientation"] = False
    return out


def run_remote(args: argparse.Namespace) -> int:
    from promptocr.cli.main import EXIT_ALL_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
    from promptocr.cli.read import output_paths

    if not args.server:
        sys.stderr.write("promptocr read: error: --async needs --server URL\n")
        return EXIT_USAGE
    if not args.async_:
        sys.stderr.write(
            "promptocr read: error: --server reads files as jobs on the server; add --async\n"
        )
        return EXIT_USAGE
    fmt: str = args.format
    several = len(args.files) > 1
    binary = fmt == "pdf"
    if (several or binary) and not args.output_dir and fmt in ("hocr", "alto", "pdf"):
        sys.stderr.write(f"promptocr read: error: --format {fmt} with several files needs -o DIR\n")
        return EXIT_USAGE
    targets: list[Path] | None = None
    if args.output_dir:
        try:
            args.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            sys.stderr.write(
                f"promptocr read: error: cannot create {args.output_dir} ({exc.strerror})\n"
            )
            return EXIT_USAGE
        if args.prompt is not None:
            targets = [args.output_dir / f"{Path(n).stem}.json" for n in args.files]
        else:
            targets = output_paths(args.files, args.output_dir, fmt)
    key = args.api_key or os.environ.get("PROMPTOCR_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    jobs = [Submitted(i, name) for i, name in enumerate(args.files)]
    fields: dict[str, str] = {"dpi": str(args.dpi)}
    if args.prompt is not None:
        fields["prompt"] = args.prompt
    if args.pages:
        fields["pages"] = args.pages
    settings = _settings(args)
    if settings:
        fields["settings"] = json.dumps(settings)

    def fail(job: Submitted, message: str) -> None:
        job.error = message
        job.state = "failed"
        tqdm.write(f"promptocr: error: {job.name}: {message}", file=sys.stderr)

    bar = tqdm(
        total=0,
        unit="page",
        disable=True if args.quiet else None,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    client = httpx.Client(base_url=args.server.rstrip("/"), headers=headers, timeout=300)
    try:
        for job in jobs:
            try:
                data = Path(job.name).read_bytes()
            except OSError as exc:
                fail(job, f"cannot read file ({exc.strerror})")
                continue
            try:
                resp = client.post(
                    "/v1/jobs", files={"file": (Path(job.name).name, data)}, data=fields
                )
            except httpx.HTTPError as exc:
                fail(job, f"cannot reach {args.server} ({type(exc).__name__})")
                continue
            if resp.status_code != 202:
                fail(job, _error_text(resp))
                continue
            body = resp.json()
            job.job_id, job.pages_total = body["id"], int(body["pages_total"])
            bar.total += job.pages_total
            bar.refresh()
        while True:
            for job in jobs:
                if job.job_id is None or job.state in ("done", "failed", "cancelled"):
                    continue
                try:
                    resp = client.get(f"/v1/jobs/{job.job_id}")
                except httpx.HTTPError as exc:
                    fail(job, f"lost the server ({type(exc).__name__}); job {job.job_id}")
                    continue
                if resp.status_code != 200:
                    fail(job, _error_text(resp))
                    continue
                status = resp.json()
                bar.update(int(status["pages_done"]) - job.pages_done)
                job.pages_done = int(status["pages_done"])
                job.state = status["state"]
                for err in status.get("errors", []) if job.state in ("done", "failed") else []:
                    tqdm.write(
                        f"promptocr: warning: {job.name}: page {err['page']}: {err['message']}",
                        file=sys.stderr,
                    )
                if job.state in ("failed", "cancelled"):
                    fail(job, f"the job {job.state}")
            _write_ready(client, jobs, args, fmt, targets, several, fail)
            if all(j.written or j.error for j in jobs):
                break
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        ids = [j.job_id for j in jobs if j.job_id and not j.written and not j.error]
        bar.close()
        if ids:
            sys.stderr.write("promptocr: interrupted; the jobs go on on the server: ")
            sys.stderr.write(", ".join(ids) + "\n")
        return 130
    finally:
        client.close()
        bar.close()
    failures = sum(1 for j in jobs if j.error)
    if failures == 0:
        return EXIT_OK
    return EXIT_ALL_FAILED if failures == len(jobs) else EXIT_PARTIAL


def _write_ready(
    client: httpx.Client,
    jobs: list[Submitted],
    args: argparse.Namespace,
    fmt: str,
    targets: list[Path] | None,
    several: bool,
    fail: Any,
) -> None:
    """Write finished results in input order (stdout keeps the order of the FILE arguments)."""
    for job in jobs:
        if job.written or job.error:
            continue
        if job.state != "done":
            if targets is None:
                return  # an earlier file is still running: keep stdout in order
            continue
        query = "json" if args.prompt is not None else fmt
        try:
            resp = client.get(f"/v1/jobs/{job.job_id}/result", params={"format": query})
        except httpx.HTTPError as exc:
            fail(job, f"cannot fetch the result ({type(exc).__name__}); job {job.job_id}")
            continue
        if resp.status_code != 200:
            fail(job, _error_text(resp))
            continue
        job.written = True
        if query == "pdf":
            assert targets is not None
            targets[job.index].write_bytes(resp.content)
            continue
        if query == "json":
            indent = None if several and targets is None else 2
            text = json.dumps(resp.json(), ensure_ascii=False, indent=indent) + "\n"
        else:
            text = resp.text
        try:
            if targets is not None:
                targets[job.index].write_text(text, encoding="utf-8")
                continue
        except OSError as exc:
            job.written = False
            fail(job, f"cannot write {exc.filename} ({exc.strerror})")
            continue
        if several and query in ("text", "markdown"):
            last = job.index == len(jobs) - 1
            text = f"==> {job.name} <==\n{text}" + ("" if last else "\n")
        sys.stdout.write(text)
        sys.stdout.flush()
