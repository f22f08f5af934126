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
