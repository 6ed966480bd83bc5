"""Anthropic's Messages API (``POST /v1/messages``) from the same scenarios: the official
``anthropic`` SDK (sync, async, ``messages.stream``) in agent loops over the bundled seed
scenarios and a multi-step scenario, the raw event stream, Anthropic's validation texts, its
error shape, faults, ``count_tokens`` and the journal."""

from __future__ import annotations

import json
from typing import Any, Callable

import anthropic
import httpx
import pytest

WEATHER = {"name": "get_weather", "description": "Weather for a city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}}
CURRENT_WEATHER = {"name": "get_current_weather", "input_schema": {
    "type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}}
TIME = {"name": "get_current_time", "description": "获取当前时间", "input_schema": {"type": "object", "properties": {}}}


@pytest.fixture
def claude(server) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key="test-key", max_retries=0)


@pytest.fixture
async def async_claude(server, anyio_backend):
    async with anthropic.AsyncAnthropic(base_url=server.url, api_key="test-key", max_retries=0) as client:
        yield client


def run_tools(message, tools: dict[str, Callable[..., Any]]) -> dict[str, Any]:
    """The user turn answering every tool_use of ``message``."""
    results = [{"type": "tool_result", "tool_use_id": b.id, "content": json.dumps(tools[b.name](**b.input))}
               for b in message.content if b.type == "tool_use"]
    return {"role": "user", "content": results}


def agent_loop(create: Callable[..., Any], question: str, run: dict[str, Callable[..., Any]], **params: Any) -> tuple[Any, list[Any]]:
    """Call the model until it stops asking for tools; the final message and every message."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
    seen = []
    for _ in range(5):
        message = create(messages=messages, **params)
        seen.append(message)
        if message.stop_reason != "tool_use":
            return message, seen
        messages += [{"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in message.content]}, run_tools(message, run)]
    raise AssertionError("the loop did not end")


def final_of_stream(client: anthropic.Anthropic) -> Callable[..., Any]:
    def create(**params: Any) -> Any:
        with client.messages.stream(**params) as stream:
            return stream.get_final_message()
    return create


# --- agent loops over the bundled seed scenarios --------------------------------------------------


@pytest.mark.parametrize("mode", ["create", "stream"])
def test_seed_002_weather_loop(claude, mode):
    create = claude.messages.create if mode == "create" else final_of_stream(claude)
    weather = {"Valparaíso": {"temperature": 17, "condition": "windy"}}
    final, seen = agent_loop(create, "What is the weather in valparaíso? Use the tool.", {"get_weather": lambda city: weather[city]},
                             model="gpt-5.4", max_tokens=1024, tools=[WEATHER])
    [call] = seen[0].content
    assert call.type == "tool_use" and call.name == "get_weather" and call.input == {"city": "Valparaíso"}
    assert call.id.startswith("toolu_01") and len(call.id) == 30 and seen[0].id.startswith("msg_01")
    assert seen[0].stop_reason == "tool_use" and seen[0].role == "assistant" and seen[0].type == "message"
    assert [b.type for b in final.content] == ["text"] and final.stop_reason == "end_turn"
    assert final.content[0].text == "The weather in Valparaíso is 17°C and windy."
    assert final.usage.input_tokens > seen[0].usage.input_tokens and final.usage.output_tokens > 0


def test_seed_001_parallel_tool_use_and_computed_answer(claude):
    temperatures = {"Nairobi": 77, "Tromsø": 40}
    final, seen = agent_loop(claude.messages.create, "Which city has a higher temperature, Nairobi or Tromsø, and by how much in F?",
                             {"get_current_weather": lambda location, unit="fahrenheit": {"temperature": temperatures[location.split(",")[0]]}},
                             model="m", max_tokens=1024, tools=[CURRENT_WEATHER])
    assert [b.input["location"].split(",")[0] for b in seen[0].content if b.type == "tool_use"] == ["Nairobi", "Tromsø"]
    assert final.content[0].text.endswith("Nairobi has a higher temperature than Tromsø by 37 degrees Fahrenheit.")


def test_disable_parallel_tool_use_skips_a_two_call_rule(serve):
    server = serve("""
        version: 1
        name: calls
        rules:
          - name: two
            reply: {tool_calls: [{name: get_weather, arguments: {city: Oslo}}, {name: get_weather, arguments: {city: Rome}}]}
          - name: one
            reply: {tool_calls: [{name: get_weather, arguments: {city: Oslo}}]}
    """)
    client = anthropic.Anthropic(base_url=server.url, api_key="k", max_retries=0)
    params = {"model": "m", "max_tokens": 100, "tools": [WEATHER], "messages": [{"role": "user", "content": "weather?"}]}
    assert len(client.messages.create(**params).content) == 2
    for kind in ("auto", "any"):
        single = client.messages.create(**params, tool_choice={"type": kind, "disable_parallel_tool_use": True})
        assert [b.input for b in single.content] == [{"city": "Oslo"}]


def test_seed_000_forced_tool_with_system_blocks(claude):
    first = claude.messages.create(
        model="Qwen2-VL-7B-Instruct", max_tokens=512, system=[{"type": "text", "text": "你是一个助手。"}], tools=[TIME],
        tool_choice={"type": "tool", "name": "get_current_time"},
        messages=[{"role": "user", "content": "现在几点？请用 get_current_time 工具。"}],
    )
    [call] = first.content
    assert call.name == "get_current_time" and call.input == {}
    second = claude.messages.create(
        model="Qwen2-VL-7B-Instruct", max_tokens=512, system="你是一个助手。", tools=[TIME],
        messages=[{"role": "user", "content": "现在几点？请用 get_current_time 工具。"},
                  {"role": "assistant", "content": [call.model_dump(exclude_none=True)]},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id,
                                                 "content": [{"type": "text", "text": '{"time": "2030-01-02T03:04:05Z"}'}]}]}],
    )
    assert second.content[0].text == "现在是2030年1月2日3点4分5秒。"


def test_seed_003_block_content_and_image(claude):
    final, seen = agent_loop(claude.messages.create, "成都今天的天气怎么样？", {"get_current_weather": lambda location, unit="celsius": {"temperature": 26, "condition": "多云"}},
                             model="gpt-4o", max_tokens=512, tools=[CURRENT_WEATHER])
    assert seen[0].content[0].input["location"].startswith("成都")
    assert final.content[0].text == "成都今天多云，气温26度。"


async def test_async_create_and_stream_loop(async_claude):
    params = {"model": "gpt-5.4", "max_tokens": 256, "tools": [WEATHER]}
    question = [{"role": "user", "content": "What is the weather in Hanoi?"}]
    first = await async_claude.messages.create(messages=question, **params)
    async with async_claude.messages.stream(messages=question, **params) as stream:
        streamed = await stream.get_final_message()
    assert streamed.model_dump() == first.model_dump()
    follow = question + [{"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
                         {"role": "user", "content": [{"type": "tool_result", "tool_use_id": first.content[0].id, "content": '{"temperature": 33, "condition": "humid"}'}]}]
    async with async_claude.messages.stream(messages=follow, **params) as stream:
        text = "".join([chunk async for chunk in stream.text_stream])
        second = await stream.get_final_message()
    assert text == second.content[0].text == "The weather in Hanoi is 33°C and humid."


# --- a multi-step scenario ------------------------------------------------------------------------

MULTI_STEP = """
    version: 1
    name: trip
    rules:
      - name: answer
        when: {tool_result: {tool: get_weather}}
        reply:
          content: "Pack for {{ result.get_weather.temperature }}°C in {{ tool_results[-1].arguments.city }}; you land at {{ result.find_flight.arrival }}."
      - name: weather
        when: {tool_result: {tool: find_flight}}
        reply:
          tool_calls: [{name: get_weather, arguments: {city: "{{ result.find_flight.city }}"}}]
      - name: flight
        when: {last_message: {role: user, regex: "(?i)trip to (?P<city>\\\\w+)"}}
        reply:
          content: "Let me look up your flight."
          tool_calls: [{name: find_flight, arguments: {destination: "{{ captures.city }}"}}]
"""
FLIGHT = {"name": "find_flight", "input_schema": {"type": "object", "properties": {"destination": {"type": "string"}}, "required": ["destination"]}}


@pytest.mark.parametrize("mode", ["create", "stream"])
def test_multi_step_loop(serve, mode):
    server = serve(MULTI_STEP)
    client = anthropic.Anthropic(base_url=server.url, api_key="k", max_retries=0)
    create = client.messages.create if mode == "create" else final_of_stream(client)
    tools = {"find_flight": lambda destination: {"city": destination, "arrival": "14:05"},
             "get_weather": lambda city: {"temperature": 21}}
    final, seen = agent_loop(create, "Plan my trip to Lisbon", tools, model="claude-sonnet-4-5", max_tokens=1024, tools=[FLIGHT, WEATHER])
    assert [m.stop_reason for m in seen] == ["tool_use", "tool_use", "end_turn"]
    assert [b.type for b in seen[0].content] == ["text", "tool_use"] and seen[0].content[0].text == "Let me look up your flight."
    assert final.content[0].text == "Pack for 21°C in Lisbon; you land at 14:05."


# --- the stream as Anthropic sends it ---------------------------------------------------------------


def raw_events(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    with httpx.stream("POST", url + "/v1/messages", json=dict(body, stream=True), headers=headers, timeout=10) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["request-id"].startswith("req_")
        text = response.read().decode()
    events = []
    for block in text.strip().split("\n\n"):
        event_line, data_line = block.split("\n")
        payload = json.loads(data_line.removeprefix("data: "))
        assert event_line == f"event: {payload['type']}"
        events.append((payload["type"], payload))
    return events


def test_stream_event_order(server, claude):
    body = {"model": "claude", "max_tokens": 100, "tools": [WEATHER], "messages": [{"role": "user", "content": "What is the weather in Quito?"}]}
    events = raw_events(server.url, body)
    kinds = [k for k, _ in events]
    assert kinds[:4] == ["message_start", "content_block_start", "ping", "content_block_delta"]
    assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    start = events[0][1]["message"]
    assert start["content"] == [] and start["stop_reason"] is None and start["usage"]["input_tokens"] > 0
    block = events[1][1]["content_block"]
    assert block["type"] == "tool_use" and block["input"] == {} and block["name"] == "get_weather"
    partial = [p["delta"]["partial_json"] for k, p in events if k == "content_block_delta"]
    assert partial[0] == "" and len(partial) > 3 and json.loads("".join(partial)) == {"city": "Quito"}
    delta = events[-2][1]
    plain = claude.messages.create(**body)
    assert delta["delta"] == {"stop_reason": "tool_use", "stop_sequence": None} and delta["usage"]["output_tokens"] == plain.usage.output_tokens


def test_streamed_text_deltas(server):
    body = {"model": "claude", "max_tokens": 100, "tools": [WEATHER], "messages": [
        {"role": "user", "content": "What is the weather in Quito?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Quito"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": '{"temperature": 14, "condition": "cloudy"}'}]}]}
    events = raw_events(server.url, body)
    assert events[1][1]["content_block"] == {"type": "text", "text": "", "citations": None}  # citations: required, nullable (D5)
    texts = [p["delta"]["text"] for k, p in events if k == "content_block_delta"]
    assert {p["delta"]["type"] for k, p in events if k == "content_block_delta"} == {"text_delta"}
    assert len(texts) > 3 and "".join(texts) == "The weather in Quito is 14°C and cloudy."
    assert events[-2][1]["delta"]["stop_reason"] == "end_turn"


# --- stop_sequences, max_tokens, tool_choice ------------------------------------------------------

LONG = """
    version: 1
    name: long
    rules:
      - name: long
        reply: {content: "one two three four five six seven eight nine ten. END eleven twelve"}
"""


def test_stop_sequences_and_max_tokens(serve):
    server = serve(LONG)
    client = anthropic.Anthropic(base_url=server.url, api_key="k", max_retries=0)
    talk = [{"role": "user", "content": "talk"}]
    stopped = client.messages.create(model="m", max_tokens=100, messages=talk, stop_sequences=["nothing", "END"])
    assert stopped.stop_reason == "stop_sequence" and stopped.stop_sequence == "END"
    assert stopped.content[0].text == "one two three four five six seven eight nine ten. "
    cut = client.messages.create(model="m", max_tokens=3, messages=talk)
    assert cut.stop_reason == "max_tokens" and cut.content[0].text == "one two three" and cut.usage.output_tokens == 3
    with client.messages.stream(model="m", max_tokens=3, messages=talk) as stream:
        assert stream.get_final_message().model_dump() == cut.model_dump()
    whole = client.messages.create(model="m", max_tokens=100, messages=talk)
    assert whole.stop_reason == "end_turn" and whole.stop_sequence is None and whole.content[0].text.endswith("twelve")
    assert client.messages.create(model="m", max_tokens=0, messages=talk).content == []


def test_tool_choice_none_and_any(serve):
    server = serve("""
        version: 1
        name: choice
        rules:
          - name: call
            reply: {tool_calls: [{name: get_weather, arguments: {city: Oslo}}]}
          - name: talk
            reply: {content: "no tools today"}
    """)
    client = anthropic.Anthropic(base_url=server.url, api_key="k", max_retries=0)
    params = {"model": "m", "max_tokens": 100, "tools": [WEATHER], "messages": [{"role": "user", "content": "weather?"}]}
    assert client.messages.create(**params, tool_choice={"type": "none"}).content[0].text == "no tools today"
    assert client.messages.create(**params, tool_choice={"type": "any"}).content[0].name == "get_weather"
    assert client.messages.create(**params).stop_reason == "tool_use"


# --- validation with Anthropic's words ------------------------------------------------------------


def post_error(http: httpx.Client, body: dict[str, Any], status: int = 400) -> str:
    response = http.post("/v1/messages", json=body)
    assert response.status_code == status, response.text
    data = response.json()
    assert data["type"] == "error" and data["error"]["type"] == "invalid_request_error" and data["request_id"].startswith("req_")
    assert response.headers["request-id"].startswith("req_")
    return data["error"]["message"]


def call_turns(call_id: str = "toolu_a", input_: Any = None) -> list[dict[str, Any]]:
    return [{"role": "user", "content": "What is the weather in Rome?"},
            {"role": "assistant", "content": [{"type": "text", "text": "Checking."},
                                              {"type": "tool_use", "id": call_id, "name": "get_weather", "input": input_ or {"city": "Rome"}}]}]


@pytest.mark.parametrize("messages,expected", [
    (call_turns() + [{"role": "user", "content": "and?"}],
     "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_a. "
     "Each `tool_use` block must have a corresponding `tool_result` block in the next message."),
    (call_turns() + [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_a", "content": "x"},
                                                  {"type": "tool_result", "tool_use_id": "toolu_zzz", "content": "y"}]}],
     "messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_zzz. "
     "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."),
    ([{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_nope", "content": "x"}]}],
     "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_nope. "
     "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."),
    ([{"role": "system", "content": "be nice"}, {"role": "user", "content": "hi"}],
     'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.'),
    ([{"role": "user", "content": ""}, {"role": "assistant", "content": "hi"}, {"role": "user", "content": "hi"}],
     "messages.0: all messages must have non-empty content except for the optional final assistant message"),
    ([{"role": "user", "content": [{"type": "text", "text": ""}]}], "messages: text content blocks must be non-empty"),
    ([{"role": "robot", "content": "hi"}], "messages.0.role: Input should be 'user' or 'assistant'"),
])
def test_protocol_errors(http, messages, expected):
    assert post_error(http, {"model": "m", "max_tokens": 10, "tools": [WEATHER], "messages": messages}) == expected


def test_tool_input_checked_against_input_schema(http):
    messages = call_turns(input_={"town": "Rome"}) + [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_a", "content": "x"}]}]
    message = post_error(http, {"model": "m", "max_tokens": 10, "tools": [WEATHER], "messages": messages})
    assert message.startswith("messages.1.content.1.input: the input of tool 'get_weather' is invalid: ")
    assert "does not match the function's parameters" in message


def test_consecutive_turns_are_combined_and_assistant_may_come_first(claude):
    # Anthropic combines consecutive same-role turns: a tool_result split off into its own user
    # message after the text still answers the call
    message = claude.messages.create(model="m", max_tokens=100, tools=[WEATHER], messages=[
        {"role": "assistant", "content": "Hello, how can I help?"},
        {"role": "user", "content": "What is the weather in Rome?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_a", "name": "get_weather", "input": {"city": "Rome"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_a", "content": '{"temperature": 25, "condition": "sunny"}'}]},
        {"role": "user", "content": "Thanks!"},
    ])
    assert message.stop_reason == "end_turn"


@pytest.mark.parametrize("extra,expected", [
    ({"max_tokens": None}, "max_tokens: Field required"),
    ({"max_tokens": -1}, "max_tokens: Input should be greater than or equal to 0"),
    ({"max_tokens": "10"}, "max_tokens: Input should be a valid integer"),
    ({"model": None}, "model: Field required"),
    ({"tools": [dict(WEATHER, name="get.weather")]}, "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"),
    ({"tools": [dict(WEATHER, name="x" * 129)]}, "tools.0.custom.name: String should have at most 128 characters"),
    ({"tools": [WEATHER, WEATHER]}, "tools: Tool names must be unique."),
    ({"tools": [dict(WEATHER, input_schema={"type": "object", "properties": {"city": {"type": 7}}})]},
     "tools.0.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft 2020-12 (https://json-schema.org/draft/2020-12). "
     "Learn more about tool use at https://docs.claude.com/en/docs/tool-use."),
    ({"tools": [WEATHER], "tool_choice": {"type": "tool", "name": "get_time"}}, "tool_choice.name: Tool 'get_time' not found in provided tools"),
    ({"tool_choice": {"type": "required"}}, "tool_choice: Input tag 'required' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'"),
    ({"temperature": 1.5}, "temperature: Input should be less than or equal to 1"),
    ({"stop_sequences": "END"}, "stop_sequences: Input should be a valid list"),
])
def test_parameter_errors(http, extra, expected):
    body = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], **extra}
    body = {k: v for k, v in body.items() if v is not None}
    assert post_error(http, body) == expected


def test_accepted_extras(claude):
    message = claude.messages.create(
        model="gpt-5.4", max_tokens=100, metadata={"user_id": "u-1"}, extra_body={"temperature": 0.2, "top_k": 5},
        tools=[WEATHER, {"type": "web_search_20250305", "name": "web_search", "max_uses": 1}],
        messages=[{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
            {"type": "text", "text": "What is the weather in Lima?"}]}],
        extra_headers={"anthropic-beta": "token-efficient-tools-2025-02-19"},
    )
    assert message.content[0].name == "get_weather"


# --- count_tokens ---------------------------------------------------------------------------------


def test_count_tokens_equals_usage(claude):
    params = {"model": "gpt-5.4", "system": "Be brief.", "tools": [WEATHER], "messages": [{"role": "user", "content": "What is the weather in Lima?"}]}
    counted = claude.messages.count_tokens(**params)
    assert counted.input_tokens == claude.messages.create(max_tokens=50, **params).usage.input_tokens > 0
    with pytest.raises(anthropic.BadRequestError) as bad:
        claude.messages.count_tokens(model="m", messages=[{"role": "system", "content": "x"}])
    assert bad.value.body["error"]["message"].startswith('messages: Unexpected role "system"')


# --- auth, faults ---------------------------------------------------------------------------------

ECHO = """
    version: 1
    name: echo
    rules:
      - name: any
        reply: {content: "fine, thanks"}
"""


def test_auth_with_x_api_key(serve):
    server = serve(ECHO, api_key="sk-ant-mock")
    hi = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    assert anthropic.Anthropic(base_url=server.url, api_key="sk-ant-mock").messages.create(**hi).content[0].text == "fine, thanks"
    assert anthropic.Anthropic(base_url=server.url, auth_token="sk-ant-mock").messages.create(**hi).content[0].text == "fine, thanks"
    with pytest.raises(anthropic.AuthenticationError) as wrong:
        anthropic.Anthropic(base_url=server.url, api_key="wrong", max_retries=0).messages.create(**hi)
    assert wrong.value.body == {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"},
                                "request_id": wrong.value.body["request_id"]}
    raw = httpx.post(server.url + "/v1/messages", json=hi, headers={"x-api-key": "sk-ant-mock", "anthropic-version": "2023-06-01"})
    assert raw.status_code == 200 and raw.json()["content"][0]["text"] == "fine, thanks"
    missing = httpx.post(server.url + "/v1/messages", json=hi)
    assert missing.status_code == 401 and missing.json()["error"]["message"] == "x-api-key header is required"
    assert httpx.post(server.url + "/v1/messages/count_tokens", json=hi).status_code == 401


@pytest.mark.parametrize("status,kind,exception", [
    (429, "rate_limit_error", anthropic.RateLimitError),
    (529, "overloaded_error", anthropic.InternalServerError),
])
def test_retried_faults_honour_retry_after(serve, status, kind, exception):
    server = serve(ECHO)
    client = anthropic.Anthropic(base_url=server.url, api_key="k", max_retries=2)
    hi = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    # fails twice, then the SDK's third attempt (waiting retry-after=0 between) gets through
    answer = client.messages.with_raw_response.create(**hi, extra_headers={"X-Mock-Fault": f"{status}; retry-after=0; times=2", "X-Mock-Session": kind})
    assert answer.retries_taken == 2 and answer.parse().content[0].text == "fine, thanks"
    with pytest.raises(exception) as failed:
        client.with_options(max_retries=1).messages.create(**hi, extra_headers={"X-Mock-Fault": f"{status}; retry-after=0"})
    assert failed.value.status_code == status and failed.value.body["error"]["type"] == kind
    assert failed.value.response.headers["retry-after"] == "0" and failed.value.response.headers["request-id"].startswith("req_")
    assert failed.value.body["error"]["message"] in ("Overloaded", failed.value.body["error"]["message"] if status == 429 else "")


def test_mid_stream_error_event(serve):
    server = serve(ECHO)
    with httpx.stream("POST", server.url + "/v1/messages", headers={"X-Mock-Fault": "stream-error; after=3"},
                      json={"model": "m", "max_tokens": 10, "stream": True, "messages": [{"role": "user", "content": "hi"}]}) as response:
        blocks = response.read().decode().strip().split("\n\n")
    assert [b.split("\n")[0] for b in blocks] == ["event: message_start", "event: content_block_start", "event: ping", "event: error"]
    assert json.loads(blocks[-1].split("\n")[1].removeprefix("data: ")) == {"type": "error", "error": {"type": "api_error", "message": "Internal server error"}}
    client = anthropic.Anthropic(base_url=server.url, api_key="k", max_retries=0)
    with pytest.raises(anthropic.APIStatusError, match="Internal server error"):
        with client.messages.stream(model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}],
                                    extra_headers={"X-Mock-Fault": "stream-error; after=3"}) as stream:
            stream.get_final_message()


def test_unmatched_request_near_miss(serve):
    server = serve("""
        version: 1
        name: strict
        rules:
          - name: only-hello
            when: {last_message: {equals: hello}}
            reply: {content: hi}
    """)
    response = httpx.post(server.url + "/v1/messages", json={"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "goodbye"}]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "no_matching_rule" and error["near_misses"][0]["rule"] == "only-hello"


# --- journal and the fixture's assertions -----------------------------------------------------------


def test_journal_and_fixture_assertions(pytester):
    pytester.makepyfile("""
        import json
        import anthropic

        TOOL = {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}

        def test_loop(mockserver):
            client = anthropic.Anthropic(base_url=mockserver.url, api_key="k", max_retries=0)
            question = {"role": "user", "content": "What is the weather in Oslo?"}
            first = client.messages.create(model="gpt-5.4", max_tokens=100, messages=[question], tools=[TOOL])
            call = first.content[0]
            client.messages.create(model="gpt-5.4", max_tokens=100, tools=[TOOL], messages=[
                question, {"role": "assistant", "content": [call.model_dump(exclude_none=True)]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": '{"temperature": 2}'}]}])
            mockserver.assert_tool_called("get_weather", args={"city": "Oslo"})
            mockserver.assert_tool_result_sent("get_weather")
            entries = mockserver.journal.calls
            assert [e.dialect for e in entries] == ["messages", "messages"]
            assert entries[1].content.startswith("The weather in Oslo is 2")
            assert entries[1].tool_results[0]["tool_call_id"] == call.id
            assert "[redacted]" in (entries[0].headers.get("x-api-key"), entries[0].headers.get("authorization"))
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


# --- another framework: LangChain's ChatAnthropic -----------------------------------------------------


@pytest.mark.parametrize("streaming", [False, True])
def test_langchain_chat_anthropic_tool_loop(server, streaming):
    langchain_anthropic = pytest.importorskip(
        "langchain_anthropic", reason="LangChain is installed by the compatibility suite (.[compat], tests/compat), which runs ChatAnthropic too"
    )
    from langchain_core.messages import HumanMessage, ToolMessage

    model = langchain_anthropic.ChatAnthropic(model="gpt-5.4", base_url=server.url, api_key="k", max_tokens=256,
                                              max_retries=0, streaming=streaming)

    def get_weather(city: str) -> str:
        """Weather for a city."""
        return json.dumps({"temperature": 11, "condition": "foggy"})

    bound = model.bind_tools([get_weather])
    history = [HumanMessage("What is the weather in San Francisco?")]
    first = bound.invoke(history)
    [call] = first.tool_calls
    assert call["name"] == "get_weather" and call["args"] == {"city": "San Francisco"} and call["id"].startswith("toolu_01")
    history += [first, ToolMessage(get_weather(**call["args"]), tool_call_id=call["id"])]
    second = bound.invoke(history)
    assert second.text == "The weather in San Francisco is 11°C and foggy."
    assert second.usage_metadata["input_tokens"] > first.usage_metadata["input_tokens"]
