"""``systemInstruction`` + ``contents`` → the engine's neutral (chat-shaped) messages.

- consecutive contents of one role are one turn (google-genai's streaming automatic function
  calling sends each streamed chunk back as its own ``model`` content — python-genai
  ``models.py`` ``generate_content_stream`` — and the API accepts it);
- ``systemInstruction``'s text parts are a system message in front;
- a model turn's text parts (not ``thought`` parts) are its content, its ``functionCall`` parts
  its tool calls (``args`` as JSON text); a call without an ``id`` gets one from its place among
  the turn's calls (``name#k``, the id the journal shows for the answer's k-th call too), as
  Gemini pairs calls and responses by order and name, not by id;
- a user turn's ``functionResponse`` parts are tool messages answering the call of the previous
  model turn with the same ``id``, else the next unanswered one with the same name, else the
  next unanswered one; then its text parts are one user message;
- a response's content for the templates: ``response.result`` / ``response.output`` /
  ``response.content`` / ``response.return_value`` when it is the only field besides a ``name`` repeating the function's (a
  string as is, else as JSON: google-genai sends ``{"result": …}``, the AI SDK ``{"name", "content"}``),
  else the whole ``response`` as JSON (so ``tool_results[0].json`` is the object the tool returned);
- other parts (``inlineData``, ``fileData``, code execution) carry nothing the engine reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.wire import jsoncodec

WRAPPERS = ("result", "output", "content", "return_value")  # google-genai, ADK, the AI SDK, pydantic-ai


@dataclass
class Turn:
    role: str  # user | model
    index: int  # its first content's index
    parts: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)  # (content, part, part)

    def of(self, key: str) -> list[tuple[int, int, dict[str, Any]]]:
        return [(i, j, p[key]) for i, j, p in self.parts if isinstance(p.get(key), dict)]

    def calls(self) -> list[tuple[str, str]]:
        """(id, name) of each function call, in order."""
        return [(c.get("id") or call_id(c["name"], k), c["name"]) for k, (_, _, c) in enumerate(self.of("functionCall"))]


def turns(contents: list[Any]) -> list[Turn]:
    out: list[Turn] = []
    for i, content in enumerate(contents):
        role = (content.get("role") or "user") if isinstance(content, dict) else "user"
        if not out or out[-1].role != role:
            out.append(Turn(role, i))
        out[-1].parts.extend((i, j, p) for j, p in enumerate(content.get("parts") or []) if isinstance(p, dict))
    return out


def call_id(name: str, ordinal: int | str) -> str:
    """The id of a call sent without one: its name and its place among its turn's calls."""
    return f"{name}#{ordinal}"


def response_text(response: Any, name: Any = None) -> str:
    inner = response
    if isinstance(inner, dict) and name is not None and inner.get("name") == name:
        inner = {k: v for k, v in inner.items() if k != "name"}
    if isinstance(inner, dict) and len(inner) == 1:
        (key, value), = inner.items()
        if key in WRAPPERS:
            return value if isinstance(value, str) else jsoncodec.dumps(value).decode()
    return jsoncodec.dumps(response if response is not None else {}).decode()


def _texts(parts: list[dict[str, Any]]) -> list[str]:
    return [p["text"] for p in parts if isinstance(p.get("text"), str) and p["text"] and not p.get("thought")]


def pair_responses(calls: list[tuple[str, str]], responses: list[dict[str, Any]]) -> list[str | None]:
    """The call id each response answers (None: no call left): ``calls`` are (id, name)."""
    free = list(calls)
    out: list[str | None] = []
    for response in responses:
        chosen = next((c for c in free if response.get("id") and c[0] == response.get("id")), None)
        chosen = chosen or next((c for c in free if c[1] == response.get("name")), None)
        chosen = chosen or (free[0] if free else None)
        if chosen is not None:
            free.remove(chosen)
        out.append(chosen[0] if chosen else None)
    return out


def to_messages(system: Any, request_turns: list[Turn]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if isinstance(system, dict):
        texts = _texts([p for p in system.get("parts") or [] if isinstance(p, dict)])
        if texts:
            messages.append({"role": "system", "content": _joined(texts)})
    previous: list[tuple[str, str]] = []
    for turn in request_turns:
        parts = [p for _, _, p in turn.parts]
        if turn.role == "model":
            texts = _texts(parts)
            message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) if texts else None}
            previous = turn.calls()
            if previous:
                message["tool_calls"] = [
                    {"id": cid, "type": "function",
                     "function": {"name": call["name"], "arguments": jsoncodec.dumps(call.get("args") or {}).decode()}}
                    for (cid, _), (_, _, call) in zip(previous, turn.of("functionCall"))
                ]
            messages.append(message)
            continue
        responses = [r for _, _, r in turn.of("functionResponse")]
        for response, answered in zip(responses, pair_responses(previous, responses)):
            messages.append({"role": "tool", "tool_call_id": answered or call_id(response.get("name", ""), "unanswered"),
                             "content": response_text(response.get("response"), response.get("name"))})
        previous = []
        texts = _texts(parts)
        if texts or not responses:
            messages.append({"role": "user", "content": _joined(texts)})
    return messages


def _joined(texts: list[str]) -> str | list[dict[str, str]]:
    """One text as a string, several as text blocks (the neutral form), none as ""."""
    if len(texts) == 1:
        return texts[0]
    return [{"type": "text", "text": t} for t in texts] if texts else ""
