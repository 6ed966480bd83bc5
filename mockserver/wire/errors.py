"""OpenAI-shaped errors: ``{"error": {"message", "type", "param", "code"}}`` with an HTTP status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.wire.warnings import _header_safe

INVALID_REQUEST = "invalid_request_error"
SCENARIO_ERROR = "mockserver_scenario_error"


@dataclass
class APIError(Exception):
    """An error answered to the client. Raised anywhere below the app; rendered in one place."""

    message: str
    param: str | None = None
    code: str | None = None
    type: str = INVALID_REQUEST
    status: int = 400
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # the validation rule this problem breaks (mockserver.validation.rules decides, per provider
    # profile, whether it is an error, a warning or accepted); None: always an error
    rule: str | None = field(default=None, compare=False)
    # warnings validation found before this error (sent and journaled with it)
    warnings: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.type,
            "param": self.param,
            "code": self.code,
        }
        error.update(self.extra)
        return {"error": error}


def not_found_route(method: str, path: str) -> APIError:
    # OpenAI's own wording for an unknown route.
    return APIError(f"Invalid URL ({method} {path})", status=404)


def method_not_allowed(method: str, path: str, allowed: list[str]) -> APIError:
    allow = ", ".join(sorted(allowed))
    return APIError(
        f"Method {method} is not allowed for {path}; use {allow}.",
        code="method_not_allowed",
        status=405,
        headers={"Allow": allow},
    )


def scenario_error(message: str, where: str | None = None) -> APIError:
    """The scenario (not the client) is at fault: 422, never retried by SDKs, clearly labelled."""
    text = f"Scenario error{f' in {where}' if where else ''}: {message}"
    return APIError(text, type=SCENARIO_ERROR, code="scenario_error", status=422)


HINT_HEADER = "X-Mock-Hint"
HINT_CHARS = 2000  # a hint quotes the request (call ids, names): escaped to printable ASCII and cut here


def hinted(error: APIError, hint: str) -> APIError:
    """The mock's explanation beside the provider's exact words: a header (and the log line), so
    the body stays the provider's."""
    error.headers[HINT_HEADER] = _header_safe(hint, HINT_CHARS)  # a NUL in a call id once dropped the connection
    return error
