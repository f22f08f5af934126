"""Tasks only a vision-language engine can do: translate, formula (LaTeX), chart parsing and
free-form questions. Without a VLM they fail with the recognised text in the error details."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptocr.engines.vlm import VLMEngine as HunyuanEngine
from promptocr.errors import EngineUnavailableError
from promptocr.tasks.base import TaskInput
from promptocr.tasks.prompts import OFFICIAL_PROMPTS
from promptocr.tasks.router import route, run_vlm

WHAT = {
    "translate": "Translation",
    "formula": "Formula recognition (LaTeX)",
    "chart": "Chart parsing",
    "vqa": "Answering free-form questions",
}


def official_text(task: str, args: Mapping[str, Any]) -> str:
    """HunyuanOCR's official prompt for `task` with these arguments ("" when none fits)."""
    for op in OFFICIAL_PROMPTS:
        if op.task == task and all(args.get(k) == v for k, v in op.arguments.items()):
            return op.text
    return ""


class VLMOnlyTask:
    document_only = False

    def __init__(self, name: str) -> None:
        self.name = name

    def stages(self, arguments: Mapping[str, Any]) -> frozenset[str]:
        # translate also reads the text, so the answer can carry the source text
        if self.name == "translate":
            return frozenset({"decode", "ocr", "vlm"})
        return frozenset({"decode", "vlm"})

    def run(self, t: TaskInput) -> tuple[dict[str, Any], str]:
        p, doc = t.plan, t.document
        if t.vlm is None:
            raise EngineUnavailableError(
                f"{WHAT[p.task]} needs a vision-language engine (e.g. HunyuanOCR) and none is "
                "configured on this service; the embedded OCR engine only recognises text. "
                "The recognised text is returned in the error details.",
                source=t.source,
                details={
                    "task": p.task,
                    "plan": p.to_dict(),
                    "text": doc.text,
                    "usage": t.usage.to_dict(),
                },
            )
        if isinstance(t.vlm, HunyuanEngine):
            run = run_vlm(
                t.vlm,
                p.task,
                t.images,
                arguments=p.arguments,
                prompt=p.prompt if p.matched.startswith("official") else None,
                usage=t.usage,
                source=t.source,
            )
            answer = run.markdown or ""
            vout: dict[str, Any] = {"text": answer}
            if p.task == "translate":
                vout["source_text"] = doc.text
                vout["target_language"] = p.arguments.get("target_language")
            vout["route"] = route(p.task, vlm_available=True).to_dict()
            vout["vlm"] = run.usage()
            return vout, answer
        prompt = p.prompt or official_text(p.task, p.arguments)
        generate = getattr(t.vlm, "generate", None)
        if generate is None:
            raise EngineUnavailableError(
                "the configured vision-language engine has no generate() method",
                source=t.source,
            )
        with t.usage.stage("vlm"):
            answer = str(generate(t.images, prompt, t.usage))
        output: dict[str, Any] = {"text": answer}
        if p.task == "translate":
            output["source_text"] = doc.text
            output["target_language"] = p.arguments.get("target_language")
        return output, answer
