"""Provider profiles: how a provider shapes answers, chunks and errors. Each profile is data (the
table at the end); the small functions here read it. What a provider refuses, warns about or
accepts is not here but in each dialect's rule book (``dialects/chat/rules.py``), keyed by the
profile's name.

Sources (see docs/faults-and-profiles.md):
- ``vllm``: seed 000 and vllm-project/vllm ``entrypoints/openai/serving_chat.py`` and
  ``protocol.py`` of the same era (``reasoning_content``, ``kv_transfer_params``,
  ``token_ids``): named/required tool_choice → ``content: ""`` and, non-streamed,
  ``finish_reason: "stop"`` (streamed: ``"tool_calls"``); ids ``chatcmpl-tool-<32 hex>``;
  errors ``{"error": {"message", "type", "param", "code": <int status>}}`` with ``type``
  ``BadRequestError``/``NotFoundError``/``InternalServerError``, else the HTTP phrase.
- ``vertex``: seed 001 (Vertex AI MaaS): tool call id = function name, tool results whose id
  matches no call accepted and paired by order, ``system_fingerprint: ""``, keys sorted,
  Google's error envelope ``{"error": {"code", "message", "status"}}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from types import MappingProxyType
from typing import Any, Mapping

from mockserver.wire.errors import APIError
from mockserver.wire.ids import IdSource

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Layout:
    """The fields of one JSON object, in order: taken from the canonical (OpenAI) object,
    overridden by ``fixed``, completed by ``defaults``; ``drop_none`` fields are left out when null.
    Fields not listed are left out."""

    keys: tuple[str, ...]
    fixed: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    defaults: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    drop_none: tuple[str, ...] = ()

    def apply(self, source: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in self.keys:
            if key in self.fixed:
                value = self.fixed[key]
            elif key in source:
                value = source[key]
            elif key in self.defaults:
                value = self.defaults[key]
            else:
                continue
            if value is None and key in self.drop_none:
                continue
            out[key] = list(value) if isinstance(value, list) else value
        return out


def _shape(layout: Layout | None, source: dict[str, Any]) -> dict[str, Any]:
    return source if layout is None else layout.apply(source)


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str
    call_ids: str = "openai"  # openai: call_<24 alnum> | vllm: chatcmpl-tool-<32 hex> | function: the name
    completion_ids: str = "openai"  # openai | vllm | vertex
    # a reply whose tool call was forced (tool_choice required or named):
    forced_content: str | None = None  # the content sent instead of the rule's (None: keep)
    forced_finish: str | None = None  # non-streamed finish_reason (None: keep 'tool_calls')
    forced_finish_stream: str | None = None
    # non-streamed response
    response: Layout | None = None
    choice: Layout | None = None
    message: Layout | None = None
    usage: Layout | None = None
    # streamed chunks
    chunk: Layout | None = None
    chunk_choice: Layout | None = None
    final_chunk_choice: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)  # extra fields of the choice with the finish_reason
    delta: Layout | None = None
    chunk_usage: Layout | None = None
    sort_keys: bool = False
    errors: str = "openai"  # error envelope: openai | vllm | google
    fault_messages: Mapping[int, str] = field(default_factory=lambda: _EMPTY)  # the provider's own wording of injected HTTP errors
    emulated: tuple[str, ...] = field(default=())  # what docs/faults-and-profiles.md lists


# --- shaping ----------------------------------------------------------------------------------


def completion_id(profile: Profile, ids: IdSource) -> str:
    if profile.completion_ids == "vllm":
        return "chatcmpl-" + ids.hex_id("completion")
    if profile.completion_ids == "vertex":
        # as seed 001: "2025-06-20|13:11:29.240295-07|6.230.75.101|-987540014"
        when = datetime.fromtimestamp(ids.created(), timezone(timedelta(hours=-7)))
        micro = int(ids.hex_id("micro", 5), 16) % 1_000_000
        ip = ".".join(str(int(ids.hex_id(f"ip{i}", 2), 16)) for i in range(4))
        number = int(ids.hex_id("number", 8), 16) % 2_000_000_000
        return f"{when:%Y-%m-%d|%H:%M:%S}.{micro:06d}-07|{ip}|-{number}"
    return ids.completion_id()


def call_id(profile: Profile, ids: IdSource, choice: int, k: int, name: str) -> str:
    if profile.call_ids == "vllm":
        return "chatcmpl-tool-" + ids.hex_id(f"call:{choice}:{k}")
    if profile.call_ids == "function":
        return name
    return ids.call_id(choice, k)


def forced_reply(profile: Profile, content: str | None, streamed: bool) -> tuple[str | None, str | None]:
    """(content, finish_reason or None to keep) of a reply whose tool call the request forced."""
    reason = profile.forced_finish_stream if streamed else profile.forced_finish
    content = profile.forced_content if profile.forced_content is not None else content
    return content, reason


def shape_completion(profile: Profile, body: dict[str, Any]) -> dict[str, Any]:
    """A canonical (OpenAI) chat.completion in the profile's shape."""
    if not profile.sort_keys and profile.response is profile.choice is profile.message is profile.usage is None:
        return body  # OpenAI's own shape
    choices = []
    for choice in body["choices"]:
        shaped = dict(choice, message=_shape(profile.message, choice["message"]))
        choices.append(_shape(profile.choice, shaped))
    out = _shape(profile.response, dict(body, choices=choices, usage=_shape(profile.usage, body["usage"])))
    return _sorted(out) if profile.sort_keys else out


def shape_chunk(profile: Profile, chunk: dict[str, Any]) -> dict[str, Any]:
    """A canonical (OpenAI) chat.completion.chunk in the profile's shape."""
    choices = []
    for choice in chunk["choices"]:
        shaped = dict(choice, delta=_shape(profile.delta, choice["delta"]))
        if choice.get("finish_reason") is not None:
            shaped.update(profile.final_chunk_choice)
        choices.append(_shape(profile.chunk_choice, shaped))
    shaped_chunk = dict(chunk, choices=choices)
    if chunk.get("usage") is not None:
        shaped_chunk["usage"] = _shape(profile.chunk_usage, chunk["usage"])
    out = _shape(profile.chunk, shaped_chunk)
    return _sorted(out) if profile.sort_keys else out


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


# --- errors -----------------------------------------------------------------------------------

# mockserver's own diagnostics keep OpenAI's envelope under every profile: their code (and the
# near-miss report) is what a test author reads, and no provider has an equivalent.
MOCK_CODES = frozenset({"scenario_error", "no_matching_rule", "unknown_scenario", "invalid_mock_header"})

_VLLM_TYPES = {400: "BadRequestError", 404: "NotFoundError", 500: "InternalServerError"}
_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED", 409: "ABORTED", 413: "INVALID_ARGUMENT", 415: "INVALID_ARGUMENT",
    422: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
    502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_payload(profile: Profile, error: APIError) -> dict[str, Any]:
    """The object under ``"error"`` (also what a mid-stream error event carries)."""
    if profile.errors == "vllm":
        return {"message": error.message, "type": _VLLM_TYPES.get(error.status) or _phrase(error.status),
                "param": error.param, "code": error.status}
    if profile.errors == "google":
        return {"code": error.status, "message": error.message, "status": _GOOGLE_STATUS.get(error.status, "UNKNOWN")}
    return error.body()["error"]


def error_body(profile: Profile, error: APIError) -> dict[str, Any]:
    if error.code in MOCK_CODES:
        return error.body()
    return {"error": error_payload(profile, error)}


# --- the profiles -----------------------------------------------------------------------------

OPENAI = Profile(
    name="openai",
    summary="OpenAI itself: strict tool protocol; responses valid against the official schemas.",
    emulated=(
        "call_<24> tool call ids; refusal/annotations; service_tier and system_fingerprint",
        "tool results must answer the calls of the preceding assistant message, by id (docs/conformance.md)",
    ),
)

VLLM = Profile(
    name="vllm",
    summary="vLLM's OpenAI-compatible server (seed 000).",
    call_ids="vllm",
    completion_ids="vllm",
    forced_content="",
    forced_finish="stop",
    forced_finish_stream="tool_calls",
    response=Layout(
        ("id", "object", "created", "model", "choices", "service_tier", "system_fingerprint", "usage",
         "prompt_logprobs", "prompt_token_ids", "kv_transfer_params"),
        fixed={"service_tier": None, "system_fingerprint": None, "prompt_logprobs": None,
               "prompt_token_ids": None, "kv_transfer_params": None},
    ),
    choice=Layout(("index", "message", "logprobs", "finish_reason", "stop_reason", "token_ids"),
                  defaults={"stop_reason": None, "token_ids": None}),
    message=Layout(
        ("role", "content", "refusal", "annotations", "audio", "function_call", "tool_calls", "reasoning_content"),
        fixed={"refusal": None, "annotations": None, "audio": None, "function_call": None, "reasoning_content": None},
        defaults={"tool_calls": []},
    ),
    usage=Layout(("prompt_tokens", "total_tokens", "completion_tokens", "prompt_tokens_details"),
                 fixed={"prompt_tokens_details": None}),
    chunk=Layout(("id", "object", "created", "model", "choices", "usage"), drop_none=("usage",)),
    chunk_choice=Layout(("index", "delta", "logprobs", "finish_reason", "stop_reason", "token_ids"),
                        defaults={"token_ids": None}),
    final_chunk_choice={"stop_reason": None},
    delta=Layout(("role", "content", "tool_calls")),
    chunk_usage=Layout(("prompt_tokens", "total_tokens", "completion_tokens")),
    errors="vllm",
    emulated=(
        'named/required tool_choice: content "" and finish_reason "stop" (streamed: "tool_calls")',
        "chatcmpl-<32 hex> and chatcmpl-tool-<32 hex> ids",
        "null refusal/annotations/audio/function_call/reasoning_content; tool_calls [] without calls",
        "stop_reason, token_ids; prompt_logprobs, prompt_token_ids, kv_transfer_params; usage.prompt_tokens_details null",
        "chunks without service_tier/system_fingerprint; usage chunk without details",
        'errors {"error": {message, type: BadRequestError…, param, code: <int>}}',
        "history: vLLM checks no tool-call protocol (warnings instead); `tool_calls: []` dropped as vLLM does",
    ),
)

VERTEX = Profile(
    name="vertex",
    summary="Vertex AI MaaS open models, OpenAI-compatible endpoint (seed 001).",
    call_ids="function",
    completion_ids="vertex",
    response=Layout(("choices", "created", "id", "model", "object", "system_fingerprint", "usage"),
                    fixed={"system_fingerprint": ""}),
    choice=Layout(("finish_reason", "index", "logprobs", "message")),
    message=Layout(("content", "role", "tool_calls")),
    usage=Layout(("completion_tokens", "prompt_tokens", "total_tokens")),
    chunk=Layout(("choices", "created", "id", "model", "object", "system_fingerprint", "usage"),
                 fixed={"system_fingerprint": ""}),
    chunk_choice=Layout(("delta", "finish_reason", "index", "logprobs")),
    delta=Layout(("content", "role", "tool_calls")),
    chunk_usage=Layout(("completion_tokens", "prompt_tokens", "total_tokens")),
    sort_keys=True,
    errors="google",
    fault_messages=MappingProxyType({
        429: "Resource exhausted. Please try again later. Please refer to "
             "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.",
    }),
    emulated=(
        "tool call id = function name (two parallel calls share it)",
        "tool results with ids matching no call accepted, paired with the calls by order",
        'system_fingerprint ""; no refusal/annotations/service_tier; usage without details; keys sorted',
        "ids like 2025-06-20|13:11:29.240295-07|6.230.75.101|-987540014",
        'errors in Google\'s envelope {"error": {code, message, status}}',
    ),
)

PROFILES: dict[str, Profile] = {p.name: p for p in (OPENAI, VLLM, VERTEX)}


def get_profile(name: str, where: str = "--profile") -> Profile:
    """The named profile; an unknown name is the client's mistake (400), naming where it came from."""
    profile = PROFILES.get(name.strip().lower())
    if profile is None:
        raise APIError(
            f"Unknown profile {name!r} in {where}; valid profiles: {', '.join(PROFILES)}.",
            param=None,
            code="invalid_mock_header",
        )
    return profile
