"""Read an OCR ground-truth folder: `<dir>/gt.jsonl` (one JSON object per image) + its images.

Format (see the data README): `{"image": "images/x.jpg", "width", "height",
"lines": [{"text", "box": [[x, y] * 4], "ignore"?}], ...}`; unknown keys are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from promptocr.errors import InvalidInputError

Quad = tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class GTLine:
    text: str
    box: Quad
    ignore: bool = False


@dataclass(frozen=True, slots=True)
class Sample:
    image: Path
    width: int
    height: int
    lines: tuple[GTLine, ...]

    @property
    def name(self) -> str:
        return self.image.name


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    root: Path
    samples: tuple[Sample, ...]


def _quad(raw: object, where: str) -> Quad:
    if not isinstance(raw, list) or len(raw) < 3:
        raise InvalidInputError(f"{where}: 'box' must be a list of [x, y] points")
    try:
        return tuple((float(p[0]), float(p[1])) for p in raw)
    except (TypeError, ValueError, IndexError):
        raise InvalidInputError(f"{where}: 'box' must be a list of [x, y] points") from None


def load_dataset(root: str | Path, limit: int | None = None) -> Dataset:
    """Parse `root/gt.jsonl`; `limit` keeps the first N images. Raises InvalidInputError."""
    root = Path(root)
    gt = root / "gt.jsonl"
    if not gt.is_file():
        raise InvalidInputError(f"{root}: no gt.jsonl in this folder", source=str(root))
    samples: list[Sample] = []
    with gt.open(encoding="utf-8") as fh:
        for n, raw_line in enumerate(fh, 1):
            if not raw_line.strip():
                continue
            where = f"{gt}:{n}"
            try:
                row = json.loads(raw_line)
                image = root / str(row["image"])
                lines = tuple(
                    GTLine(str(ln["text"]), _quad(ln["box"], where), bool(ln.get("ignore", False)))
                    for ln in row.get("lines", [])
                )
                sample = Sample(image, int(row["width"]), int(row["height"]), lines)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise InvalidInputError(f"{where}: bad ground-truth row ({exc})") from None
            if not image.is_file():
                raise InvalidInputError(f"{where}: image {image} does not exist")
            samples.append(sample)
            if limit is not None and len(samples) >= limit:
                break
    if not samples:
        raise InvalidInputError(f"{gt}: no images listed", source=str(root))
    return Dataset(root.resolve().name, root, tuple(samples))
