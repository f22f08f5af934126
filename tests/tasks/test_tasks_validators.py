"""Typed values: dates, amounts, phones, e-mail, GB 11643 ID check digits, ICAO 9303 MRZ."""

from __future__ import annotations

import pytest
from task_synth import td3_mrz

from promptocr.tasks.validators import (
    cn_id_check_digit,
    find_amounts,
    find_email,
    find_phone,
    fix_digit_confusions,
    mrz_check_digit,
    parse_date,
    parse_mrz,
    valid_cn_id,
)


@pytest.mark.parametrize(
    ("text", "printed", "iso"),
    [
        ("DATE: 25/12/2018 10:15", "25/12/2018", "2018-12-25"),
        ("18-11-18 13:58 SH01", "18-11-18", "2018-11-18"),
        ("18 Mar 2018 18:25", "18 Mar 2018", "2018-03-18"),
        ("开票日期: 2023年05月12日", "2023年05月12日", "2023-05-12"),
        ("March 5, 2024", "March 5, 2024", "2024-03-05"),
        ("2019-03-14", "2019-03-14", "2019-03-14"),
        ("Date :30-06-201822:16:06", "30-06-2018", "2018-06-30"),
        ("Recorded 12 March 1843", "12 March 1843", "1843-03-12"),
    ],
)
def test_dates_keep_the_printed_form_and_give_iso(text: str, printed: str, iso: str) -> None:
    f = parse_date(text)
    assert f is not None
    assert f.text == printed and f.normalized == iso


def test_not_dates() -> None:
    assert parse_date("MG12/3-32/ - 36/360") is None
    assert parse_date("31/02/2019") is None  # no 31 February
    assert parse_date("TOTAL 13.50") is None
    assert parse_date("REF 1650-10-12") is None  # a year outside validators.YEAR_RANGE
    assert parse_date("Part 2150/11/30") is None


def test_amounts_phone_email() -> None:
    a = find_amounts("TOTAL RM 1,234.50")
    assert a[-1].text == "1,234.50" and a[-1].normalized == "1234.50"
    ph = find_phone("TEL: 03-8076 5521")
    assert ph is not None and ph.normalized == "0380765521"
    em = find_email("mail: Alice@Example.com.")
    assert em is not None and em.normalized == "alice@example.com"


@pytest.mark.parametrize(
    ("text", "printed", "normalized"),
    [
        ("Total TTC 2 772,00 €", "2 772,00", "2772.00"),  # French: spaces, decimal comma
        ("Summe 34.124,00 €", "34.124,00", "34124.00"),  # German
        ("Gesamt 1.234.567", "1.234.567", "1234567.00"),
        ("Preis 12,50", "12,50", "12.50"),
        ("CHF 1'234.50", "1'234.50", "1234.50"),  # Swiss
        ("New Balance: 1.488.126.15", "1.488.126.15", "1488126.15"),  # commas read as points
        ("TOTAL: $ 6.600.00", "6.600.00", "6600.00"),
        ("TOTAL RM 1,234.50", "1,234.50", "1234.50"),
        ("Amount 1 234.56", "1 234.56", "1234.56"),
        ("CHF 1’234.50", "1’234.50", "1234.50"),  # Swiss, with a typographic apostrophe
        ("Betrag 1.000,-", "1.000,-", "1000.00"),  # German whole amount
        ("Total ₹ 1,00,000.00", "1,00,000.00", "100000.00"),  # Indian grouping
    ],
)
def test_amounts_as_printed_across_countries(text: str, printed: str, normalized: str) -> None:
    a = find_amounts(text)
    assert a and a[-1].text == printed and a[-1].normalized == normalized


@pytest.mark.parametrize(
    "text", ["1.234", "12.12.2009", "10,20,30", "12.05.2020", "10,20,300", "Qty 2,5", "Page 1,2"]
)
def test_no_amount_is_read_from_a_part_of_a_figure(text: str) -> None:
    # a thousand or one and a bit, a date, a list: not `1`, `12.12` or `10,20`
    assert find_amounts(text) == []


def test_a_list_of_amounts_goes_on() -> None:
    assert [a.text for a in find_amounts("12.50,13.00")] == ["12.50"]


def test_amounts_with_decimals_are_those_with_cents() -> None:
    assert [a.text for a in find_amounts("4 x 3,50 = 14,00 (1,234)", True)] == ["3,50", "14,00"]


def test_international_phone_numbers_are_read_whole() -> None:
    # a four-digit international prefix and an area code in brackets with spaces inside
    # (a Swiss fax and a German telephone on a FUNSD form were cut to `32-888 5776` and
    # `22 03) 303-362`)
    for text, digits in (
        ("Fax no: 0041-32-888 5776", "0041328885776"),
        ("Telefax (0 22 03) 303-362", "02203303362"),
        ("+86 10 8888 6666", "861088886666"),
        ("(202) 842-9530", "2028429530"),
    ):
        ph = find_phone(text)
        assert ph is not None and ph.normalized == digits, text
        assert text.endswith(ph.text)
    for text in ("04-06-2018", "1000 - 2200", "2019-2020", "Qty 12 x 3", "Qty (1 2) 100 200"):
        assert find_phone(text) is None, text
    # a number before the phone is not taken into it (only `+41`, `0041`)
    for text, got in (
        ("Suite 1200 (212) 555-1234", "(212) 555-1234"),
        ("Unit 1203 03-5631 9320", "03-5631 9320"),
    ):
        ph = find_phone(text)
        assert ph is not None and ph.text == got, text


def test_gb11643_check_digit() -> None:
    assert valid_cn_id("11010519491231002X")  # the standard's worked example
    assert cn_id_check_digit("11010519491231002") == "X"
    assert not valid_cn_id("110105194912310021")  # one digit mistyped
    assert not valid_cn_id("110105194913310028")  # month 13
    assert not valid_cn_id("1101051949123100")  # too short


def test_mrz_td3_check_digits_and_fields() -> None:
    l1, l2 = td3_mrz()
    assert l1.startswith("P<UTOERIKSSON<<ANNA<MARIA") and len(l1) == len(l2) == 44
    assert mrz_check_digit("L898902C3") == "6"  # ICAO 9303 part 3 specimen
    parsed = parse_mrz([l1, l2])
    assert parsed is not None and parsed["valid"] is True
    assert parsed["surname"] == "ERIKSSON" and parsed["given_names"] == "ANNA MARIA"
    assert parsed["date_of_birth"] == "1974-08-12" and parsed["sex"] == "F"
    bad = l2[:9] + ("7" if l2[9] != "7" else "8") + l2[10:]
    broken = parse_mrz([l1, bad])
    assert broken is not None and broken["valid"] is False
    assert broken["checks"]["document_number"] is False  # type: ignore[index]


def test_mrz_td1() -> None:
    lines = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ]
    parsed = parse_mrz(lines)
    assert parsed is not None and parsed["format"] == "TD1" and parsed["valid"] is True
    assert parsed["document_number"] == "D23145890"


def test_digit_slips_inside_numbers() -> None:
    assert fix_digit_confusions("NO 29O, JALAN") == "NO 290, JALAN"
    assert fix_digit_confusions("Jalan 5/1l4C") == "Jalan 5/114C"
    assert fix_digit_confusions("LOT 2718-A, JALAN KMB 6") == "LOT 2718-A, JALAN KMB 6"


def test_a_phone_number_with_masked_digits_is_read_as_printed() -> None:
    # a courier's waybill prints a mobile number's middle digits as stars: read where the
    # key's label points at it, never searched for across the page (a card's or an account's
    # masked number is no phone)
    from promptocr.tasks.extract import typed_value
    from promptocr.tasks.validators import masked_phone

    for text, got in (("139****6620", "139****6620"), ("138-****-1234", "138-****-1234")):
        found = typed_value(text, "phone", beside=True)
        assert found is not None and text[found[0] : found[1]] == got and found[2] == got
        assert typed_value(text, "phone") is None and find_phone(text) is None
    for text in ("4532 **** 6614", "Card **** 6614", "2024**0012", "1,250 ** 300", "12**34"):
        assert masked_phone(text) is None and find_phone(text) is None, text


def test_three_decimals_beside_a_currency_counted_in_thousandths() -> None:
    """Dinars and rials have three decimals (`KD 12.500`, `3.250 BHD`): beside one of their
    codes `12.500` is twelve and a half, not a thousand-separated figure; without one it is
    still no amount (a thousand or twelve and a half)."""
    from promptocr.tasks.validators import find_amounts

    def got(s: str) -> list[tuple[str, str]]:
        return [(f.text, f.normalized) for f in find_amounts(s)]

    assert got("TOTAL KD 12.500") == [("12.500", "12.500")]
    assert got("Total 3.250 BHD") == [("3.250", "3.250")]
    assert got("OMR 1,250.750") == [("1,250.750", "1250.750")]
    assert got("KD 1250.500") == [("1250.500", "1250.500")]
    # (not two letters that start part numbers: `DT 1.250`, `LD 2.500 lens`)
    assert got("LD 2.500 lens") == [] and got("Model RO 1.250 filter") == []
    assert got("KD 12.500 + 1.250 KD") == [("12.500", "12.500"), ("1.250", "1.250")]
    assert got("Amount: 12.500") == []
    assert got("Total 12.50") == [("12.50", "12.50")]
