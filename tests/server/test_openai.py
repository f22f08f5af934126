"""OpenAI-compatible API with the official `openai` client: the HunyuanOCR/vLLM request shape."""

from __future__ import annotations

import base64
import json

import httpx
import openai
import pytest
from server_helpers import RunningServer

PROMPT = "检测并识别图片中的文字，将文本坐标格式化输出。"


def _messages(png: bytes, text: str = PROMPT) -> list[dict[str, object]]:
    b64 = base64.b64encode(png).decode()
    # exactly the shape of the HunyuanOCR vLLM recipe: an empty system message, then the image
    # as a data: URL and the prompt as text in one user message
    return [
        {"role": "system", "content": ""},
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64}"}},
                {"type": "text", "text": text},
            ],
        },
    ]


def _client(server: RunningServer, api_key: str = "EMPTY") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key=api_key, max_retries=0)


def test_plain_completion(server: RunningServer, receipt_png: bytes) -> None:
    client = _client(server)
    r = client.chat.completions.create(
        model="tencent/HunyuanOCR",
        messages=_messages(receipt_png),  # type: ignore[arg-type]
        temperature=0,
        top_p=1,
        max_tokens=16384,
        extra_body={"top_k": 1, "repetition_penalty": 1.0},
    )
    assert r.object == "chat.completion"
    assert r.model == "tencent/HunyuanOCR"
    content = r.choices[0].message.content or ""
    assert "GREEN LEAF" in content and "13.50" in content
    assert r.choices[0].finish_reason == "stop"
    assert r.usage is not None
    assert r.usage.prompt_tokens == len(PROMPT)  # characters of text parts; images count 0
    assert r.usage.completion_tokens == len(content)
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    ext = r.model_extra["promptocr"] if r.model_extra else None
    assert ext and ext["plan"]["task"] == ext["task"] and "stages_ms" in ext["usage"]


def test_streaming(server: RunningServer, receipt_png: bytes) -> None:
    client = _client(server)
    plain = client.chat.completions.create(
        model="promptocr",
        messages=_messages(receipt_png),  # type: ignore[arg-type]
    )
    stream = client.chat.completions.create(
        model="promptocr",
        messages=_messages(receipt_png),  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces: list[str] = []
    finish = None
    usage = None
    chunks = 0
    for chunk in stream:
        chunks += 1
        assert chunk.object == "chat.completion.chunk"
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage is not None:
            usage = chunk.usage
    assert chunks > 3
    assert "".join(pieces) == plain.choices[0].message.content
    assert finish == "stop"
    assert usage is not None and usage.completion_tokens == len("".join(pieces))


def test_sse_wire_format(server: RunningServer, line_png: bytes) -> None:
    body = {"model": "promptocr", "messages": _messages(line_png, "read"), "stream": True}
    with (
        httpx.Client(base_url=server.url, timeout=120) as c,
        c.stream("POST", "/v1/chat/completions", json=body) as r,
    ):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        raw = r.read().decode()
    events = [e for e in raw.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    first = json.loads(events[0][6:])
    assert first["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(json.loads(e[6:])["choices"][0]["delta"].get("content", "") for e in events[:-1])
    assert "INVOICE" in text


def test_max_tokens_truncates_with_finish_reason_length(
    server: RunningServer, receipt_png: bytes
) -> None:
    r = _client(server).chat.completions.create(
        model="promptocr",
        messages=_messages(receipt_png),  # type: ignore[arg-type]
        max_tokens=10,
    )
    assert len(r.choices[0].message.content or "") == 10
    assert r.choices[0].finish_reason == "length"


def test_models(server: RunningServer) -> None:
    client = _client(server)
    ids = [m.id for m in client.models.list()]
    assert ids == ["promptocr", "tencent/HunyuanOCR"]
    assert client.models.retrieve("promptocr").id == "promptocr"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_errors_in_openai_shape(server: RunningServer, line_png: bytes) -> None:
    client = _client(server)
    with pytest.raises(openai.NotFoundError) as nf:
        client.chat.completions.create(
            model="gpt-4o",
            messages=_messages(line_png),  # type: ignore[arg-type]
        )
    assert nf.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as no_image:
        client.chat.completions.create(
            model="promptocr", messages=[{"role": "user", "content": "hello"}]
        )
    assert no_image.value.code == "invalid_request"
    with httpx.Client(base_url=server.url, timeout=60) as c:
        bad_b64 = c.post(
            "/v1/chat/completions",
            json={
                "model": "promptocr",
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "image_url", "image_url": {"url": "data:image/png;base64,%%"}}
                        ],
                    }
                ],
            },
        )
        not_json = c.post(
            "/v1/chat/completions", content=b"{", headers={"content-type": "application/json"}
        )
        wrong_type = c.post(
            "/v1/chat/completions", content=b"x", headers={"content-type": "text/plain"}
        )
        url_image = c.post(
            "/v1/chat/completions",
            json={
                "model": "promptocr",
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
                        ],
                    }
                ],
            },
        )
    for r, status, code in (
        (bad_b64, 400, "invalid_request"),
        (not_json, 400, "invalid_request"),
        (wrong_type, 415, "unsupported_media_type"),
        (url_image, 400, "url_fetch_disabled"),
    ):
        assert r.status_code == status, r.text
        err = r.json()["error"]
        assert set(err) == {"message", "type", "param", "code"}
        assert err["code"] == code
        assert err["type"] == "invalid_request_error"


def test_structured_task_returns_json_string(server: RunningServer, receipt_png: bytes) -> None:
    prompt = "Extract the content of the fields: ['TOTAL', 'DATE'] from the image and return it in JSON format."
    r = _client(server).chat.completions.create(
        model="tencent/HunyuanOCR",
        messages=_messages(receipt_png, prompt),  # type: ignore[arg-type]
    )
    fields = json.loads(r.choices[0].message.content or "")
    assert isinstance(fields, dict) and "TOTAL" in fields
    assert "13.50" in str(fields["TOTAL"])
    assert r.model_extra and r.model_extra["promptocr"]["task"] == "extract"


def test_engine_choice_through_extra_body(server: RunningServer, line_png: bytes) -> None:
    """`extra_body={"engine": "vlm"}` asks for the VLM; with none configured: a clear 501."""
    client = _client(server)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(
            model="tencent/HunyuanOCR",
            messages=_messages(line_png),  # type: ignore[arg-type]
            extra_body={"engine": "vlm"},
        )
    assert info.value.status_code == 501
    body = info.value.body
    assert isinstance(body, dict)
    err = body.get("error", body)
    assert err["code"] == "engine_unavailable"
