"""Requested fields on forms, read by the learned linker from OCR-like lines (no pixels): the
FUNSD-style failures fixed in the end-to-end path — a slanted scan, a dense paragraph, a value far
right past a column of other labels, a weaker label match that is another field's value, a colon
inside brackets, an address beside another column, a number that does not grow."""

from __future__ import annotations

import math

import numpy as np
import pytest

from promptocr.document.model import Block, Document, Line, Page
from promptocr.tasks.extract import extract_fields
from promptocr.tasks.extract.features import FEATURE_NAMES, PageGeometry, Unit
from promptocr.tasks.extract.linked import page_skew, page_units
from promptocr.tasks.extract.linker import link_units


def _doc(
    rows: list[tuple[str, float, float, float]], angle: float = 0.0, h: float = 20.0
) -> Document:
    """A page of lines (text, x, y, width), all `h` high, turned `angle` degrees about the
    origin (a scan fed in slightly turned: each line's polygon is turned, its box grows)."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def turn(x: float, y: float) -> tuple[float, float]:
        return (x * c - y * s, x * s + y * c)

    lines = []
    for text, x, y, w in rows:
        poly = (turn(x, y), turn(x + w, y), turn(x + w, y + h), turn(x, y + h))
        lines.append(Line(text, 0.99, poly, []))
    return Document(pages=[Page(index=0, width=1400, height=1400, blocks=[Block(lines)])])


PARAGRAPH = [
    "Discontinue the retention analyses on licensee submitted",
    "product samples (most licensees do not perform them; other",
    "physical measurements are thought to be sufficient to assure",
    "the physical integrity of the product, and this will increase",
    "laboratory productivity by a fair margin over the year.",
]


def _paragraph_form(pitch: float) -> list[tuple[str, float, float, float]]:
    rows = [("Name:", 60, 60, 70), ("J. S. Wigand", 200, 60, 150), ("Suggestion:", 60, 140, 130)]
    rows += [(t, 200, 140 + pitch * i, 620) for i, t in enumerate(PARAGRAPH)]
    rows += [
        ("Manager Comments:", 60, 140 + pitch * 7, 200),
        ("None so far.", 300, 140 + pitch * 7, 150),
    ]
    return rows


def test_a_paragraph_answer_on_a_slanted_scan_is_read_whole() -> None:
    doc = _doc(_paragraph_form(24.0), angle=1.2)
    assert abs(page_skew(doc.pages[0]) - 1.2) < 0.05
    # the units are taken level again: the lines of the paragraph no longer overlap
    units = page_units(doc.pages[0])
    tops = sorted(u.box[1] for u in units if u.text in PARAGRAPH)
    bottoms = sorted(u.box[3] for u in units if u.text in PARAGRAPH)
    assert all(b <= t + 1.0 for b, t in zip(bottoms, tops[1:], strict=False))
    got = extract_fields(doc, ["Suggestion:", "Name:", "Manager Comments:"])
    assert got["Suggestion:"].value == " ".join(PARAGRAPH)
    assert got["Name:"].value == "J. S. Wigand"
    assert got["Manager Comments:"].value == "None so far."


def test_a_dense_paragraph_whose_line_boxes_overlap_grows_past_its_key() -> None:
    # OCR boxes taller than the line pitch: consecutive lines overlap, and the key beside the
    # first line also overlaps the second
    got = extract_fields(_doc(_paragraph_form(13.0)), ["Suggestion:", "Manager Comments:"])
    assert got["Suggestion:"].value == " ".join(PARAGRAPH)
    assert got["Manager Comments:"].value == "None so far."


def test_a_colon_inside_brackets_does_not_cut_a_paragraph_line() -> None:
    rows = [
        ("Suggestion:", 60, 140, 130),
        ("Discontinue the retention analyses on submitted", 200, 140, 560),
        ("product samples. (Note: Retention testing is not", 200, 164, 560),
        ("performed by most licensees.)", 200, 188, 330),
    ]
    got = extract_fields(_doc(rows), ["Suggestion:"])
    assert got["Suggestion:"].value == " ".join(r[0] for r in rows[1:])


def test_a_value_far_right_past_a_column_of_other_labels() -> None:
    # labels stacked in the left column fill a key's nearest units; the answers stand in a column
    # far to the right across empty space
    labels = ["Pack Flats/Labels:", "Cartons:", "Cases:", "Timetable:", "Manufacturing:"]
    labels += ["Product Specs Date:", "Start Manufacture Date:", "Launch Date:", "Approvals:"]
    labels += ["Group Prod Dir:", "Dir. Admin:", "Marketing:", "Finance:", "Legal:"]
    rows = [(t, 60, 100 + 22 * i, 12 * len(t)) for i, t in enumerate(labels)]
    rows += [("On Hand", 420, 100 + 22 * 1, 80), ("500 units", 420, 100 + 22 * 2, 90)]
    got = extract_fields(_doc(rows), labels)
    assert got["Cartons:"].value == "On Hand"
    assert got["Cases:"].value == "500 units"


def test_a_weaker_match_of_one_key_is_still_another_keys_value() -> None:
    # "3 cartons" resembles the key "Cartons" (fuzzy match 93) but is the answer of "Laboratory"
    rows = [
        ("Cartons", 60, 60, 80),
        ('"', 200, 60, 10),
        ("Laboratory", 60, 100, 110),
        ("3 cartons", 200, 100, 90),
    ]
    got = extract_fields(_doc(rows), ["Cartons", "Laboratory"])
    assert got["Laboratory"].value == "3 cartons"


def test_an_address_under_its_label_beside_another_column() -> None:
    rows = [
        ("Annual Meeting", 60, 40, 160),
        ("Los Angeles", 60, 84, 180),
        ("Return this form to:", 600, 40, 200),
        ("AAAS Meetings Office", 600, 62, 190),
        ("1101 Vermont Ave., N.W.", 600, 84, 200),
        ("Washington, D.C. 20005", 600, 106, 200),
        ("Telephone:", 600, 150, 100),
        ("(202) 842-9530", 710, 150, 130),
    ]
    got = extract_fields(_doc(rows), ["Return this form to:"])
    assert got["Return this form to:"].value == (
        "AAAS Meetings Office 1101 Vermont Ave., N.W. Washington, D.C. 20005"
    )


def test_a_number_does_not_grow_into_the_line_under_it() -> None:
    rows = [
        ("PROJECT SHEET NO", 60, 60, 170),
        ("4", 260, 60, 12),
        ("3212", 258, 82, 50),
        ("BLEND", 60, 140, 70),
        ("1077-84", 260, 140, 80),
        ("Cigarettes", 260, 162, 110),
    ]
    got = extract_fields(_doc(rows), ["PROJECT SHEET NO", "BLEND"])
    assert got["PROJECT SHEET NO"].value == "4"
    assert got["BLEND"].value == "1077-84"


# --------------------------------------------------------------------------------------------
# tables of Chinese forms (kv_links zh): a row label at the middle of a tall cell, and a column
# header over a deep column


def test_a_row_label_at_the_middle_of_its_cell_takes_the_lines_above_it_too() -> None:
    # two rows of a form table; each label stands at the vertical middle of its cell, so the
    # first lines of the second cell lie above its label, level with the gap under the first
    units = [Unit("支出内容", (40, 150, 140, 170))]
    lines1 = ["1.高水平高职学校建设项目", "2.高等职业教育创新强校工程", "3.现代学徒制试点项目"]
    lines1 += ["4.专业群建设与课程改革"]
    for i, t in enumerate(lines1):
        units.append(Unit(t, (200, 100 + 26 * i, 200 + 22 * len(t), 120 + 26 * i)))
    units.append(Unit("政策依据", (40, 290, 140, 310)))
    lines2 = [
        "(一)关于深化省级预算编制执行监督管理改革的意见",
        "(二)广东省人民政府关于职业教育的通知",
    ]
    lines2 += ["(三)广东省职业教育扩容提质强服务三年行动计划", "(四)省财政厅关于专项资金的管理办法"]
    lines2 += ["(五)学校章程与年度工作计划"]
    for i, t in enumerate(lines2):
        units.append(Unit(t, (200, 226 + 26 * i, 200 + 22 * len(t), 246 + 26 * i)))
    keys = [0, 1 + len(lines1)]
    values = [i for i in range(len(units)) if i not in keys]
    got = {(k, v) for k, v, _ in link_units(units, keys=keys, values=values, threshold=0.02)}
    want = {(keys[0], v) for v in values[: len(lines1)]} | {
        (keys[1], v) for v in values[len(lines1) :]
    }
    assert got == want


def test_column_features_count_the_cells_between_a_header_and_a_cell() -> None:
    units = [Unit("金额", (200, 10, 260, 30)), Unit("税率", (400, 10, 460, 30))]
    for i in range(6):
        units.append(Unit(f"{100 + i}.00", (195, 50 + 30 * i, 265, 70 + 30 * i)))
    geom = PageGeometry(units, [1.0, 1.0] + [0.0] * 6)
    f = geom.pair_features(0, np.array([2, 5, 7]))
    col = FEATURE_NAMES.index("col_rank")
    assert list(f[:, col]) == [0.0, 3.0, 5.0]
    far = geom.pair_features(1, np.array([7]))[0]  # not in the header's column
    assert far[col] == 50.0


@pytest.mark.parametrize("angle", [0.9, -0.9])
def test_a_paragraph_low_on_a_slightly_slanted_page_is_read_whole(angle: float) -> None:
    # under the page-turn threshold the units are levelled about the page's origin: far down
    # the page the value's start must be measured in that same levelled frame
    rows = [(t, x + 300, y + 2000, w) for t, x, y, w in _paragraph_form(24.0)]
    doc = _doc(rows, angle=angle)
    doc.pages[0].width, doc.pages[0].height = 1400, 3400
    got = extract_fields(doc, ["Suggestion:"])
    assert got["Suggestion:"].value == " ".join(PARAGRAPH)
