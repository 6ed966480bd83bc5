"""How strictly a conversation's tool-call protocol is checked; each provider profile picks one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    """How strictly the history is checked. Provider profiles pick their own."""

    pair_ids: bool = True  # tool_call_id must name a call of the preceding assistant message
    require_responses: bool = True  # every call answered before the next non-tool message
    unique_ids: bool = True
    declared_functions: bool = True
    check_arguments: bool = True
    # an assistant message may carry ``tool_calls: []``: vLLM answers with it itself (its
    # ChatMessage defaults tool_calls to a list) and accepts it back (chat_utils'
    # CustomChatCompletionMessageParam: ``tool_calls: list[...] | None``, no minimum length),
    # so SDKs that resend vLLM's own message objects send it; OpenAI rejects it (empty_array).
    empty_tool_calls: bool = False


STRICT = Policy()
