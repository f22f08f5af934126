"""The bundled example images and the page's static files are shipped and well-formed."""

from __future__ import annotations

from PIL import Image

from promptocr.ui import EXAMPLES_DIR, STATIC_DIR, is_public_path
from promptocr.ui.example_images import EXAMPLES, gb11643_check_digit


def test_gb11643_check_digit() -> None:
    # Published examples of the ISO 7064 MOD 11-2 check used by resident ID numbers.
    assert gb11643_check_digit("11010519491231002") == "X"
    assert gb11643_check_digit("44052418800101001") == "4"
    assert gb11643_check_digit("11010819900307123") == "8"


def test_examples_are_bundled_small_images() -> None:
    for _render, file_name in EXAMPLES.values():
        path = EXAMPLES_DIR / file_name
        assert path.exists(), f"run scripts/make_examples.py ({file_name} missing)"
        assert path.stat().st_size < 200_000
        with Image.open(path) as img:
            assert min(img.size) >= 300
        # The page offers exactly these files.
        assert f'file: "{file_name}"' in (STATIC_DIR / "app.js").read_text(encoding="utf-8")


def test_page_is_self_contained() -> None:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    for asset in ("app.css", "app.js", "markdown.js", "favicon.svg"):
        assert asset in html and (STATIC_DIR / asset).exists()
    for name in ("index.html", "app.css", "app.js", "markdown.js"):
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        assert "http://" not in text.replace("http://www.w3.org", "")
        assert "cdn" not in text.lower()


def test_public_paths() -> None:
    assert is_public_path("/") and is_public_path("/ui") and is_public_path("/ui/app.js")
    assert is_public_path("/ui/examples/receipt.png")
    assert not is_public_path("/ui/api/preview")
    assert not is_public_path("/v1/ocr") and not is_public_path("/metrics")
