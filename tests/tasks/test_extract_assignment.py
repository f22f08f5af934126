"""The linker's choice among candidates for several requested keys at once, and the key's
words as evidence of its value's type, on hand-drawn pages of OCR-like lines.

- One assignment of keys to values (`tasks/extract/assign.py`): on a form whose values are
  written above and right of their labels, `Staatsangehörigkeit` links the address under
  it a little better than the address's own label does; taking the best pair first left
  `Adresse` empty, the assignment that maximises the summed scores gives each its own.
- A key no concept knows that names a date by its words, in several languages
  (`fields.names_a_date`: `Ort, Datum`, `Geburtsdatum`, `Fecha`, `Data di nascita`, 生年月日),
  prefers a candidate with a figure in it: `Ort, Datum` over its signature line answered the
  `Unterschrift` caption beside it instead of the place and date written over it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from task_synth import lines_doc

from promptocr.document.model import Document
from promptocr.tasks.extract import extract_fields
from promptocr.tasks.extract.assign import max_assignment
from promptocr.tasks.fields import is_field_name, looks_dated, match_concept, names_a_date

# (text, x, y, width, height): a form filled in by hand, each value a little above and right
# of its label
FORM = [
    ("Geburtsdatum:", 120, 950, 164, 26),
    ("14.03.1992", 340, 946, 125, 24),
    ("Geburtsort", 630, 955, 115, 25),
    ("Graz", 810, 944, 50, 24),
    ("Staatsangehörigkeit", 120, 1022, 220, 28),
    ("Österreich", 450, 1004, 130, 25),
    ("Adresse", 120, 1093, 95, 25),
    ("1010 Wien, Ringstraße 5", 280, 1072, 280, 28),
    ("Telefon", 120, 1162, 83, 27),
    ("06641234567", 295, 1158, 149, 26),
    ("E-Mail", 630, 1166, 69, 24),
    ("lena.k@example.at", 756, 1147, 187, 29),
]


def test_each_key_gets_its_own_value_by_one_assignment() -> None:
    doc = lines_doc(FORM, width=1240, height=1754)
    keys = ["Geburtsdatum:", "Geburtsort", "Staatsangehörigkeit", "Adresse", "Telefon", "E-Mail"]
    got = extract_fields(doc, keys)
    values = {k: (r.value if r is not None else None) for k, r in got.items()}
    assert values == {
        "Geburtsdatum:": "14.03.1992",
        "Geburtsort": "Graz",
        "Staatsangehörigkeit": "Österreich",
        "Adresse": "1010 Wien, Ringstraße 5",
        "Telefon": "06641234567",
        "E-Mail": "lena.k@example.at",
    }


def test_the_same_label_asked_twice_keeps_reading_order() -> None:
    # two printings of one label, each over its own value: the first key the first printing's
    rows = [
        ("Supplier(s)", 100, 100, 110, 20),
        ("Ecusta", 260, 100, 70, 20),
        ("Supplier (s)", 100, 160, 110, 20),
        ("Swift", 260, 160, 60, 20),
    ]
    got = extract_fields(lines_doc(rows), ["Supplier(s)", "Supplier (s)"])
    assert {k: r.value for k, r in got.items() if r is not None} == {
        "Supplier(s)": "Ecusta",
        "Supplier (s)": "Swift",
    }


@pytest.mark.parametrize("seed", range(40))
def test_max_assignment_matches_every_permutation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    score = rng.random((n, m)) * (rng.random((n, m)) < 0.6)
    got = max_assignment(score)
    assert len(got) == min(n, m)
    assert len({r for r, _ in got}) == len(got) and len({c for _, c in got}) == len(got)
    if n <= m:
        best = max(
            sum(score[i, p[i]] for i in range(n)) for p in itertools.permutations(range(m), n)
        )
    else:
        best = max(
            sum(score[p[j], j] for j in range(m)) for p in itertools.permutations(range(n), m)
        )
    assert sum(score[r, c] for r, c in got) == pytest.approx(best)


def test_max_assignment_of_nothing() -> None:
    assert max_assignment(np.zeros((0, 3))) == []


def test_a_date_label_over_its_signature_line_answers_the_date() -> None:
    rows = [
        ("Antrag auf Zuschuss", 300, 60, 380, 30),
        ("Name", 80, 160, 100),
        ("Müller", 260, 160, 120),
        ("Vorname", 80, 210, 150),
        ("Anna", 260, 210, 90),
        ("Wohnort", 80, 260, 150),
        ("Köln", 260, 260, 90),
        ("Bonn, 12.12.2009", 80, 420, 300),
        ("Ort, Datum", 80, 455, 180),
        ("Unterschrift", 560, 455, 200),
    ]
    got = extract_fields(lines_doc(rows), ["Ort, Datum"])["Ort, Datum"]
    assert got is not None and got.value == "Bonn, 12.12.2009"


@pytest.mark.parametrize(
    ("key", "dated"),
    [
        ("Geburtsdatum", True),
        ("Ort, Datum", True),
        ("Fecha de expedición", True),
        ("Data di nascita", True),
        ("Data:", True),
        ("Data e luogo di nascita", True),
        ("Luogo e data", True),
        ("Local e Data:", True),
        ("Data (gg/mm/aaaa)", True),
        ("Data/Ora", True),
        ("1. Data di nascita", True),
        ("Personal data", False),  # English
        ("Date signed", True),
        ("生年月日", True),
        ("开票日期", True),
        ("Fullfillment Data Entry at", False),  # English `data`
        ("Fechados", False),
        ("Update", False),
        ("a) di aver effettuato in data odierna la richiesta", False),  # a sentence
    ],
)
def test_keys_that_name_a_date(key: str, dated: bool) -> None:
    assert names_a_date(key) is dated


@pytest.mark.parametrize(
    ("text", "dated"),
    [
        ("Bonn, 12.12.2009", True),
        ("12 March", True),
        ("二〇二〇年", True),
        ("Unterschrift", False),
        ("Marital status", False),
    ],
)
def test_runs_that_could_hold_a_date(text: str, dated: bool) -> None:
    assert looks_dated(text) is dated


TOTALS = [
    ("Total HT", 570, 520, 80),
    ("2 310,00 €", 830, 520, 100),
    ("TVA 20 %", 570, 555, 90),
    ("462,00 €", 850, 555, 80),
    ("Total TTC", 570, 590, 95),
    ("2 772,00 €", 825, 590, 105),
    ("Net à payer", 570, 625, 120),
    ("2 272,00 €", 825, 625, 105),
]


def test_a_label_that_prints_another_requested_key_is_that_keys() -> None:
    # "total" matches `Total HT` only in part; "total HT" asked too prints it: "total" is
    # not read from it, but from its synonym `Total TTC` (before: `462`, the figures under
    # the other key's value)
    got = extract_fields(lines_doc(TOTALS), ["total HT", "total"])
    assert got["total HT"] is not None and got["total HT"].value == "2 310,00 €"
    total = got["total"]
    assert total is not None and total.value == "2 772,00 €" and total.label == "Total TTC"


def test_an_amount_printed_the_french_way_is_read_whole() -> None:
    # (before: `2 310`, Total HT with its cents cut off at the decimal comma)
    got = extract_fields(lines_doc(TOTALS), ["total"])["total"]
    # (by the receipt rules' total label: the figures without the sign after them)
    assert got is not None and got.value == "2 772,00" and got.normalized == "2772.00"


# an invoice's header fields and totals in French and in German, asked for in English
FRENCH = [
    ("ATELIER BOIS & LUMIÈRE SARL", 60, 40, 450),
    ("FACTURE", 680, 50, 160, 34),
    ("Facture N° :", 650, 110, 100),
    ("F-2024-0412", 790, 110, 105),
    ("Date :", 650, 138, 50),
    ("18/04/2024", 790, 138, 95),
    ("Échéance :", 650, 166, 90),
    ("18/05/2024", 790, 166, 95),
    *TOTALS[:6],
]
GERMAN = [
    ("Müller Elektrotechnik GmbH", 60, 40, 300),
    ("RECHNUNG", 680, 50, 160, 34),
    ("Rechnungsnummer:", 600, 110, 150),
    ("RE-2024-117", 790, 110, 105),
    ("Rechnungsdatum:", 600, 138, 140),
    ("03.05.2024", 790, 138, 95),
    ("Fällig am:", 600, 166, 90),
    ("17.05.2024", 790, 166, 95),
    ("Zwischensumme", 570, 520, 130),
    ("1.200,00 €", 830, 520, 100),
    ("MwSt. 19 %", 570, 555, 100),
    ("228,00 €", 850, 555, 80),
    ("Gesamtbetrag", 570, 590, 120),
    ("1.428,00 €", 830, 590, 100),
]


@pytest.mark.parametrize(
    ("rows", "want"),
    [
        (
            FRENCH,
            {
                "invoice number": "F-2024-0412",
                "invoice date": "2024-04-18",
                "due date": "2024-05-18",
                "subtotal": "2310.00",
                "tax": "462.00",
                "total": "2772.00",
            },
        ),
        (
            GERMAN,
            {
                "invoice number": "RE-2024-117",
                "invoice date": "2024-05-03",
                "due date": "2024-05-17",
                "subtotal": "1200.00",
                "tax": "228.00",
                "total": "1428.00",
            },
        ),
    ],
    ids=["french", "german"],
)
def test_an_invoice_in_another_language_asked_in_english(
    rows: list[tuple[str, float, float, float]], want: dict[str, str]
) -> None:
    # (before: the invoice number, due date, subtotal and tax null on both, the total null
    # on the German one and `2 310,00` (Total HT) on the French one)
    got = extract_fields(lines_doc(rows), list(want))
    assert {k: (r.normalized if r is not None else None) for k, r in got.items()} == want


def test_a_label_answered_on_an_earlier_page_stays_its_keys() -> None:
    # "total HT" is answered on page 1; on page 2 "total" is still not read from `Total HT`
    # (before: `1 000,00`, page 2's `Total HT` figure)
    first = lines_doc([("Total HT", 570, 520, 80), ("2 310,00 €", 830, 520, 100)]).pages[0]
    second = lines_doc(
        [
            ("Total HT", 570, 520, 80),
            ("1 000,00 €", 830, 520, 100),
            ("TVA 20 %", 570, 555, 90),
            ("200,00 €", 850, 555, 80),
        ]
    ).pages[0]
    second.index = 1
    got = extract_fields(Document(pages=[first, second]), ["total HT", "total"])
    assert got["total HT"] is not None and got["total HT"].value == "2 310,00 €"
    total = got["total"]
    assert total is not None and total.value is None
    assert total.reason == "its printed label is another requested key's"


def test_a_claimed_key_is_not_read_from_a_kind_only_synonym() -> None:
    # no `Total TTC` printed: "total" is not the `Amount` column's first line (`amount` only
    # names the kind of value) but null, its label being "total HT"'s
    rows = [
        ("Description", 100, 100, 110),
        ("Amount", 700, 100, 70),
        ("Paper A4", 100, 130, 90),
        ("40.00", 710, 130, 50),
        ("Toner", 100, 160, 60),
        ("60.00", 710, 160, 50),
        ("Total HT", 570, 220, 80),
        ("100.00", 710, 220, 60),
        ("TVA 20 %", 570, 250, 90),
        ("20.00", 710, 250, 50),
    ]
    got = extract_fields(lines_doc(rows), ["total", "total HT"])
    assert got["total HT"] is not None and got["total HT"].value == "100.00"
    assert got["total"] is None or got["total"].value is None


@pytest.mark.parametrize("key", ["Total HST", "Total UTC", "cadenza", "total hits"])
def test_an_english_key_is_no_foreign_invoice_label(key: str) -> None:
    # the labels of other languages are searched for a concept's keys, not matched to keys
    assert match_concept(key) is None


@pytest.mark.parametrize("text", ["Iva", "TVA", "Scadenza", "Totale"])
def test_a_foreign_invoice_label_is_no_field_name_as_a_value(text: str) -> None:
    assert not is_field_name(text)


def test_a_key_printed_in_other_capitals_is_its_label_not_a_synonyms() -> None:
    """`INVOICE DATE:` is "Invoice Date" printed in other capitals and a synonym of "Date":
    it is the first key's label (before, the two tied and "Date" took its value, leaving
    "Invoice Date" null); "Date" has no label of its own on the page."""
    doc = lines_doc(
        [
            ("ACME LTD", 60, 40, 150),
            ("INVOICE DATE:", 500, 100, 150),
            ("03/14/2025", 700, 100, 110),
            ("DUE DATE:", 500, 130, 110),
            ("04/13/2025", 700, 130, 110),
        ]
    )
    got = extract_fields(doc, ["Date", "Invoice Date"])
    assert got["Invoice Date"].value == "03/14/2025"
    assert got["Date"].value is None
    # asked alone, "Date" is still read from `INVOICE DATE:`
    assert extract_fields(doc, ["Date"])["Date"].value == "03/14/2025"
