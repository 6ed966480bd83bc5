"""Google's ``generateContent`` (Gemini API and Vertex AI): what the API does with each checked
problem. The default profile (``openai``: "the real provider of this dialect") is Google's own
API; other profiles are judged the same. The shape checks (``shape.py``, most of ``tools.py``)
are untagged, so always errors. Shown in docs/conformance.md.
"""

from __future__ import annotations

from mockserver.validation.rules import ANY, ERROR, WARN, Rule, RuleBook, Verdict

TURNS = "Turns: the function-calling protocol"
DECLARATIONS = "Function declarations and toolConfig"


def _rule(id: str, check: str, verdict: Verdict, section: str = TURNS) -> Rule:
    return Rule(id, check, {ANY: verdict}, section)


BOOK = RuleBook(
    dialect="gemini",
    title="Google generateContent (`POST /v1beta/models/{model}:generateContent`, Vertex AI `…/publishers/google/models/{model}:generateContent`)",
    profiles=("openai",),
    note="The `openai` column is the default profile, which for this dialect means Google's own API (every profile "
         "judges alike). The mock's own explanation of a protocol error rides beside Google's text in the "
         "`X-Mock-Hint` header.",
    rules=(
        _rule("gemini.call_after", "a model turn with `functionCall` parts comes right after a user turn (text or function responses)",
              Verdict(ERROR, "reported: \"Please ensure that function call turn comes immediately after a user turn or after a "
                             "function response turn.\" (google-gemini/gemini-cli#11814, #26486)")),
        _rule("gemini.response_after", "`functionResponse` parts come right after a model turn with `functionCall` parts",
              Verdict(ERROR, "reported: \"Please ensure that function response turn comes immediately after a function call "
                             "turn.\" (langchain-ai/langchain#27799, GoogleCloudPlatform/generative-ai#368)")),
        _rule("gemini.response_count", "as many `functionResponse` parts as the function call turn has `functionCall` parts",
              Verdict(ERROR, "reported: \"Please ensure that the number of function response parts is equal to the number of "
                             "function call parts of the function call turn.\" (microsoft/vscode#299295, google-gemini/gemini-cli#17208)")),
        _rule("gemini.response_name", "a `functionResponse` names a function the function call turn called",
              Verdict(ERROR, "Gemini pairs responses with calls by order and name; an answer to a call never made is a "
                             "client bug the mock refuses on purpose (as messages.tool_result_unexpected)", "mock")),
        _rule("gemini.response_id", "a `functionResponse.id` matches the `id` of a call of the function call turn",
              Verdict(WARN, "the API pairs by name and order when ids are absent; an id matching no call is accepted but "
                            "looks like a mix-up", "mock")),
        _rule("gemini.calls_unanswered", "a model turn's function calls are answered before the next user text",
              Verdict(WARN, "accepted (only a function response turn is counted against the calls), but the calls were "
                            "never answered", "mock")),
        _rule("gemini.args_invalid", "a `functionCall.args` in the history is valid against the declared parameters",
              Verdict(ERROR, "Google does not check it: mockserver does, on purpose (as history.arguments_invalid)", "mock")),
        _rule("gemini.call_undeclared", "a `functionCall` in the history names a declared function",
              Verdict(WARN, "accepted by the API; usually a renamed or dropped tool", "mock")),
        _rule("gemini.function_name", "`FunctionDeclaration.name`: a letter or `_` first, then letters, digits, `_ . : -`; "
                                      "at most 64 characters (Gemini API) or 128 (Vertex AI)",
              Verdict(ERROR, "reported: \"Invalid function name. Must start with a letter or an underscore. …with a maximum "
                             "length of 64.\" (lbjlaq/Antigravity-Manager#1440, kaitranntt/ccs#25, google-gemini/gemini-cli#2966); "
                             "128 on Vertex per the aiplatform v1 `FunctionDeclaration.name` description"), DECLARATIONS),
        _rule("gemini.function_duplicate", "function names are unique across `tools[].functionDeclarations`",
              Verdict(WARN, "not verified whether the API refuses it; the first declaration counts", "mock"), DECLARATIONS),
        _rule("gemini.allowed_undeclared", "mode `ANY` (or `VALIDATED`): `allowedFunctionNames` names declared functions",
              Verdict(ERROR, "`FunctionCallingConfig.allowedFunctionNames`: \"Function names should match "
                             "FunctionDeclaration.name\" (aiplatform v1 schema); the API's text is not reported", "schema"),
              DECLARATIONS),
        _rule("gemini.allowed_without_any", "`allowedFunctionNames` only with mode `ANY`/`VALIDATED`",
              Verdict(WARN, "\"Only set when the Mode is ANY\" (aiplatform v1 schema): ignored otherwise", "schema"),
              DECLARATIONS),
    ),
)
