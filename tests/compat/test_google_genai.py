"""google-genai (Google's SDK): ``models.generate_content`` / ``generate_content_stream`` in a
hand-written loop (automatic function calling off: the loop runs the tools and sends each result
back as a ``functionResponse``); the forced case sets ``toolConfig`` mode ``ANY`` with the one
allowed function on the first request only. (Automatic function calling is in the main suite,
tests/test_gemini.py.)"""

from __future__ import annotations

from typing import Any

from google import genai
from google.genai import types

from cases import SYSTEM, TOOLS
from check import MODEL
from stacks import STACKS

STACK = STACKS["google_genai"]


def gemini_client(exchange: Any) -> Any:
    return genai.Client(api_key=exchange.api_key, http_options=types.HttpOptions(
        base_url=exchange.url, retry_options=types.HttpRetryOptions(attempts=1)))


def _ask(client: Any, contents: list[Any], config: Any, stream: bool) -> Any:
    if not stream:
        return client.models.generate_content(model=MODEL, contents=contents, config=config).candidates[0].content
    parts: list[Any] = []
    for chunk in client.models.generate_content_stream(model=MODEL, contents=contents, config=config):
        if chunk.candidates and chunk.candidates[0].content and chunk.candidates[0].content.parts:
            parts += chunk.candidates[0].content.parts
    return types.Content(role="model", parts=parts)


def run_gemini(exchange: Any) -> list[str]:
    case = exchange.case
    client = gemini_client(exchange)
    functions = [TOOLS[name] for name in case.tools]
    manual = types.AutomaticFunctionCallingConfig(disable=True)
    contents: list[Any] = []
    answers = []
    first = True
    for text in case.turns:
        contents.append(types.Content(role="user", parts=[types.Part.from_text(text=text)]))
        while True:
            forced = types.ToolConfig(function_calling_config=types.FunctionCallingConfig(
                mode="ANY", allowed_function_names=[case.forced])) if case.forced and first else None
            config = types.GenerateContentConfig(system_instruction=SYSTEM, tools=functions, automatic_function_calling=manual,
                                                 tool_config=forced)
            first = False
            content = _ask(client, contents, config, exchange.stream)
            contents.append(content)
            calls = [p.function_call for p in content.parts or [] if p.function_call]
            if not calls:
                answers.append("".join(p.text or "" for p in content.parts or []))
                break
            contents.append(types.Content(role="user", parts=[
                types.Part.from_function_response(name=c.name, response={"result": TOOLS[c.name](**(c.args or {}))}) for c in calls]))
    client.close()
    return answers


RUN = {"gemini": run_gemini}


def test_google_genai(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))
