"""A row of `Label: value` fields read as one line (`Bank: First Coastal Bank   Account:
004417729   Routing: 122000661`): a named key's value stops where a wide gap sets the next
label apart, and a key with a generic word more than its label (`account number` for
`Account:`) answers with that value. A colon inside a value set with ordinary spaces
(`Pack: LAKE NEW PACK: 40`) is not cut. The lines are drawn here (`task_synth.worded_line`)."""

from __future__ import annotations

from task_synth import worded_line

from promptocr.document.model import Block, Document, Page
from promptocr.tasks.extract import extract_fields

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
