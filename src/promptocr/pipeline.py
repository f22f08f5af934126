"""Document OCR: file -> pages -> engine -> `Document`, with a content-keyed result cache.

The cache is keyed by the decoded page pixels' hash (a PDF page: its document's bytes, page number
and DPI) plus the engine settings, so the same image asked a second question (or uploaded twice)
is not OCR'd again. It is bounded by an approximate
memory budget and evicts least-recently-used entries.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

from promptocr.document.model import Document, Page
from promptocr.engines.embedded import EmbeddedEngine, EngineSettings
from promptocr.engines.layout import LayoutDetector
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import InputLimits, PageImage, PageStream, open_pages


def page_key(page: PageImage, settings: EngineSettings) -> str:
    h = hashlib.blake2b(digest_size=20)
    h.update(str(page.image.shape).encode())
    if page.content_key is not None:
        # A PDF page: its document's bytes, index and DPI fix its pixels and its text layer
        # (hashing 11 MB of pixels cost ~20 ms a page at 200 dpi).
        h.update(page.content_key)
    else:
        h.update(page.image.tobytes())
        if page.text_layer is not None and settings.text_source != "ocr":
            h.update(page.text_layer.fingerprint())
    if page.text_layer is None:  # a page without a text layer is OCR'd whatever text_source
        settings = replace(settings, text_source="ocr")
    h.update(settings.key().encode())
    return h.hexdigest()


class PageCache:
    """Thread-safe LRU of OCR'd pages, bounded by an estimate of their size in bytes."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[dict[str, object], int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Page | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            data = item[0]
        # Pages are stored as dicts and rebuilt, so callers may mutate what they get.
        return Page.from_dict(data)

    def put(self, key: str, page: Page) -> None:
        if self.max_bytes <= 0:
            return
        data = page.to_dict()
        size = 512 + sum(len(ln.text) * 4 + 256 + 200 * len(ln.words) for ln in page.lines)
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key)[1]
            self._items[key] = (data, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _, (_, old) = self._items.popitem(last=False)
                self._bytes -= old

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size_bytes(self) -> int:
        return self._bytes


@dataclass
class ReadOptions:
    """Per-call input options (engine settings are separate: they key the cache)."""

    pages: str | None = None
    dpi: int = 200


class OCRPipeline:
    """Owns one engine and one cache; safe to share between threads."""

    def __init__(
        self,
        engine: EmbeddedEngine | None = None,
        limits: InputLimits | None = None,
        cache: PageCache | None = None,
        page_workers: int | None = None,
    ) -> None:
        self.engine = engine or EmbeddedEngine()
        self.limits = limits or InputLimits()
        self.cache = cache if cache is not None else PageCache()
        # Pages of one document read at once (promptocr/overlap.py). Opt-in (default 1): the
        # CLI sets it to its streams for one multi-page file; the server keeps 1, since its
        # workers already share the cores between requests and a request holds one page.
        self.page_workers = max(1, page_workers or 1)
        # The layout model loads on first use (only `parse` needs it), with the engine's threads.
        self.layout = LayoutDetector(self.engine.session_settings)

    def load(
        self, src: str | Path | bytes, options: ReadOptions | None = None, name: str | None = None
    ) -> list[PageImage]:
        """Every selected page decoded at once (all pixels held: prefer `open`)."""
        return list(self.open(src, options, name))

    def open(
        self, src: str | Path | bytes, options: ReadOptions | None = None, name: str | None = None
    ) -> PageStream:
        """Check the input and return its pages as a stream decoded one page at a time."""
        o = options or ReadOptions()
        return open_pages(
            src,
            name=name,
            pages=o.pages,
            dpi=o.dpi,
            limits=self.limits,
        )

    def read_page(
        self, page: PageImage, usage: Usage, settings: EngineSettings | None = None
    ) -> Page:
        """OCR one decoded page through the cache."""
        s = settings or self.engine.settings
        usage.check()
        key = page_key(page, s)
        cached = self.cache.get(key)
        if cached is not None:
            usage.cache["hits"] += 1
            usage.pages += 1
            usage.skip("detect", "served from cache")
            usage.skip("recognize", "served from cache")
            # The same pixels may come back as another page or file (or another request, on
            # another thread): the caller gets its own copy with its own identity.
            return replace(cached, index=page.index, source=page.source, blocks=list(cached.blocks))
        usage.cache["misses"] += 1
        result = self.engine.read_page(page, usage, s)
        self.cache.put(key, result)
        return result

    def read_pages(
        self,
        pages: list[PageImage],
        usage: Usage,
        settings: EngineSettings | None = None,
        source: str | None = None,
    ) -> Document:
        out = [self.read_page(page, usage, settings) for page in pages]
        return Document(out, source=source or (pages[0].source if pages else None))

    def read(
        self,
        src: str | Path | bytes,
        options: ReadOptions | None = None,
        settings: EngineSettings | None = None,
        name: str | None = None,
        usage: Usage | None = None,
    ) -> tuple[Document, Usage]:
        """Read every selected page of a file, one page's pixels in memory at a time.
        Raises PromptOCRError on bad input."""
        usage = usage or Usage()
        with usage.stage("decode"):
            stream = self.open(src, options, name)
        doc = Document([], source=stream.source)
        with closing(self.iter_read(stream, usage, settings)) as pages:
            for image, page in pages:
                del image  # the pixels go as soon as the next page is asked for
                doc.pages.append(page)
        return doc, usage

    def iter_read(
        self, stream: PageStream, usage: Usage, settings: EngineSettings | None = None
    ) -> Generator[tuple[PageImage, Page], None, None]:
        """Decode and OCR the stream's pages, yielding `(image, page)` in page order: with
        `page_workers` > 1 and several pages, the next page is decoded and read while this one
        is (promptocr/overlap.py); otherwise one page after the other. Close it (or iterate it
        to the end) so the read-ahead stops and the stream is released."""
        if self.page_workers > 1 and stream.count > 1:
            from promptocr.overlap import read_overlapped

            def read(image: PageImage, page_usage: Usage) -> Page:
                return self.read_page(image, page_usage, settings)

            yield from read_overlapped(stream, read, usage, workers=self.page_workers)
            return
        for image in self.iter_decoded(stream, usage):
            yield image, self.read_page(image, usage, settings)

    @staticmethod
    def iter_decoded(stream: PageStream, usage: Usage) -> Iterator[PageImage]:
        """Decode the stream's pages one by one, timing each decode as stage "decode"."""
        it = iter(stream)
        try:
            while True:
                with usage.stage("decode"):
                    page = next(it, None)
                if page is None:
                    return
                yield page
                del page  # the caller's reference is the only one left
        finally:
            stream.close()


_default: OCRPipeline | None = None
_default_lock = threading.Lock()


def default_pipeline() -> OCRPipeline:
    """Process-wide pipeline for the Python API (models load once, on first use)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = OCRPipeline()
    return _default
