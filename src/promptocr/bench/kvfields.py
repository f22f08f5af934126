"""Requested-key field extraction on `kv_links` forms: the product's extraction path on
documents built from the annotated words (perfect OCR), with held-out halves.

`bench.fields` measures extraction on the 58 FUNSD dev forms, whose errors were read while
writing the extraction code, so its figure is optimistic. The `kv_links` files hold many more
annotated forms (149 FUNSD training forms, most of them not among the dev images, and XFUND
forms in seven languages) with words, boxes and question→answer links, but no images. Here each
document is built from its words — one `Line` per text line of an entity, as OCR would give it
— and `extract_fields` is asked for the document's question texts exactly as `bench.fields`
asks for the FUNSD dev forms' (the questions printed once with exactly one linked answer, the
rule of `funsd/gt.jsonl`'s `fields`); each answer is scored against the linked answer's text
with `bench.fields`' exact match and similarity.

Splits (fixed, by document id): `en_funsd_train` is split into the forms that are among the
FUNSD dev images (`in dev`, read while building) and those that are not; the latter and `zh`
are each split in two halves by sorted document id: the first half (`read`) may be looked at
while changing the extraction code, the second (`held out`) is only scored.

This is the perfect-OCR, requested-key setting: OCR errors and OCR's line cuts are absent.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from promptocr.bench.fields import normalize_value
from promptocr.document.model import Block, Document, Line, Page, Word, polygon_of

if TYPE_CHECKING:
    from promptocr.tasks.extract import FieldResult

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")

# the splits reported; `read` and `held` name the halves
SPLITS = ("in_dev", "read", "held", "other")


def _join(words: list[str], spaced: list[bool] | None = None) -> str:
    """Words of one line joined as printed: with a space where the entity's own text has one
    before the word (`spaced`), else none next to a CJK character."""
    out = ""
    for i, w in enumerate(words):
        gap = spaced[i] if spaced is not None else not (CJK.search(out[-1:]) or CJK.search(w[:1]))
        if out and gap:
            out += " "
        out += w
    return out


def _spacing(entity: dict[str, Any], words: list[dict[str, Any]]) -> list[bool] | None:
    """For each word (in the annotation's order), whether the entity's text has a space
    before it (`1983/6/8` is printed as one run, its words `1983` `/` `6` `/` `8` are not
    five); None where the words cannot be found in the text in order."""
    text = str(entity.get("text", ""))
    at, out = 0, []
    for w in words:
        t = str(w["text"]).strip()
        i = text.find(t, at)
        if i < 0:
            return None
        out.append(i > 0 and text[at:i].strip() == "" and (i > at or text[i - 1 : i].isspace()))
        if text[at:i].strip():
            return None
        at = i + len(t)
    return out


def entity_lines(entity: dict[str, Any]) -> list[Line]:
    """One entity's words as OCR lines: words grouped into rows (vertical overlap over half
    the smaller height), each row sorted left to right and cut where a gap is wider than
    twice the row's height (OCR's detector does not bridge such gaps)."""
    words = [w for w in entity.get("words", []) if str(w.get("text", "")).strip()]
    if not words:
        return []
    spacing = _spacing(entity, words)
    spaced = {id(w): sp for w, sp in zip(words, spacing or [], strict=False)}
    words.sort(key=lambda w: ((w["box"][1] + w["box"][3]) / 2, w["box"][0]))
    rows: list[list[dict[str, Any]]] = []
    for w in words:
        x0, y0, x1, y1 = w["box"]
        for row in rows:
            ry0 = sum(r["box"][1] for r in row) / len(row)
            ry1 = sum(r["box"][3] for r in row) / len(row)
            overlap = min(y1, ry1) - max(y0, ry0)
            if overlap > 0.5 * min(y1 - y0, ry1 - ry0):
                row.append(w)
                break
        else:
            rows.append([w])
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda w: w["box"][0])
        h = max(1.0, sorted(w["box"][3] - w["box"][1] for w in row)[len(row) // 2])
        piece: list[dict[str, Any]] = []
        for w in row:
            if piece and w["box"][0] - max(p["box"][2] for p in piece) > 2 * h:
                lines.append(_line(piece, spaced if spacing is not None else None))
                piece = []
            piece.append(w)
        lines.append(_line(piece, spaced if spacing is not None else None))
    return lines


def _line(words: list[dict[str, Any]], spaced: dict[int, bool] | None = None) -> Line:
    box = (
        float(min(w["box"][0] for w in words)),
        float(min(w["box"][1] for w in words)),
        float(max(w["box"][2] for w in words)),
        float(max(w["box"][3] for w in words)),
    )
    ws = [
        Word(str(w["text"]).strip(), 0.99, polygon_of(tuple(float(v) for v in w["box"])))  # type: ignore[arg-type]
        for w in words
    ]
    gaps = [spaced[id(w)] for w in words] if spaced is not None else None
    return Line(_join([w.text for w in ws], gaps), 0.99, polygon_of(box), ws)


MERGE_GAP = 1.0  # line heights: runs closer than this along a row are one detected line


def merge_rows(lines: list[Line]) -> list[Line]:
    """Lines of different entities read as one where a text detector would: on one row
    (vertical overlap over half the smaller height), of about one height (within 1.5×), the
    gap between them under `MERGE_GAP` line heights (`姓名:` `张三` → `姓名:张三`,
    `Date:` `3/4/95` → `Date: 3/4/95`). Each entity its own line hands the linker the
    key/value cut that real OCR often does not make."""
    groups: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: (ln.bbox[0], ln.bbox[1])):
        x0, y0, _, y1 = ln.bbox
        h = y1 - y0
        for g in groups:
            last = g[-1]
            lx0, ly0, lx1, ly1 = last.bbox
            lh = ly1 - ly0
            overlap = min(y1, ly1) - max(y0, ly0)
            if overlap <= 0.5 * min(h, lh) or not 2 / 3 <= h / max(lh, 1e-6) <= 1.5:
                continue
            if -0.5 * min(h, lh) <= x0 - lx1 < MERGE_GAP * (h + lh) / 2:
                g.append(ln)
                break
        else:
            groups.append([ln])
    out: list[Line] = []
    for g in groups:
        if len(g) == 1:
            out.append(g[0])
            continue
        box = (
            min(ln.bbox[0] for ln in g),
            min(ln.bbox[1] for ln in g),
            max(ln.bbox[2] for ln in g),
            max(ln.bbox[3] for ln in g),
        )
        words = [w for ln in g for w in ln.words]
        out.append(Line(_join([ln.text for ln in g]), 0.99, polygon_of(box), words))
    return out


def build_document(doc: dict[str, Any], *, merge: bool = False) -> Document:
    """A one-page `Document` from a kv_links document's annotated words (perfect OCR); with
    `merge`, the entities' lines that a detector would read as one are merged
    (`merge_rows`)."""
    lines = [ln for e in doc["entities"] for ln in entity_lines(e)]
    if merge:
        lines = merge_rows(lines)
    lines.sort(key=lambda ln: (ln.bbox[1], ln.bbox[0]))
    page = Page(index=0, width=int(doc["width"]), height=int(doc["height"]), blocks=[Block(lines)])
    return Document(pages=[page], source=str(doc.get("doc", "")))


def _answers(doc: dict[str, Any]) -> tuple[dict[int, dict[str, Any]], dict[int, list[int]]]:
    """A kv_links document's entities by id, and each entity linked to answers with their ids
    in link order."""
    ents = {e["id"]: e for e in doc["entities"]}
    answers: dict[int, list[int]] = {}
    for q, a in doc["links"]:
        if q in ents and a in ents and ents[a].get("label") == "answer":
            answers.setdefault(q, []).append(a)
    return ents, answers


def requested_fields(doc: dict[str, Any]) -> dict[str, str]:
    """{question text: answer text} for the questions printed once (by their text, among
    the questions with answers) that have exactly one linked answer — the rule `funsd/gt.jsonl`'s `fields` follows; questions with
    several answers, or printed more than once, are left out there too. A question without
    text cannot be asked for and is skipped."""
    ents, answers = _answers(doc)
    # a text counts as printed twice only where two of its printings have answers (an
    # empty second printing of `DATE:` does not make the first ambiguous)
    texts = Counter(
        str(e["text"]).strip()
        for e in doc["entities"]
        if e.get("label") == "question" and answers.get(e["id"])
    )
    out: dict[str, str] = {}
    for e in doc["entities"]:
        key = str(e["text"]).strip()
        if e.get("label") != "question" or not key or texts[key] != 1:
            continue
        linked = answers.get(e["id"], [])
        if len(linked) == 1:
            out[key] = str(ents[linked[0]]["text"]).strip()
    return out


def multi_answer(doc: dict[str, Any]) -> int:
    """How many questions have several linked answers (left out of the requested keys, as
    `funsd/gt.jsonl` leaves them out: which answer is the field's is a convention)."""
    ents = {e["id"]: e for e in doc["entities"]}
    n: Counter[int] = Counter(
        q for q, a in doc["links"] if q in ents and ents.get(a, {}).get("label") == "answer"
    )
    return sum(1 for c in n.values() if c > 1)


def split_of(file: str, doc_id: str, ids: list[str], dev_ids: set[str]) -> str:
    """`in_dev`, `read`, `held` or `other` for one document (see the module's doc)."""
    if file == "en_funsd_train" and doc_id in dev_ids:
        return "in_dev"
    if file not in ("en_funsd_train", "zh"):
        return "other"
    pool = sorted(i for i in ids if not (file == "en_funsd_train" and i in dev_ids))
    return "read" if doc_id in set(pool[: len(pool) // 2]) else "held"


def dev_doc_ids(funsd_dir: Path | None) -> set[str]:
    """The doc ids of the FUNSD dev images (`funsd/gt.jsonl` rows with `fields`)."""
    if funsd_dir is None or not (funsd_dir / "gt.jsonl").exists():
        return set()
    ids = set()
    for line in (funsd_dir / "gt.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row.get("fields"):
                ids.add(Path(row["image"]).stem)
    return ids


def score_document(
    doc: dict[str, Any], *, merge: bool = False, one_key: bool = False
) -> list[dict[str, Any]]:
    """Each requested key of one document: truth, answer, exact and similarity (`merge`:
    the document built with `merge_rows`; `one_key`: each key asked alone, as a user asking
    for one field does, instead of all the form's keys in one request)."""
    from promptocr.tasks.extract import extract_fields

    gt = requested_fields(doc)
    if not gt:
        return []
    built = build_document(doc, merge=merge)
    got: Mapping[str, FieldResult | None]
    if one_key:
        got = {k: extract_fields(built, [k], None).get(k) for k in gt}
    else:
        got = extract_fields(built, list(gt), None)
    labels = {
        normalize_value(str(e["text"]))
        for e in doc["entities"]
        if e.get("label") in ("question", "header")
    }
    out = []
    for k, truth in gt.items():
        r = got.get(k)
        pred = r.value if r is not None else None
        t, p = normalize_value(truth), normalize_value(pred)
        f = {
            "key": k,
            "truth": truth,
            "got": pred,
            "exact": pred is not None and p == t,
            "similarity": fuzz.ratio(p, t) / 100.0 if pred is not None else 0.0,
        }
        f["kind"] = loss_kind(f, r, p in labels)
        out.append(f)
    return out


MARK = re.compile(r"[\s☑☒☐□■✓✔√×xX()\[\]<>]*")


def loss_kind(f: dict[str, Any], r: Any, got_is_label: bool) -> str:
    """What kind of loss a scored field is (`ok` when exact): see `LOSS_KINDS`."""
    if f["exact"]:
        return "ok"
    truth, got = str(f["truth"]), f["got"]
    if "<unk>" in truth or MARK.fullmatch(truth) or re.search(r"[☑☒☐□■✓✔√]", truth):
        return "mark"
    if got is None:
        if r is None or r.method != "linker":
            return "no_label"
        if r.raw is not None and r.valid is False:
            return "rejected"
        if (r.reason or "").startswith("the label is printed but no value candidate"):
            return "no_candidate"
        return "null"
    if got_is_label:
        return "label_as_value"
    t, p = normalize_value(truth), normalize_value(got)
    if p and p in t:
        return "too_short"
    if t and t in p:
        return "too_long"
    return "wrong"


LOSS_KINDS = {
    "mark": "a check mark, a box or `<unk>` in the annotation, not returned as annotated (a box "
    "comes back as `☑`/`☐` or as the row of options; `<unk>` never)",
    "no_label": "the key's printed label not found",
    "rejected": "a value found but failing its type's check (an ID number's check digit)",
    "no_candidate": "the label found, no unit holding a value of the key's type",
    "null": "the label found, no value linked with confidence ≥ 0.05",
    "label_as_value": "another printed label (question or header) returned as the value",
    "too_short": "the right value, cut short (lines or pieces of the row missing, a unit cut off)",
    "too_long": "the right value, grown too far (into the next line or field)",
    "wrong": "another value (a neighbour's answer, another column's cell)",
}


def losses(fields: list[dict[str, Any]]) -> dict[str, tuple[int, float]]:
    """(fields, similarity points lost) per loss kind."""
    out: dict[str, tuple[int, float]] = {}
    for f in fields:
        if f["kind"] == "ok":
            continue
        n, lost = out.get(f["kind"], (0, 0.0))
        out[f["kind"]] = (n + 1, lost + 1.0 - f["similarity"])
    return out


def evaluate(
    root: Path,
    *,
    files: Iterable[str] | None = None,
    splits: Iterable[str] = SPLITS,
    funsd_dir: Path | None = None,
    limit: int | None = None,
    merge: bool = False,
    one_key: bool = False,
) -> dict[str, Any]:
    """Score every kv_links file under `root` (or `files`) in the chosen `splits`; rows per
    (file, split) with n, returned, exact and similarity, and every field scored. `merge`:
    the documents built with the runs of one row merged as a detector reads them
    (`merge_rows`), else each entity's lines on their own; `one_key`: each key asked alone."""
    from promptocr.bench.kvlinks import load

    root = Path(root)
    if funsd_dir is None:
        funsd_dir = root.parent / "funsd"
    dev = dev_doc_ids(funsd_dir)
    wanted = set(splits)
    names = list(files) if files else sorted(p.stem for p in root.glob("*.jsonl"))
    rows: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for name in names:
        # the splits are the whole file's (a limit takes the first documents, never
        # changes which half a document is in)
        docs = load(root / f"{name}.jsonl")
        ids = [str(d["doc"]) for d in docs]
        docs = docs[:limit] if limit else docs
        per: dict[str, dict[str, float]] = {}
        for d in docs:
            split = split_of(name, str(d["doc"]), ids, dev)
            if split not in wanted:
                continue
            b = per.setdefault(
                split,
                {"docs": 0, "n": 0, "returned": 0, "exact": 0, "similarity": 0.0, "multi": 0},
            )
            b["docs"] += 1
            b["multi"] += multi_answer(d)
            for f in score_document(d, merge=merge, one_key=one_key):
                b["n"] += 1
                b["returned"] += f["got"] is not None
                b["exact"] += f["exact"]
                b["similarity"] += f["similarity"]
                fields.append({"file": name, "doc": d["doc"], "split": split, **f})
        for split in SPLITS:
            if split in per:
                b = per[split]
                n = int(b["n"])
                rows.append(
                    {
                        "file": name,
                        "split": split,
                        "docs": int(b["docs"]),
                        "n": n,
                        "returned": int(b["returned"]),
                        "exact": round(b["exact"] / n, 4) if n else 0.0,
                        "similarity": round(b["similarity"] / n, 4) if n else 0.0,
                        "multi_answer": int(b["multi"]),
                    }
                )
    return {
        "rows": rows,
        "fields": fields,
        "seconds": round(time.perf_counter() - t0, 1),
        "merge": merge,
        "one_key": one_key,
    }


def annotated_links(doc: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Every entity of a kv_links document linked to answers (the questions), with the texts
    of its answers; the questions with several answers and those printed twice included."""
    ents, answers = _answers(doc)
    return [(str(ents[q]["text"]), [str(ents[a]["text"]) for a in al]) for q, al in answers.items()]


def pair_is_linked(label: str, value: str, links: list[tuple[str, list[str]]]) -> bool:
    """Whether a returned pair is an annotated link (`annotated_links`): some question matches
    its label and one of that question's answers, or all of them joined, matches its value
    (fuzz.ratio ≥ `PAIR_MATCH` on the texts as `bench.fields.normalize_value` makes them,
    colons off the labels). An estimate of precision, not exact either way: an unannotated
    pair counts as wrong though some are right (a form's header with its text), and a value
    near its answer counts as right (`12/08/95` for `12/03/95`)."""
    from rapidfuzz import fuzz

    from promptocr.bench.fields import normalize_value as norm

    lab = norm(label).rstrip(":：")
    val = norm(value)
    for q, answers in links:
        if fuzz.ratio(lab, norm(q).rstrip(":：")) < PAIR_MATCH:
            continue
        said = [norm(a) for a in answers]
        if any(fuzz.ratio(val, a) >= PAIR_MATCH for a in said):
            return True
        if fuzz.ratio(val, "".join(said)) >= PAIR_MATCH:
            return True
    return False


PAIR_MATCH = 80.0  # fuzz.ratio for a returned label / value to be an annotated one


def evaluate_all_pairs(
    root: Path, *, files: Iterable[str] | None = None, limit: int | None = None, merge: bool = False
) -> dict[str, Any]:
    """ "Extract everything" on kv_links forms (no key named): per file, each requested key
    (`requested_fields`) looked up among the returned pairs' labels as `bench.fields` does
    (`answers_among_pairs`), with the pair model's pairs only and with the second pass
    (`extract_all_linked(second_pass=...)`). The second pass was chosen on FUNSD dev; these
    forms were scored after it was."""
    from rapidfuzz import fuzz

    from promptocr.bench.fields import answers_among_pairs, normalize_value
    from promptocr.bench.kvlinks import load
    from promptocr.tasks.extract.linked import extract_all_linked

    names = list(files) if files else sorted(p.stem for p in Path(root).glob("*.jsonl"))
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for name in names:
        docs = load(Path(root) / f"{name}.jsonl")
        docs = docs[:limit] if limit else docs
        n = 0
        tot = {
            m: {"found": 0, "exact": 0, "similarity": 0.0, "pairs": 0, "right": 0}
            for m in ("first", "both")
        }
        for d in docs:
            gt = requested_fields(d)
            if not gt:
                continue
            n += len(gt)
            document = build_document(d, merge=merge)
            links = annotated_links(d)
            for mode, b in tot.items():
                pairs = extract_all_linked(document, second_pass=mode == "both")
                b["pairs"] += len(pairs)
                b["right"] += sum(
                    pair_is_linked(r.label or r.name, r.value or "", links) for r in pairs.values()
                )
                answers, _ = answers_among_pairs(pairs, gt)
                for q, truth in gt.items():
                    got = answers[q]
                    if got is None:
                        continue
                    t, p = normalize_value(truth), normalize_value(got)
                    b["found"] += 1
                    b["exact"] += t == p
                    b["similarity"] += fuzz.ratio(p, t) / 100.0
        row: dict[str, Any] = {"file": name, "docs": len(docs), "n": n}
        for mode, b in tot.items():
            for k in ("found", "exact", "similarity"):
                row[f"{mode}_{k}"] = round(b[k] / n, 4) if n else 0.0
            row[f"{mode}_pairs"] = int(b["pairs"])
            row[f"{mode}_right"] = int(b["right"])
        rows.append(row)
    return {"rows": rows, "seconds": round(time.perf_counter() - t0, 1), "merge": merge}


MODES = ("first", "both")


def all_pairs_markdown(report: dict[str, Any]) -> str:
    """The per-file table of `evaluate_all_pairs`."""
    built = (
        "rows merged as a detector reads them"
        if report.get("merge")
        else "each entity its own lines"
    )
    lines = [
        "### Extract everything on kv_links (perfect OCR, " + built + "; no key named)",
        "",
        "| file | docs | requested keys | key found | exact | similarity | pairs returned "
        "| of them annotated links |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report["rows"]:
        share = [r[f"{m}_right"] / r[f"{m}_pairs"] if r[f"{m}_pairs"] else 0.0 for m in MODES]
        lines.append(
            f"| {r['file']} | {r['docs']} | {r['n']} | {r['first_found']:.3f} → "
            f"**{r['both_found']:.3f}** | {r['first_exact']:.3f} → **{r['both_exact']:.3f}** | "
            f"{r['first_similarity']:.3f} → **{r['both_similarity']:.3f}** | "
            f"{r['first_pairs']} → {r['both_pairs']} | {share[0]:.3f} → **{share[1]:.3f}** |"
        )
    lines += [
        "",
        "Pair model only → with the second pass (the units read as keys that it left alone, "
        "looked up by name). A requested key counts where a returned pair's label matches it "
        "(fuzz.ratio ≥ 80); without one it scores 0. The last column is the share of returned "
        "pairs that are annotated links (`pair_is_linked`: label and value each match an "
        "annotated question and its answer or answers, fuzz.ratio ≥ 80): an estimate of "
        "precision (a form's unannotated pairs count as wrong, a value near its answer as "
        "right).",
    ]
    return "\n".join(lines) + "\n"


SPLIT_NAMES = {
    "in_dev": "in FUNSD dev (read while building)",
    "read": "not in dev, first half (read)",
    "held": "not in dev, second half (held out)",
    "other": "all",
}


def kvfields_markdown(report: dict[str, Any]) -> str:
    """The per-file table of `evaluate`."""
    built = (
        "the runs of one row less than a line height apart merged into one line, as a "
        "detector reads them"
        if report.get("merge")
        else "each entity its own lines"
    )
    lines = [
        "### Requested-key fields on kv_links (perfect OCR: lines built from the annotated "
        f"words, {built}; the questions' texts as keys, "
        f"{'each asked alone' if report.get('one_key') else 'all of a form asked at once'})",
        "",
        "| file | split | docs | n | returned | exact | similarity | multi-answer questions "
        "(not asked) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report["rows"]:
        split = SPLIT_NAMES[r["split"]]
        if r["file"] == "zh" and r["split"] in ("read", "held"):
            split = split.replace("not in dev, ", "")
        lines.append(
            f"| {r['file']} | {split} | {r['docs']} | {r['n']} | {r['returned']} | "
            f"{r['exact']:.3f} | {r['similarity']:.3f} | {r['multi_answer']} |"
        )
    kinds = sorted(
        {(f["file"], f["split"]) for f in report["fields"]},
        key=lambda fs: (fs[0], SPLITS.index(fs[1])),
    )
    if kinds and report.get("losses", True):
        lines += [
            "",
            "Losses by kind (fields, similarity points lost):",
            "",
            "| kind | " + " | ".join(f"{a} {b}" for a, b in kinds) + " |",
            "| --- |" + " ---: |" * len(kinds),
        ]
        per = {
            fs: losses([f for f in report["fields"] if (f["file"], f["split"]) == fs])
            for fs in kinds
        }
        for kind, what in LOSS_KINDS.items():
            cells = [per[fs].get(kind, (0, 0.0)) for fs in kinds]
            if any(n for n, _ in cells):
                lines.append(
                    f"| {what} | " + " | ".join(f"{n} ({lost:.1f})" for n, lost in cells) + " |"
                )
    lines += [
        "",
        "Keys: the questions printed once with exactly one linked answer (the rule of "
        "`funsd/gt.jsonl`'s fields); exact and similarity as `bench.fields` (a missing value "
        "scores 0). Perfect OCR and requested keys: an upper bound on what OCR'd pages give.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - convenience entry point
    import argparse
    import sys

    ap = argparse.ArgumentParser(
        description="Requested-key field extraction on kv_links forms (perfect OCR)"
    )
    ap.add_argument("root", type=Path, help="the kv_links folder (../shared/data/kv_links)")
    ap.add_argument("--files", default="", help="comma-separated file names (default: all)")
    ap.add_argument(
        "--splits",
        default=",".join(SPLITS),
        help="comma-separated splits to score: in_dev, read (first half of the en forms not "
        "in dev and of zh), held (their second halves: score rarely), other (the other "
        "files); default all",
    )
    ap.add_argument(
        "--funsd", type=Path, default=None, help="the FUNSD dev folder (default: ROOT/../funsd)"
    )
    ap.add_argument(
        "--limit",
        type=int,
        default=None,
        help="score the first N documents of each file (the splits stay the whole file's)",
    )
    ap.add_argument(
        "--merge-rows",
        action="store_true",
        help="merge the entities' lines along a row less than a line height apart into one "
        "line, as a text detector reads them (default: each entity its own lines, the "
        "key/value cut given)",
    )
    ap.add_argument(
        "--one-key",
        action="store_true",
        help="ask each key alone (one request per field) instead of all the form's keys in one",
    )
    ap.add_argument("--misses", type=Path, default=None, help="write the non-exact fields here")
    ap.add_argument(
        "--all-pairs",
        action="store_true",
        help='score "extract everything" instead (no key named; each requested key looked up '
        "among the returned labels), with the pair model only and with the second pass, per "
        "file over all its documents",
    )
    ns = ap.parse_args()
    if ns.all_pairs:
        every = evaluate_all_pairs(
            ns.root,
            files=[f for f in ns.files.split(",") if f] or None,
            limit=ns.limit,
            merge=ns.merge_rows,
        )
        sys.stdout.write(all_pairs_markdown(every))
        sys.exit(0)
    rep = evaluate(
        ns.root,
        files=[f for f in ns.files.split(",") if f] or None,
        splits=[s for s in ns.splits.split(",") if s],
        funsd_dir=ns.funsd,
        limit=ns.limit,
        merge=ns.merge_rows,
        one_key=ns.one_key,
    )
    sys.stdout.write(kvfields_markdown(rep))
    if ns.misses:
        ns.misses.write_text(
            "\n".join(json.dumps(f, ensure_ascii=False) for f in rep["fields"]) + "\n", "utf-8"
        )
