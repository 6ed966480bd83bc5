"""Google's error shape ``{"error": {"code", "message", "status"}}``, the texts of injected
faults, and the 400/401/403 of ``--api-key`` on the Gemini API and on Vertex AI.

Sources (reported bodies):
- a wrong key on the Gemini API: 400 ``INVALID_ARGUMENT`` "API key not valid. Please pass a
  valid API key." with an ``ErrorInfo`` detail ``reason: API_KEY_INVALID`` (google-gemini/gemini-cli#4690,
  continuedev/continue#10290, can1357/oh-my-pi#449);
- no key on the Gemini API: 403 ``PERMISSION_DENIED`` "Method doesn't allow unregistered callers
  (callers without established identity). Please use API Key or other form of API consumer
  identity to call this API." (PublicAffairs/openai-gemini#92, UnityGameStudio/Gemini-Unity-Package#1);
- Vertex AI without / with a wrong bearer token: 401 ``UNAUTHENTICATED`` "Request is missing
  required authentication credential. …" / "Request had invalid authentication credentials. …"
  (the texts of Google's API front end for OAuth; not checked against a Vertex report here: *assumed*);
- 429 ``RESOURCE_EXHAUSTED`` "Resource has been exhausted (e.g. check quota)." (google-gemini/gemini-cli#2020,
  #1905, continuedev/continue#10560); 503 ``UNAVAILABLE`` "The model is overloaded. Please try again later."
  (google-gemini/gemini-cli#5191, #4360, google-gemini/cookbook#425); 403 "The caller does not have
  permission" (google-gemini/gemini-cli#14519); the 500/504 texts are Google's generic ones (*assumed*).
A stream that fails after it started sends the error object as one more event (python-genai
``_api_client.py`` ``request_streamed``: a chunk starting ``{"error":`` raises ``APIError``).
mockserver's own diagnostics (no matching rule, scenario errors) keep their OpenAI-shaped body
with its ``code`` and details, as under every profile (``wire/profiles.py``).
"""

from __future__ import annotations

import hmac
from typing import Any, Mapping

from mockserver.wire.errors import APIError
from mockserver.wire.profiles import MOCK_CODES, _GOOGLE_STATUS

FAULT_MESSAGES = {
    400: "Request contains an invalid argument.",
    401: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
         "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: "Resource has been exhausted (e.g. check quota).",
    500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
    504: "Deadline expired before operation could complete.",
}

MISSING_KEY = ("Method doesn't allow unregistered callers (callers without established identity). "
               "Please use API Key or other form of API consumer identity to call this API.")
INVALID_KEY = "API key not valid. Please pass a valid API key."
MISSING_TOKEN = ("Request is missing required authentication credential. Expected OAuth 2 access token, login cookie "
                 "or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.")
INVALID_TOKEN = FAULT_MESSAGES[401]


def status_of(code: int) -> str:
    return _GOOGLE_STATUS.get(code, "UNKNOWN")


def error_payload(error: APIError) -> dict[str, Any]:
    payload: dict[str, Any] = {"code": error.status, "message": error.message, "status": status_of(error.status)}
    details = error.extra.get("details") if error.code not in MOCK_CODES else None
    if details:
        payload["details"] = details
    return payload


def error_body(error: APIError) -> dict[str, Any]:
    if error.code in MOCK_CODES:
        return error.body()
    return {"error": error_payload(error)}


def _key_info() -> list[dict[str, Any]]:
    return [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com",
             "metadata": {"service": "generativelanguage.googleapis.com"}}]


def auth_error(expected: str | None, headers: Mapping[str, str], query: Mapping[str, str], vertex: bool) -> APIError | None:
    """With ``--api-key``: the key as ``x-goog-api-key`` (the SDKs' header) or ``?key=``, or, on
    either surface, ``Authorization: Bearer <key>`` (Vertex AI's OAuth token; the Gemini API takes
    one too)."""
    if not expected:
        return None
    key = (headers.get("x-goog-api-key") or query.get("key") or "").strip()
    scheme, _, token = (headers.get("authorization") or "").strip().partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    for given in (key, token):
        if given and hmac.compare_digest(given.encode(), expected.encode()):
            return None
    if vertex and not key:
        if token:
            return APIError(INVALID_TOKEN, type="authentication_error", status=401)
        return APIError(MISSING_TOKEN, type="authentication_error", status=401)
    if key or token:
        return APIError(INVALID_KEY, type="authentication_error", status=400 if key else 401,
                        extra={"details": _key_info()} if key else {})
    return APIError(MISSING_KEY, type="permission_error", status=403)
