"""Versions of a council's letter: what each says, and where it stands in the review.

A letter is generated as a `draft`; staff approve it (`approved`, by whom and when); it is emailed
(`sent`). When its data changes, regenerating makes a new version and the older ones become
`superseded` (a sent version keeps when it was sent). The figures each version gives are kept
with it, so a letter that no longer matches the data can be named with the figures that changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, func, select

from upheld.store import schema

State = Literal["draft", "approved", "sent", "superseded"]
STATES: tuple[State, ...] = ("draft", "approved", "sent", "superseded")


@dataclass(frozen=True)
class Version:
    """One version of a council's letter for a year."""

    id: int
    code: str
    year: int
    number: int
    state: State
    data_sha256: str
    figures: dict[str, Any]
    created_at: datetime
    reason: str | None
    approved_by: str | None
    approved_at: datetime | None
    sent_at: datetime | None
    superseded_at: datetime | None

    @property
    def released(self) -> bool:
        """Whether it was ever approved or sent: only such a version reaches the public."""
        return self.approved_at is not None or self.sent_at is not None


def digest(data: Mapping[str, Any]) -> str:
    """The SHA-256 of what a letter says (its data, in a canonical form)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _version(row: Any) -> Version:
    return Version(
        id=row.id,
        code=row.authority,
        year=row.year,
        number=row.number,
        state=row.state,
        data_sha256=row.data_sha256,
        figures=json.loads(row.figures or "{}"),
        created_at=_utc(row.created_at),
        reason=row.reason,
        approved_by=row.approved_by,
        approved_at=_utc(row.approved_at),
        sent_at=_utc(row.sent_at),
        superseded_at=_utc(row.superseded_at),
    )


def _utc(moment: datetime | None) -> Any:
    # SQLite hands back times without their zone; they were written in UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def current(
    connection: Connection, year: int, codes: Iterable[str] | None = None
) -> dict[str, Version]:
    """The newest version of each council's letter for a year, by council code."""
    table = schema.letter_versions
    newest = (
        select(func.max(table.c.number).label("number"), table.c.authority)
        .where(table.c.year == year)
        .group_by(table.c.authority)
        .subquery()
    )
    query = select(table).join(
        newest,
        (table.c.authority == newest.c.authority) & (table.c.number == newest.c.number),
    )
    query = query.where(table.c.year == year)
    if codes is not None:
        query = query.where(table.c.authority.in_(list(codes)))
    return {row.authority: _version(row) for row in connection.execute(query)}


def history(connection: Connection, year: int, code: str) -> list[Version]:
    """Every version of a council's letter for a year, oldest first."""
    table = schema.letter_versions
    rows = connection.execute(
        select(table)
        .where(table.c.year == year, table.c.authority == code)
        .order_by(table.c.number)
    )
    return [_version(row) for row in rows]


def revised(connection: Connection, years: Iterable[int]) -> dict[tuple[int, str], list[Version]]:
    """Every version of each letter that has more than one, in the years given, by (year,
    council), oldest first: one query, for the revision log."""
    table = schema.letter_versions
    wanted = sorted(set(years))
    if not wanted:
        return {}
    several = (
        select(table.c.year, table.c.authority)
        .where(table.c.year.in_(wanted))
        .group_by(table.c.year, table.c.authority)
        .having(func.count() > 1)
        .subquery()
    )
    rows = connection.execute(
        select(table)
        .join(
            several,
            (table.c.year == several.c.year) & (table.c.authority == several.c.authority),
        )
        .order_by(table.c.year, table.c.authority, table.c.number)
    )
    found: dict[tuple[int, str], list[Version]] = {}
    for row in rows:
        found.setdefault((row.year, row.authority), []).append(_version(row))
    return found


def released(history_: list[Version], *, approval_required: bool = True) -> list[Version]:
    """The versions that reached the council or the public, oldest first: approved or sent
    (every version, where approval is not required)."""
    return [v for v in history_ if v.released or not approval_required]


def record(
    connection: Connection,
    code: str,
    year: int,
    data: Mapping[str, Any],
    figures: Mapping[str, Any],
    reason: str | None,
    newest: Version | None,
) -> Version:
    """The version a letter's data is: the newest one if it says the same, else a new draft
    that supersedes the versions before it."""
    sha = digest(data)
    if newest is not None and newest.data_sha256 == sha:
        return newest
    table = schema.letter_versions
    now = datetime.now(UTC)
    if newest is not None:
        connection.execute(
            table.update()
            .where(
                table.c.year == year,
                table.c.authority == code,
                table.c.state != "superseded",
            )
            .values(state="superseded", superseded_at=now)
        )
    number = (newest.number if newest else 0) + 1
    row = connection.execute(
        table.insert()
        .values(
            authority=code,
            year=year,
            number=number,
            data_sha256=sha,
            figures=json.dumps(figures, sort_keys=True),
            state="draft",
            created_at=now,
            reason=reason,
        )
        .returning(*table.c)
    ).one()
    return _version(row)


def approve(connection: Connection, version: Version, by: str) -> Version:
    """Approve a draft: who approved it and when."""
    now = datetime.now(UTC)
    table = schema.letter_versions
    connection.execute(
        table.update()
        .where(table.c.id == version.id, table.c.state == "draft")
        .values(state="approved", approved_by=by, approved_at=now)
    )
    return _reread(connection, version.id)


def approve_drafts(
    connection: Connection, year: int, codes: Iterable[str] | None, by: str
) -> list[Version]:
    """Approve the newest version of each council's letter that is still a draft (of the
    councils given, or all); the versions approved, by council."""
    newest = current(connection, year, codes)
    return [
        approve(connection, v, by)
        for v in sorted(newest.values(), key=lambda v: v.code)
        if v.state == "draft"
    ]


def mark_sent(connection: Connection, version_id: int, at: datetime) -> None:
    """Record that a version was emailed to the council."""
    table = schema.letter_versions
    connection.execute(
        table.update().where(table.c.id == version_id).values(state="sent", sent_at=at)
    )


def _reread(connection: Connection, version_id: int) -> Version:
    table = schema.letter_versions
    return _version(connection.execute(select(table).where(table.c.id == version_id)).one())


def content(connection: Connection, version_id: int, fmt: str) -> bytes | None:
    """A version's letter in one format, or None if it was not written in that format."""
    letters = schema.letters
    found = connection.execute(
        select(letters.c.content)
        .where(letters.c.letter_version == version_id, letters.c.format == fmt)
        .order_by(letters.c.id.desc())
        .limit(1)
    ).scalar()
    return None if found is None else bytes(found)


def formats(connection: Connection, version_id: int) -> list[str]:
    """The formats a version was written in, PDF first."""
    letters = schema.letters
    found = connection.execute(
        select(letters.c.format).where(letters.c.letter_version == version_id).distinct()
    ).scalars()
    return sorted(found, key=lambda f: (f != "pdf", f))
