"""Who owns a job: the principal the authenticator derives from the bearer token, and the job
settings (env var and default store path)."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest

from promptocr.jobs.store import default_store_dir
from promptocr.server.auth import Authenticator
from promptocr.server.errors import UnauthorizedError
from promptocr.server.settings import ServerSettings, load_settings

SECRET = "hs256-secret-for-owner-tests-0123456789"


def token(**claims: object) -> str:
    return jwt.encode({"exp": int(time.time()) + 60, **claims}, SECRET, algorithm="HS256")


def test_principal_of_keys_and_tokens() -> None:
    auth = Authenticator(ServerSettings(api_keys=["key-one", "key-two"], jwt_secret=SECRET))
    one = auth.principal("Bearer key-one")
    assert one.startswith("key:") and "key-one" not in one
    assert one == auth.principal("Bearer key-one") != auth.principal("Bearer key-two")
    # Two tokens of the same subject are one owner; another subject is another owner.
    assert auth.principal(f"Bearer {token(sub='alice', jti='1')}") == "sub:alice"
    assert auth.principal(f"Bearer {token(sub='alice', jti='2')}") == "sub:alice"
    assert auth.principal(f"Bearer {token(sub='bob')}") == "sub:bob"
    assert auth.principal(f"Bearer {token(scope='x')}").startswith("jwt:")
    with pytest.raises(UnauthorizedError):
        auth.principal("Bearer nope")
    assert Authenticator(ServerSettings()).principal(None) == "anonymous"


def test_job_settings(tmp_path: Path) -> None:
    s = load_settings(None, None, environ={"PROMPTOCR_JOB_STORE": str(tmp_path / "st")})
    assert s.job_store_path() == tmp_path / "st"
    assert not s.allow_webhooks and s.job_workers == 1
    d = load_settings(None, None, environ={})
    assert d.job_store_path() == default_store_dir()
    assert default_store_dir().parts[-2:] == ("promptocr", "jobs")
