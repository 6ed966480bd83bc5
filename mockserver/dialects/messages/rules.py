"""Anthropic's Messages API: what each profile does with unknown fields and the tool-use protocol.

Message threads' errors (``threads.py``: thread_not_found, thread_unsupported_request,
thread_fingerprint_mismatch) answer for server state, not a client's request shape: they are the
API's under every profile and not listed here.

Under the default profile (``openai``: "the real provider of this dialect") these are
Anthropic's own 400s; ``vllm`` and ``vertex`` keep the leniency they have for the other dialects
(unverified for their Messages endpoints). Only the protocol rules are tagged (``protocol.py``);
the shape checks (``shape.py``, ``tools.py``) are untagged, so always errors. Shown in
docs/conformance.md.
"""

from __future__ import annotations

from mockserver.dialects.chat.rules import PROFILES
from mockserver.validation.rules import ERROR, WARN, Rule, RuleBook, Verdict

TURNS = "Turns: the tool-use protocol"
_VLLM = "as vLLM's Chat Completions: no tool protocol check (unverified for its Messages API)"
_VERTEX = "as Vertex's Chat Completions: unmatched results accepted (unverified for Anthropic on Vertex)"


def _rule(id: str, check: str, anthropic: Verdict, vllm: Verdict, vertex: Verdict) -> Rule:
    return Rule(id, check, {"openai": anthropic, "vllm": vllm, "vertex": vertex}, TURNS)


FIELDS = "Request fields"
UNKNOWN = Rule("request.unknown_field", "every field (top level, in a message, in a text/tool_use/tool_result block) is one the "
               "API declares; beta fields only with an `anthropic-beta` header (`thread` with message-threads-2026-08-12)", {
    "openai": Verdict(ERROR, "reported: \"response_format: Extra inputs are not permitted\" (amrit110/oli#7), \"messages.0.name: "
                             "Extra inputs are not permitted\" (microsoft/autogen#3034), \"tools.3.custom.input_examples: Extra "
                             "inputs are not permitted\" without its beta (anthropics/claude-code#11678)"),
    "vllm": Verdict(WARN, "vLLM's request models ignore fields they do not declare (logs them)"),
    "vertex": Verdict(ERROR, "reported through Vertex AI: \"modifyParams: Extra inputs are not permitted\" (request id req_vrtx_…)"),
}, FIELDS)


BOOK = RuleBook(
    dialect="messages",
    title="Anthropic Messages API (`POST /v1/messages`)",
    profiles=PROFILES,
    note="The `openai` column is the default profile, which for this dialect means Anthropic's own API.",
    rules=(
        UNKNOWN,
        _rule("messages.tool_result_missing", "each `tool_use` is answered by a `tool_result` in the next message",
              Verdict(ERROR, "reported: \"messages.N: `tool_use` ids were found without `tool_result` blocks immediately "
                             "after\" (anthropics/claude-code#1237, #2697, #5989; Kilo-Org/kilocode#5163)"),
              Verdict(WARN, _VLLM, "assumed"), Verdict(WARN, _VERTEX, "assumed")),
        _rule("messages.tool_result_unexpected", "a `tool_result` answers a `tool_use` of the previous message",
              Verdict(ERROR, "reported: \"messages.N.content.M: unexpected `tool_use_id` found in `tool_result` blocks\" "
                             "(router-for-me/CLIProxyAPI#497, anthropics/claude-code#13460, #18947)"),
              Verdict(WARN, _VLLM, "assumed"), Verdict(WARN, _VERTEX, "assumed")),
        _rule("messages.input_invalid", "a `tool_use` block's `input` is valid against the tool's `input_schema`",
              Verdict(ERROR, "Anthropic does not check it: mockserver does, on purpose (as history.arguments_invalid)", "mock"),
              Verdict(WARN, "as Chat Completions under vllm", "assumed"), Verdict(ERROR, "mockserver's purpose", "mock")),
    ),
)
