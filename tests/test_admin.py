"""The request journal and the /_mock admin routes, over real HTTP with exact bodies."""

from __future__ import annotations

import re
import threading

import httpx
import openai
import pytest

from mockserver.config import Config, ConfigError
from mockserver.server.journal import Journal, Recording
from payloads import GET_WEATHER_TOOL, chat, user

WEATHER = """
version: 1
name: weather
models: [gpt-4o]
rules:
  - name: call
    when: {last_message: {role: user, contains: weather}}
    reply:
      tool_calls: [{name: get_weather, arguments: {city: Paris}}]
  - name: hello
    when: {last_message: {role: user, equals: hi}}
    reply: {content: "Hello!"}
"""

RUNTIME = """version: 1
name: runtime
rules:
  - name: greet
    when: {last_message: {role: user, equals: hi}}
    reply: {content: "Hi from runtime"}
"""


@pytest.fixture
def mock(serve):
    return serve(WEATHER)


@pytest.fixture
def admin(mock):
    with httpx.Client(base_url=mock.url, timeout=10) as client:
        yield client


YAML = {"content-type": "application/yaml"}


def ask(admin: httpx.Client, body: dict, **kwargs) -> httpx.Response:
    return admin.post("/v1/chat/completions", json=body, **kwargs)


def test_empty_journal(admin):
    response = admin.get("/_mock/journal")
    assert response.status_code == 200
    assert response.json() == {"object": "list", "data": [], "max_entries": 1000, "max_bytes": 32 * 1024 * 1024,
                               "dropped": 0, "next_id": 1, "epoch": 0}


def test_answered_request_recorded_with_rule_and_redacted_key(mock, admin):
    client = openai.OpenAI(base_url=mock.base_url, api_key="sk-secret-123", max_retries=0)
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[user("weather please")], tools=[GET_WEATHER_TOOL]
    )
    [entry] = admin.get("/_mock/journal").json()["data"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry.pop("time"))
    assert isinstance(entry.pop("duration_ms"), float)
    headers = entry.pop("headers")
    assert headers["authorization"] == "[redacted]"
    assert "sk-secret-123" not in admin.get("/_mock/journal").text
    assert headers["content-type"] == "application/json"
    assert entry.pop("response") == completion.model_dump(exclude_unset=True)
    assert entry == {
        "id": 1,
        "method": "POST",
        "dialect": "chat",
        "path": "/v1/chat/completions",
        "dialect": "chat",
        "outcome": "answered",
        "valid": True,
        "scenario": "weather",
        "rule": "call",
        "rule_location": "inline0.yaml:6",
        "near_misses": None,
        "error": None,
        "faults": None,
        "warnings": [],
        "request": {"model": "gpt-4o", "messages": [user("weather please")], "tools": [GET_WEATHER_TOOL]},
        "status": 200,
    }
    journal = mock.app.state.journal
    assert journal.called and journal.call_count == 1
    assert journal.last.tool_calls[0].name == "get_weather"
    assert journal.last.tool_calls[0].arguments == {"city": "Paris"}
    assert journal.last.tool_calls[0].id == completion.choices[0].message.tool_calls[0].id


def test_unmatched_request_recorded_with_near_misses(admin):
    response = ask(admin, chat(user("bye"), model="gpt-4o"))
    assert response.status_code == 400
    [entry] = admin.get("/_mock/journal").json()["data"]
    assert entry["outcome"] == "unmatched"
    assert entry["valid"] is True
    assert entry["status"] == 400
    assert entry["scenario"] is None and entry["rule"] is None
    assert entry["error"] == response.json()["error"]
    assert entry["near_misses"] == response.json()["error"]["near_misses"]
    assert [(m["rule"], m["differences"][0]["field"]) for m in entry["near_misses"]] == [
        ("call", "last_message"), ("hello", "last_message")
    ]


def test_rejected_requests_recorded_with_the_error(mock, admin):
    bad_json = admin.post("/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
    bad_role = ask(admin, chat({"role": "robot", "content": "x"}))
    data = admin.get("/_mock/journal").json()["data"]
    assert [(e["id"], e["outcome"], e["valid"], e["status"]) for e in data] == [
        (1, "rejected", False, 400), (2, "rejected", False, 400)
    ]
    assert data[0]["request"] == "{not json"
    assert data[0]["error"] == bad_json.json()["error"]
    assert data[1]["request"] == chat({"role": "robot", "content": "x"})
    assert data[1]["error"] == bad_role.json()["error"]
    assert data[1]["error"]["param"] == "messages[0].role"


def test_too_large_body_recorded(serve):
    mock = serve(WEATHER, max_body_bytes=64)
    with httpx.Client(base_url=mock.url) as admin:
        response = ask(admin, chat(user("x" * 100)))
        assert response.status_code == 413
        [entry] = admin.get("/_mock/journal").json()["data"]
    assert (entry["status"], entry["outcome"], entry["request"]) == (413, "rejected", None)
    assert entry["error"]["code"] == "request_too_large"


def test_journal_is_bounded(serve):
    mock = serve(WEATHER, journal_size=2)
    with httpx.Client(base_url=mock.url) as admin:
        for _ in range(3):
            assert ask(admin, chat(user("hi"))).status_code == 200
        body = admin.get("/_mock/journal").json()
    assert [e["id"] for e in body["data"]] == [2, 3]
    assert (body["max_entries"], body["dropped"]) == (2, 1)


def test_delete_journal(admin):
    ask(admin, chat(user("hi")))
    ask(admin, chat(user("hi")))
    response = admin.delete("/_mock/journal")
    assert (response.status_code, response.json()) == (200, {"object": "mockserver.server.journal", "deleted": 2})
    assert admin.get("/_mock/journal").json()["data"] == []
    ask(admin, chat(user("hi")))
    assert [e["id"] for e in admin.get("/_mock/journal").json()["data"]] == [3]  # ids keep counting


def test_concurrent_requests_all_recorded(mock, admin):
    def send() -> None:
        with httpx.Client(base_url=mock.url) as client:
            for _ in range(10):
                assert ask(client, chat(user("hi"))).status_code == 200

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [e["id"] for e in admin.get("/_mock/journal").json()["data"]]
    assert ids == list(range(1, 81))


def test_list_scenarios(admin):
    response = admin.get("/_mock/scenarios")
    assert response.status_code == 200
    assert response.json() == {
        "object": "list",
        "data": [{
            "name": "weather",
            "file": "inline0.yaml",
            "origin": "startup",
            "description": "",
            "models": ["gpt-4o"],
            "profile": None,
            "rules": [{"name": "call", "line": 6, "priority": 0, "hits": 0}, {"name": "hello", "line": 10, "priority": 0, "hits": 0}],
            "source": {
                "version": 1, "name": "weather", "models": ["gpt-4o"],
                "rules": [
                    {"name": "call", "when": {"last_message": {"role": "user", "contains": "weather"}},
                     "reply": {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}},
                    {"name": "hello", "when": {"last_message": {"role": "user", "equals": "hi"}},
                     "reply": {"content": "Hello!"}},
                ],
            },
        }],
    }


def test_post_scenario_yaml_takes_precedence(admin):
    response = admin.post("/_mock/scenarios", content=RUNTIME, headers={"content-type": "application/yaml"})
    assert response.status_code == 201
    assert response.json() == {
        "object": "list",
        "data": [{
            "name": "runtime", "file": "<request body>", "origin": "runtime", "description": "", "models": [],
            "profile": None, "rules": [{"name": "greet", "line": 4, "priority": 0}],
            "source": {"version": 1, "name": "runtime", "rules": [
                {"name": "greet", "when": {"last_message": {"role": "user", "equals": "hi"}},
                 "reply": {"content": "Hi from runtime"}}]},
        }],
        "replaced": [],
    }
    listed = admin.get("/_mock/scenarios").json()["data"]
    assert [(s["name"], s["origin"]) for s in listed] == [("runtime", "runtime"), ("weather", "startup")]
    answer = ask(admin, chat(user("hi"))).json()
    assert answer["choices"][0]["message"]["content"] == "Hi from runtime"
    assert admin.get("/_mock/journal").json()["data"][0]["rule_location"] == "<request body>:4"


def test_post_scenario_json_with_file_name_replaces_same_name(admin):
    body = {"version": 1, "name": "weather", "rules": [{"name": "only", "reply": {"content": "json"}}]}
    response = admin.post("/_mock/scenarios?file=w.json", json=body)
    assert response.status_code == 201
    assert response.json()["replaced"] == ["weather"]
    assert response.json()["data"][0]["file"] == "w.json"
    listed = admin.get("/_mock/scenarios").json()["data"]
    assert [(s["name"], s["origin"], s["file"]) for s in listed] == [("weather", "runtime", "w.json")]
    assert ask(admin, chat(user("weather?"))).json()["choices"][0]["message"]["content"] == "json"


def test_post_scenario_replace_serves_only_it(admin):
    response = admin.post("/_mock/scenarios?replace=true", content=RUNTIME, headers=YAML)
    assert (response.status_code, response.json()["replaced"]) == (201, ["weather"])
    assert [s["name"] for s in admin.get("/_mock/scenarios").json()["data"]] == ["runtime"]
    unmatched = ask(admin, chat(user("weather?")))
    assert unmatched.json()["error"]["code"] == "no_matching_rule"


BAD_RULE = "version: 1\nname: broken\nrules:\n  - name: r1\n    reply: {contents: x}\n"


@pytest.mark.parametrize("content,headers,status,code,message,problems", [
    (BAD_RULE, YAML, 400, "invalid_scenario",
     "The scenario could not be loaded (1 problem(s)):\n<request body>:5: rule 'r1' at rules[0].reply: Additional "
     "properties are not allowed ('contents' was unexpected); allowed keys: content, fault, finish_reason, timing, tool_calls",
     [{"file": "<request body>", "line": 5, "column": None, "rule": "r1", "path": "rules[0].reply",
       "message": "Additional properties are not allowed ('contents' was unexpected); allowed keys: content, fault, finish_reason, timing, tool_calls"}]),
    ("version: 1\nname: a\nrules: [\n", YAML, 400, "invalid_scenario", None,
     [{"file": "<request body>", "line": 4, "column": 1, "rule": None, "path": "", "message": "invalid YAML: expected the node content, but found '<stream end>'"}]),
    ("", YAML, 400, "invalid_scenario",
     "The scenario could not be loaded (1 problem(s)):\n<request body>: the file holds no scenario",
     [{"file": "<request body>", "line": None, "column": None, "rule": None, "path": "", "message": "the file holds no scenario"}]),
    (RUNTIME + "---\n" + RUNTIME, YAML, 400, "invalid_scenario", None,
     [{"file": "<request body>", "line": None, "column": None, "rule": None, "path": "name",
       "message": "duplicate scenario name 'runtime' (also in <request body>)"}]),
    (b"\xff\xfe", YAML, 400, "invalid_scenario",
     "The scenario body is not valid UTF-8: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte.", None),
    (RUNTIME, {"content-type": "text/html"}, 415, "unsupported_media_type",
     "Content-Type 'text/html' is not accepted for a scenario: send YAML ('Content-Type: application/yaml') "
     "or JSON ('Content-Type: application/json').", None),
    # what a web page can send cross-site without a preflight: refused
    (RUNTIME, {"content-type": "text/plain"}, 415, "unsupported_media_type",
     "Content-Type 'text/plain' is not accepted for a scenario: send YAML ('Content-Type: application/yaml') "
     "or JSON ('Content-Type: application/json').", None),
    (RUNTIME, {}, 415, "unsupported_media_type",
     "A missing Content-Type is not accepted for a scenario: send YAML ('Content-Type: application/yaml') "
     "or JSON ('Content-Type: application/json').", None),
])
def test_post_scenario_errors(admin, content, headers, status, code, message, problems):
    response = admin.post("/_mock/scenarios", content=content, headers=headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, code)
    if message is not None:
        assert error["message"] == message
    assert error.get("problems") == problems
    assert [s["name"] for s in admin.get("/_mock/scenarios").json()["data"]] == ["weather"]  # nothing loaded


def test_post_scenario_bad_replace_flag(admin):
    response = admin.post("/_mock/scenarios?replace=maybe", content=RUNTIME, headers=YAML)
    assert (response.status_code, response.json()) == (400, {"error": {
        "message": "Invalid value for query parameter 'replace': 'maybe' (use true or false).",
        "type": "invalid_request_error", "param": "replace", "code": None}})


def test_reset(mock, admin):
    admin.post("/_mock/scenarios", content=RUNTIME, headers=YAML)
    ask(admin, chat(user("hi")))
    mock.service.config.seed = 99
    response = admin.post("/_mock/reset")
    assert (response.status_code, response.json()) == (
        200, {"object": "mockserver.reset", "journal_cleared": 1, "scenarios_removed": ["runtime"]}
    )
    assert [(s["name"], s["origin"]) for s in admin.get("/_mock/scenarios").json()["data"]] == [("weather", "startup")]
    assert admin.get("/_mock/journal").json()["data"] == []
    assert mock.service.config.seed == 0
    assert ask(admin, chat(user("hi"))).json()["choices"][0]["message"]["content"] == "Hello!"
    assert [e["id"] for e in admin.get("/_mock/journal").json()["data"]] == [1]  # a reset restarts the ids


@pytest.mark.parametrize("method,path,allow", [
    ("PUT", "/_mock/journal", "DELETE, GET, HEAD"),
    ("DELETE", "/_mock/scenarios", "GET, HEAD, POST"),
    ("GET", "/_mock/reset", "POST"),
])
def test_wrong_method(admin, method, path, allow):
    response = admin.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json() == {"error": {
        "message": f"Method {method} is not allowed for {path}; use {allow}.",
        "type": "invalid_request_error", "param": None, "code": "method_not_allowed"}}


def test_unknown_admin_route(admin):
    response = admin.get("/_mock/nothing")
    assert (response.status_code, response.json()["error"]["message"]) == (404, "Invalid URL (GET /_mock/nothing)")


def test_server_error_recorded_then_raised():
    journal = Journal()
    with pytest.raises(ZeroDivisionError):
        with journal.recording("POST", "/v1/chat/completions", {"authorization": "Bearer k"}):
            1 / 0
    [entry] = journal.calls
    assert (entry.status, entry.outcome, entry.headers) == (500, "server_error", {"authorization": "[redacted]"})
    assert entry.error["message"] == "mockserver internal error: ZeroDivisionError: division by zero"
    assert isinstance(Recording("GET", "/", {}).started, float)


def test_journal_size_from_environment():
    assert Config.from_env({"MOCKSERVER_JOURNAL_SIZE": "5"}).journal_size == 5


def test_negative_journal_size_is_refused():
    with pytest.raises(ConfigError, match=r"journal size must be 0 or more \(MOCKSERVER_JOURNAL_SIZE\), got -1"):
        Journal(-1)


def test_reload_by_swap_becomes_the_new_start_up_set(mock, admin):
    from conftest import scenario_set

    admin.post("/_mock/scenarios", content=RUNTIME, headers=YAML)
    reloaded = scenario_set("version: 1\nname: reloaded\nrules: [{name: r, reply: {content: new}}]\n")
    mock.service.swap_scenarios(reloaded)  # what a scenario reload does
    assert admin.post("/_mock/reset").json()["scenarios_removed"] == ["runtime"]
    assert [s["name"] for s in admin.get("/_mock/scenarios").json()["data"]] == ["reloaded"]


def test_set_base_keeps_runtime_scenarios_on_top(mock, admin):
    from conftest import scenario_set

    admin.post("/_mock/scenarios", content=RUNTIME, headers=YAML)
    mock.app.state.overlay.set_base(scenario_set("version: 1\nname: reloaded\nrules: [{name: r, reply: {content: new}}]\n"))
    assert [(s["name"], s["origin"]) for s in admin.get("/_mock/scenarios").json()["data"]] == [
        ("runtime", "runtime"), ("reloaded", "startup")]
    assert admin.post("/_mock/reset").json()["scenarios_removed"] == ["runtime"]
    assert [s["name"] for s in admin.get("/_mock/scenarios").json()["data"]] == ["reloaded"]


def test_streamed_answers_are_journaled_as_the_message_they_add_up_to(server, http):
    from conversations import BUNDLED_REQUESTS

    http.delete("/_mock/journal")
    body = {**BUNDLED_REQUESTS["001-parallel-calls"], "stream": True}
    assert http.post("/v1/chat/completions", json=body).status_code == 200
    plain = http.post("/v1/chat/completions", json=BUNDLED_REQUESTS["001-parallel-calls"]).json()
    entries = http.get("/_mock/journal").json()["data"]
    streamed = entries[-2]["response"]
    assert streamed.pop("stream") is True
    assert streamed == plain
    assert [c["function"]["name"] for c in streamed["choices"][0]["message"]["tool_calls"]] == ["get_current_weather"] * 2


def test_admin_routes_need_the_api_key_when_one_is_set(serve):
    running = serve("version: 1\nname: a\nrules: [{reply: {content: x}}]\n", api_key="sk-test")
    import httpx

    refused = httpx.get(running.url + "/_mock/journal")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_api_key"
    assert httpx.post(running.url + "/_mock/reset").status_code == 401
    allowed = httpx.get(running.url + "/_mock/journal", headers={"Authorization": "Bearer sk-test"})
    assert allowed.status_code == 200
    assert httpx.get(running.url + "/healthz").status_code == 200


def test_a_later_runtime_scenario_wins_over_an_earlier_one(serve):
    import httpx

    running = serve("version: 1\nname: base\nrules: [{reply: {content: base}}]\n")
    for name in ("first", "second"):
        text = f"version: 1\nname: {name}\nrules: [{{when: {{last_message: {{equals: order}}}}, reply: {{content: from-{name}}}}}]\n"
        assert httpx.post(running.url + "/_mock/scenarios", content=text, headers={"content-type": "application/yaml"}).status_code == 201
    answer = httpx.post(running.url + "/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "order"}]})
    assert answer.json()["choices"][0]["message"]["content"] == "from-second"
