"""JSON for large bodies without holding the GIL for long.

orjson decodes or encodes a body in one C call that holds the GIL throughout: 150-250 ms for a
3.7 MB, 100,000-message conversation on a loaded 2-core machine. The server handles such a body
in a worker thread, but a thread holding the GIL stops the event loop all the same (``/healthz``
waited that long). These two functions do the same work in many short steps, so the GIL changes
hands every few milliseconds (the interpreter's switch interval):

- :func:`loads` decodes with the standard library's C scanner and a Python ``object_pairs_hook``
  (each object built in Python code, where the interpreter may switch threads) and gives
  exactly what orjson gives, or ``None`` whenever the two might differ (lone surrogates,
  ``NaN``/``Infinity``, numbers orjson reads otherwise, any error): the caller then uses orjson,
  which also words the error.
- :func:`dumps_sorted` encodes big dicts member by member and big lists in runs of members
  (each run one orjson call of about :data:`RUN_BYTES` of output; while runs are short, a
  member that holds a big container is encoded on its own, in steps; checking every member
  would cost more than encoding them) and joins the pieces: the same bytes as
  ``orjson.dumps(obj, option=OPT_SORT_KEYS)`` (tested against it). Encoding a
  100,000-message list member by member cost 250 ms of Python calls and, at its end, ~30 ms
  freeing 100,000 pieces in one go; in runs it costs about what one orjson call does.

Decoding is about three times slower than orjson alone; used for bodies over
:data:`SLICED_BYTES` only.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

SLICED_BYTES = 1024 * 1024  # bodies up to this size are decoded in one orjson call (tens of ms at most)
SLICED_ITEMS = 1024  # lists and dicts with more members than this are encoded in steps
RUN_BYTES = 64 * 1024  # a list's members are encoded in runs of about this much output (~0.5 ms)
FIRST_RUN = 8  # members in a list's first run (the next runs are sized from its output)
MAX_RUN = 4096

_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")  # an escaped surrogate: orjson and json may disagree
_UINT64 = 1 << 64
_INT64 = -(1 << 63)


class _Differs(Exception):
    """The standard library would read this differently from orjson."""


def _int(text: str) -> Any:
    value = int(text)
    if not _INT64 <= value < _UINT64:
        raise _Differs  # orjson turns it into a float
    return value


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Differs  # orjson refuses it
    return value


def _constant(text: str) -> Any:
    raise _Differs  # NaN, Infinity: orjson refuses them


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return dict(pairs)  # Python code: the interpreter may hand the GIL over here


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_int=_int, parse_float=_float, parse_constant=_constant)


def loads(raw: bytes) -> Any:
    """``orjson.loads(raw)`` in short steps, or None when orjson must decide."""
    if _SURROGATE.search(raw) is not None:
        return None
    try:
        text = raw.decode("utf-8")
        value, end = _DECODER.raw_decode(text, _skip(text, 0))
        if _skip(text, end) != len(text):
            return None  # trailing data: orjson's error
    except (_Differs, ValueError, RecursionError):
        return None
    return value


_SPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, position: int) -> int:
    return _SPACE.match(text, position).end()  # type: ignore[union-attr]


def dumps_sorted(obj: Any) -> bytes:
    """``orjson.dumps(obj, option=OPT_SORT_KEYS)``, big containers member by member."""
    kind = type(obj)
    if kind is dict and len(obj) <= SLICED_ITEMS:
        for value in obj.values():  # a plain loop: this runs for every request's key
            if (type(value) is list or type(value) is dict) and len(value) > SLICED_ITEMS:
                break
        else:
            return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    if kind is dict:
        if not all(type(k) is str for k in obj):
            return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)  # orjson refuses or decides
        return b"{" + b",".join(orjson.dumps(k) + b":" + dumps_sorted(obj[k]) for k in sorted(obj)) + b"}"
    if kind is list and len(obj) > SLICED_ITEMS:
        return b"[" + b",".join(_runs(obj)) + b"]"
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def _runs(members: list[Any]) -> list[bytes]:
    """A big list's members as pieces of encoded JSON (each one or more members, comma-separated),
    each piece one orjson call of about :data:`RUN_BYTES` (a run's output is bounded by the
    body's size in any case); while runs are short (large members), members holding a big
    container are encoded on their own through :func:`dumps_sorted`."""
    pieces: list[bytes] = []
    start, run, total = 0, FIRST_RUN, len(members)
    while start < total:
        chunk = members[start:start + run]
        if run <= FIRST_RUN and any(_holds_big(v) for v in chunk):  # large members: one by one
            encoded = [dumps_sorted(v) for v in chunk]
            pieces += encoded
            size = sum(len(e) for e in encoded)
        else:
            encoded_run = orjson.dumps(chunk, option=orjson.OPT_SORT_KEYS)
            pieces.append(encoded_run[1:-1])  # without the brackets: members joined by commas
            size = len(encoded_run)
        start += len(chunk)
        run = max(1, min(MAX_RUN, RUN_BYTES * len(chunk) // max(size, 1)))
    return pieces


def _holds_big(value: Any) -> bool:
    """Whether ``value`` is, or directly holds, a container too big for one orjson call."""
    kind = type(value)
    if kind is list:
        return len(value) > SLICED_ITEMS
    if kind is dict:
        return len(value) > SLICED_ITEMS or any((type(v) is list or type(v) is dict) and len(v) > SLICED_ITEMS for v in value.values())
    return False

