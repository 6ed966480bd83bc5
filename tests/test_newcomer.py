"""A newcomer's first hour, replayed: the frictions a new user met, each pinned to the experience
they should get now (one loader for validate, serve and the fixture; the mistake's location and
the names that would have fit)."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from mockserver.cli import main
from mockserver.config import Config
from mockserver.engine.loader import ScenarioLoadError
from mockserver.fixture import MockServer
from mockserver.lint.startup import checked_load
from mockserver.testing import ServerThread

# The canonical multi-step flow, written in natural order with no when.tools at all: a rule keyed
# on a tool's result calls the next tool.
TRIPS = """
version: 1
name: trips
rules:
  - name: search
    when: {last_message: {role: user, regex: 'from (?P<from>\\w+) to (?P<to>\\w+)'}}
    reply:
      tool_calls: [{name: find_trains, arguments: '{"from": "{{ captures.from }}", "to": "{{ captures.to }}"}'}]
  - name: reserve
    when: {tool_result: find_trains}
    reply:
      tool_calls: [{name: reserve_seat, arguments: '{"train": "{{ result.find_trains.trains[0] }}"}'}]
  - name: confirm
    when: {tool_result: {tool: reserve_seat}}
    reply: {content: "Booked seat {{ result.reserve_seat.seat }} on {{ result.reserve_seat.train }}."}
"""

TOOLS = [
    {"type": "function", "function": {"name": "find_trains", "parameters": {
        "type": "object", "properties": {"from": {"type": "string"}, "to": {"type": "string"}}, "required": ["from", "to"]}}},
    {"type": "function", "function": {"name": "reserve_seat", "parameters": {
        "type": "object", "properties": {"train": {"type": "string"}}, "required": ["train"]}}},
]


def test_the_natural_flow_validates_and_serves_with_no_warning(folder, capsys):
    folder("trips.yaml", TRIPS)
    assert main(["validate", "trips.yaml"]) == 0
    assert capsys.readouterr().out.splitlines() == ["ok: 1 file(s), 1 scenario(s), 3 rule(s), no problems"]
    with ServerThread(Config(port=0), checked_load(["trips.yaml"])) as running:
        client = openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=0)
        messages = [{"role": "user", "content": "a train from Lyon to Turin please"}]
        first = client.chat.completions.create(model="m", messages=messages, tools=TOOLS).choices[0].message
        assert json.loads(first.tool_calls[0].function.arguments) == {"from": "Lyon", "to": "Turin"}
        messages += [first.model_dump(exclude_none=True),
                     {"role": "tool", "tool_call_id": first.tool_calls[0].id, "content": '{"trains": ["TGV 9241"]}'}]
        second = client.chat.completions.create(model="m", messages=messages, tools=TOOLS).choices[0].message
        assert second.tool_calls[0].function.name == "reserve_seat"
        assert json.loads(second.tool_calls[0].function.arguments) == {"train": "TGV 9241"}
        messages += [second.model_dump(exclude_none=True),
                     {"role": "tool", "tool_call_id": second.tool_calls[0].id, "content": '{"seat": "42A", "train": "TGV 9241"}'}]
        raw = client.chat.completions.with_raw_response.create(model="m", messages=messages, tools=TOOLS)
        assert raw.parse().choices[0].message.content == "Booked seat 42A on TGV 9241."
        assert "x-mock-warnings" not in raw.headers


def test_a_tool_the_file_never_names_is_one_warning_with_did_you_mean(folder, capsys):
    folder("trips.yaml", TRIPS.replace("tool_calls: [{name: reserve_seat", "tool_calls: [{name: reserve_set"))
    assert main(["validate", "trips.yaml"]) == 0  # warnings do not fail validation
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "trips.yaml:11: warning: rule 'reserve' at rules[1].reply.tool_calls[0].name: calls 'reserve_set', which no "
        "when.tools, tool_choice or tool_result of this file names; a request that does not declare it skips this rule "
        "(did you mean 'reserve_seat'?) — add 'when: {tools: [reserve_set]}' to be sure [tool]",
        "ok: 1 file(s), 1 scenario(s), 3 rule(s): 0 error(s), 1 warning(s)"]


BROKEN = """
version: 1
name: support
rules:
  - name: r
    reply: {contents: x}
"""


def test_the_fixture_refuses_what_serve_refuses_with_the_same_words(folder, capsys):
    folder("support.yaml", TRIPS.replace("name: reserve\n", "name: reserve\n    priority: high\n"))
    assert main(["validate", "support.yaml"]) == 1
    validate_line = capsys.readouterr().out.splitlines()[0]
    with pytest.raises(ScenarioLoadError) as refused:
        checked_load(["support.yaml"])  # what `serve` runs at start
    assert str(refused.value).splitlines()[0] == validate_line.replace(" error:", "").rsplit(" [", 1)[0]
    with ServerThread(Config(port=0)) as running:
        mock = MockServer(running, where="test", search=[])
        with pytest.raises(ScenarioLoadError) as at_load:
            mock.use(["support.yaml"])  # the marker's scenarios=
        assert str(at_load.value) == str(refused.value)
        with pytest.raises(ScenarioLoadError):
            mock.load("support.yaml")


def test_yaml_errors_name_line_column_and_the_likely_cause(folder, capsys):
    folder("support.yaml", """
        version: 1
        name: support
        rules:
          - name: greet
            when:
              last_message: hi
             reply: {content: hello}
    """)
    assert main(["validate", "support.yaml"]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("support.yaml:7:6: error: invalid YAML: expected <block end>, but found '<block mapping start>' "
                            "(while parsing a block mapping that starts at line 4, column 5); usually a line indented "
                            "differently from its siblings")


def test_tool_result_short_form_is_accepted(folder, capsys):
    folder("short.yaml", """
        version: 1
        name: short
        rules:
          - name: answer
            when: {tool_result: lookup_customer}
            reply: {content: "Found {{ result.lookup_customer.name }}."}
    """)
    assert main(["validate", "short.yaml"]) == 0, capsys.readouterr().out
    capsys.readouterr()


def test_near_miss_suggests_the_tool_the_request_has(serve):
    running = serve("""
        version: 1
        name: support
        rules:
          - name: answer
            when: {tool_result: {tool: lookup_custmer}}
            reply: {content: "done"}
    """)
    body = {"model": "m", "tools": [{"type": "function", "function": {"name": "lookup_customer", "parameters": {"type": "object"}}}],
            "messages": [{"role": "user", "content": "who?"},
                         {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                                                               "function": {"name": "lookup_customer", "arguments": "{}"}}]},
                         {"role": "tool", "tool_call_id": "call_1", "content": "{}"}]}
    answer = httpx.post(running.base_url + "/chat/completions", json=body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "no_matching_rule"
    assert "actual:   \"results for ['lookup_customer'] (did you mean 'lookup_customer'?)\"" in answer.json()["error"]["message"]


def test_unknown_routes_say_what_to_do_and_are_journaled(server, http):
    http.delete("/_mock/journal")
    wrong = http.post("/v1/chat/completion", json={})
    assert wrong.status_code == 404
    assert wrong.json()["error"]["message"] == (
        "Invalid URL (POST /v1/chat/completion) (mockserver: did you mean POST /v1/chat/completions (chat)? "
        "GET /_mock/routes lists every route)")
    assert wrong.headers["x-mock-hint"].startswith("did you mean POST /v1/chat/completions")
    on_get_only = http.post("/v1/models/gemini-2.5-flash:somethingElse", json={})
    assert on_get_only.status_code == 404  # not "405 use GET": the client meant another route
    assert "GET /_mock/routes" in on_get_only.json()["error"]["message"]
    wrong_method = http.get("/api/embed")  # the path is right: "use POST" says it all, no route suggested
    assert wrong_method.status_code == 405 and "x-mock-hint" not in wrong_method.headers
    assert wrong_method.json()["error"]["message"] == "Method GET is not allowed for /api/embed; use POST."
    routes = http.get("/_mock/routes").json()
    assert {"method": "POST", "path": "/v1/chat/completions", "dialect": "chat", "profile": None} in routes["dialects"]
    journal = http.get("/_mock/journal").json()["data"]
    assert [(e["method"], e["path"], e["status"]) for e in journal][-3:] == [
        ("POST", "/v1/chat/completion", 404), ("POST", "/v1/models/gemini-2.5-flash:somethingElse", 404),
        ("GET", "/api/embed", 405)]


def test_template_mistakes_name_the_expression_and_the_keys_that_exist(serve, folder, capsys):
    template = "Ticket {{ result.get_ticket.ticket_number }} is {{ result.get_ticket.priority }}."
    folder("support.yaml", f"""
        version: 1
        name: support
        rules:
          - name: answer
            when: {{tool_result: get_ticket}}
            reply: {{content: "{template}"}}
          - name: typo
            when: {{tool_result: get_ticket}}
            reply: {{content: "{{{{ result.get_tiket.priority }}}}"}}
    """)
    assert main(["validate", "support.yaml"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert ("support.yaml:9: warning: rule 'typo' at rules[1].reply.content: reads result.get_tiket, but no tool of this file "
            "is called 'get_tiket' (did you mean 'get_ticket'?): result holds the results just sent, by tool name (get_ticket) "
            "[variable]") in out
    running = serve(f"""
        version: 1
        name: support
        rules:
          - name: answer
            when: {{tool_result: get_ticket}}
            reply: {{content: "{template}"}}
    """)
    body = {"model": "m", "tools": [{"type": "function", "function": {"name": "get_ticket", "parameters": {"type": "object"}}}],
            "messages": [{"role": "user", "content": "status?"},
                         {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                                                               "function": {"name": "get_ticket", "arguments": "{}"}}]},
                         {"role": "tool", "tool_call_id": "call_1", "content": '{"ticket_id": 5, "order_id": 7, "priority": "high"}'}]}
    answer = httpx.post(running.base_url + "/chat/completions", json=body)
    assert answer.status_code == 422
    assert answer.json()["error"]["message"] == (
        f"Scenario error in scenario 'support' rule 'answer' (inline0.yaml:5): result.get_ticket.ticket_number is undefined "
        f"in {template!r}: result.get_ticket has no key 'ticket_number'; its keys: order_id, priority, ticket_id")


def test_protocol_errors_keep_the_providers_words_and_hint_the_culprit(server):
    import anthropic

    client = anthropic.Anthropic(base_url=server.url, api_key="k", max_retries=0)
    tools = [{"name": "lookup", "input_schema": {"type": "object"}}]
    messages = [{"role": "user", "content": "hi"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_right", "name": "lookup", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_wrong", "content": "x"}]}]
    with pytest.raises(anthropic.BadRequestError) as refused:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=100, tools=tools, messages=messages)
    assert refused.value.body["error"]["message"] == (
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_right. "
        "Each `tool_use` block must have a corresponding `tool_result` block in the next message.")
    assert refused.value.response.headers["x-mock-hint"] == "the next message has tool_result blocks for toolu_wrong"
    messages[1:2] = []  # no tool_use before the result at all
    with pytest.raises(anthropic.BadRequestError) as refused:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=100, tools=tools, messages=messages)
    assert refused.value.body["error"]["message"].startswith(
        "messages.1.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_wrong. Each `tool_result` block")
    assert refused.value.response.headers["x-mock-hint"] == "sent tool_use_id toolu_wrong; the previous message has no tool_use blocks"

    responses = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        responses.responses.create(model="gpt-4o", input=[
            {"role": "user", "content": "hi"},
            {"type": "function_call", "call_id": "call_right", "name": "lookup", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_wrong", "output": "x"}])
    assert refused.value.body["message"] == "No tool call found for function call output with call_id call_wrong."
    assert refused.value.response.headers["x-mock-hint"] == (
        "input[2] answers call_id call_wrong; the function calls of this conversation: call_right")
