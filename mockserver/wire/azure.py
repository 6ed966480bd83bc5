"""Azure OpenAI: what its routes add to OpenAI's API, and the errors it answers itself.

Azure serves OpenAI's models behind its own front door:

- ``/openai/deployments/{deployment}/chat/completions`` (and ``/embeddings``) with a required
  ``api-version`` query parameter; ``/openai/responses?api-version=…`` (openai-python's
  ``AzureOpenAI`` sends Responses there, ``lib/azure.py``: only the ``_deployments_endpoints``
  get the deployment in the path); the v1 surface ``/openai/v1/…`` where ``api-version`` is
  optional (``preview``/``latest``/``v1``, or none);
- the key in an ``api-key`` header (``AzureOpenAI(api_key=…)``), or a bearer token
  (``azure_ad_token``);
- answers with content-filter annotations (``prompt_filter_results``, each choice's
  ``content_filter_results``) — see :data:`SAFE` and the ``azure`` profile.

Errors Azure answers before the model sees the request (its own envelope
``{"error": {"code": "<string>", "message"}}``, no ``type``/``param``):

- no ``api-version``: 404 ``{"error": {"code": "404", "message": "Resource not found"}}``
  (MicrosoftDocs/azure-docs#114602, ThinkInAIXYZ/deepchat#262);
- an ``api-version`` Azure does not serve: 400 ``{"error": {"code": "BadRequest",
  "message": "API version not supported"}}`` (hotovo/aider-desk#460, earendil-works/pi#2528,
  mindsdb/mindshub#11563 for a made-up ``2025-04-14-preview``);
- a wrong or missing key: 401 ``{"error": {"code": "401", "message": "Access denied due to invalid
  subscription key or wrong API endpoint. Make sure to provide a valid key for an active
  subscription and use a correct regional API endpoint for your resource."}}``
  (SciSharp/BotSharp#386 with its Content-Length 224, microsoft/semantic-kernel#10337).
"""

from __future__ import annotations

import hmac
from types import MappingProxyType
from typing import Any, Mapping

from mockserver.wire.errors import APIError

#: the inference ``api-version`` values Azure publishes (Azure/azure-rest-api-specs
#: ``specification/cognitiveservices/data-plane/AzureOpenAI/inference/{stable,preview}/<version>``,
#: and the later previews of Azure's API version lifecycle page); others get Azure's 400
API_VERSIONS = frozenset({
    # stable
    "2022-12-01", "2023-05-15", "2024-02-01", "2024-06-01", "2024-10-21",
    # preview
    "2022-03-01-preview", "2022-06-01-preview", "2023-03-15-preview", "2023-06-01-preview",
    "2023-07-01-preview", "2023-08-01-preview", "2023-09-01-preview", "2023-10-01-preview",
    "2023-12-01-preview", "2024-02-15-preview", "2024-03-01-preview", "2024-04-01-preview",
    "2024-05-01-preview", "2024-07-01-preview", "2024-08-01-preview", "2024-09-01-preview",
    "2024-10-01-preview", "2024-12-01-preview", "2025-01-01-preview", "2025-02-01-preview",
    "2025-03-01-preview", "2025-04-01-preview",
})
#: the v1 surface's values (Azure's API version lifecycle page: no dated versions there)
V1_API_VERSIONS = frozenset({"v1", "preview", "latest"})

_ACCESS_DENIED = ("Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid "
                  "key for an active subscription and use a correct regional API endpoint for your resource.")

_SAFE_CATEGORY = MappingProxyType({"filtered": False, "severity": "safe"})
#: a choice's ``content_filter_results`` when its text passed (a real gpt-4.1 answer on Azure,
#: 2025-09: hate, self_harm, sexual, violence, each {filtered: false, severity: safe})
SAFE: Mapping[str, Any] = MappingProxyType({k: _SAFE_CATEGORY for k in ("hate", "self_harm", "sexual", "violence")})
#: ``prompt_filter_results`` of a prompt that passed (same answer: the categories plus jailbreak)
PROMPT_FILTER: tuple[Mapping[str, Any], ...] = (MappingProxyType({
    "prompt_index": 0,
    "content_filter_results": MappingProxyType({
        "hate": _SAFE_CATEGORY, "jailbreak": MappingProxyType({"filtered": False, "detected": False}),
        "self_harm": _SAFE_CATEGORY, "sexual": _SAFE_CATEGORY, "violence": _SAFE_CATEGORY,
    }),
}),)


def plain(value: Any) -> Any:
    """A read-only constant above as plain JSON data (dicts and lists)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def stream_preamble() -> dict[str, Any]:
    """The first chunk of an Azure stream: the prompt's filter results, no choice, blank header
    (captured streams of gpt-4.1-mini and gpt-5.2-chat on Azure)."""
    return {"choices": [], "created": 0, "id": "", "model": "", "object": "", "prompt_filter_results": plain(PROMPT_FILTER)}


class AzureError(APIError):
    """An error in Azure's own envelope ``{"error": {"code", "message"}}``."""

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


def api_version_error(query: Mapping[str, str], v1: bool) -> APIError | None:
    """Azure's answer to a missing or unknown ``api-version`` (None when it is served).
    ``v1``: the ``/openai/v1/`` surface, where it is optional."""
    version = query.get("api-version")
    if version is None:
        if v1:
            return None
        return AzureError("Resource not found", code="404", status=404)
    if version in (V1_API_VERSIONS if v1 else API_VERSIONS):
        return None
    return AzureError("API version not supported", code="BadRequest", status=400)


def auth_error(expected: str | None, headers: Mapping[str, str]) -> APIError | None:
    """With ``--api-key``: an ``api-key`` header or ``Authorization: Bearer`` carrying the key."""
    if not expected:
        return None
    given = headers.get("api-key")
    if given is None:
        scheme, _, token = (headers.get("authorization") or "").strip().partition(" ")
        given = token.strip() if scheme.lower() == "bearer" else ""
    if hmac.compare_digest(given.encode(), expected.encode()):
        return None
    return AzureError(_ACCESS_DENIED, code="401", status=401)


def route_error(path: str, query: Mapping[str, str], expected_key: str | None, headers: Mapping[str, str]) -> APIError | None:
    """What Azure answers before the request reaches the model: the api-version, then the key."""
    return api_version_error(query, path.startswith("/openai/v1/")) or auth_error(expected_key, headers)
