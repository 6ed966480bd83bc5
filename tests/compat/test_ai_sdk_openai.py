"""Vercel AI SDK with ``@ai-sdk/openai`` (``node/ai_sdk.mjs openai``): ``.chat()`` for Chat
Completions, the provider's default model (Responses) for the responses dialect."""

from __future__ import annotations

from stacks import STACKS

STACK = STACKS["ai_sdk_openai"]


def test_ai_sdk_openai(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.node("ai_sdk.mjs", "openai"))
