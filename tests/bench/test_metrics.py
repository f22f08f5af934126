"""Scoring functions on tiny hand-made inputs (numbers worked out by hand)."""

from __future__ import annotations

import pytest

from promptocr.bench.metrics import (
    Counts,
    bag_counts,
    char_bag,
    convex_hull,
    in_ignore,
    intersection_area,
    iou,
    match_detections,
    score_image,
    word_bag,
)


def sq(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def test_word_bag_is_case_folded_multiset() -> None:
    bag = word_bag(["Total  RM 9.00", "total"])
    assert bag == {"total": 2, "rm": 1, "9.00": 1}


def test_char_bag_drops_whitespace() -> None:
    assert char_bag(["Ab a", "\tB"]) == {"a": 2, "b": 2}


def test_bag_counts_multiset_overlap_and_f1() -> None:
    c = bag_counts(word_bag(["a a b c"]), word_bag(["a b b"]))
    # overlap: a min(2,1)=1, b min(1,2)=1, c 0 -> tp 2 of 4 predicted, 3 gt
    assert (c.tp, c.pred, c.gt) == (2, 4, 3)
    assert c.precision == pytest.approx(0.5)
    assert c.recall == pytest.approx(2 / 3)
    assert c.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_counts_micro_average_and_empty_cases() -> None:
    total = Counts()
    total += Counts(1, 1, 4)
    total += Counts(3, 3, 4)
    assert total.recall == pytest.approx(0.5)  # 4 / 8, not the mean of per-image recalls
    assert Counts(0, 0, 0).f1 == 1.0  # nothing to find, nothing predicted
    assert Counts(0, 0, 3).f1 == 0.0
    assert Counts(0, 2, 0).precision == 0.0


def test_iou_of_axis_aligned_squares() -> None:
    assert iou(sq(0, 0, 2, 2), sq(0, 0, 2, 2)) == pytest.approx(1.0)
    assert iou(sq(0, 0, 2, 2), sq(1, 0, 3, 2)) == pytest.approx(2 / 6)
    assert iou(sq(0, 0, 1, 1), sq(2, 2, 3, 3)) == 0.0


def test_iou_ignores_point_order_and_handles_rotation() -> None:
    a = sq(0, 0, 2, 2)
    assert iou(a, list(reversed(sq(0, 0, 2, 2)))) == pytest.approx(1.0)
    diamond = [(1.0, 0.0), (2.0, 1.0), (1.0, 2.0), (0.0, 1.0)]  # area 2, inside the square
    assert intersection_area(a, diamond) == pytest.approx(2.0)
    assert iou(a, diamond) == pytest.approx(0.5)


def test_convex_hull_drops_interior_and_duplicate_points() -> None:
    hull = convex_hull([(0, 0), (2, 0), (2, 2), (0, 2), (1, 1), (0, 0)])
    assert sorted(hull) == [(0.0, 0.0), (0.0, 2.0), (2.0, 0.0), (2.0, 2.0)]


def test_match_is_one_to_one_and_greedy_by_iou() -> None:
    gt = [sq(0, 0, 10, 2)]
    pred = [sq(0, 0, 10, 2), sq(0, 0, 9, 2)]  # both overlap the one GT box; only one may match
    counts, ignored = match_detections(pred, gt)
    assert (counts.tp, counts.pred, counts.gt) == (1, 2, 1)
    assert ignored == []


def test_below_threshold_is_not_a_match() -> None:
    counts, _ = match_detections([sq(0, 0, 4, 2)], [sq(2, 0, 6, 2)])  # IoU 1/3
    assert counts.tp == 0


def test_prediction_inside_ignore_region_is_not_a_false_positive() -> None:
    counts, ignored = match_detections(
        [sq(0, 0, 4, 2), sq(20, 0, 24, 2)], [sq(0, 0, 4, 2)], ignore=[sq(19, -1, 30, 3)]
    )
    assert ignored == [1]
    assert (counts.tp, counts.pred, counts.gt) == (1, 1, 1)
    assert in_ignore(sq(0, 0, 2, 2), [sq(1, 0, 3, 2)])  # exactly half inside
    assert not in_ignore(sq(0, 0, 2, 2), [sq(1.5, 0, 3, 2)])


def test_score_image_combines_text_and_detection() -> None:
    gt = [("MR D.I.Y.", sq(0, 0, 100, 20), False), ("###", sq(0, 50, 100, 70), True)]
    pred = [("mr d.i.y", sq(0, 0, 100, 20)), ("noise", sq(0, 50, 100, 70))]
    s = score_image(pred, gt)
    assert (s.det.tp, s.det.pred, s.det.gt) == (1, 1, 1)
    # "noise" lies in the ignore region: left out of the text bags too.
    assert (s.words.tp, s.words.pred, s.words.gt) == (1, 2, 2)
    assert (s.chars.tp, s.chars.pred, s.chars.gt) == (7, 7, 8)
