"""Review years: 1 April of one year to 31 March of the next, written "2019-20"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_LABEL = re.compile(r"^\s*(\d{4})\s*(?:[-/\u2013]\s*(\d{2}|\d{4}))?\s*$")


def start_year_of(day: date) -> int:
    """The first calendar year of the review year a date falls in."""
    return day.year if day.month >= 4 else day.year - 1


@dataclass(frozen=True, order=True)
class ReviewYear:
    """The ombudsman's review year starting on 1 April of `start_year`."""

    start_year: int

    @classmethod
    def parse(cls, text: str | int) -> ReviewYear:
        """Read a review year written "2019-20", "2019/20", "2019-2020" or "2019"."""
        if isinstance(text, int):
            return cls(text)
        match = _LABEL.match(str(text))
        if not match:
            raise ValueError(f"{text!r} is not a review year; write it like 2019-20")
        first = int(match.group(1))
        second = match.group(2)
        if second is not None:
            expected = first + 1
            if int(second) not in (expected, expected % 100):
                raise ValueError(
                    f"{text!r} is not a review year: {first}-{expected % 100:02d} would follow "
                    f"1 April {first}"
                )
        return cls(first)

    @classmethod
    def containing(cls, day: date) -> ReviewYear:
        """The review year a date falls in."""
        return cls(start_year_of(day))

    @property
    def label(self) -> str:
        """The year as the ombudsman writes it, e.g. "2019-20"."""
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        """1 April, the first day of the year."""
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        """31 March, the last day of the year."""
        return date(self.start_year + 1, 3, 31)

    @property
    def period(self) -> str:
        """The period in words, e.g. "1 April 2019 to 31 March 2020"."""
        return f"1 April {self.start_year} to 31 March {self.start_year + 1}"

    def previous(self) -> ReviewYear:
        """The year before."""
        return ReviewYear(self.start_year - 1)

    def next(self) -> ReviewYear:
        """The year after."""
        return ReviewYear(self.start_year + 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


def months_before(day: date, months: int) -> date:
    """The same day so many calendar months earlier (the last day of a shorter month)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")
