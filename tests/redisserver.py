"""A private redis-server (Debian's) on a free port, for the Redis state backend's tests.

It skips, saying why, only where redis-server or the redis package is missing; ``.ci/run``
installs both and sets MOCKSERVER_REDIS_REQUIRED=1, which turns a missing one into a failure.
Readiness: PING until it answers (no sleeps).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from typing import Iterator

import pytest

from mockserver.testing import free_port


def _unavailable(reason: str) -> None:
    if os.environ.get("MOCKSERVER_REDIS_REQUIRED") == "1":
        pytest.fail(f"MOCKSERVER_REDIS_REQUIRED=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``redis://127.0.0.1:PORT/0`` of a redis-server started for this test session."""
    try:
        import redis
    except ImportError:
        _unavailable("the redis package is not installed (pip install 'mockserver[redis]')")
    server = shutil.which("redis-server")
    if server is None:
        _unavailable("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"redis-server did not start on port {port} (exit status {proc.poll()})")
            time.sleep(0.01)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)
