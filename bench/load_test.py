"""Load test of `promptocr serve` (not part of the test suite).

Starts the service as a subprocess (or uses --url), then runs phases of N concurrent clients
that each send images from a folder in a loop to `POST /v1/ocr` (multipart) for a fixed time,
and reports errors, p50/p95 latency, requests/s and the server's peak RSS. The result cache is
off (`--cache-mb 0`) unless --keep-cache is given, so repeated images are really OCR'd.

    .venv/bin/python bench/load_test.py --images ../shared/data/sroie/images \
        --phases 1,8 --seconds 60 --overload 32 --out bench/load_test.json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of a process in KiB, from /proc."""
    cur = peak = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1])
    except OSError:
        pass
    return cur, peak


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds the process has used (from /proc/PID/stat)."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, extra: list[str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "promptocr.cli.main", "serve", "--port", str(self.port)]
        self.log = log.open("w")
        self.proc = subprocess.Popen(cmd + extra, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {log}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become ready in 60 s")

    def stop(self) -> int:
        self.proc.terminate()
        code = self.proc.wait(timeout=60)
        self.log.close()
        return code


def run_phase(
    url: str, images: list[Path], clients: int, seconds: float, pid: int | None
) -> dict[str, Any]:
    payloads = [(p.name, p.read_bytes()) for p in images]
    lat: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    peak_rss = [0]
    start_rss = rss_kib(pid)[0] if pid else 0
    cpu0 = cpu_seconds(pid)

    def client(k: int) -> None:
        i = k * 7  # clients start at different images
        with httpx.Client(base_url=url, timeout=120) as c:
            while time.perf_counter() < stop_at:
                name, data = payloads[i % len(payloads)]
                i += 1
                t0 = time.perf_counter()
                try:
                    r = c.post("/v1/ocr", files={"file": (name, data)}, data={"prompt": "read"})
                    code = r.status_code
                    if code == 429:
                        time.sleep(min(float(r.headers.get("retry-after", "1")), 0.5))
                except httpx.HTTPError as exc:
                    code = -1
                    with lock:
                        errors.append(type(exc).__name__)
                dt = time.perf_counter() - t0
                with lock:
                    statuses[code] = statuses.get(code, 0) + 1
                    if code == 200:
                        lat.append(dt)

    def sampler() -> None:
        while time.perf_counter() < stop_at and pid:
            peak_rss[0] = max(peak_rss[0], rss_kib(pid)[0])
            time.sleep(0.25)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    mon = threading.Thread(target=sampler, daemon=True)
    t0 = time.perf_counter()
    mon.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = cpu_seconds(pid) - cpu0
    ok = statuses.get(200, 0)
    lat.sort()
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": sum(statuses.values()),
        "ok": ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "transport_errors": len(errors),
        "req_per_s": round(ok / wall, 3),
        # CPU the server spent per answered request: robust to other load on the machine
        "server_cpu_s_per_ok": round(cpu / ok, 2) if ok and pid else None,
        "server_cores_busy": round(cpu / wall, 2) if pid else None,
        "p50_s": round(statistics.median(lat), 3) if lat else None,
        "p95_s": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 3) if lat else None,
        "rss_start_mib": round(start_rss / 1024, 1),
        "rss_peak_mib": round(peak_rss[0] / 1024, 1),
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=Path, required=True, help="folder of images to send")
    ap.add_argument("--url", help="use a running server instead of starting one")
    ap.add_argument("--phases", default="1,8", help="client counts, run in order")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--overload", type=int, default=32, help="clients for the overload phase")
    ap.add_argument("--overload-seconds", type=float, default=30)
    ap.add_argument("--server-args", default="", help="extra `promptocr serve` flags")
    ap.add_argument("--keep-cache", action="store_true", help="leave the result cache on")
    ap.add_argument("--out", type=Path, help="write the figures as JSON")
    args = ap.parse_args()

    images = sorted(
        p for p in args.images.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"}
    )
    if not images:
        print(f"no images in {args.images}", file=sys.stderr)
        return 2
    extra = args.server_args.split() + ([] if args.keep_cache else ["--cache-mb", "0"])
    report: dict[str, Any] = {
        "images": len(images),
        "cpu_cores": os.cpu_count(),
        "loadavg_1m_before": round(os.getloadavg()[0], 2),
        "server_args": extra,
        "phases": [],
    }
    server = None if args.url else Server(extra, Path("/tmp/promptocr_load_server.log"))
    url = args.url or (server.url if server else "")
    pid = server.proc.pid if server else None
    try:
        # warm-up: one request per image size class, not measured
        run_phase(url, images[:4], 2, 5, pid)
        for n in (int(x) for x in args.phases.split(",") if x.strip()):
            res = run_phase(url, images, n, args.seconds, pid)
            report["phases"].append(res)
            print(json.dumps(res), flush=True)
        if args.overload:
            res = run_phase(url, images, args.overload, args.overload_seconds, pid)
            res["overload"] = True
            alive = httpx.get(url + "/healthz", timeout=5).status_code == 200
            res["alive_after"] = alive
            report["phases"].append(res)
            print(json.dumps(res), flush=True)
        if pid:
            report["rss_peak_process_mib"] = round(rss_kib(pid)[1] / 1024, 1)
        metrics = httpx.get(url + "/metrics", timeout=5).text
        report["batch_crops_avg"] = _hist_avg(metrics, "promptocr_rec_batch_crops")
        report["batch_callers_avg"] = _hist_avg(metrics, "promptocr_rec_batch_callers")
    finally:
        if server is not None:
            report["server_exit_code"] = server.stop()
    phases = report["phases"]
    base = next((p for p in phases if p["clients"] == 1), None)
    eight = next((p for p in phases if p["clients"] == 8), None)
    if base and eight and base["req_per_s"]:
        report["speedup_8_vs_1"] = round(eight["req_per_s"] / base["req_per_s"], 2)
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def _hist_avg(text: str, name: str) -> float | None:
    total = count = 0.0
    for line in text.splitlines():
        if line.startswith(name + "_sum"):
            total = float(line.split()[-1])
        elif line.startswith(name + "_count"):
            count = float(line.split()[-1])
    return round(total / count, 2) if count else None


if __name__ == "__main__":
    sys.exit(main())
