"""The journal inspector's server side over real HTTP: polling with ``since``, dialects, faults
and hit counts in the journal, the page and its assets, and the HAR export (checked against the
HAR 1.2 JSON Schema and against what Chromium DevTools' HAR importer reads)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import httpx
import jsonschema
import openai
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT6

from mockserver.server.routes import dialect_of
from payloads import GET_WEATHER_TOOL, chat, tool, user

WEATHER = """
version: 1
name: weather
models: [gpt-4o]
rules:
  - name: answer
    when: {tool_result: {tool: get_weather}}
    reply: {content: "It is {{ result.get_weather.temperature }}°C."}
  - name: call
    when: {last_message: {role: user, contains: weather}}
    reply:
      tool_calls: [{name: get_weather, arguments: {city: Paris}}]
  - name: busy
    when: {last_message: {role: user, equals: busy}}
    reply:
      content: never sent
      fault: {http: 503, times: 1}
  - name: never
    when: {last_message: {role: user, equals: never sent by anyone}}
    reply: {content: unused}
"""
KEY = "sk-inspector-secret"
HAR_SCHEMAS = json.loads((Path(__file__).parent / "fixtures" / "har-schema.json").read_text())["schemas"]


@pytest.fixture
def mock(serve):
    return serve(WEATHER)


@pytest.fixture
def http(mock):
    with httpx.Client(base_url=mock.url, timeout=10) as client:
        yield client


def tool_flow(base_url: str, api_key: str = "test") -> None:
    """A matched tool-call flow through the official SDK: call, result, answer."""
    client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0)
    messages = [user("What is the weather?")]
    message = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[GET_WEATHER_TOOL]).choices[0].message
    messages.append(message.model_dump(exclude_none=True, exclude={"annotations", "refusal"}))
    messages.append(tool(message.tool_calls[0].id, json.dumps({"temperature": 21})))
    final = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[GET_WEATHER_TOOL])
    assert final.choices[0].message.content == "It is 21°C."


# --- the journal, as the page polls it ---------------------------------------------------------


def test_dialect_from_the_path():
    assert [dialect_of(p) for p in ("/v1/chat/completions", "/chat/completions", "/v1/responses", "/responses",
                                    "/v1/messages", "/messages", "/v1/models", "/v1/v1/messages")] == [
        "chat", "chat", "responses", "responses", "messages", "messages", None, None]


def test_since_returns_only_newer_entries_and_epoch_tells_a_clear(mock, http):
    tool_flow(mock.base_url)
    page = http.get("/_mock/journal").json()
    assert [e["id"] for e in page["data"]] == [1, 2] and page["next_id"] == 3 and page["epoch"] == 0
    assert {e["dialect"] for e in page["data"]} == {"chat"}
    assert http.get("/_mock/journal", params={"since": 2}).json()["data"] == []
    http.post("/v1/chat/completions", json=chat(user("nothing matches this"), model="gpt-4o"))
    newer = http.get("/_mock/journal", params={"since": 2}).json()
    assert [(e["id"], e["outcome"]) for e in newer["data"]] == [(3, "unmatched")]
    assert [e["id"] for e in http.get("/_mock/journal", params={"since": 1}).json()["data"]] == [2, 3]
    assert http.get("/_mock/journal", params={"since": 0}).json()["data"] == page["data"] + newer["data"]

    http.delete("/_mock/journal")  # ids keep counting, the epoch changes
    cleared = http.get("/_mock/journal", params={"since": 3}).json()
    assert (cleared["data"], cleared["next_id"], cleared["epoch"]) == ([], 4, 1)
    http.post("/_mock/reset")  # ids restart at 1
    after_reset = http.get("/_mock/journal").json()
    assert (after_reset["next_id"], after_reset["epoch"]) == (1, 2)


@pytest.mark.parametrize("since", ["-1", "x", "1.5", ""])
def test_since_must_be_an_entry_id(http, since):
    response = http.get("/_mock/journal", params={"since": since})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "since"
    assert repr(since) in response.json()["error"]["message"]


def test_scenarios_count_hits_and_show_unused_rules(mock, http):
    tool_flow(mock.base_url)
    tool_flow(mock.base_url)
    [weather] = http.get("/_mock/scenarios").json()["data"]
    assert {r["name"]: r["hits"] for r in weather["rules"]} == {"answer": 2, "call": 2, "busy": 0, "never": 0}
    http.post("/_mock/reset")
    [weather] = http.get("/_mock/scenarios").json()["data"]
    assert {r["hits"] for r in weather["rules"]} == {0}


def test_faults_that_fired_are_in_the_journal(http):
    first = http.post("/v1/chat/completions", json=chat(user("busy"), model="gpt-4o"))
    second = http.post("/v1/chat/completions", json=chat(user("busy"), model="gpt-4o"))
    broken = http.post("/v1/chat/completions", json=chat(user("weather?"), model="gpt-4o", tools=[GET_WEATHER_TOOL]),
                       headers={"X-Mock-Fault": "wrong-type; latency=0.01"})
    assert (first.status_code, second.status_code, broken.status_code) == (503, 200, 200)
    data = http.get("/_mock/journal").json()["data"]
    assert data[0]["faults"] == [{"source": "scenario 'weather' rule 'busy' (inline0.yaml:13)",
                                  "http": {"status": 503, "retry_after": None}}]
    assert data[1]["faults"] is None  # times: 1 — the second request was answered
    assert data[2]["faults"] == [{"source": "X-Mock-Fault header", "tool_call": {"kind": "wrong_type", "call": 0},
                                  "latency": 0.01}]


# --- the page ---------------------------------------------------------------------------------


def test_page_and_assets_are_served_without_the_key_but_data_is_not(serve):
    mock = serve(WEATHER, api_key=KEY)
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        page = http.get("/_mock/ui")
        assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
        assert "<title>mockserver inspector</title>" in page.text
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        for name, media in [("app.js", "text/javascript"), ("convo.js", "text/javascript"),
                            ("detail.js", "text/javascript"), ("app.css", "text/css")]:
            asset = http.get(f"/_mock/ui/{name}")
            assert asset.status_code == 200 and asset.headers["content-type"].startswith(media), name
            assert f'src="ui/{name}"' in page.text or f'href="ui/{name}"' in page.text
        assert http.get("/_mock/ui/index.html").status_code == 404
        assert http.get("/_mock/ui/../../etc/passwd").status_code == 404
        slash = http.get("/_mock/ui/", follow_redirects=False)
        assert slash.status_code == 308 and slash.headers["location"] == "../ui"
        for path in ("/_mock/journal", "/_mock/journal.har", "/_mock/scenarios"):
            refused = http.get(path)
            assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key", path
            assert http.get(path, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200, path


def test_the_page_references_no_remote_resource(http):
    """No CDN: every script, style and request stays on the server that served the page."""
    texts = [http.get(p).text for p in ("/_mock/ui", "/_mock/ui/app.js", "/_mock/ui/convo.js",
                                        "/_mock/ui/detail.js", "/_mock/ui/app.css")]
    for text in texts:
        assert "http://" not in text and "https://" not in text and "//cdn" not in text


# --- HAR --------------------------------------------------------------------------------------


def har_validator() -> jsonschema.Draft6Validator:
    base = "http://har-schema.test/"
    resources = []
    for name, schema in HAR_SCHEMAS.items():
        schema = {**schema, "$id": base + name}
        resources.append((base + name, Resource.from_contents(schema, default_specification=DRAFT6)))
    registry = Registry().with_resources(resources)
    return jsonschema.Draft6Validator({"$ref": base + "har.json"}, registry=registry,
                                      format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)


def assert_valid_har(har: dict) -> None:
    errors = sorted(har_validator().iter_errors(har), key=lambda e: e.json_path)
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors[:10])
    # What Chromium DevTools' importer (front_end/models/har/HARFormat.ts) insists on beyond the
    # schema: an entries array, dates that parse, and numbers where it calls safeNumber.
    assert isinstance(har["log"]["entries"], list)
    for entry in har["log"]["entries"]:
        datetime.fromisoformat(entry["startedDateTime"].replace("Z", "+00:00"))
        numbers = [entry["time"], entry["request"]["headersSize"], entry["request"]["bodySize"],
                   entry["response"]["status"], entry["response"]["headersSize"], entry["response"]["bodySize"],
                   entry["response"]["content"]["size"], *(entry["timings"][k] for k in ("send", "wait", "receive"))]
        assert all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers), numbers


def test_har_export_is_valid_har_with_redacted_headers(mock, http):
    tool_flow(mock.base_url, api_key="sk-do-not-leak")
    http.post("/v1/chat/completions", json=chat(user("nothing matches this"), model="gpt-4o"))
    http.post("/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
    streamed = chat(user("weather?"), model="gpt-4o", tools=[GET_WEATHER_TOOL], stream=True)
    assert http.post("/v1/chat/completions", json=streamed).status_code == 200
    response = http.get("/_mock/journal.har")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="mockserver-journal.har"'
    assert "sk-do-not-leak" not in response.text
    har = response.json()
    assert_valid_har(har)
    journal = http.get("/_mock/journal").json()["data"]
    log = har["log"]
    assert (log["version"], log["creator"]["name"]) == ("1.2", "mockserver")
    assert len(log["entries"]) == len(journal) == 5
    for entry, item in zip(log["entries"], journal):
        assert entry["startedDateTime"] == item["time"]
        assert entry["time"] == item["duration_ms"] == entry["timings"]["wait"]
        assert entry["request"]["url"] == mock.url + item["path"]
        assert entry["response"]["status"] == item["status"]
        assert entry["_mockserver"]["outcome"] == item["outcome"]
        assert entry["_mockserver"]["id"] == item["id"]
        headers = {h["name"]: h["value"] for h in entry["request"]["headers"]}
        assert headers == item["headers"]
    first = log["entries"][0]
    assert {h["name"]: h["value"] for h in first["request"]["headers"]}["authorization"] == "[redacted]"
    assert json.loads(first["request"]["postData"]["text"]) == journal[0]["request"]
    assert first["request"]["postData"]["mimeType"] == "application/json"
    assert json.loads(first["response"]["content"]["text"]) == journal[0]["response"]
    assert first["response"]["statusText"] == "OK"
    assert first["_mockserver"]["rule"] == "call" and first["_mockserver"]["rule_location"] == "inline0.yaml:9"
    unmatched = log["entries"][2]
    assert unmatched["response"]["statusText"] == "Bad Request"
    assert unmatched["_mockserver"]["near_misses"] == journal[2]["near_misses"] and journal[2]["near_misses"]
    assert log["entries"][3]["request"]["postData"]["text"] == "{not json"
    stream = log["entries"][4]
    assert {h["name"]: h["value"] for h in stream["response"]["headers"]}["content-type"] == "text/event-stream"
    assert "streamed" in stream["response"]["content"]["comment"]
    assert json.loads(stream["response"]["content"]["text"])["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"


def test_har_of_an_injected_http_fault_keeps_its_response_headers(http):
    http.post("/v1/chat/completions", json=chat(user("hi"), model="gpt-4o"), headers={"X-Mock-Fault": "429; retry-after=2"})
    har = http.get("/_mock/journal.har").json()
    assert_valid_har(har)
    [entry] = har["log"]["entries"]
    headers = {h["name"]: h["value"] for h in entry["response"]["headers"]}
    assert entry["response"]["status"] == 429
    assert headers["retry-after"] == "2" and headers["x-mock-fault"] == "429 injected by the X-Mock-Fault header"
    assert entry["_mockserver"]["faults"] == [{"source": "X-Mock-Fault header", "http": {"status": 429, "retry_after": 2.0}}]


def test_empty_journal_is_a_valid_har(http):
    har = http.get("/_mock/journal.har").json()
    assert_valid_har(har)
    assert har["log"]["entries"] == []


def test_summaries_for_the_list_and_one_whole_entry_by_id(mock, http):
    tool_flow(mock.base_url)
    http.post("/v1/chat/completions", json=chat(user("x" * 500), model="gpt-4o"))
    full = http.get("/_mock/journal").json()["data"]
    summaries = http.get("/_mock/journal", params={"summary": "true"}).json()
    assert [set(s) for s in summaries["data"]] == [{
        "id", "time", "duration_ms", "method", "path", "dialect", "model", "outcome", "status", "scenario", "rule",
        "rule_location", "error"}] * 3
    for summary, entry in zip(summaries["data"], full):
        assert {k: summary[k] for k in summary if k not in ("model", "error")} == {k: entry[k] for k in summary if k not in ("model", "error")}
        assert summary["model"] == "gpt-4o"
    unmatched = summaries["data"][2]["error"]
    assert unmatched["code"] == "no_matching_rule" and len(unmatched["message"]) == 300
    assert full[2]["error"]["message"].startswith(unmatched["message"])
    assert [s["id"] for s in http.get("/_mock/journal", params={"summary": "1", "since": 2}).json()["data"]] == [3]
    for entry in full:
        assert http.get(f"/_mock/journal/{entry['id']}").json() == entry
    missing = http.get("/_mock/journal/9")
    assert missing.status_code == 404
    assert missing.json()["error"] == {"message": "No journal entry #9 (it holds #1 to #3).", "type": "invalid_request_error",
                                       "param": None, "code": "entry_not_found"}
    http.delete("/_mock/journal")
    assert http.get("/_mock/journal/1").json()["error"]["message"] == "No journal entry #1 (it is empty)."
    assert http.get("/_mock/journal/x").status_code == 404
