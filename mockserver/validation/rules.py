"""Per-provider truth about each validation rule: a real 400, a warning, or accepted.

Dialect-neutral. A dialect's checks yield :class:`~mockserver.wire.errors.APIError` problems,
each tagged with the ``rule`` it breaks; the dialect's :class:`RuleBook` says, per provider
profile, what that provider does with such a request (its :class:`Verdict`) and why we believe
so (the evidence). A :class:`Judge` takes a request's layers of problems in order: the first
error is raised, warnings are kept to send beside a 200 (``--strict`` makes warnings errors too).

The same books generate the conformance table (``docs/conformance.md``,
:mod:`mockserver.validation.conformance`), so the table and the code cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Iterable, Mapping

from mockserver.wire.errors import APIError
from mockserver.wire.warnings import MockWarning

ERROR = "error"  # the provider answers 400: so does the mock
WARN = "warn"  # the provider accepts it, but it usually means a client bug: 200 and a warning
ACCEPT = "accept"  # the provider accepts it and it is fine: nothing to say

# how we know (shown in the conformance table)
BASES = MappingProxyType({
    "provider": "the provider's own code, or its error text as reported or measured",
    "schema": "the provider's official API schema or documentation",
    "mock": "mockserver's own choice, stricter or laxer than the provider on purpose (see the note)",
    "assumed": "not verified against this provider: the OpenAI-compatible behaviour is assumed",
})

ANY = "*"  # the verdict for profiles a rule does not name; judged under ANY: the most lenient one
_LENIENCY = {ACCEPT: 0, WARN: 1, ERROR: 2}


@dataclass(frozen=True)
class Verdict:
    action: str  # ERROR | WARN | ACCEPT
    source: str  # the evidence, short: file and symbol, issue, or reported text
    basis: str = "provider"  # a key of BASES
    message: str | None = None  # the provider's own wording, when it differs from the check's

    def __post_init__(self) -> None:
        if self.action not in (ERROR, WARN, ACCEPT):
            raise ValueError(f"verdict action must be error, warn or accept, got {self.action!r}")
        if self.basis not in BASES:
            raise ValueError(f"verdict basis must be one of {', '.join(BASES)}, got {self.basis!r}")


@dataclass(frozen=True)
class Rule:
    id: str  # stable: users name it in expect_warnings("…"), strict-mode errors carry it as code
    check: str  # what is checked, for people (the table's first column)
    verdicts: Mapping[str, Verdict]  # by profile name; ANY for the others
    section: str = ""  # a heading of the table

    def verdict(self, profile: str) -> Verdict:
        found = self.verdicts.get(profile) or self.verdicts.get(ANY)
        if found is None:
            raise KeyError(f"rule {self.id!r} has no verdict for profile {profile!r}")
        return found


@dataclass(frozen=True)
class RuleBook:
    """Every rule of one dialect, and the profiles it knows verdicts for."""

    dialect: str  # "chat", "responses", "messages"
    title: str  # e.g. "Chat Completions (POST /v1/chat/completions)"
    profiles: tuple[str, ...]
    rules: tuple[Rule, ...]
    # rules judged as another dialect's (shared checks, e.g. the tools of validation/tools.py)
    fallback: "RuleBook | None" = None
    note: str = ""  # shown under the title in the conformance table
    by_id: Mapping[str, Rule] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, Rule] = {}
        for rule in self.rules:
            if rule.id in index:
                raise ValueError(f"duplicate rule id {rule.id!r} in the {self.dialect} rule book")
            for profile in self.profiles:
                rule.verdict(profile)  # every profile has an answer
            index[rule.id] = rule
        object.__setattr__(self, "by_id", MappingProxyType(index))

    def verdict(self, rule_id: str | None, profile: str) -> Verdict | None:
        """None for an untagged problem or an unknown rule: those are always errors."""
        rule = self.by_id.get(rule_id) if rule_id else None
        if rule is None:
            return self.fallback.verdict(rule_id, profile) if self.fallback is not None else None
        if profile == ANY:  # not known yet (a scenario may choose it): an error only if one everywhere
            return min((rule.verdict(p) for p in self.profiles), key=lambda v: _LENIENCY[v.action])
        if profile not in rule.verdicts and ANY not in rule.verdicts:
            profile = self.profiles[0]  # a profile this book has no column for: judged as its first (the default)
        return rule.verdict(profile)

    def sort(self, problem: APIError, profile: str, strict: bool = False) -> APIError | MockWarning | None:
        """What ``problem`` is under ``profile``: the error to answer with, a warning, or nothing."""
        verdict = self.verdict(problem.rule, profile)
        if verdict is None:
            return problem
        if verdict.action == ERROR:
            return _worded(problem, verdict)
        if verdict.action == WARN:
            warning = MockWarning(problem.rule or "", problem.message, problem.param)
            return strict_error(warning) if strict else warning
        return None


class Judge:
    """Judges one request's validation layers in order: a layer's warnings are kept, its first
    error is raised (carrying the warnings found so far), so a layer runs only when the ones
    before found no error. What every dialect's parse uses."""

    def __init__(self, book: RuleBook, profile: str, strict: bool = False) -> None:
        self.book = book
        self.profile = profile
        self.strict = strict
        self.warnings: list[MockWarning] = []

    def layer(self, problems: Iterable[APIError]) -> None:
        """Raises at the first error: a check is never asked for more after one (it may rely on
        it: the first problem of a layer can make the rest of the request unreadable)."""
        for problem in problems:
            found = self.book.sort(problem, self.profile, self.strict)
            if isinstance(found, APIError):
                # a copy: problems of a cached tool set are shared between requests
                raise replace(found, warnings=tuple(self.warnings))
            if found is not None:
                self.warnings.append(found)


def _worded(problem: APIError, verdict: Verdict) -> APIError:
    if verdict.message is None or verdict.message == problem.message:
        return problem
    return APIError(verdict.message, param=problem.param, code=problem.code, rule=problem.rule)


def strict_error(warning: MockWarning) -> APIError:
    """A warning answered as a 400 (``--strict``); its code is the rule id."""
    return APIError(
        f"{warning.message} (mockserver strict mode: the provider accepts this, but it usually "
        f"means a client bug; rule '{warning.code}')",
        param=warning.path,
        code=warning.code,
        rule=warning.code,
    )
