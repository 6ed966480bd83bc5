"""Where the server's state lives: stored Responses-API responses, fault counters, the journal,
and scenarios pushed at runtime (with resets).

``--state`` (``Config.state``) names the backend:

- ``memory`` (the default with one worker): today's in-process classes;
- ``sqlite:///path/to/state.db``: one SQLite file in WAL mode shared by the workers of one
  machine (``serve --workers N`` creates one under a temporary folder when ``--state`` is unset);
- ``redis://host:6379/0`` (or ``rediss://``; ``?prefix=name`` namespaces the keys): Redis or
  Valkey, shared by replicas on several machines (needs the ``redis`` extra).

Every backend offers the same four objects with the public methods of the in-memory classes
(:class:`~mockserver.server.journal.Journal`, :class:`~mockserver.dialects.responses.store.ResponseStore`,
:class:`~mockserver.server.faults.FaultCounter`, :class:`~mockserver.server.overlay.ScenarioOverlay`)
and keeps their bounds; the shared ones are built on one primitive (:mod:`.tables`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from mockserver.config import ConfigError
from mockserver.server.state.memory import MemoryBackend

SCHEMES = ("memory", "sqlite", "redis", "rediss", "valkey")


class SharedBackend:
    """A shared store (SQLite or Redis) handing out the four state objects."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.kind = store.kind

    def responses(self, max_count: int, max_bytes: int) -> Any:
        from mockserver.server.state.shared import SharedResponseStore

        return SharedResponseStore(self.store.table("responses"), max_count, max_bytes)

    def faults(self) -> Any:
        from mockserver.server.state.shared import SharedFaultCounter

        return SharedFaultCounter(self.store.table("faults"))

    def journal(self, size: int, max_bytes: int, sink: Any) -> Any:
        from mockserver.server.state.shared import SharedJournal

        return SharedJournal(self.store.table("journal"), size, max_bytes, sink)

    def overlay(self, service: Any) -> Any:
        from mockserver.server.state.scenarios import SharedOverlay

        return SharedOverlay(service, self.store)

    def close(self) -> None:
        self.store.close()


def check_url(url: str) -> str:
    """``url`` if it names a backend, else a ConfigError naming the choices."""
    scheme = urlsplit(url).scheme if "://" in url else url
    if scheme not in SCHEMES or (scheme == "sqlite" and not urlsplit(url).path):
        raise ConfigError(f"--state (MOCKSERVER_STATE) must be memory, sqlite:///PATH or redis://HOST:PORT/DB, got {url!r}")
    return url


def open_backend(url: str) -> Any:
    """The backend ``url`` names ("" or "memory": in-process)."""
    if not url or url == "memory":
        return MemoryBackend()
    check_url(url)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        from mockserver.server.state.sqlite import SqliteBackend

        return SharedBackend(SqliteBackend(parts.path))
    from mockserver.server.state.redis import RedisBackend

    return SharedBackend(RedisBackend(url))
