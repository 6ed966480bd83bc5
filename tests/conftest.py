from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import jsonschema
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from mockserver.config import Config
from mockserver.engine.loader import bundled_scenarios_dir, load_paths, load_text
from mockserver.engine.model import ScenarioSet
from mockserver.testing import ServerThread

pytest_plugins = ["pytester"]  # the pytest plugin's own tests run pytest inside pytest


def _one_ssl_context_per_test_process() -> None:
    """Every ``httpx.Client`` (``httpx.post``, and each OpenAI/Anthropic/genai SDK client)
    builds an SSL context and loads the CA bundle: ~30 ms, thousands of times per run, for
    loopback HTTP that never uses it. Contexts are safe to share, so the default one is built
    once per process (any other ``verify``/``cert`` still gets its own)."""
    from httpx._transports import default

    original = getattr(default, "create_ssl_context", None)
    if original is None or getattr(original, "shared", False):
        return
    made: dict[bool, Any] = {}

    def shared(verify: Any = True, cert: Any = None, trust_env: bool = True) -> Any:
        if verify is not True or cert is not None:
            return original(verify=verify, cert=cert, trust_env=trust_env)
        if trust_env not in made:
            made[trust_env] = original(verify=verify, cert=cert, trust_env=trust_env)
        return made[trust_env]

    shared.shared = True  # type: ignore[attr-defined]
    default.create_ssl_context = shared


_one_ssl_context_per_test_process()

FIXTURES = Path(__file__).parent / "fixtures"
COMPAT = Path(__file__).parent / "compat"  # the compatibility suite: only when asked for


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Keep tests/compat (real agent frameworks, minutes) out of the default run; it runs when
    named: ``python -m pytest tests/compat``."""
    if collection_path != COMPAT:
        return None
    base = config.invocation_params.dir
    named = [(base / arg.split("::")[0]).resolve() for arg in config.args]
    return not any(path == COMPAT or COMPAT in path.parents for path in named)
OFFICIAL = json.loads((FIXTURES / "openai-chat-schemas.json").read_text())
_REGISTRY = Registry().with_resource("urn:openai", DRAFT202012.create_resource(OFFICIAL))
# the Responses API's schemas ($refs are "#/components/schemas/NAME" within the same document)
RESPONSES_OFFICIAL = json.loads((FIXTURES / "openai-responses-schemas.json").read_text())


def official_validator(name: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"urn:openai#/components/schemas/{name}"}
    return jsonschema.Draft202012Validator(schema, registry=_REGISTRY)


def assert_official(name: str, instance: Any) -> None:
    """Fail with the best schema error if ``instance`` is not a valid ``name`` per OpenAI's spec."""
    error = jsonschema.exceptions.best_match(official_validator(name).iter_errors(instance))
    assert error is None, f"not a valid {name}: {error.message} at {error.json_path}\n{json.dumps(instance)[:2000]}"


class _Schemas:
    """One official document's ``components/schemas``, validators compiled once per name."""

    def __init__(self, document: dict[str, Any], urn: str) -> None:
        self.urn = urn
        self.registry = Registry().with_resource(urn, DRAFT202012.create_resource(document))
        self.validators: dict[str, jsonschema.Draft202012Validator] = {}

    def check(self, name: str, instance: Any) -> None:
        validator = self.validators.get(name)
        if validator is None:
            schema = {"$ref": f"{self.urn}#/components/schemas/{name}"}
            validator = self.validators[name] = jsonschema.Draft202012Validator(schema, registry=self.registry)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        assert error is None, f"not a valid {name}: {error.message} at {error.json_path}\n{json.dumps(instance)[:2000]}"


_RESPONSES_SCHEMAS = _Schemas(RESPONSES_OFFICIAL, "urn:openai-responses")
# Anthropic's Messages API: the published components.schemas, Message, ErrorResponse and the stream events
ANTHROPIC_OFFICIAL = json.loads((FIXTURES / "anthropic-messages-schemas.json").read_text())
_ANTHROPIC_SCHEMAS = _Schemas(ANTHROPIC_OFFICIAL, "urn:anthropic")


def assert_responses_official(name: str, instance: Any) -> None:
    """Like :func:`assert_official`, against the Responses API's schemas (Response, ResponseStreamEvent, …)."""
    _RESPONSES_SCHEMAS.check(name, instance)


def assert_anthropic_official(name: str, instance: Any) -> None:
    """Like :func:`assert_official`, against Anthropic's schemas (Message, ErrorResponse, MessageStreamEvent, …)."""
    _ANTHROPIC_SCHEMAS.check(name, instance)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def server() -> Iterator[ServerThread]:
    """The bundled scenarios, served once for the whole session."""
    with ServerThread(Config(scenarios=[str(bundled_scenarios_dir())], port=0)) as running:
        yield running
        running.check()


def scenario_set(*texts: str) -> ScenarioSet:
    scenarios = []
    for i, text in enumerate(texts):
        found, problems = load_text(textwrap.dedent(text), f"inline{i}.yaml")
        assert not problems, "\n".join(map(str, problems))
        scenarios.extend(found)
    return ScenarioSet(scenarios)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A scratch folder as the working directory, so findings name files relatively."""
    monkeypatch.chdir(tmp_path)

    def write(name: str, text: str) -> str:
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return name

    return write


@pytest.fixture
def serve() -> Iterator[Callable[..., ServerThread]]:
    """Start a server with inline YAML scenarios (and Config overrides); stopped after the test."""
    started: list[ServerThread] = []

    def start(*texts: str, **config: Any) -> ServerThread:
        running = ServerThread(Config(**{"port": 0, **config}), scenario_set(*texts)).start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
        running.check()


@pytest.fixture
def http(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture
def openai_client(server: ServerThread):
    import openai

    return openai.OpenAI(base_url=server.base_url, api_key="test-key", max_retries=0)


@pytest.fixture
async def async_openai_client(server: ServerThread, anyio_backend: str):
    import openai

    # Closed on the test's own event loop: left to the garbage collector, its connections would be
    # closed later from whichever async test runs then, against this test's closed loop.
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key="test-key", max_retries=0) as client:
        yield client


def bundled() -> ScenarioSet:
    return load_paths([bundled_scenarios_dir()])
