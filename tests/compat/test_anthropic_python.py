"""anthropic-python over the Messages dialect (``/v1/messages``), which the server does not serve
yet: these tests are skipped as "dialect not served yet" until it does. Then the runner goes in
``RUN["messages"]`` (the SDK's own tool-use loop: ``messages.create`` / ``messages.stream``,
``tool_use`` blocks answered with ``tool_result`` blocks) and transcript.py gets its reader."""

from __future__ import annotations

from stacks import STACKS

STACK = STACKS["anthropic_python"]
RUN: dict = {}  # "messages": the runner, once /v1/messages is served


def test_anthropic_python(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))
