"""Asynchronous jobs: a durable store of jobs and per-page results (`store`), a background
runner that reads one page at a time (`runner`), and the assembly of stored pages into one
result (`result`). The HTTP routes are in `promptocr.server.jobs`; see docs/jobs.md."""

from promptocr.jobs.store import JobRecord, JobStore, PageRecord, StoreLockedError

__all__ = ["JobRecord", "JobStore", "PageRecord", "StoreLockedError"]
