"""The reference the benchmark compares against: a bare Starlette endpoint that parses the body
and returns a constant tool-call completion (no validation, no matching, no templates)."""

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

REPLY = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1735689600, "model": "gpt-4o",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": None, "refusal": None, "annotations": [],
                 "tool_calls": [{"id": "call_bench", "type": "function",
                                 "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
                 "logprobs": None, "finish_reason": "tool_calls"}],
    "usage": {"prompt_tokens": 40, "completion_tokens": 8, "total_tokens": 48},
}).encode()


async def chat(request: Request) -> Response:
    json.loads(await request.body())
    return Response(REPLY, media_type="application/json")


RESPONSES_REPLY = json.dumps({
    "id": "resp_bench", "object": "response", "created_at": 1735689600, "status": "completed", "model": "gpt-5.4",
    "output": [{"type": "function_call", "id": "fc_bench", "call_id": "call_bench", "name": "get_weather",
                "arguments": "{\"city\":\"Paris\"}", "status": "completed"}],
    "usage": {"input_tokens": 40, "output_tokens": 8, "total_tokens": 48},
}).encode()


async def responses(request: Request) -> Response:
    json.loads(await request.body())
    return Response(RESPONSES_REPLY, media_type="application/json")


app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"]),
                        Route("/v1/responses", responses, methods=["POST"])])
