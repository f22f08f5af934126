"""The `parse` task: a page as Markdown in reading order, from OCR lines plus layout regions.

For each page: the CDLA layout model finds regions (text, title, figure, figure_caption, table,
table_caption, header, footer, reference, equation); every OCR line goes to the region holding
most of it (ties go to the more specific kind: a table beats the text box around it); lines in no
region become "text" blocks of their own. Regions are put in reading order by a recursive XY-cut
over their boxes (true columns are read one after the other), and the page's blocks are rebuilt
so that `Block.kind` is the region's class. Markdown then follows HunyuanOCR's document-parsing
prompt: headers, footers and page numbers dropped (when asked), tables as HTML, equations in
`$$ ... $$`, titles as `#`/`##`, lists as `- `/`N. `, captions in italics, figures as
`![figure](page-N-figure-K)` placeholders. Pages of a multi-page document are separated by a
blank line and an HTML comment `<!-- page N -->` (invisible when the Markdown is rendered).

Everything is computed in the page's upright frame (pages the orientation stage turned are
turned back for layout), while the rebuilt blocks keep the file's own coordinates.
"""

from __future__ import annotations

import base64
import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from promptocr.document.layout import build_blocks, gap_cuts, sort_rows
from promptocr.document.model import (
    BBox,
    Block,
    Document,
    Line,
    Page,
    Point,
    Polygon,
    Word,
    bbox_of,
    overlap_area,
    polygon_of,
    union_bbox,
)
from promptocr.engines.layout import LayoutDetector, LayoutRegion
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage
from promptocr.pipeline import OCRPipeline
from promptocr.tasks.columns import (
    gutter_cuts,
    running_text,
    segment_text,
    split_line,
    text_extent,
)
from promptocr.tasks.frames import cut_at_frames, find_frames, framed_part, order_framed
from promptocr.tasks.inkbox import open_gutters
from promptocr.tasks.tables import TableGrid, build_table, reads_as_text

if TYPE_CHECKING:
    from promptocr.tasks.base import TaskInput

# Reads a display formula's crop (RGB) into LaTeX; the service passes the VLM engine's.
FormulaReader = Callable[[np.ndarray], str | None]

# Which kind wins a line that lies inside two overlapping regions.
KIND_PRIORITY = {
    "table": 9,
    "equation": 8,
    "figure": 7,
    "title": 6,
    "table_caption": 5,
    "figure_caption": 5,
    "header": 4,
    "footer": 4,
    "reference": 3,
    "text": 2,
}
TEXT_KINDS = {"text", "reference", "title", "table_caption", "figure_caption", "header", "footer"}
MARGIN_KINDS = {"header", "footer"}
BODY_KINDS = {"text", "reference"}  # regions rebuilt from the lines on pages set in columns
MIN_SHARE = 0.5  # a line belongs to a region holding at least this share of its area
ORDER_GAP = 0.15  # reading order cuts at gaps this many line heights wide (narrow gutters)
PAGE_MARGIN = 0.08  # page numbers are looked for in this share of the page height, top and bottom

_TABLE_CAPTION = re.compile(r"^\s*(table|tab\.|表)\s*[0-9ivxlcIVXLC一二三四五六七八九十]", re.I)
_FIGURE_CAPTION = re.compile(r"^\s*(figure|fig\.?|图|圖)\s*[0-9一二三四五六七八九十]", re.I)
_PAGE_NUMBER = re.compile(
    r"^\s*((?i:page)\s*|(?i:p)\.\s*|第\s*)?[-–—]?\s*(\d{1,4}|[A-Z]\d{1,3}|(?i:[ivxlc]{1,6}))\s*"
    r"[-–—]?\s*"
    r"(((?i:of)|/)\s*\d{1,4})?\s*(页|版)?\s*$",  # a section page such as A17: a capital
)
_BULLET = re.compile(r"^\s*(?:[•·●○◦▪■□►▶✓✔]\s*|[-–—*]\s+)(?=\S)(.*)$")
_NUMBERED = re.compile(r"^\s*\(?(\d{1,3})[.)、]\s*(?=\S)(.*)$")


@dataclass
class Figure:
    """A figure cut out of its page: `name` is what the Markdown references."""

    name: str
    page: int  # 1-based
    bbox: BBox  # upright page frame while parsing; the file's frame in the result
    png: bytes
    caption: str = ""

    def to_dict(self, data: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "page": self.page,
            "bbox": [round(v, 1) for v in self.bbox],
            "caption": self.caption,
            "mime": "image/png",
            "width": round(self.bbox[2] - self.bbox[0]),
            "height": round(self.bbox[3] - self.bbox[1]),
        }
        if data:
            d["data"] = base64.b64encode(self.png).decode("ascii")
        return d


@dataclass
class ParsedRegion:
    """A layout region with the lines it got, its blocks and (for tables) its grid."""

    kind: str
    bbox: BBox  # upright page frame while parsing; the file's frame in the result
    score: float
    lines: list[Line] = field(default_factory=list)  # upright copies
    table: TableGrid | None = None
    from_layout: bool = True
    figure: Figure | None = None  # figures: the cut-out image and its stable name
    latex: str | None = None  # equations: LaTeX from the VLM engine, when one read it
    number: str | None = None  # equations: the number printed beside it, e.g. "1"
    crop: np.ndarray | None = field(default=None, repr=False)  # equations: pixels for a VLM

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "score": round(self.score, 4),
            "bbox": [round(v, 1) for v in self.bbox],
            "text": "\n".join(" ".join(ln.text for ln in row) for row in sort_rows(self.lines)),
        }


@dataclass
class ParsedPage:
    index: int
    regions: list[ParsedRegion]
    markdown: str
    shown: list[ParsedRegion] = field(default_factory=list, repr=False)  # what Markdown shows

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "regions": [r.to_dict() for r in self.regions],
            "tables": [r.table.to_dict() for r in self.regions if r.table is not None],
            "figures": [r.figure.to_dict(data=False) for r in self.shown if r.figure],
            "markdown": self.markdown,
        }


@dataclass
class ParseResult:
    markdown: str
    pages: list[ParsedPage]

    @property
    def tables(self) -> list[TableGrid]:
        return [r.table for p in self.pages for r in p.regions if r.table is not None]

    @property
    def figures(self) -> list[Figure]:
        """Every figure shown in the Markdown, in reading order."""
        return [r.figure for p in self.pages for r in p.shown if r.figure is not None]

    def to_dict(self) -> dict[str, Any]:
        return {"markdown": self.markdown, "pages": [p.to_dict() for p in self.pages]}


def parse_document(
    pipeline: OCRPipeline,
    pages: list[PageImage],
    document: Document,
    usage: Usage,
    *,
    drop_headers_footers: bool = True,
) -> str:
    """Markdown of the OCR'd `document` (whose pages align with `pages`), in reading order.

    Runs the layout stage on each page and rebuilds `document`'s blocks in place so that each
    block's `kind` is its layout class. Stages "layout", "table_structure" and "markdown" are
    timed into `usage` (or recorded as skipped, with the reason).
    """
    return parse_pages(
        pipeline, pages, document, usage, drop_headers_footers=drop_headers_footers
    ).markdown


def parse_pages(
    pipeline: OCRPipeline,
    pages: list[PageImage],
    document: Document,
    usage: Usage,
    *,
    drop_headers_footers: bool = True,
    detector: LayoutDetector | None = None,
    formula: FormulaReader | None = None,
) -> ParseResult:
    """`parse_document` with the structured result: regions and table grids per page.

    `formula`, when given, reads each display formula's crop (RGB) into LaTeX (the service
    passes the VLM engine here when one is configured); without it, or when it returns
    nothing, a formula block holds its OCR text."""
    if len(pages) != len(document.pages):
        raise ValueError(f"{len(pages)} page images for a document of {len(document.pages)} pages")
    det = detector or _detector_for(pipeline)
    parsed = [
        parse_page(image, page, det, usage, drop_headers_footers=drop_headers_footers)
        for image, page in zip(pages, document.pages, strict=True)
    ]
    if formula is not None:
        read_formulas(parsed, formula)
    return finish_parse(parsed, usage)


def parse_page(
    image: PageImage,
    page: Page,
    detector: LayoutDetector,
    usage: Usage,
    *,
    drop_headers_footers: bool = True,
) -> ParsedPage:
    """The layout stage and tables of one OCR'd page (its `image` can be dropped after this):
    rebuilds `page.blocks` with layout kinds. `finish_parse` turns the pages into Markdown."""
    return _parse_page(image, page, detector, usage, drop_headers_footers)


def finish_parse(parsed: list[ParsedPage], usage: Usage) -> ParseResult:
    """Markdown over every parsed page (heading levels are decided over the whole document)."""
    any_table = any(r.table is not None for p in parsed for r in p.regions)
    if not any(p.regions for p in parsed):
        usage.skip("layout", "no text on any page")
        usage.skip("table_structure", "no text on any page")
    elif not any_table:
        usage.skip("table_structure", "no table found by the layout stage")
    with usage.stage("markdown"):
        every = [r for p in parsed for r in p.regions]
        body_h = _body_height(every)
        top_title = max(
            (statistics.median(ln.height for ln in r.lines) for r in every if r.kind == "title"),
            default=0.0,
        )
        for p in parsed:
            p.markdown = _page_markdown(p.index, p.shown, body_h, top_title)
        if len(parsed) == 1:
            md = parsed[0].markdown
        else:
            md = "\n\n".join(
                f"<!-- page {p.index + 1} -->" + ("\n\n" + p.markdown if p.markdown else "")
                for p in parsed
            )
    return ParseResult(md.strip("\n") + "\n" if md.strip() else "", parsed)


def layout_detector(pipeline: OCRPipeline) -> LayoutDetector:
    """The pipeline's layout stage (loaded on first use)."""
    return _detector_for(pipeline)


def write_parse_files(output: dict[str, Any], out_dir: Path, stem: str) -> list[Path]:
    """Write a parse result's Markdown as `out_dir/<stem>.md` and its figures next to it as
    `out_dir/<stem>-page-N-figure-K.png` (the Markdown's references point at those files).
    Does nothing for results without Markdown; returns the files written."""
    md = output.get("markdown")
    if not isinstance(md, str):
        return []
    written: list[Path] = []
    for fig in output.get("figures") or []:
        name = str(fig["name"])
        target = out_dir / f"{stem}-{name}"
        target.write_bytes(base64.b64decode(fig["data"]))
        md = md.replace(f"]({name})", f"]({target.name})")
        written.append(target)
    md_path = out_dir / f"{stem}.md"
    md_path.write_text(md, encoding="utf-8")
    return [md_path, *written]


_FIGURE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}(?<!\.\.)")


def write_figures(
    result: Any, base: str | Path, ext: str, figures: list[dict[str, Any]] | None = None
) -> list[Path]:
    """After `read ... -o DIR` wrote Markdown as `<base>.md`: write its figures next to it as
    `<base>-page-N-figure-K.png` and point the Markdown's references at them. The figures are
    `figures` (`Figure.to_dict()` items) or else those of a parse answer in `result.output`.
    Does nothing for other answers; returns the figure files written."""
    if figures is None:
        output = getattr(result, "output", None)
        figures = output.get("figures") if isinstance(output, dict) else None
    if ext != "md" or not figures:
        return []
    base = Path(base)
    md_path = Path(f"{base}.md")
    md = md_path.read_text(encoding="utf-8")
    written: list[Path] = []
    for fig in figures:
        name = str(fig.get("name") or "")
        # Names come from our parse (page-N-figure-K.png) or, with --server, from a server:
        # only a plain file name is written, never a path out of the output folder.
        if not _FIGURE_NAME.fullmatch(name):
            continue
        try:
            data = base64.b64decode(str(fig.get("data") or ""), validate=True)
        except ValueError:
            continue
        target = base.parent / f"{base.name}-{name}"
        target.write_bytes(data)
        md = md.replace(f"]({name})", f"]({target.name})")
        written.append(target)
    md_path.write_text(md, encoding="utf-8")
    return written


def _detector_for(pipeline: OCRPipeline) -> LayoutDetector:
    return pipeline.layout


# --------------------------------------------------------------------------------------------
# Frames: the page as the file has it vs. upright


def _rotator(rotation: int, w: int, h: int) -> tuple[Callable[[Point], Point], int, int]:
    """Map from the file's frame to the upright frame (content turned back by `rotation`)."""
    if rotation == 90:  # upright = np.rot90(img, 1): upright width = file height
        return (lambda p: (p[1], w - p[0])), h, w
    if rotation == 180:
        return (lambda p: (w - p[0], h - p[1])), w, h
    if rotation == 270:
        return (lambda p: (h - p[1], p[0])), h, w
    return (lambda p: p), w, h


def _unrotator(rotation: int, uw: int, uh: int) -> Callable[[Point], Point]:
    if rotation == 90:
        return lambda p: (uh - p[1], p[0])
    if rotation == 180:
        return lambda p: (uw - p[0], uh - p[1])
    if rotation == 270:
        return lambda p: (p[1], uw - p[0])
    return lambda p: p


def _map_poly(poly: Polygon, f: Callable[[Point], Point]) -> Polygon:
    return (f(poly[0]), f(poly[1]), f(poly[2]), f(poly[3]))


# --------------------------------------------------------------------------------------------
# One page


def _parse_page(
    image: PageImage,
    page: Page,
    det: LayoutDetector,
    usage: Usage,
    drop_margins: bool,
) -> ParsedPage:
    rot = page.rotation if page.rotation in (90, 180, 270) else 0
    rgb = image.image
    h, w = rgb.shape[:2]
    fwd, uw, uh = _rotator(rot, w, h)
    upright = np.ascontiguousarray(np.rot90(rgb, k=rot // 90)) if rot else rgb

    originals = [_without_rules(ln) for ln in page.lines if ln.text.strip()]
    originals = [ln for ln in originals if ln.text.strip()]
    shadows: list[Line] = []
    back: dict[int, Line] = {}
    for ln in originals:
        s = Line(
            ln.text,
            ln.confidence,
            _map_poly(ln.polygon, fwd),
            [Word(wd.text, wd.confidence, _map_poly(wd.polygon, fwd)) for wd in ln.words],
        )
        shadows.append(s)
        back[id(s)] = ln
    shadows = _split_at_gutters(shadows, back)

    if not shadows:
        page.blocks = []
        return ParsedPage(image.index, [], "")

    layout = [_tighten(r, upright, shadows) for r in det(upright, usage)]
    layout += find_pictures(upright, shadows, layout)
    with usage.stage("markdown"):
        # a gutter between two columns of text can be narrower than a line is high
        lh = statistics.median(ln.height for ln in shadows)
        # framed boxes (boxed articles): read as a whole where they stand, and no table
        # region runs across the border of one (it is cut there)
        frames = find_frames(upright, shadows, lh)
    layout = [
        LayoutRegion(lr.kind, lr.score, part)
        for lr in layout
        for part in (cut_at_frames(lr.bbox, frames) if lr.kind == "table" else [lr.bbox])
    ]
    regions = _assign(layout, shadows)
    _relabel(regions, uh)
    regions = _tidy_captions(regions)

    tables = [r for r in regions if r.kind == "table"]
    if tables:
        with usage.stage("table_structure"):
            grids = [
                build_table(upright, r.lines, union_bbox([r.bbox, *[ln.bbox for ln in r.lines]]))
                for r in tables
            ]
            # a "table" of one column of text that runs on for rows (a boxed article, maybe
            # with a line of the next column caught at its edge), or whose cells are lines of
            # running text in columns (`reads_as_text`: a framed article set in ruled columns),
            # is no region at all: its lines go back to the body text and its columns
            for _ in range(3):  # a table that loses its lines may hand them to another
                boxed = [
                    r.bbox
                    for r, g in zip(tables, grids, strict=True)
                    if (_text_columns(g) < 2 and len(sort_rows(r.lines)) >= 4)
                    or reads_as_text(g, framed_part(r.bbox, frames))
                ]
                if not boxed:
                    break
                layout = [
                    lr
                    for lr in layout
                    if lr.kind != "table"
                    # the rejected box itself, not a smaller table the model found inside it
                    or not any(
                        overlap_area(lr.bbox, b) >= 0.5 * max(_area(lr.bbox), _area(b))
                        for b in boxed
                    )
                ]
                regions = _tidy_captions(_relabelled(_assign(layout, shadows), uh))
                tables = [r for r in regions if r.kind == "table"]
                grids = [
                    build_table(
                        upright, r.lines, union_bbox([r.bbox, *[ln.bbox for ln in r.lines]])
                    )
                    for r in tables
                ]
            for r, grid in zip(tables, grids, strict=True):
                if _text_columns(grid) >= 2 and not reads_as_text(
                    grid, framed_part(r.bbox, frames)
                ):
                    r.table = grid
                    continue
                # one column is no table (a caption or a boxed note the model took for one)
                r.kind = "text"
                r.bbox = union_bbox([ln.bbox for ln in r.lines])
                head = " ".join(ln.text for ln in sort_rows(r.lines)[0])
                if _TABLE_CAPTION.match(head):
                    r.kind = "table_caption"
                elif _FIGURE_CAPTION.match(head):
                    r.kind = "figure_caption"

    with usage.stage("markdown"):
        heads = sorted((r for r in regions if r.kind == "header"), key=_top_left)
        feet = sorted((r for r in regions if r.kind == "footer"), key=_top_left)
        gap = max(1.0, ORDER_GAP * lh)
        items = [r for r in regions if r.kind not in MARGIN_KINDS]
        body = order_framed(
            items,
            # a text box reaching into a half-character gutter is moved in to its ink there
            open_gutters(upright, items, _order_box, lambda r: r.kind in TEXT_KINDS, gap),
            frames,
            lambda items, box: order_regions(items, box, min_gap=gap, opens=_opens),
        )
        body = _captions_beside(body, lh)
        ordered = heads + body + feet
        _cut_figures(upright, image.index, body)
    for r in body:  # kept until the Markdown is made, for a VLM to read as LaTeX
        if r.kind == "equation":
            r.crop = _crop(upright, r.bbox, 4)
    with usage.stage("markdown"):
        unrot = _unrotator(rot, uw, uh)
        page.blocks = [b for r in ordered for b in _blocks_of(r, back, unrot)]
        if rot:
            _to_file_frame(ordered, unrot)
    return ParsedPage(image.index, ordered, "", body if drop_margins else ordered)


_RULE_CHARS = "|｜丨"  # a vertical rule beside a line, read as a character


def _without_rules(line: Line) -> Line:
    """`line` without a vertical rule the recogniser read as `|` at its start or end (a rule
    standing in a gutter, the frame of a boxed article); its first or last word's box is
    shortened by the characters dropped. The line itself when there is none."""
    text = line.text.strip()
    if not text or (text[0] not in _RULE_CHARS and text[-1] not in _RULE_CHARS) or not line.words:
        return line
    words = list(line.words)
    for k in (0, len(words) - 1):
        w = words[k]
        n = len(w.text)
        head = n - len(w.text.lstrip(_RULE_CHARS)) if k == 0 else 0
        tail = n - len(w.text.rstrip(_RULE_CHARS)) if k == len(words) - 1 else 0
        if not head and not tail:
            continue
        ta, tb = head / n, (n - tail) / n
        p0, p1, p2, p3 = w.polygon
        poly = (_lerp(p0, p1, ta), _lerp(p0, p1, tb), _lerp(p3, p2, tb), _lerp(p3, p2, ta))
        words[k] = Word(w.text[head : n - tail], w.confidence, poly)
    words = [w for w in words if w.text]
    if not words:
        return Line("", line.confidence, line.polygon, [], line.origin)
    poly = (words[0].polygon[0], words[-1].polygon[1], words[-1].polygon[2], words[0].polygon[3])
    return Line(" ".join(w.text for w in words), line.confidence, poly, words, line.origin)


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _split_at_gutters(shadows: list[Line], back: dict[int, Line]) -> list[Line]:
    """Lines that run across a column gutter (`columns.gutter_cuts`) cut into their pieces,
    in the upright frame and in the file's (`back` is updated for the pieces). The pieces of
    lines cut are lines of their columns that show the gutter to their neighbours: the cuts
    are looked for again (a few times) until no more are found."""
    for _ in range(GUTTER_PASSES):
        cut = _split_once(shadows, back)
        if cut is shadows:
            break
        shadows = cut
    return shadows


GUTTER_PASSES = 3


def _split_once(shadows: list[Line], back: dict[int, Line]) -> list[Line]:
    cuts = gutter_cuts(shadows)
    if not cuts:
        return shadows
    out: list[Line] = []
    for s in shadows:
        starts = cuts.get(id(s))
        if not starts:
            out.append(s)
            continue
        pieces = split_line(s, starts)
        originals = split_line(back.pop(id(s)), starts)
        for piece, orig in zip(pieces, originals, strict=True):
            back[id(piece)] = orig
            out.append(piece)
    return out


PICTURE_MIN = 0.12  # a picture the layout model missed spans this share of the page's width
PICTURE_FILL = 0.6  # ... and this share of its box is not white (a photo, not a frame)
PICTURE_FLAT = 12  # ... and its tones spread over more grey levels than this (not a tint)


def find_pictures(
    upright: np.ndarray, lines: Sequence[Line], layout: Sequence[LayoutRegion]
) -> list[LayoutRegion]:
    """Pictures the layout model missed (it sometimes misses a wide photo across the page):
    large solid areas of non-white pixels away from the text lines, not inside a figure or
    table region already found. Frames and rules are thin, so their boxes are mostly white."""
    import cv2

    h, w = upright.shape[:2]
    gray = upright.min(axis=2) if upright.ndim == 3 else upright
    mask = (gray < 235).astype(np.uint8)
    for ln in lines:  # text is no picture (a caption set into a photo stays part of it)
        x0, y0, x1, y1 = (int(v) for v in ln.bbox)
        mask[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = 0
    k = max(3, int(min(h, w) * 0.01))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    n, labels, stats, _c = cv2.connectedComponentsWithStats(mask, connectivity=8)
    found: list[LayoutRegion] = []
    taken = [r.bbox for r in layout if r.kind in ("figure", "table")]
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if bw < PICTURE_MIN * w or bh < PICTURE_MIN * w / 3 or area < PICTURE_FILL * bw * bh:
            continue
        box: BBox = (float(x), float(y), float(x + bw), float(y + bh))
        if any(overlap_area(box, t) > 0.3 * _area(box) for t in taken):
            continue
        # a flat tint (a shaded title bar or box behind text) is a background, not a picture
        tones = gray[y : y + bh, x : x + bw][labels[y : y + bh, x : x + bw] == i]
        lo, hi = np.percentile(tones, [5, 95])
        if hi - lo <= PICTURE_FLAT:
            continue
        found.append(LayoutRegion("figure", 0.5, box))
    return found


CAPTION_REACH = 3.0  # a caption is this many line heights from its table or figure at most


def _captions_beside(body: list[ParsedRegion], lh: float) -> list[ParsedRegion]:
    """The nearest caption right before the table just below it, or right after the figure
    just above it (a short caption under two columns is otherwise read in the middle of the
    columns). Each table or figure takes one caption."""
    out = list(body)
    for owner in [r for r in body if r.kind in ("table", "figure")]:
        below = owner.kind == "table"  # a table's caption is above it, a figure's below it
        kind = "table_caption" if below else "figure_caption"

        def gap(c: ParsedRegion, owner: ParsedRegion = owner, below: bool = below) -> float:
            return owner.bbox[1] - c.bbox[3] if below else c.bbox[1] - owner.bbox[3]

        caps = [
            c
            for c in out
            if c.kind == kind
            and -0.5 * lh <= gap(c) <= CAPTION_REACH * lh
            and min(c.bbox[2], owner.bbox[2]) > max(c.bbox[0], owner.bbox[0])
        ]
        if not caps:
            continue
        cap = min(caps, key=gap)
        out.remove(cap)
        k = out.index(owner)
        out.insert(k if below else k + 1, cap)
    return out


def _text_columns(grid: TableGrid) -> int:
    """How many of a grid's columns hold text in two rows or more (in every row of a table of
    one or two rows): a rule of a boxed article, or a line of the next column caught at the
    region's edge, makes a column that is empty but for a cell or two; one column of text
    with it is still no table."""
    rows: dict[int, set[int]] = {}
    for c in grid.cells:
        if c.text.strip() and c.colspan == 1:
            rows.setdefault(c.col, set()).add(c.row)
    need = min(2, grid.n_rows)
    return sum(1 for r in rows.values() if len(r) >= need)


def _tighten(region: LayoutRegion, upright: np.ndarray, lines: Sequence[Line] = ()) -> LayoutRegion:
    """A figure's box shrunk to the pixels that differ from the page's white (the model's
    figure boxes often run a few pixels into the gutter beside them, which hides the gutter
    from the reading order). The text of `lines` lying mostly outside the box (the column
    beside the picture, whose first words the box reaches over) is no part of it."""
    if region.kind != "figure":
        return region
    h, w = upright.shape[:2]
    x0, y0 = max(0, int(region.bbox[0])), max(0, int(region.bbox[1]))
    x1, y1 = min(w, int(np.ceil(region.bbox[2]))), min(h, int(np.ceil(region.bbox[3])))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return region
    crop = upright[y0:y1, x0:x1]
    ink = (crop.min(axis=2) if crop.ndim == 3 else crop) < 235
    for ln in lines:
        if overlap_area(ln.bbox, region.bbox) < MIN_SHARE * max(_area(ln.bbox), 1.0):
            lx0, ly0 = max(0, int(ln.bbox[0]) - x0), max(0, int(ln.bbox[1]) - y0)
            lx1, ly1 = int(np.ceil(ln.bbox[2])) - x0, int(np.ceil(ln.bbox[3])) - y0
            if lx1 > lx0 and ly1 > ly0:
                ink[ly0:ly1, lx0:lx1] = False
    ink = _without_thin_rules(ink)
    cols, rows = np.flatnonzero(ink.any(axis=0)), np.flatnonzero(ink.any(axis=1))
    if len(cols) < 2 or len(rows) < 2:
        return region
    box = (x0 + float(cols[0]), y0 + float(rows[0]), x0 + cols[-1] + 1.0, y0 + rows[-1] + 1.0)
    return LayoutRegion(region.kind, region.score, box)


def _without_thin_rules(ink: np.ndarray) -> np.ndarray:
    """`ink` without long thin straight lines (at most 4 px thick, a third of the crop long):
    a rule standing in the gutter beside a picture is no part of it."""
    import cv2

    h, w = ink.shape
    m = ink.astype(np.uint8)
    out = ink.copy()
    for size, thick in (
        ((1, max(15, h // 3)), (5, max(15, h // 3))),
        ((max(15, w // 3), 1), (max(15, w // 3), 5)),
    ):
        lines = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))
        bars = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, thick))
        out &= ~((lines > 0) & ~(bars > 0))
    return out if out.any() else ink


def _crop(upright: np.ndarray, box: BBox, pad: int) -> np.ndarray | None:
    h, w = upright.shape[:2]
    x0, y0 = max(0, int(box[0]) - pad), max(0, int(box[1]) - pad)
    x1, y1 = min(w, int(np.ceil(box[2])) + pad), min(h, int(np.ceil(box[3])) + pad)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    return np.ascontiguousarray(upright[y0:y1, x0:x1])


def read_formulas(parsed: list[ParsedPage], formula: FormulaReader) -> int:
    """Read every display formula's crop into LaTeX with `formula` (the VLM engine), before
    `finish_parse` makes the Markdown; returns how many were read."""
    n = 0
    for p in parsed:
        for r in p.regions:
            if r.kind != "equation" or r.crop is None:
                continue
            latex = (formula(r.crop) or "").strip()
            if latex.startswith("$$") and latex.endswith("$$") and len(latex) > 4:
                latex = latex[2:-2].strip()
            r.latex = latex or None
            r.crop = None
            n += 1
    return n


def figure_name(page_index: int, k: int) -> str:
    """The stable name of the k-th figure (1-based) on a page (0-based index)."""
    return f"page-{page_index + 1}-figure-{k}.png"


def _cut_figures(upright: np.ndarray, page_index: int, ordered: list[ParsedRegion]) -> None:
    """Cut every figure region out of the upright page as PNG, named in reading order; a
    figure caption that follows it becomes its caption."""
    import cv2

    h, w = upright.shape[:2]
    k = 0
    for n, r in enumerate(ordered):
        if r.kind != "figure":
            continue
        x0, y0 = max(0, int(r.bbox[0])), max(0, int(r.bbox[1]))
        x1, y1 = min(w, int(np.ceil(r.bbox[2]))), min(h, int(np.ceil(r.bbox[3])))
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        ok, buf = cv2.imencode(".png", np.ascontiguousarray(upright[y0:y1, x0:x1, ::-1]))
        if not ok:
            continue
        k += 1
        caption = ""
        for nxt in ordered[n + 1 : n + 3]:
            if nxt.kind == "figure_caption":
                caption = join_lines([t for t, _ in _row_texts(nxt.lines)])
                break
        r.figure = Figure(
            figure_name(page_index, k), page_index + 1, r.bbox, buf.tobytes(), caption
        )


def _order_box(r: ParsedRegion) -> BBox:
    """The box reading order works with: for text, the words' extent across (the detector's
    line boxes are padded, and two columns' boxes may touch across a narrow gutter)."""
    if r.kind in TEXT_KINDS and r.lines:
        spans = [text_extent(ln) for ln in r.lines]
        return (min(a for a, _ in spans), r.bbox[1], max(b for _, b in spans), r.bbox[3])
    return r.bbox


def _to_file_frame(regions: list[ParsedRegion], unrot: Callable[[Point], Point]) -> None:
    """Region, table and cell boxes of a turned page, back in the file's own frame (for JSON)."""

    def f(box: BBox) -> BBox:
        return bbox_of(_map_poly(polygon_of(box), unrot))

    for r in regions:
        r.bbox = f(r.bbox)
        if r.figure is not None:
            r.figure.bbox = r.bbox
        if r.table is not None:
            r.table.bbox = f(r.table.bbox)
            for c in r.table.cells:
                if c.bbox is not None:
                    c.bbox = f(c.bbox)


def _opens(item: object) -> bool:
    """A headline opens an article (a frame, `frames.order_framed`'s stand-in, may be a boxed
    note inside one)."""
    return isinstance(item, ParsedRegion) and item.kind == "title"


def _top_left(r: ParsedRegion) -> tuple[float, float]:
    return (r.bbox[1], r.bbox[0])


def _area(b: BBox) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _assign_lines(regions: list[ParsedRegion], lines: list[Line]) -> list[Line]:
    """Give each line to the region holding most of it; returns the lines in no region."""
    leftovers: list[Line] = []
    for r in regions:
        r.lines = []
    for ln in lines:
        box = ln.bbox
        area = max(_area(box), 1.0)
        best: tuple[int, float, float] | None = None
        best_k = -1
        for k, r in enumerate(regions):
            share = overlap_area(box, r.bbox) / area
            if share < MIN_SHARE:
                continue
            key = (KIND_PRIORITY.get(r.kind, 1), share, r.score)
            if best is None or key > best:
                best, best_k = key, k
        if best_k < 0:
            leftovers.append(ln)
        else:
            regions[best_k].lines.append(ln)
    return leftovers


def _assign(layout: list[LayoutRegion], lines: list[Line]) -> list[ParsedRegion]:
    """Give each line to the region holding most of it; leftovers become text regions.

    A table region whose lines read as running text (`columns.running_text`: sentences, or
    columns of text the model took for a table) is dropped and its lines go to the other regions. Where the body text runs in
    columns, the text regions are rebuilt from the lines (`columns.segment_text`), so that no
    region spans a gutter."""
    regions = [ParsedRegion(r.kind, r.bbox, r.score) for r in layout]
    leftovers = _assign_lines(regions, lines)
    for _ in range(4):  # a table that loses its lines may hand them to another "table"
        rejected = [r for r in regions if r.kind == "table" and running_text(r.lines)]
        if not rejected:
            break
        regions = [r for r in regions if not any(r is x for x in rejected)]
        leftovers = _assign_lines(regions, lines)

    kept: list[ParsedRegion] = []
    for r in _split_table_captions(_merge_same_kind(regions)):
        if r.kind == "figure" and _text_heavy(r.lines, r.bbox):
            # a photographed document (a receipt, a page) is content, not an illustration
            leftovers.extend(r.lines)
            continue
        if r.kind in TEXT_KINDS or r.kind in ("table", "equation"):
            if not r.lines:
                continue
            if r.kind in TEXT_KINDS:
                r.bbox = union_bbox([ln.bbox for ln in r.lines])
        kept.append(r)
    leftovers = _number_equations(kept, leftovers)
    body = [r for r in kept if r.kind in BODY_KINDS]
    pooled = [ln for r in body for ln in r.lines] + leftovers
    hint = {id(ln): k for k, r in enumerate(body) for ln in r.lines}
    segmented = segment_text(pooled, hint) if pooled else None
    if segmented is not None:
        kept = [r for r in kept if r.kind not in BODY_KINDS]
        for block in segmented:
            kept.append(ParsedRegion("text", block.bbox, 0.0, list(block.lines), from_layout=False))
        return kept
    for block in build_blocks(leftovers):
        kept.append(ParsedRegion("text", block.bbox, 0.0, list(block.lines), from_layout=False))
    return kept


_EQ_NUMBER = re.compile(r"^\s*\(\s*(\d{1,3}[a-z]?)\s*\)\s*$")


def _number_equations(regions: list[ParsedRegion], leftovers: list[Line]) -> list[Line]:
    """An equation's number, `(1)` at the right of its row, joins the equation (as its tag)
    instead of becoming a paragraph of its own; returns the leftovers without those lines."""
    eqs = [r for r in regions if r.kind == "equation"]
    if not eqs:
        return leftovers
    taken: set[int] = set()
    for eq in eqs:
        top, bottom = eq.bbox[1], eq.bbox[3]
        for r in [*(x for x in regions if x.kind in BODY_KINDS), None]:
            pool = leftovers if r is None else r.lines
            for ln in pool:
                cy = (ln.bbox[1] + ln.bbox[3]) / 2
                if _EQ_NUMBER.match(ln.text) and top <= cy <= bottom and ln.bbox[0] >= eq.bbox[0]:
                    eq.number = _EQ_NUMBER.match(ln.text).group(1)  # type: ignore[union-attr]
                    taken.add(id(ln))
            if r is not None:
                r.lines = [ln for ln in r.lines if id(ln) not in taken]
    return [ln for ln in leftovers if id(ln) not in taken]


FIGURE_MAX_LINES = 12  # a "figure" holding more text than this is read as text
FIGURE_MAX_CHARS = 240


FIGURE_TEXT_COVER = 0.4  # ... and so is one whose area is mostly text lines (a boxed note)


def _text_heavy(lines: list[Line], box: BBox | None = None) -> bool:
    chars = sum(len(ln.text.strip()) for ln in lines)
    if len(lines) > FIGURE_MAX_LINES or chars > FIGURE_MAX_CHARS:
        return True
    if box is None or len(lines) < 2:
        return False
    covered = sum(overlap_area(ln.bbox, box) for ln in lines)
    return covered >= FIGURE_TEXT_COVER * max(_area(box), 1.0)


def _split_table_captions(regions: list[ParsedRegion]) -> list[ParsedRegion]:
    """A caption the model boxed together with its table (first or last row reading like
    "Table 2 ...") becomes a caption region of its own."""
    out: list[ParsedRegion] = []
    for r in regions:
        if r.kind != "table" or len(r.lines) < 3:
            out.append(r)
            continue
        rows = sort_rows(r.lines)
        head: list[Line] = []
        tail: list[Line] = []
        if len(rows) >= 3 and _TABLE_CAPTION.match(" ".join(ln.text for ln in rows[0])):
            head = rows.pop(0)
            # a caption wrapped onto more rows: single lines starting under it, close below
            lh = statistics.median(ln.height for ln in head)
            while (
                len(rows) >= 3
                and len(rows[0]) == 1
                and abs(rows[0][0].bbox[0] - head[0].bbox[0]) < lh
                and rows[0][0].bbox[1] - max(ln.bbox[3] for ln in head) < 0.6 * lh
            ):
                head = head + rows.pop(0)
        if len(rows) >= 3 and _TABLE_CAPTION.match(" ".join(ln.text for ln in rows[-1])):
            tail = rows.pop()
        for cap in (head, tail):
            if cap:
                box = union_bbox([ln.bbox for ln in cap])
                out.append(ParsedRegion("table_caption", box, r.score, list(cap)))
        if head or tail:
            r.lines = [ln for row in rows for ln in row]
            top = min(ln.bbox[1] for ln in r.lines) - 2
            bottom = max(ln.bbox[3] for ln in r.lines) + 2
            r.bbox = (
                r.bbox[0],
                max(r.bbox[1], top if head else r.bbox[1]),
                r.bbox[2],
                min(r.bbox[3], bottom if tail else r.bbox[3]),
            )
        out.append(r)
    return out


def _merge_same_kind(regions: list[ParsedRegion]) -> list[ParsedRegion]:
    """Overlapping detections of one text kind (the model often boxes a paragraph twice, or
    a paragraph and the section around it) become one region; lines are regrouped later."""
    out: list[ParsedRegion] = []
    for r in sorted(regions, key=lambda r: -r.score):
        for o in out:
            if o.kind == r.kind and r.kind in TEXT_KINDS:
                inter = overlap_area(o.bbox, r.bbox)
                if inter > 0.3 * min(_area(o.bbox), _area(r.bbox)):
                    o.lines.extend(r.lines)
                    o.bbox = union_bbox([o.bbox, r.bbox])
                    break
        else:
            out.append(r)
    return out


def _prose_rows(lines: Sequence[Line]) -> bool:
    """Two rows or more, most of them prose: 12+ CJK characters or 4+ words of 3+ letters (a
    formula has symbols and one-letter names)."""
    rows = [t for t, _ in _row_texts(lines)]
    if len(rows) < 2:
        return False
    prose = sum(
        1
        for t in rows
        if sum(1 for ch in t if _is_cjk(ch)) >= 12
        or sum(1 for w in re.findall(r"[^\W\d_]+", t) if len(w) >= 3) >= 4
    )
    return prose > len(rows) / 2


def _relabelled(regions: list[ParsedRegion], page_h: int) -> list[ParsedRegion]:
    _relabel(regions, page_h)
    return regions


def _relabel(regions: list[ParsedRegion], page_h: int) -> None:
    """Fix what the model often gets wrong: captions and page numbers read as text, lists read
    as titles."""
    body_h = _body_height(regions)
    for r in regions:
        if r.kind == "equation" and _prose_rows(r.lines):
            r.kind = "text"  # a boxed paragraph the model took for a formula
        if r.kind == "title" and r.lines:
            rows = _row_texts(r.lines)
            listed = sum(1 for t, _ in rows if _BULLET.match(t) or _NUMBERED.match(t))
            th = statistics.median(ln.height for ln in r.lines)
            # CDLA has no list class and sometimes calls a list or a paragraph a title
            letters = any(ch.isalpha() for t, _ in rows for ch in t)
            if listed >= 2 or (len(rows) >= 3 and th < 1.15 * body_h) or not letters:
                r.kind = "text"  # (a number alone, e.g. a document ID, is no heading either)
        if (
            r.kind in ("text", "reference", "title")
            and r.lines
            and _running_head(r, page_h, body_h)
        ):
            cy = (r.bbox[1] + r.bbox[3]) / 2
            r.kind = "header" if cy < page_h / 2 else "footer"
            continue
        if r.kind == "text" and _headline(r, body_h):
            r.kind = "title"
            continue
        if r.kind in ("text", "reference") and r.lines:
            first = sort_rows(r.lines)[0]
            head = " ".join(ln.text for ln in first)
            if _TABLE_CAPTION.match(head):
                r.kind = "table_caption"
            elif _FIGURE_CAPTION.match(head):
                r.kind = "figure_caption"
        if r.kind in ("text", "reference", "title") and r.lines and len(r.lines) <= 2:
            text = " ".join(ln.text for ln in r.lines)
            cy = (r.bbox[1] + r.bbox[3]) / 2
            if _PAGE_NUMBER.match(text):
                if cy > (1 - PAGE_MARGIN) * page_h:
                    r.kind = "footer"
                elif cy < PAGE_MARGIN * page_h:
                    r.kind = "header"


def _tidy_captions(regions: list[ParsedRegion]) -> list[ParsedRegion]:
    """A caption region that ran on into the paragraph after it is cut after its first
    sentence; the wrapped last row of a caption boxed with the table below it goes back to
    the caption."""
    out: list[ParsedRegion] = []
    for r in regions:
        if r.kind not in ("table_caption", "figure_caption") or not r.lines:
            out.append(r)
            continue
        rows = sort_rows(r.lines)
        end = next(
            (k for k, row in enumerate(rows) if re.search(r"[.。:：]\s*$", row[-1].text)), None
        )
        if end is not None and end < len(rows) - 1:
            rest = [ln for row in rows[end + 1 :] for ln in row]
            r.lines = [ln for row in rows[: end + 1] for ln in row]
            r.bbox = union_bbox([ln.bbox for ln in r.lines])
            out.append(r)
            out.append(ParsedRegion("text", union_bbox([ln.bbox for ln in rest]), 0.0, rest))
            continue
        out.append(r)
    for cap in [r for r in out if r.kind == "table_caption"]:
        lh = statistics.median(ln.height for ln in cap.lines)
        for t in out:
            if t.kind != "table" or len(t.lines) < 3:
                continue
            rows = sort_rows(t.lines)
            first = rows[0]
            if (
                len(first) == 1
                and abs(first[0].bbox[0] - cap.bbox[0]) < lh
                and 0 <= first[0].bbox[1] - cap.bbox[3] < 0.6 * lh
                and len(rows[1]) > 1
            ):
                t.lines = [ln for ln in t.lines if ln is not first[0]]
                cap.lines.append(first[0])
                cap.bbox = union_bbox([ln.bbox for ln in cap.lines])
    return out


_HEAD_NUMBER = re.compile(
    r"^\s*(\d{1,4}|[ivxlc]{1,6})\s+\S|\S\s+(page\s*)?([A-Z]?\d{1,4}|[ivxlc]{1,6})\s*$|第\s*\d+\s*[版页]",
    re.I,
)


HEADLINE_SIZE = 1.5  # text this many times the body height, in one or two rows, is a title


def _headline(r: ParsedRegion, body_h: float) -> bool:
    """A headline the layout model missed: one or two rows of large text, no full stop."""
    rows = sort_rows(r.lines)
    if not rows or len(rows) > 2:
        return False
    text = " ".join(ln.text for row in rows for ln in row).strip()
    if not text or text[-1] in ".。:：;；,，" or not any(ch.isalpha() for ch in text):
        return False
    return statistics.median(ln.height for ln in r.lines) >= HEADLINE_SIZE * body_h


def _running_head(r: ParsedRegion, page_h: int, body_h: float) -> bool:
    """A running head or foot: one row in the top or bottom margin of the page, no larger
    than body text, that starts or ends with a page number (`156  Journal of ...`,
    `... Page A3`, `第3版`)."""
    rows = sort_rows(r.lines)
    if len(rows) != 1:
        return False
    cy = (r.bbox[1] + r.bbox[3]) / 2
    if PAGE_MARGIN * page_h < cy < (1 - PAGE_MARGIN) * page_h:
        return False
    if statistics.median(ln.height for ln in r.lines) > 1.1 * body_h:
        return False
    return bool(_HEAD_NUMBER.search(" ".join(ln.text for ln in rows[0])))


# --------------------------------------------------------------------------------------------
# Reading order over region boxes

T = TypeVar("T")


def order_regions(
    items: Sequence[T],
    box_of: Callable[[T], BBox],
    min_gap: float | None = None,
    opens: Callable[[T], bool] | None = None,
) -> list[T]:
    """Recursive XY-cut over boxes: columns (an x gap whose two sides each fill most of the
    height) are read one after the other, otherwise top to bottom at y gaps; boxes that can't
    be cut apart are read by their top edge, then left edge. Gaps narrower than `min_gap`
    (default: a tenth of the median box height) don't count. `opens` tells the items that
    open an article (headlines): a band across the columns with one right under it is the
    space between two articles."""
    items = list(items)
    if len(items) <= 1:
        return items
    boxes = [box_of(i) for i in items]
    heights = sorted(b[3] - b[1] for b in boxes)
    if min_gap is None:
        min_gap = max(1.0, 0.1 * heights[len(heights) // 2])
    heads = frozenset(k for k, it in enumerate(items) if opens is not None and opens(it))
    return [items[k] for k in _xy(list(range(len(items))), boxes, min_gap, 0, heads)]


def _group(idx: list[int], boxes: list[BBox], cuts: list[float], axis: int) -> list[list[int]]:
    groups: list[list[int]] = [[] for _ in range(len(cuts) + 1)]
    for i in idx:
        centre = (boxes[i][axis] + boxes[i][axis + 2]) / 2
        groups[sum(1 for c in cuts if centre > c)].append(i)
    return [g for g in groups if g]


Y_FIRST = 1.8  # a horizontal gap this much wider than every gutter is cut first


def _widest(idx: list[int], boxes: list[BBox], axis: int) -> float:
    """Width of the widest uncovered stretch between the boxes along `axis` (0 = x)."""
    spans = sorted((boxes[i][axis], boxes[i][axis + 2]) for i in idx)
    end = spans[0][1]
    best = 0.0
    for a, b in spans[1:]:
        best = max(best, a - end)
        end = max(end, b)
    return best


def _between_articles(
    idx: list[int], boxes: list[BBox], heads: frozenset[int], min_gap: float
) -> bool:
    """Whether the widest horizontal gap is the space between two articles: a headline opens
    the row right under it, or the gap is clearly (Y_FIRST times) wider than the usual space
    between a box and the next one below it in its column (where there is one: boxes that
    touch, closer than `min_gap`, have none). A paragraph break of one article that lines up
    with a caption's end in the article beside it, across a narrow gutter, is neither."""
    spans = sorted((boxes[i][1], boxes[i][3]) for i in idx)
    end, best, at = spans[0][1], 0.0, 0.0
    for a, b in spans[1:]:
        if a - end > best:
            best, at = a - end, end
        end = max(end, b)
    below = [i for i in idx if boxes[i][1] >= at + best - 1e-6]
    if not below:
        return False
    first = min(boxes[i][1] for i in below)
    if any(i in heads and boxes[i][1] <= first + best for i in below):
        return True
    gaps = []
    for i in idx:
        x0, _y0, x1, y1 = boxes[i]
        under = [
            boxes[j][1] - y1
            for j in idx
            if j != i
            and boxes[j][1] >= y1
            and min(x1, boxes[j][2]) - max(x0, boxes[j][0])
            >= 0.5 * min(x1 - x0, boxes[j][2] - boxes[j][0])
        ]
        if not under or min(under) < min_gap:
            continue
        if not (y1 <= at and min(under) + y1 >= at + best):  # not across the band
            gaps.append(min(under))
    return not gaps or best >= Y_FIRST * statistics.median(gaps)


def _band_across(idx: list[int], boxes: list[BBox], xcuts: list[float]) -> bool:
    """Whether the widest horizontal gap runs between content in every column (`xcuts` split
    the columns): not where one column has simply ended (an article shorter than the one
    beside it)."""
    spans = sorted((boxes[i][1], boxes[i][3]) for i in idx)
    end, best, at = spans[0][1], 0.0, 0.0
    for a, b in spans[1:]:
        if a - end > best:
            best, at = a - end, (a + end) / 2
        end = max(end, b)
    for g in _group(idx, boxes, xcuts, 0):
        if not any(boxes[i][3] <= at for i in g) or not any(boxes[i][1] >= at for i in g):
            return False
    return True


def _merge_bands(bands: list[list[int]], boxes: list[BBox], min_gap: float) -> list[list[int]]:
    """Re-join neighbouring horizontal bands that share columns: paragraph breaks of two
    columns often line up, and reading such bands one by one would interleave the columns.
    Bands stay apart when the space between them is clearly wider than their gutters (two
    articles of a newspaper) or when one spans the gutter (a title)."""
    merged: list[list[int]] = []
    for band in bands:
        if merged:
            both = merged[-1] + band
            if gap_cuts([(boxes[i][0], boxes[i][2]) for i in both], min_gap):
                top = min(boxes[i][1] for i in band)
                above = max(boxes[i][3] for i in merged[-1])
                if top - above < Y_FIRST * max(_widest(both, boxes, 0), 1.0):
                    merged[-1] = both
                    continue
        merged.append(band)
    return merged


def _xy(
    idx: list[int], boxes: list[BBox], min_gap: float, depth: int, heads: frozenset[int]
) -> list[int]:
    if len(idx) <= 1 or depth > 20:
        return sorted(idx, key=lambda i: (boxes[i][1], boxes[i][0]))
    xcuts = gap_cuts([(boxes[i][0], boxes[i][2]) for i in idx], min_gap)
    ycuts = gap_cuts([(boxes[i][1], boxes[i][3]) for i in idx], min_gap)
    if (
        xcuts
        and ycuts
        and _widest(idx, boxes, 1) >= Y_FIRST * max(_widest(idx, boxes, 0), 1.0)
        and _band_across(idx, boxes, xcuts)
        and _between_articles(idx, boxes, heads, min_gap)
    ):
        # a band across every column (the space between two articles of a newspaper, under
        # a headline) clearly wider than the gutters: read band by band
        xcuts = []
    if xcuts:
        groups = _group(idx, boxes, xcuts, 0)
        top = min(boxes[i][1] for i in idx)
        bottom = max(boxes[i][3] for i in idx)
        tall = all(
            max(boxes[i][3] for i in g) - min(boxes[i][1] for i in g) >= 0.5 * (bottom - top)
            for g in groups
        )
        if tall or not ycuts or not _band_across(idx, boxes, xcuts):
            return [i for g in groups for i in _xy(g, boxes, min_gap, depth + 1, heads)]
    if ycuts:
        groups = _merge_bands(_group(idx, boxes, ycuts, 1), boxes, min_gap)
        if len(groups) > 1:
            return [i for g in groups for i in _xy(g, boxes, min_gap, depth + 1, heads)]
        if xcuts:
            groups = _group(idx, boxes, xcuts, 0)
            return [i for g in groups for i in _xy(g, boxes, min_gap, depth + 1, heads)]
    if not xcuts and not ycuts:
        peeled = _peel(idx, boxes, min_gap)
        if peeled is not None:
            return [i for g in peeled for i in _xy(g, boxes, min_gap, depth + 1, heads)]
    return sorted(idx, key=lambda i: (boxes[i][1], boxes[i][0]))


def _peel(idx: list[int], boxes: list[BBox], min_gap: float) -> list[list[int]] | None:
    """Boxes set too close for a y gap: a headline (and deck) across columns right above them,
    or a note across them right below. The fewest boxes at the top (or bottom) that lie above
    (below) all the others and whose removal opens a gutter between the rest."""
    by_top = sorted(idx, key=lambda i: (boxes[i][1], boxes[i][0]))
    for k in range(1, len(by_top) - 1):
        head, rest = by_top[:k], by_top[k:]
        if max(boxes[i][3] for i in head) > min(boxes[i][1] for i in rest) + min_gap:
            break
        if gap_cuts([(boxes[i][0], boxes[i][2]) for i in rest], min_gap):
            return [head, rest]
    by_bottom = sorted(idx, key=lambda i: (-boxes[i][3], boxes[i][0]))
    for k in range(1, len(by_bottom) - 1):
        tail, rest = by_bottom[:k], by_bottom[k:]
        if min(boxes[i][1] for i in tail) < max(boxes[i][3] for i in rest) - min_gap:
            break
        if gap_cuts([(boxes[i][0], boxes[i][2]) for i in rest], min_gap):
            return [rest, tail]
    return None


# --------------------------------------------------------------------------------------------
# Blocks (file frame) and Markdown


def _blocks_of(
    r: ParsedRegion, back: dict[int, Line], unrot: Callable[[Point], Point]
) -> list[Block]:
    def orig(lines: Sequence[Line]) -> list[Line]:
        return [back[id(ln)] for ln in lines]

    region_poly = _map_poly(polygon_of(r.bbox), unrot)
    region_poly = polygon_of(bbox_of(region_poly))
    if r.kind == "text":
        return [Block(orig(b.lines), "text") for b in build_blocks(r.lines)]
    if r.kind in ("figure", "table", "equation"):
        rows = [ln for row in sort_rows(r.lines) for ln in row] if r.lines else []
        return [Block(orig(rows), r.kind, region_poly)]
    return [Block(orig([ln for row in sort_rows(r.lines) for ln in row]), r.kind)]


def _body_height(regions: list[ParsedRegion]) -> float:
    hs = [ln.height for r in regions if r.kind in ("text", "reference") for ln in r.lines]
    if not hs:
        hs = [ln.height for r in regions for ln in r.lines]
    return statistics.median(hs) if hs else 1.0


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uff00" <= ch <= "\uffef"


def join_lines(texts: Sequence[str]) -> str:
    """Join a paragraph's lines: spaces between words, none between CJK characters, and a
    word hyphenated at a line end put back together."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        if not out:
            out = t
        elif (
            out.endswith("-")
            and len(out) >= 2
            and out[-2].isalpha()
            and t[0].islower()
            and not out.endswith("--")
        ):
            out = out[:-1] + t
        elif _is_cjk(out[-1]) and _is_cjk(t[0]):
            out += t
        else:
            out += " " + t
    return out


def _escape(text: str) -> str:
    """Keep OCR text from being read as Markdown syntax at the start of a paragraph."""
    if re.match(r"^(#{1,6}\s|>|\d+[.)]\s|[-*+]\s|={3,}|-{3,}|`{3})", text):
        return "\\" + text
    return text


def _row_texts(lines: Sequence[Line]) -> list[tuple[str, float]]:
    """(text, left x) per visual row, lines of one row joined by a space."""
    return [(" ".join(ln.text.strip() for ln in row), row[0].bbox[0]) for row in sort_rows(lines)]


def _is_prose(rows: list[list[Line]]) -> bool:
    """Prose fills its width row after row; a receipt, a form or an address block does not
    (short ragged rows, or rows made of separate pieces side by side)."""
    if len(rows) <= 2:
        return True
    x0 = min(ln.bbox[0] for row in rows for ln in row)
    x1 = max(ln.bbox[2] for row in rows for ln in row)
    width = max(x1 - x0, 1.0)
    body = rows[:-1]
    filled = [row for row in body if row[-1].bbox[2] - row[0].bbox[0] >= 0.7 * width]
    full = sum(1 for row in filled if len(row) == 1)
    # justified text set with wide spaces: the detector boxes a row's words apart; its
    # pieces don't line up from row to row as a form's fields do
    pieces = [row for row in filled if len(row) > 1]
    if len(pieces) >= 2:
        lh = statistics.median(ln.height for row in rows for ln in row)
        if not gap_cuts([(ln.bbox[0], ln.bbox[2]) for row in pieces for ln in row], 0.2 * lh):
            full += len(pieces)
    return full >= 0.6 * len(body)


def _paragraph_markdown(lines: Sequence[Line]) -> list[str]:
    """A text block as Markdown paragraphs and list items. Prose lines are joined into one
    paragraph; rows of a block that is not prose (a receipt, a form) stay one per line."""
    rows = sort_rows(lines)
    prose = _is_prose(rows)
    parts: list[str] = []  # finished paragraphs / list groups
    items: list[tuple[str, list[str]]] = []  # (marker, texts) of the current list
    para: list[str] = []

    def flush_para() -> None:
        if para:
            if prose:
                parts.append(_escape(join_lines(para)))
            else:
                parts.append("\n".join(_escape(t) for t in para))
            para.clear()

    def flush_items() -> None:
        if items:
            parts.append("\n".join(f"{m} {join_lines(t)}" for m, t in items))
            items.clear()

    for row in rows:
        text = " ".join(ln.text.strip() for ln in row)
        bullet = _BULLET.match(text)
        number = _NUMBERED.match(text)
        if bullet and not re.match(r"^\s*[-–—]\s*\d", text):
            flush_para()
            items.append(("-", [bullet.group(1)]))
        elif number:
            flush_para()
            items.append((f"{number.group(1)}.", [number.group(2)]))
        elif items and prose:
            items[-1][1].append(text)
        else:
            flush_items()
            para.append(text)
    flush_para()
    flush_items()
    return parts


def _page_markdown(index: int, regions: list[ParsedRegion], body_h: float, top_title: float) -> str:
    parts: list[str] = []
    for r in regions:
        text_rows = [t for t, _ in _row_texts(r.lines)] if r.lines else []
        if r.kind == "title":
            th = statistics.median(ln.height for ln in r.lines)
            level = "#" if th >= 0.9 * top_title and th >= 1.3 * body_h else "##"
            parts.append(f"{level} {join_lines(text_rows)}")
        elif r.kind in ("table_caption", "figure_caption"):
            t = join_lines(text_rows).replace("*", "\\*")
            parts.append(f"*{t}*")
        elif r.kind == "equation":
            tag = f" \\tag{{{r.number}}}" if r.number else ""
            parts.append("$$\n" + (r.latex or join_lines(text_rows)) + tag + "\n$$")
        elif r.kind == "table":
            if r.table is not None and r.table.cells:
                parts.append(r.table.to_html())
        elif r.kind == "figure":
            if r.figure is not None:
                parts.append(f"![figure]({r.figure.name})")
        elif r.kind in ("text", "reference"):
            for b in build_blocks(r.lines):
                parts.extend(_paragraph_markdown(b.lines))
        else:  # header / footer kept on request
            parts.extend(_paragraph_markdown(r.lines))
    return "\n\n".join(p for p in parts if p.strip())


class ParseTask:
    """`parse`: the pages read by `parse_page` as Markdown (tables as HTML, figures cut out);
    display formulas go to the vision-language engine for LaTeX when one is configured."""

    name = "parse"
    document_only = False

    def stages(self, arguments: Mapping[str, Any]) -> frozenset[str]:
        # check boxes and radio buttons go into the Markdown as ☐ / ☑ and ◯ / ◉
        return frozenset({"decode", "ocr", "checkboxes", "layout", "markdown"})

    def run(self, t: TaskInput) -> tuple[dict[str, Any], str]:
        from promptocr.engines.vlm import VLMEngine as HunyuanEngine
        from promptocr.tasks.router import run_vlm

        p, doc, usage, parsed = t.plan, t.document, t.usage, t.parsed
        if isinstance(t.vlm, HunyuanEngine):  # display formulas go to the VLM for LaTeX
            hy = t.vlm

            def formula(rgb: Any) -> str | None:
                crop = PageImage(0, rgb, doc.source or "formula")
                return run_vlm(hy, "formula", [crop], usage=usage, source=doc.source).markdown

            read_formulas(parsed, formula)
        result = finish_parse(parsed, usage)
        markdown = result.markdown
        output: dict[str, Any] = {"markdown": markdown}
        if result.figures:  # cut-out figures the Markdown references by name (base64 PNG)
            output["figures"] = [f.to_dict() for f in result.figures]
        content = markdown
        if p.arguments.get("target") == "table":
            tables = re.findall(r"<table\b.*?</table>", markdown, flags=re.S | re.I)
            output["tables"] = tables
            content = "\n\n".join(tables)
            if not tables:
                why = "no table was found on the page; the full Markdown is in output.markdown"
                usage.notes.append(why)
                output["empty_reason"] = why
        if p.arguments.get("layout"):
            output["layout"] = [
                {
                    "page": page.index + 1,
                    "kind": b.kind,
                    "bbox": [round(x, 1) for x in b.bbox],
                    "text": b.text,
                }
                for page in doc.pages
                for b in page.blocks
            ]
        return output, content
