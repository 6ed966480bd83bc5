"""Cross-site safety over real HTTP: what a web page can send (text/plain, no content type, a
foreign Origin) and what DNS rebinding sends (a foreign Host) is refused on every route, while
the official SDK — addressed as 127.0.0.1 or localhost — and curl keep working."""

from __future__ import annotations

import http.client

import httpx
import openai
import pytest

from payloads import chat, user

SCENARIO = "version: 1\nname: s\nrules:\n  - name: hi\n    reply: {content: hello}\n"
RUNTIME = "version: 1\nname: runtime\nrules:\n  - name: r\n    reply: {content: runtime}\n"


def raw(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, dict]:
    """One request with exactly these headers (httpx would fill in its own Host)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for name, value in headers.items():
        conn.putheader(name, value)
    if body or method == "POST":
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, (httpx.Response(200, content=payload).json() if payload else {})


@pytest.fixture
def mock(serve):
    return serve(SCENARIO)


def served(running) -> list[str]:
    return [s["name"] for s in httpx.get(running.url + "/_mock/scenarios").json()["data"]]


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_admin_refuses_what_a_page_can_send_without_preflight(mock, content_type):
    headers = {"Host": f"127.0.0.1:{mock.config.port}"}
    if content_type:
        headers["Content-Type"] = content_type
    status, body = raw(mock.config.port, "POST", "/_mock/scenarios?replace=true", headers, RUNTIME.encode())
    assert status == 415
    assert body["error"]["code"] == "unsupported_media_type"
    assert served(mock) == ["s"]


@pytest.mark.parametrize("content_type", ["application/yaml", "application/x-yaml", "application/json"])
def test_admin_accepts_its_documented_types(mock, content_type):
    text = RUNTIME if "yaml" in content_type else '{"version": 1, "name": "runtime", "rules": [{"reply": {"content": "runtime"}}]}'
    response = httpx.post(mock.url + "/_mock/scenarios", content=text, headers={"content-type": content_type})
    assert response.status_code == 201
    assert served(mock) == ["runtime", "s"]


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/healthz", b""),
    ("GET", "/_mock/journal", b""),
    ("POST", "/_mock/reset", b""),
    ("GET", "/v1/models", b""),
    ("POST", "/v1/chat/completions", b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}'),
    ("POST", "/chat/completions", b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}'),
    ("GET", "/no/such/route", b""),
])
def test_foreign_host_refused_on_every_route(mock, method, path, body):
    httpx.post(mock.url + "/v1/chat/completions", json=chat(user("secret question")))  # something to steal
    status, answer = raw(mock.config.port, method, path, {"Host": f"rebind.example:{mock.config.port}", "Content-Type": "application/json"}, body)
    assert status == 403
    assert answer == {"error": {
        "message": f"Host 'rebind.example:{mock.config.port}' is not allowed: mockserver answers requests addressed to "
                   "127.0.0.1, ::1, localhost, mockserver.asgi (a guard against DNS rebinding). To reach it by another "
                   "name, start it with --allowed-hosts NAME (MOCKSERVER_ALLOWED_HOSTS=NAME, comma-separated; '*' "
                   "allows any, e.g. in a container behind a service name).",
        "type": "invalid_request_error", "param": None, "code": "host_not_allowed"}}
    journal = httpx.get(mock.url + "/_mock/journal").json()
    assert [e["request"]["messages"][0]["content"] for e in journal["data"]] == ["secret question"]  # not reset, nothing added


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_local_names_answered_with_any_port(mock, host):
    status, body = raw(mock.config.port, "GET", "/healthz", {"Host": f"{host}:1234"})
    assert (status, body["status"]) == (200, "ok")


@pytest.mark.parametrize("base", ["http://127.0.0.1:{port}/v1", "http://localhost:{port}/v1"])
def test_openai_sdk_addressed_either_way(mock, base):
    client = openai.OpenAI(base_url=base.format(port=mock.config.port), api_key="k", max_retries=0)
    answer = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert answer.choices[0].message.content == "hello"
    assert [m.id for m in client.models.list()] == ["s"]


def test_foreign_origin_refused_same_origin_answered(mock):
    port = mock.config.port
    httpx.post(mock.url + "/_mock/scenarios", content=RUNTIME, headers={"content-type": "application/yaml"})
    for origin in ("https://evil.example", "null", f"http://localhost:{port + 1}"):
        status, body = raw(port, "POST", "/_mock/reset", {"Host": f"127.0.0.1:{port}", "Origin": origin})
        assert status == 403
        assert body["error"]["code"] == "cross_origin_refused"
        assert body["error"]["message"] == (
            f"Cross-origin request refused: Origin {origin!r} is not this server (http://127.0.0.1:{port}). Web pages on "
            "other sites cannot drive mockserver; clients that are not browsers send no Origin header.")
    assert served(mock) == ["runtime", "s"]  # not reset
    status, body = raw(port, "POST", "/_mock/reset", {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"})
    assert (status, body["scenarios_removed"]) == (200, ["runtime"])
    chat_body = b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}'
    status, _ = raw(port, "POST", "/v1/chat/completions", {"Host": f"127.0.0.1:{port}", "Origin": "https://evil.example",
                                                           "Content-Type": "application/json"}, chat_body)
    assert status == 403


@pytest.mark.parametrize("allowed,host,status", [
    (["mockserver"], "mockserver:8000", 200),
    (["mockserver"], "other:8000", 403),
    (["*"], "anything.at.all:1", 200),
    ([".ci.example"], "mock.ci.example", 200),
    ([".ci.example"], "ci.example:80", 200),
    ([".ci.example"], "evilci.example", 403),
    (["10.0.0.7"], "10.0.0.7:8000", 200),
    ([], "10.0.0.7:8000", 403),  # bound to 127.0.0.1: only its own IP literals
])
def test_allowed_hosts(serve, allowed, host, status):
    running = serve(SCENARIO, allowed_hosts=allowed)
    assert raw(running.config.port, "GET", "/healthz", {"Host": host})[0] == status


def test_wildcard_bind_answers_ip_literals_not_names():
    from mockserver.server.guard import HostGuard

    guard = HostGuard(app=None, bound="0.0.0.0")
    assert guard._host_allowed("172.17.0.2") and guard._host_allowed("fe80::1") and guard._host_allowed("localhost")
    assert not guard._host_allowed("mockserver")


@pytest.mark.parametrize("environ,argv,expected", [
    ({"MOCKSERVER_ALLOWED_HOSTS": "mockserver, api.test ::1"}, [], ["mockserver", "api.test", "::1"]),
    ({"MOCKSERVER_ALLOWED_HOSTS": "*"}, [], ["*"]),
    ({}, ["--allowed-hosts", "a,b", "c"], ["a", "b", "c"]),
    ({"MOCKSERVER_ALLOWED_HOSTS": "x"}, ["--allowed-hosts", "y"], ["y"]),
])
def test_allowed_hosts_option_and_environment(monkeypatch, environ, argv, expected):
    from mockserver.cli import _parser, config_from_args

    monkeypatch.delenv("MOCKSERVER_ALLOWED_HOSTS", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    assert config_from_args(_parser().parse_args(["serve", *argv])).allowed_hosts == expected


def test_recording_proxy_is_guarded_too(tmp_path):
    """`mockserver record` spends the real provider's key: a rebinding page must not reach it."""
    import subprocess
    import sys
    import time

    from mockserver.testing import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "record", "--upstream", "http://127.0.0.1:9/v1", "--out", str(tmp_path),
         "--port", str(port), "--log-level", "warning"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None and time.monotonic() < deadline, "mockserver record did not start"
            try:
                if httpx.get(f"http://localhost:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        body = b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}'
        status, answer = raw(port, "POST", "/v1/chat/completions", {"Host": "rebind.example", "Content-Type": "application/json"}, body)
        assert (status, answer["error"]["code"]) == (403, "host_not_allowed")
        status, answer = raw(port, "POST", "/v1/chat/completions", {"Host": f"127.0.0.1:{port}", "Origin": "https://evil.example",
                                                                    "Content-Type": "application/json"}, body)
        assert (status, answer["error"]["code"]) == (403, "cross_origin_refused")
    finally:
        process.terminate()
        process.communicate(timeout=20)
    assert process.returncode == 0
