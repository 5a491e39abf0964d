"""Reading one cell of an input file as a typed value, with a message a person can act on."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from upheld.core.periods import ReviewYear
from upheld.core.vocabulary import Vocabulary

Parser = Callable[[Any], Any]

MEMOS: dict[Parser, dict[str, Any]] = {}
"""For parsers that remember answers: written text -> value, for callers that look it up first."""

_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_BOOLEANS = dict.fromkeys(("yes", "y", "true", "t", "1"), True) | dict.fromkeys(
    ("no", "n", "false", "f", "0"), False
)
EARLIEST_YEAR = 1970
LATEST_YEAR = 2100
LARGEST_NUMBER = 2**31 - 1
"""The largest whole number a column can hold (PostgreSQL's integer)."""


def is_blank(value: Any) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


class Text:
    """Free text, trimmed; numbers from spreadsheets are written without a trailing `.0`."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit

    def __call__(self, value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        result = str(value).strip()
        if self.limit is not None and len(result) > self.limit:
            raise ValueError(self.too_long(result))
        return result

    def too_long(self, written: str) -> str:
        """The message for text over the limit."""
        return f"is {len(written)} characters long; at most {self.limit} allowed"


def text(max_length: int | None = None) -> Text:
    """A parser for free text of at most so many characters."""
    return Text(max_length)


_DATES: dict[str, date] = {}
"""Dates already read: a file of a million rows has only a few thousand different dates."""


def a_date(value: Any) -> date:
    """A date written YYYY-MM-DD or DD/MM/YYYY (UK order), or a spreadsheet date."""
    if type(value) is str:
        known = _DATES.get(value)
        if known is not None:
            return known
    elif isinstance(value, datetime):
        return _plausible(value.date(), str(value))
    elif isinstance(value, date):
        return _plausible(value, str(value))
    written = str(value).strip()
    iso = _ISO_DATE.match(written)
    uk = None if iso else _UK_DATE.match(written)
    if iso:
        parsed = _plausible(_make(written, *map(int, iso.groups())), written)
    elif uk:
        day, month, year = map(int, uk.groups())
        parsed = _plausible(_make(written, year, month, day), written)
    else:
        raise ValueError(f"{written!r} is not a date; write it as YYYY-MM-DD or DD/MM/YYYY")
    _DATES[written] = parsed
    return parsed


def _make(written: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(
            f"{written!r} is not a real date ({_why_impossible(month, day)})"
        ) from None


def _why_impossible(month: int, day: int) -> str:
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    return f"that month has no day {day}"


def _plausible(day: date, written: str) -> date:
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ValueError(
            f"{written!r} is outside {EARLIEST_YEAR}-{LATEST_YEAR}; is the year right?"
        )
    return day


def a_bool(value: Any) -> bool:
    """yes/no, true/false, y/n or 1/0, in any case."""
    if type(value) is str:
        answer = _BOOLEANS.get(value)
        if answer is not None:
            return answer
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    answer = _BOOLEANS.get(str(value).strip().lower())
    if answer is None:
        raise ValueError(f"{value!r} is not yes or no")
    return answer


def positive_int(value: Any) -> int:
    """A whole number greater than zero."""
    number = whole_number(value)
    if number <= 0:
        raise ValueError(f"{number} must be greater than zero")
    return number


def a_count(value: Any) -> int:
    """A count of people or things: a whole number, zero or more."""
    number = whole_number(value)
    if number < 0:
        raise ValueError(f"{number} is not a count; it must be 0 or more")
    return number


def whole_number(value: Any) -> int:
    """A whole number (thousands separators allowed), small enough to store."""
    number = _whole(value)
    if abs(number) > LARGEST_NUMBER:
        raise ValueError(f"{number} is too large")
    return number


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"{value} is not a whole number")
    written = str(value).strip().replace(",", "")
    try:
        return int(written)
    except ValueError:
        try:
            as_float = float(written)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
        if as_float.is_integer():
            return int(as_float)
        raise ValueError(f"{value!r} is not a whole number") from None


def a_number(value: Any) -> float:
    """A decimal number such as a latitude."""
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a number")
    return number


def an_email(value: Any) -> str:
    """An email address."""
    written = str(value).strip()
    if not _EMAIL.match(written):
        raise ValueError(f"{written!r} is not an email address")
    return written


def a_year(value: Any) -> int:
    """A review year, as its first calendar year (2019 for 2019-20)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return ReviewYear.parse(value if isinstance(value, int) else str(value)).start_year


def a_term(vocabulary: Vocabulary) -> Parser:
    """One value of a closed list, remembered so each spelling is matched once."""
    cache: dict[str, str] = {}

    def parse(value: Any) -> str:
        written = str(value)
        found = cache.get(written)
        if found is None:
            found = vocabulary.match(written)
            cache[written] = found
        return found

    MEMOS[parse] = cache
    return parse


def a_list(value: Any) -> list[str]:
    """A `;`-separated list of values."""
    return [part.strip() for part in str(value).split(";") if part.strip()]


MEMOS[a_date] = _DATES
MEMOS[a_bool] = _BOOLEANS
