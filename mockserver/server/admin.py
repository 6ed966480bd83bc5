"""The ``/_mock`` routes: read and clear the journal, list and load scenarios, reset.

For containers and curl; the pytest plugin uses the same objects in-process. Every error is
OpenAI-shaped, like the rest of the server.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.engine.loader import LoadProblem, ScenarioLoadError, _duplicates, load_text
from mockserver.engine.model import Scenario
from mockserver.server import memory
from mockserver.server.journal import Journal
from mockserver.server.overlay import ScenarioOverlay
from mockserver.wire.errors import APIError

# Only types a web page cannot send cross-site without a CORS preflight (which mockserver never
# grants): text/plain, form types and a missing type are "simple" requests, refused here.
YAML_TYPES = ("application/yaml", "application/x-yaml")
BODY_FILE = "<request body>"


def load_scenario_text(text: str, file: str) -> list[Scenario]:
    """The scenarios of one YAML/JSON text; raise :class:`ScenarioLoadError` listing every problem."""
    found, problems = load_text(text, file)
    problems = problems + _duplicates(found)
    if problems:
        raise ScenarioLoadError(problems)
    return found


def load_error(problems: list[LoadProblem]) -> APIError:
    lines = "\n".join(str(p) for p in problems)
    return APIError(
        f"The scenario could not be loaded ({len(problems)} problem(s)):\n{lines}",
        code="invalid_scenario",
        extra={"problems": [p.as_dict() for p in problems]},
    )


def scenario_summary(scenario: Scenario, origin: str, hits: dict[tuple[str, str], int] | None = None) -> dict[str, Any]:
    """``hits``: how many journal entries each (scenario, rule) answered, when known."""
    rules = [{"name": r.name, "line": r.line, "priority": r.priority} for r in scenario.rules]
    if hits is not None:
        for rule in rules:
            rule["hits"] = hits.get((scenario.name, rule["name"]), 0)
    return {
        "name": scenario.name,
        "file": scenario.file,
        "origin": origin,
        "description": scenario.description,
        "models": scenario.named_models(),
        "profile": scenario.profile,
        "rules": rules,
        "source": scenario.source,
    }


def _check_scenario_content_type(content_type: str | None) -> None:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/json" or media in YAML_TYPES:
        return
    shown = f"Content-Type {media!r}" if media else "A missing Content-Type"
    raise APIError(
        f"{shown} is not accepted for a scenario: send YAML ('Content-Type: application/yaml') "
        "or JSON ('Content-Type: application/json').",
        code="unsupported_media_type",
        status=415,
    )


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on", ""):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise APIError(f"Invalid value for query parameter '{name}': {raw!r} (use true or false).", param=name)


def _since(request: Request) -> int | None:
    raw = request.query_params.get("since")
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise APIError(f"Invalid value for query parameter 'since': {raw!r} (use an entry id, 0 or more).", param="since")
    return int(raw)


def admin_routes(
    journal: Journal,
    overlay: ScenarioOverlay,
    read_body: Callable[[Request], Awaitable[bytes]],
    error_response: Callable[[APIError], Response],
    json_response: Callable[..., Response],
) -> list[Route]:
    def handled(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            refused = overlay.service.auth_error(request.headers)  # --api-key guards these too
            if refused is not None:
                return error_response(refused)
            try:
                return await handler(request)
            except APIError as error:
                return error_response(error)

        return endpoint

    async def get_journal(request: Request) -> Response:
        since = _since(request)
        epoch = journal.epoch  # read first: a clear in between makes the reader reload, not miss
        entries = journal.calls if since is None else journal.since(since)
        summary = _flag(request, "summary")
        return json_response({
            "object": "list",
            "data": [e.summary() if summary else e.as_dict() for e in entries],
            "max_entries": journal.size,
            "max_bytes": journal.max_bytes,
            "dropped": journal.dropped,
            "next_id": journal.next_id,
            "epoch": epoch,
        })

    async def get_entry(request: Request) -> Response:
        raw = request.path_params["entry"]
        entry = journal.get(int(raw)) if raw.isdigit() else None
        if entry is None:
            calls = journal.call_count
            held = f"it holds #{journal.next_id - calls} to #{journal.next_id - 1}" if calls else "it is empty"
            raise APIError(f"No journal entry #{raw} ({held}).", code="entry_not_found", status=404)
        return json_response(entry.as_dict())

    async def delete_journal(request: Request) -> Response:
        return json_response({"object": "mockserver.server.journal", "deleted": journal.clear()})

    async def get_scenarios(request: Request) -> Response:
        served = overlay.served.scenarios
        hits = journal.rule_hits()
        return json_response({"object": "list", "data": [scenario_summary(s, overlay.origin(s), hits) for s in served]})

    async def post_scenarios(request: Request) -> Response:
        _check_scenario_content_type(request.headers.get("content-type"))
        replace = _flag(request, "replace")
        file = request.query_params.get("file") or BODY_FILE
        raw = await read_body(request)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise APIError(f"The scenario body is not valid UTF-8: {exc}.", code="invalid_scenario") from None
        try:
            # off the event loop: a large scenario takes a while to parse, and other requests
            # (the tests sharing this server, /healthz) must not wait for it
            scenarios = await asyncio.to_thread(load_scenario_text, text, file)
        except ScenarioLoadError as exc:
            raise load_error(exc.problems) from None
        replaced = overlay.add(scenarios, replace=replace, text=(text, file))
        return json_response(
            {
                "object": "list",
                "data": [scenario_summary(s, "runtime") for s in scenarios],
                "replaced": replaced,
            },
            201,
        )

    async def reset(request: Request) -> Response:
        cleared = journal.clear(restart_ids=True)
        removed = overlay.reset()
        await asyncio.to_thread(memory.release)  # freed memory back to the system (malloc_trim runs without the GIL)
        return json_response({"object": "mockserver.reset", "journal_cleared": cleared, "scenarios_removed": removed})

    def by_method(**handlers: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        def dispatch(request: Request) -> Awaitable[Response]:
            method = "get" if request.method == "HEAD" else request.method.lower()  # starlette adds HEAD to GET
            return handlers[method](request)

        return handled(dispatch)

    # One route per path (not one per method), so a wrong method gets a 405 listing all allowed ones.
    return [
        Route("/_mock/journal", by_method(get=get_journal, delete=delete_journal), methods=["GET", "DELETE"]),
        Route("/_mock/journal/{entry}", handled(get_entry), methods=["GET"]),
        Route("/_mock/scenarios", by_method(get=get_scenarios, post=post_scenarios), methods=["GET", "POST"]),
        Route("/_mock/reset", handled(reset), methods=["POST"]),
    ]
