"""openai-python: the hand-written agent loop of the SDK's own README, non-streamed with
``chat.completions.create`` and streamed with the ``chat.completions.stream`` helper, resending
the SDK's own message objects as history."""

from __future__ import annotations

from typing import Any

import openai

from cases import SYSTEM, call_tool, openai_tool
from check import MODEL
from stacks import STACKS

STACK = STACKS["openai_python"]


def _ask(client: openai.OpenAI, exchange: Any, messages: list[Any], first: bool) -> Any:
    case = exchange.case
    kwargs: dict[str, Any] = {"model": MODEL, "messages": messages, "tools": [openai_tool(t, case.strict) for t in case.tools]}
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
                    import json

                    messages.append({"role": "tool", "tool_call_id": call.id,
                                     "content": call_tool(call.function.name, json.loads(call.function.arguments))})
    return answers


RUN = {"chat": run_chat}


def test_openai_python(exchange, dialect, case, stream) -> None:
    exchange.check(RUN[dialect](exchange))
