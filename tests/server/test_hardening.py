"""Every defect of the hostile review (issue 11), through the real server over real HTTP:
each case checks the status, the message, and that the server still serves the next request."""

from __future__ import annotations

import io
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image
from server_helpers import (
    RunningServer,
    free_port,
    pdf_bytes,
    png_bytes,
    start_server,
    stop_server,
)

from promptocr import synth

TEXT_PAGES = [f"Invoice {n:03d} total {n * 7 % 97}.50 paid" for n in range(40)]


@pytest.fixture(scope="module")
def hard(server_tmp: Path) -> Iterator[RunningServer]:
    """One worker and no queue, so the preview and timeout cases are deterministic."""
    s = start_server(
        server_tmp,
        "--workers",
        "1",
        "--queue-size",
        "0",
        "--max-pages",
        "60",
        "--max-total-pixels",
        "60000000",
        "--max-prompt-chars",
        "1000",
        "--max-fields",
        "20",
        "--header-timeout",
        "1",
        name="hardening",
    )
    yield s
    stop_server(s)


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    """60 pages of 12 lines: many seconds of work on any machine, so a request reading it is
    still running when the test acts on it (deadline, preview, a client hanging up)."""
    pages = [
        synth.english_page(
            width=900, lines=[f"Page {n} line {i} of the long document" for i in range(12)]
        ).image
        for n in range(60)
    ]
    return synth.pdf_from_images(pages)


@pytest.fixture(scope="module")
def line_png() -> bytes:
    return png_bytes(synth.text_image("HELLO 42", size=28).image)


def serves(server: RunningServer, png: bytes) -> None:
    """The server still answers a normal request after the hostile one."""
    r = httpx.post(
        server.url + "/v1/ocr", files={"file": ("ok.png", png, "image/png")}, timeout=120
    )
    assert r.status_code == 200, r.text
    assert "HELLO" in r.json()["content"]


def metric(server: RunningServer, name: str) -> float:
    text = httpx.get(server.url + "/metrics", timeout=10).text
    m = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, flags=re.M)
    return float(m.group(1)) if m else 0.0


def blank_pdf(n: int, side_pt: float) -> bytes:
    return synth.write_pdf([synth.PdfPage(width_pt=side_pt, height_pt=side_pt) for _ in range(n)])


# ---- 1. a tiny multi-page file must not exhaust memory ------------------------------------


def test_tiny_pdf_of_huge_pages_is_refused_before_rendering(
    hard: RunningServer, line_png: bytes
) -> None:
    data = blank_pdf(50, 2270)  # ~2 K of PDF, 50 pages of 6306x6306 px at 200 dpi
    assert len(data) < 20_000
    r = httpx.post(hard.url + "/v1/ocr", files={"file": ("bomb.pdf", data)}, timeout=120)
    assert r.status_code == 413, r.text
    err = r.json()["error"]
    assert err["code"] == "input_too_large"
    assert "add up to" in err["message"] and "60000000" in err["message"]
    serves(hard, line_png)


def test_multi_frame_tiff_over_the_total_is_refused(
    hard: RunningServer, line_png: bytes, tmp_path: Path
) -> None:
    frames = [Image.new("L", (3000, 3000), 255) for _ in range(8)]  # 72 M px > 60 M
    path = synth.save_tiff(frames, tmp_path / "frames.tif")
    r = httpx.post(hard.url + "/v1/ocr", files={"file": ("f.tif", path.read_bytes())}, timeout=120)
    assert r.status_code == 413 and "add up to" in r.json()["error"]["message"]
    serves(hard, line_png)


def test_many_pages_under_the_limits_stream(hard: RunningServer) -> None:
    data = pdf_bytes(TEXT_PAGES[:6])
    r = httpx.post(
        hard.url + "/v1/ocr",
        files={"file": ("six.pdf", data)},
        data={"prompt": "read the text"},
        timeout=120,
    )
    assert r.status_code == 200, r.text
    doc = r.json()["document"]
    assert [p["index"] for p in doc["pages"]] == list(range(6))
    assert "Invoice 005" in r.json()["content"]


# ---- 2. long prompts and many fields: same limits everywhere, checked before queueing ------


def test_prompt_and_field_limits_are_the_same_on_every_endpoint(
    hard: RunningServer, line_png: bytes
) -> None:
    long_prompt = "Extract " + ", ".join(f"field number {i}" for i in range(200))
    many = "Extract " + ", ".join(f"f{i}" for i in range(30)) + " as JSON"
    uri = "data:image/png;base64," + __import__("base64").b64encode(line_png).decode()
    for prompt, code in ((long_prompt, "prompt_too_long"), (many, "too_many_fields")):
        r1 = httpx.post(
            hard.url + "/v1/ocr",
            files={"file": ("a.png", line_png)},
            data={"prompt": prompt},
            timeout=60,
        )
        r2 = httpx.post(
            hard.url + "/v1/chat/completions",
            json={
                "model": "promptocr",
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "image_url", "image_url": {"url": uri}},
                            {"type": "text", "text": prompt},
                        ],
                    }
                ],
            },
            timeout=60,
        )
        assert r1.status_code == r2.status_code == 400, (r1.text, r2.text)
        assert r1.json()["error"]["code"] == r2.json()["error"]["code"] == code
        assert "limit" in r1.json()["error"]["message"]
        assert len(r1.text) < 1000  # the prompt is not echoed back
    serves(hard, line_png)


def test_unknown_instruction_does_not_echo_a_long_prompt(
    hard: RunningServer, line_png: bytes
) -> None:
    r = httpx.post(
        hard.url + "/v1/ocr",
        files={"file": ("a.png", line_png)},
        data={"prompt": "zq " * 300},
        timeout=60,
    )
    assert r.status_code == 422
    assert re.search(r"… \(\d+ characters\)", r.json()["error"]["message"])
    assert len(r.json()["error"]["message"]) < 1200


# ---- 4. the UI preview goes through the same queue -------------------------------------------


def test_a_request_past_its_deadline_stops_and_frees_the_worker(
    hard: RunningServer, line_png: bytes, long_pdf: bytes
) -> None:
    data = long_pdf
    pages_before = metric(hard, "promptocr_pages_total")
    cancelled_before = metric(hard, "promptocr_cancelled_total")
    r = httpx.post(
        hard.url + "/v1/ocr",
        files={"file": ("long.pdf", data)},
        data={"prompt": "read", "timeout_s": "1"},
        timeout=120,
    )
    assert r.status_code == 504 and r.json()["error"]["code"] == "timeout"
    deadline = time.time() + 60
    while metric(hard, "promptocr_in_flight_requests") > 0 and time.time() < deadline:
        time.sleep(0.1)
    assert metric(hard, "promptocr_in_flight_requests") == 0
    done = metric(hard, "promptocr_pages_total") - pages_before
    assert done < 60, "the work ran to the end instead of stopping"
    if done:  # it had started (not merely dropped from the queue): it was stopped part-way
        assert metric(hard, "promptocr_cancelled_total") == cancelled_before + 1
    serves(hard, line_png)


def test_preview_waits_in_the_same_queue(
    hard: RunningServer, line_png: bytes, long_pdf: bytes
) -> None:
    data = long_pdf  # far more than the 5 s this request may run: it holds the only worker
    box: dict[str, Any] = {}

    def long_request() -> None:
        box["r"] = httpx.post(
            hard.url + "/v1/ocr",
            files={"file": ("long.pdf", data)},
            data={"prompt": "read", "timeout_s": "5"},
            timeout=120,
        )

    t = threading.Thread(target=long_request)
    t.start()
    deadline = time.time() + 30
    while metric(hard, "promptocr_in_flight_requests") < 1 and time.time() < deadline:
        time.sleep(0.05)
    r = httpx.post(
        hard.url + "/ui/api/preview",
        files={"file": ("p.png", line_png)},
        data={"page": "1"},
        timeout=60,
    )
    still_running = t.is_alive()
    t.join()
    assert still_running, "the long request ended before the preview was asked"
    assert box["r"].status_code == 504  # stopped at its deadline, the worker freed
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "queue_full" and "Retry-After" in r.headers
    deadline = time.time() + 60  # the cancelled work stops at its next stage boundary
    while metric(hard, "promptocr_in_flight_requests") > 0 and time.time() < deadline:
        time.sleep(0.05)
    ok = httpx.post(hard.url + "/ui/api/preview", files={"file": ("p.png", line_png)}, timeout=60)
    assert ok.status_code == 200 and ok.json()["image"].startswith("data:image/jpeg")


# ---- 5. inputs that used to give 500 -----------------------------------------------------------


def test_deeply_nested_json_is_a_400(hard: RunningServer, line_png: bytes) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for path in ("/v1/ocr", "/v1/chat/completions"):
        r = httpx.post(
            hard.url + path,
            content=deep,
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        assert r.status_code == 400, (path, r.text)
        assert "nested deeper" in r.text
    nested = json.dumps({"extra_body": json.loads("[" * 40 + "]" * 40)})
    r = httpx.post(
        hard.url + "/v1/chat/completions",
        content=nested,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert r.status_code == 400 and "nested deeper" in r.text
    r = httpx.post(
        hard.url + "/v1/ocr",
        files={"file": ("a.png", line_png)},
        data={"settings": "{" * 50_000},
        timeout=60,
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "settings"
    serves(hard, line_png)


def test_lone_surrogate_is_a_400(hard: RunningServer, line_png: bytes) -> None:
    body = '{"model": "\\ud800", "messages": [{"role": "user", "content": "hi"}]}'
    r = httpx.post(
        hard.url + "/v1/chat/completions",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert r.status_code == 400, r.text
    assert "surrogate" in r.json()["error"]["message"]
    serves(hard, line_png)


@pytest.mark.parametrize(
    ("key", "value"), [("task_type", ["ocr"]), ("engine", {"x": 1}), ("pages", 3)]
)
def test_mistyped_extra_body_is_a_400(
    hard: RunningServer, line_png: bytes, key: str, value: Any
) -> None:
    uri = "data:image/png;base64," + __import__("base64").b64encode(line_png).decode()
    r = httpx.post(
        hard.url + "/v1/chat/completions",
        json={
            "model": "promptocr",
            "messages": [
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": uri}}]}
            ],
            "extra_body": {key: value},
        },
        timeout=60,
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == f"extra_body.{key}"
    assert "must be a string" in r.json()["error"]["message"]
    serves(hard, line_png)


# ---- 6. 16-bit images --------------------------------------------------------------------------


def test_16_bit_tiff_is_read(hard: RunningServer) -> None:
    page = np.asarray(synth.text_image("DEPTH 16", size=32).image.convert("L"), dtype=np.uint16)
    wide = Image.fromarray(page * 257)  # 'I;16'
    buf = io.BytesIO()
    wide.save(buf, format="TIFF")
    r = httpx.post(hard.url + "/v1/ocr", files={"file": ("d.tif", buf.getvalue())}, timeout=60)
    assert r.status_code == 200, r.text
    assert "DEPTH" in r.json()["content"]


# ---- 9. protocol details -------------------------------------------------------------------------


def test_405_has_allow(hard: RunningServer) -> None:
    r = httpx.post(hard.url + "/healthz", timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"
    assert r.json()["error"]["code"] == "method_not_allowed"
    r = httpx.delete(hard.url + "/v1/ocr", timeout=10)
    assert r.status_code == 405 and "POST" in r.headers["Allow"]


def test_every_openapi_reference_resolves(hard: RunningServer) -> None:
    spec = httpx.get(hard.url + "/openapi.json", timeout=10).json()
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    assert any(r.endswith("/TextPart") for r in refs)
    for ref in refs:
        assert ref.startswith("#/"), ref
        node: Any = spec
        for part in ref[2:].split("/"):
            assert part in node, f"unresolvable {ref}"
            node = node[part]


def test_slow_headers_are_cut_off(hard: RunningServer, line_png: bytes) -> None:
    host, port = hard.url.removeprefix("http://").split(":")
    socks = []
    for _ in range(20):
        s = socket.create_connection((host, int(port)), timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
        socks.append(s)
    time.sleep(2.5)  # the server's --header-timeout is 1 s
    for s in socks:
        s.settimeout(5)
        assert s.recv(100) == b"", "the server kept a half-sent request open"
        s.close()
    # A complete request on a kept-alive connection still works.
    with httpx.Client(base_url=hard.url) as c:
        assert c.get("/healthz").status_code == 200
        time.sleep(0.2)
        assert c.get("/healthz").status_code == 200
    serves(hard, line_png)


def test_pipelined_request_is_not_cut_off_by_the_header_deadline(hard: RunningServer) -> None:
    """A request pipelined behind another one has its head already: the header deadline that
    starts when the first response ends must not close the connection while the second request
    is being served (here its body is still arriving, slower than --header-timeout)."""
    host, port = hard.url.removeprefix("http://").split(":")
    body = b'{"prompt": "read"}'
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /v1/ocr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:5]
        )
        time.sleep(2.5)  # past the 1 s header deadline; the second head arrived long ago
        s.sendall(body[5:])
        got = b""
        while got.count(b"HTTP/1.1 ") < 2 or not got.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    assert got.count(b"HTTP/1.1 200") == 1, got
    assert b"HTTP/1.1 400" in got and b"give exactly one of" in got, got


# ---- 3. and 7. start-up and shutdown -------------------------------------------------------------


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTOCR_")}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "promptocr.cli.main", "serve", "--port", str(free_port()), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=full,
    )


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--host", "0.0.0.0", "--api-key", ""], {}),
        (["--host", "0.0.0.0", "--api-key", "   "], {}),
        (["--host", "0.0.0.0"], {"PROMPTOCR_API_KEYS": ""}),
        (["--host", "0.0.0.0", "--jwt-secret", ""], {}),
    ],
)
def test_empty_key_is_a_configuration_error(args: list[str], env: dict[str, str]) -> None:
    r = _serve(*args, env=env)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("promptocr: error:")
    assert "empty" in r.stderr or "holds no key" in r.stderr


def test_shutdown_is_bounded_and_clean(server_tmp: Path) -> None:
    s = start_server(
        server_tmp,
        "--workers",
        "1",
        "--max-pages",
        "60",
        env={"PROMPTOCR_GRACEFUL_TIMEOUT_S": "1"},
        name="shutdown",
    )
    data = pdf_bytes(TEXT_PAGES)
    box: dict[str, Any] = {}

    def long_request() -> None:
        try:
            box["r"] = httpx.post(
                s.url + "/v1/ocr", files={"file": ("long.pdf", data)}, timeout=120
            )
        except httpx.HTTPError as exc:
            box["r"] = exc

    t = threading.Thread(target=long_request)
    t.start()
    deadline = time.time() + 30
    while metric(s, "promptocr_in_flight_requests") < 1 and time.time() < deadline:
        time.sleep(0.05)
    s.proc.send_signal(signal.SIGTERM)
    try:
        code = s.proc.wait(timeout=45)
    finally:
        if s.proc.poll() is None:
            s.proc.kill()
    t.join()
    assert code == 0, s.log_text()[-3000:]
    log = s.log_text()
    assert "was cancelled" in log or "stopped" in log


def test_a_stream_the_client_leaves_stops_its_work(
    hard: RunningServer, line_png: bytes, long_pdf: bytes
) -> None:
    data = long_pdf
    uri = "data:application/pdf;base64," + __import__("base64").b64encode(data).decode()
    pages_before = metric(hard, "promptocr_pages_total")
    body = {
        "model": "promptocr",
        "stream": True,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": uri}},
                    {"type": "text", "text": "read the text"},
                ],
            }
        ],
    }
    with (
        httpx.Client(base_url=hard.url, timeout=120) as c,
        c.stream("POST", "/v1/chat/completions", json=body) as r,
    ):
        assert r.status_code == 200
        for line in r.iter_lines():
            if "Page 0 line" in line:
                break  # the first page arrived: hang up
    deadline = time.time() + 60
    while metric(hard, "promptocr_in_flight_requests") > 0 and time.time() < deadline:
        time.sleep(0.1)
    assert metric(hard, "promptocr_in_flight_requests") == 0
    assert metric(hard, "promptocr_pages_total") - pages_before < 60
    serves(hard, line_png)
