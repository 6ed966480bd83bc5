"""Server-sent events, parsed incrementally: bytes as they arrive in, whole events out.

Follows the WHATWG event-stream rules that matter for LLM streams: events end at a blank line,
``event:`` names the event, ``data:`` lines are joined with newlines, ``:`` starts a comment,
CRLF, CR and LF all end lines. An event larger than ``limit`` bytes stops the parser (what was
relayed to the client is unaffected; only the recording gives up).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any



@dataclass(frozen=True)
class Event:
    name: str | None
    data: str

    def json_object(self) -> dict[str, Any] | None:
        """The event's data as a JSON object, or None (not JSON, or not an object: skipped)."""
        try:
            data = json.loads(self.data)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


NDJSON = "application/x-ndjson"  # Ollama's streams: one JSON object per line


class NDJSONParser:
    """Newline-delimited JSON, parsed incrementally: each non-empty line is one event's data."""

    def __init__(self, limit: int = 16 * 1024 * 1024) -> None:
        self.limit = limit
        self.overflow = False
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[Event]:
        if self.overflow:
            return []
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        if len(self._buffer) > self.limit:
            self.overflow, self._buffer = True, b""
        return [Event(None, line.decode("utf-8", errors="replace")) for line in lines if line.strip()]

    def close(self) -> list[Event]:
        rest, self._buffer = self._buffer, b""
        return [Event(None, rest.decode("utf-8", errors="replace"))] if rest.strip() and not self.overflow else []


class SSEParser:
    def __init__(self, limit: int = 16 * 1024 * 1024) -> None:
        self.limit = limit
        self.overflow = False
        self._buffer = b""  # line ends already turned into LF
        self._cr = False  # the last chunk ended in CR: its LF may come first in the next one

    def feed(self, chunk: bytes) -> list[Event]:
        if self.overflow:
            return []
        if self._cr:
            chunk = b"\r" + chunk
        self._cr = chunk.endswith(b"\r")
        if self._cr:
            chunk = chunk[:-1]
        self._buffer += chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        events: list[Event] = []
        while True:
            end = self._buffer.find(b"\n\n")
            if end < 0:
                break
            block, self._buffer = self._buffer[:end], self._buffer[end + 2:]
            event = parse_block(block)
            if event is not None:
                events.append(event)
        if len(self._buffer) > self.limit:
            self.overflow = True
            self._buffer = b""
        return events

    def close(self) -> list[Event]:
        """The last event, when the stream ended without its blank line."""
        events = self.feed(b"\n\n") if self._cr else []
        block, self._buffer = self._buffer, b""
        event = parse_block(block) if block.strip() and not self.overflow else None
        return events + ([event] if event is not None else [])


def parse_block(block: bytes) -> Event | None:
    name: str | None = None
    data: list[str] = []
    for raw in block.split(b"\n"):
        line = raw.decode("utf-8", errors="replace")
        if not line or line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    if name is None and not data:
        return None
    return Event(name, "\n".join(data))


def parse_text(text: str) -> list[Event]:
    """Every event of a whole stream given as text (a logged or exported SSE body)."""
    parser = SSEParser(limit=len(text.encode()) + 1)
    return parser.feed(text.encode()) + parser.close()


def looks_like_sse(text: str) -> bool:
    head = text.lstrip()[:16]
    return head.startswith(("data:", "event:", ":"))
