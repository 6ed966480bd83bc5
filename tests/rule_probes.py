"""One request per rule of the rule books that breaks that rule (and, under the profiles where
the rule decides, nothing before it). The parameter rules' probes are generated from the
official schema. test_conformance_table sends each probe under each profile."""

from __future__ import annotations

import copy
from typing import Any, Iterator

from mockserver.dialects.chat.rules import request_parameter_schemas
from mockserver.validation.params import check_value
from payloads import GET_WEATHER_TOOL, assistant_calls, call, chat, function_tool, tool, user

HI = user("hi")
T = GET_WEATHER_TOOL
W = call("callAbc01", "get_weather", '{"city":"Paris"}')
LONG_ID = "call_" + "x" * 36  # 41 characters
# ids of the probes are 9 letters or digits, so that Mistral's id rule does not speak first
BAD_ID = "call_1"  # OpenAI-style: not Mistral's
NAMED = {"type": "function", "function": {"name": "get_weather"}}


def _history(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return chat(HI, *messages, tools=[T], **extra)


CHAT: dict[str, dict[str, Any]] = {
    "request.model_missing": {"messages": [HI]},
    "request.unknown_field": chat(HI, top_k=5),
    "request.model_type": {"model": 3, "messages": [HI]},
    "request.messages_missing": {"model": "m"},
    "request.messages_type": {"model": "m", "messages": "hi"},
    "request.messages_empty": chat(),
    "message.type": chat("hi"),
    "message.role_missing": chat({"content": "x"}),
    "message.role_type": chat({"role": 5, "content": "x"}),
    "message.role_unknown": chat({"role": "ipython", "content": "x"}, HI),
    "message.name_type": chat({"role": "user", "content": "x", "name": 5}),
    "message.function_name_missing": chat(HI, {"role": "function", "content": "x"}, HI),
    "message.function_content_type": chat(HI, {"role": "function", "name": "f", "content": 5}, HI),
    "message.content_missing": chat({"role": "user"}),
    "message.content_type": chat({"role": "user", "content": 5}),
    "message.content_empty": chat({"role": "user", "content": []}),
    "message.part_type": chat({"role": "user", "content": ["hi"]}),
    "message.part_kind_missing": chat({"role": "user", "content": [{"text": "hi"}]}),
    "message.part_kind_unknown": chat({"role": "user", "content": [{"type": "hologram", "hologram": {}}]}),
    "message.part_kind_role": chat({"role": "system", "content": [{"type": "image_url", "image_url": {"url": "u"}}]}, HI),
    "message.part_text_missing": chat({"role": "user", "content": [{"type": "text"}, {"type": "text", "text": "hi"}]}),
    "message.part_text_type": chat({"role": "user", "content": [{"type": "text", "text": 5}]}),
    "message.part_image": chat({"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u", "detail": "max"}}]}),
    "message.part_audio": chat({"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "x", "format": "ogg"}}]}),
    "message.part_file": chat({"role": "user", "content": [{"type": "file", "file": "x"}]}),
    "message.tool_call_id_missing": _history(assistant_calls(W), {"role": "tool", "content": "x"}),
    "message.tool_call_id_type": _history(assistant_calls(W), {"role": "tool", "content": "x", "tool_call_id": 5}),
    "message.tool_call_id_length": _history(assistant_calls(W), tool(LONG_ID, "x")),
    "message.tool_call_id_format": _history(assistant_calls(call(BAD_ID, "get_weather", '{"city":"Oslo"}')), tool(BAD_ID, "x")),
    "assistant.content_null": chat(HI, {"role": "assistant", "content": None}, HI),
    "assistant.refusal_type": chat(HI, {"role": "assistant", "content": "x", "refusal": 5}, HI),
    "assistant.tool_calls_type": chat(HI, {"role": "assistant", "content": "x", "tool_calls": "x"}, HI),
    "assistant.tool_calls_empty": chat(HI, {"role": "assistant", "content": "x", "tool_calls": []}, HI),
    "assistant.tool_call_type": chat(HI, assistant_calls(5), HI),
    "assistant.tool_call_fields": _history(assistant_calls({"type": "function", "function": {"name": "get_weather", "arguments": "{}"}})),
    "assistant.tool_call_kind": _history(assistant_calls({"id": "cAbcdefgh", "type": "retrieval"})),
    "assistant.tool_call_custom_name": _history(assistant_calls({"id": "cAbcdefgh", "type": "custom", "custom": {}}), tool("cAbcdefgh", "x")),
    "assistant.tool_call_name_pattern": _history(assistant_calls(call("cAbcdefgh", "get weather", "{}")), tool("cAbcdefgh", "x")),
    "assistant.tool_call_id_length": _history(assistant_calls(call(LONG_ID, "get_weather", '{"city":"Oslo"}')), tool(LONG_ID, "x")),
    "assistant.tool_call_id_format": _history(assistant_calls(call(BAD_ID, "get_weather", '{"city":"Oslo"}')), tool(BAD_ID, "x")),
    "param.top_logprobs_without_logprobs": chat(HI, top_logprobs=2),
    "param.stream_options_without_stream": chat(HI, stream_options={"include_usage": True}),
    "param.parallel_tool_calls_without_tools": chat(HI, parallel_tool_calls=False),
    "tools.type": chat(HI, tools="get_weather"),
    "tools.empty": chat(HI, tools=[]),
    "tools.tool_type": chat(HI, tools=[5]),
    "tools.kind": chat(HI, tools=[{"type": "retrieval"}]),
    "tools.custom": chat(HI, tools=[{"type": "custom", "custom": {"name": "shell"}}]),
    "tools.definition": chat(HI, tools=[{"type": "function"}]),
    "tools.name": chat(HI, tools=[{"type": "function", "function": {"parameters": {"type": "object"}}}]),
    "tools.name_pattern": chat(HI, tools=[function_tool("get weather")]),
    "tools.name_length": chat(HI, tools=[function_tool("x" * 65)]),
    "tools.name_duplicate": chat(HI, tools=[T, T]),
    "tools.description_type": chat(HI, tools=[function_tool("f", description=5)]),
    "tools.strict_type": chat(HI, tools=[function_tool("f", strict="yes")]),
    "tools.parameters_type": chat(HI, tools=[{"type": "function", "function": {"name": "f", "parameters": "none"}}]),
    "tools.parameters_schema": chat(HI, tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "string"}}}]),
    "tools.strict_schema": chat(HI, tools=[function_tool("f", {"a": {"type": "string"}}, ["a"], strict=True)]),
    "tool_choice.value": chat(HI, tools=[T], tool_choice="always"),
    "tool_choice.type": chat(HI, tools=[T], tool_choice=5),
    "tool_choice.kind": chat(HI, tools=[T], tool_choice={"type": "tool"}),
    "tool_choice.function": chat(HI, tools=[T], tool_choice={"type": "function", "function": {}}),
    "tool_choice.without_tools": chat(HI, tool_choice="auto"),
    "tool_choice.undeclared": chat(HI, tools=[T], tool_choice={"type": "function", "function": {"name": "get_time"}}),
    "tool_choice.allowed_tools": chat(HI, tools=[T], tool_choice={"type": "allowed_tools", "allowed_tools": {"mode": "sometimes", "tools": []}}),
    "tool_choice.allowed_tools_unsupported": chat(HI, tools=[T], tool_choice={
        "type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": [NAMED]}}),
    "history.tool_without_call": _history(tool("callAbc01", "x")),
    "history.tool_call_id_unknown": _history(assistant_calls(W), tool("callAbc02", "x")),
    "history.tool_result_duplicate": _history(assistant_calls(W), tool("callAbc01", "a"), tool("callAbc01", "b")),
    "history.calls_unanswered": _history(assistant_calls(W), user("and?")),
    "history.call_id_duplicate": _history(assistant_calls(W, W), tool("callAbc01", "x")),
    "history.undeclared_function": _history(assistant_calls(call("cAbcdefgh", "get_time", "{}")), tool("cAbcdefgh", "x")),
    "history.arguments_invalid": _history(assistant_calls(call("cAbcdefgh", "get_weather", "{}")), tool("cAbcdefgh", "x")),
    "history.arguments_unchecked": _history(assistant_calls(call("cAbcdefgh", "get_time", "now")), tool("cAbcdefgh", "x")),
}

# (rule, profile) → the rule that decides first there (an earlier check with an error verdict)
MASKED = {
    ("tool_choice.allowed_tools", "vllm"): "tool_choice.allowed_tools_unsupported",
    # Mistral's id rule refuses what the id-length and tool-message probes need (or, for the tool
    # message, the assistant's call it answers comes first); accepted or not, they meet it
    ("message.tool_call_id_length", "mistral"): "message.tool_call_id_format",
    ("assistant.tool_call_id_length", "mistral"): "assistant.tool_call_id_format",
    ("message.tool_call_id_format", "mistral"): "assistant.tool_call_id_format",
}

# parameters that need a companion so that only the probed rule speaks
COMPANIONS = {"top_logprobs": {"logprobs": True}, "stream_options": {"stream": True}, "parallel_tool_calls": {"tools": [T]}}


def parameter_probes() -> dict[str, dict[str, Any]]:
    """``param.<name>.<kind>`` → a request whose only problem breaks it (found among mutants of a
    valid example of the parameter's schema)."""
    probes: dict[str, dict[str, Any]] = {}
    for name, schema in request_parameter_schemas().items():
        for value in _mutants(schema):
            problems = list(check_value(schema, value, name, f"param.{name}"))
            if len(problems) == 1 and problems[0].rule not in probes:
                probes[problems[0].rule] = chat(HI, **{name: value}, **COMPANIONS.get(name, {}))
    return probes


def _example(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return None
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    if "const" in schema:
        return schema["const"]
    for key in ("oneOf", "anyOf", "allOf"):
        if schema.get(key):
            return _example(schema[key][0])
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        return {k: _example(schema.get("properties", {}).get(k, {})) for k in schema.get("required", [])}
    if kind == "array":
        return [_example(schema.get("items", {}))] * max(1, schema.get("minItems", 1))
    if kind == "string":
        return "x" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    return "x"


def _mutants(schema: Any) -> Iterator[Any]:
    if not isinstance(schema, dict):
        return
    base = _example(schema)
    yield from (12345, "x", True, [], {}, [12345], 1.5)
    if "enum" in schema or "const" in schema:
        yield "not-a-value"
    if "minimum" in schema:
        yield schema["minimum"] - 1
    if "maximum" in schema:
        yield schema["maximum"] + 1
    if "maxItems" in schema:
        yield [_example(schema.get("items", {}))] * (schema["maxItems"] + 1)
    if "maxLength" in schema:
        yield "x" * (schema["maxLength"] + 1)
    if "minItems" in schema:
        yield []
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(key, []):
            yield from _mutants(branch)
    if isinstance(base, dict):
        for key in schema.get("required", []):
            yield {k: v for k, v in base.items() if k != key}
        if schema.get("additionalProperties") is False:
            yield {**base, "zz_unknown": 1}
        for key, sub in schema.get("properties", {}).items():
            for value in _mutants(sub):
                yield {**copy.deepcopy(base), key: value}
    if isinstance(base, list) and isinstance(schema.get("items"), dict):
        for value in _mutants(schema["items"]):
            yield [value]


_FLAT_WEATHER = {"type": "function", "name": "get_weather",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def _responses(*items: dict[str, Any]) -> dict[str, Any]:
    return {"model": "m", "input": [{"role": "user", "content": "hi"}, *items], "tools": [_FLAT_WEATHER], "store": False}


def _fc(call_id: str, arguments: str) -> dict[str, Any]:
    return {"type": "function_call", "call_id": call_id, "name": "get_weather", "arguments": arguments}


RESPONSES: dict[str, dict[str, Any]] = {
    "responses.output_without_call": _responses({"type": "function_call_output", "call_id": "call_9", "output": "x"}),
    "responses.call_without_output": _responses(_fc("call_1", '{"city":"Oslo"}')),
    "responses.arguments_invalid": _responses(_fc("call_1", "{}"), {"type": "function_call_output", "call_id": "call_1", "output": "x"}),
    "tools.empty": {"model": "m", "input": "hi", "tools": [], "store": False},
    "request.unknown_field": {"model": "m", "input": "hi", "top_k": 5, "store": False},
    "tools.hosted_invalid": {"model": "m", "input": "hi", "store": False,
                             "tools": [{"type": "code_interpreter", "container": {"type": "auto"}, "allowed_callers": ["x"]}]},
    "tools.name_pattern": {"model": "m", "input": "hi", "tools": [{**_FLAT_WEATHER, "name": "get.weather"}], "store": False},
    "tools.name_length": {"model": "m", "input": "hi", "tools": [{**_FLAT_WEATHER, "name": "w" * 65}], "store": False},
}


_ANTHROPIC_WEATHER = {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def _messages(*turns: dict[str, Any]) -> dict[str, Any]:
    return {"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}, *turns], "tools": [_ANTHROPIC_WEATHER]}


def _tool_use(tool_input: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": tool_input}]}


def _tool_result(tool_use_id: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use_id, "content": "x"}]}


MESSAGES: dict[str, dict[str, Any]] = {
    "request.unknown_field": {**_messages(), "response_format": {"type": "json_object"}},
    "messages.tool_result_missing": _messages(_tool_use({"city": "Oslo"}), {"role": "user", "content": "and?"}),
    "messages.tool_result_unexpected": _messages({"role": "assistant", "content": "hello"}, _tool_result("toolu_9")),
    "messages.input_invalid": _messages(_tool_use({}), _tool_result("toolu_1")),
}


# --- Gemini (generateContent): each probe breaks one rule of dialects/gemini/rules.py ------------

_GEMINI_WEATHER = {"name": "get_weather", "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}},
                                                         "required": ["city"]}}


def _gemini(*contents: dict[str, Any], declarations: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"contents": [{"role": "user", "parts": [{"text": "hi"}]}, *contents],
            "tools": [{"functionDeclarations": declarations or [_GEMINI_WEATHER]}], **extra}


def _g_call(*args: dict[str, Any], name: str = "get_weather") -> dict[str, Any]:
    return {"role": "model", "parts": [{"functionCall": {"name": name, "args": a}} for a in args]}


def _g_response(*names: str, id: str | None = None) -> dict[str, Any]:
    return {"role": "user", "parts": [{"functionResponse": {"name": n, "response": {"result": "x"}, **({"id": id} if id else {})}}
                                      for n in names]}


GEMINI: dict[str, dict[str, Any]] = {
    "gemini.call_after": {"contents": [_g_call({"city": "Oslo"}), _g_response("get_weather")],
                          "tools": [{"functionDeclarations": [_GEMINI_WEATHER]}]},
    "gemini.response_after": _gemini({"role": "model", "parts": [{"text": "hello"}]}, _g_response("get_weather")),
    "gemini.response_count": _gemini(_g_call({"city": "Oslo"}, {"city": "Rome"}), _g_response("get_weather")),
    "gemini.response_name": _gemini(_g_call({"city": "Oslo"}), _g_response("get_time")),
    "gemini.response_id": _gemini({"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}, "id": "c1"}}]},
                                  _g_response("get_weather", id="c9")),
    "gemini.calls_unanswered": _gemini(_g_call({"city": "Oslo"}), {"role": "user", "parts": [{"text": "and?"}]}),
    "gemini.args_invalid": _gemini(_g_call({}), _g_response("get_weather")),
    "gemini.call_undeclared": _gemini(_g_call({"city": "Oslo"}, name="get_time"), _g_response("get_time")),
    "gemini.function_name": _gemini(declarations=[{"name": "1weather"}]),
    "gemini.function_duplicate": _gemini(declarations=[_GEMINI_WEATHER, _GEMINI_WEATHER]),
    "gemini.allowed_undeclared": _gemini(toolConfig={"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_time"]}}),
    "gemini.allowed_without_any": _gemini(toolConfig={"functionCallingConfig": {"mode": "AUTO", "allowedFunctionNames": ["get_weather"]}}),
}


# --- Bedrock Converse (sent to /model/{modelId}/converse) ------------------------------------------

_B_USER = {"role": "user", "content": [{"text": "What is the weather in Oslo?"}]}
_B_TOOLS = {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}}]}


def _b_call(arguments: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": arguments}}]}


def _b_result(*extra: dict[str, Any], tool_use_id: str = "tooluse_1") -> dict[str, Any]:
    return {"role": "user", "content": [{"toolResult": {"toolUseId": tool_use_id, "content": [{"text": "2"}]}}, *extra]}


def _converse(*messages: dict[str, Any], tools: bool = True, **extra: Any) -> dict[str, Any]:
    return {"messages": list(messages), **({"toolConfig": _B_TOOLS} if tools else {}), **extra}


BEDROCK: dict[str, dict[str, Any]] = {
    "bedrock.start_with_user": _converse({"role": "assistant", "content": [{"text": "hi"}]}),
    "bedrock.alternate_roles": _converse(_B_USER, _B_USER),
    "bedrock.content_empty": _converse(_B_USER, {"role": "assistant", "content": []}, _B_USER),
    "bedrock.tool_config_missing": _converse(_B_USER, _b_call({"city": "Oslo"}), _b_result(), tools=False),
    "bedrock.tool_result_missing": _converse(_B_USER, _b_call({"city": "Oslo"}), _B_USER),
    "bedrock.tool_result_extra": _converse(_B_USER, _b_call({"city": "Oslo"}), _b_result(_b_result(tool_use_id="tooluse_2")["content"][0])),
    "bedrock.tool_result_mixed": _converse(_B_USER, _b_call({"city": "Oslo"}), _b_result({"text": "and also"})),
    "bedrock.input_invalid": _converse(_B_USER, _b_call({"town": "Oslo"}), _b_result()),
    "bedrock.tool_choice_undeclared": _converse(_B_USER, toolConfig={**_B_TOOLS, "toolChoice": {"tool": {"name": "get_time"}}}),
}


# Ollama's native API (POST /api/chat): the probe server's only model is its scenario's name
_OLLAMA_WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
_OLLAMA_HI = {"role": "user", "content": "hi"}


def _ollama(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"model": "anything", "stream": False, "messages": [_OLLAMA_HI, *messages], "tools": [_OLLAMA_WEATHER], **extra}


def _ollama_calls(*arguments: dict[str, Any], name: str = "get_weather") -> dict[str, Any]:
    return {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": name, "arguments": a}} for a in arguments]}


OLLAMA: dict[str, dict[str, Any]] = {
    "ollama.field_type": _ollama(stream="no"),
    "ollama.model_required": {"messages": [_OLLAMA_HI]},
    "ollama.model_not_found": {**_ollama(), "model": "qwen3:8b"},
    "ollama.top_logprobs_range": _ollama(top_logprobs=30),
    "ollama.think_invalid": _ollama(think="hard"),
    "ollama.keep_alive_invalid": _ollama(keep_alive="forever"),
    "ollama.format_invalid": _ollama(format="yaml"),
    "ollama.format_schema": _ollama(format={"type": "object", "properties": 5}),
    "ollama.role_unknown": {**_ollama(), "messages": [{"role": "ipython", "content": "x"}, _OLLAMA_HI]},
    "ollama.messages_empty": {**_ollama(), "messages": []},
    "ollama.tool_result_unmatched": _ollama({"role": "tool", "tool_name": "get_weather", "content": "x"}),
    "ollama.tool_result_missing": _ollama(_ollama_calls({"city": "Oslo"}), {"role": "user", "content": "and?"}),
    "ollama.tool_undeclared": _ollama(_ollama_calls({}, name="get_time"), {"role": "tool", "tool_name": "get_time", "content": "x"}),
    "ollama.arguments_invalid": _ollama(_ollama_calls({"town": "Oslo"}), {"role": "tool", "tool_name": "get_weather", "content": "x"}),
    "ollama.tools_suspicious": {**_ollama(), "tools": [{"type": "function", "function": {"name": "get weather!", "parameters": {"type": "object"}}}]},
}
# the status of an Ollama error that is not a 400
OLLAMA_STATUS = {"ollama.model_not_found": 404, "ollama.format_invalid": 500}
