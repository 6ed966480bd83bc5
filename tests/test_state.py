"""Shared state (mockserver.server.state): two servers on one SQLite file or one Redis behave as
one server — the journal complete and in order, previous_response_id, fault counters, scenario
pushes and resets — and keep the in-memory bounds. Two apps in this process stand in for two
workers (each has its own connection, as a worker process does); test_workers.py and
test_replicas.py run real processes."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import httpx
import openai
import pytest

from mockserver.config import Config, ConfigError
from mockserver.server.faults import Fault
from mockserver.server.state import open_backend
from mockserver.server.state.shared import SharedFaultCounter
from mockserver.testing import ServerThread
from tests.redisserver import redis_url  # noqa: F401  (a fixture)

PUSHED = """version: 1
name: pushed
rules:
  - name: ping
    when: {last_message: {role: user, contains: ping}}
    reply: {content: "pong from the pushed scenario"}
"""


@pytest.fixture(params=["sqlite", "redis"])
def state_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/state.db"
    return request.getfixturevalue("redis_url") + f"?prefix=t{uuid.uuid4().hex[:12]}"


def _pair(url: str, **options) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    servers = [ServerThread(Config(port=0, state=url, **options)).start() for _ in range(2)]
    clients = [httpx.Client(base_url=s.url, timeout=30) for s in servers]
    try:
        yield clients[0], clients[1]
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.stop()


@pytest.fixture
def pair(state_url: str) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    yield from _pair(state_url)


def chat(client: httpx.Client, text: str, **headers: str) -> httpx.Response:
    return client.post("/v1/chat/completions", headers=headers,
                       json={"model": "gpt-4o", "messages": [{"role": "user", "content": text}]})


def test_journal_is_complete_and_ordered_across_servers(pair):
    a, b = pair
    sent = [f"message {i}" for i in range(24)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: chat((a, b)[i % 2], sent[i]).status_code, range(len(sent))))
    assert statuses == [200] * len(sent)
    views = [client.get("/_mock/journal").json() for client in (a, b)]
    assert views[0]["data"] == views[1]["data"]
    journal = views[0]
    assert [e["id"] for e in journal["data"]] == list(range(1, 25))
    assert sorted(e["request"]["messages"][0]["content"] for e in journal["data"]) == sorted(sent)
    assert journal["next_id"] == 25 and journal["dropped"] == 0
    assert a.get("/_mock/journal?since=20").json()["data"] == journal["data"][20:]
    assert b.get("/_mock/journal/7").json() == journal["data"][6]
    assert b.get("/_mock/journal.har").json()["log"]["entries"].__len__() == 24
    # a request answered one at a time is the next id, read from the other server
    chat(a, "the last one")
    assert b.get("/_mock/journal?summary=true").json()["data"][-1]["id"] == 25
    assert b.delete("/_mock/journal").json()["deleted"] == 25
    assert a.get("/_mock/journal").json()["data"] == []
    chat(b, "after a clear, ids go on")
    assert [e["id"] for e in a.get("/_mock/journal").json()["data"]] == [26]


def test_previous_response_id_and_stored_responses_across_servers(pair):
    a, b = pair
    first = openai.OpenAI(base_url=str(a.base_url) + "/v1", api_key="sk-test").responses.create(
        model="gpt-4o", input="Remember the number 42.")
    other = openai.OpenAI(base_url=str(b.base_url) + "/v1", api_key="sk-test")
    follow = other.responses.create(model="gpt-4o", input="Which number?", previous_response_id=first.id)
    assert follow.status == "completed"
    assert other.responses.retrieve(first.id).id == first.id
    items = other.responses.input_items.list(first.id)
    assert [i.content[0].text for i in items.data] == ["Remember the number 42."]
    assert a.delete(f"/v1/responses/{first.id}").json()["deleted"] is True
    gone = b.get(f"/v1/responses/{first.id}")
    assert gone.status_code == 404 and gone.json()["error"]["message"] == f"Response with id '{first.id}' not found."
    with pytest.raises(openai.BadRequestError, match="previous_response_not_found|not found"):
        other.responses.create(model="gpt-4o", input="again", previous_response_id=first.id)


def test_fault_counters_are_atomic_across_servers(pair):
    a, b = pair
    fault = {"X-Mock-Fault": "429; retry-after=0; times=3"}
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: chat((a, b)[i % 2], f"hi {i}", **fault, **{"X-Mock-Session": "s1"}).status_code,
                                 range(16)))
    assert sorted(statuses) == [200] * 13 + [429] * 3
    # another session has its own count; a reset (on either server) forgets them all
    assert [chat(b, "x", **fault, **{"X-Mock-Session": "s2"}).status_code for _ in range(4)] == [429, 429, 429, 200]
    b.post("/_mock/reset")
    assert chat(a, "y", **fault, **{"X-Mock-Session": "s1"}).status_code == 429


def test_a_push_answers_after_every_server_serves_it_and_a_reset_too(pair):
    a, b = pair
    assert "pushed scenario" not in chat(b, "ping").text
    pushed = a.post("/_mock/scenarios", content=PUSHED, headers={"content-type": "application/yaml"})
    assert pushed.status_code == 201, pushed.text
    answer = chat(b, "ping")  # the very next request, on the other server
    assert answer.json()["choices"][0]["message"]["content"] == "pong from the pushed scenario"
    listed = {s["name"]: s for s in b.get("/_mock/scenarios").json()["data"]}
    assert listed["pushed"]["origin"] == "runtime" and listed["pushed"]["rules"][0]["line"] == 4
    # a second push of the same name replaces the first everywhere; ?replace=true hides the rest
    again = PUSHED.replace("pong from the pushed scenario", "pong, second push")
    assert b.post("/_mock/scenarios", content=again, headers={"content-type": "application/yaml"}).json()["replaced"] == ["pushed"]
    assert chat(a, "ping").json()["choices"][0]["message"]["content"] == "pong, second push"
    alone = a.post("/_mock/scenarios?replace=true", content=again.replace("name: pushed", "name: alone"),
                   headers={"content-type": "application/yaml"})
    assert "weather-tool" in alone.json()["replaced"]
    assert [s["name"] for s in b.get("/_mock/scenarios").json()["data"]] == ["alone"]
    reset = b.post("/_mock/reset").json()
    assert reset["scenarios_removed"] == ["alone"]
    assert "pushed scenario" not in chat(a, "ping").text and "second push" not in chat(a, "ping").text
    assert "alone" not in [s["name"] for s in a.get("/_mock/scenarios").json()["data"]]


def test_concurrent_pushes_on_both_servers_all_land(pair):
    a, b = pair
    names = [f"pushed-{i}" for i in range(8)]

    def push(i: int) -> int:
        text = PUSHED.replace("name: pushed", f"name: {names[i]}").replace("contains: ping", f"contains: ping{i}")
        return (a, b)[i % 2].post("/_mock/scenarios", content=text, headers={"content-type": "application/yaml"}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(push, range(8))) == [201] * 8
    for client in (a, b):
        served = [s["name"] for s in client.get("/_mock/scenarios").json()["data"]]
        assert sorted(n for n in served if n.startswith("pushed-")) == names


def test_the_bounds_hold_in_shared_state(state_url):
    for a, b in _pair(state_url, journal_size=5, responses_store_size=2):
        for i in range(8):
            chat((a, b)[i % 2], f"m{i}")
        journal = b.get("/_mock/journal").json()
        assert [e["id"] for e in journal["data"]] == [4, 5, 6, 7, 8] and journal["dropped"] == 3
        ids = [a.post("/v1/responses", json={"model": "gpt-4o", "input": f"r{i}"}).json()["id"] for i in range(3)]
        assert b.get(f"/v1/responses/{ids[0]}").status_code == 404
        assert [b.get(f"/v1/responses/{i}").status_code for i in ids[1:]] == [200, 200]
    backend = open_backend(state_url)
    try:
        counter = SharedFaultCounter(backend.store.table("faults"), max_items=3)
        counter.reset()
        once = Fault(times=1)
        for session in "abcd":
            assert counter.fires(once, ("header", "429"), session)
        assert len(counter) == 3 and [c["session"] for c in counter.snapshot()] == ["b", "c", "d"]
        assert counter.fires(once, ("header", "429"), "a")  # forgotten: counts from 1 again
        assert not counter.fires(once, ("header", "429"), "d")
    finally:
        backend.close()


def test_journal_bytes_bound_drops_the_oldest(state_url):
    for a, b in _pair(state_url, journal_bytes=40_000):
        for i in range(12):
            chat((a, b)[i % 2], f"m{i} " + "x" * 3000)
        journal = a.get("/_mock/journal").json()
        assert 1 <= len(journal["data"]) < 12 and journal["data"][-1]["id"] == 12
        assert journal["dropped"] == 12 - len(journal["data"])


def test_bad_state_urls_are_refused_with_the_choices():
    with pytest.raises(ConfigError, match=r"--state \(MOCKSERVER_STATE\) must be memory, sqlite:///PATH or redis://"):
        Config(state="postgres://db")
    with pytest.raises(ConfigError, match="--workers"):
        Config(workers=0)


def test_an_unreachable_redis_is_a_config_error(redis_url):
    with pytest.raises(ConfigError, match=r"--state redis://127\.0\.0\.1:1/0: cannot reach Redis"):
        open_backend("redis://127.0.0.1:1/0")


def test_memory_is_the_default_and_costs_no_new_object(tmp_path):
    from mockserver.dialects.responses.store import ResponseStore
    from mockserver.server.faults import FaultCounter
    from mockserver.server.journal import Journal
    from mockserver.server.overlay import ScenarioOverlay
    from mockserver.server.app import build_app

    app = build_app(Config(port=0))
    assert type(app.state.journal) is Journal and type(app.state.overlay) is ScenarioOverlay
    assert type(app.state.service.faults) is FaultCounter
    assert type(app.state.service.dialects["responses"].store) is ResponseStore
