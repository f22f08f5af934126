"""Values that lose or gain text at their label: a slip's column of labels with values far
along each row, a value ending with its key's own word, a label with a bracketed qualifier,
dates printed with their weekday or to the month, and an amount asked in capital numerals.
Found by the fourth study of rendered documents (docs/extract.md, "A fourth study"); the
pages are OCR-like lines drawn here, each case failed before its change."""

from __future__ import annotations

import pytest
from task_synth import LineRow, lines_doc

from promptocr.document.model import Block, Document, Line, Page
from promptocr.tasks.extract import extract_fields

Row = LineRow


def _value(rows: list[Row], key: str, h: float = 20.0) -> object:
    got = extract_fields(lines_doc(rows, h), [key])[key]
    return got.value if got is not None else None


# a taxi slip: short labels down the left edge, each value right-aligned far along its row
TAXI: list[Row] = [
    ("上车", 40, 300, 50, 36),
    ("21:07", 420, 302, 62, 34),
    ("下车", 40, 342, 50, 36),
    ("21:34", 420, 344, 62, 34),
    ("单价", 40, 384, 50, 36),
    ("2.80元", 410, 386, 72, 34),
]


@pytest.mark.parametrize(("key", "value"), [("上车", "21:07"), ("下车", "21:34")])
def test_a_column_of_labels_with_far_values(key: str, value: str) -> None:
    # the label under the key (`下车 单价`) was its value: nearer than the run far along its row
    assert _value(TAXI, key) == value


def test_a_label_over_its_value_is_still_read_down() -> None:
    # the guard: a label over its value, with no run far along either row
    rows: list[Row] = [("Ship to", 40, 100, 70), ("Marta Kowalczyk", 40, 124, 150)]
    assert _value(rows, "Ship to") == "Marta Kowalczyk"


def test_a_value_ending_with_its_keys_word() -> None:
    # the cell right of `考场` holds `第027考场`: not a second printing of the key cut off
    rows: list[Row] = [
        ("准考证号", 60, 150, 90, 34),
        ("103854120007731", 220, 152, 170, 28),
        ("考场", 60, 250, 90, 34),
        ("第027考场", 220, 252, 100, 30),
        ("座位号", 550, 252, 90, 34),
        ("18", 690, 252, 30, 30),
    ]
    assert _value(rows, "考场") == "第027考场"


def test_a_labels_bracketed_qualifier_is_no_value() -> None:
    # a ruled table that OCR read as two blocks, the labels and then their values
    def line(text: str, x: float, y: float, w: float) -> Line:
        return Line(text, 0.99, ((x, y), (x + w, y), (x + w, y + 26), (x, y + 26)), [])

    labels = [line("证明权利或事项", 80, 150, 140), line("权利人（申请人）", 80, 205, 180)]
    labels.append(line("义务人", 80, 260, 100))
    values = [line("抵押权", 300, 150, 70), line("中国建设银行股份有限公司无锡分行", 300, 205, 300)]
    values.append(line("陈思远", 300, 260, 70))
    doc = Document(pages=[Page(0, 1000, 1000, blocks=[Block(labels), Block(values)])])
    got = extract_fields(doc, ["权利人"])["权利人"]
    assert got is not None and got.value == "中国建设银行股份有限公司无锡分行"


@pytest.mark.parametrize(
    ("rows", "key", "value", "normalized"),
    [
        (
            [("DATE", 40, 100, 50), ("SAT 14 DEC 2024", 40, 124, 160)],
            "DATE",
            "SAT 14 DEC 2024",
            "2024-12-14",
        ),
        ([("Date: Sat, 14 Dec 2024", 40, 100, 220)], "Date", "Sat, 14 Dec 2024", "2024-12-14"),
        (
            [("日期：2024年6月3日 星期一", 40, 100, 260)],
            "日期",
            "2024年6月3日 星期一",
            "2024-06-03",
        ),
        # the month and year only, month first (a card's expiry)
        (
            [("Member ID: IV-0093317", 40, 60, 240), ("Valid Thru: 11/2025", 40, 100, 200)],
            "Valid Thru",
            "11/2025",
            "2025-11",
        ),
    ],
)
def test_a_date_as_printed(rows: list[Row], key: str, value: str, normalized: str) -> None:
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is not None and (got.value, got.normalized) == (value, normalized)


RECEIPT: list[Row] = [
    ("门诊收费票据", 380, 40, 240, 36),
    ("检查费", 60, 200, 80),
    ("120.00", 600, 200, 70),
    ("合计（大写）", 60, 260, 130),
    ("贰佰叁拾陆元肆角整", 220, 260, 200),
    ("合计（小写）", 520, 260, 130),
    ("¥236.40", 680, 260, 80),
]


def test_an_amount_asked_in_capital_numerals() -> None:
    got = extract_fields(lines_doc(RECEIPT), ["合计（大写）"])["合计（大写）"]
    assert got is not None and (got.value, got.normalized) == ("贰佰叁拾陆元肆角整", "236.40")
    both = extract_fields(lines_doc(RECEIPT), ["合计（大写）", "合计（小写）"])
    assert both["合计（大写）"] is not None and both["合计（大写）"].value == "贰佰叁拾陆元肆角整"
    assert both["合计（小写）"] is not None and both["合计（小写）"].value == "¥236.40"


# ---- the fifth study (held out, then read): ----


def test_a_place_of_birth_is_no_date() -> None:
    rows: list[Row] = [
        ("出生日期 1990年3月7日", 60, 100, 260),
        ("出生地 江苏省张家港市", 60, 140, 260),
    ]
    assert _value(rows, "出生地") == "江苏省张家港市"
    assert _value(rows, "出生日期") == "1990年3月7日"


def test_a_passports_keys_on_a_page_without_its_machine_readable_zone() -> None:
    # a visa application's keys read as a passport's: with no MRZ on the page, the linker
    # reads the printed labels (the keys used to come back null)
    rows: list[Row] = [
        ("VISA APPLICATION FORM", 300, 30, 300, 30),
        ("Surname", 60, 100, 80, 16),
        ("Given Names", 400, 100, 110, 16),
        ("HALVORSEN", 60, 120, 120),
        ("INGRID MARIT", 400, 120, 130),
        ("Nationality", 60, 170, 100, 16),
        ("Passport Number", 400, 170, 140, 16),
        ("Norwegian", 60, 190, 100),
        ("NO8841267", 400, 190, 110),
    ]
    from promptocr.tasks import Service

    prompt = "Extract the Surname, Given Names, Nationality and Passport Number as JSON"
    got = Service(vlm=None).run_on_document(lines_doc(rows), prompt).output["fields"]
    assert got == {
        "Surname": "HALVORSEN",
        "Given Names": "INGRID MARIT",
        "Nationality": "Norwegian",
        "Passport Number": "NO8841267",
    }


@pytest.mark.parametrize(
    ("rows", "key", "value"),
    [
        # a value that opens with a bracket right after a label without a colon
        ([("MOBILE NUMBER (415) 555-0178", 60, 100, 300)], "MOBILE NUMBER", "(415) 555-0178"),
        # a key that is a longer printed label's start
        (
            [
                ("PASSENGER NAME", 57, 148, 191, 26),
                ("BOOKING REFERENCE", 756, 146, 228, 29),
                ("MS INGRID HALVORSEN", 57, 180, 250, 28),
                ("QX7TLM", 756, 180, 100, 28),
            ],
            "booking ref",
            "QX7TLM",
        ),
        ([("有效期限 2031年03月", 60, 100, 200)], "有效期", "2031年03月"),
    ],
)
def test_where_a_label_run_into_its_value_ends(rows: list[Row], key: str, value: str) -> None:
    assert _value(rows, key) == value


MARRIAGE: list[Row] = [
    ("申请结婚登记声明书", 300, 40, 300, 36),
    ("男方", 321, 145, 105, 51),
    ("女方", 740, 145, 105, 51),
    ("姓名", 60, 211, 134, 50),
    ("杜明轩", 323, 212, 100, 48),
    ("许清妍", 744, 212, 100, 48),
    ("身份证件号", 66, 280, 150, 42),
    ("410105199108153610", 329, 283, 284, 36),
    ("41010219930227402X", 749, 285, 230, 33),
]


@pytest.mark.parametrize(
    ("rows", "key", "value"),
    [
        # a key that names a table's column and row: the cell where they cross
        (MARRIAGE, "女方姓名", "许清妍"),
        (MARRIAGE, "男方姓名", "杜明轩"),
        (MARRIAGE, "女方身份证件号", "41010219930227402X"),
        (
            [
                ("课程名称", 55, 212, 115, 38),
                ("学分", 553, 209, 65, 42),
                ("成绩", 793, 209, 66, 42),
                ("大学物理", 54, 308, 115, 36),
                ("4.0", 554, 310, 47, 35),
                ("85", 794, 311, 39, 33),
                ("物理化学", 54, 354, 115, 36),
                ("4.0", 553, 356, 48, 35),
                ("88", 795, 356, 39, 35),
            ],
            "大学物理成绩",
            "85",
        ),
        (
            [
                ("Revenue by year", 60, 40, 200),
                ("2022", 400, 100, 50),
                ("2023", 600, 100, 50),
                ("Revenue", 60, 140, 90),
                ("1,200", 400, 140, 60),
                ("1,450", 600, 140, 60),
                ("Profit", 60, 180, 70),
                ("210", 400, 180, 40),
                ("260", 600, 180, 40),
            ],
            "2023 Revenue",
            "1,450",
        ),
    ],
)
def test_a_key_naming_a_tables_column_and_row(rows: list[Row], key: str, value: str) -> None:
    assert _value(rows, key) == value


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("乙方名称", "杭州澄川包装材料有限公司"),
        ("甲方名称", "南昌汇德电子科技有限公司"),
        ("乙方联系人", "温书航"),
    ],
)
def test_a_section_heading_with_a_bracketed_role(key: str, value: str) -> None:
    # `乙方（供应方）` heads its section as `乙方` does; the label 名　称 read as `名` + `称：…`
    rows = [
        ("甲方（采购方）", 66, 188, 172, 35),
        ("名", 68, 244, 34, 30),
        ("称：南昌汇德电子科技有限公司", 133, 243, 350, 32),
        ("联系人：邵佳宁", 63, 295, 231, 39),
        ("乙方（供应方）", 765, 187, 174, 38),
        ("名", 767, 244, 41, 31),
        ("称：杭州澄川包装材料有限公司", 831, 243, 352, 32),
        ("联系人：温书航", 763, 295, 231, 39),
    ]
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is not None and got.value == value
