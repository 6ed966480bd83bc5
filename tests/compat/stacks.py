"""The stacks the suite drives: what each is, which dialects it can speak, how it is installed.

This table is the suite's index: ``conftest.py`` parametrises each ``test_<stack>.py`` from it,
and ``scripts/tested-with.py`` renders README's "Tested with" table from it and the versions
installed. A stack lists every dialect it can speak; the ones the server does not serve yet are
skipped ("dialect not served yet") until the route exists, then they run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DIALECTS = {  # dialect → the route that serves it
    "chat": "/v1/chat/completions",
    "responses": "/v1/responses",
    "messages": "/v1/messages",
    "gemini": "/v1beta/models/gpt-4o-mini:generateContent",
    "bedrock": "/model/gpt-4o-mini/converse",
    "ollama": "/api/chat",
}
PROFILES = ("openai", "vllm")
EXTRAS = ("compat", "compat-openai2")
ALL_CASES = ("single", "chain", "parallel", "forced", "strict", "multi_turn")


@dataclass(frozen=True)
class Stack:
    key: str  # test_<key>.py
    title: str  # README row
    packages: tuple[str, ...]  # pip distributions, or npm packages (node=True), whose versions are shown
    dialects: tuple[str, ...]  # every dialect it can speak, served yet or not
    node: bool = False
    extra: str = "compat"  # the pyproject extra that installs it ("compat-openai2": the stacks capping openai < 3)
    cases: tuple[str, ...] = ALL_CASES
    left_out: dict[str, str] = field(default_factory=dict)  # case → why this stack does not run it
    notes: tuple[str, ...] = ()  # how it is installed or driven, when that is not the obvious way
    strict: bool = True  # it can declare a tool strict
    forced_choice: str = "named"  # how it forces a tool: named (tool_choice names it) | required
    # (dialect, case, stream, profile) patterns ('*' matches any) → the xfail reason (upstream issue, version)
    xfail: dict[tuple[str, str, str, str], str] = field(default_factory=dict)

    def forces_with(self, case: Any) -> str:
        return case.forced if self.forced_choice == "named" else "required"

    def known_failure(self, dialect: str, case: str, stream: bool, profile: str) -> str | None:
        mode = "stream" if stream else "plain"
        for pattern, reason in self.xfail.items():
            if all(p in ("*", v) for p, v in zip(pattern, (dialect, case, mode, profile))):
                return reason
        return None


# A Context reused for the next FunctionAgent.run is rebuilt from its serialised form; the default
# ChatMemoryBuffer does not serialise (workflows warns "Skipping serialization of known
# unserializable key: memory") so the second turn is sent without the first: the mock sees a
# fresh conversation (its `turn` 1 instead of 3). Framework side; no upstream issue found
# (related: run-llama/llama_index#18628, the memory-serialisation band-aid).
_LLAMAINDEX_MEMORY = ("llama-index-workflows 2.26.1 + llama-index-core 0.14.25: reusing Context(agent) across "
                      "FunctionAgent.run calls drops the memory (not serialisable), so the second turn resends no "
                      "history; no upstream issue found, see run-llama/llama_index#18628")
# llama_index/llms/openai/responses.py resolves tool_choice with the Chat Completions helper
# (utils.resolve_tool_choice → {"type": "function", "function": {"name": …}}); the Responses API
# takes {"type": "function", "name": …} (openai-python types/responses/tool_choice_function_param.py,
# name required), so OpenAI answers 400 "Missing required parameter: 'tool_choice.name'".
_LLAMAINDEX_RESPONSES_CHOICE = ("llama-index-llms-openai 0.8.3: OpenAIResponses sends a named tool_choice in the Chat "
                                "Completions shape {type, function: {name}}; the Responses API wants {type, name} and "
                                "answers 400 missing tool_choice.name; no upstream issue found")
# @ai-sdk/amazon-bedrock's prepareTools (dist/index.mjs): when toolChoice names a tool, only that
# tool is declared (functionTools.filter(t => t.name === toolChoice.toolName)); the case declares both.
_AI_SDK_BEDROCK_FORCED = ("@ai-sdk/amazon-bedrock 4.0.186 declares only the named tool when toolChoice forces one "
                          "(prepareTools filters functionTools by toolChoice.toolName); the case expects every tool declared")
_OLLAMA_FORCED = "Ollama's API has no tool_choice: a tool cannot be forced"
# ollama-python's Tool model keeps only type/items/description/enum of each property, so a nested
# object's properties never reach the server and the mock generates arguments without them
_OLLAMA_NESTED = ("ollama-python 0.6.3 drops the properties of nested objects in tool schemas (Tool.Function."
                  "Parameters.Property has no `properties`): ollama/ollama-python#724, fix in PR #725 (open)")
_AGENT_FORCED = ("its agent loop offers no way to force the first call only (a forced tool_choice on every turn never "
                 "lets the model answer)")

# A stack lists every dialect it speaks; its test module has a runner for each (RUN), and
# transcript.py a reader per dialect. A dialect the server does not serve is skipped ("dialect
# not served yet"); a served one without a runner or reader fails and says which is missing.
STACKS = {s.key: s for s in (
    Stack("openai_python", "openai-python (`chat.completions`, `responses`)", ("openai",), ("chat", "responses")),
    Stack("openai_node", "openai-node (`chat.completions`, `responses`)", ("openai",), ("chat", "responses"), node=True),
    Stack("langchain", "LangChain (`ChatOpenAI.bind_tools`; `ChatAnthropic` for messages; `ChatGoogleGenerativeAI` for gemini; `ChatBedrockConverse` for bedrock)",
          ("langchain-openai", "langchain-anthropic", "langchain-google-genai", "langchain-aws", "langchain-core"),
          ("chat", "responses", "messages", "gemini", "bedrock")),
    Stack("langchain_azure", "LangChain as Azure OpenAI (`AzureChatOpenAI.bind_tools`; `OpenAIEmbeddings`, `AzureOpenAIEmbeddings`)",
          ("langchain-openai", "langchain-core"), ("chat",),
          notes=("the mock as the Azure endpoint: the deployment names the model, api-version 2024-10-21, the key as "
                 "api-key; the embeddings tests embed documents and a query and check the retrieval",)),
    Stack("langgraph", "LangGraph (`create_react_agent`; `ChatGoogleGenerativeAI` for gemini; `ChatBedrockConverse` for bedrock; `ChatOllama` for ollama)",
          ("langgraph", "langchain-openai", "langchain-google-genai", "langchain-aws", "langchain-ollama"),
          ("chat", "responses", "gemini", "bedrock", "ollama"), cases=tuple(c for c in ALL_CASES if c != "forced"),
          left_out={"forced": _AGENT_FORCED}, xfail={("ollama", "strict", "*", "*"): "ChatOllama sends tools through " + _OLLAMA_NESTED}),
    Stack("litellm", "LiteLLM (`completion` / `acompletion`)", ("litellm",), ("chat",), extra="compat-openai2",
          notes=("installed as litellm[mcp]: 1.106.2's completion() imports the mcp package whenever tools are "
                 "given, which plain `pip install litellm` does not install (ModuleNotFoundError; "
                 "related: BerriAI/litellm#38399)",)),
    Stack("pydantic_ai", "pydantic-ai (`OpenAIChatModel`, `OpenAIResponsesModel`; `AnthropicModel` for messages; `GoogleModel` for gemini; "
          "`BedrockConverseModel` for bedrock)", ("pydantic-ai-slim",), ("chat", "responses", "messages", "gemini", "bedrock")),
    Stack("strands", "Strands Agents (`Agent` with `@tool`, its default `BedrockModel`)", ("strands-agents", "boto3"),
          ("bedrock",), cases=tuple(c for c in ALL_CASES if c != "forced"), left_out={"forced": _AGENT_FORCED}),
    Stack("anthropic_python", "anthropic-python (`messages.create`)", ("anthropic",), ("messages",)),
    Stack("google_genai", "google-genai (`models.generate_content`, `generate_content_stream`)", ("google-genai",),
          ("gemini",), strict=False),
    Stack("google_adk", "Google ADK (`LlmAgent` + `InMemoryRunner`, function tools)", ("google-adk", "google-genai"),
          ("gemini",), strict=False, cases=tuple(c for c in ALL_CASES if c != "forced"), left_out={"forced": _AGENT_FORCED}),
    Stack("openai_agents", "openai-agents (`OpenAIChatCompletionsModel`, `OpenAIResponsesModel`)", ("openai-agents",),
          ("chat", "responses")),
    Stack("llamaindex", "LlamaIndex (`OpenAI`, `OpenAIResponses`, `FunctionAgent`)",
          ("llama-index-core", "llama-index-workflows", "llama-index-llms-openai"),
          ("chat", "responses"), extra="compat-openai2",
          xfail={("*", "multi_turn", "*", "*"): _LLAMAINDEX_MEMORY,
                 ("responses", "forced", "*", "*"): _LLAMAINDEX_RESPONSES_CHOICE}),
    Stack("llamaindex_like", "LlamaIndex (`OpenAILike`, `FunctionAgent`)",
          ("llama-index-core", "llama-index-workflows", "llama-index-llms-openai-like"), ("chat",), extra="compat-openai2",
          xfail={("*", "multi_turn", "*", "*"): _LLAMAINDEX_MEMORY}),
    Stack("ollama_python", "ollama-python (`Client.chat`; `Client.embed`, `Client.embeddings`)", ("ollama",), ("ollama",), strict=False,
          cases=tuple(c for c in ALL_CASES if c != "forced"), left_out={"forced": _OLLAMA_FORCED},
          xfail={("ollama", "strict", "*", "*"): _OLLAMA_NESTED}),
    Stack("ollama_js", "ollama-js (`Ollama.chat`; `embed`, `embeddings`)", ("ollama",), ("ollama",), node=True, strict=False,
          cases=tuple(c for c in ALL_CASES if c != "forced"), left_out={"forced": _OLLAMA_FORCED}),
    Stack("ai_sdk_openai", "Vercel AI SDK (`@ai-sdk/openai`: `.chat()`, default Responses model)", ("ai", "@ai-sdk/openai"),
          ("chat", "responses"), node=True),
    Stack("ai_sdk_compatible", "Vercel AI SDK (`@ai-sdk/openai-compatible`)", ("ai", "@ai-sdk/openai-compatible"),
          ("chat",), node=True),
    Stack("ai_sdk_google", "Vercel AI SDK (`@ai-sdk/google`)", ("ai", "@ai-sdk/google"), ("gemini",), node=True, strict=False),
    Stack("ai_sdk_bedrock", "Vercel AI SDK (`@ai-sdk/amazon-bedrock`)", ("ai", "@ai-sdk/amazon-bedrock"), ("bedrock",), node=True,
          xfail={("bedrock", "forced", "*", "*"): _AI_SDK_BEDROCK_FORCED}),
)}


@dataclass(frozen=True)
class McpStack:
    """A client that reaches the MCP server mock's tools (README's "Tested with", MCP table)."""

    key: str  # tests/compat/test_mcp_<key>.py, or a main-suite module (suite="main")
    title: str
    packages: tuple[str, ...]
    transports: tuple[str, ...]
    loop: str  # what runs: "agent loop" (the model is the mock too) or "direct calls"
    extra: str = "compat"
    suite: str = "compat"  # "main": tested in the default run (tests/test_mcp_clients.py)


MCP_STACKS = {s.key: s for s in (
    McpStack("mcp_sdk", "official MCP Python SDK (`ClientSession`)", ("mcp",), ("streamable HTTP", "stdio"),
             "direct calls, both protocol eras", extra="test", suite="main"),
    McpStack("openai_agents_mcp", "openai-agents (`MCPServerStreamableHttp`, `MCPServerStdio`)", ("openai-agents", "mcp"),
             ("streamable HTTP", "stdio"), "agent loop", extra="test", suite="main"),
    McpStack("pydantic_ai", "pydantic-ai (`MCPToolset`: a URL, FastMCP's `StdioTransport`)", ("pydantic-ai-slim", "fastmcp-slim", "mcp"),
             ("streamable HTTP", "stdio"), "agent loop"),
    McpStack("langgraph", "LangGraph `create_react_agent` + langchain-mcp-adapters (`MultiServerMCPClient`)",
             ("langchain-mcp-adapters", "langgraph", "mcp"), ("streamable HTTP", "stdio"), "agent loop"),
)}
