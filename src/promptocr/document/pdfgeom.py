"""Where a page's pixels are in PDF user space (shared by the text-layer reader and the
searchable-PDF writer; kept free of PDF libraries so importing it costs nothing)."""

from __future__ import annotations

from collections.abc import Sequence

Affine = tuple[float, float, float, float, float, float]


def page_transform(box: Sequence[float], rotate: int, width_px: float, height_px: float) -> Affine:
    """The affine map (a, b, c, d, e, f) from the displayed page's pixels (origin top-left,
    y down) to PDF user space: ux = a*x + c*y + e, uy = b*x + d*y + f.

    `box` is the page's crop box (x0, y0, x1, y1) in user space and `rotate` its /Rotate
    (clockwise); pixels are scaled so that the displayed page is `width_px` x `height_px`."""
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = x1 - x0, y1 - y0
    rotate %= 360
    disp_w, disp_h = (h, w) if rotate in (90, 270) else (w, h)
    sx = disp_w / max(width_px, 1e-9)  # points per pixel
    sy = disp_h / max(height_px, 1e-9)
    if rotate == 90:  # ux = x0 + Y, uy = y0 + X
        return (0.0, sx, sy, 0.0, x0, y0)
    if rotate == 180:  # ux = x1 - X, uy = y0 + Y
        return (-sx, 0.0, 0.0, sy, x1, y0)
    if rotate == 270:  # ux = x1 - Y, uy = y1 - X
        return (0.0, -sx, -sy, 0.0, x1, y1)
    return (sx, 0.0, 0.0, -sy, x0, y1)  # ux = x0 + X, uy = y1 - Y
