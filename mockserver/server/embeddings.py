"""``POST /v1/embeddings`` (and the providers' paths for it: ``routes.EMBEDDING_ROUTES``), in
OpenAI's shape: deterministic vectors from ``mockserver.wire.embeddings``, or the ones a
scenario scripts (``embeddings:`` in a scenario file, see docs/providers.md).

OpenAI's 400s for bad input (openai-python ``types/embedding_create_params.py`` states the
limits: no empty string, at most 2048 inputs, 8192 tokens per input):

- an empty string, an empty array, a wrong type, more than 2048 inputs: ``'$.input' is invalid.
  Please check the API reference: https://platform.openai.com/docs/api-reference.`` (param and
  code null; MaartenGr/BERTopic#1594 for empty strings, embeddings-benchmark/mteb#1200 for more
  than 2048 inputs, run-llama/llama_index#9951 with its whole body);
- ``dimensions`` for text-embedding-ada-002: ``This model does not support specifying
  dimensions.`` (SciPhi-AI/R2R#768, sbintuitions/JMTEB#14, with their whole bodies);
- an input over 8192 tokens: ``This model's maximum context length is 8192 tokens, however you
  requested N tokens (N in your prompt; 0 for the completion). Please reduce your prompt; or
  completion length.`` (sugarforever/chat-ollama#130);
- no model: ``you must provide a model parameter`` (as Chat Completions); a bad ``encoding_format``
  or ``dimensions`` type: OpenAI's generic parameter errors (as the schema-generated ones of Chat
  Completions).
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.server.routes import EMBEDDING_ROUTES, RouteMatch, RouteTable
from mockserver.validation.params import check_value
from mockserver.validation.problems import invalid_value, missing
from mockserver.wire import azure, jsoncodec
from mockserver.wire import embeddings as vectors
from mockserver.wire.body import check_content_type, parse_json_object
from mockserver.wire.errors import APIError
from mockserver.wire.usage import count_tokens

MAX_INPUTS = 2048
MAX_TOKENS = 8192
MAX_VALUES = 4 * 1024 * 1024  # mockserver's bound on the numbers of one answer (memory)
INPUT_INVALID = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
FORMATS = ["float", "base64"]
_DIMENSIONS = {"type": "integer", "minimum": 1}
JSON = "application/json"


def embedding_routes(service: Any, read_body: Callable[[Request], Awaitable[bytes]]) -> list[Route]:
    """The embeddings endpoint at every path of ``EMBEDDING_ROUTES``; vectors a scenario of the
    service's current set scripts win."""
    table = RouteTable(EMBEDDING_ROUTES)

    def scripted(model: str, item: str | list[int], seed: int, size: int, native: int) -> list[float] | None:
        return service.scenarios.embeddings.vector(model, item, seed, size, native)

    async def embeddings(request: Request) -> Response:
        match = table.resolve(request.url.path, request.url.query)
        try:
            refused = route_auth_error(match, service.config.api_key, request.headers, service.auth_error)
            if refused is not None:
                raise refused
            check_content_type(request.headers.get("content-type"))
            body = parse_json_object(await read_body(request), service.config.max_depth)
            deployment = match.params.get("deployment") if match is not None else None
            if deployment:  # Azure: the deployment in the path names the model
                body = dict(body, model=deployment)
            answer = await asyncio.to_thread(create, body, service.config.seed, scripted)
        except APIError as error:
            return Response(jsoncodec.dumps(error.body()), status_code=error.status, headers=error.headers, media_type=JSON)
        return Response(answer, media_type=JSON)

    return [Route(r.path, embeddings, methods=["POST"]) for r in table.routes]


def route_auth_error(
    match: RouteMatch | None, expected_key: str | None, headers: Mapping[str, str], default: Callable[[Mapping[str, str]], APIError | None]
) -> APIError | None:
    """Azure's checks on Azure's paths (api-version, ``api-key``), else the server's bearer key."""
    if match is not None and match.route.profile == "azure":
        return azure.route_error(match.path, match.query, expected_key, headers)
    return default(headers)


def create(body: dict[str, Any], seed: int, scripted: vectors.Scripted | None = None) -> bytes:
    """The answer to one embeddings request, as JSON bytes (vectors serialised one by one)."""
    model, inputs, size, native, encoding = _read(body)
    if len(inputs) * size > MAX_VALUES:
        raise APIError(f"mockserver answers at most {MAX_VALUES} numbers per embeddings request; this one asks for "
                       f"{len(inputs)} inputs of {size} dimensions (send fewer inputs per request).",
                       param="input", code="mock_limit")
    tokens = 0
    items = []
    for index, item in enumerate(inputs):
        used = count_tokens(item) if isinstance(item, str) else len(item)
        if used > MAX_TOKENS:
            raise APIError(f"This model's maximum context length is {MAX_TOKENS} tokens, however you requested {used} "
                           f"tokens ({used} in your prompt; 0 for the completion). Please reduce your prompt; or "
                           "completion length.")
        tokens += used
        values = vectors.scripted_or_made(scripted, model, item, seed, size, native)
        embedding = jsoncodec.dumps(vectors.base64_of(values) if encoding == "base64" else values)
        items.append(b'{"object":"embedding","index":' + str(index).encode() + b',"embedding":' + embedding + b"}")
    tail = jsoncodec.dumps({"model": model, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})
    return b'{"object":"list","data":[' + b",".join(items) + b"]," + tail[1:]


def _read(body: dict[str, Any]) -> tuple[str, list[str | list[int]], int, int, str]:
    model = body.get("model")
    if model is None:
        raise APIError("you must provide a model parameter")
    for problem in check_value({"type": "string"}, model, "model", "param.model"):
        raise problem
    if "input" not in body:
        raise missing("input")
    inputs = _inputs(body["input"])
    encoding = body.get("encoding_format")
    if encoding is None:
        encoding = "float"
    elif encoding not in FORMATS:
        raise invalid_value("encoding_format", encoding, FORMATS)
    native = vectors.model_size(model)
    dimensions = body.get("dimensions")
    for problem in check_value(_DIMENSIONS, dimensions, "dimensions", "param.dimensions"):
        raise problem
    if dimensions is None:
        return model, inputs, native, native, encoding
    if model.rsplit("/", 1)[-1] in vectors.FIXED_SIZE:
        raise APIError("This model does not support specifying dimensions.")
    if dimensions > vectors.MAX_SIZE:
        raise APIError(f"mockserver makes vectors of at most {vectors.MAX_SIZE} dimensions; 'dimensions' is {dimensions}.",
                       param="dimensions", code="mock_limit")
    return model, inputs, dimensions, native, encoding


def _inputs(value: Any) -> list[str | list[int]]:
    """The inputs, one list whatever the form: a string, strings, token ids, lists of token ids."""
    if isinstance(value, str):
        value = [value]
    elif isinstance(value, list) and value and all(_token(v) for v in value):
        value = [value]
    if not isinstance(value, list) or not value or len(value) > MAX_INPUTS:
        raise APIError(INPUT_INVALID)
    if isinstance(value[0], str):  # all strings, or all token arrays (the schema's oneOf): never mixed
        if not all(isinstance(item, str) and item for item in value):
            raise APIError(INPUT_INVALID)
    elif not all(isinstance(item, list) and item and all(_token(v) for v in item) for item in value):
        raise APIError(INPUT_INVALID)
    return value


def _token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
