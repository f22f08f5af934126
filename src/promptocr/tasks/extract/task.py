"""`extract` as a task: named fields (or every key-value pair, or a document type's preset
fields) from the OCR'd pages, with boxes, confidence and validation."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from promptocr.tasks.base import TaskInput


class ExtractTask:
    name = "extract"
    document_only = True

    def stages(self, arguments: Mapping[str, Any]) -> frozenset[str]:
        return frozenset({"decode", "ocr", "checkboxes", "fields"})

    def run(self, t: TaskInput) -> tuple[dict[str, Any], str]:
        from promptocr.tasks.doctypes import DOCTYPES, resolve
        from promptocr.tasks.extract import extract_all_pairs, extract_fields, rejoin_split_keys

        doc, args = t.document, t.plan.arguments
        # a free list split at commas and `and`; a label the page prints with them (`Glucose,
        # fasting`) is one key again (not a bracketed list: its items are the caller's keys)
        keys = list(args.get("fields") or [])
        if not any(b in (t.plan.prompt or "") for b in "[［"):
            keys = rejoin_split_keys(doc, keys)
        dt_name = args.get("document_type")
        if not keys and dt_name:
            keys = list(DOCTYPES[dt_name].schema)
        with t.usage.stage("fields"):
            if args.get("all_pairs"):
                found = extract_all_pairs(doc)
                keys = list(found)
            else:
                found = extract_fields(doc, keys, dt_name, find_all=bool(args.get("find_all")))
                question = str(args.get("question") or "")
                found = _try_alternatives(
                    doc, found, args.get("alternatives") or {}, dt_name, question=question
                )
                if question:
                    found = _period_part(found, question)
            dt = resolve(dt_name, keys) if not args.get("all_pairs") else None
        fields = {k: r.value for k, r in found.items()}
        output: dict[str, Any] = {
            "fields": fields,
            "details": {k: r.to_dict() for k, r in found.items()},
            "document_type": dt.name if dt else None,
        }
        if dt is not None and dt.name == "passport":
            from promptocr.tasks.doctypes import _mrz
            from promptocr.tasks.extract import views_of

            mrz = _mrz(views_of(doc))
            output["mrz"] = mrz[0] if mrz else None
        if args.get("format") == "value" and len(keys) == 1:
            content = fields[keys[0]] or ""
        else:
            content = json.dumps(fields, ensure_ascii=False)
        return output, content


# what answers a question: a value linked to a printed label (or found by a document type's
# own models), not one the earlier rules picked by its look or its position alone
_ANSWERING = frozenset({"linker", "parts", "mrz", "layout"})
# rules that read the value beside a printed label: they answer where that label says the
# key's words (`_says`)
_BESIDE_LABEL = frozenset({"same_line", "label"})


def _try_alternatives(
    doc: Any,
    found: dict[str, Any],
    alternatives: Mapping[str, Sequence[str]],
    document_type: str | None,
    *,
    question: str = "",
) -> dict[str, Any]:
    """A key the page has no value for is asked again by each of its other wordings in turn
    (a question's keys, `tasks/questions.py`: "coverage start date", then "start date", then
    "effective date"); the first one found answers under the caller's key, its `label` saying
    what was printed; the others are not read once one is found. For a `question` only a
    value linked to a printed label answers (`_ANSWERING`): a date found anywhere on the page
    is no answer to "when does it expire"; where none is, the key is null with a reason. A
    question that asks for a figure (`questions.answer_kind`) is not answered by a value
    without one."""
    from dataclasses import replace

    from promptocr.tasks.extract import FieldResult, extract_fields
    from promptocr.tasks.fields import guess_type, is_field_name
    from promptocr.tasks.questions import answer_kind

    figure = bool(question) and answer_kind(question) is not None

    def answers(r: Any, asked: str) -> bool:
        if r is None or r.value is None:
            return False
        if not question:
            return True
        if (figure or guess_type(asked) in ("date", "amount")) and not re.search(r"\d", r.value):
            # "when", "how much", "how many" are answered by a figure (not `Ship To`'s
            # address, nor the rest of a label: `Data| Used` for "How much data …")
            return False
        if r.method in _ANSWERING:
            return True
        # a rule's value beside a printed label that says the key's words (`Date of Incident:
        # 03/14/2025` for "date", `TOTAL 15.90` for "total"; not `Minimum Payment Due` for
        # "balance due"), and no field's name itself (`Seller` `Name` for "seller"); not a
        # neighbour a rule took for its position alone
        return (
            r.method in _BESIDE_LABEL
            and bool(r.label)
            and _says(r.label, asked)
            and not is_field_name(r.value)
            # (not the rest of a longer label: `Address| in Norsdale`, `Parent|/Guardian Name`,
            # `Grade| Entering`: a rule's word without figures)
            and re.match(r"(?:of|in|for|on|at|to|from|by)\s|[/&+]", r.value) is None
            and (bool(re.search(r"\d", r.value)) or len(r.value.split()) >= 2)
        )

    out = dict(found)
    for key, others in alternatives.items():
        if key not in out or answers(out[key], key):
            continue
        for other in others:
            got = extract_fields(doc, [other], document_type).get(other)
            if got is not None and answers(got, other):
                out[key] = replace(got, name=key)
                break
        else:
            said = _said_in_text(doc, question, key) if question else None
            if said is not None:
                out[key] = said
            elif question and (out[key].value is not None or not out[key].reason):
                out[key] = FieldResult(
                    name=key,
                    type=out[key].type,
                    reason="no printed label on the page answers the question; free-form "
                    "questions need a vision-language engine",
                )
    return out


# the verbs a sentence says that something ends or starts with (`questions.question_part`)
_PART_VERBS = {
    "end": r"ends?|ended|ending|expires?|expired|expiring|terminates?|terminated|terminating",
    "start": r"begins?|began|beginning|starts?|started|starting|commences?|commenced|"
    r"commencing|takes\s+effect|effective",
}
# a question's words that name no subject
_QUESTION_WORDS = frozenset(
    [
        "when",
        "what",
        "which",
        "does",
        "do",
        "did",
        "will",
        "is",
        "are",
        "was",
        "were",
        "the",
        "a",
        "an",
        "this",
        "that",
        "my",
        "our",
        "your",
        "their",
        "it",
        "its",
        "end",
        "ends",
        "expire",
        "expires",
        "terminate",
        "terminates",
        "start",
        "starts",
        "begin",
        "begins",
        "commence",
        "commences",
        "take",
        "takes",
        "effect",
        "effective",
        "date",
        "day",
    ]
)
SAID_P = 0.6  # the link probability of a date read from a sentence that says so
_CLAUSE_STOP = re.compile(
    r"[.;!?](?=\s|$)|,(?!\s*\d)|\b(?:and|but)\s+(?!\d)|\b(?:"
    + _PART_VERBS["end"]
    + "|"
    + _PART_VERBS["start"]
    + r")\b",
    re.I,
)
# a date the part is counted from, not the part's own (`30 days after the notice date of …`)
_RELATIVE = re.compile(r"\b(?:after|before|following|from|prior\s+to)\b", re.I)


def _said_in_text(doc: Any, question: str, key: str) -> Any:
    """A question when something ends or starts that no printed label answers, answered by a
    sentence that says so ("When does the lease end?" by `The lease begins on March 1, 2024
    and ends on February 28, 2025.`): the first date after the verb of that part (ends,
    expires, terminates; begins, commences, takes effect) in the same clause of a line of
    running text that names the question's subject (`lease`). None where no line does, or the
    question names no subject in English words."""
    from promptocr.tasks.extract import FieldResult, Span, fill_geometry, running_text
    from promptocr.tasks.questions import question_part
    from promptocr.tasks.validators import parse_date

    part = question_part(question)
    verbs = _PART_VERBS.get(part or "")
    if verbs is None:
        return None
    subject = [w for w in re.findall(r"[a-z]{3,}", question.lower()) if w not in _QUESTION_WORDS]
    if not subject:
        return None  # (a question naming nothing, or one in Chinese: no English sentence answers)
    verb = re.compile(rf"\b(?:{verbs})\b", re.I)
    for page in doc.pages:
        for ln in page.lines:
            text = ln.text
            if not running_text(text) or not all(
                re.search(rf"\b{w}\b", text, re.I) for w in subject
            ):
                continue  # (a word of its own: not `lease` in `please` or `release`)
            for m in verb.finditer(text):
                # the clause after the verb: to a stop, a comma, `and` / `but`, or the other
                # part's verb (`began in 2023, ends on …` answers no start)
                stop = _CLAUSE_STOP.search(text, m.end())
                clause = text[m.end() : stop.start()] if stop else text[m.end() :]
                date = parse_date(clause)
                if date is None or _RELATIVE.search(clause[: date.start]):
                    continue  # (`one year after the start date of January 1, 2024`: no end)
                start = m.end() + date.start
                res = FieldResult(
                    name=key,
                    value=date.text,
                    normalized=date.normalized,
                    type="date",
                    label=m.group(0),
                    method="sentence",
                    valid=True,
                )
                fill_geometry(res, [Span(ln, start, start + len(date.text), page)])
                res.settle_confidence(SAID_P)
                return res
    return None


def _says(label: str, key: str) -> bool:
    """Whether a printed label holds every word of the key (CJK: its letters in a row)."""
    from promptocr.tasks.fields import canonical_words, fold

    words = canonical_words(key)
    if not words:
        return bool(fold(key)) and fold(key) in fold(label)
    return set(words) <= set(canonical_words(label))


def _period_part(found: dict[str, Any], question: str) -> dict[str, Any]:
    """A question for a part of a value (`questions.question_part`): when something ends or
    starts, answered by a printed period (`有效期限 2016.05.12-2036.05.12` for 身份证什么时候到期),
    which day or what time, answered by a date with a time: that part of it, the whole value
    kept in `raw`."""
    from dataclasses import replace

    from promptocr.tasks.questions import question_part, value_part
    from promptocr.tasks.validators import parse_date

    part = question_part(question)
    if part is None:
        return found
    out = dict(found)
    for key, r in found.items():
        got = value_part(r.value, part) if r.value is not None else None
        if got is not None:
            date = parse_date(got) if part != "clock" else None
            norm = date.normalized if date is not None else None
            kind = "text" if part == "clock" else "date"
            out[key] = replace(r, value=got, normalized=norm, raw=r.value, type=kind)
    return out
