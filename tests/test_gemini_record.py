"""Recording Gemini traffic: ``mockserver record --upstream`` in front of a Gemini-speaking
upstream (here the mock itself, with a key it insists on), driven by google-genai with automatic
function calling; the recording replays offline; the key is in no written file."""

# no `from __future__ import annotations`: google-genai 2.x (what Python 3.10 installs) cannot read
# string annotations of the functions its automatic function calling runs (isinstance() arg 2 must be a type)

import json
from typing import Iterator

import pytest
import yaml

from mockserver.config import Config
from mockserver.engine.loader import bundled_scenarios_dir
from mockserver.testing import ServerThread
from recording import KEY, scenario_files, start_proxy, written_files
from test_record import assert_valid

genai = pytest.importorskip("google.genai")
from google.genai import types  # noqa: E402

QUESTION = "Which city has a higher temperature, Lyon or Oslo, and by how much in F?"
ANSWER = "Lyon has a higher temperature than Oslo by 19 degrees Fahrenheit."


def get_current_weather(location: str, unit: str = "fahrenheit") -> int:
    """Get the current weather in a given location."""
    return {"Lyon": 70, "Oslo": 51}[location]


@pytest.fixture(scope="module")
def upstream() -> Iterator[ServerThread]:
    with ServerThread(Config(scenarios=[str(bundled_scenarios_dir())], port=0, api_key=KEY)) as running:
        yield running
        running.check()


def ask(url: str, stream: bool, key: str = "k") -> str:
    client = genai.Client(api_key=key, http_options=types.HttpOptions(base_url=url, retry_options=types.HttpRetryOptions(attempts=1)))
    config = types.GenerateContentConfig(tools=[get_current_weather])
    if stream:
        text = "".join(c.text or "" for c in client.models.generate_content_stream(model="gemini-2.5-flash", contents=QUESTION, config=config))
    else:
        text = client.models.generate_content(model="gemini-2.5-flash", contents=QUESTION, config=config).text
    client.close()
    return text


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_record_a_gemini_tool_loop_then_replay_offline(upstream, tmp_path, stream):
    out = tmp_path / "recorded"
    with start_proxy(upstream.url, out) as proxy:
        live = ask(proxy.url, stream, key=KEY)
    assert live.endswith(ANSWER)
    [file] = scenario_files(out)
    doc = yaml.safe_load(file.read_text())
    assert [r["when"]["turn"] for r in doc["rules"]] == [0, 1]
    assert [c["arguments"]["location"] for c in doc["rules"][0]["reply"]["tool_calls"]] == ["Lyon", "Oslo"]
    assert doc["rules"][1]["reply"]["content"].endswith(ANSWER)
    assert_valid(out)
    for path in written_files(out):
        assert KEY.encode() not in path.read_bytes(), path
    log = [json.loads(line) for line in (out / "exchanges.jsonl").read_text().splitlines()]
    assert [entry["headers"]["x-goog-api-key"] for entry in log] == ["[redacted]", "[redacted]"]
    with ServerThread(Config(scenarios=[str(out)], port=0)) as offline:
        assert ask(offline.url, stream) == live
