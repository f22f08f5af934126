"""Native API `POST /v1/ocr` against a running server: both upload styles, options, every refusal."""

from __future__ import annotations

import base64
import io

import httpx
import numpy as np
from PIL import Image
from server_helpers import RunningServer, pdf_bytes, png_bytes

from promptocr import synth


def _error(r: object, status: int, code: str) -> dict[str, object]:
    import httpx

    assert isinstance(r, httpx.Response)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert {"code", "message", "source"} <= set(err) <= {"code", "message", "source", "param"}
    assert err["code"] == code
    assert isinstance(err["message"], str) and err["message"]
    assert r.headers["x-request-id"]
    return err


def test_multipart_upload_reads_the_receipt(server: RunningServer, receipt_png: bytes) -> None:
    with server.client() as c:
        r = c.post(
            "/v1/ocr",
            files={"file": ("receipt.png", receipt_png, "image/png")},
            data={"prompt": "read all the text"},
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == r.headers["x-request-id"]
    assert {"task", "plan", "usage", "document", "output", "content"} <= set(body)
    assert body["plan"]["task"] == body["task"]
    assert "TOTAL" in body["content"] and "13.50" in body["content"]
    assert body["document"]["source"] == "receipt.png"
    assert body["usage"]["pages"] == 1
    assert body["usage"]["stages_ms"]["recognize"] > 0


def test_json_base64_and_data_url(server: RunningServer, line_png: bytes) -> None:
    b64 = base64.b64encode(line_png).decode()
    with server.client() as c:
        plain = c.post("/v1/ocr", json={"image": b64, "prompt": "read", "filename": "line.png"})
        data_url = c.post("/v1/ocr", json={"image": f"data:image/png;base64,{b64}"})
    for r in (plain, data_url):
        assert r.status_code == 200, r.text
        assert "INVOICE" in r.json()["content"]
    assert plain.json()["document"]["source"] == "line.png"
    # the same pixels a second time come from the shared cache
    assert data_url.json()["usage"]["cache"]["hits"] == 1


def test_pdf_page_selection_and_output_format(server: RunningServer) -> None:
    pdf = pdf_bytes(["FIRST PAGE ALPHA", "SECOND PAGE BRAVO"])
    with server.client() as c:
        r = c.post(
            "/v1/ocr",
            files={"file": ("doc.pdf", pdf, "application/pdf")},
            data={"pages": "2", "output_format": "markdown", "dpi": "150"},
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert "BRAVO" in body["content"] and "ALPHA" not in body["content"]
    assert [p["index"] for p in body["document"]["pages"]] == [1]


def test_engine_settings_from_the_client(server: RunningServer, receipt_png: bytes) -> None:
    b64 = base64.b64encode(receipt_png).decode()
    with server.client() as c:
        ok = c.post(
            "/v1/ocr",
            json={"image": b64, "settings": {"det_side_len": 960, "page_orientation": False}},
        )
        bad = c.post("/v1/ocr", json={"image": b64, "settings": {"det_side_len": 99999}})
        unknown = c.post("/v1/ocr", json={"image": b64, "settings": {"gpu": True}})
    assert ok.status_code == 200, ok.text
    assert "page_orientation" in ok.json()["usage"]["skipped"]
    _error(bad, 400, "invalid_request")
    _error(unknown, 400, "invalid_request")


def test_request_format_errors(server: RunningServer, line_png: bytes) -> None:
    with server.client() as c:
        _error(
            c.post("/v1/ocr", content=line_png, headers={"content-type": "image/png"}),
            415,
            "unsupported_media_type",
        )
        _error(
            c.post("/v1/ocr", content=b"{not json", headers={"content-type": "application/json"}),
            400,
            "invalid_request",
        )
        _error(c.post("/v1/ocr", json={"image": "@@not base64@@"}), 400, "invalid_request")
        _error(c.post("/v1/ocr", json={"prompt": "read"}), 400, "invalid_request")
        _error(
            c.post("/v1/ocr", json={"image": "aGVsbG8=", "url": "https://example.com/a.png"}),
            400,
            "invalid_request",
        )
        _error(
            c.post("/v1/ocr", data={"prompt": "read"}, files={"other": ("x", b"1")}),
            400,
            "invalid_request",
        )
        _error(c.post("/v1/ocr", json={"image": "aGVsbG8=", "dpi": 5000}), 400, "invalid_request")
        _error(c.get("/v1/ocr"), 405, "method_not_allowed")
        _error(c.get("/v1/nothing-here"), 404, "not_found")


def test_bad_images_and_pdfs(server: RunningServer, receipt_png: bytes) -> None:
    def send(data: bytes, name: str = "f.bin") -> object:
        with server.client() as c:
            return c.post("/v1/ocr", files={"file": (name, data)})

    err = _error(
        send(b"hello, this is not an image at all", "notes.txt"), 415, "unsupported_format"
    )
    assert err["source"] == "notes.txt"
    _error(send(receipt_png[: len(receipt_png) // 3], "cut.png"), 400, "invalid_input")
    _error(send(b"%PDF-1.7\n1 0 obj <<>> garbage", "broken.pdf"), 400, "invalid_input")
    _error(send(b"", "empty.png"), 400, "invalid_input")
    pdf = pdf_bytes(["ONE", "TWO"])
    with server.client() as c:
        r = c.post("/v1/ocr", files={"file": ("d.pdf", pdf)}, data={"pages": "7"})
    _error(r, 400, "invalid_page_range")


def test_limits(server: RunningServer) -> None:
    # pixels per page: the server allows 4,000,000
    big = Image.fromarray(np.full((2100, 2000, 3), 255, dtype=np.uint8))
    buf = io.BytesIO()
    big.save(buf, format="JPEG", quality=30)
    with server.client() as c:
        err = _error(
            c.post("/v1/ocr", files={"file": ("big.jpg", buf.getvalue())}), 413, "input_too_large"
        )
        assert "pixels" in str(err["message"])
        # pages per request: the server allows 3
        r = c.post("/v1/ocr", files={"file": ("long.pdf", pdf_bytes(["A", "B", "C", "D"]))})
        assert "4 pages" in str(_error(r, 413, "input_too_large")["message"])
        # body size: the server allows 3,000,000 bytes
        blob = np.random.default_rng(0).integers(0, 255, 3_100_000, dtype=np.uint8).tobytes()
        _error(c.post("/v1/ocr", files={"file": ("huge.png", blob)}), 413, "request_too_large")

        # ... also when the client streams the body without a Content-Length
        def chunks() -> object:
            for _ in range(40):
                yield b"x" * 100_000

        r = c.post("/v1/ocr", content=chunks(), headers={"content-type": "application/json"})
        _error(r, 413, "request_too_large")


def test_per_request_timeout(server: RunningServer, receipt_png: bytes) -> None:
    page = Image.open(io.BytesIO(receipt_png))
    # a page the cache has not seen, so real OCR work is needed
    page = page.rotate(1, expand=True, fillcolor="white")
    with server.client() as c:
        r = c.post(
            "/v1/ocr", files={"file": ("r.png", png_bytes(page))}, data={"timeout_s": "0.001"}
        )
    _error(r, 504, "timeout")


def test_url_fetching_is_off_by_default(server: RunningServer) -> None:
    with server.client() as c:
        r = c.post("/v1/ocr", json={"url": "https://example.com/receipt.png"})
    assert "disabled" in str(_error(r, 400, "url_fetch_disabled")["message"])


def test_engine_choice_per_request(server: RunningServer, line_png: bytes) -> None:
    """`engine` picks the engine: embedded works, vlm without one configured is a clear 501."""
    with server.client() as c:
        ok = c.post(
            "/v1/ocr",
            files={"file": ("line.png", line_png, "image/png")},
            data={"prompt": "read the text", "engine": "embedded"},
        )
        assert ok.status_code == 200, ok.text
        vlm = c.post(
            "/v1/ocr",
            files={"file": ("line.png", line_png, "image/png")},
            data={"prompt": "read the text", "engine": "vlm"},
        )
        bogus = c.post(
            "/v1/ocr",
            files={"file": ("line.png", line_png, "image/png")},
            data={"prompt": "read the text", "engine": "gpt"},
        )
    assert vlm.status_code == 501, vlm.text
    assert vlm.json()["error"]["code"] == "engine_unavailable"
    assert "PROMPTOCR_VLM_URL" in vlm.json()["error"]["message"]
    assert bogus.status_code == 400, bogus.text
    assert bogus.json()["error"]["code"] == "invalid_engine"


def _post_drawn(
    server: RunningServer,
    rows: list[tuple[str, int, int]],
    size: tuple[int, int],
    font: int,
    prompt: str,
) -> httpx.Response:
    """POST to /v1/ocr a page drawn with real fonts from (text, x, y) rows, with `prompt`."""
    from promptocr import synth

    c = synth.Canvas(*size)
    for text, x, y in rows:
        c.text((x, y), text, size=font)
    with server.client() as client:
        return client.post(
            "/v1/ocr",
            files={"file": ("page.png", png_bytes(c.image), "image/png")},
            data={"prompt": prompt},
        )


def test_extract_everything_reads_a_label_set_with_wide_spacing(server: RunningServer) -> None:
    # `提取所有字段` over HTTP: the label `名　　称：` read as two runs (`名`, `称：济南…`) comes
    # back whole, as `名称` (it came back as `称`), with its value's box
    rows = [
        ("名", 60, 60),
        ("称：", 180, 60),
        ("济南市达盛网络技术有限公司", 260, 60),
        ("纳税人识别号：", 60, 140),
        ("172356673429821", 260, 140),
    ]
    r = _post_drawn(server, rows, (1000, 300), 28, "提取所有字段")
    assert r.status_code == 200, r.text
    out = r.json()["output"]
    assert out["fields"]["名称"] == "济南市达盛网络技术有限公司"
    assert out["fields"]["纳税人识别号"] == "172356673429821"
    assert "称" not in out["fields"]
    box = out["details"]["名称"]["bbox"]
    assert box is not None and 200 < box[0] < 260 < 600 < box[2]  # the value, not the label


def test_extract_everything_pairs_a_row_of_labels_each_over_its_value(
    server: RunningServer,
) -> None:
    # "extract all key-value pairs" over HTTP on a form that prints two labels side by side,
    # each over its entry: each label comes back with its own entry (the first label used to
    # come back with the second label as its value; tests/tasks/test_extract_everything.py)
    rows = [
        ("APPLICATION FOR EMPLOYMENT", 60, 30),
        ("Full Name", 60, 110),
        ("Position Applied For", 600, 110),
        ("Odalys Brennan-Foyle", 60, 145),
        ("Senior Land Surveyor", 600, 145),
        ("Email Address", 60, 215),
        ("Phone", 600, 215),
        ("o.brennan@post.example", 60, 250),
        ("(608) 555-0193", 600, 250),
    ]
    r = _post_drawn(server, rows, (1100, 330), 26, "extract all key-value pairs")
    assert r.status_code == 200, r.text
    fields = r.json()["output"]["fields"]
    assert fields.get("Full Name") == "Odalys Brennan-Foyle", fields
    assert fields.get("Position Applied For") == "Senior Land Surveyor", fields
    assert fields.get("Phone") == "(608) 555-0193", fields


def test_fields_asked_in_a_users_own_words(server: RunningServer) -> None:
    # over HTTP, keys worded otherwise than printed (abbreviated, reordered, a slash kept in
    # the label) and a field named like a task ("position") come back as extractions
    rows = [
        ("P.O. #:", 60, 40),
        ("PO-77341", 340, 40),
        ("Order Date:", 60, 100),
        ("03/14/2025", 340, 100),
        ("Supervisor/Manager:", 60, 160),
        ("Dana Whitfield", 340, 160),
        ("Position:", 60, 220),
        ("Buyer II", 340, 220),
    ]
    prompt = "Extract the purchase order number, date of order, Supervisor/Manager and the position"
    r = _post_drawn(server, rows, (1000, 360), 26, prompt)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["task"] == "extract"
    assert body["output"]["fields"] == {
        "purchase order number": "PO-77341",
        "date of order": "03/14/2025",
        "Supervisor/Manager": "Dana Whitfield",
        "position": "Buyer II",
    }


def test_a_form_answers_from_its_check_boxes(server: RunningServer) -> None:
    # the extract plan runs the `checkboxes` stage: a question's value is its row of options,
    # `normalized` the ticked one
    with httpx.Client(base_url=server.url, timeout=120) as c:
        r = c.post(
            "/v1/ocr",
            data={"prompt": 'Extract the content of the fields: ["Route of administration"]'},
            files={"file": ("form.png", png_bytes(synth.checkbox_form().image), "image/png")},
        )
    assert r.status_code == 200, r.text
    body = r.json()
    field = body["output"]["details"]["Route of administration"]
    assert field["value"] == "☐ Oral ☑ Injection ☐ Inhalation" and field["type"] == "choice"
    assert field["normalized"] == ["Injection"]
    assert body["usage"]["checkboxes"] == {"found": 6, "ticked": 2}
