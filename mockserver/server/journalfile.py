"""``--journal-file PATH``: the journal as JSON lines on disk, for CI artifacts.

Every entry is appended as one line (the JSON of ``GET /_mock/journal``'s entries) with one
``write`` to a file opened ``O_APPEND``, before the answer is sent: once a client has its answer
the line is in the kernel's hands, so it survives the server being killed (SIGKILL, an OOM kill,
a CI job cancelled). Not fsynced: a machine crash may lose the last lines.

Bounded by size: when a line would take the file past ``max_bytes`` the file is rotated —
``PATH`` becomes ``PATH.1`` (``PATH.1`` becomes ``PATH.2``, …, up to ``backups`` old files) and a
new ``PATH`` starts. At most ``(backups + 1) × max_bytes`` on disk (plus one line: a line is never
split). Headers are redacted as in the journal, so no API key reaches the disk.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any

from mockserver.config import ConfigError
from mockserver.wire import jsoncodec

log = logging.getLogger("mockserver")
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_BACKUPS = 3
_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


class JournalFile:
    def __init__(self, path: str, max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS) -> None:
        if max_bytes < 1024:
            raise ConfigError(f"the journal file's size limit must be at least 1024 bytes "
                              f"(MOCKSERVER_JOURNAL_FILE_MAX_BYTES), got {max_bytes}")
        if backups < 0:
            raise ConfigError(f"the number of rotated journal files must be 0 or more "
                              f"(MOCKSERVER_JOURNAL_FILE_BACKUPS), got {backups}")
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()  # writes come from the event loop; close() from anywhere
        self._failing = False
        self._closed = False
        self._fd = [self._open()]  # a list the finalizer shares: it closes whichever fd is current
        self._size = os.fstat(self._fd[0]).st_size
        self._finalizer = weakref.finalize(self, _close_quietly, self._fd)

    def _open(self) -> int:
        try:
            return os.open(self.path, _FLAGS, 0o644)
        except OSError as exc:
            raise ConfigError(f"cannot open the journal file {self.path!r} (--journal-file): {exc.strerror}") from None

    def write(self, entry: dict[str, Any]) -> None:
        """Append one entry as a line. A failing disk is logged, never turned into a failed request."""
        line = jsoncodec.dumps(entry) + b"\n"
        with self._lock:
            if self._closed:
                return
            try:
                if self._fd[0] < 0:  # a rotation failed half-way: start a file again
                    self._fd[0] = os.open(self.path, _FLAGS, 0o644)
                    self._size = os.fstat(self._fd[0]).st_size
                if self._size and self._size + len(line) > self.max_bytes:
                    self._rotate()
                view = memoryview(line)
                while view:
                    view = view[os.write(self._fd[0], view):]
                self._size += len(line)
                if self._failing:
                    log.warning("journal file %s is written again", self.path)
                    self._failing = False
            except OSError as exc:
                if not self._failing:  # once per streak of failures, not once per request
                    log.error("cannot write the journal file %s: %s (requests are still answered)", self.path, exc)
                    self._failing = True

    def _rotate(self) -> None:
        os.close(self._fd[0])
        self._fd[0] = -1
        if self.backups:
            for index in range(self.backups - 1, 0, -1):
                older = f"{self.path}.{index}"
                if os.path.exists(older):
                    os.replace(older, f"{self.path}.{index + 1}")
            os.replace(self.path, f"{self.path}.1")
        else:
            os.truncate(self.path, 0)
        self._fd[0] = os.open(self.path, _FLAGS, 0o644)
        self._size = 0

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._finalizer()


def _close_quietly(fds: list[int]) -> None:
    for index, fd in enumerate(fds):
        if fd >= 0:
            fds[index] = -1
            try:
                os.close(fd)
            except OSError:
                pass
