"""Answers remembered by request.

An answer is a pure function of the request bytes, the headers that can change it, the seed,
the server profile and the scenario set — ids and ``created`` never come from the clock — so
an identical request can get the remembered answer without being parsed, validated and matched
again. Each :class:`~mockserver.engine.model.ScenarioSet` carries its own memo: a reload or a
runtime-added scenario publishes a new set, and nothing from the old one can be served. Answers
that touched state (fault counters) are never remembered.

An answer is remembered the second time its request is seen: the first sighting only notes the
request's hash (a doorkeeper, as in TinyLFU). A load of requests that never repeat — a test
suite, a load test with varied prompts — then keeps no answers alive and pays no evictions;
a repeated request is worked out twice, then served from memory.

Bounded by count and by bytes (least recently used first out): at most ``MEMO_ITEMS`` answers
and ``MEMO_BYTES`` of estimated memory per scenario set; requests over ``MAX_BODY`` bytes are
never remembered.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Hashable

from mockserver.wire.bounded import ByteLRU

# Headers that change an answer whatever the scenarios say.
FIXED_HEADERS = ("content-type", "authorization", "x-api-key", "x-goog-api-key", "x-mock-scenario", "x-mock-profile", "x-mock-session", "x-mock-fault")
MAX_BODY = 64 * 1024  # larger requests are not remembered
MEMO_ITEMS = 2048
MEMO_BYTES = 32 * 1024 * 1024
# A parsed JSON request holds a few times its bytes in Python objects (measured: 2-4x for chat
# bodies); the estimate errs high.
PARSED_FACTOR = 4
ENTRY_OVERHEAD = 1024  # the Outcome, its key tuple and dict slots
# hashes of requests seen once: each entry is an int and a dict slot (~100 bytes), so the count
# bounds the bytes too (under 1 MiB); the oldest is forgotten first
SEEN_ITEMS = 8192


class Memo:
    def __init__(self, size: int = MEMO_ITEMS, max_bytes: int = MEMO_BYTES) -> None:
        self.size = size
        self._items = ByteLRU(size, max_bytes)
        self.get: Callable[[Hashable], Any] = self._items.get  # the hot path: no extra call
        self._seen: dict[int, None] = {}
        self._lock = threading.Lock()

    def put(self, key: Hashable, value: Any, raw_size: int = 0) -> bool:
        """Remember ``value`` (an Outcome) for ``key`` if ``key`` was seen before (else only note
        that it was: False); ``raw_size``: the request's bytes."""
        digest = hash(key)
        with self._lock:
            if digest not in self._seen:
                if len(self._seen) >= SEEN_ITEMS:
                    del self._seen[next(iter(self._seen))]
                self._seen[digest] = None
                return False
            del self._seen[digest]
        return self._items.put(key, value, ENTRY_OVERHEAD + raw_size + estimate_bytes(raw_size, value))

    @property
    def bytes(self) -> int:
        return self._items.bytes

    def __len__(self) -> int:
        return len(self._items)


def estimate_bytes(raw_size: int, outcome: Any) -> int:
    """What an answered request holds in memory: its parsed body (from ``raw_size``, the bytes it
    arrived as) and the answer (an Outcome: its encoded body, or its stream pieces)."""
    return raw_size * PARSED_FACTOR + answer_bytes(outcome)


def answer_bytes(outcome: Any) -> int:
    """The answer's part of :func:`estimate_bytes`, worked out once per Outcome (a remembered
    answer is journaled every time it is served; a stream would be summed each time)."""
    size = getattr(outcome, "_estimated_bytes", None)
    if size is None:
        stream = getattr(outcome, "stream", None)
        if stream is not None:
            size = sum(len(piece.data) for piece in stream) * 2  # the pieces and the summary's body
        else:
            encoded = getattr(outcome, "encoded", None)
            size = len(encoded()) * PARSED_FACTOR if encoded is not None else 0
        try:
            outcome._estimated_bytes = size
        except AttributeError:  # pragma: no cover - an object without a __dict__
            pass
    return size
