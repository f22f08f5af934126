"""Parsers for HunyuanOCR's answers: spotting wire formats, field JSON, Markdown, repetition.

Spotting answers come in four formats, all with coordinates normalised to 0-1000:

* ``<ref>text</ref><quad>(x1,y1),(x2,y2)</quad>`` (the README spotting prompt's format),
* ``<quad><pos_x1><pos_y1><pos_x2><pos_y2></quad><ref>text</ref>``,
* ``text(x1,y1),(x2,y2)`` items back to back, where the text itself may contain parentheses
  (``金额(小写)(120,40),(380,80)``) or even number pairs,
* a JSON array ``[{"box": [xmin, ymin, xmax, ymax], "text": "..."}]`` (the v1.5
  ``spotting_json`` prompt), possibly inside a code fence and possibly cut off mid-array.

Each item becomes a `Line` in page pixels. Greedy decoding sometimes loops on a phrase until the
token limit; `trim_repetition` cuts such a tail back to one copy and says that it did.
"""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from promptocr.document.layout import build_blocks
from promptocr.document.model import Line, Page, Point, Polygon, Word, bbox_of, polygon_of


class ParseError(ValueError):
    """The completion is not in the format the task asked for."""


# ---------------------------------------------------------------------------------------------
# repetition


def trim_repetition(
    text: str, *, hit_limit: bool | None = None, min_repeats: int = 8, max_unit: int = 400
) -> tuple[str, bool]:
    """Cut a degenerate periodic tail ("abcabcabc...") back to one copy of its unit.

    A tail counts as degenerate when it repeats a non-blank unit of at most `max_unit`
    characters at least `min_repeats` times (twice that when the answer did not hit the token
    limit, since legitimate output such as empty table rows can repeat a few times) and spans
    at least 32 characters. A partial copy at the very end (the limit cut it) goes too.
    Returns the text and whether it was trimmed.
    """
    n = len(text)
    need = min_repeats if hit_limit or hit_limit is None else 2 * min_repeats
    if n < 32:
        return text, False
    best_keep: int | None = None
    for unit in range(1, min(max_unit, n // need) + 1):
        i = n - 1
        while i >= unit and text[i] == text[i - unit]:
            i -= 1
        # text[i + 1 - unit : n] is periodic with period `unit`
        start = i + 1 - unit
        span = n - start
        if span < max(need * unit, 32):
            continue
        if not text[start : start + unit].strip():
            continue
        keep = start + unit
        if best_keep is None or keep < best_keep:
            best_keep = keep
    if best_keep is None:
        return text, False
    return text[:best_keep].rstrip(), True


# ---------------------------------------------------------------------------------------------
# spotting


@dataclass(frozen=True)
class Spot:
    """One spotted line: text plus its points in HunyuanOCR's 0-1000 coordinate space."""

    text: str
    points: tuple[Point, ...]  # 2 points (a box) or 4+ points (a polygon)

    @property
    def box(self) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = bbox_of(self.points)
        return (x0, y0, x1, y1)


_N = r"\s*(-?\d+(?:\.\d+)?)\s*"
_PAIR = re.compile(rf"\({_N},{_N}\)")
_PAIRS = re.compile(rf"\({_N},{_N}\)(?:\s*,\s*\({_N},{_N}\))+")
_REF_QUAD = re.compile(r"<ref>(.*?)</ref>\s*<quad>(.*?)</quad>", re.S)
_QUAD_REF = re.compile(r"<quad>\s*((?:<pos_-?\d+(?:\.\d+)?>\s*)+)</quad>\s*<ref>(.*?)</ref>", re.S)
_POS = re.compile(r"<pos_(-?\d+(?:\.\d+)?)>")
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n?(.*?)(?:```|\Z)", re.S)
_NO_TEXT = ("没有文字", "无文字", "no text")


def _pairs(raw: str) -> tuple[Point, ...]:
    return tuple((float(a), float(b)) for a, b in _PAIR.findall(raw))


def _meaningful(text: str) -> bool:
    return bool(re.search(r"[^\s(),，、.;；:：]", text))


def parse_spotting(text: str) -> list[Spot]:
    """Every spotted line in any of HunyuanOCR's spotting formats (see the module doc)."""
    body = text.strip()
    if not body or (len(body) < 40 and any(m in body.lower() for m in _NO_TEXT)):
        return []
    fenced = _unfence(body)
    if fenced.lstrip().startswith(("[", "{")):
        items = _spots_from_json(fenced)
        if items is not None:
            return items
    if "<ref>" in body and "<quad>" in body:
        out = []
        for m in _REF_QUAD.finditer(body):
            pts = _pairs(m.group(2))
            if len(pts) >= 2 and m.group(1).strip():
                out.append(Spot(m.group(1).strip(), pts))
        if out:
            return out
    if "<pos_" in body:
        out = []
        for m in _QUAD_REF.finditer(body):
            nums = [float(v) for v in _POS.findall(m.group(1))]
            pts = tuple((nums[k], nums[k + 1]) for k in range(0, len(nums) - 1, 2))
            if len(pts) >= 2 and m.group(2).strip():
                out.append(Spot(m.group(2).strip(), pts))
        if out:
            return out
    out = _spots_inline(body)
    if out:
        return out
    raise ParseError("the spotting answer is in none of HunyuanOCR's coordinate formats")


def _spots_inline(body: str) -> list[Spot]:
    """``text(x1,y1),(x2,y2)`` items. Each item's text is everything since the previous item's
    coordinates, so parentheses inside the text survive; a coordinate-looking run directly
    followed by another one (no text between) is part of the next item's text."""
    matches = list(_PAIRS.finditer(body))
    out: list[Spot] = []
    last = 0
    for k, m in enumerate(matches):
        if k + 1 < len(matches) and matches[k + 1].start() == m.end():
            continue  # "(3,4)(10,20),(30,40)": the first run belongs to the text
        content = body[last : m.start()].strip()
        last = m.end()
        if not _meaningful(content):
            continue
        out.append(Spot(content, _pairs(m.group(0))))
    return out


def _spots_from_json(body: str) -> list[Spot] | None:
    try:
        data: Any = json.loads(body)
    except json.JSONDecodeError:
        # Cut off mid-array (token limit): keep every complete object.
        data = []
        for m in re.finditer(r"\{[^{}]*\}", body):
            try:
                data.append(json.loads(m.group(0)))
            except json.JSONDecodeError:
                continue
        if not data:
            return None
    if isinstance(data, dict):
        data = data.get("lines") or data.get("items") or [data]
    if not isinstance(data, list):
        return None
    out: list[Spot] = []
    for item in data:
        if not isinstance(item, dict):
            continue
        raw_box = item.get("box", item.get("bbox", item.get("quad", item.get("polygon"))))
        content = item.get("text", item.get("content"))
        if content is None or raw_box is None:
            continue
        pts = _box_points(raw_box)
        if pts is None or not str(content).strip():
            continue
        out.append(Spot(str(content).strip(), pts))
    return out


def _box_points(raw: Any) -> tuple[Point, ...] | None:
    try:
        if isinstance(raw, list | tuple) and raw and isinstance(raw[0], list | tuple):
            pts = tuple((float(p[0]), float(p[1])) for p in raw)
            return pts if len(pts) >= 2 else None
        if isinstance(raw, list | tuple) and len(raw) in (4, 8):
            vals = [float(v) for v in raw]
            return tuple((vals[k], vals[k + 1]) for k in range(0, len(vals), 2))
    except (TypeError, ValueError, IndexError):
        return None
    return None


def to_pixels(points: tuple[Point, ...], width: int, height: int) -> Polygon:
    """0-1000 points -> a clockwise pixel polygon clamped to the page."""

    def px(p: Point) -> Point:
        x = min(max(p[0], 0.0), 1000.0) * width / 1000.0
        y = min(max(p[1], 0.0), 1000.0) * height / 1000.0
        return (x, y)

    if len(points) == 4:
        q = tuple(px(p) for p in points)
        return (q[0], q[1], q[2], q[3])
    x0, y0, x1, y1 = bbox_of([px(p) for p in points])
    return polygon_of((x0, y0, x1, y1))


def _words(text: str, poly: Polygon, confidence: float) -> list[Word]:
    """Split on spaces; each word gets the slice of the line box its characters cover."""
    tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    n = max(len(text), 1)
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = poly
    words = []
    for token, s, e in tokens:
        a, b = s / n, e / n
        top0 = (ax + (bx - ax) * a, ay + (by - ay) * a)
        top1 = (ax + (bx - ax) * b, ay + (by - ay) * b)
        bot1 = (dx + (cx - dx) * b, dy + (cy - dy) * b)
        bot0 = (dx + (cx - dx) * a, dy + (cy - dy) * a)
        words.append(Word(token, confidence, (top0, top1, bot1, bot0)))
    return words


def page_from_spots(
    spots: list[Spot],
    index: int,
    width: int,
    height: int,
    *,
    confidence: float,
    source: str | None = None,
) -> Page:
    """A `Page` whose lines are the spotted items, in reading-order blocks."""
    lines = []
    for s in spots:
        poly = to_pixels(s.points, width, height)
        lines.append(Line(s.text, confidence, poly, _words(s.text, poly, confidence)))
    page = Page(index=index, width=width, height=height, source=source)
    page.blocks = build_blocks(lines)
    return page


# ---------------------------------------------------------------------------------------------
# fields (information extraction)


def _unfence(text: str) -> str:
    """The body of the first code fence, or the text itself when there is none."""
    m = _FENCE.search(text)
    return m.group(2).strip() if m else text.strip()


def _balanced_object(text: str) -> str | None:
    """The first balanced {...} in `text` (quotes respected); an unclosed one is closed."""
    start = text.find("{")
    if start < 0:
        return None
    depth = 0
    quote: str | None = None
    escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    # cut off by the token limit: drop the unfinished member and close what is open
    body = text[start:]
    cut = body.rfind(",")
    if cut > 0:
        body = body[:cut]
    return body + "}" * max(depth, 1)


def _loads_lenient(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        pass
    fixed = re.sub(r",\s*([}\]])", r"\1", raw)
    try:
        return json.loads(fixed)
    except json.JSONDecodeError:
        pass
    try:
        return ast.literal_eval(fixed)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise ParseError("the extraction answer holds no readable JSON object") from None


def _norm_key(key: str) -> str:
    k = unicodedata.normalize("NFKC", key).casefold()
    return "".join(ch for ch in k if not (ch.isspace() or unicodedata.category(ch)[0] in "PS"))


def parse_fields(text: str, fields: list[str] | None = None) -> dict[str, Any]:
    """The JSON object of an extraction answer, fenced or bare, even if cut off.

    With `fields`, the result has exactly those keys in that order (matched to the answer's
    keys ignoring case, width, spaces and punctuation); absent ones are None.
    """
    candidates = [m.group(2) for m in _FENCE.finditer(text)] + [text]
    data: Any = None
    for cand in candidates:
        raw = _balanced_object(cand)
        if raw is None:
            continue
        try:
            data = _loads_lenient(raw)
        except ParseError:
            continue
        if isinstance(data, dict):
            break
    if not isinstance(data, dict):
        raise ParseError("the extraction answer holds no readable JSON object")
    if not fields:
        return {str(k): _value(v) for k, v in data.items()}
    by_norm = {_norm_key(str(k)): v for k, v in data.items()}
    out: dict[str, Any] = {}
    for f in fields:
        v = data.get(f, by_norm.get(_norm_key(f)))
        out[f] = _value(v)
    return out


def _value(v: Any) -> Any:
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def clean_value(text: str) -> str | None:
    """A single-value answer ("Output the value of Key.") without fences or quotes."""
    v = _unfence(text).strip().strip("\"'“”‘’").strip()
    return v or None


# ---------------------------------------------------------------------------------------------
# markdown


def clean_markdown(text: str) -> str:
    """Unwrap an answer that is entirely one ```markdown fence; HTML tables and LaTeX stay."""
    body = text.strip()
    m = re.fullmatch(r"```[ \t]*(?:markdown|md|html|latex|tex)?[ \t]*\n(.*?)\n?```", body, re.S)
    if m:
        return m.group(1).strip()
    return body
