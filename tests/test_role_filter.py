"""The rule index leaves out rules that cannot match after the last message's role — and never
one that could: over random conversations and rules, the first rule that matches among the
candidates is the first rule a full scan finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.engine.context import Conversation
from mockserver.engine.index import RuleIndex
from mockserver.engine.loader import load_text
from mockserver.engine.respond import _match
from mockserver.validation.tools import tool_set

TOOLS = [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}} for n in ("a", "b")]
WHENS = [
    "{last_message: {role: user}}",
    "{last_message: {role: [tool, system]}}",
    "{tool_result: {tool: a}}",
    "{tool_result: {tool: b, within: exchange}}",
    "{tool_result: {tool: a, within: conversation}}",
    "{last_message: {role: user, contains: hi}}",
    "{model: m}",
    "{}",
]


def conversation(roles: list[str]) -> Conversation:
    messages, pending = [], []
    for k, role in enumerate(roles):
        if role == "assistant":
            pending = [f"c{k}"]
            messages.append({"role": "assistant", "content": None,
                             "tool_calls": [{"id": f"c{k}", "type": "function", "function": {"name": "ab"[k % 2], "arguments": "{}"}}]})
        elif role == "tool":
            messages.append({"role": "tool", "tool_call_id": pending[0] if pending else "x", "content": "ok"})
        else:
            messages.append({"role": role, "content": "hi there"})
    body = {"model": "m", "messages": messages, "tools": TOOLS}
    tools = tool_set(TOOLS)
    return Conversation(body, tools, None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(range(len(WHENS))), min_size=1, max_size=8),
       st.lists(st.sampled_from(["user", "assistant", "tool", "system"]), min_size=1, max_size=6))
def test_the_role_filter_never_hides_the_answering_rule(picks, roles):
    text = "version: 1\nname: s\nrules:\n" + "".join(f"  - {{name: r{i}, when: {WHENS[p]}, reply: {{content: x}}}}\n"
                                                       for i, p in enumerate(picks))
    scenarios, problems = load_text(text, "s.yaml")
    assert not problems
    rules = scenarios[0].rules
    conv = conversation(roles)
    full = next((r.name for r in rules if _match(r, conv) is not None), None)
    candidates = RuleIndex(rules).candidates(conv)
    assert next((r.name for r in candidates if _match(r, conv) is not None), None) == full


def test_rules_for_other_roles_are_not_tried():
    text = ("version: 1\nname: s\nrules:\n  - {name: after-tool, when: {tool_result: {tool: b}}, reply: {content: x}}\n"
            "  - {name: after-user, when: {last_message: {role: user}}, reply: {content: y}}\n")
    rules = load_text(text, "s.yaml")[0][0].rules
    index = RuleIndex(rules)
    assert [r.name for r in index.candidates(conversation(["user"]))] == ["after-user"]
    assert [r.name for r in index.candidates(conversation(["user", "assistant", "tool"]))] == ["after-tool"]
    # a system message after the results: they are still the ones just sent
    after_system = conversation(["user", "assistant", "tool", "system"])
    assert [r.name for r in index.candidates(after_system)] == ["after-tool"]
    assert _match(rules[0], after_system) is not None
