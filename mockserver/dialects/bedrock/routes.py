"""Bedrock's auxiliary route: ``POST /model/{modelId}/count-tokens`` (``CountTokens``, the
service model's ``/model/{modelId}/count-tokens``), answered with ``{"inputTokens": N}`` or an
error in AWS's shape."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.dialects.bedrock.errors import request_id
from mockserver.server.endpoint import read_limited
from mockserver.server.routes import DialectRoute, RouteMatch
from mockserver.wire import jsoncodec
from mockserver.wire.body import check_content_type, parse_json_object
from mockserver.wire.errors import APIError

COUNT_PATH = "/model/{model_id:path}/count-tokens"


def extra_routes(dialect: Any, service: Any) -> list[Route]:
    config = service.config
    route = DialectRoute(COUNT_PATH, "bedrock")

    async def count_tokens(request: Request) -> Response:
        match = RouteMatch(route, request.url.path, dict(request.path_params))
        try:
            refused = dialect.auth_error(config.api_key, request.headers, match)
            if refused is not None:
                raise refused
            check_content_type(request.headers.get("content-type"))
            raw = await read_limited(request.headers, request.receive, config.max_body_bytes)
            body = parse_json_object(raw, config.max_depth)
            counted = dialect.count_tokens(body, service.profile.name, match)
        except APIError as error:
            return Response(jsoncodec.dumps(dialect.error_body(service.profile, error)), status_code=error.status,
                            headers=dialect.error_headers(error), media_type="application/json")
        return Response(jsoncodec.dumps(counted), headers={"x-amzn-RequestId": request_id()}, media_type="application/json")

    return [Route(COUNT_PATH, count_tokens, methods=["POST"])]

