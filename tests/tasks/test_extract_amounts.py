"""Amount rules of the linker on pages built line by line (no OCR): currencies written as
words, a whole number that keeps its value before another label, and a column whose cells
only happen to add up."""

from __future__ import annotations

import pytest

from promptocr.document.model import Block, Document, Line, Page
from promptocr.tasks.extract import typed_value
from promptocr.tasks.extract.linked import extract_linked


def _line(text: str, x: int, y: int, h: int = 30) -> Line:
    w = 20 * len(text)
    return Line(text, 0.9, ((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Total EUR100", "100.00"),
        ("SGD100", "100.00"),
        ("Rs100", "100.00"),
        ("100USD", "100.00"),
        ("RM12", "12.00"),
        ("T480s", None),  # a model name
        ("KJY2N", None),  # a code
        ("91510107123456789", None),  # a tax number
        ("DN50", None),  # a goods line's size: letters that are no currency
        ("SUS304", None),  # a steel grade
        ("17%", None),  # a tax rate
        ("13 %", None),
        ("RM 5.00 6%", "5.00"),
        ("TL431", None),  # part numbers whose letters are also a currency's abbreviation
        ("SR44", None),
        ("100.00TL", "100.00"),  # with cents: an amount all the same
        ("NIS50", "50.00"),
    ],
)
def test_currency_words_and_codes(text: str, amount: str | None) -> None:
    got = typed_value(text, "amount")
    assert (got[2] if got else None) == amount


@pytest.mark.parametrize(
    "row",
    [
        [("金额：", 50), ("500", 170), ("税额：", 400), ("12.50", 520)],
        [("Amount:", 50), ("500", 220), ("Tax:", 400), ("12.50", 500)],
    ],
)
def test_a_whole_amount_is_not_given_up_for_the_next_labels_value(
    row: list[tuple[str, int]],
) -> None:
    doc = Document([Page(0, 900, 200, [Block([_line(t, x, 50) for t, x in row])])])
    key = row[0][0].rstrip("：:")
    got = extract_linked(doc, [key])[key]
    assert got is not None and got.value == "500"


def _goods(amounts: list[int], total: int | None) -> Document:
    lines = [_line("货物名称", 50, 50), _line("数量", 400, 50), _line("金额", 700, 50)]
    y = 100
    for i, a in enumerate(amounts):
        lines += [_line(f"item{i}", 50, y), _line("1", 400, y), _line(f"{a:.2f}", 700, y)]
        y += 40
    if total is not None:
        lines.append(_line(f"{total:.2f}", 700, y))
    return Document([Page(0, 1000, y + 100, [Block(lines)])])


def test_a_column_total_is_found_by_its_sum_but_not_by_coincidence() -> None:
    got = extract_linked(_goods([120, 80, 30], 230), ["金额"])["金额"]
    assert got is not None and got.value == "230.00"
    # 200 is the sum of the two cells above it, but a smaller amount follows: no total
    got = extract_linked(_goods([100, 100, 200, 50], None), ["金额"])["金额"]
    assert got is None or got.value != "200.00"
