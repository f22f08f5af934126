"""Page-parsing benchmark: page Markdown against reference Markdown, two edit distances.

- **Page edit distance** (order-sensitive): both Markdowns are reduced to plain text (Markdown
  and HTML markup, image references, equation numbers (`\tag{1}`) and all whitespace
  removed, HTML entities decoded) and
  compared with the normalised Levenshtein distance (distance / length of the longer text).
  Reading the columns of a page in the wrong order, weaving two articles together or losing
  text all raise it; 0 is perfect.
- **Block edit distance** (like OmniDocBench's matched text metric): both Markdowns are split
  into blocks (paragraphs, headings, captions, tables, formulas: what blank lines separate),
  reduced the same way; neighbouring blocks on either side are joined while the joined text
  matches a block of the other side better (a paragraph split over two columns); then blocks
  are matched one to one greedily by the smallest normalised distance (pairs further apart
  than 0.7 stay unmatched). The score is the sum of the matched pairs'
  Levenshtein distances plus the length of every unmatched block on either side, over the sum
  of the pairs' longer lengths plus the unmatched lengths. Block order does not matter; blocks
  woven together, split or merged do.

`evaluate_parse(source)` runs on the synthetic pages of `promptocr.synth_docs` (`"synthetic"`,
newspapers with 3-5 columns and two-column papers, English and Chinese) or on a `gt.jsonl`
dataset with `table_html` records (PubTabNet: the image is parsed as a page, the reference is
its table). Besides the `parse` Markdown it scores the plain reading-order text of the OCR
result without the layout stage (`Document.text`), the baseline the layout stage must beat.
"""

from __future__ import annotations

import html
import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from promptocr.engines.usage import Usage
from promptocr.errors import InvalidInputError
from promptocr.inputs.loader import PageImage
from promptocr.pipeline import OCRPipeline

MATCH_LIMIT = 0.7  # blocks further apart than this are not a pair

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+", re.M)
_SPACE = re.compile(r"\s+")
_TAG_NO = re.compile(r"\\tag\{[^}]*\}")  # an equation's number is presentation


def plain_text(markdown: str) -> str:
    """Markdown reduced to its characters: no markup, no image references, no whitespace."""
    t = _COMMENT.sub(" ", markdown)
    t = _TAG_NO.sub(" ", t)
    t = _IMAGE.sub(" ", t)
    t = _TAG.sub(" ", t)
    t = html.unescape(t)
    t = _HEADING.sub("", t)
    t = _ITEM.sub("", t)
    t = t.replace("$$", " ").replace("\\", "").replace("*", "")
    return _SPACE.sub("", t)


def blocks(markdown: str) -> list[str]:
    """The Markdown's blocks (separated by blank lines), each reduced by `plain_text`."""
    md = _COMMENT.sub("\n\n", markdown)
    md = re.sub(
        r"\$\$\n(.*?)\n\$\$",
        lambda m: "$$ " + m.group(1).replace("\n", " ") + " $$",
        md,
        flags=re.S,
    )
    out = [plain_text(b) for b in re.split(r"\n\s*\n", md)]
    return [b for b in out if b]


def page_distance(pred: str, ref: str) -> float:
    """Normalised, order-sensitive edit distance of two Markdowns reduced to plain text."""
    a, b = plain_text(pred), plain_text(ref)
    if not a and not b:
        return 0.0
    return float(Levenshtein.normalized_distance(a, b))


def _best(text: str, others: list[str]) -> float:
    return min((float(Levenshtein.normalized_distance(text, o)) for o in others), default=1.0)


def _merge_adjacent(side: list[str], other: list[str]) -> list[str]:
    """Join neighbouring blocks of `side` while the joined text matches some block of `other`
    better than either part does (a paragraph split over two columns, two paragraphs read
    as one), as OmniDocBench's matching does."""
    out = list(side)
    i = 0
    while i < len(out) - 1:
        joined = out[i] + out[i + 1]
        if _best(joined, other) < min(_best(out[i], other), _best(out[i + 1], other)):
            out[i : i + 2] = [joined]
        else:
            i += 1
    return out


def block_distance(pred: str, ref: str) -> float:
    """Matched per-block edit distance (see the module doc)."""
    pa, ra = blocks(pred), blocks(ref)
    if not pa and not ra:
        return 0.0
    pa = _merge_adjacent(pa, ra)
    ra = _merge_adjacent(ra, pa)
    pairs: list[tuple[float, int, int]] = []
    for i, p in enumerate(pa):
        for j, r in enumerate(ra):
            d = float(Levenshtein.normalized_distance(p, r))
            if d <= MATCH_LIMIT:
                pairs.append((d, i, j))
    pairs.sort()
    used_p: set[int] = set()
    used_r: set[int] = set()
    dist = 0
    total = 0
    for _d, i, j in pairs:
        if i in used_p or j in used_r:
            continue
        used_p.add(i)
        used_r.add(j)
        dist += Levenshtein.distance(pa[i], ra[j])
        total += max(len(pa[i]), len(ra[j]))
    for i, p in enumerate(pa):
        if i not in used_p:
            dist += len(p)
            total += len(p)
    for j, r in enumerate(ra):
        if j not in used_r:
            dist += len(r)
            total += len(r)
    return dist / total if total else 0.0


# --------------------------------------------------------------------------------------------


def _png_page(image: Any, name: str, pipe: OCRPipeline) -> list[PageImage]:
    import io

    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return pipe.load(buf.getvalue(), name=name)


def _score_one(
    pipe: OCRPipeline, pages: list[PageImage], reference: str, name: str, kind: str
) -> dict[str, Any]:
    from promptocr.tasks.parse import parse_pages

    usage = Usage()
    t0 = time.perf_counter()
    doc = pipe.read_pages(pages, usage)
    t1 = time.perf_counter()
    baseline = doc.text  # reading order without the layout stage
    result = parse_pages(pipe, pages, doc, usage)
    t2 = time.perf_counter()
    md = result.markdown
    return {
        "name": name,
        "kind": kind,
        "page_ned": round(page_distance(md, reference), 4),
        "block_ned": round(block_distance(md, reference), 4),
        "baseline_page_ned": round(page_distance(baseline, reference), 4),
        "baseline_block_ned": round(block_distance(baseline, reference), 4),
        "tables": md.count("<table"),
        "ref_tables": reference.count("<table"),
        "ocr_ms": round((t1 - t0) * 1000, 1),
        "parse_ms": round((t2 - t1) * 1000, 1),
        "markdown": md,
    }


def evaluate_parse(
    source: str | Path = "synthetic",
    limit: int | None = None,
    pipeline: OCRPipeline | None = None,
    seeds: int = 1,
    first_seed: int = 0,
) -> dict[str, Any]:
    """Parse every page of `source` ("synthetic", "heldout" or a `gt.jsonl` folder with
    `table_html`) and score the Markdown; see the module doc. `seeds` variants of each
    synthetic page are drawn, from seed `first_seed` on."""
    pipe = pipeline or OCRPipeline()
    items: list[dict[str, Any]] = []
    if str(source) in ("synthetic", "heldout"):
        from promptocr import synth_docs, synth_heldout

        held = str(source) == "heldout"
        make = synth_heldout.corpus if held else synth_docs.corpus
        docs = make(seeds=seeds, first=first_seed)
        if limit is not None:
            docs = docs[:limit]
        for d in docs:
            pages = _png_page(d.canvas.image, d.name + ".png", pipe)
            kind = d.name.split("-")[1] if held else d.name.split("-")[0]
            items.append(_score_one(pipe, pages, d.markdown(), d.name, kind))
        label = (
            "held-out synthetic pages (promptocr.synth_heldout)"
            if held
            else "synthetic pages (promptocr.synth_docs)"
        )
    else:
        folder = Path(source)
        gt_path = folder / "gt.jsonl"
        if not gt_path.exists():
            raise InvalidInputError(f"{gt_path} does not exist")
        recs = [json.loads(x) for x in gt_path.read_text(encoding="utf-8").splitlines() if x]
        recs = [r for r in recs if r.get("table_html")]
        if not recs:
            raise InvalidInputError(f"{gt_path} has no records with table_html")
        if limit is not None:
            recs = recs[:limit]
        from promptocr.bench.tables import _upscale

        for r in recs:
            pages = [_upscale(p) for p in pipe.load(folder / r["image"])]
            items.append(_score_one(pipe, pages, r["table_html"], r["image"], "table"))
        label = str(source)
    return {"source": label, "pages": len(items), **_summary(items), "items": items}


def _summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    def mean(key: str, sel: list[dict[str, Any]]) -> float:
        return round(statistics.fmean(i[key] for i in sel), 4) if sel else 0.0

    out: dict[str, Any] = {}
    for key in ("page_ned", "block_ned", "baseline_page_ned", "baseline_block_ned"):
        out[key] = mean(key, items)
    out["max_page_ned"] = max((i["page_ned"] for i in items), default=0.0)
    out["by_kind"] = {
        k: {
            key: mean(key, [i for i in items if i["kind"] == k])
            for key in ("page_ned", "block_ned", "baseline_page_ned")
        }
        for k in sorted({i["kind"] for i in items})
    }
    return out


def parse_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: overall figures, then one row per page."""
    out = [
        f"Page parsing on {report['source']} ({report['pages']} pages): normalised edit distance, "
        "lower is better",
        "",
        "| | page (order-sensitive) | per block (matched) |",
        "| --- | --- | --- |",
        f"| `parse` Markdown | {report['page_ned']:.3f} | {report['block_ned']:.3f} |",
        f"| plain reading order, no layout | {report['baseline_page_ned']:.3f} "
        f"| {report['baseline_block_ned']:.3f} |",
        "",
        "| page | page NED | block NED | baseline page NED | tables (ref) | parse ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for i in report["items"]:
        out.append(
            f"| {Path(i['name']).name} | {i['page_ned']:.3f} | {i['block_ned']:.3f} "
            f"| {i['baseline_page_ned']:.3f} | {i['tables']} ({i['ref_tables']}) "
            f"| {i['parse_ms']:.0f} |"
        )
    return "\n".join(out) + "\n"


def run_cli(args: Any) -> int:
    """`promptocr bench --parse [DATASET_DIR...]`: the synthetic pages, then every dataset
    given (folders with `table_html` records, e.g. PubTabNet); `--limit`, `--output` (Markdown
    report) and `--json` as for the other bench modes."""
    import sys

    sources: list[str | Path] = ["synthetic", "heldout", *args.datasets]
    reports = []
    for src in sources:
        try:
            reports.append(evaluate_parse(src, args.limit))
        except InvalidInputError as exc:
            print(f"promptocr bench: {src}: {exc.message}", file=sys.stderr)
    md = "\n".join(parse_markdown(r) for r in reports)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(md, encoding="utf-8")
    else:
        sys.stdout.write(md)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(reports, ensure_ascii=False, indent=1), "utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m promptocr.bench.parse [synthetic|heldout|DATASET_DIR] [--seeds N]
    [--first-seed K] [--limit N] [--json OUT] [--dump DIR]`."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m promptocr.bench.parse", description=__doc__)
    ap.add_argument("source", nargs="?", default="synthetic")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--seeds", type=int, default=1, help="variants of each synthetic page")
    ap.add_argument("--first-seed", type=int, default=0, help="first variant drawn")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--dump", type=Path, default=None, help="write each page's Markdown here")
    args = ap.parse_args(argv)
    report = evaluate_parse(args.source, args.limit, seeds=args.seeds, first_seed=args.first_seed)
    print(parse_markdown(report), end="")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for i in report["items"]:
            (args.dump / (Path(i["name"]).stem + ".md")).write_text(i["markdown"], "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
