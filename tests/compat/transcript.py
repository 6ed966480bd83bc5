"""Read what a framework sent (and what the mock answered) out of the journal, per dialect.

Every dialect's requests are read into one neutral form — a conversation of :class:`Turn` items
and the request's facts (tools declared, tool_choice, stream, strict) — so one check
(``check.py``) holds every stack to the same protocol whichever wire format it speaks.

Readers exist for ``chat`` (Chat Completions, read from the body as sent), ``responses`` (the
Responses API), ``messages`` (Anthropic's Messages API) and ``bedrock`` (Bedrock's Converse). The last two read the conversation
from the journal's neutral form (which expands a ``previous_response_id``, and merges Anthropic's
blocks into turns) and tools and tool_choice from the body. A served dialect without a reader
fails loudly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Call:
    id: str
    name: str
    arguments: Any  # parsed JSON (the raw text when it is not JSON)


@dataclass(frozen=True)
class Turn:
    """One message of the conversation, reduced to what the protocol is about."""

    role: str  # system | user | assistant | tool
    text: str | None = None
    calls: tuple[Call, ...] = ()
    call_id: str | None = None  # a tool result's call


@dataclass(frozen=True)
class Request:
    conversation: tuple[Turn, ...]
    tools: tuple[str, ...]  # declared function names, in order
    strict: tuple[bool, ...]  # per declared function
    tool_choice: Any  # None (not sent) | "auto" | "none" | "required" | a function name
    stream: bool
    raw: dict[str, Any]
    continued: bool = False  # Responses: previous_response_id carried the history


@dataclass(frozen=True)
class Reply:
    text: str | None
    calls: tuple[Call, ...]


@dataclass(frozen=True)
class Reader:
    request: Callable[[Any], Request]  # a journal Entry → what the framework sent
    reply: Callable[[Any], Reply]  # a journal Entry → what the mock answered
    strict_tools: bool = True  # the dialect declares tools strict (Messages: no such flag here)


def _parsed(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _text(content: Any) -> str | None:
    """Content as text: a string, or the text parts of a content array joined ('' counts as none)."""
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") in ("text", None))
    return content or None


# --- Chat Completions --------------------------------------------------------------------------


def _chat_calls(calls: Any) -> tuple[Call, ...]:
    return tuple(Call(c.get("id", ""), (c.get("function") or {}).get("name", ""),
                      _parsed((c.get("function") or {}).get("arguments"))) for c in calls or ())


def _chat_turn(message: dict[str, Any]) -> Turn:
    role = message.get("role")
    role = "system" if role == "developer" else role
    return Turn(role, _text(message.get("content")), _chat_calls(message.get("tool_calls")), message.get("tool_call_id"))


def _chat_choice(value: Any) -> Any:
    if isinstance(value, dict):  # {"type": "function", "function": {"name": ...}}
        return (value.get("function") or {}).get("name")
    return value


def chat_request(entry: Any) -> Request:
    body = entry.request
    functions = [t.get("function") or {} for t in body.get("tools") or []]
    return Request(
        conversation=tuple(_chat_turn(m) for m in body.get("messages") or []),
        tools=tuple(f.get("name") for f in functions),
        strict=tuple(f.get("strict") is True for f in functions),
        tool_choice=_chat_choice(body.get("tool_choice")),
        stream=body.get("stream") is True,
        raw=body,
    )


def chat_reply(entry: Any) -> Reply:
    message = entry.response["choices"][0]["message"]
    return Reply(_text(message.get("content")), _chat_calls(message.get("tool_calls")))


# --- Responses -----------------------------------------------------------------------------------


def _responses_choice(value: Any) -> Any:
    if isinstance(value, dict):  # {"type": "function", "name": ...}
        return value.get("name")
    return value


def responses_request(entry: Any) -> Request:
    body = entry.request
    functions = [t for t in body.get("tools") or [] if t.get("type") == "function"]
    return Request(
        conversation=tuple(_chat_turn(m) for m in entry.messages),  # neutral: instructions first
        tools=tuple(f.get("name") for f in functions),
        strict=tuple(f.get("strict") is not False for f in functions),  # strict unless false (the API's default)
        tool_choice=_responses_choice(body.get("tool_choice")),
        stream=body.get("stream") is True,
        raw=body,
        continued=body.get("previous_response_id") is not None,
    )


def neutral_reply(entry: Any) -> Reply:
    """What the mock answered, from the journal's neutral (chat-shaped) reading of any dialect."""
    message = entry.message or {}
    return Reply(_text(message.get("content")), _chat_calls(message.get("tool_calls")))


# --- Messages ------------------------------------------------------------------------------------

_MESSAGES_CHOICE = {"auto": "auto", "any": "required", "none": "none"}


def _messages_choice(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if value.get("type") == "tool":
        return value.get("name")
    return _MESSAGES_CHOICE.get(value.get("type"), value.get("type"))


def messages_request(entry: Any) -> Request:
    body = entry.request
    functions = [t for t in body.get("tools") or [] if t.get("type") in (None, "custom")]
    return Request(
        conversation=tuple(_chat_turn(m) for m in entry.messages),  # neutral: system first, blocks merged
        tools=tuple(f.get("name") for f in functions),
        strict=tuple(f.get("strict") is True for f in functions),
        tool_choice=_messages_choice(body.get("tool_choice")),
        stream=body.get("stream") is True,
        raw=body,
    )


# --- Gemini (generateContent) ----------------------------------------------------------------------

_GEMINI_MODES = {"AUTO": "auto", "NONE": "none", "VALIDATED": "auto"}


def _gemini_choice(body: dict[str, Any]) -> Any:
    config = (body.get("toolConfig") or {}).get("functionCallingConfig")
    if not isinstance(config, dict):
        return None
    mode = str(config.get("mode") or "AUTO").upper()
    if mode == "ANY":
        allowed = config.get("allowedFunctionNames") or []
        return allowed[0] if len(allowed) == 1 else "required"
    return _GEMINI_MODES.get(mode, mode.lower())


def _gemini_turns(messages: list[dict[str, Any]]) -> tuple[Turn, ...]:
    """Gemini's calls carry no id on the wire (the mock names them ``name#k`` in its journal), so a
    client may give them its own (the AI SDK does): ids are read as their place in the turn,
    and each result as the call it answers. A ``functionResponse.response`` is an object: a client
    may send a tool's JSON text as that object (LangChain does), so a result is compared as JSON."""
    turns: list[Turn] = []
    renamed: dict[str, str] = {}
    for message in messages:
        turn = _chat_turn(message)
        if turn.role == "assistant" and turn.calls:
            renamed = {c.id: f"{c.name}#{k}" for k, c in enumerate(turn.calls)}
            turn = Turn(turn.role, turn.text, tuple(Call(renamed[c.id], c.name, c.arguments) for c in turn.calls))
        elif turn.role == "tool":
            value = _parsed(turn.text)
            text = json.dumps(value) if isinstance(value, (dict, list)) else turn.text  # the tools' json.dumps
            turn = Turn(turn.role, text, (), renamed.get(turn.call_id or "", turn.call_id))
        turns.append(turn)
    return tuple(turns)


def gemini_request(entry: Any) -> Request:
    """The model and the delivery are in the path (``/v1beta/models/{model}:streamGenerateContent``)."""
    body = entry.request
    model, _, method = entry.path.rsplit("/", 1)[-1].partition(":")
    functions = [f for t in body.get("tools") or [] for f in t.get("functionDeclarations") or []]
    return Request(
        conversation=_gemini_turns(entry.messages),  # neutral: systemInstruction first, turns merged
        tools=tuple(f.get("name") for f in functions),
        strict=tuple(False for _ in functions),
        tool_choice=_gemini_choice(body),
        stream=method == "streamGenerateContent",
        raw={**body, "model": model},
    )


# --- Bedrock Converse ----------------------------------------------------------------------------


def _bedrock_choice(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "tool" in value:
        return (value["tool"] or {}).get("name")
    return "required" if "any" in value else ("auto" if "auto" in value else value)


def bedrock_request(entry: Any) -> Request:
    """The model and the delivery are the path's (``/model/{modelId}/converse`` or
    ``/converse-stream``): ``raw`` gets the model so the check reads it as for the others."""
    body = entry.request
    config = body.get("toolConfig") or {}
    specs = [t["toolSpec"] for t in config.get("tools") or [] if isinstance(t, dict) and "toolSpec" in t]
    model = entry.path.split("/model/", 1)[1].rsplit("/", 1)[0]
    return Request(
        conversation=tuple(_chat_turn(m) for m in entry.messages),  # neutral: system first, toolResults as tool turns
        tools=tuple(s.get("name") for s in specs),
        strict=tuple(s.get("strict") is True for s in specs),
        tool_choice=_bedrock_choice(config.get("toolChoice")),
        stream=entry.path.endswith("/converse-stream"),
        raw={**body, "model": model},
    )


# --- Ollama ----------------------------------------------------------------------------------------


def ollama_request(entry: Any) -> Request:
    """Ollama's native /api/chat: the conversation from the journal's neutral form (tool results
    paired with their calls by tool_name or id), tools from the body; streamed unless
    ``stream: false`` (Ollama's default is true); no tool_choice, no strict flag."""
    body = entry.request
    functions = [t.get("function") or {} for t in body.get("tools") or []]
    return Request(
        conversation=tuple(_chat_turn(m) for m in entry.messages),
        tools=tuple(f.get("name") for f in functions),
        strict=tuple(False for _ in functions),
        tool_choice=None,
        stream=body.get("stream") is not False,
        raw=body,
    )


READERS: dict[str, Reader] = {
    "chat": Reader(chat_request, chat_reply),
    "responses": Reader(responses_request, neutral_reply),
    "messages": Reader(messages_request, neutral_reply, strict_tools=False),
    "gemini": Reader(gemini_request, neutral_reply, strict_tools=False),  # Gemini has no strict flag
    "bedrock": Reader(bedrock_request, neutral_reply, strict_tools=False),
    "ollama": Reader(ollama_request, neutral_reply, strict_tools=False),
    # "messages": Reader(messages_request, messages_reply),     — when /v1/messages is served
}


def reader(dialect: str) -> Reader:
    try:
        return READERS[dialect]
    except KeyError:
        raise AssertionError(f"the server serves the {dialect!r} dialect but tests/compat/transcript.py has no reader "
                             f"for it yet: add one to READERS") from None
