"""Unknown top-level request fields of the Responses API.

The fields the API knows are the properties of ``CreateResponse`` in the official schema (a test
checks this list against it). OpenAI refuses an unknown field *inside an input item* with
"Unknown parameter: 'input[3].status'." (code ``unknown_parameter``; 1jehuang/jcode#1028,
Stack-Cairn/LiveAgent#334), but no report of its answer to an unknown *top-level* field was
found: so the mock accepts one with a warning in OpenAI's wording (rule
``request.unknown_field``): it is usually a parameter meant for another API.
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.validation.problems import tag
from mockserver.wire.errors import APIError

KNOWN = frozenset({
    "background", "context_management", "conversation", "include", "input", "instructions", "max_output_tokens",
    "max_tool_calls", "metadata", "model", "moderation", "parallel_tool_calls", "previous_response_id", "prompt",
    "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention", "reasoning", "safety_identifier",
    "service_tier", "store", "stream", "stream_options", "temperature", "text", "tool_choice", "tools",
    "top_logprobs", "top_p", "truncation", "user",
})


def check_fields(body: dict[str, Any]) -> Iterator[APIError]:
    for name in body:
        if name not in KNOWN:
            yield tag(APIError(f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter"), "request.unknown_field")
