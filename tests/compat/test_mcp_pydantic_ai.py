"""pydantic-ai with an MCP toolset (``MCPToolset``, Pydantic AI 2's MCP client, built on FastMCP's
``Client``): the agent's model and its tool server are both the mock (the bundled weather
scenarios), over streamable HTTP and stdio — a whole agent loop offline."""

from __future__ import annotations

import asyncio
import sys

import pytest
from pydantic_ai import Agent
from fastmcp.client.transports import StdioTransport
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from stacks import MCP_STACKS

STACK = MCP_STACKS["pydantic_ai"]


@pytest.mark.parametrize("transport", ["streamable-http", "stdio"])
def test_pydantic_ai_mcp_toolset_loop(mockserver, transport):
    model = OpenAIChatModel("gpt-5.4", provider=OpenAIProvider(base_url=mockserver.base_url, api_key=mockserver.api_key))
    if transport == "stdio":
        server = MCPToolset(StdioTransport(sys.executable, ["-m", "mockserver", "mcp"]))
    else:
        server = MCPToolset(mockserver.mcp_url + "/weather")
    agent = Agent(model, toolsets=[server])

    async def run() -> str:
        async with agent:
            return (await agent.run("What is the weather in Paris?")).output

    assert asyncio.run(run()) == "The weather in Paris is 8°C and cloudy."
    mockserver.assert_tool_called("get_weather", args={"city": "Paris"}, times=1)
    mockserver.assert_tool_result_sent("get_weather")
    if transport == "streamable-http":
        mockserver.assert_mcp_called("get_weather", args={"city": "Paris"}, times=1, server="weather")
