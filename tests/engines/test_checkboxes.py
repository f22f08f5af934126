"""Check boxes (engines/checkboxes.py, tasks/extract/boxes.py): drawn forms read by the real
engine; the boxes found, where they are written, and the fields they answer, in the service and
over HTTP."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from promptocr.document.model import Block, Document, Line, Page, Word, polygon_of
from promptocr.engines.checkboxes import (
    EMPTY,
    ROUND_EMPTY,
    ROUND_TICKED,
    TICKED,
    CheckBox,
    find_checkboxes,
    find_on_page,
    place_checkboxes,
)
from promptocr.synth import Canvas, checkbox_form, radio_form
from promptocr.tasks.extract import FieldResult, extract_all_pairs, extract_fields
from promptocr.tasks.extract.boxes import choice_answer, options_in, question_answer
from promptocr.tasks.service import Service


def _gray(c: Canvas) -> np.ndarray:
    return np.asarray(c.image.convert("L"))


def test_boxes_are_found_empty_and_ticked_and_a_bullet_is_none() -> None:
    boxes = sorted(
        find_checkboxes(_gray(checkbox_form()), 26.0), key=lambda b: b.box[1:2] + b.box[:1]
    )
    want = [(380, 112, False), (540, 112, True), (760, 112, False)]
    want += [(200, 182, False), (200, 232, True), (200, 282, False)]
    framed = [b for b in boxes if b.box[1] < 330 and not b.radio]  # (rings: letters `o`)
    assert len(framed) == len(want)
    for b, (x, y, ticked) in zip(framed, want, strict=True):
        assert abs(b.box[0] - x) <= 2 and abs(b.box[1] - y) <= 2 and b.ticked is ticked
    # the filled square is a bullet; frames found in the letters (`D`, `O`, `0`) are not
    # written into the page unless read as a box (below)
    assert not any(b.box[0] < 60 and b.box[1] > 330 for b in boxes)


def test_a_photographed_page_is_searched_scaled_down_and_its_boxes_scaled_back() -> None:
    c = checkbox_form()
    big = c.image.convert("L").resize((c.image.width * 3, c.image.height * 3), Image.LANCZOS)
    boxes = sorted(
        (b for b in find_on_page(np.asarray(big), 78.0) if not b.radio), key=lambda b: b.box[:2]
    )
    # the three boxes after their text, found at a third of the size, in the photo's pixels
    got = [(b.box[0] / 3, b.box[1] / 3, b.ticked) for b in boxes][:3]
    want = [(200, 182, False), (200, 232, True), (200, 282, False)]
    for (x, y, ticked), (wx, wy, wt) in zip(got, want, strict=True):
        assert abs(x - wx) <= 2 and abs(y - wy) <= 2 and ticked is wt


def _word(text: str, x0: float, x1: float, y: float = 100.0, h: float = 20.0) -> Word:
    return Word(text, 0.95, polygon_of((x0, y, x1, y + h)))


def _line(*words: Word) -> Line:
    return Line(" ".join(w.text for w in words), 0.95, polygon_of(_union(words)), list(words))


def _union(words: tuple[Word, ...]) -> tuple[float, float, float, float]:
    return (
        min(w.bbox[0] for w in words),
        min(w.bbox[1] for w in words),
        max(w.bbox[2] for w in words),
        max(w.bbox[3] for w in words),
    )


def test_a_box_read_as_a_glyph_becomes_the_box_and_a_letter_stays_text() -> None:
    lines = [
        _line(_word("XP.O.", 100, 160)),  # the cross read into the option's first word
        _line(_word("□", 200, 214), _word("I.V.", 220, 250)),
        _line(_word("人口", 300, 340)),  # 口 in a word: text
        _line(_word("ROOM", 400, 460)),  # a square O: text
        _line(_word("V", 500, 516), _word("Water", 530, 580)),  # a tick read as a `V`
    ]
    boxes = [
        CheckBox((100, 103, 114, 117), True),
        CheckBox((200, 103, 214, 117), False),
        CheckBox((321, 101, 339, 119), False),
        CheckBox((416, 103, 430, 117), False),
        CheckBox((500, 102, 516, 118), True),
    ]
    out, placed = place_checkboxes(lines, boxes)
    texts = [ln.text for ln in out]
    assert texts == [f"{TICKED} P.O.", f"{EMPTY} I.V.", "人口", "ROOM", f"{TICKED} Water"]
    assert len(placed) == 3


def test_a_box_between_two_options_goes_to_the_side_the_page_uses() -> None:
    # `Sales Analysis ☐ Consumer Research ☑`: the last box has only its text to go to (after
    # it), so the one between the two lines goes after `Sales Analysis` too
    lines = [_line(_word("Sales", 100, 150), _word("Analysis", 155, 230))]
    lines.append(_line(_word("Consumer", 276, 350), _word("Research", 355, 430)))
    boxes = [CheckBox((246, 102, 262, 118), False), CheckBox((446, 102, 462, 118), True)]
    out, _ = place_checkboxes(lines, boxes)
    assert [ln.text for ln in out] == [f"Sales Analysis {EMPTY}", f"Consumer Research {TICKED}"]
    assert [(o.text, o.ticked) for ln in out for o in options_in(ln)] == [
        ("Sales Analysis", False),
        ("Consumer Research", True),
    ]


def test_a_box_alone_on_its_row_is_a_line_of_its_own() -> None:
    out, placed = place_checkboxes(
        [_line(_word("Name:", 100, 160))], [CheckBox((600, 300, 616, 316), True)]
    )
    assert [ln.text for ln in out] == ["Name:", TICKED] and len(placed) == 1


def _doc(*lines: Line) -> Document:
    return Document(pages=[Page(index=0, width=1000, height=600, blocks=[Block(list(lines))])])


def test_a_question_answers_with_its_options_and_an_option_with_its_box() -> None:
    q = _line(_word("Marital", 40, 110), _word("status:", 115, 180))
    opts = _line(
        _word(EMPTY, 220, 236),
        _word("Single", 242, 300),
        _word(TICKED, 330, 346),
        _word("Married", 352, 420),
        _word(EMPTY, 450, 466),
        _word("Widowed", 472, 550),
    )
    got = extract_fields(_doc(q, opts), ["Marital status", "Married", "Single"])
    ms = got["Marital status"]
    # the options as printed, the ticked one normalised
    assert ms.value == f"{EMPTY} Single {TICKED} Married {EMPTY} Widowed"
    assert ms.normalized == ["Married"] and ms.type == "choice" and ms.reason is None
    assert ms.bbox == [220.0, 100.0, 550.0, 120.0]
    assert got["Married"].value == TICKED and got["Married"].normalized is True
    assert got["Single"].value == EMPTY and got["Single"].normalized is False
    assert got["Single"].bbox == [220.0, 100.0, 236.0, 120.0]


def test_a_question_with_no_option_ticked_says_so() -> None:
    q = _line(_word("Smoker:", 40, 120))
    opts = _line(_word(EMPTY, 160, 176), _word("Yes", 182, 220), _word(EMPTY, 250, 266))
    opts.words.append(_word("No", 272, 300))
    opts.text = " ".join(w.text for w in opts.words)
    got = extract_fields(_doc(q, opts), ["Smoker"])["Smoker"]
    assert got.value == f"{EMPTY} Yes {EMPTY} No" and got.normalized == []
    assert got.reason is not None and "Yes, No" in got.reason


def test_marks_printed_in_a_words_text_are_options_too() -> None:
    # a text layer or a recogniser that read the boxes glued to their words (`☒ja □nein`)
    q = _line(_word("Mitglied?", 40, 130))
    opts = _line(_word("☒ja", 170, 210), _word("□nein", 230, 290))
    got = extract_fields(_doc(q, opts), ["Mitglied?", "nein"])
    assert got["Mitglied?"].normalized == ["ja"] and got["Mitglied?"].value == "☒ja □nein"
    assert got["nein"].value == EMPTY and got["nein"].normalized is False


def test_a_key_printed_as_a_label_too_keeps_its_value() -> None:
    # `E-Mail` is a label with its address and, lower, one of the ways to be reached
    lines = [
        _line(_word("E-Mail:", 40, 110), _word("tom@example.org", 130, 300)),
        _line(_word("Reach", 40, 100, y=200), _word("me", 105, 130, y=200)),
        _line(_word("by:", 135, 170, y=200), _word(EMPTY, 200, 216, y=200)),
    ]
    lines[2].words.append(_word("E-Mail", 222, 290, y=200))
    lines[2].text = " ".join(w.text for w in lines[2].words)
    got = extract_fields(_doc(*lines), ["E-Mail"])["E-Mail"]
    assert got.value == "tom@example.org"


def test_the_service_reads_the_boxes_for_extraction_and_parsing_only() -> None:
    buf = io.BytesIO()
    checkbox_form().image.save(buf, format="PNG")
    data = buf.getvalue()
    svc = Service(vlm=None)
    r = svc.run(
        data,
        'Extract the content of the fields: ["Route of administration", "Injection", '
        '"Oral", "Transfer", "Shipment"]',
    )
    f = r.output["fields"]
    assert f["Route of administration"] == f"{EMPTY} Oral {TICKED} Injection {EMPTY} Inhalation"
    assert r.output["details"]["Route of administration"]["normalized"] == ["Injection"]
    assert f["Injection"] == TICKED and f["Oral"] == EMPTY
    assert f["Transfer"] == TICKED and f["Shipment"] == EMPTY
    u = r.usage.to_dict()
    assert u["checkboxes"] == {"found": 6, "ticked": 2} and u["stages_ms"]["checkboxes"] >= 0
    assert r.plan.runs("checkboxes")
    # reading the page runs no box search (the recogniser reads some boxes itself, as `□`
    # and `☑`, but misses those before the options)
    read = svc.run(data, "")
    assert not read.plan.runs("checkboxes") and "checkboxes" in read.usage.skipped
    assert "checkboxes" not in read.usage.to_dict() and EMPTY not in read.document.text
    # the page parsed to Markdown shows the boxes where they are printed
    parsed = svc.run(data, "parse this page to markdown")
    assert parsed.plan.runs("checkboxes")
    md = parsed.output["markdown"]
    assert f"{EMPTY} Oral {TICKED} Injection {EMPTY} Inhalation" in md
    assert f"Transfer {TICKED}" in md and f"Shipment {EMPTY}" in md


def test_extract_everything_answers_a_question_with_its_options() -> None:
    q = _line(_word("Sex:", 40, 90))
    opts = _line(_word(EMPTY, 130, 146), _word("Male", 152, 200), _word(TICKED, 230, 246))
    opts.words.append(_word("Female", 252, 320))
    opts.text = " ".join(w.text for w in opts.words)
    pairs = extract_all_pairs(_doc(q, opts))
    assert any(r.normalized == ["Female"] and r.type == "choice" for r in pairs.values())


def test_a_row_of_options_stops_at_one_that_opens_a_field() -> None:
    # `□ Nein  ▣ Ja: ____`: the value found is the first option; the row goes on only to
    # options of the same question (`Ja:` opens a field of its own), and `▣` is a ticked box
    opts = _line(_word(EMPTY, 180, 196), _word("Nein", 202, 250))
    ja = _line(_word("▣", 300, 316), _word("Ja:", 322, 350))
    found = FieldResult("Einkommen?", f"{EMPTY} Nein", page=1, bbox=[180.0, 100.0, 250.0, 120.0])
    got = choice_answer(_doc(opts, ja), found)
    assert got is not None and got.value == f"{EMPTY} Nein" and got.normalized == []
    assert options_in(ja)[0].ticked and options_in(ja)[0].text == "Ja"


def test_a_qr_codes_corner_squares_are_no_boxes() -> None:
    # a QR code beside a label: its three corner rings around solid squares are no ticked boxes
    rng = np.random.default_rng(3)
    for module, height in ((3, 20.0), (5, 26.0)):
        grid = rng.random((25, 25)) < 0.5
        for r, c in ((0, 0), (0, 18), (18, 0)):
            grid[max(0, r - 1) : r + 8, max(0, c - 1) : c + 8] = False  # with its white margin
            grid[r : r + 7, c] = grid[r : r + 7, c + 6] = True
            grid[r, c : c + 7] = grid[r + 6, c : c + 7] = True
            grid[r + 2 : r + 5, c + 2 : c + 5] = True
        page = np.full((400, 400), 255, np.uint8)
        big = np.kron(grid, np.ones((module, module), bool))
        page[50 : 50 + big.shape[0], 50 : 50 + big.shape[1]][big] = 0
        assert find_checkboxes(page, height) == []


def test_a_box_placed_beside_a_box_read_as_a_line_is_not_lost() -> None:
    # a box read as a line of its own (`□`) leaves the lines; a box beside it is still written
    glyph = _line(_word("□", 200, 220))
    other = _line(_word("Other", 0, 60))
    boxes = [CheckBox((240, 100, 260, 120), False), CheckBox((200, 100, 220, 120), True)]
    out, placed = place_checkboxes([glyph, other], boxes)
    assert len(placed) == 2 and sorted(ln.text for ln in out) == sorted(["Other", EMPTY, TICKED])


def test_an_empty_word_is_no_box_and_no_option() -> None:
    ln = _line(_word("", 100, 120), _word("Yes", 125, 160))
    out, placed = place_checkboxes([ln], [CheckBox((100, 100, 120, 120), True)])
    assert placed == [] and out == [ln]
    marked = _line(_word(TICKED, 100, 120), _word("", 125, 130), _word("Yes", 135, 160))
    assert [(o.text, o.ticked) for o in options_in(marked)] == [("Yes", True)]


def test_a_question_is_found_where_its_label_starts_a_line() -> None:
    # `Sex:` is also inside `Resident of Sussex`, whose row holds other options
    lines = [
        _line(_word("Resident", 40, 120, y=50), _word("of", 125, 140, y=50)),
        _line(_word(TICKED, 40, 56, y=80), _word("Yes", 60, 100, y=80)),
        _line(_word("Sex:", 40, 80, y=200), _word(EMPTY, 100, 116, y=200)),
    ]
    lines[0].words.append(_word("Sussex:", 145, 210, y=50))
    lines[0].text = " ".join(w.text for w in lines[0].words)
    lines[2].words += [_word("M", 120, 135, y=200), _word(TICKED, 150, 166, y=200)]
    lines[2].words.append(_word("F", 170, 185, y=200))
    lines[2].text = " ".join(w.text for w in lines[2].words)
    got = question_answer(_doc(*lines), FieldResult("Sex", None, label="Sex:", page=1))
    assert got is not None and got.normalized == ["F"] and got.value == f"{EMPTY} M {TICKED} F"


def test_a_value_grown_over_two_rows_of_options_answers_from_both() -> None:
    # the linker grows `Status:`'s value over both rows of its options: the options are read
    # from its first row on (the middle of its box lies between the two rows)
    rows = [
        [_word(EMPTY, 140, 156, y=100), _word("Single", 162, 220, y=100)],
        [_word(EMPTY, 140, 156, y=126), _word("Divorced", 162, 240, y=126)],
    ]
    rows[0] += [_word(EMPTY, 250, 266, y=100), _word("Married", 272, 340, y=100)]
    rows[1] += [_word(TICKED, 250, 266, y=126), _word("Widowed", 272, 350, y=126)]
    doc = _doc(_line(_word("Status:", 40, 110, y=100)), _line(*rows[0]), _line(*rows[1]))
    got = extract_fields(doc, ["Status"])["Status"]
    assert got.value == f"{EMPTY} Single {EMPTY} Married {EMPTY} Divorced {TICKED} Widowed"
    assert got.normalized == ["Widowed"] and got.type == "choice"


def test_radio_buttons_are_found_empty_and_chosen() -> None:
    # at the page's own size and scaled down (where a chosen button's dot may touch its ring)
    gray = _gray(radio_form())
    for f in (1.0, 0.8):
        page = (
            gray
            if f == 1.0
            else np.asarray(
                radio_form()
                .image.convert("L")
                .resize((int(gray.shape[1] * f), int(gray.shape[0] * f)), Image.LANCZOS)
            )
        )
        rings = sorted(
            (b for b in find_checkboxes(page, 30.0 * f) if b.radio),
            key=lambda b: (b.box[1], b.box[0]),
        )
        want = [(200, 114, False), (330, 114, True), (480, 114, False)]
        want += [(60, 284, False), (60, 334, False), (60, 384, True)]
        # each button found, in its state (the round letters found too are settled where
        # the rings are written: below)
        for wx, wy, wt in want:
            at = [b for b in rings if abs(b.box[0] / f - wx) <= 3 and abs(b.box[1] / f - wy) <= 3]
            assert len(at) == 1 and at[0].ticked is wt, (wx, wy, at)
        assert all(b.text in (ROUND_EMPTY, ROUND_TICKED) for b in rings)


def test_a_ring_is_a_radio_button_only_in_a_group_and_read_as_one() -> None:
    lines = [
        _line(_word("Blood", 40, 100), _word("type:", 105, 160), _word("O", 170, 186)),
        _line(_word("O", 200, 218, y=200), _word("Yes", 226, 270, y=200)),
        _line(_word("to", 40, 60, y=300), _word("book", 65, 120, y=300)),
    ]
    rings = [
        CheckBox((170, 102, 186, 118), False, radio=True),  # a lone `O`: a letter
        CheckBox((200, 201, 218, 219), False, radio=True),  # read as `O`, beside another
        CheckBox((300, 201, 318, 219), True, radio=True),  # nothing read over it
        CheckBox((48, 306, 58, 316), False, radio=True),  # the `o` of `to`
        CheckBox((90, 306, 100, 316), False, radio=True),  # an `o` of `book`
    ]
    out, placed = place_checkboxes(lines, rings)
    assert [ln.text for ln in out] == [
        "Blood type: O",
        f"{ROUND_EMPTY} Yes {ROUND_TICKED}",
        "to book",
    ]
    assert len(placed) == 2


def test_a_form_with_radio_buttons_answers_with_the_chosen_ones() -> None:
    # through the real engine: a row of buttons after its question, a column of them under
    # its question (the linker links the first; the column is read down), a lone capital `O`
    buf = io.BytesIO()
    radio_form().image.save(buf, format="PNG")
    r = Service(vlm=None).run(
        buf.getvalue(),
        'Extract the content of the fields: ["Gender:", "Blood type:", "Preferred contact:", '
        '"ROOM TO BOOK:"]',
    )
    f, d = r.output["fields"], r.output["details"]
    assert f["Gender:"] == f"{ROUND_EMPTY} Male {ROUND_TICKED} Female {ROUND_EMPTY} Other"
    assert d["Gender:"]["normalized"] == ["Female"] and d["Gender:"]["type"] == "choice"
    assert f["Preferred contact:"] == (
        f"{ROUND_EMPTY} Phone {ROUND_EMPTY} Email {ROUND_TICKED} Post"
    )
    assert d["Preferred contact:"]["normalized"] == ["Post"]
    assert f["Blood type:"] == "O" and f["ROOM TO BOOK:"] == "2000"
    assert r.usage.to_dict()["checkboxes"] == {"found": 6, "ticked": 2}
    everything = extract_all_pairs(r.document)
    chosen = sorted(str(x.normalized) for x in everything.values() if x.type == "choice")
    assert chosen == ["['Female']", "['Post']"]


def test_options_stacked_in_a_column_answer_their_own_question_only() -> None:
    # `Q1: ◉ A` over `Q2: ◉ B`: the option under Q1's is Q2's, whether its label was read as
    # a line of its own or in one line with the option
    for one_line in (False, True):
        q2 = [_word("Q2:", 40, 80, y=130)]
        b = [_word(ROUND_TICKED, 100, 116, y=130), _word("B", 122, 140, y=130)]
        lines = [
            _line(_word("Q1:", 40, 80, y=100)),
            _line(_word(ROUND_TICKED, 100, 116, y=100), _word("A", 122, 140, y=100)),
        ]
        lines += [_line(*q2, *b)] if one_line else [_line(*q2), _line(*b)]
        got = extract_fields(_doc(*lines), ["Q1", "Q2"])
        assert got["Q1"].value == f"{ROUND_TICKED} A" and got["Q1"].normalized == ["A"]
        assert got["Q2"].normalized == ["B"]


def test_a_column_of_options_under_its_question_is_read_down() -> None:
    lines = [_line(_word("Contact:", 40, 120, y=100))]
    for k, (mark, text) in enumerate(((ROUND_EMPTY, "Phone"), (ROUND_TICKED, "Post"))):
        y = 130 + 30 * k
        lines.append(_line(_word(mark, 60, 76, y=y), _word(text, 82, 140, y=y)))
    lines.append(_line(_word("Signature:", 40, 140, y=200)))
    got = extract_fields(_doc(*lines), ["Contact"])["Contact"]
    assert got.value == f"{ROUND_EMPTY} Phone {ROUND_TICKED} Post" and got.normalized == ["Post"]


def test_round_letters_and_hollow_bullets_stay_text() -> None:
    # the word `o` twice on a row (Portuguese, Spanish), a capital `O` as a value twice in a
    # column, hollow bullets drawn before a list: rings, but no group with a chosen button
    c = Canvas(1000, 520)
    c.text((40, 40), "Leia o contrato e assine o termo hoje.", size=26)
    for y, who, t in ((100, "Donor 1 blood type:", "O"), (150, "Donor 2 blood type:", "O")):
        c.text((40, y), who, size=26)
        c.text((400, y), t, size=26)
    c.text((40, 230), "What to bring:", size=26)
    for k, item in enumerate(("Your passport", "Two photos", "The fee")):
        c.radio(60, 286 + 50 * k, 16)
        c.text((90, 280 + 50 * k), item, size=26)
    buf = io.BytesIO()
    c.image.save(buf, format="PNG")
    svc = Service(vlm=None)
    r = svc.run(buf.getvalue(), "parse this page to markdown")
    md = r.output["markdown"]
    assert ROUND_EMPTY not in md and ROUND_TICKED not in md and "Leia o contrato" in md
    assert r.usage.to_dict()["checkboxes"] == {"found": 0, "ticked": 0}
    f = svc.run(buf.getvalue(), 'Extract the fields: ["Donor 1 blood type", "Donor 2 blood type"]')
    values = list(f.output["fields"].values())
    assert len(values) == 2 and all(v in ("O", "0") for v in values)  # (as the OCR reads it)
    # a list printed with `○` (a text layer) is no group of options either
    q = _line(_word("What", 40, 90), _word("to", 95, 115), _word("bring:", 120, 180))
    items = [
        _line(_word("○", 60, 76, y=130 + 30 * k), _word(t, 82, 200, y=130 + 30 * k))
        for k, t in enumerate(("Passport", "Photos"))
    ]
    got = extract_fields(_doc(q, *items), ["What to bring"])["What to bring"]
    assert got.type != "choice"


def test_thick_and_small_empty_rings_are_not_chosen() -> None:
    for d, stroke in ((10, 3), (12, 3), (16, 4), (24, 6)):
        c = Canvas(400, 120)
        for x in (40, 140):
            c.draw.ellipse((x, 40, x + d, 40 + d), outline="black", width=stroke)
        rings = [b for b in find_checkboxes(_gray(c), 2.2 * d) if b.radio]
        assert len(rings) == 2 and not any(b.ticked for b in rings), (d, stroke, rings)


def test_a_chosen_button_is_read_on_a_page_searched_scaled_down() -> None:
    # at two and three times the size the text is taller than the search's 24 px: the page is
    # searched scaled down, where a chosen button's dot runs into its ring
    for f in (2, 3):
        im = radio_form().image
        big = np.asarray(im.convert("L").resize((im.width * f, im.height * f), Image.LANCZOS))
        rings = [b for b in find_on_page(big, 30.0 * f) if b.radio]
        chosen = sorted((b.box[0] // f, b.box[1] // f) for b in rings if b.ticked)
        assert len(chosen) == 2, (f, rings)
        assert abs(chosen[0][0] - 60) <= 3 and abs(chosen[1][0] - 330) <= 3


def test_filled_discs_are_bullets_not_chosen_radio_buttons() -> None:
    c = Canvas(500, 200)
    for y in (40, 100):
        c.draw.ellipse((40, y, 58, y + 18), fill="black")  # `●`: a bullet
        c.text((70, y - 4), "Item", size=22)
    assert not any(b.radio for b in find_checkboxes(_gray(c), 30.0))


def test_radio_buttons_stay_in_the_markdown_and_are_no_list_bullets() -> None:
    buf = io.BytesIO()
    radio_form().image.save(buf, format="PNG")
    md = Service(vlm=None).run(buf.getvalue(), "parse this page to markdown").output["markdown"]
    assert f"Gender: {ROUND_EMPTY} Male {ROUND_TICKED} Female {ROUND_EMPTY} Other" in md
    assert f"{ROUND_EMPTY} Phone" in md and f"{ROUND_TICKED} Post" in md
    assert "- Phone" not in md and "Blood type: O" in md


def test_a_question_in_capitals_before_its_radio_buttons_is_a_label() -> None:
    from promptocr.tasks.extract.linked import _capitals_lead

    assert _capitals_lead(f"GENDER {ROUND_EMPTY} MALE {ROUND_TICKED} FEMALE")
    assert _capitals_lead(f"GENDER {EMPTY} MALE {TICKED} FEMALE")


def test_extract_everything_gives_a_box_without_a_question_its_own_field() -> None:
    # `Shipment ☐` / `Transfer ☑` / `Storage ☐` stand without a question: each option is a
    # field answered by its box, never a key whose value is the next option or the next line
    buf = io.BytesIO()
    checkbox_form().image.save(buf, format="PNG")
    r = Service(vlm=None).run(buf.getvalue(), "extract all key-value pairs")
    d = r.output["details"]
    boxes = {k: (v["value"], v["normalized"]) for k, v in d.items() if v["type"] == "checkbox"}
    assert boxes == {
        "Shipment": (EMPTY, False),
        "Transfer": (TICKED, True),
        "Storage": (EMPTY, False),
    }
    assert d["Route of administration"]["normalized"] == ["Injection"]
    assert not any("DOOR" in str(v["value"]) for v in d.values())


def test_an_option_with_its_box_after_it_is_no_key_but_a_question_is() -> None:
    from promptocr.tasks.extract.linked import _option

    assert _option(f"Shipment {EMPTY}") and _option(f"{TICKED} P.O.")
    assert not _option(f"Married? {EMPTY}") and not _option(f"{EMPTY} Other:")


def _png(c: Canvas) -> bytes:
    buf = io.BytesIO()
    c.image.save(buf, format="PNG")
    return buf.getvalue()


def test_extract_everything_answers_the_questions_the_linker_left_with_their_boxes() -> None:
    # questions the linker links nothing to (`Married? Yes ☐ No ☑` on one line, the options
    # on the row under `Do you smoke?`, one box after `Single?`): each question answers with
    # its boxes, and its options are no fields of their own
    c = Canvas(1100, 480)
    c.text((40, 40), "Applicant Questionnaire", size=30)
    c.text((40, 110), "Married? Yes", size=22)
    c.check_box(190, 112, 20, "")
    c.text((230, 110), "No", size=22)
    c.check_box(270, 112, 20, "v")
    c.text((40, 180), "Do you smoke?", size=22)
    c.check_box(60, 232, 20, "")
    c.text((90, 230), "Yes", size=22)
    c.check_box(160, 232, 20, "x")
    c.text((190, 230), "No", size=22)
    c.text((40, 300), "Single?", size=22)
    c.check_box(150, 302, 20, "v")
    c.text((40, 420), "Name: John Smith", size=22)
    d = Service(vlm=None).run(_png(c), "extract all key-value pairs").output["details"]
    assert d["Married?"]["normalized"] == ["No"] and d["Married?"]["type"] == "choice"
    assert d["Do you smoke?"]["normalized"] == ["No"]
    assert d["Single?"]["value"] == TICKED and d["Single?"]["type"] == "checkbox"
    assert d["Name"]["value"] == "John Smith"
    assert not any(k.startswith(("Yes", "No")) for k in d)


def test_a_tick_beside_a_value_in_a_text_layer_makes_no_field_of_the_value() -> None:
    lines = [
        _line(_word("Inspected", 40, 140), _word("✔", 150, 166), _word("2024-03-01", 175, 290)),
        _line(_word("Name:", 40, 100, y=160), _word("Ann", 110, 150, y=160)),
    ]
    pairs = extract_all_pairs(_doc(*lines))
    assert "2024-03-01" not in pairs and pairs["Name"].value == "Ann"


def test_radio_buttons_far_apart_on_a_row_or_double_spaced_in_a_column_are_read() -> None:
    c = Canvas(1100, 520)
    c.text((40, 40), "Health questionnaire", size=30)
    c.text((40, 110), "Have you been abroad?", size=22)
    for x, label, on in ((560, "Yes", False), (860, "No", True)):
        c.radio(x, 114, 18, on)
        c.text((x + 26, 110), label, size=22)
    c.text((40, 190), "Preferred contact:", size=22)
    for k, (label, on) in enumerate((("Phone", False), ("Email", False), ("Post", True))):
        c.radio(60, 244 + 72 * k, 16, on)
        c.text((90, 240 + 72 * k), label, size=22)
    r = Service(vlm=None).run(
        _png(c), 'Extract the fields: ["Have you been abroad?", "Preferred contact"]'
    )
    # both buttons of the row are written (15 sizes apart; the chosen one read as `©`); the
    # question's answer stops at 6 box widths between options, so not across this gap
    texts = [ln.text for ln in r.document.pages[0].lines]
    assert f"{ROUND_EMPTY} Yes" in texts and f"{ROUND_TICKED} No" in texts
    assert r.usage.to_dict()["checkboxes"] == {"found": 5, "ticked": 2}
    f = r.output["fields"]
    assert f["Preferred contact"] == f"{ROUND_EMPTY} Phone {ROUND_EMPTY} Email {ROUND_TICKED} Post"


def test_a_page_thinner_than_its_text_is_searched_without_error() -> None:
    for shape in ((400, 1), (1, 400), (3, 3)):
        assert find_on_page(np.full(shape, 255, np.uint8), 100.0) == []


def test_ringed_signs_are_no_chosen_buttons_unless_beside_an_empty_one() -> None:
    # `© ACME ® 2024`: two rings with marks inside, read as signs, and no empty ring beside;
    # then a chosen button read as `©` beside an empty one read as `O`
    cases = [
        ("© ACME ® 2024", (True, True), "© ACME ® 2024"),
        ("O Yes © No", (False, True), f"{ROUND_EMPTY} Yes {ROUND_TICKED} No"),
    ]
    for text, ticked, want in cases:
        a, b, c, d = text.split()
        line = _line(_word(a, 40, 58), _word(b, 64, 110), _word(c, 140, 158), _word(d, 164, 224))
        rings = [
            CheckBox((40, 101, 58, 119), ticked[0], radio=True),
            CheckBox((140, 101, 158, 119), ticked[1], radio=True),
        ]
        out, placed = place_checkboxes([line], rings)
        assert out[0].text == want and len(placed) == (2 if want != text else 0)


def test_a_cross_run_into_its_frame_on_a_blurred_scan_is_a_ticked_box() -> None:
    # blurred, grey, noisy and saved as JPEG: the cross joins the frame and its middle reads
    # solid at the search's scale, which is no QR code's corner (that core stands apart)
    from PIL import ImageFilter

    rng = np.random.default_rng(0)
    gray = checkbox_form().image.convert("L").filter(ImageFilter.GaussianBlur(0.8))
    noisy = np.asarray(gray).astype(np.float32) * 0.85 + 20 + rng.normal(0, 6, gray.size[::-1])
    buf = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=70)
    page = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"))
    boxes = [b for b in find_on_page(page, 30.0) if not b.radio]
    crossed = [b for b in boxes if abs(b.box[0] - 540) <= 4 and abs(b.box[1] - 112) <= 4]
    assert len(crossed) == 1 and crossed[0].ticked


def test_a_value_that_is_one_box_is_typed_a_check_box() -> None:
    doc = _doc(
        _line(_word("Smoker:", 40, 120), _word(EMPTY, 140, 156)),
        _line(_word("Insured:", 40, 120, y=140), _word(TICKED, 140, 156, y=140)),
    )
    for got in (extract_fields(doc, ["Smoker", "Insured"]), extract_all_pairs(doc)):
        assert (got["Smoker"].value, got["Smoker"].type, got["Smoker"].normalized) == (
            EMPTY,
            "checkbox",
            False,
        )
        assert got["Insured"].normalized is True and got["Insured"].type == "checkbox"
