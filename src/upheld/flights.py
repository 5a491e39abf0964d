"""Work many threads ask for at the same moment, done once.

At a publication, or just after an import, every request finds the website's figures out of date
at once. Each working them out for itself would multiply the wait by the number of requests; with
`Flights`, the first to ask does the work while the others wait for its result.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from threading import Event, Lock, get_ident
from typing import Generic, TypeVar, cast

T = TypeVar("T")


class _Flight(Generic[T]):
    """One piece of work under way: done when `done` is set; its value, or the error it raised."""

    def __init__(self) -> None:
        self.done = Event()
        self.leader = get_ident()
        self.value: T | None = None
        self.error: Exception | None = None
        self.stopped = False


class Flights(Generic[T]):
    """Work by key, done by the first thread to ask while the others asking meanwhile wait."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._going: dict[Hashable, _Flight[T]] = {}

    def run(self, key: Hashable, make: Callable[[], T]) -> T:
        """The result of `make`, made by this thread or by another asking for the same key; an
        error it raised is raised to every thread that waited for it too."""
        with self._lock:
            flight = self._going.get(key)
            first = flight is None
            if flight is None:
                flight = self._going[key] = _Flight()
        if not first:
            if flight.leader == get_ident():
                # Waiting for itself would never end.
                raise RuntimeError(f"{key!r} was asked for while it was being made")
            flight.done.wait()
            if flight.error is not None:
                # As a future's result does: a database gone, or no such page, is so for all
                # who asked at that moment, and each trying again would only multiply the wait.
                raise flight.error
            if flight.stopped:
                return make()  # the first was stopped, not failed: this one does the work
            return cast(T, flight.value)
        try:
            value = flight.value = make()
        except Exception as exc:
            flight.error = exc
            raise
        except BaseException:
            flight.stopped = True
            raise
        finally:
            with self._lock:
                del self._going[key]
            flight.done.set()
        return value

    def kept(self, key: Hashable, look: Callable[[], T | None], make: Callable[[], T]) -> T:
        """A value kept elsewhere (`look` finds it, `make` makes and keeps it), made once
        however many threads ask for it at the same moment."""
        found = look()
        if found is not None:
            return found

        def made() -> T:
            # Kept by another thread between the look above and this one's turn to make it.
            again = look()
            return again if again is not None else make()

        return self.run(key, made)
