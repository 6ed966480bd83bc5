"""openai-node (``node/openai_node.mjs``): the SDK's own agent loop, driven through node."""

from __future__ import annotations

from stacks import STACKS

STACK = STACKS["openai_node"]


def test_openai_node(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.node("openai_node.mjs"))
