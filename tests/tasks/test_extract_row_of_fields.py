"""A row of `Label: value` fields read as one line (`Bank: First Coastal Bank   Account:
004417729   Routing: 122000661`): a named key's value stops where a wide gap sets the next
label apart, whatever its words (`Hours per Week:`, `Accession #:`; extract everything cuts
there too), and a key with a generic word more than its label (`account number` for
`Account:`) answers with that value. A colon inside a value set with ordinary spaces
(`Pack: LAKE NEW PACK: 40`) is not cut. Also: a label the key opens with a comma (`Glucose,
Fasting`) is no value of it, and a column headed `Amount` does not answer "total" where
`Total Due` is printed. The lines are drawn here (`task_synth.worded_line`, `lines_doc`)."""

from __future__ import annotations

import pytest
from task_synth import lines_doc, worded_line

from promptocr.document.model import Block, Document, Page
from promptocr.tasks.extract import extract_all_pairs, extract_fields

ROW = [
    ("Bank:", 100),
    ("First", 155),
    ("Coastal", 207),
    ("Bank", 278),
    ("Account:", 350),
    ("004417729", 433),
    ("Routing:", 540),
    ("122000661", 622),
]


def _doc(*lines: list[tuple[str, float]]) -> Document:
    made = [worded_line(words, 100 + 40 * i) for i, words in enumerate(lines)]
    return Document(pages=[Page(index=0, width=1000, height=800, blocks=[Block(made)])])


def test_a_named_keys_value_stops_at_the_next_label_set_apart() -> None:
    got = extract_fields(_doc(ROW), ["account", "routing number", "bank"])
    assert got["account"] is not None and got["account"].value == "004417729"
    assert got["routing number"] is not None and got["routing number"].value == "122000661"
    assert got["bank"] is not None and got["bank"].value == "First Coastal Bank"


def test_a_key_with_a_generic_word_more_than_its_label() -> None:
    got = extract_fields(_doc(ROW), ["account number"])["account number"]
    assert got is not None and got.value == "004417729"


def test_a_colon_inside_a_value_set_with_ordinary_spaces_stays() -> None:
    words = [("Pack:", 100), ("LAKE", 151), ("NEW", 193), ("PACK:", 226), ("40", 277)]
    got = extract_fields(_doc(words, [("Date:", 100), ("3/4/95", 151)]), ["Pack"])["Pack"]
    assert got is not None and got.value == "LAKE NEW PACK: 40"


def _spaced(words: list[str], x: float = 100, gap: float = 70) -> list[tuple[str, float]]:
    """Words 9 px a character, 7 px apart; a word after `|` stands `gap` px on."""
    out, at = [], x
    for w in words:
        if w == "|":
            at += gap - 7
            continue
        out.append((w, at))
        at += 9 * len(w) + 7
    return out


def test_a_label_of_several_words_set_apart_ends_the_value_before_it() -> None:
    start = _spaced(
        ["Preferred", "Start", "Date:", "03/01/2024", "|", "Hours", "per", "Week:", "10"]
    )
    lab = _spaced(["Fasting:", "Yes", "|", "Accession", "#:", "24-285-0117"])
    doc = _doc(start, lab)
    got = extract_fields(doc, ["preferred start date", "hours per week", "fasting", "accession #"])
    assert got["preferred start date"] is not None
    assert got["preferred start date"].value == "03/01/2024"
    assert got["hours per week"] is not None and got["hours per week"].value == "10"
    assert got["fasting"] is not None and got["fasting"].value == "Yes"
    assert got["accession #"] is not None and got["accession #"].value == "24-285-0117"
    every = {k: r.value for k, r in extract_all_pairs(doc).items()}
    assert every.get("Preferred Start Date") == "03/01/2024", every
    assert every.get("Hours per Week") == "10", every


def test_a_label_the_key_opens_with_a_comma_is_no_value() -> None:
    rows = [("Test", 60, 100, 60), ("Result", 400, 100, 80)]
    rows += [("Glucose, Fasting", 60, 130, 170), ("112", 400, 130, 40)]
    got = extract_fields(lines_doc(rows), ["glucose"])["glucose"]
    assert got is not None and got.value == "112"


def test_an_amount_column_does_not_answer_total_where_a_total_is_printed() -> None:
    rows = [("Description", 60, 100, 130), ("Amount", 600, 100, 90)]
    rows += [("Servo motor", 60, 130, 120), ("$500.00", 600, 130, 80)]
    rows += [("Bearing kit", 60, 160, 120), ("$80.75", 600, 160, 70)]
    rows += [("Subtotal", 450, 200, 90), ("$580.75", 600, 200, 80)]
    rows += [("Total Due", 450, 230, 100), ("$628.42", 600, 230, 80)]
    keys = ["invoice number", "due date", "total"]
    got = extract_fields(lines_doc(rows), keys)["total"]
    assert got is not None and got.value == "$628.42"


def test_a_key_no_concept_knows_is_typed_by_its_words() -> None:
    rows = [("Preferred Start Date:", 60, 100, 200), ("03/01/2024", 300, 100, 100)]
    rows += [("Late Fee", 60, 130, 90), ("$12.50", 300, 130, 70)]
    rows += [("Hobby:", 60, 160, 70), ("12/05", 300, 160, 60)]
    got = extract_fields(lines_doc(rows), ["preferred start date", "late fee", "hobby"])
    start, fee, hobby = got["preferred start date"], got["late fee"], got["hobby"]
    assert start is not None and start.type == "date" and start.normalized == "2024-03-01"
    assert fee is not None and fee.type == "amount" and fee.normalized == "12.50"
    assert hobby is not None and hobby.type == "text" and hobby.normalized is None


def test_a_number_in_groups_of_digits_is_read_whole() -> None:
    # one run (`校验码：61728 33901 44520 19876`) and two runs OCR cut along the row
    rows = [("校验码：", 60, 100, 80), ("61728 33901 44520 19876", 145, 100, 230)]
    rows += [("USPS TRACKING #", 60, 150, 160)]
    rows += [("9400 1118 9922", 200, 190, 130), ("3344 5566 77", 333, 190, 110)]
    got = extract_fields(lines_doc(rows), ["校验码", "USPS tracking #"])
    check, tracking = got["校验码"], got["USPS tracking #"]
    assert check is not None and check.value == "61728 33901 44520 19876"
    assert check.normalized == "61728339014452019876"
    assert tracking is not None and tracking.value == "9400 1118 9922 3344 5566 77"


def test_a_heading_far_along_the_row_over_fields_of_its_own_is_no_value() -> None:
    # a shipping label: `FROM:` over the sender, `PRIORITY MAIL 2-DAY` over `Ship Date:` …
    rows = [("FROM:", 60, 60, 70), ("Jane Whitaker", 60, 90, 140)]
    rows += [("Blue Fern Ceramics", 60, 115, 170), ("412 Maple Ave", 60, 140, 130)]
    rows += [("PRIORITY MAIL 2-DAY", 700, 58, 260), ("Ship Date: 05/02/2024", 700, 90, 220)]
    rows += [("Weight: 3 lb 4 oz", 700, 115, 180)]
    got = extract_fields(lines_doc(rows), ["from", "ship date"])
    sender = got["from"]
    assert sender is not None and sender.value is not None
    assert sender.value.startswith("Jane Whitaker"), sender.value
    assert got["ship date"] is not None and got["ship date"].value == "05/02/2024"


def test_a_short_kind_synonym_does_not_make_a_tables_header_a_label() -> None:
    # `no` is a synonym of "invoice number": `S.No` heading a table's first column is none
    rows = [("S.No", 60, 100, 50), ("Description", 150, 100, 120), ("Amount", 500, 100, 80)]
    rows += [("1", 60, 130, 10), ("Widget", 150, 130, 70), ("500.00", 500, 130, 60)]
    rows += [("Date: 12/03/2024", 60, 180, 160)]
    got = extract_fields(lines_doc(rows), ["invoice number"])["invoice number"]
    assert got is None or got.value is None, got


def test_two_labels_side_by_side_leave_the_first_empty() -> None:
    from promptocr.tasks.extract.linked import page_units

    words = _spaced(["Name:", "John", "Smith", "|", "Phone:", "|", "Fax:", "555-1234"])
    doc = _doc(words)
    units = [u.text for u in page_units(doc.pages[0], every_label=True)]
    assert units == ["Name:", "John Smith", "Phone:", "Fax:", "555-1234"]
    every = {k: r.value for k, r in extract_all_pairs(doc).items()}
    assert every.get("Fax") == "555-1234" and "Phone" not in every, every


def test_a_key_and_its_value_after_a_comma() -> None:
    rows = [("Name, John Smith", 60, 100, 170), ("Acme Corporation", 60, 130, 170)]
    got = extract_fields(lines_doc(rows), ["name"])["name"]
    assert got is not None and got.value == "John Smith"


def test_a_numbered_box_form_with_labels_over_values() -> None:
    # the labels carry more words than the key (a qualifier in brackets, `or …`, `, injury,
    # or …`); each box's value under its label; the next box's label is no value
    rows = [("1a. Insured's ID number (for program in item 1)", 60, 60, 400)]
    rows += [("XQH448812907", 60, 90, 140)]
    rows += [("2. Patient's name (Last, First, Middle Initial)", 620, 60, 380)]
    rows += [("NGUYEN, LINH T", 620, 90, 150)]
    rows += [("14. Date of current illness, injury, or pregnancy", 60, 160, 400)]
    rows += [("02 03 2024", 60, 190, 110)]
    rows += [("17. Name of referring provider or other source", 620, 160, 380)]
    rows += [("DR SAMUEL OKORO", 620, 190, 170)]
    keys = [
        "insured's ID number",
        "patient's name",
        "date of current illness",
        "referring provider",
    ]
    got = extract_fields(lines_doc(rows), keys)
    want = ["XQH448812907", "NGUYEN, LINH T", "02 03 2024", "DR SAMUEL OKORO"]
    assert [got[k].value if got[k] else None for k in keys] == want, got


@pytest.mark.parametrize(
    ("rows", "key", "value"),
    [
        # after a colon, what reads like more of a label is the value
        ([("Description: repair of roof", 60, 100, 260)], "description", "repair of roof"),
        (
            [("Reason for travel: business and leisure", 60, 100, 360)],
            "reason",
            "business and leisure",
        ),
        # `和` begins values (`和平路`); words up to a colon end the label there
        ([("地址 和平路", 60, 100, 160), ("电话 13800138000", 60, 130, 200)], "地址", "和平路"),
        ([("Payee or Company: Acme Ltd", 60, 100, 260)], "payee", "Acme Ltd"),
        # an initial, a date and a numbered list are no box labels
        (
            [("1. Name of applicant", 60, 100, 200), ("J. Smith", 60, 130, 90)],
            "name of applicant",
            "J. Smith",
        ),
        (
            [("3. Geburtsdatum", 60, 100, 200), ("12. März 1990", 60, 130, 130)],
            "Geburtsdatum",
            "12. März 1990",
        ),
        (
            [("3. Current medications", 60, 100, 220), ("1. Aspirin 100 mg daily", 60, 130, 230)],
            "current medications",
            "1. Aspirin 100 mg daily",
        ),
        # a value with the label's last words in one run is still read so
        ([("Amount (USD) 1,200", 60, 100, 170)], "amount", "1,200"),
    ],
)
def test_what_reads_like_more_of_a_label_and_is_a_value(rows: list, key: str, value: str) -> None:
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is not None and got.value == value, got


def test_a_value_under_a_label_that_is_no_box_grows_over_a_numbered_line() -> None:
    rows = [("Special instructions:", 60, 100, 200), ("Deliver to the back door", 60, 125, 240)]
    rows += [("1. Ring the bell twice", 60, 150, 210)]
    got = extract_fields(lines_doc(rows), ["special instructions"])["special instructions"]
    assert got is not None and got.value is not None and "Ring the bell" in got.value, got


def test_a_spaced_initial_is_no_box_number() -> None:
    # `S. No` heading a table's first column is no printing of "invoice number" (`no`)
    rows = [("S. No", 60, 100, 50), ("Description", 150, 100, 120), ("Amount", 500, 100, 80)]
    rows += [("1", 60, 130, 10), ("Widget", 150, 130, 70), ("500.00", 500, 130, 60)]
    got = extract_fields(lines_doc(rows), ["invoice number"])["invoice number"]
    assert got is None or got.value is None, got
