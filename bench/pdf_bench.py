"""PDF benchmarks for docs/benchmarks.md: born-digital PDFs read from their text layer, and the
OCRmyPDF plugin beside OCRmyPDF + Tesseract. Documents are generated here (known text).

    PYTHONPATH=src .venv/bin/python bench/pdf_bench.py digital [--pages 100] [--ocr-pages 10]
    PYTHONPATH=src .venv/bin/python bench/pdf_bench.py ocrmypdf [--pages 10] [--rounds 2]
    PYTHONPATH=src .venv/bin/python bench/pdf_bench.py throughput [--pages 50] [--rounds 2]
    PYTHONPATH=src .venv/bin/python bench/pdf_bench.py receipts [--count 100] [--sroie DIR]
    PYTHONPATH=src .venv/bin/python bench/pdf_bench.py chunks [--pages 50] [--chunk 5]

`digital`: a born-digital PDF (Helvetica, 40 lines a page) read with `--text-source auto`
(every page) and with full OCR (`ocr`, the first `--ocr-pages` pages: OCR time per page is
flat on these pages), interleaved (a share of the auto pages, one OCR page, ...); compares
seconds per page and checks that the text equals the layer's.
`ocrmypdf`: a scanned PDF (A4 at 150 dpi, 24 lines a page) through `ocrmypdf --plugin
promptocr.ocrmypdf` and plain `ocrmypdf` (Tesseract), alternating, each in its own process;
reports wall seconds, the character error rate of the extracted text against the truth, and
word/character bag F1 (order-free). `--funsd ../shared/data/funsd` uses real form scans (their
gt.jsonl text; CER is then also affected by reading order) instead of generated pages.
`throughput`: pages a minute on a generated 50-page scan for `promptocr read` (two pages at
once, and `--streams 1` page by page), RapidOCR in its fastest configuration page by page, and
with `--ocrmypdf` OCRmyPDF with Tesseract (OMP_THREAD_LIMIT=1) and with the plugin, each run
as its own process (start-up included), interleaved round by round; `x_anchor` is each run's
speed over the anchor's run of the same round. `receipts`: the same over 100 receipt images
(`promptocr batch`, `promptocr read FILES` two at once and `--streams 1`, the anchor page by
page). `chunks`: the 50-page
scan in chunks of 5 pages, the engines taking turns chunk by chunk in one process (start-up
left out), for ratios that hold under a changing load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from rapidfuzz.distance import Levenshtein

from promptocr import synth

ROOT = Path(__file__).resolve().parents[1]
WORDS = [
    "invoice",
    "total",
    "amount",
    "paid",
    "section",
    "report",
    "table",
    "value",
    "number",
    "date",
    "account",
    "customer",
    "order",
    "delivery",
    "address",
    "payment",
    "terms",
    "balance",
    "credit",
    "period",
    "tax",
    "rate",
    "net",
    "gross",
    "item",
    "quantity",
    "price",
    "unit",
    "service",
    "contract",
    "signed",
    "office",
    "street",
    "city",
    "country",
    "reference",
]


def norm(text: str) -> str:
    return " ".join(text.split())


def cer(got: str, want: str) -> float:
    return float(Levenshtein.normalized_distance(norm(got), norm(want)))


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    words[rng.randrange(n)] = f"{rng.randint(1, 9999)}.{rng.randint(0, 99):02d}"
    return " ".join(words).capitalize()


def digital_pdf(pages: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    out = []
    for k in range(pages):
        texts = [(56, 56 + 17 * i, 10, sentence(rng, 12)) for i in range(40)]
        texts[0] = (56, 40, 14, f"Report page {k + 1}")
        out.append(synth.PdfPage(texts=texts))
    return synth.write_pdf(out)


def scanned_pdf(pages: int, seed: int = 11) -> tuple[bytes, list[str]]:
    rng = random.Random(seed)
    images, truth = [], []
    for _ in range(pages):
        canvas = synth.Canvas(1240, 1754)
        lines = [sentence(rng, 7) for _ in range(24)]
        for i, line in enumerate(lines):
            canvas.text((110, 120 + 62 * i), line, size=26)
        images.append(canvas.image)
        truth.append(" ".join(lines))
    return synth.pdf_from_images(images, dpi=150), truth


def pdf_texts(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    try:
        return [str(page.get_textpage().get_text_range()) for page in pdf]
    finally:
        pdf.close()


def bench_digital(args: argparse.Namespace) -> dict[str, Any]:
    """Interleaved: a tenth of the `auto` pages, one `ocr` page, the next tenth, ... so both
    are timed under the same load (the machine may be shared)."""
    from promptocr.document.model import Document
    from promptocr.engines.embedded import EngineSettings
    from promptocr.engines.usage import Usage
    from promptocr.pipeline import OCRPipeline, PageCache, ReadOptions

    data = digital_pdf(args.pages)
    pipeline = OCRPipeline(cache=PageCache(0))
    pipeline.engine.warm_up()
    auto, ocr = EngineSettings(text_source="auto"), EngineSettings(text_source="ocr")
    pipeline.read(data, ReadOptions(pages="1"), auto)  # warm
    pipeline.read(data, ReadOptions(pages="1"), ocr)
    rounds = args.ocr_pages
    size = -(-args.pages // rounds)
    doc, ocr_doc = Document([]), Document([])
    usage, ocr_usage = Usage(), Usage()
    auto_s = ocr_s = 0.0
    for k in range(rounds):
        lo, hi = k * size + 1, min(args.pages, (k + 1) * size)
        if lo <= hi:
            t0 = time.perf_counter()
            part, _ = pipeline.read(data, ReadOptions(pages=f"{lo}-{hi}"), auto, usage=usage)
            auto_s += time.perf_counter() - t0
            doc.pages += part.pages
        t0 = time.perf_counter()
        part, _ = pipeline.read(data, ReadOptions(pages=str(k + 1)), ocr, usage=ocr_usage)
        ocr_s += time.perf_counter() - t0
        ocr_doc.pages += part.pages
    layer = pdf_texts(data)
    equal = sum(norm(p.text) == norm(layer[p.index]) for p in doc.pages)
    from_layer = sum(all(ln.origin == "pdf_text" for ln in p.lines) for p in doc.pages)
    ocr_cer = statistics.mean(cer(p.text, layer[p.index]) for p in ocr_doc.pages)
    per_auto = auto_s / args.pages
    per_ocr = ocr_s / args.ocr_pages
    return {
        "pages": args.pages,
        "auto_s": round(auto_s, 2),
        "auto_s_per_page": round(per_auto, 4),
        "ocr_pages_timed": args.ocr_pages,
        "ocr_s_per_page": round(per_ocr, 3),
        "ocr_s_100_pages_est": round(per_ocr * args.pages, 1),
        "ratio": round(per_auto / per_ocr, 4),
        "pages_equal_to_layer": equal,
        "pages_from_layer": from_layer,
        "ocr_cer_vs_layer": round(ocr_cer, 4),
        "auto_stages_ms_per_page": {
            k: round(v / args.pages, 1) for k, v in usage.stages_ms.items()
        },
        "ocr_stages_ms_per_page": {
            k: round(v / args.ocr_pages) for k, v in ocr_usage.stages_ms.items()
        },
    }


def run_ocrmypdf(src: Path, dst: Path, plugin: bool, jobs: int) -> float:
    cmd = [sys.executable, "-m", "ocrmypdf", "-j", str(jobs), "--output-type", "pdf"]
    if plugin:
        cmd += ["--plugin", "promptocr.ocrmypdf"]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OMP_THREAD_LIMIT="1")
    t0 = time.perf_counter()
    run = subprocess.run([*cmd, str(src), str(dst)], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if run.returncode != 0:
        raise SystemExit(f"ocrmypdf failed: {run.stderr[-2000:]}")
    return wall


def funsd_pdf(root: Path, pages: int) -> tuple[bytes, list[str]]:
    """The first `pages` FUNSD form scans (gt.jsonl order) as a scanned PDF at 100 dpi."""
    from PIL import Image

    rows = [json.loads(line) for line in (root / "gt.jsonl").open(encoding="utf-8")][:pages]
    images = [Image.open(root / row["image"]).convert("RGB") for row in rows]
    truth = [" ".join(ln["text"] for ln in row["lines"]) for row in rows]
    return synth.pdf_from_images(images, dpi=100), truth


def bag_f1(texts: list[str], truth: list[str]) -> dict[str, float]:
    from promptocr.bench.metrics import Counts, bag_counts, char_bag, word_bag

    words, chars = Counts(), Counts()
    for got, want in zip(texts, truth, strict=True):
        words += bag_counts(word_bag([got]), word_bag([want]))
        chars += bag_counts(char_bag([got]), char_bag([want]))
    return {"word_bag_f1": round(words.f1, 4), "char_bag_f1": round(chars.f1, 4)}


def bench_ocrmypdf(args: argparse.Namespace) -> dict[str, Any]:
    if args.funsd:
        data, truth = funsd_pdf(Path(args.funsd), args.pages)
    else:
        data, truth = scanned_pdf(args.pages)
    out: dict[str, Any] = {
        "document": f"FUNSD {args.funsd}" if args.funsd else "generated",
        "pages": args.pages,
        "jobs": args.jobs,
    }
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "scan.pdf"
        src.write_bytes(data)
        times: dict[str, list[float]] = {"promptocr": [], "tesseract": []}
        cers: dict[str, float] = {}
        bags: dict[str, dict[str, float]] = {}
        for _ in range(args.rounds):
            for name in ("promptocr", "tesseract"):
                dst = Path(tmp) / f"{name}.pdf"
                times[name].append(run_ocrmypdf(src, dst, name == "promptocr", args.jobs))
                texts = pdf_texts(dst.read_bytes())
                cers[name] = statistics.mean(cer(t, w) for t, w in zip(texts, truth, strict=True))
                bags[name] = bag_f1(texts, truth)
        for name in times:
            out[name] = {
                "wall_s": [round(t, 2) for t in times[name]],
                "median_s": round(statistics.median(times[name]), 2),
                "pages_per_min": round(60 * args.pages / statistics.median(times[name]), 1),
                "cer": round(cers[name], 4),
                **bags[name],
            }
    return out


RAPIDOCR_SCRIPT = """
import json, sys, time
import numpy as np
import pypdfium2 as pdfium
from rapidocr import RapidOCR
from promptocr.bench.worker import rapidocr_openvino_params  # the bench's `rapidocr-openvino`
engine = RapidOCR(params=rapidocr_openvino_params())
pdf = pdfium.PdfDocument(sys.argv[1])
texts = []
for i in range(len(pdf)):
    page = pdf[i]
    img = np.asarray(page.render(scale=float(sys.argv[2]) / 72).to_pil().convert("RGB"))
    res = engine(img[:, :, ::-1].copy(), use_cls=False)
    texts.append(" ".join(res.txts or []))
json.dump(texts, sys.stdout)
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if run.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed: {run.stderr[-2000:]}")
    return wall, run.stdout


def _read_cmd(extra: list[str], files: list[str]) -> list[str]:
    return [sys.executable, "-m", "promptocr.cli.main", "read", "-q", "--format", "text",
            "--text-source", "ocr", *extra, *files]  # fmt: skip


def _interleaved(
    variants: dict[str, Any], rounds: int, parse: Any, env: dict[str, str]
) -> dict[str, list[tuple[float, list[str]]]]:
    """Run every variant once per round, in turn (A B C A B C ...), so that a changing load
    falls on all of them alike. A variant is a command line or a callable returning one."""
    runs: dict[str, list[tuple[float, list[str]]]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, cmd in variants.items():
            wall, out = timed(cmd() if callable(cmd) else cmd, env)
            runs[name].append((wall, parse(name, out)))
            print(f"{name}: {wall:.1f} s", file=sys.stderr, flush=True)
    return runs


def _summary(
    runs: dict[str, list[tuple[float, list[str]]]], n: int, truth: list[str] | None, anchor: str
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, rs in runs.items():
        walls = [w for w, _ in rs]
        row: dict[str, Any] = {
            "wall_s": [round(w, 1) for w in walls],
            "pages_per_min": round(60 * n / statistics.median(walls), 1),
        }
        # per round, against the anchor's run of the same round (back to back)
        row["x_anchor"] = [round(a / w, 2) for (w, _), (a, _) in zip(rs, runs[anchor], strict=True)]
        if truth is not None:
            texts = rs[-1][1]
            row["cer"] = round(
                statistics.mean(cer(t, w) for t, w in zip(texts, truth, strict=True)), 4
            )
        out[name] = row
    return out


ANCHOR = "RapidOCR (OpenVINO, no cls, det 960 max), page by page"


def bench_throughput(args: argparse.Namespace) -> dict[str, Any]:
    """Pages a minute on one scanned PDF, each engine in its own process (start-up included),
    the engines interleaved round by round."""
    data, truth = scanned_pdf(args.pages)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OMP_THREAD_LIMIT="1")
    out: dict[str, Any] = {"pages": args.pages, "dpi": 150, "rounds": args.rounds}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "scan.pdf"
        src.write_bytes(data)
        f = [str(src)]
        variants: dict[str, Any] = {
            "promptocr read (two pages at once, the default for a multi-page file)": _read_cmd(
                ["--dpi", "150"], f
            ),
            "promptocr read --streams 1 (page by page)": _read_cmd(
                ["--dpi", "150", "--streams", "1"], f
            ),
        }
        if args.like_rapidocr:
            variants["promptocr read --det-side-len 960 --no-page-orientation"] = _read_cmd(
                ["--dpi", "150", "--det-side-len", "960", "--no-page-orientation"], f
            )
        variants[ANCHOR] = [sys.executable, "-c", RAPIDOCR_SCRIPT, str(src), "150"]
        if args.ocrmypdf:
            for name, plugin in (("OCRmyPDF + Tesseract", False), ("OCRmyPDF + promptocr", True)):
                cmd = [sys.executable, "-m", "ocrmypdf", "-j", str(args.jobs),
                       "--output-type", "pdf"]  # fmt: skip
                if plugin:
                    cmd += ["--plugin", "promptocr.ocrmypdf"]
                variants[f"{name} (-j {args.jobs})"] = [*cmd, str(src), str(Path(tmp) / "o.pdf")]

        def parse(name: str, stdout: str) -> list[str]:
            if name == ANCHOR:
                return list(json.loads(stdout))
            if name.startswith("OCRmyPDF"):
                return pdf_texts((Path(tmp) / "o.pdf").read_bytes())
            return stdout.split("\f")

        runs = _interleaved(variants, args.rounds, parse, env)
        out.update(_summary(runs, args.pages, truth, ANCHOR))
    return out


def bench_chunks(args: argparse.Namespace) -> dict[str, Any]:
    """The 50-page scan read in chunks of `--chunk` pages, the engines taking turns chunk by
    chunk in one process (models loaded once, start-up left out): under a load that changes by
    the minute, each engine sees the same load within a chunk's few seconds."""
    from dataclasses import replace

    import numpy as np

    from promptocr.bench.worker import parse_sets
    from promptocr.engines.embedded import EmbeddedEngine, EngineSettings
    from promptocr.engines.runtime import limit_malloc_arenas
    from promptocr.engines.stages import SessionSettings
    from promptocr.pipeline import OCRPipeline, PageCache, ReadOptions

    limit_malloc_arenas(2)
    ns: dict[str, Any] = {}
    exec(RAPIDOCR_SCRIPT.split("pdf = pdfium")[0], ns)  # the anchor, exactly as configured
    anchor = ns["engine"]
    settings = EngineSettings(text_source="ocr")
    # Two pages at once needs `page_workers=2` as well as two streams: without it (as this
    # bench had it from the round that made reading ahead opt-in) the pages were read one at a
    # time on single-thread streams (docs/benchmarks.md, "Two pages at once").
    two = SessionSettings(intra_op_threads=1, streams=2, det_streams=1)
    pipes = {
        "promptocr, two pages at once (pinning off)": OCRPipeline(
            EmbeddedEngine(settings, replace(two, cpu_pinning=False)),
            cache=PageCache(0),
            page_workers=2,
        ),
        "promptocr, two pages at once (OpenVINO pinning)": OCRPipeline(
            EmbeddedEngine(settings, two), cache=PageCache(0), page_workers=2
        ),
        "promptocr, page by page": OCRPipeline(EmbeddedEngine(settings), cache=PageCache(0)),
    }
    for variant in args.variant or []:  # NAME:key=value,... (SessionSettings keys)
        label, _, rest = variant.partition(":")
        sets = parse_sets([x for x in rest.split(",") if x])
        fast = replace(SessionSettings(), **sets)
        pipes[f"promptocr, page by page, {label}"] = OCRPipeline(
            EmbeddedEngine(settings, fast), cache=PageCache(0)
        )
        pipes[f"promptocr, two pages at once (pinning off), {label}"] = OCRPipeline(
            EmbeddedEngine(settings, replace(two, cpu_pinning=False, **sets)),
            cache=PageCache(0),
            page_workers=2,
        )
    if args.with_old:  # what this bench measured as "two pages at once" before (one page)
        pipes["promptocr, two 1-thread streams, one page at a time"] = OCRPipeline(
            EmbeddedEngine(settings, two), cache=PageCache(0)
        )
    data, truth = scanned_pdf(args.pages)

    def rapid(first: int, last: int) -> list[str]:
        pdf = pdfium.PdfDocument(data)
        texts = []
        for i in range(first, last):
            page = pdf[i]
            img = np.asarray(page.render(scale=150 / 72).to_pil().convert("RGB"))
            res = anchor(img[:, :, ::-1].copy(), use_cls=False)
            texts.append(" ".join(res.txts or []))
        pdf.close()
        return texts

    for p in pipes.values():  # warm: models loaded, first shapes built
        p.read(data, ReadOptions(pages="1-2", dpi=150), settings)
    rapid(0, 1)
    times: dict[str, list[float]] = {name: [] for name in [*pipes, ANCHOR]}
    cpu: dict[str, float] = dict.fromkeys(times, 0.0)  # process CPU seconds (all threads)
    texts: dict[str, list[str]] = {name: [] for name in times}
    for first in range(0, args.pages, args.chunk):
        last = min(args.pages, first + args.chunk)
        for name, p in pipes.items():
            t0, c0 = time.perf_counter(), time.process_time()
            doc, _ = p.read(data, ReadOptions(pages=f"{first + 1}-{last}", dpi=150), settings)
            times[name].append(time.perf_counter() - t0)
            cpu[name] += time.process_time() - c0
            texts[name] += [pg.text for pg in doc.pages]
        t0, c0 = time.perf_counter(), time.process_time()
        texts[ANCHOR] += rapid(first, last)
        times[ANCHOR].append(time.perf_counter() - t0)
        cpu[ANCHOR] += time.process_time() - c0
        print({k: round(v[-1], 1) for k, v in times.items()}, file=sys.stderr, flush=True)
    out: dict[str, Any] = {"pages": args.pages, "chunk": args.chunk, "dpi": 150}
    for name, ts in times.items():
        ratios = [a / t for t, a in zip(ts, times[ANCHOR], strict=True)]
        out[name] = {
            "wall_s": round(sum(ts), 1),
            "pages_per_min": round(60 * args.pages / sum(ts), 1),
            "x_anchor_total": round(sum(times[ANCHOR]) / sum(ts), 2),
            "x_anchor_per_chunk_median": round(statistics.median(ratios), 2),
            "x_anchor_per_chunk_range": [round(min(ratios), 2), round(max(ratios), 2)],
            # CPU seconds a page and CPU over wall (2.0 = both cores busy throughout)
            "cpu_s_per_page": round(cpu[name] / args.pages, 3),
            "cpu_over_wall": round(cpu[name] / sum(ts), 2),
            "cer": round(
                statistics.mean(cer(t, w) for t, w in zip(texts[name], truth, strict=True)), 4
            ),
        }
    return out


RAPIDOCR_IMAGES_SCRIPT = (
    RAPIDOCR_SCRIPT.split("pdf = pdfium")[0]
    + """
import cv2
texts = []
for path in sys.argv[1:]:
    res = engine(cv2.imread(path), use_cls=False)
    texts.append(" ".join(res.txts or []))
json.dump(texts, sys.stdout)
"""
)

ITEMS = ["MINERAL WATER", "WHITE BREAD", "FRESH MILK 1L", "INSTANT NOODLE", "EGGS 10S",
         "COOKING OIL 2KG", "RICE 5KG", "SUGAR 1KG", "TEA BAGS", "COFFEE 200G", "BISCUITS",
         "DISH SOAP", "TISSUE BOX", "APPLES", "BANANAS", "CHICKEN WING"]  # fmt: skip


def generated_receipt(rng: random.Random) -> Any:
    """A receipt of 14-30 rows (shop, address, date, items with prices, total), 640 px wide."""
    items = [(rng.choice(ITEMS), f"{rng.randint(1, 60)}.{rng.randint(0, 99):02d}")
             for _ in range(rng.randint(6, 20))]  # fmt: skip
    total = sum(float(p) for _, p in items)
    rows = [
        (f"{rng.choice(['GREEN LEAF', 'SUN MART', 'KEDAI', 'EVERRISE'])} TRADING SDN BHD", None),
        (f"NO {rng.randint(1, 99)}, JALAN MERANTI {rng.randint(1, 9)}, 47100 PUCHONG", None),
        (f"INVOICE NO: CS{rng.randint(100000, 999999)}", None),
        (f"DATE: {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2019", None),
        *items,
        ("TOTAL", f"{total:.2f}"),
        ("THANK YOU, PLEASE COME AGAIN", None),
    ]
    c = synth.Canvas(640, 80 + 44 * len(rows))
    for i, (left, right) in enumerate(rows):
        c.text((30, 40 + 44 * i), left, size=22)
        if right:
            c.text((510, 40 + 44 * i), right, size=22)
    return c.image


def bench_receipts(args: argparse.Namespace) -> dict[str, Any]:
    """Receipts a minute over `--count` receipt images (SROIE's with --sroie, generated ones
    to fill up): `promptocr batch` (its defaults: one single-thread worker per core),
    `promptocr read FILES`, and the anchor page by page, interleaved round by round."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OMP_THREAD_LIMIT="1")
    with tempfile.TemporaryDirectory() as tmp:
        files: list[str] = []
        if args.sroie:
            files = sorted(str(p) for p in (Path(args.sroie) / "images").glob("*.jpg"))
            files = files[: args.count]
        rng = random.Random(5)
        while len(files) < args.count:
            path = Path(tmp) / f"gen{len(files):03d}.png"
            generated_receipt(rng).save(path)
            files.append(str(path))
        outs = iter(range(10**6))
        batch = [sys.executable, "-m", "promptocr.cli.main", "batch", *files, "-q",
                 "--format", "text", "--out"]  # fmt: skip
        variants: dict[str, Any] = {
            "promptocr batch": lambda: [*batch, str(Path(tmp) / f"out{next(outs)}")],
            # several files keep one stream by default: two at once is asked for
            "promptocr read FILES --streams 2 (two at once)": _read_cmd(["--streams", "2"], files),
            "promptocr read FILES --streams 1 (one after the other)": _read_cmd(
                ["--streams", "1"], files
            ),
            ANCHOR: [sys.executable, "-c", RAPIDOCR_IMAGES_SCRIPT, *files],
        }
        runs = _interleaved(variants, args.rounds, lambda name, out: [], env)
        out: dict[str, Any] = {
            "images": len(files),
            "sroie": sum(1 for f in files if not Path(f).name.startswith("gen")),
            "rounds": args.rounds,
        }
        out.update(_summary(runs, len(files), None, ANCHOR))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    d = sub.add_parser("digital")
    d.add_argument("--pages", type=int, default=100)
    d.add_argument("--ocr-pages", type=int, default=10)
    o = sub.add_parser("ocrmypdf")
    o.add_argument("--pages", type=int, default=10)
    o.add_argument("--rounds", type=int, default=2)
    o.add_argument("--jobs", type=int, default=2)
    o.add_argument("--funsd", metavar="DIR", help="use real form scans (../shared/data/funsd)")
    t = sub.add_parser("throughput")
    t.add_argument("--pages", type=int, default=50)
    t.add_argument("--jobs", type=int, default=2)
    t.add_argument("--rounds", type=int, default=1)
    t.add_argument("--ocrmypdf", action="store_true", help="also OCRmyPDF (Tesseract, plugin)")
    t.add_argument(
        "--like-rapidocr",
        action="store_true",
        help="also promptocr with RapidOCR's detection size and no page orientation",
    )
    c = sub.add_parser("chunks")
    c.add_argument("--pages", type=int, default=50)
    c.add_argument("--chunk", type=int, default=5)
    c.add_argument(
        "--with-old",
        action="store_true",
        help="also the configuration this bench measured before (two streams, one page at a time)",
    )
    c.add_argument(
        "--variant",
        action="append",
        metavar="NAME:K=V,...",
        help="also promptocr with these SessionSettings, page by page and two pages at once "
        "(e.g. 'fast:precision=int8,rec_squeeze=0.85,rec_head=latin'; repeatable)",
    )
    r = sub.add_parser("receipts")
    r.add_argument("--count", type=int, default=100)
    r.add_argument("--rounds", type=int, default=1)
    r.add_argument("--sroie", metavar="DIR", help="SROIE images first (../shared/data/sroie)")
    args = ap.parse_args()
    if args.what == "digital":
        result = bench_digital(args)
    elif args.what == "ocrmypdf":
        result = bench_ocrmypdf(args)
    elif args.what == "chunks":
        result = bench_chunks(args)
    elif args.what == "receipts":
        result = bench_receipts(args)
    else:
        result = bench_throughput(args)
    print(json.dumps({args.what: result}, indent=2))


if __name__ == "__main__":
    main()
