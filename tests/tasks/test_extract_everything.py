""" "Extract everything" (no key named: every printed label with its value) on layouts the
pair model alone misread, found by scoring it on the pages of studies 3, 4, 5 and 9
(docs/extract.md, "Extract everything on the study pages"):

- a row of labels each over its value (`Full Name` `Position Applied For` over the two
  entries): the first label took the second label as its value, and the second had none;
- a label and its value read as one line, set apart by a wide gap with no colon
  (`NAME OF CHILD    Eloise Margaret Thackeray`): the line was one unit, so no key;
- a label the role model does not read as a key that names a known field (`VIN`, `Payment
  Due`): it was not looked up by name.

The pages are OCR-like lines drawn here (`task_synth.lines_doc`, `worded_line`)."""

from __future__ import annotations

from collections.abc import Sequence

from task_synth import LineRow, lines_doc, worded_line

from promptocr.document.model import Block, Document, Line, Page
from promptocr.tasks.extract.features import PageGeometry
from promptocr.tasks.extract.linked import (
    _column_mates,
    extract_all_linked,
    extract_linked,
    page_units,
)


def _pairs(doc: Document) -> dict[str, str | None]:
    return {name: res.value for name, res in extract_all_linked(doc).items()}


# a job application: two columns of labels, each over its entry
APPLICATION: list[LineRow] = [
    ("APPLICATION FOR EMPLOYMENT", 46, 42, 528, 29),
    ("Carraway & Holt Surveyors", 45, 78, 308, 29),
    ("Full Name", 44, 134, 86, 23),
    ("Position Applied For", 573, 134, 166, 23),
    ("Odalys Brennan-Foyle", 48, 159, 247, 29),
    ("Senior Land Surveyor", 577, 160, 310, 29),
    ("Email Address", 45, 214, 120, 23),
    ("Phone", 570, 212, 60, 26),
    ("o.brennan@post.example", 49, 240, 330, 29),
    ("(608) 555-0193", 577, 241, 181, 26),
    ("Date Available", 45, 293, 122, 23),
    ("Desired Salary", 572, 292, 125, 27),
    ("October 7, 2024", 48, 318, 226, 30),
    ("$84,500", 576, 318, 101, 30),
    ("I certify that the information provided is true and complete.", 44, 398, 531, 24),
]


def test_a_row_of_labels_over_their_values_pairs_each_label_with_its_own() -> None:
    got = _pairs(lines_doc(APPLICATION))
    assert got.get("Full Name") == "Odalys Brennan-Foyle"
    assert got.get("Position Applied For") == "Senior Land Surveyor"
    assert got.get("Email Address") == "o.brennan@post.example"
    assert got.get("Phone") == "(608) 555-0193"
    assert got.get("Date Available") == "October 7, 2024"
    assert got.get("Desired Salary") == "$84,500"
    # no label is another's value
    labels = {"Full Name", "Position Applied For", "Email Address", "Phone"}
    assert not labels & {v for v in got.values() if v}


# a visa application: numbered labels, each over its entry, two to a row (a 1600 x 1300 page)
VISA: list[LineRow] = [
    ("REPUBLIC OF ESTARIA - APPLICATION FOR SHORT-STAY VISA", 58, 42, 1139, 33),
    ("1. Surname", 66, 117, 133, 28),
    ("MORGENSTAL", 64, 148, 178, 32),
    ("3. Nationality", 65, 212, 155, 31),
    ("Danish", 63, 244, 160, 37),
    ("5. Purpose of Visit", 63, 306, 212, 35),
    ("Business", 65, 341, 117, 33),
    ("2. Given Names", 804, 115, 185, 33),
    ("ASTRID LOUISE", 806, 148, 206, 32),
    ("4. Passport Number", 806, 211, 226, 32),
    ("DK4417206", 806, 245, 175, 31),
    ("6. Date of Intended Arrival", 806, 309, 299, 29),
    ("04/11/2025", 806, 341, 168, 31),
    ("7. Duration of Stay (days)", 66, 403, 290, 33),
    ("21", 65, 434, 46, 36),
    ("8. Number of Entries", 806, 403, 237, 32),
    ("Multiple", 803, 432, 99, 43),
    ("I declare that the information given is correct and complete.", 53, 537, 674, 33),
    ("Applicant's signature:", 56, 571, 249, 32),
]


def test_numbered_labels_over_their_entries_pair_each_with_its_own() -> None:
    got = _pairs(lines_doc(VISA, width=1600, height=1300))
    assert got.get("1. Surname") == "MORGENSTAL"
    assert got.get("2. Given Names") == "ASTRID LOUISE"
    assert got.get("3. Nationality") == "Danish"
    assert got.get("4. Passport Number") == "DK4417206"
    assert got.get("5. Purpose of Visit") == "Business"
    assert got.get("6. Date of Intended Arrival") == "04/11/2025"
    assert got.get("8. Number of Entries") == "Multiple"
    # an entry is no key of the entry beside it
    assert "MORGENSTAL" not in got and "Danish" not in got


def _worded_doc(rows: Sequence[Sequence[tuple[str, float]]], h: float = 30.0) -> Document:
    lines: list[Line] = [
        worded_line(list(words), 60 + 70 * i, h=h, char=15) for i, words in enumerate(rows)
    ]
    return Document(pages=[Page(index=0, width=1200, height=1000, blocks=[Block(lines)])])


def test_a_label_and_its_value_set_apart_on_one_line_are_cut() -> None:
    # the gap after the label is about 1.3 line heights; the word spaces 0.3
    doc = _worded_doc(
        [
            [("CERTIFICATE", 300), ("OF", 480), ("BIRTH", 520)],
            [("NAME", 60), ("OF", 135), ("CHILD", 175), ("Eloise", 290), ("Marchetti", 390)],
            [("DATE", 60), ("OF", 135), ("BIRTH", 175), ("3", 290), ("February", 315)],
            [("SEX", 60), ("Female", 145)],
            [("MOTHER", 60), ("Harriet", 200), ("Marchetti", 315)],
            [("REGISTRATION", 60), ("NO", 250), ("ASH-2019-0044", 330)],
        ]
    )
    got = _pairs(doc)
    assert got.get("NAME OF CHILD") == "Eloise Marchetti"
    assert got.get("DATE OF BIRTH") == "3 February"
    assert got.get("SEX") == "Female"
    assert got.get("MOTHER") == "Harriet Marchetti"
    assert got.get("REGISTRATION NO") == "ASH-2019-0044"


def test_a_gap_a_little_under_a_line_height_cuts_where_the_word_spaces_are_narrow() -> None:
    # `STUDENT NAME` then 0.8 line heights to the name, the word spaces 0.3
    doc = _worded_doc(
        [
            [("STUDENT", 60), ("NAME", 175), ("Priya", 260), ("Vandersloot", 345)],
            [("GRADUATION", 60), ("DATE", 220), ("June", 304), ("14,", 374), ("2024", 429)],
        ]
    )
    got = _pairs(doc)
    assert got.get("STUDENT NAME") == "Priya Vandersloot"
    assert got.get("GRADUATION DATE") == "June 14, 2024"


def test_wide_gaps_that_part_no_label_from_its_value_are_not_cut() -> None:
    # check boxes, a name (surname and given name), a title, a date set wide, a CJK label
    # set with wide spacing, a one-letter section mark: none is a label with its value
    doc = _worded_doc(
        [
            [("OUI", 60), ("NON", 200)],
            [("Duras", 60), ("Léa", 200)],
            [("FORMULAIRE", 60), ("D'INSCRIPTION", 260)],
            [("1986年", 60), ("4月28日", 200)],
            [("名", 60), ("称", 140)],
            [("F", 60), ("AUFENTHALTE", 120)],
            [("le", 60), ("12109", 120)],
            [("EUR", 60), ("65.34", 130)],
            [("SECTION", 60), ("A", 175), ("Personal", 260), ("Details", 390)],
            [("Introduction", 60), ("1", 400)],
            [("DURAS", 60), ("Léa", 200)],
            [("March", 60), ("2024", 200)],
        ]
    )
    got = _pairs(doc)
    labels = ("OUI", "Duras", "FORMULAIRE", "1986年", "名", "F", "le", "EUR")
    for label in (*labels, "SECTION A", "Introduction", "DURAS", "March"):
        assert label not in got, (label, got)


# a vehicle service record: labels without colons in two columns, values far along the row
SERVICE: list[LineRow] = [
    ("PRECISION AUTO CARE - SERVICE RECORD", 46, 38, 665, 27),
    ("RO Number", 52, 107, 123, 26),
    ("RO-55871", 259, 106, 107, 28),
    ("Service Date", 614, 106, 131, 27),
    ("10/07/2024", 838, 107, 118, 26),
    ("Vehicle", 52, 154, 78, 27),
    ("2020 Honda Accord", 262, 154, 197, 26),
    ("VIN", 611, 152, 45, 31),
    ("1HGCV1F37LA018842", 838, 154, 219, 26),
    ("Odometer", 52, 203, 106, 26),
    ("48,302 mi", 262, 203, 105, 26),
    ("Technician", 614, 203, 108, 26),
    ("D. Mbatha", 837, 202, 108, 28),
]


def test_a_label_naming_a_known_field_is_looked_up_by_name() -> None:
    got = _pairs(lines_doc(SERVICE))
    assert got.get("VIN") == "1HGCV1F37LA018842"
    assert got.get("RO Number") == "RO-55871"
    assert "D. Mbatha" not in got  # (a value is no key)


def test_labels_in_a_column_of_labels_with_values_along_their_rows_are_looked_up() -> None:
    # `Service Date` and `Technician` name no known field and the role model reads them as
    # values; they stand in the column of `VIN`, each with a value in the column of its own
    got = _pairs(lines_doc(SERVICE))
    assert got.get("Service Date") == "10/07/2024"
    assert got.get("Technician") == "D. Mbatha"
    assert got.get("Odometer") == "48,302 mi"


# a bill's table: the rows' first cells stand in a column, each with a cell along its row,
# but a row of six cells is a table's, and its first cell no label
TABLE: list[LineRow] = [
    ("Item", 40, 100, 60, 24),
    ("Spec", 300, 100, 60, 24),
    ("Unit", 420, 100, 50, 24),
    ("Qty", 520, 100, 40, 24),
    ("Price", 620, 100, 60, 24),
    ("Amount", 760, 100, 80, 24),
    ("Office chair", 40, 140, 140, 24),
    ("KX-20", 300, 140, 70, 24),
    ("pcs", 420, 140, 40, 24),
    ("4", 530, 140, 14, 24),
    ("120.00", 620, 140, 70, 24),
    ("480.00", 760, 140, 70, 24),
    ("Desk lamp", 40, 180, 110, 24),
    ("L-7", 300, 180, 40, 24),
    ("pcs", 420, 180, 40, 24),
    ("2", 530, 180, 14, 24),
    ("35.50", 620, 180, 60, 24),
    ("71.00", 760, 180, 60, 24),
    ("Paper A4", 40, 220, 100, 24),
    ("80g", 300, 220, 40, 24),
    ("box", 420, 220, 40, 24),
    ("10", 530, 220, 24, 24),
    ("22.00", 620, 220, 60, 24),
    ("220.00", 760, 220, 70, 24),
    ("Invoice No.", 40, 300, 120, 24),
    ("INV-5521", 300, 300, 100, 24),
]


def test_the_first_cells_of_a_tables_rows_are_no_labels() -> None:
    got = _pairs(lines_doc(TABLE))
    for cell in ("Office chair", "Desk lamp", "Paper A4"):
        assert cell not in got, (cell, got)
    # the first row's cell read as a label (the pair model may link a table's first row so)
    # makes no label of the cells under it: a row of six runs is a table's
    page = lines_doc(TABLE[6:]).pages[0]
    units = page_units(page, every_label=True)
    geom = PageGeometry(units)
    at = {u.text: i for i, u in enumerate(units)}
    mates = _column_mates(geom, {at["Office chair"]: [(at["KX-20"], 0.9)]})
    assert not {units[i].text for i in mates} & {"Desk lamp", "Paper A4"}


def test_two_rows_of_a_label_with_its_value_beside_it_stay_rows() -> None:
    # a label over a label, a value over a value: read as two rows, not as two stacked pairs
    rows: list[LineRow] = [
        ("SHIPPING NOTE", 50, 40, 300, 24),
        ("Vessel", 50, 100, 80, 24),
        ("Northern Star", 300, 100, 160, 24),
        ("Flag", 50, 128, 50, 24),
        ("Norway", 300, 128, 90, 24),
        ("Goods were loaded in good order and condition as described above.", 50, 300, 700, 24),
    ]
    got = _pairs(lines_doc(rows))
    assert got.get("Vessel") == "Northern Star"
    assert got.get("Flag") == "Norway"


def test_a_numbered_value_beside_its_label_is_no_next_label() -> None:
    # an item's number makes a label of the next stacked pair only beside a numbered label
    rows: list[LineRow] = [
        ("Room Type", 50, 100, 110, 24),
        ("2. Double Room", 300, 100, 170, 24),
        ("Guests", 50, 128, 90, 24),
        ("Lakeside Wing", 300, 128, 160, 24),
        ("Thank you for staying with us at the hotel this season.", 50, 300, 600, 24),
    ]
    got = extract_linked(lines_doc(rows), ["Room Type"])
    assert got["Room Type"].value == "2. Double Room"
    assert _pairs(lines_doc(rows)).get("Room Type") == "2. Double Room"


# a membership form: two questions answered by ticking one of a row of options
MEMBERSHIP: list[LineRow] = [
    ("MEMBERSHIP APPLICATION", 60, 40, 420, 30),
    ("Name:", 60, 110, 70, 24),
    ("Harriet Okonkwo-Lind", 150, 110, 260, 24),
    ("Marital status:", 60, 160, 170, 24),
    ("□ Single", 250, 160, 100, 24),
    ("☑ Married", 380, 160, 115, 24),
    ("□ Divorced", 525, 160, 125, 24),
    ("Membership type", 60, 210, 185, 24),
    ("□ Student", 60, 240, 110, 24),
    ("☑ Family", 200, 240, 100, 24),
    ("□ Senior", 330, 240, 100, 24),
    ("□ Other:", 60, 280, 95, 24),
    ("Corporate", 175, 280, 120, 24),
    ("Date:", 60, 330, 60, 24),
    ("12/03/2024", 140, 330, 130, 24),
]


def test_a_check_box_option_is_no_key_unless_it_opens_a_field() -> None:
    # a row of options: the pair model linked `□ Student` to `☑ Family` beside it
    got = _pairs(lines_doc(MEMBERSHIP, width=800, height=420))
    assert not [k for k in got if k.lstrip()[:1] in "□☑" and k != "□ Other"], got
    # an option that opens a field of its own keeps it, and the other fields are read
    assert got.get("□ Other") == "Corporate"
    assert got.get("Name") == "Harriet Okonkwo-Lind"
    assert got.get("Date") == "12/03/2024"


def test_a_bulleted_field_on_one_line_keeps_its_value() -> None:
    # `■` is a bullet here, and a pair printed on one line stays a pair whatever starts it
    rows: list[LineRow] = [
        ("ORDER SUMMARY", 60, 40, 300, 28),
        ("■ Order Date 12/03/2024", 60, 100, 300, 24),
        ("■ Total 12.50", 60, 140, 200, 24),
        ("Customer: Jane Roe", 60, 180, 260, 24),
    ]
    got = _pairs(lines_doc(rows, width=800, height=400))
    assert got.get("■ Order Date") == "12/03/2024", got
    assert got.get("Customer") == "Jane Roe"


def test_cjk_fields_run_together_with_no_gap_are_cut_at_the_next_name() -> None:
    """OCR puts no space at a CJK gap: `性别：女民族：汉` is two fields, cut where a known
    field's name (`民族`) runs straight on after the first value; `住址：…电话：…` the same."""
    from promptocr.tasks.extract import extract_all_pairs

    doc = lines_doc(
        [
            ("姓名：王小红", 60, 40, 200),
            ("性别：女民族：汉", 60, 80, 260),
            ("住址：北京市海淀区中关村大街1号电话：010-62751234", 60, 120, 560),
        ]
    )
    got = {k: r.value for k, r in extract_all_pairs(doc).items()}
    assert got["性别"] == "女" and got["民族"] == "汉", got
    assert got["住址"] == "北京市海淀区中关村大街1号" and got["电话"] == "010-62751234", got


def test_parties_side_by_side_each_take_their_block() -> None:
    """`BILL TO` and `SHIP TO` side by side, each over a name and an address: extract
    everything reads each block as its heading's value (before: `BILL TO` → `SHIP TO` and each
    bill-to line → the ship-to line level with it)."""
    from promptocr.tasks.extract import extract_all_pairs

    doc = lines_doc(
        [
            ("INVOICE", 60, 30, 150, 30),
            ("Invoice No: 1042", 520, 40, 200),
            ("BILL TO", 60, 130, 90),
            ("SHIP TO", 360, 130, 90),
            ("Globex Corporation", 60, 160, 200),
            ("Globex Warehouse 4", 360, 160, 210),
            ("12 Main Street", 60, 190, 160),
            ("88 Dock Road", 360, 190, 150),
            ("Springfield, IL 62704", 60, 220, 220),
            ("Shelbyville, IL 62565", 360, 220, 230),
            ("Total: $1,250.00", 520, 300, 200),
        ]
    )
    got = {k: r.value for k, r in extract_all_pairs(doc).items()}
    assert got["BILL TO"] == "Globex Corporation 12 Main Street Springfield, IL 62704", got
    assert got["SHIP TO"] == "Globex Warehouse 4 88 Dock Road Shelbyville, IL 62565", got
    assert "Globex Corporation" not in got and got["Total"] == "$1,250.00", got


def test_after_review_heading_blocks_and_cjk_cuts_stop_where_they_should() -> None:
    """A heading's block ends at another field's name (`Department` under `John Smith`) or at
    running text; a CJK run is cut at a field's name, not at a longer run holding one
    (`王小红联系电话`: `联系电话`, not `小红联系电话`)."""
    from promptocr.tasks.extract import extract_all_pairs

    doc = lines_doc(
        [
            ("Name", 60, 100, 60),
            ("Date", 360, 100, 50),
            ("John Smith", 60, 125, 120),
            ("03/14/2025", 360, 125, 110),
            ("Department", 60, 150, 120),
            ("Finance", 260, 150, 80),
        ]
    )
    got = {k: r.value for k, r in extract_all_pairs(doc).items()}
    assert got["Name"] == "John Smith" and got["Date"] == "03/14/2025", got
    assert got.get("Department") == "Finance", got
    zh = lines_doc([("姓名：王小红联系电话：13812345678", 60, 40, 460)])
    got = {k: r.value for k, r in extract_all_pairs(zh).items()}
    assert got == {"姓名": "王小红", "联系电话": "13812345678"}, got
