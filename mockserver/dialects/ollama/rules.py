"""Ollama's native API (``POST /api/chat``, ``POST /api/generate``): what Ollama refuses, and
what it accepts that usually means a client bug.

Ollama is lenient. Its server decodes the body with Go's ``encoding/json`` into
``api.ChatRequest``/``api.GenerateRequest`` (``api/types.go``: unknown fields are ignored, a value
of the wrong JSON type is a 400 with Go's decoder text), then checks little more than the model:
it renders the messages through the model's template, whatever their roles, tool names or
arguments. So nearly every check a strict provider makes is a *warning* here (``--strict`` turns
them into 400s). Sources: ollama/ollama ``server/routes.go`` (``ChatHandler``,
``GenerateHandler``, ``streamResponse``), ``api/types.go`` (``ThinkValue.UnmarshalJSON``,
``Duration.UnmarshalJSON``), ``llm/llama_server.go`` (the ``format`` check). Before any of
these, the body itself (the service reads it for every dialect): an empty one is Ollama's 400
``missing request body`` (``ChatHandler``: ``errors.Is(err, io.EOF)``), one that is not JSON a
400 with the parser's text (Ollama's is Go's decoder's, e.g. ``unexpected EOF``). One column: Ollama is
its only provider, so its verdicts hold whatever profile the server runs.
"""

from __future__ import annotations

from mockserver.validation.rules import ANY, ERROR, WARN, Rule, RuleBook, Verdict

# one column: Ollama is its only provider; whatever profile the server runs (openai, vllm…), these hold
PROFILES = ("ollama",)
REQUEST = "Request: what Ollama's decoder and handlers refuse"
TURNS = "Messages and tools: accepted by Ollama, warned about by the mock"

ROUTES = "ollama/ollama server/routes.go"
LENIENT = "Ollama renders the messages through the model's template without checking it"


def _rule(id: str, check: str, verdict: Verdict, section: str) -> Rule:
    return Rule(id, check, {ANY: verdict}, section)


def _error(id: str, check: str, source: str, basis: str = "provider") -> Rule:
    return _rule(id, check, Verdict(ERROR, source, basis), REQUEST)


def _warn(id: str, check: str, source: str = LENIENT, basis: str = "provider") -> Rule:
    return _rule(id, check, Verdict(WARN, source, basis), TURNS)


BOOK = RuleBook(
    dialect="ollama",
    title="Ollama native API (`POST /api/chat`, `POST /api/generate`)",
    profiles=PROFILES,
    note="Ollama is its only provider: its verdicts hold under every profile. Errors are `{\"error\": \"…\"}` bodies "
         "(**400** marks an error: its status, 404 or 500 where it differs, is in the check's text).",
    rules=(
        _error("ollama.field_type", "each known field has its Go type (400 `json: cannot unmarshal X into Go struct "
               "field ChatRequest.F of type T`)", "api/types.go ChatRequest/Message/ToolCall decoded by encoding/json"),
        _error("ollama.model_required", "`model` is set (400 `model is required`)",
               f"{ROUTES} ChatHandler: parseAndValidateModelRef → writeModelRefParseError(…, \"model is required\")"),
        _error("ollama.model_not_found", "the model is one the scenarios name, as `ollama list` would show it "
               "(404 `model 'x' not found`), when the scenarios name models (`models:` or a `model` matcher); not "
               "checked with `--upstream`",
               f"{ROUTES} ChatHandler/GenerateHandler: getModel → os.IsNotExist → 404 \"model '%s' not found\""),
        _error("ollama.top_logprobs_range", "`top_logprobs` is between 0 and 20",
               f"{ROUTES} ChatHandler: \"top_logprobs must be between 0 and 20\""),
        _error("ollama.think_invalid", "`think` is a boolean or \"high\"/\"medium\"/\"low\"/\"max\"",
               "api/types.go ThinkValue.UnmarshalJSON: \"invalid think value: %q (must be …)\""),
        _error("ollama.keep_alive_invalid", "`keep_alive` is a number of seconds or a Go duration (\"5m\")",
               "api/types.go Duration.UnmarshalJSON: time.ParseDuration's error, or \"Unsupported type: '%s'\""),
        _rule("ollama.format_invalid", "`format` is \"json\" or a JSON Schema object (500 `invalid format: …`)",
              Verdict(ERROR, "llm/llama_server.go: \"invalid format: %q; expected \\\"json\\\" or a valid JSON Schema "
                             "object\", sent by ChatHandler as a 500 (no status)"), REQUEST),
        _warn("ollama.format_schema", "a `format` object is a valid JSON Schema",
              "llama.cpp turns the schema into a grammar and may fail on it (its text is not known)", "assumed"),
        _warn("ollama.role_unknown", "each message's role is system, user, assistant or tool"),
        _warn("ollama.messages_empty", "`messages` is not empty (Ollama then only loads the model: "
              "`done_reason: \"load\"`; the mock answers from the scenarios)",
              f"{ROUTES} ChatHandler: `len(req.Messages) == 0` → done_reason \"load\""),
        _warn("ollama.tool_result_unmatched", "a tool message answers a call of the assistant message before it "
              "(by `tool_call_id`, else by `tool_name`)"),
        _warn("ollama.tool_result_missing", "every tool call of an assistant message is answered before the next "
              "user or assistant message"),
        _warn("ollama.tool_undeclared", "a tool call in the history names a declared tool"),
        _warn("ollama.arguments_invalid", "a tool call's `arguments` match the tool's declared parameters",
              "Ollama does not check arguments: warned, as the mock's purpose is to catch them"),
        _warn("ollama.tools_suspicious", "the declared tools are well formed (type function, a name, "
              "object parameters)", "api/types.go Tool: decoded without further checks"),
    ),
)
