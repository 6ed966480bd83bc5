"""``GET``/``DELETE /v1/responses/{id}`` and ``GET /v1/responses/{id}/input_items``: the
responses the Responses dialect stored (``store: true``, the default).

An unknown, evicted or deleted id is a 404 in OpenAI's error shape: "Response with id 'resp_…'
not found." (the wording is from memory: no user report of it was found, so unverified).
"""

from __future__ import annotations

from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.dialects.responses.store import ResponseStore
from mockserver.validation.problems import invalid_value, out_of_range
from mockserver.wire.errors import APIError

MAX_LIMIT = 100


def stored_response_routes(
    store: ResponseStore,
    auth: Callable[[Request], APIError | None],
    error_response: Callable[[APIError], Response],
    json_response: Callable[..., Response],
) -> list[Route]:
    def stored(request: Request) -> Any:
        response_id = request.path_params["response_id"]
        found = store.get(response_id)
        if found is None:
            raise APIError(f"Response with id '{response_id}' not found.", status=404)
        return found

    def guarded(handler: Callable[[Request], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            refused = auth(request)
            if refused is not None:
                return error_response(refused)
            try:
                return handler(request)
            except APIError as error:
                return error_response(error)

        return endpoint

    def get_or_delete(request: Request) -> Response:
        found = stored(request)
        if request.method == "DELETE":
            store.delete(found.response["id"])
            return json_response({"id": found.response["id"], "object": "response", "deleted": True})
        return json_response(found.response)

    def list_input_items(request: Request) -> Response:
        items = list(stored(request).input_items)
        query = request.query_params
        order = query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise invalid_value("order", order, ["asc", "desc"])
        try:
            limit = int(query.get("limit", "20"))
        except ValueError:
            raise APIError(f"Invalid 'limit': expected an integer, got {query.get('limit')!r}.", param="limit") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise out_of_range("limit", limit, low=1, high=MAX_LIMIT, integer=True)
        if order == "desc":
            items.reverse()
        after = query.get("after")
        if after is not None:
            position = next((i for i, item in enumerate(items) if item.get("id") == after), None)
            items = items[position + 1 :] if position is not None else []
        page = items[:limit]
        return json_response({
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": len(items) > limit,
        })

    routes = []
    for prefix in ("/v1", ""):
        routes += [
            Route(f"{prefix}/responses/{{response_id}}", guarded(get_or_delete), methods=["GET", "DELETE"]),
            Route(f"{prefix}/responses/{{response_id}}/input_items", guarded(list_input_items), methods=["GET"]),
        ]
    return routes
