"""Synthetic page rendering with real fonts, for tests, examples and demos.

Tests must not depend on downloaded data, so they draw their own pages: known text at known
positions, which makes recognition accuracy, reading order and box geometry checkable.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

LATIN_FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
]
CJK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
]


def find_font(cjk: bool = False) -> str:
    """Path of an installed font (scripts/setup.sh installs DejaVu and Noto CJK)."""
    for path in CJK_FONTS if cjk else LATIN_FONTS + CJK_FONTS:
        if Path(path).exists():
            return path
    kind = "CJK (fonts-noto-cjk)" if cjk else "Latin (fonts-dejavu-core)"
    raise FileNotFoundError(f"no {kind} font installed; run scripts/setup.sh")


def font(size: int, cjk: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(find_font(cjk), size)


@dataclass
class DrawnLine:
    """A line the renderer drew: its text and its pixel box (x0, y0, x1, y1)."""

    text: str
    box: tuple[int, int, int, int]


class Canvas:
    """A white page you write lines onto; remembers where each line went."""

    def __init__(self, width: int, height: int, background: str = "white") -> None:
        self.image = Image.new("RGB", (width, height), background)
        self.draw = ImageDraw.Draw(self.image)
        self.lines: list[DrawnLine] = []

    def text(
        self,
        xy: tuple[int, int],
        text: str,
        size: int = 28,
        cjk: bool | None = None,
        fill: str = "black",
    ) -> DrawnLine:
        use_cjk = any(ord(c) > 0x2E80 for c in text) if cjk is None else cjk
        f = font(size, use_cjk)
        self.draw.text(xy, text, font=f, fill=fill)
        x0, y0, x1, y1 = self.draw.textbbox(xy, text, font=f)
        line = DrawnLine(text, (int(x0), int(y0), int(x1), int(y1)))
        self.lines.append(line)
        return line

    def rect(self, box: tuple[int, int, int, int], width: int = 2, outline: str = "black") -> None:
        self.draw.rectangle(box, outline=outline, width=width)

    def check_box(self, x: int, y: int, side: int, mark: str = "") -> None:
        """A printed check box at (x, y): empty, crossed (`x`), ticked (`v`) or, for a
        bullet that is no box, filled (`fill`)."""
        d = self.draw
        if mark == "fill":
            d.rectangle((x, y, x + side, y + side), fill="black")
            return
        d.rectangle((x, y, x + side, y + side), outline="black", width=2)
        m = side // 5
        if mark == "x":
            d.line((x + m, y + m, x + side - m, y + side - m), fill="black", width=2)
            d.line((x + m, y + side - m, x + side - m, y + m), fill="black", width=2)
        elif mark == "v":
            tick = (x + m, y + side // 2, x + side // 2 - 1, y + side - m, x + side - m, y + m)
            d.line(tick, fill="black", width=2)

    def radio(self, x: int, y: int, d: int, on: bool = False) -> None:
        """A printed radio button at (x, y): a ring `d` px across, with a dot inside if `on`."""
        self.draw.ellipse((x, y, x + d, y + d), outline="black", width=2)
        if on:
            m = max(3, d // 4)
            self.draw.ellipse((x + m, y + m, x + d - m, y + d - m), fill="black")

    def ruled_table(
        self,
        origin: tuple[int, int],
        rows: list[list[str]],
        col_widths: list[int],
        row_height: int = 56,
        size: int = 22,
    ) -> tuple[int, int, int, int]:
        """Draw a fully ruled grid with one text per cell; returns the table's box."""
        x0, y0 = origin
        for r, row in enumerate(rows):
            x = x0
            for cell, w in zip(row, col_widths, strict=True):
                top = y0 + r * row_height
                self.rect((x, top, x + w, top + row_height))
                self.text((x + 14, top + 14), cell, size=size)
                x += w
        return (x0, y0, x0 + sum(col_widths), y0 + len(rows) * row_height)

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        self.image.save(p)
        return p


def receipt(width: int = 640) -> Canvas:
    """A small shop receipt with company, address, date, items and a total."""
    rows = [
        ("GREEN LEAF TRADING SDN BHD", None),
        ("NO 12, JALAN MERANTI 3, 47100 PUCHONG", None),
        ("TEL: 03-8076 5521", None),
        ("INVOICE NO: CS0098812", None),
        ("DATE: 14/03/2019 11:42", None),
        ("MINERAL WATER 1.5L", "2.50"),
        ("WHITE BREAD", "3.80"),
        ("FRESH MILK 1L", "7.20"),
        ("TOTAL", "13.50"),
        ("CASH", "20.00"),
        ("CHANGE", "6.50"),
        ("THANK YOU, PLEASE COME AGAIN", None),
    ]
    c = Canvas(width, 80 + 50 * len(rows))
    y = 40
    for left, right in rows:
        c.text((30, y), left, size=24)
        if right:
            c.text((width - 130, y), right, size=24)
        y += 50
    return c


# --------------------------------------------------------------------------------------------
# Test pages with a known reading order


LOREM_TEXT = (
    "Optical character recognition turns pictures of text into text a program can search "
    "and edit. A reader finds each line, reads it, and puts the lines back in the order a "
    "person would read them. Columns are read one after the other and tables row by row. "
    "Good output keeps the positions of every word so a viewer can highlight them later."
)
LOREM = LOREM_TEXT.split(" ")


def _wrap(words: list[str], f: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    cur: list[str] = []
    for w in words:
        trial = " ".join([*cur, w])
        if cur and f.getlength(trial) > width:
            lines.append(" ".join(cur))
            cur = [w]
        else:
            cur.append(w)
    if cur:
        lines.append(" ".join(cur))
    return lines


def two_column_page(
    width: int = 1200,
    paragraphs: int = 2,
    lines_per_paragraph: int = 3,
    size: int = 22,
    columns: int = 2,
) -> Canvas:
    """A title across the page, then `columns` columns of paragraphs; `lines` is the reading
    order (title, the whole first column, then the next column ...)."""
    margin, gutter = 60, 60
    col_w = (width - 2 * margin - (columns - 1) * gutter) // columns
    line_h = int(size * 1.6)
    height = 180 + paragraphs * (lines_per_paragraph + 1) * line_h
    c = Canvas(width, height)
    c.text((margin, 50), "Annual Report of the River Survey", size=int(size * 1.8))
    f = font(size)
    pool = _wrap(LOREM * 4, f, col_w)
    k = 0
    for col in range(columns):
        x = margin + col * (col_w + gutter)
        y = 140
        for _ in range(paragraphs):
            for _ in range(lines_per_paragraph):
                c.text((x, y), pool[k % len(pool)], size=size)
                k += 1
                y += line_h
            y += line_h
    return c


CHINESE_LINES = [
    "光学字符识别把图片中的文字变成文本",
    "本系统在普通电脑的处理器上运行",
    "支持身份证、发票和收据的字段提取",
    "二〇二四年五月一日发布第三版",
]


def chinese_page(width: int = 900, size: int = 34) -> Canvas:
    """A page of simplified Chinese lines (Noto Sans CJK)."""
    c = Canvas(width, 80 + len(CHINESE_LINES) * int(size * 2.0))
    y = 40
    for text in CHINESE_LINES:
        c.text((50, y), text, size=size)
        y += int(size * 2.0)
    return c


ENGLISH_LINES = [
    "The quick brown fox jumps over the lazy dog.",
    "Invoice number 48213 was paid on 2024-05-01.",
    "Please return the signed form by Friday noon.",
    "Total amount due: 1,284.50 EUR (incl. VAT 19%)",
]


def english_page(width: int = 900, size: int = 28, lines: list[str] | None = None) -> Canvas:
    """A page of English lines at a body-text size (DejaVu Sans)."""
    rows = lines or ENGLISH_LINES
    c = Canvas(width, 80 + len(rows) * int(size * 2.0))
    y = 40
    for text in rows:
        c.text((50, y), text, size=size)
        y += int(size * 2.0)
    return c


def text_image(text: str, size: int = 20, pad: int = 4) -> Canvas:
    """A tight single-line image (like a cropped field or a licence plate)."""
    f = font(size, any(ord(ch) > 0x2E80 for ch in text))
    x0, y0, x1, y1 = f.getbbox(text)
    c = Canvas(int(x1 - x0) + 2 * pad, int(y1 - y0) + 2 * pad)
    c.text((pad - int(x0), pad - int(y0)), text, size=size)
    return c


def checkbox_form() -> Canvas:
    """A form with check boxes: a question whose options are boxed before their text (one
    crossed), options boxed after their text (one ticked), a bullet, and capitals and digits
    with round and square shapes (`DOOR 0800`), none of them a box."""
    c = Canvas(1100, 420)
    c.text((40, 40), "Sample Request Form", size=30)
    c.text((40, 110), "Route of administration:", size=22)
    for x, label, mark in ((380, "Oral", ""), (540, "Injection", "x"), (760, "Inhalation", "")):
        c.check_box(x, 112, 20, mark)
        c.text((x + 30, 110), label, size=22)
    for y, label, mark in ((180, "Shipment", ""), (230, "Transfer", "v"), (280, "Storage", "")):
        c.text((40, y), label, size=22)
        c.check_box(200, y + 2, 20, mark)
    c.check_box(40, 342, 14, "fill")
    c.text((70, 335), "DOOR 0800 BOX ROOM 2000", size=22)
    return c


def radio_form() -> Canvas:
    """A form with radio buttons: a question whose options follow it on its row (one chosen), a
    question whose options stand in a column under it (one chosen), and a lone capital `O`
    and words with round letters (`Blood type: O`, `ROOM TO BOOK`), none of them a button."""
    c = Canvas(1100, 520)
    c.text((40, 40), "Patient Intake Form", size=30)
    c.text((40, 110), "Gender:", size=22)
    for x, label, on in ((200, "Male", False), (330, "Female", True), (480, "Other", False)):
        c.radio(x, 114, 18, on)
        c.text((x + 26, 110), label, size=22)
    c.text((40, 170), "Blood type: O", size=22)
    c.text((40, 230), "Preferred contact:", size=22)
    for y, label, on in ((280, "Phone", False), (330, "Email", False), (380, "Post", True)):
        c.radio(60, y + 4, 18, on)
        c.text((90, y), label, size=22)
    c.text((40, 450), "ROOM TO BOOK: 2000", size=22)
    return c


def numbered_page(n: int, width: int = 700, size: int = 30) -> Canvas:
    """A page saying which page it is, for multi-page documents."""
    c = Canvas(width, 300)
    c.text((50, 60), f"This is page number {n}", size=size)
    c.text((50, 140), f"Section {n} of the test document", size=size)
    return c


# --------------------------------------------------------------------------------------------
# Multi-page files


def save_tiff(images: list[Image.Image], path: str | Path) -> Path:
    """A multi-page TIFF (LZW), one frame per image."""
    p = Path(path)
    images[0].save(
        p, format="TIFF", save_all=True, append_images=images[1:], compression="tiff_lzw"
    )
    return p


# --------------------------------------------------------------------------------------------
# A minimal PDF writer (images, Helvetica text, filled rectangles, optional RC4 encryption),
# so tests can build exactly the PDFs they need: a text layer, colours, 10,000 pages, a password.


@dataclass
class PdfPage:
    """One page; positions are PDF points measured from the page's top-left corner."""

    width_pt: float = 612.0
    height_pt: float = 792.0
    image: Image.Image | None = None  # drawn over the whole page
    texts: list[tuple[float, float, float, str]] = field(default_factory=list)  # x, y, size, text
    rects: list[tuple[tuple[float, float, float, float], tuple[float, float, float]]] = field(
        default_factory=list
    )  # ((x0, y0, x1, y1), (r, g, b) in 0-1)
    invisible_text: bool = False  # text render mode 3, like a scanned page's OCR layer
    rotate: int = 0


_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def write_pdf(
    pages: list[PdfPage], *, user_password: str | None = None, owner_password: str = "owner"
) -> bytes:
    """PDF bytes for `pages`. With `user_password` (may be "") the file is encrypted with the
    standard security handler (revision 2, 40-bit RC4): readers need that password to open it."""
    objects: dict[int, bytes] = {}
    streams: dict[int, tuple[bytes, bytes]] = {}  # num -> (dict entries, data)
    next_num = 4  # 1 catalog, 2 pages, 3 font
    kids: list[int] = []
    shared_empty: int | None = None
    for page in pages:
        ops: list[bytes] = []
        resources = b"/Font << /F1 3 0 R >>"
        if page.image is not None:
            img = page.image.convert("RGB")
            inum = next_num
            next_num += 1
            streams[inum] = (
                b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                b"/BitsPerComponent 8 /Filter /FlateDecode" % img.size,
                zlib.compress(img.tobytes(), 6),
            )
            resources += b" /XObject << /Im1 %d 0 R >>" % inum
            ops.append(b"q %.3f 0 0 %.3f 0 0 cm /Im1 Do Q" % (page.width_pt, page.height_pt))
        for (x0, y0, x1, y1), (r, g, b) in page.rects:
            ops.append(
                b"%.3f %.3f %.3f rg %.2f %.2f %.2f %.2f re f"
                % (r, g, b, x0, page.height_pt - y1, x1 - x0, y1 - y0)
            )
        for x, y, size, text in page.texts:
            mode = 3 if page.invisible_text else 0
            baseline = page.height_pt - y - size * 0.8
            ops.append(
                b"BT %d Tr /F1 %.2f Tf %.2f %.2f Td %s Tj ET"
                % (mode, size, x, baseline, _pdf_string(text))
            )
        if ops:
            cnum = next_num
            next_num += 1
            streams[cnum] = (b"", b"\n".join(ops))
        else:
            if shared_empty is None:
                shared_empty = next_num
                next_num += 1
                streams[shared_empty] = (b"", b"")
            cnum = shared_empty
        pnum = next_num
        next_num += 1
        objects[pnum] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Rotate %d "
            b"/Resources << %s >> /Contents %d 0 R >>"
            % (page.width_pt, page.height_pt, page.rotate, resources, cnum)
        )
        kids.append(pnum)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    objects[3] = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    file_id = hashlib.md5(repr([(p.width_pt, p.texts) for p in pages]).encode()).digest()
    key: bytes | None = None
    trailer_extra = b""
    if user_password is not None:
        perms = struct.pack("<i", -44)
        o_key = hashlib.md5((owner_password.encode("latin-1") + _PAD)[:32]).digest()[:5]
        o_value = _rc4(o_key, (user_password.encode("latin-1") + _PAD)[:32])
        user_padded = (user_password.encode("latin-1") + _PAD)[:32]
        key = hashlib.md5(user_padded + o_value + perms + file_id).digest()[:5]
        u_value = _rc4(key, _PAD)
        enum = next_num
        next_num += 1
        objects[enum] = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -44 >>" % (
            o_value.hex().encode(),
            u_value.hex().encode(),
        )
        trailer_extra = b" /Encrypt %d 0 R" % enum

    def crypt(num: int, data: bytes) -> bytes:
        if key is None:
            return data
        obj_key = hashlib.md5(key + num.to_bytes(3, "little") + b"\x00\x00").digest()[:10]
        return _rc4(obj_key, data)

    for num, (entries, data) in streams.items():
        enc = crypt(num, data)
        objects[num] = b"<< %s /Length %d >>\nstream\n" % (entries, len(enc)) + enc + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 65535 f \n"
    hex_id = file_id.hex().encode()
    out += b"trailer\n<< /Size %d /Root 1 0 R /ID [<%s> <%s>]%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        hex_id,
        hex_id,
        trailer_extra,
        xref,
    )
    return bytes(out)


def digital_page_with_picture(pictures: int = 1) -> bytes:
    """A born-digital PDF page (a heading and a footer in its text layer) with a picture of
    text drawn on it: the text layer covers the page's own text, not the picture's. With
    `pictures` 2 a second picture ("Second picture words 17") sits 250 pt further down."""
    import io

    import pikepdf

    base = write_pdf(
        [PdfPage(texts=[(60, 60, 14, "Digital heading line"), (60, 400, 12, "Footer")])]
    )
    texts = ["Words inside a picture 42", "Second picture words 17"][: max(1, pictures)]
    with pikepdf.open(io.BytesIO(base)) as pdf:
        for k, words in enumerate(texts):
            _draw_picture(pdf, english_page(lines=[words], width=520).image, 200 + 250 * k)
        buf = io.BytesIO()
        pdf.save(buf)
    return buf.getvalue()


def _draw_picture(pdf: Any, picture: Image.Image, top_pt: float) -> None:
    """`picture` drawn on `pdf`'s first page at 60 pt from the left, `top_pt` from the top."""
    import pikepdf

    raw = pikepdf.Stream(pdf, picture.tobytes())
    raw["/Type"] = pikepdf.Name.XObject
    raw["/Subtype"] = pikepdf.Name.Image
    raw["/Width"], raw["/Height"] = picture.size
    raw["/ColorSpace"] = pikepdf.Name.DeviceRGB
    raw["/BitsPerComponent"] = 8
    page = pdf.pages[0]
    name = page.add_resource(raw, pikepdf.Name.XObject, prefix="Pic")
    w_pt, h_pt = picture.width * 0.6, picture.height * 0.6
    matrix: list[Any] = [w_pt, 0, 0, h_pt, 60, 792 - top_pt - h_pt]  # pikepdf: numbers
    ops = pikepdf.unparse_content_stream(
        [
            ([], pikepdf.Operator("q")),
            (matrix, pikepdf.Operator("cm")),
            ([name], pikepdf.Operator("Do")),
            ([], pikepdf.Operator("Q")),
        ]
    )
    page.contents_add(pikepdf.Stream(pdf, ops))


def pdf_from_images(images: list[Image.Image], dpi: int = 200) -> bytes:
    """A PDF with one page per image, each image filling a page sized so that rendering at
    `dpi` gives back the image's own pixel size."""
    return write_pdf(
        [
            PdfPage(width_pt=im.width * 72.0 / dpi, height_pt=im.height * 72.0 / dpi, image=im)
            for im in images
        ]
    )


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares `width` x `height` pixels (a decompression bomb's
    signature: the file is a few dozen bytes, decoding it would need gigabytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
