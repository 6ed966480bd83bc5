"""``validate_paths``: load every file, collect load problems and static findings, then the checks
that need the whole set (duplicate names, catch-alls that shadow other scenarios)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from mockserver.engine.loader import ScenarioLoadError, load_text_documents, scenario_files
from mockserver.engine.model import display_path
from mockserver.engine.yamlsrc import line_of
from mockserver.lint.loops import loop_warnings
from mockserver.lint.mcp import check_mcp
from mockserver.lint.checks import calls_tools, check_document, is_catch_all, rule_label
from mockserver.lint.report import Finding, Report, from_problem


def validate_paths(paths: Iterable[str | Path]) -> Report:
    report = Report()
    files: list[Path] = []
    for raw in paths:
        try:
            found = scenario_files([raw])
        except ScenarioLoadError as exc:
            report.findings.extend(from_problem(p) for p in exc.problems)
            report.load_failed = True
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
            report.load_failed = True
            continue
        schema_valid, compiled, problems = load_text_documents(text, shown)
        report.findings.extend(from_problem(p) for p in problems)
        report.loaded.extend(compiled)
        report.load_failed = report.load_failed or bool(problems)
        for doc in schema_valid:
            documents.append((shown, doc))
            report.findings.extend(check_document(doc, shown))
        for scenario in compiled:
            report.findings.extend(
                Finding("warning", "loop", shown, rule.line, rule.name, f"rules[{rule.index}]", message)
                for rule, message in loop_warnings(scenario))
    report.scenarios = len(documents)
    report.rules = sum(len(doc.get("rules", [])) for _, doc in documents)
    report.findings.extend(_across_scenarios(documents))
    report.findings.extend(check_mcp(documents))
    return report


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
        for i, rule in enumerate(doc.get("rules", [])):
            if is_catch_all(rule) and not calls_tools(rule):
                catch_alls.append((j, i, rule.get("priority", 0)))
    for j, (file, doc) in enumerate(documents):
        for i, rule in enumerate(doc.get("rules", [])):
            if calls_tools(rule):
                continue
            p = rule.get("priority", 0)
            for cj, ci, cp in catch_alls:
                if cj != j and (cp > p or (cp == p and cj < j)):
                    cfile, cdoc = documents[cj]
                    findings.append(Finding(
                        "warning", "shadowed", file, line_of(doc, ("rules", i)), rule_label(doc, i), f"rules[{i}]",
                        f"answers only when the request selects scenario '{doc['name']}' (header X-Mock-Scenario or "
                        f"model '{doc['name']}'): otherwise catch-all rule '{rule_label(cdoc, ci)}' of scenario "
                        f"'{cdoc['name']}' ({cfile}:{line_of(cdoc, ('rules', ci))}, priority {cp}) answers first"))
                    break
    return findings
