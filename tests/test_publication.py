"""The publication rules: when a year, a decision, an improvement or a report becomes public."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upheld.core.publication import TIMEZONE, Publication, decision_cutoff, decisions_rule

SCHEDULE = {
    2023: datetime(2024, 7, 23, 10, tzinfo=TIMEZONE),
    2024: datetime(2025, 7, 23, 10, tzinfo=TIMEZONE),
}


@pytest.mark.parametrize(
    ("today", "delay", "cutoff"),
    [
        (date(2025, 6, 1), 3, date(2025, 3, 1)),
        (date(2025, 6, 15), 3, date(2025, 3, 15)),
        (date(2025, 1, 10), 3, date(2024, 10, 10)),
        (date(2025, 5, 30), 3, date(2025, 2, 28)),  # no 30 February: the month's last day
        (date(2025, 2, 28), 3, date(2024, 11, 30)),  # decided 30 November: due 28 February
        (date(2024, 2, 29), 3, date(2023, 11, 30)),
        (date(2025, 4, 30), 3, date(2025, 1, 31)),
        (date(2025, 4, 29), 3, date(2025, 1, 29)),
        (date(2025, 6, 1), 0, date(2025, 6, 1)),
        (date(2025, 6, 1), 12, date(2024, 6, 1)),
        (date(2025, 6, 1), 15, date(2024, 3, 1)),
    ],
)
def test_decision_cutoff(today: date, delay: int, cutoff: date) -> None:
    assert decision_cutoff(today, delay) == cutoff


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.integers(0, 36))
def test_a_decision_is_shown_once_its_delay_has_passed(today: date, delay: int) -> None:
    cutoff = decision_cutoff(today, delay)
    assert cutoff <= today
    # Published on the same day `delay` months later, or that month's last day if it is shorter.
    for decided in (cutoff, cutoff + timedelta(days=1)):
        year, month = divmod(decided.year * 12 + decided.month - 1 + delay, 12)
        day = decided.day
        while True:
            try:
                published = date(year, month + 1, day)
                break
            except ValueError:
                day -= 1
        assert (published <= today) == (decided == cutoff)


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        decision_cutoff(date(2025, 6, 1), -1)


def test_a_year_is_public_from_its_moment_exactly() -> None:
    moment = SCHEDULE[2024]
    before = Publication.at(moment - timedelta(microseconds=1), SCHEDULE)
    at = Publication.at(moment, SCHEDULE)
    assert before.published_years == frozenset({2023})
    assert at.published_years == frozenset({2023, 2024})
    assert not before.year_is_public(2024)
    assert at.year_is_public(2024)
    assert before.key != at.key


def test_the_day_is_the_uk_day() -> None:
    # 23:30 UTC on 30 June is already 1 July in British Summer Time.
    late = Publication.at(datetime(2025, 6, 30, 23, 30, tzinfo=UTC), SCHEDULE)
    assert late.today == date(2025, 7, 1)
    assert late.cutoff == date(2025, 4, 1)
    with pytest.raises(ValueError, match="time zone"):
        Publication.at(datetime(2025, 6, 30, 23, 30), SCHEDULE)


def test_a_decision_waits_for_its_delay_and_its_year() -> None:
    moment = datetime(2025, 7, 1, 12, tzinfo=TIMEZONE)  # 2024-25 not yet published
    held = Publication.at(moment, SCHEDULE)
    shown = Publication.at(moment, SCHEDULE, continuous=True)
    summary = "The council put things right."
    old = (date(2024, 1, 10), 2023, True, summary)
    due = (date(2025, 3, 10), 2024, True, summary)
    recent = (date(2025, 5, 10), 2025, True, summary)
    assert held.decision_is_public(*old)
    assert not held.decision_is_public(*due)  # due, but its year's figures are embargoed
    assert shown.decision_is_public(*due)
    assert not shown.decision_is_public(*recent)  # not yet three months old
    for never in (
        (None, None, True, summary),
        (date(2024, 1, 10), 2023, False, summary),
        (date(2024, 1, 10), 2023, True, None),
        (date(2024, 1, 10), 2023, True, "   "),
    ):
        assert not shown.decision_is_public(*never)
    assert held.record_years == frozenset({2023})
    assert shown.record_years is None
    assert held.offered_years([2022, 2023, 2024]) == shown.offered_years([2022, 2023, 2024])
    assert shown.offered_years([2022, 2023, 2024]) == [2023]


def test_improvements_and_reports_follow_the_year_rule() -> None:
    moment = datetime(2025, 7, 1, 12, tzinfo=TIMEZONE)
    held = Publication.at(moment, SCHEDULE)
    assert held.record_is_public(date(2024, 2, 1), 2023)
    assert not held.record_is_public(date(2025, 2, 1), 2024)
    assert not held.record_is_public(date(2025, 7, 2), 2025)  # dated in the future
    shown = Publication.at(moment, SCHEDULE, continuous=True)
    assert shown.record_is_public(date(2025, 2, 1), 2024)
    assert not shown.record_is_public(date(2025, 7, 2), 2025)


@pytest.mark.parametrize(
    ("delay", "continuous", "words"),
    [
        (
            3,
            False,
            "Decisions appear three months after they are made, once the figures for "
            "their review year are published.",
        ),
        (1, True, "Decisions appear one month after they are made."),
        (0, True, "Decisions appear as soon as they are made."),
        (14, True, "Decisions appear 14 months after they are made."),
    ],
)
def test_the_rule_in_words(delay: int, continuous: bool, words: str) -> None:
    assert decisions_rule(delay, continuous) == words
