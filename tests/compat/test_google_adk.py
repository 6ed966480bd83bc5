"""Google's Agent Development Kit: an ``LlmAgent`` over ``Gemini(base_url=…)`` with the case's
tools as function tools, driven by an ``InMemoryRunner`` (one session across the user's turns);
streamed with ``RunConfig(streaming_mode=SSE)``. ADK adds its own identity lines to the system
instruction; a ``before_model_callback`` sends the case's system prompt alone, as the other
stacks do (the check compares the conversation exactly)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from google.adk.agents import LlmAgent
from google.adk.agents.run_config import RunConfig, StreamingMode
from google.adk.models import Gemini
from google.adk.runners import InMemoryRunner
from google.genai import types

from cases import SYSTEM, TOOLS
from check import MODEL
from stacks import STACKS

STACK = STACKS["google_adk"]


def _system_only(callback_context: Any, llm_request: Any) -> None:
    llm_request.config.system_instruction = SYSTEM


async def _run(exchange: Any) -> list[str]:
    case = exchange.case
    os.environ["GOOGLE_API_KEY"] = exchange.api_key  # ADK's Gemini reads its key from the environment
    os.environ.pop("GOOGLE_GENAI_USE_VERTEXAI", None)
    agent = LlmAgent(name="compat", model=Gemini(model=MODEL, base_url=exchange.url), instruction=SYSTEM,
                     tools=[TOOLS[name] for name in case.tools], before_model_callback=_system_only)
    runner = InMemoryRunner(agent=agent, app_name="compat")
    session = await runner.session_service.create_session(app_name="compat", user_id="user")
    config = RunConfig(streaming_mode=StreamingMode.SSE if exchange.stream else StreamingMode.NONE)
    answers = []
    for text in case.turns:
        final = ""
        message = types.Content(role="user", parts=[types.Part.from_text(text=text)])
        async for event in runner.run_async(user_id="user", session_id=session.id, new_message=message, run_config=config):
            if event.is_final_response() and event.content and event.content.parts:
                final = "".join(p.text or "" for p in event.content.parts if not p.thought)
        answers.append(final)
    await runner.close()
    return answers


def run_gemini(exchange: Any) -> list[str]:
    saved = {k: os.environ.get(k) for k in ("GOOGLE_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI")}
    try:
        return asyncio.run(_run(exchange))
    finally:  # the environment as it was: the key is this test's
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


RUN = {"gemini": run_gemini}


def test_google_adk(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))
