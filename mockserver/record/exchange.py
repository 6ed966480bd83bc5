"""What one recorded request and its answer come down to, whatever the dialect.

A dialect adapter (``mockserver.record.dialects``) reads a request into a :class:`Request` — the
conversation as neutral, chat-shaped messages (the form the engine's matchers read: role, text,
tool calls), the declared tool names — and an answer into an :class:`Answer` (text, tool calls,
a neutral finish reason). The recorder only ever sees these, so one recorded step becomes one
scenario rule that answers every dialect alike.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

FINISH_REASONS = ("stop", "length", "tool_calls", "content_filter")


@dataclass(frozen=True)
class Call:
    name: str
    arguments: str  # the JSON text as the provider sent it
    id: str = ""  # never part of a key: a replay generates its own ids

    def key(self) -> tuple[str, str]:
        return (self.name, canonical_json(self.arguments))


@dataclass(frozen=True)
class Message:
    role: str  # system | developer | user | assistant | tool
    text: str
    calls: tuple[Call, ...] = ()

    def key(self) -> bytes:
        """What identifies the message in a conversation: role, text and calls, never ids."""
        return json.dumps([self.role, self.text, [c.key() for c in self.calls]], ensure_ascii=False).encode()


@dataclass(frozen=True)
class Answer:
    content: str | None
    calls: tuple[Call, ...] = ()
    finish_reason: str | None = None  # one of FINISH_REASONS, or None when the provider gave none

    def as_message(self) -> Message:
        """The answer as the client sends it back on the next turn."""
        return Message("assistant", self.content or "", self.calls)

    def same(self, other: "Answer") -> bool:
        return (self.content or "", [c.key() for c in self.calls], self.finish_reason) == (
            other.content or "", [c.key() for c in other.calls], other.finish_reason)


@dataclass(frozen=True)
class Failure:
    """An upstream error answer (or a timeout): recorded as a fault with ``--record-errors``."""

    status: int
    message: str
    retry_after: float | None = None


@dataclass
class Request:
    dialect: str
    model: str
    messages: list[Message]
    tools: list[str] = field(default_factory=list)
    forced: bool = False  # tool_choice forces a call (required / a named function)
    streamed: bool = False
    continues: str | None = None  # a stored answer this request continues (previous_response_id)
    instructions: int = 0  # leading messages that are this request's own (never carried over)


@dataclass
class Exchange:
    request: Request
    answer: Answer | None = None
    failure: Failure | None = None
    profile: str | None = None  # the provider profile the answer looks like (vllm, vertex), if any
    answer_id: str | None = None  # the answer's own id, when later requests may refer to it


def canonical_json(text: str) -> str:
    """JSON text in one canonical form (sorted keys, no spaces); other text as it is."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return text
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def prefix_hashes(messages: list[Message]) -> list[bytes]:
    """``h[i]``: a digest of ``messages[:i + 1]`` (chained, so all prefixes cost one pass)."""
    out: list[bytes] = []
    digest = b""
    for message in messages:
        digest = hashlib.blake2b(digest + message.key(), digest_size=16).digest()
        out.append(digest)
    return out


def error_message(body: Any) -> str | None:
    """The message of an error body in any provider's envelope (OpenAI, vLLM, Google, Anthropic)."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(error, str):
            return error
        if isinstance(body.get("message"), str):
            return body["message"]
    if isinstance(body, list) and body:
        return error_message(body[0])  # Google sometimes wraps the envelope in a list
    return None


def retry_after(headers: dict[str, str]) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (as a number), within the format's 0..120."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            seconds = float(raw) / scale
        except ValueError:
            continue  # an HTTP date: not expressible, the format's default applies
        return min(max(seconds, 0.0), 120.0)
    return None
