"""Layers 4 and 5: the tool-call protocol in the history, and each call's arguments.

As OpenAI enforces it: each assistant tool call is answered by a tool message with its id
before the next non-tool message; a tool message answers a call of the preceding assistant
message, once. What OpenAI accepts but usually means a client bug — a call of a function this
request does not declare, a call id used twice — is a problem too, tagged with a rule whose
verdict is a warning (``dialects/chat/rules.py``); so is what other providers accept.
Arguments are checked against the declared ``parameters`` (mockserver's purpose, not OpenAI's).
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.validation.arguments import arguments_problem, json_object_problem
from mockserver.validation.problems import invalid, tag
from mockserver.validation.tools import ToolSet
from mockserver.wire.errors import APIError


def check_protocol(messages: list[dict[str, Any]], tools: ToolSet) -> Iterator[APIError]:
    open_calls: dict[str, int] = {}  # unanswered id -> index of the assistant message
    block_ids: set[str] | None = None  # ids of the assistant message whose results may follow
    block_index = -1
    seen_ids: dict[str, str] = {}
    answered: dict[str, int] = {}
    for i, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if block_ids is None:
                yield tag(invalid(
                    f"messages.[{i}].role",
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    None,
                ), "history.tool_without_call")
            elif call_id not in block_ids:
                known = ", ".join(f"'{c}'" for c in sorted(block_ids))
                yield tag(invalid(
                    f"messages.[{i}].tool_call_id",
                    f"Invalid parameter: 'tool_call_id' of '{call_id}' not found in 'tool_calls' of "
                    f"previous message (messages[{block_index}] has {known}).",
                    None,
                ), "history.tool_call_id_unknown")
            elif call_id not in open_calls:
                yield tag(invalid(
                    f"messages.[{i}].tool_call_id",
                    f"Invalid parameter: Duplicate value for 'tool_call_id' of '{call_id}', in "
                    f"messages[{answered[call_id]}] and messages[{i}].",
                    None,
                ), "history.tool_result_duplicate")
            else:
                del open_calls[call_id]
                answered[call_id] = i
            continue
        if open_calls:
            yield tag(_unanswered(open_calls, i), "history.calls_unanswered")
        open_calls = {}
        block_ids = None
        if role == "assistant" and message.get("tool_calls"):
            block_ids = set()
            block_index = i
            for k, call in enumerate(message["tool_calls"]):
                where = f"messages[{i}].tool_calls[{k}]"
                call_id = call["id"]
                if call_id in seen_ids:
                    yield tag(invalid(
                        f"{where}.id",
                        f"Invalid parameter: duplicate tool call id '{call_id}' (first used at "
                        f"{seen_ids[call_id]}). Tool call ids should be unique in a conversation.",
                        None,
                    ), "history.call_id_duplicate")
                seen_ids.setdefault(call_id, where)
                block_ids.add(call_id)
                open_calls[call_id] = i
                if call.get("type") == "function":
                    yield from _check_call(where, call["function"], tools)
    if open_calls:
        yield tag(_unanswered(open_calls, None), "history.calls_unanswered")


def _unanswered(open_calls: dict[str, int], at: int | None) -> APIError:
    """``at``: the message where a tool message was due (None at the end of the conversation)."""
    index = at if at is not None else next(iter(open_calls.values()))
    ids = ", ".join(open_calls)
    return invalid(
        f"messages.[{index}].role",
        "An assistant message with 'tool_calls' must be followed by tool messages responding to "
        f"each 'tool_call_id'. The following tool_call_ids did not have response messages: {ids}",
        None,
    )


def _check_call(where: str, function: dict[str, Any], tools: ToolSet) -> Iterator[APIError]:
    name = function["name"]
    param = f"{where}.function.arguments"
    declared = tools.functions.get(name)
    if declared is None:
        names = ", ".join(f"'{n}'" for n in tools.functions) or "none: the request has no 'tools'"
        yield tag(invalid(
            f"{where}.function.name",
            f"The history calls function '{name}', which this request does not declare in 'tools' "
            f"(declared: {names}), so its arguments cannot be checked. Send the same 'tools' on every turn.",
        ), "history.undeclared_function")
        problem = json_object_problem(function["arguments"])
        if problem:
            yield tag(invalid(param, f"Invalid '{param}' for function '{name}': {problem}", "invalid_function_arguments"),
                      "history.arguments_unchecked")
        return
    if declared.schema_key is None:
        return  # no usable schema (a profile accepted a broken one)
    problem = arguments_problem(declared.schema_key, function["arguments"])
    if problem:
        yield tag(invalid(param, f"Invalid '{param}' for function '{name}': {problem}", "invalid_function_arguments"),
                  "history.arguments_invalid")
