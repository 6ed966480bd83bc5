"""The console script and ``python -m mockserver``: real processes, real ports, env vars."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mockserver.config import Config, ConfigError
from mockserver.testing import free_port

ROOT = Path(__file__).resolve().parent.parent


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(url + "/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.02)
    raise AssertionError("server did not become ready")


def run_server(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen:
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "mockserver", *args], env=full_env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a hang is itself the failure
        proc.kill()
        raise


def test_serve_from_env_vars_in_a_folder_without_scenarios(tmp_path):
    """Outside a project, with only MOCKSERVER_* variables: the bundled examples are served."""
    port = free_port()
    proc = run_server(["serve"], env={"MOCKSERVER_PORT": str(port), "MOCKSERVER_SEED": "7"}, cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        models = httpx.get(url + "/v1/models").json()
        assert {"Qwen2-VL-7B-Instruct", "gpt-5.4", "gpt-4o", "catch-all"} <= {m["id"] for m in models["data"]}
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        first = httpx.post(url + "/v1/chat/completions", json=body).json()
        again = httpx.post(url + "/v1/chat/completions", json=body).json()
        assert first == again  # deterministic: ids, created, usage
    finally:
        stop(proc)
    assert proc.returncode == 0


def test_serve_scenarios_flag_and_seed_change_ids(tmp_path):
    scenario = tmp_path / "mine.yaml"
    scenario.write_text("version: 1\nname: mine\nmodels: [my-model]\nrules: [{reply: {content: mine}}]\n")
    ids = []
    for seed in ("1", "2"):
        port = free_port()
        proc = run_server(["serve", "--scenarios", str(scenario), "--port", str(port), "--seed", seed])
        try:
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, proc)
            assert [m["id"] for m in httpx.get(url + "/models").json()["data"]] == ["my-model", "mine"]
            assert httpx.get(url + "/v1/models/my-model").json()["id"] == "my-model"
            r = httpx.post(url + "/chat/completions", json={"model": "x", "messages": [{"role": "user", "content": "q"}]})
            assert r.json()["choices"][0]["message"]["content"] == "mine"
            ids.append(r.json()["id"])
        finally:
            stop(proc)
    assert ids[0] != ids[1]


def test_local_scenarios_folder_is_the_default(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "local.yml").write_text("version: 1\nname: local\nrules: [{reply: {content: local}}]\n")
    port = free_port()
    proc = run_server(["serve", "--port", str(port)], cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        r = httpx.post(url + "/v1/chat/completions", json={"model": "x", "messages": [{"role": "user", "content": "q"}]})
        assert r.json()["choices"][0]["message"]["content"] == "local"
    finally:
        stop(proc)


def test_broken_scenarios_fail_at_start_with_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: bad\nrules:\n  - name: r\n    when: {turn: -1}\n    reply: {content: x}\n")
    proc = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--scenarios", str(bad), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert "cannot load scenarios" in proc.stderr
    assert "bad.yaml:5: rule 'r' at rules[0].when.turn:" in proc.stderr


def test_console_script_help():
    exe = Path(sys.executable).with_name("mockserver")
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    out = subprocess.run([str(exe), "serve", "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    for flag in ("--scenarios", "--host", "--port", "--seed", "MOCKSERVER_SCENARIOS"):
        assert flag in out.stdout


def test_config_env_parsing():
    config = Config.from_env({"MOCKSERVER_SCENARIOS": "a.yaml,b", "MOCKSERVER_PORT": "9", "MOCKSERVER_ACCESS_LOG": "yes"}, seed=3)
    assert config.scenarios == ["a.yaml", "b"] and config.port == 9 and config.access_log is True and config.seed == 3
    assert config.host == "127.0.0.1"
    with pytest.raises(ConfigError, match="MOCKSERVER_PORT='x' is not an integer"):
        Config.from_env({"MOCKSERVER_PORT": "x"})


def test_serve_starts_with_the_collector_back_on_its_start_up_frozen_and_full_collections_rarer(monkeypatch, tmp_path):
    """``serve`` turns the collector off while it builds (imports, scenarios, app), freezes what
    it built, and serves with the collector on and mockserver.server.memory's thresholds."""
    import gc

    import uvicorn

    from mockserver.cli import main
    from mockserver.server import memory

    seen = {}

    def run(app, **kwargs):
        seen.update(enabled=gc.isenabled(), thresholds=gc.get_threshold(), frozen=gc.get_freeze_count(),
                    routes={r.path for r in app.routes})

    (tmp_path / "s.yaml").write_text("version: 1\nname: s\nrules:\n  - reply: {content: hi}\n")
    before = gc.get_threshold()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}  # serve sets its own
    monkeypatch.setattr(uvicorn, "run", run)
    try:
        assert main(["serve", "--port", "0", "--scenarios", str(tmp_path)]) == 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert seen["enabled"] and seen["thresholds"] == memory.THRESHOLDS and seen["frozen"] > 10_000
    assert "/v1/chat/completions" in seen["routes"]
    assert gc.isenabled()


def test_serve_that_cannot_load_leaves_the_collector_on(tmp_path, capsys):
    import gc

    from mockserver.cli import main

    (tmp_path / "bad.yaml").write_text("version: 1\nname: [\n")
    assert main(["serve", "--port", "0", "--scenarios", str(tmp_path)]) == 1
    assert gc.isenabled()
    assert "bad.yaml:" in capsys.readouterr().err
