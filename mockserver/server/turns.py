"""Requests take turns on the event loop: at most ``budget`` seconds of request handling per loop
iteration, then the loop's timers and I/O — the pieces of the streams already under way — go
first.

Each request is parsed, validated, matched and rendered on the loop in one go (~0.1-0.3 ms).
When 1,000 arrive at once, asyncio runs all 1,000 handlers in one iteration of the loop, and every
stream under way waits for them: its next piece, due in 20 ms, went out 150-280 ms late. With
turns, a burst is handled in slices of a couple of milliseconds, in arrival order, each followed
by the timers that came due meanwhile. A request that finds no queue and a slice with time left
is handled at once, as before: one lone request pays nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from time import perf_counter
from typing import Any, Callable, TypeVar

T = TypeVar("T")

#: request handling per iteration of the event loop before timers and I/O get their turn; a
#: stream's piece is late by at most about this much (plus one request's handling)
BUDGET = 0.002
#: the most a waiting queue gets in one iteration however busy the rest of the loop was
MAX_SHARE = 0.010


class Turns:
    """The queue of requests waiting for their turn on one event loop."""

    def __init__(self, budget: float = BUDGET) -> None:
        self.budget = budget
        self._queue: deque[tuple[Callable[..., Any], tuple[Any, ...], contextvars.Context, asyncio.Future[Any]]] = deque()
        self._slice_start: float | None = None  # when this loop iteration's request handling began
        self._worker: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop whose requests take turns

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the loop, now if this iteration's slice has time left and nobody is
        waiting, else in its turn."""
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:  # the same app on another loop (the fixture's test client): no turns there
            return fn(*args)
        if not self._queue and self._has_time():
            return fn(*args)
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((fn, args, contextvars.copy_context(), future))
        if self._worker is None:
            self._worker = loop.create_task(self._work())
        return await future

    def _has_time(self, budget: float | None = None) -> bool:
        now = perf_counter()
        if self._slice_start is None:
            self._slice_start = now
            # runs first thing in the next iteration (callbacks queued now wait for it)
            asyncio.get_running_loop().call_soon(self._end_slice)
            return True
        return now - self._slice_start < (self.budget if budget is None else budget)

    def _end_slice(self) -> None:
        self._slice_start = None

    async def _work(self) -> None:
        try:
            while self._queue:
                yielded = perf_counter()
                await asyncio.sleep(0)  # one iteration: due timers and I/O first
                # as much time again for the queue as the rest of the loop just took (streams'
                # pieces, other requests' answers): half the loop each while both are busy
                share = min(max(perf_counter() - yielded, self.budget), MAX_SHARE)
                while self._queue and self._has_time(share):
                    fn, args, context, future = self._queue.popleft()
                    if future.cancelled():  # the client went away while it waited
                        continue
                    try:
                        result = context.run(fn, *args)
                    except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                        future.set_exception(exc)
                    else:
                        future.set_result(result)
        finally:
            self._worker = None
            while self._queue:  # the loop is stopping (the worker was cancelled): nobody will answer these
                self._queue.popleft()[3].cancel()
