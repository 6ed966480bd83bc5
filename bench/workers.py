#!/usr/bin/env python3
"""Scale-out benchmark (issue 30): first-seen throughput of ``serve --workers N`` and of each
state backend, side by side in one run.

    python bench/workers.py                      # 1 vs 2 workers, memory/SQLite/Redis, 5 rounds of 5 s
    python bench/workers.py --baseline DIR       # also a checkout of the code before (DIR), 1 worker
    python bench/workers.py --rounds 3 --seconds 3 --json out.json

Every configuration serves the same first-seen requests (bench/vary.lua: a different user
message each time, with tools, so nothing is remembered), in alternating rounds; the medians
are printed. Servers and wrk are *not* pinned: all share the machine's cores (the load generator
takes its share), which is what "--workers 2 on two cores" means. Redis rows need redis-server
on the PATH (a private one is started on a free port). Absolute numbers drift on a shared
machine: compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.run import CHAT, RESPONSES, Server, first_seen_body, free_port, wait_until_answering  # noqa: E402
from bench.run import wrk as run_wrk  # noqa: E402


def serve(port: int, extra: list[str], cwd: Path | None = None) -> Server:
    argv = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--log-level", "warning", *extra]
    server = Server.__new__(Server)
    server.port, server.started = port, time.perf_counter()
    server.proc = subprocess.Popen(argv, cwd=cwd or HERE.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return server


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by process ``root`` and its children (the workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == root or ppid == root:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def unpinned_wrk(port: int, seconds: float, body_file: Path, path: str) -> dict[str, float]:
    import bench.run as run

    saved, run.pin = run.pin, lambda core: []  # wrk shares every core with the servers
    try:
        return run_wrk(port, seconds, body_file, connections=32, path=path, vary=True)
    finally:
        run.pin = saved


def start_redis() -> tuple[subprocess.Popen, int, str] | None:
    if shutil.which("redis-server") is None:
        return None
    port, folder = free_port(), tempfile.mkdtemp(prefix="bench-redis-")
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", folder], stdout=subprocess.DEVNULL)
    return proc, port, folder


def wait_for_workers(port: int, count: int, timeout: float = 180) -> None:
    """Poll /healthz on fresh connections until ``count`` different workers have answered (a
    worker still starting would take CPU from the measured run)."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(seen)} of {count} workers answered within {timeout} s")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                seen.add(json.loads(answer.read()).get("worker", 0))
        except OSError:
            time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before each measured run")
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with (1 worker, memory)")
    parser.add_argument("--dialect", choices=["chat", "responses"], default="chat")
    parser.add_argument("--only", nargs="*", help="run only these configurations")
    parser.add_argument("--json", type=Path, help="write the medians here")
    args = parser.parse_args()

    redis = start_redis()
    state_dir = tempfile.mkdtemp(prefix="bench-state-")
    configs: dict[str, tuple[list[str], Path | None]] = {}
    if args.baseline:
        configs["before: 1 worker, memory"] = ([], args.baseline)
    configs["1 worker, memory"] = ([], None)
    configs["2 workers, SQLite"] = (["--workers", "2"], None)
    configs["1 worker, SQLite"] = (["--state", f"sqlite://{state_dir}/one.db"], None)
    if redis is not None:
        url = f"redis://127.0.0.1:{redis[1]}/0"
        configs["1 worker, Redis"] = (["--state", url + "?prefix=one"], None)
        configs["2 workers, Redis"] = (["--workers", "2", "--state", url + "?prefix=two"], None)
    if args.only:
        configs = {k: v for k, v in configs.items() if k in args.only}
    path = CHAT if args.dialect == "chat" else RESPONSES
    body = first_seen_body(args.dialect, False)
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in configs}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            body_file = Path(tmp) / "body.json"
            body_file.write_bytes(body)
            probe = body.replace(b"@N@", b"probe")
            for round_no in range(args.rounds):
                for name, (extra, cwd) in configs.items():
                    server = serve(free_port(), extra, cwd)
                    try:
                        wait_until_answering(server.port, probe, timeout=120, path=path)
                        if "--workers" in extra:
                            wait_for_workers(server.port, int(extra[extra.index("--workers") + 1]))
                        unpinned_wrk(server.port, args.warmup, body_file, path)  # warm-up (every worker)
                        used = cpu_seconds(server.proc.pid)
                        sample = unpinned_wrk(server.port, args.seconds, body_file, path)
                        used = cpu_seconds(server.proc.pid) - used
                        # what a CPU-second serves, whatever share of the machine the server got
                        sample["per_cpu_s"] = sample["rps"] * args.seconds / max(used, 1e-9)
                        sample["cpu_s"] = used
                        samples[name].append(sample)
                        print(f"round {round_no + 1} {name}: {sample['rps']:.0f} req/s, p99 {sample['p99']:.2f} ms, "
                              f"{sample['cpu_s']:.1f} CPU-s, {sample['per_cpu_s']:.0f} req per CPU-s",
                              file=sys.stderr)
                    finally:
                        server.stop()
    finally:
        if redis is not None:
            redis[0].terminate()
            redis[0].wait()
            shutil.rmtree(redis[2], ignore_errors=True)
        shutil.rmtree(state_dir, ignore_errors=True)
    medians = {name: {k: statistics.median(s[k] for s in runs) for k in runs[0]} for name, runs in samples.items() if runs}
    base = medians.get("1 worker, memory", {}).get("rps")
    print(f"| configuration ({args.dialect}, first-seen, wrk -c32 on the same cores) | req/s (median) "
          "| vs 1 worker, memory | p99 ms | CPU-s used in the run | req per CPU-s |")
    print("|---|---|---|---|---|---|")
    for name, m in medians.items():
        ratio = f"{m['rps'] / base:.2f}×" if base else "—"
        print(f"| {name} | {m['rps']:.0f} | {ratio} | {m['p99']:.2f} | {m['cpu_s']:.1f} | {m['per_cpu_s']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps({"rounds": args.rounds, "seconds": args.seconds, "cpus": os.cpu_count(),
                                         "samples": samples, "medians": medians}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
