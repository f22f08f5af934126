"""Forms that number their boxes (`1. Surname` over its value, `6.车辆品牌` beside its value):
the next box's numbered label is not the key's value, a value does not grow into the next
numbered box, and a value cut from the end of a numbered run (`颜色` out of `8.车身颜色`) does
not grow up into the box above. A key printed as the start of a longer label (`Time of
Incident: 14:25`, `有效期至：…`) reads the value after the whole label. Found by studies 5 and 6
(docs/extract.md). The pages are OCR-like lines drawn here."""

from __future__ import annotations

import pytest
from task_synth import lines_doc

from promptocr.tasks.extract import extract_fields
from promptocr.tasks.fields import is_field_name

VISA = [
    ("REPUBLIC OF ESTAVIA - VISA APPLICATION", 58, 42, 700, 33),
    ("1. Surname", 66, 117, 133, 28),
    ("OKONKWO-BRANDT", 64, 148, 220, 32),
    ("3. Nationality", 65, 212, 155, 31),
    ("Portuguese", 63, 244, 170, 37),
    ("5. Purpose of Visit", 63, 306, 212, 35),
    ("Business", 65, 341, 130, 33),
    ("7. Duration of Stay (days)", 66, 403, 290, 33),
    ("21", 65, 434, 46, 36),
    ("2. Given Names", 804, 115, 185, 33),
    ("AMARA LUISA", 806, 148, 206, 32),
    ("4. Passport Number", 806, 211, 226, 32),
    ("CB7730914", 806, 245, 175, 31),
    ("6. Date of Intended Arrival", 806, 309, 299, 29),
    ("11/04/2025", 806, 341, 168, 31),
]
REGISTRATION = [
    ("5.车辆类型", 66, 435, 138, 41),
    ("小型普通客车", 427, 432, 150, 47),
    ("6.车辆品牌", 755, 435, 140, 41),
    ("比亚迪牌", 1113, 432, 120, 48),
    ("7.车辆型号", 66, 497, 137, 41),
    ("BYD7005BEV", 428, 500, 168, 38),
    ("8.车身颜色", 754, 495, 141, 46),
    ("灰", 1114, 495, 41, 46),
    ("9.车辆识别代号", 67, 560, 188, 39),
    ("LC0CE4CB3N0417725", 428, 563, 267, 35),
]


@pytest.mark.parametrize(
    ("rows", "key", "value"),
    [
        (VISA, "Surname", "OKONKWO-BRANDT"),
        (VISA, "Nationality", "Portuguese"),
        (VISA, "Purpose of Visit", "Business"),
        (REGISTRATION, "颜色", "灰"),
        (REGISTRATION, "车身颜色", "灰"),
        (REGISTRATION, "车辆型号", "BYD7005BEV"),
    ],
)
def test_a_numbered_box(rows: list, key: str, value: str) -> None:
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is not None and got.value == value


def test_a_box_number_does_not_hide_a_known_field_name() -> None:
    assert is_field_name("4. Passport Number")
    assert is_field_name("(2) Date of Birth")
    assert not is_field_name("3.5 Nationality")  # a figure, not a box's number


@pytest.mark.parametrize(
    ("rows", "key", "value"),
    [
        (
            [
                ("Date of Incident: 03/14/2025", 60, 100, 300),
                ("Time of Incident: 14:25", 60, 130, 250),
            ],
            "time",
            "14:25",
        ),
        (
            [
                ("证明有效期至：2025年09月30日", 60, 100, 350),
                ("开具日期：2025年06月03日", 60, 140, 300),
            ],
            "有效期",
            "2025年09月30日",
        ),
        (
            [("电子客票号码", 60, 100, 150), ("7812345678901", 300, 100, 200)],
            "客票号",
            "7812345678901",
        ),
        # a compound label the key opens: its value is after the whole label
        (
            [("Name/Phone Ext.: M. Hamann, P. Harper", 60, 100, 400)],
            "Name",
            "M. Hamann, P. Harper",
        ),
        (
            [("地址、电话：北京市海淀区中关村大街1号 010-62345678", 60, 100, 500)],
            "地址",
            "北京市海淀区中关村大街1号 010-62345678",
        ),
        # (`Payable to Acme Corp` has no colon: the key and its value)
        (
            [("Payable to Acme Corp", 60, 100, 250)],
            "payable",
            "to Acme Corp",
        ),
    ],
)
def test_a_key_printed_as_a_longer_labels_start(rows: list, key: str, value: str) -> None:
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is not None and got.value == value
