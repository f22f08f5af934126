"""Spawn one worker process per engine and dataset, feed them the images interleaved, score.

Images are handed out round-robin (image 1 to every engine, then image 2, ...) with the engine
order rotated per image, so background load on a shared machine hits every engine alike.
Engines never run at the same moment: the runner waits for each answer before the next.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from promptocr.bench.datasets import Dataset
from promptocr.bench.metrics import Counts, score_image
from promptocr.bench.worker import ENGINES
from promptocr.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class EngineSpec:
    """`label` names the column in the report; `sets` are `key=value` engine overrides."""

    label: str
    engine: str
    sets: tuple[str, ...] = ()


def parse_engines(names: str, variants: list[str] | None = None) -> list[EngineSpec]:
    """`"embedded,rapidocr"` plus variants like `"det960:side_len=960,limit_type=max"`
    (embedded engine with overrides) -> specs. Raises InvalidInputError on unknown names."""
    specs: list[EngineSpec] = []
    for raw in names.split(","):
        name = raw.strip()
        if not name:
            continue
        if name not in ENGINES:
            raise InvalidInputError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")
        specs.append(EngineSpec(name, name))
    for v in variants or []:
        label, sep, rest = v.partition(":")
        if not sep or not label.strip():
            raise InvalidInputError(f"variant {v!r} is not like 'NAME:key=value,key=value'")
        sets = tuple(s.strip() for s in rest.split(",") if s.strip())
        if any("=" not in s for s in sets):
            raise InvalidInputError(f"variant {v!r}: every setting must be key=value")
        specs.append(EngineSpec(label.strip(), "embedded", sets))
    labels = [s.label for s in specs]
    if len(set(labels)) != len(labels):
        raise InvalidInputError(f"engine labels must be unique, got {labels}")
    if not specs:
        raise InvalidInputError("no engine selected")
    return specs


class Worker:
    """One engine in its own process (see `promptocr.bench.worker` for the line protocol)."""

    def __init__(self, spec: EngineSpec, log: IO[str] | None = None) -> None:
        self.spec = spec
        cmd = [sys.executable, "-m", "promptocr.bench.worker", spec.engine]
        for s in spec.sets:
            cmd += ["--set", s]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.t_spawn = time.time()
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log if log is not None else subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            env=env,
        )
        self.ready = self._read()
        if not self.ready.get("ready"):
            raise RuntimeError(f"engine {spec.label} did not start: {self.ready}")

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise RuntimeError(f"engine {self.spec.label} worker exited with status {code}")
        data: dict[str, Any] = json.loads(line)
        return data

    def ask(self, path: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(path + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        done = self._read()
        self.proc.wait()
        return done


@dataclass
class EngineResult:
    label: str
    engine: str
    sets: tuple[str, ...]
    info: dict[str, Any]
    words: Counts = field(default_factory=Counts)
    chars: Counts = field(default_factory=Counts)
    det: Counts = field(default_factory=Counts)
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stages_ms: dict[str, float] = field(default_factory=dict)
    infer_ms: dict[str, float] = field(default_factory=dict)
    # Lines per recognition head under rec_head "latin" (engines/rechead.py), summed.
    rec_head: dict[str, int] = field(default_factory=dict)
    # Pages OCR'd and pages read narrowed by the width squeeze (engines/squeeze.py), summed.
    rec_squeeze: dict[str, int] = field(default_factory=dict)
    rotated: list[str] = field(default_factory=list)
    load_s: float = 0.0
    cold_start_s: float = 0.0
    peak_rss_mb: float = 0.0
    per_image: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        n = max(len(self.seconds), 1)
        return {
            "label": self.label,
            "engine": self.engine,
            "sets": list(self.sets),
            "info": self.info,
            "word": _prf(self.words),
            "char": _prf(self.chars),
            "det": _prf(self.det),
            "images": len(self.seconds),
            "sec_median": statistics.median(self.seconds) if self.seconds else None,
            "sec_mean": statistics.fmean(self.seconds) if self.seconds else None,
            "load_s": round(self.load_s, 3),
            "cold_start_s": round(self.cold_start_s, 3),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "errors": self.errors,
            "stages_ms_mean": {k: round(v / n, 1) for k, v in self.stages_ms.items()},
            "infer_ms_mean": {k: round(v / n, 1) for k, v in self.infer_ms.items()},
            "rec_head": dict(self.rec_head),
            "rec_squeeze": dict(self.rec_squeeze),
            "rotated_pages": self.rotated,
            "per_image": self.per_image,
        }


def _prf(c: Counts) -> dict[str, float | int]:
    return {
        "precision": round(c.precision, 4),
        "recall": round(c.recall, 4),
        "f1": round(c.f1, 4),
        "tp": c.tp,
        "pred": c.pred,
        "gt": c.gt,
    }


def run_dataset(
    dataset: Dataset,
    specs: list[EngineSpec],
    log: IO[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run every engine over the dataset and return its report section as a dict."""
    results: dict[str, EngineResult] = {}
    workers: dict[str, Worker] = {}
    try:
        # Start one at a time so start-up times don't compete for the CPU.
        for spec in specs:
            w = Worker(spec, log)
            workers[spec.label] = w
            results[spec.label] = EngineResult(
                spec.label, spec.engine, spec.sets, w.ready.get("info", {})
            )
            results[spec.label].load_s = float(w.ready["t_loaded"]) - w.t_spawn
        for n, sample in enumerate(dataset.samples):
            k = n % len(specs)
            for spec in specs[k:] + specs[:k]:
                res = workers[spec.label].ask(str(sample.image))
                _score(results[spec.label], sample, res, first=(n == 0))
            if progress:
                progress(f"{dataset.name}: {n + 1}/{len(dataset.samples)}")
    finally:
        for label, w in workers.items():
            try:
                done = w.close()
            except (RuntimeError, OSError, ValueError):
                w.proc.kill()
                continue
            r = results[label]
            kb = int(done["self_peak_rss_kb"])
            if r.engine == "tesseract":  # the work happens in the tesseract processes
                kb = int(done["children_peak_rss_kb"])
            r.peak_rss_mb = kb / 1024.0
    return {
        "name": dataset.name,
        "path": str(dataset.root),
        "images": len(dataset.samples),
        "gt_lines": sum(1 for s in dataset.samples for ln in s.lines if not ln.ignore),
        "engines": [results[s.label].to_dict() for s in specs],
    }


def _score(r: EngineResult, sample: Any, res: dict[str, Any], first: bool) -> None:
    if res.get("error"):
        r.errors.append(f"{sample.name}: {res['error']}")
    pred = [(str(p["text"]), [tuple(pt) for pt in p["box"]]) for p in res["lines"]]
    gt = [(ln.text, ln.box, ln.ignore) for ln in sample.lines]
    s = score_image(pred, gt)
    r.words += s.words
    r.chars += s.chars
    r.det += s.det
    r.seconds.append(float(res["seconds"]))
    if first:
        r.cold_start_s = r.load_s + float(res["seconds"])
    for k, v in (res.get("stages_ms") or {}).items():
        r.stages_ms[k] = r.stages_ms.get(k, 0.0) + float(v)
    for k, v in (res.get("infer_ms") or {}).items():
        r.infer_ms[k] = r.infer_ms.get(k, 0.0) + float(v)
    for k, v in (res.get("rec_head") or {}).items():
        r.rec_head[k] = r.rec_head.get(k, 0) + int(v)
    for k, v in (res.get("rec_squeeze") or {}).items():
        r.rec_squeeze[k] = r.rec_squeeze.get(k, 0) + int(v)
    if res.get("rotation"):
        r.rotated.append(f"{sample.name}: {res['rotation']}")
    r.per_image.append(
        {
            "image": sample.name,
            "seconds": round(float(res["seconds"]), 4),
            "char_f1": round(s.chars.f1, 4),
            "word_f1": round(s.words.f1, 4),
            "lines": len(pred),
        }
    )


def machine() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    import onnxruntime

    cpu = platform.processor() or platform.machine()
    bf16 = False
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                # what decides whether OpenVINO's bf16 precision really runs in bfloat16
                bf16 = any(f in line.split() for f in ("avx512_bf16", "amx_bf16"))
                break
    except OSError:
        pass
    try:
        openvino = version("openvino")
    except PackageNotFoundError:
        openvino = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "onnxruntime": onnxruntime.__version__,
        "openvino": openvino,
        "cpu_bf16": bf16,
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def merge_shards(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One dataset section from the sections of disjoint shards of it (`--shard K/N` runs):
    counts (lines by recognition head included) are summed, medians recomputed from the per-image seconds, peak RSS and start-up
    are the worst shard's."""
    first = parts[0]
    out = dict(first, images=sum(p["images"] for p in parts))
    out["gt_lines"] = sum(p["gt_lines"] for p in parts)
    engines = []
    for e0 in first["engines"]:
        same = [e for p in parts for e in p["engines"] if e["label"] == e0["label"]]
        e = dict(e0)
        for key in ("word", "char", "det"):
            c = Counts(
                sum(x[key]["tp"] for x in same),
                sum(x[key]["pred"] for x in same),
                sum(x[key]["gt"] for x in same),
            )
            e[key] = _prf(c)
        e["per_image"] = [pi for x in same for pi in x["per_image"]]
        secs = [float(pi["seconds"]) for pi in e["per_image"]]
        e["images"] = len(secs)
        e["sec_median"] = statistics.median(secs) if secs else None
        e["sec_mean"] = statistics.fmean(secs) if secs else None
        for key in ("load_s", "cold_start_s", "peak_rss_mb"):
            e[key] = max(float(x[key]) for x in same)
        e["errors"] = [err for x in same for err in x["errors"]]
        e["rotated_pages"] = [r for x in same for r in x["rotated_pages"]]
        total = sum(x["images"] for x in same) or 1
        for key in ("stages_ms_mean", "infer_ms_mean"):
            stages: dict[str, float] = {}
            for x in same:
                for k, v in (x.get(key) or {}).items():
                    stages[k] = stages.get(k, 0.0) + float(v) * x["images"] / total
            e[key] = {k: round(v, 1) for k, v in stages.items()}
        heads: dict[str, int] = {}
        for x in same:
            for k, n in (x.get("rec_head") or {}).items():
                heads[k] = heads.get(k, 0) + int(n)
        e["rec_head"] = heads
        squeezed: dict[str, int] = {}
        for x in same:
            for k, n in (x.get("rec_squeeze") or {}).items():
                squeezed[k] = squeezed.get(k, 0) + int(n)
        e["rec_squeeze"] = squeezed
        engines.append(e)
    out["engines"] = engines
    out.pop("shard", None)
    return out
