"""Key fields of a `gt.jsonl` dataset (SROIE's company/date/address/total) extracted under two or
more engine settings, side by side: the same prompt, the same extraction, only the OCR settings
differ (docs/benchmarks.md, "`auto`: the squeeze from the recogniser's own evidence", where it
decided that `rec_squeeze` went back to 1.0).

Each `--setting` is one configuration of the embedded engine as comma-separated `key=value`
pairs, as the bench's `--variant` takes them (SessionSettings fields, the rest EngineSettings);
an empty one (`--setting ''`) is the default. Images are read interleaved, setting after
setting. Prints, per setting, the fields read exactly (normalised as `promptocr bench --fields`
does: case and whitespace ignored) and every field whose value differs between the first
setting and another; `--out` writes the values per setting as JSON.

    PYTHONPATH=src python bench/fields_by_setting.py --setting rec_squeeze=1.0 \\
        --setting rec_squeeze=auto [--dataset ../shared/data/sroie] [--limit N] [--out F.json]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from promptocr.bench.fields import _load, normalize_value, prompt_for
from promptocr.bench.worker import SESSION_KEYS, parse_sets
from promptocr.engines.embedded import EmbeddedEngine, EngineSettings
from promptocr.engines.stages import SessionSettings
from promptocr.pipeline import OCRPipeline
from promptocr.tasks.extract import extract_fields
from promptocr.tasks.service import Service


def service(setting: str) -> Service:
    sets = parse_sets([s for s in setting.split(",") if s.strip()])
    session = replace(SessionSettings(), **{k: v for k, v in sets.items() if k in SESSION_KEYS})
    settings = EngineSettings().with_overrides(
        **{k: v for k, v in sets.items() if k not in SESSION_KEYS}
    )
    return Service(OCRPipeline(EmbeddedEngine(settings, session)))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--setting", action="append", required=True, help="key=value[,key=value]")
    ap.add_argument("--dataset", type=Path, default=Path("../shared/data/sroie"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if len(args.setting) < 2:
        ap.error("give at least two --setting values to compare")
    services = {s: service(s) for s in args.setting}
    values: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in args.setting}
    rows = _load(args.dataset, args.limit)
    for row in rows:
        keys = list(row["fields"])
        for s, svc in services.items():
            res = svc.run(args.dataset / row["image"], prompt_for(keys))
            found = extract_fields(res.document, keys, res.output.get("document_type"))
            values[s][row["image"]] = {k: (found[k].value if k in found else None) for k in keys}
    total = sum(len(r["fields"]) for r in rows)
    first = args.setting[0]
    for s in args.setting:
        exact = sum(
            normalize_value(values[s][r["image"]][k]) == normalize_value(v)
            for r in rows
            for k, v in r["fields"].items()
        )
        print(f"{s or '(default)'}: {exact} of {total} fields exact")
    for s in args.setting[1:]:
        print(f"\nchanged from {first or '(default)'} to {s or '(default)'}:")
        for r in rows:
            for k, truth in r["fields"].items():
                a, b = values[first][r["image"]][k], values[s][r["image"]][k]
                if normalize_value(a) != normalize_value(b):
                    print(f"  {r['image']} {k}: {a!r} -> {b!r} (truth {truth!r})")
    if args.out:
        args.out.write_text(json.dumps(values, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
