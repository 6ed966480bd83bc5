"""Warnings end to end: X-Mock-Warnings, the journal, --strict; and the regressions of issue 11
(seed 000's second request, a multi-turn openai-SDK conversation resending the mock's own
messages under every profile, vLLM's `tool_calls: []`, the probes OpenAI refuses)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import httpx
import openai
import pytest

from mockserver.cli import _parser, config_from_args
from mockserver.config import Config
from mockserver.wire.warnings import MockWarning, header_values
from payloads import GET_WEATHER_TOOL, TIME_TOOL, assistant_calls, call, chat, tool, user

SEEDS = json.loads((Path(__file__).parent / "fixtures" / "provider-seeds.json").read_text(encoding="utf-8"))
ANYTHING = "version: 1\nname: anything\nrules: [{name: any, reply: {content: ok}}]\n"
UNDECLARED = chat(user("hi"), assistant_calls(call("c1", "get_time", "{}")), tool("c1", "12:00"), tools=[GET_WEATHER_TOOL])


def post(server, body, **headers) -> httpx.Response:
    return httpx.post(server.base_url + "/chat/completions", json=body, headers=headers, timeout=10)


def journal(server) -> list[dict]:
    return httpx.get(server.url + "/_mock/journal", timeout=10).json()["data"]


# --- the header, the journal, strict ------------------------------------------------------------


def test_warning_header_and_journal(serve):
    running = serve(ANYTHING)
    response = post(running, UNDECLARED)
    assert response.status_code == 200 and response.json()["choices"][0]["message"]["content"] == "ok"
    assert response.headers.get_list("x-mock-warnings") == [
        "history.undeclared_function at messages[1].tool_calls[0].function.name: The history calls function "
        "'get_time', which this request does not declare in 'tools' (declared: 'get_weather'), so its arguments "
        "cannot be checked. Send the same 'tools' on every turn."]
    [entry] = journal(running)
    assert entry["outcome"] == "answered" and entry["warnings"] == [{
        "code": "history.undeclared_function", "path": "messages[1].tool_calls[0].function.name",
        "message": "The history calls function 'get_time', which this request does not declare in 'tools' "
                   "(declared: 'get_weather'), so its arguments cannot be checked. Send the same 'tools' on every turn."}]
    # streamed: the same header on the event stream; no warning: no header
    streamed = post(running, dict(UNDECLARED, stream=True))
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert [re.match(r"\S+", v).group(0) for v in streamed.headers.get_list("x-mock-warnings")] == ["history.undeclared_function"]
    assert "x-mock-warnings" not in post(running, chat(user("hi"))).headers


def test_several_warnings_one_field_each_and_errors_keep_theirs(serve):
    running = serve(ANYTHING)
    body = chat(user("hi"), assistant_calls(call("c1", "get_time", "now"), call("c1", "get_date", "{}")),
                tool("c1", "x"), tools=[GET_WEATHER_TOOL])
    codes = [re.match(r"[^ :]+", v).group(0) for v in post(running, body).headers.get_list("x-mock-warnings")]
    assert codes == ["history.undeclared_function", "history.arguments_unchecked", "history.call_id_duplicate",
                     "history.undeclared_function"]
    # a request refused for another reason still reports what it warned about before
    body["messages"].append(user("and?"))
    body["messages"].insert(3, tool("c9", "late"))
    refused = post(running, body)
    assert refused.status_code == 400 and refused.headers["x-mock-rule"] == "history.tool_call_id_unknown"
    assert len(refused.headers.get_list("x-mock-warnings")) == 4
    assert journal(running)[-1]["warnings"][0]["code"] == "history.undeclared_function"


def test_header_values_are_short_ascii_lines():
    warning = MockWarning("history.undeclared_function", "calls 'wetter_für_köln'\nagain", "messages[1]")
    assert warning.line() == "history.undeclared_function at messages[1]: calls 'wetter_f\\u00fcr_k\\u00f6ln' again"
    many = header_values([MockWarning("x", "y" * 500, None)] * 12)
    assert len(many) == 10 and all(len(v) <= 300 and v.isascii() for v in many)
    assert many[-1] == "... 3 more warning(s): see the journal (GET /_mock/journal)"


def test_strict_from_cli_and_environment(monkeypatch):
    monkeypatch.delenv("MOCKSERVER_STRICT", raising=False)
    assert config_from_args(_parser().parse_args(["serve", "--strict"])).strict is True
    assert config_from_args(_parser().parse_args(["serve"])).strict is False
    assert Config.from_env({"MOCKSERVER_STRICT": "1"}).strict is True


def test_strict_server_refuses_warnings_and_memo_keeps_them_apart(serve):
    running = serve(ANYTHING, strict=True)
    refused = post(running, UNDECLARED)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "history.undeclared_function"
    assert refused.headers["x-mock-rule"] == "history.undeclared_function"
    # the same bytes, once strictness is off again, are answered (not the remembered 400)
    running.app.state.service.config.strict = False
    assert post(running, UNDECLARED).status_code == 200


# --- regressions --------------------------------------------------------------------------------


def test_seed_000_second_request_under_the_default_profile(server):
    """The seed's history calls get_current_time while the request declares no tools: OpenAI
    accepts that (a warning here). The seed's vLLM call ids have 46 characters, which OpenAI
    refuses (maximum 40) — so the real bytes get that 400, and the same history with ids OpenAI
    would have issued is answered, with the warning."""
    seed = copy.deepcopy(SEEDS["seed000"]["request_2"])
    refused = post(server, seed)
    assert refused.status_code == 400
    assert refused.headers["x-mock-rule"] == "assistant.tool_call_id_length"
    assert refused.json()["error"] == {
        "message": "Invalid 'messages[1].tool_calls[0].id': string too long. Expected a string with maximum length 40, "
                   "but got a string with length 46 instead.",
        "type": "invalid_request_error", "param": "messages[1].tool_calls[0].id", "code": "string_above_max_length"}
    seed["messages"][1]["tool_calls"][0]["id"] = seed["messages"][2]["tool_call_id"] = "call_b7e98b4631854dedb645e448"
    answered = post(server, seed)
    assert answered.status_code == 200, answered.text
    assert answered.json()["choices"][0]["message"]["content"] == "现在是2026年1月13日18点34分53秒。"
    assert answered.headers.get_list("x-mock-warnings") == [
        "history.undeclared_function at messages[1].tool_calls[0].function.name: The history calls function "
        "'get_current_time', which this request does not declare in 'tools' (declared: none: the request has no "
        "'tools'), so its arguments cannot be checked. Send the same 'tools' on every turn."]
    # vLLM, which sent it, answers it without a word
    as_vllm = post(server, SEEDS["seed000"]["request_2"], **{"X-Mock-Profile": "vllm"})
    assert as_vllm.status_code == 200 and as_vllm.headers.get_list("x-mock-warnings") == [
        "history.undeclared_function at messages[1].tool_calls[0].function.name: The history calls function "
        "'get_current_time', which this request does not declare in 'tools' (declared: none: the request has no "
        "'tools'), so its arguments cannot be checked. Send the same 'tools' on every turn."]


def test_vllm_empty_tool_calls_are_dropped_as_vllm_does(server):
    """vLLM's own final answers carry `tool_calls: []`; SDKs send them back."""
    body = chat(user("What is the weather in Kyoto? Use the tool."),
                {"role": "assistant", "content": "Let me see.", "tool_calls": []}, user("What is the weather in Kyoto? Use the tool."),
                tools=[GET_WEATHER_TOOL])
    as_vllm = post(server, body, **{"X-Mock-Profile": "vllm"})
    assert as_vllm.status_code == 200 and "x-mock-warnings" not in as_vllm.headers
    as_openai = post(server, body)
    assert as_openai.status_code == 400 and as_openai.headers["x-mock-rule"] == "assistant.tool_calls_empty"


WIRE_PROBES = [
    ({"reasoning_effort": "bogus"}, "reasoning_effort", "invalid_value",
     "Invalid value: 'bogus'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', and 'max'.",
     "error", "error"),
    ({"service_tier": 7}, "service_tier", "invalid_type",
     "Invalid type for 'service_tier': expected a string, but got an integer instead.", "warn", "error"),
    ({"web_search_options": 1}, "web_search_options", "invalid_type",
     "Invalid type for 'web_search_options': expected an object, but got an integer instead.", "warn", "error"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "x", "strict": 5}}},
     "response_format.json_schema.strict", "invalid_type",
     "Invalid type for 'response_format.json_schema.strict': expected a boolean, but got an integer instead.", "error", "error"),
]


@pytest.mark.parametrize("extra,param,code,message,vllm,vertex", WIRE_PROBES, ids=[p[1] for p in WIRE_PROBES])
def test_parameters_openai_refuses(server, extra, param, code, message, vllm, vertex):
    body = chat(user("hi"), **extra)
    response = post(server, body)
    assert response.status_code == 400
    assert response.json()["error"] == {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    for profile, verdict in (("vllm", vllm), ("vertex", vertex)):
        answer = post(server, body, **{"X-Mock-Profile": profile})
        assert answer.status_code == (400 if verdict == "error" else 200), (profile, answer.text)


PROFILES = ["openai", "vllm", "vertex"]
CONVERSATION = """
version: 1
name: three-turns
rules:
  - name: call
    when: {last_message: {role: user, regex: 'weather in (?P<city>\\w+)'}}
    reply: {tool_calls: [{name: get_weather, arguments: {city: "{{ captures.city }}"}}]}
  - name: answer
    when: {tool_result: {tool: get_weather}}
    reply: {content: "It is {{ result.get_weather.temperature }} degrees in {{ result.get_weather.city }}."}
  - name: thanks
    when: {last_message: {role: user, contains: thanks}}
    reply: {content: "You're welcome."}
"""


def _resend(message, how: str):
    return message if how == "object" else message.model_dump()


def _ask(client, messages, streamed: bool):
    kwargs = {"model": "gpt-4o", "messages": messages, "tools": [GET_WEATHER_TOOL]}
    if not streamed:
        return client.chat.completions.create(**kwargs).choices[0].message
    with client.chat.completions.stream(**kwargs) as stream:
        return stream.get_final_completion().choices[0].message


@pytest.mark.parametrize("how", ["model_dump", "object"])
@pytest.mark.parametrize("streamed", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("profile", PROFILES)
def test_three_turns_resending_the_mocks_own_messages(mockserver, profile, streamed, how):
    """The openai SDK's ordinary loop: each assistant message goes back as the SDK returned it.
    Passes under every profile without a warning (the fixture would fail the test on one)."""
    mockserver.use([CONVERSATION])
    mockserver.set_profile(profile)
    client = mockserver.client()
    messages = [user("What is the weather in Oslo?")]
    first = _ask(client, messages, streamed)
    [tool_call] = first.tool_calls
    messages += [_resend(first, how), tool(tool_call.id, json.dumps({"city": "Oslo", "temperature": 7}))]
    second = _ask(client, messages, streamed)
    assert second.content == "It is 7 degrees in Oslo."
    messages += [_resend(second, how), user("thanks!")]
    third = _ask(client, messages, streamed)
    assert third.content == "You're welcome."
    assert [e.status for e in mockserver.calls] == [200, 200, 200]
    if profile == "vllm" and not streamed:
        assert mockserver.calls[1].response["choices"][0]["message"]["tool_calls"] == []  # what the SDK resent
    mockserver.assert_no_warnings()


def test_three_turns_catch_a_real_client_bug(mockserver):
    """The same loop, with a bug: the agent drops `tools` on the last turn. OpenAI accepts it;
    the fixture reports the warning unless the test declares it."""
    mockserver.use([CONVERSATION])
    client = mockserver.client()
    messages = [user("What is the weather in Oslo?")]
    first = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[GET_WEATHER_TOOL]).choices[0].message
    messages += [first, tool(first.tool_calls[0].id, json.dumps({"city": "Oslo", "temperature": 7}))]
    with mockserver.expect_warnings("history.undeclared_function"):
        answer = client.chat.completions.create(model="gpt-4o", messages=messages)
    assert answer.choices[0].message.content == "It is 7 degrees in Oslo."
    [(entry, warning)] = mockserver.warnings
    assert entry.id == 2 and warning["path"] == "messages[1].tool_calls[0].function.name"
    with pytest.raises(openai.BadRequestError) as refused, mockserver.expect_errors():
        mockserver.set_strict(True)
        client.chat.completions.create(model="gpt-4o", messages=messages)
    assert refused.value.code == "history.undeclared_function"


def test_time_tool_history_under_vertex_ids(server):
    """Vertex's own ids are function names, shared by parallel calls: answering each call by
    that id is what its clients do, so it is neither an error nor a warning there."""
    calls = [call("get_current_time", "get_current_time", "{}"), call("get_current_time", "get_current_time", "{}")]
    body = chat(user("现在几点？"), assistant_calls(*calls), tool("get_current_time", '{"time":"2030-03-09T07:08:09+08:00"}'),
                tool("get_current_time", '{"time":"2030-03-09T07:08:09+08:00"}'), tools=[TIME_TOOL])
    as_vertex = post(server, body, **{"X-Mock-Profile": "vertex"})
    assert as_vertex.status_code == 200 and "x-mock-warnings" not in as_vertex.headers, as_vertex.text
    assert post(server, body).headers["x-mock-rule"] == "history.tool_result_duplicate"


# --- the fixture: a warning fails the test unless declared ------------------------------------

FIXTURE_TESTS = '''
BUGGY = [{"role": "user", "content": "hi"},
         {"role": "assistant", "content": None, "tool_calls": [
             {"id": "c1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
         {"role": "tool", "tool_call_id": "c1", "content": "12:00"}]


def send(mockserver):
    return mockserver.client().chat.completions.create(model="gpt-4o", messages=BUGGY, tools=TOOLS)


def test_undeclared_warning_fails(mockserver):
    send(mockserver)


def test_declared(mockserver):
    with mockserver.expect_warnings("history.undeclared_function"):
        send(mockserver)


def test_declared_other_code_fails(mockserver):
    with mockserver.expect_warnings("history.call_id_duplicate"):
        send(mockserver)


def test_expected_but_none_came(mockserver):
    with mockserver.expect_warnings():
        mockserver.client().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hello"}])


@pytest.mark.mockserver(allow_warnings=True)
def test_allowed(mockserver):
    send(mockserver)
    assert mockserver.warnings[0][1]["code"] == "history.undeclared_function"


def test_explicit_assertion(mockserver):
    send(mockserver)
    mockserver.assert_no_warnings()


@pytest.mark.mockserver(strict=True, expect_errors=True)
def test_strict_marker(mockserver):
    import openai
    with pytest.raises(openai.BadRequestError) as refused:
        send(mockserver)
    assert refused.value.code == "history.undeclared_function" and mockserver.strict


def test_strict_is_reset(mockserver):
    assert not mockserver.strict
    with mockserver.expect_warnings():
        send(mockserver)
'''


def test_fixture_fails_a_test_on_undeclared_warnings(pytester):
    from test_plugin import run

    result = run(pytester, FIXTURE_TESTS, "-p", "no:randomly")
    result.assert_outcomes(passed=4, failed=4)
    out = result.stdout.str()
    assert ("mockserver: 1 warning(s) during test_inner.py::test_undeclared_warning_fails: the real provider accepts "
            "these requests, but they usually mean a client bug") in out
    assert "#1 history.undeclared_function at messages[1].tool_calls[0].function.name: The history calls function 'get_time'" in out
    assert "⚠ history.undeclared_function at messages[1]" in out  # the journal shows it on the request
    failed = {line.split(" ")[1] for line in out.splitlines() if line.startswith("FAILED ")}
    assert failed == {"test_inner.py::test_undeclared_warning_fails", "test_inner.py::test_declared_other_code_fails",
                      "test_inner.py::test_expected_but_none_came", "test_inner.py::test_explicit_assertion"}
    assert "expect_warnings(): no warning came from the 1 request(s) sent inside the block." in out
    assert ("expect_warnings('history.call_id_duplicate'): no warning of 'history.call_id_duplicate' came from the "
            "1 request(s) sent inside the block.") in out


def test_a_scenario_s_profile_judges_the_whole_request(serve):
    """Before the answering rule (and so its scenario's profile) is known, only what every
    profile refuses is an error; then the request is judged by that profile."""
    running = serve("version: 1\nname: vllm-only\nprofile: vllm\nrules: [{when: {last_message: again}, reply: {content: as vLLM}}]\n",
                    ANYTHING)
    history = [user("hi"), {"role": "assistant", "content": "Hello.", "tool_calls": []}]
    answered = post(running, chat(*history, user("again")))
    assert answered.status_code == 200 and answered.json()["choices"][0]["message"]["content"] == "as vLLM"
    assert "x-mock-warnings" not in answered.headers
    refused = post(running, chat(*history, user("something else")))  # the catch-all: OpenAI's rules
    assert refused.status_code == 400 and refused.headers["x-mock-rule"] == "assistant.tool_calls_empty"
