"""A least-recently-used map bounded by item count *and* by bytes — for every store and cache
that holds data a client sent (remembered answers, token counts, tools, fault counters, stored
responses …), so no traffic pattern can grow the server without limit.

API::

    store = ByteLRU(max_items=1024, max_bytes=8 * 1024 * 1024)
    store.put(key, value, size)   # size: the caller's estimate of the bytes ``value`` (and key) hold;
                                  # returns False (and stores nothing) when size > max_bytes
    store.get(key)                # the value or None (``get(key, default)``); marks it recently used
    store.peek(key)               # the same, without marking it used (eviction stays oldest-put first)
    key in store; len(store)      # membership does not count as use
    store.pop(key)                # remove one (returns the value or None)
    store.discard_where(pred)     # remove every entry whose key satisfies pred; returns how many
    store.clear()                 # returns how many entries there were
    store.bytes, store.evicted    # bytes held now; entries pushed out since creation/clear
    store.items()                 # a snapshot list of (key, value), least recent first
    ByteLRU(..., on_drop=fn)      # fn(key, value) for every entry evicted, popped, replaced or cleared

    @bounded_cache(max_items=256, max_bytes=32 << 20, size=lambda key: 8 * len(key))
    def compiled(key: str) -> Thing: ...   # functools.lru_cache, bounded in bytes too
    compiled.cache                          # its ByteLRU

Putting an existing key replaces its value and size. When a put takes the store over either
bound, the least recently used entries are dropped until it is within both again. Sizes are
estimates given by the caller (``sys.getsizeof`` of a string, the length of an encoded body…):
the store trusts them and documents no more than that.

Thread-safe (writers take a lock, ``get`` needs none; every operation is O(1) apart from
``discard_where``/``items``/``clear``): the server's event loop and worker threads share the caches.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_MISSING = object()


class ByteLRU:
    __slots__ = ("max_items", "max_bytes", "bytes", "evicted", "_items", "_lock", "_on_drop")

    def __init__(self, max_items: int, max_bytes: int, on_drop: Callable[[Hashable, Any], None] | None = None) -> None:
        if max_items < 0 or max_bytes < 0:
            raise ValueError(f"ByteLRU bounds must be 0 or more, got max_items={max_items}, max_bytes={max_bytes}")
        self.max_items = max_items
        self.max_bytes = max_bytes
        self.bytes = 0
        self.evicted = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._on_drop = on_drop  # told (under the lock) of every entry that leaves: an index kept beside

    def get(self, key: Hashable, default: Any = None) -> Any:
        # No lock: each OrderedDict operation is atomic under the GIL, and a key popped by a
        # writer between the two below only misses its move to the end.
        found = self._items.get(key)
        if found is None:
            return default
        try:
            self._items.move_to_end(key)
        except KeyError:
            pass
        return found[0]

    def peek(self, key: Hashable, default: Any = None) -> Any:
        found = self._items.get(key)
        return default if found is None else found[0]

    def put(self, key: Hashable, value: Any, size: int) -> bool:
        """Store ``value`` under ``key``; False (nothing stored) when ``size`` alone exceeds the bound."""
        if size > self.max_bytes or not self.max_items:
            return False
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
                if self._on_drop is not None:
                    self._on_drop(key, old[0])
            self._items[key] = (value, size)
            self.bytes += size
            while len(self._items) > self.max_items or self.bytes > self.max_bytes:
                gone, (value, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped
                self.evicted += 1
                if self._on_drop is not None:
                    self._on_drop(gone, value)
        return True

    def pop(self, key: Hashable) -> Any:
        with self._lock:
            found = self._items.pop(key, None)
            if found is None:
                return None
            self.bytes -= found[1]
            if self._on_drop is not None:
                self._on_drop(key, found[0])
            return found[0]

    def discard_where(self, predicate: Callable[[Hashable], bool]) -> int:
        with self._lock:
            keys = [k for k in self._items if predicate(k)]
            for key in keys:
                value, size = self._items.pop(key)
                self.bytes -= size
                if self._on_drop is not None:
                    self._on_drop(key, value)
            return len(keys)

    def clear(self) -> int:
        with self._lock:
            count = len(self._items)
            if self._on_drop is not None:
                for key, (value, _) in self._items.items():
                    self._on_drop(key, value)
            self._items.clear()
            self.bytes = 0
            self.evicted = 0
            return count

    def items(self) -> list[tuple[Hashable, Any]]:
        with self._lock:
            return [(k, v) for k, (v, _) in self._items.items()]

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"ByteLRU({len(self._items)}/{self.max_items} items, {self.bytes}/{self.max_bytes} bytes)"


def bounded_cache(max_items: int, max_bytes: int, size: Callable[..., int]) -> Callable[[F], F]:
    """Memoise a function of hashable positional arguments in a :class:`ByteLRU`; ``size(*args)``
    estimates the bytes an entry holds (arguments and result)."""

    def wrap(fn: F) -> F:
        store = ByteLRU(max_items, max_bytes)

        @functools.wraps(fn)
        def cached(*args: Any) -> Any:
            found = store.get(args, _MISSING)
            if found is _MISSING:
                found = fn(*args)
                store.put(args, found, size(*args))
            return found

        cached.cache = store  # type: ignore[attr-defined]
        return cached  # type: ignore[return-value]

    return wrap
