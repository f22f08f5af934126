"""What an OpenAI client gets: a 501 carries the recognised text in `details`, an empty answer
says why, and streaming sends each page's text as soon as that page is read."""

from __future__ import annotations

import base64
import json
import time

import openai
from server_helpers import RunningServer, png_bytes

from promptocr import synth

PAGES = [f"Chapter {n} begins here {n * 11}" for n in range(1, 13)]


def _client(server: RunningServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="EMPTY", max_retries=0)


def _messages(data: bytes, mime: str, text: str) -> list[dict[str, object]]:
    url = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    return [
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": url}},
                {"type": "text", "text": text},
            ],
        }
    ]


def test_501_carries_the_recognised_text(server: RunningServer) -> None:
    png = png_bytes(synth.text_image("BONJOUR MONDE", size=30).image)
    try:
        _client(server).chat.completions.create(
            model="promptocr",
            messages=_messages(png, "image/png", "Translate the text in the image to English."),  # type: ignore[arg-type]
        )
    except openai.APIStatusError as err:
        assert err.status_code == 501
        body = err.body if isinstance(err.body, dict) else {}
        body = body.get("error", body)
        assert body["code"] == "engine_unavailable"
        assert "BONJOUR" in body["details"]["text"]
    else:
        raise AssertionError("translate without a VLM must be a 501")


def test_an_empty_answer_says_why(server: RunningServer) -> None:
    png = png_bytes(synth.text_image("NO TABLE ON THIS PAGE", size=30).image)
    r = _client(server).chat.completions.create(
        model="promptocr",
        messages=_messages(png, "image/png", "Parse the table in the image into HTML."),  # type: ignore[arg-type]
    )
    assert r.choices[0].message.content == ""
    ext = r.model_extra["promptocr"] if r.model_extra else {}
    assert "no table was found" in ext["empty_reason"]
    blank = png_bytes(synth.Canvas(400, 300).image)
    r = _client(server).chat.completions.create(
        model="promptocr",
        messages=_messages(blank, "image/png", "read the text"),  # type: ignore[arg-type]
    )
    ext = r.model_extra["promptocr"] if r.model_extra else {}
    assert r.choices[0].message.content == "" and "blank page" in ext["empty_reason"]


def test_streaming_sends_pages_as_they_are_read(server: RunningServer) -> None:
    # the shared server reads at most 3 pages; 12 lines each take a while to read
    data = synth.pdf_from_images(
        [
            synth.english_page(width=900, lines=[f"{t} line {i}" for i in range(12)]).image
            for t in PAGES[:3]
        ]
    )
    client = _client(server)
    t0 = time.perf_counter()
    arrivals: list[tuple[float, str]] = []
    stream = client.chat.completions.create(
        model="promptocr",
        messages=_messages(data, "application/pdf", "read the text"),  # type: ignore[arg-type]
        stream=True,
    )
    finish = None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append((time.perf_counter() - t0, chunk.choices[0].delta.content))
        if chunk.choices and chunk.choices[0].finish_reason:
            finish = chunk.choices[0].finish_reason
    text = "".join(t for _, t in arrivals)
    assert finish == "stop"
    whole = client.chat.completions.create(  # the same answer, not streamed (from the cache)
        model="promptocr",
        messages=_messages(data, "application/pdf", "read the text"),  # type: ignore[arg-type]
    )
    assert text == whole.choices[0].message.content
    # The first page's text came in its own delta, before the later pages' text existed.
    first = arrivals[0][1]
    assert "Chapter 1 " in first and "Chapter 3" not in first
    last_page_at = next(at for at, t in arrivals if "Chapter 3" in t)
    # A replay of the finished answer sends every delta within milliseconds; here page 3's
    # text waited for two more pages to be read (slower machines only widen the gap).
    assert last_page_at - arrivals[0][0] > 0.1, arrivals


def test_a_question_about_one_field_is_answered_without_a_vlm(server: RunningServer) -> None:
    # a short question about one field is read as extraction (tasks/questions.py): a 200 with
    # the value, not the 501 a free-form question gets without a VLM
    c = synth.Canvas(760, 190)
    c.text((20, 20), "Policy Number: LM-5521-0093", size=28)
    c.text((20, 80), "Expiration Date: 10/01/2025", size=28)
    png = png_bytes(c.image)
    r = _client(server).chat.completions.create(
        model="promptocr",
        messages=_messages(png, "image/png", "When does the policy expire?"),  # type: ignore[arg-type]
    )
    assert json.loads(r.choices[0].message.content or "{}") == {"expiration date": "10/01/2025"}
    # a field the page does not print: null, with no value taken from another label
    r = _client(server).chat.completions.create(
        model="promptocr",
        messages=_messages(png, "image/png", "When was the policy cancelled?"),  # type: ignore[arg-type]
    )
    assert set(json.loads(r.choices[0].message.content or "{}").values()) == {None}
