"""Real servers for the HTTP tests: `promptocr serve` subprocesses on free ports, real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from server_helpers import (
    API_KEY,
    AUDIENCE,
    JWT_SECRET,
    RunningServer,
    png_bytes,
    start_server,
    stop_server,
)

from promptocr import synth


@pytest.fixture(scope="session")
def server_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="session")
def server(server_tmp: Path) -> Iterator[RunningServer]:
    """No auth (loopback), small limits so every limit can be hit with small inputs."""
    s = start_server(
        server_tmp,
        "--workers",
        "2",
        "--max-pixels",
        "4000000",
        "--max-pages",
        "3",
        "--max-body-bytes",
        "3000000",
        name="main",
    )
    yield s
    stop_server(s)


@pytest.fixture(scope="session")
def auth_server(server_tmp: Path) -> Iterator[RunningServer]:
    """API keys from a file and from the environment, plus HS256 JWTs with an audience."""
    keys = server_tmp / "keys.txt"
    keys.write_text(f"# one key per line\n{API_KEY}\n")
    s = start_server(
        server_tmp,
        "--workers",
        "1",
        "--api-keys-file",
        str(keys),
        "--jwt-audience",
        AUDIENCE,
        env={"PROMPTOCR_JWT_SECRET": JWT_SECRET, "PROMPTOCR_API_KEYS": "env-key-1,env-key-2"},
        name="auth",
    )
    yield s
    stop_server(s)


@dataclass
class RSAKeys:
    private_pem: bytes
    public_pem: bytes
    other_private_pem: bytes


@pytest.fixture(scope="session")
def rsa_keys() -> RSAKeys:
    def make() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    key, other = make(), make()
    pem = serialization.Encoding.PEM
    priv = serialization.PrivateFormat.PKCS8
    none = serialization.NoEncryption()
    return RSAKeys(
        key.private_bytes(pem, priv, none),
        key.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo),
        other.private_bytes(pem, priv, none),
    )


@pytest.fixture(scope="session")
def rs256_server(server_tmp: Path, rsa_keys: RSAKeys) -> Iterator[RunningServer]:
    pub = server_tmp / "jwt_public.pem"
    pub.write_bytes(rsa_keys.public_pem)
    # Also the restricted recognition head (the server's --rec-head latin): its tests read only
    # Latin text, and one server start is saved.
    s = start_server(
        server_tmp,
        "--workers",
        "1",
        "--jwt-public-key-file",
        str(pub),
        "--rec-head",
        "latin",
        "--rec-squeeze",
        "0.9",
        name="rs256",
    )
    yield s
    stop_server(s)


@pytest.fixture(scope="session")
def tiny_server(server_tmp: Path) -> Iterator[RunningServer]:
    """One worker, a queue of one, URL fetching enabled (to test the address checks)."""
    cfg = server_tmp / "tiny.toml"
    cfg.write_text("[server]\nworkers = 1\nqueue_size = 1\nallow_url_fetch = true\n")
    s = start_server(server_tmp, "--config", str(cfg), name="tiny")
    yield s
    stop_server(s)


@pytest.fixture(scope="session")
def receipt_png() -> bytes:
    return png_bytes(synth.receipt().image)


@pytest.fixture(scope="session")
def line_png() -> bytes:
    c = synth.Canvas(520, 90)
    c.text((20, 25), "INVOICE 2024-117 TOTAL 58.20", size=30)
    return png_bytes(c.image)
