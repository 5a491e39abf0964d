"""The stream of synthetic cases, and the compliance checks, improvements and reports after them."""

from __future__ import annotations

import csv
import functools
import math
import random
import statistics
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from upheld.core.periods import ReviewYear, start_year_of
from upheld.synthetic.councils import (
    AREAS,
    MonthPlan,
    Profile,
    plan_months,
    profile,
    uphold_baselines,
    uphold_chance,
)
from upheld.synthetic.national import (
    INVESTIGATION,
    QUICK,
    TRACKS,
    after_pauses,
    expected_decisions,
    figures_for,
)
from upheld.synthetic.people import complainant
from upheld.synthetic.summaries import (
    Phrasebook,
    Remedy,
    fill_for,
    improvements,
    remedy,
    report_title,
    sentence,
    summary,
)

if TYPE_CHECKING:
    from upheld.register import Council, Register

COLUMNS = {
    "cases": (
        "reference", "authority", "received", "category", "subcategory", "decided", "outcome",
        "satisfactory_remedy", "summary", "publish", "complainant",
    ),
    "compliance": ("reference", "assessed", "outcome", "due", "recommendation"),
    "improvements": ("reference", "agreed", "description", "status", "category"),
    "reports": ("reference", "issued", "title", "kind", "url"),
}  # fmt: skip
"""The columns of each file the case stream writes, as data-contract.md names them."""

PROGRESS_EVERY = 10_000
PUBLISHED = 0.93
"""The share of decisions whose statements may be published."""
IMPROVEMENT = 0.36
"""The share of upheld cases with recommendations that also lead to a service improvement."""
PUBLIC_INTEREST_REPORTS = (16.0, 28.0)
"""The range of public interest reports a year, nationally, at scale 1."""
FURTHER_REPORT = 0.6
"""The chance the ombudsman issues a further report when a council does not comply."""
REPORTS_URL = "https://www.ombudsman.example/reports/"
QUICK_OUTCOMES = (
    (0.64, "referred_back_for_local_resolution"),
    (0.78, "incomplete_invalid"),
    (1.0, "advice_given"),
)
"""How the quickly decided cases end, as cumulative shares."""


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (normal approximation for large means)."""
    if mean <= 0:
        return 0
    if mean < 30:
        limit, count, product = math.exp(-mean), 0, rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
        return count
    return max(0, int(rng.gauss(mean, math.sqrt(mean)) + 0.5))


@dataclass(frozen=True)
class Calibration:
    """Per review year, the settings that make the national figures come out as published."""

    investigated_share: dict[int, float]
    uphold_baselines: dict[int, float]
    report_chance: dict[int, float]


def calibrate(
    plans: Sequence[MonthPlan], first_day: int, last_day: int, scale: float, seed: int
) -> Calibration:
    """Work out each year's settings from the expected complaints, before drawing any case."""
    first_year, last_year = (start_year_of(date.fromordinal(d)) for d in (first_day, last_day))
    years = list(range(first_year, last_year + 1))
    daily = [0.0] * (last_day - first_day + 1)
    for plan in plans:
        for _, expected, low, high in plan.entries:
            per_day = expected / (high - low + 1)
            for day in range(low, high + 1):
                daily[day - first_day] += per_day
    on_track = expected_decisions(daily, first_day, last_day, INVESTIGATION, years)
    coverage: defaultdict[int, list[float]] = defaultdict(list)
    for plan in plans:
        coverage[start_year_of(date(plan.year, plan.month, 1))].append(plan.coverage)
    investigated_share = {}
    report_chance = {}
    reports_rng = random.Random(f"{seed}/reports")
    for y in years:
        figures = figures_for(ReviewYear(y))
        wanted = figures.investigated * scale * statistics.fmean(coverage[y] or [0.0])
        investigated_share[y] = min(1.0, wanted / on_track[y]) if on_track[y] > 0 else 1.0
        # About 88% of upheld cases have recommendations; the council had already remedied the rest.
        with_recommendations = figures.investigated * figures.uphold_rate * 0.88
        reports = reports_rng.uniform(*PUBLIC_INTEREST_REPORTS)
        report_chance[y] = min(1.0, reports / with_recommendations)
    return Calibration(investigated_share, uphold_baselines(plans, years), report_chance)


class CaseStream:
    """Draws cases month by month and writes each, with what follows it, as soon as it is drawn."""

    def __init__(
        self,
        writers: Mapping[str, Callable[[Sequence[object]], object]],
        profiles: Sequence[Profile],
        calibration: Calibration,
        first_day: int,
        last_day: int,
        scale: float,
        seed: int,
        progress: Callable[[str, int], None] | None = None,
    ) -> None:
        self.write = writers
        self.profiles = profiles
        self.calibration = calibration
        self.first_day, self.last_day = first_day, last_day
        self.scale = scale
        self.progress = progress
        self.rng = random.Random(f"{seed}/cases")
        self.book = Phrasebook()
        days = range(first_day, last_day + 1)
        # Dates are handled as day numbers; these tables turn them into text and review years fast.
        self.iso = [date.fromordinal(d).isoformat() for d in days]
        self.year_of = [start_year_of(date.fromordinal(d)) for d in days]
        self.tracks = {t.name: t.cumulative() for t in TRACKS}
        self.sequences: dict[int, int] = {}
        self.steps: dict[int, int] = {}
        # Reports are rare, so they are spread evenly over upheld cases rather than drawn one by
        # one, which would make a year's count swing too widely.
        self.report_credit = {y: self.rng.random() for y in calibration.report_chance}
        self.counts = dict.fromkeys(COLUMNS, 0)

    def day(self, ordinal: int) -> str:
        """A day number as an ISO date."""
        return self.iso[ordinal - self.first_day]

    def month(self, plan: MonthPlan) -> None:
        """Draw and write one month's cases, numbered in the order they arrived."""
        rng = self.rng
        arrivals: list[tuple[int, int]] = []
        for council_profile, expected, low, high in plan.entries:
            span = high - low + 1
            for _ in range(poisson(rng, expected)):
                arrivals.append((low + int(rng.random() * span), council_profile.index))
        arrivals.sort()
        for received, index in arrivals:
            self.case(received, self.profiles[index])

    def reference(self, received: int) -> str:
        """The next case reference for the year of receipt, e.g. "19 001 234"."""
        year = self.year_of[received - self.first_day]
        if year not in self.sequences:
            # References are shared with cases about other bodies, so they do not start at 1 and
            # skip numbers, unless the volume is so large the six digits would run out.
            self.sequences[year] = int(self.rng.random() * 300)
            busy = figures_for(ReviewYear(year)).received * self.scale >= 600_000
            self.steps[year] = 1 if busy else 2
        self.sequences[year] += 1 + int(self.rng.random() * self.steps[year])
        sequence = self.sequences[year]
        return f"{year % 100:02d} {sequence // 1000:03d} {sequence % 1000:03d}"

    def case(self, received: int, council_profile: Profile) -> None:
        """Draw one case and write it, then any compliance check, report and improvement."""
        rng = self.rng
        council = council_profile.council
        reference = self.reference(received)
        area = council_profile.area(rng)
        topic = self.book.topic(area, council.type, rng)
        draw = rng.random()
        track = TRACKS[-1]
        for candidate in TRACKS:
            if draw < candidate.share:
                track = candidate
                break
            draw -= candidate.share
        decided = after_pauses(received + track.draw(rng, self.tracks[track.name]), rng)
        person = complainant(rng)
        fill = fill_for(person.reference, person.his, person.him, rng)
        received_on = self.day(received)
        row = [reference, council.code, received_on, AREAS[area], topic.subcategory]
        if decided > self.last_day:
            self._written("cases", [*row, "", "", "no", "", "no", person.name])
            return

        decided_year = self.year_of[decided - self.first_day]
        if track is QUICK:
            draw = rng.random()
            outcome = next(name for share, name in QUICK_OUTCOMES if draw < share)
        elif (
            track is INVESTIGATION
            and rng.random() < self.calibration.investigated_share[decided_year]
        ):
            baseline = self.calibration.uphold_baselines[decided_year]
            chance = uphold_chance(council_profile, decided_year, area, baseline)
            outcome = "upheld" if rng.random() < chance else "not_upheld"
        else:
            outcome = "closed_after_initial_enquiries"
        remedied = outcome == "upheld" and rng.random() < council_profile.remedy_chance
        agreed = None
        changes: tuple[str, ...] = ()
        if outcome == "upheld" and not remedied:
            if rng.random() < IMPROVEMENT:
                changes = improvements(topic, rng)
            agreed = remedy(topic, fill, rng, changes)
        text = summary(outcome, topic, fill, rng, agreed, remedied)
        publish = "yes" if rng.random() < PUBLISHED else "no"
        row += [self.day(decided), outcome, "yes" if remedied else "no", text, publish, person.name]
        self._written("cases", row)
        if agreed is not None:
            title = functools.partial(report_title, council.name, topic, fill, text)
            self.follow_up(reference, council, AREAS[area], decided, agreed, changes, title)

    def follow_up(
        self,
        reference: str,
        council: Council,
        category: str,
        decided: int,
        agreed: Remedy,
        changes: Sequence[str],
        title: Callable[[bool], str],
    ) -> None:
        """Write what follows recommendations: a report, a compliance check, an improvement.
        `title(further)` is a report's title, from what the decision says was wrong."""
        rng = self.rng
        year = self.year_of[decided - self.first_day]
        self.report_credit[year] += self.calibration.report_chance[year]
        reported = self.report_credit[year] >= 1.0
        link = REPORTS_URL + reference.replace(" ", "-")
        if reported:
            self.report_credit[year] -= 1.0
            issued = min(decided + int(rng.random() * 22), self.last_day)
            url = "" if rng.random() < 0.15 else link
            self._written(
                "reports", [reference, self.day(issued), title(False), "public_interest", url]
            )

        due = decided + agreed.days
        figures = figures_for(
            ReviewYear(self.year_of[min(due + 30, self.last_day) - self.first_day])
        )
        draw = rng.random()
        if draw < figures.not_complied:
            result, assessed = "not_complied", due + 30 + int(rng.random() * 30)
        elif draw < figures.not_complied + figures.complied_late:
            result, assessed = "complied_late", due + 20 + int(rng.random() * 40)
        else:
            result, assessed = "complied", due + 3 + int(rng.random() * 57)
        if assessed <= self.last_day:
            recommendation = agreed.recommendation()
            self._written(
                "compliance",
                [reference, self.day(assessed), result, self.day(due), recommendation],
            )
            issued = assessed + 14 + int(rng.random() * 76)
            further = result == "not_complied" and not reported and rng.random() < FURTHER_REPORT
            if further and issued <= self.last_day:
                self._written(
                    "reports",
                    [reference, self.day(issued), title(True), "further", link + "-further"],
                )

        # Each change is its own row: the ombudsman tracks every service improvement separately.
        agreed_on = min(decided + int(rng.random() * 15), self.last_day)
        for change in changes:
            due_by = agreed_on + 60 + int(rng.random() * 120)
            if due_by > self.last_day:
                status = "agreed"
            else:
                overdue = 0.2 if self.last_day - due_by < 180 else 0.03
                status = "overdue" if rng.random() < overdue else "completed"
            self._written(
                "improvements", [reference, self.day(agreed_on), sentence(change), status, category]
            )

    def _written(self, kind: str, row: Sequence[object]) -> None:
        self.write[kind](row)
        self.counts[kind] += 1
        if self.progress and kind == "cases" and self.counts[kind] % PROGRESS_EVERY == 0:
            self.progress(kind, self.counts[kind])


def write_casework(
    register: Register,
    paths: Mapping[str, Path],
    seed: int,
    scale: float,
    first: date,
    last: date,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Write the cases received from `first` to `last` and what followed them; return row counts."""
    councils = sorted(register, key=lambda c: c.code)
    profiles = [profile(council, index, seed) for index, council in enumerate(councils)]
    plans = plan_months(register, profiles, first, last, scale)
    first_day, last_day = first.toordinal(), last.toordinal()
    calibration = calibrate(plans, first_day, last_day, scale, seed)
    with ExitStack() as files:
        writers = {}
        for kind, columns in COLUMNS.items():
            handle = files.enter_context(paths[kind].open("w", encoding="utf-8", newline=""))
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writers[kind] = writer.writerow
        stream = CaseStream(
            writers, profiles, calibration, first_day, last_day, scale, seed, progress
        )
        for plan in plans:
            stream.month(plan)
    if progress:
        for kind, rows in stream.counts.items():
            progress(kind, rows)
    return stream.counts
