"""Every Messages body, stream event and error the mock sends validates against Anthropic's
published schemas (tests/fixtures/anthropic-messages-schemas.json: the API reference's OpenAPI
and the streaming page's events), and the shape gaps of issue 31 stay closed: D5 (``container``,
``usage.server_tool_use``, text blocks' ``citations``: required, nullable), D6 (an error's
``request-id`` header is its body's ``request_id``), D7 (``max_tokens: 1.0``; ``GET /v1/messages``
in Anthropic's shape; the 413's type)."""

from __future__ import annotations

import json
from typing import Any, Iterator

import anthropic
import httpx
import pytest

from conftest import assert_anthropic_official, scenario_set
from mockserver.config import Config
from mockserver.testing import ServerThread

SCENARIOS = r"""
version: 1
name: shapes
rules:
  - name: two-calls
    when: {last_message: {role: user, regex: 'two calls'}}
    reply:
      content: "Let me look."
      tool_calls: [{name: get_weather, arguments: {city: Oslo}}, {name: get_weather, arguments: {city: Lima}}]
  - name: after-tools
    when: {tool_result: {tool: get_weather}}
    reply: {content: "Both are fine."}
  - name: long
    when: {last_message: {role: user, regex: 'long'}}
    reply: {content: "one two three four five six seven eight nine ten eleven twelve STOP thirteen"}
  - name: hello
    reply: {content: "Hello there."}
"""
WEATHER = {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def body(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "claude-test", "max_tokens": 200, "messages": [{"role": "user", "content": text}], "tools": [WEATHER], **extra}


REQUESTS = {
    "text": body("hi"),
    "text and two tool uses": body("two calls please"),
    "stop sequence": body("long", stop_sequences=["STOP"]),
    "max tokens": body("long", max_tokens=3),
    "max tokens 1.0": body("long", max_tokens=1.0),
    "after tool results": {**body("two calls please"), "messages": [
        {"role": "user", "content": "two calls please"},
        {"role": "assistant", "content": [{"type": "text", "text": "Let me look."},
                                          {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}},
                                          {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"city": "Lima"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "5"},
                                     {"type": "tool_result", "tool_use_id": "toolu_2", "content": [{"type": "text", "text": "20"}]}]}]},
}


@pytest.fixture(scope="module")
def shapes() -> Iterator[ServerThread]:
    with ServerThread(Config(port=0, api_key="k"), scenario_set(SCENARIOS)) as running:
        yield running
        running.check()


def post(server: ServerThread, json_body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(server.url + "/v1/messages", json=json_body, headers={"x-api-key": "k", **(headers or {})}, timeout=10)


def events(server: ServerThread, json_body: dict[str, Any], headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    with httpx.stream("POST", server.url + "/v1/messages", json={**json_body, "stream": True},
                      headers={"x-api-key": "k", **(headers or {})}, timeout=10) as response:
        assert response.status_code == 200
        text = response.read().decode()
    out = []
    for block in text.strip().split("\n\n"):
        event_line, data_line = block.split("\n")
        payload = json.loads(data_line.removeprefix("data: "))
        assert event_line == f"event: {payload['type']}"
        assert_anthropic_official("MessageStreamEvent", payload)
        out.append(payload)
    return out


@pytest.mark.parametrize("name", REQUESTS)
def test_bodies_and_stream_events_validate(shapes, name):
    response = post(shapes, REQUESTS[name])
    assert response.status_code == 200, response.text
    message = response.json()
    assert_anthropic_official("Message", message)
    # D5: required (nullable) fields are there
    assert message["container"] is None and message["usage"]["server_tool_use"] is None
    assert all(b["citations"] is None for b in message["content"] if b["type"] == "text")
    streamed = events(shapes, REQUESTS[name])
    assert streamed[0]["type"] == "message_start" and streamed[-1]["type"] == "message_stop"
    assert streamed[0]["message"]["container"] is None
    for event in streamed:
        if event["type"] == "content_block_start" and event["content_block"]["type"] == "text":
            assert event["content_block"] == {"type": "text", "text": "", "citations": None}


def test_max_tokens_1_0_is_an_integer_and_1_5_is_pydantic_s_error(shapes):
    """pydantic v2's lax int (Anthropic's validation layer): 1.0 is 1, 1.5 "got a number with a fractional part"."""
    assert post(shapes, body("long", max_tokens=1.0)).json()["stop_reason"] == "max_tokens"
    response = post(shapes, body("long", max_tokens=1.5))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "max_tokens: Input should be a valid integer, got a number with a fractional part"


@pytest.mark.parametrize("model,message", [("", "model: String should have at least 1 character"),
                                           ("m" * 257, "model: String should have at most 256 characters")])
def test_a_model_the_schema_refuses_is_refused_not_echoed(shapes, model, message):
    """Found by bench/fuzz.py: the Message echoed an empty or 257-character model, which its schema
    refuses (Model: minLength 1, maxLength 256); pydantic's words, as for the other fields."""
    response = post(shapes, {**body("hi"), "model": model})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
    assert_anthropic_official("ErrorResponse", response.json())
    assert post(shapes, {**body("hi"), "model": "m" * 256}).status_code == 200


ERRORS = {
    "400 shape": (lambda s: post(s, {"model": "m", "messages": [{"role": "user", "content": "hi"}]}), 400, "invalid_request_error"),
    "400 unknown field": (lambda s: post(s, body("hi", response_format={"type": "json_object"})), 400, "invalid_request_error"),
    "401": (lambda s: httpx.post(s.url + "/v1/messages", json=body("hi"), timeout=10), 401, "authentication_error"),
    "404 thread": (lambda s: post(s, {**body("hi"), "tools": None, "thread": {"type": "continue", "previous_message_id": "msg_x"}},
                                  {"anthropic-beta": "message-threads-2026-08-12"}), 404, "not_found_error"),
    "405 GET": (lambda s: httpx.get(s.url + "/v1/messages", timeout=10), 405, "invalid_request_error"),
    "429 fault": (lambda s: post(s, body("hi"), {"X-Mock-Fault": "429"}), 429, "rate_limit_error"),
    "500 fault": (lambda s: post(s, body("hi"), {"X-Mock-Fault": "500"}), 500, "api_error"),
    "529 fault": (lambda s: post(s, body("hi"), {"X-Mock-Fault": "529"}), 529, "overloaded_error"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_validate_and_their_request_id_header_is_the_body_s(shapes, name):
    send, status, kind = ERRORS[name]
    response = send(shapes)
    assert response.status_code == status, response.text
    error = response.json()
    assert error["type"] == "error" and error["error"]["type"] == kind
    assert_anthropic_official("ErrorResponse", error)
    assert response.headers["request-id"] == error["request_id"]  # D6


def test_413_is_request_too_large_as_anthropic_documents_it(serve):
    """Anthropic's errors page documents 413 ``request_too_large`` (clients quote
    '413 {"error":{"type":"request_too_large","message":"Request exceeds the maximum size"}}'), a type
    its OpenAPI ErrorResponse does not list: the body is that schema's shape with that type."""
    running = serve(SCENARIOS, max_body_bytes=1000)
    response = httpx.post(running.url + "/v1/messages", json=body("x" * 2000), timeout=10)
    assert response.status_code == 413
    error = response.json()
    assert error["error"]["type"] == "request_too_large"
    assert error["error"]["message"].startswith("Request exceeds the maximum size (mockserver: ")
    assert response.headers["request-id"] == error["request_id"]
    assert_anthropic_official("ErrorResponse", {**error, "error": {**error["error"], "type": "invalid_request_error"}})


def test_the_mid_stream_error_event_validates(shapes):
    with httpx.stream("POST", shapes.url + "/v1/messages", json={**body("hi"), "stream": True},
                      headers={"x-api-key": "k", "X-Mock-Fault": "stream-error; after=2"}, timeout=10) as response:
        blocks = response.read().decode().strip().split("\n\n")
    payload = json.loads(blocks[-1].split("\n")[1].removeprefix("data: "))
    assert payload["type"] == "error"
    assert_anthropic_official("ErrorEvent", payload)


def test_the_sdk_reads_every_body_as_its_models(shapes):
    client = anthropic.Anthropic(base_url=shapes.url, api_key="k", max_retries=0)
    for request in REQUESTS.values():
        message = client.messages.create(**request)
        assert message.container is None and message.usage.server_tool_use is None
        with client.messages.stream(**request) as stream:
            assert stream.get_final_message().model_dump() == message.model_dump()
