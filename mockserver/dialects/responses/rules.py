"""The Responses API: what each provider does with the call/result protocol of ``input`` items.

Only the protocol rules are tagged so far (``protocol.py``); the shape checks of ``shape.py`` are
untagged, so always errors (OpenAI's 400s, evidence in that module). Tool declarations and
``tool_choice`` problems of the shared ``validation/tools.py`` are judged as in Chat Completions
(the fallback book). Shown in docs/conformance.md.
"""

from __future__ import annotations

from mockserver.dialects.chat import rules as chat
from mockserver.validation.rules import ERROR, WARN, Rule, RuleBook, Verdict

HIST = "Input items: the call/result protocol"
_ASSUMED = "OpenAI-compatible endpoint: OpenAI's behaviour assumed, not verified"
_VLLM = "as vLLM's Chat Completions: no call/result protocol check (unverified for its Responses API)"


def _rule(id: str, check: str, openai: Verdict, vllm: Verdict, vertex: Verdict) -> Rule:
    return Rule(id, check, {"openai": openai, "vllm": vllm, "vertex": vertex}, HIST)


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
    ),
    fallback=chat.BOOK,
)
