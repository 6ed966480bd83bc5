"""Upstream errors through the recording proxy: 429, 500 and a hanging upstream reach the client as
they came; they are recorded (as faults) only with --record-errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import httpx
import openai
import pytest
import yaml

from mockserver.config import Config
from mockserver.lint import validate_paths
from mockserver.testing import ServerThread
from recording import client, scenario_files, start_proxy

RATE_LIMITED = {"error": {"message": "Rate limit reached for gpt-test in organization org-x on requests per min (RPM).",
                          "type": "requests", "param": None, "code": "rate_limit_exceeded"}}
CRASHED = {"error": {"message": "The server had an error while processing your request. Sorry about that!",
                     "type": "server_error", "param": None, "code": None}}


async def flaky(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A tiny upstream: the last user message says what goes wrong ('429', '500', 'hang')."""
    if scope["type"] != "http":
        return
    raw = b""
    while True:
        message = await receive()
        raw += message.get("body", b"")
        if not message.get("more_body"):
            break
    text = json.loads(raw)["messages"][-1]["content"]
    if "hang" in text:
        while (await receive())["type"] != "http.disconnect":  # until the proxy gives up on us
            pass
        return
    status, body, extra = (429, RATE_LIMITED, [(b"retry-after", b"0"), (b"x-ratelimit-remaining-requests", b"0")]) \
        if "429" in text else (500, CRASHED, [])
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"x-request-id", b"req_upstream_1")] + extra
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


@pytest.fixture(scope="module")
def upstream() -> Iterator[ServerThread]:
    with ServerThread(Config(port=0), app=flaky, lifespan="off") as running:
        yield running


def post(proxy: ServerThread, text: str, timeout: float = 10) -> httpx.Response:
    body = {"model": "gpt-test", "messages": [{"role": "user", "content": text}]}
    return httpx.post(proxy.url + "/v1/chat/completions", json=body, timeout=timeout)


def test_429_and_500_reach_the_client_unchanged(upstream, tmp_path):
    with start_proxy(upstream.base_url, tmp_path) as proxy:
        direct = httpx.post(upstream.base_url + "/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "429"}]})
        relayed = post(proxy, "429")
        assert (relayed.status_code, relayed.content) == (429, direct.content)
        assert relayed.headers["retry-after"] == "0" and relayed.headers["x-request-id"] == "req_upstream_1"
        assert relayed.headers["x-ratelimit-remaining-requests"] == "0"
        api = client(proxy.url + "/v1")
        with pytest.raises(openai.RateLimitError) as limited:
            api.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "please 429"}])
        assert limited.value.body == RATE_LIMITED["error"] and limited.value.request_id == "req_upstream_1"
        with pytest.raises(openai.InternalServerError) as crashed:
            api.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "please 500"}])
        assert crashed.value.status_code == 500 and crashed.value.body == CRASHED["error"]
    assert scenario_files(tmp_path) == []  # errors are not recorded unless asked


def test_a_hanging_upstream_times_out_at_the_client(upstream, tmp_path):
    with start_proxy(upstream.base_url, tmp_path) as proxy:
        api = client(proxy.url + "/v1", timeout=0.5)
        with pytest.raises(openai.APITimeoutError):
            api.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "hang"}])
        # the proxy is still fine, and cancelled the upstream request
        assert httpx.get(proxy.url + "/healthz", timeout=5).status_code == 200


def test_the_proxy_gives_up_with_a_504(upstream, tmp_path):
    with start_proxy(upstream.base_url, tmp_path, record_errors=True, timeout=0.3) as proxy:
        answer = post(proxy, "hang")
    assert answer.status_code == 504
    error = answer.json()["error"]
    assert error["code"] == "upstream_timeout" and "did not answer within 0.3 s" in error["message"]
    doc = yaml.safe_load(scenario_files(tmp_path)[0].read_text())
    assert doc["rules"][0]["reply"]["fault"]["http"]["status"] == 504


def test_an_unreachable_upstream_is_a_502(tmp_path):
    from mockserver.testing import free_port

    with start_proxy(f"http://127.0.0.1:{free_port()}/v1", tmp_path) as proxy:
        answer = post(proxy, "hello")
    assert answer.status_code == 502 and answer.json()["error"]["code"] == "upstream_unreachable"


def test_record_errors_replays_them_as_faults(upstream, tmp_path):
    with start_proxy(upstream.base_url, tmp_path, record_errors=True) as proxy:
        assert post(proxy, "please 429").status_code == 429
        assert post(proxy, "please 500").status_code == 500
    files = scenario_files(tmp_path)
    assert len(files) == 2
    report = validate_paths([str(tmp_path)])
    assert report.ok and not report.findings, report.text()
    with ServerThread(Config(scenarios=[str(tmp_path)], port=0)) as offline:
        api = client(offline.base_url)
        with pytest.raises(openai.RateLimitError) as limited:
            api.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "please 429"}])
        assert limited.value.message.endswith(RATE_LIMITED["error"]["message"])
        assert limited.value.response.headers["retry-after"] == "0"
        with pytest.raises(openai.InternalServerError):
            api.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "please 500"}])


def test_an_error_then_the_answer_replays_in_that_order(tmp_path):
    """A 429 recorded before the answer of the same step: the replay fails once, then answers."""
    from mockserver.record.exchange import Answer, Exchange, Failure, Message, Request
    from mockserver.record.recorder import Recorder

    recorder = Recorder(tmp_path, "test")
    request = Request("chat", "m", [Message("user", "hi")])
    recorder.add(Exchange(request, failure=Failure(429, "slow down", 0.0)))
    recorder.add(Exchange(request, Answer("hello!", (), "stop")))
    with ServerThread(Config(scenarios=[str(tmp_path)], port=0)) as offline:
        api = client(offline.base_url)
        with pytest.raises(openai.RateLimitError):
            api.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        second = api.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert second.choices[0].message.content == "hello!"
