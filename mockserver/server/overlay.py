"""Scenarios added at runtime (``POST /_mock/scenarios``, ``mockserver.add``) over the served set.

The service serves one immutable :class:`ScenarioSet`; this keeps the pieces it is built from:
the *base* (what the server started with) and the scenarios *added* since the last reset. Added
scenarios come first (they win ties in rule priority) and shadow a base scenario of the same
name. ``replace`` hides the base entirely; ``reset`` goes back to the start-up state.

A set swapped in by someone else (a scenario reload calling ``service.swap_scenarios``) is
noticed at the next change and becomes the new start-up set, runtime-added scenarios staying on
top; :meth:`set_base` does the same at once (what a reload should call).
"""

from __future__ import annotations

import threading
from typing import Any

from mockserver.engine.model import Scenario, ScenarioSet


class ScenarioOverlay:
    def __init__(self, service: Any) -> None:
        self._service = service
        self._lock = threading.Lock()
        self.original: ScenarioSet = service.scenarios
        self._base: list[Scenario] = list(self.original.scenarios)
        self.added: list[Scenario] = []
        self.original_seed: int = service.config.seed
        self.original_profile: str = service.profile.name
        self.original_strict: bool = service.config.strict
        self._published: ScenarioSet = service.scenarios

    def set_base(self, scenarios: ScenarioSet) -> None:
        """New start-up scenarios (e.g. reloaded files), with the runtime-added ones still on top."""
        with self._lock:
            self.original = scenarios
            self._base = list(scenarios.scenarios)
            self._publish()

    def _adopt_external_swap(self) -> None:
        current = self._service.scenarios
        if current is not self._published:
            self.original, self._base = current, list(current.scenarios)

    def add(self, scenarios: list[Scenario], replace: bool = False, text: tuple[str, str] | None = None) -> list[str]:
        """Serve ``scenarios`` from now on (alone, with ``replace``); returns the names of the
        scenarios served before that are no longer served (replaced by name, or all with ``replace``).
        ``text``: the (text, file) they were loaded from, which a shared overlay passes on."""
        new_names = {s.name for s in scenarios}
        with self._lock:
            self._adopt_external_swap()
            before = [s.name for s in self._served()]
            if replace:
                self._base, self.added = [], []
            # the newest come first: a later, more specific override wins ties
            self.added = list(scenarios) + [s for s in self.added if s.name not in new_names]
            self._publish()
            return [name for name in before if replace or name in new_names]

    def reset(self) -> list[str]:
        """Back to the start-up scenarios, seed, profile and strictness; returns the names of the
        removed scenarios."""
        with self._lock:
            self._adopt_external_swap()
            removed = [s.name for s in self.added]
            self.added = []
            self._base = list(self.original.scenarios)
            self._service.config.seed = self.original_seed
            self._service.set_profile(self.original_profile)
            self._service.config.strict = self.original_strict
            self._service.reset_faults()
            self._service.reset_stores()
            self._publish()
            return removed

    @property
    def service(self) -> Any:  # the MockService it publishes to
        return self._service

    @property
    def served(self) -> ScenarioSet:
        return self._service.scenarios

    def origin(self, scenario: Scenario) -> str:
        return "runtime" if any(s is scenario for s in self.added) else "startup"

    def _served(self) -> list[Scenario]:
        names = {s.name for s in self.added}
        return self.added + [s for s in self._base if s.name not in names]

    def _publish(self) -> None:
        self._published = ScenarioSet(self._served())
        self._service.swap_scenarios(self._published)
