"""The embedded backend: one SQLite database in WAL mode that every worker on this machine opens.

Chosen automatically by ``serve --workers N`` (N > 1): the parent creates it under a temporary
folder before the workers start and removes it when they have stopped. Each worker holds one
connection (``synchronous=OFF``: the state is a test server's, not worth an fsync per request;
it survives a worker's crash, not the machine's). Every write is one ``BEGIN IMMEDIATE``
transaction, so an increment, a put with its evictions, or a scenario swap is atomic across
processes; readers never block writers (WAL). Writers first take an ``flock`` on a file beside
the database: a worker waiting for another's write is woken by the kernel the moment it ends,
where SQLite's own busy handler would sleep a millisecond or more.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from mockserver.server.state.sqlite_journal import SEQ, VERSION, Counters, SqliteJournalTable
from mockserver.server.state.tables import TABLES, Row, Stats

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS bounds (name TEXT PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0, "
    "bytes INTEGER NOT NULL DEFAULT 0, evicted INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0, "
    "epoch INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS board (one INTEGER PRIMARY KEY CHECK (one = 1), version INTEGER NOT NULL, doc BLOB NOT NULL)",
    "INSERT OR IGNORE INTO board VALUES (1, 0, X'')",
]


class SqliteTable:
    """A bounded table (see :mod:`mockserver.server.state.tables`) in one SQLite table."""

    def __init__(self, backend: "SqliteBackend", name: str) -> None:
        self._backend = backend
        self.name = name
        self._t = f"t_{name}"

    def put(self, key: str | None, data: bytes, size: int, max_count: int, max_bytes: int) -> int:
        with self._backend.write() as db:
            return self._put(db, key, data, size, max_count, max_bytes)

    def _put(self, db: sqlite3.Connection, key: str | None, data: bytes, size: int, max_count: int, max_bytes: int) -> int:
        t = self._t
        old_size, had = 0, 0
        if key is not None:
            old = db.execute(f"DELETE FROM {t} WHERE key = ? RETURNING size", (key,)).fetchone()
            if old is not None:
                old_size, had = old[0], 1
        seq, count, total = db.execute(
            "UPDATE bounds SET seq = seq + 1, count = count + 1 - ?, bytes = bytes + ? - ? WHERE name = ? "
            "RETURNING seq, count, bytes", (had, size, old_size, self.name)).fetchone()
        db.execute(f"INSERT INTO {t} (seq, key, data, size) VALUES (?, ?, ?, ?)", (seq, key, data, size))
        evicted = 0
        while count > max_count or (total > max_bytes and count > 1):
            dropped = db.execute(f"DELETE FROM {t} WHERE seq = (SELECT min(seq) FROM {t}) RETURNING size").fetchone()
            count, total, evicted = count - 1, total - dropped[0], evicted + 1
        if evicted:
            db.execute("UPDATE bounds SET count = ?, bytes = ?, evicted = evicted + ? WHERE name = ?",
                       (count, total, evicted, self.name))
        return seq

    def add(self, key: str, delta: int, size: int, max_count: int, max_bytes: int) -> int:
        with self._backend.write() as db:
            row = db.execute(f"SELECT data FROM {self._t} WHERE key = ?", (key,)).fetchone()
            value = (int(row[0]) if row is not None else 0) + delta
            if value <= 0:
                self._delete(db, key)
                return 0
            self._put(db, key, str(value).encode(), size, max_count, max_bytes)
            return value

    def get(self, key: str) -> bytes | None:
        with self._backend.read() as db:
            row = db.execute(f"SELECT data FROM {self._t} WHERE key = ?", (key,)).fetchone()
        return row[0] if row is not None else None

    def delete(self, key: str) -> bool:
        with self._backend.write() as db:
            return self._delete(db, key)

    def _delete(self, db: sqlite3.Connection, key: str) -> bool:
        row = db.execute(f"DELETE FROM {self._t} WHERE key = ? RETURNING size", (key,)).fetchone()
        if row is not None:
            db.execute("UPDATE bounds SET count = count - 1, bytes = bytes - ? WHERE name = ?", (row[0], self.name))
        return row is not None

    def clear(self, restart: bool = False) -> int:
        with self._backend.write() as db:
            count = db.execute("SELECT count FROM bounds WHERE name = ?", (self.name,)).fetchone()[0]
            db.execute(f"DELETE FROM {self._t}")
            db.execute("UPDATE bounds SET count = 0, bytes = 0, evicted = 0, epoch = epoch + 1, "
                       "seq = CASE WHEN ? THEN 0 ELSE seq END WHERE name = ?", (restart, self.name))
            return count

    def rows(self, after: int = 0, newest_first: bool = False, limit: int = -1) -> list[Row]:
        order = "DESC" if newest_first else "ASC"
        with self._backend.read() as db:
            return db.execute(f"SELECT seq, key, data FROM {self._t} WHERE seq > ? ORDER BY seq {order} LIMIT ?",
                              (after, limit)).fetchall()

    def row(self, seq: int) -> Row | None:
        with self._backend.read() as db:
            return db.execute(f"SELECT seq, key, data FROM {self._t} WHERE seq = ?", (seq,)).fetchone()

    def stats(self) -> Stats:
        with self._backend.read() as db:
            count, total, evicted, seq, epoch = db.execute(
                "SELECT count, bytes, evicted, seq, epoch FROM bounds WHERE name = ?", (self.name,)).fetchone()
        return Stats(count, total, evicted, seq, epoch)


class SqliteBackend:
    kind = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._lock = threading.RLock()  # one connection per process, shared by its threads
        self._writer = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)  # the writers' turn (flock)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        with self.write() as db:
            for statement in _SCHEMA:
                db.execute(statement)
            for name in TABLES:
                db.execute(f"CREATE TABLE IF NOT EXISTS t_{name} (seq INTEGER PRIMARY KEY, key TEXT UNIQUE, "
                           "data BLOB NOT NULL, size INTEGER NOT NULL)")
                db.execute("INSERT OR IGNORE INTO bounds (name) VALUES (?)", (name,))
            version = db.execute("SELECT version FROM board").fetchone()[0]
            last = db.execute("SELECT coalesce(max(seq), 0) FROM t_journal").fetchone()[0]
        self.counters = Counters(path + ".counters")  # the board's version and the journal's last id
        with self.counters.locked() as counters:
            counters.set(VERSION, version)
            counters.set(SEQ, max(counters.get(SEQ), last))
        self._journal: SqliteJournalTable | None = None

    @contextmanager
    def write(self, wait: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction, after the other processes' (``wait=False``: BlockingIOError
        at once when another process is writing)."""
        with self._lock:
            fcntl.flock(self._writer, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                fcntl.flock(self._writer, fcntl.LOCK_UN)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db

    def table(self, name: str) -> Any:
        if name != "journal":
            return SqliteTable(self, name)
        if self._journal is None:  # numbered at once, written in batches (see sqlite_journal)
            self._journal = SqliteJournalTable(self, self.counters, SqliteTable(self, name))
        return self._journal

    def version(self) -> int:
        """The scenario board's version: checked before every request (a word in shared memory)."""
        return self.counters.get(VERSION)

    def board(self) -> tuple[int, bytes]:
        with self._lock:
            version, doc = self._db.execute("SELECT version, doc FROM board").fetchone()
        return version, bytes(doc)

    def swap_board(self, expected: int, doc: bytes) -> int | None:
        """Write ``doc`` if the board is still at version ``expected``; the new version, or None."""
        with self.write() as db:
            row = db.execute("UPDATE board SET version = version + 1, doc = ? WHERE version = ? RETURNING version",
                             (doc, expected)).fetchone()
            if row is not None:
                self.counters.set(VERSION, row[0])  # under the write lock: versions only grow
        return row[0] if row is not None else None

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()  # its queue written first
        with self._lock:
            self._db.close()
            os.close(self._writer)
        self.counters.close()
