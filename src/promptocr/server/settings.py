"""Service settings: defaults < config file (TOML or JSON) < `PROMPTOCR_*` env vars < flags.

Every field is documented in docs/deploy.md. Env vars are the upper-cased field name with the
`PROMPTOCR_` prefix (`PROMPTOCR_WORKERS=4`); lists are comma-separated; booleans accept
1/0, true/false, yes/no, on/off.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_PREFIX = "PROMPTOCR_"


class ConfigError(ValueError):
    """The settings are inconsistent or unsafe; the service refuses to start."""


def _cpu_count() -> int:
    """Cores this process may run on (respects CPU affinity, e.g. `taskset`, cpusets)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class ServerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # network
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # work
    workers: int = Field(default_factory=_cpu_count, ge=1, description="OCR worker threads")
    queue_size: int = Field(
        default=16, ge=0, description="requests waiting for a worker before 429"
    )
    request_timeout_s: float = Field(default=120.0, gt=0)
    ocr_threads: int = Field(
        default=0, ge=0, description="threads per model run (0 = cores / workers)"
    )
    runtime: Literal["auto", "openvino", "onnxruntime"] = Field(
        default="auto", description="what runs the models (auto: OpenVINO when installed)"
    )
    precision: Literal["f32", "bf16", "int8"] = Field(
        default="bf16",
        description="OpenVINO inference precision (bf16 needs CPU support; int8: the quantised "
        "recognition model, detection in bf16; OpenVINO only)",
    )
    rec_head: Literal["full", "latin"] = Field(
        default="full",
        description="recognition output head: full, or latin (the documents are declared "
        "Latin, Greek or Cyrillic script: a restricted head, faster; CJK characters that look "
        "like Latin letters may be misread; OpenVINO only)",
    )
    rec_squeeze: Literal["auto"] | float = Field(
        default=1.0,
        description="recognition width factor: a number in [0.5, 1] for every page (1 = off, "
        "the default) or auto (opt-in: a request page's lines are read at full width until 20 "
        "pairs of characters are read; if they showed tightly set glyphs its remaining lines "
        "are narrowed to 0.9; decided from the request's own lines only)",
    )
    rec_gap_spaces: float = Field(
        default=2.5,
        ge=0,
        le=10,
        description="put back word spaces the recogniser left out where two characters stand "
        "more than this many times the line's character pitch apart (0 = off; never between "
        "CJK characters)",
    )
    rec_lexicon: bool = Field(
        default=True,  # as SessionSettings.rec_lexicon
        description="correct words of 4+ letters outside the system's English word list from "
        "the recogniser's own second and third choices where one clearly makes a word (names, "
        "codes and numbers stay as read; full head only)",
    )
    ort_mem_arena: bool = Field(
        default=False, description="onnxruntime CPU memory arena (faster, but keeps its peak)"
    )
    malloc_arena_max: int = Field(
        default=2, ge=0, description="glibc malloc arenas (0 = glibc default); bounds RSS"
    )
    rec_runners: int = Field(default=0, ge=0, description="recognition threads (0 = workers)")
    batch_window_ms: float = Field(default=0.0, ge=0)
    batch_max_crops: int = Field(default=96, ge=1)
    cache_mb: int = Field(default=256, ge=0)
    # limits
    max_body_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    max_pixels: int = Field(default=40_000_000, ge=1)
    max_pages: int = Field(default=50, ge=1)
    max_total_pixels: int = Field(
        default=500_000_000, ge=1, description="all selected pages of one document together"
    )
    max_dpi: int = Field(default=400, ge=36)
    max_prompt_chars: int = Field(default=4000, ge=1, description="longest instruction")
    max_fields: int = Field(default=100, ge=1, description="most fields one instruction names")
    header_timeout_s: float = Field(
        default=10.0, gt=0, description="a client must send its request headers within this"
    )
    # URL fetching (off: SSRF)
    allow_url_fetch: bool = False
    url_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    url_timeout_s: float = Field(default=10.0, gt=0)
    # auth
    api_keys: list[str] = Field(default_factory=list)
    api_keys_file: Path | None = None
    jwt_secret: str | None = None
    jwt_public_key_file: Path | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    insecure_no_auth: bool = False
    # asynchronous jobs (docs/jobs.md)
    job_store: Path | None = Field(
        default=None, description="job store directory (default ~/.local/share/promptocr/jobs)"
    )
    job_workers: int = Field(default=1, ge=1, description="job runner threads")
    job_ttl_s: float = Field(default=7 * 24 * 3600.0, gt=0, description="keep finished jobs")
    job_store_max_mb: int = Field(default=2048, ge=1, description="job store quota (MiB)")
    job_max_pages: int = Field(default=1000, ge=1, description="most pages per job")
    job_max_files: int = Field(default=100, ge=1, description="most files per job")
    job_max_body_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    allow_webhooks: bool = False
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_trusted_hosts: list[str] = Field(
        default_factory=list,
        description="webhook hosts exempt from the public-address rule (an internal receiver)",
    )
    # operations
    model_names: list[str] = Field(default_factory=lambda: ["promptocr", "tencent/HunyuanOCR"])
    log_level: str = "info"
    graceful_timeout_s: float = Field(default=30.0, ge=0)

    @field_validator("api_keys")
    @classmethod
    def _keys(cls, v: list[str]) -> list[str]:
        for key in v:
            if not key.strip():
                raise ValueError(
                    "an API key is empty or whitespace (an unset variable?); refusing to start"
                )
            if key != key.strip():
                raise ValueError("an API key has leading or trailing whitespace")
        return v

    @field_validator("rec_gap_spaces")
    @classmethod
    def _gap_spaces(cls, v: float) -> float:
        if v != 0 and v < 1.5:
            raise ValueError("rec_gap_spaces must be 0 (off) or between 1.5 and 10")
        return v

    @field_validator("rec_squeeze")
    @classmethod
    def _squeeze(cls, v: str | float) -> str | float:
        if v != "auto" and not 0.5 <= float(v) <= 1.0:
            raise ValueError("rec_squeeze must be auto or between 0.5 and 1")
        return v

    @field_validator("jwt_secret")
    @classmethod
    def _secret(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("jwt_secret is empty or whitespace (an unset variable?)")
        return v

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.lower()
        if v not in {"debug", "info", "warning", "error", "critical"}:
            raise ValueError("log_level must be debug, info, warning, error or critical")
        return v

    # ----------------------------------------------------------------------------------------

    def threads_per_run(self) -> int:
        return self.ocr_threads or max(1, _cpu_count() // self.workers)

    def job_store_path(self) -> Path:
        if self.job_store is not None:
            return Path(self.job_store).expanduser()
        from promptocr.jobs.store import default_store_dir

        return default_store_dir()

    def all_api_keys(self) -> list[str]:
        """Keys from `api_keys` plus one per non-empty, non-comment line of `api_keys_file`."""
        keys = list(self.api_keys)
        if self.api_keys_file is not None:
            try:
                text = Path(self.api_keys_file).read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"cannot read api_keys_file {self.api_keys_file}: {exc}") from exc
            for line in text.splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    keys.append(line)
        return keys

    def jwt_public_key(self) -> str | None:
        if self.jwt_public_key_file is None:
            return None
        try:
            return Path(self.jwt_public_key_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read jwt_public_key_file {self.jwt_public_key_file}: {exc}"
            ) from exc

    @property
    def auth_enabled(self) -> bool:
        return bool(
            self.api_keys or self.api_keys_file or self.jwt_secret or self.jwt_public_key_file
        )

    def check_safe_to_start(self) -> None:
        """Refuse to listen beyond loopback without auth unless told it is on purpose."""
        if self.jwt_secret and self.jwt_public_key_file:
            raise ConfigError("set jwt_secret (HS256) or jwt_public_key_file (RS256), not both")
        from promptocr.engines.runtime import precision_problem

        problem = precision_problem(self.runtime, self.precision, self.rec_head)
        if problem:
            raise ConfigError(problem)
        keys = self.all_api_keys()  # raises when the file can't be read
        self.jwt_public_key()
        jwt_on = bool(self.jwt_secret or self.jwt_public_key_file)
        if self.api_keys_file is not None and not keys and not jwt_on:
            raise ConfigError(f"api_keys_file {self.api_keys_file} holds no key")
        if not self.auth_enabled and not is_loopback_host(self.host) and not self.insecure_no_auth:
            raise ConfigError(
                f"refusing to listen on {self.host} without authentication: configure API keys "
                "or JWT (see docs/deploy.md), or pass --insecure-no-auth if this is on purpose"
            )


def is_loopback_host(host: str) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _parse_env_value(name: str, raw: str, annotation: Any) -> Any:
    text = str(annotation)
    if "list" in text:
        return [p.strip() for p in raw.split(",") if p.strip()]
    if annotation is bool:
        low = raw.strip().lower()
        if low in {"1", "true", "yes", "on"}:
            return True
        if low in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a boolean")
    return raw


def from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for name, field in ServerSettings.model_fields.items():
        key = ENV_PREFIX + name.upper()
        if key in env:
            out[name] = _parse_env_value(name, env[key], field.annotation)
            if name == "api_keys" and not out[name]:
                raise ConfigError(
                    f"{key} is set but holds no key (an unset variable?); refusing to start"
                )
    return out


def from_file(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {p}: {exc}") from exc
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(raw)
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {p} is not valid {p.suffix or 'TOML'}: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("server"), dict):
        data = data["server"]
    if not isinstance(data, dict):
        raise ConfigError(f"config file {p} must hold a table/object of settings")
    return data


def load_settings(
    config_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ServerSettings:
    """Merge defaults, file, env and explicit overrides (None values are ignored)."""
    env = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    path = config_file or env.get(ENV_PREFIX + "CONFIG")
    if path:
        merged.update(from_file(path))
    merged.update(from_env(env))
    merged.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return ServerSettings(**merged)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None
