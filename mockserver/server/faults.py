"""Injected failures: what a rule's ``fault:`` or the ``X-Mock-Fault`` header asks for, the HTTP
errors they produce, and how many times each has fired.

A fault with ``times: N`` fires on the first N matching requests and not after; it is counted
per scenario and rule (or per header value) *and per session* — the ``X-Mock-Session`` header —
so tests running in parallel against one server do not eat each other's failures. Counters
live on the service instance (:class:`FaultCounter`) and can be reset. They are bounded: at most
``FAULT_COUNTERS`` counters and ``FAULT_BYTES`` of keys; past that the least recently used
counter is forgotten (a session id per test case is a normal pattern, and nobody resets).

Header grammar (``;``-separated parts, any order)::

    X-Mock-Fault: 429; retry-after=0.1; times=2
    X-Mock-Fault: stream-drop; after=3
    X-Mock-Fault: wrong-type
    X-Mock-Fault: latency=1.5
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from typing import Any, Mapping

from mockserver.wire.bounded import ByteLRU
from mockserver.wire.errors import APIError
from mockserver.wire.profiles import Profile

HTTP_STATUSES = (400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504, 529)
STREAM_KINDS = ("error", "cut", "drop")
TOOL_CALL_KINDS = ("invalid_json", "undeclared_tool", "missing_required", "wrong_type")
MAX_LATENCY = 600.0
DEFAULT_RETRY_AFTER = 1.0  # seconds, for a 429 that does not say
FAULT_COUNTERS = 10_000
FAULT_BYTES = 4 * 1024 * 1024
COUNTER_OVERHEAD = 200  # a key tuple, its int and the LRU's slot
HEADER = "x-mock-fault"
SESSION_HEADER = "x-mock-session"


@dataclass(frozen=True)
class HttpFault:
    status: int
    retry_after: float | None = None
    message: str | None = None


@dataclass(frozen=True)
class StreamBreak:
    kind: str  # error | cut | drop
    after: int = 1
    message: str | None = None


@dataclass(frozen=True)
class Fault:
    http: HttpFault | None = None
    stream: StreamBreak | None = None
    tool_call: str | None = None  # one of TOOL_CALL_KINDS
    call: int = 0  # which tool call of the reply to break
    latency: float = 0.0  # seconds before the answer (or the first chunk)
    times: int | None = None  # fire on the first N matching requests only (None: always)

    @property
    def empty(self) -> bool:
        return not (self.http or self.stream or self.tool_call or self.latency)


NO_FAULT = Fault()


def fired(fault: Fault, source: str, streamed: bool) -> dict[str, Any] | None:
    """What the journal says of a fault that fired: its parts and ``source`` (the rule's label or
    "X-Mock-Fault header"); None when nothing in it applies (a stream fault on a plain answer)."""
    parts: dict[str, Any] = {"source": source}
    if fault.http:
        parts["http"] = {"status": fault.http.status, "retry_after": fault.http.retry_after}
    if fault.stream and streamed and not fault.http:
        parts["stream"] = {"kind": fault.stream.kind, "after": fault.stream.after}
    if fault.tool_call and not fault.http:
        parts["tool_call"] = {"kind": fault.tool_call, "call": fault.call}
    if fault.latency:
        parts["latency"] = fault.latency
    return parts if len(parts) > 1 else None


def from_spec(spec: Mapping[str, Any] | None) -> Fault:
    """A rule's ``reply.fault`` (already checked against the scenario format)."""
    if not spec:
        return NO_FAULT
    http = spec.get("http")
    if isinstance(http, int):
        http = {"status": http}
    stream = spec.get("stream")
    tool_call = spec.get("tool_call")
    call = 0
    if isinstance(tool_call, dict):
        call = tool_call.get("call", 0)
        tool_call = tool_call["kind"]
    return Fault(
        http=HttpFault(http["status"], http.get("retry_after"), http.get("message")) if http else None,
        stream=StreamBreak(stream["kind"], stream.get("after", 1), stream.get("message")) if stream else None,
        tool_call=tool_call,
        call=call,
        latency=float(spec.get("latency", 0.0)),
        times=spec.get("times"),
    )


# --- the header ---------------------------------------------------------------------------------

_USAGE = (
    "use an HTTP status (" + ", ".join(map(str, HTTP_STATUSES)) + "), stream-error, stream-cut, stream-drop, "
    "invalid-json, undeclared-tool, missing-required, wrong-type, and the settings times=N, after=N, "
    "retry-after=SECONDS, latency=SECONDS, call=N; separate parts with ';' (e.g. '429; retry-after=0.5; times=2')"
)
_SETTINGS = {"times": (int, 1, None), "after": (int, 0, None), "call": (int, 0, None),
             "retry-after": (float, 0.0, 120.0), "latency": (float, 0.0, MAX_LATENCY)}


def _header_error(value: str, problem: str) -> APIError:
    return APIError(f"Invalid X-Mock-Fault header {value!r}: {problem}; {_USAGE}.", code="invalid_mock_header")


def parse_header(value: str | None) -> Fault:
    if value is None or not value.strip():
        return NO_FAULT
    status: int | None = None
    stream: str | None = None
    tool_call: str | None = None
    settings: dict[str, Any] = {}
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        if "=" in part:
            key, raw = (s.strip() for s in part.split("=", 1))
            key = key.lower().replace("_", "-")
            if key not in _SETTINGS:
                raise _header_error(value, f"unknown setting {key!r}")
            settings[key] = _number(value, key, raw)
            continue
        token = part.lower().replace("_", "-")
        if token.isdigit():
            if int(token) not in HTTP_STATUSES:
                raise _header_error(value, f"HTTP status {token} is not one mockserver injects")
            if status is not None:
                raise _header_error(value, "more than one HTTP status")
            status = int(token)
        elif token.startswith("stream-") and token[7:] in STREAM_KINDS:
            if stream is not None:
                raise _header_error(value, "more than one stream fault")
            stream = token[7:]
        elif token.replace("-", "_") in TOOL_CALL_KINDS:
            if tool_call is not None:
                raise _header_error(value, "more than one tool-call fault")
            tool_call = token.replace("-", "_")
        else:
            raise _header_error(value, f"unknown fault {part!r}")
    if "retry-after" in settings and status is None:
        raise _header_error(value, "retry-after needs an HTTP status")
    if "after" in settings and stream is None:
        raise _header_error(value, "after needs a stream fault")
    fault = Fault(
        http=HttpFault(status, settings.get("retry-after")) if status is not None else None,
        stream=StreamBreak(stream, settings.get("after", 1)) if stream else None,
        tool_call=tool_call,
        call=settings.get("call", 0),
        latency=settings.get("latency", 0.0),
        times=settings.get("times"),
    )
    if fault.empty:
        raise _header_error(value, "no fault named")
    return fault


def _number(value: str, key: str, raw: str) -> Any:
    kind, low, high = _SETTINGS[key]
    try:
        number = kind(raw)
    except ValueError:
        raise _header_error(value, f"{key}={raw!r} is not {'an integer' if kind is int else 'a number'}") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise _header_error(value, f"{key}={raw!r} is not a finite number")
    if number < low or (high is not None and number > high):
        bounds = f">= {low}" if high is None else f"between {low} and {high}"
        raise _header_error(value, f"{key}={raw} must be {bounds}")
    return number


# --- HTTP errors ----------------------------------------------------------------------------------

# status → (type, code, message) in OpenAI's wording where it is known
_DEFAULTS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request (an error injected by mockserver)."),
    401: ("invalid_request_error", "invalid_api_key",
          "Incorrect API key provided: sk-mock***. You can find your API key at https://platform.openai.com/account/api-keys."),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported"),
    404: ("invalid_request_error", "model_not_found", "The model `{model}` does not exist or you do not have access to it."),
    408: ("server_error", None, "Request timed out."),
    409: ("invalid_request_error", None, "Conflict (an error injected by mockserver)."),
    422: ("invalid_request_error", None, "Unprocessable request (an error injected by mockserver)."),
    429: ("requests", "rate_limit_exceeded",
          "Rate limit reached for {model} in organization org-mockserver on requests per min (RPM): Limit 3, Used 3, "
          "Requested 1. Please try again in {wait}. Visit https://platform.openai.com/account/rate-limits to learn more."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The server is overloaded or not ready yet."),
    504: ("server_error", None, "Gateway timeout."),
    529: ("server_error", None, "The server is overloaded or not ready yet."),  # Anthropic's "overloaded" status
}


def _wait_text(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms" if seconds < 1 else f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"


def http_error(fault: HttpFault, profile: Profile, model: str, origin: str, texts: Mapping[int, str] | None = None) -> APIError:
    """The error of an HTTP fault, with ``Retry-After``/``retry-after-ms`` for 429 (and 503 when
    asked); ``origin`` (rule label or header) goes into the ``X-Mock-Fault`` response header.
    ``texts``: the dialect's own default messages per status (Anthropic's), before the profile's."""
    kind, code, template = _DEFAULTS[fault.status]
    retry_after = fault.retry_after
    if retry_after is None and fault.status == 429:
        retry_after = DEFAULT_RETRY_AFTER
    message = fault.message or (texts or {}).get(fault.status) or profile.fault_messages.get(fault.status) or template
    message = message.replace("{model}", model).replace("{wait}", _wait_text(retry_after or 0))
    headers = {"X-Mock-Fault": _header_safe(f"{fault.status} injected by {origin}")}
    if retry_after is not None:
        headers["Retry-After"] = str(math.ceil(retry_after))
        headers["retry-after-ms"] = str(round(retry_after * 1000))
    return APIError(message, code=code, type=kind, status=fault.status, headers=headers)


def _header_safe(text: str) -> str:
    return re.sub(r"[^\x20-\x7e]", "?", text)


# --- counting -------------------------------------------------------------------------------------


class FaultCounter:
    """How many matching requests each fault has seen, per (fault key, session). Thread-safe;
    bounded by count and bytes, least recently used counters forgotten first."""

    def __init__(self, max_items: int = FAULT_COUNTERS, max_bytes: int = FAULT_BYTES) -> None:
        self._lock = threading.Lock()
        self._counts = ByteLRU(max_items, max_bytes)

    def fires(self, fault: Fault, key: tuple[str, ...], session: str) -> bool:
        """Count one matching request; True while the fault still applies to it."""
        if fault.times is None:
            return True
        full = key + (session,)
        with self._lock:
            seen = self._counts.get(full, 0) + 1
            self._counts.put(full, seen, COUNTER_OVERHEAD + sum(len(part) for part in full))
        return seen <= fault.times

    def unfire(self, fault: Fault, key: tuple[str, ...], session: str) -> None:
        """Take back one :meth:`fires` (a request that will be handled again from the start)."""
        if fault.times is None:
            return
        full = key + (session,)
        with self._lock:
            seen = self._counts.get(full, 0)
            if seen > 1:
                self._counts.put(full, seen - 1, COUNTER_OVERHEAD + sum(len(part) for part in full))
            else:
                self._counts.pop(full)

    def reset(self, session: str | None = None) -> int:
        """Forget the counts (of one session, or all); returns how many counters were dropped."""
        if session is None:
            return self._counts.clear()
        return self._counts.discard_where(lambda k: k[-1] == session)

    @property
    def bytes(self) -> int:
        return self._counts.bytes

    def __len__(self) -> int:
        return len(self._counts)

    def snapshot(self) -> list[dict[str, Any]]:
        return [{"fault": list(k[:-1]), "session": k[-1], "count": n} for k, n in self._counts.items()]
