"""Messages API streaming, as Anthropic sends it (``event:`` + ``data:`` lines, no ``[DONE]``):

``message_start`` (the message with empty content and ``usage.input_tokens``); per content
block ``content_block_start``, ``content_block_delta`` (``text_delta`` pieces, or for a tool use
``input_json_delta`` with ``partial_json`` pieces of the input, the first one empty),
``content_block_stop``; a ``ping`` after the first block starts; ``message_delta`` (stop_reason,
stop_sequence, ``usage``); ``message_stop``. A server error mid-stream is an
``error`` event: ``{"type": "error", "error": {"type", "message"}}``.
"""

from __future__ import annotations

from typing import Any

from mockserver.dialects.messages.render import Output, text_block
from mockserver.wire import jsoncodec
from mockserver.wire.sse import Piece, split_arguments, split_text
from mockserver.wire.usage import count_tokens


def typed_event(kind: str, payload: dict[str, Any]) -> bytes:
    return b"event: " + kind.encode() + b"\ndata: " + jsoncodec.dumps(payload) + b"\n\n"


class _Events:
    def __init__(self) -> None:
        self.pieces: list[Piece] = []

    def add(self, kind: str, tokens: int = 0, **fields: Any) -> None:
        self.pieces.append(Piece(typed_event(kind, {"type": kind, **fields}), tokens))


def build_events(start: dict[str, Any], output: Output, chunk_chars: int = 0) -> list[Piece]:
    """``message_delta`` carries the cumulative usage (input and cache counts too, as the API now
    sends them: the SDK's accumulator overwrites with them, LangChain's ChatAnthropic reads usage
    only from that event)."""
    events = _Events()
    events.add("message_start", message=start)
    index = 0
    if output.text:
        events.add("content_block_start", index=index, content_block=text_block(""))
        events.add("ping")
        # the same bytes as events.add("content_block_delta", …, index=index, delta={"type":
        # "text_delta", "text": piece}), without a dict and an encoding of it per piece
        head = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":%d,"delta":{"type":"text_delta","text":' % index
        events.pieces += [Piece(head + jsoncodec.dumps(piece) + b"}}\n\n", count_tokens(piece))
                          for piece in split_text(output.text, chunk_chars)]
        events.add("content_block_stop", index=index)
        index += 1
    for call in output.calls:
        block = {"type": "tool_use", "id": call["id"], "name": call["name"], "input": {}}
        events.add("content_block_start", count_tokens(call["name"]), index=index, content_block=block)
        if index == 0:
            events.add("ping")
        fragments = [""] + split_arguments(call["arguments"], chunk_chars)
        for fragment in fragments:
            events.add("content_block_delta", count_tokens(fragment), index=index, delta={"type": "input_json_delta", "partial_json": fragment})
        events.add("content_block_stop", index=index)
        index += 1
    if index == 0:
        events.add("ping")
    events.add("message_delta", delta={"stop_reason": output.stop_reason, "stop_sequence": output.stop_sequence},
               usage={key: start["usage"][key] for key in _DELTA_USAGE} | {"output_tokens": output.tokens})
    events.add("message_stop")
    return events.pieces


_DELTA_USAGE = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def error_event(error: dict[str, Any]) -> bytes:
    return typed_event("error", {"type": "error", "error": error})
