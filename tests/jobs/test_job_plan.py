"""A job runs the task it was accepted with: its pages and its assembly do not re-read the
prompt with whatever planner the restarted server has (a release may plan a prompt
differently; "Extract the table" once meant fields and now means a table parse)."""

from __future__ import annotations

import io
from pathlib import Path

from promptocr.jobs.result import assemble, job_plan, page_payload
from promptocr.jobs.store import FileSpec, JobRecord, JobStore
from promptocr.synth import Canvas
from promptocr.tasks import Service
from promptocr.tasks.planner import plan, task_plan

PROMPT = "Extract the table"  # plans as a table parse in this release


def _png() -> bytes:
    c = Canvas(700, 200)
    c.text((40, 60), "Table: 12", size=34)
    buf = io.BytesIO()
    c.image.save(buf, format="PNG")
    return buf.getvalue()


def _job(store: JobStore, data: bytes, params: dict[str, object]) -> JobRecord:
    return store.create(
        owner="key:abc",
        prompt=PROMPT,
        task="extract",
        params=params,
        files=[(FileSpec("form.png", len(data), [1]), data)],
    )


def test_a_job_keeps_the_plan_it_was_accepted_with(tmp_path: Path) -> None:
    assert plan(PROMPT).task == "parse"
    service = Service(vlm=None)
    data = _png()
    accepted = task_plan("extract", PROMPT, {"fields": ["table"], "format": "json"})
    store = JobStore(tmp_path)
    try:
        # A job accepted by this release carries its plan; the stages are this release's.
        stageless = {**accepted.to_dict(), "stages": []}
        kept = _job(store, data, {"dpi": 200, "plan": stageless})
        p = job_plan(kept, service)
        assert (p.task, p.arguments["fields"]) == ("extract", ["table"])
        assert [s.name for s in p.stages] == [s.name for s in accepted.stages]

        # A job stored by an earlier release has no plan: the plan its finished page ran
        # with decides, and the assembly runs extract, not the parse the prompt now means.
        legacy = _job(store, data, {"dpi": 200})
        claimed = store.claim()
        assert claimed is not None
        page, _ = claimed
        result = service.run(data, PROMPT, pages="1", planned=job_plan(kept, service))
        assert result.task == "extract"
        store.complete(page, page_payload(result), 1.0)
        claimed = store.claim()
        assert claimed is not None
        page, _ = claimed
        store.complete(page, page_payload(result), 1.0)
        out = assemble(legacy, store.pages(legacy.id, with_results=True), service)
        assert out["task"] == "extract" and out["plan"]["task"] == "extract"
        assert out["output"]["fields"]["table"] == "12"
        # A page of it read after the restart runs the finished page's task and arguments.
        first = store.first_done_result(legacy.id)
        assert first is not None
        again = job_plan(legacy, service, lambda: first["plan"])
        assert (again.task, again.arguments["fields"]) == ("extract", ["table"])
        assert "pages" not in again.arguments

        # With no finished page to go by, the job's own task is planned bare.
        bare = job_plan(_job(store, data, {"dpi": 200}), service)
        assert bare.task == "extract" and bare.runs("ocr")
    finally:
        store.close()
