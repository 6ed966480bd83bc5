"""Ollama's auxiliary endpoints: ``GET /api/tags`` (the models the scenarios name),
``POST /api/show``, ``GET /api/version``, ``GET /api/ps`` (``server/routes.go``
``GenerateRoutes``: each also answers ``HEAD`` where Ollama's does)."""

from __future__ import annotations

from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.dialects.ollama import models
from mockserver.server.endpoint import read_limited
from mockserver.wire.errors import APIError
from mockserver.wire import jsoncodec

JSON = "application/json; charset=utf-8"


def _json(body: Any, status: int = 200) -> Response:
    return Response(jsoncodec.dumps(body), status_code=status, media_type=JSON)


def error(text: str, status: int) -> Response:
    return _json({"error": text}, status)


async def read_json(request: Request, limit: int) -> Any:
    """The request's JSON body, read within ``limit`` as it arrives; else the answer Ollama's
    handlers give: 413, 400 ``missing request body`` (ShouldBindJSON: ``io.EOF``), 400 for JSON
    that does not parse. The caller tells them apart with ``isinstance(…, Response)``."""
    try:
        raw = await read_limited(request.headers, request.receive, limit)
    except APIError as problem:
        return error("request body too large" if problem.status == 413 else problem.message, problem.status)
    if not raw.strip():
        return error("missing request body", 400)
    try:
        return jsoncodec.loads(raw)
    except (jsoncodec.DecodeError, ValueError) as exc:
        return error(f"invalid JSON: {exc}", 400)


def routes(names: Callable[[], list[str]], refused: Callable[[Request], str | None], limit: int) -> list[Route]:
    """``names``: the scenarios' models now (they change on reload); ``refused``: the 401 text
    when ``--api-key`` is set and missing."""

    async def tags(request: Request) -> Response:
        if (text := refused(request)) is not None:
            return error(text, 401)
        return _json({"models": [models.listed(n) for n in _unique(names())]})

    async def ps(request: Request) -> Response:
        if (text := refused(request)) is not None:
            return error(text, 401)
        return _json({"models": [models.running(n) for n in _unique(names())]})

    async def version(request: Request) -> Response:
        return _json({"version": models.VERSION})

    async def show(request: Request) -> Response:
        if (text := refused(request)) is not None:
            return error(text, 401)
        body = await read_json(request, limit)
        if isinstance(body, Response):
            return body
        if not isinstance(body, dict):
            return error(f"json: cannot unmarshal {type(body).__name__} into Go value of type api.ShowRequest", 400)
        requested = body.get("model") or body.get("name")
        if not isinstance(requested, str) or not requested:
            return error("model is required", 400)
        found = models.find(requested, names())
        if found is None:
            return error(models.not_found_text(requested), 404)
        return _json(models.shown(found))

    return [
        Route("/api/tags", tags, methods=["GET", "HEAD"]),
        Route("/api/ps", ps, methods=["GET"]),
        Route("/api/version", version, methods=["GET", "HEAD"]),
        Route("/api/show", show, methods=["POST"]),
    ]


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(models.full_name(name), name)
    return list(seen.values())
