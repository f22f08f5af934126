"""Reading the pages of one document two at a time: decode and detection of one page run while
another page is recognised, one model stream per page.

On a machine with two cores, one page read at a time with two threads per model call leaves
cores idle: decoding, resizing, the detector's post-processing, line crops and CTC decoding are
single-threaded Python/OpenCV work, and a model call on one line crop or one page scales poorly
from one thread to two. With `workers` pages in flight, each on its own single-thread model
stream (OpenVINO `NUM_STREAMS` = workers, one infer request per thread: engines/runtime.py),
both cores stay busy whatever stage each page is in.

`OverlappedPages` is a small bounded pipeline over a `PageStream`:

- worker threads take the next page from the stream (decoding is serialised: a stream is one
  generator, and PDFium is locked anyway), read it with the caller's `read` function and park
  the result;
- the caller iterates `(image, page)` pairs in page order, exactly as the sequential loop
  would produce them;
- at most `window` pages are alive at once (decoded and not yet released by the caller), so
  memory stays bounded whatever the page count; a page is released when the caller asks for the
  next one;
- every page is read with its own `Usage` (a `Usage` is not thread-safe), merged into the
  caller's `Usage` in page order before the page is handed over, so stage times, skips, cache
  counts and notes read as they would sequentially (stage times are then summed over the
  workers, so `total_ms` can exceed the wall time);
- a cancelled `CancelToken` (the caller's) stops the workers at their next stage check and the
  caller gets `CancelledError`; an error on page k is raised when the caller reaches page k,
  after pages 0..k-1 were handed over, and no page after k is started; leaving the loop early
  (break, exception) stops the workers and closes the stream.

`read_ahead` does the same for whole files (`promptocr read` over several files): the next
file is read while this one is written, results in the files' order.

(On an idle two-core machine the gain is the single-threaded share of a page and the CPU that
two-thread model calls spend synchronising; under load, single-thread streams also stop a
two-thread call from waiting on its slower thread: docs/benchmarks.md, "Two pages at once".)
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from promptocr.cancel import CancelToken
from promptocr.document.model import Page
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage, PageStream

ReadFn = Callable[[PageImage, Usage], Page]


class _LinkedToken(CancelToken):
    """Cancelled when its parent is, or when the pipeline itself stops (the caller left)."""

    def __init__(self, parent: CancelToken | None) -> None:
        super().__init__()
        self.parent = parent

    @property
    def cancelled(self) -> bool:
        if self.parent is not None and self.parent.cancelled:
            self.cancel(self.parent.reason)
        return super().cancelled


@dataclass
class _Done:
    image: PageImage | None
    page: Page | None
    usage: Usage
    error: BaseException | None = None


class OverlappedPages:
    """Iterate `(PageImage, Page)` in page order while `workers` threads read ahead.

    `read(image, usage)` must be thread-safe (OCRPipeline.read_page is). `window` bounds the
    pages alive at once (default `workers + 1`: one parked for the caller while both workers
    read). Use as an iterator, once; `close()` (also called when the iteration ends) stops the
    workers and closes the stream.
    """

    def __init__(
        self,
        stream: PageStream,
        read: ReadFn,
        usage: Usage,
        *,
        workers: int = 2,
        window: int | None = None,
    ) -> None:
        self.stream = stream
        self.read = read
        self.usage = usage
        self.workers = max(1, workers)
        self.window = max(self.workers, window if window is not None else self.workers + 1)
        self._token = _LinkedToken(usage.cancel)
        self._it = iter(stream)
        self._decode_lock = threading.Lock()
        self._cond = threading.Condition()
        self._next = 0  # index of the next page a worker will decode
        self._released = 0  # pages handed to the caller and let go
        self._reserved = 0  # pages a worker has claimed (decoding, reading or parked)
        self._total: int | None = None  # set once the stream is exhausted or failed
        self._done: dict[int, _Done] = {}
        self._tail: Usage | None = None
        self._threads: list[threading.Thread] = []
        self._started = False
        self._closed = False
        self.alive_high_water = 0  # most pages alive at once (for tests and diagnostics)

    # -- caller side -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[tuple[PageImage, Page]]:
        if self._started:
            raise RuntimeError("OverlappedPages is iterated once")
        self._started = True
        self._threads = [
            threading.Thread(target=self._work, name=f"promptocr-page-{i}", daemon=True)
            for i in range(self.workers)
        ]
        try:
            for t in self._threads:  # inside the try: a failed start still stops the others
                t.start()
            k = 0
            while True:
                self.usage.check()  # as the sequential loop would, before every page
                done = self._wait_for(k)
                if done is None:
                    if self._tail is not None:
                        self.usage.merge(self._tail)
                    return
                self.usage.merge(done.usage)
                if done.error is not None:
                    raise done.error
                assert done.image is not None and done.page is not None
                image, page = done.image, done.page
                done.image = done.page = None  # the caller's reference is the only one
                del done
                yield image, page
                del image, page
                with self._cond:
                    self._released += 1
                    self._cond.notify_all()
                k += 1
        finally:
            self.close()

    def _wait_for(self, k: int) -> _Done | None:
        with self._cond:
            while k not in self._done:
                if self._total is not None and k >= self._total:
                    return None
                # Timed, so a cancelled caller's token is noticed even while every worker is
                # inside a long model call.
                self._cond.wait(timeout=0.05)
                if self._token.cancelled and k not in self._done:
                    self.usage.check()  # raises the caller's CancelledError
                    self._token.check()
            return self._done.pop(k)

    def close(self) -> None:
        """Stop the workers (they stop at their next stage), wait for them, close the stream."""
        if self._closed:
            return
        self._closed = True
        self._token.cancel("the reader stopped")
        with self._cond:
            self._cond.notify_all()
        for t in self._threads:
            if t.ident is not None:  # started (a failed start leaves the rest unstarted)
                t.join()
        with self._cond:
            self._done.clear()
        self.stream.close()

    # -- worker side -------------------------------------------------------------------------

    def _alive(self) -> int:
        return self._reserved - self._released

    def _work(self) -> None:
        while True:
            with self._cond:
                while (
                    not self._token.cancelled
                    and self._total is None
                    and self._alive() >= self.window
                ):
                    self._cond.wait(timeout=0.05)
                if self._token.cancelled or self._total is not None:
                    return
                self._reserved += 1
                self.alive_high_water = max(self.alive_high_water, self._alive())
            page_usage = Usage(cancel=self._token)
            with self._decode_lock:
                with self._cond:
                    k = self._next
                    if self._total is not None:  # another worker hit the end meanwhile
                        self._reserved -= 1
                        return
                    self._next += 1
                try:
                    with page_usage.stage("decode"):
                        image = next(self._it, None)
                except BaseException as exc:  # a corrupt page: raised at page k, in order
                    self._finish(k, _Done(None, None, page_usage, exc), last=True)
                    return
                if image is None:
                    with self._cond:
                        self._total = k
                        self._tail = page_usage  # the end-of-stream check, timed as "decode"
                        self._reserved -= 1
                        self._cond.notify_all()
                    return
            try:
                page = self.read(image, page_usage)
            except BaseException as exc:
                self._finish(k, _Done(None, None, page_usage, exc), last=True)
                return
            done = _Done(image, page, page_usage)
            del image, page  # parked in `done` only: the caller's release frees the pixels
            self._finish(k, done)
            del done

    def _finish(self, k: int, done: _Done, last: bool = False) -> None:
        with self._cond:
            self._done[k] = done
            if last:  # nothing after a failed page is started; k is the last to wait for
                self._total = k + 1 if self._total is None else min(self._total, k + 1)
            self._cond.notify_all()


def read_overlapped(
    stream: PageStream,
    read: ReadFn,
    usage: Usage,
    workers: int = 2,
    window: int | None = None,
) -> Iterator[tuple[PageImage, Page]]:
    """`(image, page)` for every page of `stream`, in order, read `workers` at a time."""
    yield from OverlappedPages(stream, read, usage, workers=workers, window=window)


T = TypeVar("T")
R = TypeVar("R")


def read_ahead(
    fn: Callable[[T], R], items: Sequence[T], workers: int = 2
) -> Generator[Future[R], None, None]:
    """Futures of `fn(item)` in the order of `items`, at most `workers` running or waiting to
    be taken: the next files of a `promptocr read` over many files are read while this one is
    written. With `workers` 1 each item runs in the caller's thread when its future is taken.
    Closing the generator cancels what has not started and waits for what has."""
    if workers <= 1:
        for item in items:
            f: Future[R] = Future()
            try:
                f.set_result(fn(item))
            except Exception as exc:  # handed over like a pool's future would
                f.set_exception(exc)
            yield f
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="promptocr-file")
    try:
        pending: deque[Future[R]] = deque()
        it = iter(items)
        for item in it:
            pending.append(pool.submit(fn, item))
            if len(pending) >= workers:
                break
        while pending:
            yield pending.popleft()
            nxt = next(it, _END)
            if nxt is not _END:
                pending.append(pool.submit(fn, nxt))  # type: ignore[arg-type]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_END = object()
