"""Timed answers are due at moments counted from the request's arrival (issue 29): the time to
first token includes the mock's own handling instead of coming on top of it, and pieces whose
moment has passed go out together instead of shifting the rest (SSEResponse, no server)."""

from __future__ import annotations

import asyncio
import time

from mockserver.server.streaming import SSEResponse
from mockserver.wire.sse import Piece


def _run(pieces: list[Piece], started: float | None) -> list[tuple[float, bytes]]:
    """The body writes SSEResponse makes: (seconds after the call, bytes)."""
    writes: list[tuple[float, bytes]] = []

    async def main() -> None:
        began = time.perf_counter()

        async def send(message: dict) -> None:
            if message["type"] == "http.response.body":
                writes.append((time.perf_counter() - began, message["body"]))

        async def receive() -> dict:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        await SSEResponse(pieces, started=started)({"method": "POST", "path": "/"}, receive, send)

    asyncio.run(main())
    return writes


def test_the_first_piece_is_due_its_delay_after_arrival_not_after_handling():
    pieces = [Piece(b"a", delay=0.4), Piece(b"b", delay=0.05)]
    arrived = time.perf_counter() - 0.3  # handling took 0.3 s of the 0.4 s TTFT
    writes = _run(pieces, arrived)
    assert [w[1] for w in writes] == [b"a", b"b"]
    assert writes[0][0] < 0.25, writes  # ~0.1 s; was 0.4 s (the whole delay again, on top)
    assert writes[1][0] - writes[0][0] >= 0.04


def test_pieces_whose_moment_passed_go_out_in_one_write():
    pieces = [Piece(b"a", delay=0.1), Piece(b"b", delay=0.1), Piece(b"c", delay=0.1), Piece(b"d", delay=0.3)]
    writes = _run(pieces, time.perf_counter() - 0.35)  # a, b, c were due already
    assert [w[1] for w in writes] == [b"abc", b"d"]
    assert writes[1][0] >= 0.2


def test_without_an_arrival_time_delays_count_from_now():
    writes = _run([Piece(b"a", delay=0.15), Piece(b"b")], None)
    assert [w[1] for w in writes] == [b"ab"] and writes[0][0] >= 0.14
