"""Instruction -> `Plan`: the task, its arguments and the stages that must run.

The plan is explicit and inspectable (`plan(prompt).to_dict()`), and it is what the service
executes: a stage the plan marks as not running is never called. Matching order:

1. empty prompt -> `read`;
2. HunyuanOCR's official prompts (`prompts.py`), verbatim after normalisation, including the
   field-list templates with the caller's own field names;
3. free phrasings in Chinese and English (keywords for each task, field lists after an
   "extract"/"提取" verb, "what is the X", document types such as "这是一张身份证"), and
   field requests in French, German, Spanish, Italian, Portuguese and Japanese
   (`wordings.py`);
4. anything else raises `UnknownInstructionError` listing what the service can do.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from promptocr.errors import UnknownInstructionError
from promptocr.tasks.prompts import OFFICIAL_PROMPTS, TASK_TYPES, OfficialPrompt
from promptocr.tasks.questions import field_forms, question_keys
from promptocr.tasks.wordings import asks_all_pairs, foreign_fields

TASKS = ("read", "spot", "parse", "extract", "subtitles", "translate", "formula", "chart", "vqa")
VLM_TASKS = frozenset({"translate", "formula", "chart", "vqa"})

# Every stage a plan can name, in execution order.
STAGES = (
    "decode",
    "ocr",
    "checkboxes",
    "layout",
    "markdown",
    "fields",
    "subtitles",
    "spotting_format",
    "vlm",
)

CAPABILITIES = (
    "read: all text in reading order ('read the text', '提取图中的文字', or an empty prompt)",
    "spot: every line with confidence and box ('detect and recognize text with coordinates', "
    "'检测并识别图片中的文字，将文本坐标格式化输出。')",
    "parse: page as Markdown with HTML tables ('parse this page to markdown', "
    "'把图中的表格解析为 HTML。')",
    "extract: named fields as JSON ('提取姓名、性别、身份证号', 'Extract the content of the fields: "
    "['Invoice No', 'Total'] ...', 'Output the value of 日期')",
    "document types: 'this is an ID card' / '这是一张身份证', 'receipt', 'VAT invoice' / '发票', "
    "'passport'",
    "subtitles: 'extract the subtitles' / '提取图片中的字幕。'",
    "translate, formula, chart and free-form questions: need a vision-language engine",
)


@dataclass
class Stage:
    name: str
    runs: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "runs": self.runs, "reason": self.reason}


@dataclass
class Plan:
    """What the service will do for one prompt."""

    task: str
    arguments: dict[str, Any] = field(default_factory=dict)
    stages: list[Stage] = field(default_factory=list)
    prompt: str = ""
    matched: str = "free"  # "empty", "official:<id>", or "free"

    def runs(self, stage: str) -> bool:
        return any(s.name == stage and s.runs for s in self.stages)

    def skipped(self) -> dict[str, str]:
        return {s.name: s.reason for s in self.stages if not s.runs}

    def set_stage(self, name: str, runs: bool, reason: str) -> None:
        """Record what happened to a stage once the request ran (e.g. "ocr skipped: text
        layer", an escalation to the VLM)."""
        for i, st in enumerate(self.stages):
            if st.name == name:
                self.stages[i] = Stage(name, runs, reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "arguments": dict(self.arguments),
            "stages": [s.to_dict() for s in self.stages],
            "matched": self.matched,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], prompt: str = "") -> Plan:
        """The plan `to_dict` wrote (e.g. the one a job was accepted with)."""
        return cls(
            task=str(d["task"]),
            arguments=dict(d.get("arguments") or {}),
            stages=[
                Stage(str(s["name"]), bool(s["runs"]), str(s.get("reason", "")))
                for s in d.get("stages") or []
            ],
            prompt=prompt,
            matched=str(d.get("matched", "free")),
        )


# ---------------------------------------------------------------------------------------------
# normalisation


def normalize(text: str) -> str:
    """Fold width/case, drop whitespace and punctuation (both scripts)."""
    t = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in t if not (ch.isspace() or unicodedata.category(ch)[0] in "PS"))


_OFFICIAL_BY_NORM: dict[str, OfficialPrompt] = {}
for _p in OFFICIAL_PROMPTS:
    _OFFICIAL_BY_NORM.setdefault(normalize(_p.text), _p)


# ---------------------------------------------------------------------------------------------
# field lists


# a list's own syntax written in full-width or curly forms
_LIST_SYNTAX = str.maketrans(
    {"，": ",", "［": "[", "］": "]", "＇": "'", "＂": '"', "‘": "'", "’": "'", "“": '"', "”": '"'}
)


def _parse_list(raw: str) -> list[str]:
    """A Python/JSON-ish list `['a', "b", c]` or a plain separated list."""
    raw = raw.strip()
    if raw.startswith("[") or raw.startswith("［"):
        # the keys as the user wrote them (`人民币（大写）` stays in full-width brackets: the
        # answer is keyed by them): the list as written, then with only its own syntax folded
        # (`['今收到'，'人民币（大写）']`, `［'a'］`), then all of it folded
        for form in (raw, raw.translate(_LIST_SYNTAX), unicodedata.normalize("NFKC", raw)):
            try:
                val = ast.literal_eval(form)
            except (ValueError, SyntaxError):
                continue
            if isinstance(val, list | tuple):
                return [str(v).strip() for v in val if isinstance(v, str) and v.strip()]
            break
        raw = raw.strip("[]［］")
        items = [p.strip(" '\"‘’“”") for p in re.split(r"[,，、;；]", raw)]
        return [p for p in items if p and p not in ("...", "…")]
    return split_fields(raw)


# what a tail says the answer is to be (`… return JSON`, `… output csv`)
_TAIL_FORMATS = r"json|csv|xml|yaml|markdown|md|html|text|table|list|dict|object"
# the instruction's tail after the fields ("… and return them as JSON", ", output JSON", "…
# return JSON"): a verb after "and", "then" or a stop (a new line too), followed by what it
# returns or how; or right after the fields, followed by a format. Not a label that starts with
# the verb: "Return Date/Time", "Output Voltage", "File Format"
_EN_TAIL = re.compile(
    r"\s*(?:(?:^|\s*[,;.\n]\s*(?:and\s+)?(?:then\s+)?|\s+(?:and\s+)?then\s+|\s+and\s+)"
    r"(?:return|output|give|reply|respond|format)\b"
    r"(?=\s*$|\s*[:.,]|\s+(?:it|them|me|us|as|in|only|all|everything|each|every|back|with|"
    r"using|(?:the|a|an|this|that|these|those)\s+(?:results?|answers?|values?|fields?|data|"
    rf"output|response|information|info|{_TAIL_FORMATS})|{_TAIL_FORMATS})\b).*$"
    r"|\s+(?:return|output|give|reply|respond)\s+(?:(?:it|them|everything|the\s+results?)\s+)?"
    rf"(?:(?:as|in)\s+(?:an?\s+)?)?(?:{_TAIL_FORMATS})\b.*$"
    r"|\s+(?:from|in|on|of)\s+(?:this|the|that|these|my|an?)\s+"
    r"(?:image|picture|photo|page|document|doc|file|scan|receipt|invoice|form|card|passport|pdf)s?\b.*$"
    r"|\s+(?:as|in)\s+(?:a\s+)?json\b.*$|\s*\bjson\b.*$)",
    re.I,
)
_ZH_TAIL = re.compile(
    r"(?:[，,。]?\s*(?:并|然后)?\s*(?:以|按照?|用)\s*json.*$|的?(?:字段|字段内容|内容|值|信息)$)",
    re.I,
)


# what a field list is split at (`split_fields`; `extract.rejoin_split_keys` joins keys again
# where the page prints them with one of these between)
FIELD_SEPARATORS = r"[,，、;；]|\band\b|\bor\b|以及|和|及|与|跟"


# how a further question or a field added to a list begins ("what is the", "also the")
_ASKED = re.compile(
    r"^(?:(?:also|plus|and)\s+)?(?:(?:what|which)(?:'s|’s|\s+(?:is|are|was|were))\s+|"
    r"how\s+much\s+(?:is|was|are)\s+|tell\s+me\s+)",
    re.I,
)
_ASKED_ALSO = re.compile(r"^(?:also|plus)\s+", re.I)
# a question mark followed by the next question or a field added to the list
_QUESTION_BREAK = re.compile(
    r"\s*[?？]\s*(?=(?:also|plus)\s|(?:and\s+)?(?:what|which|how\s+much|tell\s+me)\b)",
    re.I,
)


def split_fields(raw: str) -> list[str]:
    """'name, sex and ID number' / '姓名、性别、身份证号' -> a list of field names."""
    s = raw.strip().strip("。.!?？！:：")
    s = _EN_TAIL.sub("", s)
    s = _ZH_TAIL.sub("", s).strip()
    # not at "/": printed labels hold it ("Town / City", "Supervisor/Manager", "A/C No.",
    # "Date of birth (DD/MM/YYYY)"); a key that is not printed so is looked up by its parts
    # (tasks/extract, `extract_fields`)
    # (questions asked one after another: "What is the gross pay and what is the net pay?",
    # "What is the net pay? Also the YTD gross": split after a question mark only where the
    # next question or an added field begins, and not inside quotes)
    segments = _QUESTION_BREAK.split(s) if not re.search(r"[\"“”]", s) else [s]
    parts = [
        p
        for n, seg in enumerate(segments)
        for p in re.split(
            rf"\s*(?:{FIELD_SEPARATORS})\s*",
            _ASKED_ALSO.sub("", seg.strip()) if n else seg,
            flags=re.I,
        )
    ]
    out: list[str] = []
    for p in parts:
        if not re.search(r"\w", p):
            continue  # the "/" of "and/or"
        p = _ASKED.sub("", p.strip(" '\"‘’“”"))
        p = re.sub(r"^(?:the|a|an|its|their)\s+", "", p.strip(" '\"‘’“”"), flags=re.I)
        p = re.sub(r"^(?:图片中的|图中的|图片上的|其中的|上面的|中的|里的|的)", "", p)
        p = re.sub(r"(?:的值|的内容|字段)$", "", p).strip()
        if p and p not in out:
            out.append(p)
    return out


# ---------------------------------------------------------------------------------------------
# document types named in a prompt (schemas live in doctypes.py)

DOCTYPE_WORDS: dict[str, tuple[str, ...]] = {
    "id_card": (
        "身份证",
        "居民身份证",
        "id card",
        "identity card",
        "resident identity card",
        "chinese id",
    ),
    # (not "invoice" nor "tax invoice": in English these name any seller's invoice, whose
    # `total` is no VAT invoice's 价税合计 and whose `Amount` column is no 金额)
    "vat_invoice": ("增值税发票", "发票", "vat invoice", "fapiao"),
    "receipt": ("小票", "收据", "收银条", "购物小票", "receipt", "till slip", "sales slip"),
    "passport": ("护照", "passport", "mrz", "machine readable zone", "machine-readable zone"),
}


# a field's word after "receipt": the word qualifies a field ("receipt number", "receipt
# date"), it does not say what the document is (a passport's number is still read from its
# MRZ: "passport number" names the passport; "the receipt total" is the receipt's total)
_FIELD_AFTER = r"(?!\s*(?:number|no\b|num\b|nr\b|#|date\b|id\b|code\b))"


def detect_doctype(prompt: str) -> str | None:
    low = unicodedata.normalize("NFKC", prompt).lower()
    for name, words in DOCTYPE_WORDS.items():
        for w in words:
            if re.search(r"[a-z]", w):
                after = _FIELD_AFTER if name == "receipt" else ""
                if re.search(rf"\b{re.escape(w)}s?\b{after}", low):
                    return name
            elif w in low:
                return name
    return None


# ---------------------------------------------------------------------------------------------
# languages for translate

LANGUAGES: dict[str, tuple[str, ...]] = {
    "en": ("english", "英文", "英语"),
    "zh": ("chinese", "mandarin", "中文", "汉语", "简体中文"),
    "ja": ("japanese", "日文", "日语"),
    "ko": ("korean", "韩文", "韩语"),
    "fr": ("french", "法文", "法语"),
    "de": ("german", "德文", "德语"),
    "es": ("spanish", "西班牙语", "西班牙文"),
    "ru": ("russian", "俄语", "俄文"),
    "ar": ("arabic", "阿拉伯语"),
    "pt": ("portuguese", "葡萄牙语"),
    "it": ("italian", "意大利语"),
    "ms": ("malay", "马来语"),
    "vi": ("vietnamese", "越南语"),
    "th": ("thai", "泰语"),
}


def detect_language(prompt: str) -> str | None:
    low = prompt.lower()
    m = re.search(r"(?:into|to|成|为|為)\s*([a-z]+|[\u4e00-\u9fff]{2,4})", low)
    candidates = [m.group(1)] if m else []
    candidates.append(low)
    for cand in candidates:
        for code, words in LANGUAGES.items():
            if any(w in cand for w in words):
                return code
    return None


# ---------------------------------------------------------------------------------------------
# page ranges named in a prompt

_PAGES_EN = re.compile(r"\bpages?\s+(\d+(?:\s*(?:-|–|to|,|and)\s*\d+)*)", re.I)
_PAGES_ZH = re.compile(r"第\s*(\d+(?:\s*[-–到至,，、]\s*\d+)*)\s*页")


def detect_pages(prompt: str) -> str | None:
    m = _PAGES_EN.search(prompt) or _PAGES_ZH.search(prompt)
    if not m:
        return None
    spec = re.sub(r"\s*(?:to|–|到|至)\s*", "-", m.group(1))
    spec = re.sub(r"\s*(?:and|，|、|,)\s*", ",", spec)
    return re.sub(r"\s+", "", spec)


# ---------------------------------------------------------------------------------------------
# free phrasings

_RE_IE_EN = re.compile(
    r"extract\s+the\s+content\s+of\s+the\s+fields?\s*[:：]?\s*(\[.*\]|.+?)"
    r"(?:\s+from\s+the\s+image.*)?$",
    re.I | re.S,
)
_RE_IE_ZH = re.compile(r"提取图片中的\s*[:：]?\s*(\[.*\]|.+?)\s*的字段内容", re.S)
_RE_KV_EN = re.compile(r"^\s*output\s+the\s+value\s+of\s+(.+?)\s*[.。]?\s*$", re.I | re.S)
_RE_KV_ZH = re.compile(r"^\s*输出\s*(.+?)\s*的值\s*[。.]?\s*$", re.S)
_RE_WHAT_EN = re.compile(
    r"^\s*(?:what(?:'s| is| are)|find|get|give me|show me|tell me|look up|read out)\s+"
    r"(?:me\s+)?(?:the\s+)?(.+?)\s*\??\s*$",
    re.I | re.S,
)
_RE_WHAT_ZH = re.compile(r"^\s*(.{1,20}?)\s*(?:是多少|是什么|是啥|多少)\s*[?？]?\s*$")
_RE_EXTRACT_EN = re.compile(
    r"^\s*(?:please\s+)?(?:extract|pull out|pull|get|find|return|list|give me|fetch|output)\s+"
    r"(?:me\s+)?(?:the\s+)?(?:following\s+)?(?:fields?\s*[:：]?\s*|values?\s+(?:of|for)\s+)?(.+)$",
    re.I | re.S,
)
_RE_EXTRACT_ZH = re.compile(
    r"^\s*(?:请)?(?:帮我)?(?:提取|抽取|获取|找出|找到|识别出|读取|输出|给出|返回)"
    r"(?:出(?!生|厂|发(?!票|货)|口|院|版(?!本)|票|售(?!价)|境|租|资(?!产)|库(?!存)|勤|席|入|行|账|品|差(?!旅)))?"
    r"\s*(.+)$",
    re.S,
)

# Keyword sets, checked on the lower-cased, NFKC-folded prompt.
_KW = {
    "translate": (r"翻译", r"译成", r"译为", r"\btranslat(?!or)"),
    "subtitles": (r"字幕", r"\bsubtitles?\b", r"\bcaptions?\b"),
    "formula": (r"公式", r"\bformulas?\b", r"\bequations?\b", r"\blatex\b"),
    "chart": (
        r"图表",
        r"流程图",
        r"\bcharts?\b",
        r"\bflowcharts?\b",
        r"\bmermaid\b",
        r"\bgraphs?\b",
    ),
    "table": (r"表格", r"\btables?\b"),
    "parse": (
        r"markdown",
        r"\bmd\b",
        r"版面",
        r"版式",
        r"\blayout\b",
        r"解析",
        r"\bparse\b",
        r"\bparsing\b",
        r"\bconvert\b.*\bdocument\b",
        r"\bstructure\b",
    ),
    "spot": (
        r"坐标",
        r"位置",
        r"文本框",
        r"检测",
        r"\bcoordinates?\b",
        r"\bbounding\s+box",
        r"\bbbox",
        r"\bboxes\b",
        r"\bpolygons?\b",
        r"\bspot",
        r"\bdetect\b",
        r"\blocat(?:e|es|ed|ing|ions)\b",  # (not a field named `Location`)
        r"\blocation\s+of\b",
        r"\b(?:its|their|text|word|line)s?\s+locations?\b",
        r"\b(?:text|words?|lines?)\s+and\s+(?:its\s+|their\s+)?locations?\b",
        r"\bpositions?\b",
        r"\bwhere\b.*\btext\b",
    ),
    "read": (
        r"\bocr\b",
        r"\bread\b",
        r"\btranscri",
        r"\ball\s+(?:the\s+)?text\b",
        r"\bthe\s+text\b",
        r"\btext\s+in\b",
        r"\brecogni[sz]e\b",
        r"文字",
        r"文本",
        r"识别",
        r"内容",
        r"\bplain\s+text\b",
    ),
}


def _has(kind: str, low: str) -> bool:
    return any(re.search(p, low) for p in _KW[kind])


# the page's own parts and look, which a question may ask about without naming a field
_PAGE_PARTS = re.compile(
    r"\b(?:tables?|text|pages?|words?|lines?|images?|pictures?|photos?|logos?|stamps?|seals?|"
    r"qr|barcodes?|columns?|rows?|figures?|charts?|signatures?)\b|表格|文字|图片|照片|印章|公章|"
    r"二维码|条形码|签名|几页|多少页|图表"
)
_QUESTION = re.compile(
    r"(?:[?？]\s*$|^\s*(?:why|how|who|which|when|where|does|do|is|are|can|could|should|did|"
    r"explain|describe|summari[sz]e)\b|为什么|怎么|如何|是否|吗\s*[?？]?\s*$|描述|总结|概括)",
    re.I,
)

_READ_WORDS = frozenset(
    {
        "text",
        "all text",
        "the text",
        "all the text",
        "文字",
        "所有文字",
        "全部文字",
        "图中的文字",
        "图中文字",
        "图片中的文字",
        "文本",
        "所有文本",
        "内容",
        "所有内容",
        "words",
        "everything",
        "all",
        # (French, German, Spanish, Italian, Portuguese, Japanese: tasks/wordings.py)
        "texte",
        "tout le texte",
        "ganzen text",
        "den ganzen text",
        "texto",
        "todo el texto",
        "testo",
        "tutto il testo",
        "todo o texto",
        "テキスト",
        "全文",
        "すべてのテキスト",
        "全てのテキスト",
    }
)


def _fields_are_reading(fields: list[str]) -> bool:
    return len(fields) == 1 and fields[0].lower().strip() in _READ_WORDS


# ---------------------------------------------------------------------------------------------


def clip(text: str, limit: int = 120) -> str:
    """`text` cut to `limit` characters for an error message (never echo a huge input)."""
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


def plan(prompt: str | None, *, task_type: str | None = None) -> Plan:
    """Turn an instruction into a `Plan`. Raises UnknownInstructionError when it maps to no
    task. `task_type` (a HunyuanOCR v1.5 task type such as `spotting_json`) may replace it."""
    text = (prompt or "").strip()
    if task_type:
        official = TASK_TYPES.get(task_type)
        if official is None:
            raise UnknownInstructionError(
                f"unknown task_type {clip(task_type)!r}; known: {', '.join(sorted(TASK_TYPES))}"
            )
        return _finish(
            official.task,
            dict(official.arguments),
            text or official.text,
            f"official:{official.id}",
        )
    if not text:
        return _finish("read", {}, "", "empty")
    task, args, matched = _match(text)
    pages = detect_pages(text)
    if pages and "pages" not in args:
        args["pages"] = pages
    return _finish(task, args, text, matched)


def _match(text: str) -> tuple[str, dict[str, Any], str]:
    norm = normalize(text)
    official = _OFFICIAL_BY_NORM.get(norm)
    if official is not None and official.task != "extract":
        return official.task, dict(official.arguments), f"official:{official.id}"

    # Official field-list and key-value templates, with the caller's own field names.
    for rx, pid in ((_RE_IE_EN, "v1.ie.en"), (_RE_IE_ZH, "v1.ie.zh")):
        m = rx.search(text)
        if m:
            fields = _parse_list(m.group(1))
            if fields:
                return "extract", {"fields": fields, "format": "json"}, f"official:{pid}"
            # the template with an empty list ("[]"): no field named, so every pair
            return "extract", {"all_pairs": True, "format": "json"}, f"official:{pid}"
    for rx, pid in ((_RE_KV_EN, "v1.kv.en"), (_RE_KV_ZH, "v1.kv.zh")):
        m = rx.search(text)
        if m:
            key = m.group(1).strip().strip("'\"‘’“”")
            return "extract", {"fields": [key], "format": "value"}, f"official:{pid}"

    low = unicodedata.normalize("NFKC", text).lower()
    doctype = detect_doctype(text)
    fields = _free_fields(text)

    def asks(kind: str) -> bool:
        # a task's keyword inside a field's own label ("Extract the Position Applied For",
        # "the patient chart number") does not ask for that task; a language named asks to
        # translate
        if kind == "translate" and detect_language(text):
            return _has(kind, low)
        return _has(kind, _outside_labels(low, fields, kind))

    # Tasks that need a language model: say so rather than guessing.
    if asks("translate"):
        return "translate", {"target_language": detect_language(text) or "en"}, "free"
    if asks("subtitles"):
        return "subtitles", {}, "free"
    if asks("formula") and not _has("table", low):
        return "formula", {}, "free"
    if asks("chart"):
        return "chart", {}, "free"

    if re.search(
        r"key[- ]?values?|all\s+(?:the\s+)?fields|every\s+field|all\s+(?:the\s+)?(?:labels|pairs)|"
        r"键值对|所有字段|全部字段|所有的字段|所有键值",
        low,
    ) or asks_all_pairs(low):
        return "extract", {"all_pairs": True, "format": "json"}, "free"
    if _NO_FIELDS.match(low):
        # "Extract fields" / "提取字段": fields asked for, none named
        return "extract", {"all_pairs": True, "format": "json"}, "free"
    if re.search(
        r"\bwhat(?:'s| is)?\s+written\b|\bwhat\s+does\s+(?:it|this|the\s+\w+)\s+say\b|"
        r"写了什么|写的什么|是什么字|有什么字|^\s*(?:text|the text|all text|文字|全部文字)\s*[.。!?？]?\s*$",
        low,
    ):
        return "read", {"format": "text"}, "free"
    # (not where the text itself is asked for, nor the page's own parts: "where is the text"
    # spots it, "Where is the table?" parses, "How many pages …" is a question for a VLM)
    about_page = asks("spot") or _has("parse", low) or _PAGE_PARTS.search(low)
    asked = None if about_page else question_keys(_PAGES_EN.sub("", _PAGES_ZH.sub("", text)))
    if asked:
        # a short question about one field ("When does the policy expire?", "车主是谁"):
        # answered by extraction, trying its keys in order (tasks/questions.py)
        return (
            "extract",
            {
                "fields": asked[:1],
                "alternatives": {asked[0]: asked[1:]},
                "question": text,
                "format": "json",
                # (a document type named in the question lends its finders: "When does this
                # passport expire?" reads the MRZ)
                **({"document_type": doctype} if doctype is not None else {}),
            },
            "free",
        )
    if doctype is not None and (not fields or _fields_are_doctype_words(fields, doctype)):
        return "extract", {"document_type": doctype, "format": "json"}, "free"
    if fields and all(_DOCUMENT_ONLY.fullmatch(f.lower().strip()) for f in fields):
        # "Extract the invoice" / "Extract this statement's details": the document, no field
        # named (a kind of document with no preset: every pair on it)
        return "extract", {"all_pairs": True, "format": "json"}, "free"
    # a field named like a parse word ("STRUCTURE", "LAYOUT") does not make the prompt a parse
    outside = low
    named = fields if fields and len(fields) >= 2 else []
    for f in named if not all(_has("parse", f.lower()) for f in named) else []:
        outside = outside.replace(f.lower(), " ")
    only_tables = bool(fields) and all(_TABLE_WORDS.fullmatch(f.lower().strip()) for f in fields)
    if only_tables or (_has("table", low) and (_has("parse", low) or "html" in low or not fields)):
        return "parse", {"target": "table"}, "free"
    if _has("parse", outside) or re.search(r"markdown|\bmd\b|\bpars(?:e|ing)\b|解析", low):
        args: dict[str, Any] = {
            "drop_headers_footers": not re.search(r"页眉|页脚|header|footer", low)
            or bool(re.search(r"忽略|ignore|drop|without|去掉|skip", low))
        }
        if re.search(r"版式|版面|layout", low):
            args["layout"] = True
        return "parse", args, "free"
    if asks("spot"):
        fmt = "lines"
        if "json" in low:
            fmt = "hunyuan_json"
        elif re.search(r"hunyuan|格式化输出|formatted", low):
            fmt = "hunyuan"
        return "spot", {"format": fmt}, "free"
    if fields and not _fields_are_reading(fields):
        args = {"fields": fields, "format": "json"}
        if len(fields) == 1 and re.match(r"\s*what(?:'s|’s|\s)", text, re.I):
            # "What's my confirmation code?", "What is the laptop's serial number?": the
            # field without the pronoun, then without its possessor
            forms = field_forms(fields[0])
            if forms and forms != fields:
                args = {
                    "fields": forms[:1],
                    "alternatives": {forms[0]: forms[1:]},
                    "format": "json",
                }
        if doctype is not None:
            args["document_type"] = doctype
        return "extract", args, "free"
    if _has("read", low) or (fields and _fields_are_reading(fields)):
        fmt = "markdown" if "markdown" in low else "text"
        return "read", {"format": fmt}, "free"
    if _QUESTION.search(text):
        return "vqa", {"question": text}, "free"
    raise UnknownInstructionError(
        f"can't tell what to do with {clip(text)!r}. This service can do: "
        + "; ".join(CAPABILITIES),
        details={"capabilities": list(CAPABILITIES)},
    )


_NO_FIELDS = re.compile(
    r"^\s*(?:please\s+)?(?:extract|get|find|list|return|pull out|give me)\s+(?:me\s+)?"
    r"(?:the\s+|all\s+(?:the\s+)?)?(?:fields?|values?|data|information|info)\s*"
    r"(?:as\s+json|in\s+json(?:\s+format)?|from\s+(?:the|this)\s+(?:image|document|page))?"
    r"\s*[.!。]?\s*$|"
    r"^\s*(?:请)?(?:提取|抽取|获取)(?:所有|全部)?(?:的)?(?:字段|字段信息|信息|关键信息)\s*[。.!！]?\s*$"
)
# a "field" that names the tables themselves ("Extract the table"): a table parse
_TABLE_WORDS = re.compile(
    r"(?:all\s+)?(?:the\s+)?(?:tables?|table\s+data)|(?:所有|全部)?(?:的)?表格?"
    r"|tableaux?|tabellen?|tablas?|tabell[ae]|tabelas?|テーブル"
)


# what a task returns or how, rather than a field: a "field" made only of these around a
# task's keyword ("all text with coordinates", "每行文字的坐标", "the subtitles") asks for the task
_TASK_FILLER = re.compile(
    r"\b(?:all|the|every|each|its|their|this|that|these|those|of|in|on|from|with|along|and|"
    r"as|to|into|for|me|text|texts|words?|lines?|characters?|everything|image|picture|photo|"
    r"page|pages|document|file|scan|frame|video|movie|latex|json|markdown|html|data|values?|"
    r"it|them|math|mathematical|bar|pie|line|flow)\b|"
    r"所有|全部|每行|每个|文字|文本|图中|图片|中的|里的|的|和|及|成|[\W_]"
)


def _label_like(field: str, kind: str) -> bool:
    """`field` holds a keyword of task `kind` among words of its own (`Position Applied For`,
    `Translator Name`, `Chart No.`): it is a printed label, not a request for the task."""
    f = unicodedata.normalize("NFKC", field).lower()
    hit = False
    for pat in _KW[kind]:
        f, n = re.subn(rf"\w*(?:{pat})\w*", " ", f)
        hit = hit or n > 0
    return hit and bool(_TASK_FILLER.sub("", f).strip())


def _outside_labels(low: str, fields: list[str], kind: str) -> str:
    """The prompt without the named fields that are labels holding a keyword of `kind`; in a
    list of other labels, the keyword alone is one too ("the order number and the position",
    not "the text and positions")."""
    folded = [unicodedata.normalize("NFKC", f).lower() for f in fields]
    listed = any(_TASK_FILLER.sub("", f).strip() and not _has(kind, f) for f in folded)
    for f in folded:
        bare = len(f.split()) == 1 and _has(kind, f)  # "position" alone
        if _label_like(f, kind) or (listed and bare):
            low = low.replace(f, " ")
    return low


# a field list that only names a document with no preset of its own
_DOCUMENT_ONLY = re.compile(
    r"(?:(?:this|the|a|an|my|our)\s+)?(?:tax\s+|commercial\s+|sales\s+)?"
    r"(?:invoice|bill|statement|form|document|letter|(?:purchase\s+)?order|quot(?:e|ation)|"
    r"delivery\s+note|packing\s+slip)(?:'s)?"
    r"(?:\s+(?:details|fields|info(?:rmation)?|data|contents?|text))?"
)


def _fields_are_doctype_words(fields: list[str], doctype: str) -> bool:
    """'extract the receipt' / '提取身份证信息' names the document, not fields."""
    words = DOCTYPE_WORDS[doctype]
    for f in fields:
        low = f.lower()
        low = re.sub(r"(?:信息|内容|字段|details|fields|info(?:rmation)?|data)$", "", low).strip()
        low = re.sub(r"^(?:this|the|a|an|这张|这个|该)\s*", "", low).strip()
        # "the invoice", "VAT invoice"; not "date of invoice", a field of it
        if not any(
            low == w or (low.endswith(w) and not re.search(r"\b(?:of|for|from|on|to)\b", low))
            for w in words
        ):
            return False
    return True


_QUOTED_LIST = re.compile(r"[\[［]\s*['\"‘“].*[\]］]", re.S)


def _free_fields(text: str) -> list[str]:
    """Field names from free phrasings, or [] when the prompt names none."""
    t = _PAGES_EN.sub("", _PAGES_ZH.sub("", text)).strip()
    t = re.sub(
        r"^\s*(?:请)?(?:提取|抽取|获取)(?:这张|这个|该)?(?:{})(?:中|上|里)?的".format(
            "|".join(w for ws in DOCTYPE_WORDS.values() for w in ws if not re.search(r"[a-z]", w))
        ),
        "提取",
        t,
    )
    for rx in (_RE_WHAT_ZH, _RE_WHAT_EN, _RE_EXTRACT_ZH, _RE_EXTRACT_EN):
        m = rx.search(t)
        if m:
            # a list written as JSON or Python (`Extract the fields: ["Name", "Date"]`, `…
            # as JSON: ['Name', 'Date']`): its items, whatever the words around it
            listed = _QUOTED_LIST.search(m.group(1))
            fields = _parse_list(listed.group(0)) if listed else []
            fields = fields or split_fields(m.group(1))
            fields = [f for f in fields if len(f) <= 60]
            if fields:
                return fields
    # a request in French, German, Spanish, Italian, Portuguese or Japanese (tasks/wordings.py)
    return foreign_fields(t, _parse_list)


def task_plan(task: str, prompt: str = "", arguments: dict[str, Any] | None = None) -> Plan:
    """The plan of a known task with the given arguments (its stages as the task declares
    them), without reading the prompt for another task."""
    return _finish(task, dict(arguments or {}), prompt, "free")


def _finish(task: str, args: dict[str, Any], prompt: str, matched: str) -> Plan:
    p = Plan(task=task, arguments=args, prompt=prompt, matched=matched)
    p.stages = _stages_for(task, args)
    return p


def _stages_for(task: str, args: dict[str, Any]) -> list[Stage]:
    from promptocr.tasks.registry import task_for  # each task declares the stages it runs

    needs = task_for(task).stages(args)
    reasons_skip = {
        "checkboxes": f"{task} reads no check boxes",
        "layout": f"{task} needs no layout model",
        "markdown": f"{task} needs no Markdown builder",
        "fields": f"{task} extracts no fields",
        "subtitles": f"{task} needs no subtitle band",
        "spotting_format": "no HunyuanOCR wire format asked for",
        "vlm": f"{task} runs on the embedded OCR engine alone",
        "ocr": f"{task} is answered by the vision-language engine from the image",
    }
    reasons_run = {
        "decode": "decode the image or PDF pages",
        "ocr": "detect and recognise text lines (blank pages and cached pages skip it)",
        "checkboxes": "find the page's check boxes and radio buttons, and whether each is "
        "ticked (☐ / ☑, ◯ / ◉)",
        "layout": "layout model finds titles, tables, figures, headers and footers",
        "markdown": "build Markdown (tables as HTML)",
        "fields": "find the named fields' values and validate them",
        "subtitles": "keep the bottom band's lines",
        "spotting_format": "format lines in HunyuanOCR's wire format",
        "vlm": "needs a vision-language engine",
    }
    return [Stage(s, s in needs, reasons_run[s] if s in needs else reasons_skip[s]) for s in STAGES]
