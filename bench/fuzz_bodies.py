"""What bench/fuzz.py sends: hypothesis strategies of hostile and half-valid requests in each
dialect's own shape. A request is (path, raw body bytes). Three kinds, weighted towards the
ones that reach deep validation (each hypothesis example gives several, see ``family``):

- a valid rich request of the dialect (bench/fuzz_seeds.py) with one to three mutations
  (a node replaced by any or hostile JSON, a key dropped, a known key added, a list item
  duplicated or dropped): it passes the parser and breaks the tool-call protocol, schemas,
  block kinds deep inside;
- a structured body built from the dialect's own fields with plausible and implausible values;
- anything: arbitrary JSON, or bytes that are barely JSON.
"""

from __future__ import annotations

import hashlib
import json
import random
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


def seeded(*drawn: Any) -> random.Random:
    """A Random seeded by what hypothesis drew (deterministic, as hypothesis requires; its own
    ``randoms()`` and small integers favour the same few choices, so the mutations would cluster)."""
    return random.Random(hashlib.sha256(json.dumps(drawn).encode()).digest())


ODD_PREFIXES = [b"", b"\xef\xbb\xbf", b" ", b"\xff"]


@st.composite
def family(draw: Any, seeds: list[dict[str, Any]], keys: list[str], structured: st.SearchStrategy) -> list[bytes]:
    """Several bodies from one hypothesis example (drawing is what costs; mutating is cheap): a
    structured body, five seeds with one to three mutations each (a node replaced by a drawn hostile
    value, a key dropped, a known key added, a list item duplicated or dropped), and now and then
    any JSON, a seed as it is, or bytes that are barely JSON. The choices come from a Random seeded
    by hypothesis (reproducible from the run's seed; hypothesis' own ``randoms()`` favour small
    choices, so the mutations would cluster near the root)."""
    drawn = draw(st.lists(hostile, min_size=4, max_size=4))
    names = keys + draw(st.lists(text, min_size=1, max_size=1))
    bodies: list[Any] = [draw(structured)]
    chance = seeded(drawn, names[-1], bodies[0])
    pool = drawn + HOSTILE
    for _ in range(5):
        ops = [(chance.choice(("replace", "replace", "drop", "add")), chance.randrange(400), None) for _ in range(chance.randint(1, 3))]
        ops = [(kind, where, (chance.choice(names), chance.choice(pool)) if kind == "add" else chance.choice(pool)) for kind, where, _ in ops]
        bodies.append(mutate(chance.choice(seeds), ops))
    if chance.random() < 0.3:
        bodies.append(draw(json_value))
    if chance.random() < 0.2:
        bodies.append(chance.choice(seeds))
    raws = [json.dumps(body).encode() for body in bodies]
    if chance.random() < 0.4:
        raw = chance.choice(raws)
        raws.append(chance.choice(ODD_PREFIXES) + raw[:chance.randrange(len(raw) + 1)])
    return raws


GEMINI_MODELS = ["gemini-2.5-flash", "gemini-2.5-pro", "mock-model"]
GEMINI_ENDPOINTS = [("generateContent", ""), ("streamGenerateContent", ""), ("streamGenerateContent", "?alt=sse")]
BEDROCK_MODELS = ["anthropic.claude-3-5-sonnet-20240620-v1:0", "amazon.nova-pro-v1:0",
                  "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0"]
odd_model = text.map(lambda t: quote(t, safe="", errors="surrogatepass"))


@st.composite
def requests(draw: Any, dialect: str) -> list[tuple[str, str, bytes]]:
    """A few requests of ``dialect``, each (endpoint label, path, body bytes)."""
    if dialect in ("chat", "responses", "messages"):
        path = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}[dialect]
        structured = {"chat": chat_body, "responses": responses_body, "messages": messages_body}[dialect]
        return [(dialect, path, raw) for raw in draw(family(SEEDS[dialect], KEYS[dialect], structured))]
    if dialect == "gemini":
        models = GEMINI_MODELS * 3 + [draw(odd_model)]
        raws = draw(family(SEEDS["gemini"], KEYS["gemini"], gemini_body))
        chance = seeded(models[-1], [raw.decode("latin-1") for raw in raws])
        out = []
        for raw in raws:
            method, query = chance.choice(GEMINI_ENDPOINTS)
            out.append((method + query, f"/v1beta/models/{chance.choice(models)}:{method}{query}", raw))
        return out
    if dialect == "bedrock":
        models = [quote(m, safe="") for m in BEDROCK_MODELS] * 3 + [draw(odd_model)]
        raws = draw(family(SEEDS["bedrock"], KEYS["bedrock"], bedrock_body))
        chance = seeded(models[-1], [raw.decode("latin-1") for raw in raws])
        operations = ("converse", "converse-stream")
        return [(op, f"/model/{chance.choice(models)}/{op}", raw) for raw in raws for op in [chance.choice(operations)]]
    if dialect == "ollama":
        if draw(st.booleans()):
            return [("api/chat", "/api/chat", raw) for raw in draw(family(SEEDS["ollama-chat"], KEYS["ollama"], ollama_chat_body))]
        return [("api/generate", "/api/generate", raw) for raw in draw(family(SEEDS["ollama-generate"], KEYS["ollama"], ollama_generate_body))]
    raise ValueError(f"unknown dialect {dialect!r}; known: {', '.join(DIALECTS)}")
