"""What is public at a given moment: the one rule for years, decisions, improvements and reports.

A review year is published at the date and time its configuration sets (UK time). A decision is
published once it may ever be (decided, publishable, with a summary), once the publication delay
has passed since its decision date, and, unless the ombudsman publishes continuously, once the
review year it was decided in is published. Service improvements, public reports and compliance
outcomes follow the same year rule from the day they are dated. Every channel (pages, search,
counts, downloads, the API, caches) asks this module; nothing here reads files or databases.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/London")
"""Publication dates and times, and the day a decision becomes due, are in UK time."""

DEFAULT_DELAY_MONTHS = 3


def decision_cutoff(today: date, delay_months: int = DEFAULT_DELAY_MONTHS) -> date:
    """The last decision date that may be published today: `delay_months` calendar months back."""
    if delay_months < 0:
        raise ValueError(f"the publication delay must not be negative, not {delay_months}")
    year, month = divmod(today.year * 12 + today.month - 1 - delay_months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    # A decision made on 30 November is published on 28 February, so on the last day of a month
    # everything up to the end of the earlier month is due.
    if today.day == calendar.monthrange(today.year, today.month)[1]:
        return date(year, month + 1, last_day)
    return date(year, month + 1, min(today.day, last_day))


def decision_due(decided: date, delay_months: int = DEFAULT_DELAY_MONTHS) -> date:
    """The first UK day a decision made on `decided` may be published: the first day whose
    `decision_cutoff` reaches it."""
    year, month = divmod(decided.year * 12 + decided.month - 1 + delay_months, 12)
    day = date(year, month + 1, min(decided.day, calendar.monthrange(year, month + 1)[1]))
    # The cutoff never falls from one day to the next, and it skips days at the end of a short
    # month (30 November is due on 28 February): find its first day from the calendar guess.
    while decision_cutoff(day, delay_months) < decided:
        day += timedelta(days=1)
    while decision_cutoff(day - timedelta(days=1), delay_months) >= decided:
        day -= timedelta(days=1)
    return day


def may_ever_publish(decided: date | None, publish: bool, summary: str | None) -> bool:
    """Whether a decision can be published at all: decided, publishable, with a summary."""
    return decided is not None and publish and bool(summary and summary.strip())


@dataclass(frozen=True)
class Publication:
    """What is public at one moment: the published review years and the decisions now due."""

    moment: datetime
    """The moment in question (timezone-aware)."""
    published_years: frozenset[int]
    """The review years published by then, by their first calendar year."""
    today: date
    """The date in the UK at that moment."""
    cutoff: date
    """The last decision date that may be published on that day."""
    delay_months: int
    continuous: bool
    """Whether decisions, improvements and reports are published as they fall due even in a
    review year whose figures are not yet published."""

    @classmethod
    def at(
        cls,
        moment: datetime,
        schedule: Mapping[int, datetime],
        *,
        delay_months: int = DEFAULT_DELAY_MONTHS,
        continuous: bool = False,
    ) -> Publication:
        """What is public at a moment, given each configured year's publication time."""
        if moment.tzinfo is None:
            raise ValueError("the moment must say its time zone")
        today = moment.astimezone(TIMEZONE).date()
        published = frozenset(year for year, at in schedule.items() if at <= moment)
        cutoff = decision_cutoff(today, delay_months)
        return cls(moment, published, today, cutoff, delay_months, continuous)

    @property
    def key(self) -> tuple[object, ...]:
        """What a cached page depends on: it changes when anything becomes public."""
        return (tuple(sorted(self.published_years)), self.today, self.continuous)

    def year_is_public(self, start_year: int) -> bool:
        """Whether a review year's figures, letters and pages are public."""
        return start_year in self.published_years

    def records_of_year_are_public(self, start_year: int | None) -> bool:
        """Whether decisions, improvements and reports dated in a review year may be shown."""
        return self.continuous or (start_year is not None and start_year in self.published_years)

    @property
    def record_years(self) -> frozenset[int] | None:
        """The review years whose records may be shown, or None for every year (continuous)."""
        return None if self.continuous else self.published_years

    def offered_years(self, years: Iterable[int]) -> list[int]:
        """The review years a filter may offer: published ones only, whatever else is shown."""
        return [year for year in years if year in self.published_years]

    def decision_is_public(
        self, decided: date | None, decided_year: int | None, publish: bool, summary: str | None
    ) -> bool:
        """Whether a decision is published now."""
        return (
            may_ever_publish(decided, publish, summary)
            and decided is not None
            and decided <= self.cutoff
            and self.records_of_year_are_public(decided_year)
        )

    def record_is_public(self, dated: date, start_year: int) -> bool:
        """Whether a service improvement, public report or compliance outcome is published now."""
        return dated <= self.today and self.records_of_year_are_public(start_year)

    def decision_public_from(self, decided: date, year_published_at: datetime | None) -> datetime:
        """When a published decision became public: the start of the UK day its delay ended and,
        unless publication is continuous, not before its review year was published."""
        due = datetime.combine(decision_due(decided, self.delay_months), time(), TIMEZONE)
        return self._not_before_year(due, year_published_at)

    def record_public_from(self, dated: date, year_published_at: datetime | None) -> datetime:
        """When a published improvement, report or compliance outcome became public: the start of
        the UK day it is dated and, unless publication is continuous, not before its review year
        was published."""
        return self._not_before_year(datetime.combine(dated, time(), TIMEZONE), year_published_at)

    def _not_before_year(self, moment: datetime, year_published_at: datetime | None) -> datetime:
        if self.continuous:
            return moment
        if year_published_at is None:
            raise ValueError("nothing of a review year that is not published is public")
        return max(moment, year_published_at)

    @property
    def decisions_rule(self) -> str:
        """When decisions appear, in the words every page uses."""
        return decisions_rule(self.delay_months, self.continuous)


_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def decisions_rule(delay_months: int, continuous: bool) -> str:
    """When decisions appear, in words: "Decisions appear three months after they are made, ..."."""
    if delay_months == 0:
        when = "as soon as they are made"
    else:
        count = _NUMBERS[delay_months] if delay_months < len(_NUMBERS) else str(delay_months)
        when = f"{count} month{'s' if delay_months != 1 else ''} after they are made"
    if continuous:
        return f"Decisions appear {when}."
    return f"Decisions appear {when}, once the figures for their review year are published."
