"""The Responses API dialect: ``POST /v1/responses`` (and ``/responses``).

Stored responses (``store``, the default) are kept in a bounded :class:`ResponseStore`, so a
follow-up with ``previous_response_id`` continues the conversation; the server's
``GET``/``DELETE /v1/responses/{id}`` and ``…/input_items`` routes read the same store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.dialects.base import Call, Parsed, Rendered, RenderInput, request_key
from mockserver.dialects.responses.convert import output_messages, text_parts, to_messages
from mockserver.dialects.responses.protocol import check_protocol
from mockserver.dialects.responses.render import ID_LENGTH, decide, response_object
from mockserver.dialects.responses.rules import BOOK
from mockserver.dialects.responses.shape import check_request, check_tool_choice
from mockserver.dialects.responses.store import ResponseStore
from mockserver.dialects.responses.stream import build_events, error_event
from mockserver.validation.rules import Judge
from mockserver.validation.tools import ToolChoice, tool_set
from mockserver.wire.errors import APIError
from mockserver.wire.ids import IdSource
from mockserver.wire.profiles import Profile, error_body
from mockserver.wire.usage import prompt_tokens



@dataclass
class _State:
    history: list[dict[str, Any]]  # the conversation without the instructions (what a follow-up continues)
    store: bool


class ResponsesDialect:
    name = "responses"

    def __init__(self, store: ResponseStore | None = None) -> None:
        self.store = store if store is not None else ResponseStore()

    @classmethod
    def from_config(cls, config: Any) -> "ResponsesDialect":
        return cls(ResponseStore(config.responses_store_size, config.responses_store_bytes))

    def parse(
        self, body: dict[str, Any], profile: str, *, strict: bool = False, history: bool = True, route: Any = None
    ) -> Parsed:
        judge = Judge(BOOK, profile, strict)
        judge.layer(check_request(body))
        previous = body.get("previous_response_id")
        prior: list[dict[str, Any]] = []
        if previous is not None:
            stored = self.store.get(previous)
            if stored is None:
                # OpenAI's error for an unknown, deleted or unstored response (param and code as reported)
                raise APIError(
                    f"Previous response with id '{previous}' not found.",
                    param="previous_response_id",
                    code="previous_response_not_found",
                )
            prior = stored.history
        tools = tool_set(body.get("tools"), flat=True)
        judge.layer(tools.problems)
        choice = ToolChoice("none")
        problems: list[APIError] = []
        for item in check_tool_choice(body.get("tool_choice"), tools):
            if isinstance(item, APIError):
                problems.append(item)
            else:
                choice = item
        judge.layer(problems)
        items = self._resolve_references(body.get("input"))
        if history:
            judge.layer(check_protocol(prior, items, tools))
        conversation = prior + to_messages(items) if items is not None else list(prior)
        if not conversation:  # (mock) nothing to answer: see shape.check_request on `input`
            raise APIError("Missing required parameter: 'input'.", param="input", code="missing_required_parameter")
        instructions = body.get("instructions")
        messages = ([{"role": "system", "content": instructions}] if instructions else []) + conversation
        store = body.get("store") is not False
        return Parsed(
            body=body,
            model=body["model"],
            messages=messages,
            tools=tools,
            tool_choice=choice,
            parallel_tool_calls=body.get("parallel_tool_calls") is not False,
            stream=bool(body.get("stream")),
            max_tokens=body.get("max_output_tokens"),
            stateful=store or previous is not None,
            state=_State(conversation, store),
            warnings=tuple(judge.warnings),
        )

    def _resolve_references(self, items: Any) -> Any:
        """``item_reference`` input items replaced by the stored items they name, as OpenAI
        resolves them (the Vercel AI SDK sends its earlier assistant messages this way). An id
        it does not hold gets OpenAI's error, as reported (router-for-me/CLIProxyAPI#2381)."""
        if not isinstance(items, list) or not any(i.get("type") == "item_reference" for i in items):
            return items
        resolved = []
        for item in items:
            if item.get("type") == "item_reference":
                found = self.store.find_item(item["id"])
                if found is None:
                    raise APIError(f"Item with id '{item['id']}' not found. Items are not persisted when `store` is set "
                                   "to false. Try again with `store` set to true, or remove this item from your input.",
                                   param="input")
                item = found
            resolved.append(item)
        return resolved

    def request_key(self, body: dict[str, Any]) -> bytes:
        return request_key(body)

    def render(self, job: RenderInput) -> Rendered:
        parsed, reply, ids = job.parsed, job.reply, job.ids
        body = parsed.body
        calls = [(c.id or ids.call_id(0, k), c.name, c.arguments) for k, c in enumerate(reply.tool_calls)]
        output = decide(ids, reply.content, calls, reply.finish_reason, parsed.max_tokens)
        input_tokens = prompt_tokens({"messages": parsed.messages}, parsed.tools.tokens)
        final = response_object(body, parsed.model, parsed.parallel_tool_calls, ids, output, input_tokens)
        state: _State = parsed.state
        if state.store:
            self.store.put(final, input_items(body.get("input"), ids), state.history + output_messages(final["output"]))
        if parsed.stream:
            start = response_object(body, parsed.model, parsed.parallel_tool_calls, ids, None, input_tokens)
            pieces = build_events(start, final, output, job.chunk_chars)
            return Rendered(stream=pieces, summary=lambda: final)
        return Rendered(body=final, completion_tokens=output.tokens)

    def error_body(self, profile: Profile, error: APIError) -> dict[str, Any]:
        return error_body(profile, error)

    def stream_error(self, profile: Profile, error: APIError, position: int = 0) -> bytes:
        return error_event(error.message, error.code or error.type, error.param, position)

    @staticmethod
    def answer_of(body: dict[str, Any]) -> tuple[str | None, list[Call]]:
        texts: list[str] = []
        calls: list[Call] = []
        for item in body.get("output") or []:
            if item.get("type") == "message":
                texts += [p.get("text", "") for p in item.get("content") or [] if p.get("type") == "output_text"]
            elif item.get("type") == "function_call":
                calls.append(Call(item.get("call_id", ""), item.get("name", ""), item.get("arguments") or ""))
        return ("".join(texts) if texts else None), calls


# the id an input item gets when it came without one, by item type
_INPUT_ID_PREFIXES = {"message": "msg_", "function_call": "fc_", "function_call_output": "fco_"}


def input_items(items: Any, ids: IdSource) -> list[dict[str, Any]]:
    """This request's input items as ``GET …/input_items`` lists them: each with an id, messages
    with content parts."""
    if items is None:
        return []
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    listed = []
    for i, item in enumerate(items):
        kind = item.get("type") or "message"
        entry = dict(item, type=kind)
        if kind == "message":
            part = "output_text" if item["role"] == "assistant" else "input_text"
            content = item["content"]
            entry["content"] = [{"type": part, "text": content}] if isinstance(content, str) else content
        prefix = _INPUT_ID_PREFIXES.get(kind)
        if prefix is not None:
            entry.setdefault("status", "completed")
            entry.setdefault("id", prefix + ids.hex_id(f"input:{i}", ID_LENGTH))
        listed.append(entry)
    return listed


__all__ = ["ResponsesDialect", "ResponseStore", "input_items", "text_parts"]
