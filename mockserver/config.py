"""Plain configuration values. The CLI maps flags onto it; ``from_env`` reads ``MOCKSERVER_…``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from mockserver.wire.body import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_DEPTH

ENV_PREFIX = "MOCKSERVER_"


class ConfigError(ValueError):
    pass


@dataclass
class Config:
    scenarios: list[str] = field(default_factory=list)  # files or folders; empty → default_scenarios()
    host: str = "127.0.0.1"
    port: int = 8000
    seed: int = 0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    log_level: str = "info"
    access_log: bool = False
    # streaming and timing emulation (server-wide; a reply's `timing` overrides)
    chunk_chars: int = 0  # 0 = word-sized pieces
    ttft: float = 0.0
    tps: float = 0.0
    jitter: float = 0.0
    memo: bool = True  # remember answers to identical requests (see mockserver.server.memo)
    journal_size: int = 1000  # requests kept in the journal (GET /_mock/journal); oldest drop out
    reload: bool = False  # watch the scenario files and swap in each good new set (mockserver.server.reload)
    reload_interval: float = 0.5  # seconds between polls of the scenario files
    # provider profiles, auth and generated calls
    profile: str = "openai"  # openai | vllm | vertex (X-Mock-Profile and a scenario's profile win)
    api_key: str = ""  # when set, API requests need "Authorization: Bearer <api_key>"
    auto: bool = False  # a request forcing a tool call that no rule answers gets a generated call
    near_misses: int = 5  # closest rules listed when no rule matches (no_matching_rule)

    def __post_init__(self) -> None:
        from mockserver.wire.profiles import PROFILES

        if self.profile not in PROFILES:
            raise ConfigError(f"unknown profile {self.profile!r}; valid profiles: {', '.join(PROFILES)}")

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
        return list(self.scenarios) or [str(default_scenarios())]


def _coerce(name: str, kind: Any, raw: str) -> Any:
    kind = str(kind)
    env = ENV_PREFIX + name.upper()
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
