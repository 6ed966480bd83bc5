"""The tool-use protocol over the (combined) turns, in Anthropic's words (400,
``invalid_request_error``):

- "messages.N: `tool_use` ids were found without `tool_result` blocks immediately after: ID, ….
  Each `tool_use` block must have a corresponding `tool_result` block in the next message."
  (anthropics/claude-code#1237, #2697, #5989; Kilo-Org/kilocode#5163) — N is the assistant
  message holding the calls;
- "messages.N.content.M: unexpected `tool_use_id` found in `tool_result` blocks: ID. Each
  `tool_result` block must have a corresponding `tool_use` block in the previous message."
  (router-for-me/CLIProxyAPI#497, anthropics/claude-code#13460, #18947, tghamm/Anthropic.SDK#184).
A ``tool_use`` block's ``input`` is checked against the tool's ``input_schema``, as for the
other dialects (what the mock is for; docs/validation.md).
"""

from __future__ import annotations

from typing import Iterator

from mockserver.dialects.messages.convert import Turn
from mockserver.validation.arguments import arguments_problem
from mockserver.validation.problems import tag
from mockserver.validation.tools import ToolSet
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError, hinted


def check_protocol(request_turns: list[Turn], tools: ToolSet) -> Iterator[APIError]:
    """Problems tagged with the rules of ``dialects/messages/rules.py``."""
    previous: set[str] = set()  # the tool_use ids of the turn before (when it was the assistant's)
    for k, turn in enumerate(request_turns):
        if turn.role == "assistant":
            calls = [(i, j, b) for i, j, b in turn.blocks if b.get("type") == "tool_use"]
            yield from _check_inputs(calls, tools)
            ids = [b["id"] for _, _, b in calls]
            following = request_turns[k + 1] if k + 1 < len(request_turns) else None
            if ids and following is not None:
                answered = {b.get("tool_use_id") for _, _, b in following.blocks if b.get("type") == "tool_result"}
                missing = [i for i in ids if i not in answered]
                if missing:
                    index = calls[0][0]
                    sent = sorted(a for a in answered if a)
                    yield tag(hinted(APIError(
                        f"messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                        f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
                        param=f"messages.{index}",
                    ), f"the next message has tool_result blocks for {', '.join(sent) if sent else 'none of them'}"), "messages.tool_result_missing")
            previous = set(ids)
            continue
        for i, j, block in turn.blocks:
            if block.get("type") == "tool_result" and block["tool_use_id"] not in previous:
                where = f"messages.{i}.content.{j}"
                expected = f"tool_use ids {', '.join(sorted(previous))}" if previous else "no tool_use blocks"
                yield tag(hinted(APIError(
                    f"{where}: unexpected `tool_use_id` found in `tool_result` blocks: {block['tool_use_id']}. "
                    "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
                    param=where,
                ), f"sent tool_use_id {block['tool_use_id']}; the previous message has {expected}"), "messages.tool_result_unexpected")
        previous = set()


def _check_inputs(calls: list[tuple[int, int, dict]], tools: ToolSet) -> Iterator[APIError]:
    for i, j, block in calls:
        declared = tools.functions.get(block["name"])
        if declared is None or declared.schema_key is None:
            continue
        problem = arguments_problem(declared.schema_key, jsoncodec.dumps(block["input"]).decode())
        if problem:
            where = f"messages.{i}.content.{j}.input"
            yield tag(APIError(f"{where}: the input of tool '{block['name']}' is invalid: {problem}", param=where,
                               code="invalid_tool_input"), "messages.input_invalid")
