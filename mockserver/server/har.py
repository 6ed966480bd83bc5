"""The journal as an HTTP Archive (HAR 1.2, http://www.softwareishard.com/blog/har-12-spec/):
what browsers' dev tools (Network → Import HAR), proxies and HAR viewers open.

Each journal entry becomes one HAR entry: the request (its headers redacted as in the journal,
its body as ``postData``), the response (status, content, the headers the mock added), and
``timings`` (the whole handling as ``wait``). What HAR has no field for — outcome, dialect,
the scenario and rule that answered, near misses, faults, warnings — is kept under the entry's
``_mockserver`` key (HAR allows custom fields that start with an underscore).

Bodies are the journal's: the request as parsed (re-serialised, so not byte for byte what the
client sent) and, for a streamed answer, the message its events added up to (a ``comment`` says
so) rather than the ``text/event-stream`` bytes.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Iterable

from mockserver import __version__
from mockserver.server.entry import Entry
from mockserver.wire import jsoncodec

JSON = "application/json"
STREAMED_COMMENT = "streamed as text/event-stream; the text is the message the events added up to"


def har_log(entries: Iterable[Entry], base_url: str) -> dict[str, Any]:
    """``{"log": …}`` for ``entries``; ``base_url`` (scheme and host) makes absolute URLs when an
    entry has no ``Host`` header."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "mockserver", "version": __version__},
            "pages": [],
            "entries": [har_entry(e, base_url) for e in entries],
            "comment": "The mockserver journal: headers that carry credentials are redacted.",
        }
    }


def har_entry(entry: Entry, base_url: str) -> dict[str, Any]:
    host = entry.headers.get("host")
    url = (f"http://{host}" if host else base_url.rstrip("/")) + entry.path
    started = entry.as_time()
    raw = _raw(entry.request)
    request_type = entry.headers.get("content-type") or JSON
    length = entry.headers.get("content-length")
    request_size = int(length) if length and length.isdigit() else len(raw)
    response_raw = jsoncodec.dumps(entry.response) if entry.response else b""
    content: dict[str, Any] = {"size": len(response_raw), "mimeType": JSON, "text": response_raw.decode()}
    response_headers = [{"name": "content-type", "value": "text/event-stream" if entry.streamed else JSON}]
    response_headers += [{"name": k.lower(), "value": str(v)} for k, v in entry.response_headers.items()]
    if entry.streamed:
        content["comment"] = STREAMED_COMMENT
    return {
        "startedDateTime": started,
        "time": entry.duration_ms,
        "request": {
            "method": entry.method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": k, "value": v} for k, v in entry.headers.items()],
            "queryString": [],
            **({"postData": {"mimeType": request_type, "params": [], "text": raw.decode()}} if entry.request is not None else {}),
            "headersSize": -1,
            "bodySize": request_size if entry.request is not None else 0,
        },
        "response": {
            "status": entry.status,
            "statusText": _REASONS.get(entry.status, ""),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": response_headers,
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1 if entry.streamed else content["size"],
        },
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": entry.duration_ms, "receive": 0},
        "comment": f"mockserver journal #{entry.id}: {entry.outcome}",
        "_resourceType": "fetch",
        "_mockserver": {
            "id": entry.id,
            "dialect": entry.dialect,
            "outcome": entry.outcome,
            "scenario": entry.scenario,
            "rule": entry.rule,
            "rule_location": entry.rule_location,
            "near_misses": entry.near_misses,
            "faults": entry.faults,
            "warnings": getattr(entry, "warnings", None),
        },
    }


def _raw(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    return jsoncodec.dumps(body)


_REASONS = {status.value: status.phrase for status in HTTPStatus}
