"""Wire formats: OpenAI chat-completions (the subset HunyuanOCR-on-vLLM clients send) and the
native `/v1/ocr` JSON request.

The OpenAI models follow OpenAI's published schema (as vLLM's `entrypoints/openai/protocol.py`
does): unknown top-level fields are accepted, because the official client merges `extra_body`
into the request body (vLLM clients send e.g. `top_k`, `repetition_penalty`).

Usage accounting (documented in docs/deploy.md): this service runs no tokenizer, so "tokens"
are Unicode characters: `prompt_tokens` counts the characters of the text parts of the
messages (images count 0), `completion_tokens` the characters of the returned content.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# --------------------------------------------------------------------------------------------
# Engine settings a client may choose (validated and bounded: they cost server CPU).


class ClientEngineSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    det_limit_type: Literal["max", "min", "auto"] | None = None
    det_side_len: int | None = Field(default=None, ge=32, le=4096)
    det_thresh: float | None = Field(default=None, gt=0, lt=1)
    det_box_thresh: float | None = Field(default=None, gt=0, lt=1)
    det_unclip_ratio: float | None = Field(default=None, ge=1.0, le=4.0)
    line_cls: bool | None = None
    page_orientation: bool | None = None
    text_score: float | None = Field(default=None, ge=0, le=1)
    text_source: Literal["auto", "ocr", "pdf"] | None = Field(
        default=None,
        description="PDF pages: auto (default: a real text layer replaces OCR), ocr, or pdf",
    )

    def overrides(self) -> dict[str, Any]:
        return {
            "limit_type": self.det_limit_type,
            "side_len": self.det_side_len,
            "thresh": self.det_thresh,
            "box_thresh": self.det_box_thresh,
            "unclip_ratio": self.det_unclip_ratio,
            "use_line_cls": self.line_cls,
            "page_orientation": self.page_orientation,
            "text_score": self.text_score,
            "text_source": self.text_source,
        }


OutputFormat = Literal[
    "json", "text", "markdown", "hocr", "alto", "lines", "hunyuan", "hunyuan_json"
]


class OCRRequest(BaseModel):
    """`POST /v1/ocr` as JSON. Exactly one of `image` (base64 or a `data:` URL) and `url`."""

    model_config = ConfigDict(extra="forbid")

    image: str | None = Field(
        default=None, description="base64 bytes of an image or PDF, or a data: URL"
    )
    url: str | None = Field(default=None, description="http(s) URL; only when the server allows it")
    filename: str | None = Field(default=None, max_length=255)
    prompt: str = Field(default="", description="the instruction (see max_prompt_chars)")
    pages: str | None = Field(default=None, max_length=200, description="1-based, e.g. '1-3,5'")
    dpi: int = Field(default=200, ge=36)
    output_format: OutputFormat | None = None
    task_type: str | None = Field(
        default=None, max_length=40, description="a HunyuanOCR task type instead of the prompt"
    )
    engine: str | None = Field(
        default=None,
        max_length=20,
        description="auto (default: the router decides), embedded, or vlm",
    )
    settings: ClientEngineSettings = Field(default_factory=lambda: ClientEngineSettings())
    timeout_s: float | None = Field(default=None, gt=0)


# --------------------------------------------------------------------------------------------
# OpenAI chat completions


class ImageURL(BaseModel):
    model_config = ConfigDict(extra="allow")
    url: str
    detail: str | None = None


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["text"]
    text: str


class ImagePart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["image_url"]
    image_url: ImageURL


ContentPart = TextPart | ImagePart


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str | list[ContentPart] | None = None
    name: str | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool | None = False


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    n: int | None = Field(default=1, ge=1)
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    seed: int | None = None
    stop: str | list[str] | None = None
    user: str | None = None
    extra_body: dict[str, Any] | None = None
    # promptocr options (send them through the client's `extra_body`)
    pages: str | None = Field(default=None, max_length=200)
    dpi: int = Field(default=200, ge=36)
    output_format: OutputFormat | None = None
    task_type: str | None = Field(default=None, max_length=40)
    engine: str | None = Field(default=None, max_length=20)
    ocr_settings: ClientEngineSettings | None = None
    timeout_s: float | None = Field(default=None, gt=0)


class UsageInfo(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    refusal: str | None = None


class ChatCompletionChoice(BaseModel):
    index: int = 0
    message: ResponseMessage
    logprobs: None = None
    finish_reason: Literal["stop", "length"] = "stop"


def completion_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex


class ChatCompletionResponse(BaseModel):
    id: str = Field(default_factory=completion_id)
    object: Literal["chat.completion"] = "chat.completion"
    created: int = Field(default_factory=lambda: int(time.time()))
    model: str
    choices: list[ChatCompletionChoice]
    usage: UsageInfo
    system_fingerprint: str | None = None
    promptocr: dict[str, Any] | None = Field(
        default=None, description="extension: the task, its plan and per-stage usage"
    )


class DeltaMessage(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChatCompletionStreamChoice(BaseModel):
    index: int = 0
    delta: DeltaMessage
    logprobs: None = None
    finish_reason: Literal["stop", "length"] | None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChatCompletionStreamChoice]
    usage: UsageInfo | None = None
    promptocr: dict[str, Any] | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "promptocr"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
