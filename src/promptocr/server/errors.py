"""Errors only the HTTP service raises, and how every error becomes a JSON body.

Native endpoints answer `{"error": {"code", "message", "source"}}`; the OpenAI-compatible ones
answer OpenAI's shape `{"error": {"message", "type", "param", "code"}}`. Both carry the same
stable `code` and the error's HTTP status.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse

from promptocr.errors import PromptOCRError


class InvalidRequestError(PromptOCRError):
    """Malformed JSON, base64, form fields or options."""

    code = "invalid_request"
    status = 400

    def __init__(
        self, message: str, *, source: str | None = None, param: str | None = None
    ) -> None:
        super().__init__(message, source=source)
        self.param = param


class UnsupportedMediaTypeError(PromptOCRError):
    """The request's Content-Type is not one the endpoint takes."""

    code = "unsupported_media_type"
    status = 415


class BodyTooLargeError(PromptOCRError):
    code = "request_too_large"
    status = 413


class UnauthorizedError(PromptOCRError):
    code = "unauthorized"
    status = 401


class TokenExpiredError(UnauthorizedError):
    code = "token_expired"


class ModelNotFoundError(PromptOCRError):
    code = "model_not_found"
    status = 404


class NotFoundError(PromptOCRError):
    code = "not_found"
    status = 404


class MethodNotAllowedError(PromptOCRError):
    code = "method_not_allowed"
    status = 405


class QueueFullError(PromptOCRError):
    """Every worker is busy and the queue is full: come back later (429 + Retry-After)."""

    code = "queue_full"
    status = 429

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestTimeoutError(PromptOCRError):
    code = "timeout"
    status = 504


class URLFetchDisabledError(PromptOCRError):
    code = "url_fetch_disabled"
    status = 400


class URLForbiddenError(PromptOCRError):
    """Not http(s), or the host resolves to a private, loopback or otherwise internal address."""

    code = "url_forbidden"
    status = 400


class URLFetchError(PromptOCRError):
    code = "url_fetch_failed"
    status = 502


class ShuttingDownError(PromptOCRError):
    code = "shutting_down"
    status = 503


class InternalError(PromptOCRError):
    code = "internal_error"
    status = 500


_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    501: "not_implemented_error",
    503: "service_unavailable_error",
    504: "timeout_error",
}


def native_body(err: PromptOCRError) -> dict[str, Any]:
    body = err.to_dict()
    param = getattr(err, "param", None)
    if param:  # which request field was wrong, as in the OpenAI shape
        body["param"] = param
    return {"error": body}


def openai_body(err: PromptOCRError) -> dict[str, Any]:
    message = str(err)
    body: dict[str, Any] = {
        "message": message,
        "type": _OPENAI_TYPES.get(err.status, "server_error" if err.status >= 500 else "error"),
        "param": getattr(err, "param", None),
        "code": err.code,
    }
    if err.details:  # e.g. the recognised text of a 501; the same object as the native shape's
        body["details"] = err.details
    return {"error": body}


class SafeJSONResponse(JSONResponse):
    """JSON that always renders: a string that UTF-8 cannot encode (a lone surrogate echoed
    from a request) is written as a JSON escape instead of failing the response."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False).encode("ascii")


def error_body(err: PromptOCRError, *, openai: bool) -> dict[str, Any]:
    return openai_body(err) if openai else native_body(err)


def error_response(
    err: PromptOCRError, *, openai: bool, headers: dict[str, str] | None = None
) -> JSONResponse:
    h = dict(headers or {})
    if isinstance(err, QueueFullError):
        h["Retry-After"] = str(err.retry_after)
    if isinstance(err, UnauthorizedError):
        h["WWW-Authenticate"] = 'Bearer realm="promptocr"'
    body = error_body(err, openai=openai)
    return SafeJSONResponse(body, status_code=err.status, headers=h)
