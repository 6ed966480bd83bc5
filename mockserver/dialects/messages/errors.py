"""Anthropic's error shape: ``{"type": "error", "error": {"type", "message"}, "request_id"}``,
the error type per HTTP status, the ``request-id`` header, and the 401s for ``x-api-key``.

Sources: Anthropic's documented error types per status (400 invalid_request_error,
401 authentication_error, 403 permission_error, 404 not_found_error, 413 request_too_large,
429 rate_limit_error, 500 api_error, 504 timeout_error, 529 overloaded_error) and reported bodies,
e.g. ``{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},
"request_id":"req_011CYhr1kdGzCrPHfrhibMen"}`` (ITSpecialist111/ai_automation_suggester#153,
abi/screenshot-to-code#430) and ``{"type":"error","error":{"type":"overloaded_error",
"message":"Overloaded"}}``. Mock-only errors (no matching rule, scenario errors, a bad
``X-Mock-Fault`` header) keep their ``code`` and details so the journal and tests can read them.
"""

from __future__ import annotations

import hmac
import uuid
from typing import Any, Mapping

from mockserver.wire.errors import SCENARIO_ERROR, APIError

TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
MOCK_CODES = frozenset({"no_matching_rule", "scenario_error", "invalid_mock_header", "invalid_scenario"})

# An injected fault's text per status, in Anthropic's words where they are known (a rule's or
# header's own message still wins).
FAULT_MESSAGES = {
    401: "invalid x-api-key",
    403: "Your API key does not have permission to use the specified resource.",
    404: "model: {model}",
    429: "This request would exceed the rate limit for your organization (mockserver) of 50 requests per minute. "
         "For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for "
         "current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.",
    500: "Internal server error",
    502: "Internal server error",
    503: "Internal server error",
    504: "Request timed out",
    529: "Overloaded",
}


def error_type(error: APIError) -> str:
    if error.type == SCENARIO_ERROR:
        return SCENARIO_ERROR
    return TYPES.get(error.status, "invalid_request_error" if error.status < 500 else "api_error")


# Anthropic's text for a body over its size limit, as clients quote the 413 (e.g.
# '413 {"error":{"type":"request_too_large","message":"Request exceeds the maximum size"}}' in
# context-overflow detectors); the type is the one Anthropic's errors page documents for 413,
# although its OpenAPI ErrorResponse lists no such member
TOO_LARGE = "Request exceeds the maximum size"


def error_payload(error: APIError) -> dict[str, Any]:
    message = error.message
    if error.status == 413 and not message.startswith(TOO_LARGE):
        message = f"{TOO_LARGE} (mockserver: {message})"
    payload: dict[str, Any] = {"type": error_type(error), "message": message}
    if error.code in MOCK_CODES:
        payload["code"] = error.code
        payload.update(error.extra)
    elif "details" in error.extra:  # machine-readable cause (``error.details.error_code``), as the SDK reads it
        payload["details"] = error.extra["details"]
    return payload


def request_id() -> str:
    """A fresh request id, shaped like Anthropic's (``req_011C`` + 20 letters/digits)."""
    return "req_011C" + uuid.uuid4().hex[:20]


def request_id_of(error: APIError) -> str:
    """The one request id of an error: its body's ``request_id`` and its ``request-id`` header are
    the same, as Anthropic sends them."""
    rid = getattr(error, "_request_id", None)
    if rid is None:
        rid = request_id()
        object.__setattr__(error, "_request_id", rid)
    return rid


def error_body(error: APIError) -> dict[str, Any]:
    return {"type": "error", "error": error_payload(error), "request_id": request_id_of(error)}


def auth_error(expected: str | None, headers: Mapping[str, str]) -> APIError | None:
    """With ``--api-key``: the request must carry it as ``x-api-key`` (the SDKs' default) or as
    ``Authorization: Bearer`` (the SDKs' ``auth_token``). Anthropic's texts: "x-api-key header is
    required" when absent, "invalid x-api-key" when wrong (reports above)."""
    if not expected:
        return None
    key = (headers.get("x-api-key") or "").strip()
    scheme, _, token = (headers.get("authorization") or "").strip().partition(" ")
    for given in (key, token.strip() if scheme.lower() == "bearer" else ""):
        if given and hmac.compare_digest(given.encode(), expected.encode()):
            return None
    if not key and not token:
        return APIError("x-api-key header is required", type="authentication_error", status=401)
    return APIError("invalid x-api-key", type="authentication_error", status=401)
