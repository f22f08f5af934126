"""The receipt total rules on documents built line by line (no OCR): a lone total key on a
page that is not a receipt, and the cash-paid rule when no total is printed."""

from __future__ import annotations

from promptocr.document.model import Block, Document, Line, Page
from promptocr.tasks import Service


def _line(text: str, x: int, y: int, h: int = 30) -> Line:
    w = 18 * len(text)
    return Line(text, 0.99, ((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


def _doc(rows: list[tuple[str, str | None]]) -> Document:
    lines: list[Line] = []
    for i, (left, right) in enumerate(rows):
        y = 50 + 50 * i
        lines.append(_line(left, 50, y))
        if right is not None:
            lines.append(_line(right, 600, y))
    return Document([Page(0, 1000, 80 + 50 * len(rows), [Block(lines)])])


def _total(doc: Document, prompt: str) -> str | None:
    result = Service(vlm=None).run_on_document(doc, prompt)
    fields = result.output["fields"]
    return next(iter(fields.values()))


def test_a_lone_total_on_an_invoice_is_its_printed_total() -> None:
    doc = _doc(
        [
            ("ACME SUPPLIES LTD", None),
            ("Invoice No: 4711", None),
            ("Widget", "12.00"),
            ("Deposit paid", "250.00"),
            ("Total", "EUR 238"),
        ]
    )
    for prompt in (
        "Extract the total",
        "What is the total amount?",
        "提取图片中的：['Total'] 的字段内容，并按照 JSON 格式返回。",
    ):
        # the printed total, not the deposit; its currency code kept as printed
        assert _total(doc, prompt) == "EUR 238", prompt


def test_cash_paid_is_the_total_only_when_it_can_be() -> None:
    paid = _doc(
        [
            ("KEDAI RUNCIT MAJU", None),
            ("COFFEE", "24.90"),
            ("CUPS", "6.50"),
            ("CASH", "31.40"),
            ("Goods sold are not exchangeable", None),
        ]
    )
    assert _total(paid, "Extract the total") == "31.40"
    # "CASH BILL" is a title; the time under it is no amount paid
    title = _doc(
        [
            ("CASH BILL", None),
            ("12/03/2018 01.15", None),
            ("BREAD", "5.00"),
            ("MILK", "2.50"),
        ]
    )
    assert _total(title, "Extract the total") == "5.00"


def test_a_street_number_is_no_invoice_number() -> None:
    doc = _doc(
        [
            ("KEDAI ABC SDN BHD", None),
            ("NO 12 JALAN MAWAR 3", None),
            ("47000 SUNGAI BULOH", None),
            ("Inv No: A-55012", None),
            ("NASI LEMAK", "5.00"),
            ("TOTAL", "5.00"),
        ]
    )
    assert _total(doc, "Extract the invoice number") == "A-55012"
    assert _total(doc, "提取图片中的：['发票号码'] 的字段内容，并按照 JSON 格式返回。") == "A-55012"


def test_the_more_specific_printed_label_answers_a_synonym() -> None:
    # a VAT invoice's 合计 row (before tax) is printed above 价税合计 (the total): the
    # preset's `total`, printed under neither name, is the longer, more specific label's
    doc = _doc(
        [
            ("货物或应税劳务名称", "金额"),
            ("*办公用品*打印纸", "¥188.00"),
            ("合计", "¥188.00"),
            ("价税合计（大写）", "（小写）¥212.44"),
        ]
    )
    result = Service(vlm=None).run_on_document(doc, "这是一张增值税发票")
    assert result.output["fields"]["total"] == "¥212.44"


def test_a_long_goods_table_answers_its_total_row_not_a_subtotal() -> None:
    lines = [_line(t, x, 50) for t, x in (("货物名称", 50), ("数量", 400), ("金额", 700))]
    y = 100
    for i in range(32):
        lines += [_line(f"item {i}", 50, y), _line("2", 400, y), _line(f"{100 + i}.00", 700, y)]
        y += 40
    lines += [_line("小计", 50, y), _line("￥1.00", 700, y)]
    lines += [_line("合计", 50, y + 40), _line("￥3696.00", 700, y + 40)]
    doc = Document([Page(0, 1000, y + 140, [Block(lines)])])
    assert _total(doc, "提取图片中的：['金额'] 的字段内容，并按照 JSON 格式返回。") == "￥3696.00"


def test_a_total_printed_before_and_after_the_tip_is_the_last() -> None:
    """A restaurant bill prints `Total` before the tip and again after it: the total asked
    alone (the receipt rules) and asked with other keys (the linker) are the last one."""
    doc = _doc(
        [
            ("THE CORNER BISTRO", None),
            ("Burger", "14.50"),
            ("Fries", "4.50"),
            ("Subtotal", "19.00"),
            ("Tax", "1.52"),
            ("Total", "20.52"),
            ("Tip", "4.00"),
            ("Total", "24.52"),
        ]
    )
    assert _total(doc, "Extract the total") == "24.52"
    fields = (
        Service(vlm=None).run_on_document(doc, "Extract the total and the tip").output["fields"]
    )
    assert fields == {"total": "24.52", "tip": "4.00"}


def test_a_column_total_printed_with_its_sign_where_its_label_was_not_read() -> None:
    """The goods table's `合　　计` row lost its `合` (and its `计` stands a little lower, off
    the row), and one goods line was not read, so the cells read do not sum to the total: the
    first cell down the column printed with `￥` and larger than every cell above it is the
    column's total (before: the first goods line's amount)."""
    lines = [_line(t, x, 50) for t, x in (("货物名称", 50), ("数量", 400), ("金额", 700))]
    y = 100
    for i, amount in enumerate(("1801.43", "6039.37", "334507.25")):
        lines += [_line(f"item {i}", 50, y), _line("2", 400, y), _line(amount, 700, y)]
        y += 40
    lines += [_line("计", 150, y + 45), _line("￥390000.00", 700, y + 40)]
    doc = Document([Page(0, 1000, y + 140, [Block(lines)])])
    assert _total(doc, "提取图片中的：['金额'] 的字段内容，并按照 JSON 格式返回。") == "￥390000.00"
    # a figure with the sign that is no larger than a cell above it is no total
    lines[-1] = _line("￥12.00", 700, y + 40)
    doc = Document([Page(0, 1000, y + 140, [Block(lines)])])
    assert _total(doc, "提取图片中的：['金额'] 的字段内容，并按照 JSON 格式返回。") == "1801.43"


def test_a_signed_figure_after_a_label_under_the_column_is_no_column_total() -> None:
    """Under a goods table whose `合计` cells were not read, `（小写） ￥588253.57` stands in
    the `金额` column: it is the 价税合计's figure, not the column's total. And a goods cell
    whose decimal point OCR lost (`23546627`) does not hide the total under it."""
    prompt = "提取图片中的：['金额', '价税合计'] 的字段内容，并按照 JSON 格式返回。"
    head = [_line(t, x, 50) for t, x in (("货物名称", 50), ("数量", 400), ("金额", 700))]

    def table(amounts: tuple[str, ...], tail: list[Line]) -> dict[str, str | None]:
        lines = list(head)
        y = 100
        for i, amount in enumerate(amounts):
            lines += [_line(f"item {i}", 50, y), _line("2", 400, y), _line(amount, 700, y)]
            y += 40
        lines += [ln for ln in tail]
        doc = Document([Page(0, 1000, 700, [Block(lines)])])
        fields = Service(vlm=None).run_on_document(doc, prompt).output["fields"]
        return {k: fields.get(k) for k in ("金额", "价税合计")}

    capital = [_line("价税合计（大写）", 50, 300), _line("（小写）", 600, 300)]
    got = table(("16500.46", "215944.56"), [*capital, _line("￥588253.57", 700, 300)])
    assert got["价税合计"] == "￥588253.57", got
    assert got["金额"] != "￥588253.57", got
    got = table(("67245.42", "23546627", "7127.82"), [_line("￥836909.01", 700, 230)])
    assert got["金额"] == "￥836909.01", got


def test_the_figure_after_xiaoxie_answers_the_total_when_its_label_was_lost() -> None:
    """A photo lost `价税合计（大写）` (a stamp over it), but `（小写） ￥452172.25` was read:
    the figures "in figures" are the invoice's total (before: `null`)."""
    lines = [_line(t, x, 50) for t, x in (("货物名称", 50), ("数量", 400), ("金额", 700))]
    lines += [_line("item", 50, 100), _line("2", 400, 100), _line("400152.44", 700, 100)]
    lines += [_line("（小写）", 560, 200), _line("￥452172.25", 700, 200)]
    doc = Document([Page(0, 1000, 400, [Block(lines)])])
    prompt = "提取图片中的：['价税合计'] 的字段内容，并按照 JSON 格式返回。"
    assert _total(doc, prompt) == "￥452172.25"
