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


def day_in_words(day: date | str | None) -> str:
    """A date, or an ISO date as a page's data holds it, as the ombudsman writes it; n/a when
    there is none."""
    if day is None or day == "":
        return NOT_AVAILABLE
    return long_date(date.fromisoformat(day[:10]) if isinstance(day, str) else day)


def thousands(number: int | None) -> str:
    """A count with thousands separators, or n/a."""
    return NOT_AVAILABLE if number is None else f"{number:,}"
