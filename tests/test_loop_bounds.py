"""One expensive request must not hold the event loop (issue 31): ``item_reference`` lookups are
indexed, large conversations are handled off the loop, and ``/healthz`` keeps answering meanwhile.

Timing here is measured, not slept: a probe thread asks ``/healthz`` in a loop while the
expensive request runs, and the assertions compare with what happened before the fix, with
wide margins, because the suite runs on shared 2-core machines next to other work:

- the issue-31 D1 reproduction took 41 s here before (75 s on a loaded machine), during which
  /healthz waited the whole time; it now takes about 10 ms. The test allows 5 s.
- a 100,000-message conversation made /healthz wait for the whole request (1.3 s quiet,
  3.6 s loaded); now /healthz answers while it runs. The test asks that the slowest probe took
  under a third of the request's own time and that probes were answered during it (before, none
  was: the one in flight waited for the whole request).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import orjson
import pytest

from mockserver.dialects.responses.dialect import input_items
from mockserver.wire.ids import IdSource

ROOT = Path(__file__).resolve().parent.parent
ANY = "version: 1\nname: any\nrules:\n  - name: any\n    reply: {content: 'fine'}\n"


class Probe:
    """Asks /healthz back to back in a thread; ``worst``: the slowest answer; ``during``: how many
    were answered inside [start, end] of the measured request."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.times: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready = threading.Event()

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as client:
            client.get("/healthz")  # the connection is open before the measured request starts
            self._ready.set()
            while not self._stop.is_set():
                began = time.perf_counter()
                assert client.get("/healthz").status_code == 200
                self.times.append((began, time.perf_counter()))
                self._stop.wait(0.002)

    def __enter__(self) -> "Probe":
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)

    @property
    def worst(self) -> float:
        return max(end - began for began, end in self.times)

    def during(self, start: float, end: float) -> int:
        return sum(1 for began, done in self.times if start <= began and done <= end)


def test_item_references_are_found_by_id_and_nobody_waits(serve):
    """The issue-31 D1 reproduction: 200 stored responses of 2,000 input items each, then one
    request with 1,000 references to the oldest stored item (the worst case for a scan)."""
    running = serve(ANY, responses_store_bytes=1 << 30)
    store = running.service.dialects["responses"].store
    for k in range(200):  # stored as the dialect stores them, without 200 HTTP round trips
        items = [{"type": "message", "role": "user", "content": f"m{k}-{i}", "id": f"msg_{k}_{i}"} for i in range(2000)]
        store.put({"id": f"resp_{k}", "object": "response", "output": []}, input_items(items, IdSource(b"k", 0)), [])
    assert len(store) == 200
    body = {"model": "gpt-4o", "input": [{"type": "item_reference", "id": "msg_0_1999"}] * 1000 + [{"role": "user", "content": "hi"}]}
    with Probe(running.url) as probe, httpx.Client(base_url=running.url, timeout=120) as client:
        started = time.perf_counter()
        answer = client.post("/v1/responses", json=body)
        took = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    assert took < 5, f"1,000 item references took {took:.2f} s"
    assert probe.worst < 5
    # the referenced item is the stored one (newest first), and an unknown id is OpenAI's error
    assert store.find_item("msg_0_1999")["content"] == [{"type": "input_text", "text": "m0-1999"}]
    missing = httpx.post(running.url + "/v1/responses", json={"model": "m", "input": [{"type": "item_reference", "id": "msg_x"}]})
    assert missing.status_code == 400 and "Item with id 'msg_x' not found." in missing.json()["error"]["message"]


def test_store_index_follows_evictions_deletes_and_clears():
    from mockserver.dialects.responses.store import ResponseStore

    store = ResponseStore(max_count=2)
    for k in range(3):  # the third put evicts the first
        store.put({"id": f"r{k}", "output": [{"type": "message", "id": f"out{k}"}]}, [{"type": "message", "id": "shared", "k": k}], [])
    assert store.find_item("out0") is None and store.find_item("out2") == {"type": "message", "id": "out2"}
    assert store.find_item("shared")["k"] == 2  # the newest response holding it
    assert store.delete("r2") and store.find_item("shared")["k"] == 1  # then the one before
    assert store.get("r1").input_items == [{"type": "message", "id": "shared", "k": 1}]
    store.clear()
    assert store.find_item("shared") is None and store._index == {}


def test_a_100000_message_conversation_does_not_hold_the_loop(serve):
    running = serve(ANY)
    messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"m{i}"} for i in range(99_999)]
    raw = orjson.dumps({"model": "gpt-4o", "messages": messages + [{"role": "user", "content": "hi"}]})
    assert len(raw) < 4 * 1024 * 1024  # within the default body limit
    with Probe(running.url) as probe, httpx.Client(base_url=running.url, timeout=120) as client:
        started = time.perf_counter()
        answer = client.post("/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
        ended = time.perf_counter()
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"] == "fine"
    took = ended - started
    assert probe.during(started, ended) >= 2, f"no /healthz answered during the {took:.2f} s request"
    assert probe.worst < took / 3, f"/healthz waited {probe.worst:.2f} s of a {took:.2f} s request"


@pytest.mark.slow
def test_healthz_stays_under_100ms_during_100000_message_requests_in_every_dialect():
    """Issue 31's target, through bench/loopstall.py (a probe process asks /healthz back to back
    while a 100,000-message conversation is answered, and for a second after): the worst probe of
    best of three rounds is under 100 ms for chat, Responses and Messages: a step that holds the
    loop (or the GIL) that long in every round fails it. Measured 10-70 ms per round on an idle
    2-core machine; with two busy processes on the server's core, 20-85 ms (before the request
    key was encoded in runs, 55-100 ms there). Rounds of 350-410 ms were seen while other
    sessions loaded the shared machine (load average 6): hence the best round, not every round;
    bench/loopstall.py reports them all."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "loopstall.py"), "--rounds", "3"], capture_output=True, text=True,
                         timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)["rows"]
    for dialect in ("chat", "responses", "messages"):
        mine = sorted(r["worst_ms"] for r in rows if r["dialect"] == dialect)
        assert all(r["status"] == 200 for r in rows if r["dialect"] == dialect), rows
        assert len(mine) == 3 and mine[0] < 100, f"{dialect}: worst /healthz per round {mine} ms"
