"""Reading one cell of an input file as a typed value, with a message a person can act on."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from upheld.periods import ReviewYear
from upheld.vocabulary import Vocabulary

Parser = Callable[[Any], Any]

_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_TRUE = frozenset({"yes", "y", "true", "t", "1"})
_FALSE = frozenset({"no", "n", "false", "f", "0"})
EARLIEST_YEAR = 1970
LATEST_YEAR = 2100


def is_blank(value: Any) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(max_length: int | None = None) -> Parser:
    """Free text, trimmed; numbers from spreadsheets are written without a trailing `.0`."""

    def parse(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        result = str(value).strip()
        if max_length is not None and len(result) > max_length:
            raise ValueError(f"is {len(result)} characters long; at most {max_length} allowed")
        return result

    return parse


def a_date(value: Any) -> date:
    """A date written YYYY-MM-DD or DD/MM/YYYY (UK order), or a spreadsheet date."""
    if isinstance(value, datetime):
        return _plausible(value.date(), str(value))
    if isinstance(value, date):
        return _plausible(value, str(value))
    written = str(value).strip()
    iso = _ISO_DATE.match(written)
    if iso:
        return _plausible(_make(written, *map(int, iso.groups())), written)
    uk = _UK_DATE.match(written)
    if uk:
        day, month, year = map(int, uk.groups())
        return _plausible(_make(written, year, month, day), written)
    raise ValueError(f"{written!r} is not a date; write it as YYYY-MM-DD or DD/MM/YYYY")


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
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    folded = str(value).strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"{value!r} is not yes or no")


def positive_int(value: Any) -> int:
    """A whole number greater than zero."""
    number = whole_number(value)
    if number <= 0:
        raise ValueError(f"{number} must be greater than zero")
    return number


def whole_number(value: Any) -> int:
    """A whole number (thousands separators allowed)."""
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
        return float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


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

    return parse


def a_list(value: Any) -> list[str]:
    """A `;`-separated list of values."""
    return [part.strip() for part in str(value).split(";") if part.strip()]
