"""The background job runner: thread(s) that read one page at a time from the store.

Each loop: wait until the service is ready and `may_start()` says interactive requests leave
room, claim one page (committed before any work), read it with `read_page`, and store its
result in the transaction that marks it done. Housekeeping (TTL expiry, completion webhooks
left over from a previous process) runs between pages.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from promptocr.cancel import CancelledError, CancelToken
from promptocr.errors import PromptOCRError
from promptocr.jobs.store import JobStore, PageOutcome, PageRecord

log = logging.getLogger("promptocr.jobs")


@dataclass
class RunnerHooks:
    """How the runner talks to the server: all optional except `read_page`."""

    read_page: Callable[[PageRecord, CancelToken], dict[str, object]]
    ready: Callable[[], bool] = lambda: True
    may_start: Callable[[], bool] = lambda: True
    on_page: Callable[[PageRecord, bool, float], None] = lambda page, ok, seconds: None
    on_finished: Callable[[str, str], None] = lambda job_id, state: None
    housekeeping: Callable[[], None] = lambda: None


class JobRunner:
    def __init__(
        self,
        store: JobStore,
        hooks: RunnerHooks,
        *,
        threads: int = 1,
        housekeeping_s: float = 30.0,
    ) -> None:
        self.store = store
        self.hooks = hooks
        self.threads = max(1, threads)
        self.housekeeping_s = housekeeping_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._workers: list[threading.Thread] = []
        self._last_housekeeping = 0.0
        self._hk_lock = threading.Lock()
        self.avg_page_s = 1.0  # moving average, for ETAs
        self._tokens: set[CancelToken] = set()
        self._tokens_lock = threading.Lock()

    def start(self) -> None:
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, name=f"job-runner-{i}", daemon=True)
            t.start()
            self._workers.append(t)

    def wake(self) -> None:
        """A job was submitted: stop waiting."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop taking pages; a page being read finishes (or is read again after a restart
        if it does not finish within `timeout_s`)."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout_s
        for t in self._workers:
            t.join(max(0.0, deadline - time.monotonic()))
        with self._tokens_lock:
            tokens = list(self._tokens)
        for token in tokens:  # past the graceful timeout: stop the page at its next stage
            token.cancel("the server is shutting down")
        for t in self._workers:
            t.join(5.0)

    def _maybe_housekeep(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < self.housekeeping_s:
            return
        if not self._hk_lock.acquire(blocking=False):
            return
        try:
            self._last_housekeeping = now
            self.hooks.housekeeping()
        except Exception:
            log.exception("job housekeeping failed")
        finally:
            self._hk_lock.release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self.hooks.ready():
                self._stop.wait(0.2)
                continue
            self._maybe_housekeep()
            if not self.hooks.may_start():
                self._stop.wait(0.05)
                continue
            try:
                claimed = self.store.claim()
            except Exception:
                log.exception("claiming a job page failed")
                self._stop.wait(1.0)
                continue
            if claimed is None:
                self._wake.wait(min(1.0, self.housekeeping_s))
                self._wake.clear()
                continue
            page, outcomes = claimed
            for o in outcomes:
                self._finished(o)
            self._run(page)

    def _run(self, page: PageRecord) -> None:
        t0 = time.perf_counter()
        ok = False
        token = CancelToken()
        with self._tokens_lock:
            self._tokens.add(token)
        try:
            payload = self.hooks.read_page(page, token)
            dt = time.perf_counter() - t0
            outcome = self.store.complete(page, dict(payload), dt * 1000.0)
            ok = True
        except CancelledError:
            # Stopped by shutdown: the page was not read; it is read after the restart.
            self.store.release(page)
            return
        except PromptOCRError as exc:
            dt = time.perf_counter() - t0
            outcome = self.store.fail(page, exc.code, exc.message, dt * 1000.0)
        except Exception as exc:  # a bug must not stop the runner
            dt = time.perf_counter() - t0
            log.exception("reading a job page failed", extra={"job": page.job_id})
            outcome = self.store.fail(
                page, "internal_error", f"internal error ({type(exc).__name__})", dt * 1000.0
            )
        finally:
            with self._tokens_lock:
                self._tokens.discard(token)
        self.avg_page_s = 0.8 * self.avg_page_s + 0.2 * dt
        self.hooks.on_page(page, ok, dt)
        self._finished(outcome)

    def _finished(self, outcome: PageOutcome) -> None:
        if outcome.finished_state is not None:
            log.info("job finished", extra={"job": outcome.job_id, "state": outcome.finished_state})
            self.hooks.on_finished(outcome.job_id, outcome.finished_state)
