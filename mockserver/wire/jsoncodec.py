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
    """Compact JSON text with non-ASCII kept as is (how tool-call arguments look on the wire)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
