"""What ``serve`` checks at start and on every reload: everything ``mockserver validate`` checks.

Errors refuse the set — one ``file:line: rule 'name' at path: message`` line each — so a mistake
(an unknown template variable, a capture no regex defines, an explicitly named empty folder)
surfaces before the first request, not as a 422 in the middle of a test. ``lenient`` serves a set
with validate-only errors anyway (they are logged); a set that does not load is never served.
Warnings (loops, shadowed rules, …) are logged at WARNING.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Iterable

from mockserver.engine.loader import LoadProblem, ScenarioLoadError, _duplicates, load_paths
from mockserver.engine.model import ScenarioSet
from mockserver.lint.report import Finding
from mockserver.lint.run import validate_paths

log = logging.getLogger("mockserver")
LOAD_CHECKS = frozenset({"file", "yaml", "schema", "template", "regex", "arguments", "duplicate"})  # no set without them


def _problem(finding: Finding) -> LoadProblem:
    return LoadProblem(finding.file, finding.line, finding.rule, finding.path, finding.message, finding.column)


EMPTY_FOLDER = "no *.yaml or *.yml files in this folder"


def checked_load(paths: Iterable[str | Path], lenient: bool = False, empty_ok: bool = False) -> ScenarioSet:
    """The scenario set at ``paths`` once it passes the validate checks; raise
    :class:`ScenarioLoadError` listing every error otherwise. ``empty_ok`` (``serve --reload``):
    an empty folder is a warning — its files may arrive later (a volume filled after the start)."""
    paths = list(paths)
    report = validate_paths(paths)
    if empty_ok:
        report.findings = [
            replace(f, severity="warning", message=f"{f.message}: serving none from it until some appear")
            if f.check == "file" and f.message == EMPTY_FOLDER else f
            for f in report.findings]
    fatal = [f for f in report.findings if f.severity == "error" and (not lenient or f.check in LOAD_CHECKS)]
    if fatal:
        raise ScenarioLoadError([_problem(f) for f in fatal])
    for finding in report.findings:
        if finding.severity == "error":
            log.warning("%s (served anyway: --lenient)", finding)
        else:
            log.warning("%s", finding)
    if report.load_failed or _duplicates(report.loaded):
        return load_paths(paths)  # raises ScenarioLoadError, as it always did
    return ScenarioSet(report.loaded)  # what validate_paths compiled: each file parsed once
