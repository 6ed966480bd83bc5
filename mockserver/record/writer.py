"""A recorded conversation as one scenario file: readable YAML in the documented format, one rule
per step, written atomically (``serve --reload`` never sees half a file).

Each rule matches its step the way a replay of the same client flow will look:

- ``turn``: how many assistant messages came before;
- ``last_message``: the last message's role and exact text (a tool result is matched by its
  content, never by its ``tool_call_id``, so the ids a replay generates do not matter);
- ``tools``: the functions the request declared;
- the scenario's ``when`` keeps conversations apart: their first user message, exactly.

and replies with the recorded text, tool calls (names and arguments; ids are the replay's own)
and finish reason (written only where it differs from what the mock would send anyway). Text
becomes a template, so recorded ``{{``/``{%`` are escaped to come out as they went in.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from mockserver.record.conversations import Conversation, Step
from mockserver.record.exchange import Call
from mockserver.wire.profiles import forced_reply, get_profile

_TEMPLATE_MARKS = ("{{", "{%", "{#")
_ENDRAW = re.compile(r"\{%-?\s*endraw")


def template_literal(text: str) -> str:
    """A template that renders exactly ``text``."""
    if not any(mark in text for mark in _TEMPLATE_MARKS):
        return text
    if not _ENDRAW.search(text):
        return "{% raw %}" + text + "{% endraw %}"
    # a Jinja string literal: backslashes and quotes escaped, everything else as it is
    return '{{ "' + text.replace("\\", "\\\\").replace('"', '\\"') + '" }}'


def scenario_name(conv: Conversation) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (conv.first_user or "").lower()).strip("-")[:48].rstrip("-")
    return f"{slug or 'conversation'}-{conv.id[:8]}"


def file_name(conv: Conversation) -> str:
    return scenario_name(conv) + ".yaml"


def document(conv: Conversation) -> dict[str, Any]:
    doc: dict[str, Any] = {"version": 1, "name": scenario_name(conv)}
    dialects = sorted({s.dialect for s in conv.steps})
    doc["description"] = f"Recorded conversation ({', '.join(dialects)}): {len(conv.steps)} step(s)."
    if conv.models:
        doc["models"] = _Flow(conv.models)
    if conv.profile:
        doc["profile"] = conv.profile
    if conv.first_user is not None:
        doc["when"] = {"user_message": {"equals": conv.first_user}}
    steps = sorted(conv.steps, key=lambda s: s.turn)  # stable: branches keep their recorded order
    doc["rules"] = [_rule(step, k + 1, conv.profile) for k, step in enumerate(steps)]
    return doc


def _rule(step: Step, number: int, profile: str | None) -> dict[str, Any]:
    when: dict[str, Any] = {"turn": step.turn}
    if step.tools:
        when["tools"] = _Flow(list(dict.fromkeys(step.tools)))
    when["last_message"] = {"role": step.last.role, "equals": step.last.text}
    rule: dict[str, Any] = {"name": _rule_name(step, number), "when": when}
    reply: dict[str, Any] = {}
    notes: list[str] = []
    answer = step.answer
    if answer is None:
        reply["content"] = ""
    else:
        if answer.calls:
            reply["content"] = None if answer.content is None else template_literal(answer.content)
            calls = []
            for k, call in enumerate(answer.calls):
                spec, broken = _call(call)
                calls.append(spec)
                if broken:
                    reply["fault"] = {"tool_call": {"kind": "invalid_json", "call": k}}
                    notes.append(f"tool call {k} had arguments that are not a JSON object: {call.arguments[:200]!r}")
            reply["tool_calls"] = calls
        else:
            reply["content"] = template_literal(answer.content or "")
        default = _default_finish(profile, step)
        if answer.finish_reason and answer.finish_reason != default:
            reply["finish_reason"] = answer.finish_reason
    if step.failures:
        first = step.failures[0]
        http: dict[str, Any] = {"status": first.status}
        if first.retry_after is not None:
            http["retry_after"] = first.retry_after
        if first.message:
            http["message"] = first.message
        fault: dict[str, Any] = {"http": http}
        if answer is not None:
            fault["times"] = len(step.failures)  # the errors came first, then this answer
        reply["fault"] = fault
        statuses = sorted({f.status for f in step.failures})
        notes.append(f"upstream answered {', '.join(map(str, statuses))} {len(step.failures)} time(s)"
                     + (" before this answer" if answer is not None else ""))
    if notes:
        rule["description"] = "; ".join(notes)
    rule["reply"] = reply
    return rule


def _rule_name(step: Step, number: int) -> str:
    if step.answer is None:
        what = "error"
    elif step.answer.calls:
        what = "call-" + "-".join(dict.fromkeys(c.name for c in step.answer.calls))
    else:
        what = "answer"
    return f"step-{number}-{what}"[:96]


def _call(call: Call) -> tuple[dict[str, Any], bool]:
    """The call as a reply's tool call, and whether its arguments had to be replaced."""
    try:
        arguments = json.loads(call.arguments) if call.arguments.strip() else {}
    except ValueError:
        arguments = None
    if not isinstance(arguments, dict):
        return {"name": template_literal(call.name), "arguments": {}}, True
    return {"name": template_literal(call.name), "arguments": _literal_leaves(arguments)}, False


def _literal_leaves(value: Any) -> Any:
    if isinstance(value, str):
        return template_literal(value)
    if isinstance(value, dict):
        return {k: _literal_leaves(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal_leaves(v) for v in value]
    return value


def _default_finish(profile: str | None, step: Step) -> str:
    """The finish reason the mock sends for this step when the rule names none."""
    calls = bool(step.answer and step.answer.calls)
    if calls and step.forced:
        _, reason = forced_reply(get_profile(profile or "openai"), None, step.streamed)
        if reason:
            return reason
    return "tool_calls" if calls else "stop"


# --- YAML -------------------------------------------------------------------------------------


class _Flow(list):
    """A list written in flow style: ``[a, b]``."""


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None  # PyYAML falls back to quotes where a block cannot hold it
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(value), flow_style=True)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Flow, _flow)


def scenario_text(conv: Conversation, source: str) -> str:
    header = f"# Recorded by mockserver from {source}. Edit freely: each rule answers one step of the\n"
    header += "# conversation (see docs/scenarios.md); `mockserver validate` checks the file.\n"
    body = yaml.dump(document(conv), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
