"""Ollama's response objects (``api.ChatResponse`` / ``api.GenerateResponse``, field order as
Go marshals them): ``model``, ``created_at`` (RFC 3339 with nanoseconds, UTC), the ``message``
(or ``response``), ``done``, ``done_reason``, then the counters of ``api.Metrics`` —
``total_duration``, ``load_duration``, ``prompt_eval_count``, ``prompt_eval_duration``,
``eval_count``, ``eval_duration``, in nanoseconds (``omitempty``: never 0 here, clients divide
by ``eval_duration``).

Everything is derived from the request and ``--seed``: the timestamp, the tool call ids
(``call_`` + 8 of ``[a-z0-9]``, as ``server/routes.go`` ``toolCallId`` makes them) and the
durations. With timing emulation on, the durations are the emulated ones (``ttft`` is the
prompt evaluation, ``eval_count / tps`` the generation); off, they are small nominal figures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from mockserver.wire import jsoncodec
from mockserver.wire.ids import IdSource
from mockserver.wire.sse import Timing
from mockserver.wire.usage import completion_tokens, count_tokens, truncate_to_tokens

NS = 1_000_000_000
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# nominal speeds when timing emulation is off (the mock answers at once; clients still divide)
_PROMPT_NS_PER_TOKEN = 100_000
_EVAL_NS_PER_TOKEN = 1_000_000


@dataclass
class Output:
    text: str
    calls: list[dict[str, Any]]  # Ollama's tool_calls objects
    done_reason: str
    tokens: int


def decide(content: str | None, calls: list[tuple[str, str, str]], finish_reason: str | None, limit: int | None) -> Output:
    """``calls``: (id, name, arguments as JSON text). ``limit`` (``options.num_predict``; -1 and
    -2 mean no limit) cuts the text and drops the calls: ``done_reason: "length"``."""
    text = content or ""
    items = [{"id": i, "function": {"index": k, "name": n, "arguments": _arguments(a)}} for k, (i, n, a) in enumerate(calls)]
    reason = "length" if finish_reason == "length" else "stop"
    if limit is not None and limit >= 0 and (count_tokens(text) > limit or (limit == 0 and items)):
        text, items, calls, reason = truncate_to_tokens(text, limit), [], [], "length"
    tokens = completion_tokens(text, [(n, a) for _, n, a in calls])
    return Output(text, items, reason, max(tokens, 1))


def _arguments(arguments: str) -> Any:
    """Ollama sends an object; a deliberately broken call (``invalid_json`` fault) keeps its text."""
    try:
        value = jsoncodec.loads(arguments)
    except (jsoncodec.DecodeError, ValueError):
        return arguments
    return value if isinstance(value, dict) else arguments


def tool_call_id(ids: IdSource, k: int) -> str:
    return "call_" + ids.alnum(f"ollama-call:{k}", 8).translate(_LOWER)


def created_at(ids: IdSource, offset_ns: int = 0) -> str:
    """``time.Now().UTC()`` as Go's RFC 3339 with nanoseconds (trailing zeros dropped)."""
    total = ids.created() * NS + int.from_bytes(ids.digest[4:8], "big") % NS + offset_ns
    seconds, nanos = divmod(total, NS)
    t = time.gmtime(seconds)
    stamp = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{stamp}.{fraction}Z" if fraction else f"{stamp}Z"


def metrics(ids: IdSource, timing: Timing, prompt: int, output: Output) -> dict[str, int]:
    load = 1_000_000 + int.from_bytes(ids.digest[8:11], "big") % 9_000_000  # 1-10 ms, seeded
    if timing.active:
        prompt_ns = max(1, round(timing.ttft * NS))
        eval_ns = max(1, round(output.tokens / timing.tps * NS)) if timing.tps > 0 else output.tokens * _EVAL_NS_PER_TOKEN
    else:
        prompt_ns, eval_ns = max(1, prompt) * _PROMPT_NS_PER_TOKEN, output.tokens * _EVAL_NS_PER_TOKEN
    return {
        "total_duration": load + prompt_ns + eval_ns,
        "load_duration": load,
        "prompt_eval_count": max(prompt, 1),
        "prompt_eval_duration": prompt_ns,
        "eval_count": output.tokens,
        "eval_duration": eval_ns,
    }


def message(text: str, calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        out["tool_calls"] = calls
    return out


def chat_object(model: str, stamp: str, msg: dict[str, Any], done: bool, reason: str | None = None,
                counters: dict[str, int] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"model": model, "created_at": stamp, "message": msg, "done": done}
    if reason is not None:
        out["done_reason"] = reason
    if counters:
        out.update(counters)
    return out


def generate_object(model: str, stamp: str, text: str, done: bool, reason: str | None = None,
                    counters: dict[str, int] | None = None, calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"model": model, "created_at": stamp, "response": text, "done": done}
    if reason is not None:
        out["done_reason"] = reason
    if counters:
        out.update(counters)
    if calls:
        out["tool_calls"] = calls
    return out
