"""The Responses API (``POST /v1/responses``) from the same scenarios: real openai SDK agent loops,
streamed and not, stored responses and ``previous_response_id``, and every body and stream
event checked against the official schemas."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from conftest import assert_responses_official

WEATHER = {
    "type": "function", "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False},
}
CURRENT_WEATHER = {
    "type": "function", "name": "get_current_weather",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]},
}
TIME = {"type": "function", "name": "get_current_time", "description": "获取当前时间", "parameters": {"type": "object", "properties": {}}}
SDK_ONLY = {"parsed_arguments", "parsed"}  # what the SDK's stream helper adds to its final object


def checked(response) -> Any:
    body = response.model_dump(exclude_unset=True, exclude={"output_text"})
    assert_responses_official("Response", body)
    return response


def without_sdk_fields(response) -> dict[str, Any]:
    dumped = response.model_dump()
    for item in dumped["output"]:
        for key in SDK_ONLY:
            item.pop(key, None)
        for part in item.get("content") or []:
            part.pop("parsed", None)
    return dumped


def raw_events(server, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The stream's events, each checked: ``event:`` line = ``type``, valid ResponseStreamEvent."""
    with httpx.stream("POST", server.url + "/v1/responses", json=dict(body, stream=True), timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = response.read().decode()
    events = []
    for block in text.strip().split("\n\n"):
        event_line, data_line = block.split("\n")
        payload = json.loads(data_line.removeprefix("data: "))
        assert event_line == f"event: {payload['type']}"
        assert_responses_official("ResponseStreamEvent", payload)
        events.append(payload)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    return events


def run_tools(response, results: dict[str, Any]) -> list[dict[str, Any]]:
    """Execute each function call of ``response``; its outputs as input items."""
    outputs = []
    for item in response.output:
        if item.type == "function_call":
            value = results[item.name](**json.loads(item.arguments))
            outputs.append({"type": "function_call_output", "call_id": item.call_id, "output": json.dumps(value)})
    return outputs


# --- agent loops over the bundled seed scenarios ------------------------------------------------


@pytest.mark.parametrize("chain", ["previous_response_id", "full input, store false"])
def test_seed_002_weather_loop(openai_client, chain):
    weather = {"Valparaíso": {"temperature": 17, "condition": "windy"}}
    tools = {"get_weather": lambda city: weather[city]}
    question = "What is the weather in valparaíso? Use the tool."
    first = checked(openai_client.responses.create(model="gpt-5.4", input=question, tools=[WEATHER], store=chain != "full input, store false"))
    [call] = first.output
    assert call.type == "function_call" and call.name == "get_weather" and json.loads(call.arguments) == {"city": "Valparaíso"}
    assert call.call_id.startswith("call_") and call.id.startswith("fc_") and first.id.startswith("resp_")
    outputs = run_tools(first, tools)
    if chain == "previous_response_id":
        second = openai_client.responses.create(model="gpt-5.4", previous_response_id=first.id, input=outputs, tools=[WEATHER])
        assert second.previous_response_id == first.id
    else:
        history = [{"role": "user", "content": question}, *[item.model_dump(exclude_none=True) for item in first.output], *outputs]
        second = openai_client.responses.create(model="gpt-5.4", input=history, tools=[WEATHER], store=False)
    checked(second)
    assert second.output_text == "The weather in Valparaíso is 17°C and windy."
    assert second.usage.input_tokens > first.usage.input_tokens


def test_seed_001_parallel_calls_and_computed_answer(openai_client):
    temperatures = {"Nairobi": 77, "Tromsø": 40}
    question = "Which city has a higher temperature, Nairobi or Tromsø, and by how much in F?"
    first = checked(openai_client.responses.create(model="m", input=question, tools=[CURRENT_WEATHER]))
    calls = [item for item in first.output if item.type == "function_call"]
    assert [json.loads(c.arguments)["location"].split(",")[0] for c in calls] == ["Nairobi", "Tromsø"]
    outputs = run_tools(first, {"get_current_weather": lambda location, unit="fahrenheit": {"temperature": temperatures[location.split(",")[0]]}})
    second = checked(openai_client.responses.create(model="m", previous_response_id=first.id, input=outputs, tools=[CURRENT_WEATHER]))
    assert second.output_text.endswith("Nairobi has a higher temperature than Tromsø by 37 degrees Fahrenheit.")


def test_seed_000_forced_call_with_instructions(openai_client):
    first = checked(openai_client.responses.create(
        model="Qwen2-VL-7B-Instruct", instructions="你是一个助手。", input="现在几点？请用 get_current_time 工具。",
        tools=[TIME], tool_choice={"type": "function", "name": "get_current_time"},
    ))
    [call] = first.output
    assert call.name == "get_current_time" and first.tool_choice.name == "get_current_time"
    assert first.instructions == "你是一个助手。"
    outputs = [{"type": "function_call_output", "call_id": call.call_id, "output": json.dumps({"time": "2030-01-02T03:04:05Z"})}]
    second = checked(openai_client.responses.create(model="Qwen2-VL-7B-Instruct", previous_response_id=first.id, input=outputs, tools=[TIME]))
    assert second.output_text == "现在是2030年1月2日3点4分5秒。"
    assert second.instructions is None  # instructions are not carried over from the previous response


def test_seed_003_content_parts_input(openai_client):
    message = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "成都今天的天气怎么样？"}]}
    first = checked(openai_client.responses.create(model="gpt-4o", input=[message], tools=[CURRENT_WEATHER]))
    [call] = first.output
    assert json.loads(call.arguments)["location"].startswith("成都")
    outputs = [{"type": "function_call_output", "call_id": call.call_id, "output": [{"type": "input_text", "text": json.dumps({"temperature": 26, "condition": "多云"})}]}]
    second = checked(openai_client.responses.create(model="gpt-4o", previous_response_id=first.id, input=outputs, tools=[CURRENT_WEATHER]))
    assert second.output_text == "成都今天多云，气温26度。"


# --- streaming ------------------------------------------------------------------------------------


def test_stream_adds_up_to_the_response(openai_client, server):
    body = {"model": "gpt-5.4", "input": "What is the weather in Quito?", "tools": [WEATHER], "store": False}
    plain = openai_client.responses.create(**body)
    with openai_client.responses.stream(**body) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert without_sdk_fields(final) == without_sdk_fields(plain)
    assert kinds[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert kinds[-2:] == ["response.output_item.done", "response.completed"]
    assert kinds.count("response.function_call_arguments.delta") > 1
    events = raw_events(server, body)
    assert events[-1]["response"] == plain.model_dump(exclude_unset=True, exclude={"output_text"})


def test_streamed_text_events(server):
    body = {"model": "gpt-5.4", "input": [
        {"role": "user", "content": "What is the weather in Quito?"},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Quito"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": '{"temperature": 14, "condition": "cloudy"}'},
    ], "tools": [WEATHER], "store": False}
    events = raw_events(server, body)
    kinds = [e["type"] for e in events]
    assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]
    assert kinds[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert len(deltas) > 3 and "".join(deltas) == "The weather in Quito is 14°C and cloudy."
    item_id = events[2]["item"]["id"]
    assert {e.get("item_id", item_id) for e in events[3:-2]} == {item_id}


async def test_async_stream_loop(async_openai_client):
    body = {"model": "gpt-5.4", "tools": [WEATHER]}
    async with async_openai_client.responses.stream(input="What is the weather in Hanoi?", **body) as stream:
        first = await stream.get_final_response()
    [call] = first.output
    outputs = [{"type": "function_call_output", "call_id": call.call_id, "output": json.dumps({"temperature": 33, "condition": "humid"})}]
    async with async_openai_client.responses.stream(previous_response_id=first.id, input=outputs, **body) as stream:
        text = "".join([event.delta async for event in stream if event.type == "response.output_text.delta"])
        second = await stream.get_final_response()
    assert text == second.output_text == "The weather in Hanoi is 33°C and humid."


# --- stored responses -----------------------------------------------------------------------------


def test_retrieve_input_items_and_delete(openai_client):
    first = openai_client.responses.create(model="gpt-5.4", input="What is the weather in Accra?", tools=[WEATHER])
    assert without_sdk_fields(openai_client.responses.retrieve(first.id)) == without_sdk_fields(first)
    outputs = [{"type": "function_call_output", "call_id": first.output[0].call_id, "output": '{"temperature": 30}'}]
    second = openai_client.responses.create(model="gpt-5.4", previous_response_id=first.id, input=[{"role": "user", "content": "and now?"}, *outputs], tools=[WEATHER])
    listed = openai_client.responses.input_items.list(second.id)
    assert [item.type for item in listed.data] == ["function_call_output", "message"]  # newest first
    assert [item.type for item in openai_client.responses.input_items.list(second.id, order="asc").data] == ["message", "function_call_output"]
    openai_client.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError) as missing:
        openai_client.responses.retrieve(first.id)
    assert missing.value.body["message"] == f"Response with id '{first.id}' not found."


def test_unknown_or_evicted_previous_response(serve):
    server = serve("""
        version: 1
        name: echo
        rules:
          - name: any
            reply: {content: "ok {{ turn }}"}
    """, responses_store_size=2)
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    ids = [client.responses.create(model="m", input=f"hello {i}").id for i in range(3)]
    assert client.responses.create(model="m", previous_response_id=ids[2], input="again").output_text == "ok 1"
    with pytest.raises(openai.BadRequestError) as evicted:
        client.responses.create(model="m", previous_response_id=ids[0], input="again")
    assert evicted.value.body == {"message": f"Previous response with id '{ids[0]}' not found.", "type": "invalid_request_error",
                                  "param": "previous_response_id", "code": "previous_response_not_found"}
    not_stored = client.responses.create(model="m", input="hello", store=False)
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model="m", previous_response_id=not_stored.id, input="again")


# --- validation as strict as OpenAI ---------------------------------------------------------------


@pytest.mark.parametrize("input_items,param,message", [
    ([{"type": "function_call_output", "call_id": "call_nope", "output": "x"}], "input",
     "No tool call found for function call output with call_id call_nope."),
    ([{"role": "user", "content": "weather?"},
      {"type": "function_call", "call_id": "call_a", "name": "get_weather", "arguments": '{"city": "Rome"}'},
      {"role": "user", "content": "hm?"}], "input", "No tool output found for function call call_a."),
    ([{"role": "user", "content": "weather?"},
      {"type": "function_call", "call_id": "call_a", "name": "get_weather", "arguments": '{"town": "Rome"}'},
      {"type": "function_call_output", "call_id": "call_a", "output": "x"}], "input[1].arguments", "does not match the function's parameters"),
    ([{"role": "robot", "content": "hi"}], "input[0].role", "Invalid value: 'robot'."),
    ([{"role": "user", "content": [{"type": "output_text", "text": "hi"}]}], "input[0].content[0].type", "Invalid value: 'output_text'."),
])
def test_protocol_and_shape_errors(http, input_items, param, message):
    response = http.post("/v1/responses", json={"model": "m", "input": input_items, "tools": [WEATHER]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param and message in error["message"] and error["type"] == "invalid_request_error"


@pytest.mark.parametrize("extra,param,message", [
    ({"max_output_tokens": 5}, "max_output_tokens",
     "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 5 instead."),
    ({"tools": [dict(WEATHER, name="get weather")]}, "tools[0].name", "string does not match pattern"),
    ({"tools": [dict(WEATHER, strict=True, parameters={"type": "object", "properties": {"city": {"type": "string"}}})]},
     "tools[0].parameters", "Invalid schema for function 'get_weather'"),
    ({"tools": [WEATHER], "tool_choice": {"type": "function", "name": "get_time"}}, "tool_choice",
     "Tool choice 'function' not found in 'tools' parameter."),
    ({"temperature": "hot"}, "temperature", "Invalid type for 'temperature'"),
    ({"max_tool_calls": "3"}, "max_tool_calls", "Invalid type for 'max_tool_calls'"),
])
def test_parameter_errors(http, extra, param, message):
    response = http.post("/v1/responses", json={"model": "m", "input": "hi", **extra})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param and message in error["message"]


def test_unknown_fields_and_hosted_tools_accepted(openai_client):
    response = checked(openai_client.responses.create(
        model="gpt-5.4", input="What is the weather in Lima?", tools=[WEATHER, {"type": "web_search_preview"}],
        reasoning={"effort": "low"}, include=["message.output_text.logprobs"], extra_body={"some_vendor_field": 1},
        metadata={"suite": "responses"},
    ))
    assert response.output[0].name == "get_weather" and response.metadata == {"suite": "responses"}


def test_max_tool_calls_takes_any_integer(http):
    """The official schema gives max_tool_calls no minimum, so the mock sets none either."""
    response = http.post("/v1/responses", json={"model": "m", "input": "What is the weather in Lima?", "tools": [WEATHER], "max_tool_calls": 0})
    assert response.status_code == 200 and response.json()["max_tool_calls"] == 0


def test_max_output_tokens_ends_incomplete(serve):
    server = serve("""
        version: 1
        name: long
        rules:
          - name: long
            reply: {content: "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen"}
    """)
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    response = checked(client.responses.create(model="m", input="talk", max_output_tokens=16))
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    assert response.usage.output_tokens <= 16 and response.output_text.startswith("one two")
    assert [e["type"] for e in raw_events(server, {"model": "m", "input": "talk", "max_output_tokens": 16})][-1] == "response.incomplete"


# --- faults, auth, journal --------------------------------------------------------------------------


def test_faults_and_auth(serve):
    server = serve("""
        version: 1
        name: echo
        rules:
          - name: any
            reply: {content: "fine, thanks"}
    """, api_key="sk-mock")
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-mock", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=server.base_url, api_key="wrong", max_retries=0).responses.create(model="m", input="hi")
    with pytest.raises(openai.RateLimitError) as limited:
        client.responses.create(model="m", input="hi", extra_headers={"X-Mock-Fault": "429; retry-after=0"})
    assert limited.value.response.headers["retry-after"] == "0"
    with httpx.stream("POST", server.url + "/v1/responses", headers={"Authorization": "Bearer sk-mock", "X-Mock-Fault": "stream-error; after=3"},
                      json={"model": "m", "input": "hi", "stream": True}) as response:
        blocks = response.read().decode().strip().split("\n\n")
    assert len(blocks) == 4
    error = json.loads(blocks[-1].split("\n")[1].removeprefix("data: "))
    assert blocks[-1].startswith("event: error\n") and error["sequence_number"] == 3
    assert_responses_official("ResponseErrorEvent", error)


def test_journal_and_fixture_assertions(pytester):
    pytester.makepyfile("""
        import json
        import openai

        TOOL = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}

        def test_loop(mockserver):
            client = openai.OpenAI(base_url=mockserver.base_url, api_key="k", max_retries=0)
            first = client.responses.create(model="gpt-5.4", input="What is the weather in Oslo?", tools=[TOOL])
            call = first.output[0]
            client.responses.create(model="gpt-5.4", previous_response_id=first.id, tools=[TOOL],
                                    input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"temperature": 2}'}])
            mockserver.assert_tool_called("get_weather", args={"city": "Oslo"})
            mockserver.assert_tool_result_sent("get_weather")
            entries = mockserver.journal.calls
            assert [e.dialect for e in entries] == ["responses", "responses"]
            assert entries[1].content.startswith("The weather in Oslo is 2")
            assert entries[1].tool_results[0]["tool_call_id"] == call.call_id
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_unmatched_request_near_miss(serve):
    server = serve("""
        version: 1
        name: strict
        rules:
          - name: only-hello
            when: {last_message: {equals: hello}}
            reply: {content: hi}
    """)
    response = httpx.post(server.url + "/v1/responses", json={"model": "m", "input": "goodbye"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "no_matching_rule" and error["near_misses"][0]["rule"] == "only-hello"


# --- openai-agents: the default model speaks the Responses API ---------------------------------------


def test_openai_agents_default_runner(server):
    agents = pytest.importorskip("agents")
    from agents import Agent, Runner, function_tool, set_default_openai_client, set_tracing_disabled

    set_tracing_disabled(True)
    seen: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """Weather for a city."""
        seen.append(city)
        return json.dumps({"temperature": 19, "condition": "clear"})

    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    set_default_openai_client(client, use_for_tracing=False)
    agent = Agent(name="weather", instructions="Answer weather questions.", model="gpt-5.4", tools=[get_weather])
    result = Runner.run_sync(agent, "What is the weather in Porto?")
    assert seen == ["Porto"]
    assert result.final_output == "The weather in Porto is 19°C and clear."
    assert agents.__name__ == "agents"


def test_the_known_fields_are_the_official_create_response_properties():
    from mockserver.dialects.responses.fields import KNOWN
    from mockserver.validation.params import parameter_schemas
    from conftest import RESPONSES_OFFICIAL

    assert KNOWN == set(parameter_schemas(RESPONSES_OFFICIAL, "CreateResponse"))


def test_the_shipped_tool_schema_is_the_official_one():
    from mockserver.dialects.responses.hosted import _document
    from conftest import RESPONSES_OFFICIAL

    official = RESPONSES_OFFICIAL["components"]["schemas"]
    shipped = _document()["components"]["schemas"]
    assert "Tool" in shipped and all(shipped[name] == official[name] for name in shipped)


BAD_INTERPRETER = {"type": "code_interpreter", "container": {"type": "auto"}, "allowed_callers": ["x"]}


def test_hosted_tools_are_checked_and_only_valid_ones_echoed(http):
    """Issue 31 D3: a hosted tool the schema refuses is OpenAI's 400 (standard wording); under vllm a
    warning, and the body (which echoes the declared tools) still validates against the schema."""
    request = {"model": "m", "input": "hi", "store": False, "tools": [WEATHER, BAD_INTERPRETER, {"type": "web_search"}]}
    refused = http.post("/v1/responses", json=request)
    assert refused.status_code == 400
    assert refused.json()["error"] == {"message": "Invalid value: 'x'. Supported values are: 'direct', and 'programmatic'.",
                                       "type": "invalid_request_error", "param": "tools[1].allowed_callers[0]", "code": "invalid_value"}
    assert refused.headers["x-mock-rule"] == "tools.hosted_invalid"
    missing = http.post("/v1/responses", json={**request, "tools": [{"type": "code_interpreter"}]})
    assert missing.json()["error"]["message"] == "Missing required parameter: 'tools[0].container'."
    unknown = http.post("/v1/responses", json={**request, "tools": [{"type": "web_browse"}]})
    assert unknown.json()["error"]["param"] == "tools[0].type" and unknown.json()["error"]["code"] == "invalid_value"
    lenient = http.post("/v1/responses", json=request, headers={"X-Mock-Profile": "vllm"})
    assert lenient.status_code == 200 and lenient.headers["x-mock-warnings"].startswith("tools.hosted_invalid")
    body = lenient.json()
    assert_responses_official("Response", body)
    assert [t["type"] for t in body["tools"]] == ["function", "web_search"]
    valid = {**request, "tools": [WEATHER, {**BAD_INTERPRETER, "allowed_callers": ["direct"]}]}
    answered = http.post("/v1/responses", json=valid)
    assert answered.status_code == 200, answered.text
    assert_responses_official("Response", answered.json())
    assert answered.json()["tools"][1] == {**BAD_INTERPRETER, "allowed_callers": ["direct"]}
