"""Receipts without printed labels (issue 16 item 3): the line-role model on rows written
here (no OCR: names and places are invented), the name's cleaning, and the total and date
finders on receipt layouts that earlier versions got wrong."""

from __future__ import annotations

import pytest

from promptocr.document.model import Block, Document, Line, Page, polygon_of
from promptocr.tasks import doctypes
from promptocr.tasks.extract import extract_fields, roles


def _rows(rows: list[tuple[str, float, float, float]], width: float = 640) -> list[Line]:
    """Lines from (text, x0, y0, height); the width follows the text's length."""
    out = []
    for text, x0, y0, h in rows:
        w = min(0.56 * h * len(text), width - x0 - 4)
        out.append(Line(text=text, polygon=polygon_of((x0, y0, x0 + w, y0 + h)), confidence=0.99))
    return out


def _doc(lines: list[Line], width: int = 640) -> Document:
    height = int(max(ln.bbox[3] for ln in lines) + 40)
    return Document(pages=[Page(index=0, width=width, height=height, blocks=[Block(lines=lines)])])


def _roles(lines: list[Line]) -> tuple[list[str], list[str]]:
    units, texts, boxes, pieces = roles.line_units([[ln] for ln in lines])
    company, address, _ = roles.receipt_rows(texts, boxes, pieces)
    return [texts[i] for i in company], [texts[i] for i in address]


TAIL = [
    ("TAX INVOICE", 250, 0, 24),
    ("INV NO: 30117", 40, 0, 22),
    ("DATE: 12/04/2019 10:22", 40, 0, 22),
    ("2 KOPI O                    3.00", 40, 0, 22),
    ("1 ROTI BAKAR                2.20", 40, 0, 22),
    ("TOTAL                       5.20", 40, 0, 24),
    ("THANK YOU", 260, 0, 22),
]


def _receipt(head: list[tuple[str, float, float]]) -> list[Line]:
    """A receipt: the header rows given as (text, x0, height), then a common body."""
    rows, y = [], 30.0
    for text, x0, h in [*head, *[(t, x, h) for t, x, _, h in TAIL]]:
        rows.append((text, x0, y, h))
        y += h * 1.45
    return _rows(rows)


def test_a_name_wrapped_over_two_large_lines_is_taken_whole() -> None:
    lines = _receipt(
        [
            ("MERIDAN BOOK", 170, 44),
            ("CO. (M) SDN BHD", 150, 46),
            ("(CO. NO. 412093-T)", 200, 24),
            ("(GST REG NO. 002277104128)", 150, 24),
            ("NO 14, JALAN 5/27C, DESA KORAMAS", 90, 24),
            ("58100 KUALA TEMBOK, MALAYSIA", 110, 24),
            ("TEL: 03-2211 4456", 210, 24),
        ]
    )
    company, address = _roles(lines)
    assert company == ["MERIDAN BOOK", "CO. (M) SDN BHD"]
    assert address == ["NO 14, JALAN 5/27C, DESA KORAMAS", "58100 KUALA TEMBOK, MALAYSIA"]
    f = extract_fields(_doc(lines), ["company", "address"])
    assert f["company"].value == "MERIDAN BOOK CO. (M) SDN BHD"


def _one_word_name(second: str) -> list[Line]:
    return _receipt(
        [
            ("KORVELA", 220, 40),
            ("<583116-K>", 240, 26),
            ("31 LRG INDUSTRI 7", 190, 26),
            (second, 150, 26),
            ("TEL:03-61172203", 200, 26),
        ]
    )


def test_a_one_word_name_above_its_registration_number() -> None:
    company, address = _roles(_one_word_name("68000 BERANAK, S.TIMUR"))
    assert company == ["KORVELA"]
    assert address == ["31 LRG INDUSTRI 7", "68000 BERANAK, S.TIMUR"]


def test_an_industrial_park_row_without_postcode_ends_the_address() -> None:
    # generator v6 ends some addresses without a postcode (a park, an area, a town)
    _, address = _roles(_one_word_name("BERANAK IND.PARK S.TIMUR"))
    assert address == ["31 LRG INDUSTRI 7", "BERANAK IND.PARK S.TIMUR"]


def test_the_name_drops_an_aside_in_brackets_but_keeps_markers() -> None:
    clean = doctypes._clean_company
    assert clean("QUEEN'S PASTRY S/B 283601-U (QPS)") == "QUEEN'S PASTRY S/B"
    assert clean("(TOLAMI SHOP (58210))") == ""
    assert clean("HARVIN (SP) SDN. BHD.") == "HARVIN (SP) SDN. BHD."
    assert clean("TELOR BAKERIES (KL) SDN BHD (239411 X)") == "TELOR BAKERIES (KL) SDN BHD"
    assert clean("RANO CO. (M) BHD. (226926-H)") == "RANO CO. (M) BHD."
    # a country, a branch or an unclosed bracket is part of what is printed as the name
    assert clean("ACME TRADING (USA)") == "ACME TRADING (USA)"
    assert clean("可口可乐（中国）饮料") == "可口可乐（中国）饮料"
    assert clean("可口可乐（中国）") == "可口可乐（中国）"
    assert clean("TESCO [EXPRESS") == "TESCO [EXPRESS"


def _body(rows: list[tuple[str, float]]) -> Document:
    lines = [("KEDAI MAKAN SERI KORA", 200, 30.0, 28), ("12 JALAN BATU 4", 220, 72.0, 22)]
    y = 120.0
    out = list(lines)
    for text, x in rows:
        out.append((text, x, y, 22))
        y += 30
    return _doc(_rows(out))


def test_total_when_only_the_cash_paid_is_printed() -> None:
    # no TOTAL line, no change given: the cash paid is the total, even printed on the row
    # under its label and with a space after the decimal point as OCR reads it
    doc = _body([("DPT.05", 40), ("RM 149.00", 300), ("DPT.04", 40), ("RM 21.00", 300)])
    doc.pages[0].blocks[0].lines += _rows([("CASH", 40, 270, 22), ("RM 170. 00", 300, 300, 22)])
    f = extract_fields(doc, ["company", "total"])
    assert f["total"].normalized == "170.00"
    # with change given back, the cash line is not the total
    doc.pages[0].blocks[0].lines += _rows([("CHANGE", 40, 330, 22), ("RM 0.00", 300, 330, 22)])
    assert extract_fields(doc, ["company", "total"])["total"].normalized == "149.00"


def test_tax_summary_total_is_not_the_total_even_misread() -> None:
    rows = [
        ("SUB-TOTAL (GST)", 40),
        ("TOTAL", 40),
        ("CASH", 40),
        ("CHANGE", 40),
        ("GST SUHHARY", 40),
        ("TAX TOTAL:", 40),
    ]
    doc = _body(rows)
    amounts = ["12.19", "12.15", "50.15", "38.00", "", "0.69"]
    extra = [(a, 400, 120.0 + 30 * i, 22) for i, a in enumerate(amounts) if a]
    doc.pages[0].blocks[0].lines += _rows(extra)
    assert extract_fields(doc, ["company", "total"])["total"].normalized == "12.15"


def test_a_lone_total_question_reads_the_receipt_total() -> None:
    doc = _body([("TOTAL", 40), ("ROUNDING ADJUSTMENT", 40), ("TOTAL ROUNDED", 40), ("CASH", 40)])
    extra = [
        (a, 400, 120.0 + 30 * i, 22) for i, a in enumerate(["30.91", "-0.01", "30.90", "50.90"])
    ]
    doc.pages[0].blocks[0].lines += _rows(extra)
    both = extract_fields(doc, ["company", "total"])["total"].value
    assert both == "30.90"
    for key in ("total", "total amount"):
        assert extract_fields(doc, [key])[key].value == both
    assert doctypes.resolve(None, ["合计"]) is None  # a Chinese key stays with the linker


def test_a_date_glued_to_the_receipt_number() -> None:
    doc = _body([("#001-001-0934-000105/01/2018 13:30-R", 40)])
    f = extract_fields(doc, ["company", "date"])
    assert f["date"].value == "05/01/2018"


def test_an_address_row_cut_in_two_keeps_its_garbled_first_piece() -> None:
    # OCR cut the first address row in two and misread the first piece ("10T" for "LOT"): a
    # row is one role, so the piece stays with the address
    head = [
        ("KORVANI (M) SDN BHD", 150, 30.0, 24),
        ("(CO.REG : 77Q512-D)", 160, 65.0, 24),
        ("10T 2207-A &", 60, 100.0, 24),
        ("2207-B. JALAN SEMBOR 6,", 215, 100.0, 24),
        ("KAWASAN PERINDUSTRIAN MELORAN,", 70, 135.0, 24),
        ("43300 SERI TERANG, SELANGOR", 80, 170.0, 24),
        ("-INVOICE-", 250, 215.0, 24),
    ]
    body = [(t, x, 250.0 + 35 * i, h) for i, (t, x, _, h) in enumerate(TAIL)]
    f = extract_fields(_doc(_rows(head + body)), ["company", "address"])
    assert f["address"].value == (
        "10T 2207-A & 2207-B. JALAN SEMBOR 6, KAWASAN PERINDUSTRIAN MELORAN, "
        "43300 SERI TERANG, SELANGOR"
    )
    assert f["company"].value == "KORVANI (M) SDN BHD"


def test_a_registration_number_misread_at_the_end_of_the_name_is_dropped() -> None:
    clean = doctypes._clean_company
    # the opening bracket read as a digit, a 5 as an S; a 0 as an O with no bracket at all
    assert clean("88 QUICK MART S/B 4S21937-X)") == "88 QUICK MART S/B"
    assert clean("TERANG HARDWARE SDN BHD 1O30214-K") == "TERANG HARDWARE SDN BHD"
    # a name that ends in figures without a check letter keeps them
    assert clean("KEDAI 1999") == "KEDAI 1999"


# Receipt headers in other countries' conventions (generator v6): name, tax or company
# number, a multi-line address with its postcode where that country prints it, a phone line.
HEADERS = {
    "uk": [
        ("HARLOWE & SONS LTD", 170, 30),
        ("UNIT 4, BRAMLEY RETAIL PARK", 120, 22),
        ("22 COLDWELL ROAD", 180, 22),
        ("DUNMORE DN4 7QT", 190, 22),
        ("TEL: 01302 554 210", 180, 22),
        ("VAT REG NO: GB 284 1163 42", 130, 22),
    ],
    "au": [
        ("KELVANO PTY LTD", 190, 30),
        ("ABN 51 824 753 556", 180, 22),
        ("SHOP 12, 45 MERRIN STREET", 140, 22),
        ("TALLORA NSW 2150", 180, 22),
        ("PH: (02) 9635 1182", 180, 22),
    ],
    "id": [
        ("PT. SUMBER REJANA TBK", 150, 30),
        ("JL. MERANTI RAYA NO. 27", 150, 22),
        ("RT.004/RW.011, KEL. SUKAMARA", 130, 22),
        ("BEKASARI TIMUR 17145", 160, 22),
        ("NPWP: 01.234.567.8-407.000", 130, 22),
    ],
    "in": [
        ("SHRI VELAN STORES PVT LTD", 130, 30),
        ("NO. 14/1, KAMARAJ ROAD", 150, 22),
        ("VELLORI NAGAR", 190, 22),
        ("KOTTAMPUR - 641012", 170, 22),
        ("GSTIN: 33ABCDE1234F1Z5", 150, 22),
    ],
    # a tax id between the name and a one-line address
    "tax_id_first": [
        ("OLIVANA PHARMACY SDN BHD", 130, 30),
        ("1130214K", 200, 22),
        ("GST/TAX NO: 000912280896", 130, 22),
        ("18 JALAN SERAI U5/N, SEKSYEN U5 SUBANG", 60, 22),
        ("TEL: 03-51207734 FAX: 03-51207735", 90, 22),
    ],
}
ADDRESS_ROWS = {
    "uk": [1, 2, 3],
    "au": [2, 3],
    "id": [1, 2, 3],
    "in": [1, 2, 3],
    "tax_id_first": [3],
}


@pytest.mark.parametrize("convention", sorted(HEADERS))
def test_receipt_headers_of_other_conventions(convention: str) -> None:
    head = HEADERS[convention]
    company, address = _roles(_receipt(head))
    assert company == [head[0][0]]
    assert address == [head[i][0] for i in ADDRESS_ROWS[convention]]


def test_a_stamp_read_as_a_tall_garbled_run_is_no_part_of_the_name() -> None:
    # a stamp over the header: OCR returns a short run whose box is several lines tall; it
    # shares the name's row but is neither name nor address
    lines = _receipt(
        [
            ("88 QUICK MART S/B (421937-X)", 120, 30),
            ("LOT P.T. 3120, JALAN MERBAH,", 110, 24),
            ("TAMAN SELORAN", 200, 24),
            ("41150 KELAMA, SELANGOR", 150, 24),
            ("GST ID. NO : 000264810357", 120, 24),
        ]
    )
    y0 = lines[0].bbox[1] - 10
    lines.append(Line(text="PAIT", polygon=polygon_of((280, y0, 620, y0 + 170)), confidence=0.6))
    f = extract_fields(_doc(lines), ["company", "address"])
    assert f["company"].value == "88 QUICK MART S/B"
    assert f["address"].value == "LOT P.T. 3120, JALAN MERBAH, TAMAN SELORAN 41150 KELAMA, SELANGOR"


def test_word_scores_count_each_token_once() -> None:
    # the word regressions are fitted on which tokens a row holds, not how often (feature
    # version 3): a row with many full stops is not many times less an address
    m = roles.load_model()
    text = "NO. 3. JLN. 5/2. BDR. BARU."
    ids = sorted(set(roles.token_ids(text)))
    assert len(ids) < len(roles.token_ids(text))
    z = m.token_b + m.token_w[ids].sum(axis=0)
    got = m.token_scores([text])[0]
    assert got[:2] == pytest.approx([z[1] - z[0], z[2] - z[0]])


def test_the_company_box_and_read_confidence_leave_out_what_the_name_drops() -> None:
    # the registration number after the name is cut off the value: it is outside the value's
    # box, and its unsure reading does not lower the value's read confidence
    from promptocr.document.model import Word

    def line(text: str, x: float, y: float, w: float, words: list[tuple[str, float]]) -> Line:
        out, cx, unit = [], x, w / len(text)
        for t, c in words:
            wx = cx + unit * len(t)
            out.append(Word(t, c, ((cx, y), (wx, y), (wx, y + 20), (cx, y + 20))))
            cx = wx + unit
        poly = ((x, y), (x + w, y), (x + w, y + 20), (x, y + 20))
        return Line(text, min(c for _, c in words), poly, out)

    name = "KEDAI SRI BAHAGIA (1234567-X)"
    words = [("KEDAI", 0.99), ("SRI", 0.99), ("BAHAGIA", 0.98), ("(1234567-X)", 0.5)]
    lines = [
        line(name, 100, 20, 300, words),
        line(
            "NO 8, JALAN 7/118B",
            80,
            50,
            180,
            [("NO", 0.99), ("8,", 0.99), ("JALAN", 0.99), ("7/118B", 0.99)],
        ),
        line(
            "56000 KUALA LUMPUR", 120, 75, 200, [("56000", 0.99), ("KUALA", 0.99), ("LUMPUR", 0.99)]
        ),
        line("TOTAL 12.50", 100, 200, 150, [("TOTAL", 0.99), ("12.50", 0.99)]),
    ]
    doc = Document([Page(0, 600, 400, [Block(lines)])])
    got = extract_fields(doc, ["company", "address", "total"])["company"]
    assert got.value == "KEDAI SRI BAHAGIA" and got.method == "line_roles"
    assert got.read_confidence == 0.98
    assert got.bbox is not None and got.bbox[2] < 300  # not the whole line's 400


def test_a_first_row_as_likely_the_name_as_not_joins_the_name_under_it() -> None:
    """`AIK HUAT HARDWARE` over `ENTERPRISE(SETIA` / `ALAM) SDN BHD`: the model reads the first
    row as the name with p 0.496, the two under it surely so; a receipt's first rows are its
    name more often than not (`roles.BEFORE_NAME`), so the name is all three. A first row the
    model surely reads as something else (`WELCOME`) stays apart."""
    import numpy as np

    tied = np.array(
        [[0.504, 0.496, 0.0], [0.004, 0.995, 0.001], [0.003, 0.997, 0.0], [0.0, 0.0, 1.0]]
    )
    assert roles.decode(tied) == ([0, 1, 2], [3])
    sure = tied.copy()
    sure[0] = [0.9, 0.1, 0.0]
    assert roles.decode(sure) == ([1, 2], [3])
