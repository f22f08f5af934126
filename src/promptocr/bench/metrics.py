"""Scoring functions: pure, no I/O, no models (unit-tested on tiny synthetic inputs).

Definitions (also written down in docs/benchmarks.md):

- **word-bag F1**: the multiset of whitespace-separated tokens, case-folded, of all predicted
  lines of an image against that of all non-ignored ground-truth lines. True positives are the
  multiset overlap `sum(min(pred[t], gt[t]))`; precision = TP / #predicted tokens, recall =
  TP / #GT tokens. Counts are summed over the dataset before dividing (micro average).
- **char-bag F1**: the same over characters, whitespace excluded.
- **detection P/R at IoU 0.5**: predicted polygons are matched one-to-one to non-ignored GT
  polygons greedily by descending IoU, a pair counting when IoU >= 0.5. An unmatched prediction
  is a false positive unless at least half its area lies inside an ignore ("###") region.
  Predicted lines dropped that way are also left out of the text bags.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Point = tuple[float, float]
Poly = Sequence[Point]


# --------------------------------------------------------------------------------------------
# Text bags


def word_bag(texts: Iterable[str]) -> Counter[str]:
    """Case-folded whitespace tokens of all texts, as a multiset."""
    bag: Counter[str] = Counter()
    for t in texts:
        bag.update(t.casefold().split())
    return bag


def char_bag(texts: Iterable[str]) -> Counter[str]:
    """Case-folded non-whitespace characters of all texts, as a multiset."""
    bag: Counter[str] = Counter()
    for t in texts:
        bag.update(c for c in t.casefold() if not c.isspace())
    return bag


@dataclass(slots=True)
class Counts:
    """True positives and totals; add them up over images, then read P/R/F1 (micro average)."""

    tp: int = 0
    pred: int = 0
    gt: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.tp += other.tp
        self.pred += other.pred
        self.gt += other.gt
        return self

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else (1.0 if self.gt == 0 else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / self.gt if self.gt else (1.0 if self.pred == 0 else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0


def bag_counts(pred: Counter[str], gt: Counter[str]) -> Counts:
    """Multiset overlap of two bags."""
    tp = sum(min(n, gt[k]) for k, n in pred.items())
    return Counts(tp, sum(pred.values()), sum(gt.values()))


# --------------------------------------------------------------------------------------------
# Geometry


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: Iterable[Point]) -> list[Point]:
    """Counter-clockwise convex hull (y up; monotone chain) without repeated points."""
    pts = sorted(set((float(x), float(y)) for x, y in points))
    if len(pts) <= 2:
        return pts
    lower: list[Point] = []
    for p in pts:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(pts):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def area(poly: Poly) -> float:
    """Unsigned shoelace area."""
    n = len(poly)
    s = 0.0
    for i in range(n):
        x0, y0 = poly[i]
        x1, y1 = poly[(i + 1) % n]
        s += x0 * y1 - x1 * y0
    return abs(s) / 2.0


def _clip(subject: list[Point], clip: list[Point]) -> list[Point]:
    """Sutherland-Hodgman: `subject` clipped by the convex counter-clockwise polygon `clip`."""
    out = subject
    n = len(clip)
    for i in range(n):
        a, b = clip[i], clip[(i + 1) % n]
        inp, out = out, []
        if not inp:
            break
        for j in range(len(inp)):
            cur, prev = inp[j], inp[j - 1]
            cur_in = _cross(a, b, cur) >= 0
            prev_in = _cross(a, b, prev) >= 0
            if cur_in:
                if not prev_in:
                    out.append(_intersect(prev, cur, a, b))
                out.append(cur)
            elif prev_in:
                out.append(_intersect(prev, cur, a, b))
    return out


def _intersect(p: Point, q: Point, a: Point, b: Point) -> Point:
    d1 = _cross(a, b, p)
    d2 = _cross(a, b, q)
    t = d1 / (d1 - d2) if d1 != d2 else 0.0
    return (p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t)


def intersection_area(a: Poly, b: Poly) -> float:
    """Area shared by two polygons (each replaced by its convex hull: text quads are convex)."""
    ha, hb = convex_hull(a), convex_hull(b)
    if len(ha) < 3 or len(hb) < 3:
        return 0.0
    return area(_clip(ha, hb))


def iou(a: Poly, b: Poly) -> float:
    inter = intersection_area(a, b)
    union = area(convex_hull(a)) + area(convex_hull(b)) - inter
    return inter / union if union > 0 else 0.0


def _bbox(p: Poly) -> tuple[float, float, float, float]:
    xs = [q[0] for q in p]
    ys = [q[1] for q in p]
    return min(xs), min(ys), max(xs), max(ys)


def _bbox_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def in_ignore(pred: Poly, ignore: Sequence[Poly], min_fraction: float = 0.5) -> bool:
    """True when at least `min_fraction` of `pred`'s area lies inside one ignore region."""
    a = area(convex_hull(pred))
    if a <= 0:
        return False
    return any(intersection_area(pred, g) >= min_fraction * a for g in ignore)


def match_detections(
    pred: Sequence[Poly], gt: Sequence[Poly], ignore: Sequence[Poly] = (), thr: float = 0.5
) -> tuple[Counts, list[int]]:
    """One-to-one greedy matching by descending IoU (pairs with IoU >= thr).

    Returns the counts (tp, predictions that count, gt) and the indices of predictions that lie
    in an ignore region (they are neither true nor false positives).
    """
    pb = [_bbox(p) for p in pred]
    gb = [_bbox(g) for g in gt]
    pairs: list[tuple[float, int, int]] = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gt):
            if _bbox_overlap(pb[i], gb[j]):
                v = iou(p, g)
                if v >= thr:
                    pairs.append((v, i, j))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_p: set[int] = set()
    used_g: set[int] = set()
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
    ignored = [i for i in range(len(pred)) if i not in used_p and in_ignore(pred[i], ignore)]
    counted = len(pred) - len(ignored)
    return Counts(len(used_p), counted, len(gt)), ignored


# --------------------------------------------------------------------------------------------
# One image


@dataclass(slots=True)
class ImageScore:
    words: Counts
    chars: Counts
    det: Counts


def score_image(
    pred: Sequence[tuple[str, Poly]], gt: Sequence[tuple[str, Poly, bool]]
) -> ImageScore:
    """Score one image: `pred` = (text, polygon) per predicted line, `gt` = (text, polygon,
    ignore) per ground-truth line."""
    keep_gt = [(t, b) for t, b, ign in gt if not ign]
    ignore = [b for _, b, ign in gt if ign]
    det, dropped = match_detections([b for _, b in pred], [b for _, b in keep_gt], ignore)
    drop = set(dropped)
    texts = [t for i, (t, _) in enumerate(pred) if i not in drop]
    gt_texts = [t for t, _ in keep_gt]
    return ImageScore(
        bag_counts(word_bag(texts), word_bag(gt_texts)),
        bag_counts(char_bag(texts), char_bag(gt_texts)),
        det,
    )
