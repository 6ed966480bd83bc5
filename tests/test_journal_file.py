"""``--journal-file``: every journal entry as a JSON line on disk, as it happens, rotated by size,
and still there when the server is killed with SIGKILL."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mockserver.config import Config, ConfigError
from mockserver.server.journalfile import JournalFile
from mockserver.testing import ServerThread, free_port
from payloads import GET_WEATHER_TOOL, chat, user
from test_cli import run_server, wait_ready
from test_inspector import WEATHER, tool_flow

def weather(n: int) -> dict:
    return chat(user(f"weather {n}"), model="gpt-4o", tools=[GET_WEATHER_TOOL])


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_entry_is_a_line_equal_to_the_journal_entry(serve, tmp_path):
    path = tmp_path / "journal.jsonl"
    mock = serve(WEATHER, journal_file=str(path))
    tool_flow(mock.base_url, api_key="sk-never-on-disk")
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        http.post("/v1/chat/completions", json=chat(user("nothing matches this"), model="gpt-4o"))
        http.post("/v1/chat/completions", json=chat(user("weather?"), model="gpt-4o", tools=[GET_WEATHER_TOOL], stream=True))
        journal = http.get("/_mock/journal").json()["data"]
        assert lines(path) == journal
        assert [e["outcome"] for e in journal] == ["answered", "answered", "unmatched", "answered"]
        assert journal[3]["response"]["stream"] is True  # the streamed answer as the message it adds up to
        assert "sk-never-on-disk" not in path.read_text() and journal[0]["headers"]["authorization"] == "[redacted]"
        # clearing the journal does not touch the file: it is the whole run
        http.post("/_mock/reset")
        http.post("/v1/chat/completions", json=chat(user("What is the weather?"), model="gpt-4o", tools=[GET_WEATHER_TOOL]))
    assert [(e["id"], e["rule"]) for e in lines(path)] == [(1, "call"), (2, "answer"), (3, None), (4, "call"), (1, "call")]


def test_a_second_server_appends(serve, tmp_path):
    path = tmp_path / "journal.jsonl"
    for _ in range(2):
        mock = serve(WEATHER, journal_file=str(path))
        httpx.post(mock.url + "/v1/chat/completions", json=chat(user("hi"), model="gpt-4o"), timeout=10)
    assert [e["id"] for e in lines(path)] == [1, 1]


def test_rotation_keeps_the_newest_entries_within_the_size_bound(serve, tmp_path):
    path = tmp_path / "j.jsonl"
    mock = serve(WEATHER, journal_file=str(path), journal_file_max_bytes=8192, journal_file_backups=2)
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        for n in range(60):
            http.post("/v1/chat/completions", json=weather(n))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["j.jsonl", "j.jsonl.1", "j.jsonl.2"]
    for name in ("j.jsonl", "j.jsonl.1", "j.jsonl.2"):
        assert 0 < (tmp_path / name).stat().st_size <= 8192, name
    assert len(lines(path.with_name("j.jsonl.1"))) > 3
    kept = [e["id"] for name in ("j.jsonl.2", "j.jsonl.1", "j.jsonl") for e in lines(tmp_path / name)]
    assert kept == list(range(kept[0], 61)) and kept[0] > 1  # contiguous, newest last, oldest dropped


def test_no_backups_means_the_file_starts_again(serve, tmp_path):
    path = tmp_path / "j.jsonl"
    mock = serve(WEATHER, journal_file=str(path), journal_file_max_bytes=8192, journal_file_backups=0)
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        for n in range(20):
            http.post("/v1/chat/completions", json=weather(n))
    assert [p.name for p in tmp_path.iterdir()] == ["j.jsonl"]
    ids = [e["id"] for e in lines(path)]
    assert path.stat().st_size <= 8192 and ids == list(range(ids[0], 21)) and ids[0] > 1


def test_a_line_longer_than_the_limit_is_written_whole(serve, tmp_path):
    path = tmp_path / "j.jsonl"
    mock = serve(WEATHER, journal_file=str(path), journal_file_max_bytes=1024, journal_file_backups=1)
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        for n in range(3):
            http.post("/v1/chat/completions", json=chat(user("x" * 2000 + str(n)), model="gpt-4o"))
    assert [e["id"] for e in lines(path)] == [3] and [e["id"] for e in lines(path.with_name("j.jsonl.1"))] == [2]


def test_journal_size_zero_still_writes_the_file(serve, tmp_path):
    path = tmp_path / "j.jsonl"
    mock = serve(WEATHER, journal_file=str(path), journal_size=0)
    httpx.post(mock.url + "/v1/chat/completions", json=chat(user("hi"), model="gpt-4o"), timeout=10)
    assert httpx.get(mock.url + "/_mock/journal", timeout=10).json()["data"] == []
    assert [e["outcome"] for e in lines(path)] == ["unmatched"]


def test_a_failing_disk_is_logged_once_and_requests_are_still_answered(serve, caplog):
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (every write fails with ENOSPC)")
    mock = serve(WEATHER, journal_file="/dev/full")
    with caplog.at_level(logging.ERROR, logger="mockserver"):
        for _ in range(3):
            response = httpx.post(mock.url + "/v1/chat/completions", json=chat(user("hi"), model="gpt-4o"), timeout=10)
            assert response.status_code == 400 and response.json()["error"]["code"] == "no_matching_rule"
    errors = [r.getMessage() for r in caplog.records if "journal file" in r.getMessage()]
    assert len(errors) == 1 and "/dev/full" in errors[0]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"max_bytes": 10}, "at least 1024 bytes (MOCKSERVER_JOURNAL_FILE_MAX_BYTES), got 10"),
    ({"backups": -1}, "0 or more (MOCKSERVER_JOURNAL_FILE_BACKUPS), got -1"),
])
def test_bad_limits_are_refused(tmp_path, kwargs, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        JournalFile(str(tmp_path / "j.jsonl"), **kwargs)


def test_an_unwritable_path_stops_the_server_with_its_name(tmp_path):
    missing = tmp_path / "no-such-dir" / "j.jsonl"
    with pytest.raises(ConfigError, match="cannot open the journal file .*no-such-dir.*No such file or directory"):
        ServerThread(Config(port=0, journal_file=str(missing)))
    proc = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--journal-file", str(missing), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "cannot open the journal file" in proc.stderr and "no-such-dir" in proc.stderr


def test_every_answered_request_survives_sigkill(tmp_path):
    """A real server process, killed with SIGKILL right after its last answer: every request it
    answered — plain, streamed, rejected — is on disk, as complete lines."""
    path = tmp_path / "journal" / "run.jsonl"
    path.parent.mkdir()
    port = free_port()
    proc = run_server(["serve", "--port", str(port)], env={"MOCKSERVER_JOURNAL_FILE": str(path)}, cwd=tmp_path)
    answers = []
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        with httpx.Client(base_url=url, timeout=10) as http:
            for n in range(25):
                streamed = n % 5 == 0
                response = http.post("/v1/chat/completions", json=chat(user(f"Say hello {n}"), model="gpt-4o", stream=streamed))
                assert response.status_code == 200
                first_event = json.loads(response.text.split("\n", 1)[0].removeprefix("data: ")) if streamed else response.json()
                answers.append(first_event["id"])
            rejected = http.post("/v1/chat/completions", json={"model": "m", "messages": []})
            assert rejected.status_code == 400
        proc.send_signal(signal.SIGKILL)  # at once: no shutdown, no flush at exit
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert path.read_bytes().endswith(b"\n")
    on_disk = lines(path)
    assert [e["id"] for e in on_disk] == list(range(1, 27))
    assert [e["response"]["id"] for e in on_disk[:25]] == answers
    assert [e["response"].get("stream", False) for e in on_disk[:25]] == [n % 5 == 0 for n in range(25)]
    assert on_disk[25]["outcome"] == "rejected" and on_disk[25]["error"] == rejected.json()["error"]
