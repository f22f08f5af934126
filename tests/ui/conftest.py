"""Fixtures for the web UI tests: a real `promptocr serve` subprocess and headless Chromium.

Set PROMPTOCR_UI_SCREENSHOTS=docs/img to (re)write the README screenshots from these runs;
otherwise screenshots go to a temporary folder.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
API_KEY = "ui-test-key-3f9c2a"
LIMITED_BODY_BYTES = 100_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, *extra: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"promptocr-ui-{self.port}.log"
        args = [sys.executable, "-m", "promptocr.cli.main", "serve", "--port", str(self.port)]
        args += ["--workers", "2", "--log-level", "warning", *extra]
        args += ["--job-store", tempfile.mkdtemp(prefix="promptocr-ui-jobs-")]
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(args, stdout=self._out, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"promptocr serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("promptocr serve did not become ready")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._out.close()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    srv = Server()
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def auth_server() -> Iterator[Server]:
    """A server that wants an API key and takes request bodies up to 100 kB only."""
    srv = Server("--api-key", API_KEY, "--max-body-bytes", str(LIMITED_BODY_BYTES))
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def api_key() -> str:
    return API_KEY


@pytest.fixture()
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: PROMPTOCR_UI_SCREENSHOTS (e.g. docs/img) or a temp folder."""
    target = os.environ.get("PROMPTOCR_UI_SCREENSHOTS")
    out = Path(target) if target else tmp_path / "shots"
    out.mkdir(parents=True, exist_ok=True)
    return out
