"""Deterministic ids and timestamps: a function of the request and the seed, never the clock."""

from __future__ import annotations

import base64
import hashlib

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_HEX = "0123456789abcdef"
_ALNUM = bytes.maketrans(b"+/", b"xZ")  # base64's two symbols mapped onto letters
EPOCH = 1_735_689_600  # 2025-01-01T00:00:00Z
YEAR = 365 * 24 * 3600


class IdSource:
    """All ids of one response, derived from a digest of (seed, request)."""

    def __init__(self, request_key: bytes, seed: int) -> None:
        self.digest = hashlib.sha256(str(seed).encode() + b"\0" + request_key).digest()
        self._cache: dict[tuple[str, int, str], str] = {}

    def _derive(self, label: str, length: int, alphabet: str = _ALPHABET) -> str:
        key = (label, length, alphabet)
        derived = self._cache.get(key)
        if derived is None:
            data = hashlib.sha256(self.digest + label.encode()).digest()
            if alphabet is _HEX:
                derived = data.hex()[:length]
            else:  # base64 in C (at most 32 of its 43 symbols are used: never the '=' padding)
                derived = base64.b64encode(data).translate(_ALNUM)[:length].decode()
            self._cache[key] = derived
        return derived

    def completion_id(self) -> str:
        return "chatcmpl-" + self._derive("completion", 29)

    def call_id(self, choice: int, call: int) -> str:
        return "call_" + self._derive(f"call:{choice}:{call}", 24)

    def alnum(self, label: str, length: int) -> str:
        """Letters and digits (Anthropic's ``msg_01…``/``toolu_01…`` ids)."""
        return self._derive(label, length)

    def hex_id(self, label: str, length: int = 32) -> str:
        return self._derive(label, length, _HEX)

    def created(self) -> int:
        return EPOCH + int.from_bytes(self.digest[:4], "big") % YEAR

    def fingerprint(self) -> str:
        return "fp_" + self._derive("fingerprint", 10, _HEX)
