"""SDK clients pointed at a running mock: what :class:`~mockserver.fixture.MockServer`'s
``client()``, ``anthropic_client()``, ``gemini_client()``, ``ollama_client()``, ``bedrock_client()``
and ``async_client()`` build. Each SDK is imported only when its client is asked for (they are
test extras), with an error that says what to install when it is missing."""

from __future__ import annotations

import importlib
from typing import Any

ASGI_BASE_URL = "http://mockserver.asgi/v1"


def openai_module() -> Any:
    try:
        import openai
    except ImportError:  # pragma: no cover - openai is a test extra
        raise RuntimeError("mockserver.client() needs the openai package: pip install openai") from None
    return openai


def http_library() -> Any:
    """The HTTP client library openai brings: ``httpx2`` (openai ≥ 3), else ``httpx``. Nothing
    else needs installing: ``pip install mockserver pytest openai`` is enough for async clients."""
    try:
        from openai import _base_client  # the module openai builds its clients in

        for name in ("httpx2", "httpx"):
            module = getattr(_base_client, name, None)
            if module is not None and hasattr(module, "ASGITransport"):
                return module
    except ImportError:
        pass
    for name in ("httpx2", "httpx"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise RuntimeError("mockserver.async_client() needs the openai package (which brings httpx2 or httpx): "
                       "pip install openai")


def openai_client(settings: dict[str, Any]) -> Any:
    return openai_module().OpenAI(**settings)


def async_openai_client(app: Any, settings: dict[str, Any], overrides: dict[str, Any]) -> Any:
    """An ``openai.AsyncOpenAI`` served in-process by ``app`` (no socket)."""
    http_client = http_library().AsyncClient(transport=asgi_transport(app), base_url=ASGI_BASE_URL)
    return openai_module().AsyncOpenAI(**{**settings, "base_url": ASGI_BASE_URL, "http_client": http_client, **overrides})


def asgi_transport(app: Any) -> Any:
    return http_library().ASGITransport(app=app)


def anthropic_client(url: str, api_key: str, overrides: dict[str, Any]) -> Any:
    try:
        import anthropic
    except ImportError:  # pragma: no cover - depends on the environment
        raise RuntimeError("anthropic_client() needs the anthropic package: pip install anthropic") from None
    return anthropic.Anthropic(**{"base_url": url, "api_key": api_key, "max_retries": 0, **overrides})


def gemini_client(url: str, api_key: str, http_options: dict[str, Any]) -> Any:
    from mockserver.dialects.gemini.client import gemini_client as make

    return make(url, api_key, **http_options)


def ollama_client(url: str, api_key: str, overrides: dict[str, Any]) -> Any:
    try:
        import ollama
    except ImportError:  # pragma: no cover - depends on the environment
        raise RuntimeError("ollama_client() needs the ollama package: pip install ollama") from None
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return ollama.Client(**{"host": url, "headers": headers, **overrides})


def bedrock_client(url: str, config: dict[str, Any]) -> Any:
    try:
        import boto3
        from botocore.config import Config as BotoConfig
    except ImportError:  # pragma: no cover - boto3 is a test extra
        raise RuntimeError("mockserver.bedrock_client() needs boto3: pip install boto3") from None
    return boto3.client("bedrock-runtime", endpoint_url=url, region_name="us-east-1", aws_access_key_id="mockserver",
                        aws_secret_access_key="mockserver", config=BotoConfig(**{"retries": {"max_attempts": 1}, **config}))
