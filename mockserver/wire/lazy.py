"""``@lazy``: ``functools.cached_property`` without the lock Python 3.11 takes on every first
read (about a microsecond each: a request's Conversation computes half a dozen of them).

The value is computed on first read and stored in the instance's ``__dict__``, where later reads
find it before the descriptor (also on frozen dataclasses, as with ``cached_property``). Two
threads reading an uncomputed value at once may both compute it; every use here computes a pure
function of the instance, so either result is the same.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

T = TypeVar("T")


class lazy(Generic[T]):  # noqa: N801 - used like property
    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.fn(instance)
        return value
