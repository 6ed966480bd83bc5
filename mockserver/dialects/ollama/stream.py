"""Ollama's streams: ``application/x-ndjson``, one JSON object per line (``server/routes.go``
``streamResponse``: ``json.Marshal`` then ``'\\n'``), no other framing.

``/api/chat``: each text piece is ``{"model", "created_at", "message": {"role": "assistant",
"content": piece}, "done": false}``; each tool call comes whole, in a piece of its own with
``"content": ""`` (Ollama's tool parser sends a call once its JSON is complete); then the last
object, ``done: true`` with an empty message, ``done_reason`` and the counters.
``/api/generate``: the same with ``"response"`` instead of ``message``.

A server error once the stream has begun is one more line, ``{"error": "…"}``, and the end
(``streamResponse``: ``json.NewEncoder(c.Writer).Encode(gin.H{"error": e})``).
"""

from __future__ import annotations

from typing import Any, Callable

from mockserver.dialects.ollama.render import Output, chat_object, created_at, generate_object, message
from mockserver.wire import jsoncodec
from mockserver.wire.ids import IdSource
from mockserver.wire.sse import Piece, split_text
from mockserver.wire.usage import count_tokens

MEDIA_TYPE = "application/x-ndjson"


def line(payload: dict[str, Any]) -> bytes:
    return jsoncodec.dumps(payload) + b"\n"


def build_lines(generate: bool, model: str, ids: IdSource, output: Output, counters: dict[str, int], chunk_chars: int = 0) -> list[Piece]:
    """The stream's pieces; each line's ``created_at`` moves on by its share of the eval time."""
    pieces: list[Piece] = []
    texts = split_text(output.text, chunk_chars)
    steps = max(1, len(texts) + len(output.calls))
    step_ns = counters["eval_duration"] // steps
    start_ns = counters["load_duration"] + counters["prompt_eval_duration"]

    def add(tokens: int, make: Callable[[str], dict[str, Any]]) -> None:
        stamp = created_at(ids, start_ns + len(pieces) * step_ns)
        pieces.append(Piece(line(make(stamp)), tokens))

    for text in texts:
        if generate:
            add(count_tokens(text), lambda s, t=text: generate_object(model, s, t, False))
        else:
            add(count_tokens(text), lambda s, t=text: chat_object(model, s, message(t), False))
    for call in output.calls:
        tokens = count_tokens(call["function"]["name"]) + count_tokens(jsoncodec.dumps(call["function"]["arguments"]).decode())
        if generate:
            add(tokens, lambda s, c=call: generate_object(model, s, "", False, calls=[c]))
        else:
            add(tokens, lambda s, c=call: chat_object(model, s, message("", [c]), False))
    stamp = created_at(ids, counters["total_duration"])
    if generate:
        last = generate_object(model, stamp, "", True, output.done_reason, counters)
    else:
        last = chat_object(model, stamp, message(""), True, output.done_reason, counters)
    pieces.append(Piece(line(last)))
    return pieces


def error_line(text: str) -> bytes:
    return line({"error": text})
