"""What the Bedrock tests share: a boto3 ``bedrock-runtime`` client on the mock (dummy
credentials, ``endpoint_url``), the service model (tests/fixtures, botocore's own) to validate
bodies and stream events with botocore's ``ParamValidator``, and a decoder of raw ConverseStream
bytes that runs botocore's own event-stream parser and checks every CRC."""

from __future__ import annotations

import json
from binascii import crc32
from pathlib import Path
from struct import unpack
from typing import Any, Callable

import boto3
from botocore.config import Config as BotoConfig
from botocore.eventstream import EventStreamBuffer
from botocore.model import ServiceModel
from botocore.validate import ParamValidator

FIXTURES = Path(__file__).parent / "fixtures"
SERVICE = ServiceModel(json.loads((FIXTURES / "bedrock-runtime-service-2.json").read_text()), "bedrock-runtime")
STREAM_EVENTS = SERVICE.shape_for("ConverseStreamOutput")
STOP_REASONS = set(SERVICE.shape_for("StopReason").enum)
MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"

WEATHER = {"toolSpec": {"name": "get_weather", "description": "Weather for a city", "inputSchema": {"json": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}}}}
CURRENT_WEATHER = {"toolSpec": {"name": "get_current_weather", "description": "Current weather", "inputSchema": {"json": {
    "type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    "required": ["location"]}}}}


def client(url: str, headers: dict[str, str] | None = None, **config: Any) -> Any:
    """boto3's client, signing with dummy credentials; ``headers`` are added to every request."""
    made = boto3.client(
        "bedrock-runtime", endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIDMOCK",
        aws_secret_access_key="mock-secret", config=BotoConfig(retries={"max_attempts": 1}, **config),
    )
    for name, value in (headers or {}).items():
        made.meta.events.register("before-sign.bedrock-runtime.*", _adder(name, value))
    return made


def _adder(name: str, value: str) -> Callable[..., None]:
    def add(request: Any, **_: Any) -> None:
        request.headers[name] = value
    return add


def assert_shape(shape_name: str, value: Any) -> None:
    """``value`` is valid for the service model's shape (botocore's own validator: required
    members, types, unknown members, minimums)."""
    report = ParamValidator().validate(value, SERVICE.shape_for(shape_name))
    assert not report.has_errors(), f"not a valid {shape_name}: {report.generate_report()}\n{json.dumps(value)[:2000]}"


def decode_stream(raw: bytes) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every message of a ConverseStream body as (headers, JSON payload): botocore's parser reads
    them (it raises on a bad prelude or message CRC), and each CRC is recomputed here too; no
    byte may be left over."""
    buffer = EventStreamBuffer()
    buffer.add_data(raw)
    messages = list(buffer)
    offset = 0
    for message in messages:
        total, headers_length, prelude_crc = unpack(">III", raw[offset:offset + 12])
        assert prelude_crc == crc32(raw[offset:offset + 8]) & 0xFFFFFFFF
        (message_crc,) = unpack(">I", raw[offset + total - 4:offset + total])
        assert message_crc == crc32(raw[offset:offset + total - 4]) & 0xFFFFFFFF == message.crc
        assert headers_length == message.prelude.headers_length
        offset += total
    assert offset == len(raw), f"{len(raw) - offset} bytes after the last message"
    return [(message.headers, json.loads(message.payload)) for message in messages]


def assert_stream_shapes(decoded: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Each event's payload (less Bedrock's ``p`` padding) is valid for its event shape."""
    for headers, payload in decoded:
        kind = headers.get(":event-type") or headers.get(":exception-type")
        assert headers[":content-type"] == "application/json"
        assert kind in STREAM_EVENTS.members, kind
        assert_shape(STREAM_EVENTS.members[kind].name, {k: v for k, v in payload.items() if k != "p"})


def run_tools(message: dict[str, Any], tools: dict[str, Callable[..., Any]]) -> dict[str, Any]:
    """The user turn answering every toolUse block of ``message`` (a ``json`` result block)."""
    results = [{"toolResult": {"toolUseId": b["toolUse"]["toolUseId"], "content": [{"json": tools[b["toolUse"]["name"]](**b["toolUse"]["input"])}]}}
               for b in message["content"] if "toolUse" in b]
    return {"role": "user", "content": results}


def collect_stream(response: dict[str, Any]) -> dict[str, Any]:
    """A ConverseStream answer (boto3's parsed events) folded into a Converse-shaped answer."""
    content: dict[int, dict[str, Any]] = {}
    out: dict[str, Any] = {"events": []}
    for event in response["stream"]:
        (kind, data), = event.items()
        out["events"].append(kind)
        index = data.get("contentBlockIndex")
        if kind == "contentBlockStart":
            use = data["start"]["toolUse"]
            content[index] = {"toolUse": {"toolUseId": use["toolUseId"], "name": use["name"], "input": ""}}
        elif kind == "contentBlockDelta":
            if "text" in data["delta"]:
                content.setdefault(index, {"text": ""})["text"] += data["delta"]["text"]
            else:
                content[index]["toolUse"]["input"] += data["delta"]["toolUse"]["input"]
        elif kind == "messageStop":
            out["stopReason"] = data["stopReason"]
        elif kind == "metadata":
            out["usage"], out["metrics"] = data["usage"], data["metrics"]
    blocks = []
    for index in sorted(content):
        block = content[index]
        if "toolUse" in block:
            block["toolUse"]["input"] = json.loads(block["toolUse"]["input"] or "{}")
        blocks.append(block)
    out["output"] = {"message": {"role": "assistant", "content": blocks}}
    return out


def agent_loop(call: Callable[..., dict[str, Any]], question: str, tools: dict[str, Callable[..., Any]],
               **params: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Call the model until it stops asking for tools: the final answer and every answer."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": question}]}]
    seen = []
    for _ in range(5):
        answer = call(messages=messages, **params)
        seen.append(answer)
        if answer["stopReason"] != "tool_use":
            return answer, seen
        messages += [answer["output"]["message"], run_tools(answer["output"]["message"], tools)]
    raise AssertionError("the loop did not end")
