"""The limit of the stack for timed streams: a bare Starlette app under uvicorn that answers each
streaming path with the same SSE events the mock sends, each after the same delay (time to first
token, then tokens / tokens-per-second), and nothing else: no validation, matching or rendering.

The events and delays come from a JSON file named by ``STREAM_PIECES`` (bench/streams.py writes
it from the mock's own answer): ``{path: [[delay_seconds, "event text"], ...]}``.
"""

import asyncio
import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

with open(os.environ["STREAM_PIECES"], encoding="utf-8") as file:
    PIECES = {path: [(delay, text.encode()) for delay, text in pieces] for path, pieces in json.load(file).items()}


def endpoint(pieces: list[tuple[float, bytes]]):
    async def stream(request: Request) -> StreamingResponse:
        json.loads(await request.body())

        async def events():
            for delay, data in pieces:
                if delay > 0:
                    await asyncio.sleep(delay)
                yield data

        return StreamingResponse(events(), media_type="text/event-stream")

    return stream


app = Starlette(routes=[Route(path, endpoint(pieces), methods=["POST"]) for path, pieces in PIECES.items()])
