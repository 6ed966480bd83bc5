"""langchain-mcp-adapters in a LangGraph agent: ``MultiServerMCPClient`` loads the mock's MCP
tools, ``create_react_agent`` over ``ChatOpenAI`` pointed at the mock runs the loop offline."""

from __future__ import annotations

import asyncio
import sys
import warnings

import httpx
import pytest
from langchain_core.messages import HumanMessage
from langchain_mcp_adapters.client import MultiServerMCPClient
from langchain_openai import ChatOpenAI

from stacks import MCP_STACKS

STACK = MCP_STACKS["langgraph"]


@pytest.mark.parametrize("transport", ["streamable_http", "stdio"])
def test_langgraph_with_mcp_adapters_loop(mockserver, transport):
    from langgraph.prebuilt import create_react_agent

    if transport == "stdio":
        connection = {"transport": "stdio", "command": sys.executable, "args": ["-m", "mockserver", "mcp"]}
    else:
        connection = {"transport": "streamable_http", "url": mockserver.mcp_url + "/weather"}
    client = MultiServerMCPClient({"weather": connection})
    async def run() -> str:
        # a client of this event loop: langchain-openai's default async client is shared across
        # loops and the previous test's asyncio.run closed its loop ("Event loop is closed")
        model = ChatOpenAI(model="gpt-5.4", base_url=mockserver.base_url, api_key=mockserver.api_key, max_retries=0,
                           http_async_client=httpx.AsyncClient())
        tools = await client.get_tools()
        assert [t.name for t in tools] == ["get_weather"]
        with warnings.catch_warnings():  # deprecated since LangGraph 1.0, still shipped
            warnings.simplefilter("ignore", DeprecationWarning)
            agent = create_react_agent(model, tools)
        state = await agent.ainvoke({"messages": [HumanMessage("What is the weather in Paris?")]})
        return state["messages"][-1].text

    assert asyncio.run(run()) == "The weather in Paris is 8°C and cloudy."
    mockserver.assert_tool_called("get_weather", args={"city": "Paris"}, times=1)
    if transport == "streamable_http":
        mockserver.assert_mcp_called("get_weather", args={"city": "Paris"}, times=1)
