"""``mockserver record``: a recording proxy in front of a local upstream (a second mockserver under
the vLLM profile), driven by the openai SDK; the recording is validated and replayed offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml

from mockserver.config import Config
from mockserver.engine.loader import bundled_scenarios_dir
from mockserver.lint import validate_paths
from mockserver.testing import ServerThread, free_port
from recording import KEY, QUESTION, client, responses_flow, scenario_files, start_proxy, weather_flow, written_files


@pytest.fixture(scope="module")
def upstream() -> Iterator[ServerThread]:
    """The 'real provider': the bundled scenarios, vLLM's answer shapes, and a key it insists on."""
    config = Config(scenarios=[str(bundled_scenarios_dir())], port=0, profile="vllm", api_key=KEY)
    with ServerThread(config) as running:
        yield running
        running.check()


def assert_valid(folder: Path) -> None:
    report = validate_paths([str(folder)])
    assert report.ok and not report.findings, report.text()


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_record_two_turn_tool_flow_then_replay_offline(upstream, tmp_path, stream):
    out = tmp_path / "recorded"
    before = upstream.app.state.journal.call_count
    with start_proxy(upstream.base_url, out) as proxy:
        live = weather_flow(client(proxy.url + "/v1", key=KEY), stream)
    # the upstream saw both turns, with the client's key (it refuses requests without it)
    assert upstream.app.state.journal.call_count == before + 2
    assert [c for _, c, _ in live] == [[("get_weather", {"city": "Paris"})], []]
    assert live[1][0] == "The weather in Paris is 21°C and sunny."
    # one conversation, one file, both steps in it, replies as recorded
    files = scenario_files(out)
    assert len(files) == 1, files
    doc = yaml.safe_load(files[0].read_text())
    assert doc["profile"] == "vllm" and doc["when"] == {"user_message": {"equals": QUESTION}}
    assert [r["when"]["turn"] for r in doc["rules"]] == [0, 1]
    assert doc["rules"][0]["reply"]["tool_calls"] == [{"name": "get_weather", "arguments": {"city": "Paris"}}]
    assert doc["rules"][1]["reply"]["content"] == "The weather in Paris is 21°C and sunny."
    assert_valid(out)
    # the key is in no written file; the exchange log has the header, redacted
    for path in written_files(out):
        assert KEY.encode() not in path.read_bytes(), path
    log = [json.loads(line) for line in (out / "exchanges.jsonl").read_text().splitlines()]
    assert [entry["headers"]["authorization"] for entry in log] == ["[redacted]", "[redacted]"]
    # offline: the recording alone answers the same flow with the same calls and text
    with ServerThread(Config(scenarios=[str(out)], port=0)) as offline:
        replay = weather_flow(client(offline.base_url), stream)
        offline.check()
    assert replay == live


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("chained", [False, True], ids=["resent", "previous_response_id"])
def test_record_the_responses_api_then_replay_offline(upstream, tmp_path, stream, chained):
    out = tmp_path / "recorded"
    with start_proxy(upstream.base_url, out) as proxy:
        live = responses_flow(client(proxy.url + "/v1", key=KEY), stream, chained)
    assert live == [("", [("get_weather", {"city": "Paris"})]), ("The weather in Paris is 21°C and sunny.", [])]
    assert len(scenario_files(out)) == 1
    assert_valid(out)
    for path in written_files(out):
        assert KEY.encode() not in path.read_bytes(), path
    with ServerThread(Config(scenarios=[str(out)], port=0)) as offline:
        assert responses_flow(client(offline.base_url), stream, chained) == live
        # the rules are dialect-neutral: the same recording answers Chat Completions too
        assert weather_flow(client(offline.base_url), stream=False)[1][0] == live[1][0]


def test_streamed_answers_are_relayed_unchanged(upstream, tmp_path):
    """The client gets the upstream's events byte for byte."""
    body = {"model": "m", "messages": [{"role": "user", "content": QUESTION}], "stream": True,
            "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]}
    headers = {"Authorization": f"Bearer {KEY}"}
    direct = httpx.post(upstream.base_url + "/chat/completions", json=body, headers=headers, timeout=10)
    with start_proxy(upstream.base_url, tmp_path) as proxy:
        relayed = httpx.post(proxy.url + "/v1/chat/completions", json=body, headers=headers, timeout=10)
    assert relayed.status_code == 200 and relayed.headers["content-type"].startswith("text/event-stream")
    assert relayed.content == direct.content
    assert relayed.content.endswith(b"data: [DONE]\n\n")


def test_upstream_key_from_the_environment_replaces_the_clients(upstream, tmp_path):
    with start_proxy(upstream.base_url, tmp_path, api_key=KEY) as proxy:
        live = weather_flow(client(proxy.url + "/v1", key="not-the-real-key"), stream=False)
    assert live[0][1] == [("get_weather", {"city": "Paris"})]
    for path in written_files(tmp_path):
        assert KEY.encode() not in path.read_bytes(), path


def test_other_routes_pass_through_unrecorded(upstream, tmp_path):
    with start_proxy(upstream.base_url, tmp_path) as proxy:
        models = httpx.get(proxy.url + "/v1/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
        refused = httpx.get(proxy.url + "/v1/models", timeout=10)
        health = httpx.get(proxy.url + "/healthz", timeout=10)
    assert models.status_code == 200 and "mock-model" in [m["id"] for m in models.json()["data"]]
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
    assert health.json()["status"] == "ok"
    assert scenario_files(tmp_path) == []


def test_serve_upstream_records_only_unmatched_requests(upstream, tmp_path):
    local = tmp_path / "scenarios"
    local.mkdir()
    (local / "ping.yaml").write_text(
        "version: 1\nname: ping\nrules:\n  - when: {last_message: ping}\n    reply: {content: pong from the scenario}\n"
    )
    recorded = tmp_path / "recorded"
    # the upstream is vLLM: the stand-in judges requests by vLLM's rules too (OpenAI's would refuse
    # the 46-character call ids vLLM issued, which the client sends back)
    config = Config(scenarios=[str(local)], port=0, upstream=upstream.base_url, upstream_api_key=KEY, record=str(recorded),
                    profile="vllm")
    journal = upstream.app.state.journal
    with ServerThread(config) as served:
        api = client(served.base_url)
        before = journal.call_count
        matched = api.chat.completions.create(model="m", messages=[{"role": "user", "content": "ping"}])
        assert matched.choices[0].message.content == "pong from the scenario"
        assert journal.call_count == before and not recorded.exists()
        live = weather_flow(api, stream=False)
        assert journal.call_count == before + 2
        # the local journal shows the upstream's answer for the forwarded request
        entry = served.app.state.journal.last
        assert entry.status == 200 and entry.content == "The weather in Paris is 21°C and sunny."
        served.check()
    assert len(scenario_files(recorded)) == 1
    assert_valid(recorded)
    # both folders together answer everything offline
    with ServerThread(Config(scenarios=[str(local), str(recorded)], port=0)) as offline:
        api = client(offline.base_url)
        assert weather_flow(api, stream=False) == live
        assert api.chat.completions.create(model="m", messages=[{"role": "user", "content": "ping"}]).choices[0].message.content == "pong from the scenario"


def test_record_command_end_to_end(upstream, tmp_path):
    """The real CLI: `mockserver record` in a subprocess, the key from MOCKSERVER_UPSTREAM_API_KEY."""
    port = free_port()
    out = tmp_path / "out"
    env = dict(os.environ, MOCKSERVER_UPSTREAM_API_KEY=KEY)
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "record", "--upstream", upstream.base_url, "--out", str(out),
         "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        live = weather_flow(client(f"http://127.0.0.1:{port}/v1", key="dummy"), stream=True)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr.decode()
    assert live[-1][0] == "The weather in Paris is 21°C and sunny."
    assert subprocess.run([sys.executable, "-m", "mockserver", "validate", str(out)], capture_output=True).returncode == 0
    for path in written_files(out):
        assert KEY.encode() not in path.read_bytes(), path


def _wait_healthy(url: str, process: subprocess.Popen) -> None:
    """Poll until the proxy answers (readiness, not a fixed sleep); fail if it exits."""
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"mockserver record exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError("mockserver record did not start")
