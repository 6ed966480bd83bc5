"""AWS Bedrock Runtime's Converse API: what it refuses, with the evidence.

Bedrock has one behaviour whatever ``--profile`` says (the profiles name OpenAI-compatible
servers), so each rule has one verdict for every profile. The shape checks (``shape.py``, the
service model's constraints) are untagged, so always errors. Shown in docs/conformance.md.
"""

from __future__ import annotations

from mockserver.dialects.chat.rules import PROFILES
from mockserver.validation.rules import ANY, ERROR, Rule, RuleBook, Verdict

ORDER = "Conversation order"
TURNS = "Turns: the tool-use protocol"
TOOLS = "Tools"


def _rule(id: str, check: str, section: str, source: str, basis: str = "provider") -> Rule:
    return Rule(id, check, {ANY: Verdict(ERROR, source, basis)}, section)


BOOK = RuleBook(
    dialect="bedrock",
    title="AWS Bedrock Converse (`POST /model/{modelId}/converse`, `/converse-stream`)",
    profiles=PROFILES,
    note="Bedrock answers the same whatever the profile: every column is AWS's own behaviour. Shape constraints of the "
         "service model (lengths, patterns, enums, required members) are always errors, in AWS's `1 validation error "
         "detected: Value … at '…' failed to satisfy constraint: …` form.",
    rules=(
        _rule("bedrock.start_with_user", "the first message is the user's", ORDER,
              "reported: \"A conversation must start with a user message. Try again with a conversation that starts with a "
              "user message.\" (langgenius/dify#12340, elastic/kibana#246393)"),
        _rule("bedrock.alternate_roles", "user and assistant messages alternate", ORDER,
              "reported: \"A conversation must alternate between user and assistant roles. …\" (langchain-ai/langchain-aws#130, "
              "#192; microsoft/semantic-kernel#10281)"),
        _rule("bedrock.content_empty", "no message has empty `content`", ORDER,
              "reported: \"The content field in the Message object at messages.N is empty.\" (archestra-ai/archestra#4220)"),
        _rule("bedrock.tool_config_missing", "`toolUse`/`toolResult` blocks need a `toolConfig`", TURNS,
              "reported: \"The toolConfig field must be defined when using toolUse and toolResult content blocks.\" "
              "(langgenius/dify#16421, vxcontrol/pentagi#196)"),
        _rule("bedrock.tool_result_missing", "each `toolUse` is answered by a `toolResult` in the next message", TURNS,
              "reported: \"Expected toolResult blocks at messages.2.content for the following Ids: …\" (agno-agi/agno#6698, "
              "camel-ai/camel#3954)"),
        _rule("bedrock.tool_result_extra", "no more `toolResult` blocks than the previous turn's `toolUse` blocks", TURNS,
              "reported: \"The number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of "
              "previous turn.\" (pydantic/pydantic-ai#2327, evalstate/fast-agent#624)"),
        _rule("bedrock.tool_result_mixed", "a turn with `toolResult` blocks has no text/image/document blocks", TURNS,
              "reported: \"messages.4.content: Conversation blocks and tool result blocks cannot be provided in the same "
              "turn.\" (strands-agents/harness-sdk#1223, langchain-ai/langchain-aws#141, BerriAI/litellm#6053)"),
        _rule("bedrock.input_invalid", "a `toolUse` block's `input` is valid against the tool's `inputSchema.json`", TURNS,
              "Bedrock does not check it: mockserver does, on purpose (as history.arguments_invalid)", "mock"),
        _rule("bedrock.tool_choice_undeclared", "`toolChoice.tool.name` names a declared tool", TOOLS,
              "no public report of the text: refused because the model can only call declared tools; the message names "
              "the tool and the declared ones", "mock"),
    ),
)
