"""The asynchronous Jobs API against real `promptocr serve` processes over real HTTP: a job
that survives SIGKILL, owner isolation, cancel, errors, TTL, quota, and the async CLI."""

from __future__ import annotations

import base64
import fcntl
import io
import json
import os
import pty
import re
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from PIL import Image
from server_helpers import RunningServer, png_bytes, start_server, stop_server

from promptocr import synth

KEY_A = "job-key-a-0123456789"
KEY_B = "job-key-b-0123456789"
PAGES = 60


def page_image(n: int) -> Image.Image:
    c = synth.Canvas(600, 300)
    c.text((40, 110), f"PAGE {n} OF {PAGES}", size=40)
    return c.image


def scanned_pdf(images: list[Image.Image]) -> bytes:
    """Image-only pages, 600x300 px at 100 dpi (so a job at dpi=100 reads them 1:1)."""
    return synth.pdf_from_images(images, dpi=100)


def wait_for(
    client: httpx.Client, job_id: str, until: tuple[str, ...], limit_s: float = 240
) -> dict[str, object]:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        r = client.get(f"/v1/jobs/{job_id}")
        assert r.status_code == 200, r.text
        body: dict[str, object] = r.json()
        if body["state"] in until:
            return body
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not reach {until}: {body}")


def submit(
    client: httpx.Client,
    files: list[tuple[str, bytes]],
    **fields: str,
) -> httpx.Response:
    parts = [("file", (name, data)) for name, data in files]
    return client.post("/v1/jobs", files=parts, data=fields)


# --------------------------------------------------------------------------------------------
# the must-have: SIGKILL mid-way, restart on the same store, every page exactly once


def test_job_survives_sigkill(tmp_path: Path) -> None:
    store = tmp_path / "store"
    args = ("--workers", "1", "--job-store", str(store))
    pdf = scanned_pdf([page_image(n) for n in range(1, PAGES + 1)])
    first = start_server(tmp_path, *args, name="jobs-first")
    try:
        with first.client() as c:
            r = submit(c, [("scan.pdf", pdf)], dpi="100")
            assert r.status_code == 202, r.text
            job = r.json()
            assert r.headers["location"] == f"/v1/jobs/{job['id']}" == job["location"]
            assert job["pages_total"] == PAGES and job["state"] == "queued"
            deadline = time.monotonic() + 120
            while True:
                status = c.get(f"/v1/jobs/{job['id']}").json()
                if status["pages_done"] >= 3 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert status["state"] == "running" and status["pages_done"] < PAGES
            assert isinstance(status["eta_s"], float)
            early = c.get(f"/v1/jobs/{job['id']}/result")
            assert early.status_code == 409
            assert early.json()["error"]["code"] == "job_not_done"
            assert early.json()["error"]["details"]["state"] == "running"
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
    finally:
        stop_server(first)
    done_at_kill = _done_rows(store, job["id"])
    assert done_at_kill < PAGES, "the job finished before the kill: nothing was resumed"

    # Restarted, it resumes; a graceful stop (SIGTERM) part-way loses nothing either.
    second = start_server(tmp_path, *args, name="jobs-second")
    try:
        with second.client() as c:
            deadline = time.monotonic() + 120
            while c.get(f"/v1/jobs/{job['id']}").json()["pages_done"] < done_at_kill + 3:
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        assert stop_server(second) == 0
    assert "resuming job" in second.log_text()
    done_at_term = _done_rows(store, job["id"])
    assert done_at_term < PAGES, "the job finished before the stop: nothing was resumed"

    third = start_server(tmp_path, *args, name="jobs-third")
    try:
        with third.client() as c:
            final = wait_for(c, job["id"], ("done", "failed"))
            assert final["state"] == "done", final
            assert final["pages_done"] == PAGES and final["errors"] == []
            result = c.get(f"/v1/jobs/{job['id']}/result").json()
            text = c.get(f"/v1/jobs/{job['id']}/result", params={"format": "text"})
            assert text.headers["content-type"].startswith("text/plain")
    finally:
        stop_server(third)
    pages = result["document"]["pages"]
    assert [p["index"] for p in pages] == list(range(PAGES))
    for n, page in enumerate(pages, start=1):
        page_text = " ".join(ln["text"] for b in page["blocks"] for ln in b["lines"])
        found = re.findall(r"PAGE\s*(\d+)", page_text.upper())
        assert found == [str(n)], (n, page_text)
        assert f"PAGE {n} OF" in text.text
    assert result["usage"]["pages"] == PAGES
    assert result["task"] == "read" and result["files"][0]["name"] == "scan.pdf"
    # Each page was claimed once, except the one being read at the moment of the kill (the
    # graceful stop let its page finish).
    with sqlite3.connect(store / "jobs.sqlite3") as db:
        rows = db.execute(
            "SELECT seq, state, attempts FROM pages WHERE job_id = ? ORDER BY seq", (job["id"],)
        ).fetchall()
    assert [r[0] for r in rows] == list(range(PAGES))
    assert all(r[1] == "done" for r in rows)
    attempts = [r[2] for r in rows]
    assert all(a >= 1 for a in attempts) and sum(attempts) <= PAGES + 1, attempts


def _done_rows(store: Path, job_id: str) -> int:
    with sqlite3.connect(store / "jobs.sqlite3") as db:
        return int(
            db.execute(
                "SELECT COUNT(*) FROM pages WHERE job_id = ? AND state = 'done'", (job_id,)
            ).fetchone()[0]
        )


# --------------------------------------------------------------------------------------------
# a server with two API keys: isolation, cancel, errors, webhooks refused, several files


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    tmp = tmp_path_factory.mktemp("jobs-keyed")
    s = start_server(
        tmp,
        "--workers",
        "1",
        "--job-store",
        str(tmp / "store"),
        "--max-pixels",
        "4000000",
        "--job-max-pages",
        "80",
        "--allow-webhooks",
        env={"PROMPTOCR_API_KEYS": f"{KEY_A},{KEY_B}"},
        name="jobs-keyed",
    )
    yield s
    stop_server(s)


def client_for(server: RunningServer, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, timeout=120, headers={"Authorization": f"Bearer {key}"}
    )


def test_owner_isolation_and_several_files(keyed: RunningServer) -> None:
    invoice = synth.Canvas(600, 300)
    invoice.text((40, 60), "Invoice No: 2024-117", size=32)
    invoice.text((40, 160), "Customer: Jane Doe", size=32)
    total = synth.Canvas(600, 300)
    total.text((40, 60), "Subtotal: 50.00", size=32)
    total.text((40, 160), "Total: 58.20", size=32)
    files = [
        ("first.png", png_bytes(invoice.image)),
        ("second.pdf", scanned_pdf([page_image(7), total.image])),
    ]
    with client_for(keyed, KEY_A) as a, client_for(keyed, KEY_B) as b:
        assert a.get("/v1/jobs").status_code == 200
        r = submit(a, files, prompt="Extract the invoice number and total as JSON.", dpi="100")
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        assert r.json()["pages_total"] == 3
        for path in (f"/v1/jobs/{job_id}", f"/v1/jobs/{job_id}/result"):
            other = b.get(path)
            assert other.status_code == 404 and other.json()["error"]["code"] == "job_not_found"
        assert b.delete(f"/v1/jobs/{job_id}").status_code == 404
        assert job_id not in [j["id"] for j in b.get("/v1/jobs").json()["jobs"]]
        assert job_id in [j["id"] for j in a.get("/v1/jobs").json()["jobs"]]
        final = wait_for(a, job_id, ("done", "failed"))
        assert final["state"] == "done" and final["task"] == "extract"
        assert [f["pages"] for f in final["files"]] == [1, 2]  # type: ignore[index]
        result = a.get(f"/v1/jobs/{job_id}/result").json()
        # Fields found across files and pages of one job.
        assert result["output"]["fields"]["total"] == "58.20"
        assert "2024-117" in (result["output"]["fields"].get("invoice number") or "")
        sources = [(p["source"], p["index"]) for p in result["document"]["pages"]]
        assert sources == [("first.png", 0), ("second.pdf", 0), ("second.pdf", 1)]
        hocr = a.get(f"/v1/jobs/{job_id}/result", params={"format": "hocr"})
        assert hocr.status_code == 200 and "ocr_page" in hocr.text
        alto = a.get(f"/v1/jobs/{job_id}/result", params={"format": "alto"})
        assert alto.status_code == 200 and "<alto" in alto.text
        md = a.get(f"/v1/jobs/{job_id}/result", params={"format": "markdown"})
        assert "58.20" in md.text
        pdf = a.get(f"/v1/jobs/{job_id}/result", params={"format": "pdf"})
        assert pdf.status_code == 400  # a searchable PDF is made of one file's pages
        bad = a.get(f"/v1/jobs/{job_id}/result", params={"format": "docx"})
        assert bad.status_code == 400
        # Deleting a finished job removes it.
        assert a.delete(f"/v1/jobs/{job_id}").json() == {"id": job_id, "deleted": True}
        assert a.get(f"/v1/jobs/{job_id}").status_code == 404
        assert a.get("/v1/jobs/0123456789abcdef").status_code == 404
        no_key = httpx.get(f"{keyed.url}/v1/jobs")
        assert no_key.status_code == 401


def test_parse_job_joins_pages(keyed: RunningServer) -> None:
    """`parse` needs each page's image, so it runs per page; the Markdown is joined in order."""
    pdf = scanned_pdf([page_image(1), page_image(2)])
    with client_for(keyed, KEY_A) as a:
        r = submit(a, [("two.pdf", pdf)], prompt="parse this page to markdown", dpi="100")
        assert r.status_code == 202, r.text
        assert wait_for(a, r.json()["id"], ("done", "failed"))["state"] == "done"
        result = a.get(f"/v1/jobs/{r.json()['id']}/result").json()
        assert result["task"] == "parse" and result["plan"]["task"] == "parse"
        md = a.get(f"/v1/jobs/{r.json()['id']}/result", params={"format": "markdown"})
        assert md.headers["content-type"].startswith("text/markdown")
        assert md.text == result["output"]["markdown"]
        assert re.findall(r"PAGE\s*(\d+)", md.text.upper()) == ["1", "2"], md.text


def test_async_markdown_with_o_writes_the_figures(keyed: RunningServer, tmp_path: Path) -> None:
    """A parse job's figures come with its JSON result; `read --server --async -f markdown -o
    DIR` writes them next to the Markdown as a local read does."""
    from promptocr.synth_docs import paper

    src = tmp_path / "paper.png"
    paper("en", width=1100, size=17).canvas.image.save(src)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PROMPTOCR_API_KEY": KEY_A}
    cmd = [sys.executable, "-m", "promptocr.cli.main", "read", "--server", keyed.url, "--async"]
    proc = subprocess.run(
        [*cmd, "-f", "markdown", "-o", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["paper-page-1-figure-1.png", "paper.md"]
    assert "![figure](paper-page-1-figure-1.png)" in (out / "paper.md").read_text("utf-8")
    Image.open(out / "paper-page-1-figure-1.png").verify()


def test_job_result_as_searchable_pdf(keyed: RunningServer) -> None:
    """`format=pdf`: the original pages with our text on them, readable back by PDFium."""
    import pypdfium2 as pdfium

    pdf = scanned_pdf([page_image(1), page_image(2)])
    with client_for(keyed, KEY_A) as a:
        r = submit(a, [("two.pdf", pdf)], dpi="100")
        assert r.status_code == 202, r.text
        assert wait_for(a, r.json()["id"], ("done", "failed"))["state"] == "done"
        out = a.get(f"/v1/jobs/{r.json()['id']}/result", params={"format": "pdf"})
    assert out.status_code == 200 and out.headers["content-type"] == "application/pdf"
    doc = pdfium.PdfDocument(out.content)
    texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    assert len(texts) == 2
    for n, text in enumerate(texts, start=1):
        assert f"PAGE {n} OF {PAGES}" in " ".join(text.split()), texts


def test_cancel(keyed: RunningServer) -> None:
    pdf = scanned_pdf([page_image(n) for n in range(1, 41)])
    with client_for(keyed, KEY_A) as a:
        r = submit(a, [("long.pdf", pdf)], dpi="100")
        assert r.status_code == 202
        job_id = r.json()["id"]
        cancelled = a.delete(f"/v1/jobs/{job_id}")
        assert cancelled.status_code == 200
        assert cancelled.json()["state"] == "cancelled"
        status = a.get(f"/v1/jobs/{job_id}").json()
        assert status["state"] == "cancelled" and status["pages_done"] < 40
        res = a.get(f"/v1/jobs/{job_id}/result")
        assert res.status_code == 409 and res.json()["error"]["details"]["state"] == "cancelled"
        assert a.delete(f"/v1/jobs/{job_id}").json()["deleted"] is True


def corrupt_second_frame_tiff() -> bytes:
    """A 2-page TIFF whose second frame's LZW data is garbage: its header (size, page count)
    is fine, so only reading that page fails."""
    buf = io.BytesIO()
    first, second = page_image(1), page_image(2)
    first.save(buf, format="TIFF", save_all=True, append_images=[second], compression="tiff_lzw")
    data = bytearray(buf.getvalue())
    img = Image.open(io.BytesIO(bytes(data)))
    img.seek(1)
    for offset, count in zip(img.tag_v2[273], img.tag_v2[279], strict=True):
        data[offset : offset + count] = b"\xff" * count
    return bytes(data)


def test_page_failures_are_reported(keyed: RunningServer) -> None:
    """A page that breaks only when it is read fails on its own; a job whose every page failed
    is `failed`, and its result is 409."""
    with client_for(keyed, KEY_A) as a:
        r = submit(a, [("mixed.tif", corrupt_second_frame_tiff())])
        assert r.status_code == 202, r.text
        final = wait_for(a, r.json()["id"], ("done", "failed"))
        assert final["state"] == "done" and final["pages_done"] == 2
        (err,) = final["errors"]  # type: ignore[misc]
        assert (err["file"], err["page"], err["code"]) == ("mixed.tif", 2, "invalid_input")
        result = a.get(f"/v1/jobs/{r.json()['id']}/result").json()
        assert len(result["document"]["pages"]) == 1 and result["errors"] == [err]
        assert "PAGE 1" in result["output"]["text"]
        # The searchable PDF needs every frame of the original: a precise 400, not a 500.
        pdf = a.get(f"/v1/jobs/{r.json()['id']}/result", params={"format": "pdf"})
        assert pdf.status_code == 400, pdf.text
        assert pdf.json()["error"]["code"] == "invalid_input"
        assert "frame 2" in pdf.json()["error"]["message"]
        # Translation needs a vision-language engine this server does not have: every page
        # fails with the engine's error and the job is failed.
        r = submit(
            a, [("p.png", png_bytes(page_image(3)))], prompt="Translate the text into English."
        )
        assert r.status_code == 202, r.text
        final = wait_for(a, r.json()["id"], ("done", "failed"))
        assert final["state"] == "failed"
        assert [e["code"] for e in final["errors"]] == ["engine_unavailable"]  # type: ignore[union-attr]
        res = a.get(f"/v1/jobs/{r.json()['id']}/result")
        assert res.status_code == 409 and res.json()["error"]["details"]["state"] == "failed"


def test_submissions_received_at_once_are_bounded(keyed: RunningServer) -> None:
    """Bodies of submissions are held while they are checked: a third one arriving while two
    are still being received gets a 429 instead of more memory."""
    import socket

    host, port = keyed.url.removeprefix("http://").split(":")
    body_len = 1_000_000
    head = (
        f"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY_A}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {body_len}\r\n\r\n--b\r\n"
    ).encode()
    slow = []
    for _ in range(2):  # two uploads that have started and are still coming
        sock = socket.create_connection((host, int(port)), timeout=30)
        sock.sendall(head + b"x" * 1000)
        slow.append(sock)
    time.sleep(0.5)
    try:
        with client_for(keyed, KEY_A) as a:
            r = submit(a, [("p.png", png_bytes(page_image(1)))])
        assert r.status_code == 429, r.text
        assert r.json()["error"]["code"] == "queue_full" and "Retry-After" in r.headers
    finally:
        for sock in slow:
            sock.close()
    time.sleep(0.5)
    with client_for(keyed, KEY_A) as a:
        r = submit(a, [("p.png", png_bytes(page_image(1)))])
    assert r.status_code == 202, r.text


def test_bad_submissions(keyed: RunningServer) -> None:
    good = png_bytes(page_image(1))
    locked = synth.write_pdf([synth.PdfPage()], user_password="pw")
    with client_for(keyed, KEY_A) as a:
        cases = [
            (submit(a, [("broken.png", good[: len(good) // 2])]), 400, "invalid_input"),
            (submit(a, [("notes.txt", b"just some text")]), 415, "unsupported_format"),
            (submit(a, [("empty.png", b"")]), 400, "invalid_input"),
            (submit(a, [("locked.pdf", locked)]), 400, "encrypted_pdf"),
            (submit(a, [("p.png", good)], pages="3"), 400, "invalid_page_range"),
            (submit(a, [("p.png", good)], prompt="sing me a song"), 422, "unknown_instruction"),
            (submit(a, [("p.png", good)], settings="{not json"), 400, "invalid_request"),
            (a.post("/v1/jobs", files={"prompt": (None, "read")}), 400, "invalid_request"),
            (a.post("/v1/jobs", data={"prompt": "read"}), 415, "unsupported_media_type"),
            (a.post("/v1/jobs", content=b"x", headers={"content-type": "text/plain"}), 415, None),
            (a.post("/v1/jobs", json={"prompt": "read"}), 400, "invalid_request"),
            (
                submit(a, [("p.png", good)], webhook_url="http://127.0.0.1:9/hook"),
                400,
                "url_forbidden",
            ),
            (submit(a, [("p.png", good)], webhook_url="file:///etc/passwd"), 400, None),
            # A URL urlsplit cannot parse, a host that does not resolve: the client's fault.
            (submit(a, [("p.png", good)], webhook_url="http://[::1/hook"), 400, None),
            (submit(a, [("p.png", good)], webhook_url="http://x.invalid/"), 400, None),
            (a.post("/v1/jobs", json={"url": "http://[::1/p.png"}), 400, None),
            (a.post("/v1/ocr", json={"url": "http://[::1/p.png"}), 400, None),
            (
                submit(a, [("long.pdf", scanned_pdf([page_image(1)] * 81))]),
                413,
                "input_too_large",
            ),
            # no vision-language engine here: refused now, not after every page has failed
            (submit(a, [("p.png", good)], engine="vlm"), 501, "engine_unavailable"),
        ]
        for resp, status, code in cases:
            assert resp.status_code == status, resp.text
            if code:
                assert resp.json()["error"]["code"] == code, resp.text
        # JSON with base64 works too.
        r = a.post(
            "/v1/jobs", json={"image": base64.b64encode(good).decode(), "filename": "one.png"}
        )
        assert r.status_code == 202, r.text
        wait_for(a, r.json()["id"], ("done",))
        metrics = a.get("/metrics").text
        assert re.search(r'promptocr_jobs\{state="done"\} [1-9]', metrics)
        assert re.search(r'promptocr_job_pages_total\{outcome="done"\} [1-9]', metrics)
        assert "promptocr_jobs_oldest_queued_age_seconds" in metrics
        spec = a.get("/openapi.json").json()
        assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/result"} <= set(spec["paths"])
        assert "multipart/form-data" in spec["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]
        refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(spec))
        assert "JobRequest" in refs and set(refs) <= set(spec["components"]["schemas"])


# --------------------------------------------------------------------------------------------
# retention and quota


def test_ttl_and_quota(tmp_path: Path) -> None:
    store = tmp_path / "store"
    s = start_server(
        tmp_path,
        "--workers",
        "1",
        "--job-store",
        str(store),
        "--job-ttl",
        "1",
        "--job-store-max-mb",
        "1",
        name="jobs-ttl",
    )
    try:
        with s.client() as c:
            noisy = Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3))
            big = png_bytes(noisy)
            assert len(big) > 1024 * 1024
            full = submit(c, [("noise.png", big)])
            assert full.status_code == 507 and full.json()["error"]["code"] == "job_store_full"
            hook = submit(c, [("p.png", png_bytes(page_image(1)))], webhook_url="http://x.org/")
            assert hook.status_code == 400
            assert hook.json()["error"]["code"] == "webhooks_disabled"
            r = submit(c, [("p.png", png_bytes(page_image(1)))])
            assert r.status_code == 202
            job_id = r.json()["id"]
            wait_for(c, job_id, ("done",))
            assert (store / "files" / job_id).exists()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                gone = c.get(f"/v1/jobs/{job_id}").status_code == 404
                if gone and not (store / "files" / job_id).exists():
                    break
                time.sleep(0.2)
            assert c.get(f"/v1/jobs/{job_id}").status_code == 404
            assert not (store / "files" / job_id).exists()
            assert c.get("/v1/jobs").json() == {"jobs": []}
            # The quota holds for concurrent submissions too (it is checked again in the
            # transaction that accepts a job): of six ~600 KB jobs against 1 MiB, one gets in.
            half = png_bytes(Image.frombytes("RGB", (500, 400), os.urandom(500 * 400 * 3)))
            assert 512 * 1024 < len(half) < 1024 * 1024
            with ThreadPoolExecutor(6) as pool:
                codes = sorted(
                    pool.map(lambda _: submit(c, [("h.png", half)]).status_code, range(6))
                )
            # (at most two submissions are received at once; the others are told to retry)
            assert codes.count(202) == 1 and 507 in codes, codes
            assert set(codes) <= {202, 429, 507}, codes
            assert sum(f.stat().st_size for f in (store / "files").rglob("*") if f.is_file()) < (
                1024 * 1024
            )
        # A second server on the same store does not take it over: its jobs answer 503.
        other = start_server(tmp_path, "--job-store", str(store), name="jobs-ttl-other")
        try:
            with other.client() as c:
                r = submit(c, [("p.png", png_bytes(page_image(1)))])
                assert r.status_code == 503 and r.json()["error"]["code"] == "jobs_unavailable"
                assert c.post(
                    "/v1/ocr", files={"file": ("p.png", png_bytes(page_image(2)))}
                ).json()["output"]["text"]
        finally:
            stop_server(other)
        assert "is in use by another process" in other.log_text()
    finally:
        stop_server(s)


# --------------------------------------------------------------------------------------------
# the async CLI


def run_on_tty(cmd: list[str], env: dict[str, str]) -> tuple[int, bytes, str]:
    """Run with stderr on a 100-column pseudo-terminal: (exit code, stdout, what the tty got)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, env=env) as proc:
        os.close(slave)
        chunks = []
        while True:  # read while it runs, so a full pty buffer never blocks the child
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        os.close(master)
        stdout = proc.stdout.read() if proc.stdout else b""
    return proc.wait(), stdout, b"".join(chunks).decode("utf-8", "replace")


def test_async_cli(keyed: RunningServer, tmp_path: Path) -> None:
    pdf = tmp_path / "three.pdf"
    pdf.write_bytes(scanned_pdf([page_image(n) for n in (1, 2, 3)]))
    img = tmp_path / "one.png"
    img.write_bytes(png_bytes(page_image(9)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    base = [sys.executable, "-m", "promptocr.cli.main", "read", "--server", keyed.url, "--async"]
    out = subprocess.run(
        [*base, "--api-key", KEY_A, "--dpi", "100", "-f", "text", str(pdf)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert [int(n) for n in re.findall(r"PAGE\s*(\d+)", out.stdout)] == [1, 2, 3]
    assert out.stderr == ""  # no progress bar when stderr is not a terminal
    # On a terminal: a progress bar that counts the job's pages.
    code, stdout, tty = run_on_tty(
        [*base, "--api-key", KEY_A, "--dpi", "100", "-f", "markdown", str(pdf)], env
    )
    assert code == 0 and re.search(r"3/3 \[", tty), tty
    assert b"PAGE 3" in stdout and b"PAGE" not in tty.encode()
    # -o DIR (the files given as a folder), -p, --format json: the whole result per file.
    folder = tmp_path / "in"
    folder.mkdir()
    for f in (pdf, img):
        (folder / f.name).write_bytes(f.read_bytes())
    out_dir = tmp_path / "out"
    out = subprocess.run(
        [
            *base,
            "--dpi",
            "100",
            "-o",
            str(out_dir),
            "-p",
            "read the text",
            "-f",
            "json",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "PROMPTOCR_API_KEY": KEY_B},
    )
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["one.json", "three.json"]
    three = json.loads((out_dir / "three.json").read_text())
    assert len(three["document"]["pages"]) == 3 and three["task"] == "read"
    one = json.loads((out_dir / "one.json").read_text())
    assert "PAGE 9" in one["output"]["text"]
    # With -p the default is the answer alone, as locally.
    out = subprocess.run(
        [*base, "--api-key", KEY_A, "-p", "read the text", str(img)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("PAGE 9")
    # A bad file fails on its own; the good one is still written; exit code 1.
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    out = subprocess.run(
        [*base, "--api-key", KEY_A, "-f", "text", str(img), str(broken)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.returncode == 1, out.stderr
    assert "PAGE 9" in out.stdout
    assert re.search(r"promptocr: error: .*broken\.png: ", out.stderr)
    bad_key = subprocess.run(
        [*base, "--api-key", "wrong", str(img)], capture_output=True, text=True, env=env
    )
    assert bad_key.returncode == 3 and "unauthorized" in bad_key.stderr.lower()
    no_async = subprocess.run(
        [sys.executable, "-m", "promptocr.cli.main", "read", "--server", keyed.url, str(img)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert no_async.returncode == 2 and "--async" in no_async.stderr
