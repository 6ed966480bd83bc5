"""ConverseStream's events (the ``ConverseStreamOutput`` event stream of the service model), each
an AWS event-stream message (``mockserver.wire.eventstream``):

``messageStart`` ``{role}``; for the text, ``contentBlockDelta`` ``{delta: {text}}`` pieces then
``contentBlockStop`` (Bedrock sends no ``contentBlockStart`` for text); per tool use,
``contentBlockStart`` ``{start: {toolUse: {toolUseId, name}}}``, ``contentBlockDelta``
``{delta: {toolUse: {input}}}`` with the input as JSON-text fragments, ``contentBlockStop``;
``messageStop`` ``{stopReason}``; ``metadata`` ``{usage, metrics}``. Every block event carries
``contentBlockIndex``. Like Bedrock, each payload also carries a ``p`` member of padding letters
(``"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"``, seen in decoded streams, e.g. the golem-llm
Bedrock client's logged events); botocore ignores members the model does not name.

A server error mid-stream is an exception message, ``:exception-type: modelStreamErrorException``
with ``{"message"}`` (a member of ``ConverseStreamOutput``; botocore raises it as
``EventStreamError``, code ``modelStreamErrorException``).
"""

from __future__ import annotations

from typing import Any

from mockserver.dialects.bedrock.render import latency_ms, stop_reason, usage
from mockserver.dialects.messages.render import Output
from mockserver.wire import eventstream
from mockserver.wire.sse import Piece, split_arguments, split_text
from mockserver.wire.usage import count_tokens

PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"


class _Events:
    def __init__(self) -> None:
        self.pieces: list[Piece] = []

    def add(self, kind: str, tokens: int = 0, **payload: Any) -> None:
        padding = PADDING[: 1 + (len(self.pieces) * 7) % len(PADDING)]
        self.pieces.append(Piece(eventstream.event(kind, {**payload, "p": padding}), tokens))


def build_events(output: Output, input_tokens: int, chunk_chars: int = 0) -> list[Piece]:
    events = _Events()
    events.add("messageStart", role="assistant")
    index = 0
    if output.text:
        for piece in split_text(output.text, chunk_chars):
            events.add("contentBlockDelta", count_tokens(piece), contentBlockIndex=index, delta={"text": piece})
        events.add("contentBlockStop", contentBlockIndex=index)
        index += 1
    for call in output.calls:
        start = {"toolUse": {"toolUseId": call["id"], "name": call["name"]}}
        events.add("contentBlockStart", count_tokens(call["name"]), contentBlockIndex=index, start=start)
        for fragment in split_arguments(call["arguments"], chunk_chars):
            events.add("contentBlockDelta", count_tokens(fragment), contentBlockIndex=index, delta={"toolUse": {"input": fragment}})
        events.add("contentBlockStop", contentBlockIndex=index)
        index += 1
    events.add("messageStop", stopReason=stop_reason(output))
    events.add("metadata", usage=usage(input_tokens, output.tokens), metrics={"latencyMs": latency_ms(output.tokens)})
    return events.pieces


def error_event(message: str) -> bytes:
    return eventstream.exception("modelStreamErrorException", {"message": message})
