"""Slow and silent clients are timed out; a shutdown that cuts a stream leaves no traceback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import openai
import pytest

from mockserver.testing import free_port
from payloads import chat, user

PLAIN = "version: 1\nname: plain\nrules:\n  - name: any\n    reply: {content: 'hello there, how are you today'}\n"
TIMEOUT = 0.5


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.mark.parametrize("sent", [
    b"",  # connects and says nothing
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # headers that never end
])
def test_slow_or_silent_client_gets_408_and_is_closed(serve, sent):
    running = serve(PLAIN, read_timeout=TIMEOUT)
    with socket.create_connection(("127.0.0.1", running.config.port), timeout=10) as sock:
        sock.sendall(sent)
        started = time.perf_counter()
        answer = read_all(sock)  # returns when the server closes the connection
        took = time.perf_counter() - started
    assert TIMEOUT * 0.9 <= took < TIMEOUT + 5
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 408 Request Timeout"
    assert httpx.Response(408, content=body).json()["error"] == {
        "message": "The request was not received within 0.5 seconds (--read-timeout).",
        "type": "invalid_request_error", "param": None, "code": "request_timeout"}


def test_body_that_stalls_gets_408_and_is_journaled_as_a_timeout(serve):
    """Issue 31 D2: complete headers, then 10 of the 60 body bytes, then nothing: the README's
    408, and the journal says timeout (it said client disconnect before)."""
    running = serve(PLAIN, read_timeout=TIMEOUT)
    with socket.create_connection(("127.0.0.1", running.config.port), timeout=10) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 60\r\n\r\n{\"model\": ")
        started = time.perf_counter()
        answer = read_all(sock)  # returns when the server closes the connection
        assert TIMEOUT * 0.9 <= time.perf_counter() - started < TIMEOUT + 5
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 408 Request Timeout"
    error = {"message": "The request was not received within 0.5 seconds (--read-timeout).",
             "type": "invalid_request_error", "param": None, "code": "request_timeout"}
    assert httpx.Response(408, content=body).json()["error"] == error
    deadline = time.monotonic() + 5
    while not (entries := httpx.get(running.url + "/_mock/journal").json()["data"]):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert (entries[0]["status"], entries[0]["error"]) == (408, error)


def test_clients_within_the_timeout_are_not_disturbed(serve):
    running = serve(PLAIN, read_timeout=TIMEOUT)
    with httpx.Client(base_url=running.url) as client:
        for _ in range(3):  # one keep-alive connection, idle longer than the read timeout in between
            assert client.post("/v1/chat/completions", json=chat(user("hi"))).status_code == 200
            time.sleep(TIMEOUT * 1.5)
    # a body sent in slow pieces, each well within the timeout, all within it too
    with socket.create_connection(("127.0.0.1", running.config.port), timeout=10) as sock:
        body = b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}'
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
        for piece in (body[:20], body[20:]):
            time.sleep(TIMEOUT / 4)
            sock.sendall(piece)
        assert read_all(sock).startswith(b"HTTP/1.1 200 OK")


def test_shutdown_during_a_stream_leaves_no_traceback(tmp_path):
    (tmp_path / "s.yaml").write_text(PLAIN)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--scenarios", str(tmp_path / "s.yaml"), "--port", str(port),
         "--tps", "1", "--log-level", "info"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.05)
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="k", max_retries=0, timeout=60)
        received: list[str] = []
        plain: list[int] = []

        def stream() -> None:  # 7 tokens at 1 token/s: still running when the server stops
            for chunk in client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True):
                received.extend(c.delta.content or "" for c in chunk.choices)

        def delayed() -> None:  # a non-streamed answer waiting out its emulated generation time
            plain.append(httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=chat(user("hi")), timeout=60).status_code)

        threads = [threading.Thread(target=stream), threading.Thread(target=delayed)]
        for thread in threads:
            thread.start()
        # both are in flight (the journal records a request before its answer is sent)
        while not received or len(httpx.get(f"http://127.0.0.1:{port}/_mock/journal").json()["data"]) < 2:
            assert time.monotonic() < deadline + 30
            time.sleep(0.02)
        server.send_signal(signal.SIGTERM)
        _, log = server.communicate(timeout=30)
        for thread in threads:
            thread.join(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0
    assert "Traceback" not in log and "CancelledError" not in log, log
    assert log.count("shutting down: POST /v1/chat/completions cut off") == 2, log
    assert 0 < len("".join(received)) < len("hello there, how are you today")  # the stream ended early, cleanly
    assert plain == [503]
