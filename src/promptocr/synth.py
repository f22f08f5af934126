"""Synthetic page rendering with real fonts, for tests, examples and demos.

Tests must not depend on downloaded data, so they draw their own pages: known text at known
positions, which makes recognition accuracy, reading order and box geometry checkable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
