"""Errors a user can act on: each has a stable `code`, a human message and an HTTP status.

The CLI prints them as one line naming the file; the server returns them as JSON bodies.
"""

from __future__ import annotations

from typing import Any


class PromptOCRError(Exception):
    """Base class: `code` is stable for clients, `status` is the HTTP status to answer with."""

    code = "error"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        # Extra, machine-readable context (e.g. the recognised text a translate request
        # still produced before the missing engine stopped it). Omitted when empty.
        self.details = details

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message, "source": self.source}
        if self.details:
            out["details"] = self.details
        return out


class InvalidInputError(PromptOCRError):
    """The file is corrupt, truncated, empty or not an image/PDF at all."""

    code = "invalid_input"
    status = 400


class UnsupportedFormatError(PromptOCRError):
    """The bytes are a format we don't read (or the declared content type is wrong)."""

    code = "unsupported_format"
    status = 415


class InputTooLargeError(PromptOCRError):
    """Pixels per page, pages per document or bytes are over the configured limit."""

    code = "input_too_large"
    status = 413


class EncryptedPDFError(PromptOCRError):
    """A password-protected PDF: we never guess passwords."""

    code = "encrypted_pdf"
    status = 400


class PageRangeError(PromptOCRError):
    """The requested page range is malformed or outside the document."""

    code = "invalid_page_range"
    status = 400


class UnknownInstructionError(PromptOCRError):
    """The prompt maps to no task this service can do."""

    code = "unknown_instruction"
    status = 422


class EngineUnavailableError(PromptOCRError):
    """The task needs an engine (e.g. a language model) that is not configured."""

    code = "engine_unavailable"
    status = 501


class InvalidOptionError(PromptOCRError):
    """A request option (output format, task argument) has a value the task can't use."""

    code = "invalid_option"
    status = 400


class PromptTooLongError(PromptOCRError):
    """The instruction is longer than the service takes (`max_prompt_chars`)."""

    code = "prompt_too_long"
    status = 400


class TooManyFieldsError(PromptOCRError):
    """The instruction asks for more fields than the service extracts at once (`max_fields`)."""

    code = "too_many_fields"
    status = 400
