"""Ollama's messages → the engine's neutral (chat-shaped) messages, and the warnings Ollama's
leniency leaves to the mock.

- ``content`` is a string; ``images`` and ``thinking`` carry nothing the engine reads;
- an assistant's ``tool_calls`` (``function.name``, object ``arguments``, optional ``id`` and
  ``function.index``) become neutral calls with JSON-text arguments. Ollama's call ids are
  optional and its server makes random ones, so clients drop them (ollama-python) or make their
  own (LangChain's ChatOllama: a uuid4): a call whose id is not one of the mock's shape
  (``call_`` + 8 of ``[a-z0-9]``) is read with the id the mock gave it (``id_of``: derived from
  the request that asked for it, the same body with the messages before it), so results, the
  journal and ``assert_tool_result_sent`` pair with the call the mock issued;
- a ``tool`` message names its call by ``tool_call_id`` (recent clients) or only by
  ``tool_name`` (ollama-python, ollama-js), or by neither (LangChain's ChatOllama: ollama-python's
  Message model drops ``tool_call_id``; ``tool_name`` is optional in Ollama's docs, so that is no
  warning): it is paired with the first unanswered call of that name of the assistant message
  before it, else with the first unanswered call.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

from mockserver.validation.arguments import arguments_problem
from mockserver.validation.problems import tag
from mockserver.validation.tools import ToolSet
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError

from mockserver.dialects.ollama.shape import ROLES

OURS = re.compile(r"call_[a-z0-9]{8}")  # the mock's call ids (server/routes.go toolCallId's shape)


def to_messages(messages: list[Any], tools: ToolSet, check: bool = True,
                id_of: Callable[[int, int], str] | None = None) -> tuple[list[dict[str, Any]], list[APIError]]:
    """The neutral conversation, and the warnings (``check``: the history's protocol too)."""
    out: list[dict[str, Any]] = []
    problems: list[APIError] = []
    unused: list[tuple[dict[str, Any], str]] = []  # (call, the id the client sent) of the last assistant message, unanswered
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        role = (message.get("role") or "").lower()
        content = message.get("content") or ""
        if role == "assistant":
            if check and unused:
                problems.append(_unanswered(unused))
            sent = [(k, c) for k, c in enumerate(message.get("tool_calls") or []) if isinstance(c, dict)]
            calls = [_call(i, k, c, id_of) for k, c in sent]
            neutral: dict[str, Any] = {"role": "assistant", "content": content or (None if calls else "")}
            if calls:
                neutral["tool_calls"] = calls
                if check:
                    problems.extend(_check_calls(i, calls, tools))
            unused = [(call, str(c.get("id") or "")) for call, (_, c) in zip(calls, sent)]
            out.append(neutral)
            continue
        if role == "tool":
            paired = _pair(message, unused)
            call = paired[0] if paired is not None else None
            if paired is not None:
                unused.remove(paired)
            elif check:
                problems.append(_unmatched(i, message))
            call_id = call["id"] if call is not None else (message.get("tool_call_id") or "")
            out.append({"role": "tool", "tool_call_id": call_id, "content": content})
            continue
        if check and unused:
            problems.append(_unanswered(unused))
        unused = []
        if check and role not in ROLES:
            problems.append(tag(APIError(
                f"messages[{i}].role: {message.get('role')!r} is not one of {', '.join(ROLES)} (Ollama passes it to the "
                "model's template as it is)", param=f"messages[{i}].role"), "ollama.role_unknown"))
        out.append({"role": role if role in ROLES else "user", "content": content})
    return out, problems


def _call(i: int, k: int, call: dict[str, Any], id_of: Callable[[int, int], str] | None) -> dict[str, Any]:
    function = call.get("function") if isinstance(call.get("function"), dict) else {}
    arguments = function.get("arguments")
    sent = call.get("id")
    if isinstance(sent, str) and OURS.fullmatch(sent):
        call_id = sent
    else:
        call_id = id_of(i, k) if id_of is not None else (sent or f"call_{i}_{k}")
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": function.get("name") or "", "arguments": jsoncodec.dumps(arguments if arguments is not None else {}).decode()},
    }


def _pair(message: dict[str, Any], unused: list[tuple[dict[str, Any], str]]) -> tuple[dict[str, Any], str] | None:
    """By the id the client sent (or the mock's), else by ``tool_name``, else the first unanswered."""
    wanted_id, name = message.get("tool_call_id"), message.get("tool_name")
    if wanted_id:
        found = next((u for u in unused if wanted_id in (u[0]["id"], u[1])), None)
        if found is not None:
            return found
    if name:
        return next((u for u in unused if u[0]["function"]["name"] == name), None)
    return unused[0] if unused and not wanted_id else None


def _unmatched(i: int, message: dict[str, Any]) -> APIError:
    named = message.get("tool_call_id") or message.get("tool_name") or "(unnamed)"
    return tag(APIError(
        f"messages[{i}]: a tool result for {named!s} answers no unanswered call of the assistant message before it",
        param=f"messages[{i}]"), "ollama.tool_result_unmatched")


def _unanswered(unused: list[tuple[dict[str, Any], str]]) -> APIError:
    names = ", ".join(f"{c['function']['name']} ({c['id']})" for c, _ in unused)
    return tag(APIError(f"tool calls without a tool result before the next message: {names}", param="messages"),
               "ollama.tool_result_missing")


def _check_calls(i: int, calls: list[dict[str, Any]], tools: ToolSet) -> Iterator[APIError]:
    for k, call in enumerate(calls):
        name = call["function"]["name"]
        where = f"messages[{i}].tool_calls[{k}]"
        declared = tools.functions.get(name)
        if declared is None:
            if tools.functions:
                yield tag(APIError(f"{where}: the call names {name!r}, which `tools` does not declare", param=where),
                          "ollama.tool_undeclared")
            continue
        if declared.schema_key is None:
            continue
        problem = arguments_problem(declared.schema_key, call["function"]["arguments"])
        if problem:
            yield tag(APIError(f"{where}.function.arguments: the arguments of tool '{name}' are invalid: {problem}",
                               param=f"{where}.function.arguments", code="invalid_tool_arguments"), "ollama.arguments_invalid")


def generate_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """``/api/generate``: the system text (if any) and the prompt as the user message."""
    out: list[dict[str, Any]] = []
    if body.get("system"):
        out.append({"role": "system", "content": body["system"]})
    out.append({"role": "user", "content": body.get("prompt") or ""})
    return out
