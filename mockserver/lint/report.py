"""Findings of ``mockserver validate``: severity, check name and location, as text or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mockserver.engine.loader import LoadProblem, located


CHECKS = ("file", "yaml", "schema", "template", "regex", "arguments", "duplicate", "variable", "captures",
          "tool", "tool_choice", "unreachable", "shadowed", "loop", "mcp")  # documented in docs/scenarios.md


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" or "warning"
    check: str  # one of CHECKS
    file: str
    line: int | None
    rule: str | None
    path: str
    message: str
    column: int | None = None  # 1-based, where known

    def __post_init__(self) -> None:
        if self.check not in CHECKS or self.severity not in ("error", "warning"):
            raise ValueError(f"undocumented finding kind: {self.severity} {self.check}")

    def __str__(self) -> str:
        return located(self.file, self.line, self.rule, self.path, self.message, self.severity, self.column) + f" [{self.check}]"

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity, "check": self.check, "file": self.file, "line": self.line, "column": self.column,
            "rule": self.rule, "path": self.path, "message": self.message,
        }


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    scenarios: int = 0
    rules: int = 0
    # what loaded, in file order, so ``serve`` needs not parse and compile the files a second time;
    # ``load_failed``: some file did not load, and the set is not whole
    loaded: list[Any] = field(default_factory=list, repr=False)
    load_failed: bool = False

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


def from_problem(problem: LoadProblem) -> Finding:
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
    return Finding("error", check, problem.file, problem.line, problem.rule, problem.path, message, problem.column)
