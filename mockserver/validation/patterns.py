"""JSON Schema ``pattern`` and ``patternProperties`` with a time limit, for the schemas a client
declares in ``tools``.

jsonschema matches them with Python's ``re``, which cannot be interrupted: a request declaring
``"pattern": "^(a|a)+$"`` and carrying a 40-character argument in its history would hold the
event loop (and every other request) for hours. Here patterns are matched by the ``regex``
package with ``PATTERN_TIMEOUT``; a pattern that runs out of time is not checked — the
argument counts as matching, as mockserver must never refuse what the provider might accept —
and is remembered, so each such pattern costs one timeout, not one per argument. Syntax and
messages stay those of ``re`` and jsonschema.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterator

import regex
from jsonschema import validators
from jsonschema.exceptions import ValidationError

from mockserver.wire.bounded import ByteLRU, bounded_cache

log = logging.getLogger("mockserver")
PATTERN_TIMEOUT = 0.05  # seconds (of CPU, as the regex package counts) for one match
_unchecked = ByteLRU(1024, 1024 * 1024)  # patterns that ran out of time once


@bounded_cache(1024, 4 * 1024 * 1024, size=lambda pattern: 1024 + 16 * len(pattern))
def _compiled(pattern: str) -> Any:
    re.compile(pattern)  # an invalid pattern fails as it always did, with re's error
    try:
        return regex.compile(pattern, regex.VERSION0)
    except regex.error:  # pragma: no cover - a pattern re accepts that regex does not
        return re.compile(pattern)


def matches(pattern: str, text: str) -> bool:
    """``re.search(pattern, text)``, or True when the pattern cannot be checked in time."""
    if pattern in _unchecked:
        return True
    compiled = _compiled(pattern)
    if not isinstance(compiled, regex.Pattern):  # pragma: no cover - the fallback above
        return compiled.search(text) is not None
    try:
        return compiled.search(text, timeout=PATTERN_TIMEOUT) is not None
    except TimeoutError:
        _unchecked.put(pattern, True, 64 + len(pattern))
        log.warning("the schema pattern %r did not finish within %g s: it is not checked", pattern[:200], PATTERN_TIMEOUT)
        return True


def _pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not matches(patrn, instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")  # jsonschema's own words


def _pattern_properties(validator: Any, properties: dict[str, Any], instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in properties.items():
        for key, value in instance.items():
            if matches(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


_WITH_TIMEOUTS: dict[type, type] = {}


def with_timeouts(cls: type) -> type:
    """``cls`` (a jsonschema validator class) with the time-limited pattern keywords."""
    extended = _WITH_TIMEOUTS.get(cls)
    if extended is None:
        extended = _WITH_TIMEOUTS[cls] = validators.extend(
            cls, {"pattern": _pattern, "patternProperties": _pattern_properties}
        )
    return extended
