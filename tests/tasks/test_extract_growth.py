"""Multi-line value growth (`linked._grow_up`, `_tight_above`, `_grow`) stays off the lines of
other printed labels: two labelled rows whose values are printed so close that the lower
value's box overlaps the upper's (layouts from a randomised search, docs/extract.md)."""

from __future__ import annotations

from promptocr.document.model import Block, Document, Line, Page
from promptocr.tasks.extract import extract_fields

ZH_ADDRESS = "北京市东城区景山前街4号"
EN_ADDRESS = "12 High Street, Springfield"


def _page(rows: list[tuple[str, float, float]]) -> Document:
    """Lines 20 px high, their widths as printed (9 px a Latin character, 20 a CJK one)."""
    lines = []
    for text, x, y in rows:
        w = len(text) * (9 if text.isascii() else 20)
        poly = ((x, y), (x + w, y), (x + w, y + 20), (x, y + 20))
        lines.append(Line(text, 0.99, poly, []))
    return Document(pages=[Page(index=0, width=900, height=400, blocks=[Block(lines)])])


def _address(rows: list[tuple[str, float, float]]) -> str | None:
    key = "Address" if rows[-1][0].isascii() else "地址"
    got = extract_fields(_page(rows), [key])[key]
    return got.value if got else None


def test_growth_up_does_not_jump_over_a_line_printed_between() -> None:
    # `Employer` over its value; the address squeezed under that value: the line above the
    # address is the value, not `Employer` above it
    rows = [
        ("Employer", 200, 76),
        ("Springfield Nuclear Power Plant", 200, 100),
        ("Address", 40, 125),
        (EN_ADDRESS, 204, 113),
    ]
    assert _address(rows) == EN_ADDRESS


def test_a_line_beside_another_run_on_its_row_is_that_runs() -> None:
    # the line overlapping the address from above has its own label level with it
    en = [
        ("Company", 40, 100),
        ("Acme Widgets Holdings Limited", 200, 100),
        ("Address", 40, 111),
        (EN_ADDRESS, 208, 113),
    ]
    assert _address(en) == EN_ADDRESS
    zh = [
        ("名称：", 40, 101),
        ("北京海淀科技发展有限公司", 200, 100),
        ("地址：", 40, 111),
        (ZH_ADDRESS, 195, 111),
    ]
    assert _address(zh) == ZH_ADDRESS


def test_a_line_under_a_label_printed_right_above_it_is_that_labels() -> None:
    en = [
        ("Remarks:", 200, 68),
        ("Deliver after five to the back door", 200, 100),
        ("Address:", 40, 111),
        (EN_ADDRESS, 194, 111),
    ]
    assert _address(en) == EN_ADDRESS
    zh = [
        ("名称：", 200, 68),
        ("北京海淀科技发展有限公司", 200, 100),
        ("地址：", 40, 112),
        (ZH_ADDRESS, 209, 112),
    ]
    assert _address(zh) == ZH_ADDRESS
    # a label-sized run without a colon (the role model gives `名称` 0.08) owns it as well
    for label, value, y, x, ay in (
        ("名称", "北京海淀科技发展有限公司", 109.6, 197.2, 110.2),
        ("工作单位", "中国人民大学附属中学高中部", 109.0, 193.6, 111.0),
    ):
        rows = [(label, 200, 67), (value, 200, 100), ("地址", 40, y), (ZH_ADDRESS, x, ay)]
        assert _address(rows) == ZH_ADDRESS, label


def test_the_first_line_right_of_a_label_above_left_is_that_labels() -> None:
    # the address starts a little further left than the line above it, so it is the nearer of
    # the two to `单位` / `Remarks:` by distance; in reading order the upper line comes first
    zh = [
        ("单位", 40, 71),
        ("上海浦东新区贸易有限公司", 200, 100),
        ("地址", 40, 110),
        (ZH_ADDRESS, 192, 111),
    ]
    assert _address(zh) == ZH_ADDRESS
    en = [
        ("Remarks:", 40, 94),
        ("Deliver after five to the back door", 200, 100),
        ("Address:", 40, 111),
        (EN_ADDRESS, 205, 113),
    ]
    assert _address(en) == EN_ADDRESS


def test_a_value_chosen_on_the_wrong_line_does_not_grow_into_the_keys_own() -> None:
    # the model takes the upper line for the address (the labels nearly on one row); the line
    # squeezed under it beside the key is the key's own line, not the rest of another value
    # (the upper line's label above-left of it, or printed right above it)
    above_left = [
        ("Employer:", 40, 61),
        ("Springfield Nuclear Power Plant", 200, 100),
        ("Address:", 40, 113),
        (EN_ADDRESS, 201, 113),
    ]
    right_above = [
        ("Company", 200, 75),
        ("Acme Widgets Holdings Limited", 200, 100),
        ("Address", 40, 110),
        (EN_ADDRESS, 195, 111),
    ]
    for rows in (above_left, right_above):
        got = _address(rows)
        assert got is not None and (got == EN_ADDRESS or EN_ADDRESS not in got), got


def _fields(rows: list[tuple[str, float, float]], keys: list[str]) -> dict[str, str | None]:
    got = extract_fields(_page(rows), keys)
    return {k: (got[k].value if got[k] else None) for k in keys}


TIGHT_1, TIGHT_2 = "The quick brown fox jumps", "over the lazy dog again"


def test_a_title_far_above_owns_no_line_of_a_tight_two_line_value() -> None:
    # a page title (or a note printed over its own value) far above-left is no label of the
    # value's lines: the value squeezed onto two tight lines beside its key stays whole
    for head in ([("INVOICE", 40, 40)], [("Notes:", 40, 60), ("Deliver after five", 40, 84)]):
        rows = [*head, ("Address:", 40, 133), (TIGHT_1, 200, 124), (TIGHT_2, 200, 140)]
        rows.append(("Phone:", 40, 170))
        assert _fields(rows, ["Address"])["Address"] == f"{TIGHT_1} {TIGHT_2}"
    zh = [
        ("发票", 40, 40),
        ("地址：", 40, 133),
        (ZH_ADDRESS, 200, 124),
        ("故宫博物院西侧门", 200, 140),
        ("电话：", 40, 170),
    ]
    assert _fields(zh, ["地址"])["地址"] == f"{ZH_ADDRESS}故宫博物院西侧门"


def test_the_short_value_of_the_field_above_is_no_label_of_the_next_value() -> None:
    # `Bob` stands right above the address and starts where it starts, but it is the value of
    # `Name:` beside it, not a label owning the address's first line
    rows = [
        ("Name:", 40, 84),
        ("Bob", 200, 84),
        ("Address:", 40, 119),
        ("Springfield Office Park", 200, 110),
        ("No. 12 Main Road", 200, 126),
    ]
    got = _fields(rows, ["Name", "Address"])
    assert got["Name"] == "Bob"
    assert got["Address"] == "Springfield Office Park No. 12 Main Road"
