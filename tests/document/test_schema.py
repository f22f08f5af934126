"""The published JSON schema matches the code and real output."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from promptocr import synth
from promptocr.document import Document
from promptocr.document.schema import json_schema, validate_document
from promptocr.engines.embedded import EmbeddedEngine
from promptocr.engines.usage import Usage
from promptocr.inputs.loader import PageImage

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_published_json_schema_is_up_to_date() -> None:
    published = json.loads((DOCS / "document.schema.json").read_text(encoding="utf-8"))
    assert published == json_schema(), "regenerate: python -m promptocr.document.schema"


def test_example_in_schema_md_validates() -> None:
    md = (DOCS / "schema.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)\n```", md, re.S)
    assert block is not None
    payload = json.loads(block.group(1))
    validate_document(payload["document"])
    assert Document.from_dict(payload["document"]).to_dict() == payload["document"]


@pytest.fixture(scope="module")
def real(engine: EmbeddedEngine) -> dict[str, Any]:
    turned = np.ascontiguousarray(np.rot90(np.asarray(synth.english_page().image), 3))
    pages = [
        engine.read_page(PageImage(0, np.asarray(synth.receipt().image), "r.png"), Usage()),
        engine.read_page(PageImage(1, turned, "r.png"), Usage()),
    ]
    assert pages[1].rotation == 90
    return Document(pages, source="r.png").to_dict()


def test_real_output_validates(real: dict[str, Any]) -> None:
    model = validate_document(json.loads(json.dumps(real)))
    assert model.pages[1].rotation == 90
    assert sum(len(b.lines) for b in model.pages[0].blocks) > 10


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("pages", 0, "rotation"), 45),
        (("pages", 0, "blocks", 0, "confidence"), 1.5),
        (("pages", 0, "blocks", 0, "lines", 0, "polygon"), [[0, 0], [1, 0], [1, 1]]),
        (("pages", 0, "blocks", 0, "lines", 0, "bbox"), [0, 0, 1]),
        (("pages", 0, "index"), -1),
        (("schema_version",), "2.0"),
        (("pages", 0, "blocks", 0, "lines", 0, "words", 0, "text"), 7),
    ],
)
def test_invalid_payloads_are_refused(
    real: dict[str, Any], path: tuple[str | int, ...], value: object
) -> None:
    bad = copy.deepcopy(real)
    target: Any = bad
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError):
        validate_document(bad)


def test_unknown_keys_are_refused(real: dict[str, Any]) -> None:
    bad = copy.deepcopy(real)
    bad["pages"][0]["angle"] = 0
    with pytest.raises(ValidationError, match="angle"):
        validate_document(bad)
