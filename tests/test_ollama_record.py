"""Recording Ollama's native API: ``mockserver record`` in front of an Ollama upstream (a second
mockserver speaking it), driven by the official ``ollama`` client, streamed (NDJSON, Ollama's
default) and not; the recording is validated and answers the same tool loop offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import ollama
import pytest
import yaml

from mockserver.config import Config
from mockserver.engine.loader import bundled_scenarios_dir
from mockserver.lint import validate_paths
from mockserver.record.dialects import for_path
from mockserver.record.sse import NDJSONParser
from mockserver.testing import ServerThread
from recording import scenario_files, start_proxy

QUESTION = "What is the weather in Paris? Use the tool."


def get_weather(city: str) -> str:
    """Weather for a city.

    Args:
      city: The city
    """
    return json.dumps({"temperature": 21, "condition": "sunny"})


@pytest.fixture(scope="module")
def upstream() -> Iterator[ServerThread]:
    with ServerThread(Config(scenarios=[str(bundled_scenarios_dir())], port=0)) as running:
        yield running
        running.check()


def weather_loop(host: str, stream: bool) -> list[tuple[Any, ...]]:
    """The tool loop; per request (content, calls)."""
    client = ollama.Client(host=host)
    messages: list[Any] = [{"role": "user", "content": QUESTION}]
    seen = []
    for _ in range(3):
        if stream:
            parts = list(client.chat(model="gpt-5.4", messages=messages, tools=[get_weather], stream=True))
            content = "".join(p.message.content for p in parts)
            calls = [c for p in parts for c in p.message.tool_calls or []]
        else:
            message = client.chat(model="gpt-5.4", messages=messages, tools=[get_weather]).message
            content, calls = message.content, list(message.tool_calls or [])
        seen.append((content, [(c.function.name, dict(c.function.arguments)) for c in calls]))
        if not calls:
            return seen
        messages.append({"role": "assistant", "content": content, "tool_calls": [c.model_dump() for c in calls]})
        messages += [{"role": "tool", "tool_name": c.function.name, "content": get_weather(**c.function.arguments)} for c in calls]
    raise AssertionError("the loop did not end")


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("upstream_path", ["", "/v1"], ids=["host", "host-v1"])
def test_record_an_ollama_tool_loop_then_replay_offline(upstream, tmp_path, stream, upstream_path):
    out = tmp_path / "recorded"
    with start_proxy(upstream.url + upstream_path, out) as proxy:
        live = weather_loop(proxy.url, stream)
    assert live == [("", [("get_weather", {"city": "Paris"})]), ("The weather in Paris is 21°C and sunny.", [])]
    [file] = scenario_files(out)
    doc = yaml.safe_load(file.read_text())
    assert doc["when"] == {"user_message": {"equals": QUESTION}} and [r["when"]["turn"] for r in doc["rules"]] == [0, 1]
    assert doc["rules"][0]["reply"]["tool_calls"] == [{"name": "get_weather", "arguments": {"city": "Paris"}}]
    report = validate_paths([str(out)])
    assert report.ok and not report.findings, report.text()
    with ServerThread(Config(scenarios=[str(out)], port=0)) as offline:
        assert weather_loop(offline.url, stream) == live
        offline.check()


def test_ndjson_parser_and_adapter_read_a_split_stream():
    lines = [{"model": "m", "created_at": "t", "message": {"role": "assistant", "content": "Hi "}, "done": False},
             {"model": "m", "created_at": "t", "message": {"role": "assistant", "content": "", "tool_calls": [
                 {"id": "call_a1b2c3d4", "function": {"index": 0, "name": "f", "arguments": {"x": 1}}}]}, "done": False},
             {"model": "m", "created_at": "t", "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"}]
    raw = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    parser, reader = NDJSONParser(), for_path("/api/chat").stream()
    for k in range(0, len(raw), 7):  # cut anywhere, even inside a line
        for event in parser.feed(raw[k:k + 7]):
            reader.feed(event)
    for event in parser.close():
        reader.feed(event)
    reading = reader.result()
    assert reading.answer.content == "Hi " and [(c.name, json.loads(c.arguments)) for c in reading.answer.calls] == [("f", {"x": 1})]
    assert reading.answer.finish_reason == "tool_calls"
    broken = for_path("/api/chat").stream()
    broken.feed(type(event)(None, '{"error": "llama runner process has terminated: exit status 2"}'))
    assert broken.result().answer is None and broken.result().error.startswith("llama runner")
