"""Request pieces shared by the tests (tool declarations as clients send them)."""

from __future__ import annotations

from typing import Any


def function_tool(name: str, properties: dict[str, Any] | None = None, required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    parameters: dict[str, Any] = {"type": "object", "properties": properties or {}}
    if required is not None:
        parameters["required"] = required
    parameters.update(extra.pop("parameters_extra", {}))
    return {"type": "function", "function": {"name": name, "parameters": parameters, **extra}}


TIME_TOOL = function_tool("get_current_time", {}, [], description="获取当前时间（建议返回 ISO8601 字符串）。")
CURRENT_WEATHER_TOOL = function_tool(
    "get_current_weather",
    {
        "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    ["location"],
)
GET_WEATHER_TOOL = function_tool(
    "get_weather", {"city": {"type": "string"}}, ["city"], parameters_extra={"additionalProperties": False}
)


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def assistant_calls(*calls: dict[str, Any], content: Any = None) -> dict[str, Any]:
    return {"role": "assistant", "content": content, "tool_calls": list(calls)}


def tool(call_id: str, content: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def chat(*messages: dict[str, Any], model: str = "test-model", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": list(messages), **extra}
