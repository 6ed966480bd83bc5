"""The one primitive a shared backend provides: a *bounded table*, and a scenario *board*.

A bounded table holds rows ``(seq, key, data)``: ``seq`` a number the table hands out in order
(the journal's entry ids), ``key`` an optional unique name (a response id, a fault counter),
``data`` bytes. Every put is atomic across processes and keeps the table within its bounds —
count *and* bytes, oldest ``seq`` dropped first (at least the newest row stays) — the way
:class:`~mockserver.wire.bounded.ByteLRU` and the journal bound themselves in memory. Putting a
key again moves it to the newest ``seq`` (least-recently-used order, what fault counters use).

Operations (implemented by :mod:`.sqlite` and :mod:`.redis`)::

    put(key | None, data, size, max_count, max_bytes) -> seq
    add(key, delta, size, max_count, max_bytes) -> new value  # an integer row; 0 deletes it
    get(key) -> bytes | None;  delete(key) -> bool
    rows(after=0, newest_first=False, limit=-1) -> [(seq, key, data)];  row(seq)
    clear(restart=False) -> rows removed (restart: seq begins at 1 again; epoch + 1)
    stats() -> Stats(count, bytes, evicted, seq, epoch)

The board is one versioned document (the runtime-pushed scenarios): ``version()``,
``board() -> (version, doc)`` and ``swap_board(expected, doc) -> new version | None``
(compare-and-set), so a push is one atomic swap and every worker can tell, with one read per
request, that it must catch up.
"""

from __future__ import annotations

from typing import NamedTuple

TABLES = ("journal", "responses", "faults")

Row = tuple[int, "str | None", bytes]


class Stats(NamedTuple):
    count: int
    bytes: int
    evicted: int  # rows pushed out by newer ones since the last clear
    seq: int  # the last seq handed out
    epoch: int  # clears so far
