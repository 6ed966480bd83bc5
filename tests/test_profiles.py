"""Provider profiles: the seeds' own requests answered field for field as vLLM (000) and Vertex
(001) answered them; OpenAI's shape unchanged; precedence header > scenario > server."""

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
from conversations import BUNDLED_REQUESTS
from mockserver.config import Config, ConfigError
from payloads import CURRENT_WEATHER_TOOL, chat, user

SEEDS = json.loads((Path(__file__).parent / "fixtures" / "provider-seeds.json").read_text(encoding="utf-8"))
VLLM_ID = re.compile(r"^chatcmpl-[0-9a-f]{32}$")
VLLM_TOOL_ID = re.compile(r"^chatcmpl-tool-[0-9a-f]{32}$")
MISTRAL_ID = re.compile(r"^[a-zA-Z0-9]{9}$")
VERTEX_ID = re.compile(r"^\d{4}-\d{2}-\d{2}\|\d{2}:\d{2}:\d{2}\.\d{6}-07\|\d+\.\d+\.\d+\.\d+\|-\d+$")


def post(server, body: dict[str, Any], profile: str | None = None, **headers: str) -> httpx.Response:
    if profile:
        headers["X-Mock-Profile"] = profile
    return httpx.post(server.base_url + "/chat/completions", json=body, headers=headers, timeout=10)


def assert_like(actual: Any, seed: Any, volatile: dict[str, Any], path: str = "$") -> None:
    """Same keys at every level and the same values, except at ``volatile`` paths: there a regex
    the value must match, or a type it must have."""
    if path in volatile:
        rule = volatile[path]
        if isinstance(rule, re.Pattern):
            assert isinstance(actual, str) and rule.match(actual), f"{path}: {actual!r} !~ {rule.pattern}"
        else:
            assert isinstance(actual, rule) and not isinstance(actual, bool), f"{path}: {actual!r} is not {rule}"
        return
    if isinstance(seed, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        assert list(actual) == list(seed), f"{path}: keys {list(actual)} != seed's {list(seed)}"
        for key in seed:
            assert_like(actual[key], seed[key], volatile, f"{path}.{key}")
    elif isinstance(seed, list):
        assert isinstance(actual, list) and len(actual) == len(seed), f"{path}: {actual!r} vs {seed!r}"
        for i, (a, s) in enumerate(zip(actual, seed)):
            assert_like(a, s, volatile, f"{path}[{i}]")
    else:
        assert actual == seed, f"{path}: {actual!r} != seed's {seed!r}"


def _history_ids(body: dict[str, Any]) -> list[str]:
    ids = [m["tool_call_id"] for m in body["messages"] if m.get("role") == "tool"]
    return ids + [c["id"] for m in body["messages"] for c in m.get("tool_calls") or []]


USAGE_INTS = {f"$.usage.{k}": int for k in ("prompt_tokens", "total_tokens", "completion_tokens")}


# --- vLLM, seed 000 -----------------------------------------------------------------------------


def test_seed_000_first_call_as_vllm(server):
    seed = SEEDS["seed000"]
    response = post(server, seed["request_1"], "vllm")
    assert response.status_code == 200, response.text
    assert_like(response.json(), seed["response_1"], {
        "$.id": VLLM_ID, "$.created": int, **USAGE_INTS,
        "$.choices[0].message.tool_calls[0].id": VLLM_TOOL_ID,
    })


def test_seed_000_second_call_as_vllm(server):
    """The seed's own second request: the history calls get_current_time without declaring any
    tools — vLLM does not check; the answer is the seed's, word for word."""
    seed = SEEDS["seed000"]
    response = post(server, seed["request_2"], "vllm")
    assert response.status_code == 200, response.text
    assert_like(response.json(), seed["response_2"], {"$.id": VLLM_ID, "$.created": int, **USAGE_INTS})
    # OpenAI refuses vLLM's 46-character call ids (reported: "string too long. Expected a string
    # with maximum length 40"); the undeclared function alone is only a warning (see test_warnings)
    refused = post(server, seed["request_2"])
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "messages[1].tool_calls[0].id"
    assert refused.json()["error"]["code"] == "string_above_max_length"


def test_vllm_finish_reason_follows_vllm(server):
    """named/required tool_choice: 'stop' non-streamed, 'tool_calls' streamed; auto: 'tool_calls'."""
    seed = SEEDS["seed000"]["request_1"]
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, default_headers={"X-Mock-Profile": "vllm"})
    kwargs = {k: v for k, v in seed.items() if k != "stream"}
    for choice in ({"type": "function", "function": {"name": "get_current_time"}}, "required"):
        kwargs["tool_choice"] = choice
        assert client.chat.completions.create(**kwargs).choices[0].finish_reason == "stop"
        chunks = list(client.chat.completions.create(**kwargs, stream=True))
        assert [c.choices[0].finish_reason for c in chunks if c.choices[0].finish_reason] == ["tool_calls"]
        with client.chat.completions.stream(**kwargs) as stream:
            final = stream.get_final_completion()
        assert final.choices[0].message.tool_calls[0].function.name == "get_current_time"
        assert VLLM_TOOL_ID.match(final.choices[0].message.tool_calls[0].id)
    kwargs["tool_choice"] = "auto"
    auto = client.chat.completions.create(**kwargs)
    assert auto.choices[0].finish_reason == "tool_calls" and auto.choices[0].message.content is None


def test_vllm_takes_back_its_own_answer_with_empty_tool_calls(server):
    """vLLM answers with ``tool_calls: []`` and accepts it back (chat_utils.py:
    ``tool_calls: list[...] | None``, no minimum length); openai-python resends the message object
    as it came. Found by the compatibility suite (tests/compat, multi_turn under vllm). OpenAI
    refuses the same history (empty_array)."""
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, default_headers={"X-Mock-Profile": "vllm"})
    messages: list[Any] = [{"role": "user", "content": "Hello"}]
    answer = client.chat.completions.create(model="gpt-4o", messages=messages).choices[0].message
    assert answer.tool_calls == []
    messages += [answer, {"role": "user", "content": "Hello again"}]
    again = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=messages)
    assert again.http_request.read().count(b'"tool_calls":[]') == 1 and again.status_code == 200
    resent = json.loads(again.http_request.read())["messages"][1]
    refused = post(server, chat(user("Hello"), resent, user("Hello again")))
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "empty_array"


def test_vllm_stream_chunks(server):
    body = dict(BUNDLED_REQUESTS["001-parallel-calls"], stream=True, stream_options={"include_usage": True})
    raw = post(server, body, "vllm").content
    events = raw.split(b"\n\n")
    assert events[-2:] == [b"data: [DONE]", b""]
    chunks = [json.loads(e[6:]) for e in events[:-2]]
    for chunk in chunks[:-1]:
        assert list(chunk) == ["id", "object", "created", "model", "choices"]
        assert VLLM_ID.match(chunk["id"])
        choice = chunk["choices"][0]
        final = choice["finish_reason"] is not None
        assert list(choice) == ["index", "delta", "logprobs", "finish_reason"] + (["stop_reason"] if final else []) + ["token_ids"]
        assert "refusal" not in choice["delta"]
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    usage = chunks[-1]
    assert usage["choices"] == [] and list(usage["usage"]) == ["prompt_tokens", "total_tokens", "completion_tokens"]
    ids = [tc["id"] for c in chunks[:-1] for tc in c["choices"][0]["delta"].get("tool_calls", []) if "id" in tc]
    assert len(ids) == 2 and all(VLLM_TOOL_ID.match(i) for i in ids)


def test_vllm_error_shape(server):
    response = post(server, {"model": "m", "messages": []}, "vllm")
    assert response.status_code == 400
    assert response.json() == {"error": {
        "message": "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        "type": "BadRequestError", "param": "messages", "code": 400}}
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, default_headers={"X-Mock-Profile": "vllm"})
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="m", messages=[])
    assert caught.value.type == "BadRequestError" and caught.value.param == "messages"


# --- Vertex, seed 001 ---------------------------------------------------------------------------


def test_seed_001_first_call_as_vertex(server):
    seed = SEEDS["seed001"]
    response = post(server, seed["request_1"], "vertex")
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["choices", "created", "id", "model", "object", "system_fingerprint", "usage"]
    assert VERTEX_ID.match(body["id"]) and body["system_fingerprint"] == "" and body["object"] == "chat.completion"
    assert list(body["usage"]) == ["completion_tokens", "prompt_tokens", "total_tokens"]
    choice = body["choices"][0]
    assert list(choice) == ["finish_reason", "index", "logprobs", "message"] and choice["finish_reason"] == "tool_calls"
    assert list(choice["message"]) == ["content", "role", "tool_calls"]
    assert choice["message"]["content"].startswith("I'll check the current temperatures for Boston and New Delhi in Fahrenheit")
    calls = choice["message"]["tool_calls"]
    # the seed's calls, key for key: the id is the function name (both calls share it)
    for call, seed_call in zip(calls, seed["tool_calls_1"]):
        assert_like(call, seed_call, {"$.function.arguments": str})
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [
        {"location": "Boston", "unit": "fahrenheit"}, {"location": "New Delhi", "unit": "fahrenheit"}]


def test_seed_001_second_call_as_vertex(server):
    """The seed's own second request — shared ids, results answering 'get_weather' — is accepted
    under vertex and its results are paired with the calls by order."""
    seed = SEEDS["seed001"]
    response = post(server, seed["request_2"], "vertex")
    assert response.status_code == 200, response.text
    body = response.json()
    assert_like(body, seed["response_2"], {"$.id": VERTEX_ID, "$.created": int, **USAGE_INTS,
                                           "$.choices[0].message.content": str})
    text = body["choices"][0]["message"]["content"]
    assert "**Boston, MA**: 75°F" in text and "**New Delhi, India**: 50°F" in text
    assert text.endswith("Boston, MA has a higher temperature than New Delhi, India by 25 degrees Fahrenheit.")
    # the official SDK reads it
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, default_headers={"X-Mock-Profile": "vertex"})
    completion = client.chat.completions.create(**seed["request_2"])
    assert completion.choices[0].message.content == text and completion.system_fingerprint == ""


def test_vertex_error_shape(server):
    response = post(server, {"model": "m", "messages": []}, "vertex")
    assert response.status_code == 400
    assert response.json() == {"error": {
        "code": 400, "status": "INVALID_ARGUMENT",
        "message": "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."}}


def test_vertex_stream_accumulates(server):
    seed = SEEDS["seed001"]
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, default_headers={"X-Mock-Profile": "vertex"})
    with client.chat.completions.stream(**seed["request_1"]) as stream:
        final = stream.get_final_completion()
    assert [c.id for c in final.choices[0].message.tool_calls] == ["get_current_weather"] * 2
    raw = post(server, dict(seed["request_1"], stream=True), "vertex").content
    first = json.loads(raw.split(b"\n\n")[0][6:])
    assert list(first) == ["choices", "created", "id", "model", "object", "system_fingerprint"]
    assert first["system_fingerprint"] == ""


# --- OpenAI and precedence ----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BUNDLED_REQUESTS))
def test_openai_profile_stays_official(serve, name):
    """A server running as vllm answers as OpenAI when the request asks: still schema-valid."""
    running = serve(*[p.read_text(encoding="utf-8") for p in sorted(_bundled().glob("*.yaml"))], profile="vllm")
    body = BUNDLED_REQUESTS[name]
    as_openai = post(running, body, "openai")
    assert as_openai.status_code == 200, as_openai.text
    assert_official("CreateChatCompletionResponse", as_openai.json())
    as_vllm = post(running, body)
    assert "kv_transfer_params" in as_vllm.json()


def _bundled() -> Path:
    from mockserver.engine.loader import bundled_scenarios_dir

    return bundled_scenarios_dir()


PRECEDENCE = """
version: 1
name: vertex-scenario
profile: vertex
rules:
  - when: {last_message: vertex please}
    reply: {content: from vertex}
---
version: 1
name: plain
rules:
  - when: {last_message: plain please}
    reply: {content: from plain}
"""


def test_precedence_header_scenario_server(serve):
    running = serve(PRECEDENCE, profile="vllm")
    assert "kv_transfer_params" in post(running, chat(user("plain please"))).json()  # server
    assert post(running, chat(user("vertex please"))).json()["system_fingerprint"] == ""  # scenario
    assert_official("CreateChatCompletionResponse", post(running, chat(user("vertex please")), "openai").json())  # header
    assert "kv_transfer_params" in post(running, chat(user("vertex please")), "vllm").json()


def test_scenario_profile_decides_how_the_history_is_checked(serve):
    """Shared ids and unmatched tool_call_ids: accepted for the vertex scenario's rule; a request
    no rule answers gets the server profile's (OpenAI's) protocol error, not 'no rule'."""
    running = serve(PRECEDENCE.replace("{last_message: vertex please}", "{user_message: vertex please}"))
    calls = copy.deepcopy(SEEDS["seed001"]["request_2"]["messages"][1:])
    accepted = post(running, chat(user("vertex please"), *calls, tools=[CURRENT_WEATHER_TOOL]))
    assert accepted.status_code == 200, accepted.text
    refused = post(running, chat(user("something else"), *calls, tools=[CURRENT_WEATHER_TOOL]))
    assert refused.status_code == 400
    assert "'tool_call_id' of 'get_weather' not found in 'tool_calls'" in refused.json()["error"]["message"]
    # the shared call id itself is only a warning under OpenAI's rules, and none under Vertex's
    assert "history.call_id_duplicate" in refused.headers["x-mock-warnings"]
    assert "history.call_id_duplicate" not in accepted.headers.get("x-mock-warnings", "")


def test_unknown_profile(server, serve):
    response = post(server, chat(user("hi")), "bedrock-ish")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": "Unknown profile 'bedrock-ish' in header X-Mock-Profile; valid profiles: openai, vllm, vertex, azure, mistral.",
        "type": "invalid_request_error", "param": None, "code": "invalid_mock_header"}
    with pytest.raises(ConfigError, match="unknown profile 'bedrock-ish'; valid profiles: openai, vllm, vertex, azure, mistral"):
        Config(profile="bedrock-ish")
    assert Config.from_env({"MOCKSERVER_PROFILE": "vertex"}).profile == "vertex"


def test_mock_diagnostics_keep_openai_shape(server):
    """no_matching_rule (with its near misses) reads the same under every profile."""
    body = chat(user("hello"), tools=[CURRENT_WEATHER_TOOL], tool_choice="required", model="current-time")
    for profile in ("vllm", "vertex"):
        error = post(server, body, profile).json()["error"]
        assert error["code"] == "no_matching_rule" and "near_misses" in error


def test_cli_profile_flag(monkeypatch):
    from mockserver.cli import _parser, config_from_args

    monkeypatch.delenv("MOCKSERVER_PROFILE", raising=False)
    assert config_from_args(_parser().parse_args(["serve", "--profile", "vllm"])).profile == "vllm"
    assert config_from_args(_parser().parse_args(["serve"])).profile == "openai"
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--profile", "bedrock-ish"])


@pytest.mark.parametrize("profile", ["vllm", "vertex", "azure", "mistral"])
@pytest.mark.parametrize("name", list(BUNDLED_REQUESTS))
def test_streams_accumulate_to_the_profile_answer(server, profile, name):
    """Same ids, calls and text streamed or not; only vLLM's forced finish_reason differs, as in vLLM."""
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, default_headers={"X-Mock-Profile": profile})
    body = BUNDLED_REQUESTS[name]
    if profile == "mistral" and _history_ids(body) and not all(MISTRAL_ID.match(i) for i in _history_ids(body)):
        with pytest.raises(openai.BadRequestError, match=r"must be a-z, A-Z, 0-9, with a length of 9\.$"):
            client.chat.completions.create(**body)  # Mistral refuses OpenAI's and vLLM's ids in a history
        return
    plain = client.chat.completions.create(**body)
    with client.chat.completions.stream(**body) as stream:
        streamed = stream.get_final_completion()
    assert streamed.id == plain.id

    def message(completion):
        m = completion.choices[0].message
        return m.content or None, [(c.id, c.function.name, c.function.arguments) for c in m.tool_calls or []]

    assert message(streamed) == message(plain)
    forced = isinstance(body.get("tool_choice"), dict) or body.get("tool_choice") == "required"
    expected = "tool_calls" if profile == "vllm" and forced else plain.choices[0].finish_reason
    assert streamed.choices[0].finish_reason == expected
