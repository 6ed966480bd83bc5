"""Warnings: what a real provider accepts but usually means a client bug.

Dialect-neutral. A dialect's validator yields them beside its errors (see
:mod:`mockserver.validation.rules`); the server sends them in the ``X-Mock-Warnings`` response
header (one header field per warning, one line each, ASCII) and records them on the journal
entry; the pytest fixture fails a test on warnings it did not declare; ``--strict`` turns them
into 400s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

HEADER = "X-Mock-Warnings"
RULE_HEADER = "X-Mock-Rule"  # on a validation error: the id of the rule that refused the request
MAX_FIELDS = 10  # header fields sent; the journal keeps every warning
MAX_LINE = 300  # characters of one header field


@dataclass(frozen=True)
class MockWarning:
    """One warning: the rule it comes from (``code``), where in the request, and why."""

    code: str
    message: str
    path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "path": self.path, "message": self.message}

    def line(self) -> str:
        """``code at path: message`` — printable ASCII (others escaped as ``\\uXXXX``), one line."""
        where = f" at {self.path}" if self.path else ""
        return _header_safe(f"{self.code}{where}: {self.message}")


def header_values(warnings: Iterable[MockWarning]) -> list[str]:
    """The ``X-Mock-Warnings`` field values, at most :data:`MAX_FIELDS` (the last says how many more)."""
    lines = [w.line() for w in warnings]
    if len(lines) > MAX_FIELDS:
        more = len(lines) - (MAX_FIELDS - 1)
        lines = lines[: MAX_FIELDS - 1] + [f"... {more} more warning(s): see the journal (GET /_mock/journal)"]
    return lines


def _header_safe(text: str, limit: int = MAX_LINE) -> str:
    """``text`` as one header field value: printable ASCII, others escaped, at most ``limit`` characters."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0x20 <= code < 0x7F:
            out.append(ch)
        elif ch in "\r\n\t":
            out.append(" ")
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    line = "".join(out)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def response_headers(
    headers: Mapping[str, str], warnings: Iterable[MockWarning], rule: str | None = None
) -> list[tuple[str, str]]:
    """``headers`` as (name, value) pairs, plus one ``X-Mock-Warnings`` field per warning and,
    for a validation error, ``X-Mock-Rule``."""
    pairs = list(headers.items())
    pairs += [(HEADER, value) for value in header_values(warnings)]
    if rule:
        pairs.append((RULE_HEADER, _header_safe(rule)))
    return pairs
