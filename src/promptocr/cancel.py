"""Cooperative cancellation: a token that long work checks between pages and stages.

The server gives every request a token with its deadline; when the request times out (504),
is cancelled (a job's DELETE) or the server shuts down, the token is cancelled and the work
stops at the next check instead of running on in its worker thread. Checks sit where work is
already split: between pages, and at the start of every timed stage (`Usage.stage`).
"""

from __future__ import annotations

import threading
import time

from promptocr.errors import PromptOCRError


class CancelledError(PromptOCRError):
    """The work was stopped before it finished (deadline passed, cancelled, shutting down)."""

    code = "cancelled"
    status = 504


class CancelToken:
    """Thread-safe: `cancel()` from anywhere, `check()` from the worker."""

    def __init__(self, deadline_s: float | None = None) -> None:
        self._event = threading.Event()
        self._reason = ""
        self.deadline = time.monotonic() + deadline_s if deadline_s is not None else None

    def cancel(self, reason: str = "cancelled") -> None:
        if not self._event.is_set():
            self._reason = reason
            self._event.set()

    @property
    def cancelled(self) -> bool:
        if self._event.is_set():
            return True
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.cancel("the request's deadline passed")
            return True
        return False

    @property
    def deadline_passed(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    @property
    def reason(self) -> str:
        return self._reason

    def check(self) -> None:
        """Raise `CancelledError` when the work should stop."""
        if self.cancelled:
            raise CancelledError(f"stopped: {self._reason}")
