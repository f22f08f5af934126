"""Table-structure benchmark: TEDS and TEDS-struct on a PubTabNet-style `gt.jsonl`.

Each record's image is treated as one table region: it is OCR'd, `tasks.tables.build_table`
turns the lines (and ruling lines) into a cell grid, and the grid's HTML is scored against the
record's `table_html`.

TEDS (Zhong et al., "Image-based table recognition: data, model, and evaluation", 2020) is
1 - TED(T_pred, T_gt) / max(|T_pred|, |T_gt|), with the tree edit distance computed by APTED
over the `<table>` trees (table, thead, tbody, tr, td nodes). Inserting or deleting a node costs 1;
renaming costs 1 when the tags differ or two cells' colspan/rowspan differ, else for two cells
the normalised Levenshtein distance of their texts. TEDS-struct is the same with every text
treated as equal, so it scores the structure only. Our OCR does not produce the `<b>`, `<i>`,
`<sup>` markup PubTabNet keeps inside cells, so the ground truth's cell text is compared without
those tags (their text kept), and whitespace is normalised on both sides.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
from apted import APTED, Config
from rapidfuzz.distance import Levenshtein

from promptocr.engines.embedded import EngineSettings
from promptocr.engines.usage import Usage
from promptocr.errors import InvalidInputError
from promptocr.inputs.loader import PageImage
from promptocr.pipeline import OCRPipeline
from promptocr.tasks.tables import build_table

STRUCT_TAGS = {"table", "thead", "tbody", "tr", "td"}


@dataclass
class TableNode:
    tag: str
    colspan: int = 1
    rowspan: int = 1
    text: str = ""
    children: list[TableNode] = field(default_factory=list)

    def size(self) -> int:
        return 1 + sum(c.size() for c in self.children)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: TableNode | None = None
        self.stack: list[TableNode] = []
        self.cell: TableNode | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = "td" if tag == "th" else tag
        if tag not in STRUCT_TAGS:
            return  # formatting inside a cell (b, i, sup, ...): keep only its text
        if tag == "table" and self.root is not None:
            return  # nested tables are not part of the benchmark's trees
        a = dict(attrs)
        node = TableNode(tag, _int(a.get("colspan")), _int(a.get("rowspan")))
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)
        if tag == "td":
            self.cell = node

    def handle_endtag(self, tag: str) -> None:
        tag = "td" if tag == "th" else tag
        if tag not in STRUCT_TAGS or not self.stack:
            return
        while self.stack:
            node = self.stack.pop()
            if node.tag == "td":
                node.text = " ".join(node.text.split())
                self.cell = None
            if node.tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.text += data


def _int(v: str | None) -> int:
    try:
        return max(1, int(v)) if v else 1
    except ValueError:
        return 1


def parse_table_html(text: str) -> TableNode:
    """The `<table>` tree of an HTML string (html/body wrappers ignored)."""
    p = _TableParser()
    p.feed(text)
    p.close()
    if p.root is None:
        raise InvalidInputError("no <table> element in the HTML")
    return p.root


class _TEDSConfig(Config):
    valuecls = float

    def __init__(self, structure_only: bool) -> None:
        self.structure_only = structure_only

    def rename(self, a: TableNode, b: TableNode) -> float:
        if a.tag != b.tag or a.colspan != b.colspan or a.rowspan != b.rowspan:
            return 1.0
        if a.tag == "td" and not self.structure_only:
            return float(Levenshtein.normalized_distance(a.text, b.text))
        return 0.0

    def children(self, node: TableNode) -> list[TableNode]:
        return node.children


def teds(pred_html: str, gt_html: str, structure_only: bool = False) -> float:
    """Tree-edit-distance similarity of two HTML tables, in [0, 1]."""
    gt = parse_table_html(gt_html)
    try:
        pred = parse_table_html(pred_html)
    except InvalidInputError:
        return 0.0
    n = max(pred.size(), gt.size())
    dist = APTED(pred, gt, _TEDSConfig(structure_only)).compute_edit_distance()
    return max(0.0, 1.0 - float(dist) / n)


def _grid_shape(node: TableNode) -> tuple[int, int]:
    rows: list[TableNode] = []

    def walk(n: TableNode) -> None:
        if n.tag == "tr":
            rows.append(n)
        for c in n.children:
            walk(c)

    walk(node)
    cols = max((sum(c.colspan for c in r.children) for r in rows), default=0)
    return len(rows), cols


def _upscale(page: PageImage, target: int = 1200, most: float = 3.0) -> PageImage:
    """Table crops are often small scans; enlarge them so text is detectable (never shrink)."""
    import cv2

    h, w = page.image.shape[:2]
    f = min(most, target / max(h, w))
    if f <= 1.05:
        return page
    img = cv2.resize(page.image, (round(w * f), round(h * f)), interpolation=cv2.INTER_CUBIC)
    return PageImage(page.index, np.ascontiguousarray(img), page.source)


# The whole image is one table: never take the single-line shortcut, no page rotation.
TABLE_SETTINGS = EngineSettings(single_line_max_height=0, page_orientation=False)


def evaluate_tables(
    dataset_dir: Path,
    limit: int | None = None,
    pipeline: OCRPipeline | None = None,
) -> dict[str, Any]:
    """OCR + table structure on every record of `dataset_dir/gt.jsonl`, scored with TEDS."""
    dataset_dir = Path(dataset_dir)
    gt_path = dataset_dir / "gt.jsonl"
    if not gt_path.exists():
        raise InvalidInputError(f"{gt_path} does not exist")
    records = [json.loads(x) for x in gt_path.read_text(encoding="utf-8").splitlines() if x.strip()]
    records = [r for r in records if r.get("table_html")]
    if limit is not None:
        records = records[:limit]
    pipe = pipeline or OCRPipeline()
    items: list[dict[str, Any]] = []
    for rec in records:
        pages = pipe.load(dataset_dir / rec["image"])
        page = _upscale(pages[0])
        usage = Usage()
        t0 = time.perf_counter()
        doc = pipe.read_pages([page], usage, TABLE_SETTINGS)
        t1 = time.perf_counter()
        lines = doc.pages[0].lines
        h, w = page.image.shape[:2]
        grid = build_table(page.image, lines, (0.0, 0.0, float(w), float(h)))
        t2 = time.perf_counter()
        pred = grid.to_html()
        gt_rows, gt_cols = _grid_shape(parse_table_html(rec["table_html"]))
        items.append(
            {
                "image": rec["image"],
                "teds": round(teds(pred, rec["table_html"]), 4),
                "teds_struct": round(teds(pred, rec["table_html"], structure_only=True), 4),
                "rows": grid.n_rows,
                "cols": grid.n_cols,
                "gt_rows": gt_rows,
                "gt_cols": gt_cols,
                "ruled": grid.ruled,
                "ocr_ms": round((t1 - t0) * 1000, 1),
                "structure_ms": round((t2 - t1) * 1000, 1),
                "html": pred,
            }
        )
    n = len(items)

    def mean(key: str) -> float:
        return round(statistics.fmean(float(i[key]) for i in items), 4) if items else 0.0

    return {
        "dataset": str(dataset_dir),
        "tables": n,
        "teds": mean("teds"),
        "teds_struct": mean("teds_struct"),
        "rows_exact": round(sum(i["rows"] == i["gt_rows"] for i in items) / n, 4) if n else 0.0,
        "cols_exact": round(sum(i["cols"] == i["gt_cols"] for i in items) / n, 4) if n else 0.0,
        "ocr_ms_mean": mean("ocr_ms"),
        "structure_ms_mean": mean("structure_ms"),
        "items": items,
    }


def tables_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: the overall figures, then one row per table."""
    out = [
        f"Table structure on `{report['dataset']}` ({report['tables']} tables)",
        "",
        "| metric | value |",
        "| --- | --- |",
        f"| TEDS | {report['teds']:.3f} |",
        f"| TEDS-struct | {report['teds_struct']:.3f} |",
        f"| row count exact | {report['rows_exact']:.0%} |",
        f"| column count exact | {report['cols_exact']:.0%} |",
        f"| OCR ms / table (mean) | {report['ocr_ms_mean']:.0f} |",
        f"| structure ms / table (mean) | {report['structure_ms_mean']:.1f} |",
        "",
        "| image | TEDS | TEDS-struct | rows (gt) | cols (gt) | ruled |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for i in report["items"]:
        out.append(
            f"| {Path(i['image']).name} | {i['teds']:.3f} | {i['teds_struct']:.3f} "
            f"| {i['rows']} ({i['gt_rows']}) | {i['cols']} ({i['gt_cols']}) "
            f"| {'yes' if i['ruled'] else 'no'} |"
        )
    return "\n".join(out) + "\n"
