"""LlamaIndex with ``llama_index.llms.openai.OpenAI`` (chat) and ``OpenAIResponses`` (responses);
see ``llamaindex_stack.py``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.llms.openai import OpenAI, OpenAIResponses

import llamaindex_stack
from check import MODEL
from stacks import PROFILES, STACKS

STACK = STACKS["llamaindex"]


def run_chat(exchange: Any) -> list[str]:
    llm = OpenAI(model=MODEL, api_base=exchange.base_url, api_key=exchange.api_key, max_retries=0,
                 strict=exchange.case.strict)
    return asyncio.run(llamaindex_stack.run_chat(llm, exchange))


def run_responses(exchange: Any) -> list[str]:
    llm = OpenAIResponses(model=MODEL, api_base=exchange.base_url, api_key=exchange.api_key, max_retries=0,
                          strict=exchange.case.strict)
    return asyncio.run(llamaindex_stack.run_chat(llm, exchange))


RUN = {"chat": run_chat, "responses": run_responses}


def test_llamaindex(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))


NO_TOOLS = "version: 1\nname: no-tools\nrules: [{name: hello, when: {tools: []}, reply: {content: 'Hello from the mock.'}}]\n"


@pytest.mark.parametrize("profile", PROFILES)
def test_responses_chat_without_tools(mockserver, profile) -> None:
    """``OpenAIResponses.chat()`` without tools sends ``tools: []`` (issue 22: the mock once refused it
    with the Chat Completions rule); the Responses API accepts it."""
    from llama_index.core.llms import ChatMessage

    mockserver.use([NO_TOOLS])
    mockserver.set_profile(profile)
    llm = OpenAIResponses(model=MODEL, api_base=mockserver.base_url, api_key=mockserver.api_key, max_retries=0)
    answer = llm.chat([ChatMessage(role="user", content="hi")])
    assert answer.message.content == "Hello from the mock."
    [entry] = mockserver.calls
    assert entry.status == 200 and entry.dialect == "responses" and not entry.warnings
    assert entry.request.get("tools") == []
