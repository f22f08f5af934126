"""`promptocr read --server URL --async FILE...`: read files on a promptocr server as jobs.

Each file (FILE arguments expand as locally: folders, globs) becomes one job
(`POST /v1/jobs`); a progress bar (stderr, only on a terminal) follows the jobs' `pages_done`;
each result is printed or written as a local `read` prints or writes it: the same formats and
defaults (`answer` with -p, `json` without), JSON Lines or `==> FILE <==` sections for several
files, `-o DIR` names, error lines and exit codes. See docs/jobs.md.
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
FINISHED = ("done", "failed", "cancelled")


@dataclass
class Submitted:
    index: int  # among the files
    name: str
    job_id: str | None = None
    pages_done: int = 0
    state: str = "queued"
    task: str | None = None
    error: str | None = None
    written: bool = False


def _error_text(resp: httpx.Response) -> str:
    try:
        err = resp.json()["error"]
        return f"{err['message']} ({err['code']})"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {resp.status_code}"


def _fields(args: argparse.Namespace, fmt: str) -> dict[str, str]:
    from promptocr.cli.read import PARSE_TASK_TYPE

    fields: dict[str, str] = {"dpi": str(args.dpi)}
    if args.prompt is not None:
        fields["prompt"] = args.prompt
    elif fmt == "markdown":  # the layout-aware Markdown, as locally: the parse task
        fields["task_type"] = PARSE_TASK_TYPE
    if args.pages:
        fields["pages"] = args.pages
    settings: dict[str, Any] = {}
    if args.det_limit_type:
        settings["det_limit_type"] = args.det_limit_type
    if args.det_side_len:
        settings["det_side_len"] = args.det_side_len
    if args.line_cls:
        settings["line_cls"] = True
    if args.no_page_orientation:
        settings["page_orientation"] = False
    if settings:
        fields["settings"] = json.dumps(settings)
    return fields


def run_remote(args: argparse.Namespace) -> int:
    from promptocr.cli.inputs import expand_inputs, output_bases
    from promptocr.cli.main import EXIT_ALL_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL
    from promptocr.cli.read import check_arguments, several_files_problem, usage_error

    if not args.server:
        return usage_error("--async needs --server URL")
    if not args.async_:
        return usage_error("--server reads files as jobs on the server; add --async")
    fmt: str = args.format or ("answer" if args.prompt is not None else "json")
    problem = check_arguments(args)
    if problem:
        return usage_error(problem)
    inputs = expand_inputs(args.files)
    for i in inputs:
        if i.error is not None:
            sys.stderr.write(f"promptocr: error: {i.path}: {i.error}\n")
    files = [i.path for i in inputs if i.error is None]
    problem = several_files_problem(args, fmt, files)
    if problem:
        return usage_error(problem)
    if not files:
        return EXIT_ALL_FAILED
    bases: list[Path] = []
    if args.output_dir:
        try:
            args.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return usage_error(f"cannot create {args.output_dir} ({exc.strerror or exc})")
        bases = output_bases(files, args.output_dir)
    key = args.api_key or os.environ.get("PROMPTOCR_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    jobs = [Submitted(n, name) for n, name in enumerate(files)]
    fields = _fields(args, fmt)
    bar = tqdm(
        total=0,
        unit="page",
        disable=True if args.quiet else None,
        file=sys.stderr,
        dynamic_ncols=True,
    )

    def fail(job: Submitted, message: str) -> None:
        job.error = message
        tqdm.write(f"promptocr: error: {job.name}: {message}", file=sys.stderr)

    writer = _Writer(jobs, fmt, bases, args.prompt is not None, fail)
    client = httpx.Client(base_url=args.server.rstrip("/"), headers=headers, timeout=300)
    try:
        for job in jobs:
            _submit(client, job, fields, bar, fail, args.server)
        while not all(j.written or j.error for j in jobs):
            for job in jobs:
                if job.job_id is not None and job.error is None and job.state not in FINISHED:
                    _poll(client, job, bar, fail)
            writer.write_ready(client)
            if not all(j.written or j.error for j in jobs):
                time.sleep(POLL_S)
    except KeyboardInterrupt:
        bar.close()
        ids = [j.job_id for j in jobs if j.job_id and not j.written and not j.error]
        if ids:
            sys.stderr.write("promptocr: interrupted; the jobs go on on the server: ")
            sys.stderr.write(", ".join(ids) + "\n")
        return EXIT_INTERRUPTED
    finally:
        client.close()
        bar.close()
    failures = sum(1 for j in jobs if j.error) + sum(1 for i in inputs if i.error)
    if failures == 0:
        return EXIT_OK
    return EXIT_ALL_FAILED if failures == len(inputs) else EXIT_PARTIAL


def _submit(
    client: httpx.Client,
    job: Submitted,
    fields: dict[str, str],
    bar: tqdm[Any],
    fail: Any,
    server: str,
) -> None:
    try:
        data = Path(job.name).read_bytes()
    except OSError as exc:
        fail(job, f"cannot read file ({exc.strerror or exc})")
        return
    try:
        resp = client.post("/v1/jobs", files={"file": (Path(job.name).name, data)}, data=fields)
    except httpx.HTTPError as exc:
        fail(job, f"cannot reach {server} ({type(exc).__name__})")
        return
    if resp.status_code != 202:
        fail(job, _error_text(resp))
        return
    body = resp.json()
    job.job_id = str(body["id"])
    bar.total += int(body["pages_total"])
    bar.refresh()


def _poll(client: httpx.Client, job: Submitted, bar: tqdm[Any], fail: Any) -> None:
    try:
        resp = client.get(f"/v1/jobs/{job.job_id}")
    except httpx.HTTPError as exc:
        fail(job, f"lost the server ({type(exc).__name__}); the job is {job.job_id}")
        return
    if resp.status_code != 200:
        fail(job, _error_text(resp))
        return
    status = resp.json()
    bar.update(int(status["pages_done"]) - job.pages_done)
    job.pages_done = int(status["pages_done"])
    job.state = str(status["state"])
    job.task = status.get("task")
    if job.state not in FINISHED:
        return
    for err in status.get("errors", []):
        tqdm.write(
            f"promptocr: error: {job.name}: page {err['page']}: {err['message']} ({err['code']})",
            file=sys.stderr,
        )
    if job.state != "done":
        first = (status.get("errors") or [{}])[0]
        why = f": {first['message']}" if first.get("message") else ""
        fail(job, f"the job {job.state}{why}")


class _Writer:
    """Writes finished results in input order (stdout keeps the order of the files)."""

    def __init__(
        self, jobs: list[Submitted], fmt: str, bases: list[Path], prompted: bool, fail: Any
    ) -> None:
        self.jobs = jobs
        self.fmt = fmt
        self.bases = bases
        self.prompted = prompted
        self.fail = fail

    def write_ready(self, client: httpx.Client) -> None:
        from promptocr.cli.read import ANSWER_EXTENSIONS, FORMATS

        for job in self.jobs:
            if job.written or job.error:
                continue
            if job.state != "done":
                if not self.bases:
                    return  # an earlier file is still running: keep stdout in order
                continue
            text = self._fetch(client, job)
            if text is None:
                continue
            job.written = True
            if self.bases:
                ext = FORMATS[self.fmt]
                if self.fmt == "answer":
                    ext = ANSWER_EXTENSIONS.get(job.task or "", "txt")
                path = Path(f"{self.bases[job.index]}.{ext}")
                try:
                    path.write_text(text, encoding="utf-8")
                    if ext == "md":  # the figures next to the Markdown, as locally
                        self._write_figures(client, job, self.bases[job.index])
                except OSError as exc:
                    self.fail(job, f"cannot write {path} ({exc.strerror or exc})")
                continue
            if len(self.jobs) > 1 and self.fmt != "json":
                last = job.index == len(self.jobs) - 1
                text = f"==> {job.name} <==\n{text}" + ("" if last else "\n")
            sys.stdout.write(text)
            sys.stdout.flush()

    def _write_figures(self, client: httpx.Client, job: Submitted, base: Path) -> None:
        """Write the figures of a parse result next to its Markdown (`<base>-page-N-figure-K.png`)
        and point the Markdown at them; the figures come with the job's JSON result."""
        from promptocr.tasks.parse import write_figures

        try:
            resp = client.get(f"/v1/jobs/{job.job_id}/result", params={"format": "json"})
        except httpx.HTTPError:
            return
        if resp.status_code != 200:
            return
        try:
            body = resp.json()
        except ValueError:
            return
        output = body.get("output") if isinstance(body, dict) else None
        figures = output.get("figures") if isinstance(output, dict) else None
        if isinstance(figures, list):
            write_figures(None, base, "md", [f for f in figures if isinstance(f, dict)])

    def _fetch(self, client: httpx.Client, job: Submitted) -> str | None:
        query = "json" if self.fmt in ("answer", "json") else self.fmt
        try:
            resp = client.get(f"/v1/jobs/{job.job_id}/result", params={"format": query})
        except httpx.HTTPError as exc:
            self.fail(job, f"cannot fetch the result ({type(exc).__name__}); job {job.job_id}")
            return None
        if resp.status_code != 200:
            self.fail(job, _error_text(resp))
            return None
        if query != "json":
            return _line(resp.text)
        result = resp.json()
        if self.fmt == "answer":
            return _line(str(result.get("content", "")))
        if not self.prompted:  # as locally: the document and its usage
            result = {"document": result["document"], "usage": result["usage"]}
        return json.dumps(result, ensure_ascii=False) + "\n"


def _line(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"
