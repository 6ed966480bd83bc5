"""assert_all_rules_used per rule: names are scenarios, rules, or scenario/rule."""

from __future__ import annotations

import pytest

from mockserver.assertions import MockAssertionError
from mockserver.config import Config
from mockserver.fixture import MockServer
from mockserver.testing import ServerThread

GREETINGS = """\
version: 1
name: greetings
rules:
  - name: hello
    when: {last_message: hello}
    reply: {content: hi}
  - name: bye
    when: {last_message: bye}
    reply: {content: ciao}
"""
OTHER = "version: 1\nname: other\nrules: [{name: bye, when: {last_message: zzz}, reply: {content: z}}]\n"


@pytest.fixture(scope="module")
def mock():
    with ServerThread(Config(port=0)) as running:
        mock = MockServer(running)
        mock.use([GREETINGS, OTHER])
        mock.client().chat.completions.create(model="m", messages=[{"role": "user", "content": "hello"}])
        yield mock
        mock.close()


def test_a_used_rule_passes_by_name_or_scenario_and_name(mock):
    mock.assert_all_rules_used("hello")
    mock.assert_all_rules_used("greetings/hello")


def test_an_unused_rule_fails_naming_only_that_rule(mock):
    with pytest.raises(MockAssertionError) as info:
        mock.assert_all_rules_used("hello", "greetings/bye")
    lines = str(info.value).splitlines()
    assert lines[0] == "assert_all_rules_used('hello', 'greetings/bye') failed: 1 of 2 rule(s) never answered a request:"
    assert lines[1] == "- scenario 'greetings' rule 'bye' (<marker scenarios[0]>:7)"
    assert lines[2] == "    not #1: last_message: expected to contain 'bye', got 'hello'"
    with pytest.raises(MockAssertionError, match=r"^assert_all_rules_used\('greetings'\) failed: 1 of 2 rule\(s\) never answered"):
        mock.assert_all_rules_used("greetings")


def test_unknown_and_ambiguous_names_are_errors(mock):
    with pytest.raises(ValueError, match=r"rule name 'bye' is ambiguous; name one of 'greetings/bye', 'other/bye'"):
        mock.assert_all_rules_used("bye")
    with pytest.raises(ValueError, match=r"scenario 'greetings' has no rule 'hi'; its rules: hello, bye"):
        mock.assert_all_rules_used("greetings/hi")
    with pytest.raises(ValueError, match=r"no scenario or rule named 'nope'"):
        mock.assert_all_rules_used("nope")
