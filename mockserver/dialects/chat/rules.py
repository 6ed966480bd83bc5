"""Chat Completions: what each provider does with each invalid or suspicious request.

One :class:`~mockserver.validation.rules.Rule` per check of ``shape.py``, ``protocol.py`` and the
shared ``validation/tools.py``, with a :class:`~mockserver.validation.rules.Verdict` per profile
and the evidence behind it; the parameter rules (``param.<name>.<kind>``) are generated from the
official OpenAI schema (``openai-chat-schemas.json``, shipped next to this file). This is the
data ``docs/conformance.md`` is generated from.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from mockserver.validation.params import kinds_of, parameter_schemas
from mockserver.validation.rules import ACCEPT, ERROR, WARN, Rule, RuleBook, Verdict

PROFILES = ("openai", "vllm", "vertex")

# --- evidence, short ------------------------------------------------------------------------------
SCHEMA = "official OpenAPI schema (openai-chat-schemas.json)"
VLLM_MODEL = "vLLM chat_completion/protocol.py ChatCompletionRequest"
VLLM_CUSTOM = ("vLLM chat_utils.py CustomChatCompletionMessageParam: any role string, every other "
               "key optional")
VLLM_PARTS = "vLLM chat_utils.py _parse_chat_message_content_part(s)"
VLLM_DROP = "vLLM chat_utils.py _postprocess_messages: 'Drop empty tool_calls'"
VLLM_HISTORY = "vLLM checks no tool-call protocol in the history (chat_utils.py parse_chat_messages)"
VLLM_TOOL_USAGE = "vLLM protocol.py ChatCompletionRequest.check_tool_usage"
VLLM_TOOLS = "vLLM protocol.py ChatCompletionToolsParam / FunctionDefinition (no name pattern, length or schema check)"
VLLM_SAMPLING = "vLLM sampling_params.py SamplingParams._verify_args"
VLLM_IGNORED = "vLLM OpenAIBaseModel ignores fields its request model does not declare (logs them)"
VERTEX_SEED = "seed 001: Vertex AI MaaS accepted it"
ASSUMED = "OpenAI-compatible endpoint: OpenAI's behaviour assumed, not verified"
MEASURED_NO_TOOLS = ("measured against gpt-4.1-mini ('RC-24' test, public code index): tool_choice or "
                     "parallel_tool_calls without tools → 400; a history with tool_calls and tool results "
                     "but no tools → 200")


def E(source: str, basis: str = "provider", message: str | None = None) -> Verdict:
    return Verdict(ERROR, source, basis, message)


def W(source: str, basis: str = "provider") -> Verdict:
    return Verdict(WARN, source, basis)


def A(source: str, basis: str = "provider") -> Verdict:
    return Verdict(ACCEPT, source, basis)


def _rule(section: str, id: str, check: str, openai: Verdict, vllm: Verdict, vertex: Verdict | None = None) -> Rule:
    if vertex is None:
        vertex = Verdict(openai.action, ASSUMED, "assumed")
    return Rule(id, check, {"openai": openai, "vllm": vllm, "vertex": vertex}, section)


REQ, MSG, ASST, PARAM, TOOLS, CHOICE, HIST = (
    "Request", "Messages", "Assistant messages and their tool calls", "Parameters", "Tools",
    "tool_choice", "History: the tool-call protocol")

HAND_WRITTEN = (
    # --- request ---------------------------------------------------------------------------------
    _rule(REQ, "request.model_missing", "`model` is present",
          E("reported: 'you must provide a model parameter'"),
          E("mockserver needs a model to pick scenarios; vLLM's `model` is optional (answers with its served model)", "mock")),
    _rule(REQ, "request.model_type", "`model` is a string", E(SCHEMA, "schema"), E(VLLM_MODEL + " (model: str | None)")),
    _rule(REQ, "request.messages_missing", "`messages` is present", E(SCHEMA, "schema"), E(VLLM_MODEL + " (required)")),
    _rule(REQ, "request.messages_type", "`messages` is an array", E(SCHEMA, "schema"), E(VLLM_MODEL)),
    _rule(REQ, "request.messages_empty", "`messages` is not empty", E(SCHEMA + " (minItems 1)", "schema"),
          E("mockserver cannot answer an empty conversation; vLLM's model has no minimum (its chat template decides)", "mock")),
    # --- messages --------------------------------------------------------------------------------
    _rule(MSG, "message.type", "each message is an object", E(SCHEMA, "schema"), E(VLLM_MODEL)),
    _rule(MSG, "message.role_missing", "each message has a `role`", E(SCHEMA, "schema"), E(VLLM_CUSTOM + " (role required)")),
    _rule(MSG, "message.role_type", "`role` is a string", E(SCHEMA, "schema"), E(VLLM_CUSTOM + " (role: str)")),
    _rule(MSG, "message.role_unknown", "`role` is system, developer, user, assistant, tool or function",
          E("reported: \"Invalid value: 'bot'. Supported values are: 'system', 'assistant', …\""), W(VLLM_CUSTOM)),
    _rule(MSG, "message.name_type", "`name` is a string", E(SCHEMA, "schema"), E(VLLM_CUSTOM + " (name: str)")),
    _rule(MSG, "message.function_name_missing", "a legacy `function` message has a `name`", E(SCHEMA, "schema"), W(VLLM_CUSTOM)),
    _rule(MSG, "message.function_content_type", "a legacy `function` message's content is a string",
          E(SCHEMA, "schema"), E(ASSUMED, "assumed")),
    _rule(MSG, "message.content_missing", "system, developer, user and tool messages have `content`",
          E(SCHEMA, "schema"), W(VLLM_CUSTOM)),
    _rule(MSG, "message.content_type", "`content` is a string or an array of parts (null only for assistants)",
          E("reported: \"Invalid type for 'messages[0].content': expected one of a string or array of objects\""),
          E(VLLM_CUSTOM + " (content: str | list)")),
    _rule(MSG, "message.content_empty", "a content array is not empty", E(SCHEMA + " (minItems 1)", "schema"), W(VLLM_CUSTOM)),
    _rule(MSG, "message.part_type", "each content part is an object", E(SCHEMA, "schema"),
          W(VLLM_PARTS + ": a plain string part is text")),
    _rule(MSG, "message.part_kind_missing", "each content part has a `type`", E(SCHEMA, "schema"),
          E(VLLM_PARTS + ": \"Missing 'type' field in multimodal part.\"")),
    _rule(MSG, "message.part_kind_unknown", "a part's `type` is one OpenAI knows", E(SCHEMA, "schema"),
          E(VLLM_PARTS + ": 'Unsupported chat content part type'")),
    _rule(MSG, "message.part_kind_role", "a part's `type` is allowed for the role (system/developer/tool: text; assistant: text, refusal)",
          E("reported: \"Invalid value: 'image_url'. Supported values are: 'text'.\""),
          W(VLLM_MODEL + ".check_system_message_content_type only logs a warning")),
    _rule(MSG, "message.part_text_missing", "a text (or refusal) part has its text", E(SCHEMA, "schema"),
          W(VLLM_PARTS + ": a part with no text is skipped with a log line")),
    _rule(MSG, "message.part_text_type", "a part's text is a string", E(SCHEMA, "schema"), E(ASSUMED, "assumed")),
    _rule(MSG, "message.part_image", "an image part has `image_url.url` (a string) and a known `detail`",
          E(SCHEMA, "schema"), E(VLLM_PARTS + ": image parts are validated (TypeAdapter)")),
    _rule(MSG, "message.part_audio", "an input_audio part has `data` and `format` wav or mp3", E(SCHEMA, "schema"),
          E(ASSUMED, "assumed")),
    _rule(MSG, "message.part_file", "a file part has a `file` object", E(SCHEMA, "schema"),
          E(VLLM_PARTS + ": 'file' parts are unsupported")),
    _rule(MSG, "message.tool_call_id_missing", "a tool message has `tool_call_id`", E(SCHEMA, "schema"), W(VLLM_CUSTOM)),
    _rule(MSG, "message.tool_call_id_type", "`tool_call_id` is a string", E(SCHEMA, "schema"), E(VLLM_CUSTOM)),
    _rule(MSG, "message.tool_call_id_length", "`tool_call_id` has at most 40 characters",
          E("reported: \"Invalid 'messages[13].tool_call_id': string too long. Expected a string with maximum length 40\""),
          A(VLLM_CUSTOM + " (no length limit)"), A(VERTEX_SEED + " (ids are function names)")),
    # --- assistant messages --------------------------------------------------------------------
    _rule(ASST, "assistant.content_null", "an assistant message has content, unless it has tool_calls, a refusal or a function_call",
          E("reported: \"Invalid value for 'content': expected a string, got null.\" (param messages.[N].content)"),
          W("vLLM accepts assistant content null (openai ChatCompletionAssistantMessageParam)")),
    _rule(ASST, "assistant.refusal_type", "`refusal` is a string", E(SCHEMA, "schema"), E(ASSUMED, "assumed")),
    _rule(ASST, "assistant.tool_calls_type", "`tool_calls` is an array", E(SCHEMA, "schema"), E(VLLM_CUSTOM)),
    _rule(ASST, "assistant.tool_calls_empty", "`tool_calls` is not an empty array",
          E("reported: \"Invalid 'messages[2].tool_calls': empty array. Expected an array with minimum length 1\""),
          A(VLLM_DROP + " — the SDK resends vLLM's own `tool_calls: []`")),
    _rule(ASST, "assistant.tool_call_type", "each tool call is an object", E(SCHEMA, "schema"), E(VLLM_CUSTOM)),
    _rule(ASST, "assistant.tool_call_fields", "each tool call has string `id`, `type`, `function.name` and `function.arguments`",
          E(SCHEMA, "schema"), E("vLLM/openai ChatCompletionMessageToolCallParam (required keys)")),
    _rule(ASST, "assistant.tool_call_kind", "a tool call's `type` is function or custom", E(SCHEMA, "schema"), E(VLLM_CUSTOM)),
    _rule(ASST, "assistant.tool_call_custom_name", "a custom tool call has `custom.name`", E(SCHEMA, "schema"), E(ASSUMED, "assumed")),
    _rule(ASST, "assistant.tool_call_name_pattern", "a called function's name matches ^[a-zA-Z0-9_-]+$",
          E("reported: \"string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'\""),
          W("vLLM checks no name pattern")),
    _rule(ASST, "assistant.tool_call_id_length", "a tool call's `id` has at most 40 characters",
          E("reported: \"Invalid 'messages[2].tool_calls[0].id': string too long. Expected a string with maximum "
            "length 40, but got a string with length 41\" (code string_above_max_length)"),
          A(VLLM_CUSTOM + " (its own ids have 46 characters)"), A(VERTEX_SEED + " (ids are function names)")),
    # --- parameters (relations; types and ranges are generated from the schema below) -----------
    _rule(PARAM, "param.top_logprobs_without_logprobs", "`top_logprobs` only with `logprobs: true`",
          E(SCHEMA + ": \"'logprobs' must be set to true if this parameter is used\"", "schema"),
          E(VLLM_MODEL + ".check_logprobs", message="when using `top_logprobs`, `logprobs` must be set to true.")),
    _rule(PARAM, "param.stream_options_without_stream", "`stream_options` only with `stream: true`",
          E("measured and reported: \"The 'stream_options' parameter is only allowed when 'stream' is enabled.\""),
          E(VLLM_MODEL + ".validate_stream_options", message="Stream options can only be defined when `stream=True`.")),
    _rule(PARAM, "param.parallel_tool_calls_without_tools", "`parallel_tool_calls` only with `tools`",
          E(MEASURED_NO_TOOLS), A(VLLM_MODEL + " (parallel_tool_calls: bool | None, no validator)")),
    # --- tools -----------------------------------------------------------------------------------
    _rule(TOOLS, "tools.type", "`tools` is an array", E(SCHEMA, "schema"), E(VLLM_MODEL)),
    _rule(TOOLS, "tools.empty", "`tools` is not empty", E(SCHEMA, "schema"),
          E(VLLM_TOOL_USAGE, message="`tools` must not be an empty array. Either provide at least one tool or omit the field entirely.")),
    _rule(TOOLS, "tools.tool_type", "each tool is an object", E(SCHEMA, "schema"), E(VLLM_MODEL)),
    _rule(TOOLS, "tools.kind", "each tool has `type` function or custom", E(SCHEMA, "schema"),
          E(VLLM_MODEL + " (ChatCompletionToolsParam.type: Literal['function'])")),
    _rule(TOOLS, "tools.custom", "a custom (free-form) tool", A(SCHEMA, "schema"),
          E(VLLM_MODEL + " (ChatCompletionToolsParam.type: Literal['function'])")),
    _rule(TOOLS, "tools.definition", "a tool has its `function` (or `custom`) object", E(SCHEMA, "schema"), E(VLLM_MODEL)),
    _rule(TOOLS, "tools.name", "a tool has a string `name`", E(SCHEMA, "schema"), E(VLLM_TOOLS)),
    _rule(TOOLS, "tools.name_pattern", "a tool name matches ^[a-zA-Z0-9_-]+$",
          E("reported: \"Invalid 'tools[0].function.name': string does not match pattern\""), W(VLLM_TOOLS)),
    _rule(TOOLS, "tools.name_length", "a tool name has at most 64 characters",
          E("reported: \"string too long. Expected a string with maximum length 64\""), W(VLLM_TOOLS)),
    _rule(TOOLS, "tools.name_duplicate", "tool names are unique",
          W("no report of OpenAI refusing it (Anthropic, DeepSeek and Gemini do: 'Tool names must be unique.')", "mock"),
          W(VLLM_TOOLS)),
    _rule(TOOLS, "tools.description_type", "a tool's `description` is a string", E(SCHEMA, "schema"), E(VLLM_TOOLS)),
    _rule(TOOLS, "tools.strict_type", "a tool's `strict` is a boolean", E(SCHEMA, "schema"), E(ASSUMED, "assumed")),
    _rule(TOOLS, "tools.parameters_type", "a tool's `parameters` is an object", E(SCHEMA, "schema"), E(VLLM_TOOLS)),
    _rule(TOOLS, "tools.parameters_schema", "`parameters` is a JSON Schema of type object (metaschema)",
          E("reported: \"Invalid schema for function 'f': schema must be a JSON Schema of 'type: \\\"object\\\"'\""),
          W(VLLM_TOOLS + ": parameters is any dict")),
    _rule(TOOLS, "tools.strict_schema", "with `strict: true`, OpenAI's strict-mode schema rules",
          E("reported: \"In context=(), 'additionalProperties' is required to be supplied and to be false.\""),
          W("vLLM has no strict mode for tool schemas")),
    # --- tool_choice -----------------------------------------------------------------------------
    _rule(CHOICE, "tool_choice.value", "a string `tool_choice` is none, auto or required", E(SCHEMA, "schema"),
          E(VLLM_TOOL_USAGE)),
    _rule(CHOICE, "tool_choice.type", "`tool_choice` is a string or an object", E(SCHEMA, "schema"), E(VLLM_MODEL)),
    _rule(CHOICE, "tool_choice.kind", "an object `tool_choice` has `type` function, custom or allowed_tools", E(SCHEMA, "schema"),
          E(VLLM_MODEL)),
    _rule(CHOICE, "tool_choice.function", "a named `tool_choice` has its `function.name`", E(SCHEMA, "schema"), E(VLLM_TOOL_USAGE)),
    _rule(CHOICE, "tool_choice.without_tools", "`tool_choice` (other than none) only with `tools`",
          E(MEASURED_NO_TOOLS), E(VLLM_TOOL_USAGE, message="When using `tool_choice`, `tools` must be set.")),
    _rule(CHOICE, "tool_choice.undeclared", "a named `tool_choice` names a declared tool",
          E("OpenAI refuses a forced function it does not know", "assumed"),
          E(VLLM_TOOL_USAGE, message="The tool specified in `tool_choice` does not match any of the specified `tools`")),
    _rule(CHOICE, "tool_choice.allowed_tools", "an allowed_tools choice has a mode and names declared tools",
          E(SCHEMA, "schema"), E(VLLM_TOOL_USAGE)),
    _rule(CHOICE, "tool_choice.allowed_tools_unsupported", "`tool_choice` of type allowed_tools", A(SCHEMA, "schema"),
          E(VLLM_MODEL + " (named choices need `function`)")),
    # --- history ---------------------------------------------------------------------------------
    _rule(HIST, "history.tool_without_call", "a tool message follows an assistant message with tool_calls",
          E("reported (param messages.[N].role): \"Invalid parameter: messages with role 'tool' must be a response to a "
            "preceeding message with 'tool_calls'.\""), W(VLLM_HISTORY), W(VERTEX_SEED)),
    _rule(HIST, "history.tool_call_id_unknown", "a tool message's `tool_call_id` is a call of the preceding assistant message",
          E("reported: \"Invalid parameter: 'tool_call_id' of 'x' not found in 'tool_calls' of previous message.\""),
          W(VLLM_HISTORY), W(VERTEX_SEED + " (results paired with the calls by order)")),
    _rule(HIST, "history.tool_result_duplicate", "each call is answered once",
          E("reported (agno-agi/agno#5116): \"Invalid parameter: Duplicate value for 'tool_call_id' of 'call_…', in "
            "messages[7] and messages[8].\""), W(VLLM_HISTORY),
          A(VERTEX_SEED + " (its parallel calls share one id: each is answered by that id)")),
    _rule(HIST, "history.calls_unanswered", "every tool call is answered before the next non-tool message",
          E("reported (param messages.[N].role): \"An assistant message with 'tool_calls' must be followed by tool "
            "messages responding to each 'tool_call_id'.\""), W(VLLM_HISTORY), W(VERTEX_SEED)),
    _rule(HIST, "history.call_id_duplicate", "tool call ids are unique in the conversation",
          W("no report of OpenAI refusing it (latitude-llm#1840: 'OpenAI's GPTs don't mind')", "mock"),
          W(VLLM_HISTORY), A(VERTEX_SEED + " (Vertex's own parallel calls share the function name as id)")),
    _rule(HIST, "history.undeclared_function", "a called function is declared in this request's `tools`",
          W(MEASURED_NO_TOOLS + "; langgenius/dify#17545: 'Claude requires tool configured after a tool call, but "
            "openai doesn't'"), W(VLLM_HISTORY), W(ASSUMED, "assumed")),
    _rule(HIST, "history.arguments_invalid", "a call's `arguments` is a JSON object valid against its declared `parameters`",
          E("OpenAI does not check them: mockserver does, on purpose — checking the arguments your code sends back is "
            "what it is for (docs/validation.md says so)", "mock"),
          W("vLLM parses them (invalid JSON becomes {} — chat_utils.py _postprocess_messages; some versions 400) and "
            "checks no schema"),
          E("as openai: mockserver's purpose", "mock")),
    _rule(HIST, "history.arguments_unchecked", "a call of an undeclared function has a JSON object as `arguments` "
          "(its schema is unknown: only JSON is checked)",
          W("no schema to check against; OpenAI accepts the history (see history.undeclared_function)", "mock"),
          W("vLLM parses them (invalid JSON becomes {})"), W("no schema to check against", "mock")),
)

# --- parameters, generated from the official schema ---------------------------------------------

HAND_CHECKED = frozenset({"messages", "model", "tools", "tool_choice"})  # richer checks above
# changes to the schema: values OpenAI is reported to refuse although its schema allows them; a
# None drops a keyword (seed's ±9.2e18 bounds lie beyond int64: such numbers arrive as decimals)
SCHEMA_EXTRAS: dict[str, dict[str, Any]] = {
    "max_tokens": {"minimum": 1},
    "max_completion_tokens": {"minimum": 1},
    "seed": {"minimum": None, "maximum": None},
}
# what vLLM's request model declares (others it ignores) and how it treats bad values of them
VLLM_DECLARED = frozenset({
    "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "max_tokens", "max_completion_tokens", "n",
    "presence_penalty", "response_format", "seed", "stop", "stream", "stream_options", "temperature", "top_p",
    "reasoning_effort", "parallel_tool_calls", "user",
})
VLLM_PARAM_VERDICTS: dict[str, Verdict] = {
    "temperature.minimum": E(VLLM_SAMPLING + ": 'temperature must be non-negative'"),
    "temperature.maximum": E(VLLM_SAMPLING + ": 'temperature must be in [0, 2]' (recent vLLM; older ones accepted it)"),
    "top_p.minimum": E(VLLM_SAMPLING + ": 'top_p must be in (0, 1]'"),
    "top_p.maximum": E(VLLM_SAMPLING + ": 'top_p must be in (0, 1]'"),
    "presence_penalty.minimum": E(VLLM_SAMPLING + ": 'presence_penalty must be in [-2, 2]'"),
    "presence_penalty.maximum": E(VLLM_SAMPLING + ": 'presence_penalty must be in [-2, 2]'"),
    "frequency_penalty.minimum": E(VLLM_SAMPLING + ": 'frequency_penalty must be in [-2, 2]'"),
    "frequency_penalty.maximum": E(VLLM_SAMPLING + ": 'frequency_penalty must be in [-2, 2]'"),
    "n.minimum": E(VLLM_SAMPLING + ": 'n must be at least 1'"),
    "n.maximum": W(VLLM_MODEL + " (n: int, no maximum)"),
    "max_tokens.minimum": E(VLLM_SAMPLING + ": 'max_tokens must be at least 1'"),
    "max_completion_tokens.minimum": E(VLLM_SAMPLING + ": 'max_tokens must be at least 1'"),
    "top_logprobs.minimum": W(VLLM_MODEL + ".check_logprobs (accepts -1)"),
    "top_logprobs.maximum": W(VLLM_MODEL + " (no maximum in the request model; the server's max_logprobs decides)"),
    "stop.length": W(VLLM_MODEL + " (StopParam: no length limit)"),
    "response_format.enum": E(VLLM_MODEL + " (AnyResponseFormat: a Literal type per format)"),
    "reasoning_effort.enum": E(VLLM_MODEL + " (reasoning_effort: Literal[...]); reported 400 (llm-jp/llm-jp-judge#56)"),
}
_KIND_TEXT = {"type": "type", "enum": "value is one of the schema's", "minimum": "at least the schema's minimum",
              "maximum": "at most the schema's maximum", "length": "length within the schema's limits",
              "required": "required keys present", "unknown": "no unknown keys", "pattern": "matches the schema's pattern"}


@lru_cache(maxsize=1)
def request_parameter_schemas() -> dict[str, Any]:
    """Each checked top-level parameter's schema, from the official document (plus SCHEMA_EXTRAS)."""
    text = resources.files("mockserver.dialects.chat").joinpath("openai-chat-schemas.json").read_text(encoding="utf-8")
    schemas = parameter_schemas(json.loads(text), "CreateChatCompletionRequest")
    out = {}
    for name, schema in schemas.items():
        if name in HAND_CHECKED:
            continue
        merged = {**schema, **SCHEMA_EXTRAS.get(name, {})}
        out[name] = {k: v for k, v in merged.items() if v is not None}
    return out


def _param_rule(name: str, kind: str) -> Rule:
    key = f"{name}.{kind}"
    source = SCHEMA + (" (minimum 1: mockserver's, not the schema's)" if name in ("max_tokens", "max_completion_tokens")
                       and kind == "minimum" else "")
    openai = E(source, "schema")
    if key in VLLM_PARAM_VERDICTS:
        vllm = VLLM_PARAM_VERDICTS[key]
    elif name not in VLLM_DECLARED:
        vllm = W(VLLM_IGNORED)
    elif kind in ("type", "required", "unknown"):
        vllm = E(VLLM_MODEL + " (pydantic types)")
    else:
        vllm = W(VLLM_MODEL + " (no such limit)")
    return _rule(PARAM, f"param.{key}", f"`{name}`: {_KIND_TEXT[kind]}", openai, vllm)


def _generated() -> tuple[Rule, ...]:
    rules = []
    for name, schema in request_parameter_schemas().items():
        for kind in sorted(kinds_of(schema), key=lambda k: ("type", "enum", "minimum", "maximum", "length",
                                                             "required", "unknown", "pattern").index(k)):
            rules.append(_param_rule(name, kind))
    return tuple(rules)


BOOK = RuleBook(
    dialect="chat",
    title="Chat Completions (`POST /v1/chat/completions`)",
    profiles=PROFILES,
    rules=HAND_WRITTEN + _generated(),
)
