"""Receipt fields through OCR's slips and printing habits (rows written here, no OCR; names
and places invented): a total keyword OCR misread letter by letter, a misread tax-summary
title, a branch name printed above the address and repeated in it, a lower-case l read as I."""

from __future__ import annotations

from promptocr.document.model import Block, Document, Line, Page, polygon_of
from promptocr.tasks.extract import extract_fields
from promptocr.tasks.receipt_text import (
    drop_repeated_heading,
    fix_l_read_as_i,
    fold_total_keywords,
    is_tax_summary,
)


def _doc(rows: list[tuple[str, float, float, float]], width: int = 640) -> Document:
    lines = []
    for text, x0, y0, h in rows:
        w = min(0.56 * h * len(text), width - x0 - 4)
        lines.append(Line(text=text, polygon=polygon_of((x0, y0, x0 + w, y0 + h)), confidence=0.99))
    height = int(max(ln.bbox[3] for ln in lines) + 40)
    return Document(pages=[Page(index=0, width=width, height=height, blocks=[Block(lines=lines)])])


def _receipt(head: list[tuple[str, float]], body: list[tuple[str, str | None]]) -> Document:
    """Header rows (text, x0) centred-ish at 24 px, then body rows (label, amount or None)."""
    rows, y = [], 30.0
    for text, x0 in head:
        rows.append((text, x0, y, 24.0))
        y += 34
    for label, amount in body:
        rows.append((label, 40.0, y, 22.0))
        if amount is not None:
            rows.append((amount, 480.0, y, 22.0))
        y += 32
    return _doc(rows)


HEAD = [
    ("TERAVO HEALTH AND BEAUTY SDN BHD", 60.0),
    ("NO 21 JALAN MELATI KAMBA 4", 110.0),
    ("TAMAN SERI KAMBA", 170.0),
    ("TEL:03-51842276", 200.0),
]


def test_a_total_keyword_misread_letter_by_letter_is_still_the_total() -> None:
    # a font whose T and L read as I and O as U: "IUIAL" is TOTAL; the cash paid ("UASH") and
    # the change are not the total, nor is the largest amount
    doc = _receipt(
        HEAD,
        [
            ("340718825 HERBAL TEA 500ML", "2.28"),
            ("SUBIUIAL", "2.28"),
            ("IUIAL (GSI INCL)", "2.28"),
            ("UASH", "5.00"),
            ("RUUNDING ADJUSIMENIS", "0.02"),
            ("CHANGE DUE", "2.70"),
        ],
    )
    got = extract_fields(doc, ["company", "date", "address", "total"])["total"]
    assert got.normalized == "2.28"
    assert got.value == "2.28"
    # as printed, the same receipt gives the same figure by the exact keyword
    fixed = _receipt(
        HEAD,
        [("HERBAL TEA", "2.28"), ("SUBTOTAL", "2.28"), ("TOTAL (GST INCL)", "2.28"),
         ("CASH", "5.00"), ("CHANGE DUE", "2.70")],
    )  # fmt: skip
    assert extract_fields(fixed, ["company", "total"])["total"].normalized == "2.28"
    assert fold_total_keywords("IUIAL (GSI INCL) 2.28") == "TOTAL (GSI INCL) 2.28"
    assert fold_total_keywords("SUBIUIAL") == "SUBTOTAL"
    # other words are left alone
    for word in ("HOTEL", "LOCAL", "IDEAL", "TOTALQUANTITY", "12345"):
        assert fold_total_keywords(word) == word


def test_a_misread_tax_summary_title_still_ends_the_totals() -> None:
    doc = _receipt(
        HEAD,
        [
            ("SUB-TOTAL (GST)", "12.19"),
            ("ROUNDING", "-0.04"),
            ("TOTAL", "12.15"),
            ("CASH", "50.15"),
            ("CHANGE", "38.00"),
            ("GST SUHLARY", None),
            ("SR", "11.50"),
            ("TAS TOTAL :", "0.69"),
        ],
    )
    assert extract_fields(doc, ["company", "total"])["total"].normalized == "12.15"
    for title in ("GST SUHLARY", "TAX SUMNARY", "GST Summery", "GSTSUMMARY", "税额汇总"):
        assert is_tax_summary(title), title
    for other in ("TAX TOTAL:", "TAXABLE AMOUNT", "GST 6% INCLUDED", "Total Sales"):
        assert not is_tax_summary(other), other


def test_a_heading_repeated_inside_the_address_is_no_address_line() -> None:
    assert drop_repeated_heading(
        [1, 2, 3],
        ["PUSAT NIAGA KORAMI", "UNIT 12, BLOCK C,PUSAT NIAGA KORAMI,", "46350 PETALING"],
    ) == [2, 3]
    # a first line that is not repeated, or too short to tell, stays
    assert drop_repeated_heading([1, 2], ["NO 21 JALAN MELATI", "46350 KAMBA"]) == [1, 2]
    assert drop_repeated_heading([1, 2], ["SEKSYEN 9", "SEKSYEN 9 KAMBA"]) == [1, 2]
    doc = _receipt(
        [
            ("TERAVO HEALTH AND BEAUTY SDN BHD", 60.0),
            ("BANDAR BARU KAMBA", 190.0),
            ("NO 15 JALAN BANDAR KAMBA 10", 130.0),
            ("BANDAR BARU KAMBA", 190.0),
            ("TEL:03-51842276", 200.0),
            ("GST REG #000413620957", 160.0),
        ],
        [("HERBAL TEA", "2.28"), ("TOTAL", "2.28"), ("CASH", "5.00")],
    )
    address = extract_fields(doc, ["company", "address"])["address"].value
    assert address == "NO 15 JALAN BANDAR KAMBA 10 BANDAR BARU KAMBA"


def test_a_lower_case_l_read_as_capital_i_in_mixed_case_words() -> None:
    assert fix_l_read_as_i("No: 7, BIk 5, JIn Merbau 2/4, SeIangor") == (
        "No: 7, Blk 5, Jln Merbau 2/4, Selangor"
    )
    # capitals, a word that begins with I, and "I" on its own are left alone
    for text in ("BLK 5, JLN MERBAU", "Ilford Road", "I & J Cafe", "IKEA"):
        assert fix_l_read_as_i(text) == text
    doc = _receipt(
        [
            ("Kelvaro Hardware Centre (M) Sdn. Bhd.", 40.0),
            ("Co. Reg. No.: 318460-A", 150.0),
            ("No: G7, BIk C, JIn Perdana 3/2,", 110.0),
            ("Taman Sri Korami, 47301", 140.0),
            ("Petaling Jaya, SeIangor.", 130.0),
            ("TEL: 03-5209 4417", 170.0),
        ],
        [("Item A", "5.00"), ("Total", "5.00"), ("Cash", "10.00"), ("Change", "5.00")],
    )
    address = extract_fields(doc, ["company", "address"])["address"].value
    assert (
        address
        == "No: G7, Blk C, Jln Perdana 3/2, Taman Sri Korami, 47301 Petaling Jaya, Selangor."
    )


# ---------------------------------------------------------------------------------------------
# the line-role model (generator v7, decoding version 2)


def test_decoding_reads_a_name_printed_after_the_address() -> None:
    import numpy as np

    from promptocr.tasks.extract import roles

    # slogan, two address rows, a phone row, the registered name, a tax id row
    P = np.array(
        [
            [0.90, 0.08, 0.02],
            [0.02, 0.01, 0.97],
            [0.01, 0.01, 0.98],
            [0.99, 0.005, 0.005],
            [0.03, 0.96, 0.01],
            [0.99, 0.005, 0.005],
        ]
    )
    assert roles.decode(P) == ([4], [1, 2])
    # a row after the address the model finds only half a name is not taken as the name
    # (the receipt then has no name, at the prior's cost, rather than a doubtful one)
    P[4] = [0.45, 0.5, 0.05]
    assert roles.decode(P) == ([], [1, 2])
    # a doubtful name on top wins over a sure one after the address (an owner, a customer)
    P[0] = [0.7, 0.3, 0.0]
    P[4] = [0.01, 0.99, 0.0]
    assert roles.decode(P) == ([0], [1, 2])
    # a name on top still comes first: the second name-like row after the address is other
    P[0] = [0.02, 0.97, 0.01]
    P[4] = [0.03, 0.96, 0.01]
    assert roles.decode(P) == ([0], [1, 2])


def test_a_registered_name_under_the_address_and_a_slogan_on_top() -> None:
    doc = _receipt(
        [
            ("SHOP ONLINE AT kelmora.com", 60.0),
            ("PUSAT NIAGA KORAMI", 160.0),
            ("UNIT 12, BLOCK C, PUSAT NIAGA KORAMI,", 60.0),
            ("NO.7, JALAN 14/2, 46350 PETALING JAYA, SELANGOR", 20.0),
            ("kelmora careline : 1800 88 2291", 100.0),
            ("KELMORA TRADING SB(412295-X) FKA TIRAS STORES SB", 20.0),
            ("TAX ID NO: 004182736455", 100.0),
        ],
        [("Item A", "5.00"), ("GRAND TOTAL", "5.00"), ("CASH", "10.00"), ("CHANGE", "5.00")],
    )
    f = extract_fields(doc, ["company", "date", "address", "total"])
    assert f["company"].value == "KELMORA TRADING SB"
    assert f["address"].value == (
        "UNIT 12, BLOCK C, PUSAT NIAGA KORAMI, NO.7, JALAN 14/2, 46350 PETALING JAYA, SELANGOR"
    )


def test_a_brand_logo_in_mixed_case_above_the_registered_name_is_no_part_of_it() -> None:
    # a larger logo line in mixed case with a one-letter mark over the registered name
    # (generator v7; the v6 model took the logo into the name)
    head = [
        ("Dorvani K", 370.0, 55.0),
        ("VERONA KALIMA SDN BHD", 240.0, 44.0),
        ("(894412-D)", 370.0, 46.0),
        ("Lot NO : 20, Level UG1, Plaza Kelmora", 160.0, 48.0),
        ("Kelmora.", 384.0, 45.0),
        ("No1, Jalan Kelmora, 50480 KL", 224.0, 44.0),
    ]
    body = ["Tel: 03-51190462", "(GST ID:000538201746)", "Tax Invoice", "Date: 20/10/2016",
            "Item A        5.00", "Total         5.00", "Cash         10.00"]  # fmt: skip
    rows, y = [], 30.0
    for text, x, h in [*head, *[(t, 60.0, 46.0) for t in body]]:
        rows.append((text, x, y, h))
        y += 0.92 * h
    f = extract_fields(_doc(rows), ["company", "address"])
    assert f["company"].value == "VERONA KALIMA SDN BHD"
    assert (
        f["address"].value
        == "Lot NO : 20, Level UG1, Plaza Kelmora Kelmora. No1, Jalan Kelmora, 50480 KL"
    )


def test_a_stamped_number_and_a_scribble_on_the_top_row_are_no_name() -> None:
    # a guard (the v6 model read this layout right too): generator v7 prints such a row
    rows = [("31804057", 40.0, 20.0, 40.0), ("Puka", 520.0, 20.0, 30.0)]
    y = 80.0
    for text, x in [
        ("KORAMI CO. (M) BHD (217503-H)", 150.0),
        ("3RD FLR, KORAMI TAMAN MELATI SC", 140.0),
        ("JLN SERUNAI, TAMAN MELATI", 160.0),
        ("TEMARU, 55100 KUALA LUMPUR", 150.0),
        ("GST ID : 002461830579", 180.0),
        ("Sub-total", 40.0),
        ("Total Sales Incl GST", 40.0),
    ]:
        rows.append((text, x, y, 26.0))
        y += 36
    f = extract_fields(_doc(rows), ["company", "address"])
    assert f["company"].value == "KORAMI CO. (M) BHD"


def test_an_owner_printed_after_the_address_is_not_the_name_on_top() -> None:
    doc = _receipt(
        [
            ("KELMORABOOKSHOP", 150.0),
            ("NO. 14B&16B, JALAN SERI MERBAU Y,U7/Y", 60.0),
            ("40460 SERI TAMAN", 190.0),
            ("Mobile/WhatsApp : +6012-604 3318", 90.0),
            ("Tel: +603-4418 2093", 180.0),
            ("GST ID No: 001907245316", 150.0),
            ("TAX INVOICE", 200.0),
            ("Owned By :", 220.0),
            ("KELMORA SUPPLY SDN BHD (1248063-K)", 80.0),
            ("COUNTER 2", 160.0),
        ],
        [("Item A", "5.00"), ("Total", "5.00"), ("Cash", "10.00"), ("Change", "5.00")],
    )
    f = extract_fields(doc, ["company", "address"])
    assert f["company"].value == "KELMORABOOKSHOP"
    assert f["address"].value == "NO. 14B&16B, JALAN SERI MERBAU Y,U7/Y 40460 SERI TAMAN"


def test_decoding_without_an_address_keeps_a_wrapped_name_whole() -> None:
    import numpy as np

    from promptocr.tasks.extract import roles

    # a name over two rows, no address printed: the state after the address (which reads
    # name-like rows as other) is not reached by skipping the address
    P = np.array([[0.05, 0.9, 0.05], [0.3, 0.65, 0.05], [0.99, 0.005, 0.005], [0.99, 0.005, 0.005]])
    assert roles.decode(P) == ([0, 1], [])


def test_a_tall_stamp_piece_is_tied_to_no_row() -> None:
    from promptocr.tasks.extract import roles

    # an address row in two pieces, then a row with a stamp read as a tall short run
    boxes = [(10, 100, 200, 124), (210, 100, 400, 124), (10, 130, 300, 154), (320, 110, 420, 230)]
    assert roles.row_ties(boxes, [2, 2, 2, 2]) == [False, True, False, False]
    assert roles.same_row_flags([2, 2, 2, 2]) == [False, True, False, True]


# ---------------------------------------------------------------------------------------------
# the review of round rcpt2


def _rows(spec: list[list[tuple[str, float]]], h: float = 24.0) -> Document:
    """Rows of pieces (text, x0), 34 px apart."""
    rows, y = [], 30.0
    for row in spec:
        for text, x0 in row:
            rows.append((text, x0, y, h))
        y += 34
    return _doc(rows)


def test_the_last_address_row_keeps_a_date_or_a_phone_printed_at_its_right() -> None:
    import numpy as np

    from promptocr.tasks.extract import roles

    # decoding: leaving the address mid-row costs little, entering it mid-row a lot
    P = np.array(
        [
            [0.01, 0.98, 0.01],  # the name
            [0.01, 0.0, 0.99],  # an address row
            [0.02, 0.0, 0.98],  # the last address row's first piece …
            [0.99, 0.0, 0.01],  # … and a date at its right
            [0.99, 0.0, 0.01],
        ]
    )
    same_row = [False, False, False, True, False]
    assert roles.decode(P, same_row) == ([0], [1, 2])
    # a garbled first piece before an address piece on one row is read with it
    P2 = np.array([[0.01, 0.98, 0.01], [0.9, 0.0, 0.1], [0.01, 0.0, 0.99], [0.99, 0.0, 0.01]])
    assert roles.decode(P2, [False, False, True, False]) == ([0], [1, 2])
    for right in ("DATE: 12/03/2018", "TEL: 03-8736 1234"):
        doc = _rows(
            [
                [("KEDAI RUNCIT MAJU SDN BHD", 150.0)],
                [("NO 12, JALAN MAWAR 3,", 150.0)],
                [("43000 KAJANG, SELANGOR", 40.0), (right, 420.0)],
                [("INVOICE NO: 1234", 40.0)],
                [("ITEM A 5.00", 40.0)],
                [("TOTAL 5.00", 40.0)],
            ]
        )
        f = extract_fields(doc, ["company", "address"])
        assert f["company"].value == "KEDAI RUNCIT MAJU SDN BHD", right
        assert f["address"].value == "NO 12, JALAN MAWAR 3, 43000 KAJANG, SELANGOR", right


def test_a_tall_stamp_before_an_address_piece_does_not_move_the_address() -> None:
    import numpy as np

    from promptocr.tasks.extract import roles

    # the name; a stamp read as a short run in a box four lines tall, then the first address
    # piece on its row; a second address row; a phone row
    boxes = [
        (10, 20, 300, 44),
        (10, 50, 60, 160),
        (100, 52, 400, 76),
        (100, 86, 400, 110),
        (100, 120, 400, 144),
    ]
    pieces = [1, 2, 2, 1, 1]
    P = np.array(
        [[0.02, 0.97, 0.01], [0.9, 0.0, 0.1], [0.2, 0.0, 0.8], [0.05, 0.0, 0.95], [0.99, 0.0, 0.01]]
    )
    # tied to its row, entering the address after the stamp would cost `ROW_SPLIT`: the first
    # address row would be lost; tied to no row (`row_ties`), the address starts there
    assert roles.decode(P, roles.same_row_flags(pieces)) == ([0], [3])
    assert roles.decode(P, roles.row_ties(boxes, pieces)) == ([0], [2, 3])


def test_correct_mixed_case_names_keep_their_capital_i() -> None:
    for text in (
        "McIntosh Family Bakery",
        "1200 McIntyre Ave",
        "LinkedIn Store",
        "CityInn Hotel",
        "SunIsland Mart",
        "PizzaItalia",
        "AIr Asia",
        "Phase IIa",
        "MacIver Ltd",
        "McIlroy Pharmacy",
        "ParkInn Suites",
        "BlueIce Bar",
    ):
        assert fix_l_read_as_i(text) == text, text
    # an address word of the generator's vocabulary misread is still repaired
    assert fix_l_read_as_i("LeveI 2, PIaza Merbau, KuaIa Lumpur") == (
        "Level 2, Plaza Merbau, Kuala Lumpur"
    )
    doc = _receipt(
        [("McIntosh Family Bakery", 180.0), ("1200 McIntyre Ave", 180.0),
         ("Springfield, IL 62701", 180.0)],
        [("Bread", "2.49"), ("Total", "2.49")],
    )  # fmt: skip
    f = extract_fields(doc, ["company", "address"])
    assert f["company"].value == "McIntosh Family Bakery"
    assert f["address"].value == "1200 McIntyre Ave Springfield, IL 62701"


def test_a_misread_total_beats_a_subtotal_read_right() -> None:
    doc = _receipt(
        HEAD,
        [
            ("HERBAL TEA", "10.00"),
            ("SUBTOTAL", "10.00"),
            ("SST 6%", "0.60"),
            ("IUIAL", "10.60"),
            ("UASH", "20.00"),
            ("CHANGE DUE", "9.40"),
        ],
    )
    assert extract_fields(doc, ["company", "total"])["total"].normalized == "10.60"
    # a receipt read right keeps its printed keywords' figure (the folded reading is no
    # stronger)
    doc = _receipt(
        HEAD,
        [("HERBAL TEA", "10.00"), ("SUBTOTAL", "10.00"), ("TOTAL", "10.60"), ("CASH", "20.00")],
    )
    assert extract_fields(doc, ["company", "total"])["total"].normalized == "10.60"


def test_folding_total_keywords_keeps_other_words_and_the_length() -> None:
    # words whose letters fall in the confused classes but are not TOTAL / SUBTOTAL
    for word in ("TIDAL", "VITAL", "TOTALS", "SUBTOTALS", "TOTEM", "LOYAL", "DOTTIE", "IDOL"):
        assert fold_total_keywords(word) == word, word
    texts = [
        "IUIAL (GSI INCL) 2.28",
        "SUBIUIAL: 12.00  T0TAL 3.10",
        "Total Sales 1OTAL x",
        "合计 25.00 TUTAL",
        "lotal/1D1AL-SOB1O1A1",
        "",
    ]
    for text in texts:
        assert len(fold_total_keywords(text)) == len(text), text
    assert fold_total_keywords("lotal/1D1AL-SOB1O1A1") == "TOTAL/TOTAL-SUBTOTAL"


def test_a_repeated_heading_is_matched_word_for_word_in_one_line() -> None:
    # "PERSIARAN SURIA 1" is another street than "PERSIARAN SURIA 12"
    assert drop_repeated_heading(
        [1, 2], ["PERSIARAN SURIA 1", "LOT 2, PERSIARAN SURIA 12, 40000 SHAH ALAM"]
    ) == [1, 2]
    assert drop_repeated_heading([1, 2], ["NO 8, JALAN SS 2/1", "LOT 8 JALAN SS 2/10"]) == [1, 2]
    # the heading's words split over two later lines are not a repeat of it
    assert drop_repeated_heading(
        [1, 2, 3], ["PUSAT NIAGA KORAMI", "UNIT 12, PUSAT NIAGA", "KORAMI, 46350 KAMBA"]
    ) == [1, 2, 3]
    # repeated word for word (punctuation and spacing aside) it is dropped
    assert drop_repeated_heading(
        [1, 2, 3], ["PUSAT NIAGA KORAMI", "UNIT 12,PUSAT NIAGA  KORAMI,", "46350 KAMBA"]
    ) == [2, 3]


def test_a_name_ending_in_co_keeps_its_words() -> None:
    # "ROC" (a registration) inside "Grocery" is no registration number
    doc = _rows(
        [
            [("Harbor Grocery Co.", 200.0)],
            [("1200 Main Street", 180.0)],
            [("Springfield, IL 62701", 180.0)],
            [("Milk 2.49", 40.0)],
            [("TOTAL 2.49", 40.0)],
        ]
    )
    assert extract_fields(doc, ["company", "address"])["company"].value == "Harbor Grocery Co."
    from promptocr.tasks.doctypes import _clean_company

    assert _clean_company("Procter Supply Sdn Bhd (ROC 12345)") == "Procter Supply Sdn Bhd"
    assert _clean_company("ACME SDN BHD (CO. REG NO 12345-X)") == "ACME SDN BHD"
    # a lead-in printed on its own row is no part of the name
    assert _clean_company("Owned By :") == ""
    assert _clean_company("Owned By : KELMORA SUPPLY SDN BHD") == "KELMORA SUPPLY SDN BHD"
