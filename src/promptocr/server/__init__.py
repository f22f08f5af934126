"""The HTTP service: native `/v1/ocr`, OpenAI-compatible `/v1/chat/completions`, auth, limits,
a bounded work queue, Prometheus metrics. Start it with `promptocr serve` (docs/deploy.md)."""

from promptocr.server.app import create_app
from promptocr.server.settings import ConfigError, ServerSettings, load_settings

__all__ = ["ConfigError", "ServerSettings", "create_app", "load_settings"]
