"""``mockserver validate``: check scenario files without serving them.

On top of what loading checks (YAML, format schema, template syntax, regexes, static
arguments), this looks at what can be known before any request arrives:

- template variables that do not exist, and ``captures.X`` that no regex of the rule captures;
- tool names a request can never declare, and replies that call a tool the rule does not
  require the request to declare (a request without it gets a 422 scenario error);
- replies that contradict the rule's own ``tool_choice`` matcher (always skipped);
- rules shadowed by an earlier catch-all (a rule without ``when``) at the same or a higher
  priority, in the same scenario (unreachable) or in an earlier scenario (reachable only when
  the request selects the scenario);
- duplicate scenario names across files.

Each finding carries file, line, rule and path, like a load error, plus a severity and a check
name. Errors fail validation (exit status 1); warnings do not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

import jsonschema
import yaml
from jinja2 import TemplateError, meta, nodes

from mockserver.engine.loader import LoadProblem, ScenarioLoadError, format_schema, load_text, scenario_files
from mockserver.engine.model import display_path
from mockserver.engine.render import ENV
from mockserver.engine.yamlsrc import line_of, load_documents

TOOL_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
TEXT_KEYS = ("model", "last_message", "user_message", "tool_result")


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" or "warning"
    check: str  # yaml, schema, template, regex, arguments, file, duplicate, variable, captures, tool, tool_choice, unreachable, shadowed
    file: str
    line: int | None
    rule: str | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:" if self.line else f"{self.file}:"
        parts = [where, f"{self.severity}:"]
        if self.rule:
            parts.append(f"rule '{self.rule}'")
        if self.path:
            parts.append(f"at {self.path}:")
        elif self.rule:
            parts[-1] += ":"
        return " ".join(parts + [self.message, f"[{self.check}]"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity, "check": self.check, "file": self.file, "line": self.line,
            "rule": self.rule, "path": self.path, "message": self.message,
        }


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    scenarios: int = 0
    rules: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def summary(self) -> str:
        counts = f"{len(self.files)} file(s), {self.scenarios} scenario(s), {self.rules} rule(s)"
        if not self.findings:
            return f"ok: {counts}, no problems"
        verdict = "ok" if self.ok else "invalid"
        return f"{verdict}: {counts}: {self.errors} error(s), {self.warnings} warning(s)"

    def text(self) -> str:
        return "\n".join([str(f) for f in self.findings] + [self.summary()])

    def json(self) -> str:
        return json.dumps({
            "ok": self.ok, "errors": self.errors, "warnings": self.warnings, "files": self.files,
            "scenarios": self.scenarios, "rules": self.rules,
            "problems": [f.as_dict() for f in self.findings],
        }, indent=2, ensure_ascii=False)


def _from_problem(problem: LoadProblem) -> Finding:
    message = problem.message
    if message.startswith("invalid YAML"):
        check = "yaml"
    elif message.startswith("template syntax error"):
        check = "template"
    elif message.startswith("invalid regex"):
        check = "regex"
    elif message.startswith("arguments "):
        check = "arguments"
    elif message.startswith("duplicate"):
        check = "duplicate"
    elif message.startswith(("cannot read", "no such file")):
        check = "file"
    else:
        check = "schema"
    return Finding("error", check, problem.file, problem.line, problem.rule, problem.path, message)


def validate_paths(paths: Iterable[str | Path]) -> Report:
    report = Report()
    files: list[Path] = []
    for raw in paths:
        try:
            found = scenario_files([raw])
        except ScenarioLoadError as exc:
            report.findings.extend(_from_problem(p) for p in exc.problems)
            continue
        if not found:
            report.findings.append(Finding("error", "file", str(raw), None, None, "", "no *.yaml or *.yml files in this folder"))
        files.extend(found)
    documents: list[tuple[str, dict[str, Any]]] = []
    for file in files:
        shown = display_path(file)
        report.files.append(shown)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            report.findings.append(Finding("error", "file", shown, None, None, "", f"cannot read: {exc}"))
            continue
        _, problems = load_text(text, shown)
        report.findings.extend(_from_problem(p) for p in problems)
        for doc in _schema_valid_documents(text):
            documents.append((shown, doc))
            report.findings.extend(check_document(doc, shown))
    report.scenarios = len(documents)
    report.rules = sum(len(doc["rules"]) for _, doc in documents)
    report.findings.extend(_across_scenarios(documents))
    return report


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(format_schema())


def _schema_valid_documents(text: str) -> list[dict[str, Any]]:
    try:
        docs = list(load_documents(text))
    except yaml.YAMLError:
        return []  # already reported by load_text
    return [d for d in docs if isinstance(d, dict) and _validator().is_valid(d)]


# --- one scenario ------------------------------------------------------------------------------


def _rule_label(doc: dict[str, Any], i: int) -> str:
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
        rule = _rule_label(self.doc, path[1]) if len(path) >= 2 and path[0] == "rules" else None
        self.findings.append(Finding(severity, check, self.file, line_of(self.doc, path), rule, _path_text(path), message))


def check_document(doc: dict[str, Any], file: str) -> list[Finding]:
    """Static checks of one scenario document that passed the format schema."""
    out = _Doc(doc, file)
    top = doc.get("when") or {}
    _check_tool_names(out, top, ("when",))
    for i, rule in enumerate(doc["rules"]):
        when = rule.get("when") or {}
        base = ("rules", i)
        _check_tool_names(out, when, base + ("when",))
        _check_reply_tools(out, top, when, rule["reply"], base)
        groups = _named_groups(top)
        for name, always in _named_groups(when).items():
            groups[name] = groups.get(name, False) or always
        for path, source in _templates(rule["reply"], base + ("reply",)):
            _check_template(out, source, path, groups)
    _check_unreachable(out)
    return out.findings


def _check_tool_names(out: _Doc, when: dict[str, Any], path: tuple[Any, ...]) -> None:
    named = [(("tools", k), n) for k, n in enumerate(when.get("tools") or [])]
    if isinstance(when.get("tool_choice"), dict):
        named.append((("tool_choice", "function"), when["tool_choice"]["function"]))
    if "tool_result" in when:
        named.append((("tool_result", "tool"), when["tool_result"]["tool"]))
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
            names.add(when["tool_result"]["tool"])
    return names if constrained else None


def _check_reply_tools(out: _Doc, top: dict[str, Any], when: dict[str, Any], reply: dict[str, Any], base: tuple[Any, ...]) -> None:
    calls = reply.get("tool_calls") or []
    required = _required_tools(top, when)
    for k, call in enumerate(calls):
        name, path = call["name"], base + ("reply", "tool_calls", k, "name")
        if not _is_static(name):
            continue
        if not TOOL_NAME_RE.match(name):
            out.add("error", "tool", path, f"calls {name!r}, which no request can declare (names match ^[a-zA-Z0-9_-]+$, at most 64 characters)")
        elif required is None:
            out.add("warning", "tool", path,
                    f"calls '{name}' but the rule does not require the request to declare it; "
                    f"add 'when: {{tools: [{name}]}}' (a request without it gets a 422 scenario error)")
        elif name not in required:
            listed = ", ".join(sorted(required))
            out.add("error", "tool", path,
                    f"calls '{name}', which is not among the tools the rule requires the request to declare "
                    f"({listed}); a typo, or add it to when.tools")
    choice = when.get("tool_choice", top.get("tool_choice"))
    names = [c["name"] for c in calls]
    where = base + ("reply",)
    if choice == "none" and calls:
        out.add("error", "tool_choice", where, "calls tools, but the rule only matches tool_choice 'none': the reply is always skipped")
    elif choice == "required" and not calls:
        out.add("error", "tool_choice", where, "calls no tool, but the rule only matches tool_choice 'required': the reply is always skipped")
    elif isinstance(choice, dict):
        wanted = choice["function"]
        wrong = [n for n in names if _is_static(n) and n != wanted]
        if not calls or wrong:
            what = f"calls {wrong}" if wrong else "calls no tool"
            out.add("error", "tool_choice", where,
                    f"{what}, but the rule only matches tool_choice {{function: {wanted}}}: the reply is always skipped")


def _named_groups(when: dict[str, Any]) -> dict[str, bool]:
    """Named groups of the regexes in ``when`` → whether the group always takes part in a match."""
    specs: list[Any] = [when.get(k) for k in TEXT_KEYS] + list((when.get("header") or {}).values())
    groups: dict[str, bool] = {}
    for spec in specs:
        if isinstance(spec, dict) and isinstance(spec.get("regex"), str):
            try:
                compiled = re.compile(spec["regex"])
            except re.error:
                continue  # reported by the loader
            optional = _optional_groups(spec["regex"])
            for name, number in compiled.groupindex.items():
                groups[name] = groups.get(name, False) or number not in optional
    return groups


def _optional_groups(pattern: str) -> set[int]:
    """Group numbers that can be left out of a match (under ``?``, ``*``, ``{0,n}`` or ``|``)."""
    try:
        import re._parser as sre_parse  # type: ignore[import-not-found]  # Python ≥ 3.11
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse  # type: ignore[no-redef]
    found: set[int] = set()

    def walk(items: Any, optional: bool) -> None:
        for op, arg in items:
            name = str(op)
            if name == "SUBPATTERN":
                if optional and arg[0]:
                    found.add(arg[0])
                walk(arg[-1], optional)
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                walk(arg[2], optional or arg[0] == 0)
            elif name == "BRANCH":
                for branch in arg[1]:
                    walk(branch, optional or len(arg[1]) > 1)
            elif name in ("ASSERT", "ASSERT_NOT", "ATOMIC_GROUP"):
                walk(arg[-1], optional or name == "ASSERT_NOT")
            elif name == "GROUPREF_EXISTS":
                for branch in arg[1:]:
                    if branch is not None:
                        walk(branch, True)

    try:
        walk(sre_parse.parse(pattern), False)
    except Exception:  # an internal module: never let it break validation
        return set()
    return found


def _is_static(source: str) -> bool:
    return "{{" not in source and "{%" not in source and "{#" not in source


def _templates(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        if not _is_static(value):
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _templates(item, path + (key,))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield from _templates(item, path + (k,))


@lru_cache(maxsize=1)
def template_variables() -> frozenset[str]:
    """The names a reply template can use: the render context and the environment's globals."""
    from mockserver.engine.context import Conversation
    from mockserver.engine.respond import template_context
    from mockserver.validation import validate_request

    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    validated = validate_request(body)
    context = template_context(Conversation(body, validated.tools, validated.tool_choice, {}), {})
    return frozenset(context) | frozenset(ENV.globals)


def _check_template(out: _Doc, source: str, path: tuple[Any, ...], groups: dict[str, bool]) -> None:
    try:
        tree = ENV.parse(source)
    except TemplateError:
        return  # reported by the loader
    known = template_variables()
    for name in sorted(meta.find_undeclared_variables(tree) - known):
        out.add("error", "variable", path, f"unknown template variable '{name}'; available: {', '.join(sorted(known))}")
    for name in _capture_references(tree):
        if name not in groups:
            have = ", ".join(sorted(groups)) or "none"
            out.add("error", "captures", path,
                    f"uses captures.{name}, but no regex of this rule has a named group '{name}' "
                    f"(named groups: {have})")
        elif not groups[name]:
            out.add("warning", "captures", path,
                    f"uses captures.{name}, but the group '{name}' is optional in its regex: when it does not "
                    f"take part, the template fails (422); use captures.get('{name}') or "
                    f"'captures.{name} | default(...)'")


def _capture_references(tree: nodes.Template) -> list[str]:
    """``captures.X`` / ``captures['X']`` not guarded by ``is defined`` or ``| default``."""
    guarded: set[int] = set()
    for node in tree.find_all((nodes.Test, nodes.Filter)):
        if node.name in ("defined", "undefined", "default", "d") and node.node is not None:
            guarded.add(id(node.node))
    found: list[str] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if id(node) in guarded or not (isinstance(node.node, nodes.Name) and node.node.name == "captures"):
            continue
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            name = node.arg.value
        else:
            continue
        if name not in ("get", "items", "keys", "values") and name not in found:
            found.append(name)
    return found


# --- rule order: catch-alls --------------------------------------------------------------------


def _order(rules: list[dict[str, Any]]) -> list[int]:
    return sorted(range(len(rules)), key=lambda i: -rules[i].get("priority", 0))


def _is_catch_all(rule: dict[str, Any]) -> bool:
    return not rule.get("when")


def _calls_tools(rule: dict[str, Any]) -> bool:
    return bool(rule["reply"].get("tool_calls"))


def _check_unreachable(out: _Doc) -> None:
    rules = out.doc["rules"]
    catch_all: int | None = None
    for i in _order(rules):
        if catch_all is not None:
            a = rules[catch_all]
            where = f"catch-all rule '{_rule_label(out.doc, catch_all)}' (line {line_of(out.doc, ('rules', catch_all))}, priority {a.get('priority', 0)})"
            if not _calls_tools(a) and not _calls_tools(rules[i]):
                out.add("error", "unreachable", ("rules", i),
                        f"unreachable: {where} answers every request first")
            else:
                out.add("warning", "unreachable", ("rules", i),
                        f"reachable only when {where} is skipped because its reply contradicts tool_choice or parallel_tool_calls")
        elif _is_catch_all(rules[i]):
            catch_all = i


def _across_scenarios(documents: list[tuple[str, dict[str, Any]]]) -> list[Finding]:
    findings: list[Finding] = []
    first: dict[str, tuple[str, int | None]] = {}
    for file, doc in documents:
        name = doc["name"]
        line = line_of(doc, ("name",))
        if name in first:
            other_file, other_line = first[name]
            findings.append(Finding("error", "duplicate", file, line, None, "name",
                                    f"duplicate scenario name '{name}' (also in {other_file}:{other_line})"))
        first.setdefault(name, (file, line))
    # Without X-Mock-Scenario or model=NAME, all rules are tried: priority first, then load order.
    catch_alls = []
    for j, (file, doc) in enumerate(documents):
        if doc.get("when"):
            continue
        for i, rule in enumerate(doc["rules"]):
            if _is_catch_all(rule) and not _calls_tools(rule):
                catch_alls.append((j, i, rule.get("priority", 0)))
    for j, (file, doc) in enumerate(documents):
        for i, rule in enumerate(doc["rules"]):
            if _calls_tools(rule):
                continue
            p = rule.get("priority", 0)
            for cj, ci, cp in catch_alls:
                if cj != j and (cp > p or (cp == p and cj < j)):
                    cfile, cdoc = documents[cj]
                    findings.append(Finding(
                        "warning", "shadowed", file, line_of(doc, ("rules", i)), _rule_label(doc, i), f"rules[{i}]",
                        f"answers only when the request selects scenario '{doc['name']}' (header X-Mock-Scenario or "
                        f"model '{doc['name']}'): otherwise catch-all rule '{_rule_label(cdoc, ci)}' of scenario "
                        f"'{cdoc['name']}' ({cfile}:{line_of(cdoc, ('rules', ci))}, priority {cp}) answers first"))
                    break
    return findings
