"""OCR engines: the embedded CPU engine (default) and, optionally, a VLM."""

from promptocr.engines.embedded import EmbeddedEngine, EngineSettings
from promptocr.engines.usage import Usage

__all__ = ["EmbeddedEngine", "EngineSettings", "Usage"]
