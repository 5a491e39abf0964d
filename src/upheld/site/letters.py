"""Which version of a council's letter the public sees: the newest one approved or sent (any
version, where a year's letters need no approval), with the earlier ones still reachable and a
note of why each was revised."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import TypedDict

from sqlalchemy import Connection

from upheld.core.publication import TIMEZONE
from upheld.core.wording import long_date
from upheld.letters import versions
from upheld.letters.versions import Version
from upheld.site.model import Year


class Revision(TypedDict):
    """An earlier version of a letter, replaced by a later one: when and why."""

    number: int
    revised: str
    """When the version after it was made, e.g. "3 August 2025"."""
    reason: str


class PublicLetter(TypedDict):
    """A council's letter for a year as the website offers it."""

    year: str
    version: int
    formats: list[str]
    revisions: list[Revision]
    """The earlier versions, newest first, each with why it was replaced."""


def shown(connection: Connection, code: str, year: Year) -> list[Version]:
    """The versions of a council's letter the public may see, oldest first: the one current
    when the year was published and every one released since (a version replaced before then
    was never public)."""
    return shown_of(versions.history(connection, year.year.start_year, code), year)


def shown_of(every: list[Version], year: Year) -> list[Version]:
    """The versions the public may see, oldest first, of a letter's history already read."""
    found = versions.released(every, approval_required=year.config.require_approval)
    published = year.config.published_at
    before = [v for v in found if released_at(v) <= published]
    return before[-1:] + [v for v in found if released_at(v) > published]


def released_at(version: Version) -> datetime:
    """When a version reached the council or the public: approved or sent, whichever came
    first (made, where approval is not required)."""
    moments = [m for m in (version.approved_at, version.sent_at) if m is not None]
    return min(moments) if moments else version.created_at


def public_letter(connection: Connection, code: str, year: Year) -> PublicLetter | None:
    """The letter the website shows for a council and year, with its revision history."""
    found = shown(connection, code, year)
    if not found:
        return None
    current = found[-1]
    revisions: list[Revision] = [
        {
            "number": earlier.number,
            # The day the public could first see it, as the revision log says.
            "revised": long_date(released_at(later).astimezone(TIMEZONE).date()),
            "reason": later.reason or "corrected",
        }
        for earlier, later in pairwise(found)
    ]
    return {
        "year": year.label,
        "version": current.number,
        "formats": versions.formats(connection, current.id),
        "revisions": list(reversed(revisions)),
    }


def letter_content(
    connection: Connection, code: str, year: Year, fmt: str, number: int | None = None
) -> bytes | None:
    """A letter's bytes as the website serves them: the version shown, or an earlier one the
    public has seen, by number."""
    found = shown(connection, code, year)
    if number is not None:
        found = [v for v in found if v.number == number]
    return versions.content(connection, found[-1].id, fmt) if found else None
