"""The page view and the answer-first result views, in headless Chromium against a real
`promptocr serve`: zoom, pan and fit with the boxes following, side by side with linked
highlighting, the Fields tab's copy and downloads, validity badges only where a check ran, a
batch of dropped files, per-page progress on a multi-page PDF, the phone layout, and HEAD /.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_ui import READ_LINES, run_and_wait, snap

from promptocr.synth import english_page, numbered_page, pdf_from_images


@pytest.fixture()
def page(browser: Any, server: Any) -> Iterator[Any]:
    ctx = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="en-US", accept_downloads=True
    )
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    pg.goto(server.url + "/ui/")
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def box(pg: Any, selector: str) -> dict[str, float]:
    b: dict[str, float] = pg.locator(selector).first.bounding_box()
    return b


def relative(poly: dict[str, float], img: dict[str, float]) -> tuple[float, float, float]:
    """A box's position and width as fractions of the drawn image."""
    return (
        (poly["x"] - img["x"]) / img["width"],
        (poly["y"] - img["y"]) / img["height"],
        poly["width"] / img["width"],
    )


def test_zoom_pan_and_fit_keep_the_boxes_on_the_text(page: Any, tmp_path: Path) -> None:
    img = tmp_path / "report.png"
    english_page(lines=READ_LINES).save(img)
    page.set_input_files("#file", str(img))
    page.click('[data-task="read"]')
    run_and_wait(page)
    page.wait_for_timeout(100)
    line = '#overlay polygon.line[data-line="0"]'
    before_img, before_line = box(page, "#page-img"), box(page, line)
    before = relative(before_line, before_img)
    level = page.inner_text("#zoom-level")
    # Wheel zoom about the pointer: the image grows, the box grows with it and stays on its line.
    viewer = box(page, "#viewer")
    page.mouse.move(viewer["x"] + viewer["width"] / 2, viewer["y"] + viewer["height"] / 2)
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(150)
    after_img, after_line = box(page, "#page-img"), box(page, line)
    assert after_img["width"] > before_img["width"] * 1.3
    assert page.inner_text("#zoom-level") != level
    for a, b in zip(relative(after_line, after_img), before, strict=True):
        assert a == pytest.approx(b, abs=0.005)
    # Drag pans by as much as the pointer moved.
    x0, y0 = viewer["x"] + 200, viewer["y"] + 200
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 60, y0 + 30, steps=5)
    page.mouse.up()
    panned = box(page, "#page-img")
    assert panned["x"] - after_img["x"] == pytest.approx(60, abs=1.5)
    assert panned["y"] - after_img["y"] == pytest.approx(30, abs=1.5)
    # A two-finger pinch (pointer events, as a phone sends them) zooms too.
    page.evaluate(
        """() => {
        const v = document.getElementById('viewer'); const r = v.getBoundingClientRect();
        const ev = (type, id, x, y) => v.dispatchEvent(new PointerEvent(type, {pointerId: id,
          clientX: r.left + x, clientY: r.top + y, bubbles: true, isPrimary: id === 1,
          pointerType: 'touch'}));
        ev('pointerdown', 1, 300, 300); ev('pointerdown', 2, 400, 300);
        ev('pointermove', 2, 500, 300); ev('pointerup', 2, 500, 300); ev('pointerup', 1, 300, 300);
    }"""
    )
    pinched = box(page, "#page-img")
    assert pinched["width"] == pytest.approx(panned["width"] * 2, rel=0.02)
    for a, b in zip(relative(box(page, line), pinched), before, strict=True):
        assert a == pytest.approx(b, abs=0.005)
    # Fit width: the page spans the viewer; fit page: all of it is inside.
    viewer = box(page, "#viewer")
    page.click("#fit-width")
    fitted = box(page, "#page-img")
    assert fitted["width"] == pytest.approx(viewer["width"] - 16, abs=3)
    page.click("#fit-page")
    fitted = box(page, "#page-img")
    assert fitted["width"] <= viewer["width"] and fitted["height"] <= viewer["height"]
    assert max(
        fitted["width"] / (viewer["width"] - 16), fitted["height"] / (viewer["height"] - 16)
    ) == (pytest.approx(1, abs=0.01))
    for a, b in zip(relative(box(page, line), fitted), before, strict=True):
        assert a == pytest.approx(b, abs=0.005)


def test_side_by_side_hover_highlights_the_line_in_both(page: Any) -> None:
    page.click('[data-example="receipt"]')
    page.wait_for_selector("#stage:not([hidden])")
    page.click('[data-task="read"]')
    run_and_wait(page)
    # A read opens on the page with its text beside it.
    assert page.get_attribute('.tab[data-tab="page"]', "aria-selected") == "true"
    assert page.get_attribute("#split-toggle", "aria-pressed") == "true"
    side, image = box(page, "#side"), box(page, "#viewer")
    assert side["x"] >= image["x"] + image["width"] - 1  # right of the image
    lines = page.locator("#side .side-line")
    assert lines.count() == page.locator("#overlay polygon.line").count() > 5
    assert "GREEN LEAF TRADING" in lines.first.inner_text()
    page.locator('#side .side-line[data-line="3"]').hover()
    assert "hl" in (page.get_attribute('#overlay polygon.line[data-line="3"]', "class") or "")
    page.locator('#overlay polygon.line[data-line="5"]').hover()
    assert "hl" in (page.get_attribute('#side .side-line[data-line="5"]', "class") or "")
    assert "hl" not in (page.get_attribute('#side .side-line[data-line="3"]', "class") or "")
    page.click("#split-toggle")
    assert page.is_hidden("#side")


def test_fields_answer_first_with_copy_csv_and_only_real_checks(page: Any, tmp_path: Path) -> None:
    page.click('[data-example="receipt"]')
    page.wait_for_selector("#stage:not([hidden])")
    assert page.get_attribute('[data-task="extract"]', "aria-checked") == "true"
    run_and_wait(page)
    assert page.is_hidden("#error")
    assert page.get_attribute('.tab[data-tab="fields"]', "aria-selected") == "true"
    result = page.evaluate("promptocrUI.state.result")
    fields = result["output"]["fields"]
    assert fields["total"] == "13.50" and fields["date"]

    def check(name: str) -> str:
        text: str = page.inner_text(f'#fields-view tr[data-field="{name}"] .check')
        return text

    # Badges only where a rule could have said no.
    assert check("date") == "✓ a real calendar date"
    assert check("total") == "✓ reads as an amount"
    assert check("company") == "" and check("address") == ""
    # Copy puts the fields JSON on the clipboard.
    page.click("#fields-copy")
    assert json.loads(page.evaluate("navigator.clipboard.readText()")) == fields
    with page.expect_download() as dl:
        page.click('[data-dl="fields-json"]')
    assert dl.value.suggested_filename == "receipt.extract.fields.json"
    assert json.loads(Path(dl.value.path()).read_text(encoding="utf-8")) == fields
    with page.expect_download() as dl:
        page.click('[data-dl="fields-csv"]')
    assert dl.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["field", "value", "normalized", "confidence", "check"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["total"][1] == "13.50" and by_name["total"][4] == "passed"
    assert by_name["company"][4] == ""
    # The answer download is what an OpenAI client gets: the fields JSON.
    with page.expect_download() as dl:
        page.click('[data-dl="answer"]')
    assert json.loads(Path(dl.value.path()).read_text(encoding="utf-8")) == json.loads(
        result["content"]
    )
    # The JSON tab shows `output` first; the whole response is behind the toggle.
    page.click('.tab[data-tab="json"]')
    shown = json.loads(page.inner_text("#json-view"))
    assert shown == result["output"] and "document" not in shown
    page.click("#json-full")
    assert set(json.loads(page.inner_text("#json-view"))) >= {"plan", "document", "usage"}


def test_several_dropped_files_run_as_a_batch(page: Any, tmp_path: Path, shots: Path) -> None:
    good = english_page(lines=["First file", "Line two"])
    other = english_page(lines=["Second file here"])
    buf1, buf2 = io.BytesIO(), io.BytesIO()
    good.image.save(buf1, format="PNG")
    other.image.save(buf2, format="PNG")
    files = [
        {"name": "one.png", "mimeType": "image/png", "buffer": buf1.getvalue()},
        {"name": "broken.png", "mimeType": "image/png", "buffer": buf1.getvalue()[:300]},
        {"name": "two.png", "mimeType": "image/png", "buffer": buf2.getvalue()},
    ]
    page.set_input_files("#file", files=files)
    page.wait_for_selector("#batch-box:not([hidden])")
    items = page.locator("#batch .batch-item")
    assert items.count() == 3
    assert [s.strip() for s in page.locator("#batch .batch-status").all_inner_texts()] == [
        "waiting"
    ] * 3
    page.click('[data-task="read"]')
    page.click("#run")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#batch .batch-item')].every(b => "
        "['done', 'failed'].includes(b.dataset.status))",
        timeout=180_000,
    )
    page.wait_for_selector("#run:not(.loading)")
    statuses = [items.nth(i).get_attribute("data-status") for i in range(3)]
    assert statuses == ["done", "failed", "done"]
    assert "3 of 3 done" in page.inner_text("#batch-title")
    # Each row shows its own result (or error) when clicked.
    items.nth(0).click()
    page.click('.tab[data-tab="text"]')
    assert page.inner_text("#text-view").startswith("First file")
    items.nth(1).click()
    assert page.get_attribute("#error", "data-code") == "invalid_input"
    items.nth(2).click()
    assert page.is_hidden("#error")
    page.click('.tab[data-tab="text"]')
    assert page.inner_text("#text-view").startswith("Second file here")
    page.click('.tab[data-tab="page"]')
    page.wait_for_timeout(150)
    snap(page, shots / "ui_batch.png")


def test_multi_page_pdf_shows_page_progress_without_a_jobs_api(page: Any) -> None:
    """On a server without /v1/jobs (played here by the browser's request routing: an older
    server answers 404), a multi-page PDF is read a page at a time through /v1/ocr, showing
    "Page k of n", and the answers are merged into one."""
    page.route(
        "**/v1/jobs**",
        lambda route: route.fulfill(
            status=404,
            json={"error": {"code": "not_found", "message": "no such endpoint", "source": None}},
        ),
    )
    pdf = pdf_from_images([numbered_page(n).image for n in (1, 2, 3)], dpi=100)
    page.set_input_files(
        "#file", files=[{"name": "three.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.wait_for_selector("#pdf-pages:not([hidden])")
    page.fill("#pages", "all")
    page.select_option("#dpi", "100")
    page.click('[data-task="read"]')
    page.evaluate(
        """() => { window.__seen = [];
        new MutationObserver(() => window.__seen.push(document.getElementById('busy-text')
          .textContent)).observe(document.getElementById('busy-text'),
          {childList: true, characterData: true, subtree: true}); }"""
    )
    statuses: dict[str, list[int]] = {"jobs": [], "ocr": []}
    page.on(
        "response",
        lambda r: (
            statuses["jobs" if "/v1/jobs" in r.url else "ocr"].append(r.status)
            if "/v1/" in r.url
            else None
        ),
    )
    run_and_wait(page)
    assert page.is_hidden("#error")
    assert statuses == {"jobs": [404], "ocr": [200, 200, 200]}
    seen = page.evaluate("window.__seen")
    for k in (1, 2, 3):
        assert f"Page {k} of 3…" in seen, seen
    result = page.evaluate("promptocrUI.state.result")
    assert [p["index"] for p in result["document"]["pages"]] == [0, 1, 2]
    for n in (1, 2, 3):
        assert f"page number {n}" in result["content"]
    assert any("page by page" in n for n in result["usage"]["notes"])
    page.click('.tab[data-tab="page"]')
    assert page.inner_text("#rp-label").startswith("Page 1 of 3")


def test_phone_width_clips_nothing(browser: Any, server: Any) -> None:
    ctx = browser.new_context(viewport={"width": 360, "height": 760}, locale="zh-CN")
    pg = ctx.new_page()
    try:
        pg.goto(server.url + "/ui/")
        pg.click('[data-example="receipt"]')
        pg.wait_for_selector("#stage:not([hidden])")
        run_and_wait(pg)
        assert pg.is_hidden("#error")
        # The task badge is in Chinese too.
        assert pg.inner_text("#summary .badge.task") == "信息抽取"
        assert pg.evaluate("document.documentElement.scrollWidth") <= 360
        # Every tab is on screen (the row wraps instead of cutting "Plan & timings").
        for b in pg.locator(".tabs .tab:not([hidden])").all():
            r = b.bounding_box()
            assert r["x"] >= 0 and r["x"] + r["width"] <= 360, b.inner_text()
        # The Fields table's last column can be reached: it fits or its wrapper scrolls.
        wrap = pg.locator("#fields-view .table-wrap")
        fits = pg.evaluate(
            "(w) => w.scrollWidth <= w.clientWidth || getComputedStyle(w).overflowX === 'auto'",
            wrap.element_handle(),
        )
        assert fits
        wrap.evaluate("(w) => { w.scrollLeft = w.scrollWidth; }")
        check = pg.locator('#fields-view tr[data-field="total"] .check')
        r = check.bounding_box()
        assert r["x"] + r["width"] <= 360 + 0.5 and check.inner_text() == "✓ 金额格式"
        # Plan tab: stage names in words, in Chinese, not code names.
        pg.click('.tab[data-tab="run"]')
        assert "查找字段" in pg.inner_text("#run-view")
        assert "spotting_format" not in pg.inner_text("#run-view")
        assert "matched" not in pg.inner_text("#run-view")
    finally:
        ctx.close()


def test_head_of_the_root_and_the_page(server: Any) -> None:
    root = httpx.head(server.url + "/")
    assert root.status_code in (301, 302, 303, 307, 308) and root.headers["location"] == "/ui/"
    ui = httpx.head(server.url + "/ui/")
    assert ui.status_code == 200 and ui.headers["content-type"].startswith("text/html")
    assert httpx.head(server.url + "/ui").status_code in (307, 308)


def test_multi_page_pdf_follows_a_job_through_the_jobs_api(page: Any, server: Any) -> None:
    """The page's side of the jobs contract (POST /v1/jobs -> 202, GET /v1/jobs/{id} with
    pages_done/pages_total/eta_s, GET /v1/jobs/{id}/result?format=json), with the job's
    answers played by the browser's request routing so that every progress text (the ETAs) is
    known; the result is a real /v1/ocr answer for the same PDF. The next test runs a real job."""
    pdf = pdf_from_images([numbered_page(n).image for n in (1, 2, 3)], dpi=100)
    real = httpx.post(
        server.url + "/v1/ocr",
        files={"file": ("three.pdf", pdf, "application/pdf")},
        data={"prompt": "Extract the text in the image.", "dpi": "100"},
        timeout=120,
    )
    assert real.status_code == 200
    polls = [
        {"state": "queued", "pages_total": 3, "pages_done": 0, "eta_s": None, "errors": []},
        {"state": "running", "pages_total": 3, "pages_done": 1, "eta_s": 4.2, "errors": []},
        {"state": "running", "pages_total": 3, "pages_done": 2, "eta_s": 2.0, "errors": []},
        {"state": "done", "pages_total": 3, "pages_done": 3, "eta_s": None, "errors": []},
    ]
    seen_posts: list[str] = []

    def jobs(route: Any) -> None:
        req = route.request
        if req.method == "POST":
            seen_posts.append(req.post_data_buffer.decode("latin-1"))
            body = {"id": "job-1", "state": "queued", "pages_total": 3, "pages_done": 0}
            route.fulfill(status=202, json=body)
        elif req.url.endswith("/v1/jobs/job-1"):
            route.fulfill(status=200, json={"id": "job-1", **polls.pop(0)})
        else:
            assert "format=json" in req.url
            route.fulfill(status=200, json=real.json())

    page.route("**/v1/jobs**", jobs)
    page.set_input_files(
        "#file", files=[{"name": "three.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.wait_for_selector("#pdf-pages:not([hidden])")
    page.fill("#pages", "all")
    page.select_option("#dpi", "100")
    page.click('[data-task="read"]')
    page.evaluate(
        """() => { window.__seen = [];
        new MutationObserver(() => window.__seen.push(document.getElementById('busy-text')
          .textContent)).observe(document.getElementById('busy-text'),
          {childList: true, characterData: true, subtree: true}); }"""
    )
    run_and_wait(page)
    assert page.is_hidden("#error") and not polls
    # the job was asked for with the same multipart fields as /v1/ocr
    assert len(seen_posts) == 1 and 'name="prompt"' in seen_posts[0]
    assert 'name="dpi"' in seen_posts[0] and 'filename="three.pdf"' in seen_posts[0]
    seen = page.evaluate("window.__seen")
    assert "Page 2 of 3 · about 4 s left" in seen and "Page 3 of 3 · about 2 s left" in seen
    result = page.evaluate("promptocrUI.state.result")
    assert result == real.json()


def test_multi_page_pdf_runs_as_a_real_job(page: Any, server: Any) -> None:
    """No routing: the page submits the PDF to the server's jobs API, follows the job's pages
    and shows the job's result; the job is then in the server's job list, done."""
    pdf = pdf_from_images([numbered_page(n).image for n in (1, 2, 3)], dpi=100)
    calls: list[tuple[str, str, int]] = []
    page.on(
        "response",
        lambda r: (
            calls.append((r.request.method, r.url.split("/v1/", 1)[1], r.status))
            if "/v1/" in r.url
            else None
        ),
    )
    page.set_input_files(
        "#file", files=[{"name": "three.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.wait_for_selector("#pdf-pages:not([hidden])")
    page.fill("#pages", "all")
    page.select_option("#dpi", "100")
    page.click('[data-task="read"]')
    page.evaluate(
        """() => { window.__seen = [];
        new MutationObserver(() => window.__seen.push(document.getElementById('busy-text')
          .textContent)).observe(document.getElementById('busy-text'),
          {childList: true, characterData: true, subtree: true}); }"""
    )
    run_and_wait(page)
    assert page.is_hidden("#error")
    assert calls[0][0] == "POST" and calls[0][1:] == ("jobs", 202)
    job_id = page.evaluate("promptocrUI.state.result.id")
    polls = [c for c in calls if c[1] == f"jobs/{job_id}"]
    assert polls and all(c[2] == 200 for c in polls)
    assert calls[-1] == ("GET", f"jobs/{job_id}/result?format=json", 200)
    assert not any(c[1].startswith("ocr") for c in calls)  # no page-by-page fallback
    seen = page.evaluate("window.__seen")
    assert any(s.startswith("Page 1 of 3") for s in seen), seen
    result = page.evaluate("promptocrUI.state.result")
    assert [p["index"] for p in result["document"]["pages"]] == [0, 1, 2]
    for n in (1, 2, 3):
        assert f"page number {n}" in result["content"]
    listed = httpx.get(server.url + "/v1/jobs", timeout=30).json()["jobs"]
    assert any(j["id"] == job_id and j["state"] == "done" for j in listed)
