"""A deterministic token estimate for ``usage`` (documented in docs/dialects.md).

tokens(text): each CJK character (and other non-Latin letters of wide scripts) counts 1;
each run of letters/digits counts ceil(len / 6); each other non-space character counts 1.
prompt_tokens = 3 + Σ over messages (4 + tokens(role) + tokens(text) + tokens(name) +
tokens(each tool call's name and arguments)) + tokens(JSON of tools) .
completion_tokens = tokens(content) + Σ (tokens(name) + tokens(arguments)) per choice.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Any

from mockserver.wire import jsoncodec
from mockserver.wire.bounded import ByteLRU

_WIDE = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3040-\u30ff"
_TOKEN_RE = re.compile(rf"[{_WIDE}]|[^\W_{_WIDE}]+|\S")
WIDE_RE = re.compile(rf"[{_WIDE}]")


def _word_cost(word: str) -> int:
    return (len(word) + 5) // 6


# Counts are cached in two tiers, both bounded in bytes: short texts (roles, names, most
# messages) in functools' C LRU — 4096 texts of at most SHORT_TEXT characters, under 8 MiB even
# at 4 bytes a character — and longer ones in a ByteLRU of at most LONG_TEXT_BYTES.
SHORT_TEXT = 512
LONG_TEXT_ITEMS = 1024
LONG_TEXT_BYTES = 8 * 1024 * 1024
_long_counts = ByteLRU(LONG_TEXT_ITEMS, LONG_TEXT_BYTES)


def count_tokens(text: str) -> int:
    if len(text) <= SHORT_TEXT:
        return _count_short(text)
    found = _long_counts.get(text)
    if found is None:
        found = _count(text)
        _long_counts.put(text, found, sys.getsizeof(text))
    return found


@lru_cache(maxsize=4096)
def _count_short(text: str) -> int:
    return _count(text)


def _count(text: str) -> int:
    # every piece _TOKEN_RE finds costs 1, except a letter/digit run: ceil(len / 6), which is
    # more than 1 only from 7 characters on (and only such a run is that long): count the
    # pieces, then add what the long runs add
    pieces = _TOKEN_RE.findall(text)
    total = len(pieces)
    for piece in pieces:
        if len(piece) > 6:
            total += (len(piece) - 1) // 6
    return total


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def prompt_tokens(body: dict[str, Any], tools_tokens: int | None = None) -> int:
    """``tools_tokens``: the tools' count when the caller already has it (it is cached per tools)."""
    total = 3
    for message in body["messages"]:
        total += 4 + count_tokens(message.get("role", "")) + count_tokens(_content_text(message.get("content")))
        if isinstance(message.get("name"), str):
            total += count_tokens(message["name"])
        calls = message.get("tool_calls")  # validated on assistant messages only: anything elsewhere
        for call in calls if isinstance(calls, list) else []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                total += sum(count_tokens(v) for v in (function.get("name"), function.get("arguments")) if isinstance(v, str))
    if tools_tokens is not None:
        total += tools_tokens
    elif body.get("tools"):
        total += count_tokens(jsoncodec.dumps_sorted(body["tools"]).decode())
    return total


def completion_tokens(content: str | None, calls: list[tuple[str, str]]) -> int:
    total = count_tokens(content or "")
    for name, arguments in calls:
        total += count_tokens(name) + count_tokens(arguments)
    return total


def truncate_to_tokens(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose estimate fits in ``limit`` tokens."""
    used = 0
    end = 0
    for match in _TOKEN_RE.finditer(text):
        piece = match.group(0)
        cost = _word_cost(piece) if len(piece) > 1 and not WIDE_RE.match(piece) else 1
        if used + cost > limit:
            break
        used += cost
        end = match.end()
    return text[:end]
