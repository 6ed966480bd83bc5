"""The recorder: files exchanges into conversations and rewrites each changed conversation's
scenario file; keeps a log of what it saw (``exchanges.jsonl``, headers redacted, keys never).

Shared by the recording proxy, ``serve --upstream --record`` and ``mockserver import``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit, urlunsplit

from mockserver.record.conversations import DEFAULT_BUDGET, Conversations
from mockserver.record.exchange import Exchange
from mockserver.record.writer import file_name, scenario_text, write_atomic

log = logging.getLogger("mockserver.record")
LOG_FILE = "exchanges.jsonl"
REDACTED = "[redacted]"
# never written anywhere: the journal's list plus what other providers and browsers use
SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key", "cookie", "set-cookie",
})


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def public_url(url: str) -> str:
    """The URL without user info or query (either may hold a key)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class Recorder:
    def __init__(self, out: str | Path, source: str, keep_log: bool = True, budget: int = DEFAULT_BUDGET) -> None:
        self.out = Path(out)
        self.source = public_url(source) if "://" in source else source
        self.keep_log = keep_log
        self.conversations = Conversations(budget)
        self.files: set[Path] = set()  # the scenario files written so far
        self._lock = threading.Lock()  # the proxy's event loop and an importer may share one recorder

    def add(self, exchange: Exchange) -> Path | None:
        """File one exchange; the scenario file it (re)wrote, or None when it changed nothing."""
        with self._lock:
            conv = self.conversations.add(exchange)
            if conv is None:
                return None
            path = self.out / file_name(conv)
            write_atomic(path, scenario_text(conv, self.source))
            self.files.add(path)
            return path

    def log_exchange(self, method: str, path: str, headers: Mapping[str, str], request: Any, status: int, response: Any) -> None:
        """One JSON line per exchange, in the format ``mockserver import`` reads back."""
        if not self.keep_log:
            return
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "method": method,
            "path": path,
            "headers": redact_headers(headers),
            "request": request,
            "status": status,
            "response": response,
        }
        text = json.dumps(line, ensure_ascii=False) + "\n"
        with self._lock:
            self.out.mkdir(parents=True, exist_ok=True)
            with open(self.out / LOG_FILE, "a", encoding="utf-8") as handle:
                handle.write(text)
