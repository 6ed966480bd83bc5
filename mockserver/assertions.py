"""Assertions that speak tools, over a journal's entries.

Each raises :class:`AssertionError` whose message names the culprit (the call, the id, the
rule) and shows the conversation the mock saw, near misses included. The pytest fixture
exposes them as methods; they work just as well on ``ServerThread(...).app.state.journal.calls``.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

from mockserver.engine.context import Conversation
from mockserver.engine.model import Rule, Scenario
from mockserver.engine.respond import differences
from mockserver.explain import compact, describe_entry, describe_journal, headline, short, warning_text
from mockserver.server.entry import ANSWERED, UNMATCHED, Entry, ToolCall
from mockserver.dialects.chat.validate import validate_request
from mockserver.wire.errors import APIError

WHY_NOT_LIMIT = 3


class MockAssertionError(AssertionError):
    """A failed mockserver assertion; its message already shows the journal."""


def _fail(summary: str, calls: Sequence[Entry], details: Iterable[str] = ()) -> None:
    __tracebackhide__ = True
    parts = [summary, *details, describe_journal(calls)]
    raise MockAssertionError("\n".join(p for p in parts if p))


def issued_calls(calls: Sequence[Entry]) -> list[tuple[Entry, ToolCall]]:
    """Every tool call the mock issued (choice 0 of each answer), in order."""
    return [(entry, call) for entry in calls for call in entry.tool_calls]


def subset_mismatch(expected: Any, actual: Any, path: str = "arguments") -> str | None:
    """Why ``actual`` does not contain ``expected`` (objects compared key by key), or None."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {short(compact(actual), 80)}"
        for key, value in expected.items():
            if key not in actual:
                return f"{path}.{key}: missing (expected {short(compact(value), 80)})"
            mismatch = subset_mismatch(value, actual[key], f"{path}.{key}")
            if mismatch:
                return mismatch
        return None
    if expected == actual and isinstance(expected, bool) == isinstance(actual, bool):
        return None
    return f"{path}: got {short(_json(actual), 80)}, expected {short(_json(expected), 80)}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _call_signature(name: str, args: Any, times: int | None) -> str:
    parts = [repr(name)]
    if args is not None:
        parts.append(f"args={compact(args)}")
    if times is not None:
        parts.append(f"times={times}")
    return f"assert_tool_called({', '.join(parts)})"


def assert_tool_called(calls: Sequence[Entry], name: str, args: dict[str, Any] | None = None,
                       times: int | None = None) -> list[ToolCall]:
    """The mock issued a call of ``name`` (whose arguments contain ``args``): at least once, or
    exactly ``times`` times. Returns the matching calls."""
    __tracebackhide__ = True
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 0):
        raise TypeError(f"assert_tool_called: times must be a whole number ≥ 0, got {times!r}")
    if args is not None and not isinstance(args, dict):
        raise TypeError(f"assert_tool_called: args must be a dict (a subset of the arguments), got {type(args).__name__}")
    issued = issued_calls(calls)
    of_name = [(e, c) for e, c in issued if c.name == name]
    matching = [(e, c) for e, c in of_name if args is None or subset_mismatch(args, c.arguments) is None]
    count = len(matching)
    if (times is None and count > 0) or count == times:
        return [c for _, c in matching]
    wanted = "at least once" if times is None else f"exactly {times} time(s)"
    with_args = f" with arguments containing {compact(args)}" if args is not None else ""
    summary = (f"{_call_signature(name, args, times)} failed: expected the mock to call '{name}'{with_args} "
               f"{wanted}, but it did {count} time(s).")
    details = []
    if of_name:
        details.append(f"Calls of '{name}' the mock issued:")
        for entry, call in of_name:
            mismatch = subset_mismatch(args, call.arguments) if args is not None else None
            note = f" — {mismatch}" if mismatch else ""
            details.append(f"  in #{entry.id}: {name}({call.raw_arguments}) [{call.id}]{note}")
    elif issued:
        names = ", ".join(sorted({c.name for _, c in issued}))
        details.append(f"The mock never called '{name}'; it called: {names}.")
    else:
        details.append("The mock issued no tool calls at all.")
    _fail(summary, calls, details)
    return []  # pragma: no cover - _fail raises


def assert_tool_result_sent(calls: Sequence[Entry], name: str) -> None:
    """Every call of ``name`` the mock issued was answered: a later request carried a tool
    message with the same ``tool_call_id``."""
    __tracebackhide__ = True
    of_name = [(e, c) for e, c in issued_calls(calls) if c.name == name]
    summary = f"assert_tool_result_sent({name!r}) failed: "
    if not of_name:
        issued = sorted({c.name for _, c in issued_calls(calls)})
        also = f"; it called: {', '.join(issued)}" if issued else ""
        _fail(summary + f"the mock never issued a call of '{name}'{also}.", calls)
    missing = []
    for entry, call in of_name:
        later = [e for e in calls if e.id > entry.id]
        if not any(m.get("tool_call_id") == call.id for e in later for m in e.tool_results):
            sent = [m.get("tool_call_id") for e in later for m in e.tool_results]
            missing.append((entry, call, later, sent))
    if not missing:
        return
    details = []
    for entry, call, later, sent in missing:
        details.append(f"The mock called {name}({call.raw_arguments}) with id '{call.id}' in #{entry.id}, but no "
                       f"later request sent a tool message with tool_call_id '{call.id}'.")
        if not later:
            details.append(f"  No request followed #{entry.id}: the client never sent the result back.")
        elif sent:
            details.append(f"  Tool results sent after it: tool_call_id {', '.join(repr(s) for s in sent)} "
                           f"(none is '{call.id}').")
        else:
            details.append(f"  The {len(later)} request(s) after it carried no tool message.")
    _fail(summary + f"{len(missing)} of {len(of_name)} call(s) of '{name}' got no result.", calls, details)


def _conversation(entry: Entry) -> Conversation | None:
    if not isinstance(entry.request, dict):
        return None
    parsed = entry.parsed
    if parsed is not None:  # what the engine saw, whatever the dialect
        return Conversation(
            entry.request, parsed.tools, parsed.tool_choice, entry.headers,
            messages=parsed.messages, model=parsed.model, parallel_tool_calls=parsed.parallel_tool_calls,
        )
    try:
        validated = validate_request(entry.request)
    except APIError:  # an invalid request says nothing about a rule
        return None
    return Conversation(entry.request, validated.tools, validated.tool_choice, entry.headers)


def why_not(rule: Rule, entry: Entry) -> str:
    if entry.scenario == rule.scenario.name and entry.rule == rule.name:
        return "it answered"  # pragma: no cover - callers pass unused rules only
    conv = _conversation(entry)
    if conv is None:
        return "the request was invalid"
    found = differences(rule, conv)
    if found:
        return "; ".join(str(d) for d in found)
    if entry.outcome == ANSWERED:
        return f"it matched, but scenario '{entry.scenario}' rule '{entry.rule}' answered first"
    return f"it matched, but the request ended {entry.status} {entry.outcome}"


def assert_all_rules_used(calls: Sequence[Entry], scenarios: Sequence[Scenario], rules: Sequence[Rule] | None = None,
                          named: Sequence[str] = ()) -> None:
    """Every rule of ``scenarios`` (or each of ``rules``) answered at least one request."""
    __tracebackhide__ = True
    used = {(e.scenario, e.rule) for e in calls if e.outcome == ANSWERED}
    chosen = list(rules) if rules is not None else [r for s in scenarios for r in s.rules]
    unused = [r for r in chosen if (r.scenario.name, r.name) not in used]
    if not unused:
        return
    if named:
        what = ", ".join(repr(n) for n in named)
        summary = f"assert_all_rules_used({what}) failed: {len(unused)} of {len(chosen)} rule(s) never answered a request:"
    else:
        names = ", ".join(f"'{s.name}'" for s in scenarios)
        summary = (f"assert_all_rules_used() failed: {len(unused)} of {len(chosen)} rule(s) of scenario(s) {names} "
                   f"never answered a request:")
    details = []
    recent = [e for e in calls if isinstance(e.request, dict)][-WHY_NOT_LIMIT:]
    for rule in unused:
        details.append(f"- {rule.label}")
        for entry in recent:
            details.append(f"    not #{entry.id}: {why_not(rule, entry)}")
    _fail(summary, calls, details)


def assert_no_unmatched(calls: Sequence[Entry]) -> None:
    """No request went unanswered for want of a matching rule."""
    __tracebackhide__ = True
    unmatched = [e for e in calls if e.outcome == UNMATCHED]
    if not unmatched:
        return
    details = [describe_entry(e, full=True) for e in unmatched]
    summary = f"assert_no_unmatched() failed: {len(unmatched)} of {len(calls)} request(s) matched no scenario rule:"
    raise MockAssertionError("\n".join([summary, *details]))


def problems_report(problems: Sequence[Entry], where: str) -> str:
    """The teardown failure: requests the server answered with an error the test did not expect."""
    lines = [
        f"mockserver: {len(problems)} request(s) during {where} ended in an error the test did not expect "
        "(if intended, send them inside `with mockserver.expect_errors():` or mark the test "
        "`@pytest.mark.mockserver(expect_errors=True)`):"
    ]
    for entry in problems:
        lines.append(describe_entry(entry, indent="    ", full=True))
    return "\n".join(lines)


def warnings_report(warned: Sequence[tuple[Entry, dict[str, Any]]], where: str) -> str:
    """The failure for warnings a test did not declare: each with its request."""
    lines = [
        f"mockserver: {len(warned)} warning(s) during {where}: the real provider accepts these requests, but "
        "they usually mean a client bug (if intended, send them inside `with mockserver.expect_warnings():` "
        "or mark the test `@pytest.mark.mockserver(allow_warnings=True)`):"
    ]
    for entry, warning in warned:
        lines.append(f"  #{entry.id} {warning_text(warning)}")
    shown: list[Entry] = []
    for entry, _ in warned:
        if entry not in shown:
            shown.append(entry)
    lines.append(describe_journal(shown))
    return "\n".join(lines)


__all__ = [
    "MockAssertionError",
    "assert_all_rules_used",
    "assert_no_unmatched",
    "assert_tool_called",
    "assert_tool_result_sent",
    "headline",
    "issued_calls",
    "problems_report",
    "subset_mismatch",
    "warnings_report",
]
