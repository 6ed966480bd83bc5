"""The compiled scenario model: scenarios, rules and replies, ready to match and render."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver.engine.embedscript import EmbeddingScript, ScriptedEmbedding
from mockserver.engine.index import RuleIndex
from mockserver.engine.matchers import Header, Matcher, Model
from mockserver.engine.render import Template, names_in
from mockserver.server.memo import FIXED_HEADERS, Memo
from mockserver.wire.lazy import lazy


AUTO = "auto"  # ``arguments: auto`` / ``tool_calls: auto``: generated from the declared schema


@dataclass
class ToolCallSpec:
    name: Template
    arguments: Any  # compiled: dict/list of Templates, a Template, None for {}, or AUTO
    id: Template | None = None
    fill: bool = False  # generate the fields the (partial) arguments leave out


@dataclass
class Reply:
    content: Template | None
    tool_calls: list[ToolCallSpec]
    finish_reason: str | None = None
    timing: dict[str, float] | None = None  # ttft, tps, jitter (wire.sse.Timing fields)
    fault: dict[str, Any] | None = None
    auto_calls: bool = False  # ``tool_calls: auto``: one generated call of the forced/first tool

    @lazy
    def context_names(self) -> frozenset[str]:
        """What the reply's templates read: only these are put in its template context."""
        found = names_in(self.content)
        for call in self.tool_calls:
            found |= names_in(call.name) | names_in(call.arguments) | names_in(call.id)
        return frozenset(found)


@dataclass(eq=False)
class Rule:
    scenario: "Scenario"
    index: int
    name: str
    priority: int
    matchers: list[Matcher]
    reply: Reply
    line: int | None = None

    @property
    def location(self) -> str:
        line = f":{self.line}" if self.line else ""
        return f"{self.scenario.file}{line}"

    @property
    def label(self) -> str:
        return f"scenario '{self.scenario.name}' rule '{self.name}' ({self.location})"


@dataclass(eq=False)
class Scenario:
    name: str
    file: str
    description: str = ""
    models: list[str] = field(default_factory=list)
    profile: str | None = None
    preconditions: list[Matcher] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    embeddings: list[ScriptedEmbedding] = field(default_factory=list)  # its `embeddings:` entries
    source: Any = None  # the plain YAML data, for GET /_mock/scenarios
    mcp: Any = None  # the tool server it declares (format version 2: mockserver.mcp.spec.McpServerSpec)

    def named_models(self) -> list[str]:
        names = list(self.models)
        for matcher in self.preconditions + [m for r in self.rules for m in r.matchers]:
            if isinstance(matcher, Model) and matcher.exact:
                names.append(matcher.exact)
        return names


class ScenarioSet:
    """An immutable, ordered set of scenarios; rules sorted by priority, ties in load order."""

    def __init__(self, scenarios: list[Scenario]) -> None:
        self.scenarios = list(scenarios)
        self.by_name = {s.name: s for s in self.scenarios}
        self.rules = self._ordered([r for s in self.scenarios for r in s.rules])
        self._per_scenario = {s.name: self._ordered(s.rules) for s in self.scenarios}
        self.index = RuleIndex(self.rules)
        self.has_profiles = any(s.profile for s in self.scenarios)  # a scenario names its own profile
        self.embeddings = EmbeddingScript([e for s in self.scenarios for e in s.embeddings])
        self.header_names = self._header_names(self.rules)  # every header an answer can depend on
        self.memo = Memo()
        self._per_scenario_index = {name: RuleIndex(rules) for name, rules in self._per_scenario.items()}

    @staticmethod
    def _ordered(rules: list[Rule]) -> list[Rule]:
        return sorted(rules, key=lambda r: -r.priority)  # sorted() is stable

    def rules_of(self, scenario: str) -> list[Rule]:
        return self._per_scenario[scenario]

    def index_of(self, scenario: str | None) -> RuleIndex:
        return self.index if scenario is None else self._per_scenario_index[scenario]

    def models(self) -> list[str]:
        seen: dict[str, None] = {}
        for scenario in self.scenarios:
            for name in scenario.named_models() + [scenario.name]:
                seen.setdefault(name, None)
        return list(seen)

    @property
    def files(self) -> list[str]:
        return sorted({s.file for s in self.scenarios})

    def __len__(self) -> int:
        return len(self.scenarios)

    @staticmethod
    def _header_names(rules: list[Rule]) -> tuple[str, ...]:
        named = {name for rule in rules for m in rule.matchers if isinstance(m, Header) for name, _ in m.checks}
        return tuple(dict.fromkeys(FIXED_HEADERS + tuple(sorted(named))))


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
