"""A minimal OpenAI-compatible chat server in front of the transformers engine.

For machines without vLLM or llama.cpp (and for the end-to-end tests): it loads a local
HunyuanOCR checkpoint and answers `POST /v1/chat/completions` the way vLLM does for the
requests promptocr sends (one image as a ``data:`` URL plus one instruction, greedy decoding),
`GET /v1/models` and `GET /health`. Run it with

    python -m promptocr.engines.vlm.serve_local --model-dir /models/HunyuanOCR --port 8000

and point promptocr at it with PROMPTOCR_VLM_URL=http://127.0.0.1:8000/v1.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import io
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from PIL import Image, UnidentifiedImageError

from promptocr.engines.vlm.base import Generation, VLMSettings
from promptocr.engines.vlm.local import TransformersVLMEngine


class _BadRequest(ValueError):
    pass


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status)


def _decode_image(url: str) -> np.ndarray:
    if not url.startswith("data:"):
        raise _BadRequest("only base64 data: image URLs are accepted (this server fetches nothing)")
    try:
        _, b64 = url.split(",", 1)
        raw = base64.b64decode(b64, validate=True)
        with Image.open(io.BytesIO(raw)) as im:
            return np.asarray(im.convert("RGB"))
    except (ValueError, binascii.Error, UnidentifiedImageError, OSError) as exc:
        raise _BadRequest(f"the image data URL does not decode to an image: {exc}") from None


def _parse_messages(messages: Any) -> tuple[np.ndarray, str]:
    """The one image and the instruction text of the (last) user message."""
    if not isinstance(messages, list) or not messages:
        raise _BadRequest("messages must be a non-empty list")
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        raise _BadRequest("no user message")
    content = users[-1].get("content")
    if isinstance(content, str):
        raise _BadRequest("the user message needs an image part (image_url)")
    images: list[np.ndarray] = []
    texts: list[str] = []
    for part in content or []:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "image_url":
            iu = part.get("image_url")
            url = iu.get("url") if isinstance(iu, dict) else iu
            images.append(_decode_image(str(url or "")))
        elif part.get("type") == "text":
            texts.append(str(part.get("text") or ""))
    if len(images) != 1:
        raise _BadRequest(f"exactly one image is supported per request, got {len(images)}")
    prompt = "".join(texts).strip()
    if not prompt:
        raise _BadRequest("the user message has no instruction text")
    return images[0], prompt


def _sse(gen: Generation, model: str, logprobs: bool, with_usage: bool) -> Iterator[str]:
    """The finished answer as OpenAI chat-completion chunks, one per generated token.

    (Generation runs to completion first: this server streams the protocol, not the compute.)
    """
    head = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }

    def event(choices: list[dict[str, Any]], **extra: Any) -> str:
        return "data: " + json.dumps({**head, "choices": choices, **extra}) + "\n\n"

    yield event([{"index": 0, "delta": {"role": "assistant", "content": ""}}])
    pieces = gen.token_logprobs or [(gen.text, 0.0)]
    for token, lp in pieces:
        choice: dict[str, Any] = {"index": 0, "delta": {"content": token}}
        if logprobs and gen.token_logprobs is not None:
            choice["logprobs"] = {"content": [{"token": token, "logprob": lp}]}
        yield event([choice])
    yield event([{"index": 0, "delta": {}, "finish_reason": gen.finish_reason}])
    if with_usage:
        usage = {
            "prompt_tokens": gen.prompt_tokens,
            "completion_tokens": gen.completion_tokens,
            "total_tokens": gen.prompt_tokens + gen.completion_tokens,
        }
        yield event([], usage=usage)
    yield "data: [DONE]\n\n"


def create_app(engine: TransformersVLMEngine, served_model_name: str) -> FastAPI:
    app = FastAPI(title="promptocr HunyuanOCR (transformers)", docs_url=None, redoc_url=None)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": served_model_name, "object": "model", "owned_by": "promptocr"}],
        }

    @app.post("/v1/chat/completions", response_model=None)
    async def chat(request: Request) -> JSONResponse | StreamingResponse:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "the body is not JSON")
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object")
        model = body.get("model")
        if model not in (None, served_model_name):
            return _error(
                404,
                f"model {model!r} is not served here; use {served_model_name!r}",
                "not_found_error",
            )
        try:
            image, prompt = _parse_messages(body.get("messages"))
            max_tokens = int(body.get("max_tokens") or body.get("max_completion_tokens") or 0)
        except (_BadRequest, TypeError, ValueError) as exc:
            return _error(400, str(exc))
        limit = engine.settings.max_tokens
        max_tokens = min(max_tokens, limit) if max_tokens > 0 else limit
        from starlette.concurrency import run_in_threadpool

        gen = await run_in_threadpool(engine.generate, image, prompt, max_tokens=max_tokens)
        if body.get("stream"):
            opts = body.get("stream_options")
            with_usage = isinstance(opts, dict) and bool(opts.get("include_usage"))
            return StreamingResponse(
                _sse(gen, served_model_name, bool(body.get("logprobs")), with_usage),
                media_type="text/event-stream",
            )
        choice: dict[str, Any] = {
            "index": 0,
            "message": {"role": "assistant", "content": gen.text},
            "finish_reason": gen.finish_reason,
        }
        if body.get("logprobs") and gen.token_logprobs is not None:
            choice["logprobs"] = {
                "content": [{"token": t, "logprob": lp} for t, lp in gen.token_logprobs]
            }
        return JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": served_model_name,
                "choices": [choice],
                "usage": {
                    "prompt_tokens": gen.prompt_tokens,
                    "completion_tokens": gen.completion_tokens,
                    "total_tokens": gen.prompt_tokens + gen.completion_tokens,
                },
            }
        )

    return app


class LocalServer:
    """`serve_local` in a subprocess on a free port (for tests and quick checks).

    with LocalServer("/models/HunyuanOCR") as url:   # url = "http://127.0.0.1:PORT/v1"
        ...
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        threads: int | None = None,
        max_tokens: int | None = None,
        startup_timeout_s: float = 180.0,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.threads = threads
        self.max_tokens = max_tokens
        self.startup_timeout_s = startup_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        cmd = [sys.executable, "-m", "promptocr.engines.vlm.serve_local"]
        cmd += ["--model-dir", str(self.model_dir), "--port", str(port)]
        if self.threads:
            cmd += ["--threads", str(self.threads)]
        if self.max_tokens:
            cmd += ["--max-tokens", str(self.max_tokens)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace") if self.proc.stdout else ""
                raise RuntimeError(f"serve_local exited with {self.proc.returncode}:\n{out}")
            try:
                if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                    self.url = f"{base}/v1"
                    return self.url
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"serve_local did not answer within {self.startup_timeout_s:.0f} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m promptocr.engines.vlm.serve_local",
        description="Serve a local HunyuanOCR checkpoint over the OpenAI chat API.",
    )
    ap.add_argument("--model-dir", required=True, help="local checkpoint directory")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--served-model-name", default=None, help="default: tencent/HunyuanOCR")
    ap.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    ap.add_argument("--dtype", default="auto", help="auto, bfloat16, float16, float32")
    ap.add_argument("--max-tokens", type=int, default=4096, help="upper bound per request")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = ap.parse_args(argv)
    settings = VLMSettings(
        backend="transformers",
        model_dir=args.model_dir,
        device=args.device,
        dtype=args.dtype,
        max_tokens=args.max_tokens,
        threads=args.threads,
    )
    engine = TransformersVLMEngine(settings)
    engine.load()  # the port opens only once the model is ready
    import uvicorn

    name = args.served_model_name or VLMSettings.model
    uvicorn.run(create_app(engine, name), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
