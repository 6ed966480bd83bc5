"""pydantic-ai: an ``Agent`` over ``OpenAIChatModel`` (chat), ``OpenAIResponsesModel``
(responses), ``AnthropicModel`` (messages) or ``GoogleModel`` (gemini), history from ``all_messages()``; plain with
``run``, streamed with ``run_stream``. The forced case names the tool for the first step only, the
way pydantic-ai wants it: a capability whose model settings depend on the run step."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic_ai import Agent, Tool
from pydantic_ai.capabilities import AbstractCapability
import boto3
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.google import GoogleModel
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.google import GoogleProvider
from pydantic_ai.models.bedrock import BedrockConverseModel
from pydantic_ai.providers.bedrock import BedrockModelProfile, BedrockProvider
from pydantic_ai.providers.openai import OpenAIProvider

from cases import SYSTEM, TOOLS
from check import MODEL
from stacks import STACKS

STACK = STACKS["pydantic_ai"]


class ForceFirst(AbstractCapability[Any]):
    """tool_choice names ``tool`` on the agent's first model request only."""

    def __init__(self, tool: str) -> None:
        self.tool = tool

    def get_model_settings(self) -> Any:
        return lambda ctx: {"tool_choice": [self.tool]} if ctx.run_step <= 1 else {}


async def run_chat(exchange: Any) -> list[str]:
    case = exchange.case
    model: Any
    if exchange.dialect == "bedrock":
        client = boto3.client("bedrock-runtime", endpoint_url=exchange.url, region_name="us-east-1",
                              aws_access_key_id="mockserver", aws_secret_access_key="mockserver")
        # its profile decides tool_choice support from the model name; gpt-4o-mini is none it knows
        profile = BedrockModelProfile(bedrock_supports_tool_choice=True)
        model = BedrockConverseModel(MODEL, provider=BedrockProvider(bedrock_client=client), profile=profile)
    elif exchange.dialect == "messages":
        model = AnthropicModel(MODEL, provider=AnthropicProvider(base_url=exchange.url, api_key=exchange.api_key))
    elif exchange.dialect == "gemini":
        model = GoogleModel(MODEL, provider=GoogleProvider(api_key=exchange.api_key, base_url=exchange.url))
    else:
        provider = OpenAIProvider(base_url=exchange.base_url, api_key=exchange.api_key)
        model = (OpenAIResponsesModel if exchange.dialect == "responses" else OpenAIChatModel)(MODEL, provider=provider)
    tools = [Tool(TOOLS[name], takes_ctx=False, strict=True if case.strict else None) for name in case.tools]
    capabilities = [ForceFirst(case.forced)] if case.forced else []
    agent = Agent(model, system_prompt=SYSTEM, tools=tools, capabilities=capabilities)
    history: list[Any] | None = None
    answers = []
    for text in case.turns:
        if exchange.stream:
            async with agent.run_stream(text, message_history=history) as result:
                answers.append(await result.get_output())
        else:
            result = await agent.run(text, message_history=history)
            answers.append(result.output)
        history = result.all_messages()
    return answers


RUN = {"chat": run_chat, "responses": run_chat, "messages": run_chat, "gemini": run_chat, "bedrock": run_chat}  # by the dialect: the model class


def test_pydantic_ai(exchange, dialect, case, stream) -> None:
    exchange.check(asyncio.run(exchange.run(RUN)))
