#!/usr/bin/env python3
"""What each state backend costs per request, in process (no network, no load generator): the
same first-seen requests through the whole app (ASGI), one at a time, for the memory, SQLite
and Redis backends; the extra over memory is the backend's cost (its journal write, the
version check before each request, and for stored Responses-API requests the store's put).

    python bench/state_cost.py [--requests 2000] [--repeat 5]

Best of ``--repeat`` runs (the least disturbed by other load on the machine). Redis rows need
redis-server on the PATH (a private one is started on a free port).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import httpx  # noqa: E402

from bench.run import first_seen_body, free_port  # noqa: E402
from mockserver.config import Config  # noqa: E402
from mockserver.server.app import build_app  # noqa: E402


async def per_request(app, path: str, template: bytes, count: int, tag: str) -> float:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        bodies = [template.replace(b"@N@", f"{tag}-{i}".encode()) for i in range(count)]
        headers = {"content-type": "application/json"}
        start = time.perf_counter()
        for body in bodies:
            response = await client.post(path, content=body, headers=headers)
            assert response.status_code == 200, response.text
        return (time.perf_counter() - start) / count * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-cost-")
    backends = {"memory": "", "SQLite": f"sqlite://{folder}/state.db"}
    redis = None
    if shutil.which("redis-server"):
        port = free_port()
        redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", folder], stdout=subprocess.DEVNULL)
        backends["Redis"] = f"redis://127.0.0.1:{port}/0"
        import redis as redis_py

        client = redis_py.Redis(port=port)
        while True:
            try:
                client.ping()
                break
            except redis_py.ConnectionError:
                time.sleep(0.01)
    cases = {
        "chat": ("/v1/chat/completions", first_seen_body("chat", False)),
        "responses, stored": ("/v1/responses", first_seen_body("responses", False).replace(b'"store": false', b'"store": true')),
    }
    results: dict[str, dict[str, float]] = {}
    try:
        apps = {name: build_app(Config(state=url, port=0)) for name, url in backends.items()}
        for case, (path, body) in cases.items():
            for name, app in apps.items():
                runs = [asyncio.run(per_request(app, path, body, args.requests, f"{case}{name}{r}")) for r in range(args.repeat)]
                results.setdefault(case, {})[name] = min(runs)
                app.state.journal.clear()
        for app in apps.values():
            app.state.backend.close()
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait()
        shutil.rmtree(folder, ignore_errors=True)
    print("| request (first-seen, in process, one at a time) | " + " | ".join(backends) + " |")
    print("|---|" + "---|" * len(backends))
    for case, row in results.items():
        base = row["memory"]
        cells = [f"{row[n]:.0f} µs" + ("" if n == "memory" else f" (+{row[n] - base:.0f})") for n in backends]
        print(f"| {case} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
