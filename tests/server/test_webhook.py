"""Completion webhooks: delivered to a real local HTTP receiver, retried as docs/jobs.md says."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from server_helpers import png_bytes, start_server, stop_server

from promptocr import synth
from promptocr.server.jobs import WEBHOOK_TRIES, deliver_webhook


class Receiver:
    """A real HTTP server on 127.0.0.1 that answers the first `fail_first` POSTs with 500."""

    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.bodies: list[dict[str, object]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                failing = len(receiver.bodies) <= receiver.fail_first
                self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=1)
    yield r
    r.close()


TRUSTED = frozenset({"127.0.0.1"})
QUICK = (0.05, 0.05)


def test_a_failing_receiver_is_tried_again(receiver: Receiver) -> None:
    state, error, tries = deliver_webhook(
        receiver.url, {"id": "j1"}, timeout_s=5, trusted_hosts=TRUSTED, delays_s=QUICK
    )
    assert (state, error, tries) == ("sent", None, 2)
    assert receiver.bodies == [{"id": "j1"}, {"id": "j1"}]


def test_a_host_that_does_not_resolve_is_tried_three_times() -> None:
    t0 = time.monotonic()
    state, error, tries = deliver_webhook(
        "http://webhook.invalid/hook", {"id": "j2"}, timeout_s=5, delays_s=(0.3, 0.3)
    )
    assert state == "failed" and tries == WEBHOOK_TRIES == 3
    assert error is not None and "cannot resolve host" in error and "tried 3 times" in error
    assert time.monotonic() - t0 >= 0.6  # it waited between the tries


def test_a_non_public_host_is_refused_at_once(receiver: Receiver) -> None:
    state, error, tries = deliver_webhook(receiver.url, {"id": "j3"}, timeout_s=5)
    assert state == "failed" and tries == 1
    assert error is not None and error.startswith("url_forbidden:")
    assert receiver.bodies == []


def test_a_job_webhook_reaches_a_trusted_receiver_after_a_failure(
    tmp_path: Path, receiver: Receiver
) -> None:
    server = start_server(
        tmp_path,
        "--workers",
        "1",
        "--job-store",
        str(tmp_path / "store"),
        "--allow-webhooks",
        "--webhook-trusted-host",
        "127.0.0.1",
        name="webhook",
    )
    try:
        canvas = synth.Canvas(500, 160)
        canvas.text((30, 50), "Webhook page", size=36)
        with server.client() as c:
            r = c.post(
                "/v1/jobs",
                files=[("file", ("p.png", png_bytes(canvas.image)))],
                data={"webhook_url": receiver.url},
            )
            assert r.status_code == 202, r.text
            job_id = r.json()["id"]
            deadline = time.monotonic() + 120
            body: dict[str, object] = {}
            while time.monotonic() < deadline:
                body = c.get(f"/v1/jobs/{job_id}").json()
                if body.get("webhook", {}).get("state") in ("sent", "failed"):  # type: ignore[union-attr]
                    break
                time.sleep(0.2)
            assert body["webhook"] == {"state": "sent", "error": None}, body
        # The first POST got a 500, the second (2 s later) a 204: the same body both times.
        assert len(receiver.bodies) == 2 and receiver.bodies[0] == receiver.bodies[1]
        sent = receiver.bodies[0]
        assert sent["id"] == job_id and sent["state"] == "done"
        assert sent["result"] == f"/v1/jobs/{job_id}/result" and sent["pages_done"] == 1
    finally:
        stop_server(server)
