"""LlamaIndex with ``llama_index.llms.openai.OpenAI`` (see ``llamaindex_stack.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

from llama_index.llms.openai import OpenAI

import llamaindex_stack
from check import MODEL
from stacks import STACKS

STACK = STACKS["llamaindex"]


def run_chat(exchange: Any) -> list[str]:
    llm = OpenAI(model=MODEL, api_base=exchange.base_url, api_key=exchange.api_key, max_retries=0,
                 strict=exchange.case.strict)
    return asyncio.run(llamaindex_stack.run_chat(llm, exchange))


RUN = {"chat": run_chat}


def test_llamaindex(exchange, dialect, case, stream) -> None:
    exchange.check(RUN[dialect](exchange))
