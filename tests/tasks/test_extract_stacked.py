"""Labels over their values in a grid of stacked pairs (a boarding pass, a parking ticket, a
tax form's boxes) and labels in capitals run into their values on one OCR line (a
transcript), each asked alone: the other labels of the page are not requested, so nothing but
the page's layout says they are labels. Found by the third study of rendered documents
(docs/extract.md, "A third study"); every case failed before `linked.stacked_value`, and the
guards keep the layouts that look alike (a list of labels with their values beside them, an
address in capitals, a value of two lines under its label) as they were."""

from __future__ import annotations

import json

import pytest
from task_synth import LineRow, lines_doc, png

from promptocr.engines.embedded import EmbeddedEngine
from promptocr.pipeline import OCRPipeline
from promptocr.synth import Canvas
from promptocr.tasks import Service
from promptocr.tasks.extract import extract_fields
from promptocr.tasks.extract.features import PageGeometry
from promptocr.tasks.extract.linked import page_units, stacked_value

Row = LineRow  # text, x, y, width (and height, else the page's `h`)


def _value(rows: list[Row], key: str, h: float = 20.0) -> object:
    got = extract_fields(lines_doc(rows, h), [key])
    return json.loads(json.dumps(got[key].to_dict()))["value"] if got[key] else None


# a boarding pass: labels in small capitals, each right over its value, pairs set apart
BOARDING: list[Row] = [
    ("AURORA AIRWAYS BOARDING PASS", 30, 30, 420, 24),
    ("PASSENGER", 30, 80, 110, 18),
    ("FLIGHT", 540, 80, 70, 18),
    ("HALVORSEN/INGRID MS", 30, 101, 250, 22),
    ("AU 2047", 540, 101, 90, 24),
    ("FROM", 30, 145, 50, 18),
    ("TO", 300, 145, 26, 18),
    ("DATE", 540, 145, 46, 18),
    ("Reykjavik KEF", 30, 166, 135, 22),
    ("Toronto YYZ", 300, 166, 120, 22),
    ("17SEP24", 540, 166, 86, 22),
    ("GATE", 30, 212, 48, 18),
    ("BOARDING TIME", 180, 212, 140, 18),
    ("SEAT", 420, 212, 46, 18),
    ("D12", 30, 233, 40, 22),
    ("13:35", 180, 233, 60, 22),
    ("23F", 420, 233, 40, 22),
]


@pytest.mark.parametrize(
    ("key", "value"),
    [("PASSENGER", "HALVORSEN/INGRID MS"), ("FROM", "Reykjavik KEF"), ("TO", "Toronto YYZ")],
)
def test_a_label_over_its_value_beside_the_next_pair(key: str, value: str) -> None:
    # asked alone, `FLIGHT` (or `TO`, `DATE`) beside the key used to be its value: the run
    # right of a label on its row, and the role model does not take it for a label
    assert _value(BOARDING, key) == value


# a tax form's boxes: a numbered or lettered caption over each entry, two boxes a row
BOXES: list[Row] = [
    ("Form WS-2 Wage and Tax Statement 2023", 30, 20, 520, 26),
    ("a Employee's social security number", 30, 70, 300, 18),
    ("b Employer identification number (EIN)", 500, 70, 330, 18),
    ("412-58-9031", 30, 90, 120, 20),
    ("83-4471920", 500, 90, 110, 20),
    ("c Employer's name", 30, 126, 150, 18),
    ("1 Wages, tips, other compensation", 500, 126, 280, 18),
    ("HARROWGATE PRECISION TOOLING LLC", 30, 146, 330, 20),
    ("68,412.55", 500, 146, 100, 20),
    ("e Employee's name", 30, 182, 150, 18),
    ("2 Federal income tax withheld", 500, 182, 250, 18),
    ("Dwayne K. Festerling", 30, 202, 200, 20),
    ("7,930.12", 500, 202, 90, 20),
    ("d Control number", 30, 238, 140, 18),
    ("4 Social security tax withheld", 500, 238, 250, 18),
    ("00417", 30, 258, 60, 20),
    ("4,241.58", 500, 258, 90, 20),
]


def test_a_boxs_entry_under_its_caption() -> None:
    # the name in capitals, which the role model is sure is a label, under its caption; the
    # value above the caption (another box's) is not it
    assert _value(BOXES, "c Employer's name") == "HARROWGATE PRECISION TOOLING LLC"


def test_a_boxs_entry_ends_with_its_box() -> None:
    # the next box down (`d Control number` over `00417`) is not the name's second line
    assert _value(BOXES, "e Employee's name") == "Dwayne K. Festerling"
    got = extract_fields(lines_doc(BOXES), ["e Employee's name", "c Employer's name"])
    assert got["e Employee's name"] is not None
    assert got["e Employee's name"].value == "Dwayne K. Festerling"


def test_stacked_pairs_are_set_apart() -> None:
    units = page_units(lines_doc(BOARDING).pages[0])
    geom = PageGeometry(units)
    at = {u.text: i for i, u in enumerate(units)}
    assert stacked_value(geom, at["PASSENGER"]) == at["HALVORSEN/INGRID MS"]
    assert stacked_value(geom, at["FLIGHT"]) == at["AU 2047"]
    assert stacked_value(geom, at["HALVORSEN/INGRID MS"]) == -1  # a value over the next label
    # evenly spaced lines are no pairs
    rows: list[Row] = [(f"Line {i} of the letter", 30, 100 + 24 * i, 200) for i in range(4)]
    units = page_units(lines_doc(rows).pages[0])
    geom = PageGeometry(units)
    assert all(stacked_value(geom, i) == -1 for i in range(len(units)))


def test_a_list_of_labels_with_values_beside_them_is_no_grid() -> None:
    # two rows of `label value`, set tight and apart from the rest like a stacked pair: the
    # label under the key is a known field's name, so the value beside the key is its value
    rows: list[Row] = [
        ("ACME SUPPLY CO", 30, 30, 200, 24),
        ("Customer", 30, 100, 90),
        ("Marta Kowalczyk", 300, 100, 150),
        ("Date", 30, 124, 40),
        ("2024-01-05", 300, 124, 100),
        ("Thank you for your order", 30, 220, 240),
    ]
    assert _value(rows, "Customer") == "Marta Kowalczyk"


def test_a_two_line_value_under_its_label_still_grows() -> None:
    # the label over an entry of two lines set as tight as the label over it: no stacked pair
    rows: list[Row] = [
        ("SHIPPING NOTE", 30, 30, 200, 24),
        ("Deliver to", 30, 100, 90, 18),
        ("Harrowgate Precision Tooling LLC", 30, 121, 300),
        ("14 Mill Road, Leeds LS2 7QE", 30, 143, 270),
        ("Carrier", 30, 200, 70, 18),
        ("Northline Freight", 30, 221, 170),
    ]
    assert (
        _value(rows, "Deliver to") == "Harrowgate Precision Tooling LLC 14 Mill Road, Leeds LS2 7QE"
    )


# a transcript's header: labels in capitals, each run into its value on one OCR line
TRANSCRIPT: list[Row] = [
    ("WESTMERE COUNTY HIGH SCHOOL", 200, 30, 400, 26),
    ("STUDENT NAME Priya Vandersloot", 40, 100, 300),
    ("STUDENT ID WH-20871", 460, 100, 210),
    ("GRADUATION DATE June 14, 2024", 40, 132, 300),
    ("CUMULATIVE GPA 3.87", 460, 132, 210),
    ("COUNsELOR Mr. Elias Brandvold", 40, 164, 290),
    ("English 12 AP", 40, 220, 130),
    ("Calculus BC", 40, 244, 110),
]


@pytest.mark.parametrize(
    ("key", "value"),
    [("STUDENT NAME", "Priya Vandersloot"), ("GRADUATION DATE", "June 14, 2024")],
)
def test_a_label_in_capitals_starts_the_next_field(key: str, value: str) -> None:
    # the value on the key's own line wrapped back to the margin through the next fields'
    # lines (OCR reads `COUNSELOR` with a small s)
    assert _value(TRANSCRIPT, key) == value


def test_an_address_in_capitals_still_wraps_back() -> None:
    rows: list[Row] = [
        ("SHIP TO NORTHWIND TOOLS LTD 14 MILL ROAD", 40, 100, 400),
        ("LEEDS LS2 7QE UNITED KINGDOM", 40, 122, 290),
        ("Thank you for your order", 40, 220, 240),
    ]
    assert (
        _value(rows, "SHIP TO") == "NORTHWIND TOOLS LTD 14 MILL ROAD LEEDS LS2 7QE UNITED KINGDOM"
    )


@pytest.fixture(scope="module")
def service(engine: EmbeddedEngine) -> Service:
    return Service(OCRPipeline(engine))


def test_a_rendered_boarding_pass_read_end_to_end(service: Service) -> None:
    """The boarding pass drawn with real fonts, read by the real OCR models, each key asked
    alone."""
    c = Canvas(1100, 420)
    c.text((40, 30), "AURORA AIRWAYS   BOARDING PASS", size=32)
    for x, label, value in [
        (40, "PASSENGER", "HALVORSEN/INGRID MS"),
        (620, "FLIGHT", "AU 2047"),
    ]:
        c.text((x, 110), label, size=22)
        c.text((x, 140), value, size=30)
    for x, label, value in [(40, "GATE", "D12"), (320, "SEAT", "23F"), (620, "ZONE", "3")]:
        c.text((x, 230), label, size=22)
        c.text((x, 260), value, size=30)
    image = png(c)
    doc = service.run(image, "Extract the PASSENGER").document
    for key, value in [("PASSENGER", "HALVORSEN/INGRID MS"), ("GATE", "D12")]:
        r = service.run_on_document(doc, f"Extract the {key}")
        assert json.loads(r.content)[key] == value


# ---- a 营业执照 and a 检验报告单: labels with their values on one line, a results table ----

LICENCE: list[Row] = [
    ("营业执照", 420, 40, 200, 50),
    ("名称 杭州青禾数字科技有限公司", 80, 200, 330),
    ("法定代表人 沈知远", 80, 250, 200),
    ("注册资本 伍佰万元整", 80, 300, 220),
    ("成立日期 2019年08月23日", 80, 350, 270),
    ("住所 浙江省杭州市西湖区文三路478号", 80, 400, 390),
]


def test_a_value_on_its_labels_line_over_the_next_fields_line() -> None:
    # asked alone, the next line (`成立日期` run into its date) was linked better than the
    # rest of the key's own line, and the rest of the key's line grew into it
    assert _value(LICENCE, "注册资本") == "伍佰万元整"
    assert _value(LICENCE, "法定代表人") == "沈知远"


def test_an_amount_in_capital_numerals() -> None:
    from promptocr.tasks.validators import cn_capital_amount

    found = cn_capital_amount("人民币伍佰万元整")
    assert found is not None and found.normalized == "5000000.00"
    found = cn_capital_amount("⊗叁仟肆佰玖拾伍圆伍角整")
    assert found is not None and (found.text, found.normalized) == (
        "叁仟肆佰玖拾伍圆伍角整",
        "3495.50",
    )
    assert cn_capital_amount("伍佰万") is None  # no 元: not an amount
    for rows in (
        [("收 据", 400, 40, 100, 40), ("金额：叁仟元整", 80, 200, 200)],
        [("收 据", 400, 40, 100, 40), ("金额：", 80, 200, 60), ("叁仟元整", 180, 200, 120)],
    ):
        got = extract_fields(lines_doc(rows), ["金额"])["金额"]
        assert got is not None and (got.value, got.normalized) == ("叁仟元整", "3000.00")
    # printed twice, in words and in figures: the figures answer
    for rows in (
        [
            ("收 据", 400, 40, 100, 40),
            ("金额（大写）叁仟元整", 80, 200, 260),
            ("（小写）￥3000.00", 420, 200, 170),
        ],
        [
            ("收 据", 400, 40, 100, 40),
            ("金额（大写）", 80, 200, 120),
            ("叁仟元整", 220, 200, 120),
            ("（小写）￥3000.00", 420, 200, 170),
        ],
    ):
        got = extract_fields(lines_doc(rows), ["金额"])["金额"]
        assert got is not None and (got.value, got.normalized) == ("￥3000.00", "3000.00")


LAB: list[Row] = [
    ("云澜市第二人民医院检验报告单", 400, 30, 380, 34),
    ("项目", 60, 180, 50),
    ("结果", 600, 180, 50),
    ("单位", 850, 180, 50),
    ("空腹血糖", 60, 206, 100),
    ("6.8 ↑", 600, 206, 60),
    ("mmol/L", 850, 206, 80),
    ("糖化血红蛋白", 60, 232, 150),
    ("7.2 ↑", 600, 232, 60),
    ("%", 850, 232, 20),
    ("总胆固醇", 60, 258, 100),
    ("4.65", 600, 258, 50),
    ("mmol/L", 850, 258, 80),
]


def test_a_table_rows_value_does_not_grow_into_the_row_above() -> None:
    assert _value(LAB, "糖化血红蛋白") == "7.2 ↑"
    got = extract_fields(lines_doc(LAB), ["空腹血糖", "糖化血红蛋白"])
    assert got["糖化血红蛋白"] is not None and got["糖化血红蛋白"].value == "7.2 ↑"


# ---- a key named by its section's heading and a label in the section (study 4) ----

EINVOICE: list[Row] = [
    ("电子发票（普通发票）", 360, 30, 300, 36),
    ("购买方信息", 40, 140, 120, 24),
    ("销售方信息", 520, 140, 120, 24),
    ("名", 40, 180, 20, 22),
    ("称：苏州恒远精密机械有限公司", 90, 180, 300, 22),
    ("名", 520, 180, 20, 22),
    ("称：上海澄明信息科技有限公司", 570, 180, 300, 22),
    ("统一社会信用代码/纳税人识别号：91320505MA1XY8K42B", 40, 220, 420, 22),
    ("统一社会信用代码/纳税人识别号：91310115MA1K9D2X7N", 520, 220, 420, 22),
]


@pytest.mark.parametrize(
    ("key", "value"),
    [("购买方名称", "苏州恒远精密机械有限公司"), ("销售方名称", "上海澄明信息科技有限公司")],
)
def test_a_key_named_by_its_sections_heading(key: str, value: str) -> None:
    # `购买方名称` was matched to the heading `购买方信息` by likeness and returned `信息`
    assert _value(EINVOICE, key) == value
    got = extract_fields(lines_doc(EINVOICE), ["购买方名称", "销售方名称"])
    assert got[key] is not None and got[key].value == value


def test_an_english_key_named_by_its_sections_heading() -> None:
    rows: list[Row] = [
        ("BILL OF LADING", 360, 30, 240, 30),
        ("SHIPPER", 40, 120, 90),
        ("CONSIGNEE", 520, 120, 110),
        ("Name: Harrowgate Tooling LLC", 40, 150, 280),
        ("Name: Northwind Imports BV", 520, 150, 260),
        ("Address: 14 Mill Road, Leeds", 40, 176, 280),
        ("Address: Kade 12, Rotterdam", 520, 176, 270),
    ]
    assert _value(rows, "Consignee Address") == "Kade 12, Rotterdam"
    assert _value(rows, "Shipper Name") == "Harrowgate Tooling LLC"
    # a key printed whole is read there, not from a section
    rows.append(("Consignee Name: Anna Visser", 40, 260, 280))
    assert _value(rows, "Consignee Name") == "Anna Visser"


# ---- the review of these rules: layouts that look alike, read as before ----

TITLE: Row = ("ACME SUPPLY CO", 30, 30, 200, 24)


@pytest.mark.parametrize(
    ("rows", "keys", "value"),
    [
        # two rows of `label  value` set apart like stacked pairs: a list, not a grid, where
        # the label under the key names a known field or is requested too (else the two read
        # alike: docs/extract.md, "A fourth study")
        (
            [
                TITLE,
                ("Bill To", 30, 100, 90),
                ("Northwind Traders", 300, 100, 160),
                ("Customer", 30, 124, 90),
                ("NW-4471", 300, 124, 100),
            ],
            ["Bill To"],
            "Northwind Traders",
        ),
        (
            [
                TITLE,
                ("Bill To", 30, 100, 90),
                ("Northwind Traders", 300, 100, 160),
                ("Account", 30, 124, 90),
                ("NW-4471", 300, 124, 100),
            ],
            ["Bill To", "Account"],
            "Northwind Traders",
        ),
        (
            [
                ("姓名", 40, 100, 40),
                ("张伟", 200, 100, 40),
                ("科室", 40, 124, 40),
                ("内科", 200, 124, 40),
            ],
            ["姓名", "科室"],
            "张伟",
        ),
        # a label in capitals over a date starts the next field
        (
            [
                ("APELLIDOS Y NOMBRE Hui Wang", 40, 100, 300),
                ("FECHA DE NACIMIENTO 09/12/1996", 40, 122, 300),
            ],
            ["APELLIDOS Y NOMBRE"],
            "Hui Wang",
        ),
        # an address in capitals that goes on in figures wraps back as before
        (
            [
                ("SHIP TO NORTHWIND TOOLS LTD 14 MILL ROAD", 40, 100, 400),
                ("NEW YORK, NY 10001", 40, 122, 290),
            ],
            ["SHIP TO"],
            "NORTHWIND TOOLS LTD 14 MILL ROAD NEW YORK, NY 10001",
        ),
        (
            [
                ("SHIP TO NORTHWIND TOOLS LTD 14 MILL ROAD", 40, 100, 400),
                ("SUITE 200, Austin TX", 40, 122, 290),
            ],
            ["SHIP TO"],
            "NORTHWIND TOOLS LTD 14 MILL ROAD SUITE 200, Austin TX",
        ),
        # 大写 that means upper case, not capital numerals
        ([("英文姓名（大写）：ZHANG WEI", 80, 200, 300)], ["英文姓名（大写）"], "ZHANG WEI"),
        # a short value in brackets right after its label is the value, not a qualifier
        ([("性别（男）", 60, 100, 100)], ["性别"], "男"),
        ([("Gender (M)", 60, 100, 100)], ["Gender"], "M"),
    ],
)
def test_layouts_that_look_alike(rows: list[Row], keys: list[str], value: str) -> None:
    got = extract_fields(lines_doc(rows), keys)[keys[0]]
    assert got is not None and got.value == value


def test_an_amount_in_capital_numerals_with_zero_before_its_jiao() -> None:
    from promptocr.tasks.validators import cn_capital_amount

    for text, normalized in [
        ("壹仟陆佰捌拾元零叁角贰分", "1680.32"),
        ("叁佰贰拾伍元零肆分", "325.04"),
        ("壹拾万柒仟元零伍角叁分", "107000.53"),
    ]:
        found = cn_capital_amount(text)
        assert found is not None and (found.text, found.normalized) == (text, normalized)
    assert cn_capital_amount("五百万元") is None  # small numerals: no capital digit
    assert cn_capital_amount("500万元") is None
    rows: list[Row] = [
        ("金额（大写）", 80, 200, 120),
        ("壹仟陆佰捌拾元零叁角贰分", 220, 200, 260),
        ("（小写）￥1680.32", 520, 200, 170),
    ]
    assert _value(rows, "金额（大写）") == "壹仟陆佰捌拾元零叁角贰分"


def test_extract_everything_names_a_label_by_its_section() -> None:
    from promptocr.tasks.extract import extract_all_pairs

    pairs = extract_all_pairs(lines_doc(EINVOICE))
    assert pairs["购买方名称"].value == "苏州恒远精密机械有限公司"
    assert pairs["销售方名称"].value == "上海澄明信息科技有限公司"
    assert pairs["购买方统一社会信用代码/纳税人识别号"].value == "91320505MA1XY8K42B"
    assert "名称 (2)" not in pairs
