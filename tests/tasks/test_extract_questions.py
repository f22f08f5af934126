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
    ("签发机关 杭州市公安局西湖分局", 60, 120, 360),
    ("有效期限 2018.06.21-2038.06.21", 60, 160, 380),
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
        ("When does the policy expire?", "policy expire date"),
        ("How much do I owe?", "owe amount"),
        ("Who sold the car?", "seller"),
        ("Who will I report to?", "report to"),
        ("How much was deposited in total?", "deposited amount"),
        ("车主是谁", "车主"),
        ("什么时候入职的", "入职日期"),
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


def test_the_subject_alone_is_never_a_key() -> None:
    # "policy" alone would read the policy's number
    keys = question_keys("When does the policy expire?")
    assert keys is not None and "policy" not in keys and "expiration date" in keys


@pytest.mark.parametrize(
    ("prompt", "task"),
    [
        ("Why was the claim denied?", "vqa"),
        ("Explain this document", "vqa"),
        ("How does this form work?", "vqa"),
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
        (ID_CARD, "身份证什么时候到期", "2038.06.21"),  # the end of the printed period
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
    assert period_part("BK-2291-A", "end") is None  # a code with hyphens is no period
