"""Strings for generated arguments: values of the common JSON Schema formats, and a string that
matches a regular expression (``pattern``), built from Python's own regex parser — literals,
classes, categories, alternation, groups and repeats; anchors are satisfied by construction.
Look-arounds and back-references are not supported."""

from __future__ import annotations

import random
import re
import string
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]

MAX_EXTRA_REPEATS = 3
_CATEGORIES = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_NOT_DIGIT": string.ascii_letters,
    "CATEGORY_WORD": string.ascii_letters + string.digits + "_",
    "CATEGORY_NOT_WORD": " -.,",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": string.ascii_letters + string.digits,
}
_PRINTABLE = string.ascii_letters + string.digits + " -_.,:@"
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet")


class PatternError(ValueError):
    pass


def string_for(pattern: str, rng: random.Random) -> str:
    """A string ``re.search(pattern, s)`` accepts; PatternError when the pattern is out of reach."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise PatternError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
    for _ in range(8):
        text = _emit(parsed, rng)
        if re.search(pattern, text):
            return text
    raise PatternError(f"no string found for pattern {pattern!r}")


def _emit(items: Any, rng: random.Random) -> str:
    return "".join(_item(op, arg, rng) for op, arg in items)


def _item(op: Any, arg: Any, rng: random.Random) -> str:
    name = str(op)
    if name == "LITERAL":
        return chr(arg)
    if name == "NOT_LITERAL":
        return next(c for c in "ax0" if ord(c) != arg)
    if name == "ANY":
        return rng.choice(string.ascii_letters)
    if name == "IN":
        return _in(arg, rng)
    if name == "CATEGORY":
        return rng.choice(_CATEGORIES.get(str(arg), "a"))
    if name == "BRANCH":
        return _emit(rng.choice(arg[1]), rng)
    if name == "SUBPATTERN":
        return _emit(arg[-1], rng)
    if name == "ATOMIC_GROUP":
        return _emit(arg, rng)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = arg
        high = low + MAX_EXTRA_REPEATS if high == sre_parse.MAXREPEAT else min(high, low + MAX_EXTRA_REPEATS)
        return "".join(_emit(body, rng) for _ in range(rng.randint(low, high)))
    if name == "AT":
        return ""
    raise PatternError(f"regular-expression feature {name} is not supported")


def _in(items: list[tuple[Any, Any]], rng: random.Random) -> str:
    negate = bool(items) and str(items[0][0]) == "NEGATE"
    chars: list[str] = []
    for op, arg in items[1:] if negate else items:
        name = str(op)
        if name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            low, high = arg
            chars.extend(chr(c) for c in range(low, min(high, low + 200) + 1))
        elif name == "CATEGORY":
            chars.extend(_CATEGORIES.get(str(arg), ""))
    if negate:
        allowed = [c for c in _PRINTABLE if c not in set(chars)]
        if not allowed:
            raise PatternError("a negated character class excludes every candidate character")
        return rng.choice(allowed)
    if not chars:
        raise PatternError("an empty character class")
    return rng.choice(chars)


def _moment(rng: random.Random) -> datetime:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return start + timedelta(seconds=rng.randrange(0, 3 * 365 * 24 * 3600))


FORMATS: dict[str, Callable[[random.Random], str]] = {
    "date-time": lambda rng: _moment(rng).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "date": lambda rng: _moment(rng).strftime("%Y-%m-%d"),
    "time": lambda rng: _moment(rng).strftime("%H:%M:%SZ"),
    "email": lambda rng: f"{rng.choice(WORDS)}.{rng.randrange(100)}@example.com",
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "uri": lambda rng: f"https://example.com/{rng.choice(WORDS)}",
    "url": lambda rng: f"https://example.com/{rng.choice(WORDS)}",
    "uri-reference": lambda rng: f"/{rng.choice(WORDS)}",
    "hostname": lambda rng: f"{rng.choice(WORDS)}.example.com",
    "ipv4": lambda rng: f"192.0.2.{rng.randrange(1, 255)}",
    "ipv6": lambda rng: f"2001:db8::{rng.randrange(1, 0xFFFF):x}",
    "duration": lambda rng: f"PT{rng.randrange(1, 60)}M",
}
