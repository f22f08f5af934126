"""The web page served at `/ui`: a static, dependency-free HTML + CSS + JavaScript client of the
native API (`POST /v1/ocr`), plus the bundled example images and a page-preview endpoint that
renders PDF and TIFF pages (which a browser cannot show by itself) as small JPEGs.

`mount_ui(app)` is called by the server's app factory. The static files are public (a browser
cannot send a bearer token when it navigates; `is_public_path` tells the server's auth which
paths those are); every call the page makes — `/v1/ocr` and `/ui/api/preview` — carries the API
key the user typed as `Authorization: Bearer`.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, File, Form, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from PIL import Image
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from promptocr.errors import PromptOCRError
from promptocr.inputs.loader import PDFIUM_LOCK, InputLimits, load_pages, sniff_kind

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
EXAMPLES_DIR = HERE / "examples"

PREVIEW_DPI = 110
PREVIEW_MAX_SIDE = 1800


# The page renders text that came out of OCR: only its own files may run or style anything.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class _UIFiles(StaticFiles):
    """StaticFiles that adds the page's security headers to every answer."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def count_pages(data: bytes) -> int:
    """Pages in a PDF or frames in a (multi-page) image; 1 for anything else."""
    if sniff_kind(data) == "pdf":
        import pypdfium2 as pdfium

        with PDFIUM_LOCK:  # PDFium is not thread-safe
            try:
                pdf = pdfium.PdfDocument(data)
            except pdfium.PdfiumError:
                return 1  # load_pages reports the precise error
            try:
                return len(pdf)
            finally:
                pdf.close()
    try:
        with Image.open(io.BytesIO(data)) as img:
            return int(getattr(img, "n_frames", 1))
    except Exception:
        return 1


def render_preview(
    data: bytes, name: str, page: int, limits: InputLimits | None = None
) -> dict[str, Any]:
    """One page as a JPEG data URL plus the document's page count. Raises PromptOCRError."""
    pages = load_pages(data, name=name, pages=str(page), dpi=PREVIEW_DPI, limits=limits)
    img = Image.fromarray(pages[0].image)
    img.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return {
        "pages": count_pages(data),
        "page": page,
        "width": img.width,
        "height": img.height,
        "image": "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii"),
    }


def is_public_path(path: str) -> bool:
    """Paths a browser loads by navigating (it cannot add a bearer token there): the redirect
    at `/`, the page and its assets, and the synthetic examples. `/ui/api/...` stays private."""
    if path in ("/", "/ui"):
        return True
    return path.startswith("/ui/") and not path.startswith("/ui/api/")


def mount_ui(
    app: FastAPI,
    *,
    dependencies: Sequence[Any] = (),
    limits: InputLimits | None = None,
    runner: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None,
) -> None:
    """Serve the page at `/ui/`, the examples at `/ui/examples/<name>`, the preview endpoint at
    `POST /ui/api/preview`, and redirect `/` to `/ui/`.

    `dependencies` are FastAPI `Depends(...)` objects (e.g. the server's API-key check) applied
    to the preview endpoint; `limits` are the server's input limits (default: `app.state.limits`
    when the server set one, else `InputLimits()`); `runner` runs the preview's decoding
    (the server passes its worker pool, so previews share the OCR queue, limits and timeout;
    without one it runs in a thread).
    """
    router = APIRouter(dependencies=list(dependencies))

    @router.post("/ui/api/preview", include_in_schema=False)
    async def preview(file: UploadFile = File(...), page: int = Form(1)) -> Response:  # noqa: B008
        data = await file.read()
        lim = limits or getattr(app.state, "limits", None)
        if not isinstance(lim, InputLimits):
            lim = InputLimits()
        name = file.filename or "upload"
        if page < 1:
            raise PromptOCRError("page numbers start at 1", source=file.filename)

        def work() -> dict[str, Any]:
            return render_preview(data, name, page, lim)

        body = await runner(work) if runner is not None else await run_in_threadpool(work)
        return JSONResponse(body)

    app.include_router(router)

    # GET and HEAD: a probe or `curl -I` of the page must not get 405 (StaticFiles below
    # answers HEAD for /ui/ itself).
    @app.api_route("/ui", methods=["GET", "HEAD"], include_in_schema=False)
    def ui_no_slash() -> RedirectResponse:
        return RedirectResponse("/ui/")

    if not any(getattr(r, "path", None) == "/" for r in app.router.routes):

        @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
        def root() -> RedirectResponse:
            return RedirectResponse("/ui/")

    # Order matters: the more specific mount first.
    app.mount("/ui/examples", _UIFiles(directory=EXAMPLES_DIR), name="ui-examples")
    app.mount("/ui", _UIFiles(directory=STATIC_DIR, html=True), name="ui")


__all__ = [
    "EXAMPLES_DIR",
    "STATIC_DIR",
    "count_pages",
    "is_public_path",
    "mount_ui",
    "render_preview",
]
