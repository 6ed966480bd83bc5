"""The Gemini dialect's auxiliary routes: ``POST …/models/{model}:countTokens`` (Gemini API
``/v1beta`` and ``/v1``; Vertex AI ``/v1``, ``/v1beta1``) and the Gemini API's model list
``GET /v1beta/models`` / ``GET /v1beta/models/{model}`` (``{"models": [Model…]}``; an unknown model
is a 404 ``NOT_FOUND``). The listed models are the scenarios' models and the usual Gemini ones.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.dialects.gemini import errors
from mockserver.server.endpoint import read_limited
from mockserver.wire import jsoncodec
from mockserver.wire.body import check_content_type, parse_json_object
from mockserver.wire.errors import APIError

KNOWN = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-2.0-flash")
VERTEX = "/projects/{project}/locations/{location}/publishers/google/models/{model}"


def _json(body: Any, status: int = 200) -> Response:
    return Response(jsoncodec.dumps(body), status_code=status, media_type="application/json; charset=UTF-8")


def _error(error: APIError) -> Response:
    return _json(errors.error_body(error), error.status)


def model_object(name: str) -> dict[str, Any]:
    return {
        "name": f"models/{name}",
        "version": "001",
        "displayName": name,
        "description": f"{name} (mockserver)",
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": 65_536,
        "supportedGenerationMethods": ["generateContent", "countTokens"],
    }


def routes(dialect: Any, service: Any) -> list[Route]:
    config = service.config

    def refused(request: Request, vertex: bool) -> APIError | None:
        return errors.auth_error(config.api_key, request.headers, request.query_params, vertex)

    def models() -> list[str]:
        return list(dict.fromkeys([*KNOWN, *service.scenarios.models()]))

    async def count_tokens(request: Request) -> Response:
        vertex = "/publishers/" in request.url.path
        try:
            if (problem := refused(request, vertex)) is not None:
                raise problem
            check_content_type(request.headers.get("content-type"))
            raw = await read_limited(request.headers, request.receive, config.max_body_bytes)
            body = parse_json_object(raw, config.max_depth)
            return _json(dialect.count_tokens(body, service.profile.name, vertex))
        except APIError as error:
            return _error(error)

    async def list_models(request: Request) -> Response:
        if (problem := refused(request, False)) is not None:
            return _error(problem)
        return _json({"models": [model_object(m) for m in models()]})

    async def get_model(request: Request) -> Response:
        if (problem := refused(request, False)) is not None:
            return _error(problem)
        name = request.path_params["model"].removeprefix("models/")
        if ":" in name:  # a method's path (…:generateContent) asked with GET: the method is POST
            raise HTTPException(405, headers={"Allow": "POST"})
        if name not in models():
            return _error(APIError(f"models/{name} is not found for API version v1beta, or is not supported for "
                                   "generateContent. Call ListModels to see the list of available models and their "
                                   "supported methods.", status=404))
        return _json(model_object(name))

    out = [Route(f"/{version}/models/{{model}}:countTokens", count_tokens, methods=["POST"]) for version in ("v1beta", "v1")]
    out += [Route(f"/{version}{VERTEX}:countTokens", count_tokens, methods=["POST"]) for version in ("v1", "v1beta1")]
    out += [Route("/v1beta/models", list_models, methods=["GET"]),
            Route("/v1beta/models/{model}", get_model, methods=["GET"])]
    return out
