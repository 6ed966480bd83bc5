"""A google-genai client for the mock (the pytest fixture's ``mockserver.gemini_client()``)."""

from __future__ import annotations

from typing import Any


def gemini_client(url: str, api_key: str, **http_options: Any) -> Any:
    """``genai.Client`` on the Gemini API paths of the server at ``url`` (no retries: a fault the
    test injects reaches it)."""
    try:
        from google import genai
        from google.genai import types
    except ImportError:  # pragma: no cover - google-genai is a test extra
        raise RuntimeError("mockserver.gemini_client() needs the google-genai package: pip install google-genai") from None
    options = {"base_url": url, "retry_options": types.HttpRetryOptions(attempts=1), **http_options}
    return genai.Client(api_key=api_key, http_options=types.HttpOptions(**options))
