"""Run a real mockserver (uvicorn) in a background thread: for tests, the pytest plugin, benchmarks.

Readiness is polled (no sleeps of fixed length); errors in the server thread are kept and
re-raised by :meth:`ServerThread.check`.
"""

from __future__ import annotations

import asyncio
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


class _PromptServer(uvicorn.Server):
    """A uvicorn server that stops as soon as it is asked to, not on its next 0.1 s tick.

    uvicorn polls ``should_exit`` every 0.1 s and then waits a fixed 0.1 s for connections to
    close; a test session starts and stops hundreds of servers, so both waits end as soon as
    there is nothing left to wait for (never later than uvicorn's own)."""

    _loop: asyncio.AbstractEventLoop | None = None
    _wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            try:
                await asyncio.wait_for(self._wake.wait(), 0.1)
            except asyncio.TimeoutError:
                pass
            should_exit = await self.on_tick(counter)

    def wake(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:  # the loop closed meanwhile: nothing left to wake
                pass

    async def shutdown(self, sockets: Any = None) -> None:
        state = getattr(self, "server_state", None)
        if state is None or not hasattr(self, "_wait_tasks_to_complete"):  # another uvicorn: its own way
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(state.connections):
            connection.shutdown()
        # uvicorn sleeps 0.1 s here; idle connections close within a loop iteration or two.
        deadline = time.monotonic() + 0.1
        while state.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        try:
            await asyncio.wait_for(self._wait_tasks_to_complete(), self.config.timeout_graceful_shutdown)
        except asyncio.TimeoutError:
            for task in state.tasks:
                task.cancel()
        if not self.force_exit:
            await self.lifespan.shutdown()


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
                   "http": protocol_class(self.config.read_timeout), "ws": "none"}  # as serve: no WebSocket routes
        options.update(uvicorn_options)
        self._server = _PromptServer(uvicorn.Config(self.app, host=self.config.host, port=self.config.port, **options))
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
        self._server.wake()
        self._thread.join(timeout=10)

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
