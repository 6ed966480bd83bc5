"""The route table: every path a wire dialect answers, and the dialect it lands on, in one place.

A path is written as starlette writes it (``{name}`` matches one path segment, ``{name:path}``
the rest of the path), so a dialect whose model lives in the URL (Gemini, Bedrock, Azure's
deployments) is one line here. A route may imply a provider profile (``profile``): it applies
when neither the request (``X-Mock-Profile``) nor the server (``--profile`` other than the
default) names one.

Adding a dialect is a folder under ``mockserver/dialects``, one line in its ``CLASSES`` table and
its lines here; the dialect reads what the path and query say from the :class:`RouteMatch` its
``parse`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Iterable, Pattern
from urllib.parse import parse_qsl

from starlette.routing import compile_path


@dataclass(frozen=True)
class DialectRoute:
    """One path a dialect answers (``POST``)."""

    path: str  # starlette-style: "/v1beta/models/{model}:generateContent"
    dialect: str  # a name in mockserver.dialects.CLASSES
    profile: str | None = None  # the provider profile the path implies, if any


#: every dialect path the server answers, by wire dialect; OpenAI-compatible providers' paths
#: are entries on the dialect they speak
ROUTES: tuple[DialectRoute, ...] = (
    # OpenAI Chat Completions
    DialectRoute("/v1/chat/completions", "chat"),
    DialectRoute("/chat/completions", "chat"),
    # OpenAI Responses
    DialectRoute("/v1/responses", "responses"),
    DialectRoute("/responses", "responses"),
    # Anthropic Messages
    DialectRoute("/v1/messages", "messages"),
    DialectRoute("/messages", "messages"),
)


@dataclass(frozen=True)
class RouteMatch:
    """What a request's path and query string say beyond its body."""

    route: DialectRoute
    path: str
    params: dict[str, str] = field(default_factory=dict)  # path parameters, e.g. {"model": "gemini-2.5-flash"}
    query: dict[str, str] = field(default_factory=dict)  # query parameters (the first of a repeated name)
    query_string: str = ""

    @property
    def dialect(self) -> str:
        return self.route.dialect

    def key(self) -> tuple[str, str]:
        """What an identical request must share besides its body (the memo's key)."""
        return (self.path, self.query_string)


class RouteTable:
    """Resolves a request path to its route: exact paths by one dict probe, then the patterns."""

    def __init__(self, routes: Iterable[DialectRoute]) -> None:
        self.routes = tuple(routes)
        self.exact: dict[str, DialectRoute] = {}
        self.patterns: list[tuple[Pattern[str], DialectRoute]] = []
        for route in self.routes:
            if "{" in route.path:
                self.patterns.append((compile_path(route.path)[0], route))
            else:
                self.exact[route.path] = route
        # the match of an exact path without a query string never changes: made once
        self._plain = {path: RouteMatch(route, path) for path, route in self.exact.items()}

    def resolve(self, path: str, query_string: bytes | str = b"") -> RouteMatch | None:
        if not query_string:
            plain = self._plain.get(path)
            if plain is not None:
                return plain
        route = self.exact.get(path)
        params: dict[str, str] = {}
        if route is None:
            for pattern, candidate in self.patterns:
                found = pattern.match(path)
                if found is not None:
                    route, params = candidate, found.groupdict()
                    break
            else:
                return None
        query = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
        values: dict[str, str] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            values.setdefault(name, value)
        return RouteMatch(route, path, params, values, query)

    def matches(self, path: str) -> bool:
        """Whether ``path`` is a dialect route (the endpoint's fast path asks before routing)."""
        return path in self.exact or any(p.match(path) for p, _ in self.patterns)


@cache
def table() -> RouteTable:
    """The server's route table (built once: the table is constant)."""
    return RouteTable(ROUTES)


def resolve(path: str, query_string: bytes | str = b"") -> RouteMatch | None:
    return table().resolve(path, query_string)


def dialect_of(path: str) -> str | None:
    """The dialect a request path speaks, or None for other routes."""
    found = table().resolve(path)
    return found.dialect if found is not None else None
