"""One log line per request a test author needs to see, so a container's log tells the story.

Called from the journal's write path (:meth:`Journal.add`), which every endpoint and dialect goes
through: scenario errors (422), requests no rule matched (with the closest rule and why) and
requests answered with warnings are logged at WARNING; requests rejected by validation at INFO.
Each is a single line: request number, model, the scenario and rule (or the closest rule), reason.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("mockserver.requests")


def one_line(text: Any, limit: int = 400) -> str:
    flat = " | ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _error(body: Any, outcome: Any) -> dict[str, Any]:
    error = getattr(outcome, "error", None)
    if error is not None and hasattr(error, "body"):
        return error.body()["error"]  # OpenAI's envelope, whatever shape the profile answered in
    found = body.get("error") if isinstance(body, dict) else None
    return found if isinstance(found, dict) else {}


def _closest(error: dict[str, Any]) -> str:
    misses = error.get("near_misses") or []
    if not misses:
        return "no rule matched (no scenarios loaded)"
    best = misses[0]
    line = f":{best['line']}" if best.get("line") else ""
    text = f"no rule matched; closest: scenario '{best['scenario']}' rule '{best['rule']}' ({best['file']}{line})"
    differences = best.get("differences") or []
    if differences:
        d = differences[0]
        text += f": {d['field']} expected {d['expected']}, got {d['actual']!r}"
    return text


def log_request(number: int | None, status: int, body: Any, outcome: Any) -> None:
    """Log one request's problem (or warnings) as one line; nothing for a clean 200 or a 5xx
    (a server error is logged with its traceback where it happened)."""
    request = getattr(outcome, "request", None)
    model = request.get("model") if isinstance(request, dict) else None
    who = f"request #{number}" if number is not None else "request"
    if isinstance(model, str):
        who += f" model '{one_line(model, 80)}'"
    warnings = getattr(outcome, "warnings", None) or []
    if status < 400:
        rule = getattr(getattr(outcome, "reply", None), "rule", None)
        where = f" answered by {rule.label}" if rule is not None else ""
        for warning in warnings:  # wire.warnings.MockWarning: "code at path: message"
            text = warning.line() if hasattr(warning, "line") else warning
            log.warning("%s%s: warning: %s", who, where, one_line(text))
        return
    if status >= 500:
        return
    error = _error(body, outcome)
    if error.get("code") == "no_matching_rule":
        log.warning("%s: %d unmatched: %s", who, status, one_line(_closest(error)))
    elif error.get("code") == "scenario_error":
        log.warning("%s: %d %s", who, status, one_line(error.get("message", "")))
    elif log.isEnabledFor(logging.INFO):
        param = f" (param: {error['param']})" if error.get("param") else ""
        log.info("%s: %d rejected: %s%s", who, status, one_line(error.get("message", body)), param)
