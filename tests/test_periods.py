"""Review years: 1 April to 31 March."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upheld.core.periods import ReviewYear, months_before, start_year_of


@pytest.mark.parametrize(
    ("written", "start"),
    [
        ("2019-20", 2019),
        ("2019/20", 2019),
        ("2019-2020", 2019),
        ("2019", 2019),
        (" 2024-25 ", 2024),
        ("1999-00", 1999),
        ("2019\u201320", 2019),
    ],
)
def test_parse(written: str, start: int) -> None:
    assert ReviewYear.parse(written) == ReviewYear(start)


@pytest.mark.parametrize("written", ["2019-21", "19-20", "next year", "2019-2021", ""])
def test_parse_refuses(written: str) -> None:
    with pytest.raises(ValueError, match="review year"):
        ReviewYear.parse(written)


def test_words() -> None:
    year = ReviewYear(2019)
    assert year.label == str(year) == "2019-20"
    assert (year.start, year.end) == (date(2019, 4, 1), date(2020, 3, 31))
    assert year.period == "1 April 2019 to 31 March 2020"
    assert year.previous() == ReviewYear(2018)
    assert year.next().label == "2020-21"
    assert ReviewYear(1999).label == "1999-00"


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2019, 4, 1), 2019),
        (date(2020, 3, 31), 2019),
        (date(2020, 4, 1), 2020),
        (date(2021, 1, 1), 2020),
    ],
)
def test_containing(day: date, start: int) -> None:
    assert ReviewYear.containing(day) == ReviewYear(start)
    assert day in ReviewYear(start)
    assert day not in ReviewYear(start + 1)


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_is_in_exactly_one_year(day: date) -> None:
    year = ReviewYear(start_year_of(day))
    assert year.start <= day <= year.end
    assert day not in year.previous()
    assert day not in year.next()


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 7, 15), 3, date(2025, 4, 15)),
        (date(2025, 2, 10), 3, date(2024, 11, 10)),
        (date(2025, 5, 31), 3, date(2025, 2, 28)),
        (date(2024, 5, 31), 3, date(2024, 2, 29)),
        (date(2025, 1, 31), 0, date(2025, 1, 31)),
        (date(2025, 3, 31), 1, date(2025, 2, 28)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected
