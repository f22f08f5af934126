"""What the hard mode of the VAT invoice benchmark (`promptocr.bench.invoices --hard`) showed
the extraction getting wrong, each on a small page of OCR lines built here: a photo turned 7°,
a goods table whose 合计 row shares its height with the last goods line (data printed off its
rows) or whose label is not read, a tax column of `***`, a long name squeezed onto two lines,
a value printed over its label's tail, a colon read as a semicolon, figures that are codes,
and an amount in words misread around the figures further along the row."""

from __future__ import annotations

import math
from collections.abc import Sequence

from promptocr.bench.invoices import draw_invoice, make_invoice, reference
from promptocr.document.model import Block, Document, Line, Page, Polygon, Word
from promptocr.tasks.extract import extract_fields, typed_value
from promptocr.tasks.extract.features import PageGeometry
from promptocr.tasks.extract.linked import _tight_above, page_units

H = 30.0  # line height (px)


def _width(text: str) -> float:
    return sum(H * (0.55 if ch.isascii() else 1.0) for ch in text)


def _line(text: str, x: float, y: float, h: float = H) -> tuple[str, Polygon]:
    w = _width(text) * h / H
    return text, ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


def _doc(
    lines: Sequence[tuple[str, Polygon]], turn_deg: float = 0.0, size: tuple[int, int] = (1600, 900)
) -> Document:
    """A page of `lines`, turned `turn_deg` degrees (clockwise) about its centre."""
    w, h = size
    a = math.radians(turn_deg)
    c, s = math.cos(a), math.sin(a)

    def turn(poly: Polygon) -> Polygon:
        def pt(p: tuple[float, float]) -> tuple[float, float]:
            dx, dy = p[0] - w / 2, p[1] - h / 2
            return (w / 2 + dx * c - dy * s, h / 2 + dx * s + dy * c)

        p0, p1, p2, p3 = (pt(p) for p in poly)
        return (p0, p1, p2, p3)

    out = [Line(t, 0.95, turn(p), [Word(t, 0.95, turn(p))]) for t, p in lines]
    return Document([Page(0, w, h, [Block(out)])])


def _party(y: float, name: str, tax: str, addr: str, bank: str) -> list[tuple[str, Polygon]]:
    rows = (
        ("名　　称：", name),
        ("纳税人识别号：", tax),
        ("地址、电话：", addr),
        ("开户行及账号：", bank),
    )
    out = []
    for i, (label, value) in enumerate(rows):
        out.append(_line(label, 60, y + i * 45))
        out.append(_line(value, 300, y + i * 45))
    return out


BUYER = (
    "深圳恒泰科技有限公司",
    "91440300MA5F3X2K7Q",
    "深圳市南山区科技路8号 0755-86001234",
    "招商银行南山支行 755912345610801",
)
SELLER = (
    "杭州鼎盛贸易有限公司",
    "91330106MA27Y8R2XB",
    "杭州市西湖区学府路9号 0571-88123456",
    "中国银行西湖支行 366871234567",
)


def test_a_turned_photo_is_levelled_before_linking() -> None:
    lines = _party(60, *BUYER) + _party(330, *SELLER)
    for turn in (-7.0, 7.0):
        doc = _doc(lines, turn)
        got = extract_fields(doc, ["名称", "纳税人识别号", "地址、电话", "开户行及账号"])
        assert got["名称"].value == BUYER[0]
        assert got["纳税人识别号"].value == BUYER[1]
        assert got["地址、电话"].value == BUYER[2]
        assert got["开户行及账号"].value == BUYER[3]
        # the box is in the file's frame: around the turned line, not the levelled one
        want = doc.pages[0].lines[3].bbox  # the buyer's tax number as OCR boxed it
        box = got["纳税人识别号"].bbox
        assert box is not None and all(abs(a - b) < 6 for a, b in zip(box, want, strict=True))


def _table(
    rows: Sequence[tuple[str, str, str]], total: tuple[str, str], label: str | None, total_y: float
) -> list[tuple[str, Polygon]]:
    out = [
        _line(h, x, 100)
        for h, x in (
            ("货物或应税劳务、服务名称", 40),
            ("规格型号", 460),
            ("数量", 640),
            ("单价", 760),
            ("金　额", 940),
            ("税率", 1140),
            ("税　额", 1300),
        )
    ]
    for i, (amount, rate, tax) in enumerate(rows):
        y = 150 + i * 36
        out.append(_line(f"*办公用品*复印纸{i}", 40, y, 26))
        out.append(_line(amount, 1060 - _width(amount) * 26 / H, y, 26))
        out.append(_line(rate, 1150, y, 26))
        out.append(_line(tax, 1440 - _width(tax) * 26 / H, y, 26))
    if label:
        out.append(_line(label[0], 120, total_y))
        out.append(_line(label[1], 300, total_y))
    out.append(_line(total[0], 1060 - _width(total[0]), total_y))
    out.append(_line(total[1], 1440 - _width(total[1]), total_y))
    return out


AMOUNTS = ("1200.00", "350.50", "99.10", "4000.00")
TAXES = ("156.00", "45.57", "12.88", "520.00")


def test_a_columns_total_is_the_cell_that_sums_the_cells_above_it() -> None:
    rows = list(zip(AMOUNTS, ("13%",) * 4, TAXES, strict=True))
    total = ("￥5649.60", "￥734.45")
    # the last goods line printed down onto the 合计 row's height (data misregistered), and
    # the 合计 label not read at all
    last_y = 150 + 3 * 36
    for label, total_y in ((("合", "计"), last_y + 14), (None, last_y + 40)):
        doc = _doc(_table(rows, total, label, total_y))
        got = extract_fields(doc, ["金额", "税率", "税额"])
        assert got["金额"].value == "￥5649.60"
        assert got["税额"].value == "￥734.45"
        assert got["税率"].value == "13%"


def test_a_tax_exempt_column_of_stars_still_gives_its_total() -> None:
    rows = [(a, "免税", "***") for a in AMOUNTS + AMOUNTS]
    doc = _doc(_table(rows, ("￥11299.20", "￥0.00"), ("合", "计"), 150 + 8 * 36 + 10))
    got = extract_fields(doc, ["金额", "税率", "税额"])
    assert got["税额"].value == "￥0.00"
    assert got["税率"].value == "免税"
    assert got["金额"].value == "￥11299.20"


def test_a_long_name_squeezed_onto_two_lines_is_read_whole() -> None:
    lines = [
        _line("名", 60, 60),
        _line("称：", 160, 60),
        _line("深圳市嘉飞机械设备有限公司", 300, 44, 24),  # two small lines whose boxes overlap
        _line("附属第二人民医院后勤服务部", 300, 57, 24),
        _line("纳税人识别号：", 60, 105),
        _line("914401067456D5R6M3", 300, 98),  # printed a little high: its box touches the name's
        _line("地址、电话：", 60, 150),
        _line("厦门市思明区设融大道732号 0592-6451296", 300, 150),
    ]
    got = extract_fields(_doc(lines), ["名称", "纳税人识别号", "地址、电话"])
    assert got["名称"].value == "深圳市嘉飞机械设备有限公司附属第二人民医院后勤服务部"
    assert got["纳税人识别号"].value == "914401067456D5R6M3"
    assert got["地址、电话"].value == "厦门市思明区设融大道732号 0592-6451296"


def test_a_squeezed_name_whose_second_line_stands_level_with_its_label() -> None:
    # the label is in line with the name's second line: the first is taken in from above
    lines = [
        _line("名", 60, 57),
        _line("称：", 160, 57),
        _line("杭州市明方建筑工程股份有", 300, 42, 26),
        _line("限公司华南区营销服务中心", 300, 60, 26),
        _line("纳税人识别号：", 60, 110),
        _line("91330106MA27Y8R2XB", 300, 110),
    ]
    doc = _doc(lines)
    got = extract_fields(doc, ["名称", "纳税人识别号"])
    assert got["名称"].value == "杭州市明方建筑工程股份有限公司华南区营销服务中心"
    assert got["纳税人识别号"].value == "91330106MA27Y8R2XB"
    # when the second line is the one linked, the first is taken in from above
    geom = PageGeometry(page_units(doc.pages[0]))
    assert _tight_above(geom, 3, 1, set()) == [2]
    assert _tight_above(geom, 5, 4, set()) == []  # a row of its own: nothing to take in


def test_a_value_printed_over_its_labels_tail_and_a_semicolon_label() -> None:
    addr = "郑州市金水区民设路451号0371-86187931、13146875674"
    bank = "中国建设银行成都分行放长支行 4396185620921806405"
    lines = [
        _line("纳税人识别号：", 60, 15),
        _line("91440300MA5F3X2K7Q", 300, 15),
        _line("地址、电话：", 60, 60),
        _line(addr, 60 + _width("地址、电话：") - 30, 60),  # starts a line height over the label
        _line("开户行及账号；", 60, 105),  # the colon read as a semicolon
        _line(bank, 300, 105),
        _line("货物或应税劳务、服务名称", 40, 150),  # the goods table's header row under it
        _line("规格型号", 460, 150),
        _line("单位", 640, 150),
        _line("数量", 760, 150),
        _line("金额", 940, 150),
        # the seller's box, its values in their places
        _line("地址、电话：", 60, 355),
        _line("杭州市西湖区学府路9号 0571-88123456", 300, 355),
        _line("开户行及账号：", 60, 400),
        _line("浦发银行山设支行 379442580171", 300, 400),
    ]
    got = extract_fields(_doc(lines), ["地址、电话", "开户行及账号"])
    assert got["地址、电话"].value == addr
    assert got["开户行及账号"].value == bank


def test_a_label_run_into_its_value_without_a_colon() -> None:
    # the data printed over the label's colon: OCR reads label and value as one line
    lines = [
        _line("开户行及账号中信银行济南分行江人支行5927045676057901029", 60, 60),
        _line("货物或应税劳务、服务名称", 60, 105),
        _line("规格型号", 460, 105),
        _line("单位", 640, 105),
        _line("数量", 760, 105),
        _line("单价", 880, 105),
        _line("金额", 1000, 105),
        _line("税率", 1120, 105),
        _line("开户行及账号：", 60, 400),  # the seller's, printed later
        _line("中国工商银行长和支行 6297630573284379003", 300, 400),
    ]
    got = extract_fields(_doc(lines), ["开户行及账号"])
    assert got["开户行及账号"].value == "中信银行济南分行江人支行5927045676057901029"


def test_a_column_of_stars_printed_off_its_header() -> None:
    # the tax-exempt column printed off its header (to the right), its 合计 label unread
    rows = [(a, "免税", "***") for a in AMOUNTS + AMOUNTS]
    lines = _table(rows, ("￥11299.20", "￥0.00"), None, 150 + 8 * 36 + 10)
    shifted = [
        (text, tuple((x + 50, y) for x, y in poly)) if text in ("***", "￥0.00") else (text, poly)
        for text, poly in lines
    ]
    got = extract_fields(_doc(shifted), ["税额"])  # type: ignore[arg-type]
    assert got["税额"].value == "￥0.00"


def test_figures_that_are_codes_are_not_amounts() -> None:
    assert typed_value("T480s", "amount") is None
    assert typed_value("91510107PBAGMKJY2N", "amount") is None
    assert typed_value("82819925433640拾肆万柒仟", "amount") is None
    assert typed_value("RM12", "amount") is not None
    assert typed_value("￥1234567890", "amount") is not None
    assert typed_value("合计480元", "amount") is not None


def test_an_amount_with_cents_beats_figures_misread_in_the_words() -> None:
    lines = [
        _line("价税合计（大写）", 60, 60),
        _line("伍等403960作体别R贰测角陆分", 330, 62),  # the words under a stamp, misread
        _line("（小写）", 900, 60),
        _line("¥519682.86", 1020, 60),
    ]
    got = extract_fields(_doc(lines), ["价税合计"])
    assert got["价税合计"].value == "¥519682.86"


def test_the_hard_renderer_draws_what_it_promises() -> None:
    seen_rates = set()
    for seed in range(40, 60):
        inv = make_invoice(seed, hard=True)
        assert 3 <= len(inv.items) <= 8 and inv.extras["note"]
        ref = reference(inv)
        seen_rates.add(ref["税率"])
        if ref["税率"] == "免税":
            assert ref["税额"] == "￥0.00" and ref["价税合计"] == ref["金额"]
    assert "免税" in seen_rates and len(seen_rates) >= 3
    assert make_invoice(7, hard=True) == make_invoice(7, hard=True)
    assert len(make_invoice(7).items) <= 3  # the plain mode is unchanged
    flat = draw_invoice(make_invoice(41, hard=True), 3.0, 41)
    assert flat.size == (720, 450)


def _margin(text: str, x: float, y0: float, y1: float) -> tuple[str, Polygon]:
    """A line set down the page's margin (the copy's name: `抵扣联购买方记账凭证`)."""
    return text, ((x, y0), (x + 32, y0), (x + 32, y1), (x, y1))


def test_a_tax_exempt_column_whose_stars_ocr_did_not_read() -> None:
    # 免税 goods: the tax column's `***` cells are not read at all and half of the wide-set
    # 合计 label is lost, so the column's only figure is its total ￥0.00 on the 合计 row, far
    # under the header (printed a little right of it, the copy's name down the margin beside
    # it): the pair model alone scores it near 0 — it is the column's value all the same
    rows = [(a, "免税", "***") for a in AMOUNTS + AMOUNTS]
    for keep in ("合", "计"):
        lost = {"***", "合", "计", "税　额"} - {keep}
        lines = [
            (text, tuple((x + 80, y) for x, y in poly) if text == "￥0.00" else poly)
            for text, poly in _table(
                rows, ("￥11299.20", "￥0.00"), ("合", "计"), 150 + 8 * 36 + 10
            )
            if text not in lost
        ]
        lines += [_line("税", 1300, 100), _line("额", 1400, 100)]
        lines.append(_margin("抵扣联购买方记账凭证", 1470, 60, 420))
        got = extract_fields(_doc(lines, size=(1700, 900)), ["金额", "税率", "税额"])  # type: ignore[arg-type]
        assert got["税额"].value == "￥0.00"
        assert got["税额"].confidence is not None and got["税额"].confidence >= 0.3
        assert got["税率"].value == "免税"
        assert got["金额"].value == "￥11299.20"


def test_a_blank_tables_column_does_not_reach_into_another_section() -> None:
    # the goods table is empty: the first figure under the `税　额` header is a signature
    # line's amount far below, in another section of the page — not the column's value
    heads = (
        ("货物或应税劳务、服务名称", 40),
        ("规格型号", 460),
        ("单位", 620),
        ("数量", 700),
        ("单价", 800),
        ("金　额", 940),
        ("税率", 1140),
        ("税　额", 1300),
    )
    lines = [_line(t, x, 100) for t, x in heads]
    lines += [_line("备注：", 40, 420), _line("运费另计", 200, 420)]
    lines += [_line("收款人：", 40, 520), _line("复核：", 500, 520), _line("开票人：", 900, 520)]
    lines.append(_line("￥1280.00", 1300, 520))
    got = extract_fields(_doc(lines, size=(1600, 700)), ["单价", "金额", "税额", "税率"])
    assert got["税额"].value is None


def test_a_blank_order_forms_amount_column_is_not_the_shipping_charge() -> None:
    heads = (
        ("Item", 40),
        ("Description", 160),
        ("Qty", 600),
        ("Unit Price", 760),
        ("Amount", 1000),
    )
    lines = [_line(t, x, 100) for t, x in heads]
    lines += [_line("Shipping:", 800, 500), _line("15.00", 1010, 500)]
    got = extract_fields(
        _doc(lines, size=(1300, 700)), ["Qty", "Unit Price", "Amount", "Description"]
    )
    assert got["Amount"].value is None


def _boxed(rows: Sequence[tuple[str, tuple[int, int, int, int]]]) -> Document:
    """A page of lines given by their boxes (x0, y0, x1, y1), as read from a hard-mode photo."""
    out = []
    for t, (x0, y0, x1, y1) in rows:
        p: Polygon = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
        out.append(Line(t, 0.95, p, [Word(t, 0.95, p)]))
    return Document([Page(0, 4000, 3000, [Block(out)])])


def test_a_whole_name_label_does_not_grow_into_the_tax_number_printed_high() -> None:
    # `名称：` read as one run (or joined from `名` `称：`) is the nearest run left of the tax
    # number printed high, but `纳税人识别号：` is more in line with it: the number is that
    # label's value, not a third line of the name (boxes of a hard-mode page, seed 24008)
    rows = [
        ("名称：", (689, 976, 998, 1047)),
        ("上海恒和医药有限公司附属", (1065, 938, 1534, 1005)),
        ("第二人民医院后勤服务部", (1044, 974, 1489, 1043)),
        ("91510107D6UJJ28A3T", (1050, 1027, 1586, 1092)),
        ("纳税人识别号：", (683, 1049, 987, 1115)),
        ("地址、电话：", (676, 1116, 984, 1187)),
        ("南京市鼓楼区华建北路163号025-71295916", (1047, 1095, 1985, 1162)),
    ]
    for name in (rows[:1], [("名", (689, 976, 760, 1047)), ("称：", (900, 976, 998, 1047))]):
        got = extract_fields(_boxed(name + rows[1:]), ["名称", "纳税人识别号", "地址、电话"])
        assert got["名称"].value == "上海恒和医药有限公司附属第二人民医院后勤服务部"
        assert got["纳税人识别号"].value == "91510107D6UJJ28A3T"


def test_a_headers_first_cell_is_the_one_under_its_middle() -> None:
    # data printed off the form (seed 21004): the 单价 column's cell reaches into the slack
    # beside the `金额` header and stands a little higher than the 金额 cell of its row; the
    # header's first cell is the one under its middle
    from promptocr.tasks.extract.linked import PageFacts, _norm

    rows = [
        ("单价", (2177, 1236, 2268, 1296)),
        ("金额", (2442, 1239, 2605, 1295)),
        ("税率", (2712, 1236, 2804, 1297)),
        ("税额", (2937, 1240, 3149, 1292)),
        ("货物或应税劳务、服务名称", (1027, 1239, 1365, 1292)),
        ("*建筑服务*工程款", (931, 1334, 1185, 1388)),
        ("670.09", (2255, 1324, 2375, 1388)),
        ("8041.08", (2569, 1338, 2701, 1394)),
        ("13%", (2723, 1337, 2815, 1394)),
        ("1045.34", (3145, 1339, 3265, 1391)),
    ]
    units = page_units(_boxed(rows).pages[0])
    geom = PageGeometry(units)
    keyness = geom.keyness.copy()
    keyness[:5] = 1.0  # the header row's labels, as when they are requested keys
    geom.set_keyness(keyness)
    facts = PageFacts(geom, [_norm(u.text) for u in units], 0.0)
    assert units[facts.first_cell((1,), "amount")].text == "8041.08"
    assert units[facts.first_cell((3,), "amount")].text == "1045.34"
