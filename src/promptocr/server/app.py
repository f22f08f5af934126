"""The FastAPI application: native `/v1/ocr`, OpenAI-compatible `/v1/chat/completions` and
`/v1/models`, health, readiness and Prometheus metrics.

`create_app(settings)` builds one self-contained app (its own engine, cache, worker pool and
metrics registry). Request bodies are parsed by hand rather than by FastAPI's dependency
injection, so every refusal (415, 400, 413, ...) gets our JSON error shape and a stable code;
the OpenAPI spec still documents each body through `openapi_extra`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response, StreamingResponse

from promptocr import __version__
from promptocr.cancel import CancelToken
from promptocr.document.model import Document, Page
from promptocr.engines.batching import BatchingRecognizer
from promptocr.engines.embedded import EmbeddedEngine, EngineSettings
from promptocr.engines.runtime import resolve_runtime
from promptocr.engines.stages import SessionSettings
from promptocr.errors import PromptOCRError
from promptocr.inputs.loader import InputLimits
from promptocr.pipeline import OCRPipeline, PageCache
from promptocr.server.auth import Authenticator
from promptocr.server.errors import (
    BodyTooLargeError,
    InternalError,
    InvalidRequestError,
    MethodNotAllowedError,
    ModelNotFoundError,
    NotFoundError,
    SafeJSONResponse,
    UnsupportedMediaTypeError,
    error_body,
    error_response,
)
from promptocr.server.fetch import fetch_url
from promptocr.server.jobs import register_jobs
from promptocr.server.logs import request_id_var
from promptocr.server.metrics import Metrics
from promptocr.server.protocol import (
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ChatCompletionStreamChoice,
    ClientEngineSettings,
    DeltaMessage,
    ModelCard,
    ModelList,
    OCRRequest,
    ResponseMessage,
    UsageInfo,
)
from promptocr.server.settings import ServerSettings
from promptocr.server.work import WorkPool
from promptocr.tasks import Result, Service
from promptocr.tasks.planner import Plan
from promptocr.tasks.service import TaskLimits
from promptocr.ui import is_public_path, mount_ui

log = logging.getLogger("promptocr.server")

OPEN_PATHS = {"/healthz", "/readyz"}
OPENAI_PREFIXES = ("/v1/chat/", "/v1/models")
KNOWN_ENDPOINTS = {
    "/v1/ocr",
    "/v1/chat/completions",
    "/v1/models",
    "/v1/jobs",
    "/healthz",
    "/readyz",
    "/metrics",
    "/docs",
    "/openapi.json",
}
_RID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _is_openai(path: str) -> bool:
    return path.startswith(OPENAI_PREFIXES)


def _endpoint_label(path: str) -> str:
    if path in KNOWN_ENDPOINTS:
        return path
    if path.startswith("/v1/models/"):
        return "/v1/models/{id}"
    if path.startswith("/v1/jobs"):
        return "/v1/jobs/{id}/result" if path.endswith("/result") else "/v1/jobs/{id}"
    if path == "/ui" or path.startswith("/ui/"):
        return "/ui"
    return "other"


class State:
    """Everything one app instance owns."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.auth = Authenticator(settings)
        self.engine = EmbeddedEngine(
            EngineSettings(),
            SessionSettings(
                intra_op_threads=settings.threads_per_run(),
                enable_mem_arena=settings.ort_mem_arena,
                runtime=settings.runtime,
                precision=settings.precision,
                rec_head=settings.rec_head,
                rec_squeeze=settings.rec_squeeze,
                rec_gap_spaces=settings.rec_gap_spaces or None,
                rec_lexicon=settings.rec_lexicon,
                # One OpenVINO stream per concurrent caller, or they would queue on one.
                streams=max(settings.workers, settings.rec_runners or settings.workers),
            ),
        )
        self.batcher: BatchingRecognizer | None = None
        self.cache = PageCache(settings.cache_mb * 1024 * 1024)
        self.limits = InputLimits(
            max_pixels=settings.max_pixels,
            max_pages=settings.max_pages,
            max_bytes=settings.max_body_bytes,
            max_total_pixels=settings.max_total_pixels,
        )
        self.pipeline = OCRPipeline(self.engine, self.limits, self.cache)
        self.service = Service(
            self.pipeline,
            limits=TaskLimits(
                max_prompt_chars=settings.max_prompt_chars, max_fields=settings.max_fields
            ),
        )
        self.pool = WorkPool(settings.workers, settings.queue_size, self.metrics)
        self.ready = threading.Event()
        self.started = time.time()

    def load_models(self) -> None:
        try:
            self.engine.warm_up()
            self.batcher = BatchingRecognizer(
                self.engine.recognizer,
                window_ms=self.settings.batch_window_ms,
                max_crops=self.settings.batch_max_crops,
                runners=self.settings.rec_runners or self.settings.workers,
                on_batch=self.metrics.on_batch,
            )
            self.engine.set_recognizer(self.batcher)
            # A local VLM (PROMPTOCR_VLM_MODEL_DIR) loads now, not on the first request.
            load_vlm = getattr(self.service.vlm, "load", None)
            if callable(load_vlm):
                load_vlm()
            self.ready.set()
            self.metrics.ready.set(1)
            log.info("models loaded", extra={"seconds": round(time.time() - self.started, 2)})
        except Exception:
            log.exception("loading the models failed")

    def close(self) -> None:
        if not self.pool.close(self.settings.graceful_timeout_s):
            log.warning("shutdown: work still running after the graceful timeout was cancelled")
        if self.batcher is not None:
            self.batcher.close()


# --------------------------------------------------------------------------------------------
# ASGI middleware: request id, body-size limit, auth, access log and request metrics.

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ServiceMiddleware:
    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        st = self.state
        t0 = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        rid = incoming if _RID_OK.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        path: str = scope["path"]
        openai = _is_openai(path)
        status_box = {"status": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", rid.encode()),
                ]
            await send(message)

        async def refuse(err: PromptOCRError) -> None:
            st.metrics.rejected.labels(err.code).inc()
            await error_response(err, openai=openai)(scope, receive, send_wrapper)

        try:
            limit = st.settings.max_body_bytes
            if path == "/v1/jobs":  # a job may be one big document (or several files)
                limit = st.settings.job_max_body_bytes
            declared = headers.get("content-length")
            if path not in OPEN_PATHS and not is_public_path(path):
                try:
                    scope["state"]["principal"] = st.auth.principal(headers.get("authorization"))
                except PromptOCRError as err:
                    await refuse(err)
                    return
            if declared is not None:
                if not declared.isdigit():
                    await refuse(InvalidRequestError("Content-Length is not a number"))
                    return
                if int(declared) > limit:
                    await refuse(
                        BodyTooLargeError(
                            f"request body is {declared} bytes, over the limit of {limit}"
                        )
                    )
                    return
            seen = 0

            async def receive_limited() -> Message:
                nonlocal seen
                message = await receive()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > limit:
                        raise BodyTooLargeError(f"request body is over the limit of {limit} bytes")
                return message

            await self.app(scope, receive_limited, send_wrapper)
        finally:
            dt = time.perf_counter() - t0
            status = status_box["status"]
            task = scope["state"].get("task", "-")
            endpoint = _endpoint_label(path)
            st.metrics.requests.labels(endpoint, task, str(status)).inc()
            st.metrics.latency.labels(endpoint, task, str(status)).observe(dt)
            log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": path,
                    "status": status,
                    "ms": round(dt * 1000, 1),
                    "task": task,
                    "request_id": rid,
                },
            )
            request_id_var.reset(token)


# --------------------------------------------------------------------------------------------
# Body parsing helpers


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def decode_base64(data: str, param: str) -> tuple[bytes, str | None]:
    """Plain base64 or a `data:[mime];base64,...` URL -> (bytes, mime)."""
    mime: str | None = None
    payload = data.strip()
    if payload.startswith("data:"):
        header, sep, payload = payload.partition(",")
        if not sep or not header.endswith(";base64"):
            raise InvalidRequestError(
                "a data: URL must look like data:<mime>;base64,<data>", param=param
            )
        mime = header[5 : -len(";base64")] or None
    payload = re.sub(r"\s+", "", payload)
    # accept URL-safe base64 and missing padding, reject anything else
    payload = payload.replace("-", "+").replace("_", "/")
    payload += "=" * (-len(payload) % 4)
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequestError(f"'{param}' is not valid base64", param=param) from None
    if not raw:
        raise InvalidRequestError(f"'{param}' is empty", param=param)
    return raw, mime


def _validation_message(exc: ValidationError) -> tuple[str, str | None]:
    errs = exc.errors()
    if not errs:
        return "invalid request", None
    e = errs[0]
    loc = ".".join(str(x) for x in e["loc"])
    return (f"{loc}: {e['msg']}" if loc else e["msg"]), (loc or None)


MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(raw: bytes | str, what: str = "the body", param: str | None = None) -> Any:
    """JSON that is safe to hand on: valid, at most MAX_JSON_DEPTH levels deep, and with no
    unpaired UTF-16 surrogate in any string (JSON allows `"\\ud800"`; UTF-8 cannot hold it)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise InvalidRequestError(
            f"{what} is nested deeper than {MAX_JSON_DEPTH} levels", param=param
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequestError(f"{what} is not valid JSON ({exc})", param=param) from None
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise InvalidRequestError(
                    f"{what} holds a string with an unpaired UTF-16 surrogate (not valid "
                    "Unicode text)",
                    param=param,
                )
            continue
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise InvalidRequestError(
                    f"{what} is nested deeper than {MAX_JSON_DEPTH} levels", param=param
                )
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for k, v in children:
                if isinstance(k, str):
                    stack.append((k, depth))
                stack.append((v, depth + 1))
    return value


UploadModel = TypeVar("UploadModel", bound=OCRRequest)


async def read_upload(
    request: Request,
    model: type[UploadModel],
    *,
    max_files: int,
    allow_url_fetch: bool,
    url_max_bytes: int,
    url_timeout_s: float,
) -> tuple[UploadModel, list[tuple[str, bytes]]]:
    """The file(s) and options of `/v1/ocr` and `/v1/jobs`: multipart (`file` parts, at most
    `max_files`, plus form fields, `settings` as a JSON object) or JSON (`image` in base64 or
    a data: URL, or `url` when fetching is allowed). Returns the options and (name, bytes)."""
    mt = _media_type(request)
    files: list[tuple[str, bytes]] = []
    if mt == "multipart/form-data":
        form = await request.form(max_files=max_files, max_fields=20)
        for item in form.getlist("file"):
            if not isinstance(item, UploadFile):
                raise InvalidRequestError("multipart field 'file' must be a file upload")
            files.append((item.filename or "<upload>", await item.read()))
        if not files:
            raise InvalidRequestError("multipart field 'file' (the image or PDF) is missing")
        fields: dict[str, Any] = {
            k: v for k, v in form.multi_items() if k != "file" and isinstance(v, str)
        }
        if "settings" in fields:
            fields["settings"] = parse_json(
                fields["settings"], "form field 'settings'", param="settings"
            )
            if not isinstance(fields["settings"], dict):
                raise InvalidRequestError(
                    "form field 'settings' must be a JSON object", param="settings"
                )
        try:
            req = model(**fields)
        except ValidationError as exc:
            msg, param = _validation_message(exc)
            raise InvalidRequestError(msg, param=param) from None
        if req.image or req.url:
            raise InvalidRequestError("send the file either as an upload or in JSON, not both")
    elif mt == "application/json":
        raw = await _read_json(request)
        try:
            req = model.model_validate(raw)
        except ValidationError as exc:
            msg, param = _validation_message(exc)
            raise InvalidRequestError(msg, param=param) from None
        if bool(req.image) == bool(req.url):
            raise InvalidRequestError("give exactly one of 'image' (base64) and 'url'")
        if req.image:
            data, _mime = decode_base64(req.image, "image")
            files.append((req.filename or "<upload>", data))
        else:
            assert req.url is not None
            data, name = await fetch_url(
                req.url,
                enabled=allow_url_fetch,
                max_bytes=url_max_bytes,
                timeout_s=url_timeout_s,
            )
            files.append((req.filename or name, data))
    else:
        many = " (repeatable)" if max_files > 1 else ""
        raise UnsupportedMediaTypeError(
            f"send multipart/form-data (field 'file'{many}) or application/json, "
            f"not {mt or 'no Content-Type'!r}"
        )
    return req, files


async def _read_json(request: Request) -> Any:
    if _media_type(request) != "application/json":
        raise UnsupportedMediaTypeError(
            f"Content-Type must be application/json, not {_media_type(request) or 'missing'!r}"
        )
    return parse_json(await request.body())


# --------------------------------------------------------------------------------------------


SCHEMA_REF = "#/components/schemas/{model}"
# Models whose JSON schemas the hand-written request bodies below refer to; `create_app` adds
# them (and what they refer to) to the spec's components, so every $ref resolves.
DOC_MODELS = (OCRRequest, ChatCompletionRequest)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}


def doc_components() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for model in DOC_MODELS:
        schema = model.model_json_schema(ref_template=SCHEMA_REF)
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


OCR_REQUEST_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "prompt": {"type": "string"},
                        "pages": {"type": "string"},
                        "dpi": {"type": "integer"},
                        "output_format": {"type": "string"},
                        "settings": {
                            "type": "string",
                            "description": "JSON object of ClientEngineSettings",
                        },
                        "timeout_s": {"type": "number"},
                    },
                }
            },
            "application/json": {"schema": _ref(OCRRequest)},
        },
    }
}
CHAT_REQUEST_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _ref(ChatCompletionRequest)}},
    }
}


def create_app(settings: ServerSettings | None = None, *, load_models: bool = True) -> FastAPI:
    settings = settings or ServerSettings()
    state = State(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if load_models:
            threading.Thread(target=state.load_models, name="model-loader", daemon=True).start()
        log.info(
            "promptocr service starting",
            extra={
                "version": __version__,
                "workers": settings.workers,
                "runtime": resolve_runtime(settings.runtime),
                "precision": settings.precision,
                "rec_head": settings.rec_head,
                "queue_size": settings.queue_size,
                "auth": state.auth.enabled,
            },
        )
        yield
        log.info("shutting down: finishing in-flight requests")
        state.close()
        log.info("stopped")

    app = FastAPI(
        title="promptocr",
        version=__version__,
        description="Prompt-driven OCR on a CPU. Native API at /v1/ocr; OpenAI-compatible "
        "chat completions at /v1/chat/completions (HunyuanOCR/vLLM request shape).",
        lifespan=lifespan,
    )
    app.state.promptocr = state

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = FastAPI.openapi(app)
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in doc_components().items():
                schemas.setdefault(name, schema)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    # ---- errors ---------------------------------------------------------------------------

    @app.exception_handler(PromptOCRError)
    async def _ocr_error(request: Request, exc: PromptOCRError) -> Response:
        return error_response(exc, openai=_is_openai(request.url.path))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = ".".join(str(x) for x in first.get("loc", ()))
        err = InvalidRequestError(f"{loc}: {first.get('msg')}", param=loc or None)
        return error_response(err, openai=_is_openai(request.url.path))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        err: PromptOCRError
        if exc.status_code == 404:
            err = NotFoundError(f"no such endpoint: {request.method} {request.url.path}")
        elif exc.status_code == 405:
            allow = (exc.headers or {}).get("Allow")
            err = MethodNotAllowedError(
                f"{request.method} is not allowed on {request.url.path}"
                + (f"; allowed: {allow}" if allow else "")
            )
        else:
            err = InvalidRequestError(str(exc.detail))
            err.status = exc.status_code
        return error_response(
            err, openai=_is_openai(request.url.path), headers=dict(exc.headers or {})
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc)
        err = InternalError("internal error; the request id is in the X-Request-ID header")
        resp = error_response(err, openai=_is_openai(request.url.path))
        rid = request.scope.get("state", {}).get("request_id")
        if rid:  # the middleware's header is bypassed for responses built here
            resp.headers["X-Request-ID"] = rid
        return resp

    # ---- operations -----------------------------------------------------------------------

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> Response:
        """Readiness: the models are loaded (503 until then)."""
        if state.ready.is_set():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "loading"}, status_code=503)

    @app.get("/metrics", tags=["operations"])
    async def metrics() -> Response:
        """Prometheus metrics (text exposition format)."""
        state.metrics.cache_bytes.set(state.cache.size_bytes)
        state.metrics.cache_entries.set(len(state.cache))
        return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # ---- native API -----------------------------------------------------------------------

    def engine_settings(opts: ClientEngineSettings | None) -> EngineSettings:
        base = state.engine.settings
        return base.with_overrides(**opts.overrides()) if opts is not None else base

    def timeout_for(requested: float | None) -> float:
        cap = settings.request_timeout_s
        return min(requested, cap) if requested else cap

    def check_dpi(dpi: int) -> None:
        if dpi > settings.max_dpi:
            raise InvalidRequestError(
                f"dpi {dpi} is over this server's limit of {settings.max_dpi}", param="dpi"
            )

    def record(result: Result) -> None:
        usage = result.usage
        for stage, ms in usage.stages_ms.items():
            state.metrics.stage.labels(stage).observe(ms / 1000.0)
        for stage in usage.skipped:
            state.metrics.skipped.labels(stage).inc()
        state.metrics.cache_hits.inc(usage.cache.get("hits", 0))
        state.metrics.cache_misses.inc(usage.cache.get("misses", 0))

    async def run_task(
        request: Request,
        data: bytes,
        name: str,
        prompt: str,
        pages: str | None,
        dpi: int,
        output_format: str | None,
        opts: ClientEngineSettings | None,
        timeout_s: float | None,
        task_type: str | None,
        engine: str | None = None,
        on_page: Callable[[Page, Document], None] | None = None,
        planned: Plan | None = None,
    ) -> Result:
        check_dpi(dpi)
        es = engine_settings(opts)
        # Cheap refusals (prompt length, field count, unknown instruction) before queueing;
        # the plan made here is the one the service runs.
        the_plan = planned or state.service.plan(prompt, task_type=task_type)

        read_so_far = Document([], source=name)

        def page_done(page: Page, _done: int, _total: int) -> None:
            state.metrics.pages.inc()
            if on_page is not None:
                read_so_far.pages.append(page)
                on_page(page, read_so_far)

        def work(token: CancelToken) -> Result:
            return state.service.run(
                data,
                prompt,
                name=name,
                pages=pages,
                dpi=dpi,
                settings=es,
                output_format=output_format,
                task_type=task_type,
                engine=engine,
                cancel=token,
                on_page=page_done,
                planned=the_plan,
            )

        result = await state.pool.run(work, timeout_for(timeout_s))
        request.scope["state"]["task"] = result.task
        record(result)
        return result

    @app.post("/v1/ocr", tags=["ocr"], openapi_extra=OCR_REQUEST_DOC)
    async def ocr(request: Request) -> Response:
        """OCR an image or PDF and run the task the prompt asks for.

        Send the file as a multipart upload (`file` plus form fields) or as JSON (`image` in
        base64 or a data: URL, or `url` when the server allows fetching). Answers the task
        result (`task`, `plan`, `output`, `content`, `document`, `usage`) plus `id`."""
        req, files = await read_upload(
            request,
            OCRRequest,
            max_files=1,
            allow_url_fetch=settings.allow_url_fetch,
            url_max_bytes=min(settings.url_max_bytes, settings.max_body_bytes),
            url_timeout_s=settings.url_timeout_s,
        )
        name, data = files[0]
        result = await run_task(
            request,
            data,
            name,
            req.prompt,
            req.pages,
            req.dpi,
            req.output_format,
            req.settings,
            req.timeout_s,
            req.task_type,
            req.engine,
        )
        body = {"id": request.scope["state"]["request_id"], **result.to_dict()}
        return SafeJSONResponse(body)

    # ---- OpenAI-compatible API -----------------------------------------------------------

    def model_cards() -> ModelList:
        created = int(state.started)
        return ModelList(data=[ModelCard(id=m, created=created) for m in settings.model_names])

    @app.get("/v1/models", tags=["openai"], response_model=ModelList)
    async def list_models() -> ModelList:
        """The model names this server answers to (any of them runs the same engine)."""
        return model_cards()

    @app.get("/v1/models/{model_id:path}", tags=["openai"], response_model=ModelCard)
    async def get_model(model_id: str) -> ModelCard:
        for card in model_cards().data:
            if card.id == model_id:
                return card
        raise ModelNotFoundError(f"the model '{model_id}' does not exist", source=None)

    @app.post(
        "/v1/chat/completions",
        tags=["openai"],
        openapi_extra=CHAT_REQUEST_DOC,
        response_model=ChatCompletionResponse,
    )
    async def chat_completions(request: Request) -> Response:
        """OpenAI chat completions, as HunyuanOCR served by vLLM takes them: one user message
        holding an `image_url` (a data: URL) and a `text` prompt. `stream: true` answers
        server-sent events."""
        raw = await _read_json(request)
        try:
            req = ChatCompletionRequest.model_validate(raw)
        except ValidationError as exc:
            msg, param = _validation_message(exc)
            raise InvalidRequestError(msg, param=param) from None
        if req.model not in settings.model_names:
            err = ModelNotFoundError(
                f"the model '{req.model}' does not exist; this server serves "
                + ", ".join(settings.model_names)
            )
            raise err
        if (req.n or 1) != 1:
            raise InvalidRequestError("only n=1 is supported", param="n")
        extra = dict(req.extra_body or {})
        for key in ("pages", "output_format", "task_type", "engine"):
            if extra.get(key) is not None and not isinstance(extra[key], str):
                raise InvalidRequestError(
                    f"extra_body.{key} must be a string, not {type(extra[key]).__name__}",
                    param=f"extra_body.{key}",
                )
        pages = req.pages or extra.get("pages")
        output_format = req.output_format or extra.get("output_format")
        images: list[str] = []
        texts: list[str] = []
        system: list[str] = []
        for message in req.messages:
            if message.content is None:
                continue
            bucket = system if message.role in ("system", "developer") else texts
            if isinstance(message.content, str):
                bucket.append(message.content)
                continue
            for part in message.content:
                if part.type == "text":
                    bucket.append(part.text)
                elif message.role == "user":
                    images.append(part.image_url.url)
        if not images:
            raise InvalidRequestError(
                "no image: put an image_url part (a data: URL) in the user message",
                param="messages",
            )
        if len(images) > 1:
            raise InvalidRequestError(
                "one image per request (send pages of a document as one PDF)", param="messages"
            )
        url = images[0]
        if url.startswith("data:"):
            data, _mime = decode_base64(url, "messages.image_url.url")
            name = "<image_url>"
        else:
            data, name = await fetch_url(
                url,
                enabled=settings.allow_url_fetch,
                max_bytes=min(settings.url_max_bytes, settings.max_body_bytes),
                timeout_s=settings.url_timeout_s,
            )
        prompt = "\n".join(t for t in texts if t.strip()).strip()
        if not prompt:
            prompt = "\n".join(t for t in system if t.strip()).strip()
        task_type = req.task_type or extra.get("task_type")
        engine = req.engine or extra.get("engine")
        cap = req.max_completion_tokens or req.max_tokens
        prompt_chars = sum(len(t) for t in texts) + sum(len(t) for t in system)

        def answer(result: Result) -> tuple[str, Any, UsageInfo, dict[str, Any]]:
            content: str = result.content
            finish: Any = "stop"
            if cap is not None and len(content) > cap:
                content, finish = content[:cap], "length"
            usage = UsageInfo(
                prompt_tokens=prompt_chars,
                completion_tokens=len(content),
                total_tokens=prompt_chars + len(content),
            )
            extension = {
                "task": result.task,
                "plan": result.plan.to_dict(),
                "usage": result.usage.to_dict(),
                "request_id": request.scope["state"]["request_id"],
            }
            if result.empty_reason:
                extension["empty_reason"] = result.empty_reason
            return content, finish, usage, extension

        def run(
            on_page: Callable[[Page, Document], None] | None = None,
            planned: Plan | None = None,
        ) -> Awaitable[Result]:
            return run_task(
                request,
                data,
                name,
                prompt,
                pages,
                req.dpi,
                output_format,
                req.ocr_settings,
                req.timeout_s,
                task_type,
                engine,
                on_page=on_page,
                planned=planned,
            )

        if not req.stream:
            content, finish, usage, extension = answer(await run())
            resp = ChatCompletionResponse(
                model=req.model,
                choices=[
                    ChatCompletionChoice(
                        message=ResponseMessage(content=content), finish_reason=finish
                    )
                ],
                usage=usage,
                promptocr=extension,
            )
            return SafeJSONResponse(resp.model_dump(mode="json"))

        # Streaming. A plain read sends each page's text as soon as that page is read; other
        # answers (fields, Markdown, boxes) exist once the whole document is read. The status
        # line waits for the first page (or the end), so a bad file still gets its 4xx.
        include_usage = bool(req.stream_options and req.stream_options.include_usage)
        cid = "chatcmpl-" + uuid.uuid4().hex
        created = int(time.time())
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[str] = asyncio.Queue()
        p = state.service.plan(prompt, task_type=task_type)
        page_by_page = (
            p.task == "read"
            and not output_format
            and p.arguments.get("format", "text") == "text"
            and engine in (None, "auto", "embedded")
            and state.service.vlm is None  # an escalation could replace the text
        )

        def on_page(_page: Page, so_far: Document) -> None:
            loop.call_soon_threadsafe(pieces.put_nowait, stable_text(so_far))

        job = asyncio.ensure_future(run(on_page if page_by_page else None, planned=p))
        first = asyncio.ensure_future(pieces.get())
        both: set[asyncio.Future[Any]] = {job, first}
        await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
        if job.done() and job.exception() is not None:
            first.cancel()
            raise job.exception()  # type: ignore[misc]

        def chunk(delta: DeltaMessage, finish_reason: Any = None, **extra_fields: Any) -> str:
            c = ChatCompletionChunk(
                id=cid,
                created=created,
                model=req.model,
                choices=[ChatCompletionStreamChoice(delta=delta, finish_reason=finish_reason)],
                **extra_fields,
            )
            return f"data: {c.model_dump_json(exclude_none=True)}\n\n"

        async def events() -> AsyncIterator[str]:
            try:
                async for event in stream_events():
                    yield event
            finally:  # the client went away (or we are done): stop the work with it
                if not job.done():
                    job.cancel()
                if not first.done():
                    first.cancel()

        async def stream_events() -> AsyncIterator[str]:
            sent = ""

            def delta(text: str) -> Iterator[str]:
                nonlocal sent
                if cap is not None:
                    text = text[:cap]
                if len(text) > len(sent) and text.startswith(sent):
                    for piece in _pieces(text[len(sent) :]):
                        yield chunk(DeltaMessage(content=piece))
                    sent = text

            yield chunk(DeltaMessage(role="assistant", content=""))
            waiting: asyncio.Future[str] | None = first
            while waiting is not None:
                pair: set[asyncio.Future[Any]] = {job, waiting}
                await asyncio.wait(pair, return_when=asyncio.FIRST_COMPLETED)
                if waiting.done():
                    for c in delta(waiting.result()):
                        yield c
                    waiting = asyncio.ensure_future(pieces.get())
                elif job.done():
                    waiting.cancel()
                    waiting = None
            try:
                result = job.result()
            except PromptOCRError as err:  # after the first page: report it in the stream
                body = error_body(err, openai=True)
                yield f"data: {json.dumps(body, ensure_ascii=False)}\n\n"
                yield "data: [DONE]\n\n"
                return
            content, finish, usage, extension = answer(result)
            if not content.startswith(sent):  # cannot happen for a plain read; never lie
                log.warning("streamed text is not a prefix of the answer")
            for c in delta(content):
                yield c
            yield chunk(DeltaMessage(), finish_reason=finish, promptocr=extension)
            if include_usage:
                final = ChatCompletionChunk(
                    id=cid, created=created, model=req.model, choices=[], usage=usage
                )
                yield f"data: {final.model_dump_json(exclude_none=True)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    # ---- asynchronous jobs (promptocr.server.jobs) -----------------------------------------
    register_jobs(app, state)

    # ---- web UI ---------------------------------------------------------------------------
    async def run_preview(fn: Callable[[], Any]) -> Any:
        """UI page previews decode pages too: same queue, limits and timeout as /v1/ocr."""
        return await state.pool.run(lambda _token: fn(), settings.request_timeout_s)

    mount_ui(app, limits=state.limits, runner=run_preview)

    app.add_middleware(ServiceMiddleware, state=state)
    return app


def stable_text(doc: Document) -> str:
    """The part of `to_text(doc)` that later pages cannot change: a prefix of the final text
    (later pages only append; only trailing newlines are trimmed at the end)."""
    text = "\n\f\n".join(p.text for p in doc.pages)
    if not text.strip("\n"):
        return ""
    return text.strip("\n")


def _pieces(text: str, size: int = 64) -> Iterator[str]:
    """Split content into stream deltas: line by line, long lines in `size`-char pieces."""
    for line in text.splitlines(keepends=True):
        for i in range(0, len(line), size):
            yield line[i : i + size]
