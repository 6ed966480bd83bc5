"""The conversation's order and its tool-use protocol, in Bedrock's words (400,
``ValidationException``), each problem tagged with its rule (``rules.py``):

- "A conversation must start with a user message. Try again with a conversation that starts with
  a user message." (langgenius/dify#12340, elastic/kibana#246393);
- "A conversation must alternate between user and assistant roles. Make sure the conversation
  alternates between user and assistant roles and try again." (langchain-ai/langchain-aws#130,
  #192; microsoft/semantic-kernel#10281);
- "The content field in the Message object at messages.N is empty. Add a ContentBlock object to
  the content field and try again." (archestra-ai/archestra#4220);
- "The toolConfig field must be defined when using toolUse and toolResult content blocks."
  (langgenius/dify#16421, #17545; vxcontrol/pentagi#196);
- "Expected toolResult blocks at messages.2.content for the following Ids: tooluse_…, …"
  (agno-agi/agno#6698, camel-ai/camel#3954, genkit-ai/aws-bedrock-js-plugin#664);
- "The number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of
  previous turn." (pydantic/pydantic-ai#2327, evalstate/fast-agent#624);
- "messages.4.content: Conversation blocks and tool result blocks cannot be provided in the same
  turn." (strands-agents/harness-sdk#1223, langchain-ai/langchain-aws#141, BerriAI/litellm#6053).

A ``toolUse`` block's ``input`` is checked against the tool's declared ``inputSchema.json``, as
for the other dialects (what the mock is for; rule ``bedrock.input_invalid``).
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.validation.arguments import arguments_problem
from mockserver.validation.problems import tag
from mockserver.validation.tools import ToolSet
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError

START = "A conversation must start with a user message. Try again with a conversation that starts with a user message."
ALTERNATE = ("A conversation must alternate between user and assistant roles. Make sure the conversation alternates "
             "between user and assistant roles and try again.")
NO_TOOL_CONFIG = "The toolConfig field must be defined when using toolUse and toolResult content blocks."


def check_order(messages: list[dict[str, Any]], has_tool_config: bool) -> Iterator[APIError]:
    """The order of roles and empty messages (shape already checked)."""
    if not messages or messages[0]["role"] != "user":
        yield tag(APIError(START, param="messages.0"), "bedrock.start_with_user")
        return
    for i, message in enumerate(messages):
        if not message["content"]:
            yield tag(APIError(f"The content field in the Message object at messages.{i} is empty. Add a ContentBlock "
                               "object to the content field and try again.", param=f"messages.{i}.content"), "bedrock.content_empty")
            return
        if i and message["role"] == messages[i - 1]["role"]:
            yield tag(APIError(ALTERNATE, param=f"messages.{i}.role"), "bedrock.alternate_roles")
            return
    if not has_tool_config and any("toolUse" in b or "toolResult" in b for m in messages for b in m["content"] if isinstance(b, dict)):
        yield tag(APIError(NO_TOOL_CONFIG, param="toolConfig"), "bedrock.tool_config_missing")


def check_protocol(messages: list[dict[str, Any]], tools: ToolSet) -> Iterator[APIError]:
    """Each turn's toolResult blocks against the previous turn's toolUse blocks."""
    previous: list[str] = []  # the toolUse ids of the turn before (when it was the assistant's)
    for i, message in enumerate(messages):
        blocks = [b for b in message["content"] if isinstance(b, dict)]
        if message["role"] == "assistant":
            yield from _check_inputs(i, blocks, tools)
            previous = [b["toolUse"]["toolUseId"] for b in blocks if "toolUse" in b]
            following = messages[i + 1] if i + 1 < len(messages) else None
            if previous and following is not None:
                answered = {b["toolResult"]["toolUseId"] for b in following["content"] if isinstance(b, dict) and "toolResult" in b}
                missing = [u for u in previous if u not in answered]
                if missing:
                    where = f"messages.{i + 1}.content"
                    yield tag(APIError(f"Expected toolResult blocks at {where} for the following Ids: {', '.join(missing)}",
                                       param=where), "bedrock.tool_result_missing")
            continue
        results = [b["toolResult"] for b in blocks if "toolResult" in b]
        where = f"messages.{i}.content"
        if len(results) > len(previous):
            yield tag(APIError(f"The number of toolResult blocks at {where} exceeds the number of toolUse blocks of previous turn.",
                               param=where), "bedrock.tool_result_extra")
        if results and any("text" in b or "image" in b or "document" in b for b in blocks):
            yield tag(APIError(f"{where}: Conversation blocks and tool result blocks cannot be provided in the same turn.",
                               param=where), "bedrock.tool_result_mixed")
        previous = []


def _check_inputs(i: int, blocks: list[dict[str, Any]], tools: ToolSet) -> Iterator[APIError]:
    for j, block in enumerate(blocks):
        use = block.get("toolUse")
        if use is None:
            continue
        declared = tools.functions.get(use["name"])
        if declared is None or declared.schema_key is None:
            continue
        problem = arguments_problem(declared.schema_key, jsoncodec.dumps(use["input"]).decode())
        if problem:
            where = f"messages.{i}.content.{j}.toolUse.input"
            yield tag(APIError(f"{where}: the input of tool '{use['name']}' is invalid: {problem}", param=where,
                               code="invalid_tool_input"), "bedrock.input_invalid")
