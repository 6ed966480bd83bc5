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

Each is a no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

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


def freeze_startup() -> None:
    """Move everything alive now (modules, scenarios, compiled schemas) out of the collector's sight."""
    gc.collect()
    gc.freeze()
