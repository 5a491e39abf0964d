"""Work many threads ask for at the same moment, done once.

At a publication, or just after an import, every request finds the website's figures out of date
at once. Each working them out for itself would multiply the wait by the number of requests; with
`Flights`, the first to ask does the work while the others wait for its result.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from threading import Event, Lock
from typing import Generic, TypeVar, cast

T = TypeVar("T")


class _Flight(Generic[T]):
    """One piece of work under way: done when `done` is set; its value, unless it failed."""

    def __init__(self) -> None:
        self.done = Event()
        self.value: T | None = None
        self.failed = False


class Flights(Generic[T]):
    """Work by key, done by the first thread to ask while the others asking meanwhile wait."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._going: dict[Hashable, _Flight[T]] = {}

    def run(self, key: Hashable, make: Callable[[], T]) -> T:
        """The result of `make`, made by this thread or by another asking for the same key."""
        with self._lock:
            flight = self._going.get(key)
            first = flight is None
            if flight is None:
                flight = self._going[key] = _Flight()
        if not first:
            flight.done.wait()
            if flight.failed:
                # Its error was raised to the thread that asked first; this one tries for itself
                # and, if the cause is still there, gets its own error.
                return make()
            return cast(T, flight.value)
        try:
            value = make()
        except BaseException:
            flight.failed = True
            raise
        else:
            flight.value = value
        finally:
            with self._lock:
                del self._going[key]
            flight.done.set()
        return value
