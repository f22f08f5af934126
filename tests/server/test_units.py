"""In-process parts of the service: settings precedence, URL address checks, rec batching."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from promptocr import synth
from promptocr.engines.batching import BatchingRecognizer
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.server.fetch import address_is_public
from promptocr.server.settings import ConfigError, load_settings


def test_settings_precedence(tmp_path: Path) -> None:
    toml = tmp_path / "s.toml"
    toml.write_text('[server]\nworkers = 3\nqueue_size = 5\nlog_level = "debug"\n')
    env = {"PROMPTOCR_QUEUE_SIZE": "7", "PROMPTOCR_ALLOW_URL_FETCH": "yes"}
    s = load_settings(toml, {"log_level": "warning", "port": None}, environ=env)
    assert (s.workers, s.queue_size, s.log_level, s.port) == (3, 7, "warning", 8000)
    assert s.allow_url_fetch is True
    js = tmp_path / "s.json"
    js.write_text('{"max_pages": 9, "api_keys": ["k1"]}')
    s2 = load_settings(None, None, environ={"PROMPTOCR_CONFIG": str(js)})
    assert s2.max_pages == 9 and s2.auth_enabled
    with pytest.raises(ConfigError, match="workers"):
        load_settings(None, {"workers": 0}, environ={})
    with pytest.raises(ConfigError, match="'openvino' or 'onnxruntime'"):
        load_settings(None, None, environ={"PROMPTOCR_RUNTIME": "tensorrt"})
    s3 = load_settings(None, {"runtime": "onnxruntime", "precision": "f32"}, environ={})
    assert (s3.runtime, s3.precision) == ("onnxruntime", "f32")
    s4 = load_settings(None, {"runtime": "onnxruntime", "precision": "int8"}, environ={})
    with pytest.raises(ConfigError, match="int8 needs the OpenVINO runtime"):
        s4.check_safe_to_start()
    load_settings(None, {"precision": "int8"}, environ={}).check_safe_to_start()
    s5 = load_settings(None, None, environ={"PROMPTOCR_REC_HEAD": "latin"})
    assert (s5.rec_head, s5.rec_squeeze) == ("latin", 1.0)
    assert load_settings(None, None, environ={"PROMPTOCR_REC_SQUEEZE": "auto"}).rec_squeeze == (
        "auto"
    )
    assert load_settings(None, None, environ={"PROMPTOCR_REC_SQUEEZE": "0.9"}).rec_squeeze == 0.9
    s6 = load_settings(None, {"runtime": "onnxruntime", "rec_head": "latin"}, environ={})
    with pytest.raises(ConfigError, match="rec-head latin needs the OpenVINO runtime"):
        s6.check_safe_to_start()
    with pytest.raises(ConfigError, match="rec_head"):
        load_settings(None, {"rec_head": "auto"}, environ={})
    with pytest.raises(ConfigError, match="rec_squeeze"):
        load_settings(None, {"rec_squeeze": 0.3}, environ={})
    assert load_settings(None, None, environ={"PROMPTOCR_REC_GAP_SPACES": "0"}).rec_gap_spaces == 0
    lex = load_settings(None, None, environ={"PROMPTOCR_REC_LEXICON": "false"}).rec_lexicon
    assert lex is False and load_settings(None, {"rec_lexicon": True}, environ={}).rec_lexicon
    with pytest.raises(ConfigError, match="rec_gap_spaces must be 0"):
        load_settings(None, {"rec_gap_spaces": 0.5}, environ={})
    with pytest.raises(ConfigError, match="not a boolean"):
        load_settings(None, None, environ={"PROMPTOCR_ALLOW_URL_FETCH": "maybe"})
    with pytest.raises(ConfigError, match="Extra inputs"):
        load_settings(None, {"no_such_setting": 1}, environ={})
    with pytest.raises(ConfigError, match="insecure-no-auth"):
        load_settings(None, {"host": "0.0.0.0"}, environ={}).check_safe_to_start()
    load_settings(None, {"host": "0.0.0.0", "insecure_no_auth": True}, environ={})
    load_settings(None, {"host": "::1"}, environ={}).check_safe_to_start()


def test_address_checks() -> None:
    for addr in (
        "127.0.0.1",
        "10.0.0.8",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "100.64.0.1",
    ):
        assert not address_is_public(addr), addr
    for addr in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"):
        assert address_is_public(addr), addr


def test_batching_merges_concurrent_callers(engine: EmbeddedEngine) -> None:
    texts = ["ALPHA 123", "BRAVO TOTAL 45.60", "CHARLIE", "DELTA 2019-03-14 11:42"]
    crops = []
    for t in texts:
        c = synth.Canvas(24 * len(t) + 40, 56)
        c.text((16, 12), t, size=28)
        crops.append(c.image)
    import numpy as np

    bgr = [np.ascontiguousarray(np.asarray(im)[:, :, ::-1]) for im in crops]
    direct = [r.text for r in engine.recognizer(bgr)]
    seen: list[tuple[int, int]] = []
    batcher = BatchingRecognizer(
        engine.recognizer, window_ms=200, runners=1, on_batch=lambda n, k: seen.append((n, k))
    )
    out: dict[int, list[str]] = {}

    def call(i: int) -> None:
        mine = [bgr[i], bgr[(i + 1) % 4]]
        out[i] = [r.text for r in batcher(mine)]

    threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batcher.close()
    for i in range(4):  # every caller gets its own crops' text back, in its order
        assert out[i] == [direct[i], direct[(i + 1) % 4]]
    assert direct == texts
    assert sum(k for _, k in seen) == 4 and max(k for _, k in seen) > 1  # calls were merged
    assert batcher([bgr[0]])[0].text == texts[0]  # after close: runs inline


def test_work_is_cancelled_with_the_request_awaiting_it() -> None:
    """When the task awaiting `WorkPool.run` is cancelled (uvicorn does it to requests still
    running past its graceful shutdown timeout), the work's token is cancelled too, so the work
    stops at its next check instead of running on with nobody waiting for it."""
    import asyncio

    from promptocr.cancel import CancelToken
    from promptocr.server.metrics import Metrics
    from promptocr.server.work import WorkPool

    pool = WorkPool(1, 1, Metrics())
    started = threading.Event()
    seen: list[str] = []

    def work(token: CancelToken) -> None:
        started.set()
        for _ in range(500):  # up to 5 s; the cancel arrives at once
            if token.cancelled:
                seen.append(token.reason)
                return
            time.sleep(0.01)
        seen.append("ran to the end")

    async def main() -> None:
        task = asyncio.ensure_future(pool.run(work, 60.0))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert pool.close(60.0) is True
    assert seen == ["the request was cancelled"]
