"""Fuzz the HTTP API with schemathesis against a live `promptocr serve` (loopback only).

    python scripts/fuzz.py --max-time 300        # `make fuzz`
    python scripts/fuzz.py --max-time 40         # the bounded run inside `make test`

Starts the server on a free loopback port, waits until it is ready, runs `st run` on its own
`/openapi.json` with the `not_a_server_error` check, and fails if any response is a 5xx other
than the documented ones: 501 (`engine_unavailable`: a task that needs a vision-language
engine, none configured) and 504 (`timeout`/`cancelled`: past the request deadline). It also
fails if the server logged an unhandled error or stopped answering. Exits 0 when clean.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

DOCUMENTED_5XX = ("501", "504")
CONFIG = f"""
[checks.not_a_server_error]
expected-statuses = ["2xx", "3xx", "4xx", {", ".join(f'"{s}"' for s in DOCUMENTED_5XX)}]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-time", type=int, default=300, help="fuzzing time budget in seconds")
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--workers", default="1", help="schemathesis workers (1-64 or auto)")
    args = ap.parse_args(argv)

    st = Path(sys.executable).with_name("st")
    tmp = Path(tempfile.mkdtemp(prefix="promptocr-fuzz-"))
    (tmp / "schemathesis.toml").write_text(CONFIG, encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTOCR_")}
    log_path = tmp / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "promptocr.cli.main",
        "serve",
        "--port",
        str(port),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--job-store",  # its own job store: fuzzed jobs stay in the temp dir
        str(tmp / "jobs"),
    ]
    with log_path.open("wb") as log:
        server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.time() + 180
        while True:
            if server.poll() is not None:
                print(log_path.read_text(errors="replace"), file=sys.stderr)
                return 2
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                print("fuzz: the server did not become ready", file=sys.stderr)
                return 2
            time.sleep(0.3)
        run = [
            str(st),
            "--config-file",
            str(tmp / "schemathesis.toml"),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-time",
            str(args.max_time),
            "--seed",
            str(args.seed),
            "--workers",
            args.workers,
            "--request-timeout",
            "60",
            "--no-color",
        ]
        print("fuzz:", " ".join(run), flush=True)
        # run in the temp dir: schemathesis keeps its crash cache in the working directory
        rc = subprocess.call(run, env={**env, "SCHEMATHESIS_TELEMETRY": "false"}, cwd=tmp)
        alive = httpx.get(url + "/healthz", timeout=10).status_code == 200
        log_text = log_path.read_text(errors="replace")
        unhandled = log_text.count("unhandled error")
        print(f"fuzz: schemathesis exit {rc}; server alive: {alive}; unhandled errors: {unhandled}")
        if unhandled:
            print(log_text[-4000:], file=sys.stderr)
        return 0 if rc == 0 and alive and not unhandled else 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
