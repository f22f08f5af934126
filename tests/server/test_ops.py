"""Health, readiness, metrics, request ids, JSON logs and the OpenAPI spec."""

from __future__ import annotations

import base64
import json
import re

import httpx
from server_helpers import RunningServer


def _sample(metrics: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in metrics.splitlines():
        if not line.startswith(name):
            continue
        m = re.match(r"^([a-zA-Z_:]+)(\{[^}]*\})?\s+(\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


def test_health_and_readiness(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        assert c.get("/readyz").json() == {"status": "ready"}


def test_request_id_header(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as c:
        generated = c.get("/healthz").headers["x-request-id"]
        echoed = c.get("/healthz", headers={"X-Request-ID": "client-id-42"}).headers["x-request-id"]
        unsafe = c.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"}).headers[
            "x-request-id"
        ]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert echoed == "client-id-42"
    assert unsafe != "bad id\twith spaces"
    lines = [json.loads(x) for x in server.log_text().splitlines() if x.startswith("{")]
    assert any(x.get("request_id") == "client-id-42" and x.get("path") == "/healthz" for x in lines)


def test_metrics_move_after_requests(server: RunningServer, line_png: bytes) -> None:
    with httpx.Client(base_url=server.url, timeout=120) as c:
        before = c.get("/metrics").text
        r = c.post("/v1/ocr", json={"image": base64.b64encode(line_png).decode()})
        assert r.status_code == 200
        task = r.json()["task"]
        c.post("/v1/ocr", content=b"x", headers={"content-type": "text/plain"})
        after = c.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    ok = dict(endpoint="/v1/ocr", task=task, status="200")
    assert _sample(text, "promptocr_requests_total", **ok) == (
        _sample(before, "promptocr_requests_total", **ok) + 1
    )
    assert _sample(text, "promptocr_request_duration_seconds_count", **ok) >= 1
    refused = dict(endpoint="/v1/ocr", status="415")
    assert _sample(text, "promptocr_requests_total", **refused) > _sample(
        before, "promptocr_requests_total", **refused
    )
    assert _sample(text, "promptocr_stage_duration_seconds_count", stage="recognize") > 0
    assert _sample(text, "promptocr_pages_total") >= 1
    assert _sample(text, "promptocr_cache_misses_total") + _sample(
        text, "promptocr_cache_hits_total"
    ) > _sample(before, "promptocr_cache_misses_total") + _sample(
        before, "promptocr_cache_hits_total"
    )
    assert _sample(text, "promptocr_rec_batch_crops_count") >= 1
    assert _sample(text, "process_resident_memory_bytes") > 10_000_000
    for name in ("promptocr_queue_depth", "promptocr_in_flight_requests", "promptocr_ready"):
        assert name in text
    assert _sample(text, "promptocr_ready") == 1


def test_openapi_spec(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as c:
        spec = c.get("/openapi.json").json()
        docs = c.get("/docs")
    assert docs.status_code == 200
    paths = spec["paths"]
    for p in ("/v1/ocr", "/v1/chat/completions", "/v1/models", "/healthz", "/metrics"):
        assert p in paths
    body = paths["/v1/ocr"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/json"} <= set(body)
