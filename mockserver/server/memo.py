"""Answers remembered by request.

An answer is a pure function of the request bytes, the headers that can change it, the seed,
the server profile and the scenario set — ids and ``created`` never come from the clock — so
an identical request can get the remembered answer without being parsed, validated and matched
again. Each :class:`~mockserver.engine.model.ScenarioSet` carries its own memo: a reload or a
runtime-added scenario publishes a new set, and nothing from the old one can be served. Answers
that touched state (fault counters) are never remembered.
"""

from __future__ import annotations

from typing import Any, Hashable

# Headers that change an answer whatever the scenarios say.
FIXED_HEADERS = ("content-type", "authorization", "x-api-key", "x-mock-scenario", "x-mock-profile", "x-mock-session", "x-mock-fault")
MAX_BODY = 64 * 1024  # larger requests are not remembered


class Memo:
    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._items: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any:
        return self._items.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        if len(self._items) >= self.size:
            self._items.pop(next(iter(self._items)))  # oldest first
        self._items[key] = value

    def __len__(self) -> int:
        return len(self._items)
