"""The four seed exchanges, driven through the official openai SDK with inputs the seeds never had."""

from __future__ import annotations

import json

import pytest

from conftest import assert_official
from payloads import CURRENT_WEATHER_TOOL, GET_WEATHER_TOOL, TIME_TOOL, user


def as_history(message) -> dict:
    """The assistant message as a client sends it back on the next turn."""
    return message.model_dump(exclude_none=True, exclude={"annotations", "refusal"})


def check(completion) -> dict:
    body = completion.model_dump(exclude_unset=True)
    assert_official("CreateChatCompletionResponse", body)
    return body


# --- seed 000: forced get_current_time, then a Chinese answer computed from the tool's time ---


@pytest.mark.parametrize(
    "tool_output,expected",
    [
        ('{"time":"2031-07-04T09:05:07+02:00"}', "现在是2031年7月4日9点5分7秒。"),
        ('{"time":"1999-12-31T23:59:59Z"}', "现在是1999年12月31日23点59分59秒。"),
        ("2024-02-29 06:30:00", "现在是2024年2月29日6点30分0秒。"),
    ],
)
def test_seed_000_current_time(openai_client, tool_output, expected):
    question = user("请调用 get_current_time 工具获取当前时间，然后用中文回答：现在几点？")
    first = openai_client.chat.completions.create(
        model="Qwen2-VL-7B-Instruct",
        messages=[question],
        tools=[TIME_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_current_time"}},
        max_tokens=128,
    )
    check(first)
    message = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls"
    assert [c.function.name for c in message.tool_calls] == ["get_current_time"]
    assert json.loads(message.tool_calls[0].function.arguments) == {}
    assert message.tool_calls[0].id.startswith("call_")
    second = openai_client.chat.completions.create(
        model="Qwen2-VL-7B-Instruct",
        messages=[question, as_history(message), {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": tool_output}],
        tools=[TIME_TOOL],
        max_tokens=128,
    )
    check(second)
    assert second.choices[0].message.content == expected
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.tool_calls is None


def test_seed_000_unreadable_time(openai_client):
    question = user("what time is it?")
    first = openai_client.chat.completions.create(model="m", messages=[question], tools=[TIME_TOOL])
    message = first.choices[0].message
    assert message.tool_calls[0].function.name == "get_current_time"
    second = openai_client.chat.completions.create(
        model="m", messages=[question, as_history(message), {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "teatime"}],
        tools=[TIME_TOOL],
    )
    assert second.choices[0].message.content == "工具返回的时间无法识别：teatime"


# --- seed 001: two cities compared, parallel calls, computed difference ---------------------


async def _seed_001(client, question, cities, unit, temps, verdict):
    first = await client.chat.completions.create(model="any-model", messages=[user(question)], tools=[CURRENT_WEATHER_TOOL], tool_choice="auto")
    check(first)
    message = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls"
    assert message.content.startswith(f"I'll check the current temperatures for {cities[0]} and {cities[1]}")
    calls = message.tool_calls
    assert [json.loads(c.function.arguments) for c in calls] == [{"location": c, "unit": unit} for c in cities]
    assert len({c.id for c in calls}) == 2
    results = [
        {"role": "tool", "tool_call_id": c.id, "content": f"The temperature in {city} is {t} degrees."}
        for c, city, t in zip(calls, cities, temps)
    ]
    second = await client.chat.completions.create(
        model="any-model", messages=[user(question), as_history(message), *results], tools=[CURRENT_WEATHER_TOOL], tool_choice="auto"
    )
    check(second)
    text = second.choices[0].message.content
    assert text.startswith("Based on the current weather data:")
    assert f"**{cities[0]}**: {temps[0]}°" in text and f"**{cities[1]}**: {temps[1]}°" in text
    assert text.endswith(verdict)


@pytest.mark.anyio
@pytest.mark.parametrize("case", [0, 1])
async def test_seed_001_compare_async(async_openai_client, case):
    params = [
        ("Which city has a higher temperature, Lisbon or cairo, and by how much in F?", ["Lisbon", "Cairo"], "fahrenheit",
         (61, 88), "Cairo has a higher temperature than Lisbon by 27 degrees Fahrenheit."),
        ("Which city has a higher temperature, Oslo or Buenos Aires and by how much in C?", ["Oslo", "Buenos Aires"], "celsius",
         (12, 3), "Oslo has a higher temperature than Buenos Aires by 9 degrees Celsius."),
    ][case]
    await _seed_001(async_openai_client, *params)


def test_seed_001_compare_sync(openai_client):
    """The same conversation through the sync client, with a tie."""
    question = user("Which city has a higher temperature, Paris or Rome, and by how much in F?")
    first = openai_client.chat.completions.create(model="m", messages=[user(question["content"])], tools=[CURRENT_WEATHER_TOOL])
    calls = first.choices[0].message.tool_calls
    results = [{"role": "tool", "tool_call_id": c.id, "content": json.dumps({"temperature": 70})} for c in calls]
    second = openai_client.chat.completions.create(
        model="m", messages=[question, as_history(first.choices[0].message), *results], tools=[CURRENT_WEATHER_TOOL]
    )
    assert second.choices[0].message.content.endswith("Paris and Rome have the same temperature.")


def test_seed_001_vertex_ids_rejected_under_openai(http):
    """The seed's own second request answers calls with ids no call has: a 400 under OpenAI's
    rules. The two calls sharing one id are only a warning (no report of OpenAI refusing that)."""
    question = user("Which city has a higher temperature, Boston or new Delhi and by how much in F?")
    calls = [
        {"function": {"arguments": '{"location":"Boston, MA","unit":"fahrenheit"}', "name": "get_current_weather"}, "id": "get_current_weather", "type": "function"},
        {"function": {"arguments": '{"location":"New Delhi, India","unit":"fahrenheit"}', "name": "get_current_weather"}, "id": "get_current_weather", "type": "function"},
    ]
    body = {
        "model": "MODEL_NAME",
        "messages": [question, {"role": "assistant", "content": "I'll check.", "tool_calls": calls},
                     {"role": "tool", "content": "The temperature in Boston is 75 degrees Fahrenheit.", "tool_call_id": "get_weather"},
                     {"role": "tool", "content": "The temperature in New Delhi is 50 degrees Fahrenheit.", "tool_call_id": "get_weather"}],
        "tools": [CURRENT_WEATHER_TOOL],
        "tool_choice": "auto",
    }
    response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "messages.[2].tool_call_id"
    assert "'tool_call_id' of 'get_weather' not found in 'tool_calls' of previous message" in error["message"]
    assert response.headers.get_list("x-mock-warnings") == [
        "history.call_id_duplicate at messages[1].tool_calls[1].id: Invalid parameter: duplicate tool call id "
        "'get_current_weather' (first used at messages[1].tool_calls[0]). Tool call ids should be unique in a conversation."]
    # answered by the right (shared) id, each result once: OpenAI's rules refuse the second result
    for message in body["messages"][2:]:
        message["tool_call_id"] = "get_current_weather"
    response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages.[3].tool_call_id"
    assert "Duplicate value for 'tool_call_id' of 'get_current_weather'" in response.json()["error"]["message"]


# --- seed 002: get_weather for the asked city, content null, then quote the JSON result -----


@pytest.mark.parametrize("city,result,answer", [
    ("Reykjavik", {"temperature": -3, "condition": "snowy"}, "The weather in Reykjavik is -3°C and snowy."),
    ("san josé", {"temperature": 31, "condition": "humid"}, "The weather in San José is 31°C and humid."),
])
def test_seed_002_weather_tool(openai_client, city, result, answer):
    question = user(f"What is the weather in {city}? Use the tool.")
    first = openai_client.chat.completions.create(model="gpt-5.4", messages=[question], tools=[GET_WEATHER_TOOL])
    body = check(first)
    assert body["choices"][0]["message"]["content"] is None
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    expected_city = city[0].upper() + city[1:].replace(" j", " J")
    assert json.loads(call.function.arguments) == {"city": expected_city}
    second = openai_client.chat.completions.create(
        model="gpt-5.4",
        messages=[question, as_history(first.choices[0].message), {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)}],
        tools=[GET_WEATHER_TOOL],
    )
    check(second)
    assert second.choices[0].message.content == answer


# --- seed 003: "<城市>今天天气怎么样" → get_current_weather(location=城市) ----------------------


@pytest.mark.parametrize("question,city", [("上海今天天气怎么样", "上海"), ("广州的天气如何？", "广州"), ("乌鲁木齐今天天气怎么样？", "乌鲁木齐")])
def test_seed_003_weather_zh(openai_client, question, city):
    first = openai_client.chat.completions.create(model="gpt-4o", messages=[user(question)], tools=[CURRENT_WEATHER_TOOL],
                                                  max_tokens=1000, temperature=0.8)
    check(first)
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "get_current_weather"
    assert json.loads(call.function.arguments) == {"location": city}
    second = openai_client.chat.completions.create(
        model="gpt-4o",
        messages=[user(question), as_history(first.choices[0].message),
                  {"role": "tool", "tool_call_id": call.id, "content": '{"temperature": 18, "condition": "多云"}'}],
        tools=[CURRENT_WEATHER_TOOL],
    )
    assert second.choices[0].message.content == f"{city}今天多云，气温18度。"


def test_catch_all_answers_anything(openai_client):
    completion = openai_client.chat.completions.create(model="whatever", messages=[user("tell me a joke")])
    check(completion)
    assert completion.choices[0].message.content.startswith("Hello from mockserver!")
    assert completion.model == "whatever"
