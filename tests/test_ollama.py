"""Ollama's native API (``/api/chat``, ``/api/generate``, ``/api/tags``…) from the same scenarios:
the official ``ollama`` client (sync and async, streamed and not) in tool loops over the bundled
seed scenarios, the NDJSON stream byte by byte, Ollama's counters, its ``{"error"}`` bodies and
statuses, warnings, faults, the journal and the fixture's assertions. Every body and stream line
is checked against the shapes of Ollama's ``api/types.go`` (tests/fixtures/ollama-api-schemas.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import httpx
import jsonschema
import ollama
import pytest

from mockserver.config import Config
from mockserver.engine.loader import bundled_scenarios_dir
from mockserver.testing import ServerThread

SCHEMAS = json.loads((Path(__file__).parent / "fixtures" / "ollama-api-schemas.json").read_text())
ECHO = """
    version: 1
    name: echo
    models: [llama3.2]
    rules:
      - name: hi
        when: {last_message: {contains: hi}}
        reply: {content: "fine, thanks"}
"""
HI = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}


def assert_shape(name: str, instance: Any) -> None:
    schema = {"$ref": f"#/$defs/{name}", "$defs": SCHEMAS["$defs"]}
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(instance))
    assert error is None, f"not a valid {name}: {error.message} at {error.json_path}\n{json.dumps(instance)[:1500]}"


def ndjson(response: httpx.Response, kind: str = "ChatResponse") -> list[dict[str, Any]]:
    """The stream's objects, its framing checked exactly: one JSON object per line, each line
    ended by a newline, nothing else."""
    assert response.headers["content-type"] == "application/x-ndjson"
    raw = response.read()
    assert raw.endswith(b"\n") and b"\n\n" not in raw and not raw.startswith(b"data:")
    objects = [json.loads(line) for line in raw[:-1].split(b"\n")]
    for obj in objects:
        if "error" not in obj:
            assert_shape(kind, obj)
    return objects


def get_current_weather(location: str, unit: str = "fahrenheit") -> str:
    """Get the current temperature of a city.

    Args:
      location: The city
      unit: celsius or fahrenheit
    """
    return {"Lagos": "88", "Reykjavík": "41", "Oslo": "35"}[location]


def get_weather(city: str) -> str:
    """Weather for a city.

    Args:
      city: The city
    """
    return json.dumps({"temperature": 17, "condition": "windy"})


def tool_loop(chat: Callable[..., Any], question: str, tools: list[Callable[..., Any]], **params: Any) -> tuple[Any, list[Any]]:
    """Chat until the model stops asking for tools, answering each call with ``tool_name``."""
    run = {f.__name__: f for f in tools}
    messages: list[Any] = [{"role": "user", "content": question}]
    seen = []
    for _ in range(5):
        response = chat(messages=messages, tools=tools, **params)
        seen.append(response)
        if not response.message.tool_calls:
            return response, seen
        messages.append(response.message)
        for call in response.message.tool_calls:
            messages.append({"role": "tool", "tool_name": call.function.name, "content": run[call.function.name](**call.function.arguments)})
    raise AssertionError("the loop did not end")


def streamed(client: ollama.Client) -> Callable[..., Any]:
    """``chat(stream=True)`` gathered into one response, as an agent would."""
    def chat(**params: Any) -> Any:
        parts = list(client.chat(stream=True, **params))
        assert parts[-1].done and all(not p.done for p in parts[:-1])
        content = "".join(p.message.content or "" for p in parts)
        calls = [c for p in parts for c in p.message.tool_calls or []]
        last = parts[-1]
        last.message.content, last.message.tool_calls = content, calls or None
        return last
    return chat


@pytest.fixture
def client(server) -> ollama.Client:
    return ollama.Client(host=server.url)


# --- tool loops with the official client ----------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
def test_seed_001_two_parallel_calls_and_computed_answer(client, stream):
    chat = streamed(client) if stream else client.chat
    final, seen = tool_loop(chat, "Which city has a higher temperature, Lagos or Reykjavík, and by how much in F?",
                            [get_current_weather], model="mock-model")
    calls = seen[0].message.tool_calls
    assert [(c.function.name, dict(c.function.arguments)) for c in calls] == [
        ("get_current_weather", {"location": "Lagos", "unit": "fahrenheit"}),
        ("get_current_weather", {"location": "Reykjavík", "unit": "fahrenheit"})]
    assert seen[0].done_reason == "stop" and seen[0].message.content.startswith("I'll check the current temperatures for Lagos")
    assert final.message.content.endswith("Lagos has a higher temperature than Reykjavík by 47 degrees Fahrenheit.")
    assert final.done and final.eval_count > 0 and final.prompt_eval_count > seen[0].prompt_eval_count


@pytest.mark.parametrize("stream", [False, True])
def test_seed_002_weather_loop(client, stream):
    chat = streamed(client) if stream else client.chat
    final, seen = tool_loop(chat, "What is the weather in valparaíso? Use the tool.", [get_weather], model="gpt-5.4")
    [call] = seen[0].message.tool_calls
    assert call.function.name == "get_weather" and call.function.arguments == {"city": "Valparaíso"}
    assert final.message.content == "The weather in Valparaíso is 17°C and windy." and final.message.role == "assistant"


@pytest.mark.anyio
@pytest.mark.parametrize("stream", [False, True])
async def test_async_client_loop(server, anyio_backend, stream):
    client = ollama.AsyncClient(host=server.url)
    messages: list[Any] = [{"role": "user", "content": "Which city has a higher temperature, Oslo or Lagos, and by how much in F?"}]
    for _ in range(3):
        if stream:
            parts = [p async for p in await client.chat(model="mock-model", messages=messages, tools=[get_current_weather], stream=True)]
            calls = [c for p in parts for c in p.message.tool_calls or []]
            content = "".join(p.message.content for p in parts)
            assert parts[-1].done and parts[-1].done_reason == "stop"
        else:
            response = await client.chat(model="mock-model", messages=messages, tools=[get_current_weather])
            calls, content = response.message.tool_calls or [], response.message.content
        if not calls:
            break
        messages.append({"role": "assistant", "content": content, "tool_calls": [c.model_dump() for c in calls]})
        messages += [{"role": "tool", "tool_name": c.function.name, "content": get_current_weather(**c.function.arguments)} for c in calls]
    assert content.endswith("Lagos has a higher temperature than Oslo by 53 degrees Fahrenheit.")


def test_results_paired_by_tool_call_id_whatever_their_order(http):
    """Recent clients send the call ids back as ``tool_call_id``: results in another order still
    reach the right call."""
    question = {"role": "user", "content": "Which city has a higher temperature, Lagos or Oslo, and by how much in F?"}
    first = http.post("/api/chat", json={"model": "mock-model", "stream": False, "messages": [question],
                                         "tools": [_declared(get_current_weather)]}).json()
    a, b = first["message"]["tool_calls"]
    assert a["id"].startswith("call_") and len(a["id"]) == 13 and [a["function"]["index"], b["function"]["index"]] == [0, 1]
    history = [question, first["message"],
               {"role": "tool", "tool_call_id": b["id"], "content": "35"}, {"role": "tool", "tool_call_id": a["id"], "content": "88"}]
    final = http.post("/api/chat", json={"model": "mock-model", "stream": False, "messages": history}).json()
    assert final["message"]["content"].endswith("Lagos has a higher temperature than Oslo by 53 degrees Fahrenheit.")


def _declared(function: Callable[..., Any]) -> dict[str, Any]:
    from ollama._utils import convert_function_to_tool

    return convert_function_to_tool(function).model_dump(exclude_none=True)


# --- /api/generate ----------------------------------------------------------------------------------


def test_generate_prompt_is_the_user_message(serve):
    server = serve(ECHO)
    client = ollama.Client(host=server.url)
    answer = client.generate(model="llama3.2", prompt="hi there", system="be brief")
    assert answer.response == "fine, thanks" and answer.done and answer.done_reason == "stop"
    parts = list(client.generate(model="llama3.2:latest", prompt="hi there", stream=True))
    assert "".join(p.response for p in parts) == "fine, thanks" and parts[-1].done and parts[-1].eval_count == answer.eval_count
    raw = httpx.post(server.url + "/api/generate", json={"model": "llama3.2", "prompt": "hi"})
    objects = ndjson(raw, "GenerateResponse")
    assert [o["response"] for o in objects] == ["fine, ", "thanks", ""] and objects[-1]["done"] is True
    assert_shape("GenerateResponse", httpx.post(server.url + "/api/generate", json={"model": "llama3.2", "prompt": "hi", "stream": False}).json())


# --- the wire: NDJSON, counters, determinism ---------------------------------------------------------


def test_ndjson_stream_exact(http):
    body = {"model": "mock-model", "messages": [{"role": "user", "content": "Which city has a higher temperature, Lagos or Oslo, and by how much in F?"}],
            "tools": [_declared(get_current_weather)]}
    with http.stream("POST", "/api/chat", json=body) as response:  # stream: true is the default
        objects = ndjson(response)
    *pieces, last = objects
    texts = [o for o in pieces if not o["message"].get("tool_calls")]
    calls = [o for o in pieces if o["message"].get("tool_calls")]
    assert pieces[-2:] == calls and len(calls) == 2 and all(o["message"]["content"] == "" for o in calls)
    assert all(list(o) == ["model", "created_at", "message", "done"] and o["done"] is False for o in pieces)
    assert list(last) == ["model", "created_at", "message", "done", "done_reason", "total_duration", "load_duration",
                          "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"]
    assert last["message"] == {"role": "assistant", "content": ""} and last["done_reason"] == "stop"
    assert [o["created_at"] for o in objects] == sorted(o["created_at"] for o in objects)
    whole = http.post("/api/chat", json={**body, "stream": False}).json()
    assert_shape("ChatResponse", whole)
    assert whole["message"]["content"] == "".join(o["message"]["content"] for o in texts)
    assert whole["message"]["tool_calls"] == [o["message"]["tool_calls"][0] for o in calls]
    assert {k: v for k, v in whole.items() if k != "message"} == {k: v for k, v in last.items() if k != "message"}
    assert last["total_duration"] == last["load_duration"] + last["prompt_eval_duration"] + last["eval_duration"]
    assert http.post("/api/chat", json={**body, "stream": False}).content == http.post("/api/chat", json={**body, "stream": False}).content


def test_counters_follow_timing_emulation_and_seed(serve):
    timed = serve(ECHO, ttft=0.25, tps=100.0)
    answer = httpx.post(timed.url + "/api/chat", json={**HI, "stream": False}).json()
    assert answer["prompt_eval_duration"] == 250_000_000 and answer["eval_duration"] == answer["eval_count"] * 10_000_000
    seeded = [serve(ECHO, seed=seed) for seed in (1, 1, 2)]
    stamps = [httpx.post(s.url + "/api/chat", json={**HI, "stream": False}).json() for s in seeded]
    assert stamps[0] == stamps[1] and stamps[0]["created_at"] != stamps[2]["created_at"]


def test_num_predict_is_the_token_limit(serve):
    server = serve(ECHO)
    answer = httpx.post(server.url + "/api/chat", json={**HI, "stream": False, "options": {"num_predict": 1, "seed": 3, "temperature": 0}}).json()
    assert answer["message"]["content"] == "fine" and answer["done_reason"] == "length" and answer["eval_count"] == 1


def test_models_tags_show_ps_version(serve):
    server = serve(ECHO)
    client = ollama.Client(host=server.url)
    assert [m.model for m in client.list().models] == ["llama3.2:latest", "echo:latest"]
    assert client.ps().models[0].model == "llama3.2:latest"
    shown = client.show("llama3.2")
    assert "tools" in shown.capabilities and shown.details.format == "gguf"
    for path, name in (("/api/tags", "ListResponse"), ("/api/ps", "ProcessResponse"), ("/api/version", "VersionResponse")):
        assert_shape(name, httpx.get(server.url + path).json())
    assert_shape("ShowResponse", httpx.post(server.url + "/api/show", json={"model": "llama3.2"}).json())
    missing = httpx.post(server.url + "/api/show", json={"model": "qwen3"})
    assert missing.status_code == 404 and missing.json() == {"error": "model 'qwen3' not found"}


# --- errors, in Ollama's words ------------------------------------------------------------------------


@pytest.mark.parametrize("body,status,text", [
    ({**HI, "model": "qwen3:8b"}, 404, "model 'qwen3:8b' not found"),
    ({"messages": HI["messages"]}, 400, "model is required"),
    ({**HI, "messages": "hi"}, 400, "json: cannot unmarshal string into Go struct field ChatRequest.messages of type []api.Message"),
    ({**HI, "messages": [{"role": "user", "content": ["hi"]}]}, 400,
     "json: cannot unmarshal array into Go struct field ChatRequest.messages.content of type string"),
    ({**HI, "stream": "no"}, 400, "json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool"),
    ({**HI, "think": "hard"}, 400, 'invalid think value: "hard" (must be "high", "medium", "low", "max", true, or false)'),
    ({**HI, "keep_alive": "forever"}, 400, 'time: invalid duration "forever"'),
    ({**HI, "keep_alive": True}, 400, "Unsupported type: 'bool'"),
    ({**HI, "top_logprobs": 21}, 400, "top_logprobs must be between 0 and 20"),
    ({**HI, "format": "yaml"}, 500, 'invalid format: "\\"yaml\\""; expected "json" or a valid JSON Schema object'),
])
def test_errors(serve, body, status, text):
    server = serve(ECHO)
    response = httpx.post(server.url + "/api/chat", json=body)
    assert response.status_code == status and response.json() == {"error": text}
    with pytest.raises(ollama.ResponseError) as raised:
        ollama.Client(host=server.url)._request(ollama.ChatResponse, "POST", "/api/chat", json=body)
    assert raised.value.status_code == status and raised.value.error == text


def test_body_errors_and_any_content_type(serve):
    server = serve(ECHO)
    empty = httpx.post(server.url + "/api/chat", content=b"")
    assert empty.status_code == 400 and empty.json() == {"error": "missing request body"}
    broken = httpx.post(server.url + "/api/chat", content=b'{"model": ')
    assert broken.status_code == 400 and set(broken.json()) == {"error"}
    # curl -d sends application/x-www-form-urlencoded: Ollama reads the body as JSON all the same
    form = httpx.post(server.url + "/api/chat", content=json.dumps({**HI, "stream": False}), headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 200 and form.json()["message"]["content"] == "fine, thanks"


def test_lenient_history_warns_and_strict_refuses(serve):
    tools = [_declared(get_weather)]
    history = [{"role": "user", "content": "hi"},
               {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"town": "Oslo"}}}]},
               {"role": "tool", "content": "{}"},
               {"role": "user", "content": "hi again"}]
    server = serve(ECHO)
    answer = httpx.post(server.url + "/api/chat", json={**HI, "stream": False, "messages": history, "tools": tools})
    assert answer.status_code == 200 and answer.json()["message"]["content"] == "fine, thanks"
    warned = answer.headers.get_list("x-mock-warnings")
    assert [w.split(" ")[0] for w in warned] == ["ollama.arguments_invalid"]  # a result without tool_name pairs by order
    strict = serve(ECHO, strict=True)
    refused = httpx.post(strict.url + "/api/chat", json={**HI, "stream": False, "messages": history, "tools": tools})
    assert refused.status_code == 400 and "ollama.arguments_invalid" in refused.json()["error"]


# --- faults, near misses, journal ----------------------------------------------------------------------


def test_http_faults_in_ollamas_words(serve):
    server = serve(ECHO)
    client = ollama.Client(host=server.url, headers={"X-Mock-Fault": "500"})
    with pytest.raises(ollama.ResponseError) as raised:
        client.chat(model="llama3.2", messages=HI["messages"])
    assert raised.value.status_code == 500 and raised.value.error == "llama runner process has terminated: exit status 2"
    busy = httpx.post(server.url + "/api/chat", json=HI, headers={"X-Mock-Fault": "503"})
    assert busy.status_code == 503 and busy.json() == {"error": "server busy, please try again.  maximum pending requests exceeded"}


def test_mid_stream_error_line(serve):
    server = serve(ECHO)
    with httpx.stream("POST", server.url + "/api/chat", json=HI, headers={"X-Mock-Fault": "stream-error; after=1"}) as response:
        objects = ndjson(response)
    assert objects[0]["message"]["content"] == "fine, " and objects[1] == {"error": "llama runner process has terminated: exit status 2"}
    client = ollama.Client(host=server.url, headers={"X-Mock-Fault": "stream-error; after=1"})
    with pytest.raises(ollama.ResponseError, match="llama runner process has terminated"):
        list(client.chat(model="llama3.2", messages=HI["messages"], stream=True))


def test_near_miss_and_journal(serve):
    server = serve(ECHO)
    missed = httpx.post(server.url + "/api/chat", json={**HI, "messages": [{"role": "user", "content": "bye"}]})
    body = missed.json()
    assert missed.status_code == 400 and body["code"] == "no_matching_rule" and body["near_misses"][0]["rule"] == "hi"
    assert isinstance(body["error"], str) and body["error"]
    ollama.Client(host=server.url).chat(model="llama3.2", messages=HI["messages"])
    entries = httpx.get(server.url + "/_mock/journal").json()["data"]
    assert [(e["dialect"], e["status"], e["outcome"]) for e in entries] == [("ollama", 400, "unmatched"), ("ollama", 200, "answered")]
    assert entries[0]["error"]["code"] == "no_matching_rule" and entries[0]["error"]["message"] == body["error"]


def test_fixture_helper_and_assertions(pytester):
    pytester.makepyfile("""
        def get_weather(city: str) -> str:
            '''Weather for a city.

            Args:
              city: The city
            '''
            return '{"temperature": 2, "condition": "snowy"}'

        def test_loop(mockserver):
            client = mockserver.ollama_client()
            messages = [{"role": "user", "content": "What is the weather in Oslo?"}]
            first = client.chat(model="gpt-5.4", messages=messages, tools=[get_weather], stream=False)
            [call] = first.message.tool_calls
            messages += [first.message, {"role": "tool", "tool_name": "get_weather", "content": get_weather(**call.function.arguments)}]
            final = client.chat(model="gpt-5.4", messages=messages, tools=[get_weather], stream=False)
            assert final.message.content.startswith("The weather in Oslo is 2")
            mockserver.assert_tool_called("get_weather", args={"city": "Oslo"})
            mockserver.assert_tool_result_sent("get_weather")
            assert [e.dialect for e in mockserver.journal.calls] == ["ollama", "ollama"]
            assert mockserver.journal.calls[1].content.startswith("The weather in Oslo is 2")
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_bundled_server_answers_on_the_default_ollama_paths():
    """``ollama.Client(host=...)`` against a plain ``mockserver serve``: no setup beyond the host."""
    with ServerThread(Config(scenarios=[str(bundled_scenarios_dir())], port=0)) as running:
        answer = ollama.Client(host=running.url).chat(model="gpt-4o:latest", messages=[{"role": "user", "content": "hello"}])
        assert answer.done and answer.message.role == "assistant" and answer.model == "gpt-4o:latest"


def test_any_model_when_the_scenarios_name_none(serve):
    server = serve("""
        version: 1
        name: unnamed
        rules: [{name: any, reply: {content: ok}}]
    """)
    answer = httpx.post(server.url + "/api/chat", json={**HI, "model": "qwen3:8b", "stream": False})
    assert answer.status_code == 200 and answer.json()["model"] == "qwen3:8b"


def test_client_made_call_ids_read_as_the_mocks(server, http):
    """LangChain's ChatOllama replaces each call id with a uuid4 of its own (Ollama's are random
    too): the history is read with the ids the mock issued, so results pair with its calls."""
    question = {"role": "user", "content": "What is the weather in Oslo?"}
    body = {"model": "gpt-5.4", "stream": False, "tools": [_declared(get_weather)]}
    first = http.post("/api/chat", json={**body, "messages": [question]}).json()
    [issued] = first["message"]["tool_calls"]
    uuid = "0b6f1c1e-8a3e-4d0c-9a51-3f1f2b7f9c10"
    history = [question, {"role": "assistant", "content": "", "tool_calls": [{**issued, "id": uuid, "type": "function"}]},
               {"role": "tool", "tool_call_id": uuid, "content": '{"temperature": 2, "condition": "snowy"}'}]
    final = http.post("/api/chat", json={**body, "messages": history})
    assert final.json()["message"]["content"] == "The weather in Oslo is 2°C and snowy." and "x-mock-warnings" not in final.headers
    entry = server.app.state.journal.calls[-1]
    assert entry.request["messages"][1]["tool_calls"][0]["id"] == uuid  # the body as sent is kept
    assert entry.messages[1]["tool_calls"][0]["id"] == issued["id"] == entry.messages[2]["tool_call_id"]
