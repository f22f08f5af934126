"""Pages flow one at a time: decoding, OCR and the task never hold every page's pixels
(a page costs a few transient copies of itself: RGB, BGR for the models, the blank check)."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from promptocr import synth
from promptocr.cancel import CancelledError, CancelToken
from promptocr.errors import InputTooLargeError
from promptocr.inputs.loader import InputLimits, load_pages, open_pages, to_rgb
from promptocr.pipeline import OCRPipeline
from promptocr.tasks import Service

SIDE = 1500  # px per blank page side: 6.75 MB of RGB each


def blank_pdf(n: int, side_px: int = SIDE, dpi: int = 200) -> bytes:
    pt = side_px * 72.0 / dpi
    return synth.write_pdf([synth.PdfPage(width_pt=pt, height_pt=pt) for _ in range(n)])


def traced_peak(fn: object) -> int:
    tracemalloc.start()
    try:
        fn()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_open_pages_checks_everything_before_decoding() -> None:
    limits = InputLimits(max_total_pixels=5 * SIDE * SIDE)
    with pytest.raises(InputTooLargeError, match="add up to"):
        open_pages(blank_pdf(6), limits=limits)
    stream = open_pages(blank_pdf(5), limits=limits, pages="2-4")
    assert (stream.total, stream.count, stream.selected) == (5, 3, [1, 2, 3])
    assert [p.index for p in stream] == [1, 2, 3]


def test_service_holds_one_page_at_a_time(pipeline: OCRPipeline) -> None:
    data = blank_pdf(12)
    page_bytes = SIDE * SIDE * 3
    service = Service(pipeline, vlm=None)
    all_at_once = traced_peak(lambda: load_pages(data))
    streamed = traced_peak(lambda: service.run(data, "read the text"))
    assert all_at_once > 10 * page_bytes
    assert streamed < 5 * page_bytes, f"peak {streamed / 1e6:.0f} MB for 12 pages"


def test_cancel_stops_between_pages(pipeline: OCRPipeline) -> None:
    texts = [synth.text_image(f"PAGE {n} OF MANY", size=30).image for n in range(6)]
    data = synth.pdf_from_images(texts)
    token = CancelToken()
    seen: list[int] = []

    def on_page(page: object, done: int, total: int) -> None:
        seen.append(done)
        if done == 2:
            token.cancel("test")

    with pytest.raises(CancelledError, match="test"):
        Service(pipeline, vlm=None).run(data, "read", cancel=token, on_page=on_page)
    assert seen == [1, 2]


def test_wide_images_convert_without_a_float64_page(tmp_path: Path) -> None:
    h, w = 1200, 2000
    ramp = (np.arange(w, dtype=np.uint32) * 65535 // (w - 1)).astype(np.uint16)
    img16 = Image.fromarray(np.tile(ramp, (h, 1)))
    assert img16.mode.startswith("I;16")
    peak = traced_peak(lambda: to_rgb(img16))
    assert peak < 8 * h * w, f"{peak / (h * w):.1f} bytes per pixel"
    out = np.asarray(to_rgb(img16))
    assert out.dtype == np.uint8 and out.shape == (h, w, 3)
    assert out[0, 0, 0] == 0 and out[0, -1, 0] == 255
    assert abs(int(out[0, w // 2, 0]) - round(int(ramp[w // 2]) / 257)) <= 1
    flt = Image.fromarray(np.tile(np.linspace(0, 1, w, dtype=np.float32), (h, 1)), "F")
    f8 = np.asarray(to_rgb(flt))
    assert f8[0, 0, 0] == 0 and f8[0, -1, 0] == 255
    buf = io.BytesIO()
    img16.save(buf, format="TIFF")
    pages = load_pages(buf.getvalue())
    assert pages[0].image.shape == (h, w, 3)
