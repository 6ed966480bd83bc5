"""The no_matching_rule report: closest rules first (the meant one on top), how many is
configurable, each failing matcher's expected and actual on a line each; and undefined values in
templates named, never sent as null."""

from __future__ import annotations

import httpx
import openai
import pytest

FLIGHTS = """\
version: 1
name: flights
rules:
  - name: confirm
    when: {tool_result: {tool: book_flight}}
    reply: {content: "Booked."}
  - name: book
    when: {tool_result: {tool: search_flights}}
    reply: {content: "Booking."}
  - name: smalltalk
    when: {last_message: {role: user, contains: "how are you"}}
    reply: {content: "Fine."}
  - name: weather
    when: {last_message: {role: user, regex: 'weather in (?P<city>\\w+)'}}
    reply: {content: "Sunny."}
  - name: refund
    when: {last_message: {role: user, equals: "refund my ticket"}}
    reply: {content: "Refunded."}
  - name: cancel
    when: {last_message: {role: user, contains: "cancel"}, turn: 3}
    reply: {content: "Cancelled."}
  - name: search
    when:
      tools: [search_flights]
      last_message: {role: user, regex: 'from (?P<origin>[A-Z]{3}) to (?P<destination>[A-Z]{3})'}
    reply: {content: "Searching."}
"""
SEARCH_TOOL = {"type": "function", "function": {"name": "search_flights", "parameters": {"type": "object"}}}


def unmatched(url: str, text: str) -> dict:
    r = httpx.post(url + "/v1/chat/completions", json={
        "model": "m", "messages": [{"role": "user", "content": text}], "tools": [SEARCH_TOOL]})
    assert r.status_code == 400, r.text
    return r.json()["error"]


def test_the_meant_rule_comes_first_even_last_in_the_file(serve):
    """The rule written last, whose regex nearly matched, is the first near miss."""
    error = unmatched(serve(FLIGHTS).url, "Book a flight from Oslo to LIS")
    assert [m["rule"] for m in error["near_misses"]] == ["search", "cancel", "smalltalk", "refund", "confirm"]
    assert error["message"].splitlines()[1:5] == [
        "Closest rules, best first (5 of 7):",
        "1. scenario 'flights' rule 'search' (inline0.yaml:22): 1 of 2 matcher(s) hold",
        "     last_message expected: to match /from (?P<origin>[A-Z]{3}) to (?P<destination>[A-Z]{3})/",
        "                  actual:   'Book a flight from Oslo to LIS'",
    ]
    assert (error["near_misses"][0]["holding"], error["near_misses"][0]["matchers"]) == (1, 2)


def test_closeness_orders_rules_that_fail_the_same_number_of_matchers(serve):
    """'refund my tickets' is closest to the equals 'refund my ticket'; a missing result is far."""
    error = unmatched(serve(FLIGHTS).url, "refund my tickets")
    assert [m["rule"] for m in error["near_misses"]] == ["refund", "search", "cancel", "smalltalk", "confirm"]


def test_how_many_near_misses_is_configurable(serve):
    error = unmatched(serve(FLIGHTS, near_misses=2).url, "Book a flight from Oslo to LIS")
    assert [m["rule"] for m in error["near_misses"]] == ["search", "cancel"]
    assert error["message"].splitlines()[1] == "Closest rules, best first (2 of 7):"


def test_every_failing_matcher_gets_its_expected_and_actual_line(serve):
    error = unmatched(serve(FLIGHTS, near_misses=7).url, "please cancel")
    lines = error["message"].splitlines()
    start = next(i for i, line in enumerate(lines) if "rule 'cancel'" in line)
    assert lines[start:start + 3] == [
        f"{lines[start].split('.')[0]}. scenario 'flights' rule 'cancel' (inline0.yaml:19): 1 of 2 matcher(s) hold",
        "     turn expected: 3",
        "          actual:   0",
    ]


CAPTURES = """\
version: 1
name: dates
rules:
  - name: remind
    when: {last_message: {regex: 'remind me(?: on (?P<day>\\w+))?'}}
    reply:
      tool_calls: [{name: set_reminder, arguments: {day: "{{ captures.day }}"}}]
"""
REMINDER_TOOL = {"type": "function", "function": {"name": "set_reminder", "parameters": {
    "type": "object", "properties": {"day": {"type": "string"}}, "required": ["day"]}}}


def test_a_missing_capture_is_named_not_sent_as_null(serve):
    client = openai.OpenAI(base_url=serve(CAPTURES).base_url, api_key="k", max_retries=0)
    ok = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "remind me on friday"}],
                                        tools=[REMINDER_TOOL])
    assert ok.choices[0].message.tool_calls[0].function.arguments == '{"day":"friday"}'
    with pytest.raises(openai.UnprocessableEntityError) as info:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "remind me"}], tools=[REMINDER_TOOL])
    message = info.value.body["message"]
    assert "None is not of type" not in message
    assert message == (
        "Scenario error in scenario 'dates' rule 'remind' (inline0.yaml:4): captures.day is undefined in "
        "'{{ captures.day }}': no regex of this rule captured a group 'day' for this request (captures: none); "
        "use captures.get('day') for an optional group")
