"""Helpers for the HTTP tests: start `promptocr serve` subprocesses, make synthetic files."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from promptocr import synth

API_KEY = "test-key-0123456789"
JWT_SECRET = "hs256-shared-secret-for-tests-0123456789"
AUDIENCE = "promptocr-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServer:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    headers: dict[str, str] = field(default_factory=dict)

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=120, headers=self.headers, **kw)  # type: ignore[arg-type]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(
    tmp: Path, *args: str, env: dict[str, str] | None = None, name: str = "server"
) -> RunningServer:
    port = free_port()
    log = tmp / f"{name}.log"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTOCR_")}
    full_env.update(env or {})
    cmd = [sys.executable, "-m", "promptocr.cli.main", "serve", "--port", str(port), *args]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=full_env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return RunningServer(url, proc, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not become ready:\n{log.read_text()}")


def stop_server(server: RunningServer) -> int:
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            return server.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            return server.proc.wait()
    return server.proc.returncode


def png_bytes(img: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")  # type: ignore[attr-defined]
    return buf.getvalue()


def pdf_bytes(texts: list[str]) -> bytes:
    pages = []
    for t in texts:
        c = synth.Canvas(600, 200)
        c.text((30, 80), t, size=32)
        pages.append(c.image)
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=100)
    return buf.getvalue()
