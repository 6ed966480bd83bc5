"""Loop detection: would a rule that answers with tool calls answer its own follow-up again?

For each such rule, a request it matches is built from its matchers (texts that pass them,
regexes sampled, the tools it needs declared with an open schema, enough turns), its reply is
rendered, and the follow-up is built the way an agent builds it: the same conversation plus the
assistant's calls and one result for each. The scenario's rules are then tried on the follow-up
in their order. When the same rule answers again for every result tried — a neutral one, and one
made to pass each other rule's ``tool_result`` conditions for that tool — an agent would call the
tools until it gives up: a ``loop`` warning. A forced ``tool_choice`` is relaxed to ``auto`` in the
follow-up (a client that keeps forcing loops with any model). Rules whose matchers cannot be
satisfied this way (look-arounds, conflicting conditions) are not simulated.
"""

from __future__ import annotations

import json
import random
from typing import Any

from mockserver.engine.context import Conversation
from mockserver.engine.matchers import (
    Header, LastMessage, Matcher, Model, Text, ToolChoiceMatcher, ToolResultMatcher, Tools, Turn, UserMessage,
)
from mockserver.engine.model import Rule, Scenario, ScenarioSet
from mockserver.engine.respond import RenderedCall, RenderedReply, _match, contradiction, render
from mockserver.engine.strings import PatternError, string_for
from mockserver.wire.errors import APIError

OPEN_SCHEMA = {"type": "object"}


class _Unsatisfiable(Exception):
    """The rule's matchers cannot be satisfied by a built request (not simulated)."""


def loop_warnings(scenario: Scenario) -> list[tuple[Rule, str]]:
    """(rule, message) for every rule of ``scenario`` that would answer its own follow-up."""
    ordered = ScenarioSet([scenario]).rules
    found = []
    for rule in ordered:
        if not (rule.reply.tool_calls or rule.reply.auto_calls):
            continue
        message = _simulate(rule, ordered)
        if message:
            found.append((rule, message))
    return found


def _simulate(rule: Rule, ordered: list[Rule]) -> str | None:
    rng = random.Random(f"loop:{rule.scenario.name}:{rule.name}")
    try:
        body, headers = _witness(rule, rng)
        conv = _conversation(body, headers)
    except (_Unsatisfiable, APIError):
        return None
    captures = _match(rule, conv)
    if captures is None:
        return None
    calls = _calls(rule, conv, captures)
    if calls is None:
        return None
    for contents in _result_candidates(calls, ordered, rule, rng):
        follow = _follow_up(body, calls, contents)
        try:
            next_conv = _conversation(follow, headers)
        except APIError:
            return None
        answering = next((r for r in ordered if _match(r, next_conv) is not None), None)
        if answering is not rule or _calls(rule, next_conv, _match(rule, next_conv) or {}) is None:
            return None
    names = ", ".join(sorted({c.name for c in calls}))
    holding = ", ".join(_matcher_name(m) for m in rule.matchers) or "no 'when': it matches everything"
    wide = [m for m in rule.matchers if isinstance(m, ToolResultMatcher) and m.within != "step"]
    if wide:
        fix = f"drop 'within: {wide[0].within}' (the default 'within: step' stops matching once the next result arrives)"
    else:
        fix = ("let it match only the request that asks for it (e.g. last_message: {role: user}), "
               "or put a rule that answers the results before it")
    return (f"loop: after its call(s) of {names} are answered, the follow-up request matches this rule again "
            f"({holding} still hold), so an agent calls {names} until it gives up; {fix}")


def _matcher_name(matcher: Matcher) -> str:
    if isinstance(matcher, ToolResultMatcher):
        return f"tool_result[{matcher.tool}] within {matcher.within}"
    return matcher.key


# --- a request the rule matches --------------------------------------------------------------


def _sample(text: Text, rng: random.Random) -> str:
    if text.equals is not None:
        return text.equals
    parts = [text.contains] if text.contains is not None else []
    if text.regex is not None:
        try:
            parts.append(string_for(text.regex.pattern, rng))
        except PatternError:
            raise _Unsatisfiable() from None
    return " ".join(parts) if parts else "hello"


def _result_content(matcher: ToolResultMatcher, rng: random.Random) -> str:
    if matcher.json:
        value: dict[str, Any] = {}
        for dotted, want in matcher.json.items():
            node = value
            parts = str(dotted).split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise _Unsatisfiable()
            node[parts[-1]] = want
        return json.dumps(value)
    return _sample(matcher.text, rng) if matcher.text.active else '{"ok": true}'


def _witness(rule: Rule, rng: random.Random) -> tuple[dict[str, Any], dict[str, str]]:
    model = rule.scenario.models[0] if rule.scenario.models else "mock-model"
    headers: dict[str, str] = {}
    user_parts: list[str] = []
    tools: set[str] = set()
    choice: Any = None
    low, high = 0, None
    last: LastMessage | None = None
    results: list[ToolResultMatcher] = []
    for matcher in rule.matchers:
        if isinstance(matcher, Model):
            model = _sample(matcher.text, rng)
        elif isinstance(matcher, Header):
            headers.update({name: _sample(text, rng) for name, text in matcher.checks})
        elif isinstance(matcher, UserMessage):
            user_parts.append(_sample(matcher.text, rng))
        elif isinstance(matcher, LastMessage):
            last = matcher
        elif isinstance(matcher, ToolResultMatcher):
            results.append(matcher)
            tools.add(matcher.tool)
        elif isinstance(matcher, Tools):
            tools.update(matcher.names)
        elif isinstance(matcher, ToolChoiceMatcher):
            choice = matcher.mode if matcher.function is None else {"type": "function", "function": {"name": matcher.function}}
            if matcher.function:
                tools.add(matcher.function)
        elif isinstance(matcher, Turn):
            low, high = matcher.low, matcher.high
    tools.update(c.name.source for c in rule.reply.tool_calls if c.name.static)
    last_text = _sample(last.text, rng) if last is not None and last.text.active else None
    last_role = (last.roles or [None])[0] if last is not None else None
    messages: list[dict[str, Any]] = []
    if results:
        user_parts.append("go on")
        messages.append({"role": "user", "content": " ".join(user_parts)})
        calls, answers = [], []
        for k, matcher in enumerate(results):
            for j in range(matcher.count or 1):
                call_id = f"call_w{k}_{j}"
                calls.append({"id": call_id, "type": "function", "function": {"name": matcher.tool, "arguments": "{}"}})
                answers.append({"role": "tool", "tool_call_id": call_id, "content": _result_content(matcher, rng)})
        if last_text is not None:
            answers[-1]["content"] = last_text
        messages += [{"role": "assistant", "content": None, "tool_calls": calls}, *answers]
    else:
        if last_role not in (None, "user"):
            raise _Unsatisfiable()
        messages.append({"role": "user", "content": " ".join(user_parts + ([last_text] if last_text else [])) or "hello"})
    turns = sum(1 for m in messages if m["role"] == "assistant")
    if high is not None and turns > high:
        raise _Unsatisfiable()
    padding: list[dict[str, Any]] = []
    for _ in range(max(0, low - turns)):
        padding += [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "ok"}]
    body: dict[str, Any] = {"model": model, "messages": padding + messages}
    if tools:
        body["tools"] = [{"type": "function", "function": {"name": n, "parameters": OPEN_SCHEMA}} for n in sorted(tools)]
    if choice is not None:
        body["tool_choice"] = choice
    return body, headers


def _conversation(body: dict[str, Any], headers: dict[str, str]) -> Conversation:
    from mockserver.dialects.chat.validate import validate_request

    validated = validate_request(body)
    return Conversation(body, validated.tools, validated.tool_choice, {k.lower(): v for k, v in headers.items()}, seed="loop")


def _calls(rule: Rule, conv: Conversation, captures: dict[str, Any]) -> list[RenderedCall] | None:
    """The calls the rule answers ``conv`` with; None when it answers without calls, or is
    skipped because its reply contradicts the request (tool_choice, parallel_tool_calls)."""
    try:
        reply = render(rule, conv, captures)
    except APIError:  # a template needing a real result: the calls' names are enough
        if not rule.reply.tool_calls or not all(c.name.static for c in rule.reply.tool_calls):
            return None
        reply = RenderedReply(None, [RenderedCall(c.name.source, "{}") for c in rule.reply.tool_calls], None, rule)
    if not reply.tool_calls or contradiction(reply, conv) is not None:
        return None
    return reply.tool_calls


# --- its follow-up -------------------------------------------------------------------------------


def _result_candidates(calls: list[RenderedCall], ordered: list[Rule], rule: Rule, rng: random.Random) -> list[list[str]]:
    """Results to try for the calls: neutral ones, and ones passing other rules' conditions."""
    neutral = ['{"ok": true}'] * len(calls)
    candidates = [neutral]
    for other in ordered:
        if other is rule:
            continue
        for matcher in other.matchers:
            if not isinstance(matcher, ToolResultMatcher):
                continue
            try:
                content = _result_content(matcher, rng)
            except _Unsatisfiable:
                continue
            tried = [content if c.name == matcher.tool else n for c, n in zip(calls, neutral)]
            if tried != neutral and tried not in candidates:
                candidates.append(tried)
    return candidates


def _follow_up(body: dict[str, Any], calls: list[RenderedCall], contents: list[str]) -> dict[str, Any]:
    ids = [c.id or f"call_loop_{k}" for k, c in enumerate(calls)]
    assistant = {"role": "assistant", "content": None, "tool_calls": [
        {"id": i, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for i, c in zip(ids, calls)]}
    results = [{"role": "tool", "tool_call_id": i, "content": text} for i, text in zip(ids, contents)]
    follow = dict(body, messages=[*body["messages"], assistant, *results])
    choice = body.get("tool_choice")
    if choice == "required" or isinstance(choice, dict):
        follow["tool_choice"] = "auto"  # a client that keeps forcing a call loops with any model
    return follow
