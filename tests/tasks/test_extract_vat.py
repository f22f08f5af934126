"""Chinese VAT invoices (增值税专用发票) read end to end with HunyuanOCR's IE prompt: each
failure seen on real photographed invoices, on a small flat page drawn by the held-out
benchmark's renderer (`promptocr.bench.invoices`), straight and turned 2°."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from promptocr.bench.invoices import (
    KEYS,
    PROMPT,
    capital_amount,
    exact_form,
    invoice_image,
    make_invoice,
    reference,
    score,
)
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.pipeline import OCRPipeline
from promptocr.tasks import Service

SEED = 901  # two goods lines, so the 合计 row differs from the first line


def _read(engine: EmbeddedEngine, turn: float) -> tuple[dict[str, Any], dict[str, str]]:
    data, ref = invoice_image(SEED, photo=False, s=6.0)
    if turn:
        im = Image.open(io.BytesIO(data)).rotate(
            turn, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC
        )
        buf = io.BytesIO()
        im.save(buf, "PNG")
        data = buf.getvalue()
    out = Service(OCRPipeline(engine), vlm=None).run(data, PROMPT).output
    return out, ref


@pytest.fixture(scope="module", params=[0.0, 2.0], ids=["straight", "turned"])
def read(
    request: pytest.FixtureRequest, engine: EmbeddedEngine
) -> tuple[dict[str, Any], dict[str, str]]:
    return _read(engine, request.param)


def _same(got: Any, want: str) -> bool:
    return exact_form(str(got or "")) == exact_form(want)


def test_the_page_has_the_failures() -> None:
    inv = make_invoice(SEED)
    assert len(inv.items) == 2  # 金额's first line is not the invoice's amount
    assert inv.buyer[0] != inv.seller[0]


def test_wide_spaced_label_gives_the_first_printed_value(read: Any) -> None:
    # `名　　称：` is read as `名` + `称：`; it is printed for the buyer and again for the seller
    out, ref = read
    f = out["fields"]
    assert f["名称"] == ref["名称"]
    assert f["纳税人识别号"] == ref["纳税人识别号"]
    assert out["details"]["名称"]["label"].replace(" ", "") == "名称："


def test_compound_keys_keep_the_whole_value(read: Any) -> None:
    out, ref = read
    f = out["fields"]
    addr, phone = ref["地址、电话"].rsplit(" ", 1)
    bank, account = ref["开户行及账号"].rsplit(" ", 1)
    assert addr in f["地址、电话"] and phone in f["地址、电话"]
    # not grown into the goods table's header under the buyer box
    assert bank in f["开户行及账号"] and f["开户行及账号"].endswith(account)


def test_column_header_keys_take_the_total_row(read: Any) -> None:
    out, ref = read
    f = out["fields"]
    assert _same(f["金额"], ref["金额"])  # the 合计 row, not the first goods line
    assert _same(f["税额"], ref["税额"])
    assert out["details"]["金额"]["type"] == "amount"


def test_rate_is_a_percent_not_a_neighbouring_label(read: Any) -> None:
    out, ref = read
    assert out["fields"]["税率"] == ref["税率"]
    assert out["details"]["税率"]["type"] == "percent"


def test_total_in_figures_after_xiaoxie(read: Any) -> None:
    # 价税合计（大写）⊗贰拾贰万…（小写）￥220634.30: the figures, with their currency sign
    out, ref = read
    got = out["fields"]["价税合计"]
    assert _same(got, ref["价税合计"]) and got[:1] in "￥¥"


def test_no_runs_on_into_its_number(read: Any) -> None:
    out, ref = read
    assert out["fields"]["No"] == ref["No"]
    assert out["fields"]["开票日期"] == ref["开票日期"]


def test_a_label_is_never_a_value(read: Any) -> None:
    out, _ = read
    labels = {
        "金额",
        "税率",
        "税额",
        "名称",
        "规格型号",
        "单位",
        "数量",
        "单价",
        "货物或应税劳务、服务名称",
    }
    for k in KEYS:
        v = (out["fields"][k] or "").replace(" ", "").replace("　", "")
        assert v not in labels, (k, v)


def test_scores_and_capital_numerals() -> None:
    assert capital_amount(3495.0) == "叁仟肆佰玖拾伍圆整"
    assert capital_amount(10203.05) == "壹万零贰佰零叁圆零伍分"
    assert capital_amount(100.5) == "壹佰圆伍角整"
    ref = reference(make_invoice(SEED))
    got = dict(ref)
    got["金额"] = ref["金额"].lstrip("￥")  # a currency sign does not count against exact
    got["No"] = None
    got["地址、电话"] = ref["地址、电话"].replace(" ", "")
    s = score([{"got": got, "ref": ref}])
    assert s["short_exact"] == pytest.approx(7 / 8)
    assert s["fields"]["地址、电话"]["similarity"] == 1.0
    assert s["fields"]["No"]["similarity"] == 0.0
    assert _same(got["金额"], ref["金额"])


def test_a_party_asked_by_its_box_heading(engine: EmbeddedEngine) -> None:
    """HunyuanOCR's own example ("提取发票上的购买方名称…"): the key names the box (`购买方`,
    set down the margin a letter to a line) and the label in it (`名　称：`); the seller's
    box has the same labels."""
    data, _ = invoice_image(SEED, photo=False, s=6.0)
    inv = make_invoice(SEED)
    prompt = "提取发票上的购买方名称、销售方名称、销售方纳税人识别号"
    got = Service(OCRPipeline(engine), vlm=None).run(data, prompt).output["fields"]
    assert _same(got["购买方名称"], inv.buyer[0]), got
    assert _same(got["销售方名称"], inv.seller[0]), got
    assert _same(got["销售方纳税人识别号"], inv.seller[1]), got


def test_a_column_header_whose_first_cell_reaches_up_into_it(engine: EmbeddedEngine) -> None:
    # a photographed invoice (the hard renderer, seed 29015): its perspective lifts the first
    # goods line's amount and tax into the bottom of the `金额` / `税额` headers' boxes; the
    # headers still answer their columns' 合计 cells (before: the first goods line's figures)
    data, ref = invoice_image(29015, hard=True)
    out = Service(OCRPipeline(engine), vlm=None).run(data, PROMPT).output["fields"]
    assert _same(out["金额"], ref["金额"]) and _same(out["税额"], ref["税额"])


@pytest.mark.parametrize("seed", [27007, 27008])
def test_a_long_name_squeezed_onto_two_lines_beside_the_next_label(
    engine: EmbeddedEngine, seed: int
) -> None:
    """Photographed invoices (the hard renderer): the buyer's long name printed small on two
    lines in `名　称：`'s row, the second line level with the next label `纳税人识别号` (read
    without its colon). The name is both lines, joined without a space, and does not run on
    into the tax number under it (before: the first line only)."""
    data, ref = invoice_image(seed, hard=True)
    out = Service(OCRPipeline(engine), vlm=None).run(data, PROMPT).output["fields"]
    assert out["名称"] == ref["名称"]
