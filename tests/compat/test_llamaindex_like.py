"""LlamaIndex with ``OpenAILike`` (any OpenAI-compatible server; see ``llamaindex_stack.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

from llama_index.llms.openai_like import OpenAILike

import llamaindex_stack
from check import MODEL
from stacks import STACKS

STACK = STACKS["llamaindex_like"]


def run_chat(exchange: Any) -> list[str]:
    llm = OpenAILike(model=MODEL, api_base=exchange.base_url, api_key=exchange.api_key, max_retries=0,
                     is_chat_model=True, is_function_calling_model=True, strict=exchange.case.strict)
    return asyncio.run(llamaindex_stack.run_chat(llm, exchange))


RUN = {"chat": run_chat}


def test_llamaindex_like(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))
