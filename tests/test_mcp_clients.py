"""The MCP server mock driven by real clients: the official ``mcp`` SDK (ClientSession over
streamable HTTP and stdio, in the handshake era and in the per-request era its ``auto`` mode
negotiates), and openai-agents running a whole agent loop offline — its model and its MCP tool
server both the mock (the bundled weather scenarios: 002-weather-tool and 004-weather-tools)."""

from __future__ import annotations

import contextlib
import sys

import anyio
import pytest
from mcp.client._probe import negotiate_auto
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from mcp_official import assert_journal_official

pytestmark = pytest.mark.anyio
STDIO = StdioServerParameters(command=sys.executable, args=["-m", "mockserver", "mcp"])


async def _connect(session: ClientSession, era: str) -> None:
    if era == "handshake":
        assert (await session.initialize()).protocol_version == "2025-11-25"
    else:
        await negotiate_auto(session)
        assert session.discover_result is not None  # the per-request era (2026-07-28)


async def _weather_checks(session: ClientSession, expecting_errors=contextlib.nullcontext) -> None:
    tools = await session.list_tools()
    assert [t.name for t in tools.tools] == ["get_weather"]
    assert tools.tools[0].input_schema["required"] == ["city"]
    paris = await session.call_tool("get_weather", {"city": "paris"})
    assert paris.is_error is False
    assert paris.structured_content == {"city": "Paris", "temperature": 8, "condition": "cloudy"}
    again = await session.call_tool("get_weather", {"city": "paris"})
    assert again.structured_content == paris.structured_content  # deterministic
    wrong = await session.call_tool("get_weather", {"town": "Paris"})
    assert wrong.is_error is True
    assert "argument 'city': 'city' is a required property (inputSchema #/required)" in wrong.content[0].text
    with pytest.raises(MCPError) as raised, expecting_errors():  # a 400 in the per-request era
        await session.call_tool("get_time", {})
    assert raised.value.error.code == -32602 and raised.value.error.message == "Unknown tool: get_time"


@pytest.mark.parametrize("era", ["handshake", "per-request"])
async def test_official_sdk_over_streamable_http(mockserver, era):
    async with streamable_http_client(mockserver.mcp_url + "/weather") as (read, write):
        async with ClientSession(read, write) as session:
            await _connect(session, era)
            await _weather_checks(session, mockserver.expect_errors)
    mockserver.assert_mcp_called("get_weather", args={"city": "paris"}, times=2, server="weather")
    assert assert_journal_official(mockserver.calls) >= 5


@pytest.mark.parametrize("era", ["handshake", "per-request"])
async def test_official_sdk_over_stdio(era):
    async with stdio_client(STDIO) as (read, write):
        async with ClientSession(read, write) as session:
            await _connect(session, era)
            await _weather_checks(session)


async def test_assert_mcp_called_explains_a_miss(mockserver):
    async with streamable_http_client(mockserver.mcp_url) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await session.call_tool("get_weather", {"city": "Oslo"})
    with pytest.raises(AssertionError) as failed:
        mockserver.assert_mcp_called("get_weather", args={"city": "Rome"})
    text = str(failed.value)
    assert "expected the MCP server to receive a call of 'get_weather' with arguments containing {'city': 'Rome'}" in text
    assert "get_weather({'city': 'Oslo'}) — arguments.city: got \"Oslo\", expected \"Rome\"" in text


@pytest.mark.parametrize("transport", ["streamable-http", "stdio"])
async def test_openai_agents_loop_with_mcp_tools(mockserver, transport):
    """The README's weather agent, tools included, with nothing but the mock: model → tool call →
    MCP call → result → model's answer quoting it."""
    from agents import Agent, OpenAIChatCompletionsModel, Runner, set_tracing_disabled
    from agents.mcp import MCPServerStdio, MCPServerStreamableHttp
    from openai import AsyncOpenAI

    set_tracing_disabled(True)
    if transport == "stdio":
        server = MCPServerStdio(params={"command": STDIO.command, "args": STDIO.args}, name="weather")
    else:
        server = MCPServerStreamableHttp(params={"url": mockserver.mcp_url + "/weather"}, name="weather")
    client = AsyncOpenAI(**mockserver.client_kwargs)
    async with server:
        agent = Agent(name="weather", instructions="Answer weather questions with the tool.", mcp_servers=[server],
                      model=OpenAIChatCompletionsModel(model="gpt-5.4", openai_client=client))
        result = await Runner.run(agent, "What is the weather in Paris?")
    await client.close()
    assert result.final_output == "The weather in Paris is 8°C and cloudy."
    mockserver.assert_tool_called("get_weather", args={"city": "Paris"}, times=1)  # what the model asked for
    mockserver.assert_tool_result_sent("get_weather")
    if transport == "streamable-http":
        mockserver.assert_mcp_called("get_weather", args={"city": "Paris"}, times=1)  # what the tool server received
        order = [(e.dialect, (e.request or {}).get("method")) for e in mockserver.calls
                 if e.dialect != "mcp" or e.request.get("method") == "tools/call"]
        assert order == [("chat", None), ("mcp", "tools/call"), ("chat", None)]  # one journal, in order
        assert assert_journal_official(mockserver.calls) >= 3
