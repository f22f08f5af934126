"""What every HunyuanOCR engine shares: settings, errors, the output type and `VLMEngine.run`.

An engine only has to implement `generate(image, prompt, max_tokens)`: send one RGB image and
one instruction to the model and return the raw completion. `run` picks the official prompt for
the task, calls `generate`, trims degenerate repetition and parses the completion into the
document model (spotting), fields (extraction) or Markdown (parsing, translation, formulas,
charts) — identically for the remote (OpenAI-compatible HTTP) and local (transformers) engines.
"""

from __future__ import annotations

import os
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from prometheus_client import Counter, Histogram

from promptocr.document.model import Page
from promptocr.engines.usage import Usage
from promptocr.engines.vlm import parse as vlm_parse
from promptocr.engines.vlm.prompts import official_prompt
from promptocr.errors import PromptOCRError

VLM_REQUESTS = Counter(
    "promptocr_vlm_requests_total",
    "Requests sent to the vision-language engine, by backend, task and outcome.",
    ["backend", "task", "outcome"],
)
VLM_SECONDS = Histogram(
    "promptocr_vlm_request_seconds",
    "Wall time of one vision-language engine request (including retries).",
    ["backend"],
    buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320),
)


class UpstreamError(PromptOCRError):
    """The vision-language server answered, but not with a usable completion."""

    code = "upstream_error"
    status = 502


class UpstreamUnavailableError(UpstreamError):
    """The vision-language server could not be reached (down, refusing, timing out, 5xx)."""

    code = "upstream_unavailable"
    status = 503


class VLMConfigError(PromptOCRError):
    """The VLM engine is configured wrongly (no URL, missing model directory, no torch)."""

    code = "vlm_misconfigured"
    status = 500


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class VLMSettings:
    """How to reach HunyuanOCR and how to decode.

    Decoding defaults are the vLLM recipe for HunyuanOCR (docs.vllm.ai, "HunyuanOCR Usage
    Guide"): empty system message, `temperature=0`, `top_k=1`, `repetition_penalty=1.0`.
    """

    backend: str = "remote"  # "remote" (OpenAI-compatible server) or "transformers"
    base_url: str | None = None  # e.g. http://localhost:8000/v1
    model: str = "tencent/HunyuanOCR"  # vLLM --served-model-name / llama-server --alias
    api_key: str | None = None
    model_dir: str | None = None  # transformers backend: a local checkpoint directory
    device: str = "auto"  # transformers backend: "auto", "cpu", "cuda", "cuda:1"
    dtype: str = "auto"  # transformers backend: "auto" (bf16 on CUDA if supported), ...
    threads: int | None = None  # transformers backend: torch CPU threads (None: torch default)
    max_tokens: int = 4096
    temperature: float = 0.0
    top_k: int = 1
    repetition_penalty: float = 1.0
    request_logprobs: bool = True  # ask for token log-probabilities (line confidence)
    stream: bool = True  # remote: stream the answer and stop reading once it loops
    early_stop_after_chars: int = 4000  # remote: first repetition check (then every 1/4 of it)
    timeout_s: float = 300.0
    connect_timeout_s: float = 10.0
    retries: int = 2  # extra attempts after a connection error or a 5xx answer
    backoff_s: float = 0.5  # first retry delay; doubles each time
    max_image_side: int = 2048  # longer side of the image sent to a remote server
    prompt_language: str = "zh"  # language of the official prompts ("zh" or "en")
    line_confidence: float = 0.9  # line confidence when the engine reports no log-probs

    @property
    def configured(self) -> bool:
        if self.backend == "transformers":
            return bool(self.model_dir)
        return bool(self.base_url)

    @classmethod
    def from_env(cls, **overrides: Any) -> VLMSettings:
        """Read PROMPTOCR_VLM_* environment variables; keyword overrides win."""
        env = os.environ.get
        model_dir = env("PROMPTOCR_VLM_MODEL_DIR") or None
        backend = env("PROMPTOCR_VLM_BACKEND") or ("transformers" if model_dir else "remote")
        values: dict[str, Any] = {
            "backend": backend,
            "base_url": env("PROMPTOCR_VLM_URL") or None,
            "model": env("PROMPTOCR_VLM_MODEL") or cls.model,
            "api_key": env("PROMPTOCR_VLM_API_KEY") or None,
            "model_dir": model_dir,
            "device": env("PROMPTOCR_VLM_DEVICE") or cls.device,
            "dtype": env("PROMPTOCR_VLM_DTYPE") or cls.dtype,
            "threads": _env_int("PROMPTOCR_VLM_THREADS", 0) or None,
            "max_tokens": _env_int("PROMPTOCR_VLM_MAX_TOKENS", cls.max_tokens),
            "timeout_s": _env_float("PROMPTOCR_VLM_TIMEOUT", cls.timeout_s),
            "retries": _env_int("PROMPTOCR_VLM_RETRIES", cls.retries),
            "prompt_language": env("PROMPTOCR_VLM_PROMPT_LANGUAGE") or cls.prompt_language,
            "request_logprobs": (env("PROMPTOCR_VLM_LOGPROBS") or "1").lower()
            not in ("0", "false", "no"),
            "stream": (env("PROMPTOCR_VLM_STREAM") or "1").lower() not in ("0", "false", "no"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass
class Generation:
    """One raw completion from the model."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"  # "stop" or "length" (hit max_tokens)
    confidence: float | None = None  # exp(mean token log-probability), when known
    token_logprobs: list[tuple[str, float]] | None = None  # (token text, log-probability)
    attempts: int = 1


@dataclass
class VLMOutput:
    """A parsed HunyuanOCR answer for one page.

    `document` is set for spotting (lines with pixel boxes), `fields` for extraction,
    `markdown` for parsing/translation/formula/chart/subtitles/read; `text` is always the
    (repetition-trimmed) completion.
    """

    task: str
    prompt: str
    text: str
    document: Page | None = None
    fields: dict[str, Any] | None = None
    markdown: str | None = None
    repetition_trimmed: bool = False
    parse_error: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "prompt": self.prompt,
            "text": self.text,
            "document": self.document.to_dict() if self.document is not None else None,
            "fields": self.fields,
            "markdown": self.markdown,
            "repetition_trimmed": self.repetition_trimmed,
            "parse_error": self.parse_error,
            "usage": dict(self.usage),
        }


class VLMEngine(ABC):
    """A HunyuanOCR engine. Subclasses implement `generate`; `run` is shared."""

    name = "vlm"
    backend = "base"

    def __init__(self, settings: VLMSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()

    @abstractmethod
    def generate(self, image: np.ndarray, prompt: str, *, max_tokens: int) -> Generation:
        """Send one RGB uint8 image and one instruction; return the raw completion."""

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "backend": self.backend, "model": self.settings.model}

    def run(
        self,
        image: np.ndarray,
        task: str,
        prompt: str | None = None,
        *,
        arguments: dict[str, Any] | None = None,
        page_index: int = 0,
        width: int | None = None,
        height: int | None = None,
        source: str | None = None,
        usage: Usage | None = None,
        max_tokens: int | None = None,
    ) -> VLMOutput:
        """Run `task` on one page image and parse the answer.

        `prompt` is sent verbatim when given (an official prompt the user typed, or a free
        question); otherwise the official prompt for `task` and `arguments` is used. `width`
        and `height` are the page's pixel size that 0-1000 coordinates map back to (defaults:
        the image's own size).
        """
        args = dict(arguments or {})
        text_prompt = prompt or official_prompt(task, args, language=self.settings.prompt_language)
        h, w = image.shape[:2]
        width = width or int(w)
        height = height or int(h)
        limit = max(1, min(max_tokens or self.settings.max_tokens, self.settings.max_tokens))
        t0 = time.perf_counter()
        try:
            gen = self.generate(image, text_prompt, max_tokens=limit)
        except PromptOCRError as exc:
            VLM_REQUESTS.labels(self.backend, task, exc.code).inc()
            raise
        finally:
            elapsed = time.perf_counter() - t0
            VLM_SECONDS.labels(self.backend).observe(elapsed)
            if usage is not None:
                usage.add("vlm", elapsed * 1000.0)
        VLM_REQUESTS.labels(self.backend, task, "ok").inc()

        hit_limit = gen.finish_reason in ("length", "repetition")
        text, trimmed = vlm_parse.trim_repetition(gen.text, hit_limit=hit_limit)
        out = VLMOutput(task=task, prompt=text_prompt, text=text, repetition_trimmed=trimmed)
        conf = gen.confidence if gen.confidence is not None else self.settings.line_confidence
        try:
            self._interpret(out, args, page_index, width, height, source, conf)
        except vlm_parse.ParseError as exc:
            out.parse_error = str(exc)
        out.usage = {
            **self.describe(),
            "prompt_tokens": gen.prompt_tokens,
            "completion_tokens": gen.completion_tokens,
            "finish_reason": gen.finish_reason,
            "ms": round(elapsed * 1000.0, 2),
            "attempts": gen.attempts,
            "repetition_trimmed": trimmed,
            "confidence": round(gen.confidence, 4) if gen.confidence is not None else None,
        }
        if usage is not None:
            if trimmed:
                usage.notes.append("vlm: degenerate repetition at the end of the answer trimmed")
            if gen.finish_reason == "repetition":
                usage.notes.append("vlm: stopped reading the answer early: it was looping")
            elif hit_limit:
                usage.notes.append(f"vlm: answer cut at max_tokens={limit}")
            if out.parse_error:
                usage.notes.append(f"vlm: {out.parse_error}")
        return out

    def _interpret(
        self,
        out: VLMOutput,
        args: dict[str, Any],
        page_index: int,
        width: int,
        height: int,
        source: str | None,
        confidence: float,
    ) -> None:
        task = out.task
        if task == "spot":
            items = vlm_parse.parse_spotting(out.text)
            out.document = vlm_parse.page_from_spots(
                items, page_index, width, height, confidence=confidence, source=source
            )
            out.markdown = "\n".join(it.text for it in items)
        elif task == "extract":
            fields = [str(f) for f in args.get("fields") or []]
            if args.get("format") == "value" and len(fields) == 1:
                out.fields = {fields[0]: vlm_parse.clean_value(out.text)}
            else:
                out.fields = vlm_parse.parse_fields(out.text, fields)
        else:
            out.markdown = vlm_parse.clean_markdown(out.text)
