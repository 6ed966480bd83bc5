"""Stored responses (``store: true``, the default): what ``GET /v1/responses/{id}``,
``input_items`` and ``previous_response_id`` read.

Bounded by count and by bytes (the JSON size of what is kept); the oldest is dropped first.
One store lives on each server's Responses dialect; it is thread-safe (the server writes, a
test thread may read).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from mockserver.wire import jsoncodec

DEFAULT_COUNT = 1000
DEFAULT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class StoredResponse:
    response: dict[str, Any]  # the Response object as it was answered
    input_items: list[dict[str, Any]]  # this request's input items, with ids
    history: list[dict[str, Any]]  # the conversation it continues, with its own output (neutral form)
    size: int = 0


class ResponseStore:
    def __init__(self, max_count: int = DEFAULT_COUNT, max_bytes: int = DEFAULT_BYTES) -> None:
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, StoredResponse] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.dropped = 0

    def put(self, response: dict[str, Any], input_items: list[dict[str, Any]], history: list[dict[str, Any]]) -> None:
        size = len(jsoncodec.dumps(response)) + len(jsoncodec.dumps(input_items)) + len(jsoncodec.dumps(history))
        stored = StoredResponse(response, input_items, history, size)
        with self._lock:
            old = self._items.pop(response["id"], None)
            if old is not None:
                self._bytes -= old.size
            if size > self.max_bytes or self.max_count <= 0:
                return  # larger than the whole store: not kept (a follow-up gets the 404-style error)
            self._items[response["id"]] = stored
            self._bytes += size
            while len(self._items) > self.max_count or self._bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= evicted.size
                self.dropped += 1

    def get(self, response_id: str) -> StoredResponse | None:
        with self._lock:
            return self._items.get(response_id)

    def find_item(self, item_id: str) -> dict[str, Any] | None:
        """A stored item (an output item of a stored response, or one of its input items) by id,
        newest response first: what an ``item_reference`` input item names."""
        with self._lock:
            stored = list(self._items.values())
        for entry in reversed(stored):
            for item in [*(entry.response.get("output") or []), *entry.input_items]:
                if item.get("id") == item_id and item.get("type") != "item_reference":  # a reference is not the item
                    return item
        return None

    def delete(self, response_id: str) -> bool:
        with self._lock:
            old = self._items.pop(response_id, None)
            if old is not None:
                self._bytes -= old.size
            return old is not None

    def clear(self) -> int:
        with self._lock:
            count = len(self._items)
            self._items.clear()
            self._bytes = 0
            return count

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
