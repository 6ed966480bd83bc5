"""The recorder's pieces: template escaping, the YAML it writes, SSE parsing, conversation grouping,
and the Responses and Messages adapters (recorded there, replayed through Chat Completions: the
rules are dialect-neutral)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.config import Config
from mockserver.engine.loader import load_text
from mockserver.engine.render import Template
from mockserver.lint import validate_paths
from mockserver.record.dialects import for_exchange, for_path
from mockserver.record.exchange import Answer, Call, Exchange, Message, Request
from mockserver.record.importers import import_files
from mockserver.record.recorder import Recorder
from mockserver.record.sse import SSEParser
from mockserver.record.writer import template_literal
from mockserver.testing import ServerThread
from recording import scenario_files

TRICKY = [
    "plain", "{{ not a variable }}", "{% if x %}y{% endif %}", "{# comment #}", "a {% endraw %} b {{ c }}",
    'quotes " and \\ backslashes {{', "unicode é 😀 中文 {{", "trailing spaces   \nnext line\n", "yes", "null", ": colon",
    "  leading spaces\n\ttab", "",
]


@pytest.mark.parametrize("text", TRICKY)
def test_template_literal_renders_the_text(text):
    assert Template(template_literal(text)).render({}) == text


@given(st.text(alphabet=st.sampled_from(list("{}%#-\\\"' ab\n\té😀")), max_size=40))
@settings(max_examples=300, deadline=None)
def test_template_literal_round_trips_any_text(text):
    assert Template(template_literal(text)).render({}) == text


def test_written_yaml_gives_back_every_text(tmp_path):
    """Recorded texts survive YAML and templates: content, arguments and the matched message."""
    recorder = Recorder(tmp_path, "test")
    for k, text in enumerate(TRICKY):
        question = f"question {k}: {text}"
        request = Request("chat", "m", [Message("user", question)], ["f"])
        recorder.add(Exchange(request, Answer(text, (Call("f", json.dumps({"q": text, "n": [1, 2.5, True, None]})),), "tool_calls")))
    report = validate_paths([str(tmp_path)])
    assert report.ok and not report.findings, report.text()
    for path in scenario_files(tmp_path):
        scenarios, problems = load_text(path.read_text(), str(path))
        assert not problems
        rule = scenarios[0].rules[0]
        text = rule.reply.content.render({})
        assert f": {text}" in scenarios[0].source["when"]["user_message"]["equals"]
        args = {k: (v.value({}) if isinstance(v, Template) else v) for k, v in rule.reply.tool_calls[0].arguments.items()}
        assert args["q"] == text and rule.reply.tool_calls[0].arguments["n"][1] == 2.5


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_sse_parser_is_indifferent_to_chunking(size):
    stream = b'event: a\r\ndata: {"x": 1}\r\n\r\n: comment\n\ndata: line1\ndata: line2\n\ndata: [DONE]\r\r'
    parser = SSEParser()
    events = []
    for i in range(0, len(stream), size):
        events += parser.feed(stream[i:i + size])
    events += parser.close()
    assert [(e.name, e.data) for e in events] == [("a", '{"x": 1}'), (None, "line1\nline2"), (None, "[DONE]")]


def test_sse_parser_gives_up_on_an_endless_event():
    parser = SSEParser(limit=100)
    assert parser.feed(b"data: " + b"x" * 200) == [] and parser.overflow
    assert parser.feed(b"\n\n") == []


def test_turns_group_into_one_conversation_and_repeats_change_nothing(tmp_path):
    recorder = Recorder(tmp_path, "test")
    ask = Request("chat", "m", [Message("user", "hi")], ["f"])
    first = Answer(None, (Call("f", '{"a": 1}', "call_1"),), "tool_calls")
    assert recorder.add(Exchange(ask, first)) is not None
    assert recorder.add(Exchange(ask, first)) is None  # the same step again: nothing to write
    # turn 2 sends back the call with another id and the arguments spaced differently
    back = [Message("user", "hi"), Message("assistant", "", (Call("f", '{ "a":1 }', "other_id"),)), Message("tool", "ok")]
    path = recorder.add(Exchange(Request("chat", "m", back, ["f"]), Answer("done", (), "stop")))
    assert path is not None and scenario_files(tmp_path) == [path]
    # another question: another file
    recorder.add(Exchange(Request("chat", "m", [Message("user", "bye")]), Answer("ciao", (), "stop")))
    assert len(scenario_files(tmp_path)) == 2


def test_adapters_by_path_and_shape():
    assert for_path("/v1/chat/completions").name == "chat"
    assert for_path("/chat/completions").name == "chat"
    assert for_path("/openai/v1/responses").name == "responses"
    assert for_path("/v1/messages").name == "messages"
    assert for_path("/v1/embeddings") is None
    assert for_exchange({"input": "x"}, "event: response.created\ndata: {}\n\n").name == "responses"
    assert for_exchange({"messages": []}, {"type": "message", "content": []}).name == "messages"


# --- recorded in another dialect, replayed through Chat Completions -------------------------------

TOOL_FLAT = {"type": "function", "name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
CHAT_TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": TOOL_FLAT["parameters"]}}
QUESTION = "Weather in Oslo?"
RESULT = '{"temperature": -3}'
ANSWER = "It is -3°C in Oslo."


def _responses_log() -> list[dict[str, Any]]:
    call = {"type": "function_call", "id": "fc_1", "call_id": "call_abc", "name": "get_weather",
            "arguments": '{"city":"Oslo"}', "status": "completed"}
    first_answer = {"id": "resp_1", "object": "response", "status": "completed", "model": "gpt-x", "output": [call]}
    events = [
        {"type": "response.created", "sequence_number": 0, "response": dict(first_answer, status="in_progress", output=[])},
        {"type": "response.output_item.done", "sequence_number": 1, "output_index": 0, "item": call},
        {"type": "response.completed", "sequence_number": 2, "response": first_answer},
    ]
    sse = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
    final = {"id": "resp_2", "object": "response", "status": "completed", "model": "gpt-x", "output": [
        {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": ANSWER, "annotations": []}]}]}
    return [
        {"path": "/v1/responses", "request": {"model": "gpt-x", "instructions": "Be brief.", "input": QUESTION,
                                             "tools": [TOOL_FLAT], "stream": True}, "response": sse},
        # the follow-up continues the stored response: only the tool output is sent
        {"path": "/v1/responses", "request": {"model": "gpt-x", "previous_response_id": "resp_1", "tools": [TOOL_FLAT],
                                             "input": [{"type": "function_call_output", "call_id": "call_abc", "output": RESULT}]},
         "response": final},
    ]


def _messages_log() -> list[dict[str, Any]]:
    tool = {"name": "get_weather", "input_schema": TOOL_FLAT["parameters"]}
    events = [
        ("message_start", {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
                                                                 "content": [], "model": "claude-x", "stop_reason": None}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": '{"city": '}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": '"Oslo"}'}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 5}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    sse = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    history = [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": RESULT}]},
    ]
    final = {"id": "msg_2", "type": "message", "role": "assistant", "model": "claude-x", "stop_reason": "end_turn",
             "content": [{"type": "text", "text": ANSWER}]}
    return [
        {"path": "/v1/messages", "request": {"model": "claude-x", "system": "Be brief.", "max_tokens": 100,
                                            "messages": history[:1], "tools": [tool], "stream": True}, "response": sse},
        {"path": "/v1/messages", "request": {"model": "claude-x", "system": "Be brief.", "max_tokens": 100,
                                            "messages": history, "tools": [tool]}, "response": final},
    ]


@pytest.mark.parametrize("log", [_responses_log, _messages_log], ids=["responses", "messages"])
def test_recorded_in_another_dialect_replayed_through_chat(tmp_path, log):
    source = tmp_path / "log.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in log()))
    out = tmp_path / "out"
    report = import_files([source], Recorder(out, "test"))
    assert (report.read, report.recorded, report.skipped) == (2, 2, [])
    assert len(scenario_files(out)) == 1  # one conversation, even across previous_response_id
    validation = validate_paths([str(out)])
    assert validation.ok and not validation.findings, validation.text()
    with ServerThread(Config(scenarios=[str(out)], port=0)) as offline:
        url = offline.base_url + "/chat/completions"
        messages: list[dict[str, Any]] = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}]
        first = httpx.post(url, json={"model": "m", "messages": messages, "tools": [CHAT_TOOL]}, timeout=10).json()
        call = first["choices"][0]["message"]["tool_calls"][0]
        assert (call["function"]["name"], json.loads(call["function"]["arguments"])) == ("get_weather", {"city": "Oslo"})
        messages += [first["choices"][0]["message"], {"role": "tool", "tool_call_id": call["id"], "content": RESULT}]
        second = httpx.post(url, json={"model": "m", "messages": messages, "tools": [CHAT_TOOL]}, timeout=10).json()
        assert second["choices"][0]["message"]["content"] == ANSWER


def test_invalid_arguments_are_replayed_as_an_invalid_json_fault(tmp_path):
    recorder = Recorder(tmp_path, "test")
    request = Request("chat", "m", [Message("user", "go")], ["f"])
    recorder.add(Exchange(request, Answer(None, (Call("f", '{"broken": '),), "tool_calls")))
    report = validate_paths([str(tmp_path)])
    assert report.ok, report.text()
    with ServerThread(Config(scenarios=[str(tmp_path)], port=0)) as offline:
        tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
        body = httpx.post(offline.base_url + "/chat/completions", timeout=10,
                          json={"model": "m", "messages": [{"role": "user", "content": "go"}], "tools": tools}).json()
    arguments = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    with pytest.raises(ValueError):
        json.loads(arguments)


def test_recorded_files_name_their_source_without_credentials(tmp_path):
    recorder = Recorder(tmp_path, "https://user:secret@api.example.com/v1?key=secret")
    path = recorder.add(Exchange(Request("chat", "m", [Message("user", "hi")]), Answer("hello", (), "stop")))
    text = Path(path).read_text()
    assert "https://api.example.com/v1" in text and "secret" not in text
