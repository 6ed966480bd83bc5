"""Three ``mockserver serve`` replicas sharing one Redis (``--state redis://…``), as behind a
load balancer on several machines: an agent loop whose requests go to each replica in turn sees
one server — a Responses-API loop chained by previous_response_id, a fault that fires twice, a
scenario pushed to one replica and answered by another, and a journal, read from a third,
holding every request in order."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from itertools import cycle
from pathlib import Path
from typing import Iterator

import httpx
import openai
import pytest

from mockserver.engine.loader import bundled_scenarios_dir
from mockserver.testing import free_port
from tests.redisserver import redis_url  # noqa: F401  (a fixture)

WEATHER = {
    "type": "function", "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                   "additionalProperties": False},
}
PUSHED = """version: 1
name: pushed-to-one-replica
rules:
  - name: goodbye
    when: {last_message: {role: user, contains: goodbye}}
    reply: {content: "Goodbye from the pushed scenario."}
"""


@pytest.fixture
def replicas(redis_url, tmp_path) -> Iterator[list[str]]:
    url = redis_url + f"?prefix=replicas{uuid.uuid4().hex[:8]}"
    started: list[tuple[subprocess.Popen, str, Path]] = []
    try:
        for n in range(3):
            port, log = free_port(), tmp_path / f"replica{n}.log"
            with log.open("w") as out:
                proc = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--state", url,
                                         "--scenarios", str(bundled_scenarios_dir()), "--log-level", "warning"],
                                        stdout=out, stderr=subprocess.STDOUT)
            started.append((proc, f"http://127.0.0.1:{port}", log))
        deadline = time.monotonic() + 120
        for proc, base, log in started:  # readiness: /healthz answers (polled)
            while True:
                assert proc.poll() is None, f"replica exited with {proc.returncode}:\n{log.read_text()}"
                assert time.monotonic() < deadline, f"replica {base} not ready:\n{log.read_text()}"
                try:
                    health = httpx.get(base + "/healthz", timeout=1).json()
                    assert health["state"] == "redis"
                    break
                except httpx.TransportError:
                    time.sleep(0.02)
        yield [base for _, base, _ in started]
    finally:
        for proc, _, _ in started:
            proc.terminate()
        for proc, _, _ in started:
            assert proc.wait(timeout=30) == 0


def test_an_agent_loop_across_three_replicas_sees_one_server(replicas):
    sdks = [openai.OpenAI(base_url=base + "/v1", api_key="sk-test", max_retries=0) for base in replicas]
    turn = cycle(range(3))
    sent: list[tuple[str, int]] = []  # (path, status) of every request, in the order sent

    def next_sdk() -> openai.OpenAI:
        return sdks[next(turn)]

    # 1. a Responses-API tool loop chained by previous_response_id, each step on the next replica
    first = next_sdk().responses.create(model="gpt-5.4", input="What is the weather in Lima? Use the tool.", tools=[WEATHER])
    [call] = first.output
    assert call.type == "function_call" and json.loads(call.arguments) == {"city": "Lima"}
    sent.append(("/v1/responses", 200))
    output = {"type": "function_call_output", "call_id": call.call_id, "output": json.dumps({"temperature": 19, "condition": "grey"})}
    second = next_sdk().responses.create(model="gpt-5.4", previous_response_id=first.id, input=[output], tools=[WEATHER])
    assert second.output_text == "The weather in Lima is 19°C and grey."
    sent.append(("/v1/responses", 200))
    assert next_sdk().responses.retrieve(second.id).previous_response_id == first.id
    # (a GET of a stored response is not a dialect request: the journal does not hold it)

    # 2. a fault that fires twice: the agent retries on the next replica until it passes
    fault = {"X-Mock-Fault": "429; retry-after=0; times=2", "X-Mock-Session": "agent-1"}
    statuses = []
    for _ in range(3):
        try:
            next_sdk().responses.create(model="gpt-5.4", input="Say hello.", extra_headers=fault)
            statuses.append(200)
        except openai.RateLimitError as error:
            statuses.append(error.status_code)
    assert statuses == [429, 429, 200]
    sent += [("/v1/responses", s) for s in statuses]

    # 3. a scenario pushed to one replica, answered by another
    pushed = httpx.post(replicas[next(turn)] + "/_mock/scenarios", content=PUSHED,
                        headers={"content-type": "application/yaml"})
    assert pushed.status_code == 201, pushed.text
    goodbye = next_sdk().responses.create(model="gpt-5.4", input="goodbye")
    assert goodbye.output_text == "Goodbye from the pushed scenario."
    sent.append(("/v1/responses", 200))

    # 4. the journal, read from each replica, holds every request in order
    for base in replicas:
        journal = httpx.get(base + "/_mock/journal").json()
        assert [(e["path"], e["status"]) for e in journal["data"]] == sent
        assert [e["id"] for e in journal["data"]] == list(range(1, len(sent) + 1))
        assert journal["data"][-1]["scenario"] == "pushed-to-one-replica"
        assert journal["data"][1]["request"]["previous_response_id"] == first.id
