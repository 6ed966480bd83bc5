"""The Responses API's call/result protocol, over the previous response's conversation and the
request's ``input`` items.

OpenAI's 400s (param ``input``, code null), as users report them:
- "No tool call found for function call output with call_id call_….": a ``function_call_output``
  whose ``call_id`` matches no ``function_call`` (vercel/ai#8216, continuedev/continue#10092);
- "No tool output found for function call call_….": a ``function_call`` left without its output
  (openai/openai-agents-python#673, tjardoo/openai-client#124).
Arguments of the request's own ``function_call`` items are checked against the declared schema,
as for Chat Completions (what this mock is for; docs/validation.md).
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.validation.arguments import arguments_problem
from mockserver.validation.problems import invalid, tag
from mockserver.validation.tools import ToolSet
from mockserver.wire.errors import APIError, hinted


def check_protocol(prior: list[dict[str, Any]], items: Any, tools: ToolSet) -> Iterator[APIError]:
    """Problems tagged with the rules of ``dialects/responses/rules.py`` (whose verdicts, per
    profile, make them errors or warnings)."""
    calls: dict[str, str] = {}  # call_id -> where it was made
    answered: set[str] = set()
    for message in prior:
        for call in message.get("tool_calls") or []:
            calls[call["id"]] = "the previous response"
        if message.get("role") == "tool":
            answered.add(message.get("tool_call_id") or "")
    if not isinstance(items, list):
        items = []
    for i, item in enumerate(items):
        kind = item.get("type")
        if kind == "function_call":
            calls.setdefault(item["call_id"], f"input[{i}]")
            yield from _check_arguments(i, item, tools)
        elif kind == "function_call_output":
            call_id = item["call_id"]
            if call_id not in calls:
                made = ", ".join(calls) or "none"
                yield tag(hinted(invalid("input", f"No tool call found for function call output with call_id {call_id}.", None),
                                 f"input[{i}] answers call_id {call_id}; the function calls of this conversation: {made}"),
                          "responses.output_without_call")
            answered.add(call_id)
    for call_id in calls:
        if call_id not in answered:
            sent = ", ".join(sorted(answered)) or "none"
            yield tag(hinted(invalid("input", f"No tool output found for function call {call_id}.", None),
                             f"{call_id} was made in {calls[call_id]}; function_call_output items answer: {sent}"),
                      "responses.call_without_output")


def _check_arguments(i: int, item: dict[str, Any], tools: ToolSet) -> Iterator[APIError]:
    declared = tools.functions.get(item["name"])
    if declared is None or declared.schema_key is None:
        return
    problem = arguments_problem(declared.schema_key, item["arguments"])
    if problem:
        param = f"input[{i}].arguments"
        yield tag(invalid(param, f"Invalid '{param}' for function '{item['name']}': {problem}", "invalid_function_arguments"),
                  "responses.arguments_invalid")
