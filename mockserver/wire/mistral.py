"""Mistral's OpenAI-compatible API (``api.mistral.ai/v1/chat/completions``): its tool-call ids
and its error envelope.

- Tool-call ids are exactly nine letters or digits: mistral-common
  ``protocol/instruct/validator.py`` ``MistralRequestValidatorV3._validate_tool_call`` raises
  ``InvalidFunctionCallException("Tool call id was {id} but must be a-z, A-Z, 0-9, with a length
  of 9.")`` for an assistant's call and ``_validate_tool_message`` the same text for a tool
  message's ``tool_call_id``. The API answers it with a 400 (karthink/gptel#1203: ``HTTP/2 400``,
  ``content-length: 167`` — exactly the body below for ``call_0fypS1hVX``).
- Errors are not wrapped in ``"error"``: ``{"object": "error", "message", "type", "param": null,
  "code"}``; ``type``/``code`` name the exception: ``invalid_function_call``/``"3280"`` for the id
  rule (editor-code-assistant/eca#233, nearai/ironclaw#1241), ``invalid_request_message_order``/
  ``"3230"`` for the message structure ("Not the same number of function calls and responses",
  "Unexpected role 'user' after role 'tool'": onyx-dot-app/onyx#6458, mistralai/client-python#234);
  older answers had ``invalid_request_error`` and a null code (langchain-ai/langchain#24668,
  camel-ai/camel#1467): that is what the mock answers for the other rules.
"""

from __future__ import annotations

import re
from typing import Any

from mockserver.wire.errors import APIError

ID_RE = re.compile(r"^[a-zA-Z0-9]{9}$")
ID_LENGTH = 9

FUNCTION_CALL = ("invalid_function_call", "3280")
MESSAGE_ORDER = ("invalid_request_message_order", "3230")
OTHER = ("invalid_request_error", None)


def id_message(call_id: str) -> str:
    return f"Tool call id was {call_id} but must be a-z, A-Z, 0-9, with a length of 9."


def valid_id(call_id: str) -> bool:
    return ID_RE.match(call_id) is not None


def _kind(rule: str | None) -> tuple[str, str | None]:
    if rule is None:
        return OTHER
    if rule.endswith("tool_call_id_format"):
        return FUNCTION_CALL
    if rule.startswith("history.") and not rule.startswith("history.arguments"):
        return MESSAGE_ORDER
    return OTHER


def error_payload(error: APIError) -> dict[str, Any]:
    """Mistral's error body (the whole body: Mistral does not wrap it)."""
    kind, code = _kind(error.rule) if error.status == 400 else (error.type, None)
    return {"object": "error", "message": error.message, "type": kind, "param": None, "code": code}
