"""openai-python: the hand-written agent loop of the SDK's own docs, resending the SDK's own
objects as history. Chat Completions: ``chat.completions.create`` / the ``chat.completions.stream``
helper. Responses: ``responses.create`` / the ``responses.stream`` helper, the output items fed
back as input (no ``previous_response_id``: the history is the client's)."""

from __future__ import annotations

import json
from typing import Any

import openai

from cases import SYSTEM, call_tool, openai_tool
from check import MODEL
from stacks import STACKS

STACK = STACKS["openai_python"]


def _ask(client: openai.OpenAI, exchange: Any, messages: list[Any], first: bool) -> Any:
    case = exchange.case
    kwargs: dict[str, Any] = {"model": MODEL, "messages": messages,
                              "tools": [openai_tool(t, case.strict) for t in case.tools]}
    if case.forced and first:
        kwargs["tool_choice"] = {"type": "function", "function": {"name": case.forced}}
    if exchange.stream:
        with client.chat.completions.stream(**kwargs) as stream:
            for _ in stream:
                pass
            return stream.get_final_completion().choices[0].message
    return client.chat.completions.create(**kwargs).choices[0].message


def run_chat(exchange: Any) -> list[str]:
    client = openai.OpenAI(base_url=exchange.base_url, api_key=exchange.api_key, max_retries=0)
    messages: list[Any] = [{"role": "system", "content": SYSTEM}]
    answers = []
    with client:
        for text in exchange.case.turns:
            messages.append({"role": "user", "content": text})
            first = True
            while True:
                message = _ask(client, exchange, messages, first)
                first = False
                messages.append(message)  # the SDK's own object, resent as the SDK serialises it
                if not message.tool_calls:
                    answers.append(message.content)
                    break
                for call in message.tool_calls:
                    messages.append({"role": "tool", "tool_call_id": call.id,
                                     "content": call_tool(call.function.name, json.loads(call.function.arguments))})
    return answers


def responses_tool(name: str, strict: bool) -> dict[str, Any]:
    function = openai_tool(name, strict)["function"]
    return {"type": "function", "name": name, "description": function["description"],
            "parameters": function["parameters"], "strict": strict}


def _respond(client: openai.OpenAI, exchange: Any, items: list[Any], first: bool) -> Any:
    case = exchange.case
    kwargs: dict[str, Any] = {"model": MODEL, "instructions": SYSTEM, "input": items,
                              "tools": [responses_tool(t, case.strict) for t in case.tools]}
    if case.forced and first:
        kwargs["tool_choice"] = {"type": "function", "name": case.forced}
    if exchange.stream:
        with client.responses.stream(**kwargs) as stream:
            for _ in stream:
                pass
            return stream.get_final_response()
    return client.responses.create(**kwargs)


def run_responses(exchange: Any) -> list[str]:
    client = openai.OpenAI(base_url=exchange.base_url, api_key=exchange.api_key, max_retries=0)
    items: list[Any] = []
    answers = []
    with client:
        for text in exchange.case.turns:
            items.append({"role": "user", "content": text})
            first = True
            while True:
                response = _respond(client, exchange, items, first)
                first = False
                items += response.output  # the SDK's own output items, resent as input
                calls = [item for item in response.output if item.type == "function_call"]
                if not calls:
                    answers.append(response.output_text)
                    break
                items += [{"type": "function_call_output", "call_id": call.call_id,
                           "output": call_tool(call.name, json.loads(call.arguments))} for call in calls]
    return answers


RUN = {"chat": run_chat, "responses": run_responses}


def test_openai_python(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))
