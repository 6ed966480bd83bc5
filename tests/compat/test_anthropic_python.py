"""anthropic-python over the Messages dialect: the SDK's own tool-use loop, ``messages.create``
(plain) or the ``messages.stream`` helper (streamed), the SDK's content blocks resent as the
assistant's turn and each ``tool_use`` answered by a ``tool_result`` block."""

from __future__ import annotations

from typing import Any

import anthropic

from cases import SCHEMAS, SYSTEM, TOOLS, call_tool
from check import MODEL
from stacks import STACKS

STACK = STACKS["anthropic_python"]


def anthropic_tool(name: str) -> dict[str, Any]:
    return {"name": name, "description": TOOLS[name].__doc__, "input_schema": SCHEMAS[name]}


def _ask(client: anthropic.Anthropic, exchange: Any, messages: list[Any], first: bool) -> Any:
    case = exchange.case
    kwargs: dict[str, Any] = {"model": MODEL, "max_tokens": 1024, "system": SYSTEM, "messages": messages,
                              "tools": [anthropic_tool(t) for t in case.tools]}
    if case.forced and first:
        kwargs["tool_choice"] = {"type": "tool", "name": case.forced}
    if exchange.stream:
        with client.messages.stream(**kwargs) as stream:
            return stream.get_final_message()
    return client.messages.create(**kwargs)


def run_messages(exchange: Any) -> list[str]:
    client = anthropic.Anthropic(base_url=exchange.url, api_key=exchange.api_key, max_retries=0)
    messages: list[Any] = []
    answers = []
    with client:
        for text in exchange.case.turns:
            messages.append({"role": "user", "content": text})
            first = True
            while True:
                message = _ask(client, exchange, messages, first)
                first = False
                messages.append({"role": "assistant", "content": message.content})  # the SDK's own blocks
                uses = [block for block in message.content if block.type == "tool_use"]
                if not uses:
                    answers.append("".join(block.text for block in message.content if block.type == "text"))
                    break
                messages.append({"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": use.id, "content": call_tool(use.name, use.input)}
                    for use in uses]})
    return answers


RUN = {"messages": run_messages}


def test_anthropic_python(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))
