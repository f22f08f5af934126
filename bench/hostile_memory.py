"""Peak memory of the server on the hostile multi-page inputs of issue 11 (a benchmark, not a
test): a ~2 KB PDF of 50 blank 2270x2270 pt pages (50 x 6306x6306 px at 200 dpi) and a 50-frame
TIFF of blank 5000x5000 frames.

    .venv/bin/python bench/hostile_memory.py

For each input it starts `promptocr serve` twice, with the default limits (where the file is
refused with a 413 before anything is rendered) and with `--max-total-pixels` raised so that
every page is rendered and read, and prints the status and the server's peak RSS (VmHWM)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image

from promptocr import synth

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "server"))
from server_helpers import free_port  # noqa: E402


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTOCR_")}
    log = open(Path(tempfile.gettempdir()) / f"hostile-{port}.log", "wb")  # noqa: SIM115
    cmd = [sys.executable, "-m", "promptocr.cli.main", "serve", "--port", str(port), *args]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)


def main() -> None:
    pdf = synth.write_pdf([synth.PdfPage(width_pt=2270, height_pt=2270) for _ in range(50)])
    frames = [Image.new("1", (5000, 5000), 1) for _ in range(50)]
    buf = io.BytesIO()
    frames[0].save(
        buf, format="TIFF", save_all=True, append_images=frames[1:], compression="group4"
    )
    inputs = {"50-page PDF": pdf, "50-frame TIFF": buf.getvalue()}
    print("| input | bytes | server limits | status | seconds | server peak RSS |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, data in inputs.items():
        for limits in ([], ["--max-total-pixels", "3000000000", "--request-timeout", "600"]):
            proc, url = serve("--max-pages", "50", *limits)
            try:
                idle = peak_rss_mb(proc.pid)
                t0 = time.perf_counter()
                r = httpx.post(url + "/v1/ocr", files={"file": ("f", data)}, timeout=900)
                dt = time.perf_counter() - t0
                peak = peak_rss_mb(proc.pid)
            finally:
                proc.terminate()
                proc.wait(timeout=60)
            what = "defaults" if not limits else "--max-total-pixels 3e9"
            print(
                f"| {label} | {len(data):,} | {what} | {r.status_code} | {dt:.1f} | "
                f"{peak:.0f} MB (idle after loading {idle:.0f} MB) |"
            )


if __name__ == "__main__":
    main()
