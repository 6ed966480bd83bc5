"""The default backend: today's in-process classes, unchanged (one worker; no cost added)."""

from __future__ import annotations

from typing import Any

from mockserver.dialects.responses.store import ResponseStore
from mockserver.server.faults import FaultCounter
from mockserver.server.journal import Journal
from mockserver.server.overlay import ScenarioOverlay


class MemoryBackend:
    kind = "memory"

    def responses(self, max_count: int, max_bytes: int) -> ResponseStore:
        return ResponseStore(max_count, max_bytes)

    def faults(self) -> FaultCounter:
        return FaultCounter()

    def journal(self, size: int, max_bytes: int, sink: Any) -> Journal:
        return Journal(size, max_bytes, sink)

    def overlay(self, service: Any) -> ScenarioOverlay:
        return ScenarioOverlay(service)

    def close(self) -> None:
        pass
