"""A fixed pool of OCR worker threads behind a bounded queue.

At most `workers + queue_size` requests are admitted at once; one more is refused at the door
with `QueueFullError` (429 + Retry-After) instead of piling up in memory. Each job gets a
`CancelToken` carrying its deadline. A request that runs past its timeout is answered 504 and
its token is cancelled: work that had not started is dropped, work that had stops at its next
page or stage boundary, and its worker is free again (until then it still counts against the
capacity, since the CPU is still busy with it). Shutdown waits for running work up to the
graceful timeout, then cancels it the same way.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from promptocr.cancel import CancelledError, CancelToken
from promptocr.server.errors import QueueFullError, RequestTimeoutError, ShuttingDownError
from promptocr.server.metrics import Metrics

T = TypeVar("T")


class WorkPool:
    def __init__(self, workers: int, queue_size: int, metrics: Metrics) -> None:
        self.workers = workers
        self.capacity = workers + queue_size
        self.metrics = metrics
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr-worker")
        self._lock = threading.Lock()
        self._admitted = 0
        self._running = 0
        self._closing = False
        self._avg_s = 1.0  # moving average of job time, for Retry-After
        self._tokens: set[CancelToken] = set()
        self._idle = threading.Condition(self._lock)

    @property
    def admitted(self) -> int:
        return self._admitted

    def _retry_after(self) -> int:
        waves = max(1, math.ceil(self._admitted / max(self.workers, 1)))
        return max(1, math.ceil(self._avg_s * waves))

    def _release(self) -> None:
        with self._lock:
            self._admitted -= 1
            self._idle.notify_all()

    async def run(self, fn: Callable[[CancelToken], T], timeout_s: float) -> T:
        """Run `fn(token)` on a worker; `fn` should pass the token to the work it starts."""
        with self._lock:
            if self._closing:
                raise ShuttingDownError("the server is shutting down")
            if self._admitted >= self.capacity:
                self.metrics.rejected.labels("queue_full").inc()
                raise QueueFullError(
                    f"all {self.workers} workers are busy and the queue is full; retry later",
                    retry_after=self._retry_after(),
                )
            self._admitted += 1
            token = CancelToken(timeout_s)
            self._tokens.add(token)
        self.metrics.queue_depth.inc()

        def job() -> T:
            self.metrics.queue_depth.dec()
            self.metrics.in_flight.inc()
            with self._lock:
                self._running += 1
            t0 = time.perf_counter()
            try:
                token.check()  # timed out or shutting down while it waited
                return fn(token)
            except CancelledError:
                self.metrics.cancelled.inc()
                raise
            finally:
                dt = time.perf_counter() - t0
                self._avg_s = 0.8 * self._avg_s + 0.2 * dt
                with self._lock:
                    self._tokens.discard(token)
                    self._running -= 1
                self._release()
                self.metrics.in_flight.dec()  # after the release: 0 in flight means admissible

        try:
            cfut = self._executor.submit(job)
        except RuntimeError:  # executor shut down between the check and here
            self.metrics.queue_depth.dec()
            with self._lock:
                self._tokens.discard(token)
            self._release()
            raise ShuttingDownError("the server is shutting down") from None
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(cfut)), timeout_s)
        except TimeoutError:
            token.cancel("the request timed out")
            if cfut.cancel():  # never started: undo the admission ourselves
                self.metrics.queue_depth.dec()
                with self._lock:
                    self._tokens.discard(token)
                self._release()
            self.metrics.rejected.labels("timeout").inc()
            raise RequestTimeoutError(
                f"the request took longer than its timeout of {timeout_s:g} s"
            ) from None
        except asyncio.CancelledError:
            # Nobody awaits the answer any more (the server cancelled the request's task, e.g.
            # past uvicorn's graceful shutdown timeout): stop the work instead of letting it
            # run on and hold up shutdown for another graceful timeout.
            token.cancel("the request was cancelled")
            if cfut.cancel():
                self.metrics.queue_depth.dec()
                with self._lock:
                    self._tokens.discard(token)
                self._release()
            raise
        except CancelledError:
            # The work noticed its deadline a moment before the wait did: the same 504.
            if self._closing and not token.deadline_passed:
                raise ShuttingDownError("the server is shutting down") from None
            self.metrics.rejected.labels("timeout").inc()
            raise RequestTimeoutError(
                f"the request took longer than its timeout of {timeout_s:g} s"
            ) from None

    def close(self, timeout_s: float | None = None) -> bool:
        """Refuse new work and wait for what was admitted, at most `timeout_s` (None: no
        limit); then cancel what still runs, which stops at its next page or stage. Returns
        True when everything finished in time."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        with self._lock:
            self._closing = True
            while self._admitted > 0:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._idle.wait(left)
            clean = self._admitted == 0
            for token in list(self._tokens):
                token.cancel("the server is shutting down")
        # Cancelled work ends at its next stage boundary (a few seconds at most).
        self._executor.shutdown(wait=clean, cancel_futures=True)
        if not clean:  # queued work was dropped with its future; wait for what had started
            with self._lock:
                self._idle.wait_for(lambda: self._running == 0, timeout=10.0)
        return clean
