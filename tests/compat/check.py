"""The one check every stack's exchange goes through, read from the fixture's journal.

It holds a framework to the protocol, request by request: what the mock issued (the tool calls
the case's scenario scripts), that each next request resends the conversation so far — the
system prompt, the user's turns, the assistant's calls with the mock's own call ids and
arguments, each tool's result for the right call — the tools and tool_choice it declared, that
it streamed when asked to, and that the answers it returned are the ones computed from the
tools' results. A framework release that changes any of this fails with a precise diff.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from cases import SYSTEM, Case, call_tool, expected_answers
from transcript import Reply, Request, Turn, reader

MODEL = "gpt-4o-mini"


def _dicts(turns: list[Turn] | tuple[Turn, ...]) -> list[dict[str, Any]]:
    return [{k: v for k, v in asdict(t).items() if v not in (None, ())} for t in turns]


def check_exchange(mock: Any, stack: Any, case: Case, dialect: str, stream: bool, answers: list[str]) -> None:
    __tracebackhide__ = True
    entries = mock.calls
    problems = [e for e in entries if e.outcome != "answered"]
    assert not problems, f"the mock did not answer every request:\n{mock.describe()}"
    assert [e.dialect for e in entries] == [dialect] * len(entries), "the dialect each request spoke"
    read = reader(dialect)
    requests: list[Request] = [read.request(e) for e in entries]
    replies: list[Reply] = [read.reply(e) for e in entries]

    # what the mock issued, request by request (generated arguments are taken as issued)
    issued = [[(c.name, c.arguments) for c in r.calls] for r in replies]
    scripted = []
    for k, step in enumerate(case.calls):
        got = issued[k] if k < len(issued) else []
        scripted.append([(name, args if args is not None or j >= len(got) else got[j][1])
                         for j, (name, args) in enumerate(step)])
    assert issued == scripted, f"the calls the mock issued, request by request, differ from the case's:\n{mock.describe()}"

    # each request resends the conversation so far, in the protocol's order
    expected: list[Turn] = [Turn("system", SYSTEM), Turn("user", case.turns[0])]
    user_turn = 0
    for k, (request, reply) in enumerate(zip(requests, replies)):
        assert _dicts(request.conversation) == _dicts(expected), f"request {k + 1} of {len(requests)}: the conversation sent"
        if reply.calls:
            expected.append(Turn("assistant", None, reply.calls))
            expected += [Turn("tool", call_tool(c.name, c.arguments), call_id=c.id) for c in reply.calls]
        else:
            expected.append(Turn("assistant", reply.text))
            user_turn += 1
            if user_turn < len(case.turns):
                expected.append(Turn("user", case.turns[user_turn]))

    # the request's facts
    for k, request in enumerate(requests):
        where = f"request {k + 1} of {len(requests)}"
        assert request.raw.get("model") == MODEL, f"{where}: model"
        assert request.stream is stream, f"{where}: stream"
        assert request.tools == case.tools, f"{where}: the tools declared"
        if case.strict and stack.strict and read.strict_tools:
            assert all(request.strict), f"{where}: strict tools: {request.strict}"
        forcing = case.forced is not None and k == 0
        if forcing:
            assert request.tool_choice == stack.forces_with(case), f"{where}: tool_choice"
        else:
            assert request.tool_choice in (None, "auto"), f"{where}: tool_choice (only the first request forces)"

    # the answers: computed from the tools' results, and what the framework handed back
    final = [r.text for r in replies if not r.calls]
    computed = expected_answers(case, [call for step in issued for call in step])
    assert final == computed, "the mock's answers differ from the ones computed from the tools' results"
    assert answers == computed, "the framework returned other answers than the mock sent"

    if hasattr(mock, "assert_no_warnings"):  # the fixture gains it with the warnings feature
        mock.assert_no_warnings()
