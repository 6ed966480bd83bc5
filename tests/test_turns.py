"""Requests take turns on the event loop (mockserver.server.turns): a burst of requests is
handled in arrival order, in slices, with the loop's timers between the slices."""

from __future__ import annotations

import asyncio
from time import perf_counter

import pytest

from mockserver.server.turns import Turns


def _busy(seconds: float, log: list[str], name: str) -> str:
    end = perf_counter() + seconds
    while perf_counter() < end:
        pass
    log.append(name)
    return name


def test_a_lone_request_is_handled_at_once_without_a_task() -> None:
    async def main() -> tuple[str, int]:
        turns = Turns()
        before = len(asyncio.all_tasks())
        result = await turns.run(str.upper, "abc")
        return result, len(asyncio.all_tasks()) - before

    assert asyncio.run(main()) == ("ABC", 0)


def test_a_burst_is_handled_in_order_with_the_loops_timers_in_between() -> None:
    """60 requests of 1 ms each arrive at once: with a 2 ms budget per loop iteration, a timer
    that comes due during the burst runs long before the last request, not after all of them."""
    log: list[str] = []

    async def main() -> list[str]:
        turns = Turns(budget=0.002)
        loop = asyncio.get_running_loop()

        def tick(k: int) -> None:
            log.append(f"tick{k}")
            if k < 5:
                loop.call_soon(tick, k + 1)

        loop.call_soon(tick, 0)
        return await asyncio.gather(*(turns.run(_busy, 0.001, log, f"r{i}") for i in range(60)))

    results = asyncio.run(main())
    assert results == [f"r{i}" for i in range(60)]  # each caller gets its own result
    requests = [entry for entry in log if entry.startswith("r")]
    assert requests == [f"r{i}" for i in range(60)]  # in arrival order
    ticks = [log.index(f"tick{k}") for k in range(6)]
    last_request = log.index("r59")
    assert all(position < last_request for position in ticks)  # the timers did not wait for the burst
    # and between two ticks there are a few requests, never the whole burst
    gaps = [b - a - 1 for a, b in zip(ticks, ticks[1:])]
    assert max(gaps) < 30, log


def test_an_error_reaches_the_request_that_caused_it_and_nobody_else() -> None:
    def fail(name: str) -> str:
        raise ValueError(name)

    async def main() -> list[object]:
        turns = Turns(budget=0.0)  # every request waits for its turn
        return await asyncio.gather(turns.run(str.upper, "a"), turns.run(fail, "b"), turns.run(str.upper, "c"),
                                    return_exceptions=True)

    first, second, third = asyncio.run(main())
    assert first == "A" and third == "C"
    assert isinstance(second, ValueError) and str(second) == "b"


def test_a_request_cancelled_while_it_waits_is_skipped() -> None:
    ran: list[str] = []

    async def main() -> None:
        turns = Turns(budget=0.0)
        first = asyncio.ensure_future(turns.run(ran.append, "first"))
        gone = asyncio.ensure_future(turns.run(ran.append, "gone"))
        last = asyncio.ensure_future(turns.run(ran.append, "last"))
        await asyncio.sleep(0)  # all three are queued
        gone.cancel()
        await asyncio.gather(first, last)
        with pytest.raises(asyncio.CancelledError):
            await gone

    asyncio.run(main())
    assert ran == ["first", "last"]
