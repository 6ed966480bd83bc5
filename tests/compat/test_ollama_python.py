"""ollama-python over Ollama's native API: ``Client.chat`` in a hand-written tool loop, the
client's own response message resent as the assistant's turn and each call answered by a
``tool`` message naming the tool (``tool_name``, as Ollama's docs show); plain with
``stream=False``, streamed with ``stream=True`` (the pieces added up)."""

from __future__ import annotations

from typing import Any

import ollama

from cases import SCHEMAS, SYSTEM, TOOLS, call_tool
from check import MODEL
from stacks import STACKS

STACK = STACKS["ollama_python"]


def ollama_tool(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": TOOLS[name].__doc__, "parameters": SCHEMAS[name]}}


def _ask(client: ollama.Client, exchange: Any, messages: list[Any]) -> Any:
    kwargs: dict[str, Any] = {"model": MODEL, "messages": messages, "tools": [ollama_tool(t) for t in exchange.case.tools]}
    if not exchange.stream:
        return client.chat(stream=False, **kwargs).message
    parts = list(client.chat(stream=True, **kwargs))
    assert parts[-1].done, "the stream ended without its done object"
    message = parts[-1].message
    message.content = "".join(p.message.content or "" for p in parts)
    message.tool_calls = [c for p in parts for c in p.message.tool_calls or []] or None
    return message


def run_ollama(exchange: Any) -> list[str]:
    client = ollama.Client(host=exchange.url)
    messages: list[Any] = [{"role": "system", "content": SYSTEM}]
    answers = []
    for text in exchange.case.turns:
        messages.append({"role": "user", "content": text})
        while True:
            message = _ask(client, exchange, messages)
            messages.append(message)  # the client's own Message
            if not message.tool_calls:
                answers.append(message.content)
                break
            messages += [{"role": "tool", "tool_name": c.function.name, "content": call_tool(c.function.name, dict(c.function.arguments))}
                         for c in message.tool_calls]
    return answers


RUN = {"ollama": run_ollama}


def test_ollama_python(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))
