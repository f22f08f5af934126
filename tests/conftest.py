"""Shared fixtures: one engine per test session (models load once), synthetic pages."""

from __future__ import annotations

import pytest

from promptocr.engines.embedded import EmbeddedEngine
from promptocr.pipeline import OCRPipeline


@pytest.fixture(scope="session")
def engine() -> EmbeddedEngine:
    e = EmbeddedEngine()
    e.warm_up()
    return e


@pytest.fixture()
def pipeline(engine: EmbeddedEngine) -> OCRPipeline:
    """A pipeline with a fresh cache around the shared engine."""
    return OCRPipeline(engine)
