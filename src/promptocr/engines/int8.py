"""The int8 recognition model (`precision="int8"`, OpenVINO only).

It is the rapidocr wheel's PP-OCRv6 small recognition ONNX model after NNCF post-training
quantisation (accuracy-controlled), calibrated on pages the project renders plus two dev images
(scripts/quantize_models.py makes it; docs/benchmarks.md, "int8 on OpenVINO", says how it was
measured, and why detection stays bf16: its int8 copy was no faster). It ships in this package
as OpenVINO IR (`promptocr/models/*.int8.xml` + `.bin`); nothing is downloaded. Both files'
SHA-256 are checked before the first load, so a truncated or swapped file is refused, not read.

The convolutions and matrix products run in int8; what NNCF left in float runs in f32
(runtime.INT8_FLOAT_PRECISION), so the result does not depend on the CPU having bfloat16.
Detection, the line classifier and the layout model run as under `bf16`.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

# file name -> SHA-256 (scripts/quantize_models.py prints them).
INT8_FILES: dict[str, str] = {
    "PP-OCRv6_rec_small.int8.xml": "79f7001647da2b5892778d2189380f2acb655b43062d6bb789251576f614fa03",
    "PP-OCRv6_rec_small.int8.bin": "12d081c469984e421d38928aa42e56516caf3b60572856e55430dd0e4eb2fe0a",
}
INT8_REC = "PP-OCRv6_rec_small.int8.xml"

_checked: set[Path] = set()
_lock = threading.Lock()


def models_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "models"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def int8_model_path(name: str, directory: Path | None = None) -> Path:
    """Path of the int8 model `name` (its .xml), after checking the .xml and .bin hashes."""
    if name not in INT8_FILES:
        raise ValueError(f"no int8 model named {name!r}")
    xml = (directory or models_dir()) / name
    with _lock:
        if xml in _checked:
            return xml
        for f in (xml, xml.with_suffix(".bin")):
            if not f.is_file():
                raise RuntimeError(f"int8 model file {f} is missing (precision int8)")
            got = sha256(f)
            if got != INT8_FILES[f.name]:
                raise RuntimeError(
                    f"int8 model file {f} has SHA-256 {got}, expected {INT8_FILES[f.name]}"
                )
        _checked.add(xml)
    return xml
