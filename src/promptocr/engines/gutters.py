"""Column gutters: split detected text lines that run across a column gap, before recognition.

On a page set in narrow columns with narrow gutters (newspapers, especially Chinese ones), the
text detector often boxes two lines of neighbouring columns that sit at the same height as one
line: recognised as one, the text of two articles is woven together and no later stage can take
it apart. This stage looks at each wide detected box and splits it where a *gutter* crosses it:
a white vertical run inside the box that continues as white through the page above and below
(several lines' height in all) with text on both sides over several lines, as wide as a gutter
in most of those lines too. A wide space between words in one line (a receipt's label and
price, justified text) has no such continuation unless the space itself is a gutter, so
single-column pages and receipts keep their boxes.

Receipts and typed forms showed what "white" and "text beside" must mean (issue 13, part 6):

- white is white at a lower threshold than Otsu's: a faded digit (a receipt's `0` at grey 215 on
  254 paper) is no gap, and neither are the strokes of faint characters in the lines above and
  below. The faint mask compares each pixel with the paper around it, so a photographed
  receipt's grey paper and its lighting gradient are paper, and light print on a dark band
  stays inside the band (only thin vertical rules are taken out of it: dark ones, and grey ones
  lighter than Otsu's threshold, which stand in gutters as often);
- a picture beside a gutter is what is darker than the paper around it, not darker than a fixed
  grey: on grey paper everything was "picture";
- a gap is wider than the line's letter gaps (a typewriter's letter gaps are as wide as half a
  character of Chinese and line up down the page) and at least the minimum itself, unrounded;
- the lines beside the run show the gutter as wide as in this line, in at least half of them: a
  river of letter gaps and word spaces down a monospaced page is narrower in most lines.

Cost: the page's masks are made once, only when some box is wide enough to hold a gutter
(Otsu's ink; the paper level from block means a quarter line height wide; the faint and the
picture masks in one reused page buffer), and only the columns of candidate gaps are followed
up and down. Making the paper level and the faint mask only for boxes with a gap in Otsu's ink
(which a gutter in the faint mask always is) was tried and dropped: such a gap, a word space
lining up over four lines, is on every receipt and form page (all of the first 25 SROIE and
FUNSD dev images; 90-96 % of their rows in the bands around those boxes), so the check cost
more than it saved. `bench/gutter_audit.py` lists every cut on a ground-truth folder;
`bench/gutter_timing.py` times the stage against another version.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

MIN_ASPECT = 3.0  # boxes narrower than this many heights are never split
MIN_GAP = 0.45  # a gap must be at least this many box heights wide ...
TEXT_GAP = 0.45  # ... or this many text heights (the ink's height in the box: the detector's
# boxes are padded, and a CJK gutter half a character wide is narrower than MIN_GAP box heights)
MIN_PIECE = 2.5  # the piece left of a gutter is at least this many box heights wide
COLUMN_WIDTH = 5.0  # ... unless the column left of the gutter is this many box heights wide
COLUMN_SHARE = 0.6  # (in this share of the text rows beside the gutter)
MAX_GAP = 2.5  # ... and at most this many (the detector only bridges narrow gaps)
MIN_RUN = 3.5  # ... and white over at least this many box heights of the page, in all
MIN_SIDE_ROWS = 2.0  # pixel rows (in box heights) beside the gap, outside the box, each side
# (rows of text, or of a picture: a column under a picture may hold only two lines beside it)
PICTURE_SHADE = 235  # pixels darker than this (grey level, on white paper) are not paper
NEAR_ROWS = 0.6  # text rows (in box heights) beside a gutter to judge the column's width
MAX_SLOPE = 0.03  # only near-horizontal boxes
RULE_HEIGHT = 3.0  # vertical ink runs taller than this many line heights are rules, not text
LETTER_GAPS = 2.0  # a gap is at least this many times the median gap between the line's letters
OPEN_SHARE = 0.5  # ... and as wide as a gutter (min_gap) in this share of the text lines beside
LINE_ROWS = 0.3  # (a text line beside: this many text heights of consecutive inked pixel rows)
FAINT = 20  # grey levels under the paper around it: ink too faint for Otsu (a faded digit)


def _ink(bgr: np.ndarray, line_h: float = 20.0) -> np.ndarray:
    """Ink mask of the page (Otsu), without vertical rules: a rule standing in a gutter (the
    frame of a boxed article) separates columns as whitespace does."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    bw, tall = _otsu(gray, line_h)
    return np.asarray(cv2.subtract(bw, tall), dtype=np.uint8).view(bool)


def _tall(bw: np.ndarray, line_h: float) -> np.ndarray:
    """The pixels of `bw` in vertical runs taller than RULE_HEIGHT line heights."""
    tall = max(15, int(RULE_HEIGHT * line_h))
    return cv2.morphologyEx(
        bw if bw.dtype == np.uint8 else bw.astype(np.uint8),
        cv2.MORPH_OPEN,
        cv2.getStructuringElement(cv2.MORPH_RECT, (1, tall)),
    )


def _tall_sparse(mask: np.ndarray, line_h: float) -> np.ndarray:
    """`_tall` of `mask` (0/1 uint8), opened only in the pixel columns that hold enough of it
    to hold a tall run (a vertical opening works column by column): the faint-only pixels of
    a page are few."""
    tall = max(15, int(RULE_HEIGHT * line_h))
    cols = np.flatnonzero(cv2.reduce(mask, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S)[0] >= tall)
    if 4 * len(cols) > mask.shape[1]:  # grey noisy paper: gathering the columns costs more
        return _tall(mask, line_h)
    out = np.zeros_like(mask)
    if len(cols):
        out[:, cols] = _tall(np.ascontiguousarray(mask[:, cols]), line_h)
    return out


def _paper(gray: np.ndarray, line_h: float) -> np.ndarray:
    """The page's paper level around each pixel: the lightest (noise-smoothed) grey within
    about RULE_HEIGHT line heights, so that a photographed receipt's grey paper, its shadows
    and its lighting gradient are paper, and text, faint text and pictures are below it."""
    f = max(1, int(line_h // 4))
    h, w = gray.shape[:2]
    # the mean of each f x f block (not a sample: the lightest of many noisy samples is the
    # paper's brightest grain, and 20 levels under that is paper too), then a median for specks
    small = cv2.resize(gray, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    small = cv2.medianBlur(small, 3)
    k = max(3, int(RULE_HEIGHT * line_h / f)) | 1
    small = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _otsu(gray: np.ndarray, line_h: float) -> tuple[np.ndarray, np.ndarray]:
    """(bw, tall) of the page, 0/1 uint8: Otsu's ink, and its vertical runs taller than
    RULE_HEIGHT line heights (rules, and dark bands); `bw - tall` is `_ink`."""
    _t, bw = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return bw, _tall(bw, line_h)


def _thin(tall: np.ndarray, line_h: float) -> np.ndarray:
    """The runs of `tall` (0/1 uint8, vertical runs of a mask) no wider than a quarter of a
    line height: rules (a dark band is wider). Only the stretches of columns that hold some of
    `tall` are looked at (rules are narrow: a fraction of the page)."""
    if not cv2.countNonZero(tall):
        return tall
    k = max(3, int(line_h / 4))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1))
    out = tall.copy()
    cols = np.flatnonzero(np.asarray(tall.any(axis=0)))
    breaks = np.flatnonzero(np.diff(cols) > k) + 1
    for run in np.split(cols, breaks):
        a, b = max(0, int(run[0]) - k), min(tall.shape[1], int(run[-1]) + k + 1)
        part = np.ascontiguousarray(tall[:, a:b])
        out[:, a:b] = cv2.subtract(part, cv2.morphologyEx(part, cv2.MORPH_OPEN, kernel))
    return out


def _masks(bgr: np.ndarray, line_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ink, faint, shade) of the page: `ink` as `_ink`; `faint`, Otsu's ink and any pixel
    more than FAINT grey levels darker than the paper around it (a receipt's faded digit, the
    thin strokes Otsu misses), without thin vertical rules, dark or grey (a dark band with
    light print in it stays dark); `shade`, pixels more than 255 - PICTURE_SHADE levels darker
    than the paper around them (a picture's pixels on a white page; on grey paper, only what
    is darker than that paper)."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    bw, tall = _otsu(gray, line_h)
    ink = np.asarray(cv2.subtract(bw, tall), dtype=np.uint8)
    faint, shade = _faint_shade(gray, bw, tall, line_h)
    return ink.view(bool), faint, shade


def _faint_shade(
    gray: np.ndarray, bw: np.ndarray, tall: np.ndarray, line_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """(faint, shade) of `_masks` for a page from its grey, Otsu's
    ink `bw` and that ink's tall runs (`_otsu`)."""
    paper = _paper(gray, line_h)
    # the picture test on the grey itself: blurred, the word spaces of a justified column
    # darken at their edges and fall apart into white rivers between "picture" specks
    tmp = cv2.subtract(paper, gray)
    shade = tmp > 255 - PICTURE_SHADE
    # (one page-sized buffer, `tmp`, reused for each step: a 300 dpi page is 9 MB a mask)
    cv2.blur(gray, (3, 3), dst=tmp)
    cv2.subtract(paper, tmp, dst=tmp)
    del paper
    cv2.threshold(tmp, FAINT, 1, cv2.THRESH_BINARY, dst=tmp)
    # faint pixels next to Otsu's ink are the edges of its strokes (anti-aliasing, blur), not
    # more ink: counting them would narrow every gap by a pixel or two each side
    near = cv2.dilate(bw, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    cv2.subtract(tmp, near, dst=tmp)
    del near
    # thin vertical runs are rules, dark (Otsu's) or grey (only in the faint mask: lighter
    # than Otsu's threshold, 20+ levels under the paper), and stand in gutters as white
    cv2.subtract(tmp, _thin(_tall_sparse(tmp, line_h), line_h), dst=tmp)
    # Otsu's ink without its thin rules: a dark band stays (its light print is not a gap)
    cv2.bitwise_or(tmp, cv2.subtract(bw, _thin(tall, line_h)), dst=tmp)
    return np.asarray(tmp, dtype=np.uint8).view(bool), shade


def _white_runs(col_ink: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    """(start, end) of interior runs of False at least `min_len` long (not touching the ends)."""
    n = len(col_ink)
    white = np.zeros(n + 2, dtype=np.int8)
    white[1:-1] = ~np.asarray(col_ink, dtype=bool)
    edges = np.diff(white)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    keep = (starts > 0) & (ends < n) & (ends - starts >= min_len)
    return list(zip(starts[keep].tolist(), ends[keep].tolist(), strict=True))


def _extent(ink: np.ndarray, a: int, b: int, y0: int, y1: int, limit: int) -> tuple[int, int]:
    """How far the columns a:b stay white above y0 and below y1 (at most `limit` rows each)."""
    lo = max(0, y0 - limit)
    strip = np.asarray(ink[lo : min(ink.shape[0], y1 + limit), a:b].any(axis=1))
    top = y0
    while top > lo and y0 - top < limit and not strip[top - 1 - lo]:
        top -= 1
    bottom = y1
    end = lo + len(strip)
    while bottom < end and bottom - y1 < limit and not strip[bottom - lo]:
        bottom += 1
    return top, bottom


def gutter_splits(
    ink: np.ndarray,
    box: tuple[int, int, int, int],
    shade: np.ndarray | None = None,
    faint: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Gutters (x_start, x_end) crossing `box` (x0, y0, x1, y1) on the page's ink mask
    (`shade`: where the page is darker than its paper, to count a picture beside a gutter as
    content; `faint`: the ink at a lower threshold, which a gutter must be clear of, in the
    line and up and down the page; the ink mask when not given)."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    if h < 4 or x1 - x0 < MIN_ASPECT * h:
        return []
    clear = ink if faint is None else faint
    core = np.asarray(clear[y0 + h // 6 : y1 - h // 6, x0:x1].any(axis=0))
    out: list[tuple[int, int]] = []
    text_h = _text_height(ink, box)
    min_gap = min(MIN_GAP * h, TEXT_GAP * text_h)
    # the gaps between the letters of this line: a monospaced typewriter line has them 3 px
    # wide at 11 px text, as wide as min_gap, and they line up down the page like a gutter
    gaps = _white_runs(core, max(3, math.ceil(min_gap)))
    letters = [q - p for p, q in _white_runs(core, 1) if q - p < min_gap] if gaps else []
    letter_gap = float(np.median(letters)) if letters else 0.0
    for a, b in gaps:
        if b - a > MAX_GAP * h:  # a gutter the detector bridged is narrow; wider is a layout
            continue
        if b - a < LETTER_GAPS * letter_gap:
            continue
        ga, gb = x0 + a + 1, x0 + b - 1
        if gb - ga < 2:
            continue
        # the piece left of a gutter is a whole line of its column (it reaches the gutter),
        # not a code or a quantity before a label; the piece right of it may be the short
        # last line of a paragraph
        left_edge = out[-1][1] if out else x0
        short = ga - left_edge < MIN_PIECE * h
        # a gap narrower than MIN_GAP box heights (a gutter half a character wide) is as wide
        # as a word space in a headline, a caption or a receipt's monospaced line: it is a
        # gutter only between whole lines of columns (a line of a column before it, the rest
        # of the box after it as wide), never beside a word or two, and only with text beside
        # it (a caption's word spaces run up white through a picture)
        narrow = b - a < MIN_GAP * h
        if narrow and min(ga - left_edge, x1 - gb) < COLUMN_WIDTH * h:
            continue
        if x1 - gb < h:
            continue
        # a narrow strip somewhere in the gap must stay white up and down the page (the gap
        # in this line may be wider than the gutter: a full stop ending the column's line)
        sw = max(2, min(gb - ga, h // 5))
        top, bottom, at = y0, y0, ga
        for sa in range(ga, gb - sw + 1, max(1, sw // 2)):
            t, b = _extent(clear, sa, sa + sw, y0, y1, int(8 * h))
            if b - t > bottom - top:
                top, bottom, at = t, b, sa
        if bottom - top < MIN_RUN * h:
            continue
        # text beside the gap, on both sides, over several lines of the white stretch
        rows = np.r_[top:y0, y1:bottom]
        seen = None if narrow else shade
        left = _beside(ink, seen, rows, max(0, at - h), at)
        right = _beside(ink, seen, rows, at + sw, at + sw + h)
        if min(int(left.sum()), int(right.sum())) < MIN_SIDE_ROWS * h:
            continue
        # ... and in most of those lines the white is as wide as a gutter: a river of letter
        # gaps and word spaces lining up down a monospaced page is narrower in most lines
        opened, lines = _open_lines(
            ink, clear, rows, at, sw, h, max(2.0, LINE_ROWS * text_h), min_gap - 1
        )
        if opened < OPEN_SHARE * lines:
            continue
        # a short piece left of the gutter (the last word of a justified column line) is
        # cut off only when the rows beside it are lines of a wide column of text (a
        # receipt's quantity or item-code column is narrow)
        if short and not _wide_column(ink, rows, at, h):
            continue
        out.append((ga, gb))
    return out


def _open_lines(
    ink: np.ndarray,
    clear: np.ndarray,
    rows: np.ndarray,
    at: int,
    sw: int,
    h: int,
    min_rows: float,
    need: float,
) -> tuple[int, int]:
    """(how many are open, how many) of the text lines in `rows` beside a gutter strip at
    columns at:at+sw: a line is a run of consecutive rows (at least `min_rows`) with ink within
    a box height of the strip; it is open where the white around the strip, over all its
    rows, is at least `need` px wide."""
    a, b = max(0, at - 2 * h), min(ink.shape[1], at + sw + 2 * h)
    inked = np.asarray(ink[rows, max(0, at - h) : at + sw + h].any(axis=1))
    bands: list[list[int]] = []
    for r, f in zip(rows.tolist(), inked.tolist(), strict=True):
        if not f:
            continue
        if bands and r == bands[-1][-1] + 1:
            bands[-1].append(r)
        else:
            bands.append([r])
    opened = lines = 0
    for band in bands:
        if len(band) < min_rows:
            continue
        lines += 1
        u = np.asarray(clear[band, a:b].any(axis=0))
        left, right = at - a, at - a + sw
        while left > 0 and not u[left - 1]:
            left -= 1
        while right < len(u) and not u[right]:
            right += 1
        if not u[at - a : at - a + sw].any() and right - left >= need:
            opened += 1
    return opened, lines


def _text_height(ink: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """The height of the text in `box` (its font size, about): the longest run of pixel rows
    with ink in more than a hundredth of the box's width (a speck is not text, and the edge of
    a neighbouring line caught in the padded box is apart from it); the box's own height when
    there is none."""
    x0, y0, x1, y1 = box
    rows = np.count_nonzero(ink[y0:y1, x0:x1], axis=1) * 100 > (x1 - x0)
    inked = np.zeros(len(rows) + 2, dtype=np.int8)
    inked[1:-1] = rows
    edges = np.diff(inked)
    best = int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max(initial=0))
    return float(best) if best else float(y1 - y0)


def _beside(
    ink: np.ndarray, shade: np.ndarray | None, rows: np.ndarray, a: int, b: int
) -> np.ndarray:
    """Which of `rows` hold content in columns a:b: text ink, or mostly non-white pixels (a
    picture, whose tall dark areas the ink mask drops with the rules)."""
    out = np.asarray(ink[rows, a:b].any(axis=1))
    if shade is not None and b > a and not out.all():
        out = out | (np.count_nonzero(shade[rows, a:b], axis=1) * 2 >= b - a)
    return out


def _wide_column(ink: np.ndarray, rows: np.ndarray, at: int, h: int) -> bool:
    """Whether the text left of a gutter at x `at` is a wide column: most pixel rows (of
    `rows`, outside the box) with ink just left of the gutter also have ink
    COLUMN_WIDTH - 2 to COLUMN_WIDTH line heights further left."""
    a = at - int(COLUMN_WIDTH * h)
    if a < 0:
        return False
    near = ink[rows, max(0, at - h) : at].any(axis=1)
    far = ink[rows, a : a + 2 * h].any(axis=1)
    n = int(near.sum())
    return n >= NEAR_ROWS * h and int((near & far).sum()) >= COLUMN_SHARE * n


def find_gutters(bgr: np.ndarray, quads: np.ndarray) -> dict[int, list[tuple[int, int]]]:
    """The gutters (x_start, x_end, page pixels) crossing each detected quad of (N, 4, 2),
    by the quad's index; quads that no gutter crosses are left out."""
    if len(quads) == 0:
        return {}
    h_img, w_img = bgr.shape[:2]
    boxes = []
    for q in quads:
        xs, ys = q[:, 0], q[:, 1]
        x0, x1 = float(xs.min()), float(xs.max())
        y0, y1 = float(ys.min()), float(ys.max())
        slope = abs(float(q[1][1] - q[0][1])) / max(float(q[1][0] - q[0][0]), 1.0)
        boxes.append((x0, y0, x1, y1, slope))
    candidates = [
        k
        for k, (x0, y0, x1, y1, slope) in enumerate(boxes)
        if slope <= MAX_SLOPE and y1 - y0 >= 4 and x1 - x0 >= MIN_ASPECT * (y1 - y0)
    ]
    if not candidates:
        return {}
    line_h = float(np.median([b[3] - b[1] for b in boxes]))
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    bw, tall = _otsu(gray, line_h)
    ink = np.asarray(cv2.subtract(bw, tall), dtype=np.uint8).view(bool)
    faint, shade = _faint_shade(gray, bw, tall, line_h)
    del bw, tall
    found: dict[int, list[tuple[int, int]]] = {}
    for k in candidates:
        x0, y0, x1, y1, _s = boxes[k]
        ix0, iy0 = max(0, int(x0)), max(0, int(y0))
        ix1, iy1 = min(w_img, int(np.ceil(x1))), min(h_img, int(np.ceil(y1)))
        gaps = gutter_splits(ink, (ix0, iy0, ix1, iy1), shade, faint)
        if gaps:
            found[k] = gaps
    return found


def split_at_gutters(bgr: np.ndarray, quads: np.ndarray) -> tuple[np.ndarray, int]:
    """Detected quads (N, 4, 2) with every box that crosses a column gutter cut into pieces;
    returns the new quads (reading order of the pieces: left to right) and how many boxes were
    split. Returns the input unchanged when nothing crosses a gutter."""
    pieces: dict[int, list[np.ndarray]] = {}
    for k, gaps in find_gutters(bgr, quads).items():
        parts = cut_quad(quads[k], gaps)
        if len(parts) > 1:
            pieces[k] = parts
    if not pieces:
        return quads, 0
    out: list[np.ndarray] = []
    for k, q in enumerate(quads):
        out.extend(pieces.get(k, [q]))
    return np.stack(out).astype(quads.dtype), len(pieces)


def cut_quad(quad: np.ndarray, gaps: list[tuple[int, int]]) -> list[np.ndarray]:
    """The pieces of `quad` left between the gutters `gaps` (page x ranges), left to right."""
    xs, ys = quad[:, 0], quad[:, 1]
    x0, x1 = float(xs.min()), float(xs.max())
    pad = max(1.0, 0.15 * (float(ys.max()) - float(ys.min())))
    q = quad.astype(np.float32)
    edges = [x0] + [v for ga, gb in gaps for v in (ga + pad, gb - pad)] + [x1]
    parts = []
    for a, b in zip(edges[0::2], edges[1::2], strict=True):
        if b - a < 2:
            continue
        parts.append(_sub_quad(q, (a - x0) / max(x1 - x0, 1.0), (b - x0) / max(x1 - x0, 1.0)))
    return parts


def _sub_quad(q: np.ndarray, ta: float, tb: float) -> np.ndarray:
    """The part of quad q (tl, tr, br, bl) between fractions ta and tb along its width."""
    tl, tr, br, bl = q
    return np.array(
        [
            tl + (tr - tl) * ta,
            tl + (tr - tl) * tb,
            bl + (br - bl) * tb,
            bl + (br - bl) * ta,
        ],
        dtype=np.float32,
    )
