"""Layers 4 and 5: the tool-call protocol in the history, and each call's arguments.

As OpenAI enforces it: each assistant tool call is answered by a tool message with its id
before the next non-tool message; a tool message answers a call of the preceding assistant
message; ids are unique; a called function is declared in ``tools``; its ``arguments`` are a
JSON object string valid against the function's ``parameters``.
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.validation.problems import invalid
from mockserver.validation.arguments import arguments_problem
from mockserver.validation.policy import STRICT, Policy
from mockserver.validation.tools import ToolSet
from mockserver.wire.errors import APIError




def check_protocol(messages: list[dict[str, Any]], tools: ToolSet, policy: Policy = STRICT) -> Iterator[APIError]:
    open_calls: dict[str, int] = {}  # unanswered id -> index of the assistant message
    block_ids: set[str] | None = None  # ids of the assistant message whose results may follow
    block_index = -1
    seen_ids: dict[str, str] = {}
    answered: dict[str, int] = {}
    for i, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            if block_ids is None:
                if policy.pair_ids:
                    yield invalid(
                        f"messages.[{i}].role",
                        "Invalid parameter: messages with role 'tool' must be a response to a "
                        "preceeding message with 'tool_calls'.",
                        None,
                    )
                continue
            call_id = message.get("tool_call_id")
            if call_id not in block_ids:
                if policy.pair_ids:
                    known = ", ".join(f"'{c}'" for c in sorted(block_ids))
                    yield invalid(
                        f"messages.[{i}].tool_call_id",
                        f"Invalid parameter: 'tool_call_id' of '{call_id}' not found in 'tool_calls' of "
                        f"previous message (messages[{block_index}] has {known}).",
                        None,
                    )
                continue
            if call_id not in open_calls:
                if policy.unique_ids:
                    yield invalid(
                        f"messages.[{i}].tool_call_id",
                        f"Invalid parameter: Duplicate value for 'tool_call_id' of '{call_id}', in "
                        f"messages[{answered[call_id]}] and messages[{i}].",
                        None,
                    )
                continue
            del open_calls[call_id]
            answered[call_id] = i
            continue
        if open_calls and policy.require_responses:
            yield _unanswered(open_calls, i)
            return
        open_calls = {}
        block_ids = None
        if role == "assistant" and message.get("tool_calls"):
            block_ids = set()
            block_index = i
            for k, call in enumerate(message["tool_calls"]):
                where = f"messages[{i}].tool_calls[{k}]"
                call_id = call["id"]
                if call_id in seen_ids and policy.unique_ids:
                    yield invalid(
                        f"{where}.id",
                        f"Invalid parameter: duplicate tool call id '{call_id}' (first used at "
                        f"{seen_ids[call_id]}). Tool call ids must be unique in a conversation.",
                        None,
                    )
                    continue
                seen_ids.setdefault(call_id, where)
                block_ids.add(call_id)
                open_calls[call_id] = i
                if call.get("type") == "function":
                    yield from _check_call(where, call["function"], tools, policy)
    if open_calls and policy.require_responses:
        yield _unanswered(open_calls, None)


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


def _check_call(where: str, function: dict[str, Any], tools: ToolSet, policy: Policy) -> Iterator[APIError]:
    name = function["name"]
    declared = tools.functions.get(name)
    if declared is None:
        if policy.declared_functions:
            names = ", ".join(f"'{n}'" for n in tools.functions) or "none (the request has no 'tools')"
            yield invalid(
                f"{where}.function.name",
                f"Invalid value for '{where}.function.name': the history calls function '{name}', "
                f"which is not declared in 'tools' (declared: {names}). Send the same 'tools' on every turn.",
            )
        return
    if not policy.check_arguments or declared.schema_key is None:
        return
    param = f"{where}.function.arguments"
    problem = arguments_problem(declared.schema_key, function["arguments"])
    if problem:
        yield invalid(
            param,
            f"Invalid '{param}' for function '{name}': {problem}",
            "invalid_function_arguments",
        )
