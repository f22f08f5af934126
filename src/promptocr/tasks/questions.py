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
    r"(what\s+time|how\s+much|how\s+many|how\s+long|how\s+(?:heavy|old|far|big|large|tall|wide)|"
    r"when|where|whom|whose|who|which)\b(.*)$",
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
    ("when", "paid"): ("payment date", "date paid"),
    ("when", "arrive"): ("arrival date",),
    ("when", "leave"): ("departure date",),
    ("when", "depart"): ("departure date",),
    ("when", "issue"): ("issue date", "date of issue"),
    ("when", "place"): ("order date",),
    ("when", "order"): ("order date",),
    ("when", "built"): ("year built",),
    ("when", "born"): ("date of birth",),
    ("when", "sign"): ("date signed", "signature date"),
    ("when", "buy"): ("purchase date", "date"),
    ("when", "bought"): ("purchase date", "date"),
    ("when", "ship"): ("ship date", "shipping date"),
    ("when", "finish"): ("completion date", "end date"),
    ("when", "complete"): ("completion date",),
    ("how much", "owe"): ("balance due", "new balance", "amount due", "total due"),
    ("how much", "pay"): ("amount due", "total", "balance due"),
    ("how much", "cost"): ("price", "cost", "total"),
    ("where", "live"): ("address",),
    ("where", "stay"): ("address",),
    ("where", "born"): ("place of birth",),
}
_IRREGULAR = {"sold": "sell", "paid": "pay", "made": "make", "wrote": "write", "gave": "give"}
_PAST = {"sell": "sold", "pay": "paid", "make": "made", "write": "written", "give": "given"}


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
    return _PAST.get(b) or b + ("d" if b.endswith("e") else "ed")


def _dedupe(keys: list[str]) -> list[str]:
    out: list[str] = []
    for k in keys:
        k = " ".join(k.split())
        if k and k not in out:
            out.append(k)
    return out


_COPULA = frozenset(["is", "are", "was", "were", "am", "be", "been"])
_SUBJECT_PRONOUNS = frozenset(["i", "we", "you", "he", "she", "they", "it"])
# participles a copula question ends with: a passive ("When was the order placed?")
_PARTICIPLES = frozenset(["built", "born", "made", "paid", "sold", "done", "given", "written"])
# the measure a "how …" question asks for ("How heavy is the package?": its weight)
_HOW_KIND = {
    "heavy": "weight",
    "old": "age",
    "far": "distance",
    "big": "size",
    "large": "size",
    "tall": "height",
    "wide": "width",
}


def _split_possessor(words: list[str]) -> tuple[list[str], list[str]]:
    """`child's parent` → (`child parent`, `parent`): the words with the possessor's `'s`
    off, and the words after the last possessor (empty where there is none)."""
    last = max((i for i, w in enumerate(words) if re.search(r"['’]s$", w)), default=-1)
    plain = [re.sub(r"['’]s$", "", w) for w in words]
    return plain, plain[last + 1 :] if last >= 0 else []


def field_forms(field: str) -> list[str]:
    """A field named in a "what is …" question, as keys best first: without a leading
    possessive pronoun (`my confirmation code` → `confirmation code`), and without its
    possessor (`the laptop's serial number` → `laptop serial number`, `serial number`)."""
    words = re.sub(
        r"^(?:(?:my|your|our|his|her|their|its|this|that|the)\s+)+", "", field.strip(), flags=re.I
    )
    plain, after = _split_possessor(words.split())
    return _dedupe([" ".join(plain), " ".join(after)])


def _with_kind(words: str, kind: str) -> str:
    """The words and the kind of value asked, unless they end with a word of that kind
    already ("When is the due date?": `due date`, not `due date date`)."""
    last = words.split()[-1] if words.split() else ""
    if not kind or last in (kind, "date", "time", "amount", "name", "number", "address"):
        return words
    return f"{words} {kind}"


def _english(text: str) -> list[str] | None:
    # one short question: "Who's the seller?" reads "Who is the seller?"; another sentence or
    # clause after it ("…? Extract as JSON", "…, and why?") makes it a free-form request
    text = re.sub(r"\b(who|when|where|what|how)['’]s\b", r"\1 is", text, flags=re.I).strip()
    if re.search(r"[,;，；?？!]|\.\s+[A-Z]", text.rstrip("?？.! ")):
        return None
    m = _WH_EN.match(text)
    if m is None:
        return None
    wh = re.sub(r"\s+", " ", m.group(1).lower())
    raw = re.findall(r"[a-z0-9][a-z0-9'’/#-]*", m.group(2).lower())
    if not raw or len(raw) > 10:
        return None  # a long question is free-form
    # (`have to`, `need to` say no more than an auxiliary: "How much do I have to pay?")
    raw = re.sub(r"\b(?:have|has|need|needs|got) to\b", "", " ".join(raw)).split()
    plain, after_possessor = _split_possessor(raw)
    kind = _KIND_EN.get(wh, "")
    if wh.startswith("how ") and wh.split()[1] in _HOW_KIND:
        kind = _HOW_KIND[wh.split()[1]]
    # what a "how much" / "how many" / "which" question counts or picks comes right after it
    # ("How much data did I use?", "Which seat am I in?")
    lead: list[str] = []
    if wh in ("how much", "how many", "which"):
        while plain and plain[0] not in _AUX and plain[0] not in _PRONOUNS:
            lead.append(plain.pop(0))
    aux = plain[0] if plain and plain[0] in _AUX else ""
    pronoun_subject = len(plain) > 1 and bool(aux) and plain[1] in _SUBJECT_PRONOUNS
    content = [w for w in plain if w not in _AUX and w not in _PRONOUNS]
    # a prepositional phrase at the end qualifies the question (`under this policy`, `in
    # total`), keep what comes before it; `to` / `by` end a role (`report to`, `signed by`)
    in_total = False
    for i, w in enumerate(content):
        if w in _PREPOSITIONS and i > 0:
            in_total = "total" in content[i + 1 :]
            content = content[:i]
            break
    content = [w for w in content if w not in _EMPTY_VERBS]
    # (a possessor's noun: "Who is the child's parent?" is the parent)
    after = [w for w in after_possessor if w in content]
    keys: list[str] = []
    if wh == "which":
        rest = " ".join(w for w in content if w not in _PREPOSITIONS)
        return _dedupe([" ".join(lead), f"{rest} {' '.join(lead)}"]) if lead else None
    if wh in ("who", "whom"):
        if not content:
            return None
        if aux in _COPULA or (aux and len(content) > 1) or pronoun_subject:
            # "Who is insured", "Who will I report to": the words name the role
            keys += [" ".join(content), " ".join(after)]
        elif aux:
            keys += [_agent(content[0]), content[0]]  # "Who did the appraisal?"
        elif len(content) == 1 and re.search(r"(?:er|or|ee|ant|ent|ist)$", content[0]):
            keys.append(content[0])  # "Please tell me who the seller is": a role already
        else:
            act, obj = content[0], " ".join(content[1:])
            keys += [_agent(act), f"{_past(act)} by", f"{obj} {_agent(act)}"]
        return _dedupe(keys)
    if wh in ("how much", "how many") and lead:
        # the thing measured is named: "How many miles are on the car?", "How much data …"
        noun = " ".join(lead)
        verb = ""
        if content and aux not in _COPULA:
            verb = content[0] if pronoun_subject else content[-1]
        keys += [noun, f"number of {noun}" if wh == "how many" else f"{noun} {kind}"]
        return _dedupe(keys + ([f"{noun} {verb}"] if verb else []))
    # a copula before a noun phrase names the thing ("When is the hearing?": the hearing's
    # date, "How much is the down payment?"); a verb after do / does / will … or a passive's
    # participle says what happens to it ("When does the policy expire?", "When was the
    # order placed?"); after a pronoun subject the verb comes first ("When do I pay the bill?")
    last = content[-1] if content else ""
    passive = aux in _COPULA and (last.endswith("ed") or last in _PARTICIPLES)
    if aux and (aux not in _COPULA or passive) and content:
        if pronoun_subject and not passive:
            verb, subject = content[0], content[1:]
        else:
            verb, subject = last, content[:-1]
    else:
        verb, subject = "", content
    known = _VERB_FIELDS_EN.get((wh, _base(verb))) or _VERB_FIELDS_EN.get((wh, verb)) or ()
    subj = " ".join(subject)
    if verb:
        keys += [*known, _with_kind(f"{subj} {verb}", kind), _with_kind(verb, kind)]
        if in_total:
            keys.append(f"total {verb}")  # "How much was deposited in total?"
    elif subj:
        # the thing itself, by its own name too where it names an amount ("How much is the
        # deposit?"; a figure is asked, `answer_kind`), as a place ("Where is the court?"),
        # and without its possessor
        keys += [_with_kind(subj, kind)]
        if wh == "where":
            keys += [_with_kind(subj, "address")]
        if wh == "how much":
            keys += [subj]
        if after:
            keys += [_with_kind(" ".join(after), kind), " ".join(after)]
    else:
        keys += [*known, kind]
    # (not the subject alone after a verb, nor with the kind: "policy" or "policy date" for
    # "When does the policy expire?" would read the policy's number or another date)
    return _dedupe(keys)


# Chinese ---------------------------------------------------------------------------------------

_ZH_TRIM = re.compile(r"^(?:请问|请告诉我|我想知道|问一下)|(?:呢|啊|呀|吗)?[?？。!！\s]*$")
_ZH_DEMONSTRATIVE = re.compile(
    r"^(?:这个|这位|这张|这份|这笔|这趟|这次|这本|这辆|这台|这部|这家|该|此|那个|"
    r"(?:我|你|他|她|它)(?:的)?)"
)
# the Chinese words that ask when (a date) and at what time of day
_ZH_WHEN_WORDS = "什么时候|什么时间|何时|哪天|哪一天|几月几号|哪年"
_ZH_CLOCK_WORDS = "几点|什么时刻"
_ZH_WHEN = re.compile(rf"^(.*?)(?:是)?(?:从)?(?:{_ZH_WHEN_WORDS})(.*?)(?:的)?$")
_ZH_CLOCK = re.compile(rf"^(.*?)(?:是)?(?:{_ZH_CLOCK_WORDS})(.*?)(?:的)?$")
_ZH_WHOSE = re.compile(r"^(.*?)是谁的$")
_ZH_WHICH = re.compile(
    r"^(.+?)是(?:哪家|哪个|哪一家|哪一个|哪所|哪间)(?:公司|单位|学校|机构|医院|银行|商家|店)?$"
)
_ZH_WHO = re.compile(r"^(.*?)是谁(?:的)?$|^谁是(.+)$|^谁(.+?)(?:的)?$")
_ZH_WHERE = re.compile(r"^(.*?)(?:是)?(?:在)?(?:哪里|哪儿|什么地方|何处|何地)(.*?)(?:的)?$")
_ZH_MONEY = re.compile(
    r"^(.*?)(?:要|需要|应该|一共|总共|共)?(?:交|付|花|收|报|缴)?(?:了)?多少(钱|税|费)$"
)
_ZH_HOW_MANY = re.compile(r"^(.*?)(?:了)?几(张|天|个|次|件|人|页|年|月)(.*)$")
_ZH_NAME = re.compile(r"^(.*?)叫什么(?:名字)?$")
_ZH_WHAT_KIND = re.compile(
    r"^(.*?)(?:是)?什么(颜色|型号|品牌|类型|性质|职务|职位|专业|费用|套餐|车型|规格|学历|血型|民族|项目)的?$"
)
_ZH_HOW_LONG = re.compile(r"^(.*?)(?:有)?(?:多长|多久)(?:时间)?$")
_ZH_QUESTION = re.compile(r"什么|谁|哪|几|多少|多长|多久|何时")
# what some verbs ask about in Chinese: 哪里发的 is the issuing authority, 什么时候到期 the end
# of the validity
_VERB_FIELDS_ZH: dict[tuple[str, str], tuple[str, ...]] = {
    ("where", "发"): ("签发机关", "发证机关"),
    ("where", "签发"): ("签发机关",),
    ("where", "办"): ("签发机关", "发证机关"),
    ("where", "住"): ("住址", "地址", "家庭住址"),
    ("where", "出生"): ("出生地", "出生地点", "籍贯"),
    ("where", "住在"): ("住址", "地址", "家庭住址"),
    ("when", "到期"): ("有效期至", "到期日期", "有效期限"),
    ("when", "过期"): ("有效期至", "有效期限"),
    ("when", "失效"): ("有效期至", "失效日期"),
    ("when", "生效"): ("生效日期", "生效日", "有效期限"),
    ("when", "开始生效"): ("生效日期", "生效日", "有效期限"),
}


def _zh_clean(s: str) -> str:
    s = _ZH_DEMONSTRATIVE.sub("", s.strip())
    return re.sub(r"^(?:从|在|的|去|来)|(?:的|了|是)$", "", s)


def _zh_with(x: str, kind: str, kinds: str = "日期|时间|日|期") -> str:
    """`x` with the word for the kind of value asked, unless it ends with one (`开票日期`)."""
    return x if re.search(f"(?:{kinds})$", x) else x + kind


def _chinese(text: str) -> list[str] | None:
    t = _ZH_TRIM.sub("", unicodedata.normalize("NFKC", text).strip())
    t = _ZH_TRIM.sub("", t)
    if not _ZH_QUESTION.search(t) or len(t) > 20 or re.search(r"[，,；;？?！!。]", t):
        return None  # (not a question of one field: none, or two in a row)
    total = bool(re.search(r"一共|总共|总计|合计", t))
    if m := _ZH_WHOSE.match(t):
        # whose it is: its owner (`这辆车是谁的`: the car's 所有人)
        x = _zh_clean(m.group(1))
        return _dedupe([f"{x[-1:]}主" if x else "", "所有人", "持有人"])
    if m := _ZH_WHICH.match(t):
        x = _zh_clean(m.group(1))
        return _dedupe([x, f"{x}名称"]) if x else None
    if m := _ZH_CLOCK.match(t):
        x, verb = _zh_clean(m.group(1)), _zh_clean(m.group(2))
        return _dedupe([_zh_with(f"{x}{verb}", "时间"), _zh_with(verb, "时间") if verb else ""])
    if m := _ZH_NAME.match(t):
        who = _zh_clean(m.group(1))
        if who and who != "人":
            # someone named by the question (`她的父亲`): that one's name, not the page's 姓名
            return _dedupe([f"{who}姓名", f"{who}名称", who])
        return _dedupe(["姓名", "名称"])
    if m := _ZH_WHAT_KIND.match(t):
        x = _zh_clean(m.group(1))
        return _dedupe([x + m.group(2), m.group(2)])
    if m := re.match(r"^(.+?)是(?:几号|多少号)$", t):
        return _dedupe([_zh_clean(m.group(1))])  # "驾驶证号是几号": the number itself
    if m := _ZH_WHEN.match(t):
        x, verb = _zh_clean(m.group(1)), _zh_clean(m.group(2))
        x = re.sub(r"(?<=.)(?:到|至)$", "", x)  # "有效期到哪天": until when
        verb = re.sub(r"^开始(?=.)", "", verb) if verb != "开始" else verb
        known = _VERB_FIELDS_ZH.get(("when", verb), ())
        if not verb:
            # "开票日期是什么时候", "合同是什么时候": the thing's own date (never a bare 日期: it
            # would read the first date on the page)
            return _dedupe([_zh_with(x, "日期"), _zh_with(x, "时间")]) if x else None
        return _dedupe(
            [_zh_with(f"{x}{verb}", "日期"), _zh_with(verb, "日期"), *known, _zh_with(verb, "时间")]
        )
    if m := _ZH_WHERE.match(t):
        x, verb = _zh_clean(m.group(1)), _zh_clean(m.group(2))
        if x.endswith("住") and not verb:
            x, verb = x[:-1], "住"  # "这个人住在哪里": where one lives
        verb = re.sub(r"^(?:做|办|进行)$", "", verb)  # "体检在哪里做": where it is held
        known = _VERB_FIELDS_ZH.get(("where", verb), ())
        places = "地址|地点|住址|所在地|地"
        what = f"{x}{verb}"
        if not what:
            return None
        return _dedupe([*known, _zh_with(what, "地址", places), _zh_with(what, "地点", places)])
    if m := _ZH_WHO.match(t):
        x = _zh_clean(m.group(1) or m.group(2) or "")
        if x:
            return _dedupe([x])
        # "谁报销的", "谁签的字": who did it (`报销人`, `签字人`)
        verb = _zh_clean(m.group(3) or "").replace("的", "")
        return _dedupe([f"{verb}人", f"{verb}者"]) if 1 <= len(verb) <= 4 else None
    if m := _ZH_MONEY.match(t):
        x = _zh_clean(re.sub(r"一共|总共|总计|合计", "", m.group(1)))
        if m.group(2) == "税":
            return _dedupe([f"{x}税额" if x else "", "税额", "应纳税额", "税款"])
        keys = ["合计", "总金额"] if total or not x else []
        return _dedupe([*keys, _zh_with(x, "金额", "金额|价格|费用|费|价") if x else ""])
    if m := _ZH_HOW_MANY.match(t):
        x = _zh_clean(m.group(1) + m.group(3))
        unit = m.group(2)
        return _dedupe([f"{x}{unit}数", f"{_zh_clean(m.group(3))}{unit}数", f"{unit}数"])
    if m := _ZH_HOW_LONG.match(t):
        x = _zh_clean(m.group(1))
        return _dedupe([x, _zh_with(x, "期限", "期限|期|时间")]) if x else None
    return None


def answer_kind(text: str) -> str | None:
    """The kind of value a question's word asks for where it is a figure ("date", "amount",
    "number", "time"): when, how much, how many, what time, 什么时候, 哪天, 多少钱, 几 …; None
    for who, where, which and the rest."""
    low = unicodedata.normalize("NFKC", text).lower()
    m = _WH_EN.match(low)
    if m is not None:
        wh = re.sub(r"\s+", " ", m.group(1))
        kind = _HOW_KIND.get(wh.split()[-1], _KIND_EN.get(wh, ""))
        return kind if kind in ("date", "amount", "number", "time", "weight", "age") else None
    if re.search(f"{_ZH_WHEN_WORDS}|几点", low):
        return "date"
    if re.search(r"多少钱|多少税|多少费|几[张天个次件人页年月]", low):
        return "amount"
    return None


def question_keys(text: str) -> list[str] | None:
    """The field keys a short question about one field asks for, best first, or None when
    it is not such a question (a free-form one, or no question)."""
    if re.search(r"[\u3400-\u9fff]", text):
        return _chinese(text)
    return _english(text)


_END_WORDS = re.compile(
    r"\b(?:expire|expires|expiry|expiration|end|ends|until|terminate|terminates|termination)\b|"
    r"到期|失效|过期|截止|结束|[到至]哪天|"
    r"[到至]什么时候"
)
_START_WORDS = re.compile(
    r"\b(?:start|starts|begin|begins|commence|commences|effective|take\s+effect|takes\s+effect)\b"
    r"|生效|开始|起始"
)
_PERIOD_SEPARATOR = re.compile(r"\s*(?:至|到|~|～|\bto\b|\bthrough\b|\buntil\b|[-–—])\s*", re.I)


_DAY_WORDS = re.compile(r"\b(?:what|which) day\b|哪天|哪一天|几月几号|什么日子")
_CLOCK_WORDS = re.compile(rf"\bwhat time\b|{_ZH_CLOCK_WORDS}")
_CLOCK = re.compile(r"\d{1,2}[:：]\d{2}(?:\s*[-–~～至到]\s*\d{1,2}[:：]\d{2})?")


def question_part(text: str) -> str | None:
    """Which part of a value a question asks for: "end" for when something expires or ends
    (身份证什么时候到期), "start" for when it starts or takes effect (of a printed period),
    "day" for which day, "clock" for what time (of a date with a time); None otherwise."""
    low = text.lower()
    if _END_WORDS.search(low):
        return "end"
    if _START_WORDS.search(low):
        return "start"
    if _CLOCK_WORDS.search(low):
        return "clock"
    if _DAY_WORDS.search(low):
        return "day"
    return None


def value_part(value: str, part: str) -> str | None:
    """That part of a printed value (`question_part`), or None where it has no such part:
    the start or end of a period, the date of a date with a time, the time of it."""
    if part in ("start", "end"):
        return period_part(value, part)
    if part == "clock":
        m = _CLOCK.search(value)
        return m.group(0) if m is not None and m.group(0) != value.strip() else None
    from promptocr.tasks.validators import parse_date

    found = parse_date(value)
    if found is None or found.text.strip() == value.strip():
        return None
    return found.text


def period_part(value: str, part: str) -> str | None:
    """The start or the end of a printed period (`2016.05.12-2036.05.12`, `2018-06-21至
    2038-06-21`, `2025年07月01日至2028年06月30日`): the first separator with a whole date on
    each side, each with a year; None where `value` is no such period."""
    from promptocr.tasks.validators import parse_date

    for m in _PERIOD_SEPARATOR.finditer(value):
        sides = value[: m.start()].strip(), value[m.end() :].strip()
        found = [parse_date(x) for x in sides]
        if all(
            f is not None
            and len(f.text.strip()) >= len(x) - 1
            and re.search(r"(?<!\d)(?:19|20)\d\d(?!\d)", x)
            for f, x in zip(found, sides, strict=True)
        ):
            return sides[1] if part == "end" else sides[0]
    return None
