"""State stays bounded in bytes as well as count, whatever the traffic: fault counters with a new
session per request, distinct large messages and tools arrays, the journal — through a real
server, and (for RSS) a real `mockserver serve` process."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mockserver.server import faults as faults_module
from mockserver.testing import free_port
from mockserver.validation import schemas, tools
from mockserver.wire import usage
from mockserver.wire.bounded import ByteLRU
from payloads import chat, user

FAULTY = """
version: 1
name: faulty
rules:
  - name: flaky
    reply:
      content: ok
      fault: {http: 429, times: 1}
"""
PLAIN = "version: 1\nname: plain\nrules:\n  - name: any\n    reply: {content: ok}\n"


class Client:
    """Many requests over one keep-alive connection, quickly (no client-side pooling logic)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, body: dict, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        self.conn.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


def test_byte_lru():
    store = ByteLRU(max_items=3, max_bytes=100)
    assert store.put("a", 1, 40) and store.put("b", 2, 40)
    assert store.get("a") == 1  # a is now the most recent
    assert store.put("c", 3, 40)  # 120 bytes: b, the least recent, goes
    assert (store.get("b"), store.get("a"), store.get("c"), store.bytes, store.evicted) == (None, 1, 3, 80, 1)
    assert not store.put("huge", 0, 101) and "huge" not in store  # larger than the whole store
    assert store.put("a", 10, 10) and store.bytes == 50  # replacing updates the size
    for key in "xyz":
        store.put(key, key, 1)
    assert [k for k, _ in store.items()] == ["x", "y", "z"] and len(store) == 3  # the count bound
    assert store.get("missing", "default") == "default"
    assert store.discard_where(lambda k: k in "xy") == 2 and store.clear() == 1 and store.bytes == 0


def test_byte_lru_peek_does_not_count_as_use():
    store = ByteLRU(max_items=2, max_bytes=100)
    store.put("old", 1, 10)
    store.put("new", 2, 10)
    assert store.peek("old") == 1 and store.peek("gone", "default") == "default"
    store.put("newest", 3, 10)  # the oldest put goes, although it was just read
    assert "old" not in store and [k for k, _ in store.items()] == ["new", "newest"]


@pytest.mark.slow  # a soak of bounded stores: .ci/run's -m slow step
def test_fault_counters_with_a_new_session_per_request_stay_bounded(serve):
    running = serve(FAULTY, journal_size=0)
    assert running.service.faults._counts.max_items == faults_module.FAULT_COUNTERS == 10_000
    running.service.faults = faults_module.FaultCounter(max_items=1000)  # the same store, a tenth of the size
    client = Client(running.config.port)
    try:
        for i in range(10_000):
            status, _ = client.post("/v1/chat/completions", chat(user("hi")), {"X-Mock-Session": f"test-case-{i:05d}"})
            assert status == 429, i  # every new session gets its one failure
        counters = running.service.faults
        assert len(counters) == 1000 and counters.bytes <= faults_module.FAULT_BYTES
        # the most recent sessions are remembered: their fault has fired
        assert client.post("/v1/chat/completions", chat(user("hi")), {"X-Mock-Session": "test-case-09999"})[0] == 200
        # a long-gone session was forgotten (least recently used first): it fails once again
        assert client.post("/v1/chat/completions", chat(user("hi")), {"X-Mock-Session": "test-case-00000"})[0] == 429
    finally:
        client.close()


def test_fault_counters_bounded_in_bytes_too():
    counter = faults_module.FaultCounter(max_items=1_000_000, max_bytes=64 * 1024)
    fault = faults_module.Fault(times=1)
    for i in range(100):
        counter.fires(fault, ("rule", "s", "r"), f"{i:04d}" + "x" * 4096)  # 4 KB session ids
    assert counter.bytes <= 64 * 1024 and len(counter) == 15


def test_journal_bounded_by_bytes_drops_oldest_and_counts_them(serve):
    running = serve(PLAIN, journal_bytes=2 * 1024 * 1024)
    client = Client(running.config.port)
    try:
        for i in range(20):  # ~200 KB each, estimated at ~5x as parsed and answered
            assert client.post("/v1/chat/completions", chat(user(f"{i:02d} " + "word " * 40_000)))[0] == 200
    finally:
        client.close()
    journal = httpx.get(running.url + "/_mock/journal").json()
    kept = [e["request"]["messages"][0]["content"][:2] for e in journal["data"]]
    assert 1 <= len(kept) < 20 and kept == [f"{i:02d}" for i in range(20 - len(kept), 20)]  # the newest
    assert (journal["max_bytes"], journal["dropped"]) == (2 * 1024 * 1024, 20 - len(kept))
    assert running.app.state.journal.bytes <= 2 * 1024 * 1024


@pytest.mark.slow  # a soak of bounded stores: .ci/run's -m slow step
def test_token_and_tools_caches_bounded_by_bytes(serve):
    running = serve(PLAIN)
    client = Client(running.config.port)
    try:
        for i in range(30):  # 30 distinct 400 KB messages: 12 MB of text for an 8 MiB cache
            assert client.post("/v1/chat/completions", chat(user(f"{i} " + "lorem ipsum " * 35_000)))[0] == 200
        for i in range(12):  # 12 distinct 1 MB tools arrays: estimated 8 MB each for a 32 MiB cache
            declared = [{"type": "function", "function": {"name": f"f{i}_{k}", "description": "d" * 200,
                                                          "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}}
                        for k in range(3500)]
            assert client.post("/v1/chat/completions", chat(user("hi"), tools=declared))[0] == 200
    finally:
        client.close()
    assert 0 < usage._long_counts.bytes <= usage.LONG_TEXT_BYTES
    assert usage._long_counts.evicted > 0
    cache = tools._cached.cache
    assert 0 < cache.bytes <= tools.TOOLSET_BYTES and cache.evicted > 0
    assert schemas.compile_schema.cache.bytes <= schemas.SCHEMA_BYTES
    assert schemas.check_instance.cache.bytes <= schemas.CHECK_BYTES


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_rss_of_a_real_server_plateaus_under_unbounded_distinct_traffic(tmp_path):
    """Two equal rounds of traffic that all differs (sessions, messages, tools): the first fills
    every bounded store, the second must not grow the process much further."""
    (tmp_path / "s.yaml").write_text(FAULTY)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--scenarios", str(tmp_path / "s.yaml"),
                               "--port", str(port), "--log-level", "warning"],
                              env={**os.environ, "PYTHONUNBUFFERED": "1"}, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.05)
        client = Client(port)

        def round_of_traffic(tag: str) -> None:
            for i in range(1000):
                client.post("/v1/chat/completions", chat(user("hi")), {"X-Mock-Session": f"{tag}-{i}"})
            for i in range(40):
                client.post("/v1/chat/completions", chat(user(f"{tag}{i} " + "lorem ipsum " * 50_000)),
                            {"X-Mock-Session": "big"})  # (a new session would get the 429 before any counting)
            for i in range(8):
                declared = [{"type": "function", "function": {"name": f"{tag}{i}_{k}", "parameters": {"type": "object"}}}
                            for k in range(4000)]
                client.post("/v1/chat/completions", chat(user("hi"), tools=declared), {"X-Mock-Session": "big"})

        idle = rss_mb(server.pid)
        round_of_traffic("a")
        first = rss_mb(server.pid)
        round_of_traffic("b")
        second = rss_mb(server.pid)
        client.close()
        print(f"RSS idle {idle:.1f} MB, after round 1 {first:.1f} MB, after round 2 {second:.1f} MB")
        # documented in README "Security and limits": the stores hold about 150 MiB at most
        assert first - idle < 250, (idle, first, second)
        assert second - first < 25, (idle, first, second)  # 46 MB more per round before the bounds
    finally:
        server.terminate()
        server.wait(timeout=20)
