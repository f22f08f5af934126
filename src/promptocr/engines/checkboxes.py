"""Check boxes: find the small printed squares of a form and whether each is ticked.

The recogniser reads a check box as whatever glyph it resembles (`□`, `口`, `冈`, `X`), reads it
into the neighbouring word (`XP.O.`), or, since the detector boxes text, not frames, misses it
altogether: of the 36 boxes annotated as words on the FUNSD dev forms the OCR returned a box
glyph for a handful. This stage looks for the boxes in the pixels and writes each one into the
document model as a word of its own, `☐` (empty) or `☑` (ticked), in the text line beside it
(`SHIPMENT ☐`, `☑ P.O.`) or as a line of its own, so that extraction can answer a question with
the option that is ticked (tasks/extract) and a parsed page's Markdown shows it.

A box is one connected component of ink:
- about as wide as high, between `MIN_SIDE` and `MAX_SIDE` text heights (the page's median
  detected line height) and at least `MIN_PX` pixels: a table's cells join their neighbours
  into one large component and are never boxes;
- a frame: each of its four sides is inked along at least `SIDE_COVER` of its length within
  its outer strip, and each corner is inked (an `O`, a `0` or a `D` has rounded corners);
- a closed ring that fills its box (`_closed`: not a round `O` or an open `C`);
- its inside (inside the frame's strokes) is either nearly empty (≤ `EMPTY_INK` inked: `☐`),
  or marked (a tick or a cross: `☑`), but not one solid block (a QR code's corner square, a
  framed bullet: `_solid_core`), and the component is not filled (a bullet, `■`).

A box is ticked when the ink inside it, from any component (a cross drawn over the frame or
apart from it), covers at least `TICK_INK` of the inside and spans at least `SPAN` of its rows
and of its columns (a speck does not); a frame whose inside is neither nearly empty nor so
marked is dropped.

A frame that lies over a recognised word is a box only where the word's character there is a
box-like reading (`□`, `口`, `冈`, `X`, a tick read as `V`, …): a Chinese `口` or `回` in a line
of text is text.

Radio buttons are round rings (`_ring`), empty or with a dot, written as `◯` or `◉`. A round
letter (`O`, `o`) or a hollow bullet is a ring too, so a ring is a radio button only where it is
not read as text, in a group of rings near each other on a row or in a column with a chosen one
and an empty one among them (`_radios_in_groups`).

The stage runs only when the plan asks for it (the `checkboxes` stage of `extract` and
`parse`), costs one binarisation and one connected-components pass over the page, and records
in `usage` how many boxes it found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np

from promptocr.document.layout import build_blocks
from promptocr.document.model import Line, Page, Word, polygon_of
from promptocr.engines.usage import Usage

MIN_SIDE = 0.33  # a box's side, in text heights (the page's median detected line height)
MAX_SIDE = 1.8
MIN_PX = 6  # and at least this many pixels
MAX_ASPECT = 1.6  # width / height and height / width
SIDE_COVER = 0.7  # each side inked along at least this share of its length
EMPTY_INK = 0.06  # an empty box's inside holds at most this share of ink
TICK_INK = 0.1  # a ticked box's inside holds at least this share
FILLED_INK = 0.88  # a component inking more of its box is a bullet (`■`), not a box
CLOSED = 0.85  # a frame's outline encloses at least this share of its box
HOLE = 0.1  # and holds at least this share of it unlinked inside
BESIDE = 4.0  # a box goes with a line on its row at most this many box widths away
WORK_HEIGHT = 24.0  # a page whose text is taller than this many px is searched scaled down
SOLID = 0.8  # the ink inside a frame inked over this share of its own box is a solid block
CORE = 0.2  # ... when that box covers at least this share of the inside
SPAN = 0.5  # a tick's ink spans at least this share of the inside's rows and columns

EMPTY = "☐"
TICKED = "☑"
# radio buttons: a round ring, empty or with a dot (or a tick) inside
ROUND_EMPTY = "◯"  # (not ○, which the Markdown builder reads as a list bullet)
ROUND_TICKED = "◉"
ROUND_ASPECT = 1.2  # a ring's width / height and height / width, at most
ROUND_ENCLOSED = (0.68, 0.9)  # what its outline encloses, as a share of its box (a disc: π/4)
ROUND_HOLE = 0.08  # and what it holds inside, unlinked, at least
RING = (0.5, 1.15)  # its ink lies between these radii (1: the box's edge), a circle's band
RING_SHARE = 0.95  # ... this share of it, at least
INSIDE = 0.85  # a ring's inside: the disc within this share of the ring's inner edge
ROUND_PARTNER = 1.3  # radio buttons of a group: sizes within this ratio,
ROW_SPAN = 20.0  # side by side at most this many sizes apart (centre to centre),
COLUMN_SPAN = 6.0  # or one under another at most this many
# what the recogniser reads a check box as, where a box lies over a recognised word
BOX_READINGS = frozenset("□☐☑☒▢◻■口冈区図囗凶XxＸVv√✓✔✗✘")
# ... and a radio button as: its own glyphs anywhere; a letter or digit of its shape only as a
# word of its own (`O Male`): the `o` of `to` is text
ROUND_GLYPHS = frozenset("○◯◉◎●⊙⦿")
ROUND_LETTERS = frozenset("OＯ0")
# ... and a chosen one, as a word of its own, also as a ringed sign (`© No`)
CHOSEN_READINGS = frozenset("©®@")


def is_cjk(ch: str) -> bool:
    """CJK and what comes after it in Unicode (fullwidth forms, Hangul): from U+2E80 on."""
    return ord(ch) >= 0x2E80


def _read_as_box(word: Word, k: int, round_: bool = False, chosen: bool = False) -> bool:
    """Is character `k` of `word` a reading of a box (`□`, `X`, or `口` standing apart from other
    CJK characters)? Anything else under a frame is text: `O`, `0`, `D`, `日`, `回`. Under a
    ring (`round_`): a ring's glyph (`○`), or `O`, `0` as a word of its own; under a chosen one
    also `©`, `®` or `@` as a word of its own."""
    if not word.text:
        return False
    ch = word.text[k]
    if round_:
        alone = word.text.strip() == ch
        return (
            ch in ROUND_GLYPHS
            or (alone and ch in ROUND_LETTERS)
            or (alone and chosen and ch in CHOSEN_READINGS)
        )
    near = word.text[max(0, k - 1) : k] + word.text[k + 1 : k + 2]
    return ch in BOX_READINGS and not (is_cjk(ch) and any(is_cjk(c) for c in near))


@dataclass(frozen=True, slots=True)
class CheckBox:
    """A check box found on the page: its pixel box (x0, y0, x1, y1) and whether it is ticked."""

    box: tuple[int, int, int, int]
    ticked: bool
    fill: float = 0.0  # the share of the inside that is inked
    radio: bool = False  # a radio button's ring, not a square

    @property
    def text(self) -> str:
        if self.radio:
            return ROUND_TICKED if self.ticked else ROUND_EMPTY
        return TICKED if self.ticked else EMPTY


def _ink(gray: np.ndarray, text_height: float) -> np.ndarray:
    """Ink as 1: local (adaptive) threshold, a window of a few text heights, so that grey paper
    and uneven light are paper."""
    block = max(15, int(round(text_height * 2.5)) | 1)
    return (
        cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)
    ).astype(np.uint8)


def _strokes(patch: np.ndarray) -> tuple[int, int, int, int]:
    """The stroke widths of a frame's left, right, top and bottom sides (`patch`: the
    component's 0/1 mask cropped to its box): the run of ink in from each side along the
    middle half, its 75th percentile (a tick that touches the frame makes a few runs long)."""
    h, w = patch.shape
    t = max(2, int(round(0.15 * min(h, w))))
    rows = patch[h // 4 : max(h // 4 + 1, 3 * h // 4), :]
    cols = patch[:, w // 4 : max(w // 4 + 1, 3 * w // 4)].T
    half = min(h, w) // 2
    strokes = []
    for block in (rows, rows[:, ::-1], cols, cols[:, ::-1]):
        # the run of ink at the start of each row of `block` (rows that are all ink: its length)
        runs = np.where(block.all(axis=1), block.shape[1], np.argmin(block, axis=1))
        runs = np.sort(runs[(runs > 0) & (runs < half)])
        strokes.append(int(runs[(3 * (runs.size - 1)) // 4]) if runs.size else t)
    return strokes[0], strokes[1], strokes[2], strokes[3]


def _enclosed(patch: np.ndarray) -> np.ndarray:
    """What the component's outline encloses (its ink and its holes), as a 0/1 mask of its box."""
    h, w = patch.shape
    padded = np.zeros((h + 2, w + 2), np.uint8)
    padded[1:-1, 1:-1] = patch
    mask = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(padded, mask, (0, 0), 2)
    return np.asarray(padded[1:-1, 1:-1] != 2, dtype=np.uint8)


def _closed(patch: np.ndarray) -> bool:
    """Is the component a closed ring that fills its box: what its outline encloses covers at
    least `CLOSED` of the box (a square frame, ticked or not; not a round `O` or an open `C`),
    and what it holds inside, unlinked, at least `HOLE` of it (a frame, not a blob)?"""
    h, w = patch.shape
    enclosed = float(_enclosed(patch).sum())
    holes = enclosed - float(patch.sum())
    return enclosed >= CLOSED * h * w and holes >= HOLE * h * w


@lru_cache(maxsize=256)
def _radius(h: int, w: int) -> np.ndarray:
    """Each pixel's distance from the centre of an h × w box, 1 at the middle of its sides."""
    ys, xs = np.mgrid[0:h, 0:w]
    r = np.hypot((ys - (h - 1) / 2) / (h / 2), (xs - (w - 1) / 2) / (w / 2))
    r.setflags(write=False)
    return r


def _ring_shape(patch: np.ndarray) -> tuple[bool, np.ndarray | None]:
    """Is the component shaped as a round ring (a radio button's circle): about as wide as
    high, closed, what it encloses `ROUND_ENCLOSED` of its box, its ink away from the centre in
    a circle's band (`RING`)? And its hole (what it encloses unlinked), where that is at least
    `ROUND_HOLE` of its box and goes all around the centre (in each eighth of the turn), else
    None. A dot that touches the ring from inside (scanned, or searched scaled down) belongs to
    the component; a filled disc (`●`, a bullet) has no hole, an `e` none below its bar, and
    a square frame, a `Q`, a `6` or an `@` leave the band."""
    h, w = patch.shape
    if max(h, w) > ROUND_ASPECT * min(h, w):
        return False, None
    enclosed = _enclosed(patch)
    share = float(enclosed.sum()) / (h * w)
    if not ROUND_ENCLOSED[0] <= share <= ROUND_ENCLOSED[1]:
        return False, None
    radius = _radius(h, w)
    r = radius[patch > 0]
    outer = r >= RING[0]  # (inside it: a dot, if any)
    if not outer.any() or float((r[outer] <= RING[1]).mean()) < RING_SHARE:
        return False, None
    hole = (enclosed & (1 - patch)) > 0
    if hole.sum() < ROUND_HOLE * h * w:
        return True, None
    ys, xs = np.nonzero(hole)
    turn = np.arctan2(ys - (h - 1) / 2, xs - (w - 1) / 2)
    if np.unique(np.floor((turn + np.pi) / (np.pi / 4)).astype(int) % 8).size < 8:
        return True, None
    return True, hole


def _ring(patch: np.ndarray) -> np.ndarray | None:
    """The inside of a round ring (`_ring_shape` with its hole): the disc within `INSIDE` of
    the ring's inner edge (where its hole ends, all around), as a boolean mask of the
    component's box; None for anything else."""
    shaped, hole = _ring_shape(patch)
    if not shaped or hole is None:
        return None
    radius = _radius(*patch.shape)
    edge = float(np.percentile(radius[hole], 95))  # a thick stroke's inner edge lies further in
    inside = radius < INSIDE * edge
    return inside if inside.any() else None


def _patches(labels: np.ndarray, stats: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The masks of the components `ids`, each in the top-left corner of a square array as
    large as the largest (n, size, size)."""
    ws, hs = stats[ids, 2], stats[ids, 3]
    size = int(max(ws.max(), hs.max())) if ids.size else 1
    patches = np.zeros((ids.size, size, size), dtype=bool)
    for k, (i, (x, y, w, h)) in enumerate(zip(ids.tolist(), stats[ids, :4].tolist(), strict=True)):
        patches[k, :h, :w] = labels[y : y + h, x : x + w] == i
    return patches


def _strips(
    stats: np.ndarray, ids: np.ndarray, size: int, share: float, least: int
) -> tuple[np.ndarray, ...]:
    """Masks (n, size) of each component's top and bottom rows and left and right columns, a
    strip `share` of its shorter side thick (at least `least` px), then of its rows and
    columns (`r < h`, `r < w`)."""
    ws, hs = stats[ids, 2], stats[ids, 3]
    t = np.maximum(least, np.rint(share * np.minimum(ws, hs))).astype(int)[:, None]
    r = np.arange(size)[None, :]
    h_, w_ = hs[:, None], ws[:, None]
    return r < t, (r >= h_ - t) & (r < h_), r < t, (r >= w_ - t) & (r < w_)


def _inked_in(patches: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Which of the masks `patches` (n, size, size) hold ink where `rows` and `cols` (n, size)
    cross."""
    return np.asarray((patches & (rows[:, :, None] & cols[:, None, :])).any(axis=(1, 2)))


def _framed(stats: np.ndarray, ids: np.ndarray, patches: np.ndarray) -> np.ndarray:
    """Of the components `ids` (their masks: `patches`), those whose four sides are inked
    along `SIDE_COVER` of their length and whose four corners are inked (all at once: most
    candidates are letters, and fail)."""
    if ids.size == 0:
        return ids
    ws, hs = stats[ids, 2], stats[ids, 3]
    top_rows, bottom_rows, left_cols, right_cols = _strips(stats, ids, patches.shape[1], 0.15, 2)

    def cover(rows_or_cols: np.ndarray, axis: int) -> np.ndarray:
        # the share of a side's length inked within its strip (rows_or_cols: the strip)
        if axis == 1:  # a strip of rows: inked columns
            inked = (patches & rows_or_cols[:, :, None]).any(axis=1)
            return inked.sum(axis=1) / ws
        inked = (patches & rows_or_cols[:, None, :]).any(axis=2)
        return inked.sum(axis=1) / hs

    sides = np.minimum.reduce(
        [cover(top_rows, 1), cover(bottom_rows, 1), cover(left_cols, 2), cover(right_cols, 2)]
    )
    corners = (
        _inked_in(patches, top_rows, left_cols)
        & _inked_in(patches, top_rows, right_cols)
        & _inked_in(patches, bottom_rows, left_cols)
        & _inked_in(patches, bottom_rows, right_cols)
    )
    return ids[(sides >= SIDE_COVER) & corners]


def _roundish(stats: np.ndarray, ids: np.ndarray, patches: np.ndarray) -> np.ndarray:
    """Of the components `ids` (their masks: `patches`), those that may be a ring (all at
    once, before `_ring` looks at each): about as wide as high, the middle of each side inked,
    the four corners not."""
    if ids.size == 0:
        return ids
    ws, hs = stats[ids, 2], stats[ids, 3]
    r = np.arange(patches.shape[1])[None, :]
    h_, w_ = hs[:, None], ws[:, None]
    top, bottom, left, right = _strips(stats, ids, patches.shape[1], 0.12, 1)
    mid_r = (r >= 0.4 * h_) & (r < 0.6 * h_)  # the middle fifth of the rows
    mid_c = (r >= 0.4 * w_) & (r < 0.6 * w_)  # ... and of the columns

    def inked(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return _inked_in(patches, rows, cols)

    sides = inked(top, mid_c) & inked(bottom, mid_c) & inked(mid_r, left) & inked(mid_r, right)
    corners = inked(top, left) | inked(top, right) | inked(bottom, left) | inked(bottom, right)
    square = np.maximum(ws, hs) <= ROUND_ASPECT * np.minimum(ws, hs)
    return ids[square & sides & ~corners]


def _solid_core(inner: np.ndarray) -> bool:
    """Is the ink inside a frame one solid block (inked over `SOLID` of its own box, which
    covers at least `CORE` of the inside)? A tick or a cross inks a third to a half of its box;
    the square in the middle of a QR code's corner ring, or of a framed bullet, all of it."""
    ys, xs = np.nonzero(inner)
    if ys.size == 0:
        return False
    bh, bw = int(ys.max() - ys.min()) + 1, int(xs.max() - xs.min()) + 1
    return ys.size >= SOLID * bh * bw and bh * bw >= CORE * inner.size


def find_checkboxes(
    gray: np.ndarray, text_height: float, full: np.ndarray | None = None
) -> list[CheckBox]:
    """Every check box on a grey page whose text lines are `text_height` px high (median);
    `full`: the page at its own size where `gray` is it scaled down (`find_on_page`)."""
    if gray.size == 0 or text_height <= 0:
        return []
    ink = _ink(gray, text_height)
    lo = max(MIN_PX, MIN_SIDE * text_height)
    hi = MAX_SIDE * text_height
    n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        ink, 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    ws, hs, areas = stats[:, 2], stats[:, 3], stats[:, 4]
    keep = (
        (ws >= lo)
        & (ws <= hi)
        & (hs >= lo)
        & (hs <= hi)
        & (np.maximum(ws, hs) <= MAX_ASPECT * np.minimum(ws, hs))
        & (areas <= FILLED_INK * ws * hs)  # a filled square is a bullet
    )
    keep[0] = False  # the background
    ids = np.flatnonzero(keep)
    patches = _patches(labels, stats, ids)
    framed = _framed(stats, ids, patches)
    out = _radio_buttons(ink, labels, stats, _roundish(stats, ids, patches), full)
    for i in framed.tolist():
        x, y, w, h = (int(v) for v in stats[i, :4])
        patch = (labels[y : y + h, x : x + w] == i).astype(np.uint8)
        if not _closed(patch):
            continue
        sl, sr, st, sb = _strokes(patch)
        m = 1 if min(w, h) >= 12 else 0  # a grey edge inside the stroke on larger boxes
        inner = ink[y + st + m : y + h - sb - m, x + sl + m : x + w - sr - m]
        if inner.size == 0:
            continue
        filled = float(inner.mean())
        # a ring around a solid square apart from it: a QR code's corner, a framed bullet (in a
        # box of 12 px or more, a cross that runs into the frame, blurred solid in its middle
        # on a scan, is the frame's own ink and no such square; in a smaller one the inside
        # has no room to tell a mark from a speck)
        core = inner if m == 0 else inner & (1 - patch[st + m : h - sb - m, sl + m : w - sr - m])
        if filled > 0 and _solid_core(core):
            continue
        # a mark spans the inside both ways (a cross, a tick); a speck does not
        spans = bool(inner.any(axis=1).mean() >= SPAN and inner.any(axis=0).mean() >= SPAN)
        ticked = filled >= TICK_INK and spans
        if not ticked and filled > EMPTY_INK and spans:
            continue  # neither clearly empty nor marked: a letter, or noise in a frame
        out.append(CheckBox((x, y, x + w, y + h), ticked, round(filled, 3)))
    return out


def _radio_buttons(
    ink: np.ndarray,
    labels: np.ndarray,
    stats: np.ndarray,
    ids: np.ndarray,
    full: np.ndarray | None = None,
) -> list[CheckBox]:
    """Of the components `ids`, the round rings (`_ring`), each empty or marked: a dot or a
    tick inside it, of the ring's component or another, inking at least `TICK_INK` of its
    inside and spanning `SPAN` of the inside's rows and columns. On a page searched scaled down
    (`full`: the page at its own size, of which `ink` is the scaled-down one's) a ring whose dot
    ran into it there is looked at again in `full`. Whether a ring is a radio button or a letter
    (`O`) is settled where it is written (`place_checkboxes`)."""
    out: list[CheckBox] = []
    for i in ids.tolist():
        x, y, w, h = (int(v) for v in stats[i, :4])
        patch = (labels[y : y + h, x : x + w] == i).astype(np.uint8)
        inside = _ring(patch)
        marks = ink[y : y + h, x : x + w].astype(bool)
        if inside is None and full is not None and _ring_shape(patch)[0]:
            inside, marks = _second_look(full, (x, y, w, h), ink.shape)
        if inside is None:
            continue
        got = marks & inside
        filled = float(got.sum()) / float(inside.sum())
        spans = bool(
            got.any(axis=1).sum() >= SPAN * inside.any(axis=1).sum()
            and got.any(axis=0).sum() >= SPAN * inside.any(axis=0).sum()
        )
        ticked = filled >= TICK_INK and spans
        if not ticked and filled > EMPTY_INK:
            continue  # neither clearly empty nor marked: a letter (`e`, `@`), or noise
        out.append(CheckBox((x, y, x + w, y + h), ticked, round(filled, 3), radio=True))
    return out


def _second_look(
    full: np.ndarray, box: tuple[int, int, int, int], shape: tuple[int, ...]
) -> tuple[np.ndarray | None, np.ndarray]:
    """A ring found shaped so on a page searched scaled down, but with no hole all around (a
    dot that ran into it), looked at in the page's own pixels: its inside there (`_ring` of the
    largest component of the crop, Otsu's threshold) and the crop's ink, both taken back to the
    small box's size."""
    x, y, w, h = box
    fy, fx = full.shape[0] / shape[0], full.shape[1] / shape[1]
    x0, y0 = int(x * fx), int(y * fy)
    x1, y1 = (
        min(full.shape[1], int(np.ceil((x + w) * fx))),
        min(full.shape[0], int(np.ceil((y + h) * fy))),
    )
    crop = full[y0:y1, x0:x1]
    empty = np.zeros((h, w), bool)
    if crop.size == 0:
        return None, empty
    _, dark = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    dark = np.asarray(dark, dtype=np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        dark, 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    if n < 2:
        return None, empty
    k = 1 + int(np.argmax(stats[1:, 2] * stats[1:, 3]))
    cx, cy, cw, ch = (int(v) for v in stats[k, :4])
    inside = _ring((labels[cy : cy + ch, cx : cx + cw] == k).astype(np.uint8))
    if inside is None:
        return None, empty
    big = np.zeros(crop.shape, np.uint8)
    big[cy : cy + ch, cx : cx + cw] = inside
    size = (w, h)
    back = cv2.resize(big, size, interpolation=cv2.INTER_NEAREST) > 0
    marks = cv2.resize(dark * 255, size, interpolation=cv2.INTER_AREA) > 127
    return (back if back.any() else None), marks


# ------------------------------------------------------------------- into the document model


def _char_at(word: Word, box: tuple[float, float, float, float]) -> int:
    """Which character of `word` lies under `box`'s centre (characters taken as equally wide)."""
    x0, _, x1, _ = word.bbox
    n = len(word.text)
    if n <= 1 or x1 <= x0:
        return 0
    cx = (box[0] + box[2]) / 2
    return min(n - 1, max(0, int((cx - x0) / (x1 - x0) * n)))


def _rebuild(line: Line) -> None:
    line.text = " ".join(w.text for w in line.words)


def place_checkboxes(lines: list[Line], boxes: list[CheckBox]) -> tuple[list[Line], list[CheckBox]]:
    """Write each box into the lines and return them (new ones appended) with the boxes
    written:
    - over a word read as a box glyph, that glyph becomes the box (`XP.O.` → `☑ P.O.`); over
      any other reading the frame is a letter and is dropped;
    - inside a line's box between its words (the detector boxed it with the text, the
      recogniser read nothing for it), a word there;
    - beside a line on its row, within `BESIDE` box widths, a word at that end of the line. A box
      between two lines (`Sales Analysis ☐ Consumer Research ☑`) goes to the side the page's
      other boxes take (after their text or before it), else to the nearer;
    - else a line of its own."""
    out = list(lines)
    placed: list[CheckBox] = []
    after = before = 0  # the page's convention, from boxes with only one side to go to
    pending: list[tuple[CheckBox, Word]] = []
    for cb in _radios_in_groups(lines, boxes):
        box = _fbox(cb)
        word = Word(cb.text, 1.0, polygon_of(box))
        # the word the box shares most with: the box is that word's character there, kept
        # only if it reads as a box (`□`, `X`); a letter's frame (`O`, `口` in a word, an `o`
        # just outside its word's estimated box) is text
        under = _words_under(out, [box])[0]
        if under is not None:
            ln, j = under
            wd = ln.words[j]
            k = _char_at(wd, box)
            if not _read_as_box(wd, k, cb.radio, cb.ticked):
                continue
            x0, y0, x1, y1 = wd.bbox
            rest = (wd.text[:k] + wd.text[k + 1 :]).strip()
            if not rest and len(ln.words) == 1:
                # a box read as a line of its own: placed beside its text below
                out = [x for x in out if x is not ln]
            elif not rest:
                ln.words[j] = word
            elif k < len(wd.text) / 2:
                ln.words[j : j + 1] = [
                    word,
                    Word(rest, wd.confidence, polygon_of((box[2], y0, x1, y1))),
                ]
            else:
                ln.words[j : j + 1] = [
                    Word(rest, wd.confidence, polygon_of((x0, y0, box[0], y1))),
                    word,
                ]
            if any(x is ln for x in out):
                _rebuild(ln)
                placed.append(cb)
                at = ln.words.index(word)
                before += at == 0 and len(ln.words) > 1
                after += at == len(ln.words) - 1 and len(ln.words) > 1
                continue
        pending.append((cb, word))
    # the boxes left go beside or into the lines on their row, once every box read as a
    # line of its own has left the lines
    nears = [_near(out, word.bbox) for _, word in pending]
    for near in nears:
        sides = {how for _, _, how in near}
        if sides == {"after"}:
            after += 1
        elif sides == {"before"}:
            before += 1
    for (cb, word), near in zip(pending, nears, strict=True):
        box = word.bbox
        if not near:
            out.append(Line(cb.text, 1.0, polygon_of(box), [word]))
            placed.append(cb)
            continue
        inside = [n for n in near if n[2] == "inside"]
        if inside:
            choice = inside[0]
        else:
            # between two lines: the page's convention, else the nearer
            liked = "after" if after > before else "before" if before > after else ""
            choice = min(near, key=lambda n: (n[2] != liked, n[0]))
        _, ln, how = choice
        cx = (box[0] + box[2]) / 2
        at = sum(1 for wd in ln.words if (wd.bbox[0] + wd.bbox[2]) / 2 < cx)
        ln.words.insert(at, word)
        _rebuild(ln)
        if how != "inside":  # the line's box grows to hold the box beside it
            x0, y0, x1, y1 = ln.bbox
            ln.polygon = polygon_of(
                (min(x0, box[0]), min(y0, box[1]), max(x1, box[2]), max(y1, box[3]))
            )
        placed.append(cb)
    return out, placed


def _fbox(cb: CheckBox) -> tuple[float, float, float, float]:
    return (float(cb.box[0]), float(cb.box[1]), float(cb.box[2]), float(cb.box[3]))


def _words_under(
    lines: list[Line], boxes: list[tuple[float, float, float, float]]
) -> list[tuple[Line, int] | None]:
    """For each box, the line and the index of the word that shares the most of it (the first
    such in reading the lines), or None where no word meets it; all boxes at once."""
    words = [(ln, j) for ln in lines for j in range(len(ln.words))]
    if not words or not boxes:
        return [None] * len(boxes)
    wb = np.array([ln.words[j].bbox for ln, j in words], dtype=np.float64)  # (n, 4)
    bb = np.array(boxes, dtype=np.float64)  # (m, 4)
    dx = np.minimum(bb[:, None, 2], wb[None, :, 2]) - np.maximum(bb[:, None, 0], wb[None, :, 0])
    dy = np.minimum(bb[:, None, 3], wb[None, :, 3]) - np.maximum(bb[:, None, 1], wb[None, :, 1])
    shared = np.clip(dx, 0, None) * np.clip(dy, 0, None)
    best = np.argmax(shared, axis=1)
    return [words[int(b)] if shared[k, b] > 0 else None for k, b in enumerate(best.tolist())]


def _readings(lines: list[Line], rings: list[CheckBox]) -> list[str]:
    """What was read over each ring: `none`, `ring` (a ring's glyph, `O` or `0` as a word of its
    own: `_read_as_box`; for a chosen ring also `©`, `®` or `@` alone) or `text` (the word that
    shares the most of its box: `_words_under`)."""
    out: list[str] = []
    for cb, under in zip(rings, _words_under(lines, [_fbox(cb) for cb in rings]), strict=True):
        if under is None:
            out.append("none")
            continue
        ln, j = under
        wd = ln.words[j]
        read = _read_as_box(wd, _char_at(wd, _fbox(cb)), True, cb.ticked)
        out.append("ring" if read else "text")
    return out


def _groups(rings: list[CheckBox]) -> list[int]:
    """Each ring's group: rings within `ROUND_PARTNER` of each other's size, side by side on
    a row at most `ROW_SPAN` sizes apart or one under another at most `COLUMN_SPAN`, joined
    transitively."""
    n = len(rings)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n:
        b = np.array([cb.box for cb in rings], dtype=np.float64)
        d = np.maximum(b[:, 3] - b[:, 1], 1.0)
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        big, small = np.maximum(d[:, None], d[None, :]), np.minimum(d[:, None], d[None, :])
        ax, ay = np.abs(cx[:, None] - cx[None, :]), np.abs(cy[:, None] - cy[None, :])
        near = (big <= ROUND_PARTNER * small) & (
            ((ay <= 0.5 * small) & (ax <= ROW_SPAN * big))
            | ((ax <= 0.5 * small) & (ay <= COLUMN_SPAN * big))
        )
        for i, j in zip(*np.nonzero(np.triu(near, 1)), strict=True):
            parent[root(int(i))] = root(int(j))
    return [root(i) for i in range(n)]


def _radios_in_groups(lines: list[Line], boxes: list[CheckBox]) -> list[CheckBox]:
    """The square boxes, and the rings that are radio buttons. A ring read as text (the `o` of
    `to`) is a letter. The others form groups (`_groups`: radio buttons come in groups, `◯ Yes ◯
    No`); a group is kept when at least one of its rings is chosen and one is empty. An empty
    ring looks like a capital `O` (`Blood type: O`, a sentence's first word) or a hollow bullet,
    which the recogniser reads as `O`, `○` or not at all, as it reads an empty radio button; a
    dot inside a ring tells them apart. A ringed sign (`©`, `®`) looks like a chosen button, but
    signs do not stand beside an empty ring of their size the way one button of a group stands
    beside the others. (A group none of whose buttons is chosen is left as read.)"""
    rings = [cb for cb in boxes if cb.radio]
    if not rings:
        return boxes
    # only rings with a partner are looked up (most rings of a page are round letters)
    first = _groups(rings)
    sizes: dict[int, int] = {}
    for g in first:
        sizes[g] = sizes.get(g, 0) + 1
    rings = [cb for cb, g in zip(rings, first, strict=True) if sizes[g] >= 2]
    read = _readings(lines, rings)
    rings = [cb for cb, r in zip(rings, read, strict=True) if r != "text"]
    groups = _groups(rings)
    chosen = {g for cb, g in zip(rings, groups, strict=True) if cb.ticked}
    empty = {g for cb, g in zip(rings, groups, strict=True) if not cb.ticked}
    kept = {id(cb) for cb, g in zip(rings, groups, strict=True) if g in chosen and g in empty}
    return [cb for cb in boxes if not cb.radio or id(cb) in kept]


def _near(
    lines: list[Line], box: tuple[float, float, float, float]
) -> list[tuple[float, Line, str]]:
    """The lines on the box's row it could go to, with the gap and the side: `inside` one's
    box, or beside one (`after` its end, `before` its start) within `BESIDE` box widths."""
    side = max(box[2] - box[0], box[3] - box[1])
    cy = (box[1] + box[3]) / 2
    near: list[tuple[float, Line, str]] = []
    for ln in lines:
        if not ln.words:
            continue
        x0, y0, x1, y1 = ln.bbox
        if not (y0 <= cy <= y1) or (y1 - y0) > 2.5 * side:
            continue
        if box[0] >= x1 and box[0] - x1 <= BESIDE * side:
            near.append((box[0] - x1, ln, "after"))
        elif box[2] <= x0 and x0 - box[2] <= BESIDE * side:
            near.append((x0 - box[2], ln, "before"))
        elif box[0] < x1 and box[2] > x0:
            near.append((0.0, ln, "inside"))
    return near


def text_height(lines: list[Line]) -> float:
    """The page's median text line height (0 without lines)."""
    hs = [ln.height for ln in lines if ln.height > 0]
    return float(np.median(hs)) if hs else 0.0


def find_on_page(gray: np.ndarray, height: float) -> list[CheckBox]:
    """`find_checkboxes` on a page of any size: one whose text lines are taller than
    `WORK_HEIGHT` px (a phone photo) is searched scaled down to that, and its boxes scaled
    back, so the cost follows the text's size in pixels, not the camera's."""
    f = WORK_HEIGHT / height if height > WORK_HEIGHT else 1.0
    if f >= 1.0:
        return find_checkboxes(gray, height)
    if min(gray.shape[:2]) * f < 1:
        return []  # a page thinner than a line of its text holds no box
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return [
        replace(
            cb,
            box=(
                int(cb.box[0] / f),
                int(cb.box[1] / f),
                int(np.ceil(cb.box[2] / f)),
                int(np.ceil(cb.box[3] / f)),
            ),
        )
        for cb in find_checkboxes(small, WORK_HEIGHT, gray)
    ]


def _gray(image: np.ndarray) -> np.ndarray:
    """An 8-bit grey page from RGB, RGBA, one-channel or grey pixels of any depth."""
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.dtype != np.uint8:
        top = float(image.max()) if image.size else 0.0
        image = (image.astype(np.float32) * (255.0 / top if top > 0 else 1.0)).astype(np.uint8)
    if image.ndim == 3:
        code = cv2.COLOR_RGBA2GRAY if image.shape[2] == 4 else cv2.COLOR_RGB2GRAY
        image = cv2.cvtColor(image, code)
    return np.ascontiguousarray(image)


def mark_page(page: Page, rgb: np.ndarray, usage: Usage) -> int:
    """The `checkboxes` stage on one read page and its pixels: find the boxes and write them
    into the page's lines (new lines for boxes that stand apart; the blocks are then built
    again). Returns how many boxes were written. A page read turned (`rotation`) or without
    text is left as it is."""
    lines = page.lines
    if not lines:
        usage.skip("checkboxes", "no text on the page")
        return 0
    if page.rotation:
        usage.skip("checkboxes", "the page was read turned")
        return 0
    if rgb.shape[:2] != (page.height, page.width):
        usage.skip("checkboxes", "the page's pixels are not in its geometry's frame")
        return 0
    with usage.stage("checkboxes"):
        gray = _gray(rgb)
        boxes = find_on_page(gray, text_height(lines))
        before = [id(ln) for ln in lines]
        lines, placed = place_checkboxes(lines, boxes)
        if [id(ln) for ln in lines] != before:  # lines added or taken in
            page.blocks = build_blocks(lines)
    usage.checkboxes["found"] = usage.checkboxes.get("found", 0) + len(placed)
    usage.checkboxes["ticked"] = usage.checkboxes.get("ticked", 0) + sum(
        1 for cb in placed if cb.ticked
    )
    return len(placed)
