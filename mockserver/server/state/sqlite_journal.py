"""The SQLite backend's journal: numbered at once, written in batches, read completely.

A journal write per request in its own SQLite transaction would cost more than answering the
request. So each worker numbers an entry from a counter all workers share (an 8-byte word in a
memory-mapped file, incremented under ``flock``: the number says the order requests were
answered in, across workers), queues it, and answers; the worker writes the queue
in one transaction (with the evictions the bounds ask for) a millisecond later, on its event
loop (no thread: a writer thread would fight the loop for the GIL). Each worker
publishes how many entries it has queued and written (its own mapped file); a reader — on any
worker — first waits until every worker has written what it had queued when the read began, so
it sees every request answered before it asked, in order. The wait is bounded (a worker that
died with entries queued costs a reader at most ``BARRIER_TIMEOUT``).
"""

from __future__ import annotations

import asyncio
import fcntl
import glob
import logging
import mmap
import os
import struct
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

from mockserver.server.state.tables import Row, Stats

log = logging.getLogger("mockserver.state")
BARRIER_TIMEOUT = 2.0
BATCH = 256  # entries per transaction at most
GATHER = 0.001  # seconds the event loop gathers entries before it writes them (what a reader may wait)
_WORD = struct.Struct("<q")
VERSION, SEQ = 0, 8  # offsets in the shared counters file: the scenario board's version, the last entry id


def _mapped(path: str, size: int) -> tuple[int, mmap.mmap]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    if os.fstat(fd).st_size < size:
        os.ftruncate(fd, size)
    return fd, mmap.mmap(fd, size)


class Counters:
    """Words shared by every worker of the machine, in one mapped file (flock for read-modify-write)."""

    def __init__(self, path: str) -> None:
        self._fd, self._map = _mapped(path, 4096)
        self._lock = threading.Lock()

    def get(self, offset: int) -> int:
        return _WORD.unpack_from(self._map, offset)[0]

    def set(self, offset: int, value: int) -> None:
        _WORD.pack_into(self._map, offset, value)

    @contextmanager
    def locked(self) -> Iterator["Counters"]:
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield self
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)


class SqliteJournalTable:
    """The journal's bounded table (see :mod:`.tables`) over a :class:`~.sqlite.SqliteBackend`."""

    name = "journal"

    def __init__(self, backend: Any, counters: Counters, rows: Any) -> None:
        self._backend = backend
        self._counters = counters
        self._rows = rows  # the plain table: what readers read once the barrier is passed
        self._queue: list[tuple[int, bytes, int, int, int]] = []
        self._lock = threading.Lock()  # the queue and the progress words
        self._flushing = threading.Lock()  # one writer at a time, so batches are written in order
        self._scheduled = False  # a flush is due on the event loop
        self._progress_path = f"{backend.path}.worker{os.getpid()}-{id(self):x}"
        self._pfd, self._progress = _mapped(self._progress_path, 16)  # (queued, written) by this worker
        self._queued = self._written = 0
        _WORD.pack_into(self._progress, 0, 0)
        _WORD.pack_into(self._progress, 8, 0)

    # --- writing ---------------------------------------------------------------------------

    def put(self, key: str | None, data: bytes, size: int, max_count: int, max_bytes: int) -> int:
        with self._counters.locked() as counters:
            seq = counters.get(SEQ) + 1
            counters.set(SEQ, seq)
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._lock:
            self._queue.append((seq, data, size, max_count, max_bytes))
            self._queued += 1
            _WORD.pack_into(self._progress, 0, self._queued)
            schedule = loop is not None and not self._scheduled
            self._scheduled = self._scheduled or schedule
        if loop is None:
            self.flush()
        elif schedule:
            loop.call_later(GATHER, self._flush_soon)
        return seq

    def _flush_soon(self) -> None:
        """On the event loop: write unless another process is writing (then try again shortly:
        a writer descheduled on a busy machine must not stall this worker's requests)."""
        try:
            self.flush(wait=False)
        except BlockingIOError:
            with self._lock:
                self._scheduled = True
            asyncio.get_running_loop().call_later(GATHER, self._flush_soon)

    def flush(self, wait: bool = True) -> None:
        """Write what this worker queued, in one transaction per BATCH entries."""
        with self._flushing:
            while True:
                with self._lock:
                    self._scheduled = False
                    batch, self._queue = self._queue[:BATCH], self._queue[BATCH:]
                if not batch:
                    return
                try:
                    self._write(batch, wait)
                except BlockingIOError:
                    with self._lock:
                        self._queue[:0] = batch  # not written: first in the queue again
                    raise
                except Exception:  # never stall the readers' barrier: the batch is lost, and logged
                    log.exception("journal entries #%d-#%d not written", batch[0][0], batch[-1][0])
                with self._lock:
                    self._written += len(batch)
                    _WORD.pack_into(self._progress, 8, self._written)

    def _write(self, batch: list[tuple[int, bytes, int, int, int]], wait: bool = True) -> None:
        max_count, max_bytes = batch[-1][3], batch[-1][4]
        with self._backend.write(wait) as db:
            db.executemany("INSERT OR REPLACE INTO t_journal (seq, key, data, size) VALUES (?, NULL, ?, ?)",
                           [(seq, data, size) for seq, data, size, _, _ in batch])
            count, total = db.execute("UPDATE bounds SET count = count + ?, bytes = bytes + ? WHERE name = 'journal' "
                                      "RETURNING count, bytes", (len(batch), sum(b[2] for b in batch))).fetchone()
            evicted = max(0, count - max_count)
            if evicted:  # the oldest over the count bound, in one statement
                dropped = db.execute("DELETE FROM t_journal WHERE seq IN (SELECT seq FROM t_journal ORDER BY seq LIMIT ?) "
                                     "RETURNING size", (evicted,)).fetchall()
                count, total = count - len(dropped), total - sum(d[0] for d in dropped)
            while total > max_bytes and count > 1:
                dropped = db.execute("DELETE FROM t_journal WHERE seq = (SELECT min(seq) FROM t_journal) RETURNING size").fetchone()
                count, total, evicted = count - 1, total - dropped[0], evicted + 1
            if evicted:
                db.execute("UPDATE bounds SET count = ?, bytes = ?, evicted = evicted + ? WHERE name = 'journal'",
                           (count, total, evicted))

    # --- reading ---------------------------------------------------------------------------

    def barrier(self) -> None:
        """Wait until every worker has written what it had queued (bounded by BARRIER_TIMEOUT)."""
        self.flush()  # this worker's own queue: its flush may be due on the loop this reader holds
        waiting: list[tuple[str, int]] = []
        for path in glob.glob(glob.escape(self._backend.path) + ".worker*"):
            try:
                with open(path, "rb") as file:
                    queued, written = struct.unpack("<qq", file.read(16).ljust(16, b"\0"))
            except OSError:
                continue
            if written < queued:
                waiting.append((path, queued))
        deadline = time.monotonic() + BARRIER_TIMEOUT
        for path, queued in waiting:
            while time.monotonic() < deadline:
                try:
                    with open(path, "rb") as file:
                        written = _WORD.unpack_from(file.read(16).ljust(16, b"\0"), 8)[0]
                except OSError:
                    break  # the worker stopped (and wrote its queue first)
                if written >= queued:
                    break
                time.sleep(0.0005)

    def rows(self, after: int = 0, newest_first: bool = False, limit: int = -1) -> list[Row]:
        self.barrier()
        return self._rows.rows(after, newest_first, limit)

    def row(self, seq: int) -> Row | None:
        self.barrier()
        return self._rows.row(seq)

    def stats(self) -> Stats:
        self.barrier()
        stats = self._rows.stats()
        return stats._replace(seq=self._counters.get(SEQ))

    def clear(self, restart: bool = False) -> int:
        with self._counters.locked() as counters:  # no entry is numbered meanwhile
            self.barrier()
            with self._backend.write() as db:
                count = db.execute("SELECT count FROM bounds WHERE name = 'journal'").fetchone()[0]
                db.execute("DELETE FROM t_journal")
                db.execute("UPDATE bounds SET count = 0, bytes = 0, evicted = 0, epoch = epoch + 1 WHERE name = 'journal'")
            if restart:
                counters.set(SEQ, 0)
        return count

    def close(self) -> None:
        self.flush()
        self._progress.close()
        os.close(self._pfd)
        try:
            os.unlink(self._progress_path)
        except OSError:
            pass
