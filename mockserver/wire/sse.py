"""Server-sent events for ``stream: true``, chunked the way OpenAI's server does it.

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

import random
import re
from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import Any, Callable

from mockserver.wire import jsoncodec
from mockserver.wire.completion import ChoiceOut
from mockserver.wire.usage import WIDE_RE, count_tokens

DONE = b"data: [DONE]\n\n"
_WORDS = re.compile(r"\s*\S+\s*|\s+")
_ARGUMENT_PIECES = re.compile(r'[A-Za-z0-9_]+|"|[^A-Za-z0-9_"]+')


def event(payload: Any) -> bytes:
    return b"data: " + jsoncodec.dumps(payload) + b"\n\n"


def split_text(text: str, chunk_chars: int = 0) -> list[str]:
    """Word-sized pieces (leading/trailing spaces kept with the word), or fixed-size pieces."""
    if not text:
        return []
    if chunk_chars > 0:
        return [text[i : i + chunk_chars] for i in range(0, len(text), chunk_chars)]
    if not WIDE_RE.search(text):
        if "\n" not in text and "\t" not in text:
            words = text.split(" ")  # each word with its following space: concatenation is exact
            return [w + " " for w in words[:-1]] + ([words[-1]] if words[-1] else [])
        return _WORDS.findall(text)
    out: list[str] = []
    for piece in _WORDS.findall(text):
        # CJK text has no spaces: a run of wide characters goes out a few characters at a time.
        if len(piece) > 4 and WIDE_RE.search(piece):
            out.extend(piece[i : i + 3] for i in range(0, len(piece), 3))
        else:
            out.append(piece)
    return out


def split_arguments(arguments: str, chunk_chars: int = 0) -> list[str]:
    if chunk_chars > 0:
        return split_text(arguments, chunk_chars)
    return _ARGUMENT_PIECES.findall(arguments)


@dataclass(frozen=True)
class Timing:
    """Time to first token (s), tokens per second (0 = unlimited), jitter (fraction, seeded)."""

    ttft: float = 0.0
    tps: float = 0.0
    jitter: float = 0.0

    @property
    def active(self) -> bool:
        return self.ttft > 0 or self.tps > 0

    def delays(self, token_counts: list[int], seed: int) -> list[float]:
        """The delay before each piece: ttft before the first, tokens/tps before the others."""
        rng = random.Random(seed)

        def wobble(value: float) -> float:
            if value <= 0 or self.jitter <= 0:
                return max(value, 0.0)
            return max(0.0, value * (1 + rng.uniform(-self.jitter, self.jitter)))

        delays = []
        for i, tokens in enumerate(token_counts):
            base = self.ttft if i == 0 else (tokens / self.tps if self.tps > 0 else 0.0)
            delays.append(wobble(base))
        return delays

    def total(self, tokens: int, seed: int) -> float:
        """The whole reply's duration, for a non-streamed answer."""
        return sum(self.delays([0, tokens], seed))


@dataclass(frozen=True)
class StreamFault:
    """Break a stream after ``after`` chunks: an ``error`` event then the end, a ``cut`` (the body
    ends without ``[DONE]``), or a ``drop`` (the connection is closed mid-body)."""

    kind: str
    after: int = 1
    error: dict[str, Any] | None = None

    def apply(self, pieces: list["Piece"]) -> list["Piece"]:
        kept = [p for p in pieces if p.data != DONE][: self.after]
        if self.kind == "error":
            body = self.error or {"message": "The server had an error while processing your request.",
                                  "type": "server_error", "param": None, "code": None}
            return kept + [Piece(event({"error": body}))]
        if self.kind == "drop":
            return kept + [DROP]
        return kept


@dataclass(frozen=True)
class Piece:
    """One SSE event to send, the delay before it, and its token count (for timing).

    ``drop``: instead of sending anything, close the connection here (a fault)."""

    data: bytes
    tokens: int = 0
    delay: float = 0.0
    drop: bool = False


DROP = Piece(b"", drop=True)  # close the connection here
_OPEN = b',"delta":'
_CLOSE = b',"logprobs":null,"finish_reason":null}]}\n\n'
_GROUP = 64
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\u2028\u2029]')


class _ChoiceWriter:
    """The events of one choice, as (delta, tokens, finish_reason) entries.

    ``head`` (bytes before the delta of an OpenAI chunk) enables the fast text path: consecutive
    text chunks that need no JSON escaping are joined straight into bytes, 64 at a time.
    """

    def __init__(self, chunk_chars: int, head: bytes | None) -> None:
        self.chunk_chars = chunk_chars
        self.head = head
        self.events: list[tuple[dict[str, Any], int, str | None] | Piece] = []

    def delta(self, delta: dict[str, Any], tokens: int = 0) -> None:
        self.events.append((delta, tokens, None))

    def text(self, content: str) -> None:
        parts = split_text(content, self.chunk_chars)
        if self.head is not None and not _NEEDS_ESCAPE.search(content):
            head = self.head + b'{"content":"'
            separator = b'"}' + _CLOSE + head
            encoded = [part.encode() for part in parts]
            for i in range(0, len(encoded), _GROUP):  # moderate pieces: no huge buffers to build
                self.events.append(Piece(head + separator.join(encoded[i : i + _GROUP]) + b'"}' + _CLOSE))
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
        writer = _ChoiceWriter(chunk_chars, head if fast and shape is None else None)
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


def apply_timing(pieces: list[Piece], timing: Timing, seed: int) -> list[Piece]:
    if not timing.active:
        return pieces
    delays = timing.delays([p.tokens for p in pieces], seed)
    return [replace(p, delay=d) for p, d in zip(pieces, delays)]
