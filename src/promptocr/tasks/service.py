"""`Service.run(src, prompt)`: plan the instruction, run only the stages it needs, return a
`Result` with the task's JSON payload, the OpenAI-style `content`, the plan and the usage."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from promptocr.cancel import CancelToken
from promptocr.document.export import to_alto, to_hocr
from promptocr.document.model import Document, Page
from promptocr.engines.checkboxes import mark_page
from promptocr.engines.embedded import EngineSettings
from promptocr.engines.usage import Usage
from promptocr.engines.vlm import VLMEngine as HunyuanEngine
from promptocr.engines.vlm import make_engine
from promptocr.errors import (
    InvalidOptionError,
    PromptTooLongError,
    TooManyFieldsError,
)
from promptocr.inputs.loader import PageImage
from promptocr.pipeline import OCRPipeline, ReadOptions, default_pipeline
from promptocr.tasks.base import TaskInput
from promptocr.tasks.parse import ParsedPage, layout_detector, parse_page
from promptocr.tasks.planner import VLM_TASKS, Plan, plan
from promptocr.tasks.registry import task_for
from promptocr.tasks.router import (
    Decision,
    RouterSettings,
    check_engine,
    escalate,
    route,
)
from promptocr.tasks.spot import hunyuan_spotting

_FROM_ENV: Any = object()  # Service(vlm=...) default: the engine PROMPTOCR_VLM_* configures


class VLMEngine(Protocol):
    """The seam for a vision-language engine (e.g. HunyuanOCR behind the VLM router).

    `generate` answers `prompt` about the page images and records its time in `usage`."""

    def generate(self, pages: list[PageImage], prompt: str, usage: Usage) -> str: ...


OUTPUT_FORMATS = ("text", "markdown", "json", "hocr", "alto", "lines", "hunyuan", "hunyuan_json")


@dataclass(frozen=True)
class TaskLimits:
    """What one instruction may ask for; the same on every endpoint (server settings
    `max_prompt_chars` and `max_fields`)."""

    max_prompt_chars: int = 4000
    max_fields: int = 100


@dataclass
class Result:
    task: str
    plan: Plan
    usage: Usage
    document: Document
    output: dict[str, Any]
    content: str

    @property
    def empty_reason(self) -> str | None:
        """Why `content` is empty (None when it is not): an empty answer always says why."""
        if self.content.strip():
            return None
        reason = self.output.get("empty_reason")
        return str(reason) if reason else empty_reason(self.document, self.usage)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "plan": self.plan.to_dict(),
            "output": self.output,
            "content": self.content,
            **({"empty_reason": self.empty_reason} if self.empty_reason else {}),
            "document": self.document.to_dict(),
            "usage": self.usage.to_dict(),
        }


class Service:
    """Runs prompts against images/PDFs. Thread-safe; shares its pipeline's page cache."""

    def __init__(
        self,
        pipeline: OCRPipeline | None = None,
        vlm: object | None = _FROM_ENV,
        router: RouterSettings | None = None,
        limits: TaskLimits | None = None,
    ) -> None:
        self.pipeline = pipeline or default_pipeline()
        self.limits = limits or TaskLimits()
        self.vlm = make_engine() if vlm is _FROM_ENV else vlm
        self.router = router or RouterSettings.from_env()

    def plan(self, prompt: str, task_type: str | None = None) -> Plan:
        self.check_prompt(prompt)
        p = plan(prompt, task_type=task_type)
        self.check_plan(p)
        return p

    def check_prompt(self, prompt: str) -> None:
        """Refuse an instruction over `limits.max_prompt_chars` (before any planning)."""
        n = len(prompt or "")
        if n > self.limits.max_prompt_chars:
            raise PromptTooLongError(
                f"the instruction is {n} characters, over the limit of "
                f"{self.limits.max_prompt_chars}"
            )

    def check_plan(self, p: Plan) -> None:
        """Refuse a plan that asks for more fields than `limits.max_fields`."""
        n = len(p.arguments.get("fields") or [])
        if n > self.limits.max_fields:
            raise TooManyFieldsError(
                f"the instruction names {n} fields, over the limit of {self.limits.max_fields} "
                "per request; split it into several requests"
            )

    def run(
        self,
        src: bytes | str | Path,
        prompt: str,
        *,
        name: str | None = None,
        pages: str | None = None,
        dpi: int = 200,
        settings: EngineSettings | None = None,
        output_format: str | None = None,
        task_type: str | None = None,
        engine: str | None = None,
        cancel: CancelToken | None = None,
        on_page: Callable[[Page, int, int], None] | None = None,
        find_all: bool = False,
        planned: Plan | None = None,
    ) -> Result:
        """Plan `prompt` (or take `planned`, made by `self.plan` for this prompt), then read the selected pages one at a time (decode, OCR, layout when
        parsing, drop the pixels) and run the task on the document.

        `find_all` (extract): a key found on several pages lists the later pages' values in
        `details[key].others` (by default the first page with a value answers).

        `cancel` stops the work between pages and stages (raising `CancelledError`);
        `on_page(page, done, total)` is called as each page is read."""
        p = planned if planned is not None else self.plan(prompt, task_type=task_type)
        if output_format is not None:
            if output_format not in OUTPUT_FORMATS:
                raise InvalidOptionError(
                    f"unknown output format {output_format!r}; use one of "
                    + ", ".join(OUTPUT_FORMATS),
                    source=name,
                )
            p.arguments["output_format"] = output_format
        page_spec = pages or p.arguments.get("pages")
        if pages:
            p.arguments["pages"] = pages
        if find_all and p.task == "extract":
            p.arguments["find_all"] = True
        vlm_task = p.task in VLM_TASKS
        if vlm_task and self.vlm is None:
            # We still read the page so the caller gets the recognised text with the error.
            p.set_stage(
                "ocr",
                True,
                "no vision-language engine: the recognised text is returned with the error",
            )
        hy = self.vlm if isinstance(self.vlm, HunyuanEngine) else None
        decision: Decision | None = None
        check_engine(engine)
        if not vlm_task:
            decision = route(
                p.task, vlm_available=hy is not None, requested=engine, settings=self.router
            )
            if decision.engine == "vlm":
                p.set_stage("ocr", False, "engine=vlm: the vision-language engine reads the image")
                p.set_stage("checkboxes", False, "engine=vlm: no OCR'd lines to write boxes into")
        usage = Usage(cancel=cancel)
        with usage.stage("decode"):
            stream = self.pipeline.open(src, ReadOptions(pages=page_spec, dpi=dpi), name)
        source = name or stream.source
        ocr = p.runs("ocr")
        boxes = ocr and p.runs("checkboxes")
        parsing = p.task == "parse" and ocr
        detector = layout_detector(self.pipeline) if parsing else None
        # Pixels are kept only for a vision-language engine, which reads the pages itself
        # (and then at most `max_pages` of them); otherwise each page is dropped once read.
        keep = self.vlm is not None
        images: list[PageImage] = []
        parsed: list[ParsedPage] = []
        doc = Document([], source=source)
        # OCR'd pages come overlapped (the next page decoded and read while this one is
        # parsed or handed on: OCRPipeline.iter_read); without OCR the pixels alone.
        pages_read: Generator[tuple[PageImage, Page | None], None, None] = (
            self.pipeline.iter_read(stream, usage, settings)
            if ocr
            else ((im, None) for im in self.pipeline.iter_decoded(stream, usage))
        )
        with closing(pages_read):  # leaving early stops the read-ahead at once
            for done, (image, page) in enumerate(pages_read, start=1):
                if page is not None:
                    if boxes:  # engines/checkboxes.py: ☐ / ☑ written into the page's lines
                        mark_page(page, image.image, usage)
                    doc.pages.append(page)
                    if detector is not None:
                        drop = bool(p.arguments.get("drop_headers_footers", True))
                        parsed.append(
                            parse_page(image, page, detector, usage, drop_headers_footers=drop)
                        )
                if keep:
                    images.append(image)
                del image
                if on_page is not None and ocr:
                    on_page(doc.pages[-1], done, stream.count)
        if ocr:
            from promptocr.engines.textsource import plan_stage

            if (layer_stage := plan_stage(doc)) is not None:  # pages read from a PDF's text
                p.set_stage("ocr", *layer_stage)
        if ocr and usage.cache["hits"]:
            usage.notes.append(
                f"{usage.cache['hits']} page(s) served from the OCR cache (same pixels and "
                f"engine settings): {len(doc.lines)} lines reused without recognition"
            )
        if not ocr:
            usage.skip("ocr", "the vision-language engine reads the image itself")
        for stage in p.stages:
            if not stage.runs and stage.name not in ("decode", "ocr"):
                usage.skip(stage.name, stage.reason)

        usage.check()
        task = task_for(p.task)
        output, content = task.run(
            TaskInput(p, doc, usage, source=source, images=images, parsed=parsed, vlm=self.vlm)
        )
        if decision is not None:
            doc, output, content = escalate(
                p,
                decision,
                hy,
                images,
                doc,
                output,
                content,
                usage,
                settings=self.router,
                source=source,
            )

        return Result(p.task, p, usage, doc, output, _formatted(p, doc, output, content))

    def run_on_document(
        self,
        doc: Document,
        prompt: str,
        *,
        usage: Usage | None = None,
        output_format: str | None = None,
        task_type: str | None = None,
        pages: str | None = None,
        planned: Plan | None = None,
    ) -> Result:
        """Run a task that needs only the recognised text (`Task.document_only`: read, spot,
        extract, subtitles) on an already OCR'd document, e.g. `extract` over pages read one
        at a time by a job. No OCR, no routing to the VLM; other tasks raise
        InvalidOptionError. `planned` replaces planning `prompt` (a job's accepted plan)."""
        p = planned if planned is not None else plan(prompt, task_type=task_type)
        task = task_for(p.task)
        if not task.document_only:
            raise InvalidOptionError(f"task {p.task!r} needs the page images", source=doc.source)
        if output_format is not None:
            p.arguments["output_format"] = output_format
        if pages:
            p.arguments["pages"] = pages
        usage = usage or Usage()
        output, content = task.run(TaskInput(p, doc, usage, source=doc.source))
        return Result(p.task, p, usage, doc, output, _formatted(p, doc, output, content))


def _formatted(p: Plan, doc: Document, output: dict[str, Any], content: str) -> str:
    """`content` in the plan's `output_format`, when one was asked for."""
    fmt = p.arguments.get("output_format")
    if fmt == "hocr":
        return to_hocr(doc)
    if fmt == "alto":
        return to_alto(doc)
    if fmt == "json":
        return json.dumps(output, ensure_ascii=False)
    if fmt in ("hunyuan", "hunyuan_json") and p.task != "spot":
        return hunyuan_spotting(doc, fmt)
    return content


def empty_reason(doc: Document, usage: Usage) -> str:
    """Why a task found nothing to say, from what the pages held and which stages were skipped."""
    if not doc.pages:
        return "no page was read"
    if not doc.lines:
        skipped = usage.skipped.get("detect") or usage.skipped.get("recognize")
        return f"no text was found on the page(s) ({skipped})" if skipped else "no text was found"
    return "the task found nothing matching the instruction in the recognised text"


# ---------------------------------------------------------------------------------------------

_default: Service | None = None
_lock = threading.Lock()


def default_service() -> Service:
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Service(default_pipeline())
    return _default


def run(image_or_path: Any, prompt: str = "", **kw: Any) -> Result:
    """`promptocr.run(path, "提取姓名、性别、身份证号")` through a process-wide Service.

    Takes a path, the file's bytes, a PIL image or an RGB numpy array."""
    src: bytes | str | Path
    if isinstance(image_or_path, bytes | str | Path):
        src = image_or_path
    else:
        import io

        import numpy as np
        from PIL import Image

        img = image_or_path
        if isinstance(img, np.ndarray):
            img = Image.fromarray(img)
        if not hasattr(img, "save"):
            raise InvalidOptionError(
                f"can't read a {type(image_or_path).__name__}: pass a path, bytes, a PIL "
                "image or a numpy array"
            )
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        src = buf.getvalue()
        kw.setdefault("name", "<image>")
    return default_service().run(src, prompt, **kw)
