"""`settings.text_source` on `POST /v1/ocr`, against a running server."""

from __future__ import annotations

import base64

from server_helpers import RunningServer

from promptocr import synth


def test_text_source_setting(server: RunningServer) -> None:
    pdf = synth.write_pdf(
        [synth.PdfPage(texts=[(60, 60, 14, "Born digital page text"), (60, 90, 12, "Second")])]
    )
    b64 = base64.b64encode(pdf).decode()
    with server.client() as c:
        auto = c.post("/v1/ocr", json={"image": b64, "dpi": 100})
        ocr = c.post("/v1/ocr", json={"image": b64, "dpi": 100, "settings": {"text_source": "ocr"}})
        bad = c.post("/v1/ocr", json={"image": b64, "settings": {"text_source": "guess"}})
    assert auto.status_code == 200, auto.text
    body = auto.json()
    assert body["document"]["text"] == "Born digital page text\nSecond"
    assert body["usage"]["skipped"]["recognize"] == "ocr skipped: text layer"
    (stage,) = [s for s in body["plan"]["stages"] if s["name"] == "ocr"]
    assert stage == {"name": "ocr", "runs": False, "reason": "ocr skipped: text layer"}
    line = body["document"]["pages"][0]["blocks"][0]["lines"][0]
    assert line["origin"] == "pdf_text" and line["confidence"] == 1.0
    assert ocr.status_code == 200, ocr.text
    assert "recognize" in ocr.json()["usage"]["stages_ms"]
    assert "origin" not in ocr.json()["document"]["pages"][0]["blocks"][0]["lines"][0]
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"
