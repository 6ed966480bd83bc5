"""Responses API streaming: typed server-sent events (``event:`` and ``data:`` lines), each with
an increasing ``sequence_number``, in OpenAI's order:

``response.created``, ``response.in_progress``; per output item ``response.output_item.added``,
then for text ``response.content_part.added``, ``response.output_text.delta`` (several),
``response.output_text.done``, ``response.content_part.done``, or for a call
``response.function_call_arguments.delta`` (several), ``response.function_call_arguments.done``;
``response.output_item.done``; and last ``response.completed`` (``response.incomplete`` when cut
by ``max_output_tokens``) carrying the whole response. No ``[DONE]`` line.
"""

from __future__ import annotations

from typing import Any

from mockserver.dialects.responses.render import Output, call_item, message_item
from mockserver.wire import jsoncodec
from mockserver.wire.sse import Piece, split_arguments, split_text
from mockserver.wire.usage import count_tokens


def typed_event(kind: str, payload: dict[str, Any]) -> bytes:
    return b"event: " + kind.encode() + b"\ndata: " + jsoncodec.dumps(payload) + b"\n\n"


class _Events:
    def __init__(self) -> None:
        self.pieces: list[Piece] = []

    def add(self, kind: str, tokens: int = 0, **fields: Any) -> None:
        payload = {"type": kind, "sequence_number": len(self.pieces), **fields}
        self.pieces.append(Piece(typed_event(kind, payload), tokens))


def build_events(start: dict[str, Any], final: dict[str, Any], output: Output, chunk_chars: int = 0) -> list[Piece]:
    """``start``: the in-progress response; ``final``: the finished one (what the stream adds up to)."""
    events = _Events()
    events.add("response.created", response=start)
    events.add("response.in_progress", response=start)
    index = 0
    if output.text:
        item_id = output.text_id
        events.add("response.output_item.added", output_index=index, item=_empty_message(output))
        empty = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
        events.add("response.content_part.added", item_id=item_id, output_index=index, content_index=0, part=empty)
        # the same bytes as events.add("response.output_text.delta", …, item_id=item_id,
        # output_index=index, content_index=0, delta=piece, logprobs=[]), without a dict and an
        # encoding of it per piece
        head = b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":'
        middle = b',"item_id":' + jsoncodec.dumps(item_id) + b',"output_index":%d,"content_index":0,"delta":' % index
        first = len(events.pieces)
        events.pieces += [Piece(head + b"%d" % (first + k) + middle + jsoncodec.dumps(piece) + b',"logprobs":[]}\n\n', count_tokens(piece))
                          for k, piece in enumerate(split_text(output.text, chunk_chars))]
        events.add("response.output_text.done", item_id=item_id, output_index=index, content_index=0, text=output.text, logprobs=[])
        full = message_item(output)
        events.add("response.content_part.done", item_id=item_id, output_index=index, content_index=0, part=full["content"][0])
        events.add("response.output_item.done", output_index=index, item=full)
        index += 1
    for call in output.calls:
        events.add("response.output_item.added", count_tokens(call["name"]), output_index=index, item=call_item(call, arguments="", status="in_progress"))
        for fragment in split_arguments(call["arguments"], chunk_chars):
            events.add("response.function_call_arguments.delta", count_tokens(fragment), item_id=call["id"], output_index=index, delta=fragment)
        events.add("response.function_call_arguments.done", item_id=call["id"], name=call["name"], output_index=index, arguments=call["arguments"])
        events.add("response.output_item.done", output_index=index, item=call_item(call))
        index += 1
    kind = "response.completed" if final["status"] == "completed" else "response.incomplete"
    events.add(kind, response=final)
    return events.pieces


def _empty_message(output: Output) -> dict[str, Any]:
    item = message_item(output, text="", status="in_progress")
    item["content"] = []
    return item


def error_event(message: str, code: str | None, param: str | None, sequence_number: int) -> bytes:
    return typed_event("error", {"type": "error", "code": code, "message": message, "param": param, "sequence_number": sequence_number})
