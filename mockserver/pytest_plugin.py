"""The pytest plugin (entry point ``pytest11: mockserver``): fixture ``mockserver`` and marker.

One real server per session (per xdist worker), reset for every test. Requests the server
answered with an error, and warnings it sent (``X-Mock-Warnings``: what the real provider accepts
but usually means a client bug), fail the test at the end of its call phase unless the test
declared them (``expect_errors``, ``expect_warnings``, or the marker's options).
Heavy imports (uvicorn, starlette) wait until a test asks for the fixture.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from mockserver.fixture import MockServer
    from mockserver.testing import ServerThread

MARKER = "mockserver"
MARKER_KEYS = ("scenarios", "profile", "seed", "expect_errors", "allow_warnings", "strict")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--mockserver-har-dir",
        metavar="DIR",
        help="where a failing test's mockserver journal is saved as a HAR file "
        "(default: ini mockserver_har_dir, else .pytest_cache/d/mockserver-har; 'off' saves none)",
    )
    parser.addini(
        "mockserver_har_dir",
        type="string",
        default="",
        help="where a failing test's mockserver journal is saved as a HAR file ('off': never)",
    )
    parser.addini(
        "mockserver_scenarios",
        type="paths",
        default=[],
        help="scenario files or folders the mockserver fixture serves "
        "(default: MOCKSERVER_SCENARIOS, else <rootdir>/scenarios, else the bundled examples)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockserver(scenarios=[...], profile=None, seed=None, expect_errors=False, allow_warnings=False, "
        "strict=False): what the mockserver fixture serves for this test (scenario paths, dicts or YAML "
        "texts), and which errors and warnings the test expects",
    )


def session_scenario_paths(pytestconfig: pytest.Config, env_scenarios: list[str]) -> list[str]:
    """What ``mockserver serve`` would serve, seen from the rootdir."""
    if env_scenarios:
        return list(env_scenarios)
    configured = pytestconfig.getini("mockserver_scenarios")
    if configured:
        return [str(p) for p in configured]
    local = Path(pytestconfig.rootpath) / "scenarios"
    if local.is_dir() and any(p.suffix in (".yaml", ".yml") for p in local.iterdir()):
        return [str(local)]
    from mockserver.engine.loader import bundled_scenarios_dir

    return [str(bundled_scenarios_dir())]


@pytest.fixture(scope="session")
def mockserver_session(pytestconfig: pytest.Config) -> Iterator["ServerThread"]:
    """The session's server (one per xdist worker). Tests use ``mockserver``, which resets it."""
    from mockserver.config import Config, ConfigError
    from mockserver.engine.loader import ScenarioLoadError
    from mockserver.lint.startup import checked_load
    from mockserver.testing import ServerThread

    try:
        config = Config.from_env(port=0, host="127.0.0.1")
    except ConfigError as exc:
        pytest.fail(f"mockserver: {exc}", pytrace=False)
    paths = session_scenario_paths(pytestconfig, config.scenarios)
    failed = None
    try:
        scenarios = checked_load(paths)  # what `serve` and `validate` check, with their words
    except ScenarioLoadError as exc:
        failed = f"mockserver: cannot load the scenarios in {', '.join(paths)}:\n{exc}"
    if failed:  # outside the except: no chained traceback, only the problems
        pytest.fail(failed, pytrace=False)
    started = time.perf_counter()
    server = ServerThread(config, scenarios).start()
    server.startup_seconds = time.perf_counter() - started  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()
    server.check()


@pytest.fixture
def mockserver(request: pytest.FixtureRequest, mockserver_session: "ServerThread") -> Iterator["MockServer"]:
    """A real mockserver for this test: ``url``, ``base_url``, ``client()``, the journal
    (``calls``, ``last``…), scenarios (``load``, ``add``) and tool-level assertions."""
    from mockserver.fixture import MockServer

    mock = MockServer(mockserver_session, where=request.node.nodeid,
                      search=[request.path.parent, request.config.rootpath])
    mock.reset()
    _apply_marker(mock, request.node.get_closest_marker(MARKER), request.node.nodeid)
    try:
        yield mock
    finally:
        mock.close()
    mockserver_session.check()


def _apply_marker(mock: "MockServer", marker: pytest.Mark | None, nodeid: str) -> None:
    if marker is None:
        return
    where = f"@pytest.mark.mockserver on {nodeid}"
    if marker.args:
        pytest.fail(f"{where}: takes keyword arguments only ({', '.join(MARKER_KEYS)}), got positional {marker.args!r}",
                    pytrace=False)
    unknown = sorted(set(marker.kwargs) - set(MARKER_KEYS))
    if unknown:
        pytest.fail(f"{where}: unknown argument(s) {', '.join(unknown)}; valid: {', '.join(MARKER_KEYS)}", pytrace=False)
    from mockserver.engine.loader import ScenarioLoadError

    kwargs = marker.kwargs
    failed = None
    try:
        if kwargs.get("scenarios") is not None:
            items = kwargs["scenarios"]
            mock.use(items if isinstance(items, (list, tuple)) else [items])
        if kwargs.get("seed") is not None:
            mock.seed = kwargs["seed"]
        mock.set_profile(kwargs.get("profile"))
        if kwargs.get("strict") is not None:
            mock.set_strict(kwargs["strict"])
    except ScenarioLoadError as exc:
        failed = f"{where}: cannot load scenarios={_shown(kwargs.get('scenarios'))}:\n{exc}"
    except (TypeError, ValueError) as exc:
        failed = f"{where}: {exc}"
    if failed:  # outside the except: no chained traceback, only the problems
        pytest.fail(failed, pytrace=False)
    mock.expect_all_errors = bool(kwargs.get("expect_errors", False))
    mock.allow_warnings = bool(kwargs.get("allow_warnings", False))


def _mock_of(item: pytest.Item) -> "MockServer | None":
    from mockserver.fixture import MockServer

    mock = getattr(item, "funcargs", {}).get(MARKER)
    return mock if isinstance(mock, MockServer) else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After the test body: fail on server-side problems it did not expect; when the body itself
    failed, attach the journal to the report instead (the first failure is the one to read)."""
    if MARKER not in getattr(item, "fixturenames", ()):
        return (yield)
    try:
        result = yield
    except BaseException as exc:
        from mockserver.assertions import MockAssertionError

        mock = _mock_of(item)
        if mock is not None and mock.called and not isinstance(exc, MockAssertionError):
            item.add_report_section("call", "mockserver journal", mock.describe())
        if mock is not None and not isinstance(exc, pytest.skip.Exception):
            _attach_har(item, mock)
        raise
    mock = _mock_of(item)
    failure = None
    if mock is not None:
        try:
            mock.check()
        except AssertionError as exc:
            failure = str(exc)
    if failure is not None:
        _attach_har(item, mock)
        pytest.fail(failure, pytrace=False)
    return result


def har_dir(config: pytest.Config) -> Path | None:
    """Where failing tests' HAR files go; None when turned off."""
    chosen = config.getoption("mockserver_har_dir") or config.getini("mockserver_har_dir")
    if chosen:
        return None if chosen.strip().lower() == "off" else Path(config.rootpath, chosen)
    cache = getattr(config, "cache", None)
    if cache is not None:
        return cache.mkdir("mockserver-har")
    import tempfile

    return Path(tempfile.gettempdir(), "mockserver-har")


def _attach_har(item: pytest.Item, mock: "MockServer") -> None:
    """Save the failing test's journal as a HAR file; its path goes into the report (a section,
    and a ``mockserver_har`` property that junitxml writes out)."""
    folder = har_dir(item.config)
    if folder is None or not mock.called:
        return
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_")[-150:] or "test"
    try:
        path = mock.save_har(folder / f"{name}.har")
    except OSError as exc:
        item.add_report_section("call", "mockserver HAR", f"could not be saved in {folder}: {exc}")
        return
    item.user_properties.append(("mockserver_har", str(path)))
    item.add_report_section("call", "mockserver HAR", f"the journal as HAR 1.2: {path}")


def _shown(items: Any) -> str:
    """The marker's ``scenarios=`` as a reader recognises it: paths by name, texts and dicts by position."""
    items = items if isinstance(items, (list, tuple)) else [items]
    shown = [str(x) if isinstance(x, (str, Path)) and "\n" not in str(x) else f"<scenarios[{k}]>" for k, x in enumerate(items)]
    return "[" + ", ".join(shown) + "]"
