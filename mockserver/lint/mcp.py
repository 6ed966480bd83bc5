"""``validate`` across the model's rules and the MCP tools the scenarios declare (format version 2):
a scripted call of a declared tool must carry arguments its ``inputSchema`` accepts; in a file
that declares tools, the model's calls and ``tool_result`` matchers must name declared tools.

Arguments written as templates are judged by what they can be: a templated value may render to
anything, so only the checks it cannot affect (required keys, unknown keys, literal values) count.
"""

from __future__ import annotations

from typing import Any

import jsonschema

from mockserver.engine.yamlsrc import line_of, plain
from mockserver.lint.checks import rule_label
from mockserver.lint.report import Finding


def _templated(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _declared(documents: list[tuple[str, dict[str, Any]]]) -> dict[str, tuple[dict[str, Any], str]]:
    tools: dict[str, tuple[dict[str, Any], str]] = {}
    for file, doc in documents:
        for tool in (doc.get("mcp") or {}).get("tools") or []:
            tools.setdefault(tool["name"], (plain(tool.get("inputSchema") or {"type": "object"}), file))
    return tools


def check_mcp(documents: list[tuple[str, dict[str, Any]]]) -> list[Finding]:
    declared = _declared(documents)
    if not declared:
        return []
    findings: list[Finding] = []
    for file, doc in documents:
        own = bool((doc.get("mcp") or {}).get("tools"))
        for i, rule in enumerate(doc.get("rules") or []):
            base = ("rules", i)
            label = rule_label(doc, i)
            expected = ((rule.get("when") or {}).get("tool_result") or {}).get("tool")
            if own and expected and expected not in declared:
                findings.append(Finding("warning", "mcp", file, line_of(doc, base + ("when", "tool_result", "tool")), label,
                                        f"rules[{i}].when.tool_result.tool",
                                        f"expects a result of '{expected}', which no scenario's mcp: declares "
                                        f"(declared: {', '.join(sorted(declared))})"))
            calls = rule["reply"].get("tool_calls")
            for k, call in enumerate(calls if isinstance(calls, list) else []):
                where = base + ("reply", "tool_calls", k)
                name = call.get("name")
                if _templated(name):
                    continue
                if name not in declared:
                    if own:
                        findings.append(Finding("warning", "mcp", file, line_of(doc, where + ("name",)), label,
                                                f"rules[{i}].reply.tool_calls[{k}].name",
                                                f"calls '{name}', which this file's mcp: does not declare "
                                                f"(declared: {', '.join(sorted(declared))})"))
                    continue
                findings += _check_arguments(file, doc, where, label, i, k, name, call.get("arguments"), declared[name])
    return findings


def _check_arguments(file: str, doc: dict[str, Any], where: tuple[Any, ...], label: str, i: int, k: int, name: str,
                     arguments: Any, declared: tuple[dict[str, Any], str]) -> list[Finding]:
    schema, schema_file = declared
    if arguments in (None, "auto") or isinstance(arguments, str):
        return []  # generated from the schema, or a whole-JSON template: judged when served
    arguments = plain(arguments)
    findings = []
    try:
        validator = jsonschema.Draft202012Validator(schema)
        errors = list(validator.iter_errors(arguments))
    except (jsonschema.exceptions.SchemaError, jsonschema.exceptions.RefResolutionError):
        return []  # the tool's own file reports its schema
    for error in errors:
        if _templated(error.instance) or _under_template(arguments, list(error.absolute_path)):
            continue
        at = ".".join(str(p) for p in error.absolute_path)
        findings.append(Finding(
            "error", "mcp", file, line_of(doc, where + ("arguments",) + tuple(error.absolute_path)), label,
            f"rules[{i}].reply.tool_calls[{k}].arguments" + (f".{at}" if at else ""),
            f"the MCP tool '{name}' ({schema_file}) would refuse these arguments: {error.message} "
            f"(inputSchema #/{'/'.join(str(p) for p in error.absolute_schema_path)})"))
    return findings


def _under_template(value: Any, path: list[Any]) -> bool:
    """Whether a templated string sits on ``path`` (the error is about what a template renders)."""
    for part in path:
        if _templated(value):
            return True
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return False
    return _templated(value)
