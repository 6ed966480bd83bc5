"""All validation layers in order; the first problem found is the one reported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from mockserver.dialects.chat.protocol import check_protocol
from mockserver.validation.policy import STRICT, Policy
from mockserver.dialects.chat.shape import check_request
from mockserver.validation.tools import ToolChoice, ToolSet, check_parallel_tool_calls, check_tool_choice, tool_set
from mockserver.wire.errors import APIError

__all__ = ["Policy", "ValidatedRequest", "iter_problems", "validate_request"]


@dataclass
class ValidatedRequest:
    body: dict[str, Any]
    tools: ToolSet
    tool_choice: ToolChoice

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body["messages"]

    @property
    def parallel_tool_calls(self) -> bool:
        return self.body.get("parallel_tool_calls") is not False


def iter_problems(body: dict[str, Any], policy: Policy = STRICT) -> Iterator[APIError | ValidatedRequest]:
    """Every problem, layer by layer; a layer runs only when the one before found nothing.

    Yields the :class:`ValidatedRequest` last when there is no problem at all.
    """
    shape = list(check_request(body, policy))
    if shape:
        yield from shape
        return
    tools = tool_set(body.get("tools"))
    if tools.problems:
        yield from tools.problems
        return
    choice: ToolChoice | None = None
    for item in check_tool_choice(body, tools):
        if isinstance(item, APIError):
            yield item
            return
        choice = item
    assert choice is not None  # check_tool_choice always ends with a choice or a problem
    for problem in check_parallel_tool_calls(body, tools):
        yield problem
        return
    problems = list(check_protocol(body["messages"], tools, policy))
    if problems:
        yield from problems
        return
    yield ValidatedRequest(body, tools, choice)


def validate_request(body: dict[str, Any], policy: Policy = STRICT) -> ValidatedRequest:
    """The validated request, or raise the best (first) problem."""
    for item in iter_problems(body, policy):
        if isinstance(item, APIError):
            raise item
        return item
    raise AssertionError("unreachable")  # pragma: no cover
