"""Vercel AI SDK with ``@ai-sdk/amazon-bedrock`` (``node/ai_sdk.mjs bedrock``): ``generateText``
over Converse, ``streamText`` over ConverseStream (AWS's binary event stream), SigV4-signed with
dummy credentials."""

from __future__ import annotations

from stacks import STACKS

STACK = STACKS["ai_sdk_bedrock"]


def test_ai_sdk_bedrock(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.node("ai_sdk.mjs", "bedrock"))
