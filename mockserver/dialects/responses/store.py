"""Stored responses (``store: true``, the default): what ``GET /v1/responses/{id}``,
``input_items`` and ``previous_response_id`` read.

Bounded by count and by bytes (the JSON size of what is kept); the oldest is dropped first.
One store lives on each server's Responses dialect; it is thread-safe (the server writes, a
test thread may read), as its :class:`~mockserver.wire.bounded.ByteLRU` is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.wire import jsoncodec
from mockserver.wire.bounded import ByteLRU

DEFAULT_COUNT = 1000
DEFAULT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class StoredResponse:
    response: dict[str, Any]  # the Response object as it was answered
    input_items: list[dict[str, Any]]  # this request's input items, with ids
    history: list[dict[str, Any]]  # the conversation it continues, with its own output (neutral form)
    size: int = 0


class ResponseStore:
    """Stored responses by id, in a :class:`~mockserver.wire.bounded.ByteLRU`. Reads do not count
    as use: the oldest stored response is the first dropped."""

    def __init__(self, max_count: int = DEFAULT_COUNT, max_bytes: int = DEFAULT_BYTES) -> None:
        self._stored = ByteLRU(max_count, max_bytes)

    def put(self, response: dict[str, Any], input_items: list[dict[str, Any]], history: list[dict[str, Any]]) -> None:
        size = len(jsoncodec.dumps(response)) + len(jsoncodec.dumps(input_items)) + len(jsoncodec.dumps(history))
        stored = StoredResponse(response, input_items, history, size)
        if not self._stored.put(response["id"], stored, size):
            # larger than the whole store: not kept, nor an older answer under the same id
            # (a follow-up gets the not-found error)
            self._stored.pop(response["id"])

    def get(self, response_id: str) -> StoredResponse | None:
        return self._stored.peek(response_id)

    def find_item(self, item_id: str) -> dict[str, Any] | None:
        """A stored item (an output item of a stored response, or one of its input items) by id,
        newest response first: what an ``item_reference`` input item names."""
        for _, entry in reversed(self._stored.items()):
            for item in [*(entry.response.get("output") or []), *entry.input_items]:
                if item.get("id") == item_id and item.get("type") != "item_reference":  # a reference is not the item
                    return item
        return None

    def delete(self, response_id: str) -> bool:
        return self._stored.pop(response_id) is not None

    def clear(self) -> int:
        return self._stored.clear()

    @property
    def dropped(self) -> int:
        """Responses pushed out by newer ones (since the last clear)."""
        return self._stored.evicted

    @property
    def bytes(self) -> int:
        return self._stored.bytes

    def __len__(self) -> int:
        return len(self._stored)
