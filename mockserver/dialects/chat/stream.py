"""Chat Completions streaming: ``chat.completion.chunk`` events, chunked as OpenAI does it.

- the first delta of each choice carries ``role: assistant`` (and ``content: ""`` when text follows);
- text arrives in word-sized pieces (or ``chunk_chars`` characters);
- each tool call: a first delta with ``index``, ``id``, ``type`` and ``function.name`` (arguments
  ``""``), then fragments carrying only ``index`` and ``function.arguments``; calls one after
  another, indices 0..n-1;
- then an empty delta with the finish_reason; with ``include_usage``, every chunk has
  ``usage: null`` and a last chunk has ``choices: []`` and the usage;
- ``data: [DONE]``.

Several choices (``n > 1``) are interleaved, one choice per chunk.
"""

from __future__ import annotations

import re
from itertools import zip_longest
from typing import Any, Callable

from mockserver.dialects.chat.completion import ChoiceOut
from mockserver.wire import jsoncodec
from mockserver.wire.sse import DONE, Piece, event, split_arguments, split_text
from mockserver.wire.usage import count_tokens

_OPEN = b',"delta":'
_CLOSE = b',"logprobs":null,"finish_reason":null}]}\n\n'
_GROUP = 64
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\u2028\u2029]')


class _ChoiceWriter:
    """The events of one choice, as (delta, tokens, finish_reason) entries.

    ``head`` (bytes before the delta of an OpenAI chunk, when no profile reshapes the chunks): text
    chunks are encoded straight into bytes, without a delta dict each; ``merge`` (no timing, no
    fault to place): consecutive text chunks that need no JSON escaping are also joined into one
    piece, 64 at a time.
    """

    def __init__(self, chunk_chars: int, head: bytes | None, merge: bool = False) -> None:
        self.chunk_chars = chunk_chars
        self.head = head
        self.merge = merge
        self.events: list[tuple[dict[str, Any], int, str | None] | Piece] = []

    def delta(self, delta: dict[str, Any], tokens: int = 0) -> None:
        self.events.append((delta, tokens, None))

    def text(self, content: str) -> None:
        parts = split_text(content, self.chunk_chars)
        if self.head is not None and self.merge and not _NEEDS_ESCAPE.search(content):
            head = self.head + b'{"content":"'
            separator = b'"}' + _CLOSE + head
            encoded = [part.encode() for part in parts]
            for i in range(0, len(encoded), _GROUP):  # moderate pieces: no huge buffers to build
                self.events.append(Piece(head + separator.join(encoded[i : i + _GROUP]) + b'"}' + _CLOSE))
            return
        if self.head is not None:  # the bytes _encode makes of {"content": part}, one piece each
            head = self.head + b'{"content":'
            self.events += [Piece(head + jsoncodec.dumps(part) + b"}" + _CLOSE, count_tokens(part)) for part in parts]
            return
        for part in parts:
            self.delta({"content": part}, count_tokens(part))

    def call(self, index: int, call: dict[str, Any], first: dict[str, Any] | None = None) -> None:
        header = {"index": index, "id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": ""}}
        if first is not None:
            self.delta(dict(first, tool_calls=[header]))
        else:
            self.delta({"tool_calls": [header]}, count_tokens(call["name"]))
        for fragment in split_arguments(call["arguments"], self.chunk_chars):
            self.delta({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}, count_tokens(fragment))

    def choice(self, choice: ChoiceOut) -> list[tuple[dict[str, Any], int, str | None] | Piece]:
        first: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        calls = list(enumerate(choice.tool_calls))
        if choice.content:
            self.delta(dict(first, content=""))
            self.text(choice.content)
        elif calls:
            # OpenAI puts the first call's header in the role chunk when there is no text
            index, call = calls.pop(0)
            self.call(index, call, first=dict(first, content=choice.content))
        else:
            self.delta(dict(first, content=choice.content))
        for index, call in calls:
            self.call(index, call)
        self.events.append(({}, 0, choice.finish_reason))
        return self.events


def build_stream(
    header: dict[str, Any],
    choices: list[ChoiceOut],
    usage: dict[str, Any] | None,
    *,
    chunk_chars: int = 0,
    fast: bool = False,
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> list[Piece]:
    """All events of one streamed answer. ``header``: id, object, created, model, … of every chunk.

    ``usage`` is None unless the client asked for it (``stream_options.include_usage``);
    ``shape`` turns each (OpenAI) chunk into a provider's own (see ``wire.profiles``). Without a
    shape, the header is serialised once and each chunk only serialises its delta; ``fast`` (no
    timing, no fault to place) may also merge consecutive text chunks into one piece.
    """
    base = dict(header)
    if usage is not None:
        base["usage"] = None
    prefix = b"data: " + jsoncodec.dumps(base)[:-1] + b',"choices":[{"index":'
    per_choice = []
    for i, choice in enumerate(choices):
        head = prefix + str(i).encode() + _OPEN
        writer = _ChoiceWriter(chunk_chars, head if shape is None else None, merge=fast)
        per_choice.append([_encode(entry, i, head, base, shape) for entry in writer.choice(choice)])
    pieces = per_choice[0] if len(per_choice) == 1 else [p for group in zip_longest(*per_choice) for p in group if p]
    if usage is not None:
        last = dict(base, choices=[], usage=usage)
        pieces.append(Piece(event(shape(last) if shape else last)))
    pieces.append(Piece(DONE))
    return pieces


def _encode(entry: Any, index: int, head: bytes, base: dict[str, Any], shape: Any) -> Piece:
    if isinstance(entry, Piece):
        return entry
    delta, tokens, finish_reason = entry
    if shape is None:
        return Piece(head + jsoncodec.dumps(delta) + b',"logprobs":null,"finish_reason":' + jsoncodec.dumps(finish_reason) + b"}]}\n\n", tokens)
    chunk = dict(base, choices=[{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}])
    return Piece(event(shape(chunk)), tokens)


