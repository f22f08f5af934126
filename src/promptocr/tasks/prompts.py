"""HunyuanOCR's official prompts, verbatim, and the task each one maps to here.

Two sources (Tencent-Hunyuan/HunyuanOCR on GitHub):

* v1: the "Application-oriented Prompts" table of the README (English and Chinese columns).
* v1.5: `TASK_PROMPTS` in `inference/utils/tasks.py`, keyed by `task_type`.

The planner matches a prompt against these first (after whitespace/punctuation normalisation,
so `提取图片中的: ['a','b']` with other field names still maps to `extract`), then falls back
to free phrasings. `arguments` are merged into the plan's arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OfficialPrompt:
    id: str
    version: str  # "v1" (README table) or "v1.5" (task_type)
    lang: str  # "en" or "zh"
    text: str
    task: str
    arguments: dict[str, Any] = field(default_factory=dict)


_DOC_PARSE_EN = (
    "Extract all information from the main body of the document image and represent it in "
    "markdown format, ignoring headers and footers. Tables should be expressed in HTML format, "
    "formulas in the document should be represented using LaTeX format, and the parsing should "
    "be organized according to the reading order."
)
_TRANSLATE_EN = (
    "First extract the text, then translate the text content into English. If it is a "
    "document, ignore the header and footer. Formulas should be represented in LaTeX format, "
    "and tables should be represented in HTML format."
)

OFFICIAL_PROMPTS: tuple[OfficialPrompt, ...] = (
    # ---- v1 README table ------------------------------------------------------------------
    OfficialPrompt(
        "v1.spotting.en",
        "v1",
        "en",
        "Detect and recognize text in the image, and output the text coordinates in a "
        "formatted manner.",
        "spot",
        {"format": "hunyuan"},
    ),
    OfficialPrompt(
        "v1.spotting.zh",
        "v1",
        "zh",
        "检测并识别图片中的文字，将文本坐标格式化输出。",
        "spot",
        {"format": "hunyuan"},
    ),
    OfficialPrompt(
        "v1.formula.en",
        "v1",
        "en",
        "Identify the formula in the image and represent it using LaTeX format.",
        "formula",
    ),
    OfficialPrompt("v1.formula.zh", "v1", "zh", "识别图片中的公式，用 LaTeX 格式表示。", "formula"),
    OfficialPrompt(
        "v1.table.en",
        "v1",
        "en",
        "Parse the table in the image into HTML.",
        "parse",
        {"target": "table"},
    ),
    OfficialPrompt(
        "v1.table.zh", "v1", "zh", "把图中的表格解析为 HTML。", "parse", {"target": "table"}
    ),
    OfficialPrompt(
        "v1.chart.en",
        "v1",
        "en",
        "Parse the chart in the image; use Mermaid format for flowcharts and Markdown for "
        "other charts.",
        "chart",
    ),
    OfficialPrompt(
        "v1.chart.zh",
        "v1",
        "zh",
        "解析图中的图表，对于流程图使用 Mermaid 格式表示，其他图表使用 Markdown 格式表示。",
        "chart",
    ),
    OfficialPrompt(
        "v1.doc_parse.en", "v1", "en", _DOC_PARSE_EN, "parse", {"drop_headers_footers": True}
    ),
    OfficialPrompt(
        "v1.doc_parse.zh",
        "v1",
        "zh",
        "提取文档图片中正文的所有信息用 markdown 格式表示，其中页眉、页脚部分忽略，表格用 html "
        "格式表达，文档中公式用 latex 格式表示，按照阅读顺序组织进行解析。",
        "parse",
        {"drop_headers_footers": True},
    ),
    OfficialPrompt("v1.kv.en", "v1", "en", "Output the value of Key.", "extract"),
    OfficialPrompt("v1.kv.zh", "v1", "zh", "输出 Key 的值。", "extract"),
    OfficialPrompt(
        "v1.ie.en",
        "v1",
        "en",
        "Extract the content of the fields: ['key1','key2', ...] from the image and return it "
        "in JSON format.",
        "extract",
    ),
    OfficialPrompt(
        "v1.ie.zh",
        "v1",
        "zh",
        "提取图片中的: ['key1','key2', ...] 的字段内容，并按照 JSON 格式返回。",
        "extract",
    ),
    OfficialPrompt(
        "v1.subtitles.en", "v1", "en", "Extract the subtitles from the image.", "subtitles"
    ),
    OfficialPrompt("v1.subtitles.zh", "v1", "zh", "提取图片中的字幕。", "subtitles"),
    OfficialPrompt(
        "v1.translate.en", "v1", "en", _TRANSLATE_EN, "translate", {"target_language": "en"}
    ),
    OfficialPrompt(
        "v1.translate.zh",
        "v1",
        "zh",
        "先提取文字，再将文字内容翻译为英文。若是文档，则其中页眉、页脚忽略。公式用latex格式表示，"
        "表格用html格式表示。",
        "translate",
        {"target_language": "en"},
    ),
    # ---- v1.5 task_type prompts -----------------------------------------------------------
    OfficialPrompt(
        "v1.5.doc_parse",
        "v1.5",
        "zh",
        "提取文档图片中正文的所有信息用markdown格式表示，其中页眉、页脚部分忽略，表格用html格式"
        "表达，文档中公式用latex格式表示，按照阅读顺序组织进行解析。",
        "parse",
        {"drop_headers_footers": True},
    ),
    OfficialPrompt("v1.5.structured_parse", "v1.5", "zh", "提取图中的文字。", "read"),
    OfficialPrompt(
        "v1.5.spotting_json",
        "v1.5",
        "zh",
        "检测并识别图中所有的文字行，请按从上到下、从左到右的阅读顺序进行识别。 "
        "输出格式为 JSON 数组，每个元素必须包含："
        '"box": [xmin, ymin, xmax, ymax]（坐标需归一化到 [0, 1000] 范围内）；'
        '"text": "识别出的文字内容"。 '
        "注意：请直接输出 JSON 数组，不要包含任何多余的描述性文字。",
        "spot",
        {"format": "hunyuan_json"},
    ),
    OfficialPrompt(
        "v1.5.spotting_hunyuan",
        "v1.5",
        "zh",
        "检测并识别图片中的文字，将文本坐标格式化输出。",
        "spot",
        {"format": "hunyuan"},
    ),
    OfficialPrompt(
        "v1.5.layout", "v1.5", "zh", "按照阅读顺序解析图中的版式信息。", "parse", {"layout": True}
    ),
    OfficialPrompt(
        "v1.5.layout_parse",
        "v1.5",
        "zh",
        "提取文档图片中所有内容用markdown格式表示，表格用html格式表达，文档中公式用latex格式表示，"
        "请按照阅读顺序组织进行全文解析，并输出版式分析信息。",
        "parse",
        {"layout": True, "drop_headers_footers": False},
    ),
    OfficialPrompt(
        "v1.5.chart_parse",
        "v1.5",
        "zh",
        "解析图中的图表，对于流程图使用Mermaid格式表示，其他图表使用Markdown格式表示。",
        "chart",
    ),
    OfficialPrompt("v1.5.formula", "v1.5", "zh", "识别图片中的公式，用LaTeX格式表示。", "formula"),
    OfficialPrompt(
        "v1.5.table", "v1.5", "zh", "把图中的表格解析为HTML。", "parse", {"target": "table"}
    ),
    OfficialPrompt(
        "v1.5.doc_trans_en2zh",
        "v1.5",
        "zh",
        "先解析文档，再将文档内容翻译为中文，其中页眉、页脚忽略，公式用latex格式表示，表格用html"
        "格式表示。",
        "translate",
        {"target_language": "zh"},
    ),
    OfficialPrompt(
        "v1.5.trans_other2en",
        "v1.5",
        "zh",
        "按照阅读顺序，提取图中文字，公式用latex格式表示，表格用markdown格式表示，再将文字内容翻译"
        "为英文。",
        "translate",
        {"target_language": "en"},
    ),
    OfficialPrompt(
        "v1.5.trans_other2zh",
        "v1.5",
        "zh",
        "按照阅读顺序，提取图中文字，公式用latex格式表示，表格用markdown格式表示，再将文字内容翻译"
        "为中文。",
        "translate",
        {"target_language": "zh"},
    ),
)

# v1.5 `task_type` names, for clients that send a task type instead of a prompt.
TASK_TYPES: dict[str, OfficialPrompt] = {
    p.id.removeprefix("v1.5."): p for p in OFFICIAL_PROMPTS if p.version == "v1.5"
}
