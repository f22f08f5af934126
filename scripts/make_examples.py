"""Regenerate the bundled example images in examples/ (synthetic data, safe to ship)."""

from __future__ import annotations

from pathlib import Path

from promptocr.synth import receipt

OUT = Path(__file__).resolve().parent.parent / "examples"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    receipt().save(OUT / "receipt.png")


if __name__ == "__main__":
    main()
