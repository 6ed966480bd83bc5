"""A journal entry as readers see it: the request, its answer, and what answered it.

Built from a journal record only when somebody reads the journal (see :mod:`mockserver.server.journal`),
for the admin routes, the inspector, the HAR export, the pytest fixture and its assertions.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from mockserver.dialects import answer_reader
from mockserver.wire.errors import SCENARIO_ERROR

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key", "cookie"})
MAX_RAW_TEXT = 64 * 1024

# What happened to a request, from the client's point of view.
ANSWERED = "answered"  # 200: a rule answered
UNMATCHED = "unmatched"  # 400 no_matching_rule: valid, but no rule matched
SCENARIO_FAULT = "scenario_error"  # 422: the scenario, not the client, is wrong
REJECTED = "rejected"  # any other 4xx: the request itself is invalid
SERVER_ERROR = "server_error"  # 5xx: a mockserver bug


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


@dataclass(frozen=True)
class ToolCall:
    """A tool call the mock issued in a response (choice 0, the one a client continues)."""

    id: str
    name: str
    arguments: Any  # parsed JSON when it is JSON, else the raw text
    raw_arguments: str


@dataclass(frozen=True)
class Entry:
    id: int  # 1, 2, … in arrival order; DELETE /_mock/journal keeps counting, a reset restarts at 1
    time: float  # wall clock (for people reading the journal; responses never use it)
    duration_ms: float
    method: str
    path: str
    headers: dict[str, str]
    request: Any  # the parsed JSON body; the text when it was not JSON; None when unread
    status: int
    response: dict[str, Any]
    scenario: str | None = None
    rule: str | None = None
    rule_location: str | None = None
    dialect: str = "chat"  # chat | responses (the wire format the request spoke)
    parsed: Any = field(default=None, repr=False, compare=False)  # dialects.base.Parsed, when valid
    # what the provider would accept but usually means a client bug: [{code, path, message}]
    warnings: tuple[dict[str, Any], ...] = ()
    faults: list[dict[str, Any]] | None = None  # the injected faults that fired (rule or header)
    response_headers: dict[str, str] = field(default_factory=dict)  # beyond content-type/length

    @property
    def streamed(self) -> bool:
        return bool(self.response.get("stream")) if self.status < 400 else False

    @property
    def error(self) -> dict[str, Any] | None:
        error = self.response.get("error") if self.status >= 400 else None
        if isinstance(error, str):  # Ollama's {"error": "…"}: mock-only errors carry code and type beside it
            return {"message": error, **{k: self.response[k] for k in ("type", "code", "param") if k in self.response}}
        return error if isinstance(error, dict) else None

    @property
    def outcome(self) -> str:
        error = self.error or {}
        if self.status < 400:
            return ANSWERED
        if self.status >= 500:
            return SERVER_ERROR
        if error.get("code") == "no_matching_rule":
            return UNMATCHED
        if error.get("type") == SCENARIO_ERROR:
            return SCENARIO_FAULT
        return REJECTED

    @property
    def valid(self) -> bool:
        """Whether the request passed validation (an unmatched or scenario-error request did)."""
        return self.outcome in (ANSWERED, UNMATCHED, SCENARIO_FAULT)

    @property
    def problem(self) -> bool:
        return self.outcome != ANSWERED

    @property
    def near_misses(self) -> list[dict[str, Any]] | None:
        return (self.error or {}).get("near_misses") if self.outcome == UNMATCHED else None

    @property
    def messages(self) -> list[Any]:
        """The conversation in the engine's neutral, chat-shaped form (whatever the dialect)."""
        if self.parsed is not None:
            return self.parsed.messages
        body = self.request if isinstance(self.request, dict) else {}
        messages = body.get("messages")
        return messages if isinstance(messages, list) else []

    @property
    def model(self) -> str | None:
        """The body's ``model``, else the model the dialect read (Gemini's is in the path)."""
        model = self.request.get("model") if isinstance(self.request, dict) else None
        if not isinstance(model, str) and self.parsed is not None:
            model = getattr(self.parsed, "model", None)
        return model if isinstance(model, str) else None

    @property
    def message(self) -> dict[str, Any] | None:
        """The assistant message the mock answered (choice 0), in the neutral chat shape."""
        if self.status >= 400 or not self.response:
            return None
        content, calls = answer_reader(self.dialect)(self.response)
        if content is None and not calls:
            return None
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
            ]
        return message

    @property
    def content(self) -> str | None:
        return (self.message or {}).get("content")

    @property
    def tool_calls(self) -> list[ToolCall]:
        calls = []
        for call in (self.message or {}).get("tool_calls") or []:
            function = call.get("function") or {}
            raw = function.get("arguments") or ""
            calls.append(ToolCall(call.get("id", ""), function.get("name", ""), _parse(raw), raw))
        return calls

    @property
    def tool_results(self) -> list[dict[str, Any]]:
        """The tool messages the client sent in this request (``tool_call_id`` and ``content``)."""
        return [m for m in self.messages if isinstance(m, dict) and m.get("role") == "tool"]

    def as_time(self) -> str:
        """``time`` in ISO 8601, UTC, to the millisecond (``2026-01-01T12:00:00.000Z``)."""
        frac, whole = math.modf(self.time)  # as datetime.fromtimestamp: to the microsecond, then cut
        seconds, micros = int(whole), round(frac * 1e6)
        if micros >= 1_000_000:
            seconds, micros = seconds + 1, micros - 1_000_000
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micros // 1000:03d}Z"

    def summary(self) -> dict[str, Any]:
        """What a list of requests shows (``GET /_mock/journal?summary=true``): no bodies or headers,
        the error's message cut to 300 characters."""
        error = self.error
        if error is not None:
            message = error.get("message")
            error = {"type": error.get("type"), "code": error.get("code"), "param": error.get("param"),
                     "message": message[:300] if isinstance(message, str) else message}
        return {
            "id": self.id, "time": self.as_time(), "duration_ms": self.duration_ms, "method": self.method,
            "path": self.path, "dialect": self.dialect, "model": self.model, "outcome": self.outcome,
            "status": self.status, "scenario": self.scenario, "rule": self.rule, "rule_location": self.rule_location,
            "error": error,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.as_time(),
            "duration_ms": self.duration_ms,
            "method": self.method,
            "path": self.path,
            "dialect": self.dialect,
            "outcome": self.outcome,
            "valid": self.valid,
            "scenario": self.scenario,
            "rule": self.rule,
            "rule_location": self.rule_location,
            "near_misses": self.near_misses,
            "error": self.error,
            "warnings": list(self.warnings),
            "faults": self.faults,
            "headers": self.headers,
            "request": self.request,
            "status": self.status,
            "response": self.response,
        }


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
