"""Logged exchanges into scenarios, the same way the proxy records them.

Readers, chosen by content (not by file name):

- JSON Lines: one ``{"request": {...}, "response": {...}}`` per line (what gateways and tracing
  tools log; also ``exchanges.jsonl`` written by ``mockserver record`` and lines of the journal),
  with optional ``path``/``url``, ``status`` and, for a streamed answer, ``response`` as the SSE text;
- HAR 1.2 (``{"log": {"entries": [...]}}``): browsers' dev tools, proxies, the journal's HAR export;
- the journal as served by ``GET /_mock/journal`` (``{"data": [entries]}``), or a list of entries.

Each exchange is given to the dialect adapter of its path (or, without one, of its shape).
Answers with a status of 400 or more become faults only with ``record_errors``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from mockserver.record.dialects import Reading, for_exchange, for_path
from mockserver.record.exchange import Exchange, Failure, error_message, retry_after
from mockserver.record.recorder import Recorder
from mockserver.record.sse import looks_like_sse, parse_text
from mockserver.server.faults import HTTP_STATUSES


class ImportError_(ValueError):
    """A file that is none of the formats (the message names the file and what is wrong)."""


@dataclass
class Logged:
    """One exchange as a log has it."""

    request: Any
    response: Any  # a JSON body, or the SSE text of a streamed answer
    status: int = 200
    path: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # the response's (for Retry-After)
    where: str = ""  # file:line or file#entry, for messages


@dataclass
class ImportReport:
    read: int = 0
    recorded: int = 0
    skipped: list[str] = field(default_factory=list)  # why each unused exchange was left out
    files: set[Path] = field(default_factory=set)


def import_files(paths: list[str | Path], recorder: Recorder, record_errors: bool = False) -> ImportReport:
    report = ImportReport()
    for path in paths:
        for logged in read_file(Path(path)):
            report.read += 1
            reason = _import_one(logged, recorder, record_errors, report)
            if reason:
                report.skipped.append(f"{logged.where}: {reason}")
    return report


def _import_one(logged: Logged, recorder: Recorder, record_errors: bool, report: ImportReport) -> str | None:
    request, response = logged.request, logged.response
    if isinstance(request, str):
        request = _loads(request)
    if isinstance(response, str) and not looks_like_sse(response):
        response = _loads(response)
    adapter = (for_path(logged.path) if logged.path else None) or for_exchange(request, response)
    if adapter is None:
        return "not a chat, responses or messages exchange"
    parsed = adapter.request(request)
    if parsed is None:
        return f"the request is not a {adapter.name} request"
    if logged.status >= 400:
        if not record_errors:
            return f"status {logged.status} (errors are recorded with --record-errors)"
        if logged.status not in HTTP_STATUSES:
            return f"status {logged.status} cannot be replayed as a fault"
        failure = Failure(logged.status, error_message(response) or "", retry_after(logged.headers))
        exchange = Exchange(parsed, failure=failure)
    else:
        reading = _read(adapter, response)
        if reading.answer is None:
            return f"no usable answer{f' ({reading.error})' if reading.error else ''}"
        exchange = Exchange(parsed, reading.answer, profile=reading.profile, answer_id=reading.answer_id)
    written = recorder.add(exchange)
    report.recorded += 1
    if written is not None:
        report.files.add(written)
    return None


def _read(adapter: Any, response: Any) -> Reading:
    if isinstance(response, str):
        reader = adapter.stream()
        for event in parse_text(response):
            reader.feed(event)
        return reader.result()
    if isinstance(response, dict) and response.get("stream") is True and "choices" in response:
        response = dict(response)  # the journal's view of a streamed chat answer: already added up
        response.pop("stream")
    return adapter.answer(response)


# --- readers ------------------------------------------------------------------------------------


def read_file(path: Path) -> Iterator[Logged]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{path}: cannot read: {exc}") from None
    stripped = text.lstrip()
    whole = None
    if stripped.startswith(("{", "[")):
        try:
            whole = json.loads(text)
        except ValueError:
            whole = None  # several JSON values: JSON Lines
    if isinstance(whole, dict) and isinstance(whole.get("log"), dict):
        yield from _har(whole, path)
    elif isinstance(whole, dict) and isinstance(whole.get("data"), list):
        yield from _entries(whole["data"], path)
    elif isinstance(whole, list):
        yield from _entries(whole, path)
    elif isinstance(whole, dict) and "request" in whole:
        yield from _entries([whole], path)
    else:
        yield from _json_lines(text, path)


def _json_lines(text: str, path: Path) -> Iterator[Logged]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise ImportError_(f"{path}:{number}: not JSON ({exc}); expected JSON Lines of "
                               '{"request": ..., "response": ...}, a HAR file or the journal') from None
        yield from _entries([value], path, number)


def _entries(values: list[Any], path: Path, line: int | None = None) -> Iterator[Logged]:
    for k, value in enumerate(values):
        where = f"{path}:{line}" if line is not None else f"{path}#{k}"
        if not isinstance(value, dict) or "request" not in value or "response" not in value:
            raise ImportError_(f"{where}: expected an object with 'request' and 'response'")
        status = value.get("status", 200)
        target = value.get("path") or value.get("url")
        yield Logged(value["request"], value["response"], status if isinstance(status, int) else 200,
                     _path_of(target) if isinstance(target, str) else None,
                     _lower(value.get("response_headers") or {}), where)


def _har(har: dict[str, Any], path: Path) -> Iterator[Logged]:
    for k, entry in enumerate(har["log"].get("entries") or []):
        where = f"{path}#entries[{k}]"
        request, response = entry.get("request") or {}, entry.get("response") or {}
        if str(request.get("method", "")).upper() != "POST":
            continue
        post = (request.get("postData") or {}).get("text")
        content = response.get("content") or {}
        body = content.get("text")
        if isinstance(body, str) and content.get("encoding") == "base64":
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        if post is None or body is None:
            continue
        headers = {h.get("name", ""): h.get("value", "") for h in response.get("headers") or [] if isinstance(h, dict)}
        yield Logged(post, body, int(response.get("status") or 200), _path_of(str(request.get("url") or "")),
                     _lower(headers), where)


def _path_of(target: str) -> str:
    if "://" in target:
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    return target.split("?", 1)[0]


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {}


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
