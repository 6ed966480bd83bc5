"""LangGraph: the prebuilt ``create_react_agent`` over ``ChatOpenAI`` (``ChatGoogleGenerativeAI`` for gemini), one thread (an in-memory
checkpointer) across the user's turns; streamed with ``stream_mode="messages"``."""

from __future__ import annotations

import warnings
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from cases import SYSTEM
from stacks import STACKS
from test_langchain import chat_model, tools_of

from langgraph.prebuilt import create_react_agent

STACK = STACKS["langgraph"]


def run_chat(exchange: Any) -> list[str]:
    case = exchange.case
    tools = tools_of(case)
    model: Any = chat_model(exchange)
    if exchange.dialect == "ollama":  # ChatOllama always streams, unless its calls carry stream=False
        model = model.bind_tools(tools, **({} if exchange.stream else {"stream": False}))
    elif case.strict and exchange.dialect != "gemini":  # Gemini has no strict tools
        model = model.bind_tools(tools, strict=True)
    with warnings.catch_warnings():  # deprecated since LangGraph 1.0 (for langchain.agents.create_agent), still shipped
        warnings.simplefilter("ignore", DeprecationWarning)
        agent = create_react_agent(model, tools, prompt=SYSTEM, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "compat"}}
    answers = []
    for text in case.turns:
        request = {"messages": [HumanMessage(text)]}
        if exchange.stream:
            for _ in agent.stream(request, config, stream_mode="messages"):
                pass
            state = agent.get_state(config).values
        else:
            state = agent.invoke(request, config)
        answers.append(state["messages"][-1].text)
    return answers


RUN = {"chat": run_chat, "responses": run_chat, "gemini": run_chat, "bedrock": run_chat, "ollama": run_chat}  # the dialect is the chat model's


def test_langgraph(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))
