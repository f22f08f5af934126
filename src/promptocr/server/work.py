"""A fixed pool of OCR worker threads behind a bounded queue.

At most `workers + queue_size` requests are admitted at once; one more is refused at the door
with `QueueFullError` (429 + Retry-After) instead of piling up in memory. A request that runs
past its timeout is answered 504; its work is cancelled if it had not started, otherwise it
finishes in the background and keeps counting against the capacity until it does (the CPU is
still busy with it, so admitting another would overcommit).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

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

    @property
    def admitted(self) -> int:
        return self._admitted

    def _retry_after(self) -> int:
        waves = max(1, math.ceil(self._admitted / max(self.workers, 1)))
        return max(1, math.ceil(self._avg_s * waves))

    def _release(self) -> None:
        with self._lock:
            self._admitted -= 1

    async def run(self, fn: Callable[[], T], timeout_s: float) -> T:
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
        self.metrics.queue_depth.inc()

        def job() -> T:
            self.metrics.queue_depth.dec()
            self.metrics.in_flight.inc()
            t0 = time.perf_counter()
            try:
                return fn()
            finally:
                dt = time.perf_counter() - t0
                self._avg_s = 0.8 * self._avg_s + 0.2 * dt
                self.metrics.in_flight.dec()
                self._release()

        try:
            cfut = self._executor.submit(job)
        except RuntimeError:  # executor shut down between the check and here
            self.metrics.queue_depth.dec()
            self._release()
            raise ShuttingDownError("the server is shutting down") from None
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(cfut)), timeout_s)
        except TimeoutError:
            if cfut.cancel():  # never started: undo the admission ourselves
                self.metrics.queue_depth.dec()
                self._release()
            self.metrics.rejected.labels("timeout").inc()
            raise RequestTimeoutError(
                f"the request took longer than its timeout of {timeout_s:g} s"
            ) from None

    def close(self) -> None:
        """Refuse new work and wait for what was admitted (graceful shutdown)."""
        with self._lock:
            self._closing = True
        self._executor.shutdown(wait=True, cancel_futures=False)
