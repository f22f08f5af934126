"""Forms that print each field's caption under its value: a fill-in line with the value typed
or written on it and a small caption under the line (`Familienname` under the surname,
`Unterschrift` under the signature), as European registration and application forms do.
A caption and a label over its value look alike pair by pair; the page decides
(`linked.captions`): a block of captions starts with a value no caption over it could own.
Asked one at a time, the page's other runs printed like the caption (with a value in larger
print over them) decide with it and are never its value. Found by study 9 (docs/extract.md).
The pages are OCR-like lines drawn here, with the heights OCR gives such print."""

from __future__ import annotations

import pytest
from task_synth import lines_doc

from promptocr.tasks.extract import extract_fields

# (text, x, y, width, height): values in taller print than the captions under them
ANMELDUNG = [
    ("Anmeldung bei der Meldebehörde", 110, 100, 700, 50),
    ("Lindenstraße 42a", 117, 300, 320, 39),
    ("01.09.2025", 1110, 300, 200, 34),
    ("Straße, Hausnummer", 111, 337, 190, 30),
    ("Tag des Einzugs", 1100, 337, 150, 30),
    ("10969", 120, 417, 108, 36),
    ("Berlin-Kreuzberg", 519, 417, 321, 38),
    ("Postleitzahl", 111, 450, 111, 32),
    ("Gemeinde, Ortsteil", 510, 453, 171, 30),
    ("Schäfer-Obermeier", 120, 864, 342, 35),
    ("Katharina Luise", 786, 864, 303, 35),
    ("Familienname", 111, 900, 129, 29),
    ("Vornamen", 780, 900, 99, 29),
    ("14.03.1988", 117, 981, 207, 34),
    ("Regensburg", 516, 978, 210, 38),
    ("deutsch", 1074, 981, 144, 34),
    ("Geburtsdatum", 111, 1014, 132, 31),
    ("Geburtsort", 510, 1011, 105, 34),
    ("Staatsangehörigkeit", 1062, 1014, 180, 31),
    ("Berlin, 03.09.2025", 120, 1398, 357, 31),
    ("Ort, Datum", 339, 1428, 108, 29),
    ("K. Schäfer-Obermeier", 894, 1386, 369, 49),
    ("Unterschrift der meldepflichtigen Person", 984, 1431, 348, 27),
]
ANMELDUNG_FIELDS = {
    "Straße, Hausnummer": "Lindenstraße 42a",
    "Postleitzahl": "10969",
    "Familienname": "Schäfer-Obermeier",
    "Vornamen": "Katharina Luise",
    "Geburtsdatum": "14.03.1988",
    "Geburtsort": "Regensburg",
    "Ort, Datum": "Berlin, 03.09.2025",
    "Unterschrift der meldepflichtigen Person": "K. Schäfer-Obermeier",
}

# the same kind of page, the captions in the same print as the values (typed forms)
SOLICITUD = [
    ("SOLICITUD DE EMPLEO", 100, 100, 500, 43),
    ("García Morales", 120, 300, 273, 30),
    ("Lucía", 903, 297, 111, 37),
    ("Apellidos", 108, 333, 90, 32),
    ("Nombre", 894, 330, 84, 36),
    ("48295731D", 120, 411, 180, 34),
    ("09/12/1995", 549, 411, 201, 34),
    ("Teléfono particular", 1026, 444, 170, 32),
    ("DNI/NIE", 108, 444, 84, 32),
    ("Fecha de nacimiento", 540, 444, 183, 30),
    ("612 48 93 07", 1038, 408, 243, 38),
]

# labels over their values in ruled cells: not captions
CELLS = [
    ("Aanmeldingsformulier lidmaatschap", 110, 100, 780, 61),
    ("Achternaam", 114, 243, 111, 30),
    ("de Vries", 126, 288, 132, 39),
    ("Straat en huisnummer", 120, 336, 189, 27),
    ("Oudegracht 214", 129, 378, 246, 40),
    ("Geboortedatum", 117, 423, 138, 31),
    ("19-06-1991", 126, 468, 177, 36),
    ("IBAN", 117, 513, 54, 30),
    ("NL68 INGB 0007 6413 29", 129, 561, 375, 31),
    ("Voorletters", 795, 246, 102, 30),
    ("M.J.", 798, 285, 75, 51),
    ("Postcode en woonplaats", 798, 336, 210, 27),
    ("3511 NR Utrecht", 804, 381, 255, 35),
]
CELLS_FIELDS = {
    "Achternaam": "de Vries",
    "Straat en huisnummer": "Oudegracht 214",
    "Geboortedatum": "19-06-1991",
    "IBAN": "NL68 INGB 0007 6413 29",
    "Voorletters": "M.J.",
    "Postcode en woonplaats": "3511 NR Utrecht",
}

# labels with their values far along their rows and a section heading over the first
ROWS = [
    ("Personalien", 100, 100, 160, 34),
    ("Anrede", 100, 150, 90, 28),
    ("Dr.", 650, 150, 40, 30),
    ("Name", 100, 200, 70, 28),
    ("Emma Waston", 650, 200, 170, 30),
    ("Nationalität", 100, 250, 140, 28),
    ("Deutschland", 650, 250, 160, 30),
]

# the reading printed small over Japanese labels and names (furigana) is no value
FURIGANA = [
    ("かつどうねんすう", 110, 200, 120, 14),
    ("活動年数", 100, 216, 130, 30),
    ("3年目", 400, 216, 80, 30),
    ("めい", 110, 280, 40, 14),
    ("クラブ名", 100, 296, 130, 30),
    ("きれいきれい", 400, 296, 180, 30),
]


@pytest.mark.parametrize(("key", "value"), sorted(ANMELDUNG_FIELDS.items()))
def test_a_caption_asked_alone_reads_the_value_over_it(key: str, value: str) -> None:
    got = extract_fields(lines_doc(ANMELDUNG), [key])[key]
    assert got is not None and got.value == value


def test_captions_asked_together() -> None:
    got = extract_fields(lines_doc(ANMELDUNG), list(ANMELDUNG_FIELDS))
    assert {k: r.value for k, r in got.items()} == ANMELDUNG_FIELDS


@pytest.mark.parametrize(
    ("key", "value"),
    [("Apellidos", "García Morales"), ("DNI/NIE", "48295731D"), ("Nombre", "Lucía")],
)
def test_typed_captions_in_the_values_print(key: str, value: str) -> None:
    keys = ["Apellidos", "Nombre", "DNI/NIE", "Fecha de nacimiento", "Teléfono particular"]
    got = extract_fields(lines_doc(SOLICITUD), keys)[key]
    assert got is not None and got.value == value


def test_labels_over_values_are_not_captions() -> None:
    got = extract_fields(lines_doc(CELLS), list(CELLS_FIELDS))
    assert {k: r.value for k, r in got.items()} == CELLS_FIELDS
    alone = extract_fields(lines_doc(CELLS), ["Achternaam"])["Achternaam"]
    assert alone.value != "Straat en huisnummer"


@pytest.mark.parametrize("together", [True, False])
def test_a_heading_over_labels_with_row_values(together: bool) -> None:
    want = {"Anrede": "Dr.", "Name": "Emma Waston", "Nationalität": "Deutschland"}
    if together:
        got = {k: r.value for k, r in extract_fields(lines_doc(ROWS), list(want)).items()}
    else:
        got = {k: extract_fields(lines_doc(ROWS), [k])[k].value for k in want}
    assert got == want


def test_furigana_over_a_label_is_no_value() -> None:
    got = extract_fields(lines_doc(FURIGANA), ["活動年数", "クラブ名"])
    assert got["活動年数"].value == "3年目"
    assert got["クラブ名"].value == "きれいきれい"


# labels over their values under a letterhead, the last row blank: not captions
LETTERHEAD = [
    ("ACME GmbH", 100, 100, 150, 28),
    ("Tel. 030 123456", 700, 100, 200, 28),
    ("Kunde", 100, 140, 80, 28),
    ("Auftrag", 700, 140, 100, 28),
    ("Meier KG", 104, 175, 120, 28),
    ("A-2024-17", 704, 175, 130, 28),
    ("Lieferdatum", 100, 240, 140, 28),
    ("Zahlungsziel", 700, 240, 150, 28),
]
# the same under two section headings, values in taller print
LAST_ROW_BLANK = [
    ("Antragsteller", 100, 120, 170, 36),
    ("Ehepartner", 700, 120, 150, 36),
    ("Familienname", 100, 170, 140, 26),
    ("Schmidt", 104, 200, 120, 32),
    ("Vorname", 100, 250, 100, 26),
    ("Peter", 104, 280, 80, 32),
    ("Bemerkungen", 100, 330, 140, 26),
    ("Telefon", 700, 330, 100, 26),
]
# a code block over two column headings is neither's value
CODE_OVER_HEADINGS = [
    ("X7Q-2291-AB44-9931-KLM0-5521", 100, 100, 700, 30),
    ("Amount", 100, 140, 90, 28),
    ("Rate", 600, 140, 60, 28),
    ("1,234.00", 100, 175, 110, 28),
    ("13%", 600, 175, 50, 28),
    ("Note", 100, 240, 70, 28),
]


def test_a_letterhead_over_labels_with_a_blank_last_row() -> None:
    keys = ["Kunde", "Auftrag", "Lieferdatum", "Zahlungsziel"]
    got = {k: r.value for k, r in extract_fields(lines_doc(LETTERHEAD), keys).items()}
    assert got == {
        "Kunde": "Meier KG",
        "Auftrag": "A-2024-17",
        "Lieferdatum": None,
        "Zahlungsziel": None,
    }
    keys = ["Familienname", "Vorname", "Bemerkungen", "Telefon"]
    got = {k: r.value for k, r in extract_fields(lines_doc(LAST_ROW_BLANK), keys).items()}
    assert got["Familienname"] == "Schmidt" and got["Vorname"] == "Peter"
    assert got["Bemerkungen"] is None


def test_a_code_block_over_two_headings_is_neither_value() -> None:
    got = extract_fields(lines_doc(CODE_OVER_HEADINGS), ["Amount", "Rate", "Note"])
    assert got["Amount"].value == "1,234.00" and got["Rate"].value == "13%"
