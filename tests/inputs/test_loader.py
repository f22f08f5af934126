"""Decoding every supported format and mode, PDFs, page ranges, and every kind of bad input."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from promptocr import synth
from promptocr.errors import (
    EncryptedPDFError,
    InputTooLargeError,
    InvalidInputError,
    PageRangeError,
    PromptOCRError,
    UnsupportedFormatError,
)
from promptocr.inputs.loader import InputLimits, load_pages, parse_page_range, sniff_kind

RED = (220, 30, 40)


def encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def marked(size: tuple[int, int] = (60, 40)) -> Image.Image:
    """White image with a red square in its top-left quarter (to check orientation/colour)."""
    img = Image.new("RGB", size, "white")
    img.paste(RED, (0, 0, size[0] // 2, size[1] // 2))
    return img


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


# --------------------------------------------------------------------------------------------
# Formats and modes


@pytest.mark.parametrize(
    ("fmt", "kw", "tol"),
    [
        ("PNG", {}, 0),
        ("BMP", {}, 0),
        ("WEBP", {"lossless": True}, 0),
        ("TIFF", {}, 0),
        ("JPEG", {"quality": 95}, 12),
        ("GIF", {}, 0),
    ],
)
def test_each_format_decodes_to_rgb(
    tmp_path: Path, fmt: str, kw: dict[str, object], tol: int
) -> None:
    path = write(tmp_path, f"img.{fmt.lower()}", encode(marked(), fmt, **kw))
    (page,) = load_pages(path)
    assert page.image.dtype == np.uint8 and page.image.shape == (40, 60, 3)
    assert page.source == str(path) and page.index == 0
    assert np.abs(page.image[5, 5].astype(int) - RED).max() <= tol
    assert np.abs(page.image[35, 55].astype(int) - 255).max() <= tol


def test_bytes_input_uses_the_given_name() -> None:
    (page,) = load_pages(encode(marked(), "PNG"), name="upload.png")
    assert page.source == "upload.png"


def test_gif_animation_reads_the_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (30, 20), c) for c in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    pages = load_pages(write(tmp_path, "anim.gif", data))
    assert len(pages) == 1
    assert tuple(pages[0].image[10, 10]) == (255, 0, 0)


def test_multi_page_tiff_and_page_ranges(tmp_path: Path) -> None:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    path = synth.save_tiff(
        [Image.new("RGB", (20 + i, 10), c) for i, c in enumerate(colours)], tmp_path / "m.tiff"
    )
    pages = load_pages(path)
    assert [p.index for p in pages] == [0, 1, 2, 3]
    assert [tuple(p.image[5, 5]) for p in pages] == colours
    assert [p.width for p in pages] == [20, 21, 22, 23]
    picked = load_pages(path, pages="2-3")
    assert [p.index for p in picked] == [1, 2]
    assert [tuple(p.image[0, 0]) for p in picked] == colours[1:3]
    assert [p.index for p in load_pages(path, pages="4,1")] == [0, 3]
    with pytest.raises(PageRangeError, match="page 5 requested but the document has 4"):
        load_pages(path, pages="5")


@pytest.mark.parametrize(
    ("orientation", "shape", "red_at"),
    [
        (1, (40, 60), (5, 5)),
        (3, (40, 60), (35, 55)),
        (6, (60, 40), (5, 35)),
        (8, (60, 40), (55, 5)),
    ],
)
def test_exif_orientation_is_applied(
    tmp_path: Path, orientation: int, shape: tuple[int, int], red_at: tuple[int, int]
) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = write(tmp_path, "photo.jpg", encode(marked(), "JPEG", quality=95, exif=exif))
    (page,) = load_pages(path)
    assert page.image.shape[:2] == shape
    assert np.abs(page.image[red_at].astype(int) - RED).max() <= 12


def test_greyscale_palette_bilevel_and_alpha_modes(tmp_path: Path) -> None:
    grey = Image.new("L", (20, 10), 40)
    assert tuple(load_pages(encode(grey, "PNG"))[0].image[5, 5]) == (40, 40, 40)
    bilevel = Image.new("1", (20, 10), 0)
    assert tuple(load_pages(encode(bilevel, "PNG"))[0].image[5, 5]) == (0, 0, 0)
    # RGBA: fully transparent pixels become white, opaque ones keep their colour
    rgba = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    rgba.paste((10, 20, 30, 255), (0, 0, 10, 10))
    img = load_pages(encode(rgba, "PNG"))[0].image
    assert tuple(img[5, 2]) == (10, 20, 30) and tuple(img[5, 15]) == (255, 255, 255)
    la = Image.new("LA", (20, 10), (0, 128))
    assert 120 <= int(load_pages(encode(la, "PNG"))[0].image[5, 5][0]) <= 135
    # palette with a transparent index (GIF and PNG)
    pal = Image.new("P", (20, 10), 0)
    pal.putpalette([0, 0, 0, 200, 10, 10] + [0] * 762)
    pal.paste(1, (0, 0, 10, 10))
    for fmt in ("PNG", "GIF"):
        img = load_pages(encode(pal, fmt, transparency=0))[0].image
        assert tuple(img[5, 2]) == (200, 10, 10), fmt
        assert tuple(img[5, 15]) == (255, 255, 255), fmt


def test_sixteen_bit_greyscale_keeps_its_range() -> None:
    arr = np.full((10, 20), 65535, dtype=np.uint16)
    arr[:, :10] = 0
    arr[0, 0] = 32896  # 128 * 257
    img = Image.fromarray(arr)
    assert img.mode.startswith("I;16")
    out = load_pages(encode(img, "PNG"))[0].image
    assert tuple(out[5, 15]) == (255, 255, 255) and tuple(out[5, 5]) == (0, 0, 0)
    assert tuple(out[0, 0]) == (128, 128, 128)
    # a blank 16-bit page stays blank (no contrast stretch of noise into ink)
    flat = np.full((10, 20), 60000, dtype=np.uint16)
    flat[0, 0] = 60100
    out = load_pages(encode(Image.fromarray(flat), "PNG"))[0].image
    assert int(out.max()) - int(out.min()) <= 1


@pytest.mark.parametrize("fmt", ["JPEG", "TIFF"])
def test_cmyk_images_come_out_in_rgb(fmt: str) -> None:
    cmyk = marked().convert("CMYK")
    data = encode(cmyk, fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    img = load_pages(data)[0].image
    assert np.abs(img[5, 5].astype(int) - RED).max() <= 16
    assert img[35, 55].min() >= 240


# --------------------------------------------------------------------------------------------
# PDF


def test_pdf_colours_and_dpi() -> None:
    page = synth.PdfPage(
        width_pt=144,
        height_pt=72,
        rects=[
            ((0, 0, 72, 72), (1, 0, 0)),
            ((72, 0, 108, 72), (0, 0.5, 0)),
            ((108, 0, 144, 72), (0, 0, 1)),
        ],
    )
    data = synth.write_pdf([page])
    (p100,) = load_pages(data, dpi=100)
    assert p100.image.shape == (100, 200, 3)
    assert tuple(p100.image[50, 50]) == (255, 0, 0)
    assert np.abs(p100.image[50, 125].astype(int) - (0, 128, 0)).max() <= 1
    assert tuple(p100.image[50, 180]) == (0, 0, 255)
    (p300,) = load_pages(data, dpi=300)
    assert p300.image.shape == (300, 600, 3)


def test_pdf_page_ranges_and_rotated_page() -> None:
    pages = [synth.PdfPage(width_pt=72 * (i + 1), height_pt=72) for i in range(4)]
    pages[3].rotate = 90
    data = synth.write_pdf(pages)
    assert [p.index for p in load_pages(data, dpi=72)] == [0, 1, 2, 3]
    got = load_pages(data, dpi=72, pages="2,4")
    assert [p.index for p in got] == [1, 3]
    assert got[0].image.shape[:2] == (72, 144)
    assert got[1].image.shape[:2] == (288, 72)  # /Rotate 90 turns the page as displayed
    for bad, msg in (
        ("0", "not valid"),
        ("3-2", "not valid"),
        ("x", "not like"),
        ("9", "has 4 page"),
    ):
        with pytest.raises(PageRangeError, match=msg) as info:
            load_pages(data, name="doc.pdf", pages=bad)
        assert info.value.source == "doc.pdf"


def test_pdf_text_layer_comes_with_the_page_in_pixels() -> None:
    page = synth.PdfPage(
        width_pt=300,
        height_pt=150,
        texts=[(20, 20, 20, "Hello World"), (20, 80, 12, "second line")],
    )
    data = synth.write_pdf([page])
    (text_page,) = load_pages(data, dpi=144)
    assert text_page.text_layer is not None
    assert [ln.text for ln in text_page.text_layer.lines] == ["Hello World", "second line"]
    ink = np.argwhere(text_page.image.min(axis=2) < 128)
    first_ink = ink[ink[:, 0] < 100]
    x0, y0, x1, y1 = text_page.text_layer.lines[0].bbox
    # (loose glyph boxes: the last one reaches to the glyph's advance, a few pixels past ink)
    assert abs(x0 - first_ink[:, 1].min()) <= 3 and abs(x1 - first_ink[:, 1].max()) <= 6
    assert y0 - 3 <= first_ink[:, 0].min() and first_ink[:, 0].max() <= y1 + 3
    # The page cache's key comes from the document's bytes, the page and the DPI.
    (again,) = load_pages(data, dpi=144)
    (other_dpi,) = load_pages(data, dpi=72)
    assert text_page.content_key == again.content_key != other_dpi.content_key
    # The old way to ask for the layer is gone (text_source decides): a clear TypeError.
    with pytest.raises(TypeError, match="use_pdf_text"):
        load_pages(data, dpi=144, use_pdf_text=True)  # type: ignore[call-arg]


def test_pdf_text_layer_on_a_rotated_page_is_in_the_rendered_frame() -> None:
    page = synth.PdfPage(
        width_pt=300, height_pt=200, rotate=90, texts=[(20, 20, 20, "Hello World")]
    )
    (p,) = load_pages(synth.write_pdf([page]), dpi=144)
    assert p.image.shape[:2] == (600, 400)
    ink = np.argwhere(p.image.min(axis=2) < 128)
    assert p.text_layer is not None
    x0, y0, x1, y1 = p.text_layer.lines[0].bbox
    # Across the text (x on this turned page) the loose boxes hold the font's ascent and
    # descent: they contain the ink; along it they end where the ink ends.
    assert x0 - 3 <= ink[:, 1].min() and ink[:, 1].max() <= x1 + 3 and x1 - x0 < 60
    assert abs(y0 - ink[:, 0].min()) <= 6 and abs(y1 - ink[:, 0].max()) <= 6


def test_pdf_text_layer_with_a_media_box_inherited_from_the_page_tree() -> None:
    """An A4 page whose MediaBox sits on the page tree's root (as fpdf2 and others write it):
    the layer's boxes are still on the ink (not shifted by the US Letter fallback)."""
    data = synth.write_pdf(
        [synth.PdfPage(width_pt=595.28, height_pt=841.89, texts=[(60, 60, 20, "Hello A4")])]
    )
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0].obj
        pdf.Root.Pages.MediaBox = page.MediaBox
        del page["/MediaBox"]
        buf = io.BytesIO()
        pdf.save(buf)
    (p,) = load_pages(buf.getvalue(), dpi=72)
    assert p.image.shape[:2] in ((842, 595), (842, 596))
    ink = np.argwhere(p.image.min(axis=2) < 128)
    assert p.text_layer is not None
    x0, y0, x1, y1 = p.text_layer.lines[0].bbox
    assert abs(x0 - ink[:, 1].min()) <= 3 and abs(x1 - ink[:, 1].max()) <= 6
    assert y0 - 3 <= ink[:, 0].min() and ink[:, 0].max() <= y1 + 3


# --------------------------------------------------------------------------------------------
# Bad input: each refused with one clear error naming the file


def expect(
    exc_type: type[PromptOCRError], src: Path | bytes, match: str, **kw: object
) -> PromptOCRError:
    with pytest.raises(exc_type, match=match) as info:
        load_pages(src, **kw)  # type: ignore[arg-type]
    err = info.value
    if isinstance(src, Path):
        assert err.source == str(src)
        assert str(err).startswith(f"{src}: ")
    return err


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    data = synth.write_pdf([synth.PdfPage(texts=[(72, 72, 24, "SECRET")])], user_password="s3cret")
    path = write(tmp_path, "locked.pdf", data)
    err = expect(EncryptedPDFError, path, "encrypted")
    assert err.code == "encrypted_pdf"
    # the file is a valid encrypted PDF: the right password opens it
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data, password="s3cret")
    assert pdf[0].get_textpage().get_text_range().strip() == "SECRET"


def test_encrypted_pdf_without_a_user_password_is_read() -> None:
    data = synth.write_pdf([synth.PdfPage(texts=[(72, 72, 24, "OPEN")])], user_password="")
    (page,) = load_pages(data, dpi=72)
    assert page.text_layer is not None and page.text_layer.lines[0].text == "OPEN"


def test_ten_thousand_page_pdf_is_refused_before_rendering(tmp_path: Path) -> None:
    path = write(tmp_path, "huge.pdf", synth.write_pdf([synth.PdfPage() for _ in range(10_000)]))
    err = expect(InputTooLargeError, path, "10000 pages.*over the limit of 200")
    assert err.status == 413
    # selecting a few pages of it is fine
    assert [p.index for p in load_pages(path, pages="1-2", dpi=20)] == [0, 1]


def test_tiff_with_too_many_pages_is_refused(tmp_path: Path) -> None:
    path = synth.save_tiff([Image.new("L", (8, 8), 255)] * 5, tmp_path / "pages.tif")
    expect(
        InputTooLargeError, path, "TIFF has 5 pages.*limit of 3", limits=InputLimits(max_pages=3)
    )


def test_decompression_bombs_are_refused_from_the_header(tmp_path: Path) -> None:
    bomb = write(tmp_path, "bomb.png", synth.png_header_only(100_000, 100_000))
    assert bomb.stat().st_size < 200
    expect(InputTooLargeError, bomb, "too many pixels")
    big = write(tmp_path, "big.png", synth.png_header_only(10_000, 6_000))
    expect(InputTooLargeError, big, "10000x6000 = 60000000 pixels, over the limit of 50000000")
    expect(
        InputTooLargeError,
        synth.write_pdf([synth.PdfPage(width_pt=7200, height_pt=7200)]),
        "lower the DPI",
    )


def test_truncated_files_are_refused(tmp_path: Path) -> None:
    img = synth.english_page().image
    for fmt in ("PNG", "JPEG"):
        data = encode(img, fmt)
        path = write(tmp_path, f"cut.{fmt.lower()}", data[: len(data) // 2])
        expect(InvalidInputError, path, "truncated or corrupt")
    header_only = write(tmp_path, "head.jpg", encode(img, "JPEG")[:20])
    expect(InvalidInputError, header_only, "corrupt")
    pdf = synth.pdf_from_images([img])
    expect(InvalidInputError, write(tmp_path, "cut.pdf", pdf[:200]), "PDF is corrupt or truncated")


def test_empty_non_image_directory_and_missing_files(tmp_path: Path) -> None:
    expect(InvalidInputError, write(tmp_path, "empty.png", b""), "file is empty")
    text = write(tmp_path, "notes.png", b"just some text, not a picture\n")
    err = expect(UnsupportedFormatError, text, "not an image or PDF")
    assert err.status == 415
    expect(InvalidInputError, tmp_path, "is a directory")
    expect(InvalidInputError, tmp_path / "nope.png", "file not found")
    # pdfium itself refuses a page tree with no pages
    expect(InvalidInputError, synth.write_pdf([]), "PDF (is corrupt|has no pages)")


def test_byte_limit_and_dpi_range(tmp_path: Path) -> None:
    path = write(tmp_path, "a.png", encode(marked(), "PNG"))
    expect(InputTooLargeError, path, "over the limit of 10", limits=InputLimits(max_bytes=10))
    pdf = synth.write_pdf([synth.PdfPage()])
    expect(InvalidInputError, pdf, "DPI 5000", dpi=5000)


def test_unsupported_image_format() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, format="ICO")
    expect(UnsupportedFormatError, buf.getvalue(), "image format ICO is not supported")


def test_parse_page_range_and_sniffing() -> None:
    assert parse_page_range(None, 3) == [0, 1, 2]
    assert parse_page_range("2-", 4) == [1, 2, 3]
    assert parse_page_range("-2", 4) == [0, 1]
    assert parse_page_range("1-100", 3) == [0, 1, 2]
    assert sniff_kind(b"%PDF-1.7 ...") == "pdf"
    assert sniff_kind(b"\x89PNG\r\n") == "image"
    assert sniff_kind(b"hello") == "unknown"


def test_loading_from_several_threads_matches_sequential_loads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pdfs = [
        synth.write_pdf(
            [
                synth.PdfPage(
                    width_pt=200,
                    height_pt=100,
                    rects=[((10 * i, 10, 10 * i + 50, 60), (i / 8, 0, 1))],
                )
            ]
            * 3
        )
        for i in range(8)
    ]
    images = [encode(marked((60 + i, 40)), "PNG") for i in range(8)]
    inputs = pdfs + images

    def load(data: bytes) -> list[bytes]:
        return [p.image.tobytes() for p in load_pages(data, dpi=100)]

    sequential = [load(d) for d in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(load, inputs * 3))
    assert concurrent == sequential * 3
