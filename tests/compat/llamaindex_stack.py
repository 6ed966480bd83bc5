"""LlamaIndex, shared by ``test_llamaindex.py`` (``OpenAI``) and ``test_llamaindex_like.py``
(``OpenAILike``): a ``FunctionAgent`` with one ``Context`` across the user's turns, streaming or
not (``FunctionAgent(streaming=...)``). ``FunctionAgent`` cannot force a tool, so the forced case
drives the LLM's own tool-calling API (``chat_with_tools(tool_choice=...)``,
``get_tool_calls_from_response``) in a loop, as LlamaIndex documents for custom agents."""

from __future__ import annotations

from typing import Any

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.llms import ChatMessage
from llama_index.core.tools import FunctionTool
from llama_index.core.workflow import Context

from cases import SYSTEM, TOOLS


def _tools(case: Any) -> list[FunctionTool]:
    return [FunctionTool.from_defaults(TOOLS[name]) for name in case.tools]


async def _agent(llm: Any, exchange: Any) -> list[str]:
    agent = FunctionAgent(tools=_tools(exchange.case), llm=llm, system_prompt=SYSTEM, streaming=exchange.stream)
    ctx = Context(agent)
    answers = []
    for text in exchange.case.turns:
        result = await agent.run(user_msg=text, ctx=ctx)
        answers.append(result.response.content)
    return answers


async def _forced(llm: Any, exchange: Any) -> list[str]:
    case = exchange.case
    tools = _tools(case)
    by_name = {t.metadata.name: t for t in tools}
    history = [ChatMessage(role="system", content=SYSTEM)]
    answers = []
    for text in case.turns:
        history.append(ChatMessage(role="user", content=text))
        choice: Any = case.forced
        while True:
            kwargs = {"chat_history": history, "tool_choice": choice} if choice else {"chat_history": history}
            if exchange.stream:
                response = None
                async for response in await llm.astream_chat_with_tools(tools, **kwargs):
                    pass
            else:
                response = await llm.achat_with_tools(tools, **kwargs)
            choice = None
            history.append(response.message)
            calls = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
            if not calls:
                answers.append(response.message.content)
                break
            for call in calls:
                output = by_name[call.tool_name].call(**call.tool_kwargs)
                history.append(ChatMessage(role="tool", content=str(output),
                                           additional_kwargs={"tool_call_id": call.tool_id}))
    return answers


async def run_chat(llm: Any, exchange: Any) -> list[str]:
    if exchange.case.forced:
        return await _forced(llm, exchange)
    return await _agent(llm, exchange)
