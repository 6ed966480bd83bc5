"""The request journal: every dialect request (chat, responses) the server answered, with what answered it.

One :class:`Journal` lives on each app (``app.state.journal``); entries are recorded from one
place (the chat route, through :meth:`Journal.recording`) and read by the admin routes, the
pytest plugin and the assertions. Bounded by entry count *and* estimated bytes (the oldest
entries drop out first and are counted in ``dropped``) and thread-safe: the server's event loop
writes while a test thread reads.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from mockserver.config import ConfigError
from mockserver.server.routes import dialect_of
from mockserver.server.entry import MAX_RAW_TEXT, Entry, redact_headers
from mockserver.server.memo import PARSED_FACTOR, answer_bytes
from mockserver.server.requestlog import log_request

DEFAULT_JOURNAL_SIZE = 1000
DEFAULT_JOURNAL_BYTES = 32 * 1024 * 1024
ENTRY_OVERHEAD = 1024  # the record tuple, its headers (shared between entries) and ids
@dataclass(slots=True)
class Recording:
    """Filled in by the chat route while it handles one request; recorded when it is done."""

    method: str
    path: str
    headers: Any  # a Mapping[str, str], or the ASGI scope's raw list of (bytes, bytes) pairs
    raw: bytes | None = None
    outcome: Any = None  # a service.Outcome
    started: float = field(default_factory=time.perf_counter)


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    if isinstance(headers, (list, tuple)):
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
    return list(headers.items())


SHARED_HEADERS_MAX = 8 * 1024  # header sets larger than this are not shared between entries


class SharedHeaders(tuple):
    """A request's raw header pairs, stored once per distinct set; ``size``: their bytes."""

    size: int = 0


class Journal:
    """Writes are cheap — a tuple appended under an uncontended lock — and an :class:`Entry` is
    only built when somebody reads the journal (or a ``sink`` writes it). ``max_bytes`` bounds the
    estimated memory of the kept entries (request bodies as parsed, answers), beside ``size``,
    the entry count."""

    def __init__(self, size: int = DEFAULT_JOURNAL_SIZE, max_bytes: int = DEFAULT_JOURNAL_BYTES, sink: Any = None) -> None:
        if size < 0:
            raise ConfigError(f"journal size must be 0 or more (MOCKSERVER_JOURNAL_SIZE), got {size}")
        if max_bytes < 0:
            raise ConfigError(f"journal bytes must be 0 or more (MOCKSERVER_JOURNAL_BYTES), got {max_bytes}")
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0  # the estimated size of the kept entries
        self.sink = sink  # a JournalFile (--journal-file): every entry written as it is recorded
        self._entries: deque[tuple[Any, ...]] = deque()
        self._lock = threading.Lock()  # for readers and clear()
        self._next_id = 1
        self._written = 0  # entries appended since the last clear
        self._epoch = 0  # counts clears: a reader polling with `since` learns its copy is stale
        self._clock = (time.time(), time.perf_counter())  # wall time of entries, from perf_counter
        self._headers: dict[tuple[tuple[bytes, bytes], ...], SharedHeaders] = {}
        self._redacted: dict[tuple[tuple[bytes, bytes], ...], dict[str, str]] = {}  # per shared header set

    def shared(self, raw_headers: list[tuple[bytes, bytes]]) -> "SharedHeaders":
        """One stored copy per distinct header set (under load, clients repeat theirs); large
        sets are not kept in the table, and every set knows its size (for the byte bound)."""
        key = tuple(raw_headers)
        kept = self._headers.get(key)
        if kept is None:
            kept = SharedHeaders(key)
            kept.size = sum(len(k) + len(v) for k, v in key)
            if kept.size <= SHARED_HEADERS_MAX:
                if len(self._headers) >= 256:
                    self._headers.clear()
                self._headers[key] = kept
        return kept

    @property
    def dropped(self) -> int:
        """Entries pushed out by newer ones since the last clear."""
        return max(0, self._written - len(self._entries))

    @contextmanager
    def recording(self, method: str, path: str, headers: Mapping[str, str]) -> Iterator[Recording]:
        """Record one request when the block ends; an exception becomes a 500 entry, then propagates."""
        rec = Recording(method, path, headers)
        try:
            yield rec
        except Exception as exc:
            self.record_failure(rec, exc)
            raise
        self.record(rec)

    def record(self, rec: Recording) -> None:
        outcome = rec.outcome
        if outcome is not None:
            self.add(rec, outcome.status, outcome.body, outcome)

    def record_failure(self, rec: Recording, exc: BaseException) -> None:
        body = {"error": {"message": f"mockserver internal error: {type(exc).__name__}: {exc}",
                          "type": "server_error", "param": None, "code": None}}
        self.add(rec, 500, body, None)

    def add(self, rec: Any, status: int, body: dict[str, Any] | None, outcome: Any, raw_size: int | None = None) -> None:
        """``rec``: a :class:`Recording`, or a (method, path, raw headers, raw body, started) tuple;
        ``raw_size``: the request's length in bytes (taken from ``rec`` when it holds the body)."""
        if status >= 400 or getattr(outcome, "warnings", None):
            recorded = self.size or self.sink is not None
            log_request(self._next_id if recorded else None, status, body, outcome)  # one line, WARNING/INFO
        if not self.size and self.sink is None:
            return  # a journal of size 0 records nothing (and costs nothing)
        raw, headers = (rec[3], rec[2]) if type(rec) is tuple else (rec.raw, rec.headers)
        if raw_size is None:
            raw_size = len(raw) if raw else 0
        cost = ENTRY_OVERHEAD + getattr(headers, "size", 0) + (len(raw) if raw else 0)
        cost += raw_size * PARSED_FACTOR + answer_bytes(outcome) if outcome is not None else 512
        ended = time.perf_counter()
        with self._lock:
            entry_id = self._next_id
            self._next_id = entry_id + 1
            record = (entry_id, ended, rec, status, body, outcome, cost)
            if self.size:
                self._written += 1
                entries = self._entries
                entries.append(record)
                self.bytes += cost
                while len(entries) > self.size or (self.bytes > self.max_bytes and len(entries) > 1):
                    self.bytes -= entries.popleft()[6]
        if self.sink is not None:
            # built now, and written before the answer is sent: on disk even if the server is killed
            self.sink.write(self._entry(record).as_dict())

    def _entry(self, record: tuple[Any, ...]) -> Entry:
        entry_id, ended, rec, status, body, outcome, _ = record
        if isinstance(rec, tuple):
            rec = Recording(*rec)
        wall = self._clock[0] + (rec.started - self._clock[1])
        seconds = ended - rec.started
        if body is None and outcome is not None and outcome.stream is not None:
            if outcome.summary is not None:
                body = dict(outcome.summary(), stream=True)  # what the streamed events add up to
            else:
                body = {"stream": True, "stream_fault": outcome.stream_fault}  # broken on purpose
        request = getattr(outcome, "request", None)
        if request is None and rec.raw:
            request = rec.raw[:MAX_RAW_TEXT].decode("utf-8", errors="replace")
        rule = getattr(getattr(outcome, "reply", None), "rule", None)
        response_headers = getattr(outcome, "headers", None)
        return Entry(
            id=entry_id,
            time=wall,
            duration_ms=round(seconds * 1000, 3),
            method=rec.method,
            path=rec.path,
            headers=self._redact(rec.headers),
            request=request,
            status=status,
            response=body if body is not None else {},
            scenario=rule.scenario.name if rule is not None else None,
            rule=rule.name if rule is not None else None,
            rule_location=rule.location if rule is not None else None,
            dialect=getattr(outcome, "dialect", None) or dialect_of(rec.path) or "chat",
            parsed=getattr(outcome, "parsed", None),
            warnings=tuple(w.as_dict() for w in getattr(outcome, "warnings", ())),
            faults=getattr(outcome, "faults", None) or None,
            response_headers=dict(response_headers) if response_headers else {},
        )

    def _redact(self, headers: Any) -> dict[str, str]:
        """The redacted header dict (a fresh copy: callers may change it), computed once per shared set."""
        if not isinstance(headers, tuple):
            return redact_headers(dict(_header_pairs(headers)))
        redacted = self._redacted.get(headers)
        if redacted is None:
            redacted = redact_headers(dict(_header_pairs(headers)))
            if getattr(headers, "size", 0) <= SHARED_HEADERS_MAX:  # bounded in bytes like the sets
                if len(self._redacted) >= 256:
                    self._redacted.clear()
                self._redacted[headers] = redacted
        return dict(redacted)

    @property
    def next_id(self) -> int:
        """The id the next recorded request will get (marks a point in time)."""
        with self._lock:
            return self._next_id

    # --- unittest.mock vocabulary ---------------------------------------------------------

    @property
    def calls(self) -> list[Entry]:
        with self._lock:
            records = list(self._entries)
        return [self._entry(r) for r in records]

    @property
    def call_count(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def called(self) -> bool:
        return self.call_count > 0

    def since(self, after: int) -> list[Entry]:
        """The entries numbered after ``after``, oldest first (what a poller has not seen yet)."""
        with self._lock:
            newer: list[tuple[Any, ...]] = []
            for record in reversed(self._entries):
                if record[0] <= after:
                    break
                newer.append(record)
        return [self._entry(r) for r in reversed(newer)]

    def get(self, entry_id: int) -> Entry | None:
        """The kept entry numbered ``entry_id``, or None."""
        with self._lock:
            record = next((r for r in self._entries if r[0] == entry_id), None)
        return self._entry(record) if record is not None else None

    @property
    def epoch(self) -> int:
        """Changes whenever the journal is cleared (a reset included)."""
        return self._epoch

    def rule_hits(self) -> dict[tuple[str, str], int]:
        """How many kept entries each rule answered, by (scenario name, rule name)."""
        with self._lock:
            records = list(self._entries)
        hits: dict[tuple[str, str], int] = {}
        for record in records:
            rule = getattr(getattr(record[5], "reply", None), "rule", None)
            if rule is not None:
                key = (rule.scenario.name, rule.name)
                hits[key] = hits.get(key, 0) + 1
        return hits

    @property
    def last(self) -> Entry | None:
        with self._lock:
            record = self._entries[-1] if self._entries else None
        return self._entry(record) if record is not None else None

    def clear(self, restart_ids: bool = False) -> int:
        """Forget every entry (and number the next request 1 again, with ``restart_ids``);
        returns how many entries there were."""
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            self.bytes = 0
            self._written = 0
            self._epoch += 1
            if restart_ids:
                self._next_id = 1
            return count

    def __len__(self) -> int:
        return self.call_count

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.calls)
