"""Ollama's ``POST /api/embed`` and ``POST /api/embeddings`` through a real server: ollama-python's
``embed`` and ``embeddings``, the vectors every embeddings route shares, ``dimensions``,
scripted vectors, and Ollama's refusals with their status and words (``server/routes.go``
``EmbedHandler``, ``EmbeddingsHandler``)."""

from __future__ import annotations

import math

import httpx
import ollama
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.wire.embeddings import cosine

from test_embeddings import PLAIN, SCRIPTED  # the same scenarios as /v1/embeddings' tests
from test_fuzz import json_values
from test_ollama import assert_shape


@pytest.fixture
def running(serve):
    return serve(PLAIN, seed=7)


SHAPES = {"/api/embed": "EmbedResponse", "/api/embeddings": "EmbeddingResponse"}


def assert_official(path: str, response: httpx.Response) -> None:
    """Every answer in the shape of Ollama's api/types.go (tests/fixtures/ollama-api-schemas.json)."""
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert_shape(SHAPES[path] if response.status_code == 200 else "ErrorResponse", response.json())


class Checked(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.read()
        assert_official(request.url.path, response)
        return response


def checked_client(running) -> ollama.Client:
    """ollama-python on the mock, every answer it reads checked against Ollama's shapes."""
    return ollama.Client(host=running.url, transport=Checked())


def post(running, path: str, content: bytes | str, **headers: str) -> httpx.Response:
    response = httpx.post(running.url + path, content=content, headers=headers, timeout=10)
    if path in SHAPES:
        assert_official(path, response)
    return response


def test_embed_with_ollama_python(running):
    client = checked_client(running)
    one = client.embed(model="nomic-embed-text", input="Why is the sky blue?")
    assert one.model == "nomic-embed-text" and len(one.embeddings) == 1 and len(one.embeddings[0]) == 768
    assert math.isclose(sum(v * v for v in one.embeddings[0]), 1.0, rel_tol=1e-5)  # unit vectors, as EmbedHandler normalises
    assert one.prompt_eval_count == 6 and one.load_duration > 0 and one.total_duration > one.load_duration
    many = client.embed(model="nomic-embed-text", input=["Why is the sky blue?", "Why is the grass green?", "tax law"])
    assert many.embeddings[0] == one.embeddings[0]  # a function of the text (and --seed) only
    assert cosine(many.embeddings[0], many.embeddings[1]) > cosine(many.embeddings[0], many.embeddings[2]) + 0.3
    assert [len(v) for v in client.embed(model="all-minilm", input=["a", "b"]).embeddings] == [384, 384]


def test_the_same_text_gets_the_same_vector_on_every_route(running):
    ours = checked_client(running).embed(model="nomic-embed-text", input="refund policy").embeddings[0]
    theirs = openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=0).embeddings.create(
        model="nomic-embed-text", input="refund policy", encoding_format="float").data[0].embedding
    assert ours == pytest.approx(theirs, abs=1e-7)


def test_dimensions_cut_and_renormalise_only_when_smaller(running):
    client = checked_client(running)
    full = client.embed(model="nomic-embed-text", input="refund policy").embeddings[0]
    short = client.embed(model="nomic-embed-text", input="refund policy", dimensions=8).embeddings[0]
    norm = math.sqrt(sum(v * v for v in full[:8]))
    assert short == pytest.approx([v / norm for v in full[:8]], abs=1e-6)
    assert len(client.embed(model="nomic-embed-text", input="x", dimensions=4096).embeddings[0]) == 768  # not larger
    assert len(client.embed(model="nomic-embed-text", input="x", dimensions=-3).embeddings[0]) == 768


def test_empty_inputs_load_the_model_and_answer_no_vector(running):
    for body in ('{"model": "m"}', '{"model": "m", "input": ""}', '{"model": "m", "input": []}', '{"model": "m", "input": null}'):
        reply = post(running, "/api/embed", body)
        assert (reply.status_code, reply.json()) == (200, {"model": "m", "embeddings": []}), body
    reply = post(running, "/api/embeddings", '{"model": "m"}')
    assert (reply.status_code, reply.json()) == (200, {"embedding": []})


def test_legacy_embeddings_with_ollama_python(running):
    vector = checked_client(running).embeddings(model="nomic-embed-text", prompt="refund policy").embedding
    assert len(vector) == 768
    assert vector == pytest.approx(checked_client(running).embed(model="nomic-embed-text", input="refund policy").embeddings[0])


@pytest.mark.parametrize("path, body, status, error", [
    ("/api/embed", "", 400, "missing request body"),
    ("/api/embed", "[1]", 400, "json: cannot unmarshal array into Go value of type api.EmbedRequest"),
    ("/api/embed", '{"model": "", "input": "x"}', 404, "model '' not found"),
    ("/api/embed", '{"input": "x"}', 404, "model '' not found"),
    ("/api/embed", '{"model": 3, "input": "x"}', 400, "json: cannot unmarshal number into Go struct field EmbedRequest.model of type string"),
    ("/api/embed", '{"model": "m", "input": 5}', 400, "invalid input type"),
    ("/api/embed", '{"model": "m", "input": {"text": "x"}}', 400, "invalid input type"),
    ("/api/embed", '{"model": "m", "input": ["a", 1]}', 400, "invalid input type"),
    ("/api/embed", '{"model": "m", "input": "x", "dimensions": 1.5}', 400,
     "json: cannot unmarshal number 1.5 into Go struct field EmbedRequest.dimensions of type int"),
    ("/api/embed", '{"model": "m", "input": "x", "truncate": "no"}', 400,
     "json: cannot unmarshal string into Go struct field EmbedRequest.truncate of type bool"),
    ("/api/embed", '{"model": "m", "input": "x", "options": []}', 400,
     "json: cannot unmarshal array into Go struct field EmbedRequest.options of type map[string]interface {}"),
    ("/api/embed", '{"model": "m", "input": "x", "keep_alive": "5 minutes"}', 400, 'time: invalid duration "5 minutes"'),
    ("/api/embeddings", '{"prompt": "x"}', 400, "model is required"),
    ("/api/embeddings", '{"model": "m", "prompt": ["x"]}', 400,
     "json: cannot unmarshal array into Go struct field EmbeddingRequest.prompt of type string"),
    ("/api/embeddings", "", 400, "missing request body"),
    ("/api/embed", "null", 404, "model '' not found"),  # Go decodes null as an empty request
    ("/api/embeddings", "null", 400, "model is required"),
])
def test_ollama_s_refusals(running, path, body, status, error):
    reply = post(running, path, body)
    assert (reply.status_code, reply.json()) == (status, {"error": error})


def test_an_input_over_the_context_with_truncate_off(running):
    long = " ".join(["word"] * 5000)  # more tokens than the 4096 of the model's context
    reply = post(running, "/api/embed", f'{{"model": "m", "input": "{long}", "truncate": false}}')
    assert (reply.status_code, reply.json()) == (400, {"error": "the input length exceeds the context length"})
    assert post(running, "/api/embed", f'{{"model": "m", "input": "{long}"}}').status_code == 200  # truncate defaults to true
    small = post(running, "/api/embed", '{"model": "m", "input": "one two three four", "truncate": false, "options": {"num_ctx": 2}}')
    assert (small.status_code, small.json()) == (400, {"error": "the input length exceeds the context length"})
    with pytest.raises(ollama.ResponseError) as raised:
        checked_client(running).embed(model="m", input=long, truncate=False)
    assert raised.value.status_code == 400 and raised.value.error == "the input length exceeds the context length"


def test_scripted_vectors(serve):
    client = checked_client(serve(SCRIPTED))
    found = client.embed(model="nomic-embed-text", input=["refund policy", "How do I get my money back?"], dimensions=3)
    assert found.embeddings[0] == pytest.approx([0.6, 0.8, 0.0])
    assert cosine(found.embeddings[1], found.embeddings[0]) == pytest.approx(0.93, abs=1e-6)


def test_a_body_over_the_limit_is_refused_as_it_arrives(serve):
    running = serve(PLAIN, max_body_bytes=1000)

    def chunks():  # chunked: no content-length to refuse it by
        yield b'{"model": "m", "input": "'
        for _ in range(100):
            yield b"x" * 500

    for path in ("/api/embed", "/api/embeddings", "/api/show"):
        reply = httpx.post(running.url + path, content=chunks(), timeout=10)
        assert (reply.status_code, reply.json()) == (413, {"error": "request body too large"}), path
        fits = httpx.post(running.url + path, json={"model": "m", "input": "x", "prompt": "x"}, timeout=10)
        assert fits.status_code in (200, 404), (path, fits.text)  # /api/show: 404 for a model no scenario names


def test_the_api_key_is_asked_for_when_set(serve):
    running = serve(PLAIN, api_key="secret")
    refused = post(running, "/api/embed", '{"model": "m", "input": "x"}')
    assert refused.status_code == 401 and "error" in refused.json()
    ok = post(running, "/api/embed", '{"model": "m", "input": "x"}', Authorization="Bearer secret")
    assert ok.status_code == 200 and len(ok.json()["embeddings"]) == 1


EMBED_KEYS = ["model", "input", "prompt", "truncate", "dimensions", "options", "keep_alive"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(EMBED_KEYS), json_values, max_size=6) | json_values,
       path=st.sampled_from(["/api/embed", "/api/embeddings"]))
def test_no_body_is_a_server_error(running, body, path):
    reply = httpx.post(running.url + path, json=body, timeout=10)
    assert reply.status_code < 500, (reply.status_code, reply.text[:300], body)
    assert_official(path, reply)
    answer = reply.json()
    if reply.status_code == 200:
        assert set(answer) in ({"model", "embeddings"}, {"model", "embeddings", "total_duration", "load_duration", "prompt_eval_count"},
                               {"embedding"}), answer
    else:
        assert list(answer) == ["error"] and isinstance(answer["error"], str)
