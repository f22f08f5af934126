"""Key-field extraction benchmark: ask for each image's ground-truth field names in a plain
prompt and score the values `extract` returns — the learned linker (default) and, on the same
OCR'd pages, the earlier label rules, side by side.

The prompt is built from the field names alone: simple names ("company", "total") are asked
in plain English ("Extract the company, date, address and total as JSON."); printed labels
("Date:", "R & D COMMENTS:") go in HunyuanOCR's field-list template. Nothing here knows which
dataset it is reading.

Scores, per field name (or pooled when names differ per image, as in forms):
- exact match after whitespace/case normalisation (SROIE task-3 style): precision over
  returned values, recall over ground-truth fields, F1;
- normalised similarity: rapidfuzz `fuzz.ratio` / 100 (1 - normalised Indel distance) and
  1 - normalised Levenshtein distance, with a missing value scoring 0.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

SIMPLE_NAME = re.compile(r"^[A-Za-z][A-Za-z _-]{0,30}$")


def normalize_value(s: str | None) -> str:
    """Case- and whitespace-insensitive form used for exact match and similarity."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s or "")).upper()


def prompt_for(keys: list[str]) -> str:
    """A plain instruction asking for `keys` (generic: depends on the names only)."""
    if all(SIMPLE_NAME.match(k) for k in keys) and len(keys) <= 8:
        names = [k.replace("_", " ") for k in keys]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"Extract the {listed} as JSON."
    return (
        "Extract the content of the fields: "
        + json.dumps(keys, ensure_ascii=False)
        + " from the image and return it in JSON format."
    )


def _load(dataset_dir: Path, limit: int | None) -> list[dict[str, Any]]:
    rows = []
    with (dataset_dir / "gt.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                if row.get("fields"):
                    rows.append(row)
    return rows[:limit] if limit else rows


def _rules_values(doc: Any, keys: list[str], document_type: str | None) -> dict[str, Any]:
    """The same keys extracted from the same OCR'd document by the earlier label rules."""
    import os

    from promptocr.tasks.extract import extract_fields

    old = os.environ.get("PROMPTOCR_EXTRACT")
    os.environ["PROMPTOCR_EXTRACT"] = "rules"
    try:
        return {k: r.value for k, r in extract_fields(doc, keys, document_type).items()}
    finally:
        if old is None:
            os.environ.pop("PROMPTOCR_EXTRACT", None)
        else:
            os.environ["PROMPTOCR_EXTRACT"] = old


def _half(rows: list[dict[str, Any]], half: int | None) -> list[dict[str, Any]]:
    """The first (1) or second (2) half of the images by sorted file name (a fixed split, so
    that one half can be read while developing and the other kept for an estimate)."""
    if not half:
        return rows
    names = sorted(r["image"] for r in rows)
    first = set(names[: len(names) // 2])
    return [r for r in rows if (r["image"] in first) == (half == 1)]


def _cached_ocr(cache: Path | None, dataset_dir: Path, image: str, engine: str = "") -> Path | None:
    """Where an image's OCR'd document is kept: keyed by the file (path, time, size) and the
    engine's settings (`engine`), so a run with other settings never reads another's OCR."""
    if cache is None:
        return None
    import hashlib

    src = dataset_dir / image
    stamp = f"{src.resolve()}:{src.stat().st_mtime_ns}:{src.stat().st_size}:{engine}"
    return cache / (hashlib.sha256(stamp.encode()).hexdigest()[:24] + ".pkl")


def _engine() -> tuple[Any, str]:
    """The service the benchmarks read with, and the key its OCR'd documents are cached under
    (the engine's settings and the PROMPTOCR_ environment)."""
    from promptocr.pipeline import OCRPipeline
    from promptocr.tasks.service import Service

    service = Service(OCRPipeline())
    engine_key = repr(service.pipeline.engine.settings) + repr(
        sorted((k, v) for k, v in os.environ.items() if k.startswith("PROMPTOCR_"))
    )
    return service, engine_key


def _ocr_document(
    service: Any, engine_key: str, ocr_cache: Path | None, dataset_dir: Path, row: dict[str, Any]
) -> tuple[Any, str | None, bool]:
    """An image's OCR'd document and document type, read back from `ocr_cache` when it holds
    them (and whether it did), else read by the service with the fields' prompt (and kept
    there). Raises PromptOCRError for an image the service refuses."""
    import pickle

    cached = _cached_ocr(ocr_cache, dataset_dir, row["image"], engine_key)
    hit = cached is not None and cached.exists()
    if cached is not None and hit:
        document, dt = pickle.loads(cached.read_bytes())  # noqa: S301 - our own cache
    else:
        # the OCR is kept as read: the plan's `checkboxes` stage runs below, on every read,
        # so a cached page always gets the stage as the code now has it
        planned = service.plan(prompt_for(list(row["fields"])))
        planned.set_stage("checkboxes", False, "run by the benchmark after the cache")
        result = service.run(dataset_dir / row["image"], "", planned=planned)
        document, dt = result.document, result.output.get("document_type")
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(pickle.dumps((document, dt)))
    _mark_boxes(service, document, dataset_dir / row["image"])
    return document, dt, hit


def _mark_boxes(service: Any, document: Any, path: Path) -> None:
    """The `checkboxes` stage of the extract plan (engines/checkboxes.py) on each read page,
    with the file's own pixels."""
    from contextlib import closing

    from promptocr.engines.checkboxes import mark_page
    from promptocr.engines.usage import Usage
    from promptocr.pipeline import ReadOptions

    pages = {p.index: p for p in document.pages}
    usage = Usage()
    with closing(
        service.pipeline.iter_decoded(service.pipeline.open(path, ReadOptions()), usage)
    ) as it:
        for image in it:
            if image.index in pages:
                mark_page(pages[image.index], image.image, usage)


def evaluate_fields(
    dataset_dir: Path,
    limit: int | None = None,
    *,
    ocr_cache: Path | None = None,
    half: int | None = None,
) -> dict[str, Any]:
    """Run the `extract` task on every image of `dataset_dir/gt.jsonl` that has `fields`; score
    the linker (the service's default) and, on the same OCR'd pages, the earlier rules.

    `ocr_cache` (a folder, for iterating on extraction only): each image's OCR'd document is
    kept there (pickled, keyed by the image's path, size and time and the engine's settings)
    and read back on later runs,
    so only extraction runs again; times then cover extraction alone. `half` (1 or 2): score
    only that half of the images by sorted file name."""
    from promptocr.errors import PromptOCRError
    from promptocr.tasks.extract import extract_fields

    dataset_dir = Path(dataset_dir)
    rows = _half(_load(dataset_dir, limit), half)
    service, engine_key = _engine()
    name_counts = Counter(k for r in rows for k in r["fields"])
    shared = {k for k, n in name_counts.items() if n >= max(2, len(rows) // 2)}
    per: dict[str, dict[str, float]] = {}
    per_rules: dict[str, dict[str, float]] = {}
    samples: list[dict[str, Any]] = []
    times: list[float] = []
    extract_ms: list[float] = []
    errors: list[str] = []
    scored: list[tuple[float, bool]] = []  # (confidence, exact) of each returned value
    from_cache = 0

    def bucket(name: str, table: dict[str, dict[str, float]]) -> dict[str, float]:
        key = name if name in shared else "(per-form labels)"
        return table.setdefault(
            key, {"n": 0, "predicted": 0, "correct": 0, "indel": 0.0, "levenshtein": 0.0}
        )

    for row in rows:
        gt: dict[str, str] = row["fields"]
        keys = list(gt)
        t0 = time.perf_counter()
        rules: dict[str, Any] = {}
        try:
            document, dt, hit = _ocr_document(service, engine_key, ocr_cache, dataset_dir, row)
            from_cache += hit
            times.append((time.perf_counter() - t0) * 1000.0)
            t1 = time.perf_counter()
            # the linker again on its own (timed: extraction's share of the OCR time), with the
            # same key list as the rules below, so that the two compare on equal terms
            linked = extract_fields(document, keys, dt)
            extract_ms.append((time.perf_counter() - t1) * 1000.0)
            values = {k: r.value for k, r in linked.items()}
            confs = {k: r.confidence for k, r in linked.items()}
            rules = _rules_values(document, keys, dt)
        except PromptOCRError as exc:
            errors.append(f"{row['image']}: {exc}")
            values, confs = {}, {}
        for k, truth in gt.items():
            pr = rules.get(k)
            br = bucket(k, per_rules)
            br["n"] += 1
            tr, pp = normalize_value(truth), normalize_value(pr)
            if pr is not None:
                br["predicted"] += 1
                br["correct"] += pp == tr
                br["indel"] += fuzz.ratio(pp, tr) / 100.0
                br["levenshtein"] += Levenshtein.normalized_similarity(pp, tr)
        for k, truth in gt.items():
            pred = values.get(k)
            b = bucket(k, per)
            b["n"] += 1
            t, p = normalize_value(truth), normalize_value(pred)
            if pred is not None:
                b["predicted"] += 1
            ok = pred is not None and p == t
            b["correct"] += ok
            if pred is not None and confs.get(k) is not None:
                scored.append((float(confs[k] or 0.0), ok))
            if pred is not None:
                b["indel"] += fuzz.ratio(p, t) / 100.0
                b["levenshtein"] += Levenshtein.normalized_similarity(p, t)
            if not ok and len(samples) < 40:
                samples.append({"image": row["image"], "field": k, "truth": truth, "got": pred})

    def summary(b: dict[str, float]) -> dict[str, float]:
        n, pr, c = b["n"], b["predicted"], b["correct"]
        precision = c / pr if pr else 0.0
        recall = c / n if n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "fields": int(n),
            "returned": int(pr),
            "exact": round(recall, 4),
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "similarity": round(b["indel"] / n, 4) if n else 0.0,
            "levenshtein_similarity": round(b["levenshtein"] / n, 4) if n else 0.0,
        }

    def pooled(table: dict[str, dict[str, float]]) -> dict[str, float]:
        total = {"n": 0.0, "predicted": 0.0, "correct": 0.0, "indel": 0.0, "levenshtein": 0.0}
        for b in table.values():
            for k in total:
                total[k] += b[k]
        return total

    ocr_ms = [t - e for t, e in zip(times, extract_ms, strict=False)]
    return {
        "dataset": dataset_dir.name,
        "images": len(rows),
        "prompt_example": prompt_for(list(rows[0]["fields"])) if rows else "",
        "per_field": {k: summary(b) for k, b in sorted(per.items())},
        "overall": summary(pooled(per)),
        "rules_per_field": {k: summary(b) for k, b in sorted(per_rules.items())},
        "rules_overall": summary(pooled(per_rules)),
        "extract_ms_per_image": round(statistics.mean(extract_ms), 1) if extract_ms else 0.0,
        "extract_share_of_ocr": round(sum(extract_ms) / sum(ocr_ms), 4) if sum(ocr_ms) > 0 else 0.0,
        "ms_per_image": round(statistics.mean(times), 1) if times else 0.0,
        "ocr_from_cache": from_cache,
        "confidence": confidence_report(scored),
        "errors": errors,
        "misses_sample": samples,
    }


CONFIDENCE_BINS = (0.0, 0.5, 0.8, 0.9, 0.95, 1.0)


def confidence_report(scored: Sequence[tuple[float, bool]]) -> dict[str, Any]:
    """How well the returned values' `confidence` tells right values from wrong: per bin of
    `CONFIDENCE_BINS` the values and the share exact; the ROC area of confidence for "exact"
    (0.5: no better than chance); the expected calibration error (the bins' gap between mean
    confidence and share exact, weighted by their size)."""
    bins = []
    ece = 0.0
    edges = list(zip(CONFIDENCE_BINS, CONFIDENCE_BINS[1:], strict=False))
    for i, (lo, hi) in enumerate(edges):
        last = i == len(edges) - 1
        inside = [(c, ok) for c, ok in scored if lo <= c < hi or (last and c == hi)]
        if not inside:
            continue
        mean = statistics.mean(c for c, _ in inside)
        share = sum(ok for _, ok in inside) / len(inside)
        ece += len(inside) / len(scored) * abs(mean - share)
        bins.append(
            {
                "from": lo,
                "to": hi,
                "n": len(inside),
                "confidence": round(mean, 3),
                "exact": round(share, 3),
            }
        )
    right = [c for c, ok in scored if ok]
    wrong = [c for c, ok in scored if not ok]
    auc = None
    if right and wrong:
        wins = sum((r > w) + 0.5 * (r == w) for r in right for w in wrong)
        auc = round(wins / (len(right) * len(wrong)), 3)
    return {
        "values": len(scored),
        "bins": bins,
        "auc": auc,
        "ece": round(ece, 3) if scored else None,
    }


# a printed pair's label matches an annotated question at this `fuzz.ratio` of the normalised
# texts (the label as the linker reports it, without its colon)
ALL_KEY_MATCH = 80.0


def answers_among_pairs(
    pairs: dict[str, Any], gt: dict[str, str]
) -> tuple[dict[str, str | None], int]:
    """Each annotated question's answer among "extract everything"'s `pairs` (results by
    name): the value of the pair whose printed label matches the question best, at least
    `ALL_KEY_MATCH` (else None); and how many pairs are on an annotated question."""
    labels = [normalize_value(r.label or name).rstrip(":：") for name, r in pairs.items()]
    values = [r.value for r in pairs.values()]
    questions = {q: normalize_value(q).rstrip(":：") for q in gt}
    on = sum(
        1
        for lab in labels
        if any(fuzz.ratio(lab, qn) >= ALL_KEY_MATCH for qn in questions.values())
    )
    out: dict[str, str | None] = {}
    for q, qn in questions.items():
        scores = [fuzz.ratio(lab, qn) for lab in labels]
        best = max(range(len(scores)), key=scores.__getitem__, default=-1)
        out[q] = values[best] if best >= 0 and scores[best] >= ALL_KEY_MATCH else None
    return out, on


def evaluate_all_pairs(
    dataset_dir: Path,
    limit: int | None = None,
    *,
    ocr_cache: Path | None = None,
    half: int | None = None,
) -> dict[str, Any]:
    """ "Extract everything" on OCR'd pages: the prompt names no key, the linker decides what is
    a key (`extract_all_pairs`). Per annotated field (question -> answer of `gt.jsonl`), the
    returned pair whose label matches the question best (at least `ALL_KEY_MATCH`) gives the
    value; exact and similarity as `evaluate_fields` (no pair: 0). Also counts the pairs
    returned and how many of them are on an annotated question: the rest are not all wrong
    (a form's annotated fields are only the questions with exactly one answer), so that share
    is no precision. The OCR'd documents are `evaluate_fields`'s (`ocr_cache` shared)."""
    from promptocr.errors import PromptOCRError
    from promptocr.tasks.extract import extract_all_pairs

    dataset_dir = Path(dataset_dir)
    rows = _half(_load(dataset_dir, limit), half)
    service, engine_key = _engine()
    n = found = exact = 0
    sim = 0.0
    returned = on_question = 0
    misses: list[dict[str, Any]] = []
    errors: list[str] = []
    for row in rows:
        gt: dict[str, str] = row["fields"]
        try:
            document, _, _ = _ocr_document(service, engine_key, ocr_cache, dataset_dir, row)
        except PromptOCRError as exc:  # the image's fields score 0, the run goes on
            errors.append(f"{row['image']}: {exc}")
            n += len(gt)
            continue
        pairs = extract_all_pairs(document)
        returned += len(pairs)
        answers, on = answers_among_pairs(pairs, gt)
        on_question += on
        for q, truth in gt.items():
            n += 1
            got = answers[q]
            t, p = normalize_value(truth), normalize_value(got)
            if got is not None:
                found += 1
                sim += fuzz.ratio(p, t) / 100.0
            ok = got is not None and p == t
            exact += ok
            if not ok and len(misses) < 40:
                misses.append({"image": row["image"], "field": q, "truth": truth, "got": got})
    return {
        "dataset": dataset_dir.name,
        "images": len(rows),
        "fields": n,
        "key_found": round(found / n, 4) if n else 0.0,
        "exact": round(exact / n, 4) if n else 0.0,
        "similarity": round(sim / n, 4) if n else 0.0,
        "pairs_returned": returned,
        "pairs_on_a_question": on_question,
        "errors": errors,
        "misses_sample": misses,
    }


def all_pairs_markdown(report: dict[str, Any]) -> str:
    """A Markdown line block for one `evaluate_all_pairs` report."""
    return (
        f"### Extract everything: {report['dataset']} ({report['images']} images, "
        f"{report['fields']} annotated fields)\n\n"
        "| key found | exact | similarity | pairs returned | of them on an annotated question |\n"
        "| ---: | ---: | ---: | ---: | ---: |\n"
        f"| {report['key_found']:.3f} | {report['exact']:.3f} | {report['similarity']:.3f} | "
        f"{report['pairs_returned']} | {report['pairs_on_a_question']} |\n\n"
        "No key named in the prompt: the linker decides what is a key. A field counts where a "
        f"returned pair's label matches its question (fuzz.ratio >= {ALL_KEY_MATCH:.0f}); exact "
        "and similarity as above, a field without such a pair scoring 0.\n"
    )


def fields_markdown(report: dict[str, Any]) -> str:
    """A Markdown section for one `evaluate_fields` report."""
    lines = [
        f"### Key fields: {report['dataset']} ({report['images']} images)",
        "",
        f"Prompt, e.g.: `{report['prompt_example'][:160]}`",
        "",
        "| field | method | n | returned | exact (recall) | precision | F1 | similarity | "
        "Levenshtein sim. |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rules = report.get("rules_per_field", {})
    rows = list(report["per_field"].items()) + [("**overall**", report["overall"])]
    for name, s in rows:
        r = report.get("rules_overall") if name == "**overall**" else rules.get(name)
        for method, x in (("rules", r), ("linker", s)):
            if x is None:
                continue
            lines.append(
                f"| {name} | {method} | {x['fields']} | {x['returned']} | {x['exact']:.3f} | "
                f"{x['precision']:.3f} | {x['f1']:.3f} | {x['similarity']:.3f} | "
                f"{x['levenshtein_similarity']:.3f} |"
            )
    lines += [
        "",
        "`rules`: the earlier label rules (PROMPTOCR_EXTRACT=rules) on the same OCR'd pages; "
        "`linker`: the learned key→value linker (the default).",
        (
            f"Mean time per image (OCR + extraction, CPU): {report['ms_per_image']:.0f} ms; "
            f"extraction alone {report.get('extract_ms_per_image', 0):.1f} ms, "
            f"{100 * report.get('extract_share_of_ocr', 0):.1f}% of the OCR time."
            if not report.get("ocr_from_cache")
            else f"OCR read back from --ocr-cache for {report['ocr_from_cache']} of "
            f"{report.get('images', '?')} images (times are not OCR times); extraction "
            f"{report.get('extract_ms_per_image', 0):.1f} ms per image."
        ),
        "Exact = value equal to the ground truth after removing whitespace and upper-casing; "
        "similarity = rapidfuzz `fuzz.ratio`/100 (normalised Indel similarity); Levenshtein "
        "sim. = 1 - normalised Levenshtein distance (a missing value scores 0 in both).",
    ]
    conf = report.get("confidence") or {}
    if conf.get("bins"):
        lines += [
            "",
            f"Confidence of the returned values ({conf['values']}; every method): ROC area for "
            f"exact {conf['auc']}, expected calibration error {conf['ece']}.",
            "",
            "| confidence | values | mean confidence | exact |",
            "| --- | ---: | ---: | ---: |",
        ]
        for b in conf["bins"]:
            lines.append(
                f"| {b['from']:.2f}–{b['to']:.2f} | {b['n']} | {b['confidence']:.3f} | "
                f"{b['exact']:.3f} |"
            )
    if report.get("errors"):
        lines += ["", f"Errors: {len(report['errors'])} (first: {report['errors'][0]})."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - convenience entry point
    import argparse
    import sys

    ap = argparse.ArgumentParser(description="Key-field extraction benchmark")
    ap.add_argument("datasets", nargs="+", type=Path, help="folders holding gt.jsonl")
    ap.add_argument("--limit", type=int, default=None, help="first N images of each")
    ap.add_argument("--misses", action="store_true", help="also print a sample of misses")
    ap.add_argument(
        "--ocr-cache",
        type=Path,
        default=None,
        help="folder keeping each image's OCR'd document between runs (extraction only reruns)",
    )
    ap.add_argument(
        "--half", type=int, choices=(1, 2), default=None, help="first or second half by file name"
    )
    ap.add_argument(
        "--all-pairs",
        action="store_true",
        help='also score "extract everything" (no key named) against the annotated fields '
        "(with --ocr-cache each page is read once for both scores, without it twice)",
    )
    ns = ap.parse_args()
    for ds in ns.datasets:
        if ns.all_pairs:
            every = evaluate_all_pairs(ds, ns.limit, ocr_cache=ns.ocr_cache, half=ns.half)
            sys.stdout.write(all_pairs_markdown(every) + "\n")
            if ns.misses:
                for m in every["misses_sample"]:
                    sys.stdout.write(json.dumps(m, ensure_ascii=False) + "\n")
        rep = evaluate_fields(ds, ns.limit, ocr_cache=ns.ocr_cache, half=ns.half)
        sys.stdout.write(fields_markdown(rep) + "\n")
        if ns.misses:
            for m in rep["misses_sample"]:
                sys.stdout.write(json.dumps(m, ensure_ascii=False) + "\n")
