"""The job store's durability rules on a real SQLite file: one owner process, claims survive a
crash, a stored result is never overwritten, poison pages stop, TTL removes files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from promptocr.jobs.store import MAX_ATTEMPTS, FileSpec, JobStore, StoreLockedError


def make_job(store: JobStore, pages: int = 3) -> str:
    job = store.create(
        owner="key:abc",
        prompt="",
        task="read",
        params={"dpi": 200},
        files=[(FileSpec("a.pdf", 4, list(range(1, pages + 1))), b"%PDF")],
    )
    assert job.state == "queued" and job.pages_total == pages
    assert store.read_file(job.id, 0) == b"%PDF"
    return job.id


def test_one_process_owns_a_store(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    with pytest.raises(StoreLockedError):
        JobStore(tmp_path)
    store.close()
    JobStore(tmp_path).close()  # the lock is released with the store


def test_interrupted_page_is_read_again_and_done_page_never(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    job_id = make_job(store)
    claimed = store.claim()
    assert claimed is not None
    first, _ = claimed
    assert (first.seq, first.attempts) == (0, 1)
    outcome = store.complete(first, {"page": {"index": 0}}, 5.0)
    assert outcome.finished_state is None
    second, _ = store.claim() or (None, [])
    assert second is not None and second.seq == 1
    store.close()  # the process died while reading page 2

    store = JobStore(tmp_path)
    resumed = store.recover()
    assert [j.id for j in resumed] == [job_id]
    again, _ = store.claim() or (None, [])
    assert again is not None and (again.seq, again.attempts) == (1, 2)
    # A late duplicate completion of a finished page does not overwrite it.
    assert store.complete(first, {"page": {"index": 99}}, 1.0).finished_state is None
    store.complete(again, {"page": {"index": 1}}, 5.0)
    last, _ = store.claim() or (None, [])
    assert last is not None
    assert store.complete(last, {"page": {"index": 2}}, 5.0).finished_state == "done"
    pages = store.pages(job_id, with_results=True)
    assert [p.result["page"]["index"] for p in pages if p.result] == [0, 1, 2]
    assert store.attempts(job_id) == [1, 2, 1]
    job = store.get(job_id)
    assert job is not None and job.state == "done" and job.pages_done == 3
    assert store.claim() is None
    store.close()


def test_poison_page_is_failed_after_max_attempts(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    job_id = make_job(store, pages=1)
    for _ in range(MAX_ATTEMPTS):
        assert store.claim() is not None
        store.close()  # died on it
        store = JobStore(tmp_path)
        store.recover()
    assert store.claim() is None
    (page,) = store.failed_pages(job_id)
    assert page.error_code == "page_crashed"
    job = store.get(job_id)
    assert job is not None and job.state == "failed"
    store.close()


def test_cancel_skips_pending_pages_and_ttl_deletes(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    job_id = make_job(store, pages=5)
    running, _ = store.claim() or (None, [])
    assert running is not None
    job = store.cancel(job_id)
    assert job is not None and job.state == "cancelled"
    # The page being read finishes and is kept; the job stays cancelled.
    assert store.complete(running, {"page": None}, 1.0).finished_state is None
    assert [p.state for p in store.pages(job_id)] == ["done"] + ["skipped"] * 4
    assert store.claim() is None
    assert store.counts()["cancelled"] == 1
    assert store.expire(ttl_s=3600) == []
    assert store.expire(ttl_s=0, now=job.finished + 1 if job.finished else None) == [job_id]
    assert store.get(job_id) is None and not store.file_path(job_id, 0).exists()
    assert store.used_bytes() == 0
    store.close()


def test_round_robin_between_jobs(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    a = make_job(store, pages=3)
    b = make_job(store, pages=3)
    order = []
    for _ in range(4):
        page, _ = store.claim() or (None, [])
        assert page is not None
        order.append(page.job_id)
        store.complete(page, {}, 1.0)
    assert order == [a, b, a, b]
    store.close()


def test_a_corrupt_database_is_refused_and_the_lock_released(tmp_path: Path) -> None:
    (tmp_path / "jobs.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        JobStore(tmp_path)
    (tmp_path / "jobs.sqlite3").unlink()
    JobStore(tmp_path).close()  # not locked by the failed attempt
