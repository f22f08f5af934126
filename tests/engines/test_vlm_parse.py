"""HunyuanOCR answer parsing: every spotting wire format, field JSON, Markdown, repetition."""

from __future__ import annotations

import pytest

from promptocr.engines.vlm.parse import (
    ParseError,
    clean_markdown,
    clean_value,
    page_from_spots,
    parse_fields,
    parse_spotting,
    to_pixels,
    trim_repetition,
)
from promptocr.engines.vlm.prompts import field_list, official_prompt
from promptocr.errors import UnknownInstructionError

# ---------------------------------------------------------------------------------------------
# spotting


def _texts_boxes(answer: str) -> list[tuple[str, tuple[float, float, float, float]]]:
    return [(s.text, s.box) for s in parse_spotting(answer)]


def test_ref_quad_format() -> None:
    answer = (
        "<ref>发票代码</ref><quad>(102,55),(301,88)</quad>"
        "<ref>Total (incl. VAT)</ref><quad>(100,120),(480,160)</quad>\n"
    )
    assert _texts_boxes(answer) == [
        ("发票代码", (102.0, 55.0, 301.0, 88.0)),
        ("Total (incl. VAT)", (100.0, 120.0, 480.0, 160.0)),
    ]


def test_pos_token_format() -> None:
    answer = (
        "<quad><pos_10><pos_20><pos_300><pos_60></quad><ref>HELLO</ref>"
        "<quad><pos_12><pos_80><pos_500><pos_120></quad><ref>世界 2024</ref>"
    )
    assert _texts_boxes(answer) == [
        ("HELLO", (10.0, 20.0, 300.0, 60.0)),
        ("世界 2024", (12.0, 80.0, 500.0, 120.0)),
    ]


def test_inline_format_back_to_back() -> None:
    answer = "第一行(10,20),(300,60)第二行(12,80),(500,120)"
    assert _texts_boxes(answer) == [
        ("第一行", (10.0, 20.0, 300.0, 60.0)),
        ("第二行", (12.0, 80.0, 500.0, 120.0)),
    ]


def test_inline_format_text_with_parentheses() -> None:
    # Text that itself contains parentheses (and a number pair) must survive intact.
    answer = (
        "ATLANTA (AP) Second(21,30),(640,71)\n"
        "金额(小写)(120,400),(380,440)\n"
        "Point (3,4)(100,500),(300,540)\n"
        "Tel: (010) 5555-1234(100,600),(520,640)"
    )
    assert _texts_boxes(answer) == [
        ("ATLANTA (AP) Second", (21.0, 30.0, 640.0, 71.0)),
        ("金额(小写)", (120.0, 400.0, 380.0, 440.0)),
        ("Point (3,4)", (100.0, 500.0, 300.0, 540.0)),
        ("Tel: (010) 5555-1234", (100.0, 600.0, 520.0, 640.0)),
    ]


def test_inline_coordinate_pair_run_inside_text() -> None:
    # "(1,2),(3,4)" directly followed by the real coordinates belongs to the text.
    answer = "Score (1,2),(3,4)(100,200),(300,240)"
    assert _texts_boxes(answer) == [("Score (1,2),(3,4)", (100.0, 200.0, 300.0, 240.0))]


def test_inline_four_point_quad() -> None:
    spots = parse_spotting("Slanted(100,100),(400,120),(395,170),(95,150)")
    assert len(spots) == 1 and len(spots[0].points) == 4
    poly = to_pixels(spots[0].points, 2000, 1000)
    assert poly[0] == (200.0, 100.0) and poly[2] == (790.0, 170.0)


def test_json_box_array_in_fence_and_bbox_alias() -> None:
    answer = (
        "```json\n"
        '[{"box": [100, 50, 400, 90], "text": "Invoice (copy)"},\n'
        ' {"bbox": [100, 120, 600, 160], "text": "Total: 12.50"}]\n'
        "```"
    )
    assert _texts_boxes(answer) == [
        ("Invoice (copy)", (100.0, 50.0, 400.0, 90.0)),
        ("Total: 12.50", (100.0, 120.0, 600.0, 160.0)),
    ]


def test_json_box_array_cut_off_keeps_complete_items() -> None:
    answer = (
        '[{"box": [1, 2, 30, 40], "text": "a"}, {"box": [5, 60, 70, 80], "text": "b"}, {"box": [9'
    )
    assert [s.text for s in parse_spotting(answer)] == ["a", "b"]


def test_no_text_answer_and_unknown_format() -> None:
    assert parse_spotting("图片中没有文字。") == []
    assert parse_spotting("   ") == []
    with pytest.raises(ParseError):
        parse_spotting("This picture shows a cat sitting on a mat.")


def test_coordinates_map_to_page_pixels() -> None:
    spots = parse_spotting("<ref>Name</ref><quad>(100,200),(500,300)</quad>")
    page = page_from_spots(spots, 2, width=1240, height=1754, confidence=0.87, source="x.png")
    (line,) = page.lines
    x0, y0, x1, y1 = line.bbox
    assert (x0, x1) == pytest.approx((124.0, 620.0))
    assert (y0, y1) == pytest.approx((350.8, 526.2))
    assert page.index == 2 and page.width == 1240 and page.source == "x.png"
    assert line.confidence == pytest.approx(0.87)


def test_coordinates_clamped_and_words_split() -> None:
    spots = parse_spotting("<ref>hello big world</ref><quad>(-5,0),(1200,100)</quad>")
    page = page_from_spots(spots, 0, width=100, height=50, confidence=0.9)
    (line,) = page.lines
    assert line.bbox == (0.0, 0.0, 100.0, 5.0)
    words = line.words
    assert [w.text for w in words] == ["hello", "big", "world"]
    # words are laid out left to right inside the line box
    assert words[0].bbox[0] == 0.0 and words[0].bbox[2] < words[1].bbox[0] < words[2].bbox[0]
    assert words[2].bbox[2] == pytest.approx(100.0)


def test_spotting_blocks_in_reading_order() -> None:
    answer = (
        "<ref>second line</ref><quad>(100,300),(600,340)</quad>"
        "<ref>first line</ref><quad>(100,100),(600,140)</quad>"
    )
    page = page_from_spots(parse_spotting(answer), 0, 1000, 1000, confidence=0.9)
    assert [ln.text for ln in page.lines] == ["first line", "second line"]
    assert page.to_dict()["blocks"]


# ---------------------------------------------------------------------------------------------
# information extraction


def test_fields_in_json_fence() -> None:
    answer = '```json\n{\n    "单价": "3.00",\n    "总金额": "￥77.10元",\n    "里程数": "26.1km"\n}\n```'
    assert parse_fields(answer, ["单价", "总金额", "里程数", "发票号码"]) == {
        "单价": "3.00",
        "总金额": "￥77.10元",
        "里程数": "26.1km",
        "发票号码": None,
    }


def test_fields_bare_with_prose_and_fuzzy_keys() -> None:
    answer = 'Here is the result: {"Invoice No.": "INV-0042", "total ": 12.5, "Date": ""} Done.'
    assert parse_fields(answer, ["invoice no", "Total", "date"]) == {
        "invoice no": "INV-0042",
        "Total": 12.5,
        "date": None,
    }


def test_fields_single_quotes_trailing_comma_and_cutoff() -> None:
    assert parse_fields("{'姓名': '张三', '性别': '男',}", ["姓名", "性别"]) == {
        "姓名": "张三",
        "性别": "男",
    }
    cut = '```json\n{"name": "Ann Lee", "city": "Oslo", "zip": "03'
    assert parse_fields(cut, ["name", "city", "zip"]) == {
        "name": "Ann Lee",
        "city": "Oslo",
        "zip": None,
    }


def test_fields_braces_inside_strings_and_no_json() -> None:
    assert parse_fields('{"note": "use {curly} braces", "n": "1"}') == {
        "note": "use {curly} braces",
        "n": "1",
    }
    with pytest.raises(ParseError):
        parse_fields("I cannot find these fields.", ["name"])


def test_single_value_answer() -> None:
    assert clean_value('"INV-0042"\n') == "INV-0042"
    assert clean_value("```\n2024-03-01\n```") == "2024-03-01"
    assert clean_value("  ") is None


# ---------------------------------------------------------------------------------------------
# markdown, LaTeX, HTML


def test_markdown_with_html_table_and_latex_kept() -> None:
    answer = (
        "```markdown\n# Results\n\n<table><tr><td>a</td><td>b</td></tr></table>\n\n"
        "$$ E = mc^{2} $$\n```"
    )
    md = clean_markdown(answer)
    assert md.startswith("# Results")
    assert "<table><tr><td>a</td><td>b</td></tr></table>" in md
    assert "$$ E = mc^{2} $$" in md
    assert "```" not in md


def test_markdown_mermaid_fence_and_plain_text_kept() -> None:
    mermaid = "```mermaid\ngraph TD\nA-->B\n```"
    assert clean_markdown(mermaid) == mermaid
    assert clean_markdown("  \\frac{a}{b}  ") == "\\frac{a}{b}"


# ---------------------------------------------------------------------------------------------
# repetition


def test_repetition_loop_trimmed_and_flagged() -> None:
    answer = "# Title\n\nSome text.\n" + "<td>0</td>" * 60 + "<td>"
    text, trimmed = trim_repetition(answer, hit_limit=True)
    assert trimmed
    assert text == "# Title\n\nSome text.\n<td>0</td>"


def test_repetition_of_a_phrase_in_chinese() -> None:
    answer = "合计金额：壹佰元整。" + "谢谢惠顾，" * 40
    text, trimmed = trim_repetition(answer, hit_limit=True)
    assert trimmed and text == "合计金额：壹佰元整。谢谢惠顾，"


def test_legitimate_repeats_are_kept() -> None:
    toc = "Chapter 1 ........ 3\nChapter 2 ........ 9\n"
    assert trim_repetition(toc) == (toc, False)
    # a handful of identical empty rows when the answer ended normally stays
    rows = "<table>" + "<tr><td></td></tr>" * 10 + "</table>"
    assert trim_repetition(rows, hit_limit=False) == (rows, False)
    assert trim_repetition("short") == ("short", False)


def test_repetition_threshold_depends_on_token_limit() -> None:
    loop = "Intro. " + "ab12" * 12
    assert trim_repetition(loop, hit_limit=True)[1]
    assert not trim_repetition(loop, hit_limit=False)[1]


# ---------------------------------------------------------------------------------------------
# official prompts


def test_official_prompts_per_task() -> None:
    assert official_prompt("spot", {}) == "检测并识别图片中的文字，将文本坐标格式化输出。"
    assert official_prompt("spot", {}, language="en").startswith("Detect and recognize text")
    assert "JSON 数组" in official_prompt("spot", {"format": "json"})
    assert official_prompt("parse", {"target": "table"}, language="en") == (
        "Parse the table in the image into HTML."
    )
    assert official_prompt("extract", {"fields": ["姓名", "性别"]}) == (
        "提取图片中的: ['姓名','性别'] 的字段内容，并按照 JSON 格式返回。"
    )
    assert official_prompt("extract", {"fields": ["Date"], "format": "value"}, language="en") == (
        "Output the value of Date."
    )
    assert "translate the text content into English" in official_prompt(
        "translate", {"target_language": "en"}, language="en"
    )
    assert official_prompt("translate", {"target_language": "zh"}).endswith("翻译为中文。")
    assert "日文" in official_prompt("translate", {"target_language": "ja"})
    assert official_prompt("vqa", {"question": "What is the total?"}) == "What is the total?"
    assert field_list(["a", "it's"]) == "['a','it\\'s']"
    assert "every key-value pair" in official_prompt("extract", {"all_pairs": True}, language="en")


def test_official_prompt_errors() -> None:
    with pytest.raises(UnknownInstructionError):
        official_prompt("extract", {"fields": []})
    with pytest.raises(UnknownInstructionError):
        official_prompt("vqa", {})
    with pytest.raises(UnknownInstructionError):
        official_prompt("dance", {})
