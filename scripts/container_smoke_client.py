"""Host-side checks for scripts/container-smoke.sh: talks to a running mockserver container.

    python scripts/container_smoke_client.py bundled URL     # health, models, seed 002 via the openai SDK
    python scripts/container_smoke_client.py mounted URL     # the scenario from the mounted host folder

Only the standard library and the openai SDK (a test extra) are used. Each check prints one line;
the first failure raises with what was expected and what came back.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# the image serves the package's bundled scenarios: as many as this checkout ships
BUNDLED = len(list((Path(__file__).resolve().parent.parent / "mockserver" / "scenarios").glob("*.y*ml")))

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
MOUNTED_ANSWER = "Hello from the mounted scenario folder."


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def wait_healthy(url: str, timeout: float = 30.0) -> dict:
    """Poll /healthz until it answers 200 (the container may still be starting)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            body = get_json(url + "/healthz")
            assert isinstance(body, dict) and body.get("status") == "ok", f"/healthz answered {body!r}"
            return body
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last = exc
            time.sleep(0.1)
    raise AssertionError(f"{url}/healthz not ready within {timeout} s: {last!r}")


def check(condition: bool, what: str, actual: object) -> None:
    if not condition:
        raise AssertionError(f"{what}; got {actual!r}")


def bundled(url: str) -> None:
    import openai

    health = wait_healthy(url)
    check(health["scenarios"] == BUNDLED, f"/healthz should count the {BUNDLED} bundled scenarios", health)
    print(f"ok  /healthz {json.dumps(health)}")
    models = [m["id"] for m in get_json(url + "/v1/models")["data"]]  # type: ignore[index]
    check({"gpt-5.4", "gpt-4o", "Qwen2-VL-7B-Instruct", "mock-model"} <= set(models), "/v1/models should list the bundled models", models)
    print(f"ok  /v1/models {models}")

    client = openai.OpenAI(base_url=url + "/v1", api_key="smoke", max_retries=0, timeout=10)
    messages: list[dict] = [{"role": "user", "content": "What is the weather in Paris? Use the tool."}]
    first = client.chat.completions.create(model="gpt-5.4", messages=messages, tools=[WEATHER_TOOL])
    choice = first.choices[0]
    calls = choice.message.tool_calls or []
    check(choice.finish_reason == "tool_calls" and choice.message.content is None, "a tool-call turn", choice)
    check(len(calls) == 1 and calls[0].function.name == "get_weather", "one get_weather call", calls)
    check(json.loads(calls[0].function.arguments) == {"city": "Paris"}, 'arguments {"city": "Paris"}', calls[0].function.arguments)
    print(f"ok  seed 002 turn 1: get_weather {calls[0].function.arguments}")
    messages += [
        {"role": "assistant", "content": None, "tool_calls": [calls[0].model_dump()]},
        {"role": "tool", "tool_call_id": calls[0].id, "content": json.dumps({"temperature": 18, "condition": "sunny"})},
    ]
    second = client.chat.completions.create(model="gpt-5.4", messages=messages, tools=[WEATHER_TOOL])
    answer = second.choices[0].message.content
    check(answer == "The weather in Paris is 18°C and sunny.", "the seed 002 answer", answer)
    check(second.choices[0].finish_reason == "stop", "finish_reason stop", second.choices[0].finish_reason)
    print(f"ok  seed 002 turn 2: {answer!r}")


def mounted(url: str) -> None:
    import openai

    health = wait_healthy(url)
    check(health["scenarios"] == 1, "/healthz should count the 1 mounted scenario", health)
    models = [m["id"] for m in get_json(url + "/v1/models")["data"]]  # type: ignore[index]
    check(models == ["smoke-model", "smoke"], "/v1/models should list only the mounted scenario", models)
    client = openai.OpenAI(base_url=url + "/v1", api_key="smoke", max_retries=0, timeout=10)
    reply = client.chat.completions.create(model="smoke-model", messages=[{"role": "user", "content": "hi"}])
    check(reply.choices[0].message.content == MOUNTED_ANSWER, "the mounted scenario's answer", reply.choices[0].message.content)
    print(f"ok  mounted scenario: models {models}, answer {MOUNTED_ANSWER!r}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("bundled", "mounted"):
        sys.exit(__doc__)
    {"bundled": bundled, "mounted": mounted}[sys.argv[1]](sys.argv[2].rstrip("/"))
