"""The ombudsman's own training courses and seminars, for the letters' activity paragraph."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from upheld.core.periods import ReviewYear

if TYPE_CHECKING:
    from upheld.register import Council, Register

COURSES = (
    "Effective complaint handling for local authorities",
    "Effective complaint handling for local authorities: investigating complaints",
    "Good complaint handling: adult social care",
    "Good complaint handling: children's services",
    "Good complaint handling: special educational needs",
    "Remedies and putting things right",
    "Complaint handling for frontline staff",
    "Managing unreasonable complainant behaviour",
    "Complaint handling for link officers",
    "Writing good complaint responses",
)
SEMINARS = (
    "Annual link officer seminar",
    "Learning from complaints: homelessness",
    "Learning from complaints: education, health and care plans",
    "Scrutiny and complaints: a guide for councillors",
    "The Complaint Handling Code explained",
    "Adult social care complaints: what we see",
    "Insights from the annual review of local government complaints",
    "Children's services complaints: lessons from our casework",
)
CITIES = (
    "London", "Birmingham", "Manchester", "Leeds", "Coventry", "Bristol", "York", "Nottingham",
    "Exeter", "Cambridge", "Newcastle upon Tyne", "Leicester", "Norwich", "Reading", "Sheffield",
    "Liverpool", "Preston", "Taunton", "Maidstone", "Lincoln",
)  # fmt: skip
EVENT_COLUMNS = ("date", "kind", "title", "location", "attendees", "authorities")

# Face-to-face training stopped with the pandemic and came back gradually.
_ONLINE_ONLY = (date(2020, 3, 23), date(2021, 7, 18))


def _online_share(day: date) -> float:
    if _ONLINE_ONLY[0] <= day <= _ONLINE_ONLY[1]:
        return 1.0
    return 0.1 if day < _ONLINE_ONLY[0] else 0.45


def _existing(councils: Sequence[Council], day: date) -> list[Council]:
    return [
        c
        for c in councils
        if (c.valid_from is None or c.valid_from <= day)
        and (c.valid_to is None or day <= c.valid_to)
    ]


def _event(
    rng: random.Random, when: date, present: Sequence[Council]
) -> tuple[str, str, str, int, list[Council]]:
    online = rng.random() < _online_share(when)
    if rng.random() < 0.65:
        title, attendees = rng.choice(COURSES), rng.randint(8, 25)
        if not online and present and rng.random() < 0.4:
            host = rng.choice(present)
            return "course", title, f"{host.short_name or host.name} (in-house)", attendees, [host]
        location = "Online" if online else rng.choice(CITIES)
        attending = rng.sample(present, min(len(present), rng.randint(1, 4)))
        return "course", title, location, attendees, attending
    title, attendees = rng.choice(SEMINARS), rng.randint(20, 150)
    location = "Online" if online else rng.choice(CITIES)
    attending = []
    if present and rng.random() < 0.4:
        attending = rng.sample(present, min(len(present), rng.randint(1, 4)))
    return "seminar", title, location, attendees, attending


def write_events(register: Register, years: Sequence[ReviewYear], path: Path, seed: int) -> int:
    """Write 60 to 120 courses and seminars a year, with the councils that attended; return rows."""
    rng = random.Random(f"{seed}/events")
    councils = sorted(register, key=lambda c: c.code)
    # The ombudsman's records key an event by date, kind, title and place, so none may repeat.
    seen: set[tuple[str, str, str, str]] = set()
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(EVENT_COLUMNS)
        for year in years:
            first, last = year.start.toordinal(), year.end.toordinal()
            days: list[int] = []
            for _ in range(rng.randint(60, 120)):
                day = rng.randint(first, last)
                while date.fromordinal(day).weekday() >= 5:
                    day = rng.randint(first, last)
                days.append(day)
            for ordinal in sorted(days):
                when = date.fromordinal(ordinal)
                kind, title, location, attendees, attending = _event(
                    rng, when, _existing(councils, when)
                )
                key = (when.isoformat(), kind, title, location)
                repeat = 1
                while key in seen:
                    repeat += 1
                    key = (when.isoformat(), kind, f"{title} (session {repeat})", location)
                seen.add(key)
                codes = ";".join(sorted(c.code for c in attending))
                writer.writerow((*key, attendees, codes))
                rows += 1
    return rows
