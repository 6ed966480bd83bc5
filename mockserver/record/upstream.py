"""The HTTP client for the real provider: httpx, async, streaming, with timeouts and a bounded
connection pool.

``BASE_URL`` is what the openai SDK takes as ``base_url`` (``https://api.openai.com/v1``,
``http://localhost:8000/v1`` for vLLM): the proxy's own ``/v1`` stands for it, so
``POST /v1/chat/completions`` goes to ``BASE_URL/chat/completions``.

Headers go upstream as the client sent them, minus hop-by-hop ones and mockserver's own
``X-Mock-*``. With an upstream key (``MOCKSERVER_UPSTREAM_API_KEY``) the client's credential
headers are replaced by it: in the header the client used (``Authorization: Bearer``,
``api-key``, ``x-api-key``), else in the dialect's usual one. The key lives in memory only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import httpx

# RFC 9110 §7.6.1 hop-by-hop headers, plus what httpx sets itself
_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding",
})
_CREDENTIALS = ("authorization", "api-key", "x-api-key", "x-goog-api-key")
# not relayed back: the body is relayed decoded, and the serving side sets its own framing
RESPONSE_DROP = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive",
                           "date", "server"})
DEFAULT_TIMEOUT = 600.0  # the openai SDK's own default read timeout
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 100


@dataclass
class UpstreamConfig:
    base_url: str
    api_key: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT  # seconds without a byte from the upstream (per read)
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS

    def __post_init__(self) -> None:
        url = httpx.URL(self.base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"upstream {self.base_url!r} is not an http(s) URL such as https://api.openai.com/v1")
        if self.timeout <= 0 or self.connect_timeout <= 0:
            raise ValueError("upstream timeouts must be positive")
        if self.max_connections < 1:
            raise ValueError("upstream max connections must be at least 1")


class Upstream:
    def __init__(self, config: UpstreamConfig) -> None:
        self.config = config
        self.base = config.base_url.rstrip("/")
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """Created on first use, inside the serving event loop."""
        if self._client is None:
            limits = httpx.Limits(max_connections=self.config.max_connections,
                                  max_keepalive_connections=min(20, self.config.max_connections))
            timeout = httpx.Timeout(self.config.timeout, connect=self.config.connect_timeout)
            self._client = httpx.AsyncClient(timeout=timeout, limits=limits, follow_redirects=False)
        return self._client

    def url_for(self, path: str, query: bytes = b"") -> str:
        # OpenAI-style bases end in /v1 (the client's /v1 is theirs); Google's method paths
        # (…/models/{model}:generateContent) carry their own version and go under the host as they are
        google = ":" in path.rsplit("/", 1)[-1]
        rest = path[3:] if (path == "/v1" or path.startswith("/v1/")) and not google else path
        base = self.base
        if path.startswith("/api/") and base.endswith("/v1"):  # Ollama's native API is beside its /v1
            base = base[:-3]
        url = base + rest
        return url + ("?" + query.decode("latin-1") if query else "")

    def headers_for(self, raw: Iterable[tuple[bytes, bytes]], auth: str) -> list[tuple[str, str]]:
        headers = []
        used: list[str] = []
        for key, value in raw:
            name = key.decode("latin-1").lower()
            if name in _HOP_BY_HOP or name.startswith("x-mock-"):
                continue
            if self.config.api_key and name in _CREDENTIALS:
                used.append(name)
                continue
            headers.append((name, value.decode("latin-1")))
        if self.config.api_key:
            for name in dict.fromkeys(used or ["authorization" if auth == "bearer" else auth]):
                headers.append((name, f"Bearer {self.config.api_key}" if name == "authorization" else self.config.api_key))
        return headers

    async def open(self, method: str, path: str, query: bytes, raw_headers: Iterable[tuple[bytes, bytes]],
                   body: bytes, auth: str = "bearer") -> httpx.Response:
        """Send the request; the response's body is read by the caller (``aiter_bytes``), then closed."""
        request = self.client.build_request(method, self.url_for(path, query), headers=self.headers_for(raw_headers, auth),
                                            content=body)
        return await self.client.send(request, stream=True)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
