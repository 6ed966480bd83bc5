"""Loading scenario files: YAML (safe) → format schema → compiled model.

Every mistake is reported with file, line, rule and path, all at once, at load time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml
from jsonschema import exceptions as js_exceptions

from mockserver.engine import matchers as matcher_mod
from mockserver.engine.embedscript import EmbeddingScript, ScriptedEmbedding
from mockserver.engine.model import AUTO, Reply, Rule, Scenario, ScenarioSet, ToolCallSpec, display_path
from mockserver.engine.render import RenderError, Template, compile_value
from mockserver.engine.yamlsrc import line_of, load_documents, plain
from mockserver.wire.profiles import PROFILES

FORMAT_VERSION = 1
FORMAT_VERSIONS = (1, 2)  # 2 adds ``mcp:`` (mockserver.mcp.spec); a version-1 file reads as before
KNOWN_PROFILES = tuple(PROFILES)


@dataclass(frozen=True)
class LoadProblem:
    file: str
    line: int | None
    rule: str | None
    path: str
    message: str
    column: int | None = None  # 1-based, where known (YAML syntax errors)

    def __str__(self) -> str:
        return located(self.file, self.line, self.rule, self.path, self.message, column=self.column)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "rule": self.rule, "path": self.path,
                "message": self.message}


def located(
    file: str, line: int | None, rule: str | None, path: str, message: str, severity: str | None = None, column: int | None = None
) -> str:
    """``file:line[:column]: [severity:] rule 'r' at path: message`` — how every scenario problem reads."""
    parts = [(f"{file}:{line}:{column}:" if column else f"{file}:{line}:") if line else f"{file}:"]
    if severity:
        parts.append(f"{severity}:")
    if rule:
        parts.append(f"rule '{rule}'")
    if path:
        parts.append(f"at {path}:")
    elif rule:
        parts[-1] += ":"
    return " ".join(parts + [message])


def yaml_problem(file: str, exc: yaml.YAMLError) -> LoadProblem:
    """A YAML syntax error at the line and column where PyYAML noticed it, with what it was
    reading then (the mistake is often there, a line or more before) and the usual cause."""
    mark = getattr(exc, "problem_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    problem = getattr(exc, "problem", None) or str(exc)
    if "unknown escape character" in problem:
        return LoadProblem(file, line, None, "", f"invalid YAML: {problem}{QUOTING_ADVICE}", column)
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and start is not None and (start.line, start.column) != (getattr(mark, "line", None), getattr(mark, "column", None)):
        problem += f" ({context} that starts at line {start.line + 1}, column {start.column + 1})"
    if any(t in problem for t in ("expected <block end>", "mapping values are not allowed", "could not find expected ':'")):
        problem += YAML_INDENT_ADVICE
    return LoadProblem(file, line, None, "", f"invalid YAML: {problem}", column)


YAML_INDENT_ADVICE = (
    "; usually a line indented differently from its siblings, or an unquoted value holding ': ' or "
    "starting with a special character ('{', '[', '*', '&', '?', '|', '>', '@', '`'): check the indentation "
    "there and quote such values"
)


class ScenarioLoadError(Exception):
    def __init__(self, problems: list[LoadProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@lru_cache(maxsize=1)
def format_schema() -> dict[str, Any]:
    text = resources.files("mockserver").joinpath("scenario.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _format_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(format_schema())


def bundled_scenarios_dir() -> Path:
    return Path(str(resources.files("mockserver").joinpath("scenarios")))


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise ScenarioLoadError([LoadProblem(str(path), None, None, "", "no such file or directory")])
    return files


def load_paths(paths: Iterable[str | Path]) -> ScenarioSet:
    """Load every scenario under ``paths``; raise :class:`ScenarioLoadError` listing all problems."""
    scenarios: list[Scenario] = []
    problems: list[LoadProblem] = []
    for file in scenario_files(paths):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(LoadProblem(display_path(file), None, None, "", f"cannot read: {exc}"))
            continue
        found, errors = load_text(text, display_path(file))
        scenarios.extend(found)
        problems.extend(errors)
    problems.extend(_duplicates(scenarios))
    if problems:
        raise ScenarioLoadError(problems)
    return ScenarioSet(scenarios)


def _duplicates(scenarios: list[Scenario]) -> list[LoadProblem]:
    first: dict[str, Scenario] = {}
    problems = []
    for scenario in scenarios:
        if scenario.name in first:
            problems.append(
                LoadProblem(scenario.file, None, None, "name",
                            f"duplicate scenario name '{scenario.name}' (also in {first[scenario.name].file})")
            )
        first.setdefault(scenario.name, scenario)
    return problems


def load_text(text: str, file: str = "<string>") -> tuple[list[Scenario], list[LoadProblem]]:
    documents, scenarios, problems = load_text_documents(text, file)
    return scenarios, problems


def load_text_documents(text: str, file: str = "<string>") -> tuple[list[Any], list[Scenario], list[LoadProblem]]:
    """:func:`load_text`, plus the parsed YAML documents that passed the format schema
    (``validate`` checks them further: the file is parsed and schema-checked once)."""
    try:
        documents = [d for d in load_documents(text) if d is not None]
    except yaml.YAMLError as exc:
        return [], [], [yaml_problem(file, exc)]
    except RecursionError:  # pragma: no cover - the loader refuses deep nesting before this
        return [], [], [LoadProblem(file, None, None, "", "invalid YAML: nested too deeply")]
    if not documents:
        return [], [], [LoadProblem(file, None, None, "", "the file holds no scenario")]
    scenarios, problems, valid = [], [], []
    for doc in documents:
        scenario, errors, schema_ok = _load_document(doc, file)
        problems.extend(errors)
        if scenario is not None:
            scenarios.append(scenario)
        if schema_ok:
            valid.append(doc)
    return valid, scenarios, problems


def _rule_name(doc: Any, path: tuple[Any, ...]) -> str | None:
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        try:
            rule = doc["rules"][path[1]]
        except (KeyError, IndexError, TypeError):
            return None
        return rule.get("name") or f"rules[{path[1]}]" if isinstance(rule, dict) else f"rules[{path[1]}]"
    return None


def _path_text(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _problem(doc: Any, file: str, path: tuple[Any, ...], message: str) -> LoadProblem:
    return LoadProblem(file, line_of(doc, path), _rule_name(doc, path), _path_text(path), message)


def _load_document(doc: Any, file: str) -> tuple[Scenario | None, list[LoadProblem], bool]:
    """The document's scenario (None when it has problems), its problems, and whether it passed
    the format schema."""
    if not isinstance(doc, dict):
        return None, [LoadProblem(file, getattr(doc, "line", None), None, "", "a scenario must be a mapping")], False
    if "version" in doc and doc["version"] not in FORMAT_VERSIONS:
        return None, [_problem(doc, file, ("version",), f"unsupported format version {doc['version']!r}; this mockserver reads versions 1 and 2")], False
    error = js_exceptions.best_match(_format_validator().iter_errors(doc))
    if error is not None:
        path = tuple(error.absolute_path)
        return None, [_problem(doc, file, path, _schema_message(error) + _swallowed_hint(doc, error, path))], False
    problems: list[LoadProblem] = []
    scenario = Scenario(
        name=doc["name"],
        file=file,
        description=doc.get("description", ""),
        models=list(doc.get("models", [])),
        profile=doc.get("profile"),
        source=plain(doc),
    )
    if scenario.profile is not None and scenario.profile not in KNOWN_PROFILES:
        problems.append(_problem(doc, file, ("profile",), f"unknown profile {scenario.profile!r}; valid profiles: {', '.join(KNOWN_PROFILES)}"))
    scenario.embeddings = _embeddings(doc, file)
    for text in EmbeddingScript(scenario.embeddings).problems():
        problems.append(_problem(doc, file, ("embeddings",), text))
    try:
        scenario.preconditions = matcher_mod.build(doc.get("when") or {}, ("when",))
    except matcher_mod.SpecError as exc:
        problems.append(_problem(doc, file, exc.path, str(exc)))
    seen: dict[str, int] = {}
    for i, raw in enumerate(doc.get("rules") or []):
        name = raw.get("name") or f"rules[{i}]"
        if name in seen:
            problems.append(_problem(doc, file, ("rules", i, "name"), f"duplicate rule name '{name}' (also rules[{seen[name]}])"))
        seen.setdefault(name, i)
        try:
            scenario.rules.append(_compile_rule(scenario, i, name, raw, doc))
        except matcher_mod.SpecError as exc:
            problems.append(_problem(doc, file, exc.path, str(exc)))
        except _RuleError as exc:
            problems.append(_problem(doc, file, exc.path, exc.message))
    if "mcp" in doc:
        problems += _compile_mcp(doc, file, scenario)
    return (None if problems else scenario), problems, True


def _embeddings(doc: dict[str, Any], file: str) -> list[ScriptedEmbedding]:
    """The scenario's scripted embeddings (their shape already checked by the schema)."""
    found = []
    for i, raw in enumerate(doc.get("embeddings") or []):
        vector = tuple(float(v) for v in raw["vector"]) if "vector" in raw else None
        found.append(ScriptedEmbedding(str(raw["text"]), raw.get("model"), vector, raw.get("like"),
                                       float(raw.get("similarity", 1.0)), f"{file}: embeddings[{i}]"))
    return found


def _compile_mcp(doc: Any, file: str, scenario: Scenario) -> list[LoadProblem]:
    from mockserver.mcp.spec import MCP_FORMAT_VERSION, compile_mcp

    if doc["version"] < MCP_FORMAT_VERSION:
        return [_problem(doc, file, ("mcp",), f"'mcp' needs 'version: {MCP_FORMAT_VERSION}' (the format version that added MCP tool servers)")]
    spec, errors = compile_mcp(doc["mcp"], scenario, lambda path: line_of(doc, path))
    scenario.mcp = spec
    return [_problem(doc, file, e.path, e.message) for e in errors]


def _schema_message(error: js_exceptions.ValidationError) -> str:
    if error.validator == "additionalProperties":
        allowed = sorted((error.schema.get("properties") or {}).keys())
        return f"{error.message}; allowed keys: {', '.join(allowed)}"
    if error.validator == "oneOf" and error.context:
        deepest = js_exceptions.best_match(error.context)
        if deepest is not None:
            return deepest.message
    return error.message


QUOTING_ADVICE = (" (in a double-quoted YAML string a backslash starts an escape: write regexes in single quotes,"
                  " regex: 'weather in (\\w+)', or double each backslash in double quotes)")


def _swallowed_hint(doc: Any, error: js_exceptions.ValidationError, path: tuple[Any, ...]) -> str:
    """A key reported missing that sits one level too deep (``reply`` indented under ``when``)."""
    if error.validator != "required" or not isinstance(error.instance, dict):
        return ""
    for missing in error.validator_value:
        if missing in error.instance:
            continue
        for key, child in error.instance.items():
            if isinstance(child, dict) and missing in child:
                line = line_of(doc, path + (key, missing))
                at = f" (line {line})" if line else ""
                return (f"; '{missing}' is indented under '{key}'{at}: move it out to the level of '{key}'")
    return ""


class _RuleError(Exception):
    def __init__(self, message: str, path: tuple[Any, ...]) -> None:
        self.message, self.path = message, path


def _template(value: str, path: tuple[Any, ...]) -> Template:
    try:
        return Template(value)
    except RenderError as exc:
        raise _RuleError(str(exc), path) from None


def _compile_rule(scenario: Scenario, i: int, name: str, raw: dict[str, Any], doc: Any) -> Rule:
    base = ("rules", i)
    matchers = scenario.preconditions + matcher_mod.build(raw.get("when") or {}, base + ("when",))
    spec = raw["reply"]
    content = spec.get("content")
    calls = []
    auto_calls = spec.get("tool_calls") == AUTO
    for k, call in enumerate([] if auto_calls else spec.get("tool_calls") or []):
        where = base + ("reply", "tool_calls", k)
        arguments = call.get("arguments")
        if call.get("fill") and isinstance(arguments, str):
            raise _RuleError("fill: true needs arguments given as an object (the fields to keep)", where + ("fill",))
        if arguments == AUTO:
            compiled_args: Any = AUTO
        elif isinstance(arguments, str):
            compiled_args = _template(arguments, where + ("arguments",))
            if compiled_args.static:
                _check_static_arguments(arguments, where + ("arguments",))
        else:
            try:
                compiled_args = compile_value(plain(arguments)) if arguments is not None else None
            except RenderError as exc:
                raise _RuleError(str(exc), where + ("arguments",)) from None
        calls.append(
            ToolCallSpec(
                name=_template(call["name"], where + ("name",)),
                arguments=compiled_args,
                id=_template(call["id"], where + ("id",)) if call.get("id") else None,
                fill=bool(call.get("fill")),
            )
        )
    reply = Reply(
        content=_template(content, base + ("reply", "content")) if isinstance(content, str) else None,
        tool_calls=calls,
        finish_reason=spec.get("finish_reason"),
        timing=plain(spec["timing"]) if "timing" in spec else None,
        fault=plain(spec["fault"]) if "fault" in spec else None,
        auto_calls=auto_calls,
    )
    return Rule(
        scenario=scenario,
        index=i,
        name=name,
        priority=raw.get("priority", 0),
        matchers=matchers,
        reply=reply,
        line=line_of(doc, base),
    )


def _check_static_arguments(text: str, path: tuple[Any, ...]) -> None:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise _RuleError(f"arguments are not valid JSON: {exc}", path) from None
    if not isinstance(value, dict):
        raise _RuleError("arguments must be a JSON object", path)
