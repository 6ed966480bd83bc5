"""Stored responses (``store: true``, the default): what ``GET /v1/responses/{id}``,
``input_items``, ``previous_response_id`` and ``item_reference`` read.

Kept as JSON bytes, not as Python object graphs: a parsed item holds several times its JSON size
in dicts and strings (about 8x for small items, measured), so the byte bound would not bound the
memory; bytes are what they weigh, and the store's ``bytes`` counts them as Python holds them
(``sys.getsizeof``), with the id index beside them. Bounded by count and by those bytes; the
oldest is dropped first. Items are found by id through an index (an ``item_reference`` costs a
dict probe, whatever the store holds), kept exact as responses come and go.

One store lives on each server's Responses dialect; it is thread-safe (the server writes, a test
thread may read).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from mockserver.wire import jsoncodec
from mockserver.wire.bounded import ByteLRU

DEFAULT_COUNT = 1000
DEFAULT_BYTES = 64 * 1024 * 1024
RECORD_OVERHEAD = 400  # the record, its tuple of items, the LRU's key and slot
INDEX_ENTRY = 200  # one id in the index: its dict slot, the list and tuple naming where it is


class StoredResponse:
    """A stored response as readers see it: each part decoded when read (a fresh copy each time)."""

    __slots__ = ("_record",)

    def __init__(self, record: "_Record") -> None:
        self._record = record

    @property
    def response(self) -> dict[str, Any]:  # the Response object as it was answered
        return jsoncodec.loads(self._record.response)

    @property
    def input_items(self) -> list[dict[str, Any]]:  # this request's input items, with ids
        return [jsoncodec.loads(item) for item in self._record.items]

    @property
    def history(self) -> list[dict[str, Any]]:  # the conversation it continues, with its own output (neutral form)
        return jsoncodec.loads(self._record.history)

    @property
    def size(self) -> int:  # bytes, as Python holds them
        return self._record.size


class _Record:
    __slots__ = ("response", "items", "history", "ids", "size")

    def __init__(self, response: bytes, items: tuple[bytes, ...], history: bytes, ids: tuple[str, ...], size: int) -> None:
        self.response = response
        self.items = items
        self.history = history
        self.ids = ids  # the item ids indexed for this response
        self.size = size


class ResponseStore:
    """Stored responses by id, in a :class:`~mockserver.wire.bounded.ByteLRU`. Reads do not count
    as use: the oldest stored response is the first dropped."""

    def __init__(self, max_count: int = DEFAULT_COUNT, max_bytes: int = DEFAULT_BYTES) -> None:
        self._stored = ByteLRU(max_count, max_bytes, on_drop=self._unindex)
        # item id -> where it is: (response id, position), oldest response first; a position k >= 0
        # is input item k, -(k + 1) is output item k
        self._index: dict[str, list[tuple[str, int]]] = {}
        self._lock = threading.RLock()  # the index and the LRU change together

    def put(self, response: dict[str, Any], input_items: list[dict[str, Any]], history: list[dict[str, Any]]) -> None:
        encoded = jsoncodec.dumps(response)
        items = tuple(jsoncodec.dumps(item) for item in input_items)
        log = jsoncodec.dumps(history)
        where: dict[str, int] = {}  # the first place each id is found: output before input, as OpenAI does
        for k, item in enumerate(response.get("output") or []):
            _note(where, item, -(k + 1))
        for k, item in enumerate(input_items):
            _note(where, item, k)
        size = (RECORD_OVERHEAD + sys.getsizeof(encoded) + sys.getsizeof(log) + 8 * len(items)
                + sum(sys.getsizeof(item) for item in items) + sum(INDEX_ENTRY + sys.getsizeof(i) for i in where))
        record = _Record(encoded, items, log, tuple(where), size)
        response_id = response["id"]
        with self._lock:
            if not self._stored.put(response_id, record, size):
                # larger than the whole store: not kept, nor an older answer under the same id
                # (a follow-up gets the not-found error)
                self._stored.pop(response_id)
                return
            for item_id, position in where.items():
                self._index.setdefault(item_id, []).append((response_id, position))

    def _unindex(self, response_id: Any, record: _Record) -> None:
        """The LRU dropped ``record`` (the lock is held): its ids no longer lead to it."""
        for item_id in record.ids:
            places = self._index.get(item_id)
            if places is None:
                continue
            kept = [p for p in places if p[0] != response_id]
            if kept:
                self._index[item_id] = kept
            else:
                del self._index[item_id]

    def get(self, response_id: str) -> StoredResponse | None:
        record = self._stored.peek(response_id)
        return StoredResponse(record) if record is not None else None

    def find_item(self, item_id: str) -> dict[str, Any] | None:
        """A stored item (an output item of a stored response, or one of its input items) by id,
        newest response first: what an ``item_reference`` input item names."""
        with self._lock:
            places = self._index.get(item_id)
            if not places:
                return None
            response_id, position = places[-1]
            record = self._stored.peek(response_id)
        if record is None:  # pragma: no cover - the index follows every drop
            return None
        if position >= 0:
            return jsoncodec.loads(record.items[position])
        return jsoncodec.loads(record.response)["output"][-position - 1]

    def delete(self, response_id: str) -> bool:
        with self._lock:
            return self._stored.pop(response_id) is not None

    def clear(self) -> int:
        with self._lock:
            count = self._stored.clear()
            self._index.clear()
            return count

    @property
    def dropped(self) -> int:
        """Responses pushed out by newer ones (since the last clear)."""
        return self._stored.evicted

    @property
    def bytes(self) -> int:
        return self._stored.bytes

    def __len__(self) -> int:
        return len(self._stored)


def _note(where: dict[str, int], item: Any, position: int) -> None:
    item_id = item.get("id") if isinstance(item, dict) else None
    if isinstance(item_id, str) and item.get("type") != "item_reference" and item_id not in where:  # a reference is not the item
        where[item_id] = position
