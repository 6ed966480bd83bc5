"""The compatibility suite: real agent frameworks against a real mockserver.

Not part of the default run (``tests/conftest.py`` keeps it out of ``python -m pytest``); run it
with ``scripts/compat.sh`` (what CI runs: one venv per pyproject extra, ``npm ci`` for the node
stacks), or ``python -m pytest tests/compat --compat-extra NAME`` in a venv with that extra.

Each ``test_<stack>.py`` has one test, parametrised here from ``stacks.STACKS`` over
dialect × case × streamed/plain × provider profile. A dialect whose route the server does not
serve yet is skipped with "dialect not served yet" (found by probing the route), so those tests
run by themselves once it is served.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the suite's helpers: cases, check, stacks, transcript
pytest.register_assert_rewrite("check")  # its asserts show pytest's diffs

from cases import CASES, Case  # noqa: E402
from check import check_exchange  # noqa: E402
from stacks import DIALECTS, EXTRAS, MCP_STACKS, PROFILES, STACKS, Stack  # noqa: E402

NODE_DIR = Path(__file__).parent / "node"
NOT_SERVED = "dialect not served yet"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--compat-extra", choices=EXTRAS, default=None,
                     help="run only the stacks this pyproject extra installs (CI runs each extra in its own venv)")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    extra = config.getoption("--compat-extra")
    if extra is None or not collection_path.name.startswith("test_"):
        return None
    stack = STACKS.get(collection_path.stem[len("test_"):]) or MCP_STACKS.get(collection_path.stem[len("test_mcp_"):])
    return True if stack is not None and stack.extra != extra else None


def pytest_report_header(config: pytest.Config) -> str:
    extra = config.getoption("--compat-extra")
    chosen = [s.key for s in STACKS.values() if extra in (None, s.extra)]
    return f"compat stacks ({extra or 'all extras'}): {', '.join(chosen)}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    stack: Stack | None = getattr(metafunc.module, "STACK", None)
    if stack is None or "case" not in metafunc.fixturenames:
        return
    params = []
    for dialect in stack.dialects:
        for name in stack.cases:
            for stream in (False, True):
                for profile in PROFILES:
                    reason = stack.known_failure(dialect, name, stream, profile)
                    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
                    ident = f"{dialect}-{name}-{'stream' if stream else 'plain'}-{profile}"
                    params.append(pytest.param(dialect, CASES[name], stream, profile, marks=marks, id=ident))
    metafunc.parametrize(("dialect", "case", "stream", "profile"), params)


@pytest.fixture(scope="session")
def served_dialects(mockserver_session: Any) -> frozenset[str]:
    """The dialects whose route the session's server answers (a GET: 404 unknown, 405 served)."""
    served = set()
    with httpx.Client(base_url=mockserver_session.url, timeout=10) as http:
        for dialect, route in DIALECTS.items():
            if http.get(route).status_code != 404:
                served.add(dialect)
    return frozenset(served)


class Exchange:
    """One test's run: serve the case's scenario under the profile, run the stack, check."""

    def __init__(self, mock: Any, stack: Stack, dialect: str, case: Case, stream: bool, profile: str) -> None:
        self.mock, self.stack, self.dialect, self.case, self.stream = mock, stack, dialect, case, stream
        mock.use([case.scenario])
        mock.set_profile(profile)

    @property
    def base_url(self) -> str:
        """With ``/v1`` (OpenAI clients)."""
        return self.mock.base_url

    @property
    def url(self) -> str:
        """Without ``/v1`` (Anthropic clients add it)."""
        return self.mock.url

    @property
    def api_key(self) -> str:
        return self.mock.api_key

    def run(self, runners: dict[str, Any]) -> list[str]:
        """The stack's runner for this dialect (its test module's ``RUN``), run: the answers."""
        runner = runners.get(self.dialect)
        if runner is None:
            pytest.fail(f"{self.stack.title} speaks {self.dialect} (stacks.py) and the server serves it, but "
                        f"test_{self.stack.key}.py has no runner for it in RUN", pytrace=False)
        return runner(self)

    def check(self, answers: list[str]) -> None:
        __tracebackhide__ = True
        check_exchange(self.mock, self.stack, self.case, self.dialect, self.stream, answers)

    def node(self, script: str, *args: str) -> list[str]:
        """Run ``node/<script> args…`` with the case on stdin; it prints ``{"answers": [...]}``."""
        node = shutil.which("node")
        if node is None:
            pytest.fail("node is not installed: the node stacks need node >= 20 (`.ci/run` installs it with apt)")
        if not (NODE_DIR / "node_modules").is_dir():
            pytest.fail(f"the node packages are not installed: npm ci --prefix {NODE_DIR}")
        spec = dict(self.case.spec(), dialect=self.dialect, stream=self.stream, base_url=self.base_url,
                    api_key=self.api_key, forced_choice=self.stack.forced_choice)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AI_SDK_"))}
        done = subprocess.run([node, str(NODE_DIR / script), *args], input=json.dumps(spec), capture_output=True,
                              text=True, timeout=90, cwd=NODE_DIR, env=env)
        if done.returncode != 0:
            raise AssertionError(f"node {script} failed ({done.returncode}):\n{done.stderr[-4000:]}\n{self.mock.describe()}")
        return json.loads(done.stdout.strip().splitlines()[-1])["answers"]


@pytest.fixture
def exchange(request: pytest.FixtureRequest, mockserver: Any, served_dialects: frozenset[str],
             dialect: str, case: Case, stream: bool, profile: str) -> Exchange:
    if dialect not in served_dialects:
        pytest.skip(f"{NOT_SERVED}: {DIALECTS[dialect]} answers 404")
    return Exchange(mockserver, request.module.STACK, dialect, case, stream, profile)
