"""Unknown top-level request fields of Chat Completions.

OpenAI refuses a field its request schema does not declare: "Unrecognized request argument
supplied: top_k" (400, ``invalid_request_error``, param and code null; reported in
xlinx/sd-webui-decadetw-auto-prompt-llm#29). The fields OpenAI knows are the properties of
``CreateChatCompletionRequest`` in the official schema shipped next to this module. vLLM ignores
the fields its request model does not declare (rule ``request.unknown_field`` in ``rules.py``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator

from mockserver.validation.params import parameter_schemas
from mockserver.validation.problems import tag
from mockserver.wire.errors import APIError


@lru_cache(maxsize=1)
def known_fields() -> frozenset[str]:
    text = resources.files("mockserver.dialects.chat").joinpath("openai-chat-schemas.json").read_text(encoding="utf-8")
    return frozenset(parameter_schemas(json.loads(text), "CreateChatCompletionRequest"))


def check_fields(body: dict[str, Any]) -> Iterator[APIError]:
    known = known_fields()
    extra = [name for name in body if name not in known]
    if extra:
        noun = "argument" if len(extra) == 1 else "arguments"
        yield tag(APIError(f"Unrecognized request {noun} supplied: {', '.join(extra)}"), "request.unknown_field")
