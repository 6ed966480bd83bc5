"""``mockserver.testing.ServerThread`` (what the pytest fixture and this suite run): ``stop()`` ends
the server as soon as nothing is left to wait for, yet still gracefully — a stream in flight is
answered in full, the lifespan's shutdown runs (``--reload``'s watcher stops), the port closes."""

from __future__ import annotations

import json
import logging
import socket
import threading

import httpx

from mockserver.config import Config
from mockserver.testing import ServerThread

SLOW = "version: 1\nname: slow\nrules:\n  - name: r\n    reply: {content: one two three four five six}\n"


def test_stop_lets_a_stream_in_flight_finish(tmp_path):
    (tmp_path / "s.yaml").write_text(SLOW)
    running = ServerThread(Config(scenarios=[str(tmp_path / "s.yaml")], port=0, tps=30)).start()
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    started, events = threading.Event(), []

    def stream() -> None:
        with httpx.stream("POST", running.url + "/v1/chat/completions", json=body, timeout=30) as reply:
            for line in reply.iter_lines():
                started.set()
                events.append(line)

    reader = threading.Thread(target=stream)
    reader.start()
    assert started.wait(30)
    running.stop()  # while the stream is still being written (6 tokens at 30 a second)
    reader.join(timeout=30)
    assert not reader.is_alive()
    running.check()
    data = [line for line in events if line]
    assert data[-1] == "data: [DONE]"  # the stream was finished, not cut
    words = "".join(json.loads(line[6:])["choices"][0]["delta"].get("content") or "" for line in data[:-1]
                    if json.loads(line[6:])["choices"])
    assert words == "one two three four five six"


def test_stop_runs_the_lifespan_shutdown_and_closes_the_port(tmp_path):
    (tmp_path / "s.yaml").write_text(SLOW)
    running = ServerThread(Config(scenarios=[str(tmp_path / "s.yaml")], port=0, reload=True, reload_interval=0.05)).start()
    with httpx.Client(base_url=running.url) as idle:  # a kept-alive connection does not hold the stop up
        assert idle.get("/healthz").status_code == 200
        watcher = running.app.state.watcher
        assert watcher._thread.is_alive()
        running.stop()
        assert not running._thread.is_alive()
        assert not watcher._thread.is_alive()  # the lifespan's shutdown stopped --reload's watcher
    with socket.socket() as sock:
        assert sock.connect_ex((running.config.host, running.config.port)) != 0
    running.check()


def test_a_websocket_upgrade_is_answered_as_plain_http(server, caplog):
    """No route speaks WebSocket (serve and ServerThread run uvicorn with ws="none"): the request
    gets the dialect's own HTTP answer, and the log does not send the user off to install a library."""
    caplog.set_level(logging.INFO)
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    uvicorn_said: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: uvicorn_said.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("uvicorn.error").addHandler(handler)  # uvicorn's loggers do not reach caplog's
    try:
        reply = httpx.get(server.url + "/v1/responses", headers=upgrade)
    finally:
        logging.getLogger("uvicorn.error").removeHandler(handler)
    assert reply.status_code == 405
    assert reply.json()["error"]["message"] == "Method GET is not allowed for /v1/responses; use POST."
    assert "an Upgrade request was answered as plain HTTP/1.1: mockserver has no WebSocket (or HTTP/2) routes" in caplog.text
    assert uvicorn_said == []
