"""Vercel AI SDK with ``@ai-sdk/google`` (``node/ai_sdk.mjs google``): Gemini's generateContent
(``streamGenerateContent?alt=sse`` when streamed) at ``/v1beta``."""

from __future__ import annotations

from stacks import STACKS

STACK = STACKS["ai_sdk_google"]


def test_ai_sdk_google(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.node("ai_sdk.mjs", "google"))
