"""``--api-key``: the bearer token every API request must carry, refused in OpenAI's words."""

from __future__ import annotations

import hmac
from typing import Mapping

from mockserver.wire.errors import APIError

KEYS_PAGE = "https://platform.openai.com/account/api-keys"


def mask(token: str) -> str:
    """As OpenAI echoes a wrong key: a few characters at each end, stars between."""
    if len(token) <= 8:
        return "*" * len(token)
    return f"{token[:3]}{'*' * (len(token) - 7)}{token[-4:]}"


def auth_error(expected: str | None, headers: Mapping[str, str]) -> APIError | None:
    """None when no key is configured or the request carries ``Authorization: Bearer <key>``."""
    if not expected:
        return None
    given = (headers.get("authorization") or "").strip()
    scheme, _, token = given.partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), expected.encode()):
        return None
    if not given or not token:
        message = (
            "You didn't provide an API key. You need to provide your API key in an Authorization header "
            "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from "
            f"{KEYS_PAGE}."
        )
    else:
        message = f"Incorrect API key provided: {mask(token)}. You can find your API key at {KEYS_PAGE}."
    return APIError(message, code="invalid_api_key", status=401)
