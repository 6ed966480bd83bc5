"""The server process's memory: how the allocator is set up, and giving freed memory back.

What three rounds of requests carrying 3.6 MB strings leave behind, measured with tracemalloc:
the data the server keeps is within its stated bounds (the journal's parsed bodies, the stored
responses, a few caches); the rest of the RSS was freed memory that glibc's allocator kept. Its
*dynamic mmap threshold* rises to the size of the largest block freed (up to 32 MiB), so after
one 3.6 MB string is freed the next ones come from the heap instead of their own mappings, and
a freed heap block is returned to the system only when it happens to lie at the heap's top.
Worker threads (scenario evaluation, large requests) allocate from arenas of their own, which
are never trimmed on their own. Hence:

- :func:`tune_allocator`, once at start-up of ``mockserver serve``: a fixed mmap threshold (so
  a large block is always its own mapping, unmapped when freed) and at most two arenas.
- :func:`release`, after ``/_mock/reset``: a full collection, then ``malloc_trim(0)`` — every
  arena's free pages go back to the system.
- :func:`freeze_startup`: ``gc.freeze()`` once the app is built, so the collector stops walking
  the scenarios, compiled schemas and modules of start-up (tens of thousands of objects) on
  every full collection under load.
- :func:`tune_collector`: full collections ten times rarer. With 1,000 timed streams under way
  each one walked the streams, their connections and the journal for 30-40 ms, during which
  every stream's next piece waited: three of them a run set the inter-token p99 (72-82 ms; 37-42
  ms without them, configured 20 ms). Nearly everything a request makes is freed by reference
  counting or in the young generations; what reaches the old one (the journal's entries, stored
  responses) is bounded, so a rarer full collection holds little more garbage.

Each is a no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import threading

log = logging.getLogger("mockserver.memory")

M_ARENA_MAX = -8  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 256 * 1024  # blocks this large or larger get a mapping of their own
ARENAS = 2


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # glibc only
        libc.mallopt
    except (OSError, AttributeError):
        return None
    return libc


def tune_allocator() -> bool:
    """Fix glibc's mmap threshold and arena count for this process; False where not glibc."""
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(libc.mallopt(M_ARENA_MAX, ARENAS))


def release() -> None:
    """Collect garbage and give the allocator's free memory back to the system."""
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


#: gc.set_threshold: the young generations as Python sets them; a full collection after 100
#: collections of the middle one instead of 10 (and, as always, only when the objects that
#: reached the old generation since the last one are at least a quarter of those there)
THRESHOLDS = (700, 10, 100)


def tune_collector() -> None:
    """Full collections ten times rarer (see the module's text), for the server's process only:
    ``mockserver serve`` calls it, the pytest fixture's thread in a test process does not."""
    gc.set_threshold(*THRESHOLDS)


def freeze_startup(collect: bool = True) -> None:
    """Move everything alive now (modules, scenarios, compiled schemas) out of the collector's sight.

    ``collect=False`` (``serve``, which starts with the collector off): freeze without the full
    collection first, ~17 ms of a ~0.3 s start. The garbage start-up leaves is small — 1,700
    objects with the bundled scenarios, about 5 per rule of a big set (classes built by attrs,
    dataclasses' generated methods) — and is kept instead of freed."""
    if collect:
        gc.collect()
    gc.freeze()


class _CollectorPause:
    """Automatic garbage collection off while at least one large request is being handled.

    Decoding and checking a 100,000-message conversation creates some 300,000 objects; each time
    the survivors grow by a quarter the collector walks all of them again, holding the GIL for
    up to ~250 ms on a loaded machine — the event loop (and /healthz) waited that long although
    the request ran in a worker thread. Nearly all of a request's objects are freed by reference
    counting when it ends, so collection can wait until then: the collector is the process's
    own state, hence one pause for the process, counted across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0 and self._was_enabled:
                gc.enable()


collector_paused = _CollectorPause()
