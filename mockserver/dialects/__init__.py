"""Wire dialects, side by side: one folder per wire format the server speaks.

Each dialect parses a request into the engine's conversation, checks the dialect's own shape
and call/result protocol, and renders the engine's reply (and its stream, and errors) back.
Shared below them (``mockserver.wire``): ids, usage, error bodies, SSE framing, profiles.
"""

from __future__ import annotations

from typing import Any, Callable

#: the path of each dialect's endpoint (with and without ``/v1``) → the dialect's name
PATHS = {
    "/v1/chat/completions": "chat",
    "/chat/completions": "chat",
    "/v1/responses": "responses",
    "/responses": "responses",
    "/v1/messages": "messages",
    "/messages": "messages",
}


def dialect_of(path: str) -> str | None:
    """The dialect a request path speaks, or None for other routes."""
    return PATHS.get(path)


def answer_reader(dialect: str) -> Callable[[dict[str, Any]], Any]:
    """How to read (text, tool calls) out of a body the dialect answered."""
    if dialect == "messages":
        from mockserver.dialects.messages.dialect import MessagesDialect

        return MessagesDialect.answer_of
    if dialect == "responses":
        from mockserver.dialects.responses.dialect import ResponsesDialect

        return ResponsesDialect.answer_of
    from mockserver.dialects.chat.dialect import ChatDialect

    return ChatDialect.answer_of
