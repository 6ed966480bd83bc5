"""What a test holds as ``mockserver``: a per-test view of one server shared by the session.

The server (a :class:`~mockserver.testing.ServerThread`) starts once; each test's
:class:`MockServer` resets it (journal cleared, runtime scenarios removed, seed restored) and
then applies the test's own scenarios and settings. Usable without pytest, too.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import yaml

from mockserver import assertions, clients
from mockserver.server.admin import load_scenario_text
from mockserver.engine.loader import KNOWN_PROFILES, LoadProblem, ScenarioLoadError
from mockserver.lint.startup import checked_load
from mockserver.engine.model import Scenario
from mockserver.explain import describe_journal
from mockserver.server.entry import Entry
from mockserver.server.journal import Journal
from mockserver.testing import ServerThread

API_KEY = "mockserver-test-key"
ASGI_BASE_URL = clients.ASGI_BASE_URL


class MockServer:
    def __init__(self, server: ServerThread, where: str = "this test", search: Sequence[Path] = ()) -> None:
        self.server = server
        self.app = server.app
        self.where = where
        self.search = [Path(p) for p in search]  # where relative scenario paths are looked up
        self.profile: str | None = None
        self.api_key = API_KEY
        self.expect_all_errors = False
        self.allow_warnings = False  # the marker's allow_warnings: no warning fails the test
        self._expected: list[tuple[int, int]] = []  # [first id, next id) ranges of expected errors
        self._expected_warnings: list[tuple[int, int, frozenset[str]]] = []  # ranges and the codes declared there
        self._clients: list[Any] = []
        self._added = 0

    # --- where and how to connect ----------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def mcp_url(self) -> str:
        """The MCP server mock (streamable HTTP): every tool the scenarios declare; ``mcp_url + "/NAME"``
        serves one declared server's tools."""
        return self.server.url + "/mcp"

    @property
    def client_kwargs(self) -> dict[str, Any]:
        """Settings for ``openai.OpenAI(**mockserver.client_kwargs)`` (or ``AsyncOpenAI``)."""
        return {"base_url": self.base_url, "api_key": self.api_key, "max_retries": 0}

    def client(self, **overrides: Any) -> Any:
        """An ``openai.OpenAI`` client talking to this server over the socket; closed after the test."""
        return self._closed_later(clients.openai_client({**self.client_kwargs, **overrides}))

    def anthropic_client(self, **overrides: Any) -> Any:
        """An ``anthropic.Anthropic`` client talking to this server (its ``base_url`` has no
        ``/v1``: the SDK adds it); closed after the test."""
        return self._closed_later(clients.anthropic_client(self.url, self.api_key, overrides))

    def gemini_client(self, **http_options: Any) -> Any:
        """A ``google.genai.Client`` talking to this server's Gemini API paths (``/v1beta/models/…``);
        closed after the test. ``http_options``: more ``types.HttpOptions`` fields (``headers``…)."""
        return self._closed_later(clients.gemini_client(self.url, self.api_key, http_options))

    def ollama_client(self, **overrides: Any) -> Any:
        """An ``ollama.Client`` talking to this server's Ollama API (``/api/chat``…); closed after the test."""
        return self._closed_later(clients.ollama_client(self.url, self.api_key, overrides))

    def asgi_transport(self) -> Any:
        """An ``ASGITransport`` to the same app (of the HTTP library the installed openai uses:
        ``httpx2`` for recent releases, ``httpx`` before): in-process, no socket, for async clients."""
        return clients.asgi_transport(self.app)

    def async_client(self, **overrides: Any) -> Any:
        """An ``openai.AsyncOpenAI`` client served in-process through :meth:`asgi_transport`."""
        return clients.async_openai_client(self.app, self.client_kwargs, overrides)

    def bedrock_client(self, **config: Any) -> Any:
        """A boto3 ``bedrock-runtime`` client on this server (``endpoint_url``, dummy credentials:
        the mock accepts any SigV4 signature; no retries); ``config``: more ``botocore.config.Config``
        settings. Closed after the test."""
        return self._closed_later(clients.bedrock_client(self.url, config))

    def _closed_later(self, client: Any) -> Any:
        self._clients.append(client)
        return client

    # --- state -------------------------------------------------------------------------------

    @property
    def journal(self) -> Journal:
        return self.app.state.journal

    @property
    def scenarios(self) -> list[Scenario]:
        """The scenarios served now."""
        return list(self.app.state.service.scenarios.scenarios)

    @property
    def added_scenarios(self) -> list[Scenario]:
        """The scenarios this test added (marker, :meth:`load`, :meth:`add`)."""
        return list(self.app.state.overlay.added)

    @property
    def seed(self) -> int:
        return self.app.state.service.config.seed

    @seed.setter
    def seed(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"mockserver seed must be an integer, got {value!r}")
        self.app.state.service.config.seed = value

    def reset(self) -> None:
        """Back to the session's start: journal empty, start-up scenarios and seed."""
        self.journal.clear(restart_ids=True)
        self.app.state.overlay.reset()
        self._expected.clear()
        self._expected_warnings.clear()
        self.expect_all_errors = False
        self.allow_warnings = False
        self.profile = None

    # --- scenarios ---------------------------------------------------------------------------

    def load(self, *paths: str | Path, replace: bool = False) -> list[str]:
        """Serve the scenario files (or folders) at ``paths``, on top of the current ones (or
        instead of them, with ``replace``). Relative paths are looked up next to the test file,
        then in the rootdir, then in the working directory. Returns the loaded scenario names."""
        scenarios = checked_load([self.resolve(p) for p in paths]).scenarios
        self.app.state.overlay.add(scenarios, replace=replace)
        return [s.name for s in scenarios]

    def add(self, *items: dict[str, Any] | str, replace: bool = False) -> list[str]:
        """Serve scenarios given as dicts or YAML texts (several documents allowed)."""
        scenarios: list[Scenario] = []
        for item in items:
            scenarios.extend(self._compile(item))
        self.app.state.overlay.add(scenarios, replace=replace)
        return [s.name for s in scenarios]

    def use(self, items: Sequence[str | Path | dict[str, Any]]) -> list[str]:
        """Serve exactly ``items`` (paths, dicts or YAML texts): what the marker's ``scenarios=`` does."""
        scenarios: list[Scenario] = []
        for k, item in enumerate(items):
            if isinstance(item, (str, Path)) and not (isinstance(item, str) and "\n" in item):
                scenarios.extend(checked_load([self.resolve(item)]).scenarios)
            else:
                scenarios.extend(self._compile(item, f"<marker scenarios[{k}]>"))
        self.app.state.overlay.add(scenarios, replace=True)
        return [s.name for s in scenarios]

    def resolve(self, path: str | Path) -> Path:
        candidate = Path(path)
        if candidate.is_absolute():
            return candidate
        for base in self.search:
            if (base / candidate).exists():
                return base / candidate
        if candidate.exists():
            return candidate
        tried = ", ".join(str(b / candidate) for b in self.search) or str(candidate)
        raise ScenarioLoadError([LoadProblem(str(path), None, None, "", f"no such file or directory (looked in {tried})")])

    def _compile(self, item: Any, label: str | None = None) -> list[Scenario]:
        if label is None:
            self._added += 1
            label = f"<mockserver.add #{self._added}{_caller()}>"
        if isinstance(item, dict):
            text = yaml.safe_dump(item, sort_keys=False, allow_unicode=True)
        elif isinstance(item, str):
            text = item
        else:
            raise TypeError(f"mockserver.add: a scenario is a dict or a YAML string, got {type(item).__name__}")
        return load_scenario_text(text, label)

    def set_profile(self, profile: str | None) -> None:
        """The server-wide provider profile for this test (None: the session's); reset per test."""
        if profile is not None and profile not in KNOWN_PROFILES:
            raise ValueError(f"unknown mockserver profile {profile!r}; valid profiles: {', '.join(KNOWN_PROFILES)}")
        self.profile = profile
        service = self.app.state.service
        service.set_profile(profile or self.app.state.overlay.original_profile)

    @property
    def strict(self) -> bool:
        """Whether warnings are answered as 400s (server-wide; reset per test)."""
        return bool(self.app.state.service.config.strict)

    def set_strict(self, strict: bool = True) -> None:
        """Answer warnings with a 400 for the rest of this test (``mockserver serve --strict``)."""
        if not isinstance(strict, bool):
            raise TypeError(f"mockserver strict must be True or False, got {strict!r}")
        self.app.state.service.config.strict = strict

    # --- the journal, unittest.mock style ----------------------------------------------------

    @property
    def calls(self) -> list[Entry]:
        return self.journal.calls

    @property
    def called(self) -> bool:
        return self.journal.called

    @property
    def call_count(self) -> int:
        return self.journal.call_count

    @property
    def last(self) -> Entry | None:
        return self.journal.last

    # --- expected errors and the end-of-test check -------------------------------------------

    @contextmanager
    def expect_errors(self) -> Iterator[None]:
        """Requests sent inside the block may fail (unmatched, rejected): the test's own business."""
        first = self.journal.next_id
        try:
            yield
        finally:
            self._expected.append((first, self.journal.next_id))

    @property
    def problems(self) -> list[Entry]:
        """Requests that ended in an error the test did not declare expected."""
        if self.expect_all_errors:
            return []
        return [e for e in self.calls if e.problem and not any(a <= e.id < b for a, b in self._expected)]

    # --- warnings: what the provider accepts but usually means a client bug ------------------

    @property
    def warnings(self) -> list[tuple[Entry, dict[str, Any]]]:
        """Every warning of this test's requests, with its entry: (entry, {code, path, message})."""
        return [(entry, warning) for entry in self.calls for warning in entry.warnings]

    @contextmanager
    def expect_warnings(self, *codes: str) -> Iterator[None]:
        """Requests sent inside the block may get warnings (of these rule ids, if any are given,
        e.g. ``"history.undeclared_function"``); the block fails if none came."""
        first = self.journal.next_id
        try:
            yield
        finally:
            end = self.journal.next_id
            self._expected_warnings.append((first, end, frozenset(codes)))
        seen = [w for e, w in self.warnings if first <= e.id < end and (not codes or w["code"] in codes)]
        if not seen:
            __tracebackhide__ = True
            wanted = f" of {', '.join(map(repr, codes))}" if codes else ""
            raise assertions.MockAssertionError(
                f"expect_warnings{'(' + ', '.join(map(repr, codes)) + ')' if codes else '()'}: no warning{wanted} "
                f"came from the {end - first} request(s) sent inside the block.\n"
                + describe_journal([e for e in self.calls if first <= e.id < end])
            )

    def _declared(self, entry: Entry, code: str) -> bool:
        return any(a <= entry.id < b and (not codes or code in codes) for a, b, codes in self._expected_warnings)

    @property
    def unexpected_warnings(self) -> list[tuple[Entry, dict[str, Any]]]:
        """Warnings outside ``expect_warnings`` blocks (a rejected request's are left to its error)."""
        return [(e, w) for e, w in self.warnings if not e.problem and not self._declared(e, w["code"])]

    def assert_no_warnings(self) -> None:
        """Fail if a request of this test so far got a warning outside an ``expect_warnings`` block."""
        __tracebackhide__ = True
        warned = self.unexpected_warnings
        if warned:
            raise assertions.MockAssertionError(assertions.warnings_report(warned, self.where))

    def check(self) -> None:
        """Raise :class:`AssertionError` if the server saw problems (or, unless allowed,
        warnings) the test did not expect."""
        __tracebackhide__ = True
        self.server.check()
        problems = self.problems
        if problems:
            raise assertions.MockAssertionError(assertions.problems_report(problems, self.where))
        if not self.allow_warnings:
            self.assert_no_warnings()

    def describe(self) -> str:
        from mockserver.explain import describe_journal

        return describe_journal(self.calls)

    def save_har(self, path: str | Path) -> Path:
        """Write this test's journal as a HAR 1.2 file (what browsers' dev tools and HAR viewers
        open; headers redacted as in the journal); returns the path."""
        from mockserver.server.har import har_log
        from mockserver.wire import jsoncodec

        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(jsoncodec.dumps(har_log(self.calls, self.url)))
        return target

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    # --- assertions --------------------------------------------------------------------------

    def assert_tool_called(self, name: str, args: dict[str, Any] | None = None, times: int | None = None) -> list[Any]:
        __tracebackhide__ = True
        return assertions.assert_tool_called(self.calls, name, args=args, times=times)

    def assert_mcp_called(self, name: str, args: dict[str, Any] | None = None, times: int | None = None,
                          server: str | None = None) -> list[Entry]:
        """The MCP server mock received a ``tools/call`` of ``name`` (see :mod:`mockserver.mcp.assertions`)."""
        __tracebackhide__ = True
        from mockserver.mcp.assertions import assert_mcp_called

        return assert_mcp_called(self.calls, name, args=args, times=times, server=server)

    def assert_tool_result_sent(self, name: str) -> None:
        __tracebackhide__ = True
        assertions.assert_tool_result_sent(self.calls, name)

    def assert_all_rules_used(self, *names: str) -> None:
        """Every named rule answered a request. A name is a scenario (all its rules), a rule
        (``"rule"``, when one served scenario has it) or ``"scenario/rule"``; with no names, every
        rule of the scenarios this test added (marker, load, add), or of all served scenarios."""
        __tracebackhide__ = True
        served = self.scenarios
        if not names:
            chosen = self.added_scenarios or served
            assertions.assert_all_rules_used(self.calls, chosen)
            return
        rules = []
        for name in names:
            for rule in _named_rules(served, name):
                if rule not in rules:
                    rules.append(rule)
        assertions.assert_all_rules_used(self.calls, [], rules=rules, named=names)

    def assert_no_unmatched(self) -> None:
        __tracebackhide__ = True
        assertions.assert_no_unmatched(self.calls)


def _named_rules(served: Sequence[Scenario], name: str) -> list[Any]:
    """The rules ``name`` stands for: a scenario's, ``scenario/rule``, or a rule name."""
    by_name = {s.name: s for s in served}
    if name in by_name:
        return list(by_name[name].rules)
    scenario, _, rule = name.partition("/")
    if rule and scenario in by_name:
        found = [r for r in by_name[scenario].rules if r.name == rule]
        if found:
            return found
        raise ValueError(f"assert_all_rules_used: scenario '{scenario}' has no rule '{rule}'; its rules: "
                         f"{', '.join(r.name for r in by_name[scenario].rules)}")
    found = [r for s in served for r in s.rules if r.name == name]
    if len(found) == 1:
        return found
    if found:
        where = ", ".join(f"'{r.scenario.name}/{r.name}'" for r in found)
        raise ValueError(f"assert_all_rules_used: rule name '{name}' is ambiguous; name one of {where}")
    raise ValueError(f"assert_all_rules_used: no scenario or rule named '{name}'; served scenarios: "
                     f"{', '.join(by_name)} (name a rule as 'scenario/rule')")


def _caller() -> str:
    """' at file:line' of the first frame outside mockserver (the test that added a scenario)."""
    frame = sys._getframe(1)
    package = str(Path(__file__).parent)
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame = frame.f_back
    if frame is None:  # pragma: no cover
        return ""
    return f" at {Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
