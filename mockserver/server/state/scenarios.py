"""Runtime-pushed scenarios shared by every worker and replica: a :class:`ScenarioOverlay` whose
pushes live on the backend's *board* (one versioned document, see :mod:`.tables`).

The board holds the pushes since the last reset, as their texts (``POST /_mock/scenarios``
bodies), in order. A push or a reset is one compare-and-set of the board, retried if another
worker swapped it first; it answers after the swap, and every worker reads the board's version
before each request (:class:`StateSync`) and catches up when it changed — so a request that
starts after a push answered is served with the push, on whichever worker it lands. Each worker
parses a pushed text once (a bounded cache). Pushes whose scenarios are all shadowed by later
ones are dropped from the board, so it holds no more than the scenarios served.
"""

from __future__ import annotations

from typing import Any

from mockserver.engine.loader import ScenarioLoadError, _duplicates, load_text
from mockserver.engine.model import Scenario
from mockserver.server.overlay import ScenarioOverlay
from mockserver.wire import jsoncodec
from mockserver.wire.bounded import ByteLRU

PARSED_CACHE = ByteLRU(256, 64 * 1024 * 1024)  # not state: what a text parses to is fixed


def _parse(text: str, file: str) -> list[Scenario]:
    key = (text, file)
    found = PARSED_CACHE.get(key)
    if found is None:
        found, problems = load_text(text, file)
        problems = problems + _duplicates(found)
        if problems:
            raise ScenarioLoadError(problems)
        PARSED_CACHE.put(key, found, 2 * len(text) + 1024)
    return found


def _text_of(scenarios: list[Scenario]) -> tuple[str, str]:
    """Scenarios added in-process (not from a text): their plain data, as YAML documents."""
    text = "\n---\n".join(jsoncodec.dumps(s.source).decode() for s in scenarios)
    return text, (scenarios[0].file if scenarios else "<runtime>")


class SharedOverlay(ScenarioOverlay):
    def __init__(self, service: Any, backend: Any) -> None:
        super().__init__(service)
        self._backend = backend
        self._seen = -1  # the board version applied here

    def sync(self) -> None:
        """Catch up with the board when another worker changed it (one read when it did not)."""
        if self._backend.version() != self._seen:
            version, doc = self._backend.board()
            with self._lock:
                if version != self._seen:
                    self._apply(version, _decode(doc))

    def _apply(self, version: int, pushes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Serve the start-up scenarios with ``pushes`` on top; returns the pushes still needed."""
        self._adopt_external_swap()
        base, added = list(self.original.scenarios), []
        kept: list[tuple[dict[str, Any], list[Scenario]]] = []
        for push in pushes:
            scenarios = _parse(push["text"], push["file"])
            names = {s.name for s in scenarios}
            if push["replace"]:
                base, added, kept = [], [], []
            added = list(scenarios) + [s for s in added if s.name not in names]
            kept.append((push, scenarios))
        self._base, self.added, self._seen = base, added, version
        self._publish()
        live = {id(s) for s in added}
        return [p for p, scenarios in kept if p["replace"] or any(id(s) in live for s in scenarios)]

    def add(self, scenarios: list[Scenario], replace: bool = False, text: tuple[str, str] | None = None) -> list[str]:
        source, file = text if text is not None else _text_of(scenarios)
        push = {"text": source, "file": file, "replace": replace}
        new_names = {s.name for s in scenarios}
        while True:
            version, doc = self._backend.board()
            pushes = _decode(doc)
            with self._lock:
                self._apply(version, pushes)
                before = [s.name for s in self._served()]
                kept = self._apply(version, pushes + [push])
            swapped = self._backend.swap_board(version, jsoncodec.dumps(kept))
            if swapped is not None:
                with self._lock:
                    self._seen = swapped
                return [name for name in before if replace or name in new_names]

    def reset(self) -> list[str]:
        while True:
            version, doc = self._backend.board()
            swapped = self._backend.swap_board(version, jsoncodec.dumps([]))
            if swapped is not None:
                break
        with self._lock:
            self._apply(swapped, _decode(doc))  # what was served, to name what the reset removes
        removed = super().reset()
        with self._lock:
            self._seen = swapped
        return removed


def _decode(doc: bytes) -> list[dict[str, Any]]:
    return jsoncodec.loads(doc) if doc else []


class StateSync:
    """ASGI middleware: before each HTTP request, catch up with pushes made on other workers."""

    def __init__(self, app: Any, overlay: SharedOverlay) -> None:
        self.app = app
        self.overlay = overlay

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.overlay.sync()
        await self.app(scope, receive, send)
