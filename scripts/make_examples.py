"""Regenerate the bundled example images (synthetic data, safe to ship).

Writes examples/receipt.png (the README's first command reads it) and every example the web
page offers into src/promptocr/ui/examples/.
"""

from __future__ import annotations

from pathlib import Path

from promptocr.synth import receipt
from promptocr.ui.example_images import write_examples

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples"
UI_OUT = ROOT / "src" / "promptocr" / "ui" / "examples"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    receipt().save(OUT / "receipt.png")
    for path in write_examples(UI_OUT):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
