"""Loop detection (``validate`` and start-up): a rule that would answer its own follow-up again.

Each looping scenario here is also served to a real agent, to show the warning describes what
really happens; each clean one is checked to end."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import openai
import pytest

from mockserver.engine.loader import load_text
from mockserver.lint import validate_paths
from mockserver.lint.loops import loop_warnings

ROOT = Path(__file__).resolve().parent.parent
FLIGHT = (ROOT / "examples" / "scenarios" / "flight-agent.yaml").read_text(encoding="utf-8")


def scenario(text: str):
    found, problems = load_text(textwrap.dedent(text), "loop.yaml")
    assert not problems, problems
    [one] = found
    return one


def loops(text: str) -> dict[str, str]:
    return {rule.name: message for rule, message in loop_warnings(scenario(text))}


WEATHER_TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def agent(client: openai.OpenAI, question: str, turns: int = 4) -> list[str]:
    """A plain tool loop; returns what the model did each turn ('call' or the answer text)."""
    messages = [{"role": "user", "content": question}]
    seen = []
    for _ in range(turns):
        message = client.chat.completions.create(model="m", messages=messages, tools=WEATHER_TOOLS).choices[0].message
        if not message.tool_calls:
            seen.append(message.content)
            return seen
        seen.append("call")
        messages.append(message.model_dump(exclude_none=True, exclude={"annotations", "refusal"}))
        for call in message.tool_calls:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temperature": 20})})
    return seen


USER_MESSAGE_LOOP = """\
    version: 1
    name: weather
    rules:
      - name: call
        when:
          tools: [get_weather]
          user_message: {regex: 'weather in (?P<city>\\w+)'}
        reply:
          tool_calls: [{name: get_weather, arguments: {city: "{{ captures.city }}"}}]
      - name: answer
        when: {tool_result: {tool: get_weather}}
        reply: {content: "It is {{ result.get_weather.temperature }} degrees."}
"""


def test_a_rule_that_still_matches_its_follow_up_is_a_loop_and_really_loops(serve):
    found = loops(USER_MESSAGE_LOOP)
    assert list(found) == ["call"]
    assert found["call"] == (
        "loop: after its call(s) of get_weather are answered, the follow-up request matches this rule again "
        "(tools, user_message still hold), so an agent calls get_weather until it gives up; let it match only the "
        "request that asks for it (e.g. last_message: {role: user}), or put a rule that answers the results before it")
    running = serve(USER_MESSAGE_LOOP)
    client = openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=0)
    assert agent(client, "weather in Oslo?") == ["call"] * 4  # the agent gives up


@pytest.mark.parametrize("fix", ["last_message", "answer_first"])
def test_the_fixes_the_message_suggests_end_the_loop(serve, fix):
    text = USER_MESSAGE_LOOP
    if fix == "last_message":
        text = text.replace("user_message: {regex:", "last_message: {role: user, regex:")
    else:
        text = text.replace("      - name: call", "      - name: call\n        priority: -1")
    assert loops(text) == {}
    client = openai.OpenAI(base_url=serve(text).base_url, api_key="k", max_retries=0)
    assert agent(client, "weather in Oslo?") == ["call", "It is 20 degrees."]


def test_the_flight_example_has_no_loop_but_within_exchange_would_have_one():
    assert loops(FLIGHT) == {}
    wide = FLIGHT.replace("tool_result: {tool: search_flights}", "tool_result: {tool: search_flights, within: exchange}")
    assert list(loops(wide)) == ["book"]
    assert "drop 'within: exchange' (the default 'within: step' stops matching once the next result arrives)" in loops(wide)["book"]


def test_results_that_another_rule_waits_for_are_tried():
    """A retry rule for failed searches is no loop when a rule takes the good results first."""
    text = """\
        version: 1
        name: retry
        rules:
          - name: done
            when: {tool_result: {tool: search, json: {status: ok}}}
            reply: {content: found}
          - name: retry
            when: {tool_result: {tool: search}}
            reply: {tool_calls: [{name: search}]}
          - name: start
            when: {last_message: {role: user}, tools: [search]}
            reply: {tool_calls: [{name: search}]}
    """
    assert loops(text) == {}
    assert list(loops(text.replace("json: {status: ok}", "json: {status: ok}, contains: never-there"))) == ["retry"]


def test_forced_calls_and_skipped_replies_are_not_loops():
    text = """\
        version: 1
        name: forced
        rules:
          - name: forced
            when: {tool_choice: {function: f}}
            reply: {tool_calls: [{name: f}]}
          - name: contradicts
            when: {tool_choice: none, tools: [f]}
            reply: {tool_calls: [{name: f}]}
          - name: answer
            when: {last_message: {role: tool}}
            reply: {content: done}
    """
    assert loops(text) == {}  # the follow-up of a forced call is sent with tool_choice auto


def test_validate_reports_loops_with_their_location(tmp_path):
    (tmp_path / "w.yaml").write_text(textwrap.dedent(USER_MESSAGE_LOOP))
    report = validate_paths([tmp_path / "w.yaml"])
    [finding] = report.findings
    assert (finding.severity, finding.check, finding.line, finding.rule, finding.path) == ("warning", "loop", 4, "call", "rules[0]")
    assert report.ok
