"""What the mock emits validates against the official OpenAI schemas; ids and usage are deterministic."""

from __future__ import annotations

import pytest

from conftest import assert_official
from payloads import GET_WEATHER_TOOL, chat, user


def test_models_list_and_model(http):
    listing = http.get("/v1/models").json()
    assert_official("ListModelsResponse", listing)
    for model in listing["data"]:
        one = http.get(f"/v1/models/{model['id']}")
        assert one.status_code == 200
        assert_official("Model", one.json())
    missing = http.get("/v1/models/gpt-99")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "model_not_found"
    assert_official("ErrorResponse", missing.json())


def test_health(http):
    assert http.get("/healthz").json() == {"status": "ok", "scenarios": 6}


@pytest.mark.parametrize("n", [1, 3])
def test_completion_shape_and_n(http, n):
    body = chat(user("What is the weather in Paris?"), tools=[GET_WEATHER_TOOL], n=n)
    response = http.post("/v1/chat/completions", json=body).json()
    assert_official("CreateChatCompletionResponse", response)
    assert response["object"] == "chat.completion" and response["id"].startswith("chatcmpl-")
    assert [c["index"] for c in response["choices"]] == list(range(n))
    ids = [c["message"]["tool_calls"][0]["id"] for c in response["choices"]]
    assert len(set(ids)) == n and all(i.startswith("call_") and len(i) == 29 for i in ids)
    usage = response["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_deterministic_and_request_dependent(http):
    a = http.post("/v1/chat/completions", json=chat(user("hello"))).json()
    b = http.post("/v1/chat/completions", json=chat(user("hello"))).json()
    c = http.post("/v1/chat/completions", json=chat(user("hello!"))).json()
    assert a == b
    assert a["id"] != c["id"] and a["usage"]["prompt_tokens"] < c["usage"]["prompt_tokens"] + 1


def test_max_tokens_cuts_text_with_length(http):
    full = http.post("/v1/chat/completions", json=chat(user("hi"))).json()["choices"][0]
    cut = http.post("/v1/chat/completions", json=chat(user("hi"), max_tokens=3)).json()
    choice = cut["choices"][0]
    assert choice["finish_reason"] == "length"
    assert full["message"]["content"].startswith(choice["message"]["content"])
    assert cut["usage"]["completion_tokens"] <= 3
    assert_official("CreateChatCompletionResponse", cut)
