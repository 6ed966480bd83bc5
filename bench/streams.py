#!/usr/bin/env python3
"""Timed streams under concurrency (issue 29): does the mock keep its configured time to first
token and inter-token latency with many concurrent streams, next to the limit of the stack?

    python bench/streams.py                      # 100, 1,000 and 5,000 streams, every streaming dialect
    python bench/streams.py --streams 100 --dialects chat
    python bench/streams.py --smoke              # seconds: shows that everything runs (CI)

For each dialect that streams (Chat Completions, Responses, Messages) and each N: N connections
at once, each sending ``--requests`` streamed requests one after another with unique bodies
(a counter in the user message: nothing is remembered), against ``mockserver serve --ttft T
--tps S`` and then against bench/stream_reference.py — a bare Starlette + uvicorn app sending the
same events with the same delays — in the same run. The client is ``--clients`` processes of
raw-socket asyncio (uvloop) connections, pinned to the other core: the proof that it is not the
bottleneck is the reference row, which shows the configured timing through the same client.

Reported per row: TTFT (request sent → first body byte) and inter-token gap p50/p99 (between
consecutive reads that brought data, gaps under 2 ms — events sent back to back — left out),
errors, and the server's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.run import Server, free_port, mock_server, pin  # noqa: E402

PATHS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}
WORDS = 25  # tokens in the answer: 25 word-sized stream pieces
SCENARIO = ("version: 1\nname: streams\nrules:\n  - name: answer\n    reply:\n      content: \""
            + " ".join(f"word{i}" for i in range(WORDS)) + "\"\n")
MIN_GAP = 0.002


def body(dialect: str, n: int) -> bytes:
    text = f"Tell me something, number {n}."
    if dialect == "chat":
        payload = {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": text}]}
    elif dialect == "responses":
        payload = {"model": "gpt-4o", "stream": True, "store": False, "input": text}
    else:
        payload = {"model": "claude-sonnet-4-5", "max_tokens": 200, "stream": True, "messages": [{"role": "user", "content": text}]}
    return json.dumps(payload).encode()


def request(dialect: str, port: int, n: int) -> bytes:
    data = body(dialect, n)
    extra = "anthropic-version: 2023-06-01\r\nx-api-key: bench\r\n" if dialect == "messages" else ""
    return (f"POST {PATHS[dialect]} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


# --- the client: one process runs `count` connections ----------------------------------------

class _Stream(asyncio.Protocol):
    """One connection sending its requests one after another; times every read (a Protocol, not
    asyncio streams: a read costs a few microseconds, so one core keeps up with thousands of streams)."""

    def __init__(self, dialect: str, port: int, first: int, requests: int, out: dict, done: asyncio.Future) -> None:
        self.dialect, self.port, self.next, self.left, self.out, self.done = dialect, port, first, requests, out, done
        self.transport = None
        self.tail = b""
        self.head: bytes | None = b""
        self.sent = 0.0
        self.last = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def start(self) -> None:
        self.tail, self.last, self.head = b"", None, b""
        self.sent = time.perf_counter()
        self.transport.write(request(self.dialect, self.port, self.next))
        self.next += 1
        self.left -= 1

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if self.head is not None:  # the response head first (sent before the first event's delay)
            self.head += data
            if b"\r\n\r\n" not in self.head:
                return
            if not self.head.startswith(b"HTTP/1.1 200"):
                return self._finish(self.head[:200].split(b"\r\n")[0].decode(errors="replace"))
            data = self.head.split(b"\r\n\r\n", 1)[1]
            self.head = None
            if not data:
                return
        if self.last is None:
            self.out["ttft"].append(now - self.sent)
        elif now - self.last >= MIN_GAP:
            self.out["gaps"].append(now - self.last)
        self.last = now
        self.tail = (self.tail + data)[-16:]
        if self.tail.endswith(b"0\r\n\r\n"):  # the chunked body's end
            if self.left > 0:
                self.start()
            else:
                self._finish(None)

    def _finish(self, error: str | None) -> None:
        if error is not None:
            self.out["errors"].append(error)
        self.transport.close()
        if not self.done.done():
            self.done.set_result(None)

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.out["errors"].append(f"closed mid-stream: {exc}")
            self.done.set_result(None)


def _client(dialect: str, port: int, connections: int, requests: int, offset: int, start_at: float, queue) -> None:
    try:
        import uvloop
        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    out: dict = {"ttft": [], "gaps": [], "errors": []}

    async def main() -> None:
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(64)  # a few connects at a time: thousands of SYNs at once overflow the backlog
        streams = []

        async def connect(c: int) -> None:
            done = loop.create_future()
            async with gate:
                try:
                    _, proto = await loop.create_connection(
                        lambda: _Stream(dialect, port, offset + c * requests, requests, out, done), "127.0.0.1", port)
                except OSError as exc:
                    out["errors"].append(f"connect: {exc}")
                    return
            streams.append(proto)

        await asyncio.gather(*(connect(c) for c in range(connections)))
        await asyncio.sleep(max(0.0, start_at - time.time()))  # every stream starts together, connected
        for proto in streams:
            proto.start()
        await asyncio.gather(*(proto.done for proto in streams))

    asyncio.run(main())
    queue.put(out)


def load(dialect: str, port: int, streams: int, requests: int, clients: int, tag: int) -> dict:
    """``streams`` concurrent connections spread over ``clients`` processes on core 1."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    start_at = time.time() + 1.0 + streams / 1000  # time to open every connection first
    share = [streams // clients + (1 if i < streams % clients else 0) for i in range(clients)]
    procs = []
    offset = tag * 10_000_000
    for i, count in enumerate(share):
        proc = ctx.Process(target=_client, args=(dialect, port, count, requests, offset, start_at, queue))
        proc.start()
        if pin(1):
            os.sched_setaffinity(proc.pid, {1})
        procs.append(proc)
        offset += count * requests
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    merged: dict = {"ttft": [], "gaps": [], "errors": []}
    for r in results:
        for key in merged:
            merged[key] += r[key]
    return merged


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] * 1000


class PeakRSS:
    """The server's peak RSS while a load runs (sampled every 50 ms)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            try:
                self.peak = max(self.peak, self.server.rss_mb())
            except OSError:
                return

    def __enter__(self) -> "PeakRSS":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.server.rss_mb())


# --- the servers ----------------------------------------------------------------------------------

def reference_pieces(ttft: float, tps: float, dialects: list[str]) -> dict[str, list]:
    """The mock's own events and delays for one request per dialect (what the bare app replays)."""
    from mockserver.config import Config
    from mockserver.engine.loader import load_text
    from mockserver.engine.model import ScenarioSet
    from mockserver.server.app import build_app

    scenarios, problems = load_text(SCENARIO, "streams.yaml")
    assert not problems, problems
    app = build_app(Config(ttft=ttft, tps=tps, memo=False), ScenarioSet(scenarios))
    service = app.state.service
    pieces = {}
    for dialect in dialects:
        headers = {"content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": "bench"}
        outcome = service.handle(service.dialects[dialect], body(dialect, 0), headers)
        assert outcome.stream is not None, outcome.body
        pieces[PATHS[dialect]] = [[p.delay, p.data.decode()] for p in outcome.stream]
    return pieces


def start_mock(ttft: float, tps: float, scenario_dir: Path) -> Server:
    server = mock_server(free_port(), [str(scenario_dir)], ["--ttft", str(ttft), "--tps", str(tps)])
    return server


class _Elsewhere(Server):
    """A mock from another source tree (``--baseline DIR``: e.g. main before a change), same run."""

    def __init__(self, tree: str, argv: list[str], port: int) -> None:
        import subprocess
        self.port = port
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(pin(0) + argv, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def start_baseline(tree: str, ttft: float, tps: float, scenario_dir: Path) -> Server:
    port = free_port()
    return _Elsewhere(tree, [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--log-level", "warning",
                             "--scenarios", str(scenario_dir), "--ttft", str(ttft), "--tps", str(tps)], port)


def start_reference(pieces_file: Path) -> Server:
    port = free_port()
    return Server([sys.executable, "-m", "uvicorn", "bench.stream_reference:app", "--port", str(port), "--loop", "uvloop",
                   "--http", "httptools", "--no-access-log", "--log-level", "warning", "--backlog", "8192"],
                  port, {"STREAM_PIECES": str(pieces_file)})


def ready(server: Server, dialect: str) -> None:
    import socket
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"server on port {server.port} did not start")


def measure(make, dialect: str, streams: int, requests: int, clients: int, tag: int) -> dict:
    server = make()
    try:
        ready(server, dialect)
        load(dialect, server.port, min(8, streams), 1, 1, tag + 1)  # warm-up: first connections, imports
        load_avg = os.getloadavg()[0]  # the machine is shared: what else ran, beside each row
        with PeakRSS(server) as rss:
            started = time.perf_counter()
            got = load(dialect, server.port, streams, requests, clients, tag)
            seconds = time.perf_counter() - started
    finally:
        server.stop()
    return {
        "ttft_p50": pct(got["ttft"], 50), "ttft_p99": pct(got["ttft"], 99),
        "gap_p50": pct(got["gaps"], 50), "gap_p99": pct(got["gaps"], 99),
        "streams_done": len(got["ttft"]), "errors": len(got["errors"]), "first_errors": got["errors"][:3],
        "rss_mb": round(rss.peak, 1), "seconds": round(seconds, 2), "load_avg": round(load_avg, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", default="100,1000,5000")
    parser.add_argument("--dialects", default="chat,responses,messages")
    parser.add_argument("--requests", type=int, default=2, help="streamed requests per connection, one after another")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--ttft", type=float, default=0.2)
    parser.add_argument("--tps", type=float, default=50)
    parser.add_argument("--smoke", action="store_true", help="20 streams, chat only, one request each")
    parser.add_argument("--baseline", metavar="DIR", help="also measure the mock of another source tree (e.g. main)")
    args = parser.parse_args()
    counts = [20] if args.smoke else [int(n) for n in args.streams.split(",")]
    dialects = ["chat"] if args.smoke else args.dialects.split(",")
    requests = 1 if args.smoke else args.requests
    clients = 2 if args.smoke else args.clients
    tmp = Path(tempfile.mkdtemp(prefix="mockstreams-"))
    (tmp / "streams.yaml").write_text(SCENARIO)
    pieces_file = tmp / "pieces.json"
    pieces_file.write_text(json.dumps(reference_pieces(args.ttft, args.tps, dialects)))
    report: dict = {"ttft_ms": args.ttft * 1000, "gap_ms": 1000 / args.tps, "requests_per_connection": requests,
                    "clients": clients, "rows": []}
    tag = 1
    for dialect in dialects:
        for n in counts:
            servers = [("bare", lambda: start_reference(pieces_file)), ("mockserver", lambda: start_mock(args.ttft, args.tps, tmp))]
            if args.baseline:
                servers.append(("baseline", lambda: start_baseline(args.baseline, args.ttft, args.tps, tmp)))
            for name, make in servers:
                row = measure(make, dialect, n, requests, clients, tag)
                tag += 2
                row.update(server=name, dialect=dialect, streams=n)
                report["rows"].append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps(report, indent=2))
    print(table(report), file=sys.stderr)
    return 0


def table(report: dict) -> str:
    lines = [f"configured: TTFT {report['ttft_ms']:g} ms, {report['gap_ms']:g} ms between tokens; "
             f"{report['requests_per_connection']} requests per connection, {report['clients']} client processes",
             "", "| dialect | streams | server | TTFT p50 | TTFT p99 | inter-token p50 | inter-token p99 | errors | peak RSS | load avg |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in report["rows"]:
        lines.append(f"| {r['dialect']} | {r['streams']:,} | {r['server']} | {r['ttft_p50']:.0f} ms | {r['ttft_p99']:.0f} ms | "
                     f"{r['gap_p50']:.1f} ms | {r['gap_p99']:.1f} ms | {r['errors']} | {r['rss_mb']:.0f} MB | {r.get('load_avg', '')} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
