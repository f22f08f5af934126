"""`Service.run(src, prompt)`: plan the instruction, run only the stages it needs, return a
`Result` with the task's JSON payload, the OpenAI-style `content`, the plan and the usage."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from promptocr.cancel import CancelToken
from promptocr.document.export import to_alto, to_hocr, to_markdown, to_text
from promptocr.document.layout import sort_rows
from promptocr.document.model import Document, Line, Page
from promptocr.engines.embedded import EngineSettings
from promptocr.engines.usage import Usage
from promptocr.engines.vlm import VLMEngine as HunyuanEngine
from promptocr.engines.vlm import make_engine
from promptocr.errors import (
    EngineUnavailableError,
    InvalidOptionError,
    PromptOCRError,
    PromptTooLongError,
    TooManyFieldsError,
)
from promptocr.inputs.loader import PageImage
from promptocr.pipeline import OCRPipeline, ReadOptions, default_pipeline
from promptocr.tasks.parse import (
    ParsedPage,
    finish_parse,
    layout_detector,
    parse_page,
    read_formulas,
)
from promptocr.tasks.planner import VLM_TASKS, Plan, Stage, plan
from promptocr.tasks.prompts import OFFICIAL_PROMPTS
from promptocr.tasks.router import (
    Decision,
    Evidence,
    RouterSettings,
    check_engine,
    merge_fields,
    review,
    route,
    run_vlm,
    vlm_task,
)

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
    ) -> Result:
        """Plan `prompt`, then read the selected pages one at a time (decode, OCR, layout when
        parsing, drop the pixels) and run the task on the document.

        `cancel` stops the work between pages and stages (raising `CancelledError`);
        `on_page(page, done, total)` is called as each page is read."""
        p = self.plan(prompt, task_type=task_type)
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
        vlm_task = p.task in VLM_TASKS
        if vlm_task and self.vlm is None:
            # We still read the page so the caller gets the recognised text with the error.
            _set_stage(
                p,
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
                _set_stage(
                    p, "ocr", False, "engine=vlm: the vision-language engine reads the image"
                )
        usage = Usage(cancel=cancel)
        with usage.stage("decode"):
            stream = self.pipeline.open(src, ReadOptions(pages=page_spec, dpi=dpi), name)
        source = name or stream.source
        ocr = p.runs("ocr")
        parsing = p.task == "parse" and ocr
        detector = layout_detector(self.pipeline) if parsing else None
        # Pixels are kept only for a vision-language engine, which reads the pages itself
        # (and then at most `max_pages` of them); otherwise each page is dropped once read.
        keep = self.vlm is not None
        images: list[PageImage] = []
        parsed: list[ParsedPage] = []
        doc = Document([], source=source)
        for done, image in enumerate(self.pipeline.iter_decoded(stream, usage), start=1):
            if ocr:
                page = self.pipeline.read_page(image, usage, settings)
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
                _set_stage(p, "ocr", *layer_stage)
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
        if vlm_task:
            output, content = self._vlm_task(p, images, doc, usage, source)
        elif p.task == "read":
            output, content = _read(doc, p)
        elif p.task == "spot":
            output, content = _spot(doc, p, usage)
        elif p.task == "parse":
            output, content = self._parse(p, parsed, doc, usage)
        elif p.task == "extract":
            output, content = _extract(doc, p, usage)
        elif p.task == "subtitles":
            output, content = _subtitles(doc, usage)
        else:  # pragma: no cover - the planner only returns known tasks
            raise EngineUnavailableError(f"task {p.task!r} is not implemented", source=source)

        if decision is not None:
            doc, output, content = self._route(
                p, decision, hy, images, doc, output, content, usage, source
            )

        return Result(p.task, p, usage, doc, output, _formatted(p, doc, output, content))

    DOCUMENT_TASKS = ("read", "spot", "extract", "subtitles")

    def run_on_document(
        self,
        doc: Document,
        prompt: str,
        *,
        usage: Usage | None = None,
        output_format: str | None = None,
        task_type: str | None = None,
        pages: str | None = None,
    ) -> Result:
        """Run a task that needs only the recognised text (`DOCUMENT_TASKS`) on an already
        OCR'd document, e.g. `extract` over pages read one at a time by a job. No OCR, no
        routing to the VLM; other tasks raise InvalidOptionError."""
        p = plan(prompt, task_type=task_type)
        if p.task not in self.DOCUMENT_TASKS:
            raise InvalidOptionError(f"task {p.task!r} needs the page images", source=doc.source)
        if output_format is not None:
            p.arguments["output_format"] = output_format
        if pages:
            p.arguments["pages"] = pages
        usage = usage or Usage()
        if p.task == "read":
            output, content = _read(doc, p)
        elif p.task == "spot":
            output, content = _spot(doc, p, usage)
        elif p.task == "extract":
            output, content = _extract(doc, p, usage)
        else:
            output, content = _subtitles(doc, usage)
        return Result(p.task, p, usage, doc, output, _formatted(p, doc, output, content))

    # -----------------------------------------------------------------------------------------

    def _parse(
        self, p: Plan, parsed: list[ParsedPage], doc: Document, usage: Usage
    ) -> tuple[dict[str, Any], str]:
        hy = self.vlm if isinstance(self.vlm, HunyuanEngine) else None
        if hy is not None:  # display formulas go to the VLM for LaTeX

            def formula(rgb: Any) -> str | None:
                crop = PageImage(0, rgb, doc.source or "formula")
                return run_vlm(hy, "formula", [crop], usage=usage, source=doc.source).markdown

            read_formulas(parsed, formula)
        result = finish_parse(parsed, usage)
        markdown = result.markdown
        output: dict[str, Any] = {"markdown": markdown}
        if result.figures:  # cut-out figures the Markdown references by name (base64 PNG)
            output["figures"] = [f.to_dict() for f in result.figures]
        content = markdown
        if p.arguments.get("target") == "table":
            tables = re.findall(r"<table\b.*?</table>", markdown, flags=re.S | re.I)
            output["tables"] = tables
            content = "\n\n".join(tables)
            if not tables:
                why = "no table was found on the page; the full Markdown is in output.markdown"
                usage.notes.append(why)
                output["empty_reason"] = why
        if p.arguments.get("layout"):
            output["layout"] = [
                {
                    "page": page.index + 1,
                    "kind": b.kind,
                    "bbox": [round(x, 1) for x in b.bbox],
                    "text": b.text,
                }
                for page in doc.pages
                for b in page.blocks
            ]
        return output, content

    def _vlm_task(
        self,
        p: Plan,
        images: list[PageImage],
        doc: Document,
        usage: Usage,
        source: str | None,
    ) -> tuple[dict[str, Any], str]:
        what = {
            "translate": "Translation",
            "formula": "Formula recognition (LaTeX)",
            "chart": "Chart parsing",
            "vqa": "Answering free-form questions",
        }[p.task]
        if self.vlm is None:
            raise EngineUnavailableError(
                f"{what} needs a vision-language engine (e.g. HunyuanOCR) and none is "
                "configured on this service; the embedded OCR engine only recognises text. "
                "The recognised text is returned in the error details.",
                source=source,
                details={
                    "task": p.task,
                    "plan": p.to_dict(),
                    "text": doc.text,
                    "usage": usage.to_dict(),
                },
            )
        if isinstance(self.vlm, HunyuanEngine):
            run = run_vlm(
                self.vlm,
                p.task,
                images,
                arguments=p.arguments,
                prompt=p.prompt if p.matched.startswith("official") else None,
                usage=usage,
                source=source,
            )
            answer = run.markdown or ""
            vout: dict[str, Any] = {"text": answer}
            if p.task == "translate":
                vout["source_text"] = doc.text
                vout["target_language"] = p.arguments.get("target_language")
            vout["route"] = route(p.task, vlm_available=True).to_dict()
            vout["vlm"] = run.usage()
            return vout, answer
        prompt = p.prompt or _official_text(p.task, p.arguments)
        generate = getattr(self.vlm, "generate", None)
        if generate is None:
            raise EngineUnavailableError(
                "the configured vision-language engine has no generate() method", source=source
            )
        with usage.stage("vlm"):
            answer = str(generate(images, prompt, usage))
        output: dict[str, Any] = {"text": answer}
        if p.task == "translate":
            output["source_text"] = doc.text
            output["target_language"] = p.arguments.get("target_language")
        return output, answer

    def _route(
        self,
        p: Plan,
        decision: Decision,
        hy: HunyuanEngine | None,
        images: list[PageImage],
        doc: Document,
        output: dict[str, Any],
        content: str,
        usage: Usage,
        source: str | None,
    ) -> tuple[Document, dict[str, Any], str]:
        """Escalate a weak embedded result (or answer an engine=vlm request) with the VLM;
        see promptocr.tasks.router for the rules."""
        keys = list(output.get("fields") or p.arguments.get("fields") or [])
        if decision.engine == "embedded":
            ev = Evidence.of(
                doc,
                fields=output.get("fields") if p.task == "extract" else None,
                required=keys if p.task == "extract" else None,
                usage=usage,
                min_line_confidence=self.router.min_line_confidence,
            )
            decision = review(
                p.task, decision, ev, vlm_available=hy is not None, settings=self.router
            )
            if decision.reason == "vlm_unavailable":
                usage.notes.append(f"weak embedded result kept: {decision.detail}")
                output["route"] = decision.to_dict()
        if decision.engine != "vlm" or hy is None:
            return doc, output, content
        output["route"] = decision.to_dict()
        what = "escalated" if decision.escalated else "routed"
        task = vlm_task(p.task)
        args = dict(p.arguments)
        if p.task == "extract":
            args["fields"] = keys
        official = p.matched.startswith("official") and task == p.task
        try:
            run = run_vlm(
                hy,
                task,
                images,
                arguments=args,
                prompt=p.prompt if official else None,
                usage=usage,
                source=source,
            )
        except PromptOCRError as exc:
            if not decision.escalated:
                raise
            usage.notes.append(f"escalation to the VLM failed ({exc.code}): embedded result kept")
            output["route"]["error"] = exc.to_dict()
            return doc, output, content
        _set_stage(
            p, "vlm", True, f"{what} to the VLM engine: {decision.reason} ({decision.detail})"
        )
        usage.skipped.pop("vlm", None)
        usage.notes.append(f"{what} to the VLM engine: {decision.reason}")
        if p.task == "extract":
            merged, filled = merge_fields(
                output.get("fields") or {k: None for k in keys}, run.fields
            )
            output["fields"] = merged
            for k in filled:
                output.setdefault("details", {}).setdefault(k, {}).update(
                    {"value": merged[k], "source": "vlm"}
                )
            output["vlm_filled"] = filled
            if p.arguments.get("format") == "value" and len(keys) == 1:
                content = str(merged[keys[0]] or "")
            else:
                content = json.dumps(merged, ensure_ascii=False)
        elif task == "spot" and run.document is not None and run.document.lines:
            doc = run.document
            route_info = output["route"]
            output, content = _read(doc, p) if p.task == "read" else _spot(doc, p, usage)
            output["route"] = route_info
        elif task == "spot":
            usage.notes.append("the VLM answer held no usable lines: embedded result kept")
        else:
            text = run.markdown or ""
            output = {"markdown" if p.task == "parse" else "text": text, "route": output["route"]}
            content = text
        output["vlm"] = run.usage()
        return doc, output, content


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


def _official_text(task: str, args: dict[str, Any]) -> str:
    for op in OFFICIAL_PROMPTS:
        if op.task == task and all(args.get(k) == v for k, v in op.arguments.items()):
            return op.text
    return ""


def _set_stage(p: Plan, name: str, runs: bool, reason: str) -> None:
    for i, s in enumerate(p.stages):
        if s.name == name:
            p.stages[i] = Stage(name, runs, reason)


# ---------------------------------------------------------------------------------------------
# tasks on the OCR result


def _read(doc: Document, p: Plan) -> tuple[dict[str, Any], str]:
    text = to_text(doc) if doc.text.strip() else ""
    fmt = p.arguments.get("output_format") or p.arguments.get("format", "text")
    content = to_markdown(doc) if fmt == "markdown" else text
    return {"text": text}, content


def _line_dict(ln: Line, page_no: int) -> dict[str, Any]:
    d = ln.to_dict()
    d.pop("words", None)
    d["page"] = page_no
    return d


def _norm_box(ln: Line, w: int, h: int) -> list[int]:
    x0, y0, x1, y1 = ln.bbox

    def nx(x: float) -> int:
        return max(0, min(1000, round(x / max(w, 1) * 1000)))

    def ny(y: float) -> int:
        return max(0, min(1000, round(y / max(h, 1) * 1000)))

    return [nx(x0), ny(y0), nx(x1), ny(y1)]


def hunyuan_spotting(doc: Document, fmt: str) -> str:
    """HunyuanOCR's spotting wire formats, coordinates normalised to 0-1000 per page:
    `hunyuan` = `text(x1,y1),(x2,y2)` items back to back; `hunyuan_json` =
    `[{"box": [xmin, ymin, xmax, ymax], "text": ...}]`."""
    if fmt == "hunyuan_json":
        items = [
            {"box": _norm_box(ln, page.width, page.height), "text": ln.text}
            for page in doc.pages
            for ln in page.lines
        ]
        return json.dumps(items, ensure_ascii=False)
    parts = []
    for page in doc.pages:
        chunk = []
        for ln in page.lines:
            x0, y0, x1, y1 = _norm_box(ln, page.width, page.height)
            chunk.append(f"{ln.text}({x0},{y0}),({x1},{y1})")
        parts.append("".join(chunk))
    return "\n".join(parts)


def _spot(doc: Document, p: Plan, usage: Usage) -> tuple[dict[str, Any], str]:
    lines = [_line_dict(ln, page.index + 1) for page in doc.pages for ln in page.lines]
    output: dict[str, Any] = {"lines": lines}
    fmt = p.arguments.get("output_format") or p.arguments.get("format", "lines")
    if fmt in ("hunyuan", "hunyuan_json"):
        with usage.stage("spotting_format"):
            output["hunyuan"] = hunyuan_spotting(doc, fmt)
        return output, output["hunyuan"]
    return output, json.dumps(lines, ensure_ascii=False)


def _extract(doc: Document, p: Plan, usage: Usage) -> tuple[dict[str, Any], str]:
    from promptocr.tasks.doctypes import DOCTYPES, resolve
    from promptocr.tasks.extract import extract_all_pairs, extract_fields

    keys = list(p.arguments.get("fields") or [])
    dt_name = p.arguments.get("document_type")
    if not keys and dt_name:
        keys = list(DOCTYPES[dt_name].schema)
    with usage.stage("fields"):
        if p.arguments.get("all_pairs"):
            found = extract_all_pairs(doc)
            keys = list(found)
        else:
            found = extract_fields(doc, keys, dt_name)
        dt = resolve(dt_name, keys) if not p.arguments.get("all_pairs") else None
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
    if p.arguments.get("format") == "value" and len(keys) == 1:
        content = fields[keys[0]] or ""
    else:
        content = json.dumps(fields, ensure_ascii=False)
    return output, content


def _subtitles(doc: Document, usage: Usage) -> tuple[dict[str, Any], str]:
    """Lines in the frame's bottom band, one entry per visual row (bilingual lines apart)."""
    out_lines: list[dict[str, Any]] = []
    with usage.stage("subtitles"):
        for page in doc.pages:
            band = [
                ln
                for ln in page.lines
                if (ln.bbox[1] + ln.bbox[3]) / 2 >= 0.62 * page.height
                and (
                    abs((ln.bbox[0] + ln.bbox[2]) / 2 - page.width / 2) <= 0.25 * page.width
                    or ln.bbox[2] - ln.bbox[0] >= 0.3 * page.width
                )
            ]
            for row in sort_rows(band):
                text = " ".join(ln.text for ln in row)
                cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
                x0 = min(ln.bbox[0] for ln in row)
                y0 = min(ln.bbox[1] for ln in row)
                x1 = max(ln.bbox[2] for ln in row)
                y1 = max(ln.bbox[3] for ln in row)
                conf = min(ln.confidence for ln in row)
                out_lines.append(
                    {
                        "text": text,
                        "language": "zh" if cjk else "latin",
                        "confidence": round(conf, 4),
                        "bbox": [round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1)],
                        "page": page.index + 1,
                    }
                )
    text = "\n".join(x["text"] for x in out_lines)
    return {"text": text, "lines": out_lines}, text


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
