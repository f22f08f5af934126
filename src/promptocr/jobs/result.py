"""A finished job's result: the stored pages assembled into one `Document`, and the task run
over the whole document where it needs the whole document.

Each page of a job is read on its own (`Service.run(..., pages="n")`) and stored as
`{"page", "task", "plan", "output", "content", "usage"}`. Assembly:

- `read`, `spot`, `extract`, `subtitles` need only the recognised text, so the task runs again
  on the assembled document (`Service.run_on_document`): fields are found across pages, lines
  are numbered with their page, the text is in page order.
- `parse` (layout model on the page image), the vision-language tasks and any task asked with
  `engine=vlm` ran per page; their page outputs are joined in page order (Markdown and text
  with blank lines between pages, tables and layout regions concatenated, for fields the first
  page with a value).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from promptocr.document.export import to_alto, to_hocr
from promptocr.document.model import Document, Page
from promptocr.engines.usage import Usage
from promptocr.jobs.store import JobRecord, PageRecord
from promptocr.tasks import Service
from promptocr.tasks.planner import Plan, task_plan
from promptocr.tasks.registry import task_for


def job_plan(
    job: JobRecord,
    service: Service,
    stored: Callable[[], dict[str, Any] | None] | None = None,
) -> Plan:
    """The plan a job was accepted with, so that its pages and its assembly run the same task
    even when a newer release would plan the prompt differently (a restart on new code).

    Jobs accepted since the plan is kept carry its task and arguments in `params["plan"]`.
    For older ones the prompt is planned again; when that now gives another task than the
    job's, the task and arguments a finished page ran with (`stored()`) are taken, else a
    bare plan of the job's task. The stages are always those this release's task declares
    (a stage added since then runs)."""
    kept = job.params.get("plan")
    if kept:
        return _replanned(kept, job.prompt)
    p = service.plan(job.prompt, task_type=job.params.get("task_type"))
    if p.task == job.task:
        return p
    earlier = stored() if stored is not None else None
    if earlier and earlier.get("task") == job.task:
        p = _replanned(earlier, job.prompt)
        p.arguments.pop("pages", None)  # a page's own page number
        return p
    return task_plan(job.task, job.prompt)


def _replanned(d: dict[str, Any], prompt: str) -> Plan:
    p = task_plan(str(d["task"]), prompt, dict(d.get("arguments") or {}))
    p.matched = str(d.get("matched", p.matched))
    return p


def page_payload(result: Any) -> dict[str, Any]:
    """What is stored for one page: a `Result` of `Service.run` on that single page."""
    pages = result.document.pages
    return {
        "page": pages[0].to_dict() if pages else None,
        "task": result.task,
        "plan": result.plan.to_dict(),
        "output": result.output,
        "content": result.content,
        "usage": result.usage.to_dict(),
    }


def usage_from_dict(d: dict[str, Any]) -> Usage:
    return Usage(
        stages_ms=dict(d.get("stages_ms", {})),
        stage_calls=dict(d.get("stage_calls", {})),
        skipped=dict(d.get("skipped", {})),
        cache=dict(d.get("cache", {"hits": 0, "misses": 0})),
        pages=int(d.get("pages", 0)),
        lines_detected=int(d.get("lines_detected", 0)),
        lines_recognized=int(d.get("lines_recognized", 0)),
        notes=list(d.get("notes", [])),
        detection=[dict(x) for x in d.get("detection", [])],
        rec_head={str(k): int(v) for k, v in d.get("rec_head", {}).items()},
        rec_squeeze=[dict(x) for x in d.get("rec_squeeze", [])],
        rec_lexicon=int(d.get("rec_lexicon", 0)),
    )


def errors_of(job: JobRecord, pages: list[PageRecord]) -> list[dict[str, Any]]:
    return [
        {
            "file": job.files[p.file_index].name,
            "page": p.page_no,
            "code": p.error_code,
            "message": p.error_message,
        }
        for p in pages
        if p.state == "failed"
    ]


def assemble_document(job: JobRecord, pages: list[PageRecord]) -> Document:
    doc_pages: list[Page] = []
    for p in pages:
        if p.state != "done" or not p.result or not p.result.get("page"):
            continue
        page = Page.from_dict(p.result["page"])
        page.index = p.page_no - 1
        page.source = job.files[p.file_index].name
        doc_pages.append(page)
    source = job.files[0].name if len(job.files) == 1 else None
    return Document(doc_pages, source=source)


def assemble(job: JobRecord, pages: list[PageRecord], service: Service) -> dict[str, Any]:
    """The `/v1/ocr`-shaped result of a finished job, plus `files` and per-page `errors`."""
    doc = assemble_document(job, pages)
    done = [p.result for p in pages if p.state == "done" and p.result]
    usage = Usage()
    for r in done:
        usage.merge(usage_from_dict(r.get("usage") or {}))
    params = job.params
    fmt = params.get("output_format")
    # With engine=vlm the pages were read by the vision-language model, whose answers are in
    # the page outputs rather than in the document: join those instead.
    if task_for(job.task).document_only and params.get("engine") != "vlm":
        res = service.run_on_document(
            doc,
            job.prompt,
            usage=usage,
            output_format=fmt,
            task_type=params.get("task_type"),
            pages=params.get("pages"),
            planned=job_plan(job, service, lambda: done[0].get("plan") if done else None),
        )
        plan_d, output, content = res.plan.to_dict(), res.output, res.content
    else:
        plan_d = dict(done[0]["plan"]) if done else {"task": job.task, "arguments": {}}
        args = dict(plan_d.get("arguments") or {})
        args.pop("pages", None)
        if params.get("pages"):
            args["pages"] = params["pages"]
        plan_d["arguments"] = args
        output, content = _join_outputs([r["output"] for r in done], [r["content"] for r in done])
        if fmt == "hocr":
            content = to_hocr(doc)
        elif fmt == "alto":
            content = to_alto(doc)
        elif fmt == "json":
            content = json.dumps(output, ensure_ascii=False)
    return {
        "id": job.id,
        "task": job.task,
        "plan": plan_d,
        "output": output,
        "content": content,
        "document": doc.to_dict(),
        "usage": usage.to_dict(),
        "files": [f.to_dict() for f in job.files],
        "errors": errors_of(job, pages),
    }


def _join_outputs(outputs: list[dict[str, Any]], contents: list[str]) -> tuple[dict[str, Any], str]:
    """Page outputs of a per-page task (parse, VLM tasks) joined in page order."""
    merged: dict[str, Any] = {}
    for out in outputs:
        for key, value in out.items():
            if key not in merged:
                merged[key] = value
            elif isinstance(value, str) and isinstance(merged[key], str):
                if value:
                    merged[key] = f"{merged[key]}\n\n{value}" if merged[key] else value
            elif isinstance(value, list) and isinstance(merged[key], list):
                merged[key] = merged[key] + value
            elif isinstance(value, dict) and isinstance(merged[key], dict):
                # e.g. extract's fields: the first page that has a value wins
                for k, v in value.items():
                    if merged[key].get(k) is None:
                        merged[key][k] = v
    content = "\n\n".join(c for c in contents if c)
    return merged, content
