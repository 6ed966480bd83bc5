"""What bench/fuzz.py sends: hypothesis strategies of hostile and half-valid requests in each
dialect's own shape. A request is (path, raw body bytes). Three kinds, weighted towards the
ones that reach deep validation:

- a valid rich request of the dialect (bench/fuzz_seeds.py) with one to three mutations
  (a node replaced by any or hostile JSON, a key dropped, a known key added, a list item
  duplicated or dropped): it passes the parser and breaks the tool-call protocol, schemas,
  block kinds deep inside;
- a structured body built from the dialect's own fields with plausible and implausible values;
- anything: arbitrary JSON, or bytes that are barely JSON.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from bench.fuzz_seeds import SEEDS

DIALECTS = ("chat", "responses", "messages", "gemini", "bedrock", "ollama")

# --- values ----------------------------------------------------------------------------------------

text = st.sampled_from(["", "hi", "What is the weather in Paris?", "x" * 300, "🙂 ünï", "\u0000", "{}", "[DONE]",
                        "get_weather", "call_1", "toolu_1", "tooluse_1", "c1", "data:image/png;base64,AAAA"]) | st.text(max_size=30)
scalar = st.none() | st.booleans() | st.integers(-(1 << 70), 1 << 70) | st.floats(allow_nan=False, allow_infinity=False) | text
json_value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=10)
HOSTILE = ["\ud800", None, True, False, 0, -1, 1 << 64, 1e308, -0.0, 0.5, "", " ", "x" * 5000, [], {}, [None], [[]], {"": None}, [{}],
           {"type": None}, {"type": "text"}, {"text": None}, "\u0000", "null", '{"city": 1}', "{", [1] * 200, {"a": [{"b": [{"c": []}]}]}]
hostile = st.sampled_from(HOSTILE) | json_value
name = st.sampled_from(["get_weather", "get_time", "f", "", "a" * 70, "bad name!", "web_search"]) | text


def maybe(strategy: st.SearchStrategy, other: st.SearchStrategy = hostile) -> st.SearchStrategy:
    """Usually the plausible value, sometimes anything."""
    return st.one_of(strategy, strategy, strategy, other)


role = maybe(st.sampled_from(["user", "assistant", "system", "developer", "tool", "function", "model", ""]) | text)
schema = st.sampled_from([{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
                          {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False},
                          {"type": "object"}, {}, {"type": "string"}, {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}},
                          {"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}}, {"$ref": "#/nope"},
                          {"type": "object", "properties": {"a": {"$ref": "#"}}}, {"type": "object", "required": "city"}])
arguments = maybe(st.sampled_from(['{"city":"Paris"}', "{}", "{", "null", "[]", '{"city": 3}']) | text)
args_object = maybe(st.sampled_from([{"city": "Paris"}, {}, {"city": 3}, {"x": 1}]))

# --- structured bodies, by dialect ---------------------------------------------------------------------

part = st.fixed_dictionaries({"type": maybe(st.sampled_from(["text", "input_text", "output_text", "image_url", "input_image", "input_file",
                                                             "tool_use", "tool_result", "refusal", "thinking", "image", "document"]))},
                             optional={"text": maybe(text), "id": maybe(text), "name": maybe(name), "input": args_object,
                                       "tool_use_id": maybe(text), "content": hostile, "source": hostile, "image_url": hostile})
content = maybe(text) | st.lists(maybe(part), max_size=3)
call = st.fixed_dictionaries({"id": maybe(text), "type": maybe(st.just("function")),
                              "function": maybe(st.fixed_dictionaries({"name": maybe(name), "arguments": arguments}))})
chat_body = st.fixed_dictionaries(
    {"model": maybe(st.sampled_from(["gpt-5.4", "gpt-4o", "o3"])),
     "messages": maybe(st.lists(st.fixed_dictionaries({"role": role}, optional={"content": content, "tool_calls": maybe(st.lists(call, max_size=2)),
                                                                               "tool_call_id": maybe(text), "name": maybe(name)}), min_size=1, max_size=4))},
    optional={"tools": maybe(st.lists(st.fixed_dictionaries({"type": maybe(st.just("function")), "function": maybe(st.fixed_dictionaries(
        {"name": maybe(name)}, optional={"parameters": maybe(schema), "strict": st.booleans()}))}), max_size=2)),
              "stream": maybe(st.booleans()), "tool_choice": hostile, "n": hostile, "response_format": hostile, "stream_options": hostile})
responses_body = st.fixed_dictionaries(
    {"model": maybe(st.sampled_from(["gpt-5.4", "gpt-4o"])),
     "input": maybe(text | st.lists(st.fixed_dictionaries({}, optional={
         "type": maybe(st.sampled_from(["message", "function_call", "function_call_output", "item_reference", "reasoning", "custom_tool_call"])),
         "role": role, "content": content, "call_id": maybe(text), "name": maybe(name), "id": maybe(text), "arguments": arguments,
         "output": maybe(text), "summary": hostile}), min_size=1, max_size=4))},
    optional={"tools": maybe(st.lists(st.fixed_dictionaries({"type": maybe(st.sampled_from(["function", "web_search", "file_search", "custom", "mcp"]))},
                                                            optional={"name": maybe(name), "parameters": maybe(schema), "strict": st.booleans()}), max_size=2)),
              "stream": maybe(st.booleans()), "store": maybe(st.booleans()), "previous_response_id": hostile, "text": hostile,
              "tool_choice": hostile, "instructions": hostile, "reasoning": hostile, "include": hostile})
messages_body = st.fixed_dictionaries(
    {"model": maybe(st.sampled_from(["claude-sonnet-4-5", "claude-3-5-haiku-latest"])), "max_tokens": maybe(st.integers(1, 4096)),
     "messages": maybe(st.lists(st.fixed_dictionaries({"role": maybe(st.sampled_from(["user", "assistant"])), "content": content}), min_size=1, max_size=4))},
    optional={"tools": maybe(st.lists(st.fixed_dictionaries({"name": maybe(name)}, optional={"input_schema": maybe(schema), "type": maybe(text)}), max_size=2)),
              "stream": maybe(st.booleans()), "system": maybe(text), "tool_choice": hostile, "thinking": hostile, "stop_sequences": hostile})
gemini_part = st.fixed_dictionaries({}, optional={
    "text": maybe(text), "thought": hostile, "inlineData": hostile, "fileData": hostile,
    "functionCall": maybe(st.fixed_dictionaries({"name": maybe(name)}, optional={"args": args_object, "id": maybe(text)})),
    "functionResponse": maybe(st.fixed_dictionaries({"name": maybe(name)}, optional={"response": hostile, "id": maybe(text)}))})
gemini_body = st.fixed_dictionaries(
    {"contents": maybe(st.lists(st.fixed_dictionaries({"parts": maybe(st.lists(gemini_part, max_size=3))}, optional={"role": role}), min_size=1, max_size=4))},
    optional={"tools": maybe(st.lists(st.fixed_dictionaries({}, optional={"functionDeclarations": maybe(st.lists(st.fixed_dictionaries(
        {"name": maybe(name)}, optional={"parameters": maybe(schema), "parametersJsonSchema": maybe(schema)}), max_size=2)), "googleSearch": hostile}), max_size=2)),
              "toolConfig": hostile, "generationConfig": hostile, "systemInstruction": hostile, "safetySettings": hostile, "cachedContent": hostile})
bedrock_block = st.fixed_dictionaries({}, optional={
    "text": maybe(text), "image": hostile, "document": hostile, "reasoningContent": hostile, "cachePoint": hostile,
    "toolUse": maybe(st.fixed_dictionaries({"toolUseId": maybe(text), "name": maybe(name), "input": args_object})),
    "toolResult": maybe(st.fixed_dictionaries({"toolUseId": maybe(text), "content": maybe(st.lists(st.fixed_dictionaries({}, optional={"text": maybe(text), "json": hostile}), max_size=2))},
                                              optional={"status": maybe(st.sampled_from(["success", "error"]))}))})
bedrock_body = st.fixed_dictionaries(
    {"messages": maybe(st.lists(st.fixed_dictionaries({"role": role, "content": maybe(st.lists(bedrock_block, max_size=3))}), min_size=1, max_size=4))},
    optional={"toolConfig": maybe(st.fixed_dictionaries({"tools": maybe(st.lists(st.fixed_dictionaries({"toolSpec": maybe(st.fixed_dictionaries(
        {"name": maybe(name), "inputSchema": maybe(st.fixed_dictionaries({"json": maybe(schema)}))}))}), max_size=2))}, optional={"toolChoice": hostile})),
              "system": hostile, "inferenceConfig": hostile, "additionalModelRequestFields": hostile, "guardrailConfig": hostile})
ollama_message = st.fixed_dictionaries({"role": role}, optional={"content": maybe(text), "images": hostile, "thinking": hostile, "tool_name": maybe(name),
                                                                 "tool_calls": maybe(st.lists(st.fixed_dictionaries({"function": maybe(st.fixed_dictionaries(
                                                                     {"name": maybe(name), "arguments": args_object}))}), max_size=2))})
ollama_common = {"stream": maybe(st.booleans()), "format": maybe(st.sampled_from(["json", ""]) | schema), "options": hostile, "keep_alive": hostile,
                 "think": hostile}
ollama_chat_body = st.fixed_dictionaries({"model": maybe(st.sampled_from(["mock-model", "gpt-5.4"])), "messages": maybe(st.lists(ollama_message, max_size=4))},
                                         optional={"tools": maybe(st.lists(st.fixed_dictionaries({"type": maybe(st.just("function")), "function": maybe(
                                             st.fixed_dictionaries({"name": maybe(name)}, optional={"parameters": maybe(schema)}))}), max_size=2)), **ollama_common})
ollama_generate_body = st.fixed_dictionaries({"model": maybe(st.sampled_from(["mock-model", "gpt-5.4"]))},
                                             optional={"prompt": maybe(text), "system": hostile, "images": hostile, "context": hostile, "raw": hostile,
                                                       "suffix": hostile, "template": hostile, **ollama_common})

KEYS = {
    "chat": ["model", "messages", "tools", "tool_choice", "stream", "stream_options", "n", "max_tokens", "max_completion_tokens", "response_format",
             "parallel_tool_calls", "logprobs", "top_logprobs", "stop", "seed", "content", "tool_calls", "tool_call_id", "refusal", "audio", "modalities"],
    "responses": ["model", "input", "tools", "tool_choice", "stream", "store", "previous_response_id", "instructions", "text", "reasoning", "include",
                  "max_output_tokens", "truncation", "background", "conversation", "prompt", "type", "call_id", "output", "status", "annotations"],
    "messages": ["model", "messages", "max_tokens", "system", "tools", "tool_choice", "stream", "thinking", "stop_sequences", "top_k", "metadata",
                 "cache_control", "citations", "source", "is_error", "signature", "container", "mcp_servers", "service_tier"],
    "gemini": ["contents", "tools", "toolConfig", "generationConfig", "systemInstruction", "safetySettings", "cachedContent", "parts", "role",
               "functionCall", "functionResponse", "inlineData", "fileData", "thought", "thoughtSignature", "executableCode", "responseSchema"],
    "bedrock": ["messages", "system", "toolConfig", "inferenceConfig", "additionalModelRequestFields", "guardrailConfig", "promptVariables",
                "performanceConfig", "toolUse", "toolResult", "text", "image", "document", "video", "reasoningContent", "cachePoint", "status"],
    "ollama": ["model", "messages", "prompt", "stream", "format", "options", "keep_alive", "think", "tools", "images", "tool_calls", "tool_name",
               "context", "raw", "template", "suffix", "system", "thinking", "logprobs"],
}

# --- mutations of the seeds ----------------------------------------------------------------------------


def mutate(value: Any, ops: list[tuple[str, int, Any]]) -> Any:
    """Apply each (kind, where, value) to a copy of ``value``; ``where`` picks a node of a walk."""
    holder = [json.loads(json.dumps(value))]
    for kind, where, replacement in ops:
        replacement = json.loads(json.dumps(replacement))  # hypothesis hands out shared objects (HOSTILE's)
        nodes: list[tuple[Any, Any]] = []  # (container, key) of every node; (holder, 0) is the root

        def walk(container: Any, key: Any) -> None:
            nodes.append((container, key))
            node = container[key]
            if isinstance(node, dict):
                for k in list(node):
                    walk(node, k)
            elif isinstance(node, list):
                for i in range(len(node)):
                    walk(node, i)

        walk(holder, 0)
        container, key = nodes[where % len(nodes)]
        node = container[key]
        if kind == "replace" or (kind in ("drop", "add") and not isinstance(node, (dict, list))):
            container[key] = replacement
        elif kind == "drop" and node:
            if isinstance(node, dict):
                node.pop(list(node)[where % len(node)])
            else:
                node.pop(where % len(node))
        elif kind == "add" and isinstance(node, dict):
            node[replacement[0]] = replacement[1]
        elif kind == "add" and node:
            node.insert(where % (len(node) + 1), json.loads(json.dumps(node[where % len(node)])))
    return holder[0]


def mutated(seeds: list[dict[str, Any]], keys: list[str]) -> st.SearchStrategy:
    op = st.one_of(
        st.tuples(st.just("replace"), st.integers(0, 400), hostile),
        st.tuples(st.just("drop"), st.integers(0, 400), st.none()),
        st.tuples(st.just("add"), st.integers(0, 400), st.tuples(st.sampled_from(keys) | text, hostile)))
    return st.builds(mutate, st.sampled_from(seeds), st.lists(op, min_size=1, max_size=3))


@st.composite
def weighted(draw: Any, seeds: list[dict[str, Any]], keys: list[str], structured: st.SearchStrategy) -> bytes:
    """JSON bytes of a mutated seed (45 %), a structured body (35 %), any JSON (10 %), a seed as it
    is (5 %), or bytes that are barely JSON (5 %). The weights are drawn from a Random (hypothesis
    biases ``one_of`` towards its simplest branch)."""
    pick = draw(st.randoms(use_true_random=False)).random()
    if pick < 0.45:
        body = draw(mutated(seeds, keys))
    elif pick < 0.80:
        body = draw(structured)
    elif pick < 0.90:
        body = draw(json_value)
    else:
        body = draw(st.sampled_from(seeds))
    raw = json.dumps(body).encode()
    if pick >= 0.95:
        raw = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b" ", b"\xff"])) + raw[:draw(st.integers(0, len(raw)))]
    return raw


GEMINI_MODEL = maybe(st.sampled_from(["gemini-2.5-flash", "gemini-2.5-pro", "mock-model"]), text.map(lambda t: quote(t, safe="", errors="surrogatepass")))
BEDROCK_MODEL = maybe(st.sampled_from(["anthropic.claude-3-5-sonnet-20240620-v1:0", "amazon.nova-pro-v1:0",
                                       "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0"]),
                      text.map(lambda t: quote(t, safe="", errors="surrogatepass")))


def requests(dialect: str) -> st.SearchStrategy:
    """(endpoint label, path, body bytes) for ``dialect``."""
    if dialect in ("chat", "responses", "messages"):
        path = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}[dialect]
        structured = {"chat": chat_body, "responses": responses_body, "messages": messages_body}[dialect]
        return st.tuples(st.just(dialect), st.just(path), weighted(SEEDS[dialect], KEYS[dialect], structured))
    if dialect == "gemini":
        endpoint = st.sampled_from([("generateContent", ""), ("streamGenerateContent", ""), ("streamGenerateContent", "?alt=sse")])
        return st.builds(lambda m, e, b: (e[0] + e[1], f"/v1beta/models/{m}:{e[0]}{e[1]}", b), GEMINI_MODEL, endpoint,
                         weighted(SEEDS["gemini"], KEYS["gemini"], gemini_body))
    if dialect == "bedrock":
        return st.builds(lambda m, op, b: (op, f"/model/{quote(m, safe='')}/{op}", b), BEDROCK_MODEL, st.sampled_from(["converse", "converse-stream"]),
                         weighted(SEEDS["bedrock"], KEYS["bedrock"], bedrock_body))
    if dialect == "ollama":
        chat = st.tuples(st.just("api/chat"), st.just("/api/chat"), weighted(SEEDS["ollama-chat"], KEYS["ollama"], ollama_chat_body))
        generate = st.tuples(st.just("api/generate"), st.just("/api/generate"), weighted(SEEDS["ollama-generate"], KEYS["ollama"], ollama_generate_body))
        return chat | generate
    raise ValueError(f"unknown dialect {dialect!r}; known: {', '.join(DIALECTS)}")
