"""Auth: API keys (file and env), HS256 and RS256 JWTs, open health endpoints, safe binding."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from typing import Any

import httpx
import jwt
import openai
import pytest
from server_helpers import API_KEY, AUDIENCE, JWT_SECRET, RunningServer


def _ocr(server: RunningServer, png: bytes, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    with httpx.Client(base_url=server.url, timeout=120) as c:
        return c.post("/v1/ocr", json={"image": base64.b64encode(png).decode()}, headers=headers)


def _claims(**kw: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "tester", "iat": now, "exp": now + 300, "aud": AUDIENCE, **kw}


def _unauthorized(r: httpx.Response, code: str = "unauthorized") -> None:
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == code
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_api_keys(auth_server: RunningServer, line_png: bytes) -> None:
    _unauthorized(_ocr(auth_server, line_png, None))
    _unauthorized(_ocr(auth_server, line_png, "wrong-key"))
    with httpx.Client(base_url=auth_server.url, timeout=60) as c:
        r = c.post("/v1/ocr", json={}, headers={"Authorization": f"Basic {API_KEY}"})
        _unauthorized(r)
    assert _ocr(auth_server, line_png, API_KEY).status_code == 200
    assert _ocr(auth_server, line_png, "env-key-2").status_code == 200


def test_open_and_closed_endpoints(auth_server: RunningServer) -> None:
    with httpx.Client(base_url=auth_server.url, timeout=60) as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 200
        for path in ("/metrics", "/v1/models", "/openapi.json", "/docs"):
            _unauthorized(c.get(path))
        ok = c.get("/metrics", headers={"Authorization": f"Bearer {API_KEY}"})
        assert ok.status_code == 200
        # OpenAI routes answer auth errors in OpenAI's shape
        err = c.get("/v1/models").json()["error"]
        assert err["type"] == "authentication_error" and err["code"] == "unauthorized"


def test_openai_client_with_key(auth_server: RunningServer) -> None:
    good = openai.OpenAI(base_url=auth_server.url + "/v1", api_key=API_KEY, max_retries=0)
    assert "promptocr" in [m.id for m in good.models.list()]
    bad = openai.OpenAI(base_url=auth_server.url + "/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()


def test_hs256_jwt(auth_server: RunningServer, line_png: bytes) -> None:
    good = jwt.encode(_claims(), JWT_SECRET, algorithm="HS256")
    assert _ocr(auth_server, line_png, good).status_code == 200
    expired = jwt.encode(_claims(exp=int(time.time()) - 60), JWT_SECRET, algorithm="HS256")
    _unauthorized(_ocr(auth_server, line_png, expired), "token_expired")
    wrong_aud = jwt.encode(_claims(aud="someone-else"), JWT_SECRET, algorithm="HS256")
    _unauthorized(_ocr(auth_server, line_png, wrong_aud))
    no_exp = {k: v for k, v in _claims().items() if k != "exp"}
    _unauthorized(_ocr(auth_server, line_png, jwt.encode(no_exp, JWT_SECRET, algorithm="HS256")))
    forged = jwt.encode(_claims(), "not-the-secret-but-long-enough-0123", algorithm="HS256")
    _unauthorized(_ocr(auth_server, line_png, forged))


def test_rs256_jwt(rs256_server: RunningServer, rsa_keys: Any, line_png: bytes) -> None:
    claims = {k: v for k, v in _claims().items() if k != "aud"}
    good = jwt.encode(claims, rsa_keys.private_pem, algorithm="RS256")
    ok = _ocr(rs256_server, line_png, good)
    assert ok.status_code == 200
    # that server reads with --rec-head latin: the setting reaches the engine (usage counts it)
    body = ok.json()
    assert "INVOICE 2024-117 TOTAL 58.20" in json.dumps(body)
    assert sum(body["usage"]["rec_head"].values()) == body["usage"]["lines_recognized"] >= 1
    expired = jwt.encode(
        {**claims, "exp": int(time.time()) - 60}, rsa_keys.private_pem, algorithm="RS256"
    )
    _unauthorized(_ocr(rs256_server, line_png, expired), "token_expired")
    other = jwt.encode(claims, rsa_keys.other_private_pem, algorithm="RS256")
    _unauthorized(_ocr(rs256_server, line_png, other))
    # algorithm confusion: an HS256 token "signed" with the public key must not pass
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
    _unauthorized(_ocr(rs256_server, line_png, header + ".e30.c2ln"))
    _unauthorized(_ocr(rs256_server, line_png, None))


def test_refuses_public_bind_without_auth() -> None:
    cmd = [sys.executable, "-m", "promptocr.cli.main", "serve", "--host", "0.0.0.0", "--port", "0"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "--insecure-no-auth" in p.stderr
    bad = subprocess.run(
        [*cmd[:-4], "--jwt-secret", "s", "--jwt-public-key-file", "/nonexistent.pem"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "not both" in bad.stderr
