"""The remote engine against real HTTP servers: the OpenAI-compatible server of
`promptocr.engines.vlm.serve_local` in a subprocess (a tiny random HunYuanVL checkpoint behind
it), a real `openai` client, and a real flaky proxy for retries and timeouts."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

pytest.importorskip("torch")
pytest.importorskip("transformers")

from promptocr.engines.vlm import (  # noqa: E402
    UpstreamError,
    UpstreamUnavailableError,
    VLMConfigError,
    VLMSettings,
    make_engine,
)
from promptocr.engines.vlm.local import TransformersVLMEngine  # noqa: E402
from promptocr.engines.vlm.remote import RemoteVLMEngine, build_request, encode_image  # noqa: E402
from promptocr.engines.vlm.serve_local import LocalServer  # noqa: E402
from promptocr.engines.vlm.tiny import build_tiny_checkpoint  # noqa: E402
from promptocr.synth import Canvas  # noqa: E402

MAX_TOKENS = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-hunyuanocr"))


@pytest.fixture(scope="module")
def server(tiny_dir: Path) -> Iterator[str]:
    """`python -m promptocr.engines.vlm.serve_local` on a free port; yields its /v1 URL."""
    with LocalServer(tiny_dir, threads=1, max_tokens=64) as url:
        yield url


@pytest.fixture(scope="module")
def page_image() -> np.ndarray:
    c = Canvas(300, 110)
    c.text((10, 10), "Bonjour le monde", size=22)
    c.text((10, 60), "Prix: 12,50 EUR", size=22)
    return np.asarray(c.image)


def remote(url: str, **kw: Any) -> RemoteVLMEngine:
    settings = VLMSettings(base_url=url, max_tokens=MAX_TOKENS, **kw)
    engine = make_engine(settings)
    assert isinstance(engine, RemoteVLMEngine)
    return engine


def test_request_follows_the_official_recipe(page_image: np.ndarray) -> None:
    s = VLMSettings(base_url="http://x/v1", max_tokens=1234)
    body = build_request(s, encode_image(page_image, 2048), "提取图中的文字。", 1234)
    assert body["model"] == "tencent/HunyuanOCR"
    assert body["messages"][0] == {"role": "system", "content": ""}
    user = body["messages"][1]
    assert user["role"] == "user"
    assert [p["type"] for p in user["content"]] == ["image_url", "text"]
    assert user["content"][0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert user["content"][1]["text"] == "提取图中的文字。"
    assert (body["temperature"], body["top_k"], body["repetition_penalty"]) == (0.0, 1, 1.0)
    assert body["max_tokens"] == 1234 and body["stream"] is False


def test_large_images_are_capped_before_sending() -> None:
    big = np.full((500, 4000, 3), 255, np.uint8)
    url = encode_image(big, 2048)
    raw = base64.b64decode(url.split(",", 1)[1])
    with Image.open(io.BytesIO(raw)) as im:
        assert im.size == (2048, 256)
    small = np.zeros((20, 30, 3), np.uint8)
    with Image.open(io.BytesIO(base64.b64decode(encode_image(small, 2048).split(",")[1]))) as im:
        assert im.size == (30, 20)


def test_translate_over_http(server: str, page_image: np.ndarray) -> None:
    out = remote(server).run(page_image, "translate", arguments={"target_language": "en"})
    assert out.usage["backend"] == "remote" and out.usage["base_url"] == server
    assert out.usage["prompt_tokens"] > 0
    assert 1 <= out.usage["completion_tokens"] <= MAX_TOKENS
    assert out.usage["attempts"] == 1
    # the server returned token log-probabilities: the confidence comes from them
    assert out.usage["confidence"] is not None and 0 < out.usage["confidence"] <= 1
    assert out.markdown is not None


def test_remote_and_local_engines_agree(
    tiny_dir: Path, server: str, page_image: np.ndarray
) -> None:
    """Same checkpoint, same image, same prompt, greedy: the HTTP round trip changes nothing."""
    local = TransformersVLMEngine(
        VLMSettings(backend="transformers", model_dir=str(tiny_dir), threads=1)
    )
    a = local.generate(page_image, "提取图中的文字。", max_tokens=24)
    b = remote(server).generate(page_image, "提取图中的文字。", max_tokens=24)
    assert a.text == b.text
    assert (a.prompt_tokens, a.completion_tokens) == (b.prompt_tokens, b.completion_tokens)


def test_openai_client_talks_to_the_server(server: str, page_image: np.ndarray) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=server, api_key="EMPTY", timeout=60)
    resp = client.chat.completions.create(
        model="tencent/HunyuanOCR",
        messages=[
            {"role": "system", "content": ""},
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": encode_image(page_image, 2048)}},
                    {"type": "text", "text": "提取图片中的字幕。"},
                ],
            },
        ],
        temperature=0.0,
        max_tokens=8,
        extra_body={"top_k": 1, "repetition_penalty": 1.0},
    )
    assert isinstance(resp.choices[0].message.content, str)
    assert resp.usage is not None and 1 <= resp.usage.completion_tokens <= 8
    assert [m.id for m in client.models.list()] == ["tencent/HunyuanOCR"]


def test_server_rejects_bad_requests(server: str) -> None:
    r = httpx.post(
        f"{server}/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]}
    )
    assert r.status_code == 400 and "image" in r.json()["error"]["message"]
    r = httpx.post(
        f"{server}/chat/completions",
        json={
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                        {"type": "text", "text": "x"},
                    ],
                }
            ]
        },
    )
    assert r.status_code == 400 and "data:" in r.json()["error"]["message"]


def test_wrong_model_name_is_an_upstream_error_without_retry(
    server: str, page_image: np.ndarray
) -> None:
    engine = remote(server, model="no-such-model", retries=3, backoff_s=0.01)
    with pytest.raises(UpstreamError) as info:
        engine.run(page_image, "read")
    assert not isinstance(info.value, UpstreamUnavailableError)
    assert info.value.code == "upstream_error" and info.value.status == 502
    assert "404" in info.value.message and "no-such-model" in info.value.message


def test_upstream_down_is_a_clear_error(page_image: np.ndarray) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    engine = remote(url, retries=2, backoff_s=0.01)
    with pytest.raises(UpstreamUnavailableError) as info:
        engine.run(page_image, "read")
    err = info.value
    assert err.code == "upstream_unavailable" and err.status == 503
    assert "after 3 attempt(s)" in err.message and url in err.message
    assert err.to_dict()["code"] == "upstream_unavailable"


class _Proxy:
    """A real HTTP server in front of the tiny-model server: answers 503 to the first
    `failures` requests, optionally stalls, records headers, then forwards."""

    def __init__(self, upstream: str, failures: int = 0, stall_s: float = 0.0) -> None:
        self.upstream = upstream
        self.failures = failures
        self.stall_s = stall_s
        self.calls = 0
        self.headers: list[dict[str, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.calls += 1
                proxy.headers.append(dict(self.headers))
                if proxy.stall_s:
                    time.sleep(proxy.stall_s)
                ctype = "application/json"
                if proxy.calls <= proxy.failures:
                    payload = json.dumps({"error": {"message": "model is loading"}}).encode()
                    status = 503
                else:
                    r = httpx.post(
                        proxy.upstream + self.path.removeprefix("/v1"),
                        content=body,
                        headers={"Content-Type": "application/json"},
                        timeout=60,
                    )
                    payload, status = r.content, r.status_code
                    ctype = r.headers.get("content-type", ctype)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # the client gave up (timeout test): nothing to report

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_5xx_answers_are_retried_with_backoff(server: str, page_image: np.ndarray) -> None:
    proxy = _Proxy(server, failures=2)
    try:
        engine = remote(proxy.url, retries=2, backoff_s=0.05, api_key="s3cret")
        t0 = time.perf_counter()
        out = engine.run(page_image, "read", max_tokens=4)
        elapsed = time.perf_counter() - t0
    finally:
        proxy.close()
    assert proxy.calls == 3 and out.usage["attempts"] == 3
    assert elapsed >= 0.05 + 0.1  # slept 0.05 then 0.1 s between the attempts
    assert all(h.get("Authorization") == "Bearer s3cret" for h in proxy.headers)


def test_5xx_beyond_retries_is_unavailable(server: str, page_image: np.ndarray) -> None:
    proxy = _Proxy(server, failures=5)
    try:
        with pytest.raises(UpstreamUnavailableError, match="HTTP 503: model is loading"):
            remote(proxy.url, retries=1, backoff_s=0.01).run(page_image, "read")
    finally:
        proxy.close()
    assert proxy.calls == 2


def test_timeout_is_unavailable(server: str, page_image: np.ndarray) -> None:
    proxy = _Proxy(server, stall_s=1.5)
    try:
        with pytest.raises(UpstreamUnavailableError, match="timed out"):
            remote(proxy.url, retries=0, timeout_s=0.3).run(page_image, "read")
    finally:
        proxy.close()


def test_remote_engine_needs_a_url() -> None:
    with pytest.raises(VLMConfigError):
        RemoteVLMEngine(VLMSettings(base_url=None))


def test_streamed_and_plain_answers_agree(server: str, page_image: np.ndarray) -> None:
    streamed = remote(server).generate(page_image, "提取图中的文字。", max_tokens=20)
    plain = remote(server, stream=False).generate(page_image, "提取图中的文字。", max_tokens=20)
    assert streamed.text == plain.text
    assert streamed.completion_tokens == plain.completion_tokens
    assert streamed.prompt_tokens == plain.prompt_tokens > 0
    assert streamed.finish_reason == plain.finish_reason
    assert streamed.confidence == pytest.approx(plain.confidence)


def test_repetition_loop_stops_the_stream_early(server: str, page_image: np.ndarray) -> None:
    """The tiny random model loops on one character (a real degenerate greedy loop); with the
    early-stop check set low, the client stops reading long before max_tokens."""
    plain = remote(server, stream=False).run(page_image, "read", max_tokens=MAX_TOKENS)
    assert plain.usage["finish_reason"] == "length" and plain.repetition_trimmed, (
        "the tiny model no longer loops on this page; pick another prompt"
    )
    out = remote(server, early_stop_after_chars=8).run(page_image, "read", max_tokens=MAX_TOKENS)
    assert out.usage["finish_reason"] == "repetition"
    assert out.usage["completion_tokens"] < MAX_TOKENS
    assert out.repetition_trimmed and len(out.text) < 8
    assert plain.text == out.text  # both cut back to the loop's one unit
