"""anthropic-python over the Messages dialect: the SDK's own tool-use loop, ``messages.create``
(plain) or the ``messages.stream`` helper (streamed), the SDK's content blocks resent as the
assistant's turn and each ``tool_use`` answered by a ``tool_result`` block."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from cases import CASES, SCHEMAS, SYSTEM, TOOLS, call_tool, expected_answers
from check import MODEL
from stacks import PROFILES, STACKS

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


def _runnable(name: str) -> Any:
    """A case tool as the SDK's ``@beta_tool`` function (its schema comes from the signature)."""
    return anthropic.beta_tool(TOOLS[name])


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_the_default_tool_runner_over_message_threads(mockserver, profile, stream) -> None:
    """``client.beta.messages.tool_runner`` threads by default (``anthropic-beta:
    message-threads-2026-08-12``): a ``create``, then ``continue``s carrying only the new tool
    results; the mock holds the thread (issue 22) and the loop ends with the computed answer."""
    case = CASES["chain"]
    mockserver.use([case.scenario])
    mockserver.set_profile(profile)
    client = anthropic.Anthropic(base_url=mockserver.url, api_key=mockserver.api_key, max_retries=0)
    with client:
        runner = client.beta.messages.tool_runner(model=MODEL, max_tokens=1024, system=SYSTEM,
                                                  tools=[_runnable(t) for t in case.tools],
                                                  messages=[{"role": "user", "content": case.turns[0]}], stream=stream)
        final = None
        for item in runner:
            final = item.get_final_message() if stream else item
    issued = [(name, args) for step in case.calls for name, args in step]
    assert [b.text for b in final.content if b.type == "text"] == expected_answers(case, issued)
    threads = [e.request.get("thread") for e in mockserver.calls]
    assert [t["type"] for t in threads] == ["create", "continue", "continue"]
    assert all(e.status == 200 for e in mockserver.calls)
    assert all("tools" not in e.request and "system" not in e.request for e in mockserver.calls[1:])
