"""LangChain: ``ChatOpenAI.bind_tools`` in a hand-written loop over LangChain's own messages;
streamed with ``.stream()`` (chunks added up), plain with ``.invoke()``. The forced case binds
``tool_choice`` for the first request only. The responses dialect is ``use_responses_api=True``,
messages is ``ChatAnthropic``, gemini is ``ChatGoogleGenerativeAI`` (Gemini has no strict tools)."""

from __future__ import annotations

from typing import Any

from langchain_anthropic import ChatAnthropic
from langchain_aws import ChatBedrockConverse
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool
from langchain_google_genai import ChatGoogleGenerativeAI
from langchain_openai import ChatOpenAI

from cases import SYSTEM, TOOLS
from check import MODEL
from stacks import STACKS

STACK = STACKS["langchain"]


def chat_model(exchange: Any, **extra: Any) -> Any:
    """ChatOpenAI on Chat Completions, or on the Responses API (``use_responses_api``); ChatAnthropic
    on Messages; ChatGoogleGenerativeAI on Gemini's generateContent."""
    if exchange.dialect == "gemini":
        return ChatGoogleGenerativeAI(model=MODEL, base_url=exchange.url, google_api_key=exchange.api_key, max_retries=0,
                                      streaming=exchange.stream, **extra)
    if exchange.dialect == "bedrock":
        return ChatBedrockConverse(model=MODEL, provider="openai", endpoint_url=exchange.url, region_name="us-east-1",
                                   aws_access_key_id="mockserver", aws_secret_access_key="mockserver",
                                   disable_streaming=not exchange.stream,
                                   # it decides tool_choice support from the model id; gpt-4o-mini is none it knows
                                   supports_tool_choice_values=("auto", "any", "tool"), **extra)
    if exchange.dialect == "ollama":  # ChatOllama streams unless the call says stream=False
        from langchain_ollama import ChatOllama

        return ChatOllama(model=MODEL, base_url=exchange.url, **extra)
    if exchange.dialect == "messages":
        return ChatAnthropic(model=MODEL, base_url=exchange.url, api_key=exchange.api_key, max_retries=0,
                             streaming=exchange.stream, **extra)
    return ChatOpenAI(model=MODEL, base_url=exchange.base_url, api_key=exchange.api_key, max_retries=0,
                      streaming=exchange.stream, use_responses_api=exchange.dialect == "responses", **extra)


def tools_of(case: Any) -> list[Any]:
    return [tool(TOOLS[name]) for name in case.tools]


def _ask(model: Any, messages: list[Any], stream: bool) -> Any:
    if not stream:
        return model.invoke(messages)
    message = None
    for chunk in model.stream(messages):
        message = chunk if message is None else message + chunk
    return message


def run_chat(exchange: Any, make: Any = chat_model) -> list[str]:
    """The tool loop; ``make(exchange)``: the chat model (test_langchain_azure.py passes its own)."""
    case = exchange.case
    tools = tools_of(case)
    by_name = {t.name: t for t in tools}
    strict = {"strict": True} if case.strict and exchange.dialect != "gemini" else {}
    llm = make(exchange)
    bound = llm.bind_tools(tools, **strict)
    forced = llm.bind_tools(tools, tool_choice=case.forced, **strict) if case.forced else bound
    messages: list[Any] = [SystemMessage(SYSTEM)]
    answers = []
    for text in case.turns:
        messages.append(HumanMessage(text))
        model = forced
        while True:
            ai = _ask(model, messages, exchange.stream)
            model = bound
            messages.append(ai)
            if not ai.tool_calls:
                answers.append(ai.text)  # the text of str content or of content blocks (Responses)
                break
            messages += [by_name[call["name"]].invoke(call) for call in ai.tool_calls]
    return answers


RUN = {"chat": run_chat, "responses": run_chat, "messages": run_chat, "gemini": run_chat, "bedrock": run_chat}  # the dialect is the chat model's


def test_langchain(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))
