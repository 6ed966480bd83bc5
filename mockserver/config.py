"""Plain configuration values. The CLI maps flags onto it; ``from_env`` reads ``MOCKSERVER_…``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Mapping

from mockserver.wire.body import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_SCENARIO_BYTES

ENV_PREFIX = "MOCKSERVER_"


class ConfigError(ValueError):
    pass


LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
# read by the test suite (and the --workers hand-over), not set by users
OTHER_VARIABLES = frozenset({"MOCKSERVER_WORKER_CONFIG", "MOCKSERVER_REDIS_REQUIRED", "MOCKSERVER_CONTAINER_TESTS", "MOCKSERVER_BROWSER_REQUIRED", "MOCKSERVER_SCREENSHOT_DIR"})


DEFAULT_PROFILE = "openai"  # the server's profile unless --profile names another


@dataclass
class Config:
    scenarios: list[str] = field(default_factory=list)  # files or folders; empty → default_scenarios()
    host: str = "127.0.0.1"
    # names besides localhost/127.0.0.1/::1/host that a request's Host may carry ("*": any)
    allowed_hosts: list[str] = field(default_factory=list)
    port: int = 8000  # 1–65535; 0 picks a free port
    seed: int = 0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_scenario_bytes: int = DEFAULT_MAX_SCENARIO_BYTES  # POST /_mock/scenarios body limit
    log_level: str = "info"
    access_log: bool = False
    # streaming and timing emulation (server-wide; a reply's `timing` overrides)
    chunk_chars: int = 0  # 0 = word-sized pieces
    ttft: float = 0.0
    tps: float = 0.0
    jitter: float = 0.0
    read_timeout: float = 15.0  # seconds for a request's headers and body to arrive (mockserver.server.timeouts)
    scenario_timeout: float = 2.0  # seconds to match and render one request (mockserver.engine.budget)
    memo: bool = True  # remember answers to identical requests (see mockserver.server.memo)
    journal_size: int = 1000  # requests kept in the journal (GET /_mock/journal); oldest drop out
    journal_bytes: int = 32 * 1024 * 1024  # and at most this much estimated memory; oldest drop out
    journal_file: str = ""  # append every journal entry to this file as a JSON line (mockserver.server.journalfile)
    journal_file_max_bytes: int = 64 * 1024 * 1024  # then the file is rotated (PATH.1, PATH.2, …)
    journal_file_backups: int = 3  # rotated files kept
    responses_store_size: int = 1000  # stored Responses-API responses (previous_response_id, GET); oldest drop out
    responses_store_bytes: int = 64 * 1024 * 1024  # … and at most this many bytes of them
    reload: bool = False  # watch the scenario files and swap in each good new set (mockserver.server.reload)
    reload_interval: float = 0.5  # seconds between polls of the scenario files
    # provider profiles, auth and generated calls
    profile: str = DEFAULT_PROFILE  # openai | vllm | vertex… (X-Mock-Profile and a scenario's profile win; a route's own profile applies while this is the default)
    api_key: str = ""  # when set, API requests need "Authorization: Bearer <api_key>"
    auto: bool = False  # a request forcing a tool call that no rule answers gets a generated call
    near_misses: int = 5  # closest rules listed when no rule matches (no_matching_rule)
    # start-up checks
    lenient: bool = False  # serve scenarios with validate errors anyway (they are logged)
    fallback: bool = True  # serve the bundled examples when ./scenarios holds no scenario file
    # serve --upstream: requests no rule matches go to a real provider (mockserver.record)
    upstream: str = ""  # its base URL, as the openai SDK's base_url (e.g. https://api.openai.com/v1)
    upstream_api_key: str = field(default="", repr=False)  # replaces the client's key upstream; never stored
    upstream_timeout: float = 600.0  # seconds without a byte from the upstream before a 504
    record: str = ""  # folder to record the upstream's answers into, as scenario files
    record_errors: bool = False  # record upstream errors too, as faults
    # scale-out (mockserver.server.state): processes on one port, and where the state they share lives
    workers: int = 1  # serve with N processes (uvicorn's process manager); > 1 shares state in SQLite by default
    state: str = ""  # memory | sqlite:///PATH | redis://HOST:PORT/DB ("": memory, or SQLite in a temp dir with workers > 1)
    strict: bool = False  # warnings (what the provider accepts but looks like a client bug) are 400s

    def __post_init__(self) -> None:
        from mockserver.wire.profiles import PROFILES

        if self.profile not in PROFILES:
            raise ConfigError(f"unknown profile {self.profile!r}; valid profiles: {', '.join(PROFILES)}")
        if self.record and not self.upstream:
            raise ConfigError("--record needs --upstream (the provider whose answers are recorded)")
        problems = list(self.problems())
        if problems:
            raise ConfigError("; ".join(problems))

    def problems(self) -> list[str]:
        """What is wrong with the values, named the way the user set them (flag and variable)."""
        found = []

        def bad(name: str, value: Any, want: str) -> None:
            found.append(f"{_names(name)} must be {want}, got {value!r}")

        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            bad("port", self.port, "a port number 1–65535 (0: any free port)")
        for name in ("max_body_bytes", "max_depth", "max_scenario_bytes", "near_misses", "workers"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                bad(name, value, "a whole number ≥ 1")
        for name in ("journal_size", "journal_bytes", "chunk_chars", "responses_store_size", "responses_store_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                bad(name, value, "a whole number ≥ 0")
        for name in ("ttft", "tps"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
                bad(name, value, "a number ≥ 0")
        if not isinstance(self.jitter, (int, float)) or not 0 <= self.jitter <= 1:
            bad("jitter", self.jitter, "a fraction between 0 and 1")
        for name in ("reload_interval", "upstream_timeout", "scenario_timeout", "read_timeout"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 < value < float("inf"):
                bad(name, value, "a number of seconds > 0")
        if self.state:
            from mockserver.server.state import SCHEMES

            scheme = self.state.split("://", 1)[0] if "://" in self.state else self.state
            if scheme not in SCHEMES or (scheme == "sqlite" and not self.state.startswith("sqlite:///")):
                bad("state", self.state, "memory, sqlite:///PATH or redis://HOST:PORT/DB")
        level = self.log_level.lower() if isinstance(self.log_level, str) else self.log_level
        if level not in LOG_LEVELS:
            bad("log_level", self.log_level, f"one of {', '.join(LOG_LEVELS)}")
        else:
            self.log_level = level
        return found

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Config":
        """Defaults, then ``MOCKSERVER_<FIELD>`` variables, then explicit overrides (not None)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def scenario_paths(self) -> list[str]:
        if self.scenarios:
            return list(self.scenarios)
        return [str(default_scenarios() if self.fallback else Path("scenarios"))]

    @property
    def falls_back(self) -> bool:
        """Whether the bundled examples stand in for an empty (or missing) ./scenarios."""
        return not self.scenarios and self.fallback and default_scenarios() != Path("scenarios")


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """A warning for each ``MOCKSERVER_*`` variable that no option reads (with the closest name)."""
    environ = os.environ if environ is None else environ
    known = {ENV_PREFIX + f.name.upper() for f in fields(Config)}
    warnings = []
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name in known or name in OTHER_VARIABLES:
            continue
        close = get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else f"; known: {', '.join(sorted(known))}"
        warnings.append(f"unknown environment variable {name} is ignored{hint}")
    return warnings


def _names(name: str) -> str:
    return f"--{name.replace('_', '-')} ({ENV_PREFIX}{name.upper()})"


def _coerce(name: str, kind: Any, raw: str) -> Any:
    kind = str(kind)
    env = ENV_PREFIX + name.upper()
    if name == "allowed_hosts":  # host names (IPv6 literals hold ':'): commas or spaces only
        return [p for p in raw.replace(",", " ").split() if p]
    if kind.startswith("list"):
        return [p for p in raw.replace(",", os.pathsep).split(os.pathsep) if p]
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{env}={raw!r} is not an integer") from None
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{env}={raw!r} is not a number") from None
    if kind == "bool":
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{env}={raw!r} is not a boolean (use true/false)")
    return raw


def default_scenarios() -> Path:
    """``./scenarios`` when present (and not empty), else the examples shipped in the package."""
    local = Path("scenarios")
    if local.is_dir() and any(p.suffix in (".yaml", ".yml") for p in local.iterdir()):
        return local
    from mockserver.engine.loader import bundled_scenarios_dir

    return bundled_scenarios_dir()
