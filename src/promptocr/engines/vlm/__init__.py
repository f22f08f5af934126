"""Optional HunyuanOCR engines: a remote OpenAI-compatible server (vLLM, llama.cpp's
llama-server) or a local transformers checkpoint. See docs/vlm.md.

`make_engine(settings)` returns the configured engine, or None when none is configured, so a
CPU-only install keeps working without torch or a GPU.
"""

from __future__ import annotations

from promptocr.engines.vlm.base import (
    Generation,
    UpstreamError,
    UpstreamUnavailableError,
    VLMConfigError,
    VLMEngine,
    VLMOutput,
    VLMSettings,
)
from promptocr.engines.vlm.prompts import official_prompt

__all__ = [
    "Generation",
    "UpstreamError",
    "UpstreamUnavailableError",
    "VLMConfigError",
    "VLMEngine",
    "VLMOutput",
    "VLMSettings",
    "make_engine",
    "official_prompt",
]


def make_engine(settings: VLMSettings | None = None) -> VLMEngine | None:
    """The engine `settings` (default: PROMPTOCR_VLM_* environment) describe, or None."""
    s = settings or VLMSettings.from_env()
    if not s.configured:
        return None
    if s.backend == "transformers":
        from promptocr.engines.vlm.local import TransformersVLMEngine

        return TransformersVLMEngine(s)
    if s.backend == "remote":
        from promptocr.engines.vlm.remote import RemoteVLMEngine

        return RemoteVLMEngine(s)
    raise VLMConfigError(f"unknown VLM backend {s.backend!r} (use 'remote' or 'transformers')")
