"""Answering ``tools/call``: the tool's ``inputSchema`` first (a failing call is a tool execution
error the model can read and correct, as the spec asks), then the first result rule whose
argument matchers pass, its answer (or its sequence's next one) rendered in the sandbox, and
``structuredContent`` checked against the tool's ``outputSchema``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jsonschema import exceptions as js_exceptions

from mockserver.engine import budget
from mockserver.engine.render import RenderError, render_value
from mockserver.mcp.spec import Answer, McpTool, ResultRule, describe_miss

MAX_TEXT = 1_000_000  # characters of one rendered result


@dataclass
class CallOutcome:
    result: dict[str, Any] | None = None  # the CallToolResult (before the era's resultType)
    error: dict[str, Any] | None = None  # a JSON-RPC error {code, message, data?}
    http: dict[str, Any] | None = None  # an injected HTTP fault {status, message}
    rule: ResultRule | None = None
    latency: float = 0.0
    note: str | None = None  # why: invalid arguments, no rule matched, a scenario error
    faults: list[dict[str, Any]] = field(default_factory=list)


def _error_result(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": True}


def schema_problems(tool: McpTool, arguments: Any) -> list[str]:
    """What is wrong with ``arguments`` for ``tool``: each naming the argument and the schema path."""
    found = []
    for error in sorted(tool.input_validator.iter_errors(arguments), key=lambda e: list(e.absolute_path)):
        argument = ".".join(str(p) for p in error.absolute_path)
        schema_path = "/".join(str(p) for p in error.absolute_schema_path)
        if not argument and error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            argument = missing
        where = f"argument '{argument}'" if argument else "arguments"
        found.append(f"{where}: {error.message} (inputSchema #/{schema_path})")
        if len(found) >= 10:
            break
    return found


def call_tool(tool: McpTool, arguments: dict[str, Any], counters: "Counters", server: str,
              timeout: float | None = None) -> CallOutcome:
    """Answer one call (blocking: run it in a worker thread, with the whole scenario budget)."""
    try:
        with budget.evaluating(timeout):
            return _call(tool, arguments, counters, server)
    except (budget.BudgetExceeded, budget.Overtime) as exc:
        return CallOutcome(result=_error_result(f"mockserver: tool '{tool.name}': {exc}"), note="scenario error")


def _call(tool: McpTool, arguments: dict[str, Any], counters: "Counters", server: str) -> CallOutcome:
    problems = schema_problems(tool, arguments)
    if problems:
        text = f"Invalid arguments for tool '{tool.name}': " + "; ".join(problems)
        return CallOutcome(result=_error_result(text), note="invalid arguments")
    misses_by_rule = []
    for rule in tool.rules:
        misses, captures = rule.match(arguments)
        if misses:
            misses_by_rule.append(f"{rule.name} ({rule.location}): {describe_miss(misses)}")
            continue
        count = counters.bump((server, tool.name, rule.name))
        answer = rule.answers[min(count, len(rule.answers)) - 1]
        context = {"arguments": arguments, "captures": captures, "tool": tool.name, "call": count, "server": server}
        return _render(tool, rule, answer, context)
    detail = "; ".join(misses_by_rule) if misses_by_rule else "the tool declares no results"
    text = (f"mockserver: no result of tool '{tool.name}' matched the arguments {json.dumps(arguments)[:300]}"
            f" ({detail[:1500]})")
    return CallOutcome(result=_error_result(text), note="no result matched")


def _render(tool: McpTool, rule: ResultRule, answer: Answer, context: dict[str, Any]) -> CallOutcome:
    outcome = CallOutcome(rule=rule, latency=answer.latency)
    if answer.latency:
        outcome.faults.append({"latency": answer.latency, "source": rule.name})
    if answer.error or answer.http:
        outcome.error = ({"code": answer.error.get("code", -32603), "message": answer.error.get("message", "Internal error")}
                         if answer.error else None)
        outcome.http = answer.http
        outcome.faults.append({"error" if answer.error else "http": answer.error or answer.http, "source": rule.name})
        return outcome
    try:
        content = render_value(answer.content, context) if answer.content is not None else []
        structured = render_value(answer.structured, context) if answer.structured is not None else None
        text = answer.text.render(context) if answer.text is not None else None
    except RenderError as exc:
        outcome.note = "scenario error"
        outcome.result = _error_result(f"mockserver: result '{rule.name}' ({rule.location}) of tool '{tool.name}' "
                                       f"could not be rendered: {exc}")
        return outcome
    if not isinstance(content, list):
        content = [content]
    if text is not None:
        content = [{"type": "text", "text": text[:MAX_TEXT]}] + content
    if structured is not None and not content:
        content = [{"type": "text", "text": json.dumps(structured, ensure_ascii=False)}]  # the spec's SHOULD
    result: dict[str, Any] = {"content": content}
    if structured is not None:
        if tool.output_validator is not None and not answer.is_error:
            error = js_exceptions.best_match(tool.output_validator.iter_errors(structured))
            if error is not None:
                outcome.note = "scenario error"
                at = "/".join(str(p) for p in error.absolute_path) or "the top"
                outcome.result = _error_result(f"mockserver: result '{rule.name}' ({rule.location}) of tool '{tool.name}': "
                                               f"structuredContent does not conform to the outputSchema at {at}: {error.message}")
                return outcome
        result["structuredContent"] = structured
    if answer.is_error:
        result["isError"] = True
    outcome.result = result
    return outcome


class Counters:
    """How many times each result rule answered, per session; bounded in count."""

    MAX = 4096

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, str], int] = {}

    def bump(self, key: tuple[str, str, str]) -> int:
        count = self._counts.get(key, 0) + 1
        if key not in self._counts and len(self._counts) >= self.MAX:
            self._counts.pop(next(iter(self._counts)))
        self._counts[key] = count
        return count
