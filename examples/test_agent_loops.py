"""How-to: the same agent loop against each dialect's own SDK, from one scenario file
(``scenarios/support-agent.yaml``). Each test is a complete loop: the model calls a tool, the
test runs it and sends the result back, until the model answers from the results."""

from __future__ import annotations

import json
from typing import Any

import pytest

CUSTOMERS = {"ada@example.com": {"id": "c-17", "name": "Ada"}}
QUESTION = "Please open a ticket for customer ada@example.com."
ANSWER = "Ticket T-c-17 is open for c-17."


def lookup_customer(email: str) -> dict[str, Any]:
    return CUSTOMERS[email]


def open_ticket(customer_id: str, topic: str) -> dict[str, Any]:
    return {"ticket_id": f"T-{customer_id}", "customer": customer_id, "topic": topic}


RUN = {"lookup_customer": lookup_customer, "open_ticket": open_ticket}
SCHEMAS = {
    "lookup_customer": {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]},
    "open_ticket": {"type": "object", "properties": {"customer_id": {"type": "string"}, "topic": {"type": "string"}},
                    "required": ["customer_id", "topic"]},
}


@pytest.mark.mockserver(scenarios=["scenarios/support-agent.yaml"])
def test_chat_completions_loop(mockserver):
    client = mockserver.client()
    tools = [{"type": "function", "function": {"name": n, "parameters": s}} for n, s in SCHEMAS.items()]
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    while True:
        message = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools).choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            break
        for call in message.tool_calls:
            result = RUN[call.function.name](**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
    assert message.content == ANSWER
    mockserver.assert_tool_called("open_ticket", args={"customer_id": "c-17", "topic": "support"})


@pytest.mark.mockserver(scenarios=["scenarios/support-agent.yaml"])
def test_responses_loop(mockserver):
    client = mockserver.client()
    tools = [{"type": "function", "name": n, "parameters": s} for n, s in SCHEMAS.items()]
    response = client.responses.create(model="gpt-4o", input=QUESTION, tools=tools)
    while calls := [item for item in response.output if item.type == "function_call"]:
        outputs = [{"type": "function_call_output", "call_id": c.call_id,
                    "output": json.dumps(RUN[c.name](**json.loads(c.arguments)))} for c in calls]
        # the server keeps the conversation: send only the new results
        response = client.responses.create(model="gpt-4o", previous_response_id=response.id, input=outputs, tools=tools)
    assert response.output_text == ANSWER


@pytest.mark.mockserver(scenarios=["scenarios/support-agent.yaml"])
def test_messages_loop(mockserver):
    client = mockserver.anthropic_client()
    tools = [{"name": n, "input_schema": s} for n, s in SCHEMAS.items()]
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    while True:
        message = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=messages, tools=tools)
        messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in message.content]})
        if message.stop_reason != "tool_use":
            break
        messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": b.id, "content": json.dumps(RUN[b.name](**b.input))}
            for b in message.content if b.type == "tool_use"]})
    assert message.content[0].text == ANSWER


@pytest.mark.mockserver(scenarios=["scenarios/support-agent.yaml"])
def test_ollama_loop(mockserver):
    client = mockserver.ollama_client()
    tools = [{"type": "function", "function": {"name": n, "parameters": s}} for n, s in SCHEMAS.items()]
    messages: list[Any] = [{"role": "user", "content": QUESTION}]
    while True:
        message = client.chat(model="gpt-4o", messages=messages, tools=tools, stream=False).message
        messages.append(message)
        if not message.tool_calls:
            break
        for call in message.tool_calls:  # arguments arrive as an object; results name their tool
            result = RUN[call.function.name](**call.function.arguments)
            messages.append({"role": "tool", "tool_name": call.function.name, "content": json.dumps(result)})
    assert message.content == ANSWER
    mockserver.assert_tool_result_sent("open_ticket")


@pytest.mark.mockserver(scenarios=["scenarios/support-agent.yaml"])
def test_gemini_loop(mockserver):
    from google.genai import types

    client = mockserver.gemini_client()
    config = types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=[types.FunctionDeclaration(name=n, parameters_json_schema=s)
                                                 for n, s in SCHEMAS.items()])],
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
    contents: list[Any] = [types.Content(role="user", parts=[types.Part(text=QUESTION)])]
    while True:
        response = client.models.generate_content(model="gemini-2.5-flash", contents=contents, config=config)
        contents.append(response.candidates[0].content)
        if not response.function_calls:
            break
        contents.append(types.Content(role="user", parts=[
            types.Part.from_function_response(name=c.name, response=RUN[c.name](**c.args)) for c in response.function_calls]))
    assert response.text == ANSWER


@pytest.mark.mockserver(scenarios=["scenarios/support-agent.yaml"])
def test_bedrock_loop(mockserver):
    client = mockserver.bedrock_client()
    tool_config = {"tools": [{"toolSpec": {"name": n, "inputSchema": {"json": s}}} for n, s in SCHEMAS.items()]}
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": QUESTION}]}]
    while True:
        answer = client.converse(modelId="anthropic.claude-sonnet-4-5", messages=messages, toolConfig=tool_config)
        message = answer["output"]["message"]
        messages.append(message)
        if answer["stopReason"] != "tool_use":
            break
        messages.append({"role": "user", "content": [
            {"toolResult": {"toolUseId": b["toolUse"]["toolUseId"], "content": [{"json": RUN[b["toolUse"]["name"]](**b["toolUse"]["input"])}]}}
            for b in message["content"] if "toolUse" in b]})
    assert message["content"][0]["text"] == ANSWER
