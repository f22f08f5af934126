"""`extract` as a task: named fields (or every key-value pair, or a document type's preset
fields) from the OCR'd pages, with boxes, confidence and validation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from promptocr.tasks.base import TaskInput


class ExtractTask:
    name = "extract"
    document_only = True

    def stages(self, arguments: Mapping[str, Any]) -> frozenset[str]:
        return frozenset({"decode", "ocr", "fields"})

    def run(self, t: TaskInput) -> tuple[dict[str, Any], str]:
        from promptocr.tasks.doctypes import DOCTYPES, resolve
        from promptocr.tasks.extract import extract_all_pairs, extract_fields, rejoin_split_keys

        doc, args = t.document, t.plan.arguments
        # a free list split at commas and `and`; a label the page prints with them (`Glucose,
        # fasting`) is one key again (not a bracketed list: its items are the caller's keys)
        keys = list(args.get("fields") or [])
        if not any(b in (t.plan.prompt or "") for b in "[［"):
            keys = rejoin_split_keys(doc, keys)
        dt_name = args.get("document_type")
        if not keys and dt_name:
            keys = list(DOCTYPES[dt_name].schema)
        with t.usage.stage("fields"):
            if args.get("all_pairs"):
                found = extract_all_pairs(doc)
                keys = list(found)
            else:
                found = extract_fields(doc, keys, dt_name, find_all=bool(args.get("find_all")))
            dt = resolve(dt_name, keys) if not args.get("all_pairs") else None
        fields = {k: r.value for k, r in found.items()}
        output: dict[str, Any] = {
            "fields": fields,
            "details": {k: r.to_dict() for k, r in found.items()},
            "document_type": dt.name if dt else None,
        }
        if dt is not None and dt.name == "passport":
            from promptocr.tasks.doctypes import _mrz
            from promptocr.tasks.extract import views_of

            mrz = _mrz(views_of(doc))
            output["mrz"] = mrz[0] if mrz else None
        if args.get("format") == "value" and len(keys) == 1:
            content = fields[keys[0]] or ""
        else:
            content = json.dumps(fields, ensure_ascii=False)
        return output, content
