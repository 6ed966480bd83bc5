"""From a conversation to a reply: pick the first matching rule, render it, check it.

A rule whose reply contradicts the request (``tool_choice`` none/required/named, or
``parallel_tool_calls: false`` with several calls) is skipped: the next rule gets its chance,
and the skip is reported in the near-miss report if nothing answers. A reply that calls an
undeclared tool, or whose arguments fail the declared schema, is a scenario error (422).

``arguments: auto`` (or ``fill: true`` on a partial object) generates arguments from the
declared schema; ``tool_calls: auto`` calls the forced (or first) function that way, and so does
:func:`auto_reply` (``--auto``) when a request forcing a tool call matches no rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from time import perf_counter
from typing import Any, Callable, Iterable

from mockserver.engine import budget
from mockserver.engine.context import Conversation, text_of
from mockserver.engine.generate import GenerationError, generate_arguments
from mockserver.engine.matchers import Captures, Difference, short
from mockserver.engine.model import AUTO, Reply, Rule, Scenario, ScenarioSet
from mockserver.engine.render import TEMPLATE_GLOBALS, RenderError, Template, render_value
from mockserver.validation.arguments import arguments_problem
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError, scenario_error


@dataclass
class RenderedCall:
    name: str
    arguments: str
    id: str | None = None


@dataclass
class RenderedReply:
    content: str | None
    tool_calls: list[RenderedCall]
    finish_reason: str | None
    rule: Rule

    @property
    def timing(self) -> dict[str, float] | None:
        return self.rule.reply.timing

    @property
    def fault(self) -> dict[str, Any] | None:
        return self.rule.reply.fault


DEFAULT_NEAR_MISSES = 5  # rules shown in a no_matching_rule report (--near-misses)
NEAR_MISS_SECONDS = 0.05  # measuring the misses' distances (thousands of rules: the likeliest first)


@dataclass
class NearMiss:
    rule: Rule
    differences: list[Difference] = field(default_factory=list)
    holding: int = 0  # matchers of the rule that hold for this request

    def closeness(self, measured: bool = True) -> float:
        """How nearly the rule matched: each holding matcher counts 1, each failing one 1 − its
        distance (a regex that almost matched counts nearly 1; unmeasured, 0), over all its
        matchers. A rule skipped for contradicting the request matched everything: it ranks first."""
        total = len(self.rule.matchers)
        score = self.holding + (sum(1.0 - d.distance for d in self.differences) if measured else 0.0)
        return score / total if total else score

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.rule.scenario.name,
            "rule": self.rule.name,
            "file": self.rule.scenario.file,
            "line": self.rule.line,
            "matchers": len(self.rule.matchers),
            "holding": self.holding,
            "differences": [
                {"field": d.field, "actual": d.actual, "expected": d.expected} for d in self.differences
            ],
        }

    def lines(self, number: int) -> list[str]:
        total = len(self.rule.matchers)
        head = f"{number}. {self.rule.label}: {self.holding} of {total} matcher(s) hold"
        out = [head]
        for d in self.differences:
            pad = " " * len(d.field)
            out.append(f"     {d.field} expected: {d.expected}")
            out.append(f"     {pad} actual:   {short(d.actual, 160)}")
        return out


def selected_scenario(scenarios: ScenarioSet, conv: Conversation) -> str | None:
    """The scenario named by header or model, or None for all of them."""
    wanted = conv.header("x-mock-scenario")
    if wanted is not None:
        if wanted not in scenarios.by_name:
            names = ", ".join(f"'{n}'" for n in scenarios.by_name) or "none loaded"
            raise APIError(
                f"Unknown scenario '{wanted}' in header X-Mock-Scenario; loaded scenarios: {names}.",
                code="unknown_scenario",
            )
        return wanted
    if conv.model in scenarios.by_name:
        return conv.model
    return None


def respond(scenarios: ScenarioSet, conv: Conversation, timeout: float | None = None,
            near_misses: int = DEFAULT_NEAR_MISSES) -> RenderedReply:
    """The reply of the first rule that matches and renders, within ``timeout`` seconds of
    evaluation (:mod:`mockserver.engine.budget`; a rule that runs past it is a scenario error).
    When none matches, the error lists the ``near_misses`` closest rules."""
    token = budget.start(timeout)  # (not a with-block: this is on every uncached request's path)
    try:
        return _respond(scenarios, conv, near_misses)
    finally:
        budget.stop(token)


def _respond(scenarios: ScenarioSet, conv: Conversation, near_misses: int) -> RenderedReply:
    skipped: list[NearMiss] = []
    selected = selected_scenario(scenarios, conv)
    for rule in scenarios.index_of(selected).candidates(conv):
        try:
            captures = _match(rule, conv)
            if captures is None:
                continue
            reply = render(rule, conv, captures)
        except budget.BudgetExceeded as exc:
            raise over_budget(exc, rule) from None
        conflict = contradiction(reply, conv)
        if conflict is not None:
            skipped.append(NearMiss(rule, [conflict], len(rule.matchers)))
            continue
        return reply
    rules = scenarios.rules if selected is None else scenarios.rules_of(selected)
    raise no_match(rules, conv, skipped, near_misses)


def _match(rule: Rule, conv: Conversation) -> Captures | None:
    captures: Captures = {}
    for matcher in rule.matchers:
        difference, caps = matcher.evaluate(conv)
        if difference is not None:
            return None
        captures.update(caps)
    return captures


def differences(rule: Rule, conv: Conversation) -> list[Difference]:
    found = []
    for matcher in rule.matchers:
        difference, _ = matcher.evaluate(conv)
        if difference is not None:
            found.append(difference)
    return found


def contradiction(reply: RenderedReply, conv: Conversation) -> Difference | None:
    choice = conv.tool_choice
    names = [c.name for c in reply.tool_calls]
    if choice.mode == "none" and names:
        return Difference("reply vs tool_choice", f"calls {names}", "no tool calls (tool_choice is 'none')")
    if choice.mode == "required" and not names:
        return Difference("reply vs tool_choice", "no tool calls", "a tool call (tool_choice is 'required')")
    if choice.mode == "function" and (not names or any(n != choice.function for n in names)):
        return Difference(
            "reply vs tool_choice", f"calls {names}", f"a call of '{choice.function}' only (named tool_choice)"
        )
    if reply.rule.reply.auto_calls and not names:
        return Difference("reply vs tools", "tool_calls: auto", "a declared function and tool_choice other than 'none'")
    if len(names) > 1 and not conv.parallel_tool_calls:
        return Difference("reply vs parallel_tool_calls", f"{len(names)} calls", "at most one call (parallel_tool_calls is false)")
    return None


def over_budget(exc: budget.BudgetExceeded, rule: Rule) -> APIError:
    return scenario_error(
        f"{exc} (--scenario-timeout). A regex that backtracks on this input (nested repeats such as "
        "'(a+)+' or '(a|a)*') or a template that loops too long is the usual cause.",
        rule.label,
    )


def _differences(rule: Rule, conv: Conversation) -> list[Difference]:
    try:
        return differences(rule, conv)
    except budget.BudgetExceeded as exc:
        raise over_budget(exc, rule) from None


def near_miss(rule: Rule, conv: Conversation) -> NearMiss:
    found = _differences(rule, conv)
    return NearMiss(rule, found, len(rule.matchers) - len(found))


def no_match(rules: list[Rule], conv: Conversation, skipped: list[NearMiss], limit: int = DEFAULT_NEAR_MISSES) -> APIError:
    skipped_rules = {s.rule for s in skipped}
    misses = skipped + [near_miss(r, conv) for r in rules if r not in skipped_rules]
    misses = [m for m in misses if m.differences]
    order = {rule: k for k, rule in enumerate(rules)}
    misses.sort(key=lambda m: (-m.closeness(measured=False), order.get(m.rule, 0)))  # cheap first: holding matchers
    deadline = perf_counter() + NEAR_MISS_SECONDS  # measuring how near each miss was is bounded in time
    scores = {m.rule: round(m.closeness(measured=perf_counter() < deadline), 3) for m in misses}
    misses.sort(key=lambda m: (-scores[m.rule], order.get(m.rule, 0)))  # ties: the order rules are tried in
    closest = misses[:limit]
    last = conv.last
    summary = f"model '{conv.model}', turn {conv.turn}, last message {last.get('role')}"
    lines = [f"No scenario rule matched this request ({summary})."]
    if not rules:
        lines.append("No scenarios are loaded.")
    if closest:
        shown = f"{len(closest)} of {len(misses)}" if len(misses) > len(closest) else f"{len(closest)}"
        lines.append(f"Closest rules, best first ({shown}):")
        for number, miss in enumerate(closest, 1):
            lines.extend(miss.lines(number))
    return APIError(
        "\n".join(lines),
        code="no_matching_rule",
        extra={"near_misses": [m.as_dict() for m in closest]},
    )


# --- rendering ------------------------------------------------------------------------------


def _latest(conv: Conversation) -> dict[str, Any]:
    return {r.name: r.value for r in conv.tool_results if r.name}


def _grouped(conv: Conversation) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for r in conv.tool_results:
        if r.name:
            grouped.setdefault(r.name, []).append(r.value)
    return grouped


# what each name of a template's context is (docs/scenarios.md, "Templates"), worked out only when read
CONTEXT: dict[str, Callable[[Conversation, Captures], Any]] = {
    "request": lambda conv, captures: conv.body,
    "model": lambda conv, captures: conv.model,
    "messages": lambda conv, captures: conv.messages,
    "last": lambda conv, captures: text_of(conv.last),
    "last_user": lambda conv, captures: conv.user_texts[-1] if conv.user_texts else "",
    "captures": lambda conv, captures: captures,
    "turn": lambda conv, captures: conv.turn,
    "tool_results": lambda conv, captures: [r.as_dict() for r in conv.tool_results],
    "result": lambda conv, captures: _latest(conv),
    "results": lambda conv, captures: _grouped(conv),
    "tools": lambda conv, captures: conv.tools.names,
}


def template_context(conv: Conversation, captures: Captures, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The context templates render in: the globals, and ``names`` (default: every name)."""
    context = dict(TEMPLATE_GLOBALS)  # templates render in a shared context: the globals come from here
    for name in CONTEXT if names is None else names:
        make = CONTEXT.get(name)
        if make is not None:
            context[name] = make(conv, captures)
    return context


def render(rule: Rule, conv: Conversation, captures: Captures) -> RenderedReply:
    spec = rule.reply
    context = template_context(conv, captures, spec.context_names)
    try:
        content = spec.content.render(context) if spec.content is not None else None
        calls = [_render_call(rule, k, call, context, conv) for k, call in enumerate(spec.tool_calls)]
    except RenderError as exc:
        raise scenario_error(str(exc), rule.label) from None
    if spec.auto_calls:
        calls = _auto_calls(conv, rule.label)
    return RenderedReply(content, calls, spec.finish_reason, rule)


# ``--auto``: the answer to a request that forces a tool call and that no rule answers
AUTO_RULE = Rule(Scenario("auto", "--auto"), 0, "generated-call", 0, [], Reply(None, [], auto_calls=True))


def auto_reply(conv: Conversation) -> RenderedReply | None:
    """A generated call of the forced function, or None when the request forces no call."""
    if conv.tool_choice.mode not in ("required", "function"):
        return None
    return RenderedReply(None, _auto_calls(conv, "--auto"), None, AUTO_RULE)


def _auto_calls(conv: Conversation, where: str) -> list[RenderedCall]:
    """One call: the named function, else the first declared one; none if nothing can be called."""
    if conv.tool_choice.mode == "none" or not conv.tools.functions:
        return []
    if conv.tool_choice.function:
        name = conv.tool_choice.function
    else:
        name = next((f.name for f in conv.tools.functions.values() if f.schema_key), next(iter(conv.tools.functions)))
    return [RenderedCall(name, _generated(conv, name, 0, None, where))]


def _generated(conv: Conversation, name: str, k: int, partial: Any, where: str) -> str:
    declared = conv.tools.functions[name]
    try:
        return generate_arguments(declared.parameters, f"{conv.seed}:{k}:{name}", partial)
    except GenerationError as exc:
        raise scenario_error(f"tool_calls[{k}] '{name}': {exc}", where) from None


def _render_call(rule: Rule, k: int, call: Any, context: dict[str, Any], conv: Conversation) -> RenderedCall:
    name = call.name.render(context)
    declared = conv.tools.functions.get(name)
    if declared is None:
        names = ", ".join(f"'{n}'" for n in conv.tools.functions) or "none"
        raise scenario_error(
            f"reply.tool_calls[{k}] calls '{name}', which the request does not declare in 'tools' (declared: {names}).",
            rule.label,
        )
    if call.arguments is None and not call.fill:
        arguments = "{}"
    elif call.arguments == AUTO:
        arguments = _generated(conv, name, k, None, rule.label)
    elif isinstance(call.arguments, Template):
        arguments = call.arguments.render(context)
    elif call.fill:
        arguments = _generated(conv, name, k, render_value(call.arguments or {}, context), rule.label)
    else:
        arguments = jsoncodec.dumps_str(render_value(call.arguments, context))
    if declared.schema_key is not None:
        problem = arguments_problem(declared.schema_key, arguments)
        if problem:
            raise scenario_error(
                f"reply.tool_calls[{k}] arguments for '{name}' are invalid for the request's declared schema: {problem}",
                rule.label,
            )
    call_id = call.id.render(context) if call.id is not None else None
    return RenderedCall(name, arguments, call_id)
