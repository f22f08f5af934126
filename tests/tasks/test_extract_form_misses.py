"""Requested fields on forms: the linker's misses classified on the read half of FUNSD dev
(docs/extract.md, "FUNSD dev: the misses of the read half"), each drawn here on an invented
form — as OCR-like lines for the layouts that depend on how OCR cut the lines, and one page
rendered with real fonts and read end to end through the real OCR models. Every case failed
before the change it names."""

from __future__ import annotations

import json

import pytest
from task_synth import LineRow, lines_doc, png

from promptocr.document.model import Block, Document, Line, Page
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.pipeline import OCRPipeline
from promptocr.synth import Canvas
from promptocr.tasks import Service
from promptocr.tasks.extract import extract_fields

Row = LineRow  # text, x, y, width (and height, else the page's `h`)
_doc = lines_doc


def _json(rows: list[Row], keys: list[str], h: float = 20.0) -> dict[str, dict[str, object]]:
    """The fields' details as the service returns them (through JSON)."""
    got = extract_fields(_doc(rows, h), keys)
    return json.loads(json.dumps({k: r.to_dict() for k, r in got.items()}))


# the rest of a one-page letterhead form (sets the page's line height)
LETTER: list[Row] = [
    ("Contract Research Services", 480, 136, 200),
    ("Our ref.:", 96, 309, 60),
    ("Dr. Anna Weller", 265, 309, 140),
    ("To:", 95, 358, 30),
    ("Mr. Paul Grant,", 265, 356, 120),
    ("Dept. Product Safety", 266, 373, 160),
    ("Pages:", 98, 562, 60),
    ("12", 367, 559, 20),
    ("Re.:", 103, 627, 30),
    ("Ratio of tar to nicotine", 139, 627, 140),
    ("For your information!", 98, 669, 160),
]


def test_a_value_after_another_labels_colon_is_not_grown_into() -> None:
    # a footer of small print, two lines set so tight that their boxes overlap: the upper run
    # is the value of `Registry:`, not the first line of the director's name under it
    rows = LETTER + [
        ("Registry:", 494, 936, 58, 12),
        ("Berlin HRB 512", 556, 936, 64, 12),
        ("Managing Director:", 494, 944, 70, 15),
        ("Dr. Ilse Hartmann", 564, 944, 80, 15),
    ]
    got = _json(rows, ["Registry", "Managing Director"])
    assert got["Managing Director"]["value"] == "Dr. Ilse Hartmann"
    assert got["Registry"]["value"] == "Berlin HRB 512"


def test_a_value_begins_on_its_labels_own_row() -> None:
    # `CITATION:` with its reference run on after the colon and wrapped back under the label.
    # On a real form the model linked the wrapped line best (p 0.94 against 0.90 for the run
    # after the colon); whichever line it chooses, the value starts on the label's row
    from promptocr.tasks.extract.features import PageGeometry
    from promptocr.tasks.extract.linked import PageFacts, _norm, _own_row_start, page_units

    rows: list[Row] = [
        ("Trial No.:", 80, 560, 110, 16),
        ("17", 240, 560, 20, 18),
        ("CITATION:", 81, 649, 125, 15),
        ("Harlow, M. and Petrie, D., Annals of Applied Zoology", 225, 638, 479, 21),
        ("vol. 12, pp. 33-41, 1951.", 89, 669, 276, 22),
        ("LIMITS (95%):", 82, 709, 128, 15),
        ("2.5 (2.1 to 2.9)", 235, 701, 188, 21),
    ]
    units = page_units(_doc(rows).pages[0])
    geom = PageGeometry(units)
    facts = PageFacts(geom, [_norm(u.text) for u in units], 0.0)
    label, run, wrapped = 2, 3, 4
    assert _own_row_start(geom, wrapped, label, set(), 0.0, facts) == [run]
    # not another label's run, nor when the run is taken, nor under a label without a colon
    assert _own_row_start(geom, wrapped, label, {run}, 0.0, facts) == []
    assert _own_row_start(geom, 6, 5, set(), 0.0, facts) == []
    got = _json(rows, ["CITATION"])
    # the run on the label's row only: the line wrapped back under the label (`vol. 12, pp.
    # 33-41, 1951.`) is missing — a wrap to the margin from a value OCR read apart from its
    # label is not followed (docs/extract.md, round funsd; the code before returned the same)
    assert got["CITATION"]["value"] == "Harlow, M. and Petrie, D., Annals of Applied Zoology"


PARAGRAPH = [
    "Read by a panel of thirty",
    "tasters over two weeks. Sub-",
    "totals vary widely because",
    "of the small panel and need",
    "averaging across rounds",
    "before they mean much in",
    "any single round of the",
    "study.",
]


def test_a_paragraph_in_a_table_column_is_read_from_its_first_line() -> None:
    # a table whose last column, `NOTES`, holds a paragraph beside the rows of figures, its
    # lines set so tight that their boxes overlap: the model links a line in the middle best
    rows: list[Row] = [
        ("SCORE", 178, 389, 51),
        ("BASE", 246, 389, 40),
        ("SCORE", 336, 392, 47),
        ("BASE", 399, 391, 41),
        ("NOTES", 543, 376, 72, 17),
        ("ALL:", 37, 453, 74),
        ("1.0", 188, 455, 37),
        ("(97)", 244, 454, 44),
        ("31", 344, 455, 35),
        ("(167)", 399, 453, 43),
        ("GENDER:", 40, 509, 37),
        ("Men", 40, 524, 38, 16),
        ("2.0", 193, 524, 33),
        ("(51)", 258, 524, 28),
        ("31", 350, 522, 22),
        ("(83)", 400, 519, 44),
        ("Women", 40, 537, 55, 17),
        ("0.0", 192, 538, 36),
        ("46", 258, 537, 29),
        ("31", 342, 538, 40),
        ("(84)", 401, 536, 43),
    ]
    ys = [453, 469, 482, 495, 509, 524, 536, 553]
    rows += [(t, 470, y, 215) for t, y in zip(PARAGRAPH, ys, strict=True)]
    got = _json(rows, ["NOTES"])
    assert got["NOTES"]["value"] == " ".join(PARAGRAPH)


def test_a_label_run_into_its_entry_over_a_fill_in_underscore() -> None:
    # OCR reads `Date____March 18, 1968` as one run: the label, its fill-in rule and the entry
    rows = [
        ("Review Form", 90, 60, 160),
        ("Registration No. 533", 90, 160, 150),
        ("Date_April 2, 1971", 500, 160, 150),
        ("TITLE", 90, 220, 50),
        ("Soil acidity and the yield of barley", 210, 220, 400),
        ("COMPLETED", 90, 300, 160),
        ("4/19/71", 270, 296, 70),
    ]
    got = _json(rows, ["Date"])
    assert got["Date"]["value"] == "April 2, 1971"
    assert got["Date"]["normalized"] == "1971-04-02"


def test_another_column_header_on_the_keys_row_is_not_its_value() -> None:
    # three column headers (fewer than a header row needs), each over a cell of the next row
    rows = [
        ("Project No", 36, 131, 82),
        ("P0104 Rev 3", 135, 131, 107),
        ("Item Description", 85, 312, 124),
        ("Cost Centre", 393, 312, 100),
        ("Amount", 582, 312, 60),
        ("Brochures", 157, 341, 55),
        ("MKT-PRN-204", 348, 340, 103),
        ("12,500.00", 574, 340, 63),
        ("Approved By:", 249, 825, 86),
    ]
    got = _json(rows, ["Item Description"])
    assert got["Item Description"]["value"] == "Brochures"


def test_a_figure_does_not_grow_up_into_another_fields_figure() -> None:
    # two labels over each other, each with its figure printed a little lower and right: the
    # lower label's figure does not take the upper one's as its first line
    rows = [
        ("CHEMICALS", 113, 500, 150),
        ("1996 ANNUAL USE (KG):", 113, 552, 148),
        ("51360", 294, 568, 38),
        ("1996 AVG. MONTHLY USE (KG)", 112, 589, 184),
        ("4280", 305, 593, 33),
        ("PURPOSE (Describe):", 112, 640, 200),
    ]
    got = _json(rows, ["1996 ANNUAL USE (KG):", "1996 AVG. MONTHLY USE (KG)"])
    assert got["1996 ANNUAL USE (KG):"]["value"] == "51360"
    assert got["1996 AVG. MONTHLY USE (KG)"]["value"] == "4280"


def test_a_key_printed_inside_another_fields_line_is_cut_out() -> None:
    # OCR read two fields of one row as one line; the first label runs into its figures
    # (`STREET42 …`), the second stands in the middle; both labels are printed again, empty,
    # further down (a second section of the form)
    rows = [
        ("STREET42 Elm Road Unit 7 TOWN, COUNTY, POSTCODE Exeter, Devon EX4 4QJ", 11, 190, 610),
        ("Position", 346, 448, 47),
        ("Head of Surveys", 400, 448, 140),
        ("STREET.", 10, 282, 61),
        ("TOWN, COUNTY, POSTCODE.", 323, 283, 150),
        ("TELEPHONE:", 445, 225, 81),
    ]
    got = _json(rows, ["STREET", "TOWN COUNTY, POSTCODE"])
    assert got["STREET"]["value"] == "42 Elm Road Unit 7"
    assert got["TOWN COUNTY, POSTCODE"]["value"] == "Exeter, Devon EX4 4QJ"
    # the label itself stands at its place in the line
    box = got["TOWN COUNTY, POSTCODE"]["bbox"]
    assert isinstance(box, list) and box[0] > 400


def test_a_key_inside_a_line_of_options_and_a_short_entry_that_does_not_wrap() -> None:
    rows = [
        ("RESULT:", 395, 306, 144),
        ("XACCEPT AS IS", 552, 306, 136),
        ("NOT ACCEPTED; REJECTED (Give reasons below):; —ACCEPT WITH CHANGES,", 93, 336, 596),
        ("NAME_Hilda B. Orr", 12, 165, 180),
        ("UNIT", 369, 166, 50),
        ("ROOM2204 West Wing Annex Level 3 BUILDING. BLOCK. Laboratory D", 11, 190, 610),
    ]
    got = _json(rows, ["(Give reasons below):", "NAME"])
    assert got["(Give reasons below):"]["value"] == "ACCEPT WITH CHANGES,"
    # the entry on NAME's fill-in line ends short of the long line under it: no wrap
    assert got["NAME"]["value"] == "Hilda B. Orr"


def test_a_signed_figure_run_on_to_its_label_is_one_line() -> None:
    # `Net Change-2,040.00` read as one run: the minus belongs to the figure, and the figure
    # does not take the note printed under it
    rows = [
        ("Change:", 324, 483, 92),
        ("+2,040.00", 544, 482, 96),
        ("(From Current Budget)", 324, 498, 159),
        ("Net Change-2,040.00", 324, 528, 192),
        ("(From Next Year's Budget)", 324, 542, 191),
        ("Balance:", 324, 586, 92),
        ("(310,420.25)", 538, 586, 108),
    ]
    got = _json(rows, ["Net Change"])
    assert got["Net Change"]["value"] == "-2,040.00"


def test_a_figure_run_into_the_key_printed_after_it() -> None:
    # `… 4/12Closing Position:` — the key runs straight on from the figures before it
    rows = [
        ("Budget Line", 80, 560, 120),
        ("88-201 (12,400)", 32, 587, 138),
        ("2/14 3/22 4/12Closing Position:", 168, 586, 270),
        ("(96,310.75)", 538, 586, 108),
        ("Committed:", 324, 647, 137),
        ("1,200,118.40", 524, 646, 116),
    ]
    got = _json(rows, ["Closing Position:"])
    assert got["Closing Position:"]["value"] == "(96,310.75)"


SPRAY = [
    "Dissolve 20 g of the salt in one litre",
    "of warm water and stir it for an hour;",
    "leave it to stand, then filter twice",
    "1.5% add-on (1.4% retained) by weight",
    "assuming an even spray over the leaf.",
    "Store the batch cold until it is used",
    "and record the weight after drying.",
]


def test_a_line_inside_a_paragraph_is_not_the_value_of_a_label_far_left_on_its_row() -> None:
    # a paragraph answering `Special Instructions` above it; `Analysis` far left, level with
    # one of its middle lines, has its own answer under it
    rows: list[Row] = [
        ("Special Instructions", 385, 634, 192),
        ("Lab", 34, 669, 102),
        ("3 cartons", 147, 668, 93),
        ("Other", 35, 685, 52, 16),
        ("20,000 units", 152, 683, 123, 18),
        ("Analysis", 7, 727, 181, 22),
        ("Smoke Yield", 188, 744, 134, 17),
        ("Salt Content", 189, 760, 115, 21),
        ("Reports", 7, 792, 72, 19),
    ]
    ys = [666, 683, 698, 713, 729, 744, 759]
    rows += [(t, 385, y, 340, 22) for t, y in zip(SPRAY, ys, strict=True)]
    got = _json(rows, ["Special Instructions", "Analysis"])
    assert got["Special Instructions"]["value"] == " ".join(SPRAY)
    assert got["Analysis"]["value"] == "Smoke Yield Salt Content"


def test_a_key_is_not_cut_out_of_a_label_or_a_value_of_its_own() -> None:
    from promptocr.tasks.extract.features import Unit
    from promptocr.tasks.extract.linked import page_units, split_at_keys

    doc = _doc(
        [
            ("FAX NUMBER: 1-502-555-0192", 10, 10, 240),
            ("Rod Length", 10, 40, 90),
            ("Length 85 mm", 10, 70, 110),
            # the tail of a longer label without a colon; a word inside running text
            ("Start Date Test Article Sent By", 10, 100, 260),
            ("the smoke of each sample was weighed twice", 10, 130, 330),
            # the key printed whole is its own label, even with another key inside it
            ("Vendor Start Date", 10, 160, 140),
        ]
    )
    units = page_units(doc.pages[0])
    cut = split_at_keys(units, ["NUMBER:", "Length", "Sent By", "smoke", "Vendor Start Date"])
    assert [u.text for u in cut] == [u.text for u in units]
    assert all(isinstance(u, Unit) for u in cut)


@pytest.fixture(scope="module")
def service(engine: EmbeddedEngine) -> Service:
    return Service(OCRPipeline(engine))


def test_a_rendered_form_read_end_to_end(service: Service) -> None:
    """Three of the layouts above drawn with real fonts and read by the real OCR models: a
    column header beside another header over one row of cells, a key printed in the middle of
    another field's line, and a paragraph in a table column."""
    c = Canvas(1000, 760)
    c.text((40, 30), "PRODUCTION REQUEST", size=30)
    c.text((40, 110), "Item Description", size=24)
    c.text((420, 110), "Cost Centre", size=24)
    c.text((760, 110), "Amount", size=24)
    c.text((120, 160), "Brochures", size=24)
    c.text((420, 160), "MKT-PRN-204", size=24)
    c.text((760, 160), "12,500.00", size=24)
    c.text((40, 260), "Street 42 Elm Road Unit 7   POST CODE EX4 4QJ", size=24)
    c.text((40, 360), "SCORE", size=24)
    c.text((200, 360), "BASE", size=24)
    c.text((560, 360), "NOTES", size=24)
    c.text((40, 420), "ALL:", size=24)
    c.text((200, 420), "1.0 (97)", size=24)
    for i, line in enumerate(PARAGRAPH):
        c.text((520, 420 + 30 * i), line, size=24)
    keys = ["Item Description", "POST CODE", "NOTES"]
    prompt = (
        f"Extract the content of the fields: {json.dumps(keys)} from the image and return it"
        " in JSON format."
    )
    r = service.run(png(c), prompt)
    fields = json.loads(r.content)
    assert fields["Item Description"] == "Brochures"
    assert fields["POST CODE"] == "EX4 4QJ"
    assert fields["NOTES"] == " ".join(PARAGRAPH)
    assert r.output["details"]["POST CODE"]["confidence"] > 0.05


# ---- the review of round funsd: each rule above misfired on a form nobody tuned it on ----

# the rest of a page: a heading and a reference line (sets the page's line height)
BASE: list[Row] = [
    ("Contract Research Services", 480, 36, 200),
    ("Our ref.:", 96, 80, 60),
    ("Dr. Anna Weller", 265, 80, 140),
]


def test_a_value_in_a_grid_of_labels_is_not_taken_for_a_paragraphs_middle_line() -> None:
    # values set tight in a column far right of their labels: each row has its own label,
    # so the middle value is no line inside a paragraph (nor is a column of amounts)
    grid = BASE + [
        ("Company Name", 60, 200, 110),
        ("Philip Morris Incorporated", 300, 200, 220),
        ("Street Address", 60, 224, 110),
        ("120 Park Avenue, New York", 300, 224, 220),
        ("Contact Person", 60, 248, 110),
        ("Dr. Anna Weller, Director", 300, 248, 220),
    ]
    got = _json(grid, ["Street Address"])
    assert got["Street Address"]["value"] == "120 Park Avenue, New York"
    cjk: list[Row] = [
        ("员工信息登记表", 300, 60, 200, 24),
        ("单位名称", 60, 200, 80),
        ("北京星辰科技有限公司", 300, 200, 200),
        ("通讯地址", 60, 224, 80),
        ("北京市海淀区中关村大街一号", 300, 224, 260),
        ("开户银行", 60, 248, 80),
        ("中国银行北京分行营业部", 300, 248, 220),
    ]
    got = _json(cjk, ["单位名称", "通讯地址", "开户银行"])
    assert got["通讯地址"]["value"] == "北京市海淀区中关村大街一号"
    receipt: list[Row] = [
        ("KEDAI RUNCIT MAJU", 300, 40, 250, 28),
        ("TOTAL:", 100, 600, 80, 28),
        ("RM340,240.42", 600, 600, 170, 28),
        ("CASH:", 100, 632, 70, 28),
        ("RM688,586.80", 600, 632, 170, 28),
        ("CHANGE:", 100, 664, 90, 28),
        ("RM348,346.38", 600, 664, 170, 28),
    ]
    got = _json(receipt, ["CASH"])
    assert got["CASH"]["value"] == "RM688,586.80"


def test_a_key_inside_running_text_or_a_heading_is_not_cut_out() -> None:
    from promptocr.tasks.extract.linked import page_units, split_at_keys

    heading = BASE + [
        ("1996 Marketing Budget by Quarter", 300, 140, 300, 26),
        ("Q1", 100, 200, 30),
        ("Q2", 300, 200, 30),
        ("Jan 12,000", 100, 225, 100),
        ("Apr 14,500", 300, 225, 100),
        ("Marketing Budget:", 100, 400, 150),
        ("$45,000", 280, 400, 80),
    ]
    got = _json(heading, ["Marketing Budget"])
    assert got["Marketing Budget"]["value"] == "$45,000"
    note = BASE + [
        ("Note:", 60, 200, 50),
        ("Invoice 4471 Due Date extended by two weeks", 160, 200, 400),
        ("Due Date:", 60, 260, 80),
        ("5/1/95", 200, 260, 60),
    ]
    got = _json(note, ["Note", "Due Date"])
    assert got["Note"]["value"] == "Invoice 4471 Due Date extended by two weeks"
    assert got["Due Date"]["value"] == "5/1/95"
    ship = BASE + [
        ("Ship To:", 60, 200, 70),
        ("Dock 4 Main Street Warehouse", 160, 200, 260),
        ("Main Street", 60, 260, 90),
        ("Building C", 200, 260, 90),
    ]
    got = _json(ship, ["Ship To", "Main Street"])
    assert got["Ship To"]["value"] == "Dock 4 Main Street Warehouse"
    assert got["Main Street"]["value"] == "Building C"
    remark = "Please return the signed form with the Reference: number shown"
    sentence = BASE + [
        ("Remarks:", 60, 200, 70),
        (remark, 160, 200, 560),
        ("Reference", 60, 300, 80),
        ("RX-2231", 200, 300, 80),
    ]
    got = _json(sentence, ["Remarks", "Reference"])
    assert got["Remarks"]["value"] == remark
    assert got["Reference"]["value"] == "RX-2231"
    units = page_units(_doc(sentence).pages[0])
    assert [u.text for u in split_at_keys(units, ["Reference"])] == [u.text for u in units]


def test_a_printing_cut_out_of_a_heading_ranks_below_the_printed_label() -> None:
    # a heading in capitals holds the key after figures (cut out as a printing of its own);
    # the label printed whole, with its figure beside it, is the one read
    rows = BASE + [
        ("1996 MARKETING BUDGET Q1 REVIEW", 300, 140, 300, 26),
        ("Q1 total 12,000", 300, 200, 150),
        ("MARKETING BUDGET:", 100, 400, 150),
        ("$45,000", 280, 400, 80),
    ]
    got = _json(rows, ["MARKETING BUDGET"])
    assert got["MARKETING BUDGET"]["value"] == "$45,000"


def test_the_tail_of_a_longer_label_is_not_cut_off_as_the_key() -> None:
    # `Signature` ends the label `4. Supervisor Signature:`: cutting it left `4. Supervisor`
    # as a value candidate, which the empty `Employee Name:` above took
    rows = BASE + [
        ("3. Employee Name:", 100, 200, 150),
        ("4. Supervisor Signature:", 100, 260, 200),
        ("5. Date Signed:", 100, 320, 130),
        ("6/12/95", 260, 320, 70),
    ]
    got = _json(rows, ["Employee Name", "Signature"])
    assert got["Employee Name"]["value"] is None
    assert got["Signature"]["value"] is None


def test_a_symbol_in_a_label_makes_another_field() -> None:
    # `Nicotine %` is not `Nicotine` printed with other punctuation
    rows = BASE + [
        ("Nicotine %:", 60, 200, 100),
        ("1.2", 200, 200, 40),
        ("Nicotine:", 60, 240, 80),
        ("0.9 mg", 200, 240, 60),
    ]
    assert _json(rows, ["Nicotine"])["Nicotine"]["value"] == "0.9 mg"
    both = _json(rows, ["Nicotine", "Nicotine %"])
    assert both["Nicotine"]["value"] == "0.9 mg"
    assert both["Nicotine %"]["value"] == "1.2"


def test_a_long_number_wrapped_onto_a_second_line_is_whole() -> None:
    for first, second, w1, w2 in (
        ("1234 5678 9012", "3456 7890", 140, 90),
        ("DE89 3704 0044 0532", "0130 00", 170, 70),
    ):
        rows = BASE + [
            ("Account No.:", 60, 200, 100),
            (first, 200, 200, w1),
            (second, 200, 220, w2),
        ]
        got = _json(rows, ["Account No."])
        assert got["Account No."]["value"] == f"{first} {second}"


def test_ragged_right_text_wraps_back_to_the_labels_margin() -> None:
    # the second line is longer only because its first word did not fit on the first
    remarks = (
        "The samples were stored at room temperature and",
        "subsequently analysed by the central laboratory in Hamburg.",
    )
    rows = BASE + [
        ("REMARKS: " + remarks[0], 60, 200, 560),
        (remarks[1], 60, 220, 640),
        ("DATE:", 60, 280, 50),
        ("6/12/95", 200, 280, 70),
    ]
    assert _json(rows, ["REMARKS"])["REMARKS"]["value"] == " ".join(remarks)
    ref = (
        "Litchfield, J. T. and Wilcoxon, F., J.",
        "Pharmacological and Experimental Therapeutics, 96:99, 1949.",
    )
    rows = BASE + [
        ("REFERENCE: " + ref[0], 60, 200, 480),
        (ref[1], 60, 220, 600),
        ("DATE:", 60, 280, 50),
        ("6/12/95", 200, 280, 70),
    ]
    assert _json(rows, ["REFERENCE"])["REFERENCE"]["value"] == " ".join(ref)


def test_a_hyphen_between_a_label_and_a_code_is_no_minus() -> None:
    rows = BASE + [
        ("Account-12345678", 100, 200, 150),
        ("Batch-2231-B", 100, 240, 150),
        ("Reference-4471/95", 100, 280, 150),
        ("Net Change-2,040.00", 100, 320, 190),
        ("This Amount -14,165.00", 100, 360, 220),
        ("Balance Due - 310.25", 100, 400, 200),
        ("Credit -12.00 EUR", 100, 440, 170),
    ]
    keys = ["Account", "Batch", "Reference", "Net Change", "This Amount", "Balance Due", "Credit"]
    got = _json(rows, keys)
    assert got["Account"]["value"] == "12345678"
    assert got["Batch"]["value"] == "2231-B"
    assert got["Reference"]["value"] == "4471/95"
    assert got["Net Change"]["value"] == "-2,040.00"  # an amount keeps its sign
    # also with a space between the label and the signed figure (a wide gap read as a space)
    assert got["This Amount"]["value"] == "-14,165.00"
    assert got["Balance Due"]["value"] == "310.25"  # a dash set apart is a separator
    assert got["Credit"]["value"] == "-12.00 EUR"  # an amount with its currency keeps its sign


def test_a_paragraph_the_model_links_weakly_is_not_climbed() -> None:
    # a generated letter (synthdocs seed 2718, page 175): a long label whose answer stands far
    # right on its row, over a paragraph of body text. The model links a middle line of the
    # paragraph weakly (p about 0.1), and that line is chosen (a miss of its own, as before round
    # funsd); `_paragraph_up` climbs only from a line linked with confidence (p >= 0.5), so
    # the answer does not take in the paragraph's first lines as well
    key = "Time Data Marital Status Invoice No. Please Research Nationality Mecting:"
    body = [
        "Smoke cost filter review for schedule sample market tobacco plan promotion project",
        "Area project group attached approved study attached project information and summary",
        "Results service of cost media in special store study attached regional special copy",
        "Budget company sa1es following sample tached to meeting original anlysis with",
        "Smoke following service of plan regional quality report area analysis for schedule",
        "Total special in special to results results tobacco quality results sample test method",
        "Report results promotion office return test control tobacco plan new control meeting",
        "Copy smoke group promotion return service sample office group control annual retail",
    ]
    tops = [410, 439, 466, 494, 525, 552, 580, 611]
    rights = [1130, 1416, 1323, 1113, 1448, 1472, 1154, 1336]
    boxes = [
        ("RESULTS", 244, 245, 357, 275),
        ("Research results", 244, 299, 421, 318),
        ("¥800483.46", 443, 301, 559, 317),
        (key, 241, 349, 1035, 372),
        ("(288) 336-1235", 1473, 347, 1627, 365),
        *((t, 244, y, r, y + 22) for t, y, r in zip(body, tops, rights, strict=True)),
        ("Yours truly,", 242, 662, 375, 685),
        ("Mark Tanaka", 243, 706, 363, 730),
    ]
    lines = [
        Line(t, 0.99, ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), []) for t, x0, y0, x1, y1 in boxes
    ]
    doc = Document(pages=[Page(index=0, width=2383, height=1975, blocks=[Block(lines)])])
    value = extract_fields(doc, [key])[key].value
    assert isinstance(value, str) and value
    assert not value.startswith(body[0])
