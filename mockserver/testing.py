"""Run a real mockserver (uvicorn) in a background thread: for tests, the pytest plugin, benchmarks.

Readiness is polled (no sleeps of fixed length); errors in the server thread are kept and
re-raised by :meth:`ServerThread.check`.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from mockserver.server.app import build_app
from mockserver.server.timeouts import protocol_class
from mockserver.config import Config
from mockserver.engine.model import ScenarioSet


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ServerThread:
    def __init__(
        self, config: Config | None = None, scenarios: ScenarioSet | None = None, *, app: Any = None, **uvicorn_options: Any
    ) -> None:
        """``app``: serve this ASGI app instead of a mockserver built from ``config`` (e.g. the
        recording proxy); ``config`` still gives host and port."""
        self.config = config or Config()
        if not self.config.port:
            self.config.port = free_port(self.config.host)
        self.app = app if app is not None else build_app(self.config, scenarios)
        options = {"log_level": "warning", "access_log": False, "lifespan": "on",  # on: runs --reload's watcher
                   "http": protocol_class(self.config.read_timeout)}
        options.update(uvicorn_options)
        self._server = uvicorn.Server(uvicorn.Config(self.app, host=self.config.host, port=self.config.port, **options))
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._run, name="mockserver", daemon=True)
        self.error: BaseException | None = None

    @property
    def service(self) -> Any:
        return self.app.state.service

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.config.port}"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def _run(self) -> None:
        try:
            self._server.run()
        except BaseException as exc:  # kept for check(); a thread cannot raise into the test
            self.error = exc

    def start(self, timeout: float = 10.0) -> "ServerThread":
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self.error is not None or not self._thread.is_alive():
                raise RuntimeError(f"mockserver failed to start: {self.error!r}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"mockserver did not start within {timeout} s")
            time.sleep(0.005)
        return self

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
