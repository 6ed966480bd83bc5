"""The OpenAI-compatible providers as their clients address them, through a real server: Azure
OpenAI (openai-python's ``AzureOpenAI``, the v1 surface), Vertex AI MaaS (seed 001 through its
own path), Gemini's and OpenRouter's OpenAI-compatible base URLs; Azure's own errors."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from conftest import assert_official

SEEDS = json.loads((Path(__file__).parent / "fixtures" / "provider-seeds.json").read_text(encoding="utf-8"))
KEY = "azure-key"
VERSION = "2024-10-21"
VERTEX_BASE = "/v1/projects/my-project/locations/us-central1/endpoints/openapi"
DEPLOYMENT = """
version: 1
name: azure-deployment
rules:
  - name: deployment
    when: {model: chat-prod, last_message: hello}
    reply: {content: "Hello from the chat-prod deployment."}
  - name: weather
    when: {model: chat-prod, last_message: weather}
    reply:
      tool_calls: [{name: get_weather, arguments: {city: Paris}}]
  - name: after-weather
    when: {model: chat-prod, tool_result: {tool: get_weather}}
    reply: {content: "It is {{ tool_results[0].content }} in Paris."}
  - name: anything
    reply: {content: "model {{ model }}"}
"""
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
SAFE = {"filtered": False, "severity": "safe"}


@pytest.fixture
def azure_server(serve):
    return serve(DEPLOYMENT, api_key=KEY)


def azure(running, **extra: Any) -> openai.AzureOpenAI:
    return openai.AzureOpenAI(azure_endpoint=running.url, api_key=KEY, api_version=VERSION, max_retries=0, **extra)


# --- Azure OpenAI -------------------------------------------------------------------------------


def test_azure_chat_names_the_model_by_its_deployment(azure_server):
    client = azure(azure_server)
    raw = client.chat.completions.with_raw_response.create(
        model="chat-prod", messages=[{"role": "user", "content": "hello"}])
    assert raw.http_request.url.path == "/openai/deployments/chat-prod/chat/completions"
    assert raw.http_request.url.params["api-version"] == VERSION and raw.http_request.headers["api-key"] == KEY
    completion = raw.parse()
    assert completion.choices[0].message.content == "Hello from the chat-prod deployment."
    body = json.loads(raw.text)
    assert list(body) == ["choices", "created", "id", "model", "object", "prompt_filter_results", "system_fingerprint", "usage"]
    assert body["prompt_filter_results"][0]["prompt_index"] == 0
    assert body["prompt_filter_results"][0]["content_filter_results"]["jailbreak"] == {"filtered": False, "detected": False}
    assert body["choices"][0]["content_filter_results"] == {k: SAFE for k in ("hate", "self_harm", "sexual", "violence")}
    assert_official("CreateChatCompletionResponse", body)
    # the journal sees the deployment as the model
    journal = httpx.get(azure_server.url + "/_mock/journal?summary=true", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
    assert journal.json()["data"][-1]["model"] == "chat-prod"


def test_azure_deployment_wins_over_the_body_model(azure_server):
    """Azure ignores the body's model: a raw client sending another one still gets the deployment."""
    response = httpx.post(azure_server.url + f"/openai/deployments/chat-prod/chat/completions?api-version={VERSION}",
                          json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]},
                          headers={"api-key": KEY}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["model"] == "chat-prod"
    without_model = httpx.post(azure_server.url + f"/openai/deployments/other/chat/completions?api-version={VERSION}",
                               json={"messages": [{"role": "user", "content": "hi"}]}, headers={"api-key": KEY}, timeout=10)
    assert without_model.json()["choices"][0]["message"]["content"] == "model other"


def test_azure_chat_tool_loop_streamed(azure_server):
    client = azure(azure_server)
    messages: list[Any] = [{"role": "user", "content": "weather?"}]
    with client.chat.completions.stream(model="chat-prod", messages=messages, tools=[WEATHER]) as stream:
        first = stream.get_final_completion()
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "sunny"}]
    with client.chat.completions.stream(model="chat-prod", messages=messages, tools=[WEATHER]) as stream:
        second = stream.get_final_completion()
    assert second.choices[0].message.content == "It is sunny in Paris."


def test_azure_stream_opens_with_the_prompt_filter_chunk(azure_server):
    url = azure_server.url + f"/openai/deployments/chat-prod/chat/completions?api-version={VERSION}"
    raw = httpx.post(url, json={"messages": [{"role": "user", "content": "hello"}], "stream": True},
                     headers={"api-key": KEY}, timeout=10).text
    events = [json.loads(e[6:]) for e in raw.strip().split("\n\n") if e != "data: [DONE]"]
    first = events[0]
    assert first["choices"] == [] and (first["id"], first["model"], first["object"], first["created"]) == ("", "", "", 0)
    assert first["prompt_filter_results"][0]["content_filter_results"]["hate"] == SAFE
    chunks = events[1:]
    for chunk in chunks:
        assert_official("CreateChatCompletionStreamResponse", chunk)
        assert "service_tier" not in chunk and list(chunk) == sorted(chunk)
    texts = [c["choices"][0] for c in chunks if c["choices"][0]["delta"].get("content")]
    assert texts and all(c["content_filter_results"]["violence"] == SAFE for c in texts)
    assert chunks[0]["choices"][0]["content_filter_results"] == {}  # the role chunk
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "Hello from the chat-prod deployment."


@pytest.mark.parametrize("query,status,body", [
    ("", 404, {"error": {"code": "404", "message": "Resource not found"}}),
    ("?api-version=2025-04-14-preview", 400, {"error": {"code": "BadRequest", "message": "API version not supported"}}),
    ("?api-version=preview", 400, {"error": {"code": "BadRequest", "message": "API version not supported"}}),
])
def test_azure_api_version_as_azure_answers(azure_server, query, status, body):
    response = httpx.post(azure_server.url + "/openai/deployments/chat-prod/chat/completions" + query,
                          json={"messages": [{"role": "user", "content": "hello"}]}, headers={"api-key": KEY}, timeout=10)
    assert (response.status_code, response.json()) == (status, body)


def test_azure_key_as_azure_answers(azure_server):
    url = azure_server.url + f"/openai/deployments/chat-prod/chat/completions?api-version={VERSION}"
    body = {"messages": [{"role": "user", "content": "hello"}]}
    refused = httpx.post(url, json=body, headers={"api-key": "wrong"}, timeout=10)
    assert refused.status_code == 401
    assert refused.json() == {"error": {"code": "401", "message": (
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for "
        "an active subscription and use a correct regional API endpoint for your resource.")}}
    assert len(refused.content) == 224  # as reported (SciSharp/BotSharp#386: Content-Length 224)
    assert httpx.post(url, json=body, headers={"Authorization": f"Bearer {KEY}"}, timeout=10).status_code == 200  # azure_ad_token
    with pytest.raises(openai.AuthenticationError):
        openai.AzureOpenAI(azure_endpoint=azure_server.url, api_key="wrong", api_version=VERSION, max_retries=0
                           ).chat.completions.create(model="chat-prod", messages=[{"role": "user", "content": "hello"}])


def test_azure_responses_with_the_client_and_on_the_v1_surface(azure_server):
    via_client = azure(azure_server).responses.with_raw_response.create(model="chat-prod", input="hello")
    assert via_client.http_request.url.path == "/openai/responses"
    assert via_client.parse().output_text == "Hello from the chat-prod deployment."
    v1 = openai.OpenAI(base_url=azure_server.url + "/openai/v1/", api_key=KEY, max_retries=0)
    response = v1.responses.create(model="chat-prod", input="hello")
    assert response.output_text == "Hello from the chat-prod deployment."
    with v1.responses.stream(model="chat-prod", input="hello") as stream:
        assert stream.get_final_response().output_text == "Hello from the chat-prod deployment."
    completion = v1.chat.completions.create(model="chat-prod", messages=[{"role": "user", "content": "hello"}])
    assert completion.choices[0].message.content == "Hello from the chat-prod deployment."
    refused = httpx.post(azure_server.url + "/openai/responses", json={"model": "chat-prod", "input": "hello"},
                         headers={"api-key": KEY}, timeout=10)
    assert refused.status_code == 404  # api-version is required there, optional on v1


def test_a_request_profile_wins_over_the_route(azure_server):
    response = httpx.post(azure_server.url + f"/openai/deployments/chat-prod/chat/completions?api-version={VERSION}",
                          json={"messages": [{"role": "user", "content": "hello"}]},
                          headers={"api-key": KEY, "X-Mock-Profile": "openai"}, timeout=10)
    assert "prompt_filter_results" not in response.json() and response.json()["service_tier"] == "default"


# --- Vertex AI MaaS (seed 001) ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1", "v1beta1"])
def test_vertex_route_runs_seed_001(server, version):
    base = server.url + VERTEX_BASE.replace("/v1/", f"/{version}/", 1)
    client = openai.OpenAI(base_url=base, api_key="ya29.token", max_retries=0)
    seed = SEEDS["seed001"]
    first = client.chat.completions.create(**seed["request_1"])
    calls = first.choices[0].message.tool_calls
    assert [c.id for c in calls] == ["get_current_weather"] * 2  # the vertex profile, implied by the path
    assert [json.loads(c.function.arguments)["location"] for c in calls] == ["Boston", "New Delhi"]
    temperatures = {"Boston": "75", "New Delhi": "50"}
    messages = copy.deepcopy(seed["request_1"]["messages"]) + [first.choices[0].message.model_dump(exclude_none=True)]
    messages += [{"role": "tool", "tool_call_id": c.id, "content": temperatures[json.loads(c.function.arguments)["location"]]}
                 for c in calls]
    second = client.chat.completions.create(model=seed["request_1"]["model"], messages=messages, tools=seed["request_1"]["tools"])
    assert second.choices[0].message.content.endswith(
        "Boston has a higher temperature than New Delhi by 25 degrees Fahrenheit.")
    assert second.system_fingerprint == ""


def test_vertex_route_takes_the_seed_request_verbatim(server):
    seed = SEEDS["seed001"]
    response = httpx.post(server.url + VERTEX_BASE + "/chat/completions", json=seed["request_2"], timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == list(seed["response_2"])
    assert re.match(r"^\d{4}-\d{2}-\d{2}\|", body["id"])
    assert body["choices"][0]["message"]["content"].endswith(
        "Boston, MA has a higher temperature than New Delhi, India by 25 degrees Fahrenheit.")


# --- Gemini's and OpenRouter's OpenAI-compatible base URLs --------------------------------------


@pytest.mark.parametrize("base", ["/v1beta/openai/", "/api/v1"])
def test_openai_compatible_base_urls(server, base):
    client = openai.OpenAI(base_url=server.url + base, api_key="k", max_retries=0)
    seed = SEEDS["seed001"]
    completion = client.chat.completions.create(**seed["request_1"])
    assert [c.function.name for c in completion.choices[0].message.tool_calls] == ["get_current_weather"] * 2
    assert completion.choices[0].message.tool_calls[0].id.startswith("call_")  # OpenAI's shape: no profile implied
    with client.chat.completions.stream(**seed["request_1"]) as stream:
        assert len(stream.get_final_completion().choices[0].message.tool_calls) == 2
    assert "compare-temperatures" in [m.id for m in client.models.list()]
