#!/usr/bin/env python3
"""How fast the journal's pages and exports are with a full journal (1000 entries, issue 16).

    python bench/inspector.py            # prints a table (about a minute)
    python bench/inspector.py --json     # the raw figures

Fills a real server's journal with 1000 requests of the kinds the inspector shows — tool-call
flows with growing histories, Responses requests, streamed answers, unmatched requests with
near misses, validation errors — then times, over HTTP on loopback: the full journal, the
summaries the page lists, a poll with ``?since=`` (nothing new, and one new entry), one whole
entry, the HAR export, the scenarios with hit counts
and the page itself (median and worst of 15 reads each). With Debian's chromium and
chromium-driver it also loads the page in headless Chromium and reads the page's own timings:
navigation start to the list drawn, drawing the 1000-row list, drawing the largest request.
Also what ``--journal-file`` adds to each request (recording the same entries with and without it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402

from mockserver.config import Config  # noqa: E402
from mockserver.engine.loader import bundled_scenarios_dir  # noqa: E402
from mockserver.testing import ServerThread  # noqa: E402

TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
ENTRIES = 1000
READS = 15


def fill(url: str) -> None:
    """1000 requests: 5 kinds in turn, histories growing up to ~40 messages."""
    with httpx.Client(base_url=url, timeout=30) as http:
        history: list[dict] = []
        for n in range(ENTRIES):
            kind = n % 5
            if kind == 0:  # a tool-call request (bundled scenario: get_weather for any city)
                if len(history) > 40:
                    history = []
                history.append({"role": "user", "content": f"What is the weather in Paris {n}? Use the tool."})
                r = http.post("/v1/chat/completions", json={"model": "gpt-5.4", "messages": history, "tools": TOOLS})
                message = r.json()["choices"][0]["message"]
                history.append({k: v for k, v in message.items() if k in ("role", "content", "tool_calls")})
                for call in message.get("tool_calls") or []:
                    history.append({"role": "tool", "tool_call_id": call["id"], "content": json.dumps({"temperature": n % 30})})
            elif kind == 1:  # the answer to the result, streamed
                http.post("/v1/chat/completions", json={"model": "gpt-5.4", "messages": history, "tools": TOOLS, "stream": True})
            elif kind == 2:  # a Responses request
                http.post("/v1/responses", json={"model": "gpt-4o", "input": f"Hello number {n}", "instructions": "Be brief."})
            elif kind == 3:  # unmatched (no catch-all for this scenario name): near misses
                http.post("/v1/chat/completions", json={"model": "weather-tool", "messages": [{"role": "user", "content": f"joke {n}"}]},
                          headers={"X-Mock-Scenario": "weather-tool"})
            else:  # rejected by validation
                http.post("/v1/chat/completions", json={"model": "m", "messages": [
                    {"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": f"call_{n}", "content": "x"}]})


def largest(entries: list) -> int:
    return max(entries, key=lambda e: len(json.dumps(e)))["id"]


def timed(http: httpx.Client, path: str) -> dict:
    times, size = [], 0
    for _ in range(READS):
        started = time.perf_counter()
        response = http.get(path)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        size = len(response.content)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1), "bytes": size}


def in_process(journal) -> dict:
    """The server's own work for the two big reads, best of 15 (what a busy machine adds is not in it)."""
    import timeit

    from mockserver.server.har import har_log
    from mockserver.wire import jsoncodec

    def best(fn) -> float:
        return round(min(timeit.repeat(fn, number=1, repeat=READS)) * 1000, 1)

    return {
        "journal_ms": best(lambda: jsoncodec.dumps({"data": [e.as_dict() for e in journal.calls]})),
        "summaries_ms": best(lambda: jsoncodec.dumps({"data": [e.summary() for e in journal.calls]})),
        "har_ms": best(lambda: jsoncodec.dumps(har_log(journal.calls, "http://127.0.0.1"))),
    }


def browser_figures(url: str) -> dict | None:
    import browser as chromium

    if chromium.missing():
        return None
    driver = chromium.start()
    try:
        loads = []
        for _ in range(5):
            driver.get(url + "/_mock/ui")
            chromium.wait(driver, lambda d: d.execute_script("return window.inspector && window.inspector.ready"), "the page", 30)
            loads.append(driver.execute_script("return window.inspector"))
        journal = httpx.get(url + "/_mock/journal", timeout=30).json()["data"]
        biggest = max(journal, key=lambda e: len(json.dumps(e)))
        details = []
        for _ in range(5):
            driver.execute_script("location.hash = '#' + arguments[0]", biggest["id"])
            chromium.wait(driver, lambda d: d.find_element("css selector", "#detail h2").text.startswith(f"#{biggest['id']} "), "detail")
            details.append(driver.execute_script("return window.inspector.detailRenderMs"))
            driver.execute_script("location.hash = ''")
        return {
            "navigation_to_list_drawn_ms": round(statistics.median(p["readyAtMs"] for p in loads), 1),
            "navigation_to_list_drawn_max_ms": round(max(p["readyAtMs"] for p in loads), 1),
            "list_render_1000_rows_ms": round(statistics.median(p["listRenderMs"] for p in loads), 1),
            "largest_request_detail_ms": round(statistics.median(details), 1),
            "largest_request_messages": len(biggest["request"].get("messages") or []),
            "rows": driver.execute_script("return document.querySelectorAll('#requests tbody tr').length"),
        }
    finally:
        driver.quit()


def journal_file_cost(url: str, journal) -> dict:
    """What ``--journal-file`` adds to each request: recording the journal's own records again,
    with and without a file, in microseconds per entry (best of 5 rounds of 1000)."""
    import timeit

    from mockserver.server.journal import Journal
    from mockserver.server.journalfile import JournalFile

    records = list(journal._entries)
    folder = tempfile.mkdtemp(prefix="mockserver-bench-")
    figures = {}
    for label, sink in (("without", None), ("with", JournalFile(str(Path(folder, "j.jsonl"))))):
        target = Journal(ENTRIES, sink)

        def replay() -> None:
            for record in records:
                target.add(record[2], record[3], record[4], record[5])

        figures[label] = min(timeit.repeat(replay, number=1, repeat=5)) / len(records) * 1e6
        if sink is not None:
            sink.close()
    shutil.rmtree(folder, ignore_errors=True)
    return {"us_without": round(figures["without"], 1), "us_with": round(figures["with"], 1),
            "added_us": round(figures["with"] - figures["without"], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report: dict = {}
    config = Config(port=0, scenarios=[str(bundled_scenarios_dir())])
    with ServerThread(config) as server:
        started = time.perf_counter()
        fill(server.url)
        report["fill_seconds"] = round(time.perf_counter() - started, 1)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            page = http.get("/_mock/journal").json()
            assert len(page["data"]) == ENTRIES, len(page["data"])
            last = page["next_id"] - 1
            report["http"] = {
                "GET /_mock/journal (1000 entries)": timed(http, "/_mock/journal"),
                "GET /_mock/journal?summary=true (what the page loads)": timed(http, "/_mock/journal?summary=true"),
                "GET /_mock/journal?summary=true&since=last (a poll, nothing new)": timed(http, f"/_mock/journal?summary=true&since={last}"),
                "GET /_mock/journal?summary=true&since=last-1 (a poll, one new)": timed(http, f"/_mock/journal?summary=true&since={last - 1}"),
                "GET /_mock/journal/ID (the largest entry, for its detail)": timed(http, f"/_mock/journal/{largest(page['data'])}"),
                "GET /_mock/journal.har (1000 entries)": timed(http, "/_mock/journal.har"),
                "GET /_mock/scenarios (with hit counts)": timed(http, "/_mock/scenarios"),
                "GET /_mock/ui (the page)": timed(http, "/_mock/ui"),
            }
        report["in_process"] = in_process(server.app.state.journal)
        report["browser"] = browser_figures(server.url)
        report["journal_file"] = journal_file_cost(server.url, server.app.state.journal)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"journal filled with {ENTRIES} requests in {report['fill_seconds']} s; load average {load:.1f} on {os.cpu_count()} cores\n")
    print("| read | median | worst | size |\n|---|---|---|---|")
    for name, figures in report["http"].items():
        print(f"| {name} | {figures['median_ms']} ms | {figures['max_ms']} ms | {figures['bytes'] / 1024:.0f} KB |")
    p = report["in_process"]
    print(f"\nin-process, best of {READS}: built and serialised — the journal {p['journal_ms']} ms, "
          f"its summaries {p['summaries_ms']} ms, the HAR {p['har_ms']} ms")
    if report["browser"]:
        b = report["browser"]
        print(f"headless Chromium: navigation → 1000-row list drawn {b['navigation_to_list_drawn_ms']} ms "
              f"(worst {b['navigation_to_list_drawn_max_ms']} ms); drawing the list {b['list_render_1000_rows_ms']} ms; "
              f"the largest request ({b['largest_request_messages']} messages) {b['largest_request_detail_ms']} ms")
    else:
        print("headless Chromium: not measured (needs chromium and chromium-driver)")
    j = report["journal_file"]
    print(f"--journal-file: {j['added_us']} µs more per request ({j['us_with']} vs {j['us_without']} µs to record an entry)")


if __name__ == "__main__":
    main()
