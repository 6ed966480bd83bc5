"""Wire dialects, side by side: one folder per wire format the server speaks.

Each dialect parses a request into the engine's conversation, checks the dialect's own shape
and call/result protocol, and renders the engine's reply (and its stream, and errors) back.
Shared below them (``mockserver.wire``): ids, usage, error bodies, SSE framing, profiles.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any, Callable

#: each dialect's name → where its class lives (imported when first needed: the journal and
#: the inspector name dialects without loading them all); the paths each answers are in
#: mockserver.server.routes
CLASSES = {
    "chat": ("mockserver.dialects.chat.dialect", "ChatDialect"),
    "responses": ("mockserver.dialects.responses.dialect", "ResponsesDialect"),
    "messages": ("mockserver.dialects.messages.dialect", "MessagesDialect"),
}


@cache
def dialect_class(name: str) -> Any:
    module, cls = CLASSES[name]
    return getattr(import_module(module), cls)


def build(config: Any) -> dict[str, Any]:
    """One instance of every dialect, made by its ``from_config(config)`` when it has one."""
    made = {}
    for name in CLASSES:
        cls = dialect_class(name)
        factory = getattr(cls, "from_config", None)
        made[name] = factory(config) if factory is not None else cls()
    return made


def answer_reader(dialect: str) -> Callable[[dict[str, Any]], Any]:
    """How to read (text, tool calls) out of a body the dialect answered."""
    return dialect_class(dialect if dialect in CLASSES else "chat").answer_of
