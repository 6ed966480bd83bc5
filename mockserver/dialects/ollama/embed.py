"""Ollama's embeddings: ``POST /api/embed`` (``input``: a text or texts → ``embeddings``, unit
vectors) and the older ``POST /api/embeddings`` (``prompt`` → ``embedding``), as
``server/routes.go`` ``EmbedHandler`` / ``EmbeddingsHandler`` answer them (``api/types.go``
``EmbedRequest``, ``EmbedResponse``, ``EmbeddingRequest``, ``EmbeddingResponse``).

The vectors are the deterministic ones every embeddings route of the mock makes
(:mod:`mockserver.wire.embeddings`), or the ones a scenario's ``embeddings:`` scripts. What
Ollama refuses, with its status and words:

- no body: 400 ``missing request body`` (a JSON ``null`` is an empty request, as Go decodes it);
  a field of the wrong JSON type: 400 with Go's
  ``json: cannot unmarshal … into Go struct field EmbedRequest.… of type …``;
- ``/api/embed``: no ``model``: 404 ``model '' not found`` (``writeModelRefParseError``'s
  fallback); an ``input`` that is neither a string nor an array of strings: 400
  ``invalid input type``; ``truncate: false`` with an input longer than the context (``num_ctx``
  when set, else the 4096 ``/api/ps`` reports): 400 ``the input length exceeds the context
  length``;
- ``/api/embeddings``: no ``model``: 400 ``model is required``.

An empty input (``""``, ``[]``, none) loads the model and answers no vector, as Ollama does.
Any model is answered (the mock cannot know which an Ollama host has pulled). With
``truncate`` left on, a long input is embedded whole (Ollama embeds its first ``num_ctx`` tokens).
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.dialects.ollama.shape import _keep_alive, _kind, _typed  # Go's decoding, as for chat
from mockserver.dialects.ollama.routes import JSON, error, read_json
from mockserver.wire import embeddings as vectors
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError
from mockserver.wire.usage import count_tokens

CONTEXT_LENGTH = 4096  # what /api/ps reports for every model (models.running)
MAX_INPUTS = 2048  # mockserver's bound on the texts of one request (memory); Ollama sets none
_EMBED = {"model": "string", "truncate": "bool", "dimensions": "int", "options": "map[string]interface {}"}
_EMBEDDING = {"model": "string", "prompt": "string", "options": "map[string]interface {}"}


def embed_routes(refused: Callable[[Request], str | None], limit: int, seed: Callable[[], int], scripted: vectors.Scripted) -> list[Route]:
    """``refused``: the 401 text when ``--api-key`` is set and missing; ``seed``: the server's
    seed now; ``scripted``: the vectors the scenarios script."""

    async def read(request: Request, struct: str, fields: dict[str, str]) -> dict[str, Any] | Response:
        if (text := refused(request)) is not None:
            return error(text, 401)
        body = await read_json(request, limit)
        if isinstance(body, Response):
            return body
        if body is None:
            body = {}  # Go decodes null into the request struct as nothing: every field empty
        if not isinstance(body, dict):
            return error(f"json: cannot unmarshal {_kind(body)} into Go value of type api.{struct}", 400)
        for key, value in body.items():
            go_type = fields.get(key)
            if go_type is not None:
                for problem in _typed(struct, key, value, go_type):
                    return error(problem.message, 400)
        for problem in _keep_alive(body.get("keep_alive")):
            return error(problem.message, 400)
        return body

    async def embed(request: Request) -> Response:
        body = await read(request, "EmbedRequest", _EMBED)
        if isinstance(body, Response):
            return body
        try:
            answer = await asyncio.to_thread(embed_answer, body, seed(), scripted)
        except APIError as problem:
            return error(problem.message, problem.status)
        return Response(answer, media_type=JSON)

    async def embeddings(request: Request) -> Response:
        body = await read(request, "EmbeddingRequest", _EMBEDDING)
        if isinstance(body, Response):
            return body
        model = body.get("model")
        if not model or not model.strip():
            return error("model is required", 400)
        prompt = body.get("prompt") or ""
        if not prompt:
            return Response(b'{"embedding":[]}', media_type=JSON)  # an empty prompt loads the model
        values = await asyncio.to_thread(_vector, model, prompt, seed(), scripted, 0)
        return Response(b'{"embedding":' + jsoncodec.dumps(values) + b"}", media_type=JSON)

    return [Route("/api/embed", embed, methods=["POST"]), Route("/api/embeddings", embeddings, methods=["POST"])]


def embed_answer(body: dict[str, Any], seed: int, scripted: vectors.Scripted | None = None) -> bytes:
    """``EmbedResponse`` for a request Go decoded: the vectors, durations and the prompt's tokens."""
    model = body.get("model") or ""
    if not model.strip():
        raise APIError(f"model '{model}' not found", status=404)
    inputs = _inputs(body.get("input"))
    if not inputs:
        return jsoncodec.dumps({"model": model, "embeddings": []})  # durations 0: omitted (omitempty)
    options = body.get("options") or {}
    context = CONTEXT_LENGTH
    num_ctx = options.get("num_ctx")
    if isinstance(num_ctx, (int, float)) and not isinstance(num_ctx, bool) and num_ctx > 0:
        context = min(int(num_ctx), CONTEXT_LENGTH)
    dimensions = body.get("dimensions") or 0
    tokens = 0
    rows = []
    for text in inputs:
        used = max(count_tokens(text), 1)  # a runner counts at least one token (its BOS) for any text
        if body.get("truncate") is False and used > context:
            raise APIError("the input length exceeds the context length")
        tokens += min(used, context)
        rows.append(jsoncodec.dumps(_vector(model, text, seed, scripted, dimensions)))
    load = 1_000_000 + seed % 9_000_000  # 1-10 ms, as the chat answers' load_duration
    tail = jsoncodec.dumps({"total_duration": load + tokens * 50_000, "load_duration": load, "prompt_eval_count": tokens})
    return b'{"model":' + jsoncodec.dumps(model) + b',"embeddings":[' + b",".join(rows) + b"]," + tail[1:]


def _vector(model: str, text: str, seed: int, scripted: vectors.Scripted | None, dimensions: int) -> list[float]:
    native = vectors.model_size(model)
    size = dimensions if 0 < dimensions < native else native  # Ollama cuts (and renormalises) only when smaller
    return vectors.scripted_or_made(scripted, model, text, seed, size, native)


def _inputs(value: Any) -> list[str]:
    """EmbedHandler: a string (none when empty) or an array of strings; null is no input."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise APIError("invalid input type")
    if len(value) > MAX_INPUTS:
        raise APIError(f"mockserver embeds at most {MAX_INPUTS} inputs per request; this one sends {len(value)} "
                       "(send fewer per request)", code="mock_limit")
    return value
