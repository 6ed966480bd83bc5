"""AWS Bedrock's Converse API (``POST /model/{modelId}/converse`` and ``/converse-stream``) from
the same scenarios: boto3's ``bedrock-runtime`` client (dummy credentials, ``endpoint_url``) in
agent loops over the bundled seed scenarios, streamed and not; the raw event stream decoded by
botocore's own parser with every CRC checked; every body and event validated against the service
model; model ids in the path; CountTokens; the journal; timing."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from bedrock_support import (CURRENT_WEATHER, MODEL, STOP_REASONS, WEATHER, agent_loop, assert_shape, assert_stream_shapes,
                             client, collect_stream, decode_stream)

EVENT_STREAM = "application/vnd.amazon.eventstream"


@pytest.fixture
def bedrock(server):
    return client(server.url)


def converse(bedrock: Any, mode: str):
    """boto3's ``converse``, or ``converse_stream`` folded into the same shape."""
    def call(**params: Any) -> dict[str, Any]:
        if mode == "converse":
            answer = bedrock.converse(**params)
            assert answer["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/json"
            assert len(answer["ResponseMetadata"]["RequestId"]) == 36
            answer.pop("ResponseMetadata")
            assert_shape("ConverseResponse", answer)
            return answer
        response = bedrock.converse_stream(**params)
        assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == EVENT_STREAM
        folded = collect_stream(response)
        assert folded["events"][0] == "messageStart" and folded["events"][-2:] == ["messageStop", "metadata"]
        return folded
    return call


# --- agent loops over the bundled seed scenarios ----------------------------------------------------


@pytest.mark.parametrize("mode", ["converse", "converse_stream"])
def test_seed_001_two_parallel_tool_uses_and_a_computed_answer(bedrock, mode):
    temperatures = {"Lisbon": 68, "Reykjavík": 41}
    final, seen = agent_loop(
        converse(bedrock, mode), "Which city has a higher temperature, Lisbon or Reykjavík, and by how much in F?",
        {"get_current_weather": lambda location, unit="fahrenheit": {"temperature": temperatures[location]}},
        modelId="us.anthropic.claude-3-5-sonnet-20241022-v2:0", toolConfig={"tools": [CURRENT_WEATHER]},
    )
    first = seen[0]["output"]["message"]["content"]
    calls = [b["toolUse"] for b in first if "toolUse" in b]
    assert [c["input"]["location"] for c in calls] == ["Lisbon", "Reykjavík"]
    assert all(c["name"] == "get_current_weather" and c["toolUseId"].startswith("tooluse_") and len(c["toolUseId"]) == 30 for c in calls)
    assert calls[0]["toolUseId"] != calls[1]["toolUseId"]
    assert seen[0]["stopReason"] == "tool_use" and final["stopReason"] == "end_turn"
    [text] = final["output"]["message"]["content"]
    assert "Lisbon" in text["text"] and "27" in text["text"]  # 68 - 41, computed by the scenario
    assert final["usage"]["inputTokens"] > seen[0]["usage"]["inputTokens"]
    assert final["usage"]["totalTokens"] == final["usage"]["inputTokens"] + final["usage"]["outputTokens"]
    assert final["metrics"]["latencyMs"] > 0


@pytest.mark.parametrize("mode", ["converse", "converse_stream"])
def test_seed_002_weather_loop(bedrock, mode):
    weather = {"Valparaíso": {"temperature": 17, "condition": "windy"}}
    final, seen = agent_loop(converse(bedrock, mode), "What is the weather in valparaíso? Use the tool.",
                             {"get_weather": lambda city: weather[city]}, modelId=MODEL, toolConfig={"tools": [WEATHER]},
                             system=[{"text": "You are terse."}], inferenceConfig={"maxTokens": 512, "temperature": 0.2})
    [call] = seen[0]["output"]["message"]["content"]
    assert call["toolUse"]["name"] == "get_weather" and call["toolUse"]["input"] == {"city": "Valparaíso"}
    assert final["output"]["message"]["content"] == [{"text": "The weather in Valparaíso is 17°C and windy."}]
    assert final["stopReason"] in STOP_REASONS


def test_both_deliveries_give_the_same_ids_and_text(bedrock):
    params = {"modelId": MODEL, "messages": [{"role": "user", "content": [{"text": "What is the weather in Oslo?"}]}],
              "toolConfig": {"tools": [WEATHER]}}
    plain = bedrock.converse(**params)
    streamed = collect_stream(bedrock.converse_stream(**params))
    assert streamed["output"] == plain["output"] and streamed["stopReason"] == plain["stopReason"] == "tool_use"
    assert streamed["usage"] == plain["usage"]


def test_max_tokens_and_stop_sequences(serve):
    running = serve("""
        version: 1
        name: long
        rules:
          - name: long
            when: {last_message: {contains: count}}
            reply: {content: "one two three four five six seven eight nine ten eleven twelve"}
    """)
    bedrock = client(running.url)
    question = [{"role": "user", "content": [{"text": "count please"}]}]
    cut = bedrock.converse(modelId=MODEL, messages=question, inferenceConfig={"maxTokens": 3})
    assert cut["stopReason"] == "max_tokens" and cut["usage"]["outputTokens"] <= 3
    stopped = bedrock.converse(modelId=MODEL, messages=question, inferenceConfig={"stopSequences": ["five"]})
    assert stopped["stopReason"] == "stop_sequence"
    assert stopped["output"]["message"]["content"] == [{"text": "one two three four "}]


# --- the raw event stream ------------------------------------------------------------------------------


def raw_stream(url: str, model: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    response = httpx.post(f"{url}/model/{model}/converse-stream", json=body, headers=headers or {}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == EVENT_STREAM and len(response.headers["x-amzn-requestid"]) == 36
    return response


def test_event_stream_bytes_botocore_decodes_every_message_and_crc(server):
    body = {"messages": [{"role": "user", "content": [{"text": "Which city has a higher temperature, Lima or Oslo, and by how much in F?"}]}],
            "toolConfig": {"tools": [CURRENT_WEATHER]}}
    decoded = decode_stream(raw_stream(server.url, MODEL, body).content)
    assert_stream_shapes(decoded)
    kinds = [h[":event-type"] for h, _ in decoded]
    assert all(h[":message-type"] == "event" for h, _ in decoded)
    assert kinds[0] == "messageStart" and kinds[-2:] == ["messageStop", "metadata"]
    starts = [p for h, p in decoded if h[":event-type"] == "contentBlockStart"]
    assert [s["start"]["toolUse"]["name"] for s in starts] == ["get_current_weather"] * 2
    assert [s["contentBlockIndex"] for s in starts] == [1, 2]  # the text is block 0 (Bedrock sends no start for text)
    for index, start in ((1, starts[0]), (2, starts[1])):
        fragments = "".join(p["delta"]["toolUse"]["input"] for h, p in decoded
                            if h[":event-type"] == "contentBlockDelta" and p["contentBlockIndex"] == index)
        assert fragments.startswith('{"location":')
    assert all(p["p"] and "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0".startswith(p["p"]) for _, p in decoded)
    assert decoded[-2][1]["stopReason"] == "tool_use" and decoded[-1][1]["usage"]["outputTokens"] > 0


@pytest.mark.parametrize("model", [
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "us.anthropic.claude-sonnet-4-20250514-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0",
    "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-1-70b-instruct-v1:0",
])
def test_model_ids_in_the_path_boto3_and_url_encoded(server, model):
    bedrock = client(server.url)
    answer = bedrock.converse(modelId=model, messages=[{"role": "user", "content": [{"text": "hello"}]}])
    assert answer["stopReason"] == "end_turn"
    from urllib.parse import quote
    encoded = quote(model, safe="")
    decoded = decode_stream(raw_stream(server.url, encoded, {"messages": [{"role": "user", "content": [{"text": "hello"}]}]}).content)
    assert decoded[0][1]["role"] == "assistant"
    journal = httpx.get(server.url + "/_mock/journal").json()["data"]
    assert sum(e["path"] in (f"/model/{model}/converse", f"/model/{model}/converse-stream") and e["dialect"] == "bedrock"
               for e in journal) >= 2


def test_count_tokens(bedrock):
    messages = [{"role": "user", "content": [{"text": "What is the weather in Oslo?"}]}]
    counted = bedrock.count_tokens(modelId=MODEL, input={"converse": {"messages": messages, "toolConfig": {"tools": [WEATHER]}}})
    answered = bedrock.converse(modelId=MODEL, messages=messages, toolConfig={"tools": [WEATHER]})
    assert counted["inputTokens"] == answered["usage"]["inputTokens"] > 0


def test_image_document_and_json_results_are_accepted(bedrock):
    messages = [
        {"role": "user", "content": [{"text": "What is the weather in Oslo?"}, {"image": {"format": "png", "source": {"bytes": b"\x89PNG"}}},
                                     {"document": {"name": "notes", "format": "txt", "source": {"bytes": b"hello"}}}]},
        {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Oslo"}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_1", "status": "success",
                                                     "content": [{"json": {"temperature": 2, "condition": "snowy"}}]}}]},
    ]
    answer = bedrock.converse(modelId=MODEL, messages=messages, toolConfig={"tools": [WEATHER], "toolChoice": {"auto": {}}},
                              additionalModelRequestFields={"top_k": 5})
    assert answer["output"]["message"]["content"] == [{"text": "The weather in Oslo is 2°C and snowy."}]


def test_journal_entries_are_bedrock(serve):
    running = serve("""
        version: 1
        name: hello
        rules:
          - name: hi
            when: {last_message: {contains: hello}}
            reply: {content: "hi there"}
    """)
    bedrock = client(running.url)
    bedrock.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "hello"}]}])
    collect_stream(bedrock.converse_stream(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "hello again"}]}]))
    entries = httpx.get(running.url + "/_mock/journal").json()["data"]
    assert [e["dialect"] for e in entries] == ["bedrock", "bedrock"]
    assert [e["path"] for e in entries] == [f"/model/{MODEL}/converse", f"/model/{MODEL}/converse-stream"]
    assert [e["response"]["output"]["message"]["content"] for e in entries] == [[{"text": "hi there"}]] * 2
    assert [e["rule"] for e in entries] == ["hi", "hi"]
    summaries = httpx.get(running.url + "/_mock/journal?summary=1").json()["data"]
    assert [e["model"] for e in summaries] == [MODEL, MODEL]  # the path's modelId
    assert all("mock-secret" not in str(e) and "AKIDMOCK" not in str(e.get("headers")) for e in entries)


def test_timing_delays_the_first_event(serve):
    running = serve("""
        version: 1
        name: slow
        rules:
          - name: slow
            when: {last_message: {contains: slow}}
            reply: {content: "in good time", timing: {ttft: 0.3}}
    """)
    started = time.perf_counter()
    decoded = decode_stream(raw_stream(running.url, MODEL, {"messages": [{"role": "user", "content": [{"text": "slow"}]}]}).content)
    assert time.perf_counter() - started >= 0.3
    assert [p["delta"]["text"] for h, p in decoded if h[":event-type"] == "contentBlockDelta"] == ["in ", "good ", "time"]


# --- the docs page, the fixture, serve --upstream --------------------------------------------------


def test_pytest_fixture_bedrock_client(pytester):
    pytester.makepyfile("""
        def test_loop(mockserver):
            bedrock = mockserver.bedrock_client()
            tool = {"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}}}}
            first = bedrock.converse(modelId="gpt-5.4", messages=[{"role": "user", "content": [{"text": "What is the weather in Oslo?"}]}],
                                     toolConfig={"tools": [tool]})
            assert first["stopReason"] == "tool_use"
            mockserver.assert_tool_called("get_weather", args={"city": "Oslo"})
            assert [e.dialect for e in mockserver.journal.calls] == ["bedrock"]
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_serve_upstream_forwards_with_a_bedrock_api_key(serve):
    upstream = serve("""
        version: 1
        name: upstream
        rules:
          - name: far
            when: {last_message: {contains: far}}
            reply: {content: "from upstream"}
    """, api_key="bedrock-api-key")
    front = serve("""
        version: 1
        name: local
        rules:
          - name: near
            when: {last_message: {contains: near}}
            reply: {content: "from the mock"}
    """, upstream=upstream.url, upstream_api_key="bedrock-api-key")
    bedrock = client(front.url)  # signs with dummy SigV4: the upstream key replaces it
    ask = lambda text: bedrock.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": text}]}])  # noqa: E731
    assert ask("near")["output"]["message"]["content"] == [{"text": "from the mock"}]
    assert ask("far")["output"]["message"]["content"] == [{"text": "from upstream"}]
    seen = httpx.get(upstream.url + "/_mock/journal", headers={"Authorization": "Bearer bedrock-api-key"}).json()["data"]
    assert [e["headers"].get("authorization") for e in seen] == ["[redacted]"] and seen[0]["path"] == f"/model/{MODEL}/converse"
