"""The asynchronous Jobs API: `POST /v1/jobs`, `GET /v1/jobs`, `GET|DELETE /v1/jobs/{id}`,
`GET /v1/jobs/{id}/result` (see docs/jobs.md).

`register_jobs(app, state)` adds the routes and wraps the app's lifespan so the runner starts
after the app's own start-up and stops before the engine is closed. The store (SQLite under
`job_store`) is opened at start-up when it already exists, so accepted jobs resume, otherwise on
the first submission, so a server that never gets a job writes nothing to disk.

Priority: jobs run on their own runner thread(s) (`job_workers`, default 1), not in the request
pool, and a runner takes its next page only while a request worker is idle. An interactive
`/v1/ocr` request therefore never waits in the queue behind job pages; at worst it shares the
CPU with the one page per runner thread that is already being read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from promptocr import __version__
from promptocr.cancel import CancelToken
from promptocr.document.export import to_alto, to_hocr, to_markdown, to_text
from promptocr.document.model import Document
from promptocr.errors import (
    EngineUnavailableError,
    InputTooLargeError,
    InvalidOptionError,
    PromptOCRError,
)
from promptocr.inputs.loader import InputLimits, open_pages
from promptocr.jobs.result import assemble, assemble_document, errors_of, job_plan, page_payload
from promptocr.jobs.runner import JobRunner, RunnerHooks
from promptocr.jobs.store import (
    FileSpec,
    JobRecord,
    JobStore,
    PageRecord,
    StoreFullError,
    StoreLockedError,
)
from promptocr.pipeline import OCRPipeline
from promptocr.server.errors import (
    InvalidRequestError,
    NotFoundError,
    QueueFullError,
    SafeJSONResponse,
    URLFetchError,
    URLForbiddenError,
)
from promptocr.server.fetch import check_url
from promptocr.server.protocol import ClientEngineSettings, OCRRequest
from promptocr.tasks import Service
from promptocr.tasks.router import check_engine

if TYPE_CHECKING:
    from promptocr.server.app import State

log = logging.getLogger("promptocr.jobs")

RESULT_FORMATS = ("json", "markdown", "text", "hocr", "alto", "pdf")
MEDIA_TYPES = {
    "markdown": "text/markdown; charset=utf-8",
    "text": "text/plain; charset=utf-8",
    "hocr": "text/html; charset=utf-8",
    "alto": "application/xml; charset=utf-8",
    "pdf": "application/pdf",
}
WEBHOOK_TRIES = 3
WEBHOOK_DELAYS_S = (2.0, 4.0)  # between the tries


def deliver_webhook(
    url: str,
    body: dict[str, Any],
    *,
    timeout_s: float,
    trusted_hosts: frozenset[str] = frozenset(),
    delays_s: tuple[float, ...] = WEBHOOK_DELAYS_S,
) -> tuple[str, str | None, int]:
    """POST `body` to `url`, up to WEBHOOK_TRIES times: (state "sent" or "failed", the last
    error, tries made). Each try checks the address first, as URL fetching does: a host that
    resolves to a non-public address is refused at once (retrying cannot change a policy
    answer), while a host that does not resolve, a connection or timeout error or a non-2xx
    answer is tried again after `delays_s`."""
    error = "not sent"
    for attempt in range(WEBHOOK_TRIES):
        try:
            asyncio.run(check_url(url, trusted_hosts))
            resp = httpx.post(
                url,
                json=body,
                timeout=timeout_s,
                follow_redirects=False,
                headers={"User-Agent": f"promptocr/{__version__}"},
            )
            if 200 <= resp.status_code < 300:
                return "sent", None, attempt + 1
            error = f"the webhook answered HTTP {resp.status_code}"
        except URLForbiddenError as exc:
            return "failed", f"{exc.code}: {exc.message}", attempt + 1
        except URLFetchError as exc:  # the host does not resolve (DNS may come back)
            error = f"{exc.code}: {exc.message}"
        except httpx.HTTPError as exc:
            error = f"the webhook failed: {type(exc).__name__}"
        if attempt + 1 < WEBHOOK_TRIES:
            time.sleep(delays_s[min(attempt, len(delays_s) - 1)])
    return "failed", f"{error} (tried {WEBHOOK_TRIES} times)", WEBHOOK_TRIES


SCHEMA_REF = "#/components/schemas/{model}"


# --------------------------------------------------------------------------------------------
# errors


MAX_SUBMITTING = 2  # job submissions received and checked at once


class JobNotFoundError(NotFoundError):
    code = "job_not_found"


class JobNotDoneError(PromptOCRError):
    code = "job_not_done"
    status = 409


class JobStoreFullError(PromptOCRError):
    code = "job_store_full"
    status = 507


class JobsUnavailableError(PromptOCRError):
    code = "jobs_unavailable"
    status = 503


class WebhooksDisabledError(PromptOCRError):
    code = "webhooks_disabled"
    status = 400


# --------------------------------------------------------------------------------------------
# request


class JobRequest(OCRRequest):
    """`POST /v1/jobs` as JSON: the `/v1/ocr` fields plus an optional completion webhook.
    (`timeout_s` is accepted and ignored: a job has no request timeout.)"""

    webhook_url: str | None = Field(
        default=None,
        max_length=2000,
        description="POSTed a JSON summary when the job finishes (only if the server allows it)",
    )


JOB_REQUEST_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "one or more images or PDFs (repeat the field)",
                        },
                        "prompt": {"type": "string"},
                        "pages": {"type": "string", "description": "applies to every file"},
                        "dpi": {"type": "integer"},
                        "output_format": {"type": "string"},
                        "task_type": {"type": "string"},
                        "engine": {"type": "string"},
                        "settings": {
                            "type": "string",
                            "description": "JSON object of ClientEngineSettings",
                        },
                        "webhook_url": {"type": "string"},
                    },
                }
            },
            "application/json": {"schema": {"$ref": SCHEMA_REF.format(model="JobRequest")}},
        },
    },
    "responses": {
        "202": {
            "description": "accepted: `id`, `state`, `pages_total`, `pages_done`, `created`, "
            "`location` (also in the `Location` header)"
        }
    },
}
RESULT_DOC: dict[str, Any] = {
    "parameters": [
        {
            "name": "format",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": list(RESULT_FORMATS), "default": "json"},
        }
    ],
    "responses": {
        "200": {"description": "the result in the asked format"},
        "409": {"description": "the job is not done (its state is in error.details)"},
    },
}


# --------------------------------------------------------------------------------------------
# files


def inspect_file(
    data: bytes, name: str, pages: str | None, dpi: int, limits: InputLimits
) -> FileSpec:
    """Refuse a bad file at submission with the loader's precise error: `open_pages` checks
    bytes, format, page count, the selection and every selected page's size from the headers;
    the first selected page is then decoded, which catches corrupt or truncated data."""
    stream = open_pages(data, name=name, pages=pages, dpi=dpi, limits=limits)
    try:
        next(iter(stream), None)
    finally:
        stream.close()
    return FileSpec(name=name, size=len(data), pages=[i + 1 for i in stream.selected])


# --------------------------------------------------------------------------------------------


class Jobs:
    """The store, the runner and the glue to the app's engine, metrics and settings."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.settings = state.settings
        # Submissions being received and checked (bodies held in memory, first pages decoded):
        # bounded like the OCR queue, so holding keys cannot exhaust memory without a 429.
        self.submitting = 0
        s = state.settings
        # Pages are read one at a time, so the document's pixel total is bounded by the page
        # limit rather than by /v1/ocr's max_total_pixels.
        self.limits = InputLimits(
            max_pixels=s.max_pixels,
            max_pages=s.job_max_pages,
            max_bytes=s.job_max_body_bytes,
            max_total_pixels=s.max_pixels * s.job_max_pages,
        )
        # Same engine, cache, VLM and task limits as /v1/ocr; only the input limits differ.
        pipeline = OCRPipeline(state.engine, self.limits, state.cache)
        pipeline.layout = state.pipeline.layout
        self.service = Service(
            pipeline,
            vlm=state.service.vlm,
            router=state.service.router,
            limits=state.service.limits,
        )
        self.root = s.job_store_path()
        self.store: JobStore | None = None
        self.runner: JobRunner | None = None
        self.unavailable: str | None = None
        self._open_lock = threading.Lock()
        self._webhooks_in_flight: set[str] = set()
        self._wh_lock = threading.Lock()
        self._file_cache: tuple[str, int, bytes] | None = None
        self._counts: tuple[float, dict[str, int]] = (0.0, {})
        m = state.metrics
        for st in ("queued", "running", "done", "failed", "cancelled"):
            m.jobs.labels(st).set_function(self._counter(st))
        m.jobs_oldest_age.set_function(self._oldest_age)

    # ---- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Resume the accepted jobs of an existing store (the server still starts, with jobs
        answering 503, when the store cannot be opened)."""
        if (self.root / "jobs.sqlite3").exists():
            with contextlib.suppress(JobsUnavailableError):  # open() logged why
                self.open()

    def open(self) -> JobStore:
        with self._open_lock:
            if self.store is not None:
                return self.store
            try:  # tried again on each submission: the other owner may have stopped
                store = JobStore(self.root)
            except (StoreLockedError, OSError, sqlite3.Error) as exc:
                self.unavailable = f"the job store cannot be opened: {exc}"
                log.error(self.unavailable)
                raise JobsUnavailableError(self.unavailable) from None
            self.unavailable = None
            resumed = store.recover()
            for job in resumed:
                log.info(
                    "resuming job",
                    extra={
                        "job": job.id,
                        "pages_done": job.pages_done,
                        "pages_total": job.pages_total,
                    },
                )
            self.store = store
            s = self.settings
            self.runner = JobRunner(
                store,
                RunnerHooks(
                    read_page=self._read_page,
                    ready=self.state.ready.is_set,
                    may_start=self._may_start,
                    on_page=self._on_page,
                    on_finished=self._on_finished,
                    housekeeping=self._housekeeping,
                ),
                threads=s.job_workers,
                housekeeping_s=max(0.5, min(60.0, s.job_ttl_s / 4)),
            )
            self.runner.start()
            return store

    def close(self) -> None:
        if self.runner is not None:
            self.runner.stop(self.settings.graceful_timeout_s)
        if self.store is not None:
            self.store.close()

    # ---- runner hooks ----------------------------------------------------------------------

    def _may_start(self) -> bool:
        pool = self.state.pool
        return pool.admitted < pool.workers

    def _file(self, job_id: str, index: int) -> bytes:
        cached = self._file_cache
        if cached is not None and cached[0] == job_id and cached[1] == index:
            return cached[2]
        assert self.store is not None
        data = self.store.read_file(job_id, index)
        self._file_cache = (job_id, index, data)
        return data

    def _first_done_plan(self, job_id: str) -> dict[str, Any] | None:
        assert self.store is not None
        done = self.store.first_done_result(job_id)
        plan = done.get("plan") if done else None
        return plan if isinstance(plan, dict) else None

    def _read_page(self, page: PageRecord, cancel: CancelToken) -> dict[str, object]:
        assert self.store is not None
        job = self.store.get(page.job_id)
        if job is None:
            raise JobNotFoundError("the job was deleted")
        p = job.params
        es = self.state.engine.settings
        if p.get("settings"):
            es = es.with_overrides(**ClientEngineSettings(**p["settings"]).overrides())
        engine = p.get("engine")
        if job.task == "extract" and check_engine(engine) == "auto":
            # Fields are found over the whole document at the end; a page without them is
            # not a weak result to escalate.
            engine = "embedded"
        result = self.service.run(
            self._file(job.id, page.file_index),
            job.prompt,
            name=job.files[page.file_index].name,
            pages=str(page.page_no),
            dpi=int(p.get("dpi", 200)),
            settings=es,
            output_format=p.get("output_format"),
            task_type=p.get("task_type"),
            engine=engine,
            cancel=cancel,
            planned=job_plan(job, self.service, lambda: self._first_done_plan(job.id)),
        )
        self.state.metrics.pages.inc(result.usage.pages)
        return page_payload(result)

    def _on_page(self, page: PageRecord, ok: bool, seconds: float) -> None:
        self.state.metrics.job_pages.labels("done" if ok else "failed").inc()

    def _on_finished(self, job_id: str, state: str) -> None:
        cached = self._file_cache
        if cached is not None and cached[0] == job_id:
            self._file_cache = None
        self._send_webhook(job_id)

    def _housekeeping(self) -> None:
        if self.store is None:
            return
        for job_id in self.store.expire(self.settings.job_ttl_s):
            log.info("job expired", extra={"job": job_id})
        for job in self.store.pending_webhooks():
            self._send_webhook(job.id)

    # ---- metrics ---------------------------------------------------------------------------

    def _counter(self, state: str) -> Callable[[], float]:
        return lambda: float(self._count(state))

    def _count(self, state: str) -> int:
        if self.store is None or self.store.closed:
            return 0
        t, counts = self._counts
        if time.monotonic() - t > 1.0:
            counts = self.store.counts()
            self._counts = (time.monotonic(), counts)
        return counts.get(state, 0)

    def _oldest_age(self) -> float:
        if self.store is None or self.store.closed:
            return 0.0
        t = self.store.oldest_unfinished()
        return max(0.0, time.time() - t) if t is not None else 0.0

    # ---- webhooks --------------------------------------------------------------------------

    def _send_webhook(self, job_id: str) -> None:
        with self._wh_lock:
            if job_id in self._webhooks_in_flight:
                return
            self._webhooks_in_flight.add(job_id)
        threading.Thread(
            target=self._deliver, args=(job_id,), name="job-webhook", daemon=True
        ).start()

    def _deliver(self, job_id: str) -> None:
        try:
            store = self.store
            if store is None:
                return
            job = store.get(job_id)
            if job is None or not job.webhook_url or job.webhook_state != "pending":
                return
            if not self.settings.allow_webhooks:
                store.set_webhook_state(job_id, "failed", "webhooks are disabled on this server")
                return
            body = {
                "id": job.id,
                "state": job.state,
                "pages_total": job.pages_total,
                "pages_done": job.pages_done,
                "pages_failed": job.pages_failed,
                "result": f"/v1/jobs/{job.id}/result",
            }
            state, error, _ = deliver_webhook(
                job.webhook_url,
                body,
                timeout_s=self.settings.webhook_timeout_s,
                trusted_hosts=self._trusted_hosts(),
            )
            store.set_webhook_state(job_id, state, error)
        except Exception:
            log.exception("webhook delivery failed", extra={"job": job_id})
        finally:
            with self._wh_lock:
                self._webhooks_in_flight.discard(job_id)

    def _trusted_hosts(self) -> frozenset[str]:
        return frozenset(h.lower() for h in self.settings.webhook_trusted_hosts)

    # ---- views -----------------------------------------------------------------------------

    def visible(self, job_id: str, owner: str) -> JobRecord:
        """The job, if it exists, belongs to `owner` and has not outlived its TTL."""
        store = self.store
        job = store.get(job_id) if store is not None else None
        expired = (
            job is not None
            and job.finished is not None
            and job.finished + self.settings.job_ttl_s < time.time()
        )
        if job is None or job.owner != owner or expired:
            raise JobNotFoundError(f"no job {job_id!r}")
        return job

    def status(self, job: JobRecord) -> dict[str, Any]:
        assert self.store is not None
        eta: float | None = None
        if not job.is_finished:
            runner = self.runner
            avg = runner.avg_page_s if runner is not None else 1.0
            threads = runner.threads if runner is not None else 1
            left = job.pages_total - job.pages_done + self.store.pages_ahead(job)
            eta = round(avg * left / threads, 1)
        out: dict[str, Any] = {
            "id": job.id,
            "state": job.state,
            "files": [{"name": f.name, "size": f.size, "pages": len(f.pages)} for f in job.files],
            "pages_total": job.pages_total,
            "pages_done": job.pages_done,
            "pages_failed": job.pages_failed,
            "eta_s": eta,
            "errors": errors_of(job, self.store.failed_pages(job.id)),
            "created": job.created,
            "updated": job.updated,
            "prompt": job.prompt,
            "task": job.task,
            "location": f"/v1/jobs/{job.id}",
        }
        if job.webhook_url:
            out["webhook"] = {"state": job.webhook_state, "error": job.webhook_error}
        return out


# --------------------------------------------------------------------------------------------
# routes


def _principal(request: Request) -> str:
    return str(request.scope.get("state", {}).get("principal") or "anonymous")


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def register_jobs(app: FastAPI, state: State) -> Jobs:
    """Add the `/v1/jobs` routes and start/stop the runner with the app."""
    jobs = Jobs(state)
    settings = state.settings
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        async with inner(a) as value:
            await run_in_threadpool(jobs.start)
            try:
                yield value
            finally:
                await run_in_threadpool(jobs.close)

    app.router.lifespan_context = lifespan
    base_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        spec = base_openapi()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        if "JobRequest" not in schemas:
            schema = JobRequest.model_json_schema(ref_template=SCHEMA_REF)
            for name, sub in schema.pop("$defs", {}).items():
                schemas.setdefault(name, sub)
            schemas["JobRequest"] = schema
        return spec

    app.openapi = openapi  # type: ignore[method-assign]

    async def parse_submission(request: Request) -> tuple[JobRequest, list[tuple[str, bytes]]]:
        from promptocr.server.app import read_upload

        return await read_upload(
            request,
            JobRequest,
            max_files=settings.job_max_files,
            allow_url_fetch=settings.allow_url_fetch,
            url_max_bytes=min(settings.url_max_bytes, settings.job_max_body_bytes),
            url_timeout_s=settings.url_timeout_s,
        )

    @app.post("/v1/jobs", tags=["jobs"], status_code=202, openapi_extra=JOB_REQUEST_DOC)
    async def submit_job(request: Request) -> Response:
        """Submit files (several `file` parts = one job) and an instruction to be read in the
        background, one page at a time. Answers 202 with the job's `id` and `Location`; poll
        `GET /v1/jobs/{id}` and fetch `GET /v1/jobs/{id}/result` when `state` is `done`."""
        if jobs.submitting >= MAX_SUBMITTING:
            raise QueueFullError(
                f"{MAX_SUBMITTING} job submissions are being received; retry in a moment",
                retry_after=2,
            )
        jobs.submitting += 1  # the event loop's thread only: no lock needed
        try:
            return await accept(request)
        finally:
            jobs.submitting -= 1

    async def accept(request: Request) -> Response:
        req, files = await parse_submission(request)
        if req.dpi > settings.max_dpi:
            raise InvalidRequestError(
                f"dpi {req.dpi} is over this server's limit of {settings.max_dpi}", param="dpi"
            )
        if check_engine(req.engine) == "vlm" and jobs.service.vlm is None:
            raise EngineUnavailableError(
                "engine=vlm needs a vision-language engine and none is configured on this "
                "server (see docs/vlm.md)"
            )
        plan = jobs.service.plan(req.prompt, task_type=req.task_type)
        if req.webhook_url is not None:
            if not settings.allow_webhooks:
                raise WebhooksDisabledError(
                    "completion webhooks are disabled on this server (allow_webhooks)"
                )
            try:
                parts = urlsplit(req.webhook_url)
                valid = parts.scheme in ("http", "https") and bool(parts.hostname)
            except ValueError:  # e.g. an unclosed IPv6 bracket
                valid = False
            if not valid:
                raise InvalidRequestError("webhook_url must be an http(s) URL", param="webhook_url")
            try:
                await check_url(req.webhook_url, jobs._trusted_hosts())
            except URLFetchError as exc:  # nothing was fetched: the client's URL is at fault
                raise InvalidRequestError(
                    f"webhook_url: {exc.message}", param="webhook_url"
                ) from None
        store = await run_in_threadpool(jobs.open)
        incoming = sum(len(d) for _, d in files)
        quota = settings.job_store_max_mb * 1024 * 1024
        used = await run_in_threadpool(store.used_bytes)
        if used + incoming > quota:
            raise JobStoreFullError(
                f"the job store holds {used} bytes and this job adds {incoming}, over its quota "
                f"of {settings.job_store_max_mb} MiB; delete finished jobs or retry later"
            )
        specs = []
        for name, data in files:
            specs.append(
                await run_in_threadpool(inspect_file, data, name, req.pages, req.dpi, jobs.limits)
            )
        total = sum(len(s.pages) for s in specs)
        if total > settings.job_max_pages:
            raise InputTooLargeError(
                f"the job has {total} pages, over the limit of {settings.job_max_pages} per job"
            )
        params = {
            "pages": req.pages,
            "dpi": req.dpi,
            "output_format": req.output_format,
            "task_type": req.task_type,
            "engine": req.engine,
            "settings": req.settings.model_dump(exclude_none=True) or None,
            # the accepted plan: pages and assembly run it, whatever a later release would
            # make of the prompt (jobs survive restarts and upgrades)
            "plan": plan.to_dict(),
        }
        try:
            job = await run_in_threadpool(
                lambda: store.create(
                    owner=_principal(request),
                    prompt=req.prompt,
                    task=plan.task,
                    params=params,
                    files=[(spec, data) for spec, (_, data) in zip(specs, files, strict=True)],
                    webhook_url=req.webhook_url,
                    max_bytes=quota,  # checked again atomically: others may have been accepted
                )
            )
        except StoreFullError as exc:
            raise JobStoreFullError(
                f"the job store holds {exc.used} bytes and this job adds {exc.incoming}, over "
                f"its quota of {settings.job_store_max_mb} MiB; delete finished jobs or retry "
                "later"
            ) from None
        if jobs.runner is not None:
            jobs.runner.wake()
        request.scope["state"]["task"] = plan.task
        location = f"/v1/jobs/{job.id}"
        body = {
            "id": job.id,
            "state": job.state,
            "pages_total": job.pages_total,
            "pages_done": job.pages_done,
            "created": job.created,
            "location": location,
        }
        return JSONResponse(body, status_code=202, headers={"Location": location})

    @app.get("/v1/jobs", tags=["jobs"])
    async def list_jobs(request: Request) -> Response:
        """The caller's own jobs (API key or JWT subject), newest first."""
        owner = _principal(request)
        store = jobs.store

        def work() -> list[dict[str, Any]]:
            if store is None:
                return []
            now = time.time()
            return [
                jobs.status(j)
                for j in store.list_jobs(owner)
                if j.finished is None or j.finished + settings.job_ttl_s >= now
            ]

        return JSONResponse({"jobs": await run_in_threadpool(work)})

    @app.get("/v1/jobs/{job_id}", tags=["jobs"])
    async def get_job(request: Request, job_id: str) -> Response:
        """The job's state, pages done/total, ETA and per-page errors."""
        owner = _principal(request)
        return JSONResponse(
            await run_in_threadpool(lambda: jobs.status(jobs.visible(job_id, owner)))
        )

    @app.delete("/v1/jobs/{job_id}", tags=["jobs"])
    async def delete_job(request: Request, job_id: str) -> Response:
        """Cancel a queued or running job (the page being read finishes, the rest are
        skipped); delete a finished one with its files and results."""
        owner = _principal(request)

        def work() -> dict[str, Any]:
            job = jobs.visible(job_id, owner)
            assert jobs.store is not None
            if job.is_finished:
                jobs.store.delete(job.id)
                return {"id": job.id, "deleted": True}
            cancelled = jobs.store.cancel(job.id)
            if cancelled is None:  # cancelled and deleted by another request meanwhile
                raise JobNotFoundError(f"no job {job_id!r}")
            if cancelled.webhook_state == "pending":
                jobs._send_webhook(job.id)
            return jobs.status(cancelled)

        return JSONResponse(await run_in_threadpool(work))

    @app.get("/v1/jobs/{job_id}/result", tags=["jobs"], openapi_extra=RESULT_DOC)
    async def job_result(request: Request, job_id: str) -> Response:
        """The result of a done job: `format=json` (the `/v1/ocr` answer for the whole job,
        plus `files` and `errors`), `markdown`, `text`, `hocr`, `alto` or `pdf`."""
        fmt = request.query_params.get("format", "json")
        if fmt not in RESULT_FORMATS:
            raise InvalidRequestError(
                f"format must be one of {', '.join(RESULT_FORMATS)}", param="format"
            )
        owner = _principal(request)

        def work() -> Response:
            job = jobs.visible(job_id, owner)
            if job.state != "done":
                raise JobNotDoneError(
                    f"the job is {job.state}, not done",
                    details={
                        "state": job.state,
                        "pages_done": job.pages_done,
                        "pages_total": job.pages_total,
                    },
                )
            assert jobs.store is not None
            pages = jobs.store.pages(job.id, with_results=True)
            if fmt == "json":
                return SafeJSONResponse(assemble(job, pages, jobs.service))
            if fmt == "markdown" and job.task == "parse":
                body = assemble(job, pages, jobs.service)["output"].get("markdown", "")
                return Response(body, media_type=MEDIA_TYPES[fmt])
            doc = assemble_document(job, pages)
            if fmt == "pdf":
                return Response(_searchable_pdf(jobs, job, doc), media_type=MEDIA_TYPES[fmt])
            render = {"markdown": to_markdown, "text": to_text, "hocr": to_hocr, "alto": to_alto}
            return Response(render[fmt](doc), media_type=MEDIA_TYPES[fmt])

        return await run_in_threadpool(work)

    return jobs


def _searchable_pdf(jobs: Jobs, job: JobRecord, doc: Document) -> bytes:
    """The original pages with an invisible text layer."""
    from promptocr.document.pdf import to_searchable_pdf

    if len(job.files) != 1:
        raise InvalidOptionError("format=pdf is available for jobs of one file")
    assert jobs.store is not None
    original = jobs.store.read_file(job.id, 0)
    out = to_searchable_pdf(doc, original)
    return bytes(out)


__all__ = ["Jobs", "register_jobs"]
