"""The mistral profile: Mistral's 9-character tool-call ids — refused in a history as Mistral
refuses them (its status, body and text), used in the mock's own answers so a client can send
them back — and its unwrapped error envelope."""

from __future__ import annotations

import json
import re

import httpx
import openai
import pytest

from payloads import GET_WEATHER_TOOL, assistant_calls, call, chat, tool, user

SCENARIO = """
version: 1
name: mistral-weather
rules:
  - name: ask
    when: {last_message: {role: user, contains: weather}}
    reply:
      tool_calls:
        - {name: get_weather, arguments: {city: Paris}}
        - {name: get_weather, arguments: {city: Oslo}}
  - name: answer
    when: {tool_result: {tool: get_weather, count: 2}}
    reply: {content: "Paris {{ tool_results[0].content }}, Oslo {{ tool_results[1].content }}."}
  - name: one
    when: {tool_result: {tool: get_weather}}
    reply: {content: "one result"}
"""
NINE = re.compile(r"^[a-zA-Z0-9]{9}$")


def history(call_id: str) -> dict:
    return chat(user("weather?"), assistant_calls(call(call_id, "get_weather", '{"city":"Paris"}')), tool(call_id, "sunny"),
                tools=[GET_WEATHER_TOOL])


def test_an_openai_style_id_gets_mistral_s_400(serve):
    running = serve(SCENARIO, profile="mistral")
    response = httpx.post(running.base_url + "/chat/completions", json=history("call_0fypS1hVX"), timeout=10)
    assert response.status_code == 400
    # byte for byte the body reported with its Content-Length (karthink/gptel#1203: 167)
    assert response.content == (b'{"object":"error","message":"Tool call id was call_0fypS1hVX but must be a-z, A-Z, 0-9, '
                                b'with a length of 9.","type":"invalid_function_call","param":null,"code":"3280"}')
    assert len(response.content) == 167
    assert response.headers["x-mock-rule"] == "assistant.tool_call_id_format"


def test_nine_alphanumerics_pass(serve):
    running = serve(SCENARIO, profile="mistral")
    response = httpx.post(running.base_url + "/chat/completions", json=history("D681PevKs"), timeout=10)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("profile", ["openai", "vllm", "azure"])
def test_other_profiles_accept_openai_style_ids(serve, profile):
    running = serve(SCENARIO, profile=profile)
    response = httpx.post(running.base_url + "/chat/completions", json=history("call_0fypS1hVX"), timeout=10)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("stream", [False, True])
def test_the_mock_s_own_ids_go_back_under_mistral(serve, stream):
    """The openai SDK in a tool loop against the mistral profile: the answer's ids are Mistral's,
    so sending the history back is accepted."""
    running = serve(SCENARIO, profile="mistral")
    client = openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=0)
    messages = [{"role": "user", "content": "weather?"}]
    if stream:
        with client.chat.completions.stream(model="mistral-large-latest", messages=messages, tools=[GET_WEATHER_TOOL]) as s:
            first = s.get_final_completion()
    else:
        first = client.chat.completions.create(model="mistral-large-latest", messages=messages, tools=[GET_WEATHER_TOOL])
    calls = first.choices[0].message.tool_calls
    assert len(calls) == 2 and all(NINE.match(c.id) for c in calls) and calls[0].id != calls[1].id
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages += [{"role": "tool", "tool_call_id": c.id, "content": t} for c, t in zip(calls, ["sunny", "rainy"])]
    second = client.chat.completions.create(model="mistral-large-latest", messages=messages, tools=[GET_WEATHER_TOOL])
    assert second.choices[0].message.content == "Paris sunny, Oslo rainy."


def test_unanswered_calls_in_mistral_s_words(serve):
    running = serve(SCENARIO, profile="mistral")
    body = chat(user("weather?"), assistant_calls(call("D681PevKs", "get_weather", '{"city":"Paris"}')), user("and?"),
                tools=[GET_WEATHER_TOOL])
    response = httpx.post(running.base_url + "/chat/completions", json=body, timeout=10)
    assert response.status_code == 400
    assert response.json() == {"object": "error", "message": "Not the same number of function calls and responses",
                               "type": "invalid_request_message_order", "param": None, "code": "3230"}


def test_the_sdk_reads_mistral_s_error(serve):
    running = serve(SCENARIO)
    client = openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=0, default_headers={"X-Mock-Profile": "mistral"})
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(**history("call_1"))
    assert raised.value.status_code == 400
    assert raised.value.body == json.loads(raised.value.response.text)
    assert raised.value.body["message"] == "Tool call id was call_1 but must be a-z, A-Z, 0-9, with a length of 9."
