"""``mockserver import``: logged exchanges (JSON Lines, HAR, the journal) into scenarios that answer
the logged requests with the logged answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.cli import main
from mockserver.config import Config
from mockserver.engine.loader import bundled_scenarios_dir
from mockserver.lint import validate_paths
from mockserver.testing import ServerThread
from recording import QUESTION, client, scenario_files, weather_flow, weather_result

SEEDS = json.loads((Path(__file__).parent / "fixtures" / "provider-seeds.json").read_text(encoding="utf-8"))


def seed_exchanges() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each seed request with the answer the provider gave. Seed 001 kept its first answer as
    tool calls only: its message is the envelope of the seed's second answer (same provider),
    with those calls and the text the client sent back as that message's content."""
    seed0, seed1 = SEEDS["seed000"], SEEDS["seed001"]
    first_answer = dict(seed1["response_2"], choices=[{
        "finish_reason": "tool_calls", "index": 0, "logprobs": None,
        "message": {"content": seed1["request_2"]["messages"][1]["content"], "role": "assistant",
                    "tool_calls": seed1["tool_calls_1"]},
    }])
    return [
        (seed0["request_1"], seed0["response_1"]),
        (seed0["request_2"], seed0["response_2"]),
        (seed1["request_1"], first_answer),
        (seed1["request_2"], seed1["response_2"]),
    ]


def answer_of(body: dict[str, Any]) -> tuple[Any, ...]:
    choice = body["choices"][0]
    message = choice["message"]
    calls = [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in message.get("tool_calls") or []]
    return message.get("content") or "", calls, choice["finish_reason"]


def import_into(out: Path, *files: Path) -> None:
    assert main(["import", *map(str, files), "--out", str(out)]) == 0
    report = validate_paths([str(out)])
    assert report.ok and not report.findings, report.text()


def test_seed_exchanges_as_json_lines(tmp_path):
    log = tmp_path / "seeds.jsonl"
    log.write_text("".join(json.dumps({"request": q, "response": a}, ensure_ascii=False) + "\n" for q, a in seed_exchanges()))
    out = tmp_path / "scenarios"
    import_into(out, log)
    # seed 001's second request rephrases the question: a conversation of its own
    assert len(scenario_files(out)) == 3
    with ServerThread(Config(scenarios=[str(out)], port=0)) as offline:
        for request, expected in seed_exchanges():
            answer = httpx.post(offline.base_url + "/chat/completions", json=request, timeout=10)
            assert answer.status_code == 200, answer.text
            assert answer_of(answer.json()) == answer_of(expected)
        offline.check()


def test_seed_ids_come_back_in_the_providers_shape(tmp_path):
    """The profile each provider's answers give away is the scenario's: vLLM's call ids, Vertex's
    call ids (the function name) and completion ids."""
    log = tmp_path / "seeds.jsonl"
    log.write_text("".join(json.dumps({"request": q, "response": a}) + "\n" for q, a in seed_exchanges()))
    import_into(tmp_path / "out", log)
    with ServerThread(Config(scenarios=[str(tmp_path / "out")], port=0)) as offline:
        (q0, _), _, (q1, _), _ = seed_exchanges()
        vllm = httpx.post(offline.base_url + "/chat/completions", json=q0, timeout=10).json()
        vertex = httpx.post(offline.base_url + "/chat/completions", json=q1, timeout=10).json()
    assert vllm["choices"][0]["message"]["tool_calls"][0]["id"].startswith("chatcmpl-tool-")
    assert [c["id"] for c in vertex["choices"][0]["message"]["tool_calls"]] == ["get_current_weather"] * 2
    assert "|" in vertex["id"]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_the_servers_own_journal(tmp_path, stream):
    with ServerThread(Config(scenarios=[str(bundled_scenarios_dir())], port=0)) as live_server:
        live = weather_flow(client(live_server.base_url), stream)
        journal = httpx.get(live_server.url + "/_mock/journal", timeout=10).json()
    saved = tmp_path / "journal.json"
    saved.write_text(json.dumps(journal))
    import_into(tmp_path / "out", saved)
    with ServerThread(Config(scenarios=[str(tmp_path / "out")], port=0)) as offline:
        assert weather_flow(client(offline.base_url), stream) == live


def test_a_har_file_with_a_streamed_answer(tmp_path):
    """A HAR as dev tools save it: the first answer streamed (SSE text), the second plain JSON."""
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}}}]
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    entries = []
    with ServerThread(Config(scenarios=[str(bundled_scenarios_dir())], port=0)) as live_server:
        url = live_server.base_url + "/chat/completions"
        first = {"model": "gpt-test", "messages": messages, "tools": tools, "stream": True}
        sse = httpx.post(url, json=first, timeout=10).text
        entries.append(_har_entry(url, first, 200, "text/event-stream", sse))
        call = next(json.loads(line[6:]) for line in sse.splitlines() if '"tool_calls"' in line)["choices"][0]["delta"]["tool_calls"][0]
        arguments = "".join(json.loads(line[6:])["choices"][0]["delta"].get("tool_calls", [{}])[0].get("function", {}).get("arguments", "")
                            for line in sse.splitlines() if line.startswith("data: {"))
        history = messages + [{"role": "assistant", "content": None, "tool_calls": [
            {"id": call["id"], "type": "function", "function": {"name": "get_weather", "arguments": arguments}}]},
            {"role": "tool", "tool_call_id": call["id"], "content": weather_result(arguments)}]
        second = {"model": "gpt-test", "messages": history, "tools": tools}
        answer = httpx.post(url, json=second, timeout=10)
        entries.append(_har_entry(url, second, 200, "application/json", answer.text))
    har = tmp_path / "session.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}}))
    import_into(tmp_path / "out", har)
    with ServerThread(Config(scenarios=[str(tmp_path / "out")], port=0)) as offline:
        replay = weather_flow(client(offline.base_url), stream=False)
    assert replay[0][1] == [("get_weather", {"city": "Paris"})]
    assert replay[1][0] == answer.json()["choices"][0]["message"]["content"] == "The weather in Paris is 21°C and sunny."


def test_unreadable_input_is_reported_with_its_location(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"request": {}, "response": {}}\nnot json\n')
    assert main(["import", str(bad), "--out", str(tmp_path / "out")]) == 1
    assert f"{bad}:2: not JSON" in capsys.readouterr().err


def test_errors_are_skipped_unless_asked(tmp_path, capsys):
    log = tmp_path / "errors.jsonl"
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    log.write_text(json.dumps({"request": request, "status": 429, "response": {"error": {"message": "slow down"}}}) + "\n")
    assert main(["import", str(log), "--out", str(tmp_path / "a")]) == 1
    assert "status 429 (errors are recorded with --record-errors)" in capsys.readouterr().err
    assert main(["import", str(log), "--out", str(tmp_path / "b"), "--record-errors"]) == 0
    assert len(scenario_files(tmp_path / "b")) == 1


def _har_entry(url: str, body: dict[str, Any], status: int, mime: str, text: str) -> dict[str, Any]:
    return {
        "startedDateTime": "2026-01-01T00:00:00.000Z", "time": 1,
        "request": {"method": "POST", "url": url, "httpVersion": "HTTP/1.1", "cookies": [], "queryString": [],
                    "headers": [{"name": "Authorization", "value": "Bearer sk-should-not-matter"}],
                    "postData": {"mimeType": "application/json", "text": json.dumps(body)},
                    "headersSize": -1, "bodySize": -1},
        "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [],
                     "content": {"size": len(text), "mimeType": mime, "text": text},
                     "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
    }
