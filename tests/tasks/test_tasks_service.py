"""Service end to end on synthetic documents drawn with real fonts, through the real ONNX
models: every task's JSON shape, nulls for missing fields, checksum rejection, the VLM seam,
errors, and usage (skipped stages, cache hits)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from task_synth import (
    form_en,
    id_card,
    invoice_zh,
    mistyped_cn_id,
    passport,
    png,
    receipt_en,
    receipt_zh,
    subtitle_frame,
    td3_mrz,
    valid_cn_id,
)

import promptocr
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.usage import Usage
from promptocr.errors import EngineUnavailableError, InvalidOptionError, UnknownInstructionError
from promptocr.inputs.loader import PageImage
from promptocr.pipeline import OCRPipeline
from promptocr.tasks import Result, Service

DETAIL_KEYS = {"value", "confidence", "page", "bbox", "polygon", "normalized", "valid", "type"}


@pytest.fixture(scope="module")
def service(engine: EmbeddedEngine) -> Service:
    return Service(OCRPipeline(engine))


@pytest.fixture(scope="module")
def images() -> dict[str, bytes]:
    return {
        "receipt": png(receipt_en()),
        "receipt_zh": png(receipt_zh()),
        "id": png(id_card(valid_cn_id())),
        "id_bad": png(id_card(mistyped_cn_id())),
        "invoice": png(invoice_zh()),
        "form": png(form_en()),
        "passport": png(passport(td3_mrz())),
        "subtitles": png(subtitle_frame()),
    }


def _check_result(r: Result) -> dict[str, object]:
    d = r.to_dict()
    assert set(d) >= {"task", "plan", "usage", "output", "content", "document"}
    assert d["plan"]["task"] == r.task
    json.dumps(d, ensure_ascii=False)  # serialisable as is
    return d


def _check_details(r: Result) -> None:
    for name, det in r.output["details"].items():
        assert set(det) >= DETAIL_KEYS, name
        if det["value"] is None:
            assert r.output["fields"][name] is None
        else:
            assert r.output["fields"][name] == det["value"]
            assert det["page"] == 1 and len(det["bbox"]) == 4 and len(det["polygon"]) == 4
            assert 0.0 < det["confidence"] <= 1.0


def test_receipt_fields_in_plain_english(service: Service, images: dict[str, bytes]) -> None:
    r = service.run(images["receipt"], "Extract the company, date, address, total and tax id.")
    _check_result(r)
    _check_details(r)
    f = r.output["fields"]
    assert f["company"] == "BLUE HARBOUR TRADING SDN BHD"
    assert f["date"] == "25/12/2018"
    assert r.output["details"]["date"]["normalized"] == "2018-12-25"
    assert "JALAN KENARI" in f["address"]
    assert f["total"] == "31.40"  # the TOTAL line, not the subtotal or the cash
    assert f["tax id"] is None  # not on the receipt: null, never a guess
    assert json.loads(r.content) == f
    assert r.output["document_type"] == "receipt"


def test_chinese_receipt(service: Service, images: dict[str, bytes]) -> None:
    r = service.run(images["receipt_zh"], "这是一张购物小票")
    assert r.output["document_type"] == "receipt"
    f = r.output["fields"]
    assert f["company"] == "上海悦来便利店有限公司"
    assert f["address"] == "上海市徐汇区漕溪北路88号"
    assert r.output["details"]["date"]["normalized"] == "2024-01-18"
    assert f["total"] == "11.50"  # 合计, not 小计 or 现金
    named = service.run(images["receipt_zh"], "提取商户名称、日期和合计金额")
    assert named.output["fields"]["合计金额"] == "11.50"
    assert named.output["fields"]["商户名称"] == "上海悦来便利店有限公司"


def test_id_card_fields_and_document_type(service: Service, images: dict[str, bytes]) -> None:
    r = service.run(images["id"], "提取姓名、性别、身份证号")
    _check_details(r)
    assert r.output["fields"] == {"姓名": "张伟", "性别": "男", "身份证号": valid_cn_id()}
    assert r.output["details"]["身份证号"]["valid"] is True
    assert r.output["details"]["性别"]["normalized"] == "M"
    card = service.run(images["id"], "这是一张身份证")
    f = card.output["fields"]
    assert list(f) == [
        "name",
        "sex",
        "ethnicity",
        "date_of_birth",
        "address",
        "id_number",
        "issuing_authority",
        "valid_period",
    ]
    assert f["ethnicity"] == "汉" and f["id_number"] == valid_cn_id()
    assert card.output["details"]["date_of_birth"]["normalized"] == "1990-03-07"
    assert "北京市东城区" in f["address"]
    assert f["issuing_authority"] is None and f["valid_period"] is None  # back side not shown


def test_mistyped_id_number_is_rejected(service: Service, images: dict[str, bytes]) -> None:
    r = service.run(images["id_bad"], "提取姓名、身份证号")
    assert r.output["fields"]["身份证号"] is None
    det = r.output["details"]["身份证号"]
    assert det["valid"] is False and det["raw"] == mistyped_cn_id()
    assert "check digit" in det["reason"]
    assert r.output["fields"]["姓名"] == "张伟"


def test_invoice_official_field_list(service: Service, images: dict[str, bytes]) -> None:
    prompt = "提取图片中的: ['发票号码', '开票日期', '价税合计', '校验码'] 的字段内容，并按照 JSON 格式返回。"
    r = service.run(images["invoice"], prompt)
    _check_details(r)
    f = r.output["fields"]
    assert f["发票号码"] == "12345678"
    assert r.output["details"]["开票日期"]["normalized"] == "2023-05-12"
    assert r.output["details"]["价税合计"]["normalized"] == "113.00"
    assert f["校验码"] is None
    inv = service.run(images["invoice"], "这是一张增值税发票")
    assert inv.output["fields"]["invoice_code"] == "044031900111"
    assert inv.output["fields"]["total"] is not None


def test_form_keys_and_value_prompt(service: Service, images: dict[str, bytes]) -> None:
    prompt = (
        "Extract the content of the fields: ['Name:', 'Department:', 'Date:', 'E-mail:', "
        "'Phone:'] from the image and return it in JSON format."
    )
    r = service.run(images["form"], prompt)
    _check_details(r)
    assert r.output["fields"] == {
        "Name:": "Alice Walker",
        "Department:": "Research",
        "Date:": "March 5, 2024",
        "E-mail:": "alice@example.com",
        "Phone:": None,
    }
    one = service.run(images["form"], "Output the value of Department.")
    assert one.content == "Research"


def test_all_key_value_pairs(service: Service, images: dict[str, bytes]) -> None:
    r = service.run(images["form"], "extract all key-value pairs")
    assert r.output["fields"] == {
        "Name": "Alice Walker",
        "Department": "Research",
        "Date": "March 5, 2024",
        "E-mail": "alice@example.com",
    }
    _check_details(r)
    zh = service.run(images["invoice"], "提取所有字段")
    assert zh.output["fields"]["发票号码"] == "12345678"


def test_passport_mrz(service: Service, images: dict[str, bytes]) -> None:
    r = service.run(images["passport"], "passport")
    f = r.output["fields"]
    assert f["surname"] == "ERIKSSON" and f["document_number"] == "L898902C3"
    assert f["date_of_birth"] == "1974-08-12" and f["date_of_expiry"] == "2012-04-15"
    assert r.output["mrz"]["valid"] is True


def test_spot_lines_and_hunyuan_wire_formats(service: Service, images: dict[str, bytes]) -> None:
    r = service.run(images["receipt"], "detect all text with bounding boxes")
    lines = r.output["lines"]
    assert len(lines) >= 10
    for ln in lines:
        assert {"text", "confidence", "polygon", "bbox", "page"} <= set(ln)
    official = service.run(images["receipt"], "检测并识别图片中的文字，将文本坐标格式化输出。")
    items = re.findall(r"([^()]+?)\((\d+),(\d+)\),\((\d+),(\d+)\)", official.content)
    assert len(items) == len(official.output["lines"])
    assert all(0 <= int(v) <= 1000 for it in items for v in it[1:])
    assert official.output["hunyuan"] == official.content
    js = service.run(images["receipt"], "", output_format="hunyuan_json")
    arr = json.loads(js.content)
    assert {"box", "text"} == set(arr[0]) and len(arr[0]["box"]) == 4


def test_read_and_output_formats(service: Service, images: dict[str, bytes]) -> None:
    r = service.run(images["receipt"], "")
    assert r.task == "read" and r.plan.matched == "empty"
    assert "BLUE HARBOUR" in r.output["text"] and r.content == r.output["text"]
    assert json.loads(service.run(images["receipt"], "", output_format="json").content)["text"]
    with pytest.raises(InvalidOptionError):
        service.run(images["receipt"], "", output_format="docx")


def test_subtitles_bottom_band_bilingual(service: Service, images: dict[str, bytes]) -> None:
    r = service.run(images["subtitles"], "提取图片中的字幕。")
    texts = [x["text"] for x in r.output["lines"]]
    assert texts == ["今天天气很好", "The weather is nice today"]
    assert [x["language"] for x in r.output["lines"]] == ["zh", "latin"]
    assert "NEWS" not in r.content


def test_usage_reports_skips_and_cache_hits(engine: EmbeddedEngine) -> None:
    svc = Service(OCRPipeline(engine))
    img = png(receipt_en())
    first = svc.run(img, "read the text")
    u = first.usage.to_dict()
    assert u["cache"]["misses"] == 1 and u["cache"]["hits"] == 0
    assert u["stages_ms"]["detect"] > 0 and u["lines_recognized"] > 0
    assert "layout" in u["skipped"] and "markdown" in u["skipped"] and "fields" in u["skipped"]
    second = svc.run(img, "What is the total?")
    u2 = second.usage.to_dict()
    assert u2["cache"]["hits"] == 1 and u2["cache"]["misses"] == 0
    assert u2["skipped"]["detect"] == "served from cache"
    assert "detect" not in u2["stages_ms"] and u2["stages_ms"]["fields"] >= 0
    assert "layout" in u2["skipped"] and "markdown" in u2["skipped"]
    assert second.output["fields"]["total"] == "31.40"


def test_blank_page_skips_recognition(service: Service) -> None:
    blank = np.full((300, 400, 3), 255, dtype=np.uint8)
    r = promptocr.run(blank, "")
    assert r.output["text"] == ""
    assert r.usage.skipped["recognize"] == "blank page"
    e = service.run(png_of(blank), "提取姓名")
    assert e.output["fields"] == {"姓名": None}


def png_of(arr: np.ndarray) -> bytes:
    from PIL import Image

    return png(Image.fromarray(arr))


def test_translate_without_engine_says_so_and_returns_text(
    service: Service, images: dict[str, bytes]
) -> None:
    with pytest.raises(EngineUnavailableError) as info:
        service.run(images["receipt"], "翻译成英文")
    err = info.value
    assert err.status == 501 and "vision-language engine" in err.message
    d = err.to_dict()
    assert "BLUE HARBOUR" in d["details"]["text"]
    assert d["details"]["task"] == "translate"
    for prompt in ("识别图片中的公式，用 LaTeX 格式表示。", "Why is the sky blue?"):
        with pytest.raises(EngineUnavailableError):
            service.run(images["receipt"], prompt)


class EchoVLM:
    """A deterministic stand-in with the VLM seam's signature (no model behind it): it
    answers with the prompt and the page count, so the test checks the routing only."""

    def generate(self, pages: list[PageImage], prompt: str, usage: Usage) -> str:
        return f"{len(pages)} page(s): {prompt}"


def test_vlm_seam_routes_vlm_tasks(engine: EmbeddedEngine, images: dict[str, bytes]) -> None:
    svc = Service(OCRPipeline(engine), vlm=EchoVLM())
    r = svc.run(images["receipt"], "translate this into French")
    assert r.task == "translate" and r.content.startswith("1 page(s): translate this")
    assert r.output["target_language"] == "fr" and "BLUE HARBOUR" in r.output["source_text"]
    assert "vlm" in r.usage.stages_ms


def test_unknown_instruction_error(service: Service, images: dict[str, bytes]) -> None:
    with pytest.raises(UnknownInstructionError):
        service.run(images["receipt"], "make me a sandwich")


def test_parse_routes_to_the_parse_builder(service: Service, images: dict[str, bytes]) -> None:
    try:
        from promptocr.tasks.parse import parse_document  # noqa: F401
    except ImportError:
        with pytest.raises(EngineUnavailableError) as info:
            service.run(images["form"], "parse this page to markdown")
        assert "Alice" in info.value.to_dict()["details"]["text"]
        return
    r = service.run(images["form"], "parse this page to markdown")
    assert r.task == "parse" and "Alice Walker" in r.output["markdown"]
    assert "layout" not in r.usage.skipped


def test_python_api_accepts_paths_and_pil(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = receipt_en().save(tmp_path / "r.png")
    r = promptocr.run(path, "Output the value of TOTAL.")
    assert r.content == "31.40"
    r2 = promptocr.run(receipt_en().image, "Output the value of TOTAL.")
    assert r2.content == "31.40" and r2.usage.cache["hits"] == 1
