"""Anthropic's message threads (beta ``message-threads-2026-08-12``): server-held conversation
state, emulated the way ``previous_response_id`` is for the Responses API.

What the real API does, as anthropic-python 2.17 reads it (``lib/threads/_thread_state.py``,
``types/thread_*_error*.py``, ``types/beta/beta_thread_*_params.py``):
- ``"thread": {"type": "create"}``: an ordinary request whose answer (same shape as any message)
  the server keeps under the answer's ``id``;
- ``"thread": {"type": "continue", "previous_message_id": "msg_…"}``: only the new messages are
  sent; the server takes ``system`` and ``tools`` from the thread (the SDK leaves them out) and the
  earlier turns, and the answer again continues the thread;
- no usable state for ``previous_message_id``: 404 ``not_found_error`` with
  ``error.details.error_code`` ``thread_not_found`` (the SDK then replays the whole conversation
  with a new ``create``);
- a request field Threads do not support (``ThreadUnsupportedFeatureName``: cache_control,
  context_management, fallbacks, thinking, and organisation settings): 400
  ``invalid_request_error`` with ``details`` ``{"error_code": "thread_unsupported_request",
  "unsupported": [...]}`` (with ``unsupported_request_behavior="continue_unthreaded"`` the SDK
  then sends the whole conversation without ``thread``);
- a continue whose ``system``/``tools`` differ from the thread's: 400 with ``error_code``
  ``thread_fingerprint_mismatch``.
The error texts are the SDK's descriptions of these errors (no reported body was found).

Kept here: each answer's own turns (the new messages and the answer) with a link to the answer it
continues, so a thread's state costs its turns once; a continue walks the links back. Bounded by
count and by bytes (:class:`~mockserver.wire.bounded.ByteLRU`, the oldest dropped first): a
thread one of whose answers was dropped is not found, and the SDK replays it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.wire import jsoncodec
from mockserver.wire.bounded import ByteLRU
from mockserver.wire.errors import APIError

DEFAULT_COUNT = 1000
DEFAULT_BYTES = 64 * 1024 * 1024
UNSUPPORTED = ("cache_control", "context_management", "fallbacks", "thinking")
KINDS = ("create", "continue")


@dataclass(frozen=True)
class Stored:
    previous: str | None  # the answer this one continues (None: the thread's first)
    system: Any
    tools: Any
    messages: list[dict[str, Any]]  # this turn's new messages, then the answer as an assistant message


@dataclass(frozen=True)
class Thread:
    """What a thread request resolves to: the whole request the engine sees, and where to keep the answer."""

    previous: str | None
    system: Any
    tools: Any
    messages: list[dict[str, Any]]  # the whole history: stored turns, then this request's messages
    new: list[dict[str, Any]]  # this request's messages


class ThreadStore:
    def __init__(self, max_count: int = DEFAULT_COUNT, max_bytes: int = DEFAULT_BYTES) -> None:
        self._stored = ByteLRU(max_count, max_bytes)

    def put(self, message_id: str, thread: Thread, answer: dict[str, Any]) -> None:
        turn = [*thread.new, {"role": "assistant", "content": answer["content"]}]
        stored = Stored(thread.previous, thread.system, thread.tools, turn)
        size = 256 + len(jsoncodec.dumps(turn)) + len(jsoncodec.dumps([thread.system, thread.tools]))
        if not self._stored.put(message_id, stored, size):
            self._stored.pop(message_id)

    def history(self, message_id: str) -> tuple[Stored, list[dict[str, Any]]] | None:
        """The newest stored answer of a thread and the thread's whole history, or None when any
        of its answers is gone."""
        newest = self._stored.peek(message_id)
        if newest is None:
            return None
        turns: list[list[dict[str, Any]]] = []
        entry: Stored | None = newest
        seen: set[str] = {message_id}
        while entry is not None:
            turns.append(entry.messages)
            if entry.previous is None:
                break
            if entry.previous in seen:  # pragma: no cover - ids are fresh per answer
                return None
            seen.add(entry.previous)
            entry = self._stored.peek(entry.previous)
            if entry is None:
                return None
        return newest, [m for turn in reversed(turns) for m in turn]

    def clear(self) -> int:
        return self._stored.clear()

    @property
    def bytes(self) -> int:
        return self._stored.bytes

    def __len__(self) -> int:
        return len(self._stored)


def _bad(path: str, message: str) -> APIError:
    return APIError(f"{path}: {message}", param=path)


def thread_error(message: str, error_code: str, status: int = 400, **details: Any) -> APIError:
    return APIError(message, status=status, type="not_found_error" if status == 404 else "invalid_request_error",
                    extra={"details": {"error_code": error_code, **details}})


def resolve(body: dict[str, Any], store: ThreadStore) -> Thread | None:
    """The thread a request names (None without ``thread``); raises the API's errors."""
    spec = body.get("thread")
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise _bad("thread", "Input should be a valid dictionary or object to extract fields from")
    kind = spec.get("type")
    if kind not in KINDS:
        if kind is None:
            raise _bad("thread", "Unable to extract tag using discriminator 'type'")
        raise _bad("thread", f"Input tag '{kind}' found using 'type' does not match any of the expected tags: 'create', 'continue'")
    unsupported = [name for name in UNSUPPORTED if _uses(body, name)]
    if unsupported:
        raise thread_error(
            f"The request combines `thread` with {', '.join(f'`{u}`' for u in unsupported)}, which Threads do not support. "
            "Send the full conversation without `thread`, or change that field.",
            "thread_unsupported_request", unsupported=unsupported)
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    if kind == "create":
        return Thread(None, body.get("system"), body.get("tools"), messages, messages)
    previous = spec.get("previous_message_id")
    if not isinstance(previous, str):
        raise _bad("thread.continue.previous_message_id", "Field required" if previous is None else "Input should be a valid string")
    found = store.history(previous)
    if found is None:
        raise thread_error("No usable Thread state was found for `previous_message_id`. Replay the full conversation with "
                           "`thread: {\"type\": \"create\"}` to start a new Thread.", "thread_not_found", status=404)
    newest, history = found
    changed = [name for name in ("system", "tools") if name in body and body[name] != getattr(newest, name)]
    if changed:
        raise thread_error(
            f"{' and '.join(f'`{c}`' for c in changed)} differ from the value stored with the Thread. Send the stored "
            "values, or replay the full conversation with `thread: {\"type\": \"create\"}` to change them.",
            "thread_fingerprint_mismatch")
    return Thread(previous, newest.system, newest.tools, history + messages, messages)


def _uses(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if name == "thinking":
        return isinstance(value, dict) and value.get("type") not in (None, "disabled")
    return value is not None
