"""How numbers, counts and dates are written, the same in letters, pages and the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

NOT_AVAILABLE = "n/a"
"""What a figure that cannot be computed reads as."""

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def plural(number: int, singular: str, plural_form: str | None = None) -> str:
    """A count and its noun: "1 upheld decision", "2 upheld decisions", "0 complaints"."""
    noun = singular if number == 1 else (plural_form or singular + "s")
    return f"{number:,} {noun}"


def and_list(items: Sequence[str]) -> str:
    """Items as a phrase: "Leeds", "Leeds and York", "Leeds, York and online"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def in_words(number: int) -> str:
    """A small number as a word ("three"), a larger one in figures ("14")."""
    return _WORDS[number] if 0 <= number < len(_WORDS) else f"{number:,}"


def long_date(day: date) -> str:
    """A date as the ombudsman writes it: "16 July 2025"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def thousands(number: int | None) -> str:
    """A count with thousands separators, or n/a."""
    return NOT_AVAILABLE if number is None else f"{number:,}"
