"""One request's scenario evaluation cannot stall the server: a catastrophic regex or a runaway
template gets a 422 naming the rule after a bounded time, while /healthz and other requests keep
answering; ordinary requests never leave the event loop."""

from __future__ import annotations

import statistics
import threading
import time

import httpx
import pytest

import mockserver.server.endpoint as endpoint_module
from mockserver.engine import budget
from payloads import assistant_calls, call, chat, function_tool, tool, user

EVIL = """
version: 1
name: evil
models: [evil]
rules:
  - name: backtrack
    when: {last_message: {regex: '^(a|a)+$'}}
    reply: {content: never}
  - name: nested-loops
    when: {last_message: {contains: loops}}
    reply: {content: "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"}
  - name: power
    when: {last_message: {contains: power}}
    reply: {content: "{{ 9 ** (9 ** 7) }}"}
  - name: template-regex
    when: {last_message: {contains: filter}}
    reply: {content: "{{ last | regex('(x|x)+y') }}"}
"""
GOOD = """
version: 1
name: good
models: [good]
rules:
  - name: hi
    reply: {content: "hello {{ last }}"}
"""
BUDGET = 0.5


def timed_probes(url: str, done: threading.Event, results: list[float]) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        while not done.is_set():
            started = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            results.append(time.perf_counter() - started)
            time.sleep(0.005)


def while_probing(running, request):
    """Run ``request()`` while another thread times /healthz; (its result, its seconds, probe latencies)."""
    latencies: list[float] = []
    done = threading.Event()
    prober = threading.Thread(target=timed_probes, args=(running.url, done, latencies))
    prober.start()
    time.sleep(0.05)
    started = time.perf_counter()
    try:
        result = request()
    finally:
        took = time.perf_counter() - started
        done.set()
        prober.join()
    return result, took, latencies


@pytest.fixture
def mock(serve):
    return serve(EVIL, GOOD, scenario_timeout=BUDGET)


@pytest.mark.parametrize("text,rule,what", [
    ("a" * 40 + "!", "backtrack", "the regex /^(a|a)+$/"),
    ("loops", "nested-loops", "the template '{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}'"),
    ("filter " + "x" * 40, "template-regex", "the regex /(x|x)+y/"),
])
def test_runaway_rule_is_a_422_while_healthz_answers(mock, text, rule, what):
    response, took, latencies = while_probing(
        mock, lambda: httpx.post(mock.url + "/v1/chat/completions", json=chat(user(text), model="evil"), timeout=60))
    assert response.status_code == 422
    assert response.json()["error"] == {
        "message": f"Scenario error in scenario 'evil' rule '{rule}' (inline0.yaml:{ {'backtrack': 6, 'nested-loops': 9, 'template-regex': 15}[rule] }): "
                   f"{what} did not finish within the {BUDGET:g} s budget for evaluating a request (--scenario-timeout). "
                   "A regex that backtracks on this input (nested repeats such as '(a+)+' or '(a|a)*') or a template "
                   "that loops too long is the usual cause.",
        "type": "mockserver_scenario_error", "param": None, "code": "scenario_error"}
    # bounded: the regex engine's timeout counts CPU time, so a busy machine stretches it a little
    assert took < BUDGET * 10
    assert len(latencies) >= 5, "/healthz was not answered while the rule ran"
    assert statistics.quantiles(latencies, n=10)[-1] < 0.1, f"/healthz p90 {sorted(latencies)[-3]:.3f} s"
    assert max(latencies) < 1.0
    [entry] = [e for e in httpx.get(mock.url + "/_mock/journal").json()["data"] if e["status"] == 422]
    assert (entry["outcome"], entry["scenario"], entry["rule"]) == ("scenario_error", None, None)


@pytest.mark.parametrize("path,body", [
    ("/v1/responses", {"model": "evil", "input": "a" * 40 + "!"}),
    ("/v1/messages", {"model": "evil", "max_tokens": 64, "messages": [{"role": "user", "content": "a" * 40 + "!"}]}),
])
def test_every_dialect_shares_the_budget(mock, path, body):
    response, took, latencies = while_probing(mock, lambda: httpx.post(mock.url + path, json=body, timeout=60))
    assert response.status_code == 422
    assert "the regex /^(a|a)+$/ did not finish within the 0.5 s budget" in response.text
    assert took < BUDGET * 10 and len(latencies) >= 5 and max(latencies) < 1.0


def test_other_chat_requests_answer_meanwhile(mock):
    answers: list[float] = []

    def burn() -> httpx.Response:
        burner = threading.Thread(target=lambda: httpx.post(mock.url + "/v1/chat/completions",
                                                            json=chat(user("a" * 40 + "!"), model="evil"), timeout=60))
        burner.start()
        time.sleep(0.1)  # well into the burn (the budget is 0.5 s)
        with httpx.Client(base_url=mock.url, timeout=30) as client:
            for i in range(5):
                started = time.perf_counter()
                response = client.post("/v1/chat/completions", json=chat(user(f"hi {i}"), model="good"))
                answers.append(time.perf_counter() - started)
                assert response.json()["choices"][0]["message"]["content"] == f"hello hi {i}"
        burner.join()
        return response

    while_probing(mock, burn)
    assert statistics.median(answers) < 0.1, answers


def test_huge_power_refused_at_once_not_at_load(mock):
    started = time.perf_counter()
    response = httpx.post(mock.url + "/v1/chat/completions", json=chat(user("power"), model="evil"), timeout=60)
    assert time.perf_counter() - started < BUDGET * 4
    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        "Scenario error in scenario 'evil' rule 'power' (inline0.yaml:12): cannot render '{{ 9 ** (9 ** 7) }}': "
        "TooLarge: 9 ** 4782969 would have more than 100000 bits")


def test_ordinary_requests_stay_on_the_event_loop(mock, monkeypatch):
    hops: list[str] = []
    real = endpoint_module.asyncio.to_thread

    async def counting(fn, *args):
        hops.append(fn.__name__)
        return await real(fn, *args)

    monkeypatch.setattr(endpoint_module.asyncio, "to_thread", counting)
    for i in range(20):
        assert httpx.post(mock.url + "/v1/chat/completions", json=chat(user(f"hi {i}"), model="good")).status_code == 200
    # the slice is wall-clock time: a garbage collection or a busy machine can push a rare
    # ordinary request past it (harmless: it is answered from a worker thread instead)
    assert len(hops) <= 2, hops
    hops.clear()
    httpx.post(mock.url + "/v1/chat/completions", json=chat(user("loops"), model="evil"), timeout=60)
    assert len(hops) == 1  # the runaway one finished its budget off the loop


SLOW_BUT_FINE = """
version: 1
name: slow
rules:
  - name: busy
    reply: {content: "{% for i in range(2000) %}{% for j in range(300) %}{% endfor %}{% endfor %}done"}
"""


def test_an_evaluation_moved_off_the_loop_counts_its_fault_once(serve):
    # ~600,000 loop steps: well past the on-loop slice, well within the budget
    running = serve(SLOW_BUT_FINE, scenario_timeout=30)
    headers = {"X-Mock-Fault": "stream-cut; after=1; times=1", "X-Mock-Session": "once"}
    bodies = []
    for _ in range(2):
        with httpx.stream("POST", running.url + "/v1/chat/completions", json=chat(user("x"), stream=True),
                          headers=headers, timeout=60) as response:
            bodies.append(response.read().decode())
    assert "[DONE]" not in bodies[0]  # the first is cut (times=1 fired once, not twice) …
    assert bodies[1].rstrip().endswith("data: [DONE]") and '"done"' in bodies[1]  # … the second is not
    assert running.service.faults.snapshot() == [{"fault": ["header", "stream-cut; after=1; times=1"], "session": "once", "count": 2}]


def test_budget_is_per_request_and_nested_calls_share_it():
    with budget.evaluating(5.0):
        outer = budget.remaining()
        with budget.evaluating(0.001):
            assert budget.remaining() <= outer  # the outer deadline holds
    assert budget.remaining() is None


def test_a_backtracking_pattern_in_a_declared_schema_cannot_stall_the_server(serve):
    """Not the scenario's doing: the request itself declares the pattern and sends the argument
    (the history's tool calls are checked against the declared schemas)."""
    running = serve(GOOD)
    lookup = function_tool("lookup", {"code": {"type": "string", "pattern": "^(a|a)+$"}}, ["code"])
    body = chat(user("look it up"), assistant_calls(call("call_1", "lookup", '{"code": "%s!"}' % ("a" * 40))),
                tool("call_1", "found"), model="good", tools=[lookup])
    response, took, latencies = while_probing(
        running, lambda: httpx.post(running.url + "/v1/chat/completions", json=body, timeout=60))
    assert response.status_code == 200  # not checkable in time: not held against the client
    assert took < 5 and len(latencies) >= 1 and max(latencies) < 1.0
    # an ordinary pattern is still checked, with jsonschema's words
    strict = function_tool("lookup", {"code": {"type": "string", "pattern": "^[a-z]+$"}}, ["code"])
    bad = chat(user("look it up"), assistant_calls(call("call_1", "lookup", '{"code": "AB"}')),
               tool("call_1", "found"), model="good", tools=[strict])
    answer = httpx.post(running.url + "/v1/chat/completions", json=bad)
    assert "'AB' does not match '^[a-z]+$'" in answer.text, answer.text
