"""Field requests worded in French, German, Spanish, Italian, Portuguese and Japanese.

The planner reads English and Chinese instructions itself. A request in one of these languages
("Extraire le numéro de facture, la date et le total", "Extrahiere Name und Geburtsdatum aus
dem Formular", "¿Cuál es el importe total?", "氏名、生年月日と住所を抽出してください") names
its fields the way the page prints them, so the linker can look them up as it does English keys.
This module only finds those names: the request's verb or question form, the field list, the
language's own conjunctions, its articles in front of a field and the words after the list that
say where to look or how to answer ("de cette facture", "aus dem Formular", "en JSON").

Asking for every pair ("tous les champs", "alle Felder", "すべての項目") is `asks_all_pairs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# (the documents a tail may name, in each language: "… from this invoice")
_DOC_FR = r"image|photo|document|facture|page|formulaire|re[çc]u|ticket|fichier|scan|pdf"
_DOC_DE = r"bild|foto|dokument|rechnung|seite|formular|beleg|quittung|kassenbon|datei|scan|pdf"
_DOC_ES = r"imagen|foto|documento|factura|p[áa]gina|formulario|recibo|ticket|archivo|pdf"
_DOC_IT = r"immagine|foto|documento|fattura|pagina|modulo|ricevuta|scontrino|file|pdf"
_DOC_PT = r"imagem|foto|documento|fatura|factura|p[áa]gina|formul[áa]rio|recibo|arquivo|pdf"


def _json_tail(connectors: str) -> str:
    """The words after the list that say how to answer (`en JSON`, `au format JSON`, `im
    JSON-Format`, `como JSON`): the language's connectors only, so that no word of the last
    field goes with them."""
    return (
        rf"\s*[,.;]?\s*(?:(?:{connectors})\s+)?(?:(?:le\s+|el\s+|o\s+)?format[oe]?\s+)?"
        r"(?:json|csv|xml|yaml|html|markdown)(?:-?\w+)?\b.*$"
    )


_JSON_FR = _json_tail(r"en|au|sous\s+forme\s+de|comme")
_JSON_DE = _json_tail(r"als|im|in")
_JSON_ES = _json_tail(r"en|como")
_JSON_IT = _json_tail(r"in|come")
_JSON_PT = _json_tail(r"em|como|no")

# a demonstrative asked about ("Was ist das?", "¿Qué es esto?", "これは何ですか"): a question
# about the page, no field
_DEMONSTRATIVE = re.compile(
    r"das|dies|dieses|es|esto|eso|esta|este|isso|isto|questo|questa|ciò|ceci|cela|ça|ca|"
    r"これ|それ|あれ|この|その",
    re.I,
)
# an opening that introduces the list after a colon ("les champs suivants :", "folgende
# Felder:", "次の項目：")
_INTRO = re.compile(r"^[^:：]{1,40}?[:：]\s*(?=\S)")


@dataclass(frozen=True)
class Wording:
    """How one language asks for fields."""

    language: str
    # the request: group 1 is the field list (a verb before it, or a question form)
    requests: tuple[re.Pattern[str], ...]
    # what joins two fields in a list, besides commas and semicolons
    conjunctions: str
    # an article or determiner in front of a field ("le", "die", "las", "l'")
    articles: re.Pattern[str]
    # where to look or how to answer, after the list ("de cette facture", "en JSON")
    tail: re.Pattern[str]
    # asking for every field on the page
    everything: re.Pattern[str]


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I | re.S)


WORDINGS: tuple[Wording, ...] = (
    Wording(
        "fr",
        (
            _rx(
                r"^\s*(?:(?:veuillez|merci\s+de|pourriez-vous|pouvez-vous|peux-tu)\s+)?"
                r"(?:(?:me|m['’]|nous)\s*)?"
                r"(?:extra(?:ire|is|it|itez|yez)|r[ée]cup[èé]re[rz]?|trouve[rz]?|rel[èe]ve[rz]?|"
                r"donne[rz]?(?:-moi|\s+moi)?|indique[rz]?(?:-moi|\s+moi)?|déterminer|déterminez)\s+"
                r"(?:(?:moi|nous)\s+)?(.+)$"
            ),
            _rx(r"^\s*(?:quel(?:le)?s?\s+(?:est|sont)|c['’]est\s+quoi)\s+(.+?)\s*\??\s*$"),
        ),
        r"(?<=\s)(?:et|ou|ainsi\s+que)(?=\s)",
        _rx(
            r"^(?:(?:les|le|la|du|des|de\s+la|un|une|son|sa|ses|leur|leurs)\s+|(?:de\s+)?l['’]\s*)"
        ),
        _rx(
            rf"\s+(?:de|sur|dans|depuis|à\s+partir\s+de)\s+(?:cette|ce|cet|mon|ma)"
            rf"\s+(?:{_DOC_FR})s?\b.*$|{_JSON_FR}"
        ),
        _rx(r"\btous\s+les\s+champs\b|\btoutes\s+les\s+(?:paires|données|informations)\b"),
    ),
    Wording(
        "de",
        (
            _rx(
                r"^\s*(?:bitte\s+)?(?:extrahiere|extrahieren\s+sie|extrahier|entnimm|entnehmen\s+sie|"
                r"gib\s+mir|geben\s+sie\s+mir|finde|finden\s+sie|ermittle|"
                r"ermitteln\s+sie|nenne|nennen\s+sie)\s+(?:bitte\s+)?(?:mir\s+)?(.+)$"
            ),
            _rx(r"^\s*(?:was|wie)\s+(?:ist|sind|lautet|lauten|war|waren)\s+(.+?)\s*\??\s*$"),
            # the verb last: "Bitte Name und Datum extrahieren"
            _rx(
                r"^\s*(?:bitte\s+)?(.+?)\s+(?:extrahieren|auslesen|angeben|herausziehen)\s*[.!]?\s*$"
            ),
        ),
        r"(?<=\s)(?:und|oder|sowie)(?=\s)",
        _rx(r"^(?:der|die|das|den|dem|des|ein|eine|einen|seine|ihre)\s+"),
        _rx(
            rf"\s+(?:aus|von|in|auf)\s+(?:dem|der|diesem|dieser|dieses|den|meinem|meiner)"
            rf"\s+(?:{_DOC_DE})\w*\b.*$|\s+(?:heraus|aus)\s*[.!]?\s*$|{_JSON_DE}"
        ),
        _rx(r"\balle\s+(?:felder|angaben|daten|schlüssel)\b"),
    ),
    Wording(
        "es",
        (
            _rx(
                r"^\s*(?:(?:por\s+favor|porfa)\s*,?\s+)?(?:extrae|extraer|extraiga|extraigan|"
                r"obt[ée]n|obtener|obtenga|dame|d[ée]me|encuentra|encuentre|indica|"
                r"indique)\s+(?:(?:me|nos)\s+)?(.+)$"
            ),
            _rx(r"^\s*¿?\s*(?:cu[áa]l(?:es)?\s+(?:es|son|era)|qu[ée]\s+es)\s+(.+?)\s*\??\s*$"),
        ),
        r"(?<=\s)(?:y|e|o|u)(?=\s)",
        _rx(r"^(?:el|la|los|las|del|de\s+la|un|una|su|sus)\s+"),
        _rx(
            rf"\s+(?:de|en|desde)\s+(?:esta|este|mi)\s+(?:{_DOC_ES})s?\b.*$"
            rf"|{_JSON_ES}"
        ),
        _rx(r"\btodos\s+los\s+campos\b|\btodos\s+los\s+pares\b"),
    ),
    Wording(
        "it",
        (
            _rx(
                r"^\s*(?:(?:per\s+favore|per\s+cortesia)\s*,?\s+)?(?:estrai|estrarre|estragga|"
                r"estraete|dammi|mi\s+dai|trova|trovami|indica|indicami)\s+(.+)$"
            ),
            _rx(
                r"^\s*(?:qual\s*[eè]|qual['’]\s*[eè]|quali\s+sono|che\s+cos['’]?\s*[eè])\s+(.+?)\s*\??\s*$"
            ),
        ),
        r"(?<=\s)(?:e|ed|o|oppure)(?=\s)",
        _rx(
            r"^(?:(?:il|lo|la|i|gli|le|del|dello|della|dei|degli|delle|un|uno|una|suo|sua)\s+|"
            r"(?:dell|l|un)['’]\s*)"
        ),
        _rx(
            rf"\s+(?:(?:da|dal|dalla|dallo|dall['’]|nel|nella|sul|sulla)\s*"
            rf"(?:questa\s+|questo\s+|quest['’]\s*)?|(?:in|su)\s+(?:questa|questo|quest['’])\s*)"
            rf"(?:{_DOC_IT})\b.*$"
            rf"|{_JSON_IT}"
        ),
        _rx(r"\btutti\s+i\s+campi\b|\btutte\s+le\s+coppie\b"),
    ),
    Wording(
        "pt",
        (
            _rx(
                r"^\s*(?:por\s+favor\s*,?\s+)?(?:extraia|extrair|extrai|obtenha|obter|"
                r"me\s+d[êe]|d[êe]-me|encontre|indique)\s+(.+)$"
            ),
            _rx(r"^\s*(?:qual\s+[ée]|quais\s+s[ãa]o|o\s+que\s+[ée])\s+(.+?)\s*\??\s*$"),
        ),
        r"(?<=\s)(?:e|ou)(?=\s)",
        _rx(r"^(?:o|a|os|as|do|da|dos|das|um|uma|seu|sua)\s+"),
        _rx(
            rf"\s+(?:desta|deste|nesta|neste|dessa|desse)\s+(?:{_DOC_PT})s?\b.*$"
            rf"|\s+(?:de|em)\s+(?:esta|este|essa|esse)\s+(?:{_DOC_PT})s?\b.*$"
            rf"|\s+(?:na|no)\s+(?:{_DOC_PT})s?\b.*$"
            rf"|{_JSON_PT}"
        ),
        _rx(r"\btodos\s+os\s+campos\b|\btodos\s+os\s+pares\b"),
    ),
    Wording(
        "ja",
        (
            # "次の項目を抽出してください：氏名、住所", "次の情報を請求書から抽出してください：…"
            _rx(r"^[^：:]{0,30}?(?:抽出|取得|読み取|出力|抜き出|取り出)[^：:]*[：:]\s*(.+)$"),
            # "氏名、住所を抽出してください", "請求書番号を教えて", "… を JSON で出力してください"
            _rx(
                r"^\s*(.+?)\s*(?:を|の値を)\s*(?:json\s*(?:形式)?\s*で\s*)?"
                r"(?:抽出|取得|読み取|読取|教え|出力|抜き出|取り出|書き出|返)"
            ),
            # "合計金額はいくらですか", "請求書番号は何ですか"
            _rx(
                r"^\s*(.+?)\s*(?:は|って)\s*(?:何|なん|なに|いくら|いつ|どこ|誰|だれ)"
                r"(?:ですか|でしょうか|か)?\s*[?？。]?\s*$"
            ),
        ),
        # (と between kanji or katakana only: not inside a word written in kana)
        # (と or や between words in kanji or katakana, the next perhaps honorific: お名前とご住所)
        r"および|及び|並びに|(?<=[\u3400-\u9fff\u30a0-\u30ff])[とや](?=[\u3400-\u9fff\u30a0-\u30ffおご])",
        _rx(
            r"^(?:この|その|こちらの)?(?:画像|写真|書類|文書|ページ|請求書|領収書|レシート|用紙)"
            r"(?:の中)?(?:の|から|にある)|^[おご](?=[\u3400-\u9fff])"  # (お名前, ご住所)
        ),
        _rx(r"(?:\s*[,、。]?\s*(?:を)?\s*json.*$)"),
        _rx(r"(?:すべて|全て|全部)の(?:項目|フィールド|キー)|キーと値"),
    ),
)

# a Japanese request: kana in it (a Chinese request has none)
_KANA = re.compile(r"[\u3040-\u30ff]")


def asks_all_pairs(text: str) -> bool:
    """Whether `text` asks, in one of these languages, for every field on the page."""
    return any(w.everything.search(text) for w in WORDINGS)


_QUOTES = " '\"‘’“”«»„「」『』"


def _split(raw: str, w: Wording, parse_list: Callable[[str], list[str]] | None) -> list[str]:
    s = raw.strip().strip("。.!?？！:：¿¡ ")
    # a list written as JSON or Python (`["Nom", "Date"]`): its items, whatever is around it
    listed = re.search(r"[\[［]\s*['\"‘“].*[\]］]", s, re.S)
    if listed is not None and parse_list is not None:
        items = parse_list(listed.group(0))
        if items:
            return items
    s = _INTRO.sub("", s, count=1)  # "les champs suivants : nom, adresse"
    s = w.tail.sub("", s).strip()
    out: list[str] = []
    for part in re.split(rf"\s*(?:[,，、;；]|{w.conjunctions})\s*", s, flags=re.I):
        p = w.articles.sub("", part.strip(_QUOTES)).strip(_QUOTES)
        if re.search(r"\w", p) and p not in out:
            out.append(p)
    return out


def foreign_fields(text: str, parse_list: Callable[[str], list[str]] | None = None) -> list[str]:
    """The fields a request in French, German, Spanish, Italian, Portuguese or Japanese names,
    as written, or [] when `text` is no such request (or asks about "this", "das", "これ":
    a question about the page). `parse_list` reads a list written as JSON or Python."""
    for w in WORDINGS:
        if w.language == "ja" and not _KANA.search(text):
            continue
        for rx in w.requests:
            m = rx.search(text)
            if m:
                fields = [f for f in _split(m.group(1), w, parse_list) if len(f) <= 60]
                if fields and all(_DEMONSTRATIVE.fullmatch(f) for f in fields):
                    return []
                if fields:
                    return fields
    return []


# every language's conjunctions, for joining again the keys a list split where the page
# prints them as one label (`Nome e cognome`, `Fecha y lugar de nacimiento`)
CONJUNCTIONS = "|".join(w.conjunctions for w in WORDINGS)
