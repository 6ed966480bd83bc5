"""LiteLLM: ``completion`` (plain) and ``acompletion`` (streamed, the chunks rebuilt with
``stream_chunk_builder``) through its ``openai/`` provider, resending LiteLLM's own message
objects as history."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # its bundled cost map: no fetch at import
import litellm  # noqa: E402

from cases import SYSTEM, call_tool, openai_tool  # noqa: E402
from check import MODEL  # noqa: E402
from stacks import STACKS  # noqa: E402

STACK = STACKS["litellm"]
litellm.telemetry = False


async def _ask(exchange: Any, messages: list[Any], first: bool) -> Any:
    case = exchange.case
    kwargs: dict[str, Any] = {"model": f"openai/{MODEL}", "api_base": exchange.base_url, "api_key": exchange.api_key,
                              "messages": messages, "tools": [openai_tool(t, case.strict) for t in case.tools],
                              "num_retries": 0}
    if case.forced and first:
        kwargs["tool_choice"] = {"type": "function", "function": {"name": case.forced}}
    if not exchange.stream:
        return litellm.completion(**kwargs).choices[0].message
    chunks = [chunk async for chunk in await litellm.acompletion(**kwargs, stream=True)]
    return litellm.stream_chunk_builder(chunks, messages=messages).choices[0].message


async def run_chat(exchange: Any) -> list[str]:
    messages: list[Any] = [{"role": "system", "content": SYSTEM}]
    answers = []
    for text in exchange.case.turns:
        messages.append({"role": "user", "content": text})
        first = True
        while True:
            message = await _ask(exchange, messages, first)
            first = False
            messages.append(message)
            if not message.tool_calls:
                answers.append(message.content)
                break
            for call in message.tool_calls:
                messages.append({"role": "tool", "tool_call_id": call.id,
                                 "content": call_tool(call.function.name, json.loads(call.function.arguments))})
    return answers


RUN = {"chat": run_chat}


def test_litellm(exchange, dialect, case, stream) -> None:
    exchange.check(asyncio.run(exchange.run(RUN)))
