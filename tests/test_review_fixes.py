"""Regressions found in review: escaped emoji in scenarios, drops under timing, deferred-profile
history errors, stream faults in the journal, oversized generated values."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from payloads import GET_WEATHER_TOOL, assistant_calls, call, chat, function_tool, tool, user


def test_json_escaped_emoji_in_a_scenario_is_the_character(serve):
    running = serve(json.dumps({"version": 1, "name": "emo", "rules": [{"name": "r", "reply": {"content": "hi 😀"}}]}))
    answer = httpx.post(running.url + "/v1/chat/completions", json=chat(user("x")))
    assert answer.status_code == 200 and answer.json()["choices"][0]["message"]["content"] == "hi 😀"
    streamed = httpx.post(running.url + "/v1/chat/completions", json=chat(user("x"), stream=True))
    assert "😀" in streamed.content.decode()
    assert httpx.get(running.url + "/_mock/journal").status_code == 200


@pytest.mark.parametrize("config,header", [
    ({"ttft": 0.02}, "stream-drop; after=2"),
    ({}, "stream-drop; after=0; latency=0.05"),
])
def test_drop_is_a_drop_whatever_the_timing(serve, config, header):
    running = serve("version: 1\nname: t\nrules: [{reply: {content: one two three four}}]\n", **config)
    client = openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        for _ in client.chat.completions.create(**chat(user("x")), stream=True, extra_headers={"X-Mock-Fault": header}):
            pass


def test_broken_history_is_a_400_even_when_a_scenario_brings_a_profile(serve):
    weather = ("version: 1\nname: a\nrules:\n  - when: {tool_result: {tool: get_weather}}\n"
               "    reply: {content: \"in {{ tool_results[0].arguments.city }}\"}\n")
    other = "version: 1\nname: b\nprofile: vllm\nrules: [{when: {model: vllm-only}, reply: {content: x}}]\n"
    running = serve(weather, other)
    body = chat(user("w?"), assistant_calls(call("c1", "get_weather", '{"city": "Os')), tool("c1", "5C"), tools=[GET_WEATHER_TOOL])
    response = httpx.post(running.url + "/v1/chat/completions", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages[1].tool_calls[0].function.arguments"
    assert response.json()["error"]["code"] == "invalid_function_arguments"


def test_a_broken_stream_is_not_journaled_as_the_full_answer(serve):
    running = serve("version: 1\nname: w\nrules: [{when: {tools: [get_weather]}, reply: {tool_calls: [{name: get_weather, arguments: {city: Lisbon}}]}}]\n")
    body = chat(user("w?"), tools=[GET_WEATHER_TOOL], stream=True)
    httpx.post(running.url + "/v1/chat/completions", json=body, headers={"X-Mock-Fault": "stream-cut; after=1"})
    entry = httpx.get(running.url + "/_mock/journal").json()["data"][-1]
    assert entry["response"] == {"stream": True, "stream_fault": {"kind": "cut", "after": 1}}


def test_huge_generated_values_are_refused_not_hung(serve):
    running = serve("version: 1\nname: g\nrules: [{when: {tools: [f]}, reply: {tool_calls: [{name: f, arguments: auto}]}}]\n")
    tool_def = function_tool("f", {"a": {"type": "string", "minLength": 100_000_000}}, ["a"])
    response = httpx.post(running.url + "/v1/chat/completions", json=chat(user("x"), tools=[tool_def]), timeout=10)
    assert response.status_code == 422
    assert "minLength 100000000 is more than mockserver generates (10000)" in response.json()["error"]["message"]
    assert httpx.get(running.url + "/healthz").status_code == 200


@pytest.mark.parametrize("choice,expected", [
    ({"type": "allowed_tools", "allowed_tools": {"mode": "required", "tools": [{"type": "function", "function": {"name": "get_weather"}}]}}, 200),
    ({"type": "custom", "custom": {"name": "get_weather"}}, 200),
    ({"type": "allowed_tools", "allowed_tools": {"mode": "sometimes", "tools": []}}, 400),
    ({"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": [{"type": "function", "function": {"name": "nope"}}]}}, 400),
])
def test_tool_choice_forms_of_the_current_spec(http, choice, expected):
    body = chat(user("What is the weather in Oslo?"), tools=[GET_WEATHER_TOOL], tool_choice=choice)
    response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == expected, response.text
    if expected == 200:
        assert response.json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
