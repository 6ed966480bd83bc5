"""The container image's contract, checked without a container engine: the Dockerfile's shape,
its HEALTHCHECK command against a live server, and the /scenarios fallback it relies on.
The image itself is built and smoke-tested by scripts/container-smoke.sh (run by .ci/run)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.testing import free_port

from test_cli import run_server, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0], line.split(None, 1)[1] if " " in line else "") for line in lines]


def test_dockerfile_contract():
    steps = instructions()
    assert steps[:2] == [("ARG", "PYTHON_BASE=python:3.12-slim"), ("FROM", "${PYTHON_BASE} AS build")]
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM"):]
    ops = dict(final)
    assert ops["FROM"] == "${PYTHON_BASE}"
    assert ops["USER"] == "10001:10001"
    assert ops["EXPOSE"] == "8000"
    assert ops["WORKDIR"] == "/"  # so ./scenarios, the default folder, is /scenarios
    assert json.loads(ops["ENTRYPOINT"]) == ["mockserver"] and json.loads(ops["CMD"]) == ["serve"]  # exec form: PID 1 gets SIGTERM
    assert "MOCKSERVER_HOST=0.0.0.0" in ops["ENV"] and "MOCKSERVER_PORT=8000" in ops["ENV"]
    assert any("pip install --no-cache-dir '.[redis]'" in args for op, args in steps if op == "RUN")  # [redis]: replicas' shared state
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[1:5] == ["*", "!pyproject.toml", "!README.md", "!mockserver/"]


def healthcheck_command() -> list[str]:
    spec = dict(instructions())["HEALTHCHECK"]
    return json.loads(spec.split(" CMD ", 1)[1])


def test_healthcheck_passes_against_a_live_server_and_fails_without_one(server):
    command = healthcheck_command()
    assert command[:2] == ["python3", "-c"]  # the standard library only: no curl in a slim image
    run = [sys.executable, *command[1:]]
    ok = subprocess.run(run, env={**os.environ, "MOCKSERVER_PORT": str(server.config.port)}, capture_output=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    down = subprocess.run(run, env={**os.environ, "MOCKSERVER_PORT": str(free_port())}, capture_output=True, text=True, timeout=30)
    assert down.returncode == 1 and "Connection refused" in down.stderr


def test_empty_scenarios_folder_serves_the_bundled_examples_and_says_so(tmp_path):
    """The image's /scenarios without a volume: an empty ./scenarios in the working directory."""
    (tmp_path / "scenarios").mkdir()
    port = free_port()
    proc = run_server(["serve"], env={"MOCKSERVER_PORT": str(port)}, cwd=tmp_path)
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc)
    finally:
        stop(proc)
    log = proc.stderr.read().splitlines() if proc.stderr else []
    assert (f"WARNING mockserver: no *.yaml/*.yml files in {tmp_path / 'scenarios'}: serving the bundled examples "
            "(--no-fallback or MOCKSERVER_FALLBACK=false makes this an error)") in log


def test_the_fallback_can_be_switched_off(tmp_path):
    """MOCKSERVER_FALLBACK=false: a container started without its scenarios volume refuses to start."""
    (tmp_path / "scenarios").mkdir()
    proc = subprocess.run([sys.executable, "-m", "mockserver", "serve"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=30, env={**os.environ, "MOCKSERVER_PORT": str(free_port()), "MOCKSERVER_FALLBACK": "false"})
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == "scenarios: no *.yaml or *.yml files in this folder"


def test_ci_runs_the_smoke_script_after_the_suite():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == 'PYTHON="$(command -v python)" scripts/container-smoke.sh'
    assert os.access(ROOT / "scripts" / "container-smoke.sh", os.X_OK)


@pytest.mark.timeout(900)
@pytest.mark.skipif(os.environ.get("MOCKSERVER_CONTAINER_TESTS") != "1",
                    reason="set MOCKSERVER_CONTAINER_TESTS=1 to build and smoke-test the image here (.ci/run runs the script itself)")
@pytest.mark.skipif(not (shutil.which("podman") or shutil.which("docker")), reason="needs podman or docker")
def test_container_smoke_script():
    result = subprocess.run([str(ROOT / "scripts" / "container-smoke.sh")], env={**os.environ, "PYTHON": sys.executable},
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\] PASSED: container smoke test with (podman|docker) \(localhost/mockserver:smoke\)$", result.stdout.splitlines()[-1])


def test_the_default_run_leaves_the_benchmark_smoke_to_its_marker():
    """python -m pytest stays fast (in parallel, without the half-minute benchmark smoke test);
    .ci/run still runs the smoke test, by its marker."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "addopts = \"-ra -n 4 -m 'not bench and not slow'\"" in pyproject
    assert "pytestmark = pytest.mark.bench" in (ROOT / "tests" / "test_bench_smoke.py").read_text()
    assert "python -m pytest && python -m pytest -m slow && python -m pytest -m bench" in (ROOT / ".ci" / "run").read_text()
