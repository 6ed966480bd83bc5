"""``serve --reload``: a change swaps the whole scenario set; a broken file keeps the last good set
(and the log says why); requests sent meanwhile never fail. Polling with deadlines, no sleeps."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

import httpx
import pytest

from mockserver.config import Config, ConfigError
from mockserver.server.reload import ScenarioWatcher, snapshot
from mockserver.testing import ServerThread, free_port

from test_cli import run_server, stop, wait_ready

BODY = {"model": "any", "messages": [{"role": "user", "content": "hi"}]}
BROKEN = "version: 1\nname: live\nrules:\n  - name: r\n    when: {turn: -1}\n    reply: {content: broken}\n"
BROKEN_LOG = "live.yaml:5: rule 'r' at rules[0].when.turn: -1 is less than the minimum of 0"


def scenario(answer: str) -> str:
    return f"version: 1\nname: live\nrules:\n  - name: r\n    reply: {{content: {answer!r}}}\n"


def write(path: Path, text: str) -> None:
    """Replace the file's content in one step (as editors that save atomically do), with a newer mtime.

    Written beside the file and renamed over it: a watcher polling meanwhile sees the old file or
    the new one, never a truncated one or the new text before its mtime bump (a second change)."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    staged = path.with_name(f".{path.name}.tmp")
    staged.write_text(text, encoding="utf-8")
    if staged.stat().st_mtime_ns <= before:
        os.utime(staged, ns=(before + 1_000_000, before + 1_000_000))
    os.replace(staged, path)


def until(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def test_watcher_swaps_good_sets_and_keeps_the_last_good_one(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    live = tmp_path / "scenarios" / "live.yaml"
    write(live, scenario("one"))
    swapped = []
    watcher = ScenarioWatcher(["scenarios"], swapped.append)
    assert watcher.poll() is False  # nothing changed since it was created

    write(live, scenario("two!"))
    assert watcher.poll() is True
    assert [s.rules[0].reply.content.source for s in swapped] == ["two!"]

    write(live, BROKEN)
    with caplog.at_level(logging.ERROR, logger="mockserver.server.reload"):
        assert watcher.poll() is False
    assert caplog.messages == [f"scenario change not applied, still serving the last good set:\nscenarios/{BROKEN_LOG}"]
    assert watcher.poll() is False  # the same broken file is reported once, not on every poll
    assert len(swapped) == 1 and watcher.failures == 1

    (tmp_path / "scenarios" / "more.yml").write_text("version: 1\nname: more\nrules: [{reply: {content: m}}]\n")
    write(live, scenario("three"))
    assert watcher.poll() is True
    assert [s.name for s in swapped[-1].scenarios] == ["live", "more"] and watcher.last_error is None

    (tmp_path / "scenarios" / "more.yml").unlink()
    assert watcher.poll() is True
    assert [s.name for s in swapped[-1].scenarios] == ["live"]


def test_snapshot_sees_a_missing_path_appear(tmp_path):
    target = tmp_path / "later.yaml"
    before = snapshot([target])
    target.write_text(scenario("x"))
    assert snapshot([target]) != before


def test_reload_under_load_zero_failed_requests(tmp_path, monkeypatch, caplog):
    """A client sends requests in a loop while the file changes, breaks and is fixed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    live = tmp_path / "scenarios" / "live.yaml"
    write(live, scenario("v1"))
    config = Config(scenarios=["scenarios"], port=0, reload=True, reload_interval=0.02)
    answers: list[str] = []
    failures: list[str] = []
    done = threading.Event()

    def client(url: str) -> None:
        with httpx.Client(base_url=url, timeout=10) as http:
            while not done.is_set():
                try:
                    reply = http.post("/v1/chat/completions", json=BODY)
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                if reply.status_code != 200:
                    failures.append(f"{reply.status_code}: {reply.text}")
                else:
                    answers.append(reply.json()["choices"][0]["message"]["content"])

    with caplog.at_level(logging.INFO, logger="mockserver.server.reload"), ServerThread(config) as running:
        watcher = running.app.state.watcher
        assert watcher is not None
        thread = threading.Thread(target=client, args=(running.url,))
        thread.start()
        try:
            until(lambda: "v1" in answers, "the first answers")
            write(live, scenario("v2"))
            until(lambda: answers[-1:] == ["v2"], "the changed answer")
            write(live, BROKEN)
            until(lambda: watcher.failures == 1, "the broken file to be noticed")
            seen = len(answers)
            until(lambda: len(answers) > seen + 5, "more answers after the break")
            write(live, scenario("v3"))
            until(lambda: answers[-1:] == ["v3"], "the fixed answer")
        finally:
            done.set()
            thread.join(timeout=15)
        running.check()
    assert failures == []
    # Answers change once per good version, in order, and never go back (no mixed or broken set).
    changes = [a for i, a in enumerate(answers) if i == 0 or answers[i - 1] != a]
    assert changes == ["v1", "v2", "v3"]
    assert f"still serving the last good set:\nscenarios/{BROKEN_LOG}" in caplog.text
    assert caplog.text.count("reloaded 1 scenario(s) from scenarios") == 2


def test_cli_reload_from_env(tmp_path):
    live = tmp_path / "live.yaml"
    write(live, scenario("before"))
    port = free_port()
    proc = run_server(["serve", "--scenarios", str(live)], env={
        "MOCKSERVER_PORT": str(port), "MOCKSERVER_RELOAD": "true", "MOCKSERVER_RELOAD_INTERVAL": "0.05"})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc)

        def answer() -> str:
            return httpx.post(url + "/v1/chat/completions", json=BODY).json()["choices"][0]["message"]["content"]

        assert answer() == "before"
        write(live, scenario("after"))
        until(lambda: answer() == "after", "the reloaded answer")
    finally:
        stop(proc)
    assert proc.returncode == 0
    log = proc.stderr.read().splitlines() if proc.stderr else []
    assert f"INFO mockserver.server.reload: watching {live} for changes (every 0.05 s)" in log
    assert f"INFO mockserver.server.reload: reloaded 1 scenario(s) from {live}" in log


def test_without_reload_there_is_no_watcher(server):
    assert server.app.state.watcher is None


def test_an_empty_folder_that_fills_later_is_picked_up(tmp_path):
    """MOCKSERVER_SCENARIOS=/scenarios with a volume populated after the start (a CI checkout)."""
    swapped = []
    watcher = ScenarioWatcher([str(tmp_path)], swapped.append)
    (tmp_path / "late.yaml").write_text(scenario("late"))
    assert watcher.poll() is True
    assert [s.name for s in swapped[0].scenarios] == ["live"]


def test_reload_interval_from_env_must_be_a_number():
    assert Config.from_env({"MOCKSERVER_RELOAD": "1", "MOCKSERVER_RELOAD_INTERVAL": "0.25"}).reload_interval == 0.25
    with pytest.raises(ConfigError, match=r"^MOCKSERVER_RELOAD_INTERVAL='soon' is not a number$"):
        Config.from_env({"MOCKSERVER_RELOAD_INTERVAL": "soon"})
