"""The journal, the stored responses and the fault counters over a shared bounded table.

Each class offers the public methods of its in-memory counterpart (:class:`Journal`,
:class:`ResponseStore`, :class:`FaultCounter`), so the routes, the dialects and the service use
them unchanged; the bounds are the same numbers, kept by the table (see :mod:`.tables`).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Iterator

from mockserver.dialects.responses.store import ResponseStore, StoredResponse, _Record
from mockserver.server.entry import Entry
from mockserver.server.faults import COUNTER_OVERHEAD, FAULT_BYTES, FAULT_COUNTERS, Fault
from mockserver.server.journal import Journal
from mockserver.wire import jsoncodec

_FIELDS = [f.name for f in dataclasses.fields(Entry) if f.name not in ("id", "parsed")]


def encode_entry(entry: Entry) -> bytes:
    return jsoncodec.dumps([getattr(entry, name) for name in _FIELDS])


def decode_entry(seq: int, data: bytes) -> Entry:
    values = dict(zip(_FIELDS, jsoncodec.loads(data)))
    values["warnings"] = tuple(values["warnings"])
    return Entry(id=seq, **values)


class SharedJournal(Journal):
    """Entries numbered by the table's sequence, so ids are in arrival order across workers.

    A request is first recorded in a private one-entry :class:`Journal` (which builds the
    :class:`Entry` the readers see and estimates its bytes, whatever its internal form), then
    the entry is written to the table; readers decode entries from the table."""

    def __init__(self, table: Any, size: int, max_bytes: int, sink: Any = None) -> None:
        super().__init__(size, max_bytes, None)
        self._table = table
        self._scratch = Journal(1, 1 << 62)
        self._scratch_lock = threading.Lock()
        self._out = sink

    def add(self, rec: Any, status: int, body: dict[str, Any] | None, outcome: Any, raw_size: int | None = None) -> None:
        if not self.size and self._out is None:
            self._scratch.add(rec, status, body, outcome, raw_size)  # its log line, nothing kept
            return
        scratch = self._scratch
        with self._scratch_lock:
            scratch.add(rec, status, body, outcome, raw_size)
            entry, cost = scratch.last, scratch.bytes
        if entry is None:
            return
        seq = self._table.put(None, encode_entry(entry), cost, self.size, self.max_bytes) if self.size else 0
        if self._out is not None:
            self._out.write(dataclasses.replace(entry, id=seq).as_dict())

    @property
    def dropped(self) -> int:
        return self._table.stats().evicted

    @property
    def next_id(self) -> int:
        return self._table.stats().seq + 1

    @property
    def epoch(self) -> int:
        return self._table.stats().epoch

    @property
    def calls(self) -> list[Entry]:
        return [decode_entry(seq, data) for seq, _, data in self._table.rows()]

    @property
    def call_count(self) -> int:
        return self._table.stats().count

    def since(self, after: int) -> list[Entry]:
        return [decode_entry(seq, data) for seq, _, data in self._table.rows(after)]

    def get(self, entry_id: int) -> Entry | None:
        row = self._table.row(entry_id)
        return decode_entry(row[0], row[2]) if row is not None else None

    @property
    def last(self) -> Entry | None:
        rows = self._table.rows(newest_first=True, limit=1)
        return decode_entry(rows[0][0], rows[0][2]) if rows else None

    def rule_hits(self) -> dict[tuple[str, str], int]:
        hits: dict[tuple[str, str], int] = {}
        for entry in self.calls:
            if entry.rule is not None and entry.scenario is not None:
                key = (entry.scenario, entry.rule)
                hits[key] = hits.get(key, 0) + 1
        return hits

    def clear(self, restart_ids: bool = False) -> int:
        return self._table.clear(restart_ids)


class SharedResponseStore(ResponseStore):
    """Stored responses as JSON in the table, keyed by response id; reads do not count as use."""

    def __init__(self, table: Any, max_count: int, max_bytes: int) -> None:
        super().__init__(0, 0)
        self._table = table
        self.max_count, self.max_bytes = max_count, max_bytes

    def put(self, response: dict[str, Any], input_items: list[dict[str, Any]], history: list[dict[str, Any]]) -> None:
        data = jsoncodec.dumps([response, input_items, history])
        size = len(data)
        if size > self.max_bytes or not self.max_count:
            self._table.delete(response["id"])  # as in memory: not kept, nor an older answer
            return
        self._table.put(response["id"], data, size, self.max_count, self.max_bytes)

    def get(self, response_id: str) -> StoredResponse | None:
        data = self._table.get(response_id)
        return _stored(data) if data is not None else None

    def find_item(self, item_id: str) -> dict[str, Any] | None:
        needle = jsoncodec.dumps(item_id)
        for _, _, data in self._table.rows(newest_first=True):
            if needle in data:  # most stored responses do not hold it: decode only those that may
                entry = _stored(data)
                for item in [*(entry.response.get("output") or []), *entry.input_items]:
                    if item.get("id") == item_id and item.get("type") != "item_reference":
                        return item
        return None

    def delete(self, response_id: str) -> bool:
        return self._table.delete(response_id)

    def clear(self) -> int:
        return self._table.clear()

    @property
    def dropped(self) -> int:
        return self._table.stats().evicted

    @property
    def bytes(self) -> int:
        return self._table.stats().bytes

    def __len__(self) -> int:
        return self._table.stats().count


def _stored(data: bytes) -> StoredResponse:
    """A stored row as the memory store's readers see it (each part kept encoded, decoded when read)."""
    response, input_items, history = jsoncodec.loads(data)
    record = _Record(jsoncodec.dumps(response), tuple(jsoncodec.dumps(item) for item in input_items),
                     jsoncodec.dumps(history), (), len(data))
    return StoredResponse(record)


class SharedFaultCounter:
    """``times`` counts per (fault key, session), incremented atomically in the table; bounded
    like :class:`FaultCounter` (least recently counted dropped first)."""

    def __init__(self, table: Any, max_items: int = FAULT_COUNTERS, max_bytes: int = FAULT_BYTES) -> None:
        self._table = table
        self.max_items, self.max_bytes = max_items, max_bytes

    def _key(self, key: tuple[str, ...], session: str) -> tuple[str, int]:
        full = key + (session,)
        return jsoncodec.dumps(list(full)).decode(), COUNTER_OVERHEAD + sum(len(part) for part in full)

    def fires(self, fault: Fault, key: tuple[str, ...], session: str) -> bool:
        if fault.times is None:
            return True
        name, size = self._key(key, session)
        return self._table.add(name, 1, size, self.max_items, self.max_bytes) <= fault.times

    def unfire(self, fault: Fault, key: tuple[str, ...], session: str) -> None:
        if fault.times is None:
            return
        name, size = self._key(key, session)
        self._table.add(name, -1, size, self.max_items, self.max_bytes)

    def reset(self, session: str | None = None) -> int:
        if session is None:
            return self._table.clear()
        return sum(self._table.delete(name) for _, name, _ in self._table.rows() if jsoncodec.loads(name)[-1] == session)

    @property
    def bytes(self) -> int:
        return self._table.stats().bytes

    def __len__(self) -> int:
        return self._table.stats().count

    def snapshot(self) -> list[dict[str, Any]]:
        out = []
        for _, name, data in self._table.rows():
            full = jsoncodec.loads(name)
            out.append({"fault": full[:-1], "session": full[-1], "count": int(data)})
        return out

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.snapshot())
