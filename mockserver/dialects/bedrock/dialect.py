"""AWS Bedrock Runtime's Converse API: ``POST /model/{modelId}/converse`` (a JSON body) and
``POST /model/{modelId}/converse-stream`` (AWS's binary event stream), and the estimate behind
``POST /model/{modelId}/count-tokens`` (``CountTokens`` with a ``converse`` input).

The model is the path's ``modelId`` (a foundation-model id such as
``anthropic.claude-3-5-sonnet-20240620-v1:0``, an inference profile ``us.anthropic.…``, or an ARN,
which the SDKs send URL-encoded); it is checked against the service model's pattern, and when
every loaded scenario names its models (``models:``), one none of them names is AWS's 404
``ResourceNotFoundException``. Authentication: any SigV4 ``Authorization`` is accepted, a
Bedrock API key is the bearer token ``--api-key`` names (``errors.auth_error``). Every answer and
error carries ``x-amzn-RequestId``; errors are in AWS's rest-json shape (``errors.py``).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from mockserver.dialects.base import Call, Parsed, Rendered, RenderInput, request_key
from mockserver.dialects.bedrock import errors
from mockserver.dialects.bedrock.convert import to_messages
from mockserver.dialects.bedrock.protocol import check_order, check_protocol
from mockserver.dialects.bedrock.render import converse_response, request_id, tool_use_id
from mockserver.dialects.bedrock.rules import BOOK
from mockserver.dialects.bedrock.shape import check_model, check_request
from mockserver.dialects.bedrock.stream import build_events, error_event
from mockserver.dialects.bedrock.tools import check_tool_config, choice, tool_set
from mockserver.dialects.messages.render import decide
from mockserver.validation.rules import Judge
from mockserver.validation.tools import ToolChoice, ToolSet
from mockserver.wire import eventstream, jsoncodec
from mockserver.wire.errors import APIError
from mockserver.wire.profiles import Profile
from mockserver.wire.usage import prompt_tokens

# the operations a model's path ends with
OPERATIONS = ("/converse", "/converse-stream", "/count-tokens")


class BedrockDialect:
    name = "bedrock"
    fault_messages = errors.FAULT_MESSAGES

    def __init__(self) -> None:
        # the loaded scenarios' models, read at each request (set when the app mounts the
        # dialect's routes: the service swaps scenario sets on reload)
        self.scenario_models: Callable[[], list[str] | None] = lambda: None

    def parse(
        self, body: dict[str, Any], profile: str, *, strict: bool = False, history: bool = True, route: Any = None
    ) -> Parsed:
        model = model_of(route)
        judge = Judge(BOOK, profile, strict)
        judge.layer(check_model(model))
        judge.layer(self._known(model))
        messages, tools, tool_choice = self._conversation(body, judge, history)
        config = body.get("inferenceConfig") if isinstance(body.get("inferenceConfig"), dict) else {}
        return Parsed(
            body=body,
            model=model,
            messages=messages,
            tools=tools,
            tool_choice=tool_choice,
            stream=route is not None and route.route.stream,
            max_tokens=config.get("maxTokens"),
            state=[s for s in config.get("stopSequences") or [] if s],
            warnings=tuple(judge.warnings),
        )

    def _known(self, model: str) -> list[APIError]:
        named = self.scenario_models()
        if named is None or model in named:
            return []
        return [APIError(errors.FAULT_MESSAGES[404], param="modelId", status=404)]

    def _conversation(self, body: dict[str, Any], judge: Judge, history: bool = True,
                      count_only: bool = False) -> tuple[list[dict[str, Any]], ToolSet, ToolChoice]:
        judge.layer(check_request(body, count_only))
        config = body.get("toolConfig")
        judge.layer(check_tool_config(config))
        tools = tool_set(config)
        judge.layer(tools.problems)
        messages = body.get("messages") or []
        if not count_only:
            judge.layer(check_order(messages, config is not None))
            if history:
                judge.layer(check_protocol(messages, tools))
        return to_messages(body.get("system"), messages), tools, choice(config, tools)

    def count_tokens(self, body: dict[str, Any], profile: str, route: Any = None) -> dict[str, int]:
        """``CountTokens``: ``{"input": {"converse": {messages, system, toolConfig}}}`` checked like
        a Converse request's fields; ``inputTokens`` is the estimate ``usage.inputTokens`` reports."""
        judge = Judge(BOOK, profile)
        judge.layer(check_model(model_of(route)))
        given = body.get("input")
        converse = given.get("converse") if isinstance(given, dict) else None
        if not isinstance(converse, dict):
            raise APIError("1 validation error detected: Value null at 'input' failed to satisfy constraint: Member must not be null"
                           if given is None else "Malformed input request: input must hold a converse object "
                           "(invokeModel bodies are not counted by mockserver).", param="input")
        messages, tools, _ = self._conversation(converse, judge, history=False, count_only=True)
        return {"inputTokens": prompt_tokens({"messages": messages}, tools.tokens)}

    def request_key(self, body: dict[str, Any]) -> bytes:
        return request_key(body, ())

    def render(self, job: RenderInput) -> Rendered:
        parsed, reply, ids = job.parsed, job.reply, job.ids
        calls = [(c.id or tool_use_id(ids, k), c.name, c.arguments) for k, c in enumerate(reply.tool_calls)]
        output = decide(reply.content, calls, reply.finish_reason, parsed.max_tokens, parsed.state)
        input_tokens = prompt_tokens({"messages": parsed.messages}, parsed.tools.tokens)
        final = converse_response(output, input_tokens)
        headers = {"x-amzn-RequestId": request_id(ids)}
        if parsed.stream:
            return Rendered(stream=build_events(output, input_tokens, job.chunk_chars), summary=lambda: final, headers=headers,
                            media_type=eventstream.MEDIA_TYPE)
        return Rendered(body=final, completion_tokens=output.tokens, headers=headers)

    def auth_error(self, expected: str | None, headers: Mapping[str, str], route: Any = None) -> APIError | None:
        return errors.auth_error(expected, headers)

    def error_body(self, profile: Profile, error: APIError) -> dict[str, Any]:
        return errors.error_body(error)

    def error_headers(self, error: APIError) -> dict[str, str]:
        return errors.error_headers(error)

    def wrong_route(self, path: str, error: APIError, routed_here: bool) -> tuple[APIError, dict[str, Any], dict[str, str]] | None:
        """/model/{id}/converse… with a model id the route cannot hold (a newline): AWS checks the id
        against its pattern first (ValidationException), else the 404/405 in AWS's shape."""
        if path.startswith("/model/") and path.endswith(OPERATIONS):
            error = next(check_model(path[len("/model/"):path.rindex("/")]), error)
            return error, errors.error_body(error), {**error.headers, **errors.error_headers(error)}
        return None

    def stream_error(self, profile: Profile, error: APIError, position: int = 0) -> bytes:
        message = errors.FAULT_MESSAGES[500] if error.message == errors.OPENAI_STREAM_ERROR else error.message
        return error_event(message)

    def extra_routes(self, service: Any) -> list[Any]:
        from mockserver.dialects.bedrock.routes import extra_routes

        self.scenario_models = lambda: scenario_models(service.scenarios)
        return extra_routes(self, service)

    @staticmethod
    def answer_of(body: dict[str, Any]) -> tuple[str | None, list[Call]]:
        message = (body.get("output") or {}).get("message") or {}
        texts: list[str] = []
        calls: list[Call] = []
        for block in message.get("content") or []:
            if isinstance(block.get("text"), str):
                texts.append(block["text"])
            elif isinstance(block.get("toolUse"), dict):
                use = block["toolUse"]
                value = use.get("input")
                arguments = value if isinstance(value, str) else jsoncodec.dumps(value).decode()
                calls.append(Call(use.get("toolUseId", ""), use.get("name", ""), arguments))
        return ("".join(texts) if texts else None), calls


def model_of(route: Any) -> str:
    """The path's ``modelId`` (the ASGI path is already percent-decoded: an ARN's ``/`` and
    ``:`` are themselves)."""
    if route is None:
        return ""
    return route.params.get("model_id", "")


def scenario_models(scenarios: Any) -> list[str] | None:
    """The models the scenarios name, or None when one of them names none (it answers any model)."""
    if not scenarios.scenarios or any(not s.models for s in scenarios.scenarios):
        return None
    return scenarios.models()


__all__ = ["BedrockDialect"]
