"""HunyuanOCR behind any OpenAI-compatible chat server: vLLM or llama.cpp's `llama-server`.

The request is the vLLM recipe's, exactly: an empty system message, then one user message with
the image as a base64 ``data:`` URL followed by the instruction; greedy decoding
(`temperature=0`, `top_k=1`, `repetition_penalty=1.0`) and a bounded `max_tokens`.

Connection errors, timeouts and 5xx answers are retried with exponential backoff; when the
server stays unreachable the caller gets `UpstreamUnavailableError` (HTTP 503), and a 4xx or
malformed answer gives `UpstreamError` (HTTP 502) with the server's own message.
"""

from __future__ import annotations

import base64
import io
import json
import math
import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
from PIL import Image

from promptocr.engines.vlm.base import (
    Generation,
    UpstreamError,
    UpstreamUnavailableError,
    VLMConfigError,
    VLMEngine,
    VLMSettings,
)
from promptocr.engines.vlm.parse import trim_repetition

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def encode_image(image: np.ndarray, max_side: int) -> str:
    """RGB pixels -> a PNG ``data:`` URL, the longer side capped at `max_side`."""
    pil = Image.fromarray(np.ascontiguousarray(image[:, :, :3]).astype(np.uint8), "RGB")
    w, h = pil.size
    if max(w, h) > max_side > 0:
        scale = max_side / max(w, h)
        pil = pil.resize(
            (max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BICUBIC
        )
    buf = io.BytesIO()
    pil.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def build_request(
    settings: VLMSettings, image_url: str, prompt: str, max_tokens: int
) -> dict[str, Any]:
    """The chat-completions body for one image and one instruction."""
    body: dict[str, Any] = {
        "model": settings.model,
        "messages": [
            {"role": "system", "content": ""},
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": image_url}},
                    {"type": "text", "text": prompt},
                ],
            },
        ],
        "max_tokens": max_tokens,
        "temperature": settings.temperature,
        "top_k": settings.top_k,
        "repetition_penalty": settings.repetition_penalty,
        "stream": False,
    }
    if settings.request_logprobs:
        body["logprobs"] = True
    return body


def _error_message(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:300].strip() or resp.reason_phrase
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data))
        if isinstance(err, dict):
            return str(err.get("message") or err)[:300]
        return str(err)[:300]
    return str(data)[:300]


def _confidence(choice: dict[str, Any]) -> float | None:
    """exp(mean token log-probability) from an OpenAI-style `logprobs` block."""
    lp = choice.get("logprobs")
    if not isinstance(lp, dict):
        return None
    content = lp.get("content")
    if not isinstance(content, list) or not content:
        return None
    vals = [
        float(t["logprob"])
        for t in content
        if isinstance(t, dict) and isinstance(t.get("logprob"), int | float)
    ]
    vals = [v for v in vals if math.isfinite(v)]
    if not vals:
        return None
    return float(math.exp(sum(vals) / len(vals)))


class RemoteVLMEngine(VLMEngine):
    """Talks to `{base_url}/chat/completions` of an OpenAI-compatible server."""

    backend = "remote"

    def __init__(self, settings: VLMSettings, client: httpx.Client | None = None) -> None:
        super().__init__(settings)
        if not settings.base_url:
            raise VLMConfigError(
                "the remote VLM engine needs a base URL (PROMPTOCR_VLM_URL, e.g. "
                "http://localhost:8000/v1)"
            )
        self.base_url = settings.base_url.rstrip("/")
        headers = {"Accept": "application/json"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        self._client = client or httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
        )

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "base_url": self.base_url}

    def close(self) -> None:
        self._client.close()

    def _attempts(self) -> Iterator[int]:
        """Attempt numbers, sleeping the backoff before each retry."""
        for attempt in range(self.settings.retries + 1):
            if attempt:
                time.sleep(self.settings.backoff_s * (2 ** (attempt - 1)))
            yield attempt + 1

    def generate(self, image: np.ndarray, prompt: str, *, max_tokens: int) -> Generation:
        body = build_request(
            self.settings, encode_image(image, self.settings.max_image_side), prompt, max_tokens
        )
        if self.settings.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        url = f"{self.base_url}/chat/completions"
        last = ""
        attempts = 0
        for attempts in self._attempts():
            try:
                with self._client.stream("POST", url, json=body) as resp:
                    if resp.status_code in RETRY_STATUSES:
                        resp.read()
                        last = f"HTTP {resp.status_code}: {_error_message(resp)}"
                        continue
                    if resp.status_code >= 400:
                        resp.read()
                        raise UpstreamError(
                            f"the VLM server at {self.base_url} refused the request "
                            f"(HTTP {resp.status_code}): {_error_message(resp)}"
                        )
                    if "text/event-stream" in resp.headers.get("content-type", ""):
                        gen = self._from_stream(resp)
                    else:
                        gen = self._from_json(resp.read())
            except httpx.TimeoutException as exc:
                last = f"timed out ({type(exc).__name__})"
                continue
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            gen.attempts = attempts
            return gen
        raise UpstreamUnavailableError(
            f"the VLM server at {self.base_url} is unavailable after {attempts} attempt(s): {last}"
        )

    def _from_json(self, raw: bytes) -> Generation:
        try:
            data = json.loads(raw)
        except ValueError:
            raise UpstreamError(
                f"the VLM server at {self.base_url} answered with something that is not JSON"
            ) from None
        if not isinstance(data, dict):
            raise UpstreamError(f"the VLM server at {self.base_url} answered {data!r:.100}")
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise UpstreamError(f"the VLM server at {self.base_url} answered without choices")
        choice = choices[0]
        message = choice.get("message") or {}
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            raise UpstreamError(f"the VLM server at {self.base_url} answered without content")
        raw_usage = data.get("usage")
        usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
        finish = choice.get("finish_reason") or "stop"
        return Generation(
            text=content,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            finish_reason="length" if finish == "length" else str(finish),
            confidence=_confidence(choice),
        )

    def _from_stream(self, resp: httpx.Response) -> Generation:
        """Read server-sent chat-completion chunks; stop reading (which closes the connection,
        and vLLM then aborts the request) once the answer's tail is a repetition loop."""
        parts: list[str] = []
        logprobs: list[dict[str, Any]] = []
        usage: dict[str, Any] = {}
        finish = "stop"
        chunks = 0
        size = 0
        first_check = max(1, self.settings.early_stop_after_chars)
        next_check = first_check
        for line in resp.iter_lines():
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                break
            try:
                chunk = json.loads(payload)
            except ValueError:
                raise UpstreamError(
                    f"the VLM server at {self.base_url} streamed a chunk that is not JSON"
                ) from None
            if not isinstance(chunk, dict):
                continue
            err = chunk.get("error")
            if isinstance(err, dict):
                raise UpstreamError(
                    f"the VLM server at {self.base_url} failed mid-answer: {err.get('message')}"
                )
            if isinstance(chunk.get("usage"), dict):
                usage = chunk["usage"]
            for choice in chunk.get("choices") or []:
                if not isinstance(choice, dict):
                    continue
                delta = choice.get("delta") or {}
                piece = delta.get("content") if isinstance(delta, dict) else None
                if isinstance(piece, str) and piece:
                    parts.append(piece)
                    size += len(piece)
                    chunks += 1
                lp = choice.get("logprobs")
                if isinstance(lp, dict) and isinstance(lp.get("content"), list):
                    logprobs.extend(t for t in lp["content"] if isinstance(t, dict))
                if choice.get("finish_reason"):
                    finish = str(choice["finish_reason"])
            if size >= next_check:
                next_check = size + max(1, first_check // 4)
                if trim_repetition("".join(parts)[-8000:], hit_limit=True)[1]:
                    finish = "repetition"
                    break
        completion = int(usage.get("completion_tokens") or 0)
        if finish == "repetition" or not completion:
            completion = len(logprobs) or chunks
        return Generation(
            text="".join(parts),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=completion,
            finish_reason=finish,
            confidence=_confidence({"logprobs": {"content": logprobs}}),
        )

    def models(self) -> list[str]:
        """Model ids the server serves (GET /models); raises like `generate` when it is down."""
        try:
            resp = self._client.get(f"{self.base_url}/models")
        except httpx.HTTPError as exc:
            raise UpstreamUnavailableError(
                f"the VLM server at {self.base_url} is unavailable: {type(exc).__name__}: {exc}"
            ) from None
        if resp.status_code >= 400:
            raise UpstreamError(
                f"the VLM server at {self.base_url} answered HTTP {resp.status_code} to /models"
            )
        data = resp.json()
        return [str(m.get("id")) for m in data.get("data", []) if isinstance(m, dict)]
