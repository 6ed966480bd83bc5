"""The ``GenerateContentResponse``: ``candidates`` (``content.parts`` with text and one
``functionCall`` part per call, ``finishReason``, ``index``), ``usageMetadata``,
``modelVersion``, ``responseId`` (and ``createTime`` on Vertex AI), with deterministic ids.

Finish reasons (``Candidate.finishReason``): ``STOP`` for an answer or function calls (Gemini has
no separate reason for calls), ``MAX_TOKENS`` when ``maxOutputTokens`` or a rule's ``length`` cut
it, ``SAFETY`` for a rule's ``content_filter``, and ``MALFORMED_FUNCTION_CALL`` (no content, a
``finishMessage``) for a call whose arguments are not a JSON object (the ``invalid_json`` fault:
Gemini sends no broken JSON, it reports the malformed call this way).
The text is cut at the first of ``generationConfig.stopSequences`` (the stop sequence is not
included, ``STOP``) and at ``maxOutputTokens``, as in the Messages dialect (``decide``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from mockserver.dialects.messages.render import Output, decide
from mockserver.wire.ids import IdSource

REASONS = {"end_turn": "STOP", "tool_use": "STOP", "stop_sequence": "STOP", "max_tokens": "MAX_TOKENS", "refusal": "SAFETY"}


@dataclass
class Answer:
    """What one request answers, once: the decided output and its usage."""

    output: Output
    finish: str
    prompt_tokens: int
    candidates: int  # candidateCount

    @property
    def malformed(self) -> list[dict[str, Any]]:
        return [c for c in self.output.calls if not isinstance(c["input"], dict)]


def answer(content: str | None, calls: list[tuple[str, str, str]], finish_reason: str | None, max_tokens: int | None,
           stops: list[str], prompt_tokens: int, candidates: int) -> Answer:
    output = decide(content, calls, finish_reason, max_tokens, stops)
    finish = REASONS.get(output.stop_reason, "STOP")
    answer_ = Answer(output, finish, prompt_tokens, candidates)
    if answer_.malformed:
        answer_.finish = "MALFORMED_FUNCTION_CALL"
    return answer_


def parts(output: Output, text: str | None = None, calls: bool = True) -> list[dict[str, Any]]:
    text = output.text if text is None else text
    out: list[dict[str, Any]] = [{"text": text}] if text else []
    if calls:
        # a call's id only when the scenario gives one (the API's calls carry none unless the model sets it)
        out += [{"functionCall": {**({"id": c["id"]} if c["id"] else {}), "name": c["name"], "args": c["input"]}}
                for c in output.calls]
    return out


def candidate(parts_: list[dict[str, Any]], index: int, finish: str | None, malformed: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"content": {"parts": parts_, "role": "model"}}
    if malformed:
        out = {"content": {"parts": [], "role": "model"}, "finishMessage": f"Malformed function call: {malformed[0]['arguments']}"}
    if finish is not None:
        out["finishReason"] = finish
    out["index"] = index
    return out


def usage(prompt: int, completion: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {"promptTokenCount": prompt}
    if completion is not None:
        out["candidatesTokenCount"] = completion
    out["totalTokenCount"] = prompt + (completion or 0)
    out["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
    return out


def envelope(ids: IdSource, model: str, vertex: bool, candidates: list[dict[str, Any]], usage_: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"candidates": candidates, "usageMetadata": usage_, "modelVersion": model}
    if vertex:
        body["createTime"] = create_time(ids)
    body["responseId"] = response_id(ids)
    return body


def response_body(ids: IdSource, model: str, vertex: bool, ans: Answer) -> dict[str, Any]:
    malformed = ans.malformed
    items = [candidate(parts(ans.output), k, ans.finish, malformed) for k in range(ans.candidates)]
    return envelope(ids, model, vertex, items, usage(ans.prompt_tokens, ans.output.tokens * ans.candidates))


def response_id(ids: IdSource) -> str:
    return ids.alnum("response", 23)


def create_time(ids: IdSource) -> str:
    created = ids.created()
    micros = int.from_bytes(ids.digest[8:11], "big") % 1_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{micros:06d}Z"
