"""The ``ConverseResponse``: ``output.message`` (``text`` and ``toolUse`` content blocks, one
per call: parallel calls are several blocks), ``stopReason``, ``usage`` and ``metrics``, exactly
the members the service model names (``ConverseResponse``, ``ConverseOutput``, ``TokenUsage``,
``ConverseMetrics``). Tool-use ids are shaped like Bedrock's (``tooluse_`` + 22 letters/digits,
as in agno-agi/agno#6698) and derived from the request like every id of the mock; the
``x-amzn-RequestId`` header is a UUID derived the same way.

The stop reason and the cut text are decided as for Anthropic's Messages API (the same model
family answers most Converse traffic): the first stop sequence → ``stop_sequence``, the token
limit → ``max_tokens``, calls → ``tool_use``, else ``end_turn``; a refusal is
``content_filtered``. ``metrics.latencyMs`` is a deterministic estimate (a fixed overhead plus a
few milliseconds per output token), not the clock.
"""

from __future__ import annotations

from typing import Any

from mockserver.dialects.messages.render import Output
from mockserver.wire.ids import IdSource

ID_LENGTH = 22
STOP_REASONS = {"refusal": "content_filtered"}


def tool_use_id(ids: IdSource, k: int) -> str:
    return "tooluse_" + ids.alnum(f"tooluse:{k}", ID_LENGTH)


def request_id(ids: IdSource) -> str:
    h = ids.hex_id("request", 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def stop_reason(output: Output) -> str:
    return STOP_REASONS.get(output.stop_reason, output.stop_reason)


def blocks(output: Output) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"text": output.text}] if output.text else []
    return out + [{"toolUse": {"toolUseId": c["id"], "name": c["name"], "input": c["input"]}} for c in output.calls]


def usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    return {"inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": input_tokens + output_tokens}


def latency_ms(output_tokens: int) -> int:
    return 250 + 12 * output_tokens


def converse_response(output: Output, input_tokens: int) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": blocks(output)}},
        "stopReason": stop_reason(output),
        "usage": usage(input_tokens, output.tokens),
        "metrics": {"latencyMs": latency_ms(output.tokens)},
    }
