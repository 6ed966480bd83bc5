"""Fast JSON encoding/decoding: orjson when installed, the standard library otherwise."""

from __future__ import annotations

import json
from typing import Any

try:  # pragma: no branch - which branch runs depends on the environment
    import orjson

    def dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

    def dumps_sorted(obj: Any) -> bytes:
        """Canonical form (sorted keys): the key of caches over JSON values."""
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)

    def loads(data: bytes | str) -> Any:
        return orjson.loads(data)

    DecodeError: type[Exception] = orjson.JSONDecodeError
    HAVE_ORJSON = True
except ImportError:  # pragma: no cover - exercised only without orjson

    def dumps(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()

    def dumps_sorted(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()

    def loads(data: bytes | str) -> Any:
        if isinstance(data, bytes):
            data = data.decode("utf-8")
        return json.loads(data)

    DecodeError = ValueError
    HAVE_ORJSON = False


def dumps_str(obj: Any) -> str:
    """Compact JSON text with non-ASCII kept as is (how tool-call arguments look on the wire),
    exactly as ``json.dumps`` writes it — by orjson when the value has nothing they write
    differently (floats: ``1e-07`` vs ``1e-7``; integers past 64 bits; non-string keys)."""
    if HAVE_ORJSON and _same_in_both(obj, 0):
        try:
            return orjson.dumps(obj).decode()
        except orjson.JSONEncodeError:  # e.g. a lone surrogate: the standard library decides
            pass
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


_INT_RANGE = range(-(1 << 63), 1 << 64)


def _same_in_both(obj: Any, depth: int) -> bool:
    kind = type(obj)
    if kind is str or obj is None or kind is bool:
        return True
    if kind is int:
        return obj in _INT_RANGE
    if depth > 32:
        return False
    if kind is dict:
        return all(type(k) is str and _same_in_both(v, depth + 1) for k, v in obj.items())
    if kind is list:
        return all(_same_in_both(v, depth + 1) for v in obj)
    return False
