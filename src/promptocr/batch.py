"""Batch OCR over many files: plan page-sized work items, run them on a local process pool or on
a Ray cluster (Ray Data actors that hold the models), and write each result exactly once.

Work items are single pages: a PDF or multi-page TIFF becomes one item per page (pages are
counted without rendering). An item's key is the hash of the file's bytes, the page number and
a hash of the settings that change the result (prompt, format, DPI, runtime, precision), so a
rerun over the same output directory skips every item already recorded there, and the same
file under two names is read once per name but keyed alike.

Output (`Writer`): `results.jsonl`, one JSON object per item, appended and flushed as results
arrive; with a format other than json also one file per item under `pages/`; optionally
`results.parquet`, rewritten from the JSON Lines at the end. The writer drops a result whose
key is already recorded, so a retried item (a Ray actor that died and was restarted) still
appears once.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from promptocr.engines.lexicon import lexicon_key
from promptocr.engines.squeeze import auto_key
from promptocr.errors import InvalidInputError, PromptOCRError
from promptocr.inputs.paths import expand_inputs as expand_paths

FORMATS = {"json": "json", "text": "txt", "markdown": "md", "hocr": "hocr", "alto": "alto.xml"}
RESULTS = "results.jsonl"
PARQUET = "results.parquet"


def _json_line(obj: Any, **kw: Any) -> str:
    """JSON text that encodes as UTF-8: a file name that is not valid UTF-8 (its bytes kept as
    surrogates) is written as \\udcXX escapes, which read back as the same name."""
    text = json.dumps(obj, ensure_ascii=False, **kw)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, ensure_ascii=True, **kw)
    return text


class BatchInputError(ValueError):
    """An input argument names nothing (missing file, glob without matches)."""


@dataclass(frozen=True)
class BatchConfig:
    """What every worker needs to build its engine and what keys a result."""

    prompt: str | None = None
    format: str = "json"
    dpi: int = 200
    runtime: str = "auto"
    precision: str = "bf16"
    threads: int = 1  # model threads per worker (process or actor)
    rec_head: str = "full"
    rec_squeeze: float | str = 1.0  # as SessionSettings.rec_squeeze
    rec_gap_spaces: float | None = 2.5
    rec_lexicon: bool = True  # as SessionSettings.rec_lexicon

    def settings_hash(self) -> str:
        keyed = {k: v for k, v in asdict(self).items() if k != "threads"}
        # Recognition options key results only where they differ from how results were made
        # before they existed (full head, no squeeze, no gap spaces), so those results keep
        # their keys; results with gap spaces, the default since, get new keys (a rerun after
        # the upgrade reads pages again rather than mixing the two outputs).
        # The lexicon correction likewise keys results only where it is on.
        before_options = (
            ("rec_head", "full"),
            ("rec_squeeze", 1.0),
            ("rec_gap_spaces", None),
            ("rec_lexicon", False),
        )
        for name, before in before_options:
            if keyed[name] == before:
                del keyed[name]
        # A numeric squeeze is read differently since it stopped narrowing crops under the
        # padding floor (engines/squeeze.py): its results get new keys too ("auto" is new
        # anyway). 1.0, the default again, is how results were made before: old keys.
        if isinstance(keyed.get("rec_squeeze"), float | int):
            keyed["rec_squeeze"] = [keyed["rec_squeeze"], "floor"]
        # `auto` is keyed with its factor and thresholds (engines/squeeze.py), so a change of
        # any of them reads pages again rather than mixing outputs of two rules.
        elif (auto := auto_key(keyed.get("rec_squeeze"))) is not None:
            keyed["rec_squeeze"] = auto
        # The lexicon correction is keyed with its thresholds and the word list loaded (or
        # 'off' without one), so installing the list or changing the rule reads pages again.
        if keyed.get("rec_lexicon"):
            keyed["rec_lexicon"] = lexicon_key()
        blob = json.dumps(keyed, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True)
class WorkItem:
    source: str  # the path as found
    page: int  # 1-based; 0 for a file whose pages could not be counted
    digest: str  # sha256 of the file's bytes (first 16 hex digits)
    key: str
    error: dict[str, str] | None = None  # set when planning already failed (corrupt file)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WorkItem:
        return cls(d["source"], int(d["page"]), d["digest"], d["key"], d.get("error"))


# ---------------------------------------------------------------------------------------------
# planning


def expand_inputs(inputs: Iterable[str]) -> list[Path]:
    """Files as given, folders searched recursively for image/PDF suffixes, globs expanded
    (`**` recurses), as `promptocr read` expands them. Order is stable (sorted within each
    argument); duplicates are dropped. An empty folder, a glob matching nothing or a missing
    path raises BatchInputError: a batch that would read nothing is a usage error."""
    out: list[Path] = []
    seen: set[Path] = set()
    for item in expand_paths(list(inputs)):
        if item.error:
            raise BatchInputError(f"{item.path}: {item.error}")
        p = Path(item.path)
        if not p.exists():
            raise BatchInputError(f"{item.path}: no such file or folder")
        r = p.resolve()
        if r not in seen:
            seen.add(r)
            out.append(p)
    return out


def count_pages(data: bytes, source: str) -> int:
    """Pages of a PDF (PDFium opens the document, renders nothing) or frames of a TIFF; 1 for
    other images. Raises a PromptOCRError for a file that cannot be opened."""
    from promptocr.inputs.loader import PDFIUM_LOCK, sniff_kind

    if not data:
        raise InvalidInputError("file is empty", source=source)
    if sniff_kind(data) == "pdf":
        import pypdfium2 as pdfium

        with PDFIUM_LOCK:
            try:
                pdf = pdfium.PdfDocument(data)
            except pdfium.PdfiumError as exc:
                raise InvalidInputError(
                    f"PDF is corrupt, truncated or encrypted ({exc})", source=source
                ) from None
            try:
                n = len(pdf)
            finally:
                pdf.close()
        if n == 0:
            raise InvalidInputError("PDF has no pages", source=source)
        return n
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            return int(getattr(img, "n_frames", 1)) if img.format == "TIFF" else 1
    except Exception:
        return 1  # the reader gives the precise error for this page


def item_key(digest: str, page: int, config: BatchConfig) -> str:
    return f"{digest}:{page}:{config.settings_hash()}"


def plan_items(files: Iterable[Path], config: BatchConfig) -> list[WorkItem]:
    items: list[WorkItem] = []
    for f in files:
        source = str(f)
        try:
            data = f.read_bytes()
        except OSError as exc:
            digest = hashlib.sha256(os.fsencode(source)).hexdigest()[:16]
            err = {"code": "invalid_input", "message": f"cannot read file ({exc.strerror})"}
            items.append(WorkItem(source, 0, digest, item_key(digest, 0, config), err))
            continue
        digest = hashlib.sha256(data).hexdigest()[:16]
        try:
            n = count_pages(data, source)
        except PromptOCRError as exc:
            err = {"code": exc.code, "message": exc.message}
            items.append(WorkItem(source, 0, digest, item_key(digest, 0, config), err))
            continue
        for page in range(1, n + 1):
            items.append(WorkItem(source, page, digest, item_key(digest, page, config)))
    return items


# ---------------------------------------------------------------------------------------------
# the work: one engine per process/actor, one page per call


class PageWorker:
    """Holds the models (loaded in the constructor) and turns one WorkItem into one record."""

    def __init__(self, config: BatchConfig) -> None:
        from promptocr.engines.embedded import EmbeddedEngine
        from promptocr.engines.runtime import limit_malloc_arenas
        from promptocr.engines.stages import SessionSettings
        from promptocr.pipeline import OCRPipeline
        from promptocr.tasks import Service

        limit_malloc_arenas(2)
        self.config = config
        session = SessionSettings(
            intra_op_threads=config.threads,
            runtime=config.runtime,
            precision=config.precision,
            rec_head=config.rec_head,
            rec_squeeze=config.rec_squeeze,
            rec_gap_spaces=config.rec_gap_spaces,
            rec_lexicon=config.rec_lexicon,
        )
        engine = EmbeddedEngine(session=session)
        engine.warm_up()
        self.pipeline = OCRPipeline(engine)
        self.service = Service(self.pipeline) if config.prompt is not None else None

    def process(self, item: WorkItem) -> dict[str, Any]:
        record: dict[str, Any] = {
            "key": item.key,
            "source": item.source,
            "page": item.page,
            "status": "ok",
            "error": None,
        }
        if item.error is not None:
            record.update(status="error", error=item.error)
            return record
        try:
            record.update(self.read(item))
        except PromptOCRError as exc:
            record.update(status="error", error={"code": exc.code, "message": exc.message})
        except Exception as exc:  # a bug on one page must not stop the batch
            record.update(
                status="error",
                error={"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"},
            )
        return record

    def read(self, item: WorkItem) -> dict[str, Any]:
        from promptocr.document.export import to_alto, to_hocr, to_markdown, to_text
        from promptocr.pipeline import ReadOptions

        cfg = self.config
        if self.service is not None and cfg.prompt is not None:
            result = self.service.run(item.source, cfg.prompt, pages=str(item.page), dpi=cfg.dpi)
            doc = result.document
            out: dict[str, Any] = {"result": result.to_dict()}
            text = result.content
        else:
            doc, usage = self.pipeline.read(
                item.source, ReadOptions(pages=str(item.page), dpi=cfg.dpi)
            )
            out = {"document": doc.to_dict(), "usage": usage.to_dict()}
            text = to_text(doc)
        if cfg.format == "text":
            out["rendered"] = text
        elif cfg.format == "markdown":
            out["rendered"] = text if self.service is not None else to_markdown(doc)
        elif cfg.format == "hocr":
            out["rendered"] = to_hocr(doc)
        elif cfg.format == "alto":
            out["rendered"] = to_alto(doc)
        out["text"] = doc.text
        return out


_process_worker: PageWorker | None = None


def _init_process(config: BatchConfig) -> None:
    global _process_worker
    _process_worker = PageWorker(config)


def _process_in_pool(item: WorkItem) -> dict[str, Any]:
    assert _process_worker is not None, "pool initializer did not run"
    return _process_worker.process(item)


class RayPageWorker:
    """Ray Data callable class: one per actor, models loaded once; rows in, JSON lines out."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.worker = PageWorker(BatchConfig(**config))

    def process(self, item: WorkItem) -> dict[str, Any]:
        return self.worker.process(item)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        lines = []
        for raw in batch["item"]:
            item = WorkItem.from_dict(json.loads(raw))
            lines.append(json.dumps(self.process(item), ensure_ascii=False))
        return {"record": lines}


# ---------------------------------------------------------------------------------------------
# output


def page_file_name(record: dict[str, Any], fmt: str) -> str:
    stem = Path(record["source"]).stem or "input"
    digest = str(record["key"]).split(":", 1)[0][:8]
    return f"{stem}-{digest}-p{int(record['page']):04d}.{FORMATS[fmt]}"


class Writer:
    """Appends records to DIR/results.jsonl exactly once per key; writes per-page files."""

    def __init__(self, out_dir: Path, fmt: str) -> None:
        self.out_dir = out_dir
        self.fmt = fmt
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / RESULTS
        self.done: set[str] = set()
        self.counts = {"ok": 0, "error": 0, "duplicate": 0}
        self._repair_and_load()
        self._fh = self.path.open("a", encoding="utf-8")

    def _repair_and_load(self) -> None:
        """Read keys already recorded; cut a half-written last line (a crash mid-write)."""
        if not self.path.exists():
            return
        raw = self.path.read_bytes()
        if raw and not raw.endswith(b"\n"):
            cut = raw.rfind(b"\n") + 1
            with self.path.open("r+b") as fh:
                fh.truncate(cut)
            raw = raw[:cut]
        for line in raw.decode("utf-8", errors="replace").splitlines():
            try:
                key = json.loads(line).get("key")
            except (ValueError, AttributeError):
                continue
            if isinstance(key, str):
                self.done.add(key)

    def write(self, record: dict[str, Any]) -> bool:
        """Record one result; False (and nothing written) when its key is already there."""
        key = record["key"]
        if key in self.done:
            self.counts["duplicate"] += 1
            return False
        if record.get("status") == "ok":
            self._write_page_file(record)
        rendered = record.pop("rendered", None)
        del rendered  # the per-page file holds it; the JSON line keeps the structured result
        self._fh.write(_json_line(record) + "\n")
        self._fh.flush()
        self.done.add(key)
        self.counts["ok" if record.get("status") == "ok" else "error"] += 1
        return True

    def _write_page_file(self, record: dict[str, Any]) -> None:
        pages = self.out_dir / "pages"
        pages.mkdir(exist_ok=True)
        if self.fmt == "json":
            body = {k: v for k, v in record.items() if k in ("result", "document", "usage")}
            text = _json_line(body, indent=2) + "\n"
        else:
            text = str(record.get("rendered", ""))
            text = text if not text or text.endswith("\n") else text + "\n"
        target = pages / page_file_name(record, self.fmt)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(text, encoding="utf-8", errors="surrogateescape")  # a name's own bytes
        os.replace(tmp, target)

    def close(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()


def write_parquet(out_dir: Path) -> Path:
    """DIR/results.parquet from DIR/results.jsonl: one row per item, the structured result as a
    JSON string column (its shape differs per task)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    with (out_dir / RESULTS).open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            err = rec.get("error") or {}
            payload = rec.get("result", rec.get("document"))
            rows.append(
                {
                    "key": rec["key"],
                    # Arrow strings are UTF-8: a name's undecodable bytes show as U+FFFD
                    "source": os.fsencode(rec["source"]).decode("utf-8", "replace"),
                    "page": int(rec["page"]),
                    "status": rec["status"],
                    "error_code": err.get("code"),
                    "error_message": err.get("message"),
                    "text": rec.get("text"),
                    "result_json": None if payload is None else _json_line(payload),
                }
            )
    schema = pa.schema(
        [
            ("key", pa.string()),
            ("source", pa.string()),
            ("page", pa.int32()),
            ("status", pa.string()),
            ("error_code", pa.string()),
            ("error_message", pa.string()),
            ("text", pa.string()),
            ("result_json", pa.string()),
        ]
    )
    target = out_dir / PARQUET
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), target)
    return target


# ---------------------------------------------------------------------------------------------
# runners


@dataclass
class BatchReport:
    planned: int = 0
    skipped: int = 0  # already in the output
    ok: int = 0
    error: int = 0
    duplicates: int = 0  # results dropped because their key was already written
    errors: list[dict[str, Any]] = field(default_factory=list)


OnRecord = Callable[[dict[str, Any]], None]


ProcessFn = Callable[[WorkItem], dict[str, Any]]


class _PoolBroke(Exception):
    def __init__(self, in_flight: list[WorkItem]) -> None:
        super().__init__(f"a worker process died with {len(in_flight)} page(s) in flight")
        self.in_flight = in_flight


def run_local(
    items: list[WorkItem],
    config: BatchConfig,
    workers: int,
    on_record: OnRecord,
    process: ProcessFn | None = None,
) -> None:
    """A process pool, one engine per process (the initializer loads the models). At most two
    items per worker are in flight so results stream out as they finish.

    When a worker process dies (a crash in native code, the OOM killer), the pages that were in
    flight are read again one at a time, each in a fresh pool, so the page that kills its
    worker is found: it is recorded as a `worker_died` error and the rest of the batch goes on."""
    fn = process or _process_in_pool
    written: set[str] = set()

    def record(rec: dict[str, Any]) -> None:
        written.add(rec["key"])
        on_record(rec)

    remaining = list(items)
    while remaining:
        try:
            _run_pool(remaining, config, workers, record, fn)
            return
        except _PoolBroke as broke:
            suspects = broke.in_flight
        for it in suspects:
            try:
                _run_pool([it], config, 1, record, fn)
            except _PoolBroke:
                msg = "the worker process died while reading this page (read alone)"
                record(
                    {
                        "key": it.key,
                        "source": it.source,
                        "page": it.page,
                        "status": "error",
                        "error": {"code": "worker_died", "message": msg},
                    }
                )
        remaining = [it for it in remaining if it.key not in written]


def _run_pool(
    items: list[WorkItem], config: BatchConfig, workers: int, on_record: OnRecord, fn: ProcessFn
) -> None:
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    workers = max(1, min(workers, len(items)))
    ctx = multiprocessing.get_context("spawn")  # no fork after threads/runtime state exist
    with ProcessPoolExecutor(workers, ctx, initializer=_init_process, initargs=(config,)) as pool:
        pending: dict[Future[dict[str, Any]], WorkItem] = {}
        queue: Iterator[WorkItem] = iter(items)
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < 2 * workers:
                try:
                    nxt = next(queue)
                except StopIteration:
                    exhausted = True
                    break
                pending[pool.submit(fn, nxt)] = nxt
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                try:
                    rec = fut.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                del pending[fut]
                on_record(rec)
            if broken:
                raise _PoolBroke(list(pending.values()))


def run_ray(
    items: list[WorkItem],
    config: BatchConfig,
    workers: int,
    on_record: OnRecord,
    address: str | None = None,
    actor_cls: type[RayPageWorker] = RayPageWorker,
) -> None:
    """Ray Data: the items as a dataset of one-row blocks, mapped by a pool of `workers` actors
    that each hold the models; an actor that dies is restarted and its item retried."""
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError("--ray needs Ray: pip install 'promptocr[ray]'") from exc
    if not items:
        return
    if not ray.is_initialized():
        connect_ray(address)
    if workers <= 0:  # one actor per `threads` CPUs the cluster has
        cpus = int(ray.cluster_resources().get("CPU", 1))
        workers = max(1, cpus // max(1, config.threads))
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    rows = [{"item": json.dumps(i.to_dict())} for i in items]
    source = ray.data.from_items(rows, override_num_blocks=len(rows))
    ds = source.map_batches(
        actor_cls,
        fn_constructor_kwargs={"config": asdict(config)},
        batch_size=1,
        batch_format="default",
        concurrency=max(1, workers),
        num_cpus=max(1, config.threads),
        # Ray Data's actor pools default to max_restarts=-1 and max_task_retries=-1: a dead
        # actor is restarted and its batch retried; the Writer drops any second copy by key.
    )
    for row in ds.iter_rows():
        on_record(json.loads(row["record"]))


def connect_ray(address: str | None) -> None:
    """`auto`: join the cluster `ray start` (or RAY_ADDRESS) runs, else start a local one;
    anything else is a cluster address such as ray://head:10001."""
    import ray

    if address in (None, "auto"):
        try:
            ray.init(address="auto", log_to_driver=False)
        except ConnectionError:
            ray.init(log_to_driver=False)
    else:
        ray.init(address=address, log_to_driver=False)


def run_batch(
    inputs: list[str],
    out_dir: Path,
    config: BatchConfig,
    *,
    workers: int = 1,
    ray_address: str | None = None,
    use_ray: bool = False,
    parquet: bool = False,
    progress: bool | None = None,
    actor_cls: type[RayPageWorker] = RayPageWorker,
) -> BatchReport:
    """Plan, skip what `out_dir` already holds, run the rest, write. Raises BatchInputError."""
    from tqdm import tqdm

    files = expand_inputs(inputs)
    items = plan_items(files, config)
    writer = Writer(out_dir, config.format)
    report = BatchReport(planned=len(items))
    todo: list[WorkItem] = []
    seen: set[str] = set()
    for it in items:
        if it.key in writer.done or it.key in seen:
            report.skipped += 1
        else:
            seen.add(it.key)
            todo.append(it)
    bar = tqdm(
        total=len(todo),
        unit="page",
        disable=(not progress) if progress is not None else None,
        dynamic_ncols=True,
    )

    def on_record(record: dict[str, Any]) -> None:
        if writer.write(record):
            bar.update(1)
            if record["status"] != "ok":
                report.errors.append(
                    {"source": record["source"], "page": record["page"], **record["error"]}
                )

    try:
        if use_ray:
            run_ray(todo, config, workers, on_record, ray_address, actor_cls)
        else:
            run_local(todo, config, workers, on_record)
    finally:
        bar.close()
        writer.close()
        report.ok = writer.counts["ok"]
        report.error = writer.counts["error"]
        report.duplicates = writer.counts["duplicate"]
    if parquet:
        write_parquet(out_dir)
    return report


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def with_threads(config: BatchConfig, threads: int) -> BatchConfig:
    return replace(config, threads=max(1, threads))
