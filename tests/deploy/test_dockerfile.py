"""The Dockerfile's steps, run here without a container build.

This sandbox cannot build the image: podman and buildah install from Debian, but no container
registry is reachable, so `FROM python:3.11-slim` cannot be pulled. Instead this test runs
what the Dockerfile does, step by step, on this machine:

- the build context is what .dockerignore lets through (pyproject.toml, README.md, src/);
- the build stage: a fresh virtual environment, `pip wheel --no-deps` of that context, the
  wheel installed into the fresh environment, `compileall`. The dependencies are not
  downloaded again: the fresh environment sees the shared dev environment's site-packages
  (a .pth line), and the test checks that every pin the wheel declares is the version found
  there, which is what pip would resolve in the image;
- the runtime stage: the model warm-up RUN step with the fresh environment's Python, then the
  ENTRYPOINT/CMD with the image's ENV, as USER 10001 (when root), on a read-only root
  filesystem with a tmpfs /tmp (a private mount namespace: `unshare --mount`), answering the
  HEALTHCHECK command, /readyz and an authenticated OCR request.

What it does not check: the base image's own contents, apt-get in the runtime stage (the
packages are the ones scripts/setup.sh installs here), and the image's size.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import httpx

from promptocr import synth

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "server"))
from server_helpers import free_port, png_bytes  # noqa: E402

API_KEY = "container-test-key-0123456789"


def parse_dockerfile(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        instr, _, args = buf.partition(" ")
        out.append((instr.upper(), args.strip()))
        buf = ""
    return out


def stages(instructions: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    named: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for instr, args in instructions:
        if instr == "FROM":
            name = args.split(" AS ")[-1].strip() if " AS " in args else str(len(named))
            current = named.setdefault(name, [])
        if current is not None:
            current.append((instr, args))
    return named


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for instr, args in stage:
        if instr == "ENV":
            for token in shlex.split(args):
                key, _, value = token.partition("=")
                env[key] = value
    return env


def context_files(root: Path) -> list[Path]:
    """Files `docker build` would send, by .dockerignore's rules (last matching rule wins)."""
    rules = [ln.strip() for ln in (root / ".dockerignore").read_text().splitlines()]
    rules = [r for r in rules if r and not r.startswith("#")]
    sent: list[Path] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".git/") or rel == ".git":
            continue
        included = True
        for rule in rules:
            neg = rule.startswith("!")
            pat = rule[1:] if neg else rule
            pat = pat.rstrip("/")
            parts = rel.split("/")
            hit = any(
                fnmatch("/".join(parts[:i]), pat) or fnmatch(rel, pat.replace("**/", "*"))
                for i in range(1, len(parts) + 1)
            )
            if hit:
                included = neg
        if included:
            sent.append(path)
    return sent


def test_dockerfile_shape() -> None:
    text = (ROOT / "Dockerfile").read_text()
    ins = parse_dockerfile(ROOT / "Dockerfile")
    st = stages(ins)
    assert list(st) == ["build", "runtime"], "multi-stage: build, then runtime"
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text
    runtime = st["runtime"]
    assert ("COPY", "--from=build /opt/promptocr /opt/promptocr") in runtime
    users = [a for i, a in runtime if i == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    health = [a for i, a in runtime if i == "HEALTHCHECK"]
    assert len(health) == 1 and "/healthz" in health[0]
    steps = " ".join(a for _, a in ins)
    assert "curl" not in steps and "wget" not in steps  # slim has neither
    env = env_of(runtime)
    assert env["PROMPTOCR_HOST"] == "0.0.0.0" and env["HOME"] == "/tmp"
    assert [a for i, a in runtime if i == "VOLUME"] == ['["/var/lib/promptocr"]']
    # every COPY source exists in the build context .dockerignore lets through
    sent = {p.relative_to(ROOT).as_posix() for p in context_files(ROOT)}
    for stage in st.values():
        for instr, args in stage:
            if instr == "COPY" and not args.startswith("--from"):
                for src in shlex.split(args)[:-1]:
                    src = src.rstrip("/")
                    assert any(s == src or s.startswith(src + "/") for s in sent), src
    assert "pyproject.toml" in sent and "src/promptocr/cli/main.py" in sent
    assert not any(s.startswith(("tests/", "docs/", ".venv/")) for s in sent)
    assert not any("__pycache__" in s for s in sent)


def expose_interpreter(prefix: Path) -> str:
    """Mount commands that make the base Python readable by another user in the namespace when
    it lives under a private directory (pyenv under /root); nothing for /usr or /usr/local."""
    hidden = next(
        (a for a in reversed(prefix.parents) if a != Path("/") and not a.stat().st_mode & 0o001),
        None,
    )
    if hidden is None:
        return ""
    rel = shlex.quote(str(prefix.relative_to(hidden)))
    q_hidden, q_prefix = shlex.quote(str(hidden)), shlex.quote(str(prefix))
    return (
        f"mkdir /opt/.base && mount --bind {q_hidden} /opt/.base\n"
        f"mount -t tmpfs -o mode=755 tmpfs {q_hidden}\n"
        f"mkdir -p {q_prefix} && mount --bind /opt/.base/{rel} {q_prefix}\n"
    )


def clean_env() -> dict[str, str]:
    """This environment without PYTHONPATH: the fresh venv must not see the checkout's src/."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    kw.setdefault("env", clean_env())
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    assert res.returncode == 0, f"{cmd}\n{res.stdout}\n{res.stderr}"
    return res  # type: ignore[no-any-return]


def test_dockerfile_steps_in_a_fresh_venv_read_only_root_non_root(tmp_path: Path) -> None:
    ins = parse_dockerfile(ROOT / "Dockerfile")
    st = stages(ins)
    # -- the build context, as .dockerignore sends it
    ctx = tmp_path / "context"
    for f in context_files(ROOT):
        dest = ctx / f.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dest)
    # -- build stage: venv, wheel, install, compileall
    build_run = " ".join(a for i, a in st["build"] if i == "RUN")
    for step in ("python -m venv /opt/promptocr", "pip wheel --no-deps", "compileall"):
        assert step in build_run
    venv = tmp_path / "opt-promptocr"
    run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)])  # type: ignore[attr-defined]
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    # --no-build-isolation: setuptools comes from the dev environment instead of PyPI
    run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ctx)])
    (wheel,) = wheels.glob("promptocr-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "promptocr/py.typed",
        "promptocr/ui/static/index.html",
        "promptocr/ui/examples/receipt.png",
        "promptocr/batch.py",
    ):
        assert needed in names, needed
    py = str(venv / "bin" / "python")
    run([*pip, "--python", py, "install", "-q", "--no-deps", "--no-index", str(wheel)])
    site = Path(
        run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    )
    # The dependencies come from this (dev) environment. Inside the namespace below they are
    # bind-mounted at /opt/.deps, since the checkout may live under /tmp (hidden there by the
    # tmpfs) or under a directory the image's user cannot enter; site only adds paths that exist.
    dev_site = sysconfig.get_path("purelib")
    (site / "zz-shared-deps.pth").write_text(f"{dev_site}\n/opt/.deps\n")
    check = run(
        [
            py,
            "-c",
            "import importlib.metadata as m, re, promptocr\n"
            "print(promptocr.__file__)\n"
            "for req in m.requires('promptocr') or []:\n"
            "    if 'extra ==' in req: continue\n"
            "    name, pin = re.match(r'([A-Za-z0-9_.-]+)==([^; ]+)', req).groups()\n"
            "    assert m.version(name) == pin, (name, m.version(name), pin)\n",
        ],
        cwd=tmp_path,
    )
    assert check.stdout.startswith(str(site)), "promptocr must come from the wheel"
    run([py, "-m", "compileall", "-q", "-j", "0", str(site / "promptocr")])
    # -- runtime stage: the warm-up RUN step (models from the wheels, nothing downloaded)
    runtime = st["runtime"]
    env = env_of(runtime)
    warm = [a for i, a in runtime if i == "RUN" and "warm_up" in a]
    assert len(warm) == 1
    warm_cmd = shlex.split(warm[0])
    assert warm_cmd[0] == "python"
    run([py, *warm_cmd[1:]], cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})

    # -- ENTRYPOINT + CMD as USER on a read-only root with a tmpfs /tmp
    entry = shlex.split(
        [a for i, a in runtime if i == "ENTRYPOINT"][0].strip("[]").replace(",", " ")
    )
    cmd = shlex.split([a for i, a in runtime if i == "CMD"][0].strip("[]").replace(",", " "))
    assert entry == ["promptocr"] and cmd == ["serve"]
    uid = [a for i, a in runtime if i == "USER"][-1].split(":")[0]
    port = free_port()
    env.update(
        PATH=env["PATH"].replace("$PATH", "/usr/bin:/bin"),
        PROMPTOCR_PORT=str(port),
        PROMPTOCR_API_KEYS=API_KEY,
        PROMPTOCR_WORKERS="1",
    )
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    serve = f"env -i {exports} /opt/promptocr/bin/python -m promptocr.cli.main serve"
    if os.geteuid() == 0:
        ns = ["unshare", "--mount", "--propagation", "private"]
        serve = f"setpriv --reuid {uid} --regid {uid} --clear-groups {serve}"
    else:  # without root: a user namespace; the server runs as its mapped root
        ns = ["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private"]
    script = (
        "set -e\n"
        "mount -t tmpfs -o mode=755 tmpfs /opt\n"
        "mkdir /opt/promptocr\n"
        f"mount --bind {shlex.quote(str(venv))} /opt/promptocr\n"
        "mkdir /opt/.deps\n"
        f"mount --bind {shlex.quote(dev_site)} /opt/.deps\n"
        + expose_interpreter(Path(sys.base_prefix))
        + "mount -t tmpfs -o mode=1777 tmpfs /tmp\n"
        "mount -o remount,bind,ro /\n"  # this namespace's view only
        "cd /tmp\n"
        f"exec {serve}\n"
    )
    log = tmp_path / "container.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen([*ns, "sh", "-c", script], stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline, log.read_text()
            time.sleep(0.3)
        # the HEALTHCHECK command, as Docker would run it inside the container
        health = [a for i, a in runtime if i == "HEALTHCHECK"][0]
        hc = shlex.split(health.split(" CMD ", 1)[1])
        assert hc[0] == "python"
        res = subprocess.run(
            [py, *hc[1:]], env={"PROMPTOCR_PORT": str(port)}, capture_output=True, timeout=30
        )
        assert res.returncode == 0, res.stderr
        page = png_bytes(synth.numbered_page(7).image)
        files = {"file": ("p.png", page, "image/png")}
        assert httpx.post(url + "/v1/ocr", files=files, timeout=60).status_code == 401
        ok = httpx.post(
            url + "/v1/ocr",
            files=files,
            data={"prompt": "read the text"},
            headers={"Authorization": f"Bearer {API_KEY}"},
            timeout=120,
        )
        assert ok.status_code == 200, ok.text
        assert "page number 7" in ok.json()["content"]
        if os.geteuid() == 0:
            # unshare, sh, setpriv and env all exec: the process is the server itself
            status = Path(f"/proc/{proc.pid}/status").read_text()
            assert re.search(rf"^Uid:\s+{uid}\s", status, re.M), status
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
    text = log.read_text()
    # uvicorn drains, then re-raises SIGTERM: a clean stop ends in -15 with this line logged
    assert code in (0, -signal.SIGTERM) and "Finished server process" in text, text
    assert "Read-only file system" not in text and "Traceback" not in text, text
