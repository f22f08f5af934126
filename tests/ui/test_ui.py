"""The web page at /ui, driven in headless Chromium against a real `promptocr serve` process.

Every run goes through the real page (file input, task chips, Run button), the real HTTP API and
the real ONNX models; the assertions read what the page shows: text, boxes drawn over the page,
the JSON view, rendered Markdown, downloads, and error messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from promptocr.synth import english_page, numbered_page, pdf_from_images

READ_LINES = ["Quarterly report 2024", "季度报告：收入增长", "Contact: sales@example.com"]


@pytest.fixture()
def page(browser: Any, server: Any) -> Iterator[Any]:
    ctx = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="en-US", accept_downloads=True
    )
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # A Content-Security-Policy violation is reported on the console.
    pg.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    pg.goto(server.url + "/ui/")
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def snap(pg: Any, path: Path, full_page: bool = False) -> None:
    """Screenshot from the top of the page, re-saved with a 256-colour palette so the committed
    PNGs stay small."""
    pg.evaluate("window.scrollTo(0, 0)")
    pg.wait_for_timeout(100)
    pg.screenshot(path=str(path), full_page=full_page)
    with Image.open(path) as img:
        quantized = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    quantized.save(path, optimize=True)


def run_and_wait(pg: Any) -> None:
    pg.click("#run")
    pg.wait_for_selector("#downloads:not([hidden]), #error:not([hidden])", timeout=180_000)


def shown_json(pg: Any) -> dict[str, Any]:
    """The whole response as the JSON tab shows it (behind its "full response" toggle)."""
    pg.click('.tab[data-tab="json"]')
    if pg.get_attribute("#json-full", "aria-pressed") != "true":
        pg.click("#json-full")
    data: dict[str, Any] = json.loads(pg.inner_text("#json-view"))
    return data


def test_read_an_uploaded_image(page: Any, tmp_path: Path, shots: Path) -> None:
    img = tmp_path / "report.png"
    english_page(lines=READ_LINES).save(img)
    page.set_input_files("#file", str(img))
    page.wait_for_selector("#stage:not([hidden])")
    assert page.inner_text("#file-name") == "report.png"
    page.click('[data-task="read"]')
    assert page.input_value("#prompt") == "Extract the text in the image."
    run_and_wait(page)
    assert page.is_hidden("#error")
    # One box per recognised line, drawn over the page.
    assert page.locator("#overlay polygon.line").count() == len(READ_LINES)
    page.wait_for_timeout(200)
    snap(page, shots / "ui_read.png")
    page.click('.tab[data-tab="text"]')
    text = page.inner_text("#text-view")
    for line in READ_LINES:
        assert line in text
    data = shown_json(page)
    assert data["task"] == "read"
    assert data["document"]["pages"][0]["width"] == english_page(lines=READ_LINES).image.width
    assert "decode" in data["usage"]["stages_ms"]
    # The plan and the per-stage timings are on the page too.
    page.click('.tab[data-tab="run"]')
    assert page.locator('#run-view .bar-row[data-stage="decode"]').count() == 1
    assert page.locator("#run-view .steps li").count() == len(data["plan"]["stages"])


def test_spot_boxes_show_text_and_confidence_on_hover(page: Any, shots: Path) -> None:
    page.click('[data-example="street_sign"]')
    page.wait_for_selector("#stage:not([hidden])")
    assert page.get_attribute('[data-task="spot"]', "aria-checked") == "true"
    assert "text coordinates" in page.input_value("#prompt")
    run_and_wait(page)
    assert page.is_hidden("#error")
    # the task badge is in the page's language; the task's own name is kept as an attribute
    assert page.inner_text("#summary .badge.task") == "Text + boxes"
    assert page.get_attribute("#summary .badge.task", "data-task") == "spot"
    data = shown_json(page)
    lines = [ln for b in data["document"]["pages"][0]["blocks"] for ln in b["lines"]]
    assert lines, "no line found on the street sign"
    page.click('.tab[data-tab="page"]')
    boxes = page.locator("#overlay polygon.line")
    assert boxes.count() == len(lines)
    # Boxes sit where the lines are: the drawn polygon is the JSON geometry.
    first = lines[0]
    drawn = boxes.first.get_attribute("points")
    assert drawn == " ".join(f"{x},{y}" for x, y in first["polygon"])
    boxes.first.hover()
    tip = page.locator("#tooltip")
    tip.wait_for(state="visible")
    assert first["text"] in tip.inner_text()
    assert re.search(r"confidence \d+(\.\d)?%", tip.inner_text())
    snap(page, shots / "ui_spot.png")
    # The Lines tab lists every line with its confidence and box.
    page.click('.tab[data-tab="lines"]')
    rows = page.locator("#lines-view tbody tr")
    assert rows.count() == len(data["output"]["lines"])
    assert rows.first.locator("td").nth(1).inner_text() == data["output"]["lines"][0]["text"]


def test_extract_fields_from_the_id_card_example(page: Any, shots: Path) -> None:
    page.click('[data-example="id_card"]')
    page.wait_for_selector("#stage:not([hidden])")
    assert page.get_attribute('[data-task="extract"]', "aria-checked") == "true"
    prompt = page.input_value("#prompt")
    assert "'公民身份号码'" in prompt and prompt.startswith("Extract the content of the fields:")
    run_and_wait(page)
    assert page.is_hidden("#error")
    # The answer first: the Fields tab is the one open after an extraction.
    assert page.get_attribute('.tab[data-tab="fields"]', "aria-selected") == "true"
    snap(page, shots / "ui_fields.png")
    # Value boxes labelled with the field name are drawn over the card.
    page.click('.tab[data-tab="page"]')
    tags = page.locator("#overlay .field-tag text")
    labels = {tags.nth(i).inner_html() for i in range(tags.count())}
    assert {"姓名", "公民身份号码"} <= labels
    assert page.locator("#overlay polygon.field").count() >= 2
    page.locator("#overlay polygon.field").first.hover()
    page.locator("#tooltip").wait_for(state="visible")
    page.mouse.move(5, 5)
    page.wait_for_timeout(200)
    snap(page, shots / "ui_extract.png")
    page.click('.tab[data-tab="fields"]')
    row = page.locator('#fields-view tr[data-field="公民身份号码"]')
    assert row.locator(".fvalue").inner_text() == "110108199003071238"
    assert row.locator(".check").inner_text() == "✓ ID number check digit"
    name = page.locator('#fields-view tr[data-field="姓名"]')
    assert name.locator(".fvalue").inner_text() == "李明华"
    # A name has no check behind it: no badge (the server says valid=true: it was found).
    assert name.locator(".check").inner_text() == ""
    data = shown_json(page)
    # the confidence cell's tooltip gives its two parts (the link's and the reading's)
    parts = name.locator("td.num").get_attribute("title") or ""
    detail = data["output"]["details"]["姓名"]
    assert "read_confidence" in detail
    assert re.fullmatch(r"(link \d+(\.\d)?% × )?read \d+(\.\d)?%", parts), parts
    assert data["task"] == "extract"
    assert data["output"]["fields"]["公民身份号码"] == "110108199003071238"
    # What ran and what was skipped, with the reasons.
    page.click('.tab[data-tab="run"]')
    skipped = data["usage"]["skipped"]
    assert "layout" in skipped
    layout = page.locator('#run-view .steps li[data-stage="layout"]')
    assert "skips" in (layout.get_attribute("class") or "")
    assert (
        page.locator('#run-view .skipped li[data-stage="layout"]')
        .inner_text()
        .endswith(skipped["layout"])
    )
    snap(page, shots / "ui_plan.png")


def test_parse_renders_markdown_with_a_table(page: Any, shots: Path) -> None:
    page.click('[data-example="two_column"]')
    page.wait_for_selector("#stage:not([hidden])")
    assert page.get_attribute('[data-task="parse"]', "aria-checked") == "true"
    run_and_wait(page)
    assert page.is_hidden("#error")
    assert page.locator("#overlay polygon.block").count() >= 3
    page.click('.tab[data-tab="markdown"]')
    md = page.locator("#md-view .md-body")
    assert "Reading Documents on a CPU" in md.locator("h1").first.inner_text()
    cells = md.locator("table td, table th")
    texts = [cells.nth(i).inner_text().strip() for i in range(cells.count())]
    assert "PP-OCRv6 det" in texts and "240" in texts
    assert "left column" in md.inner_text()
    page.wait_for_timeout(200)
    snap(page, shots / "ui_parse.png")
    # The source view shows the Markdown itself.
    page.click("#md-view .seg:nth-child(2)")
    assert page.inner_text("#md-view .md-source").startswith("# ")


def test_parse_shows_the_cut_out_figures_inline(page: Any, tmp_path: Path) -> None:
    from promptocr.synth_docs import paper

    img = tmp_path / "paper.png"
    paper("en", width=1100, size=17).canvas.image.save(img)
    page.set_input_files("#file", str(img))
    page.wait_for_selector("#stage:not([hidden])")
    page.click('[data-task="parse"]')
    run_and_wait(page)
    assert page.is_hidden("#error")
    page.click('.tab[data-tab="markdown"]')
    fig = page.locator("#md-view .md-body img.md-figure")
    assert fig.count() == 1
    assert fig.get_attribute("title") == "page-1-figure-1.png"
    assert fig.get_attribute("src").startswith("data:image/png;base64,")
    # the image decoded (a broken data URL has no natural size)
    assert fig.evaluate("el => el.complete && el.naturalWidth") > 200
    # a reference to anything else shows its alt text, nothing is loaded
    html = page.evaluate(
        """() => PromptMarkdown.render('![chart](https://example.com/x.png) ![f](a.png)',
            {images: {'a.png': 'javascript:alert(1)'}})"""
    )
    assert "<img" not in html and "javascript" not in html and "example.com" not in html
    assert 'md-figure-missing">chart<' in html


def test_downloads(page: Any, tmp_path: Path) -> None:
    page.click('[data-example="receipt"]')
    page.wait_for_selector("#stage:not([hidden])")
    page.click('[data-task="read"]')
    run_and_wait(page)
    with page.expect_download() as dl:
        page.click('[data-dl="json"]')
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    assert path.name == "receipt.read.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "GREEN LEAF TRADING" in data["document"]["text"]
    with page.expect_download() as dl:
        page.click('[data-dl="txt"]')
    assert "TOTAL" in Path(dl.value.path()).read_text(encoding="utf-8")
    # hOCR comes from the server's exporter: the page asks /v1/ocr for output_format=hocr.
    with page.expect_download() as dl, page.expect_response("**/v1/ocr") as resp:
        page.click('[data-dl="hocr"]')
    assert resp.value.ok and "ocr_page" in resp.value.json()["content"]
    hocr = Path(dl.value.path()).read_text(encoding="utf-8")
    assert dl.value.suggested_filename.endswith(".hocr")
    assert "ocr_page" in hocr and "ocr_line" in hocr and "13.50" in hocr
    with page.expect_download() as dl:
        page.click('[data-dl="md"]')
    assert "GREEN LEAF TRADING" in Path(dl.value.path()).read_text(encoding="utf-8")


def test_corrupt_file_shows_a_clear_error(page: Any, tmp_path: Path, shots: Path) -> None:
    good = tmp_path / "good.png"
    english_page(lines=READ_LINES).save(good)
    bad = tmp_path / "scan.png"
    bad.write_bytes(good.read_bytes()[:400])  # a truncated PNG
    page.set_input_files("#file", str(bad))
    page.click('[data-task="read"]')
    run_and_wait(page)
    err = page.locator("#error")
    assert err.is_visible()
    assert err.get_attribute("data-code") == "invalid_input"
    assert page.inner_text("#error-title") == "The file could not be read"
    assert "scan.png" in page.inner_text("#error-msg")
    assert "Traceback" not in err.inner_text()
    assert page.is_hidden("#stage") and "No preview" in page.inner_text("#placeholder")
    snap(page, shots / "ui_error.png")


def test_unknown_instruction_and_translation_without_a_language_model(page: Any) -> None:
    page.click('[data-example="receipt"]')
    page.wait_for_selector("#stage:not([hidden])")
    page.click('[data-task="custom"]')
    page.fill("#prompt", "qwertz uiop asdfg")
    run_and_wait(page)
    assert page.get_attribute("#error", "data-code") == "unknown_instruction"
    assert page.inner_text("#error-title") == "The instruction was not understood"
    page.click('[data-task="translate"]')
    assert "translate the text content into" in page.input_value("#prompt")
    run_and_wait(page)
    assert page.get_attribute("#error", "data-code") == "engine_unavailable"
    assert page.inner_text("#error-title") == "This needs a language-model engine"
    # The text the CPU engine did recognise is still offered.
    page.click("#error-text summary")
    assert "GREEN LEAF TRADING" in page.inner_text("#error-text pre")


def test_pdf_page_selector(page: Any, shots: Path) -> None:
    pdf = pdf_from_images([numbered_page(1).image, numbered_page(2).image], dpi=150)
    page.set_input_files(
        "#file", files=[{"name": "two.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.wait_for_selector("#pdf-pages:not([hidden])")
    assert page.inner_text("#page-count") == "of 2"
    page.click("#page-next")
    assert page.input_value("#pages") == "2"
    page.select_option("#dpi", "150")
    page.click('[data-task="read"]')
    run_and_wait(page)
    assert page.is_hidden("#error")
    page.click('.tab[data-tab="text"]')
    text = page.inner_text("#text-view")
    assert "page number 2" in text and "page number 1" not in text
    data = shown_json(page)
    assert [p["index"] for p in data["document"]["pages"]] == [1]
    # Rendered at the chosen 150 dpi: the page is as wide as the image it was made from.
    assert data["document"]["pages"][0]["width"] == numbered_page(2).image.width
    # All pages: the result has a page switcher, and each page gets its own boxes.
    page.fill("#pages", "all")
    run_and_wait(page)
    assert page.is_hidden("#error")
    page.click('.tab[data-tab="page"]')
    assert page.inner_text("#rp-label").startswith("Page 1 of 2")
    first = page.locator("#overlay polygon.line").first.get_attribute("points")
    page.click("#rp-next")
    assert page.inner_text("#rp-label").startswith("Page 2 of 2")
    page.wait_for_function(
        "(p) => document.querySelector('#overlay polygon.line').getAttribute('points') !== p",
        arg=first,
    )
    snap(page, shots / "ui_pdf.png")


def test_phone_width_and_chinese_interface(browser: Any, server: Any, shots: Path) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    pg = ctx.new_page()
    try:
        pg.goto(server.url + "/ui/")
        # The language follows navigator.language; the toggle switches it.
        assert pg.inner_text("#run") == "运行"
        assert pg.get_attribute("html", "lang") == "zh-CN"
        pg.click('[data-example="receipt"]')
        pg.wait_for_selector("#stage:not([hidden])")
        pg.click('[data-task="read"]')
        assert pg.input_value("#prompt") == "提取图中的文字。"
        run_and_wait(pg)
        assert pg.is_hidden("#error")
        assert pg.locator("#overlay polygon.line").count() > 5
        # Nothing is wider than the phone's screen.
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390
        pg.locator(".results").scroll_into_view_if_needed()
        snap(pg, shots / "ui_mobile.png", full_page=True)
        pg.click("#lang-toggle")
        assert pg.inner_text("#run") == "Run"
        assert pg.input_value("#prompt") == "Extract the text in the image."
    finally:
        ctx.close()


def test_markdown_renderer_is_safe(browser: Any, server: Any) -> None:
    # The page is served with a strict Content-Security-Policy as a second line of defence.
    headers = httpx.get(server.url + "/ui/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    # Its own context: parsing the hostile table below makes Chrome report (blocked) inline
    # handlers and styles, which the `page` fixture would count as errors.
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(server.url + "/ui/")
    html = page.evaluate(
        """() => PromptMarkdown.render([
            '# Title <img src=x onerror=alert(1)>',
            '',
            '<table onclick="x()"><tr><td colspan="2" style="color:red">a<script>bad()</script>'
              + '<a href="javascript:x">b</a></td></tr></table>',
            '',
            '[link](javascript:alert(1)) and [ok](https://example.com) **bold** `<code>`',
            '',
            '| h1 | h2 |',
            '| --- | --- |',
            '| <b>x</b> | y |'
        ].join('\\n'))"""
    )
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<td colspan="2">ab</td>' in html
    assert "script" not in html and "onclick" not in html and "style" not in html
    assert "javascript:" not in html
    assert '<a href="https://example.com"' in html
    assert "<strong>bold</strong>" in html and "<code>&lt;code&gt;</code>" in html
    assert "<th>h1</th>" in html and "<td>&lt;b&gt;x&lt;/b&gt;</td>" in html
    ctx.close()


def test_auth_key_typed_in_the_page(browser: Any, auth_server: Any, api_key: str) -> None:
    ctx = browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    pg = ctx.new_page()
    try:
        # The page itself loads without a key; the API calls need one, the PDF preview too.
        pg.goto(auth_server.url + "/")
        assert pg.url.endswith("/ui/")
        pdf = pdf_from_images([numbered_page(1).image, numbered_page(2).image], dpi=150)
        pg.set_input_files(
            "#file", files=[{"name": "two.pdf", "mimeType": "application/pdf", "buffer": pdf}]
        )
        pg.wait_for_selector("#error:not([hidden])")
        assert pg.get_attribute("#error", "data-code") == "unauthorized"
        pg.fill("#api-key", api_key)
        pg.click("#key-save")
        pg.wait_for_selector("#pdf-pages:not([hidden])")
        assert pg.inner_text("#page-count") == "of 2" and pg.is_hidden("#error")
        pg.evaluate("localStorage.removeItem('promptocr.apiKey')")
        pg.click('[data-example="receipt"]')
        pg.wait_for_selector("#stage:not([hidden])")
        pg.click('[data-task="read"]')
        run_and_wait(pg)
        assert pg.get_attribute("#error", "data-code") == "unauthorized"
        assert pg.is_visible("#key-panel")
        pg.fill("#api-key", api_key)
        pg.click("#key-save")
        assert pg.evaluate("localStorage.getItem('promptocr.apiKey')") == api_key
        run_and_wait(pg)
        assert pg.is_hidden("#error")
        assert "GREEN LEAF TRADING" in pg.evaluate("promptocrUI.state.result.document.text")
        # The street-sign photo is over this server's 100 kB body limit.
        pg.click('[data-example="street_sign"]')
        pg.wait_for_selector("#stage:not([hidden])")
        run_and_wait(pg)
        assert pg.get_attribute("#error", "data-code") == "request_too_large"
        assert pg.inner_text("#error-title") == "The file is too large"
        assert "100000" in pg.inner_text("#error-msg")
    finally:
        ctx.close()


def test_drop_and_paste_a_file(page: Any) -> None:
    # Build a real File from a bundled example and hand it to the page the way a browser does
    # for a drag-and-drop and for Ctrl+V.
    make_file = """async (name) => {
        const blob = await (await fetch('examples/receipt.png')).blob();
        const dt = new DataTransfer();
        dt.items.add(new File([blob], name, {type: 'image/png'}));
        return dt;
    }"""
    dropped = page.evaluate_handle(make_file, "dropped.png")
    page.dispatch_event("#drop", "drop", {"dataTransfer": dropped})
    page.wait_for_selector("#stage:not([hidden])")
    assert page.inner_text("#file-name") == "dropped.png"
    pasted = page.evaluate_handle(make_file, "pasted.png")
    page.evaluate(
        "(dt) => document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt}))",
        pasted,
    )
    page.wait_for_function("document.getElementById('file-name').textContent === 'pasted.png'")
    assert page.is_enabled("#run")


def test_progress_indicator_and_cancel(page: Any) -> None:
    page.click('[data-example="receipt"]')
    page.wait_for_selector("#stage:not([hidden])")
    page.click('[data-task="read"]')
    # Hold the request back so the running state can be seen, then cancel it.
    page.route("**/v1/ocr", lambda route: None)
    page.click("#run")
    page.wait_for_selector("#busy:not([hidden])")
    assert page.is_visible("#cancel") and page.is_disabled("#run")
    page.click("#cancel")
    page.wait_for_selector("#busy", state="hidden")
    assert page.is_hidden("#cancel") and page.is_enabled("#run")
    page.unroute("**/v1/ocr")
    run_and_wait(page)
    assert page.is_hidden("#error")
    assert "TOTAL" in page.evaluate("promptocrUI.state.result.document.text")


def test_subtitles_on_a_video_still(page: Any) -> None:
    page.click('[data-example="subtitle_frame"]')
    page.wait_for_selector("#stage:not([hidden])")
    assert page.get_attribute('[data-task="subtitles"]', "aria-checked") == "true"
    run_and_wait(page)
    assert page.is_hidden("#error")
    data = shown_json(page)
    subs = data["output"]["lines"]
    assert subs, "no subtitle found"
    # The subtitle lines are highlighted and tagged; the channel logo is only a plain line.
    page.click('.tab[data-tab="page"]')
    assert page.locator("#overlay polygon.field").count() == len(subs)
    assert page.locator("#overlay polygon.line").count() > len(subs)
    page.click('.tab[data-tab="text"]')
    text = page.inner_text("#text-view")
    assert "tomorrow morning" in text and "TV 8" not in text


def test_extract_with_no_field_named_returns_every_pair(page: Any) -> None:
    """ "Extract fields" with the fields box left empty asks for every key-value pair."""
    page.click('[data-example="form"]')
    page.wait_for_selector("#stage:not([hidden])")
    page.fill("#fields", "")
    prompt = page.input_value("#prompt")
    assert prompt == "Extract all key-value pairs from the image and return them in JSON format."
    run_and_wait(page)
    assert page.is_hidden("#error")
    data = shown_json(page)
    assert data["task"] == "extract" and data["plan"]["arguments"].get("all_pairs") is True
    details = data["output"]["details"]
    assert len(details) >= 4
    for d in details.values():
        assert d["value"] and d["bbox"] and d["polygon"] and d["page"] == 1
        assert 0 < d["confidence"] <= 1
    rows = page.locator("#fields-view tr[data-field]")
    assert rows.count() == len(details)
