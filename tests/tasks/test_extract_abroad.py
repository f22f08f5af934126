"""Fields asked for in French, German, Spanish, Italian, Portuguese and Japanese
(`tasks/wordings.py`): the request's field list, the language's conjunctions and articles,
the words after the list, every pair asked for; and forms and invoices drawn with real fonts,
read by the real models, asked in their own language through the service."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont
from task_synth import lines_doc, png

from promptocr.engines.embedded import EmbeddedEngine
from promptocr.errors import UnknownInstructionError
from promptocr.pipeline import OCRPipeline
from promptocr.tasks import Service, plan
from promptocr.tasks.extract import dates, extract_fields, rejoin_split_keys
from promptocr.tasks.fields import guess_type, match_concept
from promptocr.tasks.validators import parse_date

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


@pytest.mark.parametrize(
    ("prompt", "fields"),
    [
        (
            "Extraire le numéro de facture, la date et le total",
            ["numéro de facture", "date", "total"],
        ),
        (
            "Extrayez la date de naissance et l'adresse de ce formulaire",
            ["date de naissance", "adresse"],
        ),
        ("Quel est le montant total ?", ["montant total"]),
        (
            "Donne-moi le nom du client et la date d'échéance en JSON",
            ["nom du client", "date d'échéance"],
        ),
        (
            "Extrahiere Name, Geburtsdatum und Adresse aus dem Formular",
            ["Name", "Geburtsdatum", "Adresse"],
        ),
        ("Was ist der Gesamtbetrag?", ["Gesamtbetrag"]),
        ("Bitte Rechnungsnummer und Datum extrahieren", ["Rechnungsnummer", "Datum"]),
        (
            "Extrae el nombre, la fecha y el importe total de esta factura",
            ["nombre", "fecha", "importe total"],
        ),
        ("¿Cuál es el número de factura?", ["número de factura"]),
        ("Estrai il nome e il codice fiscale", ["nome", "codice fiscale"]),
        ("Qual è l'importo totale?", ["importo totale"]),
        (
            "Extraia o nome, a data de nascimento e o endereço",
            ["nome", "data de nascimento", "endereço"],
        ),
        ("氏名、生年月日と住所を抽出してください", ["氏名", "生年月日", "住所"]),
        ("請求書番号を教えて", ["請求書番号"]),
        ("合計金額はいくらですか", ["合計金額"]),
        ("次の項目を抽出してください：氏名、住所、電話番号", ["氏名", "住所", "電話番号"]),
    ],
)
def test_a_field_request_in_another_language_names_its_fields(
    prompt: str, fields: list[str]
) -> None:
    p = plan(prompt)
    assert p.task == "extract"
    assert p.arguments["fields"] == fields


@pytest.mark.parametrize(
    "prompt",
    [
        "Extraire tous les champs",
        "Extrahiere alle Felder",
        "Extrae todos los campos",
        "Estrai tutti i campi",
        "Extraia todos os campos",
        "すべての項目を抽出してください",
    ],
)
def test_every_field_asked_for_in_another_language(prompt: str) -> None:
    assert plan(prompt).arguments.get("all_pairs") is True


@pytest.mark.parametrize(
    ("prompt", "fields"),
    [
        # how to answer, after the list: its connectors only, never a word of the last field
        ("Extraire le nom du client en JSON", ["nom du client"]),
        ("Extraire le nom du client au format JSON", ["nom du client"]),
        (
            "Extrae el número de factura, la fecha y el total en formato JSON",
            ["número de factura", "fecha", "total"],
        ),
        ("Extrae el total y la fecha como JSON", ["total", "fecha"]),
        ("Extrahiere den Betrag im JSON-Format", ["Betrag"]),
        ("Estrai il totale e la data in formato JSON", ["totale", "data"]),
        # a one-letter conjunction is a word of its own (not the e of e-mail)
        ("Extrae el e-mail", ["e-mail"]),
        ("Estrai l'e-mail e il telefono", ["e-mail", "telefono"]),
        ("Extraia o e-mail e o telefone", ["e-mail", "telefone"]),
        # a document named in the field (of the invoice) stays; one to read from goes
        ("Dammi il numero della fattura", ["numero della fattura"]),
        ("Extraia o número da fatura", ["número da fatura"]),
        ("Extraire le numéro de la facture", ["numéro de la facture"]),
        ("Estrai il nome e il codice fiscale dalla fattura", ["nome", "codice fiscale"]),
        ("Extraire le total de cette facture", ["total"]),
        # a list introduced before a colon, or written as JSON
        ("Extraire les champs suivants : nom, adresse", ["nom", "adresse"]),
        ("Extrahiere folgende Felder: Name, Datum", ["Name", "Datum"]),
        ('Extraire les champs ["Nom", "Date"]', ["Nom", "Date"]),
        ("Pouvez-vous me donner le total ?", ["total"]),
        ("発行日、支払期限を JSON で出力してください", ["発行日", "支払期限"]),
        ("次の情報を請求書から抽出してください：氏名、住所", ["氏名", "住所"]),
        ("お名前とご住所を抽出してください", ["名前", "住所"]),
    ],
)
def test_a_requests_own_words_are_no_part_of_its_fields(prompt: str, fields: list[str]) -> None:
    assert plan(prompt).arguments["fields"] == fields


@pytest.mark.parametrize(
    ("prompt", "task"),
    [
        ("Was ist das?", "vqa"),
        ("¿Qué es esto?", "vqa"),
        ("Che cos'è questo?", "vqa"),
        ("これは何ですか？", "vqa"),
        ("Extraire tout le texte", "read"),
        ("Estrai il testo", "read"),
        ("この画像のテキストを抽出してください", "read"),
        ("Extrahiere die Tabelle", "parse"),
        ("表を抽出してください", "parse"),
        ("Extrae la tabla en HTML", "parse"),
    ],
)
def test_a_request_in_another_language_for_no_field(prompt: str, task: str) -> None:
    """A question about "this" page, its text or its table, asked in another language, is no
    field request."""
    assert plan(prompt).task == task


def test_english_and_chinese_requests_are_read_as_before() -> None:
    assert plan("Extract the name and date").arguments["fields"] == ["name", "date"]
    assert plan("Extract the e-mail and the fax").arguments["fields"] == ["e-mail", "fax"]
    assert plan("提取姓名、性别、身份证号").arguments["fields"] == ["姓名", "性别", "身份证号"]
    # an English question opening with "Was" is no German one, nor "Determine" a French verb
    assert plan("Was the invoice paid?").task == "vqa"
    for prompt in ("Determine the total amount", "Determine what language this is"):
        with pytest.raises(UnknownInstructionError):
            plan(prompt)
    # a label alone, in any language, asks for nothing
    with pytest.raises(UnknownInstructionError):
        plan("Nome e cognome")


def test_keys_worded_as_other_languages_print_the_label() -> None:
    """A key that is an invoice concept's label in another language is that concept (so its
    other labels are searched: `numéro de facture` finds `Facture N°`); a lone date word is a
    date."""
    for key, concept in [
        ("numéro de facture", "invoice_number"),
        ("date d'échéance", "due_date"),
        ("Rechnungsnummer", "invoice_number"),
    ]:
        found = match_concept(key)
        assert found is not None and found.name == concept, key
    for key in ("fecha", "Datum", "data", "日付"):
        assert guess_type(key) == "date", key


def test_a_date_under_another_languages_label_is_normalised() -> None:
    """A key no concept knows that names a date in another language (`Geburtsdatum`,
    `Fecha de expedición`) is typed and normalised as a date where its whole value is one,
    as an English `Date of …` is; a dotted date is day-first even on a page whose other dates
    are month-first."""
    doc = lines_doc(
        [
            ("Date of Incident:", 80, 100, 200),
            ("03/14/2025", 400, 100, 120),
            ("Geburtsdatum:", 80, 160, 200),
            ("12.03.1987", 400, 160, 120),
            ("Fecha de expedición:", 80, 220, 220),
            ("14/05/2024", 400, 220, 120),
            ("Lugar:", 80, 280, 100),
            ("Sevilla", 400, 280, 100),
        ]
    )
    got = extract_fields(doc, ["Date of Incident", "Geburtsdatum", "Fecha de expedición", "Lugar"])
    assert {k: (r.type, r.normalized) for k, r in got.items()} == {
        "Date of Incident": ("date", "2025-03-14"),
        "Geburtsdatum": ("date", "1987-03-12"),
        "Fecha de expedición": ("date", "2024-05-14"),
        "Lugar": ("text", None),
    }
    assert dates.resolve("12.03.1987", "mdy") == ("1987-03-12", None)
    assert dates.resolve("12/03/1987", "mdy") == ("1987-12-03", None)


def test_a_label_joined_by_another_languages_conjunction_stays_one_key() -> None:
    doc = lines_doc(
        [
            ("Nome e cognome:", 80, 100, 200),
            ("Marco Bianchi", 400, 100, 160),
            ("Codice fiscale:", 80, 160, 200),
            ("BNCMRC80A01H501U", 400, 160, 220),
        ]
    )
    keys = plan("Estrai il nome e cognome e il codice fiscale").arguments["fields"]
    assert keys == ["nome", "cognome", "codice fiscale"]
    assert rejoin_split_keys(doc, keys) == ["nome e cognome", "codice fiscale"]


def _page(rows: list[tuple[str, int, int]], font: str = SANS, size: int = 26) -> bytes:
    im = Image.new("RGB", (1600, 900), "white")
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(font, size)
    for text, x, y in rows:
        d.text((x, y), text, font=f, fill="black")
    return png(im)


@pytest.fixture(scope="module")
def service(engine: EmbeddedEngine) -> Service:
    return Service(OCRPipeline(engine))


def test_a_french_invoice_asked_in_french(service: Service) -> None:
    page = _page(
        [
            ("ATELIER BOIS & LUMIÈRE SARL", 80, 60),
            ("Client :", 80, 200),
            ("Mme Claire Dubois", 200, 200),
            ("Facture N° :", 980, 200),
            ("F-2024-0412", 1200, 200),
            ("Date :", 980, 250),
            ("18/04/2024", 1200, 250),
            ("Échéance :", 980, 300),
            ("18/05/2024", 1200, 300),
            ("Total HT", 900, 600),
            ("2 310,00 €", 1360, 600),
            ("TVA 20 %", 900, 655),
            ("462,00 €", 1380, 655),
            ("Total TTC", 900, 710),
            ("2 772,00 €", 1360, 710),
        ]
    )
    r = service.run(page, "Extraire le numéro de facture, la date d'échéance et le total TTC")
    details = r.output["details"]
    got = {k: v["normalized"] for k, v in details.items()}
    assert got == {
        "numéro de facture": "F-2024-0412",
        "date d'échéance": "2024-05-18",
        "total TTC": "2772.00",
    }, details
    assert service.run(page, "Quel est le client ?").output["fields"] == {
        "client": "Mme Claire Dubois"
    }


def test_a_german_and_a_japanese_form_asked_in_their_languages(service: Service) -> None:
    de = _page(
        [
            ("Anmeldeformular", 80, 60),
            ("Name:", 80, 200),
            ("Julia Hoffmann", 400, 200),
            ("Geburtsdatum:", 80, 260),
            ("12.03.1987", 400, 260),
            ("Telefon:", 80, 320),
            ("030 4471 2290", 400, 320),
        ]
    )
    r = service.run(de, "Extrahiere Name und Geburtsdatum aus dem Formular")
    assert r.output["fields"] == {"Name": "Julia Hoffmann", "Geburtsdatum": "12.03.1987"}
    assert r.output["details"]["Geburtsdatum"]["normalized"] == "1987-03-12"
    phone = service.run(de, "Wie lautet das Telefon?").output["fields"]
    assert phone == {"Telefon": "030 4471 2290"}
    ja = _page(
        [
            ("申込書", 80, 60),
            ("氏名", 80, 200),
            ("山田 太郎", 400, 200),
            ("生年月日", 80, 260),
            ("1985年4月12日", 400, 260),
            ("電話番号", 80, 320),
            ("03-1234-5678", 400, 320),
        ],
        font=CJK,
        size=30,
    )
    r = service.run(ja, "氏名と電話番号を抽出してください")
    assert r.output["fields"] == {"氏名": "山田太郎", "電話番号": "03-1234-5678"}


@pytest.mark.parametrize(
    ("printed", "iso"),
    [
        ("5 de marzo de 2024", "2024-03-05"),
        ("1 de mayo del 2022", "2022-05-01"),
        ("12. März 2024", "2024-03-12"),
        ("15. Januar 2024", "2024-01-15"),
        ("1er mars 2024", "2024-03-01"),
        ("le 3 août 2021", "2021-08-03"),
        ("7 maggio 2023", "2023-05-07"),
        ("3 de março de 2023", "2023-03-03"),
        ("12 Dec 2023", "2023-12-12"),
        ("3 sept 2020", "2020-09-03"),
    ],
)
def test_dates_with_the_months_named_in_other_languages(printed: str, iso: str) -> None:
    found = parse_date(printed)
    assert found is not None and found.normalized == iso
    # (a dish is no date: `MAYO 2.50`, nor its count and price: `2 MAYO 10.50`)
    assert parse_date("MAYO 2.50") is None
    assert parse_date("2 MAYO 10.50") is None and parse_date("1 MARS 12.00") is None


def test_a_spanish_invoice_date_in_words_is_normalised() -> None:
    doc = lines_doc(
        [
            ("FACTURA", 80, 40, 160),
            ("Fecha:", 80, 100, 80),
            ("5 de marzo de 2024", 300, 100, 200),
            ("Número de factura:", 80, 140, 200),
            ("A-2291", 300, 140, 80),
        ]
    )
    keys = plan("Extrae la fecha y el número de factura").arguments["fields"]
    got = extract_fields(doc, keys)
    assert got["fecha"].value == "5 de marzo de 2024"
    assert got["fecha"].normalized == "2024-03-05"
    assert got["número de factura"].value == "A-2291"
