"""``streamGenerateContent`` as Google sends it: every event a whole ``GenerateContentResponse``
(text in pieces, then all ``functionCall`` parts in one event — the API does not stream call
arguments —, ``finishReason`` and the final ``usageMetadata`` on the last event; each event
carries ``usageMetadata``, ``modelVersion`` and ``responseId``).

- ``?alt=sse``: ``data: {…}`` events separated by a blank line (CRLF, as the API sends them); what
  google-genai always asks for (python-genai ``models.py``: ``{model}:streamGenerateContent?alt=sse``);
- without it: one JSON array, streamed as its elements are ready (``[{…}``, ``,\\r\\n{…}``, …, ``]``),
  ``application/json``.
A server error after the stream started is one more element / event: ``{"error": {code, message,
status}}`` (python-genai ``_api_client.py`` ``request_streamed`` raises it as ``APIError``).
"""

from __future__ import annotations

from typing import Any

from mockserver.dialects.gemini.render import Answer, candidate, envelope, parts, usage
from mockserver.wire import jsoncodec
from mockserver.wire.ids import IdSource
from mockserver.wire.sse import Piece, split_text
from mockserver.wire.usage import count_tokens

SSE_TYPE = "text/event-stream"
ARRAY_TYPE = "application/json; charset=UTF-8"
_GROUP = 48  # characters per text event when no --chunk-chars is set (Gemini sends sentence-sized pieces)


def sse_event(payload: Any) -> bytes:
    return b"data: " + jsoncodec.dumps(payload) + b"\r\n\r\n"


def text_pieces(text: str, chunk_chars: int) -> list[str]:
    words = split_text(text, chunk_chars)
    if chunk_chars > 0:
        return words
    out: list[str] = []
    for word in words:
        if out and len(out[-1]) < _GROUP:
            out[-1] += word
        else:
            out.append(word)
    return out


def events(ids: IdSource, model: str, vertex: bool, ans: Answer, chunk_chars: int = 0) -> list[tuple[dict[str, Any], int]]:
    """The responses of the stream with each one's token count (for timing)."""
    output = ans.output
    texts = text_pieces(output.text, chunk_chars)
    has_calls = bool(output.calls) and not ans.malformed
    out: list[tuple[dict[str, Any], int]] = []
    sent = 0
    for k, piece in enumerate(texts):
        last = k == len(texts) - 1 and not has_calls
        tokens = count_tokens(piece)
        sent += tokens
        finish = ans.finish if last else None
        use = usage(ans.prompt_tokens, output.tokens if last else sent)
        out.append((envelope(ids, model, vertex, [candidate([{"text": piece}], 0, finish)], use), tokens))
    if has_calls or not texts:
        calls = parts(output, text="", calls=has_calls)
        tokens = max(output.tokens - sent, 0)
        out.append((envelope(ids, model, vertex, [candidate(calls, 0, ans.finish, ans.malformed)],
                             usage(ans.prompt_tokens, output.tokens)), tokens))
    return out


def build(ids: IdSource, model: str, vertex: bool, ans: Answer, sse: bool, chunk_chars: int = 0) -> list[Piece]:
    found = events(ids, model, vertex, ans, chunk_chars)
    if sse:
        return [Piece(sse_event(body), tokens) for body, tokens in found]
    pieces = [Piece((b"[" if k == 0 else b",\r\n") + jsoncodec.dumps(body), tokens) for k, (body, tokens) in enumerate(found)]
    last = pieces[-1]
    pieces[-1] = Piece(last.data + b"]", last.tokens)
    return pieces


def error_piece(payload: dict[str, Any], sse: bool, position: int) -> bytes:
    if sse:
        return sse_event({"error": payload})
    return (b"[" if position == 0 else b",\r\n") + jsoncodec.dumps({"error": payload}) + b"]"
