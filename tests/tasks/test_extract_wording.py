"""A key worded as a user would, not as the page prints it: abbreviations (`Account No.` for
"account number", `P.O. #` for "purchase order number"), another word order ("date of
invoice" for `Invoice Date`), a generic word more or less ("due date" for `Due`), and the
synonyms of common business fields ("ending balance" for `Closing Balance`). Found by a study
of rendered invoices, orders, statements and forms asked in users' own words
(docs/extract.md, "Keys in a user's words"). The pages are OCR-like lines drawn here."""

from __future__ import annotations

import pytest
from task_synth import lines_doc, png

from promptocr.engines.embedded import EmbeddedEngine
from promptocr.pipeline import OCRPipeline
from promptocr.synth import Canvas
from promptocr.tasks import Service
from promptocr.tasks.extract import extract_fields
from promptocr.tasks.fields import (
    canonical_words,
    match_concept,
    paraphrases,
    same_field_words,
    synonyms_for,
)

INVOICE = [
    ("INVOICE", 80, 60, 160, 36),
    ("Northwind Tools Ltd", 80, 120, 190),
    ("Invoice No.:", 560, 120, 110),
    ("INV-2024-0831", 760, 120, 140),
    ("Invoice Date:", 560, 150, 120),
    ("06/11/2024", 760, 150, 100),
    ("Due:", 560, 180, 40),
    ("07/11/2024", 760, 180, 100),
    ("P.O. #:", 560, 210, 60),
    ("PO-55120", 760, 210, 90),
    ("Account No.:", 560, 240, 110),
    ("31926650", 760, 240, 90),
    ("Bill To:", 80, 260, 70),
    ("Leona Pellegrino", 80, 290, 160),
    ("Description", 80, 400, 110),
    ("Qty", 500, 400, 40),
    ("Amount", 760, 400, 80),
    ("Cordless drill", 80, 440, 130),
    ("2", 510, 440, 12),
    ("£2,436.88", 760, 440, 100),
    ("Subtotal", 560, 520, 80),
    ("£2,436.88", 760, 520, 100),
    ("Tax (8%)", 560, 550, 80),
    ("£194.95", 760, 550, 80),
    ("Total", 560, 580, 50),
    ("£2,631.83", 760, 580, 100),
]

ASKED = [
    ("invoice number", "INV-2024-0831"),
    ("date of invoice", "06/11/2024"),
    ("due date", "07/11/2024"),
    ("payment due date", "07/11/2024"),
    ("purchase order number", "PO-55120"),
    ("PO number", "PO-55120"),
    ("account number", "31926650"),
    ("tax amount", "£194.95"),
    ("total", "£2,631.83"),
]


@pytest.mark.parametrize(("key", "value"), ASKED)
def test_a_key_in_a_users_words_asked_alone(key: str, value: str) -> None:
    got = extract_fields(lines_doc(INVOICE), [key])[key]
    assert got.value == value


def test_keys_in_a_users_words_asked_together() -> None:
    # one wording per field (two keys for one printed label share its value)
    asked = [(k, v) for k, v in ASKED if k not in ("payment due date", "PO number")]
    got = extract_fields(lines_doc(INVOICE), [k for k, _ in asked])
    assert {k: got[k].value for k, _ in asked} == dict(asked)


STATEMENT = [
    ("Account Statement", 80, 60, 200, 30),
    ("Account Name:", 80, 120, 130),
    ("Nora Quint", 260, 120, 100),
    ("Account Number:", 80, 150, 150),
    ("0099 1234 5678", 260, 150, 140),
    ("Statement Date:", 80, 180, 140),
    ("03/31/2024", 260, 180, 100),
    ("Opening Balance", 560, 120, 150),
    ("$5,452.67", 760, 120, 90),
    ("Closing Balance", 560, 150, 150),
    ("$7,094.18", 760, 150, 90),
]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ending balance", "$7,094.18"),  # not `Opening Balance`, printed alike
        ("starting balance", "$5,452.67"),
        ("account no", "0099 1234 5678"),  # not `Account Name`'s value
        ("account holder", "Nora Quint"),
    ],
)
def test_a_balance_or_account_in_other_words(key: str, value: str) -> None:
    got = extract_fields(lines_doc(STATEMENT), [key])[key]
    assert got.value == value


def test_canonical_words_spell_out_abbreviations_and_reorder() -> None:
    assert canonical_words("P.O. #") == canonical_words("purchase order number")
    assert canonical_words("PO Number") == canonical_words("purchase order number")
    assert canonical_words("A/C No.") == canonical_words("account number")
    assert canonical_words("date of invoice") == canonical_words("Invoice Date")
    assert canonical_words("Date of birth (DD/MM/YYYY)", brackets=False) == ("birth", "date")
    assert canonical_words("Tel.") == canonical_words("Telephone")
    assert canonical_words("身份证号") == ()  # other scripts are matched as printed
    # a generic word more or less names the same field; another word does not
    assert same_field_words(canonical_words("due date"), canonical_words("Due"))
    assert same_field_words(canonical_words("buyer name"), canonical_words("Buyer"))
    assert not same_field_words(canonical_words("fax"), canonical_words("FAX NUMBER"))
    assert not same_field_words(canonical_words("due date"), canonical_words("Date"))
    assert not same_field_words(canonical_words("account number"), canonical_words("Number"))
    assert not same_field_words(canonical_words("opening balance"), canonical_words("balance"))


@pytest.mark.parametrize(
    ("key", "concept"),
    [
        ("phone number", "phone"),
        ("Acct No.", "account_number"),
        ("payment due date", "due_date"),
        ("supplier", "company"),
        ("customer name", "buyer"),
        ("ending balance", "closing_balance"),
    ],
)
def test_users_wordings_find_their_concept(key: str, concept: str) -> None:
    c = match_concept(key)
    assert c is not None and c.name == concept


def _rendered_order() -> bytes:
    """A purchase order drawn with real fonts: labels abbreviated, boxed, and one a task's
    keyword (`Position`), read by the real OCR engine."""
    c = Canvas(1100, 620)
    c.text((60, 40), "PURCHASE ORDER", size=34)
    rows = [
        ("P.O. #:", "PO-77341"),
        ("Order Date:", "03/14/2025"),
        ("Acct No.:", "4410-2291"),
        ("Requested By:", "Dana Whitfield"),
        ("Position:", "Buyer II"),
    ]
    y = 120
    for label, value in rows:
        c.text((60, y), label, size=26)
        c.text((360, y), value, size=26)
        y += 56
    c.text((60, 440), "Subtotal", size=26)
    c.text((360, 440), "$1,250.00", size=26)
    c.text((60, 496), "Total", size=26)
    c.text((360, 496), "$1,353.13", size=26)
    return png(c)


def test_a_users_wording_through_the_service(engine: EmbeddedEngine) -> None:
    service = Service(OCRPipeline(engine))
    page = _rendered_order()
    r = service.run(
        page,
        "Extract the purchase order number, date of order, account number and the position",
    )
    assert r.task == "extract"  # `position` names a field here, not text spotting
    assert r.output["fields"] == {
        "purchase order number": "PO-77341",
        "date of order": "03/14/2025",
        "account number": "4410-2291",
        "position": "Buyer II",
    }
    # a lone "Total" is the total, not the subtotal printed above it
    assert service.run(page, "What is the total?").output["fields"]["total"] == "$1,353.13"


def test_a_label_printed_twice_on_one_row_answers_from_the_left() -> None:
    # an e-invoice sets the buyer's and the seller's boxes side by side; the seller's line
    # printed 4 px higher is still the second printing of `名称`
    rows = [
        ("购买方信息", 51, 144, 122, 34),
        ("名称：", 56, 184, 60, 32),
        ("武汉启明文化传媒有限公司", 120, 184, 270, 32),
        ("销售方信息", 633, 139, 120, 35),
        ("名称:", 637, 180, 56, 32),
        ("上海百川信息技术有限公司", 700, 180, 271, 32),
    ]
    assert extract_fields(lines_doc(rows), ["名称"])["名称"].value == "武汉启明文化传媒有限公司"


# values that say a field's name, each right after its own label's colon (a review's cases)
NAMED_VALUES = [
    ("Shipping Method:", 80, 100, 150),
    ("Courier", 260, 100, 70),
    ("Document Type:", 80, 130, 140),
    ("Invoice", 260, 130, 70),
    ("Account Type:", 80, 160, 130),
    ("Customer", 260, 160, 80),
    ("Preferred Contact Method:", 80, 220, 230),
    ("Email", 330, 220, 50),
    ("Role:", 80, 250, 50),
    ("Buyer", 260, 250, 50),
]


def test_a_value_that_names_a_field_after_its_labels_colon() -> None:
    keys = ["Shipping Method", "Document Type", "Account Type", "Preferred Contact Method", "Role"]
    want = {k: v[0] for k, v in zip(keys, NAMED_VALUES[1::2], strict=True)}
    got = extract_fields(lines_doc(NAMED_VALUES), keys)
    assert {k: got[k].value for k in keys} == want
    for k in keys:  # asked alone too
        assert extract_fields(lines_doc(NAMED_VALUES), [k])[k].value == want[k]


# one key on a small page, each case a defect the reviews of the word matching found
Case = tuple[list[tuple[str, float, float, float]], str, str | None]
REVIEW_CASES: list[Case] = [
    # a generic word more than the printed label asks for its kind of value
    ([("Customer:", 80, 100, 90), ("Globex Corp", 200, 100, 110)], "customer number", None),
    ([("Tax:", 80, 100, 40), ("£20.00", 200, 100, 60)], "tax number", None),
    ([("Invoice:", 80, 100, 80), ("INV-00731", 200, 100, 100)], "invoice amount", None),
    ([("Account:", 80, 100, 80), ("4410-2291", 200, 100, 90)], "account number", "4410-2291"),
    # a synonym printed answers before a generic word less (`Date:`, not `Invoice:`)
    (
        [("Invoice:", 80, 100, 80), ("INV-00731", 200, 100, 100)]
        + [("Date:", 80, 130, 50), ("03/14/2024", 200, 130, 100)],
        "invoice date",
        "03/14/2024",
    ),
    # a count is not an identifier
    (
        [("Item No.:", 80, 100, 90), ("SKU-5521", 200, 100, 90)]
        + [("No. of Items:", 80, 130, 120), ("3", 220, 130, 10)],
        "number of items",
        "3",
    ),
    ([("Party:", 80, 100, 60), ("Northwind Logistics", 200, 100, 170)], "part number", None),
    # (the second review's)
    # a slashed key printed nowhere as such: its parts looked up, their values joined
    (
        [("Name:", 80, 100, 60), ("John Smith", 200, 100, 100)]
        + [("Phone:", 80, 130, 60), ("555-1212", 200, 130, 80)],
        "name/phone",
        "John Smith / 555-1212",
    ),
    # printed as asked: one label, one value
    ([("Town/City:", 80, 100, 100), ("Leeds", 220, 100, 60)], "Town/City", "Leeds"),
    (
        [("Supervisor/Manager:", 80, 100, 180), ("J. Wigand", 300, 100, 100)],
        "Supervisor/Manager",
        "J. Wigand",
    ),
    # the key's own printing, misread, before a synonym printed elsewhere
    (
        [("lnvoice Dale:", 80, 100, 120), ("03/04/2024", 220, 100, 100)]
        + [("Date:", 80, 130, 50), ("03/10/2024", 220, 130, 100)],
        "Invoice Date",
        "03/04/2024",
    ),
    # a generic word more: a bare figure is an amount, a word and a year a name
    ([("Deposit:", 80, 100, 70), ("500", 200, 100, 40)], "deposit amount", "500"),
    ([("Plan:", 80, 100, 50), ("Gold 2024", 200, 100, 90)], "plan name", "Gold 2024"),
    # an empty field's label with a colon: the next label on its row is still no value
    (
        [("First name:", 95, 195, 104), ("Last name", 616, 197, 101)]
        + [("BEATRIZ", 100, 234, 120), ("ACHTERBERG", 620, 237, 184)],
        "First name",
        "BEATRIZ",
    ),
]


@pytest.mark.parametrize(("rows", "key", "value"), REVIEW_CASES)
def test_word_matching_cases_from_the_reviews(
    rows: list[tuple[str, float, float, float]], key: str, value: str | None
) -> None:
    # generic words that must fit, a count not an identifier, no stemming of `Party`,
    # slashed keys, a misread printing of the key, a blank field's label with a colon
    assert extract_fields(lines_doc(rows), [key])[key].value == value


def test_a_negative_figure_in_brackets_keeps_its_sign() -> None:
    got = extract_fields(lines_doc([("Tax:", 80, 100, 40), ("($12.00)", 200, 100, 80)]), ["Tax"])
    assert got["Tax"].value == "($12.00)" and got["Tax"].normalized == "-12.00"


# a key that is the first word of a longer printed label (the earlier rules' fallback, where
# no label says the key itself)
LONGER: list[tuple[list[tuple[str, float, float, float]], str, str | None]] = [
    # generic words more: the key's own field, its value after them
    ([("Bank Name: First National Bank", 80, 100, 330)], "bank", "First National Bank"),
    ([("Account No: 1234 5678 90", 80, 100, 280)], "account", "1234 5678 90"),
    (
        [("Bank Name", 80, 100, 100), ("First National Bank", 300, 100, 200)],
        "bank",
        "First National Bank",
    ),
    ([("Account No 4410-2291", 80, 100, 220)], "account", "4410-2291"),  # colon lost
    ([("Room No. 12", 80, 100, 120)], "Room", "12"),
    # a longer label that holds the key: the value after the whole label, not its own words
    ([("Account Holder: Jane Roe", 80, 100, 250)], "account", "Jane Roe"),
    ([("Account Holder", 80, 100, 140), ("Jane Roe", 300, 100, 90)], "account", "Jane Roe"),
    # ... and after a label with generic words more, wherever each is printed
    (
        [("Account Holder: Jane Roe", 80, 100, 250), ("Account No: 4410-2291", 80, 140, 220)],
        "account",
        "4410-2291",
    ),
    (
        [("Project Title: Apollo", 80, 100, 200), ("Project: PX-7", 80, 140, 130)],
        "project",
        "PX-7",
    ),
    # the review's: a bare label with generic words more before one with other words more,
    # and before plain text after the key
    (
        [("Account No: 4410-2291", 80, 100, 220), ("Account Holder", 80, 140, 140)]
        + [("Jane Roe", 300, 140, 90)],
        "account",
        "4410-2291",
    ),
    (
        [("Bank Name: First National Bank", 80, 100, 330), ("Bank charges apply", 80, 300, 200)],
        "bank",
        "First National Bank",
    ),
    # a value run on after a label that lost its colon is still read, a generic word or a
    # bare `No` at its start too, and words before a second label stay the first one's
    ([("Remarks None given", 80, 100, 200)], "Remarks", "None given"),
    ([("Reason No show", 80, 100, 160)], "Reason", "No show"),
    ([("Notes Name withheld", 80, 100, 160)], "Notes", "Name withheld"),
    ([("Approved No", 80, 100, 120), ("Signed by J. Smith", 80, 125, 200)], "Approved", "No"),
    ([("Smoker No", 80, 100, 100), ("Weight 70 kg", 400, 100, 120)], "Smoker", "No"),
    ([("Color Red Size: M", 80, 100, 200)], "Color", "Red Size: M"),
]


@pytest.mark.parametrize(("rows", "key", "value"), LONGER)
def test_a_key_that_starts_a_longer_printed_label(
    rows: list[tuple[str, float, float, float]], key: str, value: str | None
) -> None:
    assert extract_fields(lines_doc(rows), [key])[key].value == value


def test_a_currency_code_before_an_amount_is_kept_as_printed() -> None:
    rows = [("Amount:", 80, 100, 80), ("GBP 4,250.00", 300, 100, 120)]
    rows += [("Fee:", 80, 140, 40), ("GBP 0.00", 300, 140, 80)]
    rows += [("Tax:", 80, 180, 40), ("(RM12.50)", 300, 180, 90)]
    got = extract_fields(lines_doc(rows), ["Amount", "Fee", "Tax"])
    assert got["Amount"].value == "GBP 4,250.00" and got["Amount"].normalized == "4250.00"
    assert got["Fee"].value == "GBP 0.00"
    assert got["Tax"].value == "(RM12.50)" and got["Tax"].normalized == "-12.50"
    # a word before the figure is no code, nor a code that is also an English word in capitals
    item = [("Subtotal", 80, 100, 80), ("Hair gel 12.50", 300, 100, 130)]
    assert extract_fields(lines_doc(item), ["Subtotal"])["Subtotal"].value == "12.50"
    item = [("Tax:", 80, 100, 40), ("TOP 5.00", 300, 100, 80)]
    assert extract_fields(lines_doc(item), ["Tax"])["Tax"].value == "5.00"


def test_dot_leaders_after_a_labels_colon_are_no_value() -> None:
    # `Monthly Rent: .` with its figure far along the row (a lease summary's lines as the
    # engine read them): the dots OCR read are no value
    rows = [
        ("RESIDENTIAL LEASE — SUMMARY OF KEY TERMS", 57, 51, 930, 35),
        ("Tenant:", 56, 150, 114, 32),
        ("Olumide & Grace Haverford", 949, 150, 394, 31),
        ("Landlord:", 56, 210, 143, 32),
        ("Pinecrest Residential Holdings", 912, 208, 430, 37),
        ("Premises:", 56, 270, 145, 33),
        ("Apt 5C, 77 Quarry Lane, Dunmore", 859, 271, 483, 34),
        ("Monthly Rent: .", 56, 330, 222, 33),
        ("$2,185.00", 1192, 329, 152, 35),
        ("Security Deposit: .", 57, 391, 259, 33),
        ("$3,277.50", 1192, 389, 152, 35),
        ("Lease Term: .", 56, 450, 190, 33),
        ("12 months from 01 Aug 2024", 924, 450, 421, 33),
    ]
    want = {"Monthly Rent": "$2,185.00", "Security Deposit": "$3,277.50"}
    assert {k: r.value for k, r in extract_fields(lines_doc(rows), list(want)).items()} == want
    for k, value in want.items():
        assert extract_fields(lines_doc(rows), [k])[k].value == value
    # underscores after a colon are a blank field, not a leader: no value from far away
    blank = [("Signature: ________________", 80, 700, 260)]
    blank += [("Thank you for your business", 80, 760, 260)]
    assert extract_fields(lines_doc(blank), ["Signature"])["Signature"].value is None


# a lab report's and a wage statement's labels with commas and `and` inside them
LISTED = [
    ("NORTHBRIDGE CLINICAL LABORATORIES", 60, 50, 500),
    ("Hemoglobin", 60, 400, 110),
    ("13.8", 690, 400, 50),
    ("Glucose, fasting", 60, 450, 160),
    ("104 H", 690, 450, 60),
    ("1 Wages, tips, other compensation", 60, 550, 330),
    ("58,210.44", 690, 550, 100),
    ("Name and Address:", 60, 600, 170),
    ("Marisol Reyes, 12 Alder Way", 260, 600, 260),
    ("Please give your name, address and phone below.", 60, 700, 460),
]


def test_a_label_with_commas_the_prompt_split_is_one_key_again() -> None:
    from promptocr.tasks.extract import rejoin_split_keys

    doc = lines_doc(LISTED)
    service = Service(vlm=None)
    got = service.run_on_document(doc, "Extract the Glucose, fasting and Hemoglobin as JSON")
    assert got.output["fields"] == {"Glucose, fasting": "104 H", "Hemoglobin": "13.8"}
    got = service.run_on_document(doc, "Extract Wages, tips, other compensation")
    assert got.output["fields"] == {"Wages, tips, other compensation": "58,210.44"}
    assert rejoin_split_keys(doc, ["Name", "Address"]) == ["Name and Address"]
    assert rejoin_split_keys(doc, ["glucose", "fasting"]) == ["glucose, fasting"]  # as asked
    # a heading over labels printed apart joins nothing: the keys the caller meant
    heading = lines_doc(
        [("Name and Address", 80, 100, 200), ("Name: John Smith", 80, 140, 250)]
        + [("Address: 12 Main St, Springfield", 80, 180, 350)]
    )
    got = service.run_on_document(heading, "Extract the name and address")
    assert got.output["fields"] == {"name": "John Smith", "address": "12 Main St, Springfield"}
    # nor a bracketed list, whose items are the caller's keys
    got = service.run_on_document(
        doc, "提取图片中的：['Glucose', 'fasting'] 的字段内容，并按照 JSON 格式返回。"
    )
    assert list(got.output["fields"]) == ["Glucose", "fasting"]
    # not where the words stand together only in a sentence, or where nothing prints them so
    assert rejoin_split_keys(doc, ["phone", "email"]) == ["phone", "email"]
    assert rejoin_split_keys(doc, ["Hemoglobin", "Glucose"]) == ["Hemoglobin", "Glucose"]
    assert rejoin_split_keys(doc, ["address", "phone"]) == ["address", "phone"]


# ---- short forms of the key printed (the fourth study: keys in a user's words) ----


@pytest.mark.parametrize(
    ("rows", "key", "value"),
    [
        (
            [("MRN: 00-482-7716", 600, 180, 200), ("Patient: Leo Ansah", 60, 180, 300)],
            "medical record number",
            "00-482-7716",
        ),
        (
            [("TIN: 318-402-775", 60, 225, 200), ("Taxpayer Name: Siobhan Marsh", 60, 180, 380)],
            "tax identification number",
            "318-402-775",
        ),
        (
            [("Note No: DN-118204", 600, 120, 220), ("Order Ref: SO-77391", 600, 165, 220)],
            "delivery note number",
            "DN-118204",
        ),
        (
            [("Member ID: IV-0093317", 57, 256, 300), ("Plan: Premium 12M", 57, 310, 250)],
            "membership number",
            "IV-0093317",
        ),
        (
            [
                ("车号", 53, 180, 70, 40),
                ("苏A·T8826", 482, 179, 163, 40),
                ("日期", 56, 292, 65, 40),
                ("2024-06-18", 491, 296, 153, 40),
            ],
            "车牌号",
            "苏A·T8826",
        ),
        (
            [("姓名：方志诚", 60, 130, 160), ("社会保障号码：440304198811052716", 560, 130, 400)],
            "社保号",
            "440304198811052716",
        ),
    ],
)
def test_a_short_form_of_the_key_printed(rows: list, key: str, value: str) -> None:
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is not None and got.value == value


@pytest.mark.parametrize(
    ("rows", "key"),
    [
        # a more general label is no short form: another field's (`Amount` for "tax amount")
        ([("Amount: 120.00", 60, 100, 200), ("Date: 2024-05-01", 60, 140, 200)], "tax amount"),
        # a form's question is no field's name to shorten
        (
            [("Budgeted:", 60, 100, 100), ("12,000", 200, 100, 80)],
            "This Change: (From Current Budget)",
        ),
        # initials that are not the key's
        ([("MRI: scheduled", 60, 100, 200)], "medical record number"),
    ],
)
def test_no_short_form(rows: list, key: str) -> None:
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is not None and got.value is None


INSURANCE = [
    ("机动车辆保险单", 300, 40, 200, 30),
    ("号牌号码", 60, 120, 80),
    ("苏A·T8826", 300, 120, 100),
    ("车辆品牌", 60, 160, 80),
    ("大众帕萨特", 300, 160, 100),
    ("车辆识别代号", 60, 200, 110),
    ("LSVAM4187C2184462", 300, 200, 200),
]


@pytest.mark.parametrize(
    ("rows", "key"),
    [
        # two letters are too often another field's initials
        (
            [("Description: Cordless Drill 18V", 60, 100, 300), ("PN: DR-4471", 60, 130, 150)],
            "product name",
        ),
        ([("Name: Leo Ansah", 60, 100, 200), ("CN: 12", 60, 130, 80)], "customer name"),
    ],
)
def test_no_short_form_of_another_field(rows: list, key: str) -> None:
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is None or got.value is None


def test_two_letters_do_not_hide_a_date_on_the_page() -> None:
    rows = [
        ("Patient: Leo Ansah", 60, 100, 200),
        ("ID: 4471-22", 60, 130, 120),
        ("Visit: 2024-03-01", 60, 160, 180),
    ]
    got = extract_fields(lines_doc(rows), ["issue date"])["issue date"]
    assert got is not None and got.value == "2024-03-01"


# Keys in the user's own words where the page prints neither the key, a synonym nor a short
# form of it (`fields.paraphrases`, found by study 5's own-words asks; docs/extract.md).
@pytest.mark.parametrize(
    ("key", "label", "same"),
    [
        ("balance owed", "Total Amount Due", True),  # owed ~ due, balance ~ total
        ("date of receipt", "Date Received", True),  # a noun and its verb
        ("renewal deadline", "Renew By", True),
        ("serial number", "S/N", True),  # initials
        ("transaction number", "Trans #", True),  # an abbreviation
        ("completion date", "Estimated Completion", True),  # a qualifier of when left out
        ("arrival date", "Date of Intended Arrival", True),
        ("start date", "Effective Date", True),
        ("customer name", "Client", True),
        ("驾驶证号", "证号", True),  # the key's end
        ("用户编号", "户号", True),
        ("合同号", "合同编号", True),  # 编号 = 号
        ("交货时间", "交货日期", True),  # 时间 = 日期
        ("total price", "Contract Price", False),  # another qualifier
        ("date of receipt", "Receipt No.", False),  # a date is no number
        ("due date", "Date", False),  # a more general label
        ("invoice number", "Invoice Date", False),
        ("policy number", "Policy Holder", False),
        ("Approved", "Approved No", False),  # the key itself, its value run into it
        ("体检时间", "预约时间", False),
        ("社会保障卡号", "社会保障卡号 N42011883", False),
        ("客票号", "电子客票号码", True),  # a qualifier before the key
        ("保单号码", "保险单号", True),  # one letter more inside
        ("发票号", "发票代码", False),
        ("signature", "Date Signed", False),  # `Signed` is no abbreviation of it
        ("policyholder", "Policy Number", False),  # nor `Policy`
        ("approximate amount", "Approx. Amount", True),  # a full stop marks one
        ("yearly pay", "Annual Base Salary", True),
        ("total weight", "Gross Weight", True),
        ("shipping amount", "Ship To", False),  # an address names no amount
        ("billing date", "Bill To", False),
    ],
)
def test_paraphrases(key: str, label: str, same: bool) -> None:
    assert paraphrases(key, label) is same


OWN_WORDS = [
    ("BRIGHTWAVE MOBILE - MONTHLY STATEMENT", 60, 40, 420),
    ("Account Holder: Talia Brennan", 60, 100, 300),
    ("Previous Charges: $54.20", 60, 130, 240),
    ("Total Amount Due", 60, 170, 170),
    ("$87.15", 420, 170, 70),
    ("Renew By: March 15, 2025", 60, 210, 250),
    ("S/N: K7TQ42ZP9", 60, 240, 160),
    ("Trans # 40917", 60, 270, 140),
    ("Odometer: 61,880 mi", 60, 300, 190),
    ("6. Date of Intended Arrival", 600, 100, 280),
    ("04/18/2025", 600, 132, 110),
]
OWN_WORDS_ZH = [
    ("机动车行驶证", 300, 40, 200, 30),
    ("号牌号码", 60, 100, 80),
    ("浙B·3Q7L1", 300, 100, 100),
    ("所有人", 60, 140, 60),
    ("宁波沐禾电子有限公司", 300, 140, 200),
    ("车辆识别代号", 60, 180, 110),
    ("LFV2A21K8N3051742", 300, 180, 200),
    ("证号 330203199104180025", 60, 220, 330),
    ("户号：5201187734", 60, 260, 200),
    ("交货日期：2025年01月10日", 60, 300, 260),
]


@pytest.mark.parametrize(
    ("rows", "key", "value"),
    [
        (OWN_WORDS, "balance owed", "$87.15"),
        (OWN_WORDS, "renewal deadline", "March 15, 2025"),
        (OWN_WORDS, "serial number", "K7TQ42ZP9"),
        (OWN_WORDS, "transaction number", "40917"),
        (OWN_WORDS, "mileage", "61,880 mi"),
        (OWN_WORDS, "arrival date", "04/18/2025"),
        (OWN_WORDS_ZH, "车牌号", "浙B·3Q7L1"),
        (OWN_WORDS_ZH, "车主", "宁波沐禾电子有限公司"),
        (OWN_WORDS_ZH, "车架号", "LFV2A21K8N3051742"),
        (OWN_WORDS_ZH, "驾驶证号", "330203199104180025"),
        (OWN_WORDS_ZH, "用户编号", "5201187734"),
        (OWN_WORDS_ZH, "交货时间", "2025年01月10日"),
    ],
)
def test_a_key_in_the_users_own_words(rows: list, key: str, value: str) -> None:
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is not None and got.value == value


@pytest.mark.parametrize(
    ("rows", "key"),
    [
        (OWN_WORDS, "fax number"),  # nothing on the page names it
        (OWN_WORDS, "completion date"),
        (
            [("Receipt No.: 20931", 60, 100, 200), ("Cashier: Mona", 60, 130, 150)],
            "date of receipt",
        ),
        (OWN_WORDS_ZH, "体检时间"),
    ],
)
def test_no_field_in_other_words(rows: list, key: str) -> None:
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is None or got.value is None


@pytest.mark.parametrize(
    ("key", "printed", "same"),
    [
        ("SSN", "Social Security No.", True),  # the key is the label's initials
        ("VIN", "Vehicle Identification Number", True),
        ("SSN", "Ship Date", False),
    ],
)
def test_initials_asked_for_a_label_spelled_out(key: str, printed: str, same: bool) -> None:
    rows = [
        ("EMPLOYEE'S WITHHOLDING CERTIFICATE", 60, 40, 360),
        (f"{printed}: 482-77-1093", 60, 100, 300),
    ]
    got = extract_fields(lines_doc(rows), [key])[key]
    assert (got is not None and got.value == "482-77-1093") is same


def test_a_relatives_field_is_not_the_holders() -> None:
    # `父亲姓名` holds the `name` concept's word; the page's own 姓名 is the holder's name
    rows = [
        ("常住人口登记卡", 300, 40, 200, 30),
        ("姓名：林语桐", 60, 100, 200),
        ("性别：女", 60, 130, 120),
    ]
    got = extract_fields(lines_doc(rows), ["父亲姓名"])["父亲姓名"]
    assert got is None or got.value is None
    assert extract_fields(lines_doc(rows), ["姓名"])["姓名"].value == "林语桐"
    # a party's field is read under its heading as before: its synonyms are still searched
    assert synonyms_for("乙方姓名", match_concept("乙方姓名"))
    assert not synonyms_for("配偶电话", match_concept("配偶电话"))


@pytest.mark.parametrize(
    ("rows", "key"),
    [
        # another kind of value in the label's place: the date of birth is no time of birth
        (
            [("DATE OF BIRTH: 3 February 2019", 60, 100, 320), ("SEX: F", 60, 130, 100)],
            "time of birth",
        ),
        # a date found by its look answers only the document's own date, not a date of birth
        (
            [
                ("APPLICATION FOR EMPLOYMENT", 60, 40, 300),
                ("Date Available: September 2, 2024", 60, 100, 340),
            ],
            "date of birth",
        ),
        # a phone found by its look is no piece of a longer code
        (
            [("结婚证", 300, 40, 100, 30), ("结婚证字号：J330106-2022-004518", 60, 100, 380)],
            "联系电话",
        ),
    ],
)
def test_no_value_of_another_kind_or_found_by_its_look(rows: list, key: str) -> None:
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is None or got.value is None


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("12/03/2024 14:05", "12/03/2024"),
        ("001-2018/02/22 13:34:27", "2018/02/22"),
    ],  # a code glued before
)
def test_the_documents_own_date_is_still_found_by_its_look(line: str, value: str) -> None:
    rows = [("CORNER HARDWARE", 60, 40, 200), (line, 60, 70, 220), ("TOTAL 15.90", 60, 120, 140)]
    assert extract_fields(lines_doc(rows), ["date"])["date"].value == value


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("房东", "深圳市华庭物业管理有限公司"),
        ("租客", "黎雨辰"),
        ("公里数", "12.6km"),
        ("车号", "粤B·D5K17"),
    ],
)
def test_lease_and_taxi_words(key: str, value: str) -> None:
    rows = [
        ("出租人：深圳市华庭物业管理有限公司", 60, 100, 380),
        ("承租人：黎雨辰", 60, 130, 200),
        ("里程：12.6km", 60, 160, 160),
        ("号牌号码：粤B·D5K17", 60, 190, 240),
    ]
    got = extract_fields(lines_doc(rows), [key])[key]
    assert got is not None and got.value == value
