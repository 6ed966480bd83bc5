"""A read-only view of a validated request that matchers and templates look at."""

from __future__ import annotations

from dataclasses import dataclass
from mockserver.wire.lazy import lazy
from typing import Any, Mapping

from mockserver.validation.tools import ToolChoice, ToolSet
from mockserver.wire import jsoncodec


def text_of(message: Mapping[str, Any]) -> str:
    """A message's text: the string content, or its text parts joined with newlines."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def parse_json(text: str) -> Any:
    """The JSON value of ``text``, or None when it is not JSON."""
    stripped = text.strip()
    if not stripped or stripped[0] not in '{["-0123456789tfn':
        return None
    try:
        return jsoncodec.loads(stripped)
    except (jsoncodec.DecodeError, ValueError):
        return None


# Which tool results a ``tool_result`` matcher looks at (``within:``).
STEP = "step"  # the results the client has just sent: the tool messages after the last assistant message
EXCHANGE = "exchange"  # every result since the last user message
CONVERSATION = "conversation"  # every result of the conversation
WINDOWS = (STEP, EXCHANGE, CONVERSATION)


@dataclass(frozen=True)
class ToolResult:
    """A tool message together with the call it answers."""

    index: int  # position in messages
    id: str
    name: str | None  # the called function, when the call was found
    content: str
    arguments: Any  # the call's parsed arguments (None when unknown)

    @lazy
    def json(self) -> Any:
        return parse_json(self.content)

    @property
    def value(self) -> Any:
        """The result as JSON when it is JSON, else the text."""
        parsed = self.json
        return self.content if parsed is None else parsed

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id": self.id,
            "content": self.content,
            "json": self.json,
            "value": self.value,
            "arguments": self.arguments,
        }


class Conversation:
    """The engine's view of one request, whatever its dialect.

    ``messages`` is the whole conversation in the neutral, chat-shaped form (see
    ``mockserver.dialects.base``); ``body`` is the request as sent (templates see it as
    ``request``). Without ``messages``/``model``, both are read from a Chat Completions body.
    """

    def __init__(
        self,
        body: dict[str, Any],
        tools: ToolSet,
        tool_choice: ToolChoice,
        headers: Mapping[str, str] | None = None,
        seed: str = "",
        *,
        messages: list[dict[str, Any]] | None = None,
        model: str | None = None,
        parallel_tool_calls: bool | None = None,
    ) -> None:
        self.body = body
        self.seed = seed  # per request and server seed: what generated values derive from
        self.messages: list[dict[str, Any]] = body["messages"] if messages is None else messages
        self.model: str = body["model"] if model is None else model
        self.tools = tools
        self.tool_choice = tool_choice
        self.headers = headers or {}
        if parallel_tool_calls is None:
            parallel_tool_calls = body.get("parallel_tool_calls") is not False
        self.parallel_tool_calls = parallel_tool_calls
        self._windows: dict[str, list[ToolResult]] = {}

    @property
    def last(self) -> dict[str, Any]:
        return self.messages[-1]

    @lazy
    def turn(self) -> int:
        """Assistant messages so far: 0 on the first request of a conversation."""
        return sum(1 for m in self.messages if m.get("role") == "assistant")

    @lazy
    def user_texts(self) -> list[str]:
        return [text_of(m) for m in self.messages if m.get("role") == "user"]

    @lazy
    def exchange_start(self) -> int:
        """Index just after the last user message: where the current exchange begins."""
        return self._after_last(("user",))

    @lazy
    def step_start(self) -> int:
        """Index just after the last assistant (or user) message: where the messages the client
        has just sent begin. The tool results from here on answer the latest assistant turn."""
        return self._after_last(("assistant", "user"))

    def _after_last(self, roles: tuple[str, ...]) -> int:
        for i in range(len(self.messages) - 1, -1, -1):
            if self.messages[i].get("role") in roles:
                return i + 1
        return 0

    def results_within(self, window: str) -> list[ToolResult]:
        """Tool results in a window: ``step`` (the results just sent: after the last assistant
        message), ``exchange`` (since the last user message) or ``conversation`` (all)."""
        if window == CONVERSATION:
            return self.all_tool_results
        found = self._windows.get(window)
        if found is None:
            start = self.step_start if window == STEP else self.exchange_start
            found = self._windows[window] = [r for r in self.all_tool_results if r.index >= start]
        return found

    @lazy
    def tool_results(self) -> list[ToolResult]:
        """Tool results of the current exchange (since the last user message): what templates see."""
        return self.results_within(EXCHANGE)

    @lazy
    def all_tool_results(self) -> list[ToolResult]:
        """Every tool result of the conversation, each paired with its call.

        Pairing is by ``tool_call_id``; results whose id matches no call of the preceding
        assistant message are paired by order with the calls left over (lenient profiles).
        """
        results: list[ToolResult] = []
        calls: list[dict[str, Any]] = []
        unused: list[dict[str, Any]] = []
        for i, message in enumerate(self.messages):
            role = message.get("role")
            if role == "assistant":
                calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
                unused = list(calls)
                continue
            if role != "tool":
                calls, unused = [], []
                continue
            call_id = message.get("tool_call_id") or ""
            call = next((c for c in unused if c.get("id") == call_id), None)
            if call is None and unused:
                call = unused[0]
            if call is not None:
                unused.remove(call)
            function = (call or {}).get("function") or {}
            results.append(
                ToolResult(
                    index=i,
                    id=call_id,
                    name=function.get("name"),
                    content=text_of(message),
                    arguments=parse_json(function.get("arguments") or ""),
                )
            )
        return results

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())
