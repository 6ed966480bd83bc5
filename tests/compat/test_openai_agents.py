"""openai-agents: an ``Agent`` on ``OpenAIChatCompletionsModel`` (chat) or on its default
``OpenAIResponsesModel`` (responses), tracing off; ``Runner.run``
plain and ``Runner.run_streamed`` streamed, the next turn's input from ``to_input_list()``. The
forced case sets ``ModelSettings(tool_choice=...)``, which the runner resets after the call."""

from __future__ import annotations

import asyncio
from typing import Any

from agents import (Agent, ModelSettings, OpenAIChatCompletionsModel, OpenAIResponsesModel, Runner, function_tool,
                    set_tracing_disabled)
import pytest
from openai import AsyncOpenAI

from cases import SYSTEM, TOOLS
from check import MODEL
from stacks import PROFILES, STACKS

STACK = STACKS["openai_agents"]
set_tracing_disabled(True)


async def run_chat(exchange: Any) -> list[str]:
    case = exchange.case
    client = AsyncOpenAI(base_url=exchange.base_url, api_key=exchange.api_key, max_retries=0)
    kind = OpenAIResponsesModel if exchange.dialect == "responses" else OpenAIChatCompletionsModel
    model = kind(model=MODEL, openai_client=client)
    settings = ModelSettings(tool_choice=case.forced) if case.forced else ModelSettings()
    agent = Agent(name="compat", instructions=SYSTEM, model=model, model_settings=settings,
                  tools=[function_tool(TOOLS[name]) for name in case.tools])
    items: list[Any] = []
    answers = []
    async with client:
        for text in case.turns:
            items = items + [{"role": "user", "content": text}]
            if exchange.stream:
                result: Any = Runner.run_streamed(agent, items)
                async for _ in result.stream_events():
                    pass
            else:
                result = await Runner.run(agent, items)
            answers.append(result.final_output)
            items = result.to_input_list()
    return answers


RUN = {"chat": run_chat, "responses": run_chat}  # responses: OpenAIResponsesModel, the SDK's default


def test_openai_agents(exchange, dialect, case, stream) -> None:
    exchange.check(asyncio.run(exchange.run(RUN)))


NO_TOOLS = "version: 1\nname: no-tools\nrules: [{name: hello, when: {tools: []}, reply: {content: 'Hello from the mock.'}}]\n"


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_a_tool_less_agent_on_the_default_model(mockserver, profile, stream) -> None:
    """The default OpenAIResponsesModel sends ``tools: []`` for an agent without tools (issue 22: the
    mock once refused it with the Chat Completions rule); the Responses API accepts it."""
    mockserver.use([NO_TOOLS])
    mockserver.set_profile(profile)
    client = AsyncOpenAI(base_url=mockserver.base_url, api_key=mockserver.api_key, max_retries=0)
    agent = Agent(name="compat", instructions="Be brief.", model=OpenAIResponsesModel(model=MODEL, openai_client=client))

    async def go() -> Any:
        async with client:
            if stream:
                result: Any = Runner.run_streamed(agent, "hi")
                async for _ in result.stream_events():
                    pass
                return result
            return await Runner.run(agent, "hi")

    assert asyncio.run(go()).final_output == "Hello from the mock."
    [entry] = mockserver.calls
    assert entry.status == 200 and entry.dialect == "responses" and entry.request["tools"] == []
    assert not entry.warnings
