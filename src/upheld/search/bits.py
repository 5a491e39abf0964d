"""The index as bit sets held in memory (bit n stands for decision n), for counting facets."""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Text,
    cast,
    func,
    literal,
    or_,
    select,
)

from upheld.flights import Flights
from upheld.search.query import FACETS
from upheld.store.schema import search_decisions


@dataclass(frozen=True)
class BitSets:
    """One build of the index as bit sets: bit n of each set stands for decision n."""

    everything: int
    facets: dict[str, dict[Any, int]]


_built: OrderedDict[str, BitSets] = OrderedDict()
_built_lock = threading.Lock()
_loading: Flights[BitSets] = Flights()
_KEEP_BUILDS = 4


def bit_sets(connection: Connection, build: str) -> BitSets:
    """The bit sets of a build of the index, read once per process and kept."""

    def look() -> BitSets | None:
        with _built_lock:
            found = _built.get(build)
            if found is not None:
                _built.move_to_end(build)
            return found

    def load() -> BitSets:
        loaded = _load_bit_sets(connection)
        with _built_lock:
            _built[build] = loaded
            while len(_built) > _KEEP_BUILDS:
                _built.popitem(last=False)
        return loaded

    # After an import, every search at once finds the new build unread: one reads it.
    return _loading.kept(build, look, load)


def _load_bit_sets(connection: Connection) -> BitSets:
    s = search_decisions.c
    facets = {}
    for facet, name in FACETS.items():
        grouped = select(s[name], _joined(connection, s.id)).group_by(s[name])
        rows = connection.execute(grouped.where(s[name].is_not(None)))
        facets[facet] = {value: bit_set_of(_split(joined)) for value, joined in rows}
    return BitSets(bit_set_of(numbers_of(connection, select(s.id))), facets)


def numbers_of(
    connection: Connection, query: Select[Any], values: dict[str, Any] | None = None
) -> list[int]:
    """The decision numbers a query finds."""
    found = query.subquery().columns[0]
    return _split(connection.execute(select(_joined(connection, found)), values or {}).scalar())


def _joined(connection: Connection, number: ColumnElement[Any]) -> ColumnElement[str]:
    """Decision numbers joined into one string: for tens of thousands of them, fetching one
    string is twice as fast as fetching a row for each."""
    if connection.dialect.name == "postgresql":
        return func.string_agg(cast(number, Text), literal(","))
    return func.group_concat(number)


def _split(joined: str | None) -> list[int]:
    return list(map(int, joined.split(","))) if joined else []


def bit_set_of(numbers: Sequence[int]) -> int:
    """A bit set of decision numbers."""
    if not numbers:
        return 0
    digits = bytearray(b"0") * (max(numbers) + 1)
    # map() runs the loop in C; a search may set tens of thousands of bits.
    deque(map(digits.__setitem__, numbers, repeat(ord("1"))), maxlen=0)
    digits.reverse()
    return int(digits, 2)


Ranges = Sequence[tuple[int, int]]
"""Runs of decision numbers, first and last of each, inclusive."""


def ranges(years: dict[Any, int], allowed: Iterable[int], last: int) -> list[tuple[int, int]]:
    """The runs of decision numbers in the allowed review years, up to `last`. Decisions are
    numbered in date order, so each review year's are one unbroken run."""
    runs: list[tuple[int, int]] = []
    for year in sorted(allowed):
        bits = years.get(year, 0)
        if not bits:
            continue
        low, high = (bits & -bits).bit_length() - 1, min(bits.bit_length() - 1, last)
        if low > high:
            continue
        if runs and low == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], high)
        else:
            runs.append((low, high))
    return runs or [(0, -1)]


def within(number: Any, shown: Ranges) -> ColumnElement[bool]:
    """A decision number within the runs shown."""
    return or_(*(number.between(low, high) for low, high in shown))


def union(sets: dict[Any, int], values: Iterable[Any]) -> int:
    union = 0
    for value in values:
        union |= sets.get(value, 0)
    return union


def pick(bits: int, offset: int, limit: int, *, newest: bool) -> list[int]:
    """A page of the decisions in a bit set, newest (highest numbers) or oldest first."""
    total = bits.bit_count()
    if newest:
        first = max(total - offset - limit, 0)
        picked = _ascending(bits, first, total - offset - first)
        picked.reverse()
        return picked
    return _ascending(bits, offset, limit)


def _ascending(bits: int, skip: int, count: int) -> list[int]:
    """The numbers in a bit set from the `skip`-th lowest, `count` of them."""
    below = 0
    if skip:
        # The lowest position with `skip` set bits beneath it, by halving: a page far down a
        # long list costs a few dozen popcounts, not a walk past every decision before it.
        low, high = 0, bits.bit_length()
        while low < high:
            middle = (low + high) // 2
            if (bits & ((1 << middle) - 1)).bit_count() >= skip:
                high = middle
            else:
                low = middle + 1
        below = low
    rest = bits >> below
    picked: list[int] = []
    while rest and len(picked) < count:
        lowest = rest & -rest
        picked.append(below + lowest.bit_length() - 1)
        rest ^= lowest
    return picked
