"""ollama-js (``node/ollama_js.mjs``): its ``chat`` in a hand-written tool loop, driven through node."""

from __future__ import annotations

from stacks import STACKS

STACK = STACKS["ollama_js"]


def test_ollama_js(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.node("ollama_js.mjs"))
