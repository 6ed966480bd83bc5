"""How-to: a multi-step agent (search → book the cheapest → confirm) against rules written in the
order of the flow (``scenarios/flight-agent.yaml``; docs/scenarios.md, "Multi-step flows").

A ``tool_result`` matcher looks at the results the client has just sent, so the rule for step 2
stops matching once step 3's result arrives: the flow ends in exactly three requests, streamed or
not. Run with ``python -m pytest examples``.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

TOOLS = [
    {"type": "function", "function": {
        "name": "search_flights",
        "description": "Flights between two airports on a date.",
        "parameters": {"type": "object", "properties": {
            "origin": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "destination": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "date": {"type": "string", "format": "date"},
        }, "required": ["origin", "destination", "date"], "additionalProperties": False},
    }},
    {"type": "function", "function": {
        "name": "book_flight",
        "description": "Book a flight by its id.",
        "parameters": {"type": "object", "properties": {"flight_id": {"type": "string"}},
                       "required": ["flight_id"], "additionalProperties": False},
    }},
]


def search_flights(origin: str, destination: str, date: str) -> dict[str, Any]:
    return {"flights": [
        {"id": "TP1001", "price": 240, "departs": f"{date}T07:10"},
        {"id": "SK4711", "price": 129, "departs": f"{date}T12:45"},
        {"id": "DY0815", "price": 188, "departs": f"{date}T18:30"},
    ]}


def book_flight(flight_id: str) -> dict[str, Any]:
    return {"flight_id": flight_id, "reference": "BK-" + flight_id[-4:] + "Q"}


TOOL_FUNCTIONS = {"search_flights": search_flights, "book_flight": book_flight}


def ask(client: openai.OpenAI, messages: list[dict[str, Any]], stream: bool) -> dict[str, Any]:
    """One model turn as an assistant message (a streamed answer is added up from its deltas)."""
    if not stream:
        message = client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS).choices[0].message
        return message.model_dump(exclude_none=True, exclude={"annotations", "refusal"})
    content, calls = "", {}
    for chunk in client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS, stream=True):
        delta = chunk.choices[0].delta if chunk.choices else None
        if delta is None:
            continue
        content += delta.content or ""
        for part in delta.tool_calls or []:
            call = calls.setdefault(part.index, {"id": "", "type": "function", "function": {"name": "", "arguments": ""}})
            call["id"] += part.id or ""
            call["function"]["name"] += (part.function and part.function.name) or ""
            call["function"]["arguments"] += (part.function and part.function.arguments) or ""
    message: dict[str, Any] = {"role": "assistant", "content": content or None}
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    return message


def run_agent(client: openai.OpenAI, question: str, stream: bool = False, max_turns: int = 6) -> str:
    """The code under test: call tools until the model answers with text."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
    for _ in range(max_turns):
        message = ask(client, messages, stream)
        messages.append(message)
        if not message.get("tool_calls"):
            return message["content"]
        for call in message["tool_calls"]:
            result = TOOL_FUNCTIONS[call["function"]["name"]](**json.loads(call["function"]["arguments"]))
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)})
    raise RuntimeError(f"the agent did not finish in {max_turns} turns")


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.mockserver(scenarios=["scenarios/flight-agent.yaml"])
def test_three_steps_in_natural_order(mockserver, stream):
    answer = run_agent(mockserver.client(), "Book the cheapest flight from OSL to LIS on 2026-05-01.", stream)

    assert answer == "Booked flight SK4711, booking reference BK-4711Q."
    assert mockserver.call_count == 3  # search, book, confirm: no step answered twice
    assert [entry.rule for entry in mockserver.calls] == ["search", "book", "confirm"]
    mockserver.assert_tool_called("search_flights", args={"origin": "OSL", "destination": "LIS", "date": "2026-05-01"}, times=1)
    mockserver.assert_tool_called("book_flight", args={"flight_id": "SK4711"}, times=1)  # the cheapest
    mockserver.assert_tool_result_sent("book_flight")
    mockserver.assert_all_rules_used()
    # journal entries are objects: the calls the mock issued have .id, .name, .arguments (parsed)
    booking = mockserver.calls[1].tool_calls[0]
    assert (booking.name, booking.arguments) == ("book_flight", {"flight_id": "SK4711"})


@pytest.mark.mockserver(scenarios=["scenarios/flight-agent.yaml"])
def test_the_same_rules_serve_the_responses_api(mockserver):
    """Step by step with previous_response_id: the steps are the same in every dialect."""
    client = mockserver.client()
    tools = [{"type": "function", "name": t["function"]["name"], "parameters": t["function"]["parameters"]} for t in TOOLS]
    response = client.responses.create(model="gpt-4o", input="Book the cheapest flight from OSL to LIS on 2026-05-01.",
                                       tools=tools)
    while calls := [item for item in response.output if item.type == "function_call"]:
        outputs = [{"type": "function_call_output", "call_id": call.call_id,
                    "output": json.dumps(TOOL_FUNCTIONS[call.name](**json.loads(call.arguments)))} for call in calls]
        response = client.responses.create(model="gpt-4o", previous_response_id=response.id, input=outputs, tools=tools)
        assert mockserver.call_count <= 3, "a step answered twice"

    assert response.output_text == "Booked flight SK4711, booking reference BK-4711Q."
    assert [(entry.dialect, entry.rule) for entry in mockserver.calls] == [
        ("responses", "search"), ("responses", "book"), ("responses", "confirm")]
