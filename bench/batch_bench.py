"""Pages per minute of `promptocr batch` (local pool and Ray actors, 1 and 2 workers) against
a plain `promptocr read` loop over the same images, with the peak memory of each run.

Every configuration runs as its own command, round-robin over the rounds so that load from
other work on the machine falls on all of them alike. Memory is sampled from /proc every
0.2 s over the command's whole process tree (pool workers, Ray's raylet and actors).

    python bench/batch_bench.py ../shared/data/sroie/images --limit 20 --rounds 2 \
        --output bench/batch_bench_results.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


TICK = os.sysconf("SC_CLK_TCK")


def tree_rss(root: int, cpu: dict[int, float] | None = None) -> tuple[int, int]:
    """(sum of RSS over the process tree, largest single RSS) in bytes; records each process's
    CPU seconds so far (user + system) in `cpu`."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
            statm = Path(f"/proc/{d}/statm").read_text().split()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        ppid = int(fields[1])
        children.setdefault(ppid, []).append(int(d))
        rss[int(d)] = int(statm[1]) * PAGE
        ticks[int(d)] = int(fields[11]) + int(fields[12])  # utime + stime
    total, biggest, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        if cpu is not None and pid in ticks:
            cpu[pid] = max(cpu.get(pid, 0.0), ticks[pid] / TICK)
        total += rss.get(pid, 0)
        biggest = max(biggest, rss.get(pid, 0))
        todo.extend(children.get(pid, []))
    return total, biggest


def measure(cmd: list[str]) -> dict[str, float]:
    peak = [0, 0]
    cpu: dict[int, float] = {}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            total, biggest = tree_rss(proc.pid, cpu)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], biggest)
            stop.wait(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return {
        "wall_s": wall,
        "cpu_s": sum(cpu.values()),  # sampled every 0.2 s: a process's last moments are missed
        "peak_tree_mib": peak[0] / 2**20,
        "peak_proc_mib": peak[1] / 2**20,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("images", type=Path)
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--output", type=Path)
    args = ap.parse_args()
    files = sorted(p for p in args.images.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    files = files[: args.limit]
    py = [sys.executable, "-m", "promptocr.cli.main"]
    names = [str(f) for f in files]
    configs: dict[str, list[str]] = {
        "read loop (1 process)": [*py, "read", *names, "-q", "-o", "{out}"],
        "batch local, 1 worker": [*py, "batch", *names, "--out", "{out}", "--workers", "1", "-q"],
        "batch local, 2 workers": [*py, "batch", *names, "--out", "{out}", "--workers", "2", "-q"],
    }
    if not args.no_ray:
        configs["batch ray, 1 actor"] = [
            *py, "batch", *names, "--out", "{out}", "--ray", "--workers", "1", "-q",
        ]  # fmt: skip
        configs["batch ray, 2 actors"] = [
            *py, "batch", *names, "--out", "{out}", "--ray", "--workers", "2", "-q",
        ]  # fmt: skip
        # what starting a local Ray cluster alone costs (in every --ray run above)
        configs["ray.init + shutdown only"] = [
            sys.executable,
            "-c",
            "import ray; ray.init(log_to_driver=False, include_dashboard=False); ray.shutdown()",
        ]
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in configs}
    load_start = os.getloadavg()
    for r in range(args.rounds):
        for name, cmd in configs.items():
            out = Path(tempfile.mkdtemp(prefix="batch-bench-"))
            try:
                res = measure([c.replace("{out}", str(out)) for c in cmd])
            finally:
                shutil.rmtree(out, ignore_errors=True)
            runs[name].append(res)
            print(f"round {r + 1} {name}: {res}", file=sys.stderr, flush=True)
    summary = {}
    for name, rs in runs.items():
        best = min(x["wall_s"] for x in rs)
        summary[name] = {
            "pages": len(files) if "only" not in name else 0,
            "wall_s": [round(x["wall_s"], 2) for x in rs],
            "pages_per_min_best": round(len(files) * 60 / best, 1) if "only" not in name else None,
            "cpu_s": [round(x["cpu_s"], 1) for x in rs],
            "peak_tree_mib": round(max(x["peak_tree_mib"] for x in rs)),
            "peak_proc_mib": round(max(x["peak_proc_mib"] for x in rs)),
        }
    report = {
        "images": str(args.images),
        "pages": len(files),
        "rounds": args.rounds,
        "cpus": len(os.sched_getaffinity(0)),
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
        "results": summary,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
