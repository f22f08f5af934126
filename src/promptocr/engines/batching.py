"""Cross-request micro-batching for text recognition.

When several requests are OCR'd at the same moment (the HTTP service), each one recognises its own
line crops in small batches. `BatchingRecognizer` instead collects the crops of every caller that
arrives within a short window (a few milliseconds), and runs them as one recognition call: the
wrapped `TextRecognizer` sorts the combined crops by aspect ratio, so lines of similar width from
different requests share a batch and padding stays small. Results are handed back to each caller
in its own order. Under the restricted recognition head (`SessionSettings.rec_head="latin"`)
each caller's crops are one group of the merged call, so one caller's head decision (its first
batch read only Latin) never applies to another caller's lines; nor does its width squeeze
(`rec_squeeze="auto"`, decided from each caller's own first crops; they are read at the merged
batches' padded widths, which move the readings a little, so a caller near the threshold may
decide differently than alone, but never from or for another caller's crops).

`runners` threads (one per core the recognizer may use) each take the next waiting caller,
gather whoever else is waiting, and run the merged call; while they run, the next batch
accumulates, so the number of concurrent recognition runs never exceeds `runners`.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import numpy as np

from promptocr.engines.stages import Recognition, TextRecognizer


class _Job:
    __slots__ = ("crops", "future")

    def __init__(self, crops: list[np.ndarray]) -> None:
        self.crops = crops
        self.future: Future[list[Recognition]] = Future()


class BatchingRecognizer(TextRecognizer):
    """Drop-in `TextRecognizer` that merges concurrent callers' crops into shared batches.

    `window_ms` is how long the collector waits for more callers after the first one arrives;
    `max_crops` caps one merged call; `batch` is the ONNX batch size inside it. `on_batch`
    (if given) is told the number of crops and callers of every merged call (for metrics).
    """

    def __init__(
        self,
        inner: TextRecognizer,
        *,
        window_ms: float = 4.0,
        max_crops: int = 96,
        batch: int = 16,
        runners: int = 1,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> None:
        # Not calling TextRecognizer.__init__: the wrapped recognizer owns the loaded model.
        self.inner = inner
        self.model = inner.model
        self.charset = inner.charset
        self.window_s = max(0.0, window_ms) / 1000.0
        self.max_crops = max(1, max_crops)
        self.batch = max(1, batch)
        self.on_batch = on_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._loop, name=f"rec-batcher-{i}", daemon=True)
            for i in range(max(1, runners))
        ]
        for t in self._threads:
            t.start()

    def __call__(
        self, crops: list[np.ndarray], batch: int = 8, *args: Any, **kwargs: Any
    ) -> list[Recognition]:
        if not crops:
            return []
        if args or kwargs:
            # Caller-specific options (whatever the wrapped recognizer takes beyond `batch`)
            # can't be shared with other callers' crops: run this call on its own.
            return self.inner(crops, batch, *args, **kwargs)
        if self._closed:
            return self.inner(crops, batch=max(batch, self.batch))
        job = _Job(crops)
        self._queue.put(job)
        return job.future.result()

    def close(self) -> None:
        """Stop the runner threads once the jobs already queued have run."""
        if not self._closed:
            self._closed = True
            for _ in self._threads:
                self._queue.put(None)
            for t in self._threads:
                t.join(timeout=30)

    # ----------------------------------------------------------------------------------------

    def _collect(self, first: _Job) -> tuple[list[_Job], bool]:
        jobs = [first]
        n = len(first.crops)
        deadline = time.monotonic() + self.window_s
        stop = False
        while n < self.max_crops:
            left = deadline - time.monotonic()
            try:
                job = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                stop = True
                break
            jobs.append(job)
            n += len(job.crops)
        return jobs, stop

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs, stop = self._collect(first)
            self._run(jobs)
            if stop:
                return

    def _run(self, jobs: list[_Job]) -> None:
        merged: list[np.ndarray] = [c for job in jobs for c in job.crops]
        try:
            # rec_head "latin", rec_squeeze "auto" and the lexicon's stray-diacritic folds
            # decide per caller: one group each
            inner = self.inner
            if (
                getattr(inner, "head", None) is not None
                or getattr(inner, "squeeze_auto", False)
                or getattr(inner, "lexicon", None) is not None
            ):
                groups = [k for k, job in enumerate(jobs) for _ in job.crops]
                recs = self.inner(merged, batch=self.batch, groups=groups)
            else:
                recs = self.inner(merged, batch=self.batch)
        except BaseException as exc:  # hand the failure to every caller, keep serving
            for job in jobs:
                job.future.set_exception(exc)
            return
        if self.on_batch is not None:
            self.on_batch(len(merged), len(jobs))
        start = 0
        for job in jobs:
            job.future.set_result(recs[start : start + len(job.crops)])
            start += len(job.crops)
