"""``serve`` at start-up: the validate checks refuse broken scenarios (or log warnings), options
are checked from flags and environment alike, and problem requests are logged one line each."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from mockserver.cli import main
from mockserver.config import Config, ConfigError, unknown_variables
from mockserver.lint.startup import checked_load
from mockserver.server.reload import ScenarioWatcher
from mockserver.testing import free_port

from test_cli import run_server, stop, wait_ready

UNKNOWN_VARIABLE = """\
version: 1
name: typo
rules:
  - name: answer
    when: {last_message: {regex: 'on (?P<day>\\w+)'}}
    reply: {content: "See you on {{ captures.dya }} at {{ clock }}."}
"""
LOOPING = """\
version: 1
name: looping
rules:
  - name: call
    when: {tools: [get_weather]}
    reply: {tool_calls: [{name: get_weather, arguments: {city: Oslo}}]}
"""
GOOD = "version: 1\nname: good\nrules: [{name: hi, reply: {content: hi}}]\n"


@pytest.fixture(autouse=True)
def never_serve(monkeypatch):
    """In-process ``main(["serve", …])`` must stop before serving: if it got that far, fail (not hang)."""
    import uvicorn

    def refuse(*args, **kwargs):
        raise AssertionError("serve started instead of refusing")

    monkeypatch.setattr(uvicorn, "run", refuse)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_serve_refuses_what_validate_rejects_one_line_each(tmp_path, capsys):
    bad = write(tmp_path, "typo.yaml", UNKNOWN_VARIABLE)
    status = main(["serve", "--scenarios", str(bad), "--port", str(free_port())])
    assert status == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"mockserver: cannot load scenarios from {bad} (2 error(s); --lenient serves scenarios "
                      "with validate errors when they load):")
    assert err[1].startswith(f"{bad}:6: rule 'answer' at rules[0].reply.content: unknown template variable 'clock'; available: ")
    assert err[2] == (f"{bad}:6: rule 'answer' at rules[0].reply.content: uses captures.dya, but no regex of this rule "
                      "has a named group 'dya' (named groups: day)")
    assert len(err) == 3


def test_an_explicitly_named_empty_folder_is_an_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["serve", "--scenarios", str(tmp_path / "empty"), "--port", str(free_port())]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == f"{tmp_path / 'empty'}: no *.yaml or *.yml files in this folder"


def test_lenient_serves_validate_errors_and_warnings_are_logged(tmp_path):
    """One real start: --lenient, a looping rule, a misspelt variable; then one problem request each."""
    write(tmp_path, "typo.yaml", UNKNOWN_VARIABLE)
    write(tmp_path, "looping.yaml", LOOPING)
    port = free_port()
    proc = run_server(["serve", "--scenarios", str(tmp_path), "--lenient"],
                      env={"MOCKSERVER_PROT": "9", "MOCKSERVER_PORT": str(port)})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc)
        post = lambda text, **extra: httpx.post(url + "/v1/chat/completions", json={  # noqa: E731
            "model": "gpt-4o", "messages": [{"role": "user", "content": text}], **extra})
        assert post("see you on monday", model="typo").status_code == 422
        assert post("nothing scripted", model="typo").status_code == 400
        assert post("x", messages=[]).status_code == 400
    finally:
        stop(proc)
    log = proc.stderr.read().splitlines() if proc.stderr else []
    assert "WARNING mockserver: unknown environment variable MOCKSERVER_PROT is ignored; did you mean MOCKSERVER_PORT?" in log
    loop = [line for line in log if line.endswith("[loop]")]
    assert loop == [f"WARNING mockserver: {tmp_path / 'looping.yaml'}:4: warning: rule 'call' at rules[0]: loop: after its "
                    "call(s) of get_weather are answered, the follow-up request matches this rule again (tools still hold), "
                    "so an agent calls get_weather until it gives up; let it match only the request that asks for it "
                    "(e.g. last_message: {role: user}), or put a rule that answers the results before it [loop]"]
    assert any(line.startswith(f"WARNING mockserver: {tmp_path / 'typo.yaml'}:6: error: rule 'answer' at rules[0].reply.content: "
                               "unknown template variable 'clock'") and line.endswith("(served anyway: --lenient)") for line in log)
    requests = [line for line in log if line.startswith(("WARNING mockserver.requests", "INFO mockserver.requests"))]
    assert requests == [
        f"WARNING mockserver.requests: request #1 model 'typo': 422 Scenario error in scenario 'typo' rule 'answer' "
        f"({tmp_path / 'typo.yaml'}:4): captures.dya is undefined in 'See you on {{{{ captures.dya }}}} at {{{{ clock }}}}.': "
        "no regex of this rule captured a group 'dya' for this request (captures: day); use captures.get('dya') for an optional group",
        f"WARNING mockserver.requests: request #2 model 'typo': 400 unmatched: no rule matched; closest: scenario 'typo' "
        f"rule 'answer' ({tmp_path / 'typo.yaml'}:4): last_message expected to match /on (?P<day>\\w+)/, got 'nothing scripted'",
        "INFO mockserver.requests: request #3 model 'gpt-4o': 400 rejected: Invalid 'messages': empty array. Expected an "
        "array with minimum length 1, but got an empty array instead. (param: messages)",
    ]


def test_reload_applies_the_same_checks(tmp_path, caplog):
    live = write(tmp_path, "live.yaml", GOOD)
    swapped = []
    watcher = ScenarioWatcher([str(tmp_path)], swapped.append)
    live.write_text(UNKNOWN_VARIABLE.replace("name: typo", "name: good"), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert watcher.poll() is False
    assert swapped == [] and watcher.failures == 1
    assert f"{live}:6: rule 'answer' at rules[0].reply.content: uses captures.dya" in caplog.text
    lenient = ScenarioWatcher([str(tmp_path)], swapped.append, lenient=True)
    live.write_text(UNKNOWN_VARIABLE + "\n", encoding="utf-8")
    assert lenient.poll() is True and [s.name for s in swapped[0].scenarios] == ["typo"]


def test_with_reload_an_empty_folder_may_fill_later(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        assert len(checked_load([tmp_path], empty_ok=True)) == 0
    assert f"{tmp_path}: warning: no *.yaml or *.yml files in this folder: serving none from it until some appear" in caplog.text


@pytest.mark.parametrize("argv,env,message", [
    (["--port", "70000"], {}, "--port (MOCKSERVER_PORT) must be a port number 1–65535 (0: any free port), got 70000"),
    ([], {"MOCKSERVER_PORT": "-1"}, "--port (MOCKSERVER_PORT) must be a port number 1–65535 (0: any free port), got -1"),
    ([], {"MOCKSERVER_MAX_BODY_BYTES": "-5"}, "--max-body-bytes (MOCKSERVER_MAX_BODY_BYTES) must be a whole number ≥ 1, got -5"),
    (["--max-depth", "0"], {}, "--max-depth (MOCKSERVER_MAX_DEPTH) must be a whole number ≥ 1, got 0"),
    (["--near-misses", "0"], {}, "--near-misses (MOCKSERVER_NEAR_MISSES) must be a whole number ≥ 1, got 0"),
    ([], {"MOCKSERVER_JOURNAL_SIZE": "-1"}, "--journal-size (MOCKSERVER_JOURNAL_SIZE) must be a whole number ≥ 0, got -1"),
    (["--jitter", "2"], {}, "--jitter (MOCKSERVER_JITTER) must be a fraction between 0 and 1, got 2.0"),
    (["--tps", "-1"], {}, "--tps (MOCKSERVER_TPS) must be a number ≥ 0, got -1.0"),
    ([], {"MOCKSERVER_RELOAD_INTERVAL": "0"}, "--reload-interval (MOCKSERVER_RELOAD_INTERVAL) must be a number of seconds > 0, got 0.0"),
    ([], {"MOCKSERVER_LOG_LEVEL": "verbose"}, "--log-level (MOCKSERVER_LOG_LEVEL) must be one of critical, error, warning, info, debug, got 'verbose'"),
])
def test_options_are_checked_from_flags_and_environment(argv, env, message, monkeypatch, capsys):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", *argv]) == 2
    assert capsys.readouterr().err == f"mockserver: {message}\n"


def test_a_bad_option_is_one_line_and_exit_status_2_not_a_traceback():
    proc = subprocess.run([sys.executable, "-m", "mockserver", "serve"], capture_output=True, text=True, timeout=30,
                          env={"MOCKSERVER_LOG_LEVEL": "verbose", "PATH": ""})
    assert proc.returncode == 2
    assert proc.stderr == ("mockserver: --log-level (MOCKSERVER_LOG_LEVEL) must be one of critical, error, warning, info, "
                           "debug, got 'verbose'\n")


def test_log_level_from_the_environment_is_case_blind_and_unknown_variables_get_the_closest_name():
    assert Config.from_env({"MOCKSERVER_LOG_LEVEL": "DEBUG"}).log_level == "debug"
    assert unknown_variables({"MOCKSERVER_PROT": "9", "MOCKSERVER_SEED": "1", "MOCKSERVER_CONTAINER_TESTS": "1", "HOME": "/"}) == [
        "unknown environment variable MOCKSERVER_PROT is ignored; did you mean MOCKSERVER_PORT?"]
    with pytest.raises(ConfigError):
        Config(port=65536)
    assert Config(port=0).port == 0  # any free port (the pytest fixture's choice)


def test_warnings_of_an_answered_request_are_logged_one_line_each(server, caplog):
    """What the provider accepts but looks like a client bug: answered, and logged at WARNING."""
    body = {"model": "m", "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "12:00"}]}
    with caplog.at_level(logging.WARNING, logger="mockserver.requests"):
        response = httpx.post(server.url + "/v1/chat/completions", json=body)
    assert response.status_code == 200
    [line] = [f"{r.levelname} {r.getMessage()}" for r in caplog.records if r.name == "mockserver.requests"]
    assert line.startswith("WARNING request #")
    assert (" model 'm' answered by scenario 'catch-all' rule 'default-answer' (") in line
    assert ": warning: history.undeclared_function at messages[1].tool_calls[0].function.name: The history calls " \
           "function 'get_time'" in line


def test_every_mockserver_variable_the_repository_uses_is_known():
    """A variable the project itself sets (CI, tests) is never warned about as a misspelling."""
    used = subprocess.run(["git", "grep", "-ohE", "MOCKSERVER_[A-Z_]*[A-Z]"], capture_output=True, text=True,
                          cwd=Path(__file__).parent).stdout.split()
    assert unknown_variables(dict.fromkeys(set(used) - {"MOCKSERVER_PROT"}, "x")) == []  # PROT: the docs' misspelling
