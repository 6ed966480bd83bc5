"""Nothing a client can send produces a 500: arbitrary JSON, and near-valid requests mutated at random."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations import BUNDLED_REQUESTS

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
KEYS = ["model", "messages", "tools", "tool_choice", "stream", "stream_options", "n", "max_tokens", "temperature",
        "parallel_tool_calls", "response_format", "role", "content", "tool_calls", "tool_call_id", "function",
        "arguments", "name", "parameters", "type", "id", "strict"]


def mutate(value, path_choice: int, replacement):
    """Replace one node (chosen by index in a walk) of a JSON value."""
    nodes = []

    def walk(node, setter):
        nodes.append(setter)
        if isinstance(node, dict):
            for key in list(node):
                walk(node[key], lambda v, n=node, k=key: n.__setitem__(k, v))
        elif isinstance(node, list):
            for i in range(len(node)):
                walk(node[i], lambda v, n=node, i=i: n.__setitem__(i, v))

    copy = json.loads(json.dumps(value))
    holder = [copy]
    walk(copy, lambda v: holder.__setitem__(0, v))
    nodes[path_choice % len(nodes)](replacement)
    return holder[0]


def check(http, body) -> None:
    response = http.post("/v1/chat/completions", json=body, headers={"x-mock-session": "fuzz"})
    assert response.status_code < 500, (response.status_code, response.text[:500], json.dumps(body)[:500])
    assert "error" in response.json() or response.status_code == 200


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6))
def test_arbitrary_bodies(http, body):
    check(http, body)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(BUNDLED_REQUESTS)), where=st.integers(0, 500), replacement=json_values,
       stream=st.booleans(), profile=st.sampled_from(["openai", "vllm", "vertex"]))
def test_mutated_bundled_requests(http, name, where, replacement, stream, profile):
    body = mutate({**BUNDLED_REQUESTS[name], "stream": stream}, where, replacement)
    if not isinstance(body, dict):
        body = {"model": "m", "messages": body}
    response = http.post("/v1/chat/completions", json=body, headers={"x-mock-profile": profile})
    assert response.status_code < 500, (response.status_code, response.text[:500], json.dumps(body)[:500])


@pytest.mark.parametrize("raw", [
    b'{"model": "m", "messages": [{"role": "user", "content": "\\ud800"}]}',  # lone surrogate
    b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 1e400}',
    b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 128, "stream": true}',
    b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 99999999999999999999999}',
    b'\xef\xbb\xbf{"model": "m", "messages": [{"role": "user", "content": "x"}]}',  # BOM
    b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "model": 5}',  # duplicate key
])
def test_odd_bytes(http, raw):
    response = http.post("/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text


# Bedrock Converse: a valid request with history, tools and every block kind, mutated at random
BEDROCK_REQUEST = {
    "messages": [
        {"role": "user", "content": [{"text": "What is the weather in Oslo?"}, {"image": {"format": "png", "source": {"bytes": "iVBO"}}}]},
        {"role": "assistant", "content": [{"text": "Checking."}, {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Oslo"}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_1", "status": "success", "content": [{"json": {"t": 2}}, {"text": "ok"}]}}]},
    ],
    "system": [{"text": "Be brief."}],
    "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "description": "w", "inputSchema": {"json": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}}], "toolChoice": {"auto": {}}},
    "inferenceConfig": {"maxTokens": 100, "temperature": 0.5, "topP": 0.9, "stopSequences": ["x"]},
}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.integers(0, 500), replacement=json_values, stream=st.booleans())
def test_mutated_bedrock_requests(http, where, replacement, stream):
    body = mutate(BEDROCK_REQUEST, where, replacement)
    path = "/model/anthropic.claude-3-5-sonnet-20240620-v1:0/converse" + ("-stream" if stream else "")
    response = http.post(http.base_url.copy_with(path=path), json=body)
    assert response.status_code < 500, (response.status_code, response.text[:500], json.dumps(body)[:500])
    if response.status_code != 200:
        assert "message" in response.json() and response.headers["x-amzn-errortype"]
