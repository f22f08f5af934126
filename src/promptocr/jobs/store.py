"""The job store: SQLite (stdlib `sqlite3`, WAL) plus the uploaded files, under one directory.

Layout of the store directory:

    jobs.sqlite3 (+ -wal, -shm)   one row per job (`jobs`), one row per page to read (`pages`)
    files/<job id>/<n>            the bytes of the job's n-th uploaded file
    lock                          held (flock) by the one process that owns the store

Durability rules, which make a `SIGKILL` at any moment safe:

- A job is accepted only after its files are on disk and its job row and page rows are
  committed in one transaction; the 202 answer comes after that commit.
- Claiming a page (state `running`, `attempts + 1`) is committed before the page is read, and a
  page's result is stored in the same transaction that marks it `done` (and bumps the job's
  `pages_done`). So a page is either done with its result, or not done: a restart resets
  `running` pages to `pending` and reads only those again; a done page is never read twice.
- A page that was claimed `MAX_ATTEMPTS` times without finishing (the process died on it each
  time) is marked failed instead of being read again, so one poison page cannot crash-loop the
  server.

One process owns a store at a time (an exclusive `flock` on `lock`, released by the kernel when
the process dies, even by `SIGKILL`): a second server pointed at the same directory gets
`StoreLockedError`. A job store is per server process (per pod), not shared storage.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_ATTEMPTS = 3
STATES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = ("done", "failed", "cancelled")

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    state TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    finished REAL,
    last_claim REAL,
    prompt TEXT NOT NULL,
    task TEXT NOT NULL,
    params TEXT NOT NULL,
    files TEXT NOT NULL,
    pages_total INTEGER NOT NULL,
    pages_done INTEGER NOT NULL DEFAULT 0,
    pages_failed INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    webhook_url TEXT,
    webhook_state TEXT,
    webhook_error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, created);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, created);
CREATE TABLE IF NOT EXISTS pages (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    file_index INTEGER NOT NULL,
    page_no INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    error_code TEXT,
    error_message TEXT,
    ms REAL,
    PRIMARY KEY (job_id, seq)
);
CREATE INDEX IF NOT EXISTS pages_state ON pages (state, job_id);
"""


class StoreLockedError(RuntimeError):
    """Another process owns this job store."""


class StoreFullError(RuntimeError):
    """Accepting the job would take the store over its quota (`create(max_bytes=...)`)."""

    def __init__(self, used: int, incoming: int, max_bytes: int) -> None:
        super().__init__(f"the store holds {used} bytes; {incoming} more is over {max_bytes}")
        self.used, self.incoming, self.max_bytes = used, incoming, max_bytes


@dataclass
class FileSpec:
    """One uploaded file of a job: its name, size and the 1-based page numbers to read."""

    name: str
    size: int
    pages: list[int]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "pages": self.pages}


@dataclass
class JobRecord:
    id: str
    owner: str
    state: str
    created: float
    updated: float
    finished: float | None
    prompt: str
    task: str
    params: dict[str, Any]
    files: list[FileSpec]
    pages_total: int
    pages_done: int
    pages_failed: int
    bytes: int
    webhook_url: str | None
    webhook_state: str | None
    webhook_error: str | None

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED


@dataclass
class PageRecord:
    job_id: str
    seq: int
    file_index: int
    page_no: int
    state: str
    attempts: int
    result: dict[str, Any] | None = field(default=None)
    error_code: str | None = None
    error_message: str | None = None
    ms: float | None = None


@dataclass
class PageOutcome:
    """What finishing one page changed: the job's new state when the job is now finished."""

    job_id: str
    finished_state: str | None


def default_store_dir() -> Path:
    """`$XDG_DATA_HOME/promptocr/jobs` (usually `~/.local/share/promptocr/jobs`)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "promptocr" / "jobs"


def _job(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        id=row["id"],
        owner=row["owner"],
        state=row["state"],
        created=row["created"],
        updated=row["updated"],
        finished=row["finished"],
        prompt=row["prompt"],
        task=row["task"],
        params=json.loads(row["params"]),
        files=[FileSpec(**f) for f in json.loads(row["files"])],
        pages_total=row["pages_total"],
        pages_done=row["pages_done"],
        pages_failed=row["pages_failed"],
        bytes=row["bytes"],
        webhook_url=row["webhook_url"],
        webhook_state=row["webhook_state"],
        webhook_error=row["webhook_error"],
    )


def _page(row: sqlite3.Row, with_result: bool) -> PageRecord:
    return PageRecord(
        job_id=row["job_id"],
        seq=row["seq"],
        file_index=row["file_index"],
        page_no=row["page_no"],
        state=row["state"],
        attempts=row["attempts"],
        result=json.loads(row["result"]) if with_result and row["result"] else None,
        error_code=row["error_code"],
        error_message=row["error_message"],
        ms=row["ms"],
    )


class JobStore:
    """Thread-safe: one connection behind a lock (every statement is short)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "files").mkdir(exist_ok=True)
        self._lock_fh = open(self.root / "lock", "a+b")  # noqa: SIM115 - held for our lifetime
        try:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_fh.close()
            raise StoreLockedError(
                f"the job store {self.root} is in use by another process (one server process "
                "per store; give each its own job_store)"
            ) from None
        self._db_lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                self.root / "jobs.sqlite3", check_same_thread=False, isolation_level=None
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL loses nothing when the process dies (only on an OS crash).
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(SCHEMA)
        except BaseException:
            self._lock_fh.close()
            raise
        self.closed = False

    # ---- plumbing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._db_lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._db_lock:
            return list(self._db.execute(sql, args))

    def close(self) -> None:
        with self._db_lock:
            if self.closed:
                return
            self.closed = True
            self._db.close()
        self._lock_fh.close()  # releases the flock

    def file_path(self, job_id: str, index: int) -> Path:
        return self.root / "files" / job_id / str(index)

    def read_file(self, job_id: str, index: int) -> bytes:
        return self.file_path(job_id, index).read_bytes()

    # ---- jobs -------------------------------------------------------------------------------

    def create(
        self,
        *,
        owner: str,
        prompt: str,
        task: str,
        params: dict[str, Any],
        files: list[tuple[FileSpec, bytes]],
        webhook_url: str | None = None,
        max_bytes: int | None = None,
    ) -> JobRecord:
        """Write the files, then commit the job and all its pages in one transaction. With
        `max_bytes`, the quota is checked inside that transaction (so concurrent submissions
        cannot all pass it): `StoreFullError` when the store would go over."""
        job_id = uuid.uuid4().hex
        folder = self.root / "files" / job_id
        folder.mkdir(parents=True)
        try:
            for i, (_spec, data) in enumerate(files):
                tmp = folder / f"{i}.tmp"
                tmp.write_bytes(data)
                tmp.replace(folder / str(i))
            now = time.time()
            size = sum(len(data) for _, data in files)
            specs = [spec for spec, _ in files]
            total = sum(len(s.pages) for s in specs)
            with self._tx() as db:
                if max_bytes is not None:
                    used = int(db.execute("SELECT COALESCE(SUM(bytes), 0) FROM jobs").fetchone()[0])
                    if used + size > max_bytes:
                        raise StoreFullError(used, size, max_bytes)
                db.execute(
                    "INSERT INTO jobs (id, owner, state, created, updated, prompt, task, params, "
                    "files, pages_total, bytes, webhook_url, webhook_state) "
                    "VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        job_id,
                        owner,
                        now,
                        now,
                        prompt,
                        task,
                        json.dumps(params),
                        json.dumps([s.to_dict() for s in specs]),
                        total,
                        size,
                        webhook_url,
                        None,
                    ),
                )
                seq = 0
                rows = []
                for fi, spec in enumerate(specs):
                    for page_no in spec.pages:
                        rows.append((job_id, seq, fi, page_no))
                        seq += 1
                db.executemany(
                    "INSERT INTO pages (job_id, seq, file_index, page_no, state) "
                    "VALUES (?, ?, ?, ?, 'pending')",
                    rows,
                )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> JobRecord | None:
        rows = self._query("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _job(rows[0]) if rows else None

    def list_jobs(self, owner: str, limit: int = 100) -> list[JobRecord]:
        rows = self._query(
            "SELECT * FROM jobs WHERE owner = ? ORDER BY created DESC LIMIT ?", (owner, limit)
        )
        return [_job(r) for r in rows]

    def pages(self, job_id: str, *, with_results: bool = False) -> list[PageRecord]:
        cols = "*" if with_results else "job_id, seq, file_index, page_no, state, attempts, "
        if not with_results:
            cols += "NULL AS result, error_code, error_message, ms"
        rows = self._query(f"SELECT {cols} FROM pages WHERE job_id = ? ORDER BY seq", (job_id,))
        return [_page(r, with_results) for r in rows]

    def first_done_result(self, job_id: str) -> dict[str, Any] | None:
        """The stored result of the job's first finished page, if any."""
        rows = self._query(
            "SELECT result FROM pages WHERE job_id = ? AND state = 'done' AND result IS NOT NULL "
            "ORDER BY seq LIMIT 1",
            (job_id,),
        )
        return json.loads(rows[0]["result"]) if rows else None

    def failed_pages(self, job_id: str) -> list[PageRecord]:
        rows = self._query(
            "SELECT job_id, seq, file_index, page_no, state, attempts, NULL AS result, "
            "error_code, error_message, ms FROM pages WHERE job_id = ? AND state = 'failed' "
            "ORDER BY seq",
            (job_id,),
        )
        return [_page(r, False) for r in rows]

    def cancel(self, job_id: str) -> JobRecord | None:
        """Queued/running -> cancelled: pending pages are skipped (a running page finishes)."""
        now = time.time()
        with self._tx() as db:
            cur = db.execute(
                "UPDATE jobs SET state = 'cancelled', updated = ?, finished = ?, "
                "webhook_state = CASE WHEN webhook_url IS NULL THEN NULL ELSE 'pending' END "
                "WHERE id = ? AND state IN ('queued', 'running')",
                (now, now, job_id),
            )
            if cur.rowcount:
                db.execute(
                    "UPDATE pages SET state = 'skipped' WHERE job_id = ? AND state = 'pending'",
                    (job_id,),
                )
        return self.get(job_id)

    def delete(self, job_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM pages WHERE job_id = ?", (job_id,))
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        shutil.rmtree(self.root / "files" / job_id, ignore_errors=True)

    # ---- the runner's side ------------------------------------------------------------------

    def recover(self) -> list[JobRecord]:
        """After a restart: pages that were being read go back to pending. Returns the
        unfinished jobs (they resume)."""
        with self._tx() as db:
            db.execute("UPDATE pages SET state = 'pending' WHERE state = 'running'")
        rows = self._query(
            "SELECT * FROM jobs WHERE state IN ('queued', 'running') ORDER BY created"
        )
        self.remove_orphan_files()
        return [_job(r) for r in rows]

    def remove_orphan_files(self) -> None:
        """File folders whose job row never got committed (killed during create) or is gone."""
        known = {r["id"] for r in self._query("SELECT id FROM jobs")}
        for d in (self.root / "files").iterdir():
            if d.name not in known:
                shutil.rmtree(d, ignore_errors=True)

    def claim(self) -> tuple[PageRecord, list[PageOutcome]] | None:
        """Take the next page to read: jobs round-robin (the job claimed least recently first,
        so a long job does not hold back short ones), pages in order within a job.

        Returns the claimed page (already committed as `running`, `attempts + 1`) and the jobs
        that finished because a page over MAX_ATTEMPTS was failed on the way; None when there
        is nothing to do."""
        outcomes: list[PageOutcome] = []
        while True:
            with self._tx() as db:
                rows = list(
                    db.execute(
                        "SELECT p.* FROM pages p JOIN jobs j ON j.id = p.job_id "
                        "WHERE p.state = 'pending' AND j.state IN ('queued', 'running') "
                        "ORDER BY COALESCE(j.last_claim, 0), j.created, p.seq LIMIT 1"
                    )
                )
                if not rows:
                    return None
                page = _page(rows[0], False)
                now = time.time()
                if page.attempts >= MAX_ATTEMPTS:
                    msg = (
                        f"the server stopped {page.attempts} times while reading this page; "
                        "it is not read again"
                    )
                    outcomes.append(
                        self._finish_page(db, page, None, "page_crashed", msg, None, now)
                    )
                    continue
                db.execute(
                    "UPDATE pages SET state = 'running', attempts = attempts + 1 "
                    "WHERE job_id = ? AND seq = ?",
                    (page.job_id, page.seq),
                )
                db.execute(
                    "UPDATE jobs SET state = CASE WHEN state = 'queued' THEN 'running' "
                    "ELSE state END, last_claim = ?, updated = ? WHERE id = ?",
                    (now, now, page.job_id),
                )
                page.state = "running"
                page.attempts += 1
                return page, outcomes

    def release(self, page: PageRecord) -> None:
        """Give a claimed page back unread (its read was stopped by a shutdown, not by the
        page): pending again, and the claim does not count as an attempt."""
        with self._tx() as db:
            db.execute(
                "UPDATE pages SET state = 'pending', attempts = MAX(attempts - 1, 0) "
                "WHERE job_id = ? AND seq = ? AND state = 'running'",
                (page.job_id, page.seq),
            )

    def complete(self, page: PageRecord, result: dict[str, Any] | None, ms: float) -> PageOutcome:
        """Store the page's result and mark it done, in one transaction."""
        with self._tx() as db:
            return self._finish_page(db, page, result, None, None, ms, time.time())

    def fail(self, page: PageRecord, code: str, message: str, ms: float) -> PageOutcome:
        with self._tx() as db:
            return self._finish_page(db, page, None, code, message, ms, time.time())

    def _finish_page(
        self,
        db: sqlite3.Connection,
        page: PageRecord,
        result: dict[str, Any] | None,
        code: str | None,
        message: str | None,
        ms: float | None,
        now: float,
    ) -> PageOutcome:
        ok = code is None
        blob = json.dumps(result, ensure_ascii=False) if ok and result is not None else None
        cur = db.execute(
            "UPDATE pages SET state = ?, result = ?, error_code = ?, error_message = ?, ms = ? "
            "WHERE job_id = ? AND seq = ? AND state IN ('pending', 'running')",
            ("done" if ok else "failed", blob, code, message, ms, page.job_id, page.seq),
        )
        if not cur.rowcount:  # already finished (never overwrite a stored result)
            return PageOutcome(page.job_id, None)
        db.execute(
            "UPDATE jobs SET pages_done = pages_done + 1, pages_failed = pages_failed + ?, "
            "bytes = bytes + ?, updated = ? WHERE id = ?",
            (0 if ok else 1, len(blob.encode()) if blob else 0, now, page.job_id),
        )
        left = db.execute(
            "SELECT COUNT(*) FROM pages WHERE job_id = ? AND state IN ('pending', 'running')",
            (page.job_id,),
        ).fetchone()[0]
        if left:
            return PageOutcome(page.job_id, None)
        row = db.execute(
            "SELECT state, pages_total, pages_failed FROM jobs WHERE id = ?", (page.job_id,)
        ).fetchone()
        if row["state"] not in ("queued", "running"):  # cancelled meanwhile
            return PageOutcome(page.job_id, None)
        state = "failed" if row["pages_failed"] >= row["pages_total"] else "done"
        db.execute(
            "UPDATE jobs SET state = ?, finished = ?, updated = ?, "
            "webhook_state = CASE WHEN webhook_url IS NULL THEN NULL ELSE 'pending' END "
            "WHERE id = ?",
            (state, now, now, page.job_id),
        )
        return PageOutcome(page.job_id, state)

    def set_webhook_state(self, job_id: str, state: str, error: str | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET webhook_state = ?, webhook_error = ? WHERE id = ?",
                (state, error, job_id),
            )

    def pending_webhooks(self) -> list[JobRecord]:
        return [_job(r) for r in self._query("SELECT * FROM jobs WHERE webhook_state = 'pending'")]

    # ---- housekeeping and figures -----------------------------------------------------------

    def expire(self, ttl_s: float, now: float | None = None) -> list[str]:
        """Delete jobs finished more than `ttl_s` ago, with their files. Returns their ids."""
        cutoff = (now or time.time()) - ttl_s
        ids = [
            r["id"]
            for r in self._query(
                "SELECT id FROM jobs WHERE finished IS NOT NULL AND finished < ?", (cutoff,)
            )
        ]
        for job_id in ids:
            self.delete(job_id)
        return ids

    def used_bytes(self) -> int:
        row = self._query("SELECT COALESCE(SUM(bytes), 0) AS n FROM jobs")
        return int(row[0]["n"])

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATES, 0)
        for r in self._query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state"):
            out[r["state"]] = int(r["n"])
        return out

    def oldest_unfinished(self) -> float | None:
        row = self._query("SELECT MIN(created) AS t FROM jobs WHERE state IN ('queued', 'running')")
        t = row[0]["t"]
        return float(t) if t is not None else None

    def pages_ahead(self, job: JobRecord) -> int:
        """Pages still to read in jobs created before `job` (an upper bound on the wait)."""
        row = self._query(
            "SELECT COUNT(*) AS n FROM pages p JOIN jobs j ON j.id = p.job_id "
            "WHERE p.state IN ('pending', 'running') AND j.state IN ('queued', 'running') "
            "AND j.created < ?",
            (job.created,),
        )
        return int(row[0]["n"])

    def attempts(self, job_id: str) -> list[int]:
        """Claims per page, in order (for checks that no page was read twice)."""
        return [p.attempts for p in self.pages(job_id)]
