"""The starlette application: the dialects' endpoints, models, stored responses, admin routes,
body limits, and OpenAI-shaped errors for everything else."""

from __future__ import annotations

import contextlib
import logging
import os
from difflib import SequenceMatcher
from time import perf_counter
from typing import Any, AsyncIterator, Iterable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.server.admin import admin_routes
from mockserver.dialects import build as build_dialects
from mockserver.server.embeddings import embedding_routes
from mockserver.server.endpoint import DialectEndpoint, FastPath, read_limited
from mockserver.server.routes import MODEL_LIST_PREFIXES
from mockserver.server.guard import HostGuard
from mockserver.server.stored_responses import stored_response_routes
from mockserver.config import Config, ConfigError
from mockserver.engine.loader import load_paths
from mockserver.engine.model import ScenarioSet
from mockserver.server.inspector import inspector_routes
from mockserver.server.journal import Journal
from mockserver.server.journalfile import JournalFile
from mockserver.server.state import open_backend
from mockserver.server.reload import lifespan as reload_lifespan
from mockserver.server.routes import RouteTable
from mockserver.server.service import MockService
from mockserver.wire import jsoncodec
from mockserver.dialects.messages.errors import request_id
from mockserver.wire.body import check_content_type, parse_json_object
from mockserver.wire.errors import APIError, method_not_allowed, not_found_route

log = logging.getLogger("mockserver")
JSON = "application/json"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(jsoncodec.dumps(body), status_code=status, headers=headers, media_type=JSON)


def error_response(error: APIError) -> Response:
    return json_response(error.body(), error.status, error.headers)


async def read_body(request: Request, limit: int, option: str = "--max-body-bytes") -> bytes:
    return await read_limited(request.headers, request.receive, limit, option)


def build_app(config: Config | None = None, scenarios: ScenarioSet | None = None) -> Starlette:
    config = config or Config()
    if scenarios is None:
        scenarios = load_paths(config.scenario_paths())
    state = open_backend(config.state)  # memory (default), sqlite or redis: see mockserver.server.state
    dialects = build_dialects(config)
    responses, messages = dialects["responses"], dialects["messages"]
    if state.kind != "memory":  # the dialect's own store (memory) is the default backend's
        responses.store = state.responses(config.responses_store_size, config.responses_store_bytes)
    service = MockService(config, scenarios, dialects)
    service.faults = state.faults()
    sink = None
    if config.journal_file:
        sink = JournalFile(config.journal_file, config.journal_file_max_bytes, config.journal_file_backups)
    journal = state.journal(config.journal_size, config.journal_bytes, sink)
    overlay = state.overlay(service)

    fallback = upstream_fallback(config) if config.upstream else None
    endpoint = DialectEndpoint(service, journal, config.max_body_bytes, fallback)

    async def list_models(request: Request) -> Response:
        if (refused := service.auth_error(request.headers)) is not None:
            return error_response(refused)
        return json_response({"object": "list", "data": [_model(m) for m in service.scenarios.models()]})

    async def get_model(request: Request) -> Response:
        if (refused := service.auth_error(request.headers)) is not None:
            return error_response(refused)
        model_id = request.path_params["model"]
        if model_id not in service.scenarios.models():
            return error_response(
                APIError(
                    f"The model `{model_id}` does not exist or you do not have access to it.",
                    param="model",
                    code="model_not_found",
                    status=404,
                )
            )
        return json_response(_model(model_id))

    async def count_tokens(request: Request) -> Response:
        """Anthropic's ``POST /v1/messages/count_tokens``: the same estimate as ``usage.input_tokens``."""
        try:
            refused = messages.auth_error(config.api_key, request.headers)
            if refused is not None:
                raise refused
            check_content_type(request.headers.get("content-type"))
            body = parse_json_object(await read_body(request, config.max_body_bytes), config.max_depth)
            counted = messages.count_tokens(body, service.profile.name)
        except APIError as error:
            return json_response(messages.error_body(service.profile, error), error.status, messages.error_headers(error))
        return json_response(counted, headers={"request-id": request_id()})

    async def healthz(request: Request) -> Response:
        health = {"status": "ok", "scenarios": len(service.scenarios)}
        if state.kind != "memory":  # which backend, and which process answered (workers share a port)
            health.update(state=state.kind, worker=os.getpid())
        return json_response(health)

    async def list_routes(request: Request) -> Response:
        """Every route this server answers: the dialects' table, then the others."""
        dialect_routes = [{"method": "POST", "path": r.path, "dialect": r.dialect, "profile": r.profile} for r in endpoint.table.routes]
        others = [{"methods": sorted(getattr(r, "methods", None) or []), "path": r.path} for r in app.routes
                  if isinstance(r, Route) and r.endpoint is not endpoint]
        return json_response({"dialects": dialect_routes, "other": others})

    routes = [Route("/healthz", healthz, methods=["GET"]), Route("/_mock/routes", list_routes, methods=["GET"])]
    routes += admin_routes(journal, overlay, lambda r: read_body(r, config.max_scenario_bytes, "--max-scenario-bytes"), error_response, json_response)
    routes += stored_response_routes(responses.store, lambda r: service.auth_error(r.headers), error_response, json_response)
    routes += inspector_routes(journal, service, error_response)
    mcp = mcp_endpoint(service, journal, config)
    routes += mcp.routes()
    # every dialect path of the route table (the fast path answers their POSTs; the router
    # lists them so that other methods get a 405), then each dialect's auxiliary routes
    routes += [Route(r.path, endpoint, methods=["POST"]) for r in endpoint.table.routes]
    for dialect in dialects.values():
        extra = getattr(dialect, "extra_routes", None)
        if extra is not None:
            routes += extra(service)
    routes += embedding_routes(service, lambda r: read_body(r, config.max_body_bytes))
    for prefix in ("/v1", ""):
        routes += [
            Route(f"{prefix}/messages/count_tokens", count_tokens, methods=["POST"]),
            Route(f"{prefix}/models", list_models, methods=["GET"]),
            Route(f"{prefix}/models/{{model:path}}", get_model, methods=["GET"]),
        ]
    for prefix in MODEL_LIST_PREFIXES:  # the model lists under OpenAI-compatible providers' base URLs
        routes += [Route(f"{prefix}/models", list_models, methods=["GET"]),
                   Route(f"{prefix}/models/{{model:path}}", get_model, methods=["GET"])]

    async def http_error(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, HTTPException):  # pragma: no cover - starlette routes only HTTPExceptions here
            return await server_error(request, exc)
        if exc.status_code in (404, 405):
            return wrong_route(request, exc, journal, endpoint.table, dialects.values())
        return error_response(APIError(str(exc.detail), status=exc.status_code))

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return error_response(
            APIError(f"mockserver internal error: {type(exc).__name__}: {exc}", type="server_error", status=500)
        )

    app = Starlette(
        routes=routes,
        # the guard first: it covers every route, the dialect endpoints' fast path included
        middleware=[Middleware(HostGuard, bound=config.host, allowed=config.allowed_hosts), *_sync(overlay),
                    Middleware(FastPath, endpoint=endpoint)],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=_closing(reload_lifespan(config.scenario_paths, overlay.set_base, config.reload, config.reload_interval,
                                          config.lenient), fallback, state),
    )
    app.state.service = service
    app.state.journal = journal
    app.state.overlay = overlay
    app.state.mcp = mcp
    app.state.backend = state
    return app


def mcp_endpoint(service: MockService, journal: Journal, config: Config) -> Any:
    """The MCP server mock (``/mcp``, ``/mcp/{server}``): the tools the served scenarios declare."""
    from mockserver.mcp.http import McpEndpoint
    from mockserver.mcp.protocol import McpProtocol, Sessions
    from mockserver.mcp.registry import RegistryCache

    protocol = McpProtocol(RegistryCache(lambda: service.scenarios), Sessions(), config.scenario_timeout)
    return McpEndpoint(protocol, journal, config.max_body_bytes)


def _sync(overlay: Any) -> list[Middleware]:
    """With shared state: before each request, catch up with scenarios pushed on other workers."""
    if not hasattr(overlay, "sync"):
        return []
    from mockserver.server.state.scenarios import StateSync

    return [Middleware(StateSync, overlay=overlay)]


def wrong_route(request: Request, exc: HTTPException, journal: Journal, table: RouteTable, dialects: Iterable[Any]) -> Response:
    """A 404 or 405 in OpenAI's words, with the mock's hint beside them (the dialect route
    nearest the path, and where the whole table is), journaled and logged like any request. A
    dialect whose clients send such a path (its ``wrong_route``) gives the answer its own shape."""
    method, path = request.method, request.url.path
    # a POST to a path that only answers GET (a model's path) is a mistaken route, not a method
    # to change: "use GET" would be the wrong advice
    if exc.status_code == 405 and method != "POST":
        allowed = [m.strip() for m in (exc.headers or {}).get("Allow", "").split(",") if m.strip()]
        error = method_not_allowed(method, path, allowed)
    else:
        error = not_found_route(method, path)
    # a 405 names the path's methods ("use POST"): the path is right, a route suggestion is noise
    hint = route_hint(method, path, table) if error.status == 404 else ""
    if hint:
        error.message += f" (mockserver: {hint})"
    routed = table.resolve(path)
    for dialect in dialects:
        claim = getattr(dialect, "wrong_route", None)
        shaped = claim(path, error, routed is not None and routed.dialect == dialect.name) if claim else None
        if shaped is not None:
            error, body, headers = shaped
            break
    else:
        body, headers = error.body(), dict(error.headers)
    journal.add((method, path, request.scope["headers"], b"", None, perf_counter()), error.status, body, None)
    return json_response(body, error.status, {**headers, "X-Mock-Hint": hint} if hint else headers)


def route_hint(method: str, path: str, table: RouteTable) -> str:
    """What the mock suggests for a path it does not answer: the nearest dialect route."""
    if path.startswith("/_mock") or table.matches(path):
        return ""
    ratio, best = max(((SequenceMatcher(None, path, r.path).ratio(), r) for r in table.routes), key=lambda x: x[0])
    listing = "GET /_mock/routes lists every route"
    return f"did you mean POST {best.path} ({best.dialect})? {listing}" if ratio >= 0.6 else listing


def upstream_fallback(config: Config) -> Any:
    """``serve --upstream``: unmatched requests go to the upstream (recorded with ``--record``)."""
    from mockserver.record.proxy import Forwarder
    from mockserver.record.recorder import Recorder
    from mockserver.record.upstream import Upstream, UpstreamConfig

    try:
        upstream = Upstream(UpstreamConfig(config.upstream, config.upstream_api_key, config.upstream_timeout))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    recorder = Recorder(config.record, config.upstream) if config.record else None
    return Forwarder(upstream, recorder, config.record_errors)


def _closing(lifespan: Any, fallback: Any, state: Any) -> Any:
    """The lifespan, then the fallback's connections and the state backend closed at shutdown."""

    @contextlib.asynccontextmanager
    async def run(app: Any) -> AsyncIterator[None]:
        async with lifespan(app):
            try:
                yield
            finally:
                if fallback is not None:
                    await fallback.aclose()
                state.close()

    return run


def _model(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": 1_735_689_600, "owned_by": "mockserver"}
