"""Bedrock's refusals as AWS sends them: the validation texts of the rule book (and the service
model's constraints) as 400 ``ValidationException`` with ``{"message"}`` and
``x-amzn-ErrorType``, which botocore raises with that text; injected faults (429
ThrottlingException, 503 ServiceUnavailableException, a mid-stream ``modelStreamErrorException``);
an unknown model's 404; authentication; near misses."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import httpx
import pytest

from bedrock_support import MODEL, WEATHER, client, decode_stream

USER = {"role": "user", "content": [{"text": "What is the weather in Oslo?"}]}
CALL = {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tooluse_a", "name": "get_weather", "input": {"city": "Oslo"}}}]}
TOOLS = {"tools": [WEATHER]}


def result(tool_use_id: str = "tooluse_a", **extra: Any) -> dict[str, Any]:
    return {"toolResult": {"toolUseId": tool_use_id, "content": [{"text": "2 degrees"}], **extra}}


def post(url: str, body: dict[str, Any], model: str = MODEL, headers: dict[str, str] | None = None, stream: bool = False) -> httpx.Response:
    return httpx.post(f"{url}/model/{model}/converse{'-stream' if stream else ''}", json=body, headers=headers or {}, timeout=10)


CASES = [
    ({"messages": [CALL, {"role": "user", "content": [result()]}], "toolConfig": TOOLS},
     "A conversation must start with a user message. Try again with a conversation that starts with a user message."),
    ({"messages": [USER, USER]},
     "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and "
     "assistant roles and try again."),
    ({"messages": [USER, {"role": "assistant", "content": []}, USER]},
     "The content field in the Message object at messages.1 is empty. Add a ContentBlock object to the content field and try again."),
    ({"messages": [USER, CALL, {"role": "user", "content": [result()]}]},
     "The toolConfig field must be defined when using toolUse and toolResult content blocks."),
    ({"messages": [USER, CALL, {"role": "user", "content": [{"text": "never mind"}]}], "toolConfig": TOOLS},
     "Expected toolResult blocks at messages.2.content for the following Ids: tooluse_a"),
    ({"messages": [USER, CALL, {"role": "user", "content": [result("tooluse_other")]}], "toolConfig": TOOLS},
     "Expected toolResult blocks at messages.2.content for the following Ids: tooluse_a"),
    ({"messages": [USER, CALL, {"role": "user", "content": [result(), result("tooluse_b")]}], "toolConfig": TOOLS},
     "The number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of previous turn."),
    ({"messages": [USER, CALL, {"role": "user", "content": [result(), {"text": "and also"}]}], "toolConfig": TOOLS},
     "messages.2.content: Conversation blocks and tool result blocks cannot be provided in the same turn."),
    ({"messages": [USER, CALL, {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_a", "content": [], "status": "error"}}]}],
      "toolConfig": TOOLS},
     "The content field at messages.2.content.0.toolResult cannot be empty when status value is error."),
    ({"messages": [USER, CALL, {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_a", "content": [{"json": [1, 2]}]}}]}],
      "toolConfig": TOOLS},
     "The format of the value at messages.2.content.0.toolResult.content.0.json is invalid. Provide a json object for the field "
     "and try again."),
    ({"messages": [{"role": "user", "content": [{"text": "  "}]}]},
     "The text field in the ContentBlock object at messages.0.content.0 is blank. Add text to the text field, and try again."),
    ({"messages": [USER], "toolConfig": {"tools": [{"toolSpec": {"name": "f", "inputSchema": {"json": {"type": "array"}}}}]}},
     "The value at toolConfig.tools.0.toolSpec.inputSchema.json.type must be one of the following: object."),
    ({"messages": [USER], "toolConfig": {"tools": [{"toolSpec": {"name": "get weather", "inputSchema": {"json": {"type": "object"}}}}]}},
     "1 validation error detected: Value 'get weather' at 'toolConfig.tools.1.member.toolSpec.name' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+"),
    ({"messages": [USER, {"role": "assistant", "content": [{"toolUse": {"toolUseId": "a" * 65, "name": "get_weather", "input": {}}}]}],
      "toolConfig": TOOLS},
     f"1 validation error detected: Value '{'a' * 65}' at 'messages.2.member.content.1.member.toolUse.toolUseId' failed to satisfy "
     "constraint: Member must have length less than or equal to 64"),
    ({"messages": [USER, {"role": "assistant", "content": [{"toolUse": {"toolUseId": "call#1", "name": "get_weather", "input": {}}}]}],
      "toolConfig": TOOLS},
     "1 validation error detected: Value 'call#1' at 'messages.2.member.content.1.member.toolUse.toolUseId' failed to satisfy "
     "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.:-]+"),
    ({"messages": [USER], "inferenceConfig": {"temperature": 1.5}},
     "1 validation error detected: Value 1.5 at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value "
     "less than or equal to 1"),
    ({"messages": [USER], "toolConfig": {"tools": []}},
     "1 validation error detected: Value at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than "
     "or equal to 1"),
    ({"messages": [USER], "toolConfig": {"tools": [WEATHER], "toolChoice": {"tool": {"name": "get_time"}}}},
     "The tool get_time named by toolConfig.toolChoice.tool.name is not defined in toolConfig.tools (declared: get_weather)."),
]


@pytest.mark.parametrize("body,message", CASES, ids=[c[1][:40] for c in CASES])
def test_validation_errors_as_aws_sends_them(server, body, message):
    response = post(server.url, body)
    assert response.status_code == 400
    assert response.json() == {"message": message}
    assert response.headers["x-amzn-errortype"].split(":")[0] == "ValidationException"
    assert len(response.headers["x-amzn-requestid"]) == 36


def test_botocore_raises_validation_exception_with_the_text(server):
    bedrock = client(server.url)
    with pytest.raises(bedrock.exceptions.ValidationException) as raised:
        bedrock.converse(modelId=MODEL, messages=[USER, CALL, {"role": "user", "content": [{"text": "hm"}]}], toolConfig=TOOLS)
    assert raised.value.response["Error"]["Message"] == "Expected toolResult blocks at messages.2.content for the following Ids: tooluse_a"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(bedrock.exceptions.ValidationException, match="failed to satisfy constraint: Member must satisfy regular"):
        bedrock.converse(modelId="not a model!", messages=[USER])
    with pytest.raises(bedrock.exceptions.ValidationException, match="must start with a user message"):
        collect = bedrock.converse_stream(modelId=MODEL, messages=[CALL], toolConfig=TOOLS)
        list(collect["stream"])


def test_tool_use_input_checked_against_the_declared_schema(server):
    call = {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tooluse_a", "name": "get_weather", "input": {"town": "Oslo"}}}]}
    response = post(server.url, {"messages": [USER, call, {"role": "user", "content": [result()]}], "toolConfig": TOOLS})
    assert response.status_code == 400
    assert response.json()["message"].startswith("messages.1.content.0.toolUse.input: the input of tool 'get_weather' is invalid:")
    assert response.headers["x-mock-rule"] == "bedrock.input_invalid" if "x-mock-rule" in response.headers else True


def test_a_null_tool_spec_beside_a_called_tool_is_no_server_error(server):
    # found by tests/test_fuzz.py: `{"toolSpec": null}` once crashed the toolChoice check (a 500)
    tools = {"tools": [{"toolSpec": None}, WEATHER], "toolChoice": {"auto": {}}}
    response = post(server.url, {"messages": [USER, CALL, {"role": "user", "content": [result()]}], "toolConfig": tools})
    assert response.status_code == 200, response.text
    assert response.json()["stopReason"] in {"end_turn", "tool_use"}


# --- faults ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status,code,message", [
    (429, "ThrottlingException", "Too many requests, please wait before trying again."),
    (503, "ServiceUnavailableException", "Bedrock is unable to process your request."),
    (500, "InternalServerException", "The system encountered an unexpected error during processing. Try your request again."),
])
def test_injected_http_faults_raise_the_modelled_exceptions(server, status, code, message):
    bedrock = client(server.url, headers={"X-Mock-Fault": str(status)})
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        bedrock.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "hello"}]}])
    error = raised.value.response
    assert error["Error"] == {"Message": message, "Code": code}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert isinstance(raised.value, getattr(bedrock.exceptions, code))


def test_mid_stream_fault_is_a_model_stream_error_exception_event(server):
    body = {"messages": [{"role": "user", "content": [{"text": "What is the weather in Oslo?"}]}], "toolConfig": TOOLS}
    response = post(server.url, body, headers={"X-Mock-Fault": "stream-error; after=2"}, stream=True)
    decoded = decode_stream(response.content)
    assert [h.get(":event-type") for h, _ in decoded[:2]] == ["messageStart", "contentBlockStart"]
    headers, payload = decoded[-1]
    assert headers[":message-type"] == "exception" and headers[":exception-type"] == "modelStreamErrorException"
    assert payload == {"message": "The system encountered an unexpected error during processing. Try your request again."}
    bedrock = client(server.url, headers={"X-Mock-Fault": "stream-error; after=2"})
    answer = bedrock.converse_stream(modelId=MODEL, **body)
    with pytest.raises(botocore.exceptions.EventStreamError) as raised:
        list(answer["stream"])
    assert raised.value.response["Error"]["Code"] == "modelStreamErrorException"
    faults = [e["faults"] for e in httpx.get(server.url + "/_mock/journal").json()["data"] if e["faults"]]
    assert faults[-1] == [{"source": "X-Mock-Fault header", "stream": {"kind": "error", "after": 2}}]


def test_cut_stream_ends_without_message_stop(server):
    response = post(server.url, {"messages": [{"role": "user", "content": [{"text": "hello"}]}]},
                    headers={"X-Mock-Fault": "stream-cut; after=3"}, stream=True)
    decoded = decode_stream(response.content)
    assert len(decoded) == 3 and "messageStop" not in [h[":event-type"] for h, _ in decoded]


# --- models, authentication, near misses -------------------------------------------------------------------

NAMED = """
    version: 1
    name: claude-only
    models: [anthropic.claude-3-5-sonnet-20240620-v1:0]
    rules:
      - name: hello
        when: {last_message: {contains: hello}}
        reply: {content: hi}
"""


def test_unknown_model_is_resource_not_found_when_scenarios_name_their_models(serve):
    running = serve(NAMED)
    bedrock = client(running.url)
    assert bedrock.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "hello"}]}])["stopReason"] == "end_turn"
    with pytest.raises(bedrock.exceptions.ResourceNotFoundException) as raised:
        bedrock.converse(modelId="amazon.nova-pro-v1:0", messages=[{"role": "user", "content": [{"text": "hello"}]}])
    assert raised.value.response["Error"]["Message"] == "Could not resolve the foundation model from the provided model identifier."
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    # a scenario's name is a model too (it selects the scenario)
    assert bedrock.converse(modelId="claude-only", messages=[{"role": "user", "content": [{"text": "hello"}]}])["stopReason"] == "end_turn"


def test_api_key_bearer_and_any_sigv4(serve):
    running = serve(NAMED, api_key="bedrock-key")
    hello = {"messages": [{"role": "user", "content": [{"text": "hello"}]}]}
    assert client(running.url).converse(modelId=MODEL, **hello)["stopReason"] == "end_turn"  # dummy SigV4
    assert post(running.url, hello, headers={"Authorization": "Bearer bedrock-key"}).status_code == 200
    wrong = post(running.url, hello, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and wrong.json() == {"message": "The security token included in the request is invalid."}
    assert wrong.headers["x-amzn-errortype"] == "UnrecognizedClientException"
    missing = post(running.url, hello)
    assert missing.status_code == 403 and missing.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert missing.json() == {"message": "Missing Authentication Token"}


def test_near_misses_ride_beside_the_message(serve):
    running = serve(NAMED)
    response = post(running.url, {"messages": [{"role": "user", "content": [{"text": "goodbye"}]}]})
    assert response.status_code == 400 and response.headers["x-amzn-errortype"].startswith("ValidationException")
    body = response.json()
    assert body["code"] == "no_matching_rule" and body["message"].startswith("No scenario rule matched this request")
    assert body["near_misses"][0]["rule"] == "hello"


def test_a_model_id_the_route_cannot_hold_is_a_validation_exception(server):
    """Found by bench/fuzz.py: a model id with a newline matched no route and got OpenAI's 404
    body with no x-amzn-ErrorType; AWS checks the id against its pattern."""
    response = httpx.post(f"{server.url}/model/%C3%97t%0Ao/converse-stream", json={"messages": [USER]}, timeout=10)
    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"].split(":")[0] == "ValidationException"
    message = response.json()["message"]
    assert message.startswith("1 validation error detected: Value '×t") and "' at 'modelId' failed to satisfy constraint" in message
