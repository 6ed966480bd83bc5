"""Static checks of one scenario document (that passed the format schema): tool names, replies
against the rule's tool requirements and ``tool_choice``, and rules shadowed by a catch-all."""

from __future__ import annotations

import re
from typing import Any

from mockserver.engine.matchers import did_you_mean, tool_result_spec
from mockserver.engine.yamlsrc import line_of
from mockserver.lint.report import Finding
from mockserver.lint.templates import check_template, is_static, named_groups, templates

TOOL_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def rule_label(doc: dict[str, Any], i: int) -> str:
    return doc["rules"][i].get("name") or f"rules[{i}]"


def _path_text(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Doc:
    def __init__(self, doc: dict[str, Any], file: str) -> None:
        self.doc, self.file = doc, file
        self.findings: list[Finding] = []

    def add(self, severity: str, check: str, path: tuple[Any, ...], message: str) -> None:
        rule = rule_label(self.doc, path[1]) if len(path) >= 2 and path[0] == "rules" else None
        self.findings.append(Finding(severity, check, self.file, line_of(self.doc, path), rule, _path_text(path), message))


def check_document(doc: dict[str, Any], file: str) -> list[Finding]:
    """Static checks of one scenario document that passed the format schema."""
    out = _Doc(doc, file)
    top = doc.get("when") or {}
    _check_tool_names(out, top, ("when",))
    rules = doc.get("rules", [])  # a version-2 file may declare only MCP tools
    known = named_tools(doc)  # once per document: per rule it made validating 3,000 rules take seconds
    tools = known | {c["name"] for r in rules for c in r["reply"].get("tool_calls") or [] if is_static(c["name"])}
    for i, rule in enumerate(rules):
        when = rule.get("when") or {}
        base = ("rules", i)
        _check_tool_names(out, when, base + ("when",))
        _check_reply_tools(out, top, when, rule["reply"], base, known)
        groups = named_groups(top)
        for name, always in named_groups(when).items():
            groups[name] = groups.get(name, False) or always
        for path, source in templates(rule["reply"], base + ("reply",)):
            for severity, check, message in check_template(source, groups, tools):
                out.add(severity, check, path, message)
    _check_unreachable(out)
    return out.findings


def _check_tool_names(out: _Doc, when: dict[str, Any], path: tuple[Any, ...]) -> None:
    named = [(("tools", k), n) for k, n in enumerate(when.get("tools") or [])]
    if isinstance(when.get("tool_choice"), dict):
        named.append((("tool_choice", "function"), when["tool_choice"]["function"]))
    if "tool_result" in when:
        spec = when["tool_result"]
        named.append((("tool_result",) if isinstance(spec, str) else ("tool_result", "tool"), tool_result_spec(spec)["tool"]))
    for sub, name in named:
        if not TOOL_NAME_RE.match(name):
            out.add("error", "tool", path + sub,
                    f"tool name {name!r} can never be declared by a request (names match ^[a-zA-Z0-9_-]+$, "
                    "at most 64 characters), so this never matches")


def _required_tools(*whens: dict[str, Any]) -> set[str] | None:
    """Functions every matching request declares, or None when the rule does not constrain tools.

    ``tools`` names them; a named ``tool_choice`` and a ``tool_result`` imply them (requests with
    an undeclared named choice or an undeclared called function are rejected before matching)."""
    names: set[str] = set()
    constrained = False
    for when in whens:
        if "tools" in when:
            constrained = True
            names.update(when["tools"])
        if isinstance(when.get("tool_choice"), dict):
            constrained = True
            names.add(when["tool_choice"]["function"])
        if "tool_result" in when:
            constrained = True
            names.add(tool_result_spec(when["tool_result"])["tool"])
    return names if constrained else None


def named_tools(doc: dict[str, Any]) -> set[str]:
    """Every tool a matcher of the document names (``when.tools``, a named ``tool_choice``, a
    ``tool_result``), at the top or in a rule: the tools the file's requests are expected to declare."""
    names: set[str] = set()
    for when in [doc.get("when") or {}] + [rule.get("when") or {} for rule in doc.get("rules", [])]:
        names |= _required_tools(when) or set()
    return names


def _check_reply_tools(out: _Doc, top: dict[str, Any], when: dict[str, Any], reply: dict[str, Any], base: tuple[Any, ...],
                       known: set[str]) -> None:
    """A reply's calls: an impossible name is an error; a name no matcher of the file names may be
    a typo or an undeclared tool (a request that does not declare it skips the rule): a warning.
    A call of the next tool of a flow (``tool_result: a`` → call ``b``, ``b`` named elsewhere in
    the file) is the natural way to write a flow and is not reported."""
    calls = reply.get("tool_calls") or []
    required = _required_tools(top, when) or set()
    for k, call in enumerate(calls):
        name, path = call["name"], base + ("reply", "tool_calls", k, "name")
        if not is_static(name):
            continue
        if not TOOL_NAME_RE.match(name):
            out.add("error", "tool", path, f"calls {name!r}, which no request can declare (names match ^[a-zA-Z0-9_-]+$, at most 64 characters)")
        elif name not in required and name not in known:
            near = did_you_mean(name, known)
            listed = set(top.get("tools") or []) | set(when.get("tools") or [])
            if near and listed:  # the rule lists its tools and this is one of them misspelt
                out.add("error", "tool", path,
                        f"calls '{name}', which is not among the tools the rule requires the request to declare "
                        f"({', '.join(sorted(listed))}): {near}")
                continue
            out.add("warning", "tool", path,
                    f"calls '{name}', which no when.tools, tool_choice or tool_result of this file names; "
                    f"a request that does not declare it skips this rule{f' ({near})' if near else ''} — "
                    f"add 'when: {{tools: [{name}]}}' to be sure")
    choice = when.get("tool_choice", top.get("tool_choice"))
    names = [c["name"] for c in calls]
    where = base + ("reply",)
    if choice == "none" and calls:
        out.add("error", "tool_choice", where, "calls tools, but the rule only matches tool_choice 'none': the reply is always skipped")
    elif choice == "required" and not calls:
        out.add("error", "tool_choice", where, "calls no tool, but the rule only matches tool_choice 'required': the reply is always skipped")
    elif isinstance(choice, dict):
        wanted = choice["function"]
        wrong = [n for n in names if is_static(n) and n != wanted]
        if not calls or wrong:
            what = f"calls {wrong}" if wrong else "calls no tool"
            out.add("error", "tool_choice", where,
                    f"{what}, but the rule only matches tool_choice {{function: {wanted}}}: the reply is always skipped")


# --- rule order: catch-alls --------------------------------------------------------------------


def _order(rules: list[dict[str, Any]]) -> list[int]:
    return sorted(range(len(rules)), key=lambda i: -rules[i].get("priority", 0))


def is_catch_all(rule: dict[str, Any]) -> bool:
    return not rule.get("when")


def calls_tools(rule: dict[str, Any]) -> bool:
    return bool(rule["reply"].get("tool_calls"))


def _check_unreachable(out: _Doc) -> None:
    rules = out.doc.get("rules", [])
    catch_all: int | None = None
    for i in _order(rules):
        if catch_all is not None:
            a = rules[catch_all]
            where = f"catch-all rule '{rule_label(out.doc, catch_all)}' (line {line_of(out.doc, ('rules', catch_all))}, priority {a.get('priority', 0)})"
            if not calls_tools(a) and not calls_tools(rules[i]):
                out.add("error", "unreachable", ("rules", i),
                        f"unreachable: {where} answers every request first")
            else:
                out.add("warning", "unreachable", ("rules", i),
                        f"reachable only when {where} is skipped because its reply contradicts tool_choice or parallel_tool_calls")
        elif is_catch_all(rules[i]):
            catch_all = i
