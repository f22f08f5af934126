"""Naming the `read` command's output files (its FILE arguments expand through
`promptocr.inputs.paths`).
"""

from __future__ import annotations

from pathlib import Path

from promptocr.inputs.paths import INPUT_EXTENSIONS, Input, expand_inputs

__all__ = ["INPUT_EXTENSIONS", "Input", "expand_inputs", "output_bases"]


def output_bases(files: list[str], out_dir: Path) -> list[Path]:
    """One output path per input, without the format's extension: DIR/<stem>.

    Inputs whose stems collide (a.jpg and a.png, or x.png in two folders) keep their
    extension instead (DIR/a.jpg, DIR/a.png, so `.json` makes a.jpg.json); if even that
    collides, -2, -3 ... is added. No two inputs of one run ever share an output file."""
    stems = [Path(name).stem or "input" for name in files]
    count: dict[str, int] = {}
    for s in stems:
        count[s] = count.get(s, 0) + 1
    used: set[str] = set()
    bases: list[Path] = []
    for name, stem in zip(files, stems, strict=True):
        base = stem if count[stem] == 1 else (Path(name).name or "input")
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        used.add(candidate)
        bases.append(out_dir / candidate)
    return bases
