"""Server-sent events, shared by every dialect: framing, text/argument splitting, timing
emulation and stream faults. How each dialect chunks its answer lives in its own folder
(``dialects/chat/stream.py`` for Chat Completions).

"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from mockserver.wire import jsoncodec
from mockserver.wire.usage import WIDE_RE

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
        if self.jitter <= 0:  # the common case, without a call per piece (seeding alone costs ~10 µs)
            tps = self.tps
            if not token_counts:
                return []
            return [max(self.ttft, 0.0)] + [t / tps if tps > 0 and t > 0 else 0.0 for t in token_counts[1:]]
        rng = random.Random(seed)

        def wobble(value: float) -> float:
            if value <= 0:
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
    """Break a stream after ``after`` events: the dialect's ``error`` event then the end, a
    ``cut`` (the body ends early, without its closing event), or a ``drop`` (the connection is
    closed mid-body)."""

    kind: str
    after: int = 1

    def apply(self, pieces: list["Piece"], error: "Piece") -> list["Piece"]:
        """``error``: the event a dialect sends for a server error mid-stream."""
        kept = [p for p in pieces if p.data != DONE][: self.after]
        if self.kind == "error":
            return kept + [error]
        if self.kind == "drop":
            return kept + [DROP]
        return kept


class Piece(NamedTuple):
    """One SSE event to send, the delay before it, and its token count (for timing).

    ``drop``: instead of sending anything, close the connection here (a fault). A named tuple,
    not a frozen dataclass: a streamed answer makes dozens of them on the request's first slice,
    and a frozen dataclass costs 0.7 µs each to make against 0.3 µs."""

    data: bytes
    tokens: int = 0
    delay: float = 0.0
    drop: bool = False


DROP = Piece(b"", drop=True)  # close the connection here


def apply_timing(pieces: list[Piece], timing: Timing, seed: int) -> list[Piece]:
    if not timing.active or not pieces:
        return pieces
    delays = timing.delays([p.tokens for p in pieces], seed)
    return [Piece(p.data, p.tokens, d, p.drop) for p, d in zip(pieces, delays)]
