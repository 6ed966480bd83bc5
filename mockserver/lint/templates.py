"""Static checks of reply templates: unknown variables, and ``captures.X`` that no regex captures
(or captures only sometimes: an optional named group)."""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from typing import Any, Iterator

from jinja2 import TemplateError, meta, nodes

from mockserver.engine.matchers import did_you_mean
from mockserver.engine.render import ENV

TEXT_KEYS = ("model", "last_message", "user_message", "tool_result")
Issue = tuple[str, str, str]  # severity, check, message


def named_groups(when: dict[str, Any]) -> dict[str, bool]:
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


def is_static(source: str) -> bool:
    return "{{" not in source and "{%" not in source and "{#" not in source


def templates(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        if not is_static(value):
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from templates(item, path + (key,))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield from templates(item, path + (k,))


@lru_cache(maxsize=1)
def template_variables() -> frozenset[str]:
    """The names a reply template can use: the render context and the environment's globals."""
    from mockserver.engine.context import Conversation
    from mockserver.engine.respond import template_context
    from mockserver.dialects.chat.validate import validate_request

    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    validated = validate_request(body)
    context = template_context(Conversation(body, validated.tools, validated.tool_choice, {}), {})
    return frozenset(context) | frozenset(ENV.globals)


def check_template(source: str, groups: dict[str, bool], tools: set[str] | frozenset[str] = frozenset()) -> list[Issue]:
    """Problems of one reply template: unknown names, captures no regex defines, and (``tools``:
    the tools the file names) ``result.X`` for a tool the file never mentions."""
    issues: list[Issue] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DeprecationWarning)
            tree = ENV.parse(source)
            undeclared = meta.find_undeclared_variables(tree)  # compiles: unknown filters raise here
    except TemplateError:
        return issues  # reported by the loader
    for warning in caught:
        if "invalid escape sequence" in str(warning.message):
            issues.append(("warning", "template",
                f"{warning.message} in a string literal of the template: Jinja keeps it as written, but write the "
                "backslash twice (in YAML single quotes: regex('in (\\\\w+)')) so that it does not depend on that"))
            break
    known = template_variables()
    for name in sorted(undeclared - known):
        near = did_you_mean(name, known)
        issues.append(("error", "variable", f"unknown template variable '{name}'{f' ({near})' if near else ''}; available: {', '.join(sorted(known))}"))
    if tools:
        for name in _references(tree, "result"):
            if name not in tools:
                near = did_you_mean(name, tools)
                issues.append(("warning", "variable",
                    f"reads result.{name}, but no tool of this file is called '{name}'{f' ({near})' if near else ''}: "
                    f"result holds the results just sent, by tool name ({', '.join(sorted(tools))})"))
    for name in _references(tree, "captures"):
        if name not in groups:
            have = ", ".join(sorted(groups)) or "none"
            issues.append(("error", "captures",
                f"uses captures.{name}, but no regex of this rule has a named group '{name}' "
                f"(named groups: {have})"))
        elif not groups[name]:
            issues.append(("warning", "captures",
                f"uses captures.{name}, but the group '{name}' is optional in its regex: when it does not "
                f"take part, the template fails (422); use captures.get('{name}') or "
                f"'captures.{name} | default(...)'"))
    return issues


def _references(tree: nodes.Template, variable: str) -> list[str]:
    """``variable.X`` / ``variable['X']`` (``captures``, ``result``) not guarded by ``is defined``
    or ``| default``."""
    guarded: set[int] = set()
    for node in tree.find_all((nodes.Test, nodes.Filter)):
        if node.name in ("defined", "undefined", "default", "d") and node.node is not None:
            guarded.add(id(node.node))
    found: list[str] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if id(node) in guarded or not (isinstance(node.node, nodes.Name) and node.node.name == variable):
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
