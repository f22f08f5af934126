"""Planner: official HunyuanOCR prompts, free phrasings (zh/en), arguments and stages."""

from __future__ import annotations

import pytest

from promptocr.errors import UnknownInstructionError
from promptocr.tasks import plan
from promptocr.tasks.planner import STAGES
from promptocr.tasks.prompts import OFFICIAL_PROMPTS, TASK_TYPES


@pytest.mark.parametrize("official", OFFICIAL_PROMPTS, ids=lambda p: p.id)
def test_every_official_prompt_maps_to_its_task(official) -> None:  # type: ignore[no-untyped-def]
    p = plan(official.text)
    assert p.task == official.task
    for key, value in official.arguments.items():
        assert p.arguments[key] == value
    assert p.matched.startswith("official:")


def test_official_prompt_table_covers_both_versions() -> None:
    versions = {p.version for p in OFFICIAL_PROMPTS}
    assert versions == {"v1", "v1.5"}
    assert set(TASK_TYPES) >= {"doc_parse", "spotting_json", "spotting_hunyuan", "table"}
    assert plan("", task_type="spotting_json").arguments["format"] == "hunyuan_json"


@pytest.mark.parametrize(
    ("prompt", "fields"),
    [
        ("提取姓名、性别、身份证号", ["姓名", "性别", "身份证号"]),
        (
            "Extract the content of the fields: ['Invoice No', 'Total'] from the image and "
            "return it in JSON format.",
            ["Invoice No", "Total"],
        ),
        (
            "提取图片中的: ['发票号码', '开票日期'] 的字段内容，并按照 JSON 格式返回。",
            ["发票号码", "开票日期"],
        ),
        ("Output the value of 日期.", ["日期"]),
        ("输出 金额 的值。", ["金额"]),
        (
            "Extract the company, date, address and total as JSON.",
            ["company", "date", "address", "total"],
        ),
        ("What is the total?", ["total"]),
        ("总金额是多少", ["总金额"]),
        ("get me the invoice number and the due date", ["invoice number", "due date"]),
        ("find the e-mail", ["e-mail"]),
        # a list written as JSON or Python in a free phrasing
        ('Extract the fields: ["Name", "Date of birth"]', ["Name", "Date of birth"]),
        ('Extract the following fields as JSON: ["Name", "Date"]', ["Name", "Date"]),
        ("get ['Total', 'Tax']", ["Total", "Tax"]),
        ('请提取["姓名", "性别"]', ["姓名", "性别"]),
    ],
)
def test_field_lists_from_official_and_free_phrasings(prompt: str, fields: list[str]) -> None:
    p = plan(prompt)
    assert p.task == "extract"
    assert p.arguments["fields"] == fields
    assert p.runs("fields") and not p.runs("layout") and not p.runs("markdown")


@pytest.mark.parametrize(
    ("prompt", "doctype"),
    [
        ("这是一张身份证", "id_card"),
        ("this is an ID card", "id_card"),
        ("receipt", "receipt"),
        ("Read this receipt", "receipt"),
        ("passport", "passport"),
        ("提取发票信息", "vat_invoice"),
        ("这是一张增值税发票", "vat_invoice"),
        ("VAT invoice", "vat_invoice"),
        ("护照", "passport"),
    ],
)
def test_document_types_selected_by_prompt(prompt: str, doctype: str) -> None:
    p = plan(prompt)
    assert p.task == "extract"
    assert p.arguments["document_type"] == doctype


@pytest.mark.parametrize(
    "prompt",
    [
        # an English invoice is no Chinese VAT invoice (its `total` is not 价税合计)
        "Extract the invoice number, invoice date, due date and total",
        "Extract the vendor and total from this invoice",
        "Extract the tax invoice number and total",
        # a field of a receipt is no receipt preset
        "What is the receipt number?",
        "Extract the receipt no. and the cashier",
    ],
)
def test_no_document_type_from_a_generic_word(prompt: str) -> None:
    p = plan(prompt)
    assert p.task == "extract"
    assert "document_type" not in p.arguments


@pytest.mark.parametrize(
    "prompt",
    ["Extract the invoice", "Extract this invoice", "Extract the invoice details", "提取所有字段"],
)
def test_a_document_with_no_preset_named_alone_extracts_every_pair(prompt: str) -> None:
    p = plan(prompt)
    assert p.task == "extract" and p.arguments.get("all_pairs") is True


@pytest.mark.parametrize(
    ("prompt", "fields"),
    [
        ("What is the gross pay and what is the net pay?", ["gross pay", "net pay"]),
        (
            "What is the net pay? Also the YTD gross and total deductions",
            ["net pay", "YTD gross", "total deductions"],
        ),
    ],
)
def test_questions_one_after_another(prompt: str, fields: list[str]) -> None:
    p = plan(prompt)
    assert p.task == "extract" and p.arguments["fields"] == fields


def test_a_listed_key_is_kept_as_written() -> None:
    # the answer is keyed by the keys sent: full-width brackets are not folded, also where the
    # list itself is written with a full-width comma
    p = plan("提取图片中的：['今收到','人民币（大写）'] 的字段内容，并按照 JSON 格式返回。")
    assert p.arguments["fields"] == ["今收到", "人民币（大写）"]
    p = plan("提取图片中的：['今收到'，'人民币（大写）'] 的字段内容，并按照 JSON 格式返回。")
    assert p.arguments["fields"] == ["今收到", "人民币（大写）"]


@pytest.mark.parametrize(
    ("prompt", "fields"),
    [
        ('Extract "Paid? (Y/N)" and name', ["Paid? (Y/N)", "name"]),
        ("Extract the plus code and address", ["plus code", "address"]),
        ("Extract Married?, Name", ["Married?", "Name"]),
    ],
)
def test_no_question_break_inside_a_field(prompt: str, fields: list[str]) -> None:
    assert plan(prompt).arguments["fields"] == fields


def test_the_receipt_total_is_still_the_receipts() -> None:
    assert plan("Extract the receipt total").arguments.get("document_type") == "receipt"


@pytest.mark.parametrize(
    ("prompt", "task"),
    [
        ("", "read"),
        ("   ", "read"),
        ("Extract the text in the image.", "read"),
        ("OCR this", "read"),
        ("识别图中的文字", "read"),
        ("detect all text with bounding boxes", "spot"),
        ("给出每行文字的坐标", "spot"),
        ("parse this page to markdown", "parse"),
        ("把这页解析成 markdown", "parse"),
        ("convert the table to HTML", "parse"),
        ("extract the subtitles", "subtitles"),
        ("翻译成英文", "translate"),
        ("translate this into French", "translate"),
        ("what does this chart show? use mermaid", "chart"),
        ("Why is the sky blue?", "vqa"),
        ("where is the text", "spot"),
        ("captions", "subtitles"),
        ("提取字幕", "subtitles"),
        ("the formula as LaTeX", "formula"),
        ("识别公式", "formula"),
        ("parse the chart", "chart"),
        ("解析图表", "chart"),
        ("提取第1-3页的文字", "read"),
        ("What's written here?", "read"),
        ("这张图片里写了什么", "read"),
        ("text", "read"),
    ],
)
def test_free_phrasings(prompt: str, task: str) -> None:
    assert plan(prompt).task == task


def test_field_list_keys_may_hold_brackets_and_quotes() -> None:
    keys = ["Sample Requisition [Form 02: 02: 06]", "Date:", 'He said "hi"']
    en = plan(
        f"Extract the content of the fields: {keys!r} from the image and return it in JSON format."
    )
    assert en.arguments["fields"] == keys


@pytest.mark.parametrize(
    "prompt", ["Get all key-value pairs", "extract all fields", "提取所有字段"]
)
def test_all_pairs(prompt: str) -> None:
    p = plan(prompt)
    assert p.task == "extract" and p.arguments["all_pairs"] is True


def test_spot_json_format() -> None:
    assert plan("spot the text as JSON").arguments["format"] == "hunyuan_json"


def test_translate_target_language() -> None:
    assert plan("translate this into French").arguments["target_language"] == "fr"
    assert plan("把图中文字翻译为中文").arguments["target_language"] == "zh"


def test_page_range_is_an_argument() -> None:
    assert plan("read pages 2-3").arguments["pages"] == "2-3"
    assert plan("识别第2页的文字").arguments["pages"] == "2"


def test_stages_listed_and_only_needed_ones_run() -> None:
    read = plan("read the text")
    assert [s.name for s in read.stages] == list(STAGES)
    assert read.runs("ocr") and not read.runs("layout") and not read.runs("markdown")
    assert read.skipped()["layout"]
    parse = plan("parse this page to markdown")
    assert parse.runs("layout") and parse.runs("markdown")
    d = parse.to_dict()
    assert set(d) >= {"task", "arguments", "stages"}
    assert all(set(s) == {"name", "runs", "reason"} for s in d["stages"])


def test_unknown_instruction_lists_capabilities() -> None:
    with pytest.raises(UnknownInstructionError) as info:
        plan("make me a sandwich")
    err = info.value
    assert err.code == "unknown_instruction" and err.status == 422
    assert "read" in err.message and "extract" in err.message and "spot" in err.message
    assert err.to_dict()["details"]["capabilities"]


def test_unknown_task_type() -> None:
    with pytest.raises(UnknownInstructionError):
        plan("", task_type="no_such_task")


def test_a_field_named_like_a_parse_word_stays_extract() -> None:
    p = plan("Extract the NAME, STRUCTURE, DATE and COMPOUND NAME as JSON.")
    assert p.task == "extract"
    assert p.arguments["fields"] == ["NAME", "STRUCTURE", "DATE", "COMPOUND NAME"]
    assert plan("Extract the document structure").task == "parse"
    assert plan("extract the layout and structure").task == "parse"
    assert plan("Extract the layout and the text as markdown").task == "parse"


@pytest.mark.parametrize(
    ("prompt", "fields"),
    [
        # a task's keyword inside a printed label is a field, not that task
        ("Extract the Position Applied For", ["Position Applied For"]),
        ("What is the position applied for?", ["position applied for"]),
        ("Extract the translator name", ["translator name"]),
        ("Extract the patient chart number", ["patient chart number"]),
        ("get the formula code", ["formula code"]),
        ("Extract the translation fee", ["translation fee"]),
        ("Extract the order number and the position", ["order number", "position"]),
        # "/" belongs to a printed label (the issue's `Supervisor/Manager`); a slashed key
        # printed nowhere is looked up by its parts (tests/tasks/test_extract_wording.py)
        ("Extract the Supervisor/Manager", ["Supervisor/Manager"]),
        ("Extract Town / City", ["Town / City"]),
        ("Extract Date of birth (DD/MM/YYYY)", ["Date of birth (DD/MM/YYYY)"]),
        ("Extract Name/Phone Ext.", ["Name/Phone Ext"]),
        ("extract name/address/phone", ["name/address/phone"]),  # looked up by its parts
        ("提取姓名/电话", ["姓名/电话"]),
        ("Extract the name, and/or the company", ["name", "company"]),
        # 提取出 + field, but 出 begins 出生 / 出厂
        ("提取出生日期", ["出生日期"]),
        ("提取出生", ["出生"]),
        ("提取出厂日期和型号", ["出厂日期", "型号"]),
        ("提取出姓名和性别", ["姓名", "性别"]),
        ("提取出发票号码和单价", ["发票号码", "单价"]),
        ("提取出票日期", ["出票日期"]),
        ("找出出院日期", ["出院日期"]),
        # a field of the invoice, not the invoice preset
        ("Extract the date of invoice", ["date of invoice"]),
    ],
)
def test_field_names_that_hold_task_words_or_separators(prompt: str, fields: list[str]) -> None:
    p = plan(prompt)
    assert p.task == "extract"
    assert p.arguments["fields"] == fields


@pytest.mark.parametrize(
    ("prompt", "task"),
    [
        ("extract all text with coordinates", "spot"),
        ("extract the text positions", "spot"),
        ("extract the text and positions", "spot"),
        ("给出每行文字的坐标", "spot"),
        ("extract and translate the text to English", "translate"),
        ("extract the subtitles", "subtitles"),
        ("Extract subtitles from the video frame", "subtitles"),
        ("extract the chart data", "chart"),
        ("Extract the math formulas in LaTeX", "formula"),
        ("Extract the menu and translate it", "translate"),
        ("Get the text along with its bounding boxes", "spot"),
        ("Locate all text", "spot"),
        ("Detect the words and their locations", "spot"),
        ("Give the location of each word", "spot"),
        ("Read the text and its location", "spot"),
        ("Recognize the text and location", "spot"),
        ("OCR this image and give the text location", "spot"),
        ("Give me each line and its location", "spot"),
    ],
)
def test_task_words_around_text_still_ask_for_the_task(prompt: str, task: str) -> None:
    assert plan(prompt).task == task


@pytest.mark.parametrize(
    ("prompt", "fields"),
    [
        # labels that start with a verb of the instruction's tail (a car rental's `Return
        # Date/Time`, a rating plate's `Output Voltage`) were cut off with everything after
        ("Extract the Return Date/Time", ["Return Date/Time"]),
        ("Extract the Renter and Return Date/Time as JSON", ["Renter", "Return Date/Time"]),
        (
            "Extract the Renter, Return Date/Time and Pick-up Location as JSON",
            ["Renter", "Return Date/Time", "Pick-up Location"],
        ),
        ("Extract the Serial No and Output Voltage as JSON", ["Serial No", "Output Voltage"]),
        ("Extract the File Format", ["File Format"]),
        ("Extract the Tax Return Year", ["Tax Return Year"]),
        ("Extract the Location", ["Location"]),  # a field, not text locations
        # the tail itself still goes
        ("Extract the name and date and return them as JSON", ["name", "date"]),
        ("Extract name, date, total. Return JSON.", ["name", "date", "total"]),
        ("Extract the name and date, return JSON", ["name", "date"]),
        ("Extract the total then return it as json", ["total"]),
        ("Extract the name and format it as JSON", ["name"]),
        ("Extract invoice number and date and output in JSON", ["invoice number", "date"]),
        # (the review: a tail right after the fields, after a new line, in another format)
        ("Extract name and date return JSON", ["name", "date"]),
        ("Extract invoice number and total return json", ["invoice number", "total"]),
        ("Extract the name and date\nReturn JSON", ["name", "date"]),
        ("Extract the name and date and output csv", ["name", "date"]),
        ("Extract the name, return as a list", ["name"]),
    ],
)
def test_a_label_starting_with_a_tail_verb_is_kept(prompt: str, fields: list[str]) -> None:
    p = plan(prompt)
    assert (p.task, p.arguments.get("fields")) == ("extract", fields)
