"""How-to: test a tool-calling agent against mockserver with the pytest plugin.

``pip install mockserver`` registers the ``mockserver`` fixture (no conftest needed). Each test
gets the session's real server, reset: an empty journal and the scenarios it asks for.
Run with ``python -m pytest examples``.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import openai
import pytest

TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}]


def get_weather(city: str) -> dict[str, Any]:
    """The agent's real tool (a stub here: the point is the conversation, not the weather)."""
    return {"city": city, "temperature": 18, "condition": "cloudy"}


def run_agent(client: openai.OpenAI, question: str,
              tools: dict[str, Callable[..., Any]] | None = None, model: str = "gpt-4o") -> str:
    """The code under test: a minimal tool loop, as an application would write it."""
    tools = tools or {"get_weather": get_weather}
    messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
    for _ in range(5):
        completion = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
        message = completion.choices[0].message
        if not message.tool_calls:
            return message.content or ""
        messages.append(message.model_dump(exclude_none=True, exclude={"annotations", "refusal"}))
        for call in message.tool_calls:
            result = tools[call.function.name](**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
    raise RuntimeError("the agent did not finish in 5 turns")


# 1. Scenarios from a file next to this test; the four tool-level assertions.
@pytest.mark.mockserver(scenarios=["scenarios/weather-agent.yaml"])
def test_agent_calls_the_tool_and_answers_from_its_result(mockserver):
    answer = run_agent(mockserver.client(), "What's the weather in Lisbon?")

    assert answer == "It is 18°C and cloudy in Lisbon."
    mockserver.assert_tool_called("get_weather", args={"city": "Lisbon"}, times=1)
    mockserver.assert_tool_result_sent("get_weather")  # fed back under the id the mock issued
    mockserver.assert_all_rules_used()  # every rule of this test's scenarios answered
    mockserver.assert_no_unmatched()


# 2. The journal, with unittest.mock's vocabulary.
@pytest.mark.mockserver(scenarios=["scenarios/weather-agent.yaml"])
def test_the_journal_records_every_request(mockserver):
    run_agent(mockserver.client(), "Weather in Oslo?")

    assert mockserver.called and mockserver.call_count == 2
    assert [(c.rule, c.status) for c in mockserver.calls] == [("call-weather", 200), ("answer-weather", 200)]
    last = mockserver.last
    assert [m["role"] for m in last.request["messages"]] == ["user", "assistant", "tool"]
    assert json.loads(last.tool_results[0]["content"]) == {"city": "Oslo", "temperature": 18, "condition": "cloudy"}
    assert last.headers["authorization"] == "[redacted]"


# 3. Scenarios inline, as a dict (or a YAML string): here, a model that answers without tools.
def test_inline_scenario(mockserver):
    mockserver.add({
        "version": 1,
        "name": "no-tools",
        "rules": [{"name": "refuse", "reply": {"content": "I cannot check the weather."}}],
    }, replace=True)  # serve only this scenario

    assert run_agent(mockserver.client(), "What's the weather in Rome?") == "I cannot check the weather."
    mockserver.assert_tool_called("get_weather", times=0)


# 4. Errors the test provokes on purpose are declared; any other one fails the test.
@pytest.mark.mockserver(scenarios=["scenarios/weather-agent.yaml"])
def test_a_question_no_rule_scripts(mockserver):
    with mockserver.expect_errors():
        with pytest.raises(openai.BadRequestError) as info:
            run_agent(mockserver.client(), "Tell me a joke")

    assert info.value.code == "no_matching_rule"
    # closest first: call-weather failed only its regex; answer-weather saw no get_weather result
    assert [m["rule"] for m in info.value.body["near_misses"]] == ["call-weather", "answer-weather"]
    assert mockserver.last.outcome == "unmatched"


# 5. Without a marker: what `mockserver serve` would serve (./scenarios, else the bundled ones).
def test_bundled_scenarios(mockserver):
    answer = run_agent(mockserver.client(), "What is the weather in Porto? Use the tool.", model="gpt-5.4")

    assert answer == "The weather in Porto is 18°C and cloudy."
    assert mockserver.last.scenario == "weather-tool"


# 6. Async clients can skip the socket: an in-process ASGI transport to the same app.
@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
@pytest.mark.mockserver(scenarios=["scenarios/weather-agent.yaml"])
async def test_async_client_in_process(mockserver):
    client = mockserver.async_client()  # openai.AsyncOpenAI over httpx.ASGITransport
    completion = await client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Weather in Kyoto?"}], tools=TOOLS)

    assert completion.choices[0].message.tool_calls[0].function.arguments == '{"city":"Kyoto"}'
    mockserver.assert_tool_called("get_weather", args={"city": "Kyoto"})
