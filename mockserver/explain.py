"""Journal entries as text for people: what was asked, what answered, and why nothing did."""

from __future__ import annotations

import json
from typing import Any, Iterable

from mockserver.server.entry import ANSWERED, UNMATCHED, Entry

TEXT_LIMIT = 160
SHOWN_ENTRIES = 12


def short(text: str, limit: int = TEXT_LIMIT) -> str:
    text = text.replace("\n", "⏎ ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _content(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        parts = [p.get("text", f"[{p.get('type')}]") for p in content if isinstance(p, dict)]
        content = " ".join(parts)
    return "" if content is None else str(content)


def describe_message(message: Any) -> str:
    if not isinstance(message, dict):
        return f"(not a message: {short(compact(message))})"
    role = message.get("role", "?")
    if role == "tool":
        return f"tool [{message.get('tool_call_id')}]: {short(_content(message))}"
    calls = message.get("tool_calls") or []
    if calls:
        shown = ", ".join(_describe_call(c) for c in calls if isinstance(c, dict))
        text = _content(message)
        return f"{role}: {short(text) + ' ' if text else ''}→ {shown}"
    return f"{role}: {short(_content(message))}"


def _describe_call(call: dict[str, Any]) -> str:
    function = call.get("function") or {}
    return f"{function.get('name')}({short(str(function.get('arguments', '')), 100)}) [{call.get('id')}]"


def headline(entry: Entry) -> str:
    model = f" model '{entry.model}'" if entry.model else ""
    head = f"#{entry.id} {entry.method} {entry.path}{model} → {entry.status} {entry.outcome}"
    if entry.outcome == ANSWERED and entry.rule:
        head += f" by scenario '{entry.scenario}' rule '{entry.rule}' ({entry.rule_location})"
    return head


def describe_response(entry: Entry) -> str:
    if entry.outcome == ANSWERED:
        message = entry.message
        return describe_message(message) if message else short(compact(entry.response))
    error = entry.error or {}
    first = (str(error.get("message", compact(entry.response))).splitlines() or [""])[0]
    param = f" (param: {error['param']})" if error.get("param") else ""
    return short(first, 300) + param


def near_miss_lines(entry: Entry) -> list[str]:
    """The error message's lines after the first (for an unmatched request: the closest rules)."""
    if entry.outcome != UNMATCHED:
        return []
    message = str((entry.error or {}).get("message", ""))
    return message.splitlines()[1:]


def describe_entry(entry: Entry, indent: str = "  ", full: bool = False) -> str:
    """One request: its headline, its messages (all, or the last one), the answer, near misses."""
    lines = [headline(entry)]
    messages = entry.messages
    if not messages and entry.request is not None:
        lines.append(f"{indent}request: {short(compact(entry.request))}")
    shown = messages if full else messages[-1:]
    if not full and len(messages) > 1:
        lines.append(f"{indent}… {len(messages) - 1} earlier message(s)")
    lines += [f"{indent}{describe_message(m)}" for m in shown]
    lines.append(f"{indent}← {describe_response(entry)}")
    lines += [f"{indent}{line}" for line in near_miss_lines(entry)]
    lines += [f"{indent}⚠ {warning_text(w)}" for w in entry.warnings]
    return "\n".join(lines)


def warning_text(warning: dict[str, Any]) -> str:
    where = f" at {warning['path']}" if warning.get("path") else ""
    return f"{warning['code']}{where}: {short(str(warning['message']), 300)}"


def describe_journal(calls: Iterable[Entry], limit: int = SHOWN_ENTRIES) -> str:
    entries = list(calls)
    if not entries:
        return "The mock received no chat requests."
    lines = [f"The mock received {len(entries)} chat request(s):"]
    if len(entries) > limit:
        lines.append(f"  … {len(entries) - limit} earlier request(s) not shown")
    for k, entry in enumerate(entries[-limit:]):
        last = k == len(entries[-limit:]) - 1
        text = describe_entry(entry, indent="    ", full=last)
        lines.append("  " + text.replace("\n", "\n  "))
    return "\n".join(lines)
