"""A document's pages read two at a time (promptocr/overlap.py): the same Document as one page
after the other, in page order, a bounded number of pages alive, and a cancelled token or a
failed page stops the read-ahead."""

from __future__ import annotations

import subprocess
import sys
import threading
import tracemalloc
import weakref
from collections.abc import Generator
from pathlib import Path

import numpy as np
import pytest

from promptocr import synth
from promptocr.cancel import CancelledError, CancelToken
from promptocr.document.model import Page
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.stages import SessionSettings
from promptocr.engines.usage import Usage
from promptocr.errors import InvalidInputError
from promptocr.inputs.loader import PageImage, PageStream
from promptocr.overlap import OverlappedPages
from promptocr.pipeline import OCRPipeline, PageCache, ReadOptions
from promptocr.tasks import Service


def _page_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("promptocr-page-")]


class Counted:
    """A synthetic page stream that counts the pages decoded and still alive."""

    def __init__(self, n: int, side: int = 64) -> None:
        self.n, self.side = n, side
        self.decoded = 0
        self.alive = 0
        self.most_alive = 0
        self.closed = False
        self._lock = threading.Lock()

    def _gone(self) -> None:
        with self._lock:
            self.alive -= 1

    def _gen(self) -> Generator[PageImage, None, None]:
        try:
            for i in range(self.n):
                img = np.full((self.side, self.side, 3), i % 256, dtype=np.uint8)
                with self._lock:
                    self.decoded += 1
                    self.alive += 1
                    self.most_alive = max(self.most_alive, self.alive)
                weakref.finalize(img, self._gone)
                yield PageImage(i, img, "synthetic")
                del img
        finally:
            self.closed = True

    def stream(self) -> PageStream:
        return PageStream("synthetic", self.n, list(range(self.n)), self._gen())


def _blank_read(image: PageImage, usage: Usage) -> Page:
    with usage.stage("detect"):
        usage.pages += 1
    h, w = image.image.shape[:2]
    return Page(index=image.index, width=w, height=h, source=image.source)


def test_pages_come_in_order_when_a_later_page_finishes_first() -> None:
    second_done = threading.Event()

    def read(image: PageImage, usage: Usage) -> Page:
        if image.index == 0:  # page 0 is held until page 1 has been read
            assert second_done.wait(10)
        page = _blank_read(image, usage)
        if image.index == 1:
            second_done.set()
        return page

    src = Counted(6)
    usage = Usage()
    got = [page.index for _, page in OverlappedPages(src.stream(), read, usage, workers=2)]
    assert got == list(range(6))
    assert usage.pages == 6 and usage.stage_calls["decode"] == 7  # and the end of the stream
    assert usage.stage_calls["detect"] == 6
    assert src.closed and not _page_threads()


def test_the_pages_alive_are_bounded_whatever_the_count() -> None:
    src = Counted(40)
    reader = OverlappedPages(src.stream(), _blank_read, Usage(), workers=2)
    n = 0
    for image, _page in reader:
        del image  # as the pipeline does: the pixels go when the next page is asked for
        n += 1
    assert n == 40 and src.decoded == 40
    assert reader.alive_high_water <= reader.window == 3
    # Objects, not only the bookkeeping: at most the window's pages existed at once.
    assert src.most_alive <= reader.window
    assert src.alive == 0


def test_a_cancelled_token_stops_the_read_ahead() -> None:
    token = CancelToken()
    src = Counted(50)
    usage = Usage(cancel=token)
    seen: list[int] = []
    with pytest.raises(CancelledError, match="test stop"):
        for _image, page in OverlappedPages(src.stream(), _blank_read, usage, workers=2):
            seen.append(page.index)
            if page.index == 2:
                token.cancel("test stop")
    assert seen == [0, 1, 2]
    assert src.decoded <= 3 + 3  # the window ahead at most, not the 50 pages
    assert src.closed and not _page_threads()


def test_a_failed_page_is_raised_in_order_and_nothing_after_it_starts() -> None:
    started: list[int] = []
    lock = threading.Lock()

    def read(image: PageImage, usage: Usage) -> Page:
        with lock:
            started.append(image.index)
        if image.index == 3:
            raise InvalidInputError("page 4 is corrupt", source="synthetic")
        return _blank_read(image, usage)

    src = Counted(30)
    seen: list[int] = []
    with pytest.raises(InvalidInputError, match="page 4"):
        for _image, page in OverlappedPages(src.stream(), read, Usage(), workers=2):
            seen.append(page.index)
    assert seen == [0, 1, 2]
    assert max(started) <= 3 + 2  # in flight when page 4 failed, at most
    assert src.closed and not _page_threads()


def test_leaving_the_loop_early_stops_the_workers_and_closes_the_stream() -> None:
    src = Counted(30)
    reader = OverlappedPages(src.stream(), _blank_read, Usage(), workers=2)
    for _image, page in reader:
        if page.index == 1:
            break
    reader.close()
    assert src.closed and not _page_threads() and src.decoded <= 2 + 3


# --- the real engine ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_streams() -> EmbeddedEngine:
    """The engine `promptocr read` builds for a multi-page document on two cores."""
    e = EmbeddedEngine(
        session=SessionSettings(intra_op_threads=1, streams=2, det_streams=1, cpu_pinning=False)
    )
    e.warm_up()
    return e


def _numbered_pdf(n: int) -> bytes:
    return synth.pdf_from_images([synth.numbered_page(k + 1).image for k in range(n)], dpi=100)


def test_overlapped_read_gives_the_same_document_as_page_by_page(
    two_streams: EmbeddedEngine,
) -> None:
    data = _numbered_pdf(5)
    overlapped = OCRPipeline(two_streams, cache=PageCache(0), page_workers=2)
    sequential = OCRPipeline(two_streams, cache=PageCache(0), page_workers=1)
    assert overlapped.page_workers == 2
    doc2, usage2 = overlapped.read(data, ReadOptions(dpi=100))
    doc1, usage1 = sequential.read(data, ReadOptions(dpi=100))
    assert doc2.to_dict() == doc1.to_dict()
    assert [p.index for p in doc2.pages] == [0, 1, 2, 3, 4]
    assert "page number 3" in doc2.pages[2].text
    assert usage2.pages == usage1.pages == 5
    assert usage2.stage_calls == usage1.stage_calls
    assert usage2.lines_recognized == usage1.lines_recognized > 0
    assert usage2.skipped == usage1.skipped
    assert not _page_threads()


def test_service_overlapped_equals_sequential_and_cancels(two_streams: EmbeddedEngine) -> None:
    data = _numbered_pdf(4)
    over = Service(OCRPipeline(two_streams, cache=PageCache(0), page_workers=2), vlm=None)
    seq = Service(OCRPipeline(two_streams, cache=PageCache(0), page_workers=1), vlm=None)
    order: list[int] = []
    r2 = over.run(data, "Extract the section as JSON.", on_page=lambda p, d, t: order.append(d))
    r1 = seq.run(data, "Extract the section as JSON.")
    assert order == [1, 2, 3, 4]
    assert r2.document.to_dict() == r1.document.to_dict()
    assert r2.output == r1.output and r2.content == r1.content

    token = CancelToken()
    seen: list[int] = []

    def on_page(page: Page, done: int, total: int) -> None:
        seen.append(done)
        if done == 1:
            token.cancel("test")

    with pytest.raises(CancelledError, match="test"):
        over.run(_numbered_pdf(8), "read", cancel=token, on_page=on_page)
    assert seen == [1]
    assert not _page_threads()


def test_overlapped_service_still_streams_pages(two_streams: EmbeddedEngine) -> None:
    side = 1500  # blank pages: 6.75 MB of RGB each, nothing to detect
    pt = side * 72.0 / 200
    data = synth.write_pdf([synth.PdfPage(width_pt=pt, height_pt=pt) for _ in range(16)])
    service = Service(OCRPipeline(two_streams, cache=PageCache(0)), vlm=None)
    tracemalloc.start()
    try:
        result = service.run(data, "read the text")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(result.document.pages) == 16
    # the window (3 pages) plus each worker's transient copies, not the 16 pages
    assert peak < 8 * side * side * 3, f"peak {peak / 1e6:.0f} MB for 16 pages"


def test_read_over_several_files_reads_ahead_in_order(tmp_path: Path) -> None:
    names = []
    for k in (1, 2, 3):
        names.append(str(synth.numbered_page(k).save(tmp_path / f"p{k}.png")))
    broken = tmp_path / "p2b.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    pdf = tmp_path / "p4.pdf"
    pdf.write_bytes(_numbered_pdf(2))
    files = [names[0], names[1], str(broken), names[2], str(pdf)]

    def run(streams: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "promptocr.cli.main", "read", "--format", "text", "-q"]
        return subprocess.run(
            [*cmd, "--streams", streams, *files], capture_output=True, text=True, timeout=300
        )

    ahead, one = run("2"), run("1")
    assert ahead.returncode == one.returncode == 1  # one file failed, the others were read
    assert ahead.stdout == one.stdout
    assert ahead.stderr == one.stderr and "p2b.png" in ahead.stderr
    heads = [ln for ln in ahead.stdout.splitlines() if ln.startswith("==> ")]
    assert heads == [f"==> {f} <==" for f in files if f != str(broken)]
