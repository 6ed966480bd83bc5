"""``POST /v1/embeddings`` through a real server: the openai SDK (float and its default base64),
deterministic vectors, ``dimensions``, list and token inputs, usage, OpenAI's 400s, Azure's
deployment route, and vectors and similarities a scenario scripts."""

from __future__ import annotations

import base64
import json
import math
import struct

from pathlib import Path

import httpx
import jsonschema
import openai
import pytest

from mockserver.engine.loader import load_text
from mockserver.wire.embeddings import cosine

PLAIN = "version: 1\nname: plain\nrules: [{name: any, reply: {content: ok}}]\n"
SCRIPTED = """
version: 1
name: retrieval
rules: [{name: any, reply: {content: ok}}]
embeddings:
  - text: "refund policy"
    vector: [0.6, 0.8, 0.0]
  - text: "How do I get my money back?"
    like: "refund policy"
    similarity: 0.93
  - text: "shipping times"
    like: "refund policy"
    similarity: 0.1
"""
SCHEMAS = json.loads((Path(__file__).parent / "fixtures" / "openai-embeddings-schemas.json").read_text(encoding="utf-8"))
INPUT_INVALID = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."


@pytest.fixture
def running(serve):
    return serve(PLAIN, seed=7)


def client_of(running) -> openai.OpenAI:
    return openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=0)


def post(running, body, path="/v1/embeddings", **headers):
    return httpx.post(running.url + path, json=body, headers=headers, timeout=10)


def assert_official(name: str, instance) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": SCHEMAS["components"]}
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(instance))
    assert error is None, f"not a valid {name}: {error.message} at {error.json_path}"


def test_answers_and_requests_are_official(running):
    body = {"model": "text-embedding-3-small", "input": ["a b", "c"], "dimensions": 16, "encoding_format": "float"}
    assert_official("CreateEmbeddingRequest", body)
    response = post(running, body)
    assert response.status_code == 200, response.text
    assert_official("CreateEmbeddingResponse", response.json())


def test_float_and_base64_carry_the_same_vectors(running):
    client = client_of(running)
    as_float = client.embeddings.create(model="text-embedding-3-small", input=["the cat sat", "stock prices fell"],
                                        encoding_format="float")
    as_default = client.embeddings.create(model="text-embedding-3-small", input=["the cat sat", "stock prices fell"])
    assert [len(d.embedding) for d in as_float.data] == [1536, 1536]
    assert [d.embedding for d in as_default.data] == [d.embedding for d in as_float.data]  # the SDK asked for base64
    assert [d.index for d in as_float.data] == [0, 1] and as_float.model == "text-embedding-3-small"
    assert as_float.usage.prompt_tokens == as_float.usage.total_tokens > 0
    for d in as_float.data:
        assert math.isclose(math.sqrt(sum(v * v for v in d.embedding)), 1.0, rel_tol=1e-5)
    raw = post(running, {"model": "text-embedding-3-small", "input": "the cat sat", "encoding_format": "base64"}).json()
    packed = base64.b64decode(raw["data"][0]["embedding"])
    assert list(struct.unpack(f"<{len(packed) // 4}f", packed)) == as_float.data[0].embedding
    assert raw["object"] == "list" and raw["data"][0]["object"] == "embedding"


def test_deterministic_and_word_overlap_is_close(running, serve):
    client = client_of(running)
    texts = ["The weather in Paris is sunny", "What is the weather in Paris?", "Quarterly revenue grew by ten percent"]
    first = [d.embedding for d in client.embeddings.create(model="text-embedding-3-small", input=texts, encoding_format="float").data]
    again = [d.embedding for d in client.embeddings.create(model="text-embedding-3-small", input=texts, encoding_format="float").data]
    assert first == again
    assert cosine(first[0], first[1]) > 0.5 > abs(cosine(first[0], first[2]))
    other_seed = client_of(serve(PLAIN, seed=8)).embeddings.create(model="text-embedding-3-small", input=texts[0],
                                                                   encoding_format="float")
    assert other_seed.data[0].embedding != first[0]


def test_dimensions_and_model_sizes(running):
    client = client_of(running)
    full = client.embeddings.create(model="text-embedding-3-large", input="hello", encoding_format="float").data[0].embedding
    short = client.embeddings.create(model="text-embedding-3-large", input="hello", dimensions=256, encoding_format="float").data[0].embedding
    assert len(full) == 3072 and len(short) == 256
    assert cosine(short, full[:256]) > 0.9999  # shortened as OpenAI's v3 models shorten: a renormalised prefix
    assert len(client.embeddings.create(model="nomic-embed-text", input="x", encoding_format="float").data[0].embedding) == 768
    assert len(client.embeddings.create(model="my-own-embedder", input="x", encoding_format="float").data[0].embedding) == 1536


def test_token_inputs(running):
    one = post(running, {"model": "text-embedding-3-small", "input": [1820, 4682, 3290], "dimensions": 8}).json()
    many = post(running, {"model": "text-embedding-3-small", "input": [[1820, 4682, 3290], [15339]], "dimensions": 8}).json()
    assert len(one["data"]) == 1 and len(many["data"]) == 2
    assert one["data"][0]["embedding"] == many["data"][0]["embedding"]
    assert many["usage"] == {"prompt_tokens": 4, "total_tokens": 4}


@pytest.mark.parametrize("body,message", [
    ({"model": "text-embedding-3-small", "input": ""}, INPUT_INVALID),
    ({"model": "text-embedding-3-small", "input": []}, INPUT_INVALID),
    ({"model": "text-embedding-3-small", "input": ["ok", ""]}, INPUT_INVALID),
    ({"model": "text-embedding-3-small", "input": ["x"] * 2049}, INPUT_INVALID),
    ({"model": "text-embedding-3-small", "input": [[1, 2], []]}, INPUT_INVALID),
    ({"model": "text-embedding-3-small", "input": {"text": "x"}}, INPUT_INVALID),
    ({"model": "text-embedding-3-small", "input": ["x", [1, 2]]}, INPUT_INVALID),  # the schema's oneOf: never mixed
    ({"model": "text-embedding-ada-002", "input": "x", "dimensions": 256}, "This model does not support specifying dimensions."),
    ({"input": "x"}, "you must provide a model parameter"),
    ({"model": "text-embedding-3-small"}, "Missing required parameter: 'input'."),
    ({"model": "text-embedding-3-small", "input": "x", "encoding_format": "int8"},
     "Invalid value: 'int8'. Supported values are: 'float', and 'base64'."),
    ({"model": "text-embedding-3-small", "input": "x", "dimensions": 0},
     "Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got 0 instead."),
])
def test_openai_s_400s(running, body, message):
    response = post(running, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"] == message
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_too_many_tokens(running):
    response = post(running, {"model": "text-embedding-3-small", "input": "word " * 9000})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("This model's maximum context length is 8192 tokens, however you requested ")
    assert response.json()["error"]["message"].endswith(" for the completion). Please reduce your prompt; or completion length.")


def test_azure_deployment_route(serve):
    running = serve(PLAIN, api_key="azure-key")
    client = openai.AzureOpenAI(azure_endpoint=running.url, api_key="azure-key", api_version="2024-10-21", max_retries=0)
    raw = client.embeddings.with_raw_response.create(model="embed-prod", input=["a", "b"], dimensions=64)
    assert raw.http_request.url.path == "/openai/deployments/embed-prod/embeddings"
    parsed = raw.parse()
    assert parsed.model == "embed-prod" and [len(d.embedding) for d in parsed.data] == [64, 64]
    refused = post(running, {"input": "a"}, "/openai/deployments/embed-prod/embeddings", **{"api-key": "azure-key"})
    assert (refused.status_code, refused.json()) == (404, {"error": {"code": "404", "message": "Resource not found"}})
    assert post(running, {"model": "m", "input": "a"}).status_code == 401  # --api-key on the plain route too


def test_scripted_vectors_and_similarities(serve):
    client = client_of(serve(SCRIPTED))
    data = client.embeddings.create(model="text-embedding-3-small", encoding_format="float", dimensions=3,
                                    input=["refund policy", "How do I get my money back?", "shipping times"]).data
    assert data[0].embedding == pytest.approx([0.6, 0.8, 0.0])
    assert cosine(data[1].embedding, data[0].embedding) == pytest.approx(0.93, abs=1e-6)
    assert cosine(data[2].embedding, data[0].embedding) == pytest.approx(0.1, abs=1e-6)
    wide = client.embeddings.create(model="text-embedding-3-small", encoding_format="float",
                                    input=["refund policy", "How do I get my money back?"]).data
    assert len(wide[1].embedding) == 1536
    assert cosine(wide[1].embedding, wide[0].embedding) == pytest.approx(0.93, abs=1e-5)


def test_scripted_embeddings_are_checked_at_load():
    bad_shape = "version: 1\nname: x\nrules: [{reply: {content: a}}]\nembeddings: [{text: a, like: b}]\n"
    _, problems = load_text(bad_shape, "s.yaml")
    assert problems and problems[0].path.startswith("embeddings[0]")
    cycle = ("version: 1\nname: x\nrules: [{reply: {content: a}}]\n"
             "embeddings: [{text: a, like: b, similarity: 0.5}, {text: b, like: a, similarity: 0.5}]\n")
    _, problems = load_text(cycle, "s.yaml")
    assert problems and "goes round in a circle" in problems[0].message
    assert json.dumps(problems[0].message)
