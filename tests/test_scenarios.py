"""Scenario loading (errors with file, line, rule, path), matching, near misses, scenario errors."""

from __future__ import annotations

import textwrap

import httpx
import pytest

from conftest import assert_official
from mockserver.engine.loader import ScenarioLoadError, load_paths, load_text
from payloads import GET_WEATHER_TOOL, assistant_calls, call, chat, tool, user


def problems_of(text: str) -> list[str]:
    _, problems = load_text(textwrap.dedent(text), "s.yaml")
    return [str(p) for p in problems]


@pytest.mark.parametrize("text,expected", [
    ("version: 1\nname: a\nrules: [{reply: {content: x}}\n", "s.yaml:4:1: invalid YAML: expected ',' or ']'"),
    ("version: 2\nname: a\nrules: []\n", "s.yaml:1: at version: unsupported format version 2; this mockserver reads version 1"),
    ("name: a\nrules: [{reply: {content: x}}]\n", "s.yaml:1: 'version' is a required property"),
    ("version: 1\nname: a\nrules:\n  - name: r1\n    reply: {content: x}\n    whne: {}\n",
     "s.yaml:4: rule 'r1' at rules[0]: Additional properties are not allowed ('whne' was unexpected); allowed keys: description, name, priority, reply, when"),
    ("version: 1\nname: a\nrules:\n  - name: r1\n    when:\n      last_message: {regex: '(unclosed'}\n    reply: {content: x}\n",
     "s.yaml:6: rule 'r1' at rules[0].when.last_message.regex: invalid regex '(unclosed': missing ), unterminated subpattern"),
    ("version: 1\nname: a\nrules:\n  - reply: {content: '{{ oops '}\n",
     "s.yaml:4: rule 'rules[0]' at rules[0].reply.content: template syntax error"),
    ("version: 1\nname: a\nrules:\n  - name: x\n    reply: {tool_calls: [{name: f, arguments: '[1]'}]}\n",
     "s.yaml:5: rule 'x' at rules[0].reply.tool_calls[0].arguments: arguments must be a JSON object"),
    ("version: 1\nname: a\nrules:\n  - name: x\n    reply: {}\n", "s.yaml:5: rule 'x' at rules[0].reply:"),
    ("version: 1\nname: a\nrules:\n  - {name: x, reply: {content: a}}\n  - {name: x, reply: {content: b}}\n",
     "s.yaml:5: rule 'x' at rules[1].name: duplicate rule name 'x' (also rules[0])"),
    ("version: 1\nname: a\nprofile: azure\nrules: [{reply: {content: a}}]\n", "s.yaml:3: at profile: unknown profile 'azure'; valid profiles: openai, vllm, vertex"),
    ("version: 1\nname: a\nrules:\n  - when: {turn: {min: 3, max: 1}}\n    reply: {content: a}\n", "s.yaml:4: rule 'rules[0]' at rules[0].when.turn: turn: max (1) is below min (3)"),
    ("version: 1\nname: a\nrules:\n  - when: {tool_choice: sometimes}\n    reply: {content: a}\n", "s.yaml:4: rule 'rules[0]' at rules[0].when.tool_choice:"),
    ("- a\n- b\n", "s.yaml:1: a scenario must be a mapping"),
    ("version: 1\nname: a\nrules: [{reply: {content: !!python/object:os.system x}}]\n", "invalid YAML: could not determine a constructor for the tag"),
])
def test_load_errors(text, expected):
    problems = problems_of(text)
    assert problems, "expected a load problem"
    assert problems[0].startswith(expected) or expected in problems[0], problems


def test_duplicate_scenarios_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text("version: 1\nname: same\nrules: [{reply: {content: a}}]\n")
    (tmp_path / "b.yml").write_text("version: 1\nname: same\nrules: [{reply: {content: b}}]\n")
    (tmp_path / "notes.txt").write_text("ignored")
    with pytest.raises(ScenarioLoadError) as info:
        load_paths([tmp_path])
    assert "duplicate scenario name 'same'" in str(info.value)
    assert "b.yml" in str(info.value) and "a.yaml" in str(info.value)


def test_missing_path():
    with pytest.raises(ScenarioLoadError, match="no such file or directory"):
        load_paths(["/nonexistent/scenarios"])


def test_a_double_quoted_regex_gets_the_quoting_advice():
    [problem] = problems_of("""\
        version: 1
        name: a
        rules:
          - when: {last_message: {regex: "weather in (\\w+)"}}
            reply: {content: x}
        """)
    assert problem == (
        "s.yaml:4:48: invalid YAML: found unknown escape character 'w' (in a double-quoted YAML string a backslash starts "
        "an escape: write regexes in single quotes, regex: 'weather in (\\w+)', or double each backslash in double quotes)")


def test_a_reply_swallowed_by_when_is_pointed_out():
    [problem] = problems_of("""\
        version: 1
        name: a
        rules:
          - name: greet
            when:
              last_message: hello
              reply:
                content: hi
        """)
    assert problem == ("s.yaml:4: rule 'greet' at rules[0]: 'reply' is a required property; 'reply' is indented under "
                       "'when' (line 7): move it out to the level of 'when'")


def test_all_problems_reported_at_once():
    problems = problems_of("""\
        version: 1
        name: a
        rules:
          - name: one
            when: {last_message: {regex: '('}}
            reply: {content: x}
          - name: two
            reply: {content: '{{ }}'}
        """)
    assert len(problems) == 2
    assert "rule 'one'" in problems[0] and "rule 'two'" in problems[1]


SCRIPT = """\
version: 1
name: script
rules:
  - name: greet
    when:
      last_message: {role: user, regex: '(?i)my name is (?P<name>\\w+)'}
      turn: 0
    reply:
      content: "Hello {{ captures.name }}! You said {{ last | length }} characters."
  - name: second-turn
    when:
      turn: 1
      header: {X-Test: {regex: '^t-(?P<tag>\\d+)$'}}
    reply:
      content: "turn {{ turn }} tag {{ captures.tag }}"
  - name: call-weather
    priority: -1
    when:
      tools: [get_weather]
      user_message: {contains: weather}
    reply:
      tool_calls:
        - name: get_weather
          arguments: {city: "{{ last_user | regex('in (\\\\w+)') }}"}
"""


def test_matching_captures_turns_and_headers(serve):
    running = serve(SCRIPT)
    with httpx.Client(base_url=running.url) as client:
        r = client.post("/v1/chat/completions", json=chat(user("Hi, my name is Ada")))
        assert r.json()["choices"][0]["message"]["content"] == "Hello Ada! You said 18 characters."
        history = [user("hi"), {"role": "assistant", "content": "hello"}, user("again")]
        r = client.post("/v1/chat/completions", json=chat(*history), headers={"X-Test": "t-42"})
        assert r.json()["choices"][0]["message"]["content"] == "turn 1 tag 42"
        r = client.post("/v1/chat/completions", json=chat(user("weather in Oslo?"), tools=[GET_WEATHER_TOOL]))
        assert r.json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == '{"city":"Oslo"}'


def test_no_matching_rule_reports_near_misses(serve):
    running = serve(SCRIPT)
    history = [user("hi"), {"role": "assistant", "content": "hello"}, user("again")]
    r = httpx.post(running.url + "/v1/chat/completions", json=chat(*history), headers={"X-Test": "nope"})
    assert r.status_code == 400
    body = r.json()
    assert_official("ErrorResponse", body)
    error = body["error"]
    assert error["code"] == "no_matching_rule"
    lines = error["message"].splitlines()
    assert lines[0] == "No scenario rule matched this request (model 'test-model', turn 1, last message user)."
    assert lines[1:5] == [
        "Closest rules, best first (3):",
        "1. scenario 'script' rule 'second-turn' (inline0.yaml:10): 1 of 2 matcher(s) hold",
        "     header[x-test] expected: to match /^t-(?P<tag>\\d+)$/",
        "                    actual:   'nope'",
    ]
    first = error["near_misses"][0]
    assert first["rule"] == "second-turn" and first["line"] == 10 and (first["holding"], first["matchers"]) == (1, 2)
    assert first["differences"] == [{"field": "header[x-test]", "actual": "nope", "expected": "to match /^t-(?P<tag>\\d+)$/"}]


def test_scenario_selection_by_header_and_model(serve):
    a = "version: 1\nname: alpha\nrules: [{reply: {content: from alpha}}]\n"
    b = "version: 1\nname: beta\nrules: [{reply: {content: from beta}}]\n"
    running = serve(a, b)
    post = lambda body, **kw: httpx.post(running.url + "/v1/chat/completions", json=body, **kw)
    assert post(chat(user("x"))).json()["choices"][0]["message"]["content"] == "from alpha"
    assert post(chat(user("x"), model="beta")).json()["choices"][0]["message"]["content"] == "from beta"
    r = post(chat(user("x")), headers={"X-Mock-Scenario": "beta"})
    assert r.json()["choices"][0]["message"]["content"] == "from beta"
    r = post(chat(user("x")), headers={"X-Mock-Scenario": "gamma"})
    assert r.status_code == 400
    assert r.json()["error"] == {
        "message": "Unknown scenario 'gamma' in header X-Mock-Scenario; loaded scenarios: 'alpha', 'beta'.",
        "type": "invalid_request_error", "param": None, "code": "unknown_scenario",
    }


BROKEN_REPLIES = """\
version: 1
name: broken
rules:
  - name: undeclared
    when: {last_message: undeclared}
    reply: {tool_calls: [{name: get_time}]}
  - name: bad-args
    when: {last_message: bad-args}
    reply: {tool_calls: [{name: get_weather, arguments: {town: x}}]}
  - name: bad-template
    when: {last_message: bad-template}
    reply: {content: "{{ captures.nothing.deeper }}"}
  - name: forced
    when: {last_message: forced}
    reply: {content: just text}
"""


@pytest.mark.parametrize("text,fragment", [
    ("undeclared", "reply.tool_calls[0] calls 'get_time', which the request does not declare in 'tools' (declared: 'get_weather')."),
    ("bad-args", "reply.tool_calls[0] arguments for 'get_weather' are invalid for the request's declared schema: {\"town\":\"x\"} does not match the function's parameters: Additional properties are not allowed ('town' was unexpected) (at $)"),
    ("bad-template", "captures.nothing is undefined in '{{ captures.nothing.deeper }}': no regex of this rule captured a group 'nothing' for this request (captures: none)"),
])
def test_scenario_errors_are_422_and_name_the_rule(serve, text, fragment):
    running = serve(BROKEN_REPLIES)
    r = httpx.post(running.url + "/v1/chat/completions", json=chat(user(text), tools=[GET_WEATHER_TOOL]))
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["type"] == "mockserver_scenario_error" and error["code"] == "scenario_error"
    assert error["message"].startswith(f"Scenario error in scenario 'broken' rule '{text}' (inline0.yaml:")
    assert fragment in error["message"]


def test_tool_choice_contradiction_skips_rule(serve):
    running = serve(BROKEN_REPLIES, "version: 1\nname: fallback\nrules: [{name: text, reply: {content: fallback text}}]\n")
    post = lambda body: httpx.post(running.url + "/v1/chat/completions", json=body)
    # a calling rule under tool_choice none is skipped; the next rule answers
    r = post(chat(user("undeclared"), tools=[GET_WEATHER_TOOL], tool_choice="none"))
    assert r.status_code == 422  # the undeclared tool is still a scenario error (checked when rendering)
    r = post(chat(user("forced"), tools=[GET_WEATHER_TOOL], tool_choice="required"))
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "no_matching_rule"
    assert error["message"].splitlines()[1:5] == [
        "Closest rules, best first (5):",
        "1. scenario 'broken' rule 'forced' (inline0.yaml:13): 1 of 1 matcher(s) hold",
        "     reply vs tool_choice expected: a tool call (tool_choice is 'required')",
        "                          actual:   'no tool calls'",
    ]


def test_parallel_tool_calls_false_skips_multi_call_rule(serve):
    two_calls = """\
    version: 1
    name: two
    rules:
      - name: both
        reply:
          tool_calls:
            - {name: get_weather, arguments: {city: A}}
            - {name: get_weather, arguments: {city: B}}
      - name: one
        reply:
          tool_calls:
            - {name: get_weather, arguments: {city: A}}
    """
    running = serve(two_calls)
    post = lambda body: httpx.post(running.url + "/v1/chat/completions", json=body).json()
    assert len(post(chat(user("x"), tools=[GET_WEATHER_TOOL]))["choices"][0]["message"]["tool_calls"]) == 2
    assert len(post(chat(user("x"), tools=[GET_WEATHER_TOOL], parallel_tool_calls=False))["choices"][0]["message"]["tool_calls"]) == 1


def test_tool_result_matcher_pairs_results_with_calls(serve):
    text = """\
    version: 1
    name: results
    rules:
      - name: sunny
        when:
          tool_result: {tool: get_weather, json: {sky: clear, temp.max: 30}}
        reply: {content: "sunny {{ result.get_weather.temp.max }} in {{ tool_results[0].arguments.city }}"}
      - name: other
        when:
          tool_result: {tool: get_weather}
        reply: {content: "other: {{ tool_results[0].content }}"}
    """
    running = serve(text)
    history = [user("w?"), assistant_calls(call("c1", "get_weather", '{"city":"Nice"}'))]
    post = lambda content: httpx.post(running.url + "/v1/chat/completions", json=chat(*history, tool("c1", content), tools=[GET_WEATHER_TOOL])).json()
    assert post('{"sky": "clear", "temp": {"max": 30}}')["choices"][0]["message"]["content"] == "sunny 30 in Nice"
    assert post('{"sky": "rain", "temp": {"max": 30}}')["choices"][0]["message"]["content"] == 'other: {"sky": "rain", "temp": {"max": 30}}'
