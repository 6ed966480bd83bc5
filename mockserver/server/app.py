"""The starlette application: the dialects' endpoints, models, stored responses, admin routes,
body limits, and OpenAI-shaped errors for everything else."""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.server.admin import admin_routes
from mockserver.dialects.chat.dialect import ChatDialect
from mockserver.dialects.messages.dialect import MessagesDialect
from mockserver.dialects.responses.dialect import ResponsesDialect
from mockserver.server.endpoint import DialectEndpoint, FastPath, read_limited
from mockserver.server.guard import HostGuard
from mockserver.server.stored_responses import stored_response_routes
from mockserver.config import Config, ConfigError
from mockserver.engine.loader import load_paths
from mockserver.engine.model import ScenarioSet
from mockserver.server.inspector import inspector_routes
from mockserver.server.journalfile import JournalFile
from mockserver.server.state import open_backend
from mockserver.server.reload import lifespan as reload_lifespan
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
    responses = ResponsesDialect(state.responses(config.responses_store_size, config.responses_store_bytes))
    messages = MessagesDialect()
    service = MockService(config, scenarios, {"chat": ChatDialect(), "responses": responses, "messages": messages})
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

    routes = [Route("/healthz", healthz, methods=["GET"])]
    routes += admin_routes(journal, overlay, lambda r: read_body(r, config.max_scenario_bytes, "--max-scenario-bytes"), error_response, json_response)
    routes += stored_response_routes(responses.store, lambda r: service.auth_error(r.headers), error_response, json_response)
    routes += inspector_routes(journal, service, error_response)
    for prefix in ("/v1", ""):
        routes += [
            Route(f"{prefix}/chat/completions", endpoint, methods=["POST"]),
            Route(f"{prefix}/responses", endpoint, methods=["POST"]),
            Route(f"{prefix}/messages", endpoint, methods=["POST"]),
            Route(f"{prefix}/messages/count_tokens", count_tokens, methods=["POST"]),
            Route(f"{prefix}/models", list_models, methods=["GET"]),
            Route(f"{prefix}/models/{{model:path}}", get_model, methods=["GET"]),
        ]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            allowed = [m.strip() for m in (exc.headers or {}).get("Allow", "").split(",") if m.strip()]
            return error_response(method_not_allowed(request.method, request.url.path, allowed))
        if exc.status_code == 404:
            return error_response(not_found_route(request.method, request.url.path))
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
    app.state.backend = state
    return app


def _sync(overlay: Any) -> list[Middleware]:
    """With shared state: before each request, catch up with scenarios pushed on other workers."""
    if not hasattr(overlay, "sync"):
        return []
    from mockserver.server.state.scenarios import StateSync

    return [Middleware(StateSync, overlay=overlay)]


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
