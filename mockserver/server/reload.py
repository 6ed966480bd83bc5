"""``serve --reload``: watch the scenario files and swap the whole set when they change.

A background thread polls the files' (mtime, size, inode) and the folders' listings (no extra
dependency, works on bind mounts where inotify does not). On a change the whole set is loaded
again, checked like at start-up (``mockserver validate``'s checks), and handed to
:meth:`MockService.swap_scenarios` in one assignment: a request reads the
set once, so it sees the old set or the new one, never a mix, and requests in flight finish
with the set they started with. A set that fails to load is not swapped in: the last good set
keeps serving, and the log names every problem (``file:line: rule …``) until a later change
fixes it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterable, Sequence

from mockserver.engine.loader import ScenarioLoadError, scenario_files
from mockserver.engine.model import ScenarioSet
from mockserver.lint.startup import checked_load

log = logging.getLogger("mockserver.server.reload")
Snapshot = dict[str, tuple[int, int, int]]
DEFAULT_INTERVAL = 0.5


def snapshot(paths: Iterable[str | Path]) -> Snapshot:
    """What identifies the current content of the scenario files: path → (mtime_ns, size, inode)."""
    state: Snapshot = {}
    for raw in paths:
        try:
            files = scenario_files([raw])
        except ScenarioLoadError:
            state[str(raw)] = (-1, -1, -1)  # missing: a change when it appears
            continue
        for file in files:
            try:
                st = os.stat(file)
            except OSError:
                continue  # removed between listing and stat: the next poll sees it gone
            state[str(file)] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return state


class ScenarioWatcher:
    """Polls ``paths`` every ``interval`` seconds; calls ``swap`` with each good new set."""

    def __init__(self, paths: Sequence[str], swap: Callable[[ScenarioSet], None], interval: float = DEFAULT_INTERVAL,
                 lenient: bool = False) -> None:
        self.paths = list(paths)
        self.lenient = lenient  # as at start-up: validate errors refuse a set unless lenient
        self.swap = swap
        self.interval = max(interval, 0.01)  # a zero or negative interval would spin
        self.reloads = 0  # good sets swapped in
        self.failures = 0  # changes that did not load
        self.last_error: ScenarioLoadError | None = None
        self._seen = snapshot(self.paths)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mockserver-reload", daemon=True)

    def start(self) -> "ScenarioWatcher":
        log.info("watching %s for changes (every %.2g s)", ", ".join(self.paths), self.interval)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception:  # never let the watcher die silently: log and keep watching
                log.exception("scenario reload failed unexpectedly; still serving the last good set")

    def poll(self) -> bool:
        """Check once; reload if anything changed. True when a new set was swapped in."""
        current = snapshot(self.paths)
        if current == self._seen:
            return False
        self._seen = current
        try:
            scenarios = checked_load(self.paths, self.lenient)  # the validate checks, as at start-up
        except ScenarioLoadError as exc:
            self.failures += 1
            self.last_error = exc
            log.error("scenario change not applied, still serving the last good set:\n%s", exc)
            return False
        self.swap(scenarios)
        self.reloads += 1
        self.last_error = None
        log.info("reloaded %d scenario(s) from %s", len(scenarios), ", ".join(self.paths))
        return True


def lifespan(paths: Callable[[], Sequence[str]], swap: Callable[[ScenarioSet], None], enabled: bool, interval: float = DEFAULT_INTERVAL,
             lenient: bool = False) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """A starlette lifespan that runs a :class:`ScenarioWatcher` while the app serves (if enabled)."""

    @contextlib.asynccontextmanager
    async def run(app: Any) -> AsyncIterator[None]:
        watcher = ScenarioWatcher(paths(), swap, interval, lenient).start() if enabled else None
        app.state.watcher = watcher
        try:
            yield
        finally:
            if watcher is not None:
                watcher.stop()

    return run
