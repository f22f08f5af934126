"""A short question about one field ("When does the policy expire?", "How much do I owe?",
"Who sold the car?", "车主是谁", "什么时候入职的") read as the field keys that would answer it,
so the embedded engine answers it by extraction, with the value's box and confidence, and a
vision-language model is needed only for what extraction cannot find (the router escalates a
missing field). Free-form questions (why, how, explain, yes or no) stay questions.

`question_keys` returns the keys best first: the question's own words with the kind of value
its question word asks for ("coverage start date"), then shorter forms ("start date"), then
the usual names of what some verbs ask about ("expiration date" for "when … expire"). The
extract task tries them in order and answers with the first one the page has
(`tasks/extract/task.py`); what each key matches is the extraction's own business (printed
labels, their synonyms and short forms, and `fields.paraphrases`).
"""

from __future__ import annotations

import re
import unicodedata

# English ---------------------------------------------------------------------------------------

_WH_EN = re.compile(
    r"^\s*(?:please\s+)?(?:tell me\s+|do you know\s+)?"
    r"(what\s+time|how\s+much|how\s+many|how\s+long|when|where|whom|whose|who)\b(.*)$",
    re.I | re.S,
)
# the kind of value each question word asks for
_KIND_EN = {
    "when": "date",
    "what time": "time",
    "where": "location",
    "how much": "amount",
    "how many": "number",
    "how long": "duration",
    "who": "",
    "whom": "",
    "whose": "name",
}
_AUX = frozenset(
    [
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "will",
        "would",
        "must",
        "should",
        "can",
        "could",
        "has",
        "have",
        "had",
        "be",
        "been",
        "being",
        "shall",
        "may",
        "might",
        "am",
    ]
)
_PRONOUNS = frozenset(
    [
        "i",
        "me",
        "my",
        "we",
        "us",
        "our",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "the",
        "a",
        "an",
        "there",
        "here",
    ]
)
# verbs that say only that something took place
_EMPTY_VERBS = frozenset(
    ["happen", "happened", "happens", "occur", "occurred", "occurs", "take", "took", "place"]
)
_PREPOSITIONS = frozenset(
    ["in", "on", "at", "for", "of", "from", "with", "under", "into", "onto", "per", "about"]
)
# the usual names of what a verb asks about, by the question word: "When does the policy
# expire?" is the expiration date, "Who sold the car?" the seller
_VERB_FIELDS_EN: dict[tuple[str, str], tuple[str, ...]] = {
    ("when", "expire"): ("expiration date", "expiry date", "expires"),
    ("when", "end"): ("end date", "expiration date"),
    ("when", "start"): ("start date", "effective date"),
    ("when", "begin"): ("start date", "effective date"),
    ("when", "due"): ("due date",),
    ("when", "pay"): ("due date", "payment date"),
    ("when", "paid"): ("due date", "payment date"),
    ("when", "arrive"): ("arrival date",),
    ("when", "leave"): ("departure date",),
    ("when", "depart"): ("departure date",),
    ("when", "issue"): ("issue date", "date of issue"),
    ("when", "place"): ("order date",),
    ("when", "order"): ("order date",),
    ("when", "built"): ("year built",),
    ("when", "born"): ("date of birth",),
    ("when", "sign"): ("date signed", "signature date"),
    ("how much", "owe"): ("amount due", "balance due", "total due"),
    ("how much", "pay"): ("amount due", "total", "balance due"),
    ("how much", "cost"): ("price", "cost", "total"),
    ("where", "live"): ("address",),
    ("where", "stay"): ("address",),
    ("where", "born"): ("place of birth",),
}
_IRREGULAR = {"sold": "sell", "paid": "pay", "made": "make", "wrote": "write", "gave": "give"}


def _base(verb: str) -> str:
    """A verb's plain form, roughly (`filed` → `file`, `receives` → `receive`)."""
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    for suf, repl in (("ied", "y"), ("ies", "y"), ("ed", ""), ("es", "e"), ("s", "")):
        if verb.endswith(suf) and len(verb) - len(suf) >= 3:
            stem = verb[: -len(suf)] + repl
            if suf == "ed" and not stem.endswith(("e", "y")) and stem[-1] in "cgsvz":
                stem += "e"  # (`placed`, `issued`: the `e` goes back)
            return stem
    return verb


def _agent(word: str) -> str:
    """Who does it (`sell` → `seller`, `issue` → `issuer`, `appraisal` → `appraiser`,
    `inspection` → `inspector`)."""
    if word.endswith("al") and len(word) > 5:
        return word[:-2] + "er"
    if word.endswith("ion") and len(word) > 6:
        return word[:-3] + "or"
    b = _base(word)
    return b + ("r" if b.endswith("e") else "er")


def _past(verb: str) -> str:
    """A verb's past participle, roughly (`receives` → `received`, `sold` → `sold`)."""
    if verb in _IRREGULAR or verb.endswith("ed"):
        return verb
    b = _base(verb)
    return b + ("d" if b.endswith("e") else "ed")


def _dedupe(keys: list[str]) -> list[str]:
    out: list[str] = []
    for k in keys:
        k = " ".join(k.split())
        if k and k not in out:
            out.append(k)
    return out


def _english(text: str) -> list[str] | None:
    m = _WH_EN.match(text)
    if m is None:
        return None
    wh = re.sub(r"\s+", " ", m.group(1).lower())
    words = [
        re.sub(r"'s$|’s$", "", w) for w in re.findall(r"[a-z0-9][a-z0-9'’/#-]*", m.group(2).lower())
    ]
    if not words or len(words) > 9:
        return None  # a long question is free-form
    aux_first = words[0] in _AUX
    # (`have to`, `need to` say no more than an auxiliary: "How much do I have to pay?")
    text_words = " ".join(words)
    words = re.sub(r"\b(?:have|has|need|needs|got) to\b", "", text_words).split()
    content = [w for w in words if w not in _AUX and w not in _PRONOUNS]
    # a prepositional phrase at the end qualifies the question (`under this policy`, `in
    # total`), keep what comes before it; `to` / `by` end a role (`report to`, `signed by`)
    in_total = False
    for i, w in enumerate(content):
        if w in _PREPOSITIONS and i > 0:
            in_total = "total" in content[i + 1 :]
            content = content[:i]
            break
    content = [w for w in content if w not in _EMPTY_VERBS]
    kind = _KIND_EN[wh]
    keys: list[str] = []
    if wh in ("who", "whom"):
        if not content:
            return None
        if aux_first and not (words[0] in ("did", "does", "do") and len(content) == 1):
            # "Who is insured", "Who will I report to": the words name the role
            keys.append(" ".join(content))
        elif aux_first:
            keys += [_agent(content[0]), content[0]]  # "Who did the appraisal?"
        else:
            verb, rest = content[0], content[1:]
            keys += [_agent(verb), f"{_past(verb)} by", f"{' '.join(rest)} {_agent(verb)}"]
        return _dedupe(keys)
    verb = content[-1] if aux_first and len(content) >= 1 else ""
    subject = content[:-1] if verb else content
    known = _VERB_FIELDS_EN.get((wh, _base(verb))) or _VERB_FIELDS_EN.get((wh, verb)) or ()
    subj = " ".join(subject)
    if wh == "how many" and content:
        keys += [" ".join(content), f"number of {content[0]}", content[0]]
    elif verb:
        keys += [f"{subj} {verb} {kind}", f"{verb} {kind}", *known]
        if in_total:
            keys.append(f"total {verb}")  # "How much was deposited in total?"
        if subj:
            keys.append(f"{subj} {kind}")
    else:
        keys += [f"{subj} {kind}" if subj else kind, *known]
    # (never the subject alone: "policy" for "When does the policy expire?" would read the
    # policy's number)
    return _dedupe(keys)


# Chinese ---------------------------------------------------------------------------------------

_ZH_TRIM = re.compile(r"^(?:请问|请告诉我|我想知道|问一下)|(?:呢|啊|呀|吗)?[?？。!！\s]*$")
_ZH_DEMONSTRATIVE = re.compile(r"^(?:这个|这位|这张|这份|这笔|这趟|这次|该|此|那个)")
_ZH_WHEN = re.compile(
    r"^(.*?)(?:是)?(?:从)?(?:什么时候|什么时间|何时|哪天|哪一天|几号|几月几号|哪年)(.*?)(?:的)?$"
)
_ZH_WHO = re.compile(r"^(.*?)是谁(?:的)?$|^谁是(.+)$|^谁(.+?)(?:的)?$")
_ZH_WHERE = re.compile(r"^(.*?)(?:是)?(?:在)?(?:哪里|哪儿|什么地方|何处|何地)(.*?)(?:的)?$")
_ZH_MONEY = re.compile(r"^(.*?)(?:要|需要|应该|一共|总共|共)?(?:交|付|花|收|报)?(?:了)?多少钱$")
_ZH_HOW_MANY = re.compile(r"^(.*?)(?:了)?几(张|天|个|次|件|人|页|年|月)(.*)$")
_ZH_NAME = re.compile(r"^(.*?)叫什么(?:名字)?$")
_ZH_WHAT_KIND = re.compile(r"^(.*?)是什么(颜色|型号|品牌|类型|性质|职务|职位|专业|费用)的?$")
_ZH_HOW_LONG = re.compile(r"^(.*?)(?:有)?(?:多长|多久)(?:时间)?$")
_ZH_QUESTION = re.compile(r"什么|谁|哪|几|多少|多长|多久|何时")
# what some verbs ask about in Chinese: 哪里发的 is the issuing authority, 什么时候到期 the end
# of the validity
_VERB_FIELDS_ZH: dict[tuple[str, str], tuple[str, ...]] = {
    ("where", "发"): ("签发机关", "发证机关"),
    ("where", "签发"): ("签发机关",),
    ("where", "办"): ("签发机关", "发证机关"),
    ("when", "到期"): ("有效期至", "到期日期", "有效期限"),
    ("when", "过期"): ("有效期至", "有效期限"),
    ("when", "失效"): ("有效期至", "失效日期"),
    ("when", "生效"): ("生效日期", "生效日"),
    ("when", "开始生效"): ("生效日期", "生效日"),
}


def _zh_clean(s: str) -> str:
    s = _ZH_DEMONSTRATIVE.sub("", s.strip())
    return re.sub(r"^(?:从|在|的)|(?:的|了)$", "", s)


def _chinese(text: str) -> list[str] | None:
    t = _ZH_TRIM.sub("", unicodedata.normalize("NFKC", text).strip())
    t = _ZH_TRIM.sub("", t)
    if not _ZH_QUESTION.search(t) or len(t) > 20:
        return None
    total = bool(re.search(r"一共|总共|总计|合计", t))
    if m := _ZH_NAME.match(t):
        who = _zh_clean(m.group(1))
        return _dedupe([f"{who}名称" if who and who != "人" else "", "姓名", "名称"])
    if m := _ZH_WHAT_KIND.match(t):
        x = _zh_clean(m.group(1))
        return _dedupe([x + m.group(2), m.group(2)])
    if m := _ZH_WHEN.match(t):
        x, verb = _zh_clean(m.group(1)), _zh_clean(m.group(2))
        verb = re.sub(r"^开始(?=.)", "", verb) if verb != "开始" else verb
        known = _VERB_FIELDS_ZH.get(("when", verb), ())
        return _dedupe([f"{x}{verb}日期", f"{verb}日期", *known, f"{verb}时间", f"{x}日期"])
    if m := _ZH_WHERE.match(t):
        x, verb = _zh_clean(m.group(1)), _zh_clean(m.group(2))
        known = _VERB_FIELDS_ZH.get(("where", verb), ())
        return _dedupe([*known, f"{x}{verb}地址", f"{x}地址", f"{x}地点"])
    if m := _ZH_WHO.match(t):
        x = _zh_clean(m.group(1) or m.group(2) or "")
        if x:
            return _dedupe([x])
        verb = _zh_clean(m.group(3) or "")
        return _dedupe([f"{verb}人", f"{verb}者"]) if 1 <= len(verb) <= 4 else None
    if m := _ZH_MONEY.match(t):
        x = _zh_clean(re.sub(r"一共|总共|总计|合计", "", m.group(1)))
        keys = ["合计", "总金额"] if total or not x else []
        return _dedupe([*keys, f"{x}金额" if x else "", f"{x}价格" if x else "", x])
    if m := _ZH_HOW_MANY.match(t):
        x = _zh_clean(m.group(1) + m.group(3))
        unit = m.group(2)
        return _dedupe([f"{x}{unit}数", f"{_zh_clean(m.group(3))}{unit}数", f"{unit}数"])
    if m := _ZH_HOW_LONG.match(t):
        x = _zh_clean(m.group(1))
        return _dedupe([x, f"{x}期限"]) if x else None
    return None


def question_keys(text: str) -> list[str] | None:
    """The field keys a short question about one field asks for, best first, or None when
    it is not such a question (a free-form one, or no question)."""
    if re.search(r"[\u3400-\u9fff]", text):
        return _chinese(text)
    return _english(text)


_END_WORDS = re.compile(
    r"\b(?:expire|expires|expiry|expiration|end|ends|until)\b|到期|失效|过期|截止|结束"
)
_START_WORDS = re.compile(r"\b(?:start|starts|begin|begins|commence|effective)\b|生效|开始|起始")
_RANGE = re.compile(
    r"^\s*(.*?\d.*?)\s*(?:-|–|—|~|～|至|到|\bto\b|\bthrough\b|\buntil\b)\s*(.*?\d.*?)\s*$"
)


def question_part(text: str) -> str | None:
    """Which end of a period a question asks for: "end" for when it expires or ends (身份证
    什么时候到期), "start" for when it starts or takes effect; None otherwise."""
    low = text.lower()
    if _END_WORDS.search(low):
        return "end"
    if _START_WORDS.search(low):
        return "start"
    return None


def period_part(value: str, part: str) -> str | None:
    """The start or the end of a printed period (`2016.05.12-2036.05.12`, `2025年07月01日至
    2028年06月30日`), each side a date with a year; None where `value` is no such period."""
    m = _RANGE.match(value)
    if m is None:
        return None
    first, last = m.group(1), m.group(2)
    if not all(re.search(r"(?<!\d)(?:19|20)\d\d(?!\d)", x) for x in (first, last)):
        return None
    return last if part == "end" else first
