"""``mockserver serve --workers 2``: real worker processes on one port (uvicorn's process
manager), sharing state in SQLite: a conversation whose requests land on both workers behaves
as with one process. Each client below holds one keep-alive connection, so it talks to one
worker; /healthz says which (its pid)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import openai
import pytest

from mockserver.engine.loader import bundled_scenarios_dir
from mockserver.testing import free_port
from tests.test_state import PUSHED



def start(args: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--port", str(port),
                                 "--scenarios", str(bundled_scenarios_dir()), *args], stdout=out, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.02)
    raise AssertionError(f"server did not become ready:\n{log.read_text()}")


def pinned_clients(url: str, count: int, timeout: float = 120) -> list[tuple[httpx.Client, int]]:
    """``count`` clients on distinct workers: one connection each (new connections go to
    whichever worker accepts them first; polls /healthz until ``count`` different pids answered)."""
    found: dict[int, httpx.Client] = {}
    deadline = time.monotonic() + timeout
    while len(found) < count:
        assert time.monotonic() < deadline, f"only {len(found)} worker(s) answered within {timeout} s"
        client = httpx.Client(base_url=url, timeout=30, limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        pid = client.get("/healthz").json()["worker"]
        if pid in found:
            client.close()
        else:
            found[pid] = client
    return [(client, pid) for pid, client in found.items()]


@pytest.fixture(scope="module")
def workers(tmp_path_factory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("workers") / "serve.log"
    proc, url = start(["--workers", "2", "--log-level", "warning"], log)
    try:
        wait_ready(url, proc, log)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def chat(client: httpx.Client, text: str, **headers: str) -> httpx.Response:
    return client.post("/v1/chat/completions", headers=headers,
                       json={"model": "gpt-4o", "messages": [{"role": "user", "content": text}]})


def test_a_conversation_across_two_workers_behaves_as_with_one(workers):
    (one, pid_one), (two, pid_two) = pinned_clients(workers, 2)
    assert pid_one != pid_two
    one.post("/_mock/reset")
    sent: list[str] = []
    # the Responses API: stored on one worker, continued and read on the other
    sdk_one = openai.OpenAI(base_url=workers + "/v1", api_key="sk-test", http_client=one)
    sdk_two = openai.OpenAI(base_url=workers + "/v1", api_key="sk-test", http_client=two)
    first = sdk_one.responses.create(model="gpt-4o", input="Remember 42.")
    follow = sdk_two.responses.create(model="gpt-4o", input="Which number?", previous_response_id=first.id)
    assert follow.status == "completed" and sdk_two.responses.retrieve(first.id).id == first.id
    sent += ["/v1/responses", "/v1/responses"]
    # a fault that fires twice, counted once across the workers
    fault = {"X-Mock-Fault": "503; times=2", "X-Mock-Session": "workers"}
    assert [chat(c, "hello", **fault).status_code for c in (one, two, one, two)] == [503, 503, 200, 200]
    sent += ["/v1/chat/completions"] * 4
    # a scenario pushed to one worker answers the very next request on the other
    assert one.post("/_mock/scenarios", content=PUSHED, headers={"content-type": "application/yaml"}).status_code == 201
    assert chat(two, "ping").json()["choices"][0]["message"]["content"] == "pong from the pushed scenario"
    sent.append("/v1/chat/completions")
    # the journal, read from either worker, holds every request in order
    for client in (one, two):
        journal = client.get("/_mock/journal").json()
        assert [e["id"] for e in journal["data"]] == list(range(1, len(sent) + 1))
        assert [e["path"] for e in journal["data"]] == sent
        assert [e["status"] for e in journal["data"]][2:6] == [503, 503, 200, 200]
    # a reset on one worker is seen by the other
    assert two.post("/_mock/reset").json()["scenarios_removed"] == ["pushed"]
    assert "pushed scenario" not in chat(one, "ping").text
    assert [e["id"] for e in two.get("/_mock/journal").json()["data"]] == [1]
    for client in (one, two):
        client.close()


def test_sigterm_stops_every_worker_and_removes_the_state_folder(tmp_path):
    log = tmp_path / "serve.log"
    proc, url = start(["--workers", "2", "--log-level", "info"], log)
    try:
        wait_ready(url, proc, log)
        pids = [pid for _, pid in pinned_clients(url, 2)]
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    text = log.read_text()
    folder = Path(re.search(r"sharing state in sqlite://(\S+)/state\.db", text).group(1))
    assert not folder.exists()
    for pid in pids:
        assert f"Finished server process [{pid}]" in text
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_workers_refuse_memory_state(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--workers", "2", "--state", "memory",
                           "--port", str(free_port())], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--workers > 1 needs state the workers share" in done.stderr


def test_worker_module_says_who_starts_it():
    env = {k: v for k, v in os.environ.items() if k != "MOCKSERVER_WORKER_CONFIG"}
    done = subprocess.run([sys.executable, "-c", "from mockserver.server.workers import app; app()"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode != 0 and "is started by 'mockserver serve --workers N'" in done.stderr
