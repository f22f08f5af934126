"""What ran, what it cost, and what was skipped: attached to every result as `usage`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from promptocr.cancel import CancelToken


@dataclass
class Usage:
    """Per-stage wall milliseconds plus counts; merged across pages and requests."""

    stages_ms: dict[str, float] = field(default_factory=dict)
    stage_calls: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    cache: dict[str, int] = field(default_factory=lambda: {"hits": 0, "misses": 0})
    pages: int = 0
    lines_detected: int = 0
    lines_recognized: int = 0
    notes: list[str] = field(default_factory=list)
    # Per detected page: how its detection resolution was chosen (engines/detsize.py):
    # {"page", "policy", "side", "size": [w, h], and for "auto" "text_px"}.
    detection: list[dict[str, Any]] = field(default_factory=list)
    # Lines per recognition output head under `rec_head="latin"` (engines/rechead.py): "full",
    # "restricted" (Latin-only head) and "fallback" (re-read with the full head). It counts the
    # lines `lines_recognized` counts (kept lines, text-layer pages' picture regions included;
    # not field re-reads); empty under the default `rec_head="full"`.
    rec_head: dict[str, int] = field(default_factory=dict)
    # Per OCR'd page (one entry a page): the recognition width squeeze it was read with, from
    # what was done to its crops (engines/squeeze.py, `squeeze_report`): {"page", "factor"
    # (the narrowest width factor any crop was read with; 1.0 where none was narrowed, even
    # if `auto` had decided to squeeze), "lines" (crops recognised), "squeezed" (of them read
    # narrowed)}.
    rec_squeeze: list[dict[str, Any]] = field(default_factory=list)
    # Words the lexicon correction changed (SessionSettings.rec_lexicon, engines/lexicon.py)
    # in the lines `lines_recognized` counts; absent from `to_dict` when none.
    rec_lexicon: int = 0
    # Check boxes written into the pages by the `checkboxes` stage (engines/checkboxes.py):
    # {"found", "ticked"}; absent from `to_dict` when the stage did not run.
    checkboxes: dict[str, int] = field(default_factory=dict)
    # Checked at the start of every stage, so a cancelled request stops between stages.
    cancel: CancelToken | None = field(default=None, repr=False, compare=False)

    def check(self) -> None:
        """Raise `promptocr.cancel.CancelledError` if this work was cancelled."""
        if self.cancel is not None:
            self.cancel.check()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.check()
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, (time.perf_counter() - t0) * 1000.0)

    def add(self, name: str, ms: float) -> None:
        self.stages_ms[name] = self.stages_ms.get(name, 0.0) + ms
        self.stage_calls[name] = self.stage_calls.get(name, 0) + 1

    def skip(self, name: str, reason: str) -> None:
        """Record a stage the plan did not run, and why (first reason wins)."""
        self.skipped.setdefault(name, reason)

    def merge(self, other: Usage) -> None:
        for k, v in other.stages_ms.items():
            self.stages_ms[k] = self.stages_ms.get(k, 0.0) + v
        for k, n in other.stage_calls.items():
            self.stage_calls[k] = self.stage_calls.get(k, 0) + n
        for k, r in other.skipped.items():
            self.skipped.setdefault(k, r)
        for k, n in other.cache.items():
            self.cache[k] = self.cache.get(k, 0) + n
        self.pages += other.pages
        self.lines_detected += other.lines_detected
        self.lines_recognized += other.lines_recognized
        self.notes.extend(n for n in other.notes if n not in self.notes)
        self.detection.extend(other.detection)
        for k, n in other.rec_head.items():
            self.rec_head[k] = self.rec_head.get(k, 0) + n
        self.rec_squeeze.extend(other.rec_squeeze)
        self.rec_lexicon += other.rec_lexicon
        for k, n in other.checkboxes.items():
            self.checkboxes[k] = self.checkboxes.get(k, 0) + n

    @property
    def total_ms(self) -> float:
        return sum(self.stages_ms.values())

    def to_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"rec_head": dict(self.rec_head)} if self.rec_head else {}
        if self.rec_lexicon:
            extra["rec_lexicon"] = self.rec_lexicon
        if self.checkboxes:
            extra["checkboxes"] = dict(self.checkboxes)
        return {
            "stages_ms": {k: round(v, 2) for k, v in self.stages_ms.items()},
            "stage_calls": dict(self.stage_calls),
            "total_ms": round(self.total_ms, 2),
            "skipped": dict(self.skipped),
            "cache": dict(self.cache),
            "pages": self.pages,
            "lines_detected": self.lines_detected,
            "lines_recognized": self.lines_recognized,
            "notes": list(self.notes),
            "detection": [dict(d) for d in self.detection],
            "rec_squeeze": [dict(d) for d in self.rec_squeeze],
            **extra,
        }
