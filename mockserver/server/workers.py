"""``serve --workers N``: what each of uvicorn's worker processes imports.

uvicorn's own process manager (``uvicorn.run(..., workers=N)``) binds the port once, starts N
processes that accept on it, restarts one that dies, and stops them all gracefully on SIGTERM
or SIGINT. It starts each worker from an import string, so the parent hands the configuration
down as plain values in one environment variable; each worker loads the scenarios (already
checked by the parent) and builds its app, sharing the state the configuration names (see
:mod:`mockserver.server.state`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from typing import Any

from mockserver.config import Config

CONFIG_VARIABLE = "MOCKSERVER_WORKER_CONFIG"
APP = "mockserver.server.workers:app"
PROTOCOL = "mockserver.server.workers:Protocol"


def encode(config: Config) -> str:
    return json.dumps(dataclasses.asdict(config))


def _config() -> Config:
    raw = os.environ.get(CONFIG_VARIABLE)
    if not raw:
        raise RuntimeError(f"{APP} is started by 'mockserver serve --workers N', which sets {CONFIG_VARIABLE}")
    return Config(**json.loads(raw))


def app() -> Any:
    """The factory uvicorn calls in each worker."""
    from mockserver.lint.startup import checked_load
    from mockserver.server import memory
    from mockserver.server.app import build_app

    memory.tune_collector()  # as in a single process (mockserver.cli.serve)
    config = _config()
    logging.basicConfig(level=config.log_level.upper(), format=f"%(levelname)s %(name)s[{os.getpid()}]: %(message)s")
    scenarios = checked_load(config.scenario_paths(), config.lenient, empty_ok=True)
    return build_app(config, scenarios)


def __getattr__(name: str) -> Any:
    if name == "Protocol":  # uvicorn's HTTP protocol with the read timeout, by import string
        from mockserver.server.timeouts import protocol_class

        return protocol_class(_config().read_timeout)
    raise AttributeError(name)
