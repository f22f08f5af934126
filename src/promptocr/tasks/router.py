"""Which engine answers a request: the embedded CPU pipeline or the HunyuanOCR VLM engine.

Rules, per request:

1. Tasks only a language model can do (translate, formula, chart, free-form questions) go to
   the VLM engine when one is configured; without one they fail with `EngineUnavailableError`.
2. read / spot / extract run on the embedded engine unless the caller asks for the VLM
   (`engine="vlm"`, or the `PROMPTOCR_VLM_ROUTE=vlm` default).
3. After the embedded engine has run, its result is reviewed; it is *escalated* to the VLM when
   it is weak — fields the caller asked for were not found, the page produced no text at all
   although it is not blank, the mean line confidence is below `min_confidence`, or too many
   lines are below `min_line_confidence`. An escalation is counted in the Prometheus counter
   `promptocr_vlm_escalations_total{task,reason}` and reported in the result's plan/usage.
   Without a configured VLM the embedded result stands, with a note saying why it was weak.
4. The caller can pin the embedded engine (`engine="embedded"`): no escalation then.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter

from promptocr.document.model import Document, Page
from promptocr.engines.usage import Usage
from promptocr.engines.vlm.base import VLMEngine, VLMOutput
from promptocr.errors import EngineUnavailableError, PromptOCRError
from promptocr.inputs.loader import PageImage

if TYPE_CHECKING:
    from promptocr.tasks.planner import Plan

VLM_ONLY_TASKS = frozenset({"translate", "formula", "chart", "vqa"})
ESCALATABLE_TASKS = frozenset({"read", "spot", "extract"})
ENGINES = ("auto", "embedded", "vlm")

VLM_ESCALATIONS = Counter(
    "promptocr_vlm_escalations_total",
    "Requests the router moved from the embedded engine to the VLM engine, by task and reason.",
    ["task", "reason"],
)


class InvalidEngineError(PromptOCRError):
    """The caller named an engine that does not exist."""

    code = "invalid_engine"
    status = 400


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class RouterSettings:
    """Thresholds for escalating a weak embedded result to the VLM engine."""

    engine: str = "auto"  # default preference for read/spot/extract: auto, embedded or vlm
    escalate: bool = True
    min_confidence: float = 0.80  # character-weighted mean line confidence of the document
    min_line_confidence: float = 0.50  # a line below this counts as weak ...
    max_weak_fraction: float = 0.30  # ... and more than this share of weak lines escalates
    escalate_on_missing_fields: bool = True
    escalate_on_no_text: bool = True
    tasks: frozenset[str] = ESCALATABLE_TASKS

    @classmethod
    def from_env(cls, **overrides: Any) -> RouterSettings:
        env = os.environ.get
        values: dict[str, Any] = {
            "engine": env("PROMPTOCR_VLM_ROUTE") or cls.engine,
            "escalate": (env("PROMPTOCR_VLM_ESCALATE") or "1").lower() not in ("0", "false", "no"),
            "min_confidence": _env_float("PROMPTOCR_VLM_MIN_CONFIDENCE", cls.min_confidence),
            "min_line_confidence": _env_float(
                "PROMPTOCR_VLM_MIN_LINE_CONFIDENCE", cls.min_line_confidence
            ),
            "max_weak_fraction": _env_float(
                "PROMPTOCR_VLM_MAX_WEAK_FRACTION", cls.max_weak_fraction
            ),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        s = cls(**values)
        check_engine(s.engine)
        return s


def check_engine(name: str | None) -> str:
    """Validate a caller's engine choice (None means "auto")."""
    value = (name or "auto").strip().lower()
    if value not in ENGINES:
        raise InvalidEngineError(f"unknown engine {name!r}: use one of {', '.join(ENGINES)}")
    return value


@dataclass(frozen=True)
class Decision:
    """Where a request goes and why; `escalated` marks a move after a weak embedded result."""

    engine: str  # "embedded" or "vlm"
    reason: str  # stable code, see `REASONS`
    detail: str
    escalated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "reason": self.reason,
            "detail": self.detail,
            "escalated": self.escalated,
        }


REASONS = {
    "vlm_only_task": "only a vision-language model can do this task",
    "requested_vlm": "the caller asked for the VLM engine",
    "requested_embedded": "the caller pinned the embedded engine",
    "embedded_default": "the embedded engine handles this task",
    "embedded_ok": "the embedded result is strong enough",
    "missing_fields": "requested fields were not found",
    "no_text": "no text found on a page that is not blank",
    "low_confidence": "mean line confidence below the threshold",
    "weak_lines": "too many lines below the line-confidence threshold",
    "vlm_unavailable": "the result is weak but no VLM engine is configured",
}


@dataclass
class Evidence:
    """What the router looks at in an embedded result."""

    lines: int = 0
    confidence: float = 0.0
    weak_fraction: float = 0.0
    missing_fields: list[str] = field(default_factory=list)
    blank: bool = False  # every page was skipped as blank (nothing to escalate)

    @classmethod
    def of(
        cls,
        document: Document | Page | None,
        *,
        fields: Mapping[str, Any] | None = None,
        required: Iterable[str] | None = None,
        usage: Usage | None = None,
        min_line_confidence: float = RouterSettings.min_line_confidence,
    ) -> Evidence:
        lines = document.lines if document is not None else []
        weak = sum(1 for ln in lines if ln.confidence < min_line_confidence)
        conf = document.confidence if document is not None else 0.0
        wanted = list(required) if required is not None else list(fields or {})
        missing = [f for f in wanted if not has_value((fields or {}).get(f))]
        blank = bool(usage and usage.skipped.get("detect") == "blank page" and not lines)
        return cls(
            lines=len(lines),
            confidence=conf,
            weak_fraction=weak / len(lines) if lines else 0.0,
            missing_fields=missing,
            blank=blank,
        )


def has_value(v: Any) -> bool:
    """A found field: a non-empty value, or a dict whose "value" is one."""
    if isinstance(v, Mapping):
        v = v.get("value", v.get("text"))
    if v is None:
        return False
    if isinstance(v, str):
        return bool(v.strip())
    if isinstance(v, list | tuple | dict):
        return bool(v)
    return True


def route(
    task: str,
    *,
    vlm_available: bool,
    requested: str | None = None,
    settings: RouterSettings | None = None,
) -> Decision:
    """The engine to run first for `task`. Raises `EngineUnavailableError` when the task (or the
    caller) needs the VLM engine and none is configured."""
    s = settings or RouterSettings()
    choice = check_engine(requested) if requested else check_engine(s.engine)
    if task in VLM_ONLY_TASKS:
        if not vlm_available:
            raise EngineUnavailableError(
                f"the {task} task needs a vision-language engine (HunyuanOCR) and none is "
                "configured: set PROMPTOCR_VLM_URL to a vLLM or llama-server endpoint, or "
                "PROMPTOCR_VLM_MODEL_DIR to a local checkpoint (see docs/vlm.md)"
            )
        return Decision("vlm", "vlm_only_task", REASONS["vlm_only_task"])
    if choice == "vlm":
        if not vlm_available:
            raise EngineUnavailableError(
                "the VLM engine was requested but none is configured (PROMPTOCR_VLM_URL or "
                "PROMPTOCR_VLM_MODEL_DIR; see docs/vlm.md)"
            )
        return Decision("vlm", "requested_vlm", REASONS["requested_vlm"])
    if choice == "embedded" and requested:
        return Decision("embedded", "requested_embedded", REASONS["requested_embedded"])
    return Decision("embedded", "embedded_default", REASONS["embedded_default"])


def review(
    task: str,
    first: Decision,
    evidence: Evidence,
    *,
    vlm_available: bool,
    settings: RouterSettings | None = None,
) -> Decision:
    """After the embedded engine ran: keep its result, or escalate to the VLM engine."""
    s = settings or RouterSettings()
    if first.engine != "embedded" or first.reason == "requested_embedded":
        return first
    if not s.escalate or task not in s.tasks or evidence.blank:
        return Decision("embedded", "embedded_ok", REASONS["embedded_ok"])
    reason, detail = "", ""
    if s.escalate_on_missing_fields and evidence.missing_fields:
        reason = "missing_fields"
        detail = "not found by the embedded engine: " + ", ".join(evidence.missing_fields)
    elif s.escalate_on_no_text and evidence.lines == 0:
        reason, detail = "no_text", REASONS["no_text"]
    elif evidence.lines and evidence.confidence < s.min_confidence:
        reason = "low_confidence"
        detail = f"mean line confidence {evidence.confidence:.2f} < {s.min_confidence:.2f}"
    elif evidence.lines and evidence.weak_fraction > s.max_weak_fraction:
        reason = "weak_lines"
        detail = (
            f"{evidence.weak_fraction:.0%} of lines below confidence "
            f"{s.min_line_confidence:.2f} (limit {s.max_weak_fraction:.0%})"
        )
    if not reason:
        return Decision("embedded", "embedded_ok", REASONS["embedded_ok"])
    if not vlm_available:
        return Decision("embedded", "vlm_unavailable", f"{detail}; {REASONS['vlm_unavailable']}")
    VLM_ESCALATIONS.labels(task, reason).inc()
    return Decision("vlm", reason, detail, escalated=True)


def decide_engine(
    task: str,
    embedded: Evidence | None = None,
    settings: RouterSettings | None = None,
    *,
    vlm_available: bool,
    requested: str | None = None,
) -> Decision:
    """One call for both moments: before the embedded run (`embedded=None`) and after it."""
    first = route(task, vlm_available=vlm_available, requested=requested, settings=settings)
    if embedded is None:
        return first
    return review(task, first, embedded, vlm_available=vlm_available, settings=settings)


def vlm_task(task: str) -> str:
    """The VLM task that replaces an escalated one: `read` asks for spotting so the answer
    keeps line geometry; the others keep their task."""
    return "spot" if task == "read" else task


def merge_fields(
    embedded: Mapping[str, Any], vlm: Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    """Fill the fields the embedded engine missed with the VLM's values.

    Values the embedded engine found (with their boxes and validation) are kept. Returns the
    merged mapping and the names filled from the VLM. A field in dict form gets
    ``{"value": ..., "source": "vlm"}``; a plain one gets the plain value.
    """
    out = dict(embedded)
    filled: list[str] = []
    for name, current in embedded.items():
        if has_value(current) or vlm is None or not has_value(vlm.get(name)):
            continue
        value = vlm[name]
        if isinstance(current, Mapping):
            merged: dict[str, Any] = {k: None for k in current}
            merged.update({"value": value, "source": "vlm"})
            out[name] = merged
        else:
            out[name] = value
        filled.append(name)
    return out, filled


@dataclass
class VLMRun:
    """The VLM engine's answers for every page of one request, combined."""

    task: str
    outputs: list[VLMOutput]
    document: Document | None = None  # spotting: one page per input page
    fields: dict[str, Any] | None = None  # extraction: first value found per field
    markdown: str | None = None  # everything else: pages joined by a blank line

    @property
    def text(self) -> str:
        return "\n\n".join(o.text for o in self.outputs)

    def usage(self) -> dict[str, Any]:
        """Token counts, time and flags summed over the pages (for the result's usage)."""
        first = self.outputs[0].usage if self.outputs else {}
        keep = ("engine", "backend", "model", "base_url", "model_dir", "device")
        return {
            **{k: first[k] for k in keep if k in first},
            "task": self.task,
            "requests": len(self.outputs),
            "prompt_tokens": sum(int(o.usage.get("prompt_tokens") or 0) for o in self.outputs),
            "completion_tokens": sum(
                int(o.usage.get("completion_tokens") or 0) for o in self.outputs
            ),
            "ms": round(sum(float(o.usage.get("ms") or 0.0) for o in self.outputs), 2),
            "repetition_trimmed": any(o.repetition_trimmed for o in self.outputs),
            "truncated": any(o.usage.get("finish_reason") == "length" for o in self.outputs),
            "parse_errors": [o.parse_error for o in self.outputs if o.parse_error],
        }


def run_vlm(
    vlm: VLMEngine,
    task: str,
    pages: Sequence[PageImage],
    *,
    arguments: Mapping[str, Any] | None = None,
    prompt: str | None = None,
    usage: Usage | None = None,
    source: str | None = None,
) -> VLMRun:
    """Run `task` on every page with the VLM engine and combine the answers.

    `prompt` is sent verbatim (the user's own official prompt or free question); None sends
    the official prompt for `task`. Coordinates map back to each page's own pixels.
    """
    args = dict(arguments or {})
    outputs = [
        vlm.run(
            p.image,
            task,
            prompt,
            arguments=args,
            page_index=p.index,
            width=p.width,
            height=p.height,
            source=source or p.source,
            usage=usage,
        )
        for p in pages
    ]
    run = VLMRun(task, outputs)
    if task == "spot":
        doc_pages = [
            o.document
            if o.document is not None
            else Page(p.index, p.width, p.height, source=p.source)
            for o, p in zip(outputs, pages, strict=True)
        ]
        run.document = Document(doc_pages, source=source)
    if task == "extract":
        names = [str(f) for f in args.get("fields") or []]
        found: dict[str, Any] = {n: None for n in names}
        for o in outputs:
            for k, v in (o.fields or {}).items():
                if k not in found or not has_value(found[k]):
                    found[k] = v
        run.fields = found
    else:
        parts = [o.markdown if o.markdown is not None else o.text for o in outputs]
        run.markdown = "\n\n".join(p for p in parts if p)
    return run


def vlm_filled_details(
    details: dict[str, Any], merged: dict[str, Any], filled: Sequence[str]
) -> None:
    """Each field the VLM filled: its value and `source`, and none of the embedded result's
    confidence, its parts, its reason for a null or where it looked (the VLM gives no
    confidence and no box)."""
    for k in filled:
        d = details.setdefault(k, {})
        for stale in (
            "link_confidence",
            "read_confidence",
            "reason",
            "raw",
            "method",
            "label",
            "page",
            "bbox",
            "polygon",
        ):
            d.pop(stale, None)
        d.update({"value": merged[k], "source": "vlm", "confidence": None})


def escalate(
    p: Plan,
    decision: Decision,
    vlm: VLMEngine | None,
    images: Sequence[PageImage],
    doc: Document,
    output: dict[str, Any],
    content: str,
    usage: Usage,
    *,
    settings: RouterSettings,
    source: str | None = None,
) -> tuple[Document, dict[str, Any], str]:
    """The second half of the one routing decision `route` made before the task ran: review
    the embedded result (rule 3) and, when it is weak or the caller asked for the VLM, answer
    with the VLM engine instead. Returns the (possibly replaced) document, output and content.
    """
    from promptocr.tasks.read import read_output
    from promptocr.tasks.spot import spot_output

    keys = list(output.get("fields") or p.arguments.get("fields") or [])
    if decision.engine == "embedded":
        ev = Evidence.of(
            doc,
            fields=output.get("fields") if p.task == "extract" else None,
            required=keys if p.task == "extract" else None,
            usage=usage,
            min_line_confidence=settings.min_line_confidence,
        )
        decision = review(p.task, decision, ev, vlm_available=vlm is not None, settings=settings)
        if decision.reason == "vlm_unavailable":
            usage.notes.append(f"weak embedded result kept: {decision.detail}")
            output["route"] = decision.to_dict()
    if decision.engine != "vlm" or vlm is None:
        return doc, output, content
    output["route"] = decision.to_dict()
    what = "escalated" if decision.escalated else "routed"
    task = vlm_task(p.task)
    args = dict(p.arguments)
    if p.task == "extract":
        args["fields"] = keys
    official = p.matched.startswith("official") and task == p.task
    # a question about one field that extraction could not answer (tasks/questions.py) goes
    # to the VLM as the question asked, not as the key it was read as
    question = str(p.arguments.get("question") or "") if p.task == "extract" else ""
    if question:
        task, args = "vqa", {"question": question}
    try:
        run = run_vlm(
            vlm,
            task,
            images,
            arguments=args,
            prompt=question or (p.prompt if official else None),
            usage=usage,
            source=source,
        )
    except PromptOCRError as exc:
        if not decision.escalated:
            raise
        usage.notes.append(f"escalation to the VLM failed ({exc.code}): embedded result kept")
        output["route"]["error"] = exc.to_dict()
        return doc, output, content
    p.set_stage("vlm", True, f"{what} to the VLM engine: {decision.reason} ({decision.detail})")
    usage.skipped.pop("vlm", None)
    usage.notes.append(f"{what} to the VLM engine: {decision.reason}")
    if p.task == "extract":
        vlm_fields = run.fields
        if question:  # the VLM's answer to the question is the value of its key
            vlm_fields = {k: (run.markdown or run.text).strip() or None for k in keys[:1]}
        base = output.get("fields") or {k: None for k in keys}
        if p.arguments.get("all_pairs"):  # every pair: the VLM's keys join the embedded ones
            base = {**{k: None for k in run.fields or {}}, **base}
        merged, filled = merge_fields(base, vlm_fields)
        output["fields"] = merged
        vlm_filled_details(output.setdefault("details", {}), merged, filled)
        output["vlm_filled"] = filled
        if p.arguments.get("format") == "value" and len(keys) == 1:
            content = str(merged[keys[0]] or "")
        else:
            content = json.dumps(merged, ensure_ascii=False)
    elif task == "spot" and run.document is not None and run.document.lines:
        doc = run.document
        route_info = output["route"]
        if p.task == "read":
            output, content = read_output(doc, p.arguments)
        else:
            output, content = spot_output(doc, p.arguments, usage)
        output["route"] = route_info
    elif task == "spot":
        usage.notes.append("the VLM answer held no usable lines: embedded result kept")
    else:
        text = run.markdown or ""
        output = {"markdown" if p.task == "parse" else "text": text, "route": output["route"]}
        content = text
    output["vlm"] = run.usage()
    return doc, output, content
