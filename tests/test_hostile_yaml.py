"""Hostile scenario files: nested aliases (billion laughs), recursive aliases, deep nesting and
oversized uploads are refused with a file:line error — through the admin route of a real server
(which keeps answering /healthz meanwhile) and through `mockserver validate`."""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import threading
import time

import httpx
import pytest

from mockserver.engine.yamlsrc import ALIAS_NODES, MAX_NESTING
from payloads import chat, user

YAML = {"content-type": "application/yaml"}
BASE = "version: 1\nname: base\nrules:\n  - name: hi\n    reply: {content: base}\n"

# 609 bytes that expand to 10^9 nodes when every alias is copied
LAUGHS = """version: 1
name: lol
rules:
  - name: r
    when:
      header:
        x-lol:
          a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
          b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
          c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
          d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
          e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
          f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
          g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
          h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
          i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
    reply: {content: lol}
"""
LAUGHS_LINE = 12  # the line of `e: &e [*d, …]`: the first alias that takes the document over budget
LAUGHS_MESSAGE = (
    f"invalid YAML: alias *d expands to 11111 nodes, and this document's aliases would add more than {ALIAS_NODES} "
    "nodes in all (refused: a nested-alias expansion such as 'billion laughs' would freeze the server; repeat the "
    "data or use fewer levels of aliases)"
)


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_billion_laughs_posted_is_refused_while_healthz_answers(serve):
    running = serve(BASE)
    latencies: list[float] = []
    done = threading.Event()
    probing = threading.Event()

    def probe() -> None:
        with httpx.Client(base_url=running.url, timeout=10) as client:
            while not done.is_set():
                started = time.perf_counter()
                assert client.get("/healthz").status_code == 200
                latencies.append(time.perf_counter() - started)
                probing.set()

    prober = threading.Thread(target=probe)
    rss_before = max_rss_mb()
    prober.start()
    assert probing.wait(10)  # the probes are running before the attack starts (a loaded machine is slow to start them)
    try:
        response = httpx.post(running.url + "/_mock/scenarios", content=LAUGHS, headers=YAML, timeout=30)
    finally:
        done.set()
        prober.join()
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_scenario"
    assert error["problems"] == [{"file": "<request body>", "line": LAUGHS_LINE, "column": 46, "rule": None, "path": "", "message": LAUGHS_MESSAGE}]
    # answered throughout (a busy CI machine may delay a single probe; expanding the file would
    # hold them all for minutes)
    assert statistics.median(latencies) < 0.1 and max(latencies) < 1.0, latencies
    assert max_rss_mb() - rss_before < 50  # expanding it would take gigabytes
    # nothing was loaded, the server still serves the old scenario
    assert [s["name"] for s in httpx.get(running.url + "/_mock/scenarios").json()["data"]] == ["base"]
    assert httpx.post(running.url + "/v1/chat/completions", json=chat(user("hi"))).json()["choices"][0]["message"]["content"] == "base"


def test_billion_laughs_in_validate(tmp_path):
    path = tmp_path / "lol.yaml"
    path.write_text(LAUGHS)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "mockserver", "validate", str(path), "--format", "json"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert time.perf_counter() - started < 30
    assert result.returncode == 1, result.stderr
    [finding] = json.loads(result.stdout)["problems"]
    assert (finding["severity"], finding["file"], finding["line"], finding["message"]) == ("error", "lol.yaml", LAUGHS_LINE, LAUGHS_MESSAGE)


def test_recursive_alias_and_deep_nesting_are_load_errors(serve):
    running = serve(BASE)
    recursive = "version: 1\nname: r\nrules:\n  - name: r\n    when: {header: {x: &x [1, *x]}}\n    reply: {content: x}\n"
    response = httpx.post(running.url + "/_mock/scenarios?file=rec.yaml", content=recursive, headers=YAML)
    assert response.status_code == 400
    assert response.json()["error"]["problems"] == [{
        "file": "rec.yaml", "line": 5, "column": 31, "rule": None, "path": "",
        "message": "invalid YAML: alias *x refers to a node that contains it (recursive aliases are refused)"}]
    # JSON goes through the same loader: nesting is bounded the same way (no RecursionError, no 500)
    deep = '{"version": 1, "name": "deep", "rules": [{"reply": {"content": "x"}}], "x": ' + "[" * 5000 + "]" * 5000 + "}"
    response = httpx.post(running.url + "/_mock/scenarios?file=deep.json", content=deep, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["problems"] == [{
        "file": "deep.json", "line": 1, "column": 176, "rule": None, "path": "",
        "message": f"invalid YAML: the data is nested more than {MAX_NESTING} levels deep"}]


def test_aliases_within_the_budget_still_work(serve):
    running = serve(BASE)
    shared = """version: 1
name: shared
rules:
  - name: first
    when: &weather {last_message: {contains: weather}, model: gpt-4o}
    reply: {content: first}
  - name: second
    priority: -1
    when: *weather
    reply: {content: second}
"""
    assert httpx.post(running.url + "/_mock/scenarios", content=shared, headers=YAML).status_code == 201
    answer = httpx.post(running.url + "/v1/chat/completions", json=chat(user("weather?"), model="gpt-4o")).json()
    assert answer["choices"][0]["message"]["content"] == "first"


def test_uploaded_scenario_size_limit(serve):
    running = serve(BASE, max_scenario_bytes=2048)
    big = BASE.replace("name: base", "name: big") + "# " + "x" * 4096 + "\n"
    response = httpx.post(running.url + "/_mock/scenarios", content=big, headers=YAML)
    assert response.status_code == 413
    assert response.json()["error"] == {
        "message": "Request body too large: the limit is 2048 bytes (set --max-scenario-bytes to raise it).",
        "type": "invalid_request_error", "param": None, "code": "request_too_large"}
    small = BASE.replace("name: base", "name: small")
    assert httpx.post(running.url + "/_mock/scenarios", content=small, headers=YAML).status_code == 201


@pytest.mark.parametrize("argv,expected", [
    ([], 1024 * 1024),
    (["--max-scenario-bytes", "5000"], 5000),
])
def test_scenario_size_limit_option(argv, expected):
    from mockserver.cli import _parser, config_from_args

    assert config_from_args(_parser().parse_args(["serve", *argv])).max_scenario_bytes == expected
