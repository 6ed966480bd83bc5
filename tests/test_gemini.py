"""Google's generateContent dialect end to end: google-genai (sync and async, generate_content
and generate_content_stream, automatic function calling on and off) and raw HTTP against a real
server; every body and stream event validated against the official schemas (Discovery
document, tests/fixtures/google-generatecontent-schemas.json)."""

# no `from __future__ import annotations`: google-genai 2.x (what Python 3.10 installs) cannot read
# string annotations of the functions its automatic function calling runs (isinstance() arg 2 must be a type)

import json
from typing import Any, Iterator

import httpx
import pytest

from gemini_support import AsyncRecording, Recording, assert_answer_official, assert_official, events_of
from mockserver.config import Config
from mockserver.engine.loader import bundled_scenarios_dir
from mockserver.testing import ServerThread

genai = pytest.importorskip("google.genai")
from google.genai import errors as genai_errors  # noqa: E402
from google.genai import types  # noqa: E402

MODEL = "gemini-2.5-flash"
QUESTION = "Which city has a higher temperature, Lyon or Oslo, and by how much in F?"
TEMPERATURES = {"Lyon": 70, "Oslo": 51}
ANSWER = "Lyon has a higher temperature than Oslo by 19 degrees Fahrenheit."
WEATHER = types.FunctionDeclaration(
    name="get_current_weather", description="Get the current weather in a given location",
    parameters=types.Schema(type="OBJECT", properties={
        "location": types.Schema(type="STRING", description="The city"),
        "unit": types.Schema(type="STRING", enum=["celsius", "fahrenheit"]),
    }, required=["location"]))


def get_current_weather(location: str, unit: str = "fahrenheit") -> int:
    """Get the current weather in a given location."""
    return TEMPERATURES[location]


@pytest.fixture(scope="module")
def gemini_server() -> Iterator[ServerThread]:
    with ServerThread(Config(scenarios=[str(bundled_scenarios_dir())], port=0)) as running:
        yield running
        running.check()


@pytest.fixture
def recording() -> Recording:
    return Recording()


def client(server: ServerThread, transport: Any = None, async_transport: Any = None, **options: Any) -> Any:
    http: dict[str, Any] = {"base_url": server.url, "retry_options": types.HttpRetryOptions(attempts=1), **options}
    if transport is not None:
        http["httpx_client"] = httpx.Client(transport=transport)
    if async_transport is not None:
        http["httpx_async_client"] = httpx.AsyncClient(transport=async_transport)
    return genai.Client(api_key="test-key", http_options=types.HttpOptions(**http))


def raw(server: ServerThread, path: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
    response = httpx.post(server.url + path, json=body, timeout=10, **kwargs)
    assert_answer_official(response.content, response.headers.get("content-type", ""), response.status_code)
    return response


# --- google-genai: seed 001 with new cities --------------------------------------------------------------------


def test_two_parallel_calls_then_the_comparison_without_automatic_calling(gemini_server, recording):
    gemini = client(gemini_server, recording)
    config = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[WEATHER])],
                                         automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
    first = gemini.models.generate_content(model=MODEL, contents=QUESTION, config=config)
    calls = first.function_calls
    assert [(c.name, c.args) for c in calls] == [("get_current_weather", {"location": "Lyon", "unit": "fahrenheit"}),
                                                 ("get_current_weather", {"location": "Oslo", "unit": "fahrenheit"})]
    assert first.candidates[0].finish_reason == types.FinishReason.STOP
    assert first.model_version == MODEL and first.response_id and first.usage_metadata.total_token_count > 0
    history = [types.Content(role="user", parts=[types.Part.from_text(text=QUESTION)]), first.candidates[0].content,
               types.Content(role="user", parts=[types.Part.from_function_response(name=c.name, response={"result": TEMPERATURES[c.args["location"]]})
                                                 for c in calls])]
    second = gemini.models.generate_content(model=MODEL, contents=history, config=config)
    assert second.text.endswith(ANSWER)
    assert "**Lyon**: 70°F" in second.text and not second.function_calls
    # the wire: two functionCall parts without ids (Gemini pairs by order and name), the same ids per request
    body = json.loads(recording.seen[0][3])
    assert [list(p) for p in body["candidates"][0]["content"]["parts"]] == [["text"], ["functionCall"], ["functionCall"]]
    gemini.models.generate_content(model=MODEL, contents=QUESTION, config=config)
    assert recording.seen[-1][3] == recording.seen[0][3]  # the same request, the same answer and ids


def test_automatic_function_calling_runs_the_tool_loop(gemini_server, recording):
    gemini = client(gemini_server, recording)
    response = gemini.models.generate_content(model=MODEL, contents=QUESTION,
                                              config=types.GenerateContentConfig(tools=[get_current_weather]))
    assert response.text.endswith(ANSWER)
    history = response.automatic_function_calling_history
    assert [c.role for c in history] == ["user", "model", "user"]
    assert [p.function_response.response for p in history[2].parts] == [{"result": 70}, {"result": 51}]
    assert len(recording.seen) == 2


def test_automatic_function_calling_streamed(gemini_server, recording):
    gemini = client(gemini_server, recording)
    chunks = list(gemini.models.generate_content_stream(model=MODEL, contents=QUESTION,
                                                        config=types.GenerateContentConfig(tools=[get_current_weather])))
    text = "".join(c.text or "" for c in chunks)
    assert text.endswith(ANSWER) and len(chunks) > 4
    assert [path.rsplit(":", 1)[1] for path, *_ in recording.seen] == ["streamGenerateContent"] * 2
    assert all(ctype.startswith("text/event-stream") for _, _, ctype, _ in recording.seen)
    # the SDK sends each streamed chunk back as a model content of its own: one turn to the API
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP


def test_chat_session_with_automatic_calling(gemini_server, recording):
    gemini = client(gemini_server, recording)
    chat = gemini.chats.create(model=MODEL, config=types.GenerateContentConfig(tools=[get_current_weather]))
    assert chat.send_message(QUESTION).text.endswith(ANSWER)
    assert chat.send_message("Thanks! What is the time?").text


@pytest.mark.anyio
async def test_async_generate_and_stream(gemini_server):
    recording = AsyncRecording()
    sdk = client(gemini_server, async_transport=recording)
    gemini = sdk.aio
    config = types.GenerateContentConfig(tools=[get_current_weather])
    response = await gemini.models.generate_content(model=MODEL, contents=QUESTION, config=config)
    assert response.text.endswith(ANSWER)
    text = ""
    async for chunk in await gemini.models.generate_content_stream(model=MODEL, contents=QUESTION, config=config):
        text += chunk.text or ""
    assert text.endswith(ANSWER)
    manual = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[WEATHER])],
                                         automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
    parts = []
    async for chunk in await gemini.models.generate_content_stream(model=MODEL, contents=QUESTION, config=manual):
        parts += chunk.function_calls or []
    assert [c.args["location"] for c in parts] == ["Lyon", "Oslo"]
    assert len(recording.seen) == 5


def test_vertex_ai_paths_with_a_bearer_token(gemini_server, recording):
    credentials = pytest.importorskip("google.oauth2.credentials")
    vertex = genai.Client(vertexai=True, project="proj", location="us-central1",
                          credentials=credentials.Credentials(token="ya29.test"),
                          http_options=types.HttpOptions(base_url=gemini_server.url, httpx_client=httpx.Client(transport=recording)))
    response = vertex.models.generate_content(model=MODEL, contents=QUESTION, config=types.GenerateContentConfig(tools=[get_current_weather]))
    assert response.text.endswith(ANSWER)
    assert recording.seen[0][0] == f"/v1beta1/projects/proj/locations/us-central1/publishers/google/models/{MODEL}:generateContent" or \
        recording.seen[0][0].endswith(f"/projects/proj/locations/us-central1/publishers/google/models/{MODEL}:generateContent")
    assert "createTime" in json.loads(recording.seen[0][3])


# --- raw HTTP: streams, errors, auth, faults -----------------------------------------------------------------------

HELLO = {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}
PATH = f"/v1beta/models/{MODEL}"


def test_stream_without_alt_sse_is_one_json_array(gemini_server):
    with httpx.stream("POST", gemini_server.url + PATH + ":streamGenerateContent", json=HELLO, timeout=10) as response:
        assert response.headers["content-type"].startswith("application/json")
        data = response.read()
    assert data.startswith(b"[{") and data.endswith(b"}]") and b",\r\n{" in data
    items = events_of(data, "application/json")
    assert len(items) > 1 and items[-1]["candidates"][0]["finishReason"] == "STOP"
    assert all("finishReason" not in i["candidates"][0] for i in items[:-1])
    for item in items:
        assert_official("GenerateContentResponse", item)
    sse = raw(gemini_server, PATH + ":streamGenerateContent?alt=sse", HELLO)
    assert [e["candidates"][0]["content"] for e in events_of(sse.content, sse.headers["content-type"])] == \
        [i["candidates"][0]["content"] for i in items]


def test_generate_content_v1_and_vertex_express_paths(gemini_server):
    for path in (f"/v1/models/{MODEL}:generateContent", f"/v1/publishers/google/models/{MODEL}:generateContent",
                 f"/v1beta1/projects/p/locations/l/publishers/google/models/{MODEL}:generateContent"):
        body = raw(gemini_server, path, HELLO).json()
        assert body["modelVersion"] == MODEL and body["candidates"][0]["content"]["role"] == "model"


def _weather_tools() -> list[dict[str, Any]]:
    return [{"functionDeclarations": [{"name": "get_current_weather", "parameters": {
        "type": "OBJECT", "properties": {"location": {"type": "STRING"}, "unit": {"type": "STRING", "nullable": True}},
        "required": ["location"]}}]}]


def _call(location: Any) -> dict[str, Any]:
    return {"functionCall": {"name": "get_current_weather", "args": {"location": location}}}


def _response(name: str = "get_current_weather") -> dict[str, Any]:
    return {"functionResponse": {"name": name, "response": {"result": 60}}}


@pytest.mark.parametrize("contents,message", [
    ([{"role": "model", "parts": [_call("Lyon")]}, {"role": "user", "parts": [_response()]}],
     "Please ensure that function call turn comes immediately after a user turn or after a function response turn."),
    ([{"role": "user", "parts": [{"text": "hi"}]}, {"role": "model", "parts": [{"text": "hello"}]}, {"role": "user", "parts": [_response()]}],
     "Please ensure that function response turn comes immediately after a function call turn."),
    ([{"role": "user", "parts": [{"text": "hi"}]}, {"role": "model", "parts": [_call("Lyon"), _call("Oslo")]}, {"role": "user", "parts": [_response()]}],
     "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn."),
])
def test_the_three_protocol_errors_in_googles_words(gemini_server, contents, message):
    response = raw(gemini_server, PATH + ":generateContent", {"contents": contents, "tools": _weather_tools()})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error == {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}  # Google's words, nothing else
    assert "contents[" in response.headers["x-mock-hint"]  # the mock's explanation, beside them
    gemini = client(gemini_server)  # kept: a dropped Client closes its HTTP client
    with pytest.raises(genai_errors.ClientError) as raised:
        gemini.models.generate_content(model=MODEL, contents=contents, config=types.GenerateContentConfig(
            tools=[types.Tool(function_declarations=[WEATHER])], automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True)))
    assert raised.value.code == 400 and raised.value.status == "INVALID_ARGUMENT" and raised.value.message == message


@pytest.mark.parametrize("body,fragment", [
    ({"contents": []}, "* GenerateContentRequest.contents: contents is not specified"),
    ({"contents": [{"role": "user", "parts": []}]}, "* GenerateContentRequest.contents[0].parts: contents.parts must not be empty."),
    ({"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]}, "Please use a valid role: user, model."),
    ({**HELLO, "tools": [{"functionDeclarations": [{"name": "get weather"}, {"name": "ok"}, {"name": "9lives"}]}]},
     "* GenerateContentRequest.tools[0].function_declarations[0].name: Invalid function name. Must start with a letter or an "
     "underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n"
     "* GenerateContentRequest.tools[0].function_declarations[2].name: Invalid function name."),
    ({**HELLO, "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJEKT"}}]}]},
     "tools[0].function_declarations[0].parameters.type: invalid value 'OBJEKT'"),
    ({**HELLO, "toolConfig": {"functionCallingConfig": {"mode": "ANY"}}}, "Function calling config is set without function_declarations."),
    ({**HELLO, "tools": _weather_tools(), "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_time"]}}},
     "allowed_function_names: function 'get_time' is not declared"),
    ({"contents": [{"role": "user", "parts": [{"text": "hi"}]}, {"role": "model", "parts": [_call(5)]}, {"role": "user", "parts": [_response()]}],
      "tools": _weather_tools()}, "contents[1].parts[0].function_call.args: the arguments of function 'get_current_weather' are invalid"),
    ({"contents": [{"role": "user", "parts": [{"text": "hi"}]}, {"role": "model", "parts": [_call("Lyon")]}, {"role": "user", "parts": [_response("get_time")]}],
      "tools": _weather_tools()}, "the function response names 'get_time'"),
    # an empty system instruction is accepted, and the generation config is still checked (the fuzz
    # run found a list among the stop sequences reaching the answer's cut: a 500)
    ({**HELLO, "systemInstruction": {"parts": []}, "generationConfig": {"stopSequences": [["a", "b"]]}},
     "Invalid value at 'generation_config.stop_sequences' (TYPE_STRING)"),
])
def test_bad_requests_name_the_culprit(gemini_server, body, fragment):
    response = raw(gemini_server, PATH + ":generateContent", body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]["message"]


def test_vertex_allows_128_character_names_and_the_gemini_api_64(gemini_server):
    body = {**HELLO, "tools": [{"functionDeclarations": [{"name": "f" * 100}]}]}
    assert raw(gemini_server, PATH + ":generateContent", body).status_code == 400
    assert raw(gemini_server, f"/v1/projects/p/locations/l/publishers/google/models/{MODEL}:generateContent", body).status_code == 200


def test_warnings_ride_beside_a_200(gemini_server):
    contents = [{"role": "user", "parts": [{"text": "hi"}]}, {"role": "model", "parts": [_call("Lyon")]},
                {"role": "user", "parts": [{"text": "never mind"}]}]
    response = raw(gemini_server, PATH + ":generateContent", {"contents": contents, "tools": _weather_tools()})
    assert response.status_code == 200
    assert response.headers["x-mock-warnings"].startswith("gemini.calls_unanswered")


def test_max_output_tokens_and_stop_sequences(gemini_server):
    body = raw(gemini_server, PATH + ":generateContent", {**HELLO, "generationConfig": {"maxOutputTokens": 3}}).json()
    assert body["candidates"][0]["finishReason"] == "MAX_TOKENS"
    body = raw(gemini_server, PATH + ":generateContent", {**HELLO, "generationConfig": {"stopSequences": ["scripted"], "candidateCount": 2}}).json()
    assert [c["finishReason"] for c in body["candidates"]] == ["STOP", "STOP"] and "scripted" not in body["candidates"][1]["content"]["parts"][0]["text"]


def test_api_key_in_header_query_or_bearer(serve):
    server = serve("version: 1\nname: hi\nrules: [{name: hi, reply: {content: hi}}]\n", api_key="sekret")
    ok = [{"headers": {"x-goog-api-key": "sekret"}}, {"params": {"key": "sekret"}}, {"headers": {"authorization": "Bearer sekret"}}]
    for kwargs in ok:
        assert raw(server, PATH + ":generateContent", HELLO, **kwargs).status_code == 200
    wrong = raw(server, PATH + ":generateContent", HELLO, headers={"x-goog-api-key": "nope"})
    assert wrong.status_code == 400 and wrong.json()["error"]["message"] == "API key not valid. Please pass a valid API key."
    assert wrong.json()["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    missing = raw(server, PATH + ":generateContent", HELLO)
    assert (missing.status_code, missing.json()["error"]["status"]) == (403, "PERMISSION_DENIED")
    vertex = raw(server, f"/v1/projects/p/locations/l/publishers/google/models/{MODEL}:generateContent", HELLO)
    assert (vertex.status_code, vertex.json()["error"]["status"]) == (401, "UNAUTHENTICATED")
    wrong_client, right_client = (genai.Client(api_key=k, http_options={"base_url": server.url}) for k in ("nope", "sekret"))
    with pytest.raises(genai_errors.ClientError):
        wrong_client.models.generate_content(model=MODEL, contents="hi")
    assert right_client.models.generate_content(model=MODEL, contents="hi").text == "hi"
    journal = httpx.get(server.url + "/_mock/journal", headers={"authorization": "Bearer sekret"}).json()["data"]
    assert all(e["headers"].get("x-goog-api-key") in (None, "[redacted]") for e in journal)
    assert "sekret" not in json.dumps(journal)


@pytest.mark.parametrize("status,code,message", [
    (429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
    (503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
    (500, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"),
])
def test_injected_http_faults_in_googles_words(gemini_server, status, code, message):
    response = raw(gemini_server, PATH + ":generateContent", HELLO, headers={"X-Mock-Fault": str(status)})
    assert response.status_code == status
    assert response.json() == {"error": {"code": status, "message": message, "status": code}}
    kind = genai_errors.ClientError if status < 500 else genai_errors.ServerError
    faulty = client(gemini_server, headers={"X-Mock-Fault": str(status)})
    with pytest.raises(kind) as raised:
        faulty.models.generate_content(model=MODEL, contents="hello")
    assert raised.value.status == code


@pytest.mark.parametrize("sse", [True, False])
def test_mid_stream_error_event(gemini_server, sse):
    query = "?alt=sse" if sse else ""
    response = raw(gemini_server, PATH + ":streamGenerateContent" + query, HELLO, headers={"X-Mock-Fault": "stream-error; after=1"})
    items = events_of(response.content, response.headers["content-type"])
    assert len(items) == 2 and items[1] == {"error": {"code": 500, "status": "INTERNAL", "message":
                                                      "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"}}
    if sse:  # google-genai raises it as an APIError, after the first chunk
        seen = []
        faulty = client(gemini_server, headers={"X-Mock-Fault": "stream-error; after=1"})
        with pytest.raises(genai_errors.APIError):
            for chunk in faulty.models.generate_content_stream(model=MODEL, contents="hello"):
                seen.append(chunk.text)
        assert len(seen) == 1


def test_journal_near_misses_and_count_tokens(serve):
    server = serve("version: 1\nname: only\nrules: [{name: only-hello, when: {last_message: {equals: hello}}, reply: {content: hi}}]\n")
    assert raw(server, PATH + ":generateContent", HELLO).json()["candidates"][0]["content"]["parts"] == [{"text": "hi"}]
    missed = httpx.post(server.url + PATH + ":generateContent", json={"contents": [{"parts": [{"text": "goodbye"}]}]})
    assert missed.status_code == 400 and missed.json()["error"]["code"] == "no_matching_rule"
    assert missed.json()["error"]["near_misses"][0]["rule"] == "only-hello"
    journal = httpx.get(server.url + "/_mock/journal").json()["data"]
    assert [e["dialect"] for e in journal] == ["gemini", "gemini"] and {e["outcome"] for e in journal} == {"answered", "unmatched"}
    summary = httpx.get(server.url + "/_mock/journal?summary=true").json()["data"]
    assert [e["model"] for e in summary if e["outcome"] == "answered"] == [MODEL]  # the path's model
    counted = httpx.post(server.url + PATH + ":countTokens", json=HELLO).json()
    assert counted["totalTokens"] > 0
    assert_official("CountTokensResponse", counted)
    assert httpx.post(server.url + PATH + ":countTokens", json={"generateContentRequest": HELLO}).json() == counted
    models = httpx.get(server.url + "/v1beta/models").json()["models"]
    assert "models/gemini-2.5-flash" in [m["name"] for m in models]
    assert httpx.get(server.url + "/v1beta/models/gemini-2.5-pro").json()["name"] == "models/gemini-2.5-pro"
    unknown = httpx.get(server.url + "/v1beta/models/nope")
    assert unknown.status_code == 404 and unknown.json()["error"]["status"] == "NOT_FOUND"
    counter = genai.Client(api_key="k", http_options={"base_url": server.url})
    assert counter.models.count_tokens(model=MODEL, contents="hello").total_tokens > 0


def test_ids_are_deterministic_and_depend_on_the_seed(serve):
    first = raw(serve("version: 1\nname: hi\nrules: [{name: hi, reply: {content: hi}}]\n", seed=1), PATH + ":generateContent", HELLO).json()
    again = raw(serve("version: 1\nname: hi\nrules: [{name: hi, reply: {content: hi}}]\n", seed=1), PATH + ":generateContent", HELLO).json()
    other = raw(serve("version: 1\nname: hi\nrules: [{name: hi, reply: {content: hi}}]\n", seed=2), PATH + ":generateContent", HELLO).json()
    assert first["responseId"] == again["responseId"] != other["responseId"]


def test_the_pytest_fixture_gives_a_gemini_client(pytester):
    pytester.makepyfile("""
        from google.genai import types

        def get_current_weather(location: str) -> int:
            '''Get the current weather in a given location.'''
            return {"Lyon": 70, "Oslo": 51}[location]

        def test_loop(mockserver):
            gemini = mockserver.gemini_client()
            question = "Which city has a higher temperature, Lyon or Oslo, and by how much in F?"
            response = gemini.models.generate_content(model="gemini-2.5-flash", contents=question,
                                                      config=types.GenerateContentConfig(tools=[get_current_weather]))
            assert response.text.endswith("Lyon has a higher temperature than Oslo by 19 degrees Fahrenheit.")
            mockserver.assert_tool_called("get_current_weather", args={"location": "Oslo", "unit": "fahrenheit"})
            assert [e.dialect for e in mockserver.journal.calls] == ["gemini", "gemini"]
            assert mockserver.journal.calls[0].headers["x-goog-api-key"] == "[redacted]"
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("model,declaration,question,args,result,answer", [
    ("gpt-5.4", {"name": "get_weather", "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}, "required": ["city"]}},
     "What is the weather in Reykjavik?", {"city": "Reykjavik"}, {"temperature": -3, "condition": "snowy"},
     "The weather in Reykjavik is -3°C and snowy."),
    ("gpt-4o", {"name": "get_current_weather", "parametersJsonSchema": {"type": "object", "properties": {"location": {"type": "string"}}}},
     "成都今天的天气怎么样？", {"location": "成都"}, {"temperature": 18, "condition": "多云"}, "成都今天多云，气温18度。"),
])
def test_seeds_002_and_003_with_new_inputs(gemini_server, model, declaration, question, args, result, answer):
    """The model is the path's (the seeds' scenarios name theirs); the result object is what the tool returned."""
    path = f"/v1beta/models/{model}:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": question}]}], "tools": [{"functionDeclarations": [declaration]}]}
    first = raw(gemini_server, path, body).json()
    [part] = first["candidates"][0]["content"]["parts"]
    assert part["functionCall"] == {"name": declaration["name"], "args": args}
    body["contents"] += [first["candidates"][0]["content"],
                         {"role": "user", "parts": [{"functionResponse": {"name": declaration["name"], "response": result}}]}]
    assert raw(gemini_server, path, body).json()["candidates"][0]["content"]["parts"] == [{"text": answer}]


@pytest.mark.parametrize("model", ["", "a%2Fb"])
def test_a_generate_content_path_the_table_cannot_route_answers_in_googles_envelope(gemini_server, model):
    """Found by bench/fuzz.py: an empty model or one with a "/" matched no route and got OpenAI's
    404 body; google-genai reads Google's envelope (code, message, status)."""
    response = httpx.post(f"{gemini_server.url}/v1beta/models/{model}:generateContent", json={"contents": []}, timeout=10)
    assert response.status_code == 404
    assert_official("Error", response.json())
    assert response.json()["error"]["status"] == "NOT_FOUND" and "Invalid URL (POST /v1beta/models/" in response.json()["error"]["message"]
