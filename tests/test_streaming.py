"""stream: true — framing, chunk shapes, accumulation by the official SDK, usage, n, faults, timing."""

from __future__ import annotations

import json
import logging
import time

import httpx
import openai
import pytest

from conftest import assert_official
from conversations import BUNDLED_REQUESTS
from payloads import GET_WEATHER_TOOL, chat, user


def sdk_kwargs(body: dict) -> dict:
    return {k: v for k, v in body.items()}


def message_of(completion) -> dict:
    message = completion.choices[0].message
    calls = [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []]
    return {"content": message.content, "tool_calls": calls, "finish_reason": completion.choices[0].finish_reason}


def accumulate(chunks) -> dict:
    """Accumulate raw stream chunks the way a client would (by tool-call index)."""
    content, calls, finish = None, {}, None
    for chunk in chunks:
        for choice in chunk.choices:
            delta = choice.delta
            if delta.content is not None:
                content = (content or "") + delta.content
            for tc in delta.tool_calls or []:
                entry = calls.setdefault(tc.index, ["", "", ""])
                entry[0] += tc.id or ""
                entry[1] += (tc.function.name or "") if tc.function else ""
                entry[2] += (tc.function.arguments or "") if tc.function else ""
            finish = choice.finish_reason or finish
    return {"content": content, "tool_calls": [tuple(calls[i]) for i in sorted(calls)], "finish_reason": finish}


def normalise(message: dict) -> dict:
    # a streamed text-less answer has no content deltas at all; the non-streamed one has null or ""
    return {**message, "content": message["content"] or None}


@pytest.mark.parametrize("name", list(BUNDLED_REQUESTS))
def test_stream_accumulates_to_the_non_streamed_message(openai_client, name):
    body = BUNDLED_REQUESTS[name]
    expected = normalise(message_of(openai_client.chat.completions.create(**sdk_kwargs(body))))
    streamed = normalise(accumulate(openai_client.chat.completions.create(**sdk_kwargs(body), stream=True)))
    assert streamed == expected
    with openai_client.chat.completions.stream(**sdk_kwargs(body)) as stream:
        final = stream.get_final_completion()
    assert normalise(message_of(final)) == expected


@pytest.mark.anyio
@pytest.mark.parametrize("name", list(BUNDLED_REQUESTS))
async def test_async_stream_accumulates(async_openai_client, name):
    body = BUNDLED_REQUESTS[name]
    expected = normalise(message_of(await async_openai_client.chat.completions.create(**sdk_kwargs(body))))
    chunks = [c async for c in await async_openai_client.chat.completions.create(**sdk_kwargs(body), stream=True)]
    assert normalise(accumulate(chunks)) == expected
    async with async_openai_client.chat.completions.stream(**sdk_kwargs(body)) as stream:
        final = await stream.get_final_completion()
    assert normalise(message_of(final)) == expected


def raw_events(http, body, **kw):
    response = http.post("/v1/chat/completions", json={**body, "stream": True}, **kw)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    return response.content


@pytest.mark.parametrize("name", list(BUNDLED_REQUESTS))
def test_raw_framing_and_chunk_schema(http, name):
    raw = raw_events(http, BUNDLED_REQUESTS[name])
    assert raw.endswith(b"data: [DONE]\n\n")
    events = raw.split(b"\n\n")
    assert events[-1] == b"" and events[-2] == b"data: [DONE]"
    assert raw.count(b"[DONE]") == 1
    chunks = []
    for event in events[:-2]:
        assert event.startswith(b"data: {") and b"\n" not in event
        chunks.append(json.loads(event[len(b"data: "):]))
    for chunk in chunks:
        assert_official("CreateChatCompletionStreamResponse", chunk)
        assert chunk["object"] == "chat.completion.chunk"
        assert "usage" not in chunk  # only with include_usage
    assert len({(c["id"], c["created"], c["model"]) for c in chunks}) == 1
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert deltas[0]["role"] == "assistant"
    assert all("role" not in d for d in deltas[1:])
    assert deltas[-1] == {} and chunks[-1]["choices"][0]["finish_reason"] in ("stop", "tool_calls")
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    # tool-call deltas: a header per call (index, id, type, name, empty arguments), then fragments
    seen: list[int] = []
    for d in deltas:
        for tc in d.get("tool_calls", []):
            if "id" in tc:
                assert set(tc) == {"index", "id", "type", "function"} and tc["type"] == "function"
                assert tc["function"]["arguments"] == "" and tc["function"]["name"]
                assert tc["index"] == len(seen)
                seen.append(tc["index"])
            else:
                assert set(tc) == {"index", "function"} and set(tc["function"]) == {"arguments"}
                assert tc["index"] == seen[-1]  # calls are streamed one after another
    text_pieces = [d["content"] for d in deltas if d.get("content")]
    non_streamed = http.post("/v1/chat/completions", json=BUNDLED_REQUESTS[name]).json()["choices"][0]["message"]
    if non_streamed["content"]:
        assert len(text_pieces) > 1  # a client sees more than one piece


def test_include_usage_chunk(http):
    body = chat(user("hello there"), stream_options={"include_usage": True})
    raw = raw_events(http, body)
    chunks = [json.loads(e[6:]) for e in raw.split(b"\n\n")[:-2]]
    assert all(c["usage"] is None for c in chunks[:-1])
    last = chunks[-1]
    assert last["choices"] == [] and last["usage"]["total_tokens"] > 0
    assert_official("CreateChatCompletionStreamResponse", last)
    non_streamed = http.post("/v1/chat/completions", json=chat(user("hello there"))).json()
    assert last["usage"] == non_streamed["usage"]


def test_n_greater_than_one_streamed(openai_client):
    body = chat(user("What is the weather in Quito?"), tools=[GET_WEATHER_TOOL], n=3)
    chunks = list(openai_client.chat.completions.create(**body, stream=True))
    by_choice = {}
    for chunk in chunks:
        for choice in chunk.choices:
            by_choice.setdefault(choice.index, []).append(choice)
    assert sorted(by_choice) == [0, 1, 2]
    with openai_client.chat.completions.stream(**body) as stream:
        final = stream.get_final_completion()
    assert [json.loads(c.message.tool_calls[0].function.arguments) for c in final.choices] == [{"city": "Quito"}] * 3
    assert len({c.message.tool_calls[0].id for c in final.choices}) == 3


def test_stream_validation_errors_are_plain_json(http):
    response = http.post("/v1/chat/completions", json={"model": "m", "messages": [], "stream": True})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "empty_array"


FAULTS = """\
version: 1
name: faults
rules:
  - name: error
    when: {last_message: please error}
    reply:
      content: "one two three four five six"
      fault: {stream: {kind: error, after: 2, message: "the model fell over"}}
  - name: cut
    when: {last_message: please cut}
    reply:
      content: "one two three four five six"
      fault: {stream: {kind: cut, after: 3}}
  - name: drop
    when: {last_message: please drop}
    reply:
      content: "one two three four five six"
      fault: {stream: {kind: drop, after: 2}}
  - name: slow
    when: {last_message: slow}
    reply:
      content: "one two three four five six seven eight nine ten"
      timing: {ttft: 0.3, tps: 40}
  - name: endless
    when: {last_message: endless}
    reply:
      content: "{{ 'word ' * 400 }}"
      timing: {tps: 100}
"""


def test_mid_stream_error_event(serve):
    running = serve(FAULTS)
    raw = httpx.post(running.url + "/v1/chat/completions", json=chat(user("please error"), stream=True)).content
    events = raw.split(b"\n\n")
    assert len(events) == 4 and events[-1] == b""  # two chunks, the error, nothing more
    assert json.loads(events[2][6:]) == {"error": {"message": "the model fell over", "type": "server_error", "param": None, "code": None}}
    client = openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=0)
    with pytest.raises(openai.APIError, match="the model fell over"):
        for _ in client.chat.completions.create(**chat(user("please error")), stream=True):
            pass


def test_cut_stream_has_no_done(serve):
    running = serve(FAULTS)
    raw = httpx.post(running.url + "/v1/chat/completions", json=chat(user("please cut"), stream=True)).content
    assert b"[DONE]" not in raw and raw.count(b"data: ") == 3


def test_dropped_stream_raises_in_the_client(serve):
    running = serve(FAULTS)
    client = openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        for _ in client.chat.completions.create(**chat(user("please drop")), stream=True):
            pass
    # the server keeps serving
    assert httpx.get(running.url + "/healthz").status_code == 200


def test_timing_emulation(serve):
    running = serve(FAULTS)
    client = openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=0)
    start = time.monotonic()
    stream = client.chat.completions.create(**chat(user("slow")), stream=True)
    first_text_at = None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content and first_text_at is None:
            first_text_at = time.monotonic() - start
    total = time.monotonic() - start
    # ttft 0.3 s, then 10 one-token words at 40 tokens/s = 0.25 s
    assert 0.28 <= first_text_at < 0.9, first_text_at
    assert 0.5 <= total < 1.5, total
    # non-streamed answers take the whole duration too
    start = time.monotonic()
    client.chat.completions.create(**chat(user("slow")))
    assert 0.5 <= time.monotonic() - start < 1.5


def test_server_wide_timing_and_chunking(serve):
    running = serve("version: 1\nname: t\nrules: [{reply: {content: abcdefghij}}]\n", ttft=0.2, chunk_chars=3)
    start = time.monotonic()
    raw = httpx.post(running.url + "/v1/chat/completions", json=chat(user("x"), stream=True)).content
    assert time.monotonic() - start >= 0.2
    pieces = [json.loads(e[6:])["choices"][0]["delta"].get("content") for e in raw.split(b"\n\n")[:-2]]
    assert pieces[1:-1] == ["abc", "def", "ghi", "j"]


def test_disconnect_mid_stream_is_clean(serve, caplog):
    running = serve(FAULTS)
    caplog.set_level(logging.INFO, logger="mockserver.stream")
    with httpx.Client(base_url=running.url) as client:
        with client.stream("POST", "/v1/chat/completions", json=chat(user("endless"), stream=True)) as response:
            lines = response.iter_lines()
            assert next(lines).startswith("data: ")
    deadline = time.monotonic() + 5
    while "client disconnected mid-stream" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "client disconnected mid-stream" in caplog.text
    assert "Traceback" not in caplog.text
    response = httpx.post(running.url + "/v1/chat/completions", json=chat(user("hello")))
    assert response.status_code == 400  # no rule matches "hello" in FAULTS — but the server answers
    assert response.json()["error"]["code"] == "no_matching_rule"
