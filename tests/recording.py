"""Helpers for the recording tests: a proxy in a thread, the weather agent loop, file checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai

from mockserver.config import Config
from mockserver.record.proxy import Forwarder, RecordingProxy
from mockserver.record.recorder import Recorder
from mockserver.record.upstream import Upstream, UpstreamConfig
from mockserver.testing import ServerThread
from payloads import GET_WEATHER_TOOL, user

QUESTION = "What is the weather in Paris? Use the tool."
KEY = "sk-live-SECRET-4711-do-not-store"


def start_proxy(upstream_url: str, out: Path, record_errors: bool = False, **upstream: Any) -> ServerThread:
    forwarder = Forwarder(Upstream(UpstreamConfig(upstream_url, **upstream)), Recorder(out, upstream_url), record_errors)
    return ServerThread(Config(port=0), app=RecordingProxy(forwarder, 1 << 20))  # use as a context manager


def client(base_url: str, key: str = "k", **options: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, **options)


def as_history(message: Any) -> dict[str, Any]:
    return message.model_dump(exclude_none=True, exclude={"annotations", "refusal", "parsed", "audio", "function_call"})


def weather_result(arguments: str) -> str:
    city = json.loads(arguments)["city"]
    return json.dumps({"city": city, "temperature": 21, "condition": "sunny"})


def ask(api: openai.OpenAI, messages: list[dict[str, Any]], stream: bool, **extra: Any) -> tuple[Any, str | None]:
    kwargs = dict(model="gpt-test", messages=messages, tools=[GET_WEATHER_TOOL], **extra)
    if stream:
        with api.chat.completions.stream(**kwargs) as events:
            final = events.get_final_completion()
    else:
        final = api.chat.completions.create(**kwargs)
    return final.choices[0].message, final.choices[0].finish_reason


def weather_flow(api: openai.OpenAI, stream: bool, question: str = QUESTION) -> list[tuple[Any, ...]]:
    """The agent loop: ask, run each tool call, send the results back, until a text answer.
    Returns what each turn answered: (text, [(function, arguments)], finish reason)."""
    messages: list[dict[str, Any]] = [user(question)]
    seen: list[tuple[Any, ...]] = []
    for _ in range(4):
        message, finish = ask(api, messages, stream)
        calls = [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or []]
        seen.append((message.content or "", calls, finish))
        if not message.tool_calls:
            return seen
        messages.append(as_history(message))
        for call in message.tool_calls:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": weather_result(call.function.arguments)})
    raise AssertionError(f"the flow did not end: {seen}")


def written_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def scenario_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml"))


RESPONSES_TOOL = {"type": "function", "name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}}


def responses_flow(api: openai.OpenAI, stream: bool, chained: bool) -> list[tuple[Any, ...]]:
    """The same agent loop over the Responses API: the history resent as input items, or
    ``chained`` through previous_response_id. Returns (text, [(function, arguments)]) per turn."""
    items: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    previous: str | None = None
    seen: list[tuple[Any, ...]] = []
    for _ in range(4):
        kwargs: dict[str, Any] = dict(model="gpt-test", input=items, tools=[RESPONSES_TOOL])
        if previous:
            kwargs["previous_response_id"] = previous
        if stream:
            with api.responses.stream(**kwargs) as events:
                response = events.get_final_response()
        else:
            response = api.responses.create(**kwargs)
        calls = [i for i in response.output if i.type == "function_call"]
        seen.append((response.output_text, [(c.name, json.loads(c.arguments)) for c in calls]))
        if not calls:
            return seen
        outputs = [{"type": "function_call_output", "call_id": c.call_id, "output": weather_result(c.arguments)} for c in calls]
        if chained:
            previous, items = response.id, outputs
        else:
            items = items + [{"type": "function_call", "call_id": c.call_id, "name": c.name, "arguments": c.arguments}
                             for c in calls] + outputs
    raise AssertionError(f"the flow did not end: {seen}")
