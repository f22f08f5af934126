"""A short question about one field ("When does the policy expire?", "How much do I owe?",
"车主是谁", "身份证什么时候到期") is answered by extraction on the embedded engine: the planner
reads it as the field keys that would answer it (`tasks/questions.py`), the extract task tries
them in order and answers with a value linked to a printed label, or null with a reason; a
free-form question stays a question for a vision-language model. Found by study 6
(docs/extract.md, "A sixth study"). The pages are OCR-like lines drawn here."""

from __future__ import annotations

import pytest
from task_synth import lines_doc

from promptocr.tasks import Service
from promptocr.tasks.planner import plan
from promptocr.tasks.questions import period_part, question_keys, question_part

POLICY = [
    ("LAKESHORE MUTUAL - AUTO POLICY DECLARATIONS", 60, 40, 460),
    ("Policy Number: LM-5521-0093", 60, 100, 300),
    ("Policy Date: 03/20/2025", 600, 100, 260),  # a decoy date
    ("Named Insured: Odile Marchetti", 60, 130, 320),
    ("Date of Birth: 02/11/1984", 60, 160, 260),
    ("Effective Date: 04/01/2025", 60, 190, 260),
    ("Expiration Date: 10/01/2025", 60, 220, 270),
    ("Six-Month Premium: $712.40", 60, 250, 280),
]
STATEMENT = [
    ("HARBORVIEW CARD SERVICES", 60, 40, 300),
    ("Statement Date: 11/03/2025", 60, 100, 280),
    ("Amount Due", 60, 140, 120),
    ("$1,204.66", 420, 140, 110),
    ("Payment Due Date: 11/28/2025", 60, 180, 300),
    ("Time of Last Payment: 09:42", 60, 210, 280),
]
ID_CARD = [
    ("中华人民共和国居民身份证", 300, 40, 300, 30),
    ("出生日期 1990-02-03", 60, 80, 260),  # a decoy date
    ("签发机关 杭州市公安局西湖分局", 60, 120, 360),
    ("有效期限 2018-06-21至2038-06-21", 60, 160, 380),
]
RECEIPT = [
    ("CORNER HARDWARE", 60, 40, 200),
    ("Date: 2025-03-04 14:22", 60, 70, 220),
    ("Hammer 12.50", 60, 120, 160),
    ("Nails 3.40", 60, 150, 140),
    ("TOTAL 15.90", 60, 200, 140),
    ("Ship To: 4 Elm St, Springfield", 60, 240, 300),
]
VEHICLE = [
    ("机动车行驶证", 300, 40, 200, 30),
    ("所有人", 60, 120, 60),
    ("温州启航物流有限公司", 300, 120, 200),
    ("住址", 60, 160, 40),
    ("浙江省温州市鹿城区学院路12号", 300, 160, 280),
    ("注册日期", 60, 200, 80),
    ("2021-05-17", 300, 200, 100),
]


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("When does the policy expire?", "expiration date"),
        ("When is the hearing?", "hearing date"),
        ("When's the due date?", "due date"),  # not `due date date`
        ("How much do I owe?", "balance due"),
        ("Who's the seller?", "seller"),
        ("Which seat am I in?", "seat"),
        ("How heavy is the package?", "package weight"),
        ("Who sold the car?", "seller"),
        ("Who will I report to?", "report to"),
        ("How much was deposited in total?", "deposited amount"),
        ("车主是谁", "车主"),
        ("什么时候入职的", "入职日期"),
        ("开票日期是什么时候", "开票日期"),  # not `开票日期日期`
        ("这个人住在哪里", "住址"),
        ("一共花了多少钱", "合计"),
        ("身份证是哪里发的", "签发机关"),
    ],
)
def test_a_question_names_its_keys_best_first(question: str, first: str) -> None:
    keys = question_keys(question)
    assert keys is not None and keys[0] == first
    p = plan(question)
    assert p.task == "extract"
    assert p.arguments["fields"] == [first]
    assert p.arguments["alternatives"][first] == keys[1:]
    assert p.arguments["question"] == question


def test_the_subject_is_never_a_key_after_a_verb() -> None:
    # "policy" would read the policy's number, "policy date" another date, a bare 日期 the
    # first date on the page
    keys = question_keys("When does the policy expire?")
    assert keys is not None and "policy" not in keys and "policy date" not in keys
    keys = question_keys("什么时候离职的")
    assert keys is not None and "日期" not in keys


@pytest.mark.parametrize(
    ("prompt", "task"),
    [
        ("Why was the claim denied?", "vqa"),
        ("Explain this document", "vqa"),
        ("How does this form work?", "vqa"),
        ("When does the policy expire, and why?", "vqa"),  # two questions
        ("Who is the sender? Extract as JSON", "vqa"),  # a question and more: as before
        ("Where is the table?", "parse"),  # the page's own parts
        ("How many pages are there?", "vqa"),
        ("where is the text", "spot"),
        ("What is the total amount?", "extract"),  # the earlier "what is the X" reading
    ],
)
def test_other_questions_are_planned_as_before(prompt: str, task: str) -> None:
    p = plan(prompt)
    assert p.task == task
    assert "alternatives" not in p.arguments


@pytest.mark.parametrize(
    ("rows", "question", "value"),
    [
        (POLICY, "When does the policy expire?", "10/01/2025"),
        (POLICY, "When does the coverage start?", "04/01/2025"),
        (POLICY, "Who is insured under this policy?", "Odile Marchetti"),
        (STATEMENT, "How much do I owe?", "$1,204.66"),
        (STATEMENT, "When is my payment due?", "11/28/2025"),
        (ID_CARD, "身份证是哪里发的", "杭州市公安局西湖分局"),
        (ID_CARD, "身份证什么时候到期", "2038-06-21"),  # the end of the printed period
        (ID_CARD, "身份证什么时候生效", "2018-06-21"),  # its start
        (RECEIPT, "How much is the total?", "15.90"),
        (STATEMENT, "What time was the last payment?", "09:42"),
        (VEHICLE, "车主是谁", "温州启航物流有限公司"),
        (VEHICLE, "车是什么时候注册的", "2021-05-17"),
    ],
)
def test_a_question_is_answered_by_extraction(rows: list, question: str, value: str) -> None:
    res = Service(vlm=None).run_on_document(lines_doc(rows), question)
    assert res.task == "extract"
    (key,) = res.output["fields"]
    assert res.output["fields"][key] == value
    detail = res.output["details"][key]
    assert detail["bbox"] is not None and detail["confidence"] > 0.5


@pytest.mark.parametrize(
    ("rows", "question"),
    [
        # a date is on the page, but no printed label says when the policy was cancelled
        (POLICY, "When was the policy cancelled?"),
        (POLICY, "When does the policy renew?"),  # not the decoy `Policy Date`
        (ID_CARD, "什么时候离职的"),  # not the birth date
        (RECEIPT, "How much is the shipping fee?"),  # not `Ship To`'s address
        (STATEMENT, "How much is the late fee?"),
        (VEHICLE, "车是什么颜色的"),
    ],
)
def test_no_label_answers_the_question(rows: list, question: str) -> None:
    res = Service(vlm=None).run_on_document(lines_doc(rows), question)
    (key,) = res.output["fields"]
    assert res.output["fields"][key] is None
    assert "vision-language" in (res.output["details"][key]["reason"] or "")


def test_a_period_answers_by_its_end_or_start() -> None:
    assert question_part("When does my licence expire?") == "end"
    assert question_part("合同什么时候到期") == "end"
    assert question_part("保单从哪天开始生效") == "start"
    assert question_part("When was it issued?") is None
    assert period_part("2025年07月01日至2028年06月30日", "end") == "2028年06月30日"
    assert period_part("2018.06.21-2038.06.21", "start") == "2018.06.21"
    assert period_part("2025-01-01 to 2025-12-31", "start") == "2025-01-01"  # ISO dates whole
    assert period_part("2021-06-21 - 2031-06-21", "end") == "2031-06-21"
    assert period_part("BK-2291-A", "end") is None  # a code with hyphens is no period


def test_a_question_naming_a_document_type_keeps_its_finders() -> None:
    p = plan("When does this passport expire?")
    assert p.task == "extract" and p.arguments["document_type"] == "passport"
