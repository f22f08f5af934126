"""The learned key→value linker: the shipped model file, reproducible training, linear cost, and
the failures of issue 16 rendered synthetically and read by the real OCR engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from task_synth import png

from promptocr.document.model import Block, Document, Line, Page
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.pipeline import OCRPipeline
from promptocr.synth import Canvas, pdf_from_images
from promptocr.tasks import Service
from promptocr.tasks.extract import extract_fields
from promptocr.tasks.extract.features import (
    CANDIDATES_PER_KEY,
    FEATURE_NAMES,
    FEATURE_VERSION,
    ROLE_FEATURE_NAMES,
    PageGeometry,
    Unit,
    _is_cjk,
)
from promptocr.tasks.extract.linked import extract_all_linked, link_bands
from promptocr.tasks.extract.linker import (
    CJK_PAGE,
    WORK,
    assign,
    cjk_share,
    keyed_model,
    link_units,
    roles_model,
)
from promptocr.tasks.extract.model import MODEL_DIR, MODEL_FILES, TreeModel, load_model
from promptocr.tasks.extract.synthdocs import GENERATOR_VERSION, generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def service(engine: EmbeddedEngine) -> Service:
    return Service(OCRPipeline(engine))


def _ie_prompt(keys: list[str]) -> str:
    """HunyuanOCR's information-extraction prompt."""
    return (
        f"提取图片中的：{json.dumps(keys, ensure_ascii=False)} 的字段内容，并按照 JSON 格式返回。"
    )


# --------------------------------------------------------------------------------------------
# the model file and its training


@pytest.mark.parametrize("kind", sorted(MODEL_FILES))
def test_shipped_model_matches_the_code_that_trains_it(kind: str) -> None:
    path = MODEL_DIR / MODEL_FILES[kind]
    assert path.stat().st_size <= 5 * 1024 * 1024
    m = load_model(kind)
    assert m.meta["kind"] == kind
    assert m.meta["feature_version"] == FEATURE_VERSION
    role_kind = kind in ("roles", "roles_cjk")
    names = ROLE_FEATURE_NAMES if role_kind else FEATURE_NAMES
    assert m.meta["feature_names"] == list(names)
    assert m.meta["generator_version"] == GENERATOR_VERSION
    assert m.meta["candidates_per_key"] == CANDIDATES_PER_KEY
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from train_linker import SHIPPED
    finally:
        sys.path.pop(0)
    for k in ("docs", "iters", "seed", "leaves"):
        assert m.meta[k] == SHIPPED[k], k
    # probabilities are probabilities
    geom = PageGeometry([Unit("Name:", (10, 10, 80, 30)), Unit("Ann Lee", (90, 10, 170, 30))])
    x = geom.unit_features() if role_kind else geom.pair_features(0, np.array([1]))
    p = m.proba(x)
    assert 0.0 <= float(p[0]) <= 1.0


def test_tiny_training_is_reproducible(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from train_linker import file_digest, main
    finally:
        sys.path.pop(0)
    digests = []
    for run in ("a", "b"):
        out = tmp_path / run
        assert main(["--docs", "24", "--iters", "3", "--seed", "7", "--out", str(out)]) == 0
        digests.append([file_digest(out / MODEL_FILES[k]) for k in sorted(MODEL_FILES)])
    assert digests[0] == digests[1]
    assert generate(3, 2)[1].units == generate(3, 2)[1].units


# --------------------------------------------------------------------------------------------
# work is linear in the number of fields


def _line(text: str, x: float, y: float, w: float, h: float = 20.0) -> Line:
    poly = ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
    return Line(text, 0.99, poly, [])


def _form_doc(rows: int) -> Document:
    lines = []
    for i in range(rows):
        y = 10.0 + 30.0 * i
        lines.append(_line(f"Field number {i}:", 10, y, 150))
        lines.append(_line(f"value {i}", 200, y, 80))
    return Document(
        pages=[Page(index=0, width=400, height=int(30 * rows + 40), blocks=[Block(lines)])]
    )


def test_extraction_work_is_linear_in_the_number_of_fields() -> None:
    doc = _form_doc(500)
    counts = {}
    for n in (100, 400):
        keys = [f"Field number {i}" for i in range(n)]
        before = WORK.pairs_scored
        got = extract_fields(doc, keys)
        counts[n] = WORK.pairs_scored - before
        assert got[keys[7]].value == "value 7"
        assert got[keys[n - 1]].value == f"value {n - 1}"
    # a bounded number of candidates per key (and per label the key matched): 4x the keys,
    # about 4x the pairs — not 16x
    assert counts[400] <= 4.5 * counts[100]
    assert counts[400] <= 400 * 3 * CANDIDATES_PER_KEY
    got = extract_fields(doc, [f"Field number {i}" for i in range(500)])
    assert sum(r.value is not None for r in got.values()) >= 495


def test_link_units_keeps_a_label_out_of_the_values() -> None:
    units = [
        Unit("Name:", (10, 10, 70, 30)),
        Unit("Ann Lee", (90, 10, 170, 30)),
        Unit("Phone:", (10, 50, 75, 70)),
        Unit("555-0100", (90, 50, 180, 70)),
    ]
    links = {(k, v) for k, v, _ in link_units(units)}
    assert (0, 1) in links and (2, 3) in links
    assert all(v not in (0, 2) for _, v in links)


# --------------------------------------------------------------------------------------------
# the failures of issue 16, rendered and read by the OCR engine


def _vat_invoice() -> Canvas:
    c = Canvas(1500, 760)
    c.text((520, 20), "广东增值税专用发票", size=40)
    c.text((1000, 90), "开票日期：2023年06月18日", size=24)
    c.text((40, 150), "购", size=24)
    c.text((40, 190), "买", size=24)
    c.text((40, 230), "方", size=24)
    # a label printed wide: OCR reads 名 and 称： apart
    c.text((90, 150), "名", size=24)
    c.text((170, 150), "称：", size=24)
    c.text((300, 150), "深圳市蓝海科技有限公司", size=24)
    c.text((90, 190), "纳税人识别号：", size=24)
    c.text((300, 190), "91440300MA5EXAMPLE", size=24)
    c.text((90, 230), "地址、电话：", size=24)
    c.text((300, 230), "深圳市南山区科技园路1号 0755-26881234", size=24)
    # the goods table: column headers, values below, the 合计 row
    heads = [
        (40, "货物或应税劳务、服务名称"),
        (560, "数量"),
        (720, "单价"),
        (900, "金额"),
        (1110, "税率"),
        (1270, "税额"),
    ]
    for x, t in heads:
        c.text((x, 320), t, size=24)
    row = [
        (40, "*电子元件*电容器"),
        (575, "10"),
        (705, "298.72"),
        (880, "2987.18"),
        (1115, "17%"),
        (1255, "507.82"),
    ]
    for x, t in row:
        c.text((x, 370), t, size=24)
    c.text((60, 470), "合      计", size=24)
    c.text((866, 470), "￥2987.18", size=24)
    c.text((1241, 470), "￥507.82", size=24)
    c.text((40, 560), "价税合计（大写）", size=24)
    c.text((300, 560), "⊗叁仟肆佰玖拾伍圆整", size=24)
    c.text((880, 560), "（小写）￥3495.00", size=24)
    return c


def test_vat_invoice_wide_labels_table_columns_and_totals(service: Service) -> None:
    keys = ["开票日期", "名称", "纳税人识别号", "地址、电话", "金额", "税率", "税额", "价税合计"]
    r = service.run(png(_vat_invoice()), _ie_prompt(keys))
    f = r.output["fields"]
    d = r.output["details"]
    assert f["名称"] == "深圳市蓝海科技有限公司"  # wide-spaced label: 名 + 称：
    assert f["纳税人识别号"] == "91440300MA5EXAMPLE"
    # a compound key keeps the whole value (address and phone)
    assert f["地址、电话"] is not None and "0755-26881234" in f["地址、电话"]
    assert "科技园路" in f["地址、电话"]
    # column headers: the value below in the same column, never the neighbouring header
    # (or the column's 合计 row, with its currency sign as printed)
    assert f["金额"].lstrip("¥￥") == "2987.18"
    assert f["税率"] == "17%"
    assert f["税额"].lstrip("¥￥") == "507.82"
    # the total after （小写）, not a digit of the upper-case amount
    assert f["价税合计"] is not None and f["价税合计"].endswith("3495.00")
    assert d["开票日期"]["normalized"] == "2023-06-18"
    for k in keys:
        assert f[k] not in keys, (k, f[k])  # a label is never a value
        assert d[k]["page"] == 1 and d[k]["method"] in ("linker", "pattern", "same_line")


def _form() -> Canvas:
    c = Canvas(1100, 620)
    c.text((380, 20), "CHANGE REQUEST", size=32)
    c.text((40, 100), "Supervisor/Manager:", size=24)
    c.text((330, 100), "J. S. Wigand", size=24)
    c.text((600, 100), "Name/Phone Ext.:", size=24)
    c.text((830, 100), "K. Dunn x2231", size=24)
    # a label-looking neighbour right after an empty field
    c.text((40, 170), "Fax:", size=24)
    c.text((330, 170), "Date:", size=24)
    c.text((440, 170), "9/3/92", size=24)
    # a multi-line value under its label
    c.text((40, 250), "Description of change:", size=24)
    c.text((60, 290), "Replace the filter supplier for the", size=24)
    c.text((60, 322), "king size brand from March onwards", size=24)
    c.text((60, 354), "and retest the pressure drop.", size=24)
    c.text((40, 440), "Approved by:", size=24)
    c.text((330, 440), "R. Stone", size=24)
    return c


def test_form_compound_keys_empty_fields_and_multiline_values(service: Service) -> None:
    keys = [
        "Supervisor/Manager",
        "Name/Phone Ext.",
        "Fax",
        "Date",
        "Description of change",
        "Approved by",
    ]
    r = service.run(png(_form()), _ie_prompt(keys))
    f, d = r.output["fields"], r.output["details"]
    assert f["Supervisor/Manager"] == "J. S. Wigand"  # one key, not split at "/"
    assert f["Name/Phone Ext."] == "K. Dunn x2231"
    assert f["Fax"] is None  # the neighbouring label is not its value
    assert f["Date"] == "9/3/92"
    assert d["Date"]["normalized"] == "1992-09-03"  # an English form: month first
    v = f["Description of change"]
    assert v is not None and v.startswith("Replace the filter") and v.endswith("pressure drop.")
    box = d["Description of change"]["bbox"]
    assert box[1] < 300 and box[3] > 370  # the box covers all three lines, not the first only
    assert f["Approved by"] == "R. Stone"
    conf = [d[k]["confidence"] for k in keys if f[k] is not None]
    assert all(0.0 < c <= 1.0 for c in conf)


def test_fields_are_searched_on_every_page(service: Service) -> None:
    p1 = Canvas(800, 400)
    p1.text((40, 40), "Invoice No.:", size=26)
    p1.text((260, 40), "INV-20931", size=26)
    p2 = Canvas(800, 400)
    p2.text((40, 40), "Total Due:", size=26)
    p2.text((260, 40), "$1,204.50", size=26)
    p2.text((40, 120), "Invoice No.:", size=26)
    p2.text((260, 120), "INV-77777", size=26)
    pdf = pdf_from_images([p1.image, p2.image])
    r = service.run(pdf, _ie_prompt(["Invoice No.", "Total Due"]))
    f, d = r.output["fields"], r.output["details"]
    assert f["Invoice No."] == "INV-20931" and d["Invoice No."]["page"] == 1  # the first page
    assert f["Total Due"] == "$1,204.50" and d["Total Due"]["page"] == 2


def test_extract_everything_returns_pairs_with_boxes(service: Service) -> None:
    c = Canvas(900, 360)
    c.text((40, 40), "Name:", size=26)
    c.text((220, 40), "Alice Walker", size=26)
    c.text((40, 110), "Department:", size=26)
    c.text((220, 110), "Research", size=26)
    c.text((40, 180), "Phone:", size=26)
    c.text((220, 180), "555-0142", size=26)
    r = service.run(png(c), "提取所有字段")
    f, d = r.output["fields"], r.output["details"]
    assert f.get("Name") == "Alice Walker"
    assert f.get("Department") == "Research"
    assert f.get("Phone") == "555-0142"
    for k in ("Name", "Department", "Phone"):
        assert d[k]["bbox"] is not None and 0 < d[k]["confidence"] <= 1
        assert d[k]["method"] == "linker"


def test_date_order_follows_the_document() -> None:
    from promptocr.tasks.extract import dates

    assert dates.convention(["Date: 25/03/1992", "Due 9/3/92"])[0] == "dmy"
    assert dates.convention(["Date: 03/25/1992", "Due 9/3/92"])[0] == "mdy"
    en = ["Please return the form to the office by the date shown", "Date: 9/3/92"]
    assert dates.convention(en)[0] == "mdy"
    # a form's labels hold few common words, but they are English words: month-first (with
    # the English word list installed, as scripts/setup.sh does)
    from promptocr.engines.lexicon import load_lexicon

    lab = ["Patient Name: HARRIS, EMILY", "DOB: 04/09/1975", "Sex: F", "Ordering Physician:"]
    lab += ["Collected: 10/11/2024 08:42", "Glucose, Fasting 112 mg/dL", "Reference Range"]
    if load_lexicon() is not None:
        assert dates.convention(lab)[0] == "mdy"
    fr = ["Nom: Dupont", "Prénom: Marie", "Date de naissance: 04/09/1975", "Ville: Paris"]
    assert dates.convention([*fr, "Adresse: 12 rue de la Paix"])[0] == "dmy"
    assert dates.resolve("9/3/92", "mdy") == ("1992-09-03", None)
    assert dates.resolve("9/3/92", "dmy") == ("1992-03-09", None)
    iso, why = dates.resolve("9/3/92", None)
    assert iso == "1992-03-09" and why is not None and "ambiguous" in why
    assert dates.resolve("13/3/92", "mdy") == (None, None)  # only one order fits


def test_a_date_is_normalised_the_same_whichever_other_fields_are_asked(service: Service) -> None:
    # an English form: 03/04/2021 is 4 March (US order) by the document's convention, whether
    # the date is asked with the name (the linker) or with the total (the receipt finders)
    c = Canvas(900, 300)
    c.text((40, 40), "Name: Alice Walker", size=26)
    c.text((40, 100), "Please pay the total amount by the date shown.", size=26)
    c.text((40, 160), "Date: 03/04/2021", size=26)
    c.text((40, 220), "Total: 12.50", size=26)
    img = png(c)
    norms = {}
    for other in ("name", "total"):
        r = service.run(img, f"Extract the date and {other} as JSON.")
        d = r.output["details"]["date"]
        assert r.output["fields"]["date"] == "03/04/2021"
        norms[other] = d["normalized"]
    assert norms == {"name": "2021-03-04", "total": "2021-03-04"}


@pytest.mark.parametrize("angle", [90, 180])
def test_fields_on_a_page_turned_sideways_or_upside_down(service: Service, angle: int) -> None:
    # the engine turns the page back and gives boxes in the file's frame; the linker reads
    # layout (right of, below) in the upright frame and gives the boxes back in the file's
    c = Canvas(900, 330)
    rows = [("Name:", "Alice Walker"), ("Department:", "Research"), ("Phone:", "555-0142")]
    for i, (k, v) in enumerate(rows):
        c.text((40, 40 + 90 * i), k, size=26)
        c.text((260, 40 + 90 * i), v, size=26)
    turned = c.image.rotate(angle, expand=True)
    r = service.run(png(turned), "Extract the name, department and phone as JSON.")
    assert r.document.pages[0].rotation == 360 - angle
    assert r.output["fields"] == {
        "name": "Alice Walker",
        "department": "Research",
        "phone": "555-0142",
    }
    x0, y0, x1, y1 = r.output["details"]["name"]["bbox"]
    # "Alice Walker" spans x 260..~425, y 40..~70 upright; turned CCW by 90: x↔y, y = 900 - x
    want = (40, 900 - 425, 70, 900 - 260) if angle == 90 else (900 - 425, 330 - 70, 900 - 260, 290)
    assert all(abs(a - b) < 20 for a, b in zip((x0, y0, x1, y1), want, strict=True))
    everything = service.run(png(turned), "提取所有字段").output["fields"]
    assert everything.get("Name") == "Alice Walker" and everything.get("Phone") == "555-0142"


def test_receipt_finders_on_an_upside_down_receipt(service: Service) -> None:
    # the receipt header finders (earlier rules) read the page upright too: upside down, the
    # last line ("THANK YOU ...") was taken for the company
    from promptocr.synth import receipt

    c = receipt()
    w, h = c.image.size
    r = service.run(png(c.image.rotate(180)), "Extract the company, date, address and total.")
    f = r.output["fields"]
    assert f["company"] == "GREEN LEAF TRADING SDN BHD"
    assert f["address"] == "NO 12, JALAN MERANTI 3, 47100 PUCHONG"
    assert f["total"] == "13.50"
    # the company is printed at the top; upside down its box is at the bottom of the file
    x0, y0, x1, y1 = r.output["details"]["company"]["bbox"]
    assert y0 > h - 90 and x1 > w - 60


def test_a_web_address_is_not_a_label_and_its_value(service: Service) -> None:
    c = Canvas(900, 300)
    c.text((40, 40), "Name: Alice Walker", size=26)
    c.text((40, 110), "Phone: 555-0142", size=26)
    c.text((40, 200), "https://www.example.com/pay", size=26)
    f = service.run(png(c), "提取所有字段").output["fields"]
    assert f.get("Name") == "Alice Walker" and f.get("Phone") == "555-0142"
    assert not any(k.lower().startswith("http") for k in f)  # not {"https": "//www…"}


def test_extract_everything_links_a_dense_page_in_bands() -> None:
    """800 lines (a dense newspaper page has this many): the pairwise features would hold
    800² of every relation at once; "extract everything" links overlapping bands instead, and
    a pair met in two bands' overlap comes back once."""
    doc = _form_doc(400)
    assert len(doc.pages[0].lines) == 800 and len(link_bands(doc.pages[0])) == 3
    first = extract_all_linked(Document([link_bands(doc.pages[0])[0]]))
    pairs = extract_all_linked(doc)
    values = [r.value for r in pairs.values() if r.value]
    assert len(values) == len(set(values))  # nothing doubled by the overlaps
    assert pairs["Field number 0"].value == "value 0"
    assert {k: r.value for k, r in first.items()}.items() <= {
        k: r.value for k, r in pairs.items()
    }.items()


# --------------------------------------------------------------------------------------------
# roles, the second key of a table cell, the cross-validation of the design


def test_a_key_between_speaks_against_the_link() -> None:
    units = [
        Unit("Name:", (10, 10, 80, 30)),
        Unit("Date:", (300, 10, 360, 30)),
        Unit("3/4/92", (370, 10, 440, 30)),
    ]
    got = {(k, v): p for k, v, p in link_units(units, keys=[0, 1], values=[2])}
    assert (1, 2) in got and (0, 2) not in got
    geom = PageGeometry(units, [1.0, 1.0, 0.0])
    f = geom.pair_features(0, np.array([2]))[0]
    assert f[FEATURE_NAMES.index("keys_between")] == 1.0
    assert f[FEATURE_NAMES.index("k_is_v_left_key")] == 0.0


def test_a_table_cell_takes_its_row_label_and_its_column_header() -> None:
    units = [
        Unit("Q1", (200, 10, 240, 30)),  # column header
        Unit("Sales", (10, 50, 80, 70)),  # row label
        Unit("1,200", (200, 50, 250, 70)),  # the cell
        Unit("Other", (10, 10, 80, 30)),  # a second key on the header's row
    ]
    geom = PageGeometry(units, [1.0, 1.0, 0.0, 1.0])
    scored = [(1, 2, 0.9), (0, 2, 0.6), (3, 2, 0.5)]
    got = assign(scored, roles_known=True, threshold=0.02, second_key=0.3, geom=geom)
    assert [(k, v) for k, v, _ in got] == [(1, 2), (0, 2)]
    # the other way round, a second key on the same side is refused
    got = assign([(0, 2, 0.9), (3, 2, 0.6)], roles_known=True, threshold=0.02, geom=geom)
    assert [(k, v) for k, v, _ in got] == [(0, 2)]


def test_cross_validation_over_documents_runs_on_kv_links_files(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from promptocr.bench.kvlinks import cross_validate, evaluate_file

    label = {"key": "question", "value": "answer", "header": "header", "other": "other"}
    path = tmp_path / "synth.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i, d in enumerate(generate(11, 10)):
            ents = [
                {"id": j, "text": u.text, "box": list(u.box), "label": label[r]}
                for j, (u, r) in enumerate(zip(d.units, d.roles, strict=True))
            ]
            links = [[k, v] for k, v in d.links]
            f.write(json.dumps({"doc": f"s{i}", "entities": ents, "links": links}) + "\n")
    cv = cross_validate(path, folds=2, settings=("gold_labels",))
    assert cv["docs"] == 10 and 0.3 < cv["gold_labels"]["f1"] <= 1.0
    shipped = evaluate_file(path)
    assert shipped["gold_labels"]["f1"] > shipped["floor"]["f1"]


def _walk_each_tree(m: TreeModel, X: np.ndarray) -> np.ndarray:
    """The ensemble read the plain way: each row down each tree, node by node."""
    out = np.zeros(len(X))
    for r, x in enumerate(X):
        leaves = []
        for node in m.roots:
            while not m.is_leaf[node]:
                node = m.left[node] if x[m.feature[node]] <= m.threshold[node] else m.right[node]
            leaves.append(node)
        out[r] = m.baseline + m.value[np.array(leaves)].sum()
    return out


def test_the_tree_walk_gives_each_rows_own_leaves() -> None:
    # `TreeModel.raw` walks only the (row, tree) pairs not yet at a leaf, all rows at once:
    # the same leaves as walking each tree alone, whatever the batch (a row's score does not
    # depend on the rows scored with it), missing values going right
    model = load_model("keyed")
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60, len(FEATURE_NAMES))) * rng.choice([0.1, 1.0, 10.0], len(FEATURE_NAMES))
    X[rng.random(X.shape) < 0.05] = np.nan
    want = _walk_each_tree(model, X)
    assert np.allclose(model.raw(X), want, rtol=0, atol=1e-12)
    assert np.array_equal(model.raw(X)[10:15], model.raw(X[10:15]))


def test_distance_ranks_and_costs_per_row_match_the_whole_matrices() -> None:
    # boxes on a coarse grid: many units as near as each other (ties go by index)
    rng = np.random.default_rng(3)
    units = []
    for i in range(40):
        x, y = rng.integers(0, 12) * 10.0, rng.integers(0, 12) * 10.0
        units.append(Unit(f"u{i}", (x, y, x + rng.integers(1, 5) * 10.0, y + 10.0)))
    geom = PageGeometry(units, keyness=np.zeros(len(units)))
    rank, cost = geom.rank, geom.cost
    for k in range(len(units)):
        js = np.array([j for j in range(len(units)) if j != k])
        assert np.array_equal(geom.rank_of(k, js), rank[k, js])
        assert np.array_equal(geom.rank_in(js, k), rank[js, k])
        assert np.array_equal(geom.cost_row(k), cost[k])
        assert np.array_equal(geom.cost_col(k), cost[:, k])


def _page(lines: list[Line], w: int = 900, h: int = 400) -> Document:
    return Document(pages=[Page(index=0, width=w, height=h, blocks=[Block(lines)])])


def test_the_value_after_another_labels_colon_is_that_labels() -> None:
    """An empty field does not take the value printed right after another, unrequested label's
    colon on its row (`Remarks:` … `Phone: 555-0182`)."""
    lines = [
        _line("Remarks:", 40, 40, 100),
        _line("Phone:", 400, 40, 70),
        _line("555-0182", 490, 40, 100),
        _line("备注：", 40, 100, 60),
        _line("联系电话：", 300, 100, 100),
        _line("13812345678", 420, 100, 130),
    ]
    got = extract_fields(_page(lines), ["Remarks", "备注"])
    assert got["Remarks"].value is None, got["Remarks"].value
    assert got["备注"].value is None, got["备注"].value
    got = extract_fields(_page(lines), ["Remarks", "Phone", "联系电话"])
    assert got["Remarks"].value is None
    assert got["Phone"].value == "555-0182"
    assert got["联系电话"].value == "13812345678"


def test_a_value_beside_another_printed_label_is_that_labels() -> None:
    """A candidate right of / below another printed label (no colon) that is not the requested
    key belongs to that label; the label itself is not the value either. (Right of it on the
    row: a typed field's name with a value of its type after it, `Phone 555-0182`,
    `联系电话 13812345678`, is a field of its own, `PageFacts.typed_labels`.)"""
    pages = {
        "below": [
            _line("Name:", 40, 40, 70),
            _line("Ann Lee", 130, 40, 90),
            _line("Remarks:", 40, 90, 100),
            _line("Phone", 40, 140, 60),
            _line("555-0182", 130, 140, 100),
        ],
        "row": [
            _line("Remarks:", 40, 40, 100),
            _line("Phone", 400, 40, 60),
            _line("555-0182", 480, 40, 100),
        ],
    }
    for name, lines in pages.items():
        got = extract_fields(_page(lines), ["Remarks"])
        assert got["Remarks"].value is None, (name, got["Remarks"].value)
    zh = [
        _line("备注：", 40, 40, 60),
        _line("联系电话", 300, 40, 80),
        _line("13812345678", 400, 40, 130),
    ]
    got = extract_fields(_page(zh), ["备注"])
    assert got["备注"].value is None, got["备注"].value


def test_a_colon_read_as_a_run_of_its_own_belongs_to_the_label_left_of_it() -> None:
    # aligned colons (`Table   :   T12`) that OCR reads apart are no unrequested label: the
    # run after them stays the requested key's value
    def doc(lines: list[Line]) -> Document:
        return Document(pages=[Page(index=0, width=600, height=400, blocks=[Block(lines)])])

    en = [_line("Cashier", 30, 40, 63), _line(":", 160, 40, 6), _line("ALI", 176, 40, 27)]
    en += [_line("Table", 30, 68, 45), _line(":", 160, 68, 6), _line("T12", 176, 68, 27)]
    assert extract_fields(doc(en), ["Cashier", "Table"])["Table"].value == "T12"
    zh = [_line("收银员", 30, 40, 60), _line("：", 160, 40, 10), _line("王芳", 180, 40, 40)]
    zh += [_line("桌号", 30, 68, 40), _line("：", 160, 68, 10), _line("A12", 180, 68, 30)]
    assert extract_fields(doc(zh), ["收银员", "桌号"])["桌号"].value == "A12"


def test_a_cell_beside_a_tall_section_label_answers_its_column_header() -> None:
    """A family-members table (家庭主要成员 in a tall cell on the left, 称谓 / 姓名 / 年龄 /
    工作单位 as column headers): each cell answers its column's header, not the section label
    standing at the middle of its rows (generator v7)."""
    units = [
        Unit("家庭主要成员", (40, 118, 160, 182)),  # wrapped over two lines, rows' middle
        Unit("称谓", (220, 60, 260, 80)),
        Unit("姓名", (340, 60, 380, 80)),
        Unit("年龄", (460, 60, 500, 80)),
        Unit("工作单位", (600, 60, 680, 80)),
    ]
    rows = [("父亲", "王建国", "56", "上海市第一中学"), ("母亲", "李秀英", "54", "退休")]
    for r, cells in enumerate(rows):
        y = 110 + 50 * r
        for c, t in enumerate(cells):
            x = (220, 330, 465, 590)[c]
            units.append(Unit(t, (x, y, x + 20 * len(t), y + 20)))
    keys = [0, 1, 2, 3, 4]
    values = list(range(5, len(units)))
    role = [1.0] * 5 + [0.0] * len(values)
    got = link_units(units, keys=keys, values=values, keyness=role, threshold=0.02)
    pairs = {(k, v) for k, v, _ in got}
    for v in values:
        assert (1 + (v - 5) % 4, v) in pairs, units[v].text
        assert (0, v) not in pairs, units[v].text


def test_a_page_mostly_written_in_cjk_is_read_by_the_cjk_model() -> None:
    zh = [Unit("姓名：", (10, 10, 70, 30)), Unit("王小明", (90, 10, 150, 30))]
    en = [Unit("Name:", (10, 10, 70, 30)), Unit("Ann Lee", (90, 10, 170, 30))]
    # a Chinese form with English glosses: a CJK character is a token, an English word one
    both = zh + [Unit("Name of the applicant", (10, 40, 200, 60))]
    assert cjk_share(zh) == 1.0 and cjk_share(en) == 0.0
    assert cjk_share(both) >= CJK_PAGE
    assert cjk_share([Unit("12.50", (0, 0, 10, 10))]) == 0.0
    assert keyed_model(zh) is load_model("keyed_cjk")
    assert keyed_model(both) is load_model("keyed_cjk")
    assert keyed_model(en) is load_model("keyed")
    assert load_model("keyed_cjk").meta["grids"] is True
    assert load_model("keyed").meta["grids"] is False


def test_a_page_mostly_written_in_cjk_gets_its_keyness_from_the_cjk_role_model() -> None:
    """The role model is chosen by the page's script as the keyed model is: every estimate of a
    page's keyness (`PageGeometry` without known roles) reads `roles_cjk` on a CJK page."""
    zh = [Unit("姓名：", (10, 10, 70, 30)), Unit("王小明", (90, 10, 150, 30))]
    en = [Unit("Name:", (10, 10, 70, 30)), Unit("Ann Lee", (90, 10, 170, 30))]
    both = zh + [Unit("Name of the applicant", (10, 40, 200, 60))]
    assert roles_model(zh) is load_model("roles_cjk")
    assert roles_model(both) is load_model("roles_cjk")
    assert roles_model(en) is load_model("roles")
    assert roles_model([]) is load_model("roles")
    cjk, latin = load_model("roles_cjk"), load_model("roles")
    assert cjk.meta["grids"] is True and latin.meta["grids"] is False
    assert cjk.meta["kind"] == "roles_cjk" and cjk.meta["feature_names"] == list(ROLE_FEATURE_NAMES)
    # the two models differ, and the page's estimate is the chosen model's
    for units, chosen in ((zh, cjk), (both, cjk), (en, latin)):
        geom = PageGeometry(units)
        x = geom.unit_features()
        assert np.array_equal(geom.keyness, chosen.proba(x))
    x = PageGeometry(zh).unit_features()
    assert not np.array_equal(cjk.proba(x), latin.proba(x))


def test_a_labels_own_line_value_beats_a_key_like_line_under_it() -> None:
    """`姓名 张伟` read as one line, `性别男` (a label run into its value) under it: the name
    is the rest of the label's own line, not the line below that the role model takes for a key."""
    lines = [
        _line("姓名 张伟", 46, 57, 160, 42),
        _line("性别男", 45, 125, 126, 45),
        _line("民族 汉", 326, 127, 126, 43),
        _line("出生1990年3月7日", 50, 198, 297, 39),
        _line("住址北京市东城区景山前街4号", 49, 268, 478, 40),
    ]
    got = extract_fields(_page(lines, 800, 500), ["姓名"])
    assert got["姓名"].value == "张伟"


def test_a_line_overlapping_a_value_from_above_that_another_label_owns_stays_out() -> None:
    """A value squeezed tight under another label's value (their boxes overlap) is read alone:
    the line above is the value of the label above-left of it (`名称：`, `Remarks`), not the
    first line of the address, however well the model links it."""
    zh = [
        _line("名称：", 40, 83, 60),
        _line("北京海淀科技发展有限公司", 200, 100, 240),
        _line("地址：", 40, 114, 60),
        _line("北京市东城区景山前街4号", 207, 111, 230),
    ]
    assert extract_fields(_page(zh), ["地址"])["地址"].value == "北京市东城区景山前街4号"
    en = [
        _line("Remarks", 40, 69, 63),
        _line("Deliver after five to the back door", 200, 100, 315),
        _line("Address", 40, 120, 63),
        _line("12 High Street, Springfield", 210, 113, 243),
    ]
    assert extract_fields(_page(en), ["Address"])["Address"].value == "12 High Street, Springfield"


def test_every_kind_of_cjk_character_counts_as_one() -> None:
    """Half-width katakana count per character, as full-width do; 々, the compatibility
    ideographs and extension B count as ideographs."""
    for ch in "ｺｰﾋｰ々〆豈\U00020000\U0002f800가ㄱ漢かカ":
        assert _is_cjk(ch), hex(ord(ch))
    for ch in "aé1:：（":
        assert not _is_cjk(ch), ch
    half = [Unit("ｺｰﾋｰ", (10, 10, 50, 30)), Unit("Coffee", (60, 10, 120, 30))]
    assert cjk_share(half) == 0.8  # four katakana, one English word
    assert cjk_share([Unit("佐々木", (10, 10, 70, 30))]) == 1.0


def test_a_values_lines_are_joined_as_their_script_writes_words() -> None:
    from promptocr.tasks.extract.linked import join_lines

    assert join_lines(["北京市凯腾餐饮管理集", "团有限公司第一分公司"]) == (
        "北京市凯腾餐饮管理集团有限公司第一分公司"
    )
    assert join_lines(["東京都新宿区", "西新宿2-8-1"]) == "東京都新宿区西新宿2-8-1"
    assert join_lines(["深圳市南山区学民南路684号B栋2202室", "0755-29995037"]) == (
        "深圳市南山区学民南路684号B栋2202室 0755-29995037"
    )
    assert join_lines(["MARY SEAGRAVES", " Ext 1485 "]) == "MARY SEAGRAVES Ext 1485"
    assert join_lines(["서울특별시", "강남구"]) == "서울특별시 강남구"  # Hangul keeps its spaces
