"""The ``message`` object: ``text`` and ``tool_use`` content blocks, ``stop_reason``,
``stop_sequence``, ``usage`` and ``container`` (every field Anthropic's published ``Message``
schema requires, the nullable ones null), with ids shaped like Anthropic's (``msg_01…``, ``toolu_01…``,
22 letters/digits after the prefix), derived from the request like every id of the mock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.wire import jsoncodec
from mockserver.wire.ids import IdSource
from mockserver.wire.usage import completion_tokens, count_tokens, truncate_to_tokens

ID_LENGTH = 22


@dataclass
class Output:
    text: str  # "" when the message has no text block
    calls: list[dict[str, Any]]  # {id, name, arguments (JSON text), input}
    stop_reason: str
    stop_sequence: str | None
    tokens: int


def decide(
    content: str | None, calls: list[tuple[str, str, str]], finish_reason: str | None,
    max_tokens: int | None, stop_sequences: list[str],
) -> Output:
    """``calls``: (id, name, arguments). The text is cut at the first stop sequence it contains
    (``stop_sequence``), then at ``max_tokens`` (``max_tokens``); a cut message has no tool use."""
    text = content or ""
    items = [{"id": i, "name": n, "arguments": a, "input": _input(a)} for i, n, a in calls]
    reason, matched = None, None
    found = [(text.find(s), s) for s in stop_sequences if s and s in text]
    if found:
        at, matched = min(found)
        text, reason, items = text[:at], "stop_sequence", []
    if max_tokens is not None and (count_tokens(text) > max_tokens or (max_tokens == 0 and items)):
        text, reason, matched, items = truncate_to_tokens(text, max_tokens), "max_tokens", None, []
    if reason is None:
        if finish_reason == "length":
            reason = "max_tokens"
        elif finish_reason == "content_filter":
            reason = "refusal"
        else:
            reason = "tool_use" if items else "end_turn"
    tokens = completion_tokens(text, [(c["name"], c["arguments"]) for c in items])
    return Output(text, items, reason, matched, tokens)


def _input(arguments: str) -> Any:
    """A call's ``input`` object (Anthropic always sends an object; a deliberately broken call —
    an ``invalid_json`` fault — keeps its raw text)."""
    try:
        value = jsoncodec.loads(arguments)
    except (jsoncodec.DecodeError, ValueError):
        return arguments
    return value if isinstance(value, dict) else arguments


def text_block(text: str) -> dict[str, Any]:
    """A text block; ``citations`` is required (nullable) in Anthropic's published ``ResponseTextBlock``."""
    return {"type": "text", "text": text, "citations": None}


def blocks(output: Output) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [text_block(output.text)] if output.text else []
    return out + [{"type": "tool_use", "id": c["id"], "name": c["name"], "input": c["input"]} for c in output.calls]


def usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": output_tokens,
        "server_tool_use": None,  # required (nullable) in the published Usage: no server tool runs here
        "service_tier": "standard",
    }


def message_object(ids: IdSource, model: str, output: Output | None, input_tokens: int) -> dict[str, Any]:
    """The message; ``output`` None: the empty one a stream's ``message_start`` carries."""
    return {
        "id": message_id(ids),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks(output) if output is not None else [],
        "stop_reason": output.stop_reason if output is not None else None,
        "stop_sequence": output.stop_sequence if output is not None else None,
        "usage": usage(input_tokens, output.tokens if output is not None else 1),
        "container": None,  # required (nullable) in the published Message: no container tool runs here
    }


def message_id(ids: IdSource) -> str:
    return "msg_01" + ids.alnum("message", ID_LENGTH)


def tool_use_id(ids: IdSource, k: int) -> str:
    return "toolu_01" + ids.alnum(f"toolu:{k}", ID_LENGTH)


def request_id(ids: IdSource) -> str:
    return "req_011C" + ids.alnum("request", 20)
