"""The official HunyuanOCR instruction for each task (README "Application-oriented Prompts" and
the v1.5 `task_type` prompts of Tencent-Hunyuan/HunyuanOCR), chosen from a task and arguments.

HunyuanOCR was trained on these exact wordings; hand-edited instructions degrade its output,
so the engine sends these unless the caller's own prompt already is one (or is a free-form
question, which only the model can answer).
"""

from __future__ import annotations

from typing import Any

from promptocr.errors import UnknownInstructionError

ZH: dict[str, str] = {
    "read": "提取图中的文字。",
    "spot": "检测并识别图片中的文字，将文本坐标格式化输出。",
    "spot_json": (
        "检测并识别图中所有的文字行，请按从上到下、从左到右的阅读顺序进行识别。 "
        "输出格式为 JSON 数组，每个元素必须包含："
        '"box": [xmin, ymin, xmax, ymax]（坐标需归一化到 [0, 1000] 范围内）；'
        '"text": "识别出的文字内容"。 '
        "注意：请直接输出 JSON 数组，不要包含任何多余的描述性文字。"
    ),
    "parse": (
        "提取文档图片中正文的所有信息用markdown格式表示，其中页眉、页脚部分忽略，表格用html格式"
        "表达，文档中公式用latex格式表示，按照阅读顺序组织进行解析。"
    ),
    "table": "把图中的表格解析为HTML。",
    "formula": "识别图片中的公式，用LaTeX格式表示。",
    "chart": "解析图中的图表，对于流程图使用Mermaid格式表示，其他图表使用Markdown格式表示。",
    "subtitles": "提取图片中的字幕。",
    "extract": "提取图片中的: {fields} 的字段内容，并按照 JSON 格式返回。",
    "extract_all": "提取图片中的所有字段（键值对）内容，并按照 JSON 格式返回。",
    "value": "输出 {key} 的值。",
    "translate_en": (
        "先提取文字，再将文字内容翻译为英文。若是文档，则其中页眉、页脚忽略。公式用latex格式表示，"
        "表格用html格式表示。"
    ),
    "translate_zh": (
        "按照阅读顺序，提取图中文字，公式用latex格式表示，表格用markdown格式表示，"
        "再将文字内容翻译为中文。"
    ),
}

EN: dict[str, str] = {
    "read": "Extract the text in the image.",
    "spot": (
        "Detect and recognize text in the image, and output the text coordinates in a "
        "formatted manner."
    ),
    "spot_json": ZH["spot_json"],  # published in Chinese only
    "parse": (
        "Extract all information from the main body of the document image and represent it in "
        "markdown format, ignoring headers and footers. Tables should be expressed in HTML "
        "format, formulas in the document should be represented using LaTeX format, and the "
        "parsing should be organized according to the reading order."
    ),
    "table": "Parse the table in the image into HTML.",
    "formula": "Identify the formula in the image and represent it using LaTeX format.",
    "chart": (
        "Parse the chart in the image; use Mermaid format for flowcharts and Markdown for "
        "other charts."
    ),
    "subtitles": "Extract the subtitles from the image.",
    "extract": (
        "Extract the content of the fields: {fields} from the image and return it in JSON format."
    ),
    "value": "Output the value of {key}.",
    "extract_all": "Extract every key-value pair in the image and return them in JSON format.",
    "translate_en": (
        "First extract the text, then translate the text content into English. If it is a "
        "document, ignore the header and footer. Formulas should be represented in LaTeX "
        "format, and tables should be represented in HTML format."
    ),
    "translate_zh": ZH["translate_zh"],  # published in Chinese only
}

# Target languages HunyuanOCR's translation prompts name; others use the English template with
# the language's name substituted (the model is documented for en/zh targets only).
LANGUAGE_NAMES = {
    "en": ("英文", "English"),
    "zh": ("中文", "Chinese"),
    "ja": ("日文", "Japanese"),
    "ko": ("韩文", "Korean"),
    "fr": ("法文", "French"),
    "de": ("德文", "German"),
    "es": ("西班牙文", "Spanish"),
    "ru": ("俄文", "Russian"),
    "it": ("意大利文", "Italian"),
    "pt": ("葡萄牙文", "Portuguese"),
    "ar": ("阿拉伯文", "Arabic"),
    "th": ("泰文", "Thai"),
    "vi": ("越南文", "Vietnamese"),
}


def field_list(fields: list[str]) -> str:
    """The official field-list notation: ['key1','key2']."""
    return "[" + ",".join("'" + f.replace("'", "\\'") + "'" for f in fields) + "]"


def official_prompt(task: str, arguments: dict[str, Any], *, language: str = "zh") -> str:
    """The instruction HunyuanOCR expects for `task` with the planner's `arguments`."""
    table = EN if language == "en" else ZH
    if task == "read":
        return table["read"]
    if task == "spot":
        return table["spot_json"] if arguments.get("format") == "json" else table["spot"]
    if task == "parse":
        return table["table"] if arguments.get("target") == "table" else table["parse"]
    if task in ("formula", "chart", "subtitles"):
        return table[task]
    if task == "extract":
        fields = [str(f) for f in arguments.get("fields") or [] if str(f).strip()]
        if not fields and arguments.get("all_pairs"):  # "extract everything" (no key named)
            return table["extract_all"]
        if not fields:
            raise UnknownInstructionError("extraction needs at least one field name")
        if arguments.get("format") == "value" and len(fields) == 1:
            return table["value"].format(key=fields[0])
        return table["extract"].format(fields=field_list(fields))
    if task == "translate":
        target = str(arguments.get("target_language") or "en").lower()
        if target == "en":
            return table["translate_en"]
        if target == "zh":
            return table["translate_zh"]
        zh_name, en_name = LANGUAGE_NAMES.get(target, (target, target))
        if language == "en":
            return EN["translate_en"].replace("English", en_name)
        return ZH["translate_en"].replace("英文", zh_name)
    if task == "vqa":
        question = str(arguments.get("question") or "").strip()
        if not question:
            raise UnknownInstructionError("a question about the image is empty")
        return question
    raise UnknownInstructionError(f"the vision-language engine has no prompt for task {task!r}")
