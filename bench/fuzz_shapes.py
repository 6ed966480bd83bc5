"""What an answer of bench/fuzz.py must look like, per dialect: its body, error body and every
stream event or frame, against the official schemas the dialect tests use (tests/fixtures):
OpenAI's Chat Completions and Responses OpenAPI, Anthropic's Messages OpenAPI and streaming
events, Google's generateContent Discovery document (tests/gemini_support.py), Bedrock's
service model with botocore's validator and event-stream parser (tests/bedrock_support.py), and
Ollama's ``api/types.go`` shapes. ``judge`` answers a problem (str) or None."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(ROOT / "tests"))

import bedrock_support  # noqa: E402  (botocore's validator and event-stream parser on the service model)
import gemini_support  # noqa: E402  (the Discovery document as closed JSON Schemas)


class Documents:
    """Validators of ``components/schemas`` (OpenAPI) or ``$defs`` names, compiled once."""

    def __init__(self) -> None:
        self.registry = Registry()
        for urn, file in (("urn:openai", "openai-chat-schemas.json"), ("urn:openai-responses", "openai-responses-schemas.json"),
                          ("urn:anthropic", "anthropic-messages-schemas.json"), ("urn:ollama", "ollama-api-schemas.json")):
            self.registry = self.registry.with_resource(urn, DRAFT202012.create_resource(json.loads((FIXTURES / file).read_text())))
        self.compiled: dict[str, jsonschema.Draft202012Validator] = {}

    def problem(self, ref: str, instance: Any) -> str | None:
        validator = self.compiled.get(ref)
        if validator is None:
            validator = self.compiled[ref] = jsonschema.Draft202012Validator({"$ref": ref}, registry=self.registry)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        return None if error is None else f"{ref.rsplit('/', 1)[-1]}: {error.message[:160]} at {error.json_path}"


DOCS = Documents()


def openai(name: str, value: Any) -> str | None:
    return DOCS.problem(f"urn:openai#/components/schemas/{name}", value)


def responses(name: str, value: Any) -> str | None:
    return DOCS.problem(f"urn:openai-responses#/components/schemas/{name}", value)


def anthropic(name: str, value: Any) -> str | None:
    return DOCS.problem(f"urn:anthropic#/components/schemas/{name}", value)


def ollama(name: str, value: Any) -> str | None:
    return DOCS.problem(f"urn:ollama#/$defs/{name}", value)


def sse(raw: bytes) -> list[tuple[str | None, Any]]:
    """(event name, JSON data) of each SSE event; ``[DONE]`` is left out."""
    events = []
    for block in raw.decode().replace("\r\n", "\n").split("\n\n"):
        lines = block.split("\n")
        data = "\n".join(line[5:].removeprefix(" ") for line in lines if line.startswith("data:"))
        name = next((line[6:].strip() for line in lines if line.startswith("event:")), None)
        if data and data != "[DONE]":
            events.append((name, json.loads(data)))
    return events


def first(problems: Any) -> str | None:
    return next(filter(None, problems), None)


def typed_events(check: Any, schema: str, raw: bytes) -> str | None:
    """SSE whose ``event:`` name is the event's ``type`` (Responses, Messages): each checked."""
    return first(check(schema, e) or (None if name == e.get("type") else f"event: {name!r} names a {e.get('type')!r}")
                 for name, e in sse(raw))


def _chat(status: int, streamed: bool, raw: bytes) -> str | None:
    if status >= 400:
        return openai("ErrorResponse", json.loads(raw))
    if streamed:
        return first(openai("ErrorResponse" if "error" in e and "choices" not in e else "CreateChatCompletionStreamResponse", e) for _, e in sse(raw))
    return openai("CreateChatCompletionResponse", json.loads(raw))


def _responses(status: int, streamed: bool, raw: bytes) -> str | None:
    if status >= 400:
        return openai("ErrorResponse", json.loads(raw))
    if streamed:
        return typed_events(responses, "ResponseStreamEvent", raw)
    return responses("Response", json.loads(raw))


def _messages(status: int, streamed: bool, raw: bytes) -> str | None:
    if status >= 400:
        return anthropic("ErrorResponse", json.loads(raw))
    if streamed:
        return typed_events(anthropic, "MessageStreamEvent", raw)
    return anthropic("Message", json.loads(raw))


def _gemini(status: int, content_type: str, raw: bytes, endpoint: str) -> str | None:
    if status < 400:
        wanted = "text/event-stream" if endpoint.endswith("alt=sse") else "application/json"
        if not content_type.startswith(wanted):
            return f"content-type {content_type!r} for {endpoint}, not {wanted}"
        if endpoint.startswith("stream") and not endpoint.endswith("alt=sse") and not raw.startswith(b"["):
            return "streamGenerateContent without alt=sse is not a JSON array"
    try:
        gemini_support.assert_answer_official(raw, content_type, status)
    except AssertionError as error:
        return str(error)[:300]
    return None


def _bedrock(status: int, content_type: str, raw: bytes, headers: Any, endpoint: str) -> str | None:
    try:
        if status >= 400:
            kind = headers.get("x-amzn-errortype", "").split(":")[0]
            if not kind:
                return "an error without x-amzn-errortype"
            body = json.loads(raw)
            if kind in bedrock_support.SERVICE.shape_names:
                shape = bedrock_support.SERVICE.shape_for(kind)
                if shape.metadata.get("error", {}).get("httpStatusCode", status) != status:
                    return f"{kind} with status {status}, the model says {shape.metadata['error']['httpStatusCode']}"
                bedrock_support.assert_shape(kind, body)
            elif not isinstance(body.get("message", body.get("Message")), str):
                return f"{kind}: no message in {raw[:200]!r}"
            return None
        if endpoint == "converse-stream":
            if content_type != "application/vnd.amazon.eventstream":
                return f"converse-stream answered {content_type!r}"
            bedrock_support.assert_stream_shapes(bedrock_support.decode_stream(raw))
        else:
            bedrock_support.assert_shape("ConverseResponse", json.loads(raw))
    except AssertionError as error:
        return str(error)[:300]
    except Exception as error:  # botocore's parser raises its own errors on a bad frame
        return f"{type(error).__name__}: {str(error)[:200]}"
    return None


def _ollama(status: int, content_type: str, raw: bytes, endpoint: str) -> str | None:
    kind = "ChatResponse" if endpoint == "api/chat" else "GenerateResponse"
    if status >= 400:
        return ollama("ErrorResponse", json.loads(raw))
    if content_type == "application/x-ndjson":
        if not raw.endswith(b"\n") or b"\n\n" in raw:
            return "NDJSON not one object a line"
        return first(ollama("ErrorResponse" if "error" in line else kind, line) for line in map(json.loads, raw[:-1].split(b"\n")))
    return ollama(kind, json.loads(raw))


def judge(dialect: str, endpoint: str, status: int, headers: Any, raw: bytes) -> str | None:
    """A 5xx is a crash unless a rule of the dialect's book sends it (``X-Mock-Rule``: the provider
    answers so, e.g. Ollama's 500 for a bad ``format``); a 422 "Scenario error" is the mock's own
    diagnostic (the scenario's reply does not fit the request's tools), not a provider answer."""
    if status >= 500 and "x-mock-rule" not in headers:
        return f"{status}: {raw[:200]!r}"
    if status == 422 and b"Scenario error" in raw:
        return None
    content_type = headers.get("content-type", "")
    streamed = content_type.startswith("text/event-stream")
    try:
        if dialect == "chat":
            return _chat(status, streamed, raw)
        if dialect == "responses":
            return _responses(status, streamed, raw)
        if dialect == "messages":
            return _messages(status, streamed, raw)
        if dialect == "gemini":
            return _gemini(status, content_type, raw, endpoint)
        if dialect == "bedrock":
            return _bedrock(status, content_type, raw, headers, endpoint)
        return _ollama(status, content_type, raw, endpoint)
    except (ValueError, UnicodeDecodeError, AttributeError, TypeError) as exc:
        return f"not JSON: {str(exc)[:150]}"
