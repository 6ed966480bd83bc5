"""Strands Agents: an ``Agent`` with the case's functions as ``@tool`` tools and its default model
provider, ``BedrockModel`` (``endpoint_url`` on the mock, a boto3 session with dummy
credentials); streamed is Strands' default (ConverseStream), plain is ``streaming=False``
(Converse). One agent across the user's turns keeps the history. The forced case is left out:
the agent loop offers no way to force the first call only."""

from __future__ import annotations

from typing import Any

import boto3
from strands import Agent, tool
from strands.models import BedrockModel

from cases import SYSTEM, TOOLS
from check import MODEL
from stacks import STACKS

STACK = STACKS["strands"]


def run_bedrock(exchange: Any) -> list[str]:
    case = exchange.case
    session = boto3.Session(aws_access_key_id="mockserver", aws_secret_access_key="mockserver", region_name="us-east-1")
    model = BedrockModel(model_id=MODEL, boto_session=session, endpoint_url=exchange.url, streaming=exchange.stream)
    agent = Agent(model=model, system_prompt=SYSTEM, tools=[tool(TOOLS[name]) for name in case.tools], callback_handler=None)
    answers = []
    for text in case.turns:
        result = agent(text)
        answers.append("".join(block.get("text", "") for block in result.message["content"]))
    return answers


RUN = {"bedrock": run_bedrock}


def test_strands(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))
