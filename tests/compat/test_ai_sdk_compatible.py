"""Vercel AI SDK with ``@ai-sdk/openai-compatible`` (``node/ai_sdk.mjs compatible``)."""

from __future__ import annotations

from stacks import STACKS

STACK = STACKS["ai_sdk_compatible"]


def test_ai_sdk_compatible(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.node("ai_sdk.mjs", "compatible"))
