"""All validation layers in order, judged per provider profile by the chat rule book.

Each layer's problems are sorted by ``dialects/chat/rules.py`` into errors (the first one is
raised, carrying the warnings found so far) and warnings (kept on the result); a layer runs only
when the ones before found no error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.dialects.chat.fields import check_fields
from mockserver.dialects.chat.protocol import check_protocol
from mockserver.dialects.chat.rules import BOOK
from mockserver.dialects.chat.shape import check_call_ids, check_request
from mockserver.validation.rules import ACCEPT, Judge
from mockserver.validation.tools import ToolChoice, ToolSet, check_parallel_tool_calls, check_tool_choice, tool_set
from mockserver.wire.errors import APIError
from mockserver.wire.warnings import MockWarning

__all__ = ["ValidatedRequest", "validate_request"]


_ID_RULES = ("assistant.tool_call_id_format", "message.tool_call_id_format")


def _checks_call_ids(profile: str) -> bool:
    return any(BOOK.verdict(rule, profile).action != ACCEPT for rule in _ID_RULES)  # type: ignore[union-attr]


@dataclass
class ValidatedRequest:
    body: dict[str, Any]
    tools: ToolSet
    tool_choice: ToolChoice
    warnings: tuple[MockWarning, ...] = ()

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body["messages"]

    @property
    def parallel_tool_calls(self) -> bool:
        return self.body.get("parallel_tool_calls") is not False


def validate_request(
    body: dict[str, Any], profile: str = "openai", *, strict: bool = False, history: bool = True
) -> ValidatedRequest:
    """The validated request (with its warnings), or raise the first error under ``profile``.

    ``strict``: warnings are errors too. ``history=False`` skips the tool-call protocol and the
    arguments (for a first pass whose profile is not known yet)."""
    judge = Judge(BOOK, profile, strict)
    judge.layer(check_request(body))
    judge.layer(check_fields(body))
    if _checks_call_ids(profile):  # Mistral's id rule: skipped where every id is accepted
        judge.layer(check_call_ids(body["messages"]))
    tools = tool_set(body.get("tools"))
    judge.layer(tools.problems)
    choice = ToolChoice("none")
    problems: list[APIError] = []
    for item in check_tool_choice(body, tools):
        if isinstance(item, ToolChoice):
            choice = item
        else:
            problems.append(item)
    judge.layer(problems)
    judge.layer(check_parallel_tool_calls(body, tools))
    if history:
        judge.layer(check_protocol(body["messages"], tools))
    return ValidatedRequest(body, tools, choice, tuple(judge.warnings))
