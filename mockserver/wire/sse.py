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
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any, Callable, Iterator

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


STREAM_FAULTS = ("error", "cut", "drop")


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
    """One SSE event to send, the delay before it, and its token count (for timing)."""

    data: bytes
    tokens: int = 0
    delay: float = 0.0


DROP = Piece(b"")  # sentinel: close the connection here


def _choice_deltas(choice: ChoiceOut, chunk_chars: int) -> Iterator[tuple[dict[str, Any], int]]:
    first: dict[str, Any] = {"role": "assistant", "content": "" if choice.content is not None else None, "refusal": None}
    pieces = split_text(choice.content or "", chunk_chars)
    if pieces:
        first["content"] = ""
    if not pieces and choice.tool_calls:
        # OpenAI puts the first call's header in the role chunk when there is no text
        call = choice.tool_calls[0]
        first["tool_calls"] = [_call_header(0, call)]
        yield first, 0
        yield from _call_fragments(0, call, chunk_chars)
        calls = list(enumerate(choice.tool_calls))[1:]
    else:
        yield first, 0
        for piece in pieces:
            yield {"content": piece}, count_tokens(piece)
        calls = list(enumerate(choice.tool_calls))
    for index, call in calls:
        yield {"tool_calls": [_call_header(index, call)]}, count_tokens(call["name"])
        yield from _call_fragments(index, call, chunk_chars)


def _call_header(index: int, call: dict[str, Any]) -> dict[str, Any]:
    return {"index": index, "id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": ""}}


def _call_fragments(index: int, call: dict[str, Any], chunk_chars: int) -> Iterator[tuple[dict[str, Any], int]]:
    for fragment in split_arguments(call["arguments"], chunk_chars):
        yield {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}, count_tokens(fragment)


def build_stream(
    header: dict[str, Any],
    choices: list[ChoiceOut],
    usage: dict[str, Any] | None,
    *,
    chunk_chars: int = 0,
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> list[Piece]:
    """All events of one streamed answer. ``header``: id, object, created, model, … of every chunk.

    ``usage`` is None unless the client asked for it (``stream_options.include_usage``);
    ``shape`` turns each (OpenAI) chunk into a provider's own (see ``wire.profiles``).
    """
    pieces = [Piece(event(shape(chunk) if shape else chunk), tokens) for chunk, tokens in _chunks(header, choices, usage, chunk_chars)]
    pieces.append(Piece(DONE))
    return pieces


def _chunks(
    header: dict[str, Any], choices: list[ChoiceOut], usage: dict[str, Any] | None, chunk_chars: int
) -> list[tuple[dict[str, Any], int]]:
    base = dict(header)
    if usage is not None:
        base["usage"] = None
    per_choice = []
    for i, choice in enumerate(choices):
        deltas = [
            (dict(base, choices=[{"index": i, "delta": delta, "logprobs": None, "finish_reason": None}]), tokens)
            for delta, tokens in _choice_deltas(choice, chunk_chars)
        ]
        deltas.append((dict(base, choices=[{"index": i, "delta": {}, "logprobs": None, "finish_reason": choice.finish_reason}]), 0))
        per_choice.append(deltas)
    chunks = [item for group in zip_longest(*per_choice) for item in group if item]
    if usage is not None:
        chunks.append((dict(base, choices=[], usage=usage), 0))
    return chunks


def apply_timing(pieces: list[Piece], timing: Timing, seed: int) -> list[Piece]:
    if not timing.active:
        return pieces
    delays = timing.delays([p.tokens for p in pieces], seed)
    return [Piece(p.data, p.tokens, d) for p, d in zip(pieces, delays)]
