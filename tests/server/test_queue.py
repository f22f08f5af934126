"""Backpressure (429 under a full queue), URL-fetch address checks, graceful shutdown."""

from __future__ import annotations

import base64
import io
import signal
import threading
import time
from pathlib import Path

import httpx
from PIL import Image
from server_helpers import RunningServer, png_bytes, start_server, stop_server

from promptocr import synth


def _pages(n: int) -> list[bytes]:
    """Distinct receipts (so the cache can't answer them) big enough to keep a worker busy."""
    out = []
    for i in range(n):
        c = synth.receipt(900)
        c.text((30, 5), f"REQUEST NUMBER {i}", size=22)
        out.append(png_bytes(c.image))
    return out


def test_full_queue_answers_429(tiny_server: RunningServer) -> None:
    pages = _pages(8)
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def send(data: bytes) -> None:
        with httpx.Client(base_url=tiny_server.url, timeout=180) as c:
            r = c.post("/v1/ocr", files={"file": ("p.png", data)})
        with lock:
            results.append(r)

    threads = [threading.Thread(target=send, args=(p,)) for p in pages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert set(codes) <= {200, 429}, codes
    assert 200 in codes and 429 in codes, codes
    refused = next(r for r in results if r.status_code == 429)
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["code"] == "queue_full"
    with httpx.Client(base_url=tiny_server.url, timeout=60) as c:
        assert c.get("/healthz").status_code == 200
        metrics = c.get("/metrics").text
    assert 'promptocr_rejected_total{code="queue_full"}' in metrics
    assert 'status="429"' in metrics


def test_url_fetch_refuses_internal_addresses(tiny_server: RunningServer) -> None:
    cases = {
        f"{tiny_server.url}/healthz": "url_forbidden",  # loopback
        "http://localhost:9/x.png": "url_forbidden",
        "http://10.1.2.3/x.png": "url_forbidden",  # private
        "http://169.254.169.254/latest/meta-data": "url_forbidden",  # link-local (cloud metadata)
        "http://[::1]/x.png": "url_forbidden",
        "http://[::ffff:127.0.0.1]/x.png": "url_forbidden",  # IPv4-mapped loopback
        "file:///etc/passwd": "url_forbidden",
        "ftp://example.com/x.png": "url_forbidden",
    }
    with httpx.Client(base_url=tiny_server.url, timeout=60) as c:
        for url, code in cases.items():
            r = c.post("/v1/ocr", json={"url": url})
            assert r.status_code == 400, (url, r.text)
            assert r.json()["error"]["code"] == code, (url, r.text)


def test_graceful_shutdown_finishes_in_flight_requests(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--workers", "1", name="shutdown")
    page = png_bytes(Image.open(io.BytesIO(_pages(1)[0])).resize((1400, 1500)))
    result: dict[str, httpx.Response] = {}

    def send() -> None:
        with httpx.Client(base_url=server.url, timeout=120) as c:
            result["r"] = c.post("/v1/ocr", json={"image": base64.b64encode(page).decode()})

    t = threading.Thread(target=send)
    t.start()
    deadline = time.time() + 30
    with httpx.Client(base_url=server.url, timeout=10) as c:
        while time.time() < deadline:  # wait until the request is on a worker
            if "promptocr_in_flight_requests 1.0" in c.get("/metrics").text:
                break
            time.sleep(0.02)
    server.proc.send_signal(signal.SIGTERM)
    t.join(timeout=120)
    code = stop_server(server)
    assert result["r"].status_code == 200, result["r"].text
    assert "GREEN LEAF" in result["r"].json()["content"]
    # uvicorn re-raises SIGTERM once shutdown is complete, so the exit status says "terminated"
    assert code in (0, -signal.SIGTERM)
    log = server.log_text()
    assert "finishing in-flight requests" in log and '"message": "stopped"' in log
