"""A time budget for evaluating scenarios against one request (matching and rendering).

A scenario can hold a regex that backtracks catastrophically (``^(a|a)+$`` against a long
text) or a template that runs away (nested loops, ``9 ** 9 ** 7``). Without a budget that one
request blocks the event loop, and with it every other request and ``/healthz``. The mechanism:

- **Checkpoints.** Regexes are matched with the ``regex`` package, whose ``timeout`` stops a
  match in C; templates check the clock at every loop iteration, call, operator on sizes and
  output piece (``render.py``), and refuse results that would be huge before building them.
- **A short slice on the event loop, the rest in a worker thread.** Nearly every evaluation
  takes microseconds, so it runs on the event loop as before: no thread hop on the fast path
  (a hop per request costs more than the whole answer from the memo). An evaluation still
  running after ``SLICE`` seconds is abandoned (:class:`Overtime`) and run again from the start
  in a worker thread with the whole budget — evaluation is a pure function of the request, so
  starting again is safe. There a regex releases the GIL (``concurrent=True``) and Python code
  yields it every few milliseconds, so the event loop keeps answering.
- **The whole budget** (``--scenario-timeout``, 2 s by default) ends in :class:`BudgetExceeded`,
  which the engine reports as a 422 scenario error naming the rule and what did not finish.

Callers that are not on an event loop (the pytest plugin in-process, the benchmark) get the
whole budget at once: the slice applies only inside :func:`first_slice`.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar, Token
from time import perf_counter
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T")
DEFAULT_TIMEOUT = 2.0  # seconds for one request's scenario evaluation
SLICE = 0.02  # seconds of it that may run on the event loop

# (deadline, whether running out means "continue off the loop", the whole budget in seconds)
# while an evaluation runs
_deadline: ContextVar[tuple[float, bool, float] | None] = ContextVar("mockserver_deadline", default=None)
_sliced: ContextVar[bool] = ContextVar("mockserver_sliced", default=False)


class Overtime(Exception):
    """The evaluation used up its slice on the event loop: run it again in a worker thread."""


class BudgetExceeded(Exception):
    """The evaluation used up its whole budget; the message says what was running."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} did not finish within the {seconds:g} s budget for evaluating a request")
        self.what = what
        self.seconds = seconds


def start(timeout: float | None) -> Token[Any] | None:
    """Start the clock for one evaluation; give the result to :func:`stop` when it ends. A nested
    start keeps the outer deadline (and returns None)."""
    if _deadline.get() is not None:
        return None
    total = DEFAULT_TIMEOUT if timeout is None else timeout
    sliced = _sliced.get() and total > SLICE
    return _deadline.set((perf_counter() + (SLICE if sliced else total), sliced, total))


def stop(token: Token[Any] | None) -> None:
    if token is not None:
        _deadline.reset(token)


@contextmanager
def evaluating(timeout: float | None) -> Iterator[None]:
    """:func:`start` and :func:`stop` around a block."""
    token = start(timeout)
    try:
        yield
    finally:
        stop(token)


def remaining() -> float | None:
    """Seconds left (at least a millisecond), or None when no evaluation is being timed."""
    state = _deadline.get()
    if state is None:
        return None
    return max(state[0] - perf_counter(), 0.001)


def off_loop() -> bool:
    """Whether the running evaluation is not holding the event loop (a regex may release the GIL)."""
    state = _deadline.get()
    return state is not None and not state[1]


def check(what: str = "the template") -> None:
    state = _deadline.get()
    if state is not None and perf_counter() > state[0]:
        expired(what)


def expired(what: str) -> None:
    """Raise the right exception for a deadline that has passed while ``what`` was running."""
    state = _deadline.get()
    if state is not None and state[1]:
        raise Overtime(what)
    raise BudgetExceeded(what, state[2] if state is not None else DEFAULT_TIMEOUT)


def first_slice(fn: Callable[..., T], *args: Any) -> T | None:
    """``fn(*args)`` with scenario evaluation limited to the on-loop slice; None when it ran
    over (then call ``fn`` again in a worker thread, where it gets the whole budget)."""
    token = _sliced.set(True)
    try:
        return fn(*args)
    except Overtime:
        return None
    finally:
        _sliced.reset(token)
