"""Input arguments to files: folders searched recursively for image and PDF files (other files in
them are skipped, by extension), glob patterns expanded here too (for shells that pass them
through unexpanded: Windows cmd, a quoted pattern). Everything comes out in sorted order, so a
run is repeatable. `promptocr read`, `read --server` and `promptocr batch` all expand through
here.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

# What a folder contributes: the extensions the loader reads (see promptocr.inputs.loader).
INPUT_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".jpe", ".webp", ".bmp", ".dib", ".gif", ".tif", ".tiff", ".pdf"}
)
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Input:
    """One file to read, or (with `error` set) an argument that gave no file at all: an empty
    folder, a glob that matches nothing. Kept in argument order so errors print in order."""

    path: str
    error: str | None = None


def folder_files(folder: Path) -> list[str]:
    found = [
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in INPUT_EXTENSIONS and p.is_file() and not p.name.startswith(".")
    ]
    return [str(p) for p in sorted(found)]


def expand_inputs(args: list[str]) -> list[Input]:
    """FILE arguments -> the files to read, in order. A path that does not exist and is no
    pattern stays as it is, so the loader reports it ("file not found") like any bad file."""
    out: list[Input] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            found = folder_files(path)
            if not found:
                out.append(Input(arg, "folder holds no image or PDF files"))
            out.extend(Input(f) for f in found)
        elif not path.exists() and _GLOB_CHARS & set(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                out.append(Input(arg, "no file matches this pattern"))
            for m in matches:
                out.extend(Input(f) for f in (folder_files(Path(m)) if Path(m).is_dir() else [m]))
        else:
            out.append(Input(arg))
    return out
