"""Faults, per rule and per request (X-Mock-Fault), observed through the official openai SDK:
retries, exceptions, sessions, latency, stream breaks, broken tool calls and --api-key."""

from __future__ import annotations

import json
import threading
import time

import httpx
import openai
import pytest

from conversations import BUNDLED_REQUESTS
from mockserver.engine.loader import load_text
from payloads import GET_WEATHER_TOOL, TIME_TOOL, chat, user

FAULTS = """
version: 1
name: faulty
rules:
  - name: rate-limited
    when: {last_message: rate me}
    reply:
      content: finally through
      fault: {http: {status: 429, retry_after: 0.1}, times: 2}
  - name: always-limited
    when: {last_message: always limited}
    reply:
      content: never seen
      fault: {http: {status: 429, retry_after: 0.05}}
  - name: flaky
    when: {last_message: flaky}
    reply:
      content: recovered
      fault: {http: 503, times: 1}
  - name: slow
    when: {last_message: slow}
    reply:
      content: one two three
      fault: {latency: 0.3}
  - name: dropped-once
    when: {last_message: drop once}
    reply:
      content: one two three four
      fault: {stream: {kind: drop, after: 1}, times: 1}
  - name: broken-weather
    when: {last_message: broken weather}
    reply:
      tool_calls:
        - {name: get_weather, arguments: {city: Oslo}}
        - {name: get_weather, arguments: {city: Bergen}}
      fault: {tool_call: {kind: wrong_type, call: 1}}
  - name: impossible
    when: {last_message: impossible}
    reply:
      tool_calls: [{name: get_current_time}]
      fault: {tool_call: missing_required}
  - name: anything
    reply:
      content: plain answer
"""


def client(running, retries: int = 0, **headers: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=retries, default_headers=headers or None)


def post(running, body, **headers: str) -> httpx.Response:
    return httpx.post(running.base_url + "/chat/completions", json=body, headers=headers, timeout=10)


# --- HTTP errors, times, sessions ---------------------------------------------------------------


def test_sdk_retries_429_with_retry_after_then_succeeds(serve):
    running = serve(FAULTS)
    start = time.monotonic()
    completion = client(running, retries=2).chat.completions.create(**chat(user("rate me")))
    assert completion.choices[0].message.content == "finally through"
    assert time.monotonic() - start >= 0.2  # two waits of retry-after-ms = 100
    assert running.service.faults.snapshot() == [{"fault": ["rule", "faulty", "rate-limited"], "session": "", "count": 3}]


def test_429_body_and_headers(serve):
    running = serve(FAULTS)
    response = post(running, chat(user("rate me"), model="gpt-x"))
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1" and response.headers["retry-after-ms"] == "100"
    assert response.headers["x-mock-fault"] == "429 injected by scenario 'faulty' rule 'rate-limited' (inline0.yaml:5)"
    assert response.json() == {"error": {
        "message": "Rate limit reached for gpt-x in organization org-mockserver on requests per min (RPM): Limit 3, Used 3, "
                   "Requested 1. Please try again in 100ms. Visit https://platform.openai.com/account/rate-limits to learn more.",
        "type": "requests", "param": None, "code": "rate_limit_exceeded"}}


def test_rate_limit_error_when_retries_run_out(serve):
    running = serve(FAULTS)
    with pytest.raises(openai.RateLimitError) as caught:
        client(running, retries=2).chat.completions.create(**chat(user("always limited")))
    assert caught.value.status_code == 429 and caught.value.code == "rate_limit_exceeded"
    assert caught.value.response.headers["retry-after-ms"] == "50"


def test_times_counts_per_session_in_parallel(serve):
    running = serve(FAULTS)
    results: dict[str, list[int]] = {}

    def run(session: str) -> None:
        results[session] = [post(running, chat(user("flaky")), **{"X-Mock-Session": session}).status_code for _ in range(3)]

    threads = [threading.Thread(target=run, args=(f"test-{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {f"test-{i}": [503, 200, 200] for i in range(8)}
    assert post(running, chat(user("flaky"))).status_code == 503  # the default session is its own


def test_reset(serve):
    running = serve(FAULTS)
    for session in ("a", "b"):
        assert [post(running, chat(user("flaky")), **{"X-Mock-Session": session}).status_code for _ in range(2)] == [503, 200]
    assert running.service.reset_faults("a") == 1
    assert post(running, chat(user("flaky")), **{"X-Mock-Session": "a"}).status_code == 503
    assert post(running, chat(user("flaky")), **{"X-Mock-Session": "b"}).status_code == 200
    assert running.service.reset_faults() == 2
    assert post(running, chat(user("flaky")), **{"X-Mock-Session": "b"}).status_code == 503


@pytest.mark.parametrize("status,exception", [
    (400, openai.BadRequestError), (401, openai.AuthenticationError), (429, openai.RateLimitError),
    (500, openai.InternalServerError), (503, openai.InternalServerError),
])
def test_header_http_faults_raise_the_sdk_exceptions(server, status, exception):
    with pytest.raises(exception) as caught:
        client(server, **{"X-Mock-Fault": str(status)}).chat.completions.create(**BUNDLED_REQUESTS["catch-all"])
    assert caught.value.status_code == status
    if status == 401:
        assert caught.value.code == "invalid_api_key"


def test_header_429_retried_by_the_sdk(server):
    headers = {"X-Mock-Fault": "429; retry-after=0.1; times=1", "X-Mock-Session": "header-429-retry"}
    completion = client(server, retries=1, **headers).chat.completions.create(**BUNDLED_REQUESTS["catch-all"])
    assert completion.choices[0].message.content.startswith("Hello from mockserver!")


@pytest.mark.parametrize("profile,expected", [
    ("openai", {"message": "The server is overloaded or not ready yet.", "type": "server_error", "param": None, "code": None}),
    ("vllm", {"message": "The server is overloaded or not ready yet.", "type": "Service Unavailable", "param": None, "code": 503}),
    ("vertex", {"code": 503, "message": "The server is overloaded or not ready yet.", "status": "UNAVAILABLE"}),
])
def test_http_faults_take_the_profile_error_shape(server, profile, expected):
    response = post(server, BUNDLED_REQUESTS["catch-all"], **{"X-Mock-Fault": "503", "X-Mock-Profile": profile})
    assert response.status_code == 503 and response.json() == {"error": expected}


def test_vertex_rate_limit_in_googles_words(server):
    response = post(server, BUNDLED_REQUESTS["catch-all"], **{"X-Mock-Fault": "429", "X-Mock-Profile": "vertex"})
    assert response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert response.json()["error"]["message"].startswith("Resource exhausted. Please try again later.")


@pytest.mark.parametrize("value,problem", [
    ("418", "HTTP status 418 is not one mockserver injects"),
    ("teapot", "unknown fault 'teapot'"),
    ("429; times=0", "times=0 must be >= 1"),
    ("429; tries=2", "unknown setting 'tries'"),
    ("latency=abc", "latency='abc' is not a number"),
    ("stream-error; stream-drop", "more than one stream fault"),
    ("retry-after=1", "retry-after needs an HTTP status"),
])
def test_bad_fault_headers_name_the_culprit(server, value, problem):
    response = post(server, BUNDLED_REQUESTS["catch-all"], **{"X-Mock-Fault": value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_mock_header"
    assert error["message"].startswith(f"Invalid X-Mock-Fault header {value!r}: {problem}; use an HTTP status")


@pytest.mark.parametrize("fault,message", [
    ("{http: 418}", "418 is not one of"),
    ("{times: 0, http: 500}", "0 is less than the minimum of 1"),
    ("{tool_call: bent}", "'bent' is not one of"),
    ("{latency: -1}", "-1 is less than the minimum of 0"),
])
def test_fault_format_errors_at_load(fault, message):
    text = f"version: 1\nname: f\nrules:\n  - reply:\n      content: x\n      fault: {fault}\n"
    _, problems = load_text(text, "f.yaml")
    assert len(problems) == 1 and message in problems[0].message, problems


# --- latency and streams ------------------------------------------------------------------------


def test_latency_before_the_answer(serve):
    running = serve(FAULTS)
    start = time.monotonic()
    client(running).chat.completions.create(**chat(user("slow")))
    assert 0.3 <= time.monotonic() - start < 1.5
    start = time.monotonic()
    with httpx.stream("POST", running.base_url + "/chat/completions", json=chat(user("slow"), stream=True)) as response:
        next(response.iter_lines())
        assert 0.3 <= time.monotonic() - start < 1.5
    start = time.monotonic()
    post(running, chat(user("anything")), **{"X-Mock-Fault": "latency=0.2"})
    assert 0.2 <= time.monotonic() - start < 1.2


def test_header_stream_error_raises_api_error(server):
    headers = {"X-Mock-Fault": "stream-error; after=2"}
    with pytest.raises(openai.APIError, match="The server had an error while processing your request") as caught:
        for _ in client(server, **headers).chat.completions.create(**BUNDLED_REQUESTS["catch-all"], stream=True):
            pass
    assert caught.value.type == "server_error"
    raw = post(server, dict(BUNDLED_REQUESTS["catch-all"], stream=True), **headers, **{"X-Mock-Profile": "vllm"}).content
    events = raw.split(b"\n\n")
    assert len(events) == 4 and b"[DONE]" not in raw
    assert json.loads(events[2][6:]) == {"error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "InternalServerError", "param": None, "code": 500}}


def test_header_stream_drop_and_cut(server):
    with pytest.raises(openai.APIConnectionError):
        for _ in client(server, **{"X-Mock-Fault": "stream-drop"}).chat.completions.create(**BUNDLED_REQUESTS["catch-all"], stream=True):
            pass
    raw = post(server, dict(BUNDLED_REQUESTS["catch-all"], stream=True), **{"X-Mock-Fault": "stream-cut; after=3"}).content
    assert b"[DONE]" not in raw and raw.count(b"data: ") == 3
    # a non-streamed request ignores a stream fault
    assert post(server, BUNDLED_REQUESTS["catch-all"], **{"X-Mock-Fault": "stream-drop"}).status_code == 200


def test_dropped_stream_retried_by_hand_succeeds(serve):
    running = serve(FAULTS)
    sdk = client(running)
    with pytest.raises(openai.APIConnectionError):
        list(sdk.chat.completions.create(**chat(user("drop once")), stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in sdk.chat.completions.create(**chat(user("drop once")), stream=True) if c.choices)
    assert text == "one two three four"


# --- broken tool calls --------------------------------------------------------------------------


def _call(response: httpx.Response, index: int = 0) -> tuple[str, str]:
    assert response.status_code == 200, response.text
    call = response.json()["choices"][0]["message"]["tool_calls"][index]
    return call["function"]["name"], call["function"]["arguments"]


@pytest.mark.parametrize("fault,expected", [
    ("invalid-json", ("get_weather", '{"city":')),
    ("undeclared-tool", ("get_weather_v2", '{"city":"Kyoto"}')),
    ("missing-required", ("get_weather", "{}")),
    ("wrong-type", ("get_weather", '{"city":["Kyoto"]}')),
])
def test_header_breaks_the_tool_call(server, fault, expected):
    assert _call(post(server, BUNDLED_REQUESTS["002-call"], **{"X-Mock-Fault": fault})) == expected


def test_broken_calls_are_schema_aware(server, serve):
    """wrong-type on the seed 001 schema: the required 'location', as a model gets it wrong."""
    response = post(server, BUNDLED_REQUESTS["001-parallel-calls"], **{"X-Mock-Fault": "wrong-type; call=1"})
    assert _call(response, 0) == ("get_current_weather", '{"location":"Nairobi","unit":"fahrenheit"}')
    assert _call(response, 1) == ("get_current_weather", '{"location":["Lima"],"unit":"fahrenheit"}')
    integer_tool = {"type": "function", "function": {"name": "set_count", "parameters": {
        "type": "object", "properties": {"n": {"type": "integer"}, "tags": {"type": "array"}}, "required": ["n", "tags"]}}}
    body = chat(user("x"), tools=[integer_tool], tool_choice="required")
    rule = "version: 1\nname: c\nrules: [{reply: {tool_calls: [{name: set_count, arguments: {n: 3, tags: [a]}}]}}]\n"
    assert _call(post(serve(rule), body, **{"X-Mock-Fault": "wrong-type"})) == ("set_count", '{"n":"3","tags":["a"]}')


def test_rule_breaks_a_chosen_call_and_streams_it(serve):
    running = serve(FAULTS)
    body = chat(user("broken weather"), tools=[GET_WEATHER_TOOL])
    response = post(running, body)
    assert _call(response, 0) == ("get_weather", '{"city":"Oslo"}')
    assert _call(response, 1) == ("get_weather", '{"city":["Bergen"]}')
    chunks = list(client(running).chat.completions.create(**body, stream=True))
    arguments = "".join(tc.function.arguments or "" for c in chunks for tc in (c.choices[0].delta.tool_calls or []) if tc.index == 1)
    assert arguments == '{"city":["Bergen"]}'


def test_impossible_breakage_names_the_culprit(serve, server):
    running = serve(FAULTS)
    response = post(running, chat(user("impossible"), tools=[TIME_TOOL]))
    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        "Scenario error in scenario 'faulty' rule 'impossible' (inline0.yaml:37): "
        "fault.tool_call missing_required: 'get_current_time' has no required parameter to leave out")
    response = post(server, BUNDLED_REQUESTS["catch-all"], **{"X-Mock-Fault": "invalid-json"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "X-Mock-Fault invalid_json: the reply has 0 tool call(s), so there is no call 0 to break.")


# --- --api-key ----------------------------------------------------------------------------------


def test_api_key(serve):
    running = serve(FAULTS, api_key="sk-test-1234567890", profile="vllm")
    missing = httpx.post(running.base_url + "/chat/completions", json=chat(user("hi")))
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "invalid_api_key"
    assert missing.json()["error"]["message"].startswith("You didn't provide an API key.")
    wrong = post(running, chat(user("hi")), Authorization="Bearer sk-wrong-key-000")
    assert wrong.json() == {"error": {  # OpenAI's shape even under another profile
        "message": "Incorrect API key provided: sk-*********-000. You can find your API key at https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}
    with pytest.raises(openai.AuthenticationError) as caught:
        openai.OpenAI(base_url=running.base_url, api_key="nope", max_retries=0).chat.completions.create(**chat(user("hi")))
    assert caught.value.code == "invalid_api_key"
    good = openai.OpenAI(base_url=running.base_url, api_key="sk-test-1234567890", max_retries=0)
    assert good.chat.completions.create(**chat(user("hi"))).choices[0].message.content == "plain answer"
    assert [m.id for m in good.models.list()] == ["faulty"]
    assert httpx.get(running.base_url + "/models").status_code == 401
    assert httpx.get(running.url + "/healthz").status_code == 200


def test_api_key_flag_and_env(monkeypatch):
    from mockserver.cli import _parser, config_from_args

    monkeypatch.setenv("MOCKSERVER_API_KEY", "from-env")
    assert config_from_args(_parser().parse_args(["serve"])).api_key == "from-env"
    assert config_from_args(_parser().parse_args(["serve", "--api-key", "flag"])).api_key == "flag"


def test_admin_reset_also_resets_fault_counters(serve):
    running = serve("version: 1\nname: flaky\nrules: [{reply: {content: ok, fault: {http: 503, times: 1}}}]\n")
    post = lambda: httpx.post(running.url + "/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "x"}]})
    assert [post().status_code, post().status_code] == [503, 200]
    reset = httpx.post(running.url + "/_mock/reset")
    assert reset.status_code == 200
    assert post().status_code == 503
