"""The page cache: hits across calls, and identity (page index, source) taken from the caller."""

from __future__ import annotations

from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage
from promptocr.pipeline import OCRPipeline
from promptocr.synth import receipt


def test_cached_page_keeps_the_callers_index_and_source(pipeline: OCRPipeline) -> None:
    import numpy as np

    pixels = np.asarray(receipt().image)
    first = pipeline.read_pages([PageImage(0, pixels, "a.png")], Usage())
    usage = Usage()
    again = pipeline.read_pages([PageImage(3, pixels, "b.pdf")], usage)
    assert usage.cache["hits"] == 1
    assert again.pages[0].index == 3
    assert again.pages[0].source == "b.pdf"
    assert again.pages[0].text == first.pages[0].text
    assert "detect" in usage.skipped
