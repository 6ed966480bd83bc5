"""Every bad request gets an OpenAI-shaped error with the right status, param, code and message."""

from __future__ import annotations

import json

import pytest

from conftest import assert_official
from payloads import CURRENT_WEATHER_TOOL, GET_WEATHER_TOOL, assistant_calls, call, chat, function_tool, tool, user

HI = user("hi")
W_CALL = call("call_1", "get_weather", '{"city":"Paris"}')

# (id, body, status, param, code, message fragment)
CASES = [
    ("missing-model", {"messages": [HI]}, 400, None, None, "you must provide a model parameter"),
    ("model-not-string", {"model": 3, "messages": [HI]}, 400, "model", "invalid_type",
     "Invalid type for 'model': expected a string, but got an integer instead."),
    ("missing-messages", {"model": "m"}, 400, "messages", "missing_required_parameter", "Missing required parameter: 'messages'."),
    ("messages-not-array", {"model": "m", "messages": "hi"}, 400, "messages", "invalid_type",
     "Invalid type for 'messages': expected an array, but got a string instead."),
    ("empty-messages", chat(), 400, "messages", "empty_array",
     "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."),
    ("message-not-object", chat("hi"), 400, "messages[0]", "invalid_type", "expected an object, but got a string"),
    ("missing-role", chat({"content": "x"}), 400, "messages[0].role", "missing_required_parameter", "Missing required parameter: 'messages[0].role'."),
    ("bad-role", chat({"role": "bot", "content": "x"}), 400, "messages[0].role", "invalid_value",
     "Invalid value: 'bot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'."),
    ("user-content-int", chat({"role": "user", "content": 5}), 400, "messages[0].content", "invalid_type",
     "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got an integer instead."),
    ("user-missing-content", chat({"role": "user"}), 400, "messages[0].content", "missing_required_parameter", "Missing required parameter: 'messages[0].content'."),
    ("system-image-part", chat({"role": "system", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}), 400,
     "messages[0].content[0].type", "invalid_value", "Invalid value: 'image_url'. Supported values are: 'text'."),
    ("text-part-without-text", chat({"role": "user", "content": [{"type": "text"}]}), 400, "messages[0].content[0].text",
     "missing_required_parameter", "Missing required parameter: 'messages[0].content[0].text'."),
    ("image-detail", chat({"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u", "detail": "max"}}]}), 400,
     "messages[0].content[0].image_url.detail", "invalid_value", "Invalid value: 'max'."),
    ("assistant-null-content", chat(HI, {"role": "assistant", "content": None}, HI), 400, "messages.[1].content", None,
     "Invalid value for 'content': expected a string, got null."),
    ("assistant-empty-tool-calls", chat(HI, {"role": "assistant", "content": "x", "tool_calls": []}, HI), 400,
     "messages[1].tool_calls", "empty_array", "Invalid 'messages[1].tool_calls': empty array."),
    ("tool-call-without-id", chat(HI, assistant_calls({"type": "function", "function": {"name": "f", "arguments": "{}"}})), 400,
     "messages[1].tool_calls[0].id", "missing_required_parameter", "Missing required parameter: 'messages[1].tool_calls[0].id'."),
    ("tool-call-arguments-object", chat(HI, assistant_calls({"id": "c", "type": "function", "function": {"name": "f", "arguments": {}}})), 400,
     "messages[1].tool_calls[0].function.arguments", "invalid_type", "expected a string, but got an object instead."),
    ("history-bad-function-name", chat(HI, assistant_calls(call("c", "get weather", "{}"))), 400,
     "messages[1].tool_calls[0].function.name", "invalid_value", "string does not match pattern"),
    ("tool-without-tool-call-id", chat(HI, {"role": "tool", "content": "x"}), 400, "messages[1].tool_call_id",
     "missing_required_parameter", "Missing required parameter: 'messages[1].tool_call_id'."),
    ("temperature-high", chat(HI, temperature=5), 400, "temperature", "decimal_above_max_value",
     "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 5 instead."),
    ("top-p-low", chat(HI, top_p=-0.5), 400, "top_p", "decimal_below_min_value",
     "Invalid 'top_p': decimal below minimum value. Expected a value >= 0, but got -0.5 instead."),
    ("temperature-string", chat(HI, temperature="hot"), 400, "temperature", "invalid_type", "expected a number, but got a string instead."),
    ("n-zero", chat(HI, n=0), 400, "n", "integer_below_min_value", "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead."),
    ("n-float", chat(HI, n=1.5), 400, "n", "invalid_type", "Invalid type for 'n': expected an integer, but got a decimal instead."),
    ("max-tokens-zero", chat(HI, max_tokens=0), 400, "max_tokens", "integer_below_min_value", "Expected a value >= 1, but got 0 instead."),
    ("max-completion-tokens-bool", chat(HI, max_completion_tokens=True), 400, "max_completion_tokens", "invalid_type", "expected an integer, but got a boolean"),
    ("stream-string", chat(HI, stream="yes"), 400, "stream", "invalid_type", "Invalid type for 'stream': expected a boolean, but got a string instead."),
    ("stream-options-without-stream", chat(HI, stream_options={"include_usage": True}), 400, "stream_options", None,
     "The 'stream_options' parameter is only allowed when 'stream' is enabled."),
    ("response-format-type", chat(HI, response_format={"type": "xml"}), 400, "response_format.type", "invalid_value",
     "Invalid value: 'xml'. Supported values are: 'text', 'json_schema', and 'json_object'."),
    ("json-schema-without-name", chat(HI, response_format={"type": "json_schema", "json_schema": {"schema": {}}}), 400,
     "response_format.json_schema.name", "missing_required_parameter", "Missing required parameter"),
    ("parallel-tool-calls-string", chat(HI, tools=[GET_WEATHER_TOOL], parallel_tool_calls="no"), 400, "parallel_tool_calls", "invalid_type", "expected a boolean"),
    ("parallel-without-tools", chat(HI, parallel_tool_calls=False), 400, "parallel_tool_calls", None,
     "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified."),
    ("stop-too-many", chat(HI, stop=["a", "b", "c", "d", "e"]), 400, "stop", "array_above_max_length", "maximum length 4"),
    # tools
    ("tools-empty", chat(HI, tools=[]), 400, "tools", "empty_array", "Invalid 'tools': empty array."),
    ("tool-type", chat(HI, tools=[{"type": "retrieval"}]), 400, "tools[0].type", "invalid_value", "Invalid value: 'retrieval'."),
    ("tool-missing-function", chat(HI, tools=[{"type": "function"}]), 400, "tools[0].function", "missing_required_parameter",
     "Missing required parameter: 'tools[0].function'."),
    ("tool-name-pattern", chat(HI, tools=[function_tool("get weather")]), 400, "tools[0].function.name", "invalid_value",
     "Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."),
    ("tool-name-too-long", chat(HI, tools=[function_tool("x" * 65)]), 400, "tools[0].function.name", "string_above_max_length",
     "Expected a string with maximum length 64, but got a string with length 65 instead."),
        ("parameters-not-object-type", chat(HI, tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "string"}}}]), 400,
     "tools[0].function.parameters", "invalid_function_parameters",
     "Invalid schema for function 'f': schema must be a JSON Schema of 'type: \"object\"', got 'type: \"string\"'."),
    ("parameters-metaschema", chat(HI, tools=[function_tool("f", {"a": {"type": "strin"}})]), 400, "tools[0].function.parameters",
     "invalid_function_parameters", "Invalid schema for function 'f': not a valid JSON Schema: "),
    ("strict-additional-properties", chat(HI, tools=[function_tool("f", {"a": {"type": "string"}}, ["a"], strict=True)]), 400,
     "tools[0].function.parameters", "invalid_function_parameters",
     "Invalid schema for function 'f': In context=(), 'additionalProperties' is required to be supplied and to be false."),
    ("strict-required", chat(HI, tools=[function_tool("f", {"a": {"type": "string"}, "unit": {"type": "string"}}, ["a"], strict=True,
                                                      parameters_extra={"additionalProperties": False})]), 400,
     "tools[0].function.parameters", "invalid_function_parameters",
     "In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'unit'."),
    ("strict-nested", chat(HI, tools=[function_tool("f", {"o": {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}}, ["o"],
                                                    strict=True, parameters_extra={"additionalProperties": False})]), 400,
     "tools[0].function.parameters", "invalid_function_parameters", "In context=('properties', 'o'), 'additionalProperties' is required"),
    ("strict-unsupported-keyword", chat(HI, tools=[function_tool("f", {"a": {"type": "string", "allOf": [{}]}}, ["a"], strict=True,
                                                                  parameters_extra={"additionalProperties": False})]), 400,
     "tools[0].function.parameters", "invalid_function_parameters", "In context=('properties', 'a'), 'allOf' is not permitted."),
    # tool_choice
    ("tool-choice-required-without-tools", chat(HI, tool_choice="required"), 400, "tool_choice", None,
     "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified."),
    ("tool-choice-named-without-tools", chat(HI, tool_choice={"type": "function", "function": {"name": "f"}}), 400, "tool_choice", None,
     "'tool_choice' is only allowed when 'tools' are specified."),
    ("tool-choice-bad-string", chat(HI, tools=[GET_WEATHER_TOOL], tool_choice="always"), 400, "tool_choice", "invalid_value",
     "Invalid value: 'always'. Supported values are: 'none', 'auto', and 'required'."),
    ("tool-choice-undeclared", chat(HI, tools=[GET_WEATHER_TOOL], tool_choice={"type": "function", "function": {"name": "get_time"}}), 400,
     "tool_choice.function.name", "invalid_value", "function 'get_time' is not declared in 'tools' (declared: 'get_weather')"),
    ("tool-choice-missing-name", chat(HI, tools=[GET_WEATHER_TOOL], tool_choice={"type": "function", "function": {}}), 400,
     "tool_choice.function.name", "missing_required_parameter", "Missing required parameter: 'tool_choice.function.name'."),
    # protocol
    ("unanswered-call", chat(HI, assistant_calls(W_CALL), user("and?"), tools=[GET_WEATHER_TOOL]), 400, "messages.[2].role", None,
     "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. "
     "The following tool_call_ids did not have response messages: call_1"),
    ("unanswered-at-end", chat(HI, assistant_calls(W_CALL, call("call_2", "get_weather", '{"city":"Rome"}')), tool("call_1", "ok"), tools=[GET_WEATHER_TOOL]),
     400, "messages.[1].role", None, "The following tool_call_ids did not have response messages: call_2"),
    ("orphan-tool-message", chat(HI, tool("call_1", "ok"), tools=[GET_WEATHER_TOOL]), 400, "messages.[1].role", None,
     "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."),
    ("tool-id-mismatch", chat(HI, assistant_calls(W_CALL), tool("get_weather", "ok"), tools=[GET_WEATHER_TOOL]), 400,
     "messages.[2].tool_call_id", None, "Invalid parameter: 'tool_call_id' of 'get_weather' not found in 'tool_calls' of previous message"),
    ("tool-answered-twice", chat(HI, assistant_calls(W_CALL), tool("call_1", "a"), tool("call_1", "b"), tools=[GET_WEATHER_TOOL]), 400,
     "messages.[3].tool_call_id", None, "Invalid parameter: Duplicate value for 'tool_call_id' of 'call_1', in messages[2] and messages[3]."),
            ("arguments-not-json", chat(HI, assistant_calls(call("c", "get_weather", "{city: Paris}")), tool("c", "x"), tools=[GET_WEATHER_TOOL]), 400,
     "messages[1].tool_calls[0].function.arguments", "invalid_function_arguments", "for function 'get_weather': not valid JSON"),
    ("arguments-not-object", chat(HI, assistant_calls(call("c", "get_weather", '["Paris"]')), tool("c", "x"), tools=[GET_WEATHER_TOOL]), 400,
     "messages[1].tool_calls[0].function.arguments", "invalid_function_arguments", "must be a JSON object, got [\"Paris\"]"),
    ("arguments-missing-required", chat(HI, assistant_calls(call("c", "get_weather", "{}")), tool("c", "x"), tools=[GET_WEATHER_TOOL]), 400,
     "messages[1].tool_calls[0].function.arguments", "invalid_function_arguments", "'city' is a required property (at $)"),
    ("arguments-wrong-type", chat(HI, assistant_calls(call("c", "get_current_weather", '{"location":"Oslo","unit":"kelvin"}')), tool("c", "x"),
                                  tools=[CURRENT_WEATHER_TOOL]), 400,
     "messages[1].tool_calls[0].function.arguments", "invalid_function_arguments", "'kelvin' is not one of ['celsius', 'fahrenheit'] (at $.unit)"),
    ("arguments-extra-field", chat(HI, assistant_calls(call("c", "get_weather", '{"city":"Oslo","country":"NO"}')), tool("c", "x"), tools=[GET_WEATHER_TOOL]), 400,
     "messages[1].tool_calls[0].function.arguments", "invalid_function_arguments", "Additional properties are not allowed ('country' was unexpected)"),
]


@pytest.mark.parametrize("body,status,param,code,fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_request(http, body, status, param, code, fragment):
    response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["code"] == code
    assert fragment in error["message"], error["message"]
    assert_official("ErrorResponse", response.json())


RAW_CASES = [
    ("not-json", b"{model: x}", {"content-type": "application/json"}, 400, None, "We could not parse the JSON body of your request."),
    ("empty-body", b"", {"content-type": "application/json"}, 400, "invalid_json", "The request body is empty"),
    ("array-body", b"[1,2]", {"content-type": "application/json"}, 400, "invalid_json", "must be a JSON object, but got an array"),
    ("not-utf8", b'{"model":"\xff"}', {"content-type": "application/json"}, 400, "invalid_json", "not valid UTF-8"),
    ("form-content-type", b'{"model":"m"}', {"content-type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type",
     "Unsupported Content-Type 'application/x-www-form-urlencoded'"),
    ("too-deep", b'{"model":"m","messages":[{"role":"user","content":"x"}],"x":' + b"[" * 100 + b"]" * 100 + b"}",
     {"content-type": "application/json"}, 400, "invalid_json", "nested more than 64 levels deep"),
    ("very-deep", b"[" * 100000 + b"]" * 100000, {"content-type": "application/json"}, 400, "invalid_json", "nested more than 64 levels deep"),
]


@pytest.mark.parametrize("raw,headers,status,code,fragment", [c[1:] for c in RAW_CASES], ids=[c[0] for c in RAW_CASES])
def test_bad_body(http, raw, headers, status, code, fragment):
    response = http.post("/v1/chat/completions", content=raw, headers=headers)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert fragment in error["message"]
    assert_official("ErrorResponse", response.json())


def test_body_too_large(serve):
    running = serve("version: 1\nname: s\nrules: [{reply: {content: ok}}]\n", max_body_bytes=1000)
    import httpx

    body = json.dumps(chat(user("x" * 2000))).encode()
    response = httpx.post(running.url + "/v1/chat/completions", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert "the limit is 1000 bytes" in response.json()["error"]["message"]
    # chunked upload without Content-Length is counted as it arrives
    response = httpx.post(running.url + "/v1/chat/completions", content=iter([body[:600], body[600:]]),
                          headers={"content-type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("method,path,status,message", [
    ("GET", "/v1/chat/completions", 405, "Method GET is not allowed for /v1/chat/completions; use POST."),
    ("DELETE", "/v1/models", 405, "Method DELETE is not allowed for /v1/models; use GET"),
    ("POST", "/v1/audio/speech", 404, "Invalid URL (POST /v1/audio/speech)"),
    ("GET", "/v2/models", 404, "Invalid URL (GET /v2/models)"),
])
def test_routes(http, method, path, status, message):
    response = http.request(method, path)
    assert response.status_code == status
    assert response.json()["error"]["message"].startswith(message)
    assert_official("ErrorResponse", response.json())
    if status == 405:
        assert "POST" in response.headers["allow"] or "GET" in response.headers["allow"]


def test_vendor_extras_are_openai_s_400_and_a_vllm_warning(http):
    """OpenAI refuses fields its schema does not declare (xlinx/sd-webui-decadetw-auto-prompt-llm#29);
    vLLM ignores them (a warning: usually a parameter meant for another provider)."""
    body = chat(user("hi"), top_k=5, chat_template_kwargs={"enable_thinking": False}, metadata={"a": "b"})
    response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == {"message": "Unrecognized request arguments supplied: top_k, chat_template_kwargs",
                                         "type": "invalid_request_error", "param": None, "code": None}
    one = http.post("/v1/chat/completions", json=chat(user("hi"), top_k=5))
    assert one.json()["error"]["message"] == "Unrecognized request argument supplied: top_k"
    response = http.post("/v1/chat/completions", json=body, headers={"X-Mock-Profile": "vllm"})
    assert response.status_code == 200, response.text
    assert response.headers["x-mock-warnings"].startswith("request.unknown_field")


def test_openai_sdk_raises_bad_request(openai_client):
    import openai

    with pytest.raises(openai.BadRequestError) as info:
        openai_client.chat.completions.create(
            model="m", messages=[user("hi"), tool("call_9", "x")], tools=[GET_WEATHER_TOOL]
        )
    assert info.value.status_code == 400
    assert info.value.param == "messages.[1].role"
    assert "preceeding message with 'tool_calls'" in info.value.message


@pytest.mark.parametrize("calls", ["{", [None], [{"function": "x"}], [{"function": {"name": 1, "arguments": None}}]])
def test_tool_calls_on_a_user_message_are_no_server_error(http, calls):
    """Found by bench/fuzz.py: tool_calls are validated on assistant messages only, and the usage
    count read them on every message (``'str' object has no attribute 'get'``, a 500)."""
    body = {"model": "m", "messages": [{"role": "user", "content": "hi", "tool_calls": calls}]}
    response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    assert_official("CreateChatCompletionResponse", response.json())
