"""The Responses API: what each provider does with the call/result protocol of ``input`` items,
and with the tool declarations where the Responses API differs from Chat Completions.

The protocol rules are tagged in ``protocol.py``; the shape checks of ``shape.py`` are untagged,
so always errors (OpenAI's 400s, evidence in that module). Tool declarations of the shared
``validation/tools.py`` are judged by the rules below when this book has one of that id, else as
in Chat Completions (the fallback book). Each chat rule that fires on a Responses request was
checked against the official Responses schema (``CreateResponse`` in openai-responses-schemas.json):
- ``tools.empty``: ``ToolsArray`` has no ``minItems``, and openai-agents' default model sends
  ``tools: []`` for every agent without tools (``openai_responses.py``), as LlamaIndex's
  ``OpenAIResponses`` does: accepted (the chat 400 was a false one here);
- ``tools.name_pattern``: no ``pattern`` in the schema's ``FunctionTool.name``, but the 400 is
  reported for the Responses API: "Invalid 'tools[0].name': string does not match pattern…"
  (openai/openai-dotnet#441, openai/codex#8694, justrach/codegraff#930);
- ``tools.name_length``: no ``maxLength`` in the schema; a 400 for 68 characters is reported
  against a Responses endpoint (can1357/oh-my-pi#9131), kept as in chat;
- ``tools.custom``: ``CustomToolParam`` is a Responses tool: accepted (as in chat);
- the others (``tools.type``, ``tools.tool_type``, ``tools.kind``, ``tools.name``,
  ``tools.description_type``, ``tools.strict_type``, ``tools.parameters_type``) are type checks the
  Responses schema makes too (each nullable one is skipped when null); ``tools.parameters_schema``
  and ``tools.strict_schema`` judge the JSON Schema inside, which both APIs share.
Shown in docs/conformance.md.
"""

from __future__ import annotations

from mockserver.dialects.chat import rules as chat
from mockserver.validation.rules import ACCEPT, ERROR, WARN, Rule, RuleBook, Verdict

HIST = "Input items: the call/result protocol"
TOOLS = "Tools (where the Responses API differs from Chat Completions)"
_SCHEMA = "official Responses schema (openai-responses-schemas.json)"
_ASSUMED = "OpenAI-compatible endpoint: OpenAI's behaviour assumed, not verified"
_VLLM = "as vLLM's Chat Completions: no call/result protocol check (unverified for its Responses API)"


def _rule(id: str, check: str, openai: Verdict, vllm: Verdict, vertex: Verdict, section: str = HIST) -> Rule:
    return Rule(id, check, {"openai": openai, "vllm": vllm, "vertex": vertex}, section)


FIELD_RULES = (
    _rule("request.unknown_field", "every top-level field is one CreateResponse declares",
          Verdict(WARN, "no report of OpenAI's answer to an unknown top-level field was found (inside input items it is "
                        "\"Unknown parameter: 'input[3].status'.\", 1jehuang/jcode#1028): accepted, with a warning", "mock"),
          Verdict(WARN, chat.VLLM_IGNORED), Verdict(WARN, _ASSUMED, "assumed"), "Request"),
)

TOOL_RULES = (
    _rule("tools.empty", "`tools` may be an empty array",
          Verdict(ACCEPT, _SCHEMA + ": ToolsArray has no minItems; openai-agents' default model sends `tools: []` "
                          "for every agent without tools", "schema"),
          Verdict(ACCEPT, "unverified for vLLM's Responses API: the official schema's verdict assumed", "assumed"),
          Verdict(ACCEPT, _ASSUMED, "assumed"), TOOLS),
    _rule("tools.name_pattern", "a function's `name` matches ^[a-zA-Z0-9_-]+$",
          Verdict(ERROR, "reported for the Responses API: \"Invalid 'tools[0].name': string does not match pattern\" "
                         "(openai/openai-dotnet#441, openai/codex#8694, justrach/codegraff#930)"),
          Verdict(WARN, chat.VLLM_TOOLS), Verdict(ERROR, _ASSUMED, "assumed"), TOOLS),
    _rule("tools.hosted_invalid", "a hosted tool (web_search, file_search, code_interpreter, mcp, …) is valid against the "
          "official `Tool` schema (the branch its `type` names)",
          Verdict(ERROR, _SCHEMA + ": Tool (oneOf by type); OpenAI's standard wording", "schema"),
          Verdict(WARN, "unverified for vLLM's Responses API (hosted tools it does not run)", "assumed"),
          Verdict(ERROR, _ASSUMED, "assumed"), TOOLS),
    _rule("tools.name_length", "a function's `name` has at most 64 characters",
          Verdict(ERROR, "reported against a Responses endpoint: '`name` must be at most 64 characters' "
                         "(can1357/oh-my-pi#9131); the schema sets no maxLength"),
          Verdict(WARN, chat.VLLM_TOOLS), Verdict(ERROR, _ASSUMED, "assumed"), TOOLS),
)


BOOK = RuleBook(
    dialect="responses",
    title="Responses API (`POST /v1/responses`)",
    profiles=chat.PROFILES,
    rules=(
        _rule("responses.output_without_call", "a function_call_output answers a function_call (of this input or the previous response)",
              Verdict(ERROR, "reported (param input): \"No tool call found for function call output with call_id call_….\" "
                             "(vercel/ai#8216, continuedev/continue#10092)"),
              Verdict(WARN, _VLLM, "assumed"), Verdict(WARN, _ASSUMED + "; Vertex's Chat Completions accepts unmatched results", "assumed")),
        _rule("responses.call_without_output", "every function_call has its function_call_output",
              Verdict(ERROR, "reported (param input): \"No tool output found for function call call_….\" "
                             "(openai/openai-agents-python#673)"),
              Verdict(WARN, _VLLM, "assumed"), Verdict(WARN, _ASSUMED, "assumed")),
        _rule("responses.arguments_invalid", "a function_call's `arguments` is a JSON object valid against the declared `parameters`",
              Verdict(ERROR, "OpenAI does not check them: mockserver does, on purpose (as history.arguments_invalid)", "mock"),
              Verdict(WARN, "as Chat Completions under vllm (unverified for its Responses API)", "assumed"), Verdict(ERROR, "as openai: mockserver's purpose", "mock")),
    ) + FIELD_RULES + TOOL_RULES,
    fallback=chat.BOOK,
)
