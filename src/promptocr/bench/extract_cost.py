"""What extraction adds to the OCR time of a page (issue 16: "≤ 10%"; a benchmark, not a test).

Each page is read once (`Service.run` with an empty instruction: decode, OCR, nothing else;
timed as the page's OCR time), then the `extract` task runs on the OCR'd document
(`Service.run_on_document`) with two instructions, each timed as the best of `--repeat` runs:

* the page's named keys — a fields dataset's ground-truth field names through
  `bench.fields.prompt_for`, or HunyuanOCR's ten-key IE prompt on the VAT invoices;
* "extract everything" — `提取所有字段` on Chinese pages (the invoices), `extract all
  key-value pairs` on the others.

Sets: folders holding `gt.jsonl` (SROIE, FUNSD: the first `--limit` images with fields) and
`--invoices SEEDS` (the renderer of `bench.invoices`, `--hard` for its hard mode). With
`--cache DIR` each page's document and its OCR time are kept, so a rerun (other extraction
code) times only the extraction against the OCR time measured when the page was first read;
`--json OUT` also writes every page's extracted values, to check that two versions of the
code give the same answers.

`--table N` also times extraction on a drawn goods table of N lines of 8 cells (no OCR: the
linker's worst case, every unit compared with every other).

Run: `python -m promptocr.bench.extract_cost ../shared/data/sroie ../shared/data/funsd
--limit 20 --invoices 27001-27012 --hard --cache /tmp/extract-cost`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

ALL_ZH = "提取所有字段"
ALL_EN = "extract all key-value pairs"


def _best_ms(service: Any, doc: Any, prompt: str, repeat: int) -> tuple[float, Any]:
    """The `extract` task on an OCR'd document: the best time of `repeat` runs, the result."""
    best, out = float("inf"), None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = service.run_on_document(doc, prompt)
        best = min(best, (time.perf_counter() - t0) * 1000.0)
    return best, out


def _pages(
    datasets: list[Path], limit: int | None, seeds: list[int], hard: bool
) -> list[tuple[str, str, Any, str, str]]:
    """(set name, page id, source loader, named-keys prompt, extract-everything prompt)."""
    from promptocr.bench.fields import _load, prompt_for

    out: list[tuple[str, str, Any, str, str]] = []
    for ds in datasets:
        for row in _load(ds, limit):
            path = ds / row["image"]
            out.append(
                (ds.name, row["image"], lambda p=path: p, prompt_for(list(row["fields"])), ALL_EN)
            )
    if seeds:
        from promptocr.bench.invoices import PROMPT, invoice_image

        name = "vat-hard" if hard else "vat"
        for seed in seeds:
            out.append(
                (name, str(seed), lambda s=seed: invoice_image(s, hard=hard)[0], PROMPT, ALL_ZH)
            )
    return out


def _cache_file(cache: Path, set_name: str, page: str, engine: str) -> Path:
    stamp = f"{set_name}:{page}:{engine}"
    return cache / (hashlib.sha256(stamp.encode()).hexdigest()[:24] + ".pkl")


def run(
    datasets: list[Path],
    limit: int | None = None,
    seeds: list[int] | None = None,
    hard: bool = False,
    cache: Path | None = None,
    repeat: int = 3,
    log: Any = None,
) -> dict[str, Any]:
    """Time OCR and extraction on every page; per set the sums, means and shares."""
    from promptocr.bench.invoices import HARD_VERSION, RENDERER_VERSION
    from promptocr.pipeline import OCRPipeline, PageCache
    from promptocr.tasks.service import Service

    # no result cache: a page read twice (the warm-up) is OCR'd twice
    service = Service(OCRPipeline(cache=PageCache(0)), vlm=None)
    engine = repr(service.pipeline.engine.settings) + repr(
        sorted((k, v) for k, v in os.environ.items() if k.startswith("PROMPTOCR_"))
    )
    engine += f":{RENDERER_VERSION}:{HARD_VERSION}"
    rows: list[dict[str, Any]] = []
    pages = _pages(datasets, limit, seeds or [], hard)
    warm = False
    for set_name, page, load, named, everything in pages:
        cf = _cache_file(cache, set_name, page, engine) if cache else None
        if cf is not None and cf.exists():
            doc, ocr_ms = pickle.loads(cf.read_bytes())  # noqa: S301 - our own cache
        else:
            src = load()
            if not warm:  # the first page read loads the models: not a page's OCR time
                service.run(src, "")
                warm = True
            t0 = time.perf_counter()
            doc = service.run(src, "").document
            ocr_ms = (time.perf_counter() - t0) * 1000.0
            if cf is not None:
                cf.parent.mkdir(parents=True, exist_ok=True)
                cf.write_bytes(pickle.dumps((doc, ocr_ms)))
        named_ms, res = _best_ms(service, doc, named, repeat)
        all_ms, res_all = _best_ms(service, doc, everything, repeat)
        row = {
            "set": set_name,
            "page": page,
            "lines": len(doc.lines),
            "ocr_ms": round(ocr_ms, 1),
            "named_ms": round(named_ms, 2),
            "all_ms": round(all_ms, 2),
            "named": res.output.get("fields"),
            "all": res_all.output.get("fields"),
        }
        rows.append(row)
        if log is not None:
            print(
                f"{set_name} {page}: {row['lines']} lines, OCR {ocr_ms:.0f} ms, named keys "
                f"{named_ms:.1f} ms, everything {all_ms:.1f} ms",
                file=log,
            )
    sets: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys(r["set"] for r in rows):
        rs = [r for r in rows if r["set"] == name]
        ocr = sum(r["ocr_ms"] for r in rs)
        sets[name] = {
            "pages": len(rs),
            "ocr_ms_mean": round(ocr / len(rs), 1),
            "named_ms_mean": round(sum(r["named_ms"] for r in rs) / len(rs), 2),
            "all_ms_mean": round(sum(r["all_ms"] for r in rs) / len(rs), 2),
            "named_share": round(sum(r["named_ms"] for r in rs) / ocr, 4) if ocr else 0.0,
            "all_share": round(sum(r["all_ms"] for r in rs) / ocr, 4) if ocr else 0.0,
            "named_share_max": round(max(r["named_ms"] / r["ocr_ms"] for r in rs), 4),
            "all_share_max": round(max(r["all_ms"] / r["ocr_ms"] for r in rs), 4),
        }
    return {"sets": sets, "rows": rows}


def dense_table(rows: int) -> Any:
    """A page of OCR lines (no pixels) holding one goods table of `rows` lines under the
    headers `货物或应税劳务、服务名称 … 金　额 税率 税　额` (8 cells a line) and its `合　计` row:
    the linker's worst case (every unit is compared with every other)."""
    from promptocr.document.model import Block, Document, Line, Page, Word

    def line(text: str, x: float, y: float, h: float = 30.0) -> Line:
        w = sum(h * (0.55 if ch.isascii() else 1.0) for ch in text)
        poly = ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
        return Line(text, 0.95, poly, [Word(text, 0.95, poly)])

    def right(text: str, x1: float, y: float, h: float = 26.0) -> Line:
        return line(text, x1 - sum(h * (0.55 if c.isascii() else 1.0) for c in text), y, h)

    heads = (
        ("货物或应税劳务、服务名称", 40),
        ("规格型号", 460),
        ("单位", 620),
        ("数量", 700),
        ("单价", 800),
        ("金　额", 940),
        ("税率", 1140),
        ("税　额", 1300),
    )
    out = [line(t, x, 100) for t, x in heads]
    total = tax_total = 0.0
    for i in range(rows):
        y = 150 + i * 36
        amount = 100 + (i * 37) % 900 + 0.25
        tax = round(amount * 0.13, 2)
        total, tax_total = total + amount, tax_total + tax
        out += [line(f"*办公用品*复印纸{i}", 40, y, 26), line(f"A{i % 50}", 460, y, 26)]
        out += [line("箱", 620, y, 26), line(str(1 + i % 9), 720, y, 26)]
        out += [line(f"{amount:.2f}", 800, y, 26), right(f"{amount:.2f}", 1060, y)]
        out += [line("13%", 1150, y, 26), right(f"{tax:.2f}", 1440, y)]
    y = 150 + rows * 36 + 10
    out += [line("合", 120, y), line("计", 300, y)]
    out += [right(f"￥{total:.2f}", 1060, y, 30), right(f"￥{tax_total:.2f}", 1440, y, 30)]
    return Document([Page(0, 1600, int(y + 100), [Block(out)])])


def time_table(rows: int, repeat: int = 3) -> dict[str, Any]:
    """Extraction on `dense_table(rows)`: the three column keys and "extract everything"."""
    from promptocr.tasks.service import Service

    service = Service(vlm=None)
    doc = dense_table(rows)
    prompt = "提取图片中的：['金额','税率','税额'] 的字段内容，并按照 JSON 格式返回。"
    named_ms, res = _best_ms(service, doc, prompt, repeat)
    all_ms, _ = _best_ms(service, doc, ALL_ZH, repeat)
    return {
        "rows": rows,
        "lines": len(doc.lines),
        "named_ms": round(named_ms, 1),
        "all_ms": round(all_ms, 1),
        "named": res.output.get("fields"),
    }


def markdown(res: dict[str, Any]) -> str:
    lines = [
        "| set | pages | OCR ms / page | named keys ms | share | worst page | "
        "everything ms | share | worst page |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in res["sets"].items():
        lines.append(
            f"| {name} | {s['pages']} | {s['ocr_ms_mean']:.0f} | {s['named_ms_mean']:.1f} | "
            f"{100 * s['named_share']:.1f}% | {100 * s['named_share_max']:.1f}% | "
            f"{s['all_ms_mean']:.1f} | {100 * s['all_share']:.1f}% | "
            f"{100 * s['all_share_max']:.1f}% |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from promptocr.bench.invoices import _parse_seeds

    ap = argparse.ArgumentParser(
        prog="python -m promptocr.bench.extract_cost",
        description="Extraction time as a share of the OCR time of a page (named keys and "
        "'extract everything').",
    )
    ap.add_argument("datasets", nargs="*", type=Path, help="folders holding gt.jsonl")
    ap.add_argument("--limit", type=int, default=20, help="first N images of each (default 20)")
    ap.add_argument("--invoices", default="", help="VAT invoice seeds, e.g. 27001-27012")
    ap.add_argument("--hard", action="store_true", help="the invoices' hard mode")
    ap.add_argument("--cache", type=Path, default=None, help="folder keeping each page's OCR")
    ap.add_argument("--repeat", type=int, default=3, help="extraction runs per page (best)")
    ap.add_argument("--json", type=Path, default=None, help="write the rows and values here")
    ap.add_argument("--quiet", action="store_true", help="no per-page lines")
    ap.add_argument(
        "--table",
        type=int,
        default=0,
        help="also time extraction on a drawn goods table of this many lines (8 cells each)",
    )
    a = ap.parse_args(argv)
    if a.table:
        t = time_table(a.table, a.repeat)
        print(
            f"table of {t['rows']} goods lines ({t['lines']} OCR lines): the three column keys "
            f"{t['named_ms']:.0f} ms, everything {t['all_ms']:.0f} ms; {t['named']}"
        )
        if not a.datasets and not a.invoices:
            return 0
    seeds = _parse_seeds(a.invoices) if a.invoices else []
    res = run(
        a.datasets, a.limit, seeds, a.hard, a.cache, a.repeat, None if a.quiet else sys.stdout
    )
    sys.stdout.write(markdown(res))
    if a.json:
        a.json.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
