"""Run ONE engine over ONE dataset in this process and write its raw predictions as JSON.

Started by `promptocr.bench.runner` as `python -m promptocr.bench.worker ...`, one process per
(engine, dataset), so that peak memory and cold start are the engine's own. Each image is timed
from its file path to the engine's lines (decoding included, for every engine alike).

Engines:
- `embedded`: promptocr's EmbeddedEngine (settings overridable with `--set key=value`).
- `rapidocr`: `rapidocr.RapidOCR()` with its defaults, called on the image path.
- `rapidocr-openvino`: RapidOCR at its best on a CPU (the reference column): the configuration
  of `rapidocr_openvino_params()` (OpenVINO for det/cls/rec, no line classifier, detection 960
  `max`, 2 threads, LATENCY hint), called on the image path with `use_cls=False`.
- `rapidocr-rec`: the same object with detection and line classification switched off
  (recognition of the whole image as one line).
- `tesseract`: the `tesseract` CLI (TSV output, `-l eng`, `OMP_THREAD_LIMIT=1`), one process
  per image; its peak memory is the largest of those processes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

T_START = time.time()

ENGINES = ("embedded", "rapidocr-openvino", "rapidocr", "rapidocr-rec", "tesseract")

# What a user who knows RapidOCR switches on for CPU speed (issue 13): the reference column.
RAPIDOCR_OPENVINO_SETTINGS = (
    "OpenVINO for Det/Cls/Rec (EngineType.OPENVINO), Global.use_cls False, Det.limit_side_len "
    "960, Det.limit_type max, EngineConfig.openvino.inference_num_threads 2, performance_hint "
    "LATENCY; called with use_cls=False"
)


def rapidocr_openvino_params() -> dict[str, Any]:
    """`RapidOCR(params=...)` for RapidOCR at its best on a CPU, shared by `promptocr bench`
    (`rapidocr-openvino`) and bench/pdf_bench.py. `engine_type` must be the enum: RapidOCR
    raises on the string "openvino"."""
    from rapidocr import EngineType

    return {
        "Global.use_cls": False,
        "Global.log_level": "warning",
        "Det.engine_type": EngineType.OPENVINO,
        "Cls.engine_type": EngineType.OPENVINO,
        "Rec.engine_type": EngineType.OPENVINO,
        "Det.limit_side_len": 960,
        "Det.limit_type": "max",
        "EngineConfig.openvino.inference_num_threads": 2,
        "EngineConfig.openvino.performance_hint": "LATENCY",
    }


Pred = list[dict[str, Any]]  # [{"text": str, "box": [[x, y], ...]}]


def vm_hwm_kb() -> int:
    """Peak resident set size of this process (Linux /proc; falls back to getrusage)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _parse_value(raw: str) -> Any:
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":  # e.g. rec_gap_spaces=None: the setting off
        return None
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw


def parse_sets(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--set expects key=value, got {item!r}")
        out[key.strip()] = _parse_value(value.strip())
    return out


# Every SessionSettings field (the rest of a --variant's keys go to EngineSettings).
SESSION_KEYS = {
    "intra_op_threads",
    "inter_op_threads",
    "enable_mem_arena",
    "enable_mem_pattern",
    "allow_spinning",
    "rec_model",
    "runtime",
    "precision",
    "streams",
    "det_streams",
    "cpu_pinning",
    "rec_squeeze",
    "rec_head",
    "rec_gap_spaces",
    "rec_lexicon",
    "rec_height",
}


def make_embedded(
    sets: dict[str, Any],
) -> tuple[Callable[[Path], tuple[Pred, dict[str, Any]]], dict[str, Any]]:
    from dataclasses import asdict, replace

    from promptocr.engines.embedded import EmbeddedEngine, EngineSettings
    from promptocr.engines.runtime import inference_seconds, limit_malloc_arenas
    from promptocr.engines.stages import SessionSettings
    from promptocr.engines.usage import Usage
    from promptocr.inputs.loader import load_pages

    limit_malloc_arenas(2)  # as `promptocr read` and `serve` do (docs/benchmarks.md)
    session = replace(SessionSettings(), **{k: v for k, v in sets.items() if k in SESSION_KEYS})
    settings = EngineSettings().with_overrides(
        **{k: v for k, v in sets.items() if k not in SESSION_KEYS}
    )
    engine = EmbeddedEngine(settings, session)
    engine.warm_up()

    def run(path: Path) -> tuple[Pred, dict[str, Any]]:
        usage = Usage()
        before = inference_seconds()
        t0 = time.perf_counter()
        page = load_pages(path)[0]
        decode_ms = (time.perf_counter() - t0) * 1000.0
        out = engine.read_page(page, usage)
        lines = [
            {"text": ln.text, "box": [[round(x, 1), round(y, 1)] for x, y in ln.polygon]}
            for ln in out.lines
        ]
        after = inference_seconds()
        infer_ms = {k: (v - before.get(k, 0.0)) * 1000.0 for k, v in after.items()}
        extra = {
            "stages_ms": {"decode": decode_ms, **usage.stages_ms},
            "infer_ms": {k: v for k, v in infer_ms.items() if v > 0},
            "rotation": out.rotation,
            "skipped": usage.skipped,
            "notes": usage.notes,
            "rec_head": usage.rec_head,
            "rec_squeeze": {
                "pages": len(usage.rec_squeeze),
                # pages with at least one crop read narrowed (not merely decided for)
                "squeezed": sum(d["squeezed"] > 0 for d in usage.rec_squeeze),
            },
        }
        return lines, extra

    info = {"settings": asdict(settings), "session": asdict(session)}
    return run, info


def make_rapidocr(
    rec_only: bool, best: bool = False
) -> tuple[Callable[[Path], tuple[Pred, dict[str, Any]]], dict[str, Any]]:
    """RapidOCR with its defaults, or (`best`) in the configuration of
    `rapidocr_openvino_params()`."""
    import logging

    from rapidocr import RapidOCR

    engine = RapidOCR(params=rapidocr_openvino_params()) if best else RapidOCR()
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    call_kw: dict[str, Any] = {"use_cls": False} if best else {}

    def run(path: Path) -> tuple[Pred, dict[str, Any]]:
        if rec_only:
            res: Any = engine(str(path), use_det=False, use_cls=False, use_rec=True)
            txts = list(res.txts or [])
            from PIL import Image

            with Image.open(path) as im:
                w, h = im.size
            box = [[0, 0], [w, 0], [w, h], [0, h]]
            return [{"text": t, "box": box} for t in txts], {}
        res = engine(str(path), **call_kw)
        if res.boxes is None or res.txts is None:
            return [], {}
        return [
            {"text": t, "box": [[float(x), float(y)] for x, y in b]}
            for b, t in zip(res.boxes, res.txts, strict=True)
        ], {}

    from importlib.metadata import version

    settings = RAPIDOCR_OPENVINO_SETTINGS if best else "RapidOCR() defaults"
    if rec_only:
        settings += ", called with use_det=False, use_cls=False (whole image = one line)"
    return run, {"version": version("rapidocr"), "settings": settings}


def tesseract_lines(tsv: str) -> Pred:
    """Group Tesseract's TSV words (level 5) into lines by (block, paragraph, line)."""
    groups: dict[tuple[str, str, str, str], list[tuple[str, int, int, int, int]]] = {}
    rows = tsv.splitlines()
    for row in rows[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        left, top, width, height = (int(cols[i]) for i in (6, 7, 8, 9))
        groups.setdefault((cols[1], cols[2], cols[3], cols[4]), []).append(
            (text, left, top, left + width, top + height)
        )
    out: Pred = []
    for words in groups.values():
        x0 = min(w[1] for w in words)
        y0 = min(w[2] for w in words)
        x1 = max(w[3] for w in words)
        y1 = max(w[4] for w in words)
        out.append(
            {
                "text": " ".join(w[0] for w in words),
                "box": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
            }
        )
    return out


def make_tesseract() -> tuple[Callable[[Path], tuple[Pred, dict[str, Any]]], dict[str, Any]]:
    exe = shutil.which("tesseract")
    if exe is None:
        raise SystemExit("tesseract is not installed (apt-get install tesseract-ocr)")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def run(path: Path) -> tuple[Pred, dict[str, Any]]:
        proc = subprocess.run(
            [exe, str(path), "stdout", "-l", "eng", "tsv"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"tesseract failed on {path}: {proc.stderr.strip()}")
        return tesseract_lines(proc.stdout), {}

    ver = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    first = (ver.stdout or ver.stderr).splitlines()[0] if (ver.stdout or ver.stderr) else "?"
    return run, {"version": first, "settings": "-l eng, default --psm 3, OMP_THREAD_LIMIT=1"}


def main(argv: list[str] | None = None) -> int:
    """Line protocol: after loading, print `{"ready": ...}`; then for each stdin line (an image
    path) print one JSON result line; on end of input print `{"done": ...}` with peak memory."""
    ap = argparse.ArgumentParser(prog="python -m promptocr.bench.worker")
    ap.add_argument("engine", choices=ENGINES)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args(argv)

    # Keep the protocol channel clean: engines that print or log go to stderr instead.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(obj: dict[str, Any]) -> None:
        channel.write(json.dumps(obj, ensure_ascii=False) + "\n")
        channel.flush()

    sets = parse_sets(args.set)
    if args.engine == "embedded":
        run, info = make_embedded(sets)
    elif args.engine in ("rapidocr", "rapidocr-rec", "rapidocr-openvino"):
        run, info = make_rapidocr(
            args.engine == "rapidocr-rec", best=args.engine == "rapidocr-openvino"
        )
    else:
        run, info = make_tesseract()
    send({"ready": True, "info": info, "t_start": T_START, "t_loaded": time.time()})

    for raw in sys.stdin:
        path = Path(raw.strip())
        if not raw.strip():
            continue
        t0 = time.perf_counter()
        try:
            lines, extra = run(path)
            error = None
        except Exception as exc:  # reported per image; the runner counts it as a failure
            lines, extra, error = [], {}, f"{type(exc).__name__}: {exc}"
        dt = time.perf_counter() - t0
        send(
            {
                "image": str(path),
                "seconds": dt,
                "t_end": time.time(),
                "lines": lines,
                "error": error,
                **extra,
            }
        )

    children = int(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    send({"done": True, "self_peak_rss_kb": vm_hwm_kb(), "children_peak_rss_kb": children})
    return 0


if __name__ == "__main__":
    sys.exit(main())
