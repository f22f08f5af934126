"""Where two pages at once spend their time: evidence that does not depend on machine load.

    PYTHONPATH=src .venv/bin/python bench/streams_probe.py [--pages 6] [--config NAME ...]

For each configuration it reads the first `--pages` pages of the generated 50-page scan
(bench/pdf_bench.py) in one process, after a warm-up, and reports:

- the compiled models' OpenVINO properties (threads, streams, pinning, hint, core type);
- the process's CPU seconds over wall seconds (1.0 = one core busy, 2.0 = both), which a
  loaded machine lowers for every configuration alike but cannot raise above what the code
  allows;
- per model call: which Python thread made it and when, and the share of one call's time
  during which another call was running at the same moment (0 = the calls never overlapped);
- per OS thread: CPU seconds and the cores it was seen on (/proc/self/task/*/stat, fields 14-15
  and 39, sampled every 10 ms), so a stream pinned to the same core as another shows up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pdf_bench import scanned_pdf  # noqa: E402

from promptocr.engines import runtime  # noqa: E402
from promptocr.engines.embedded import EmbeddedEngine, EngineSettings  # noqa: E402
from promptocr.engines.stages import SessionSettings  # noqa: E402
from promptocr.pipeline import OCRPipeline, PageCache, ReadOptions  # noqa: E402

PROPS = (
    "INFERENCE_NUM_THREADS",
    "NUM_STREAMS",
    "ENABLE_CPU_PINNING",
    "SCHEDULING_CORE_TYPE",
    "PERFORMANCE_HINT",
    "ENABLE_HYPER_THREADING",
    "OPTIMAL_NUMBER_OF_INFER_REQUESTS",
)
TICK = os.sysconf("SC_CLK_TCK")


def compiled_properties(model: Any) -> dict[str, str]:
    compiled = getattr(model, "compiled", None)
    if compiled is None:
        return {}
    out = {}
    for key in PROPS:
        try:
            out[key] = str(compiled.get_property(key))
        except RuntimeError as exc:
            out[key] = f"n/a ({str(exc).splitlines()[0][:40]})"
    return out


def task_stats() -> dict[int, tuple[str, int, int, str]]:
    """tid -> (thread name, cpu ticks utime+stime, last cpu, state) for every thread."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                raw = f.read()
            with open(f"/proc/self/task/{tid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        rest = raw[raw.rindex(")") + 2 :].split()  # fields from 3 on
        ticks = int(rest[11]) + int(rest[12])  # fields 14, 15
        cpu = int(rest[36])  # field 39
        out[int(tid)] = (comm, ticks, cpu, rest[0])
    return out


class Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.seen: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.names: dict[int, str] = {}
        self.start_ticks: dict[int, int] = {}
        self.end_ticks: dict[int, int] = {}
        # samples with >= 2 of our threads running or runnable, and those where all of them
        # sat on one core (the other core had none of ours: what pinning to one core causes)
        self.busy2 = 0
        # samples with >= 2 of our threads pinned to one core each (OpenVINO pins a stream's
        # threads while they run a call), and those with two of them pinned to the SAME core:
        # those two calls cannot run at once, whatever the load
        self.pinned2 = 0
        self.pinned_same = 0
        # tid -> {cores it may run on, as a string: samples seen with that mask}
        self.affinity: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.same_core = 0

    def run(self) -> None:
        first = True
        while not self.stop.is_set():
            stats = task_stats()
            running = [cpu for (_c, _t, cpu, state) in stats.values() if state == "R"]
            if len(running) >= 2:
                self.busy2 += 1
                self.same_core += len(set(running)) == 1
            pinned: list[str] = []
            for tid, (comm, ticks, cpu, _state) in stats.items():
                self.names[tid] = comm
                try:
                    mask = ",".join(map(str, sorted(os.sched_getaffinity(tid))))
                    self.affinity[tid][mask] += 1
                    if "," not in mask:
                        pinned.append(mask)
                except OSError:
                    pass
                if first or tid not in self.start_ticks:
                    self.start_ticks.setdefault(tid, ticks if first else 0)
                prev = self.end_ticks.get(tid)
                if prev is not None and ticks > prev:  # ran since the last sample: where now
                    self.seen[tid][cpu] += ticks - prev
                self.end_ticks[tid] = ticks
            if len(pinned) >= 2:
                self.pinned2 += 1
                self.pinned_same += len(set(pinned)) < len(pinned)
            first = False
            time.sleep(0.01)


CALLS: list[tuple[str, str, float, float]] = []
PY_THREADS: dict[int, str] = {}  # native id -> Python thread name
CALL_CPU: dict[str, float] = defaultdict(float)  # model -> CPU s of the calling thread in calls


def instrument() -> None:
    """Record (thread, model, start, end) of every OpenVINO model call."""
    cls = runtime.OpenVINOModel
    orig_run, orig_all = cls.run, cls.run_all

    def record(name: str, t0: float, c0: float) -> None:
        th = threading.current_thread()
        PY_THREADS[threading.get_native_id()] = th.name
        CALL_CPU[name] += time.thread_time() - c0
        CALLS.append((th.name, name, t0, time.perf_counter()))

    def run(self: Any, x: Any, *, copy: bool = True) -> Any:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return orig_run(self, x, copy=copy)
        finally:
            record(self.name, t0, c0)

    def run_all(self: Any, x: Any) -> Any:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return orig_all(self, x)
        finally:
            record(self.name, t0, c0)

    cls.run, cls.run_all = run, run_all  # type: ignore[method-assign]


def overlap_share(calls: list[tuple[str, str, float, float]]) -> float:
    """Share of the summed call time during which a call of another thread was also running."""
    total = over = 0.0
    for i, (th, _m, a, b) in enumerate(calls):
        total += b - a
        spans = sorted(
            (max(a, c), min(b, d)) for j, (t2, _m2, c, d) in enumerate(calls) if j != i and t2 != th
        )
        covered, end = 0.0, a
        for s, e in spans:
            if e <= s:
                continue
            s = max(s, end)
            if e > s:
                covered += e - s
                end = e
        over += covered
    return over / total if total else 0.0


def overlap_by_pair(calls: list[tuple[str, str, float, float]]) -> dict[str, float]:
    """Seconds during which a call of model A in one thread and a call of model B in another
    ran at the same moment, per pair ("det+rec": one page detected while another recognised;
    "det+det": two detections at once)."""
    out: dict[str, float] = defaultdict(float)
    for i, (th, m, a, b) in enumerate(calls):
        for t2, m2, c, d in calls[i + 1 :]:
            if t2 != th and min(b, d) > max(a, c):
                out["+".join(sorted((m, m2)))] += min(b, d) - max(a, c)
    return {k: round(v, 2) for k, v in sorted(out.items())}


def configs(name: str) -> tuple[SessionSettings, int]:
    return {
        # what bench/pdf_bench.py chunks measured as "two pages at once" (page_workers left 1)
        "bench-as-was": (SessionSettings(intra_op_threads=1, streams=2, det_streams=1), 1),
        "one-2thread": (SessionSettings(), 1),
        "two-streams-det1": (SessionSettings(intra_op_threads=1, streams=2, det_streams=1), 2),
        "two-streams": (SessionSettings(intra_op_threads=1, streams=2, det_streams=2), 2),
        "two-streams-det1-nopin": (
            SessionSettings(intra_op_threads=1, streams=2, det_streams=1, cpu_pinning=False),
            2,
        ),
        "two-streams-nopin": (
            SessionSettings(intra_op_threads=1, streams=2, det_streams=2, cpu_pinning=False),
            2,
        ),
        "one-2thread-nopin": (SessionSettings(cpu_pinning=False), 1),
    }[name]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=6)
    ap.add_argument("--config", action="append")
    args = ap.parse_args()
    instrument()
    runtime.limit_malloc_arenas(2)
    data, _truth = scanned_pdf(args.pages)
    settings = EngineSettings(text_source="ocr")
    report: dict[str, Any] = {}
    for name in args.config or ["bench-as-was", "one-2thread", "two-streams-det1"]:
        session, workers = configs(name)
        engine = EmbeddedEngine(settings, session)
        pipe = OCRPipeline(engine, cache=PageCache(0), page_workers=workers)
        pipe.read(data, ReadOptions(pages="1-2", dpi=150), settings)  # warm
        props = {
            "det": compiled_properties(engine.detector.model),
            "rec": compiled_properties(engine.recognizer.model),
        }
        CALLS.clear()
        CALL_CPU.clear()
        PY_THREADS[threading.get_native_id()] = "MainThread"
        sampler = Sampler()
        sampler.start()
        time.sleep(0.05)
        c0, t0 = time.process_time(), time.perf_counter()
        pipe.read(data, ReadOptions(pages=f"1-{args.pages}", dpi=150), settings)
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        threads = []
        for tid, end in sampler.end_ticks.items():
            used = (end - sampler.start_ticks.get(tid, 0)) / TICK
            if used >= 0.05:
                cores = dict(sampler.seen[tid])
                threads.append({"tid": tid, "name": PY_THREADS.get(tid, "(runtime)"),
                                "cpu_s": round(used, 2), "cores": cores,
                                "affinity": dict(sampler.affinity[tid])})  # fmt: skip
        by_thread: dict[str, float] = defaultdict(float)
        for th, m, a, b in CALLS:
            by_thread[f"{th}:{m}"] += b - a
        report[name] = {
            "page_workers": workers,
            "properties": props,
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "cpu_over_wall": round(cpu / wall, 2),
            "calls": len(CALLS),
            "call_overlap_share": round(overlap_share(CALLS), 2),
            "overlap_s_by_pair": overlap_by_pair(CALLS),
            "call_s_by_thread": {k: round(v, 2) for k, v in sorted(by_thread.items())},
            "caller_cpu_s_in_calls": {k: round(v, 2) for k, v in sorted(CALL_CPU.items())},
            "samples_2_running": sampler.busy2,
            "samples_2_running_same_core": sampler.same_core,
            "samples_2_pinned": sampler.pinned2,
            "samples_2_pinned_same_core": sampler.pinned_same,
            "threads": sorted(threads, key=lambda t: -t["cpu_s"]),
        }
        print(json.dumps({name: report[name]}, indent=1), flush=True)
        del pipe, engine


if __name__ == "__main__":
    main()
