"""The letter archive: every version of every letter generated, kept in the database."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from upheld import __version__
from upheld.store import schema

FORMATS = ("pdf", "html", "docx")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class Entry:
    """One archived letter (without its bytes)."""

    id: int
    authority: str
    year: int
    format: str
    sha256: str
    size: int
    generated_at: datetime
    version: str


def digest(content: bytes) -> str:
    """The SHA-256 of a letter's bytes."""
    return hashlib.sha256(content).hexdigest()


def latest_digests(connection: Connection, year: int) -> dict[tuple[str, str], str]:
    """The newest copy of each council's letters for a year: (code, format) -> SHA-256."""
    letters = schema.letters
    newest = (
        select(func.max(letters.c.id))
        .where(letters.c.year == year)
        .group_by(letters.c.authority, letters.c.format)
    )
    rows = connection.execute(
        select(letters.c.authority, letters.c.format, letters.c.sha256).where(
            letters.c.id.in_(newest)
        )
    )
    return {(row.authority, row.format): row.sha256 for row in rows}


def store(
    connection: Connection,
    code: str,
    year: int,
    fmt: str,
    content: bytes,
    letter_version: int | None = None,
) -> bool:
    """Archive a letter unless its newest copy is identical and of the same version; True if a
    copy was added."""
    sha = digest(content)
    letters = schema.letters
    newest = connection.execute(
        select(letters.c.sha256, letters.c.letter_version)
        .where(letters.c.authority == code, letters.c.year == year, letters.c.format == fmt)
        .order_by(letters.c.id.desc())
        .limit(1)
    ).first()
    if newest is not None and (newest.sha256, newest.letter_version) == (sha, letter_version):
        return False
    connection.execute(
        letters.insert().values(
            authority=code,
            year=year,
            format=fmt,
            sha256=sha,
            content=content,
            generated_at=datetime.now(UTC),
            version=__version__,
            letter_version=letter_version,
        )
    )
    return True


def entries(
    connection: Connection, year: int | None = None, code: str | None = None
) -> list[Entry]:
    """Archived letters, newest first, optionally for one year or council."""
    letters = schema.letters
    query = select(
        letters.c.id,
        letters.c.authority,
        letters.c.year,
        letters.c.format,
        letters.c.sha256,
        func.length(letters.c.content).label("size"),
        letters.c.generated_at,
        letters.c.version,
    ).order_by(letters.c.year.desc(), letters.c.authority, letters.c.format, letters.c.id.desc())
    if year is not None:
        query = query.where(letters.c.year == year)
    if code is not None:
        query = query.where(letters.c.authority == code)
    return [Entry(*row) for row in connection.execute(query)]


def content(connection: Connection, code: str, year: int, fmt: str) -> bytes | None:
    """The newest version of a council's letter for a year, or None."""
    letters = schema.letters
    found = connection.execute(
        select(letters.c.content)
        .where(letters.c.authority == code, letters.c.year == year, letters.c.format == fmt)
        .order_by(letters.c.id.desc())
        .limit(1)
    ).scalar()
    return None if found is None else bytes(found)
