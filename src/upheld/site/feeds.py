"""Alerts: Atom feeds (RFC 4287) of what is published, for the whole site and for each council,
and the page that lists them.

A feed's entries are the decisions, public reports, service improvements, annual review letters
and corrections to letters that are public now, each dated the moment it became public under
`core.publication` (a decision on the day its delay ended, or when its year was published, if
later), newest first, the newest `FEED_ENTRIES` of them. So a feed reader is told of each one
once, when it appears. Nothing is read that the rule does not allow: decisions through the
search's own condition (`published_now`), improvements and reports through their lists, letters
and corrections through the revision log.

The feeds read little: each kind of entry is read a review year at a time, newest first, at most
`FEED_ENTRIES` rows a year by an indexed query, and a year is read only while it can still hold
one of the newest entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Literal, TypedDict
from urllib.parse import quote, urlencode, urlsplit

from sqlalchemy import Connection, select

from upheld.config import Settings
from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.core.vocabulary import OUTCOMES
from upheld.core.wording import long_date
from upheld.letters import archive
from upheld.letters.versions import Version
from upheld.register import Register
from upheld.search.index import PUBLIC_COLUMNS, published_now
from upheld.site import lists
from upheld.site.councils import councils_page
from upheld.site.identity import council_name, decision_path
from upheld.site.letters import released_at, shown_of
from upheld.site.model import Site, Year
from upheld.site.revisions import (
    RevisionItem,
    atom_bytes,
    atom_element,
    atom_root,
    in_words,
    iso_utc,
    revision_entry,
    revision_items,
    revisions,
    version_formats,
)
from upheld.store import schema

FEED_ENTRIES = 50
"""Entries in a feed: the newest, as in the revision log's feed."""
SITE_FEED = "/feeds/all.atom"
REVISIONS_FEED = "/revisions.atom"

Kind = Literal["year", "letter", "revision", "report", "improvement", "decision"]
KINDS: dict[Kind, str] = {
    "year": "Complaint statistics",
    "revision": "Corrected letter",
    "report": "Public report",
    "letter": "Annual review letter",
    "improvement": "Service improvement",
    "decision": "Decision",
}
"""Each kind of entry, in the order entries of one moment are listed: a year's publication brings
its figures, reports, letters, improvements and decisions at once, the fewest and weightiest
first."""
TITLE_LENGTH = 100
"""Characters of an improvement's description its entry's title quotes."""
_RANK = {kind: n for n, kind in enumerate(KINDS)}


def council_feed_path(code: str) -> str:
    """A council's feed address: "/councils/E08000002/feed.atom"."""
    return f"/councils/{code}/feed.atom"


@dataclass(frozen=True)
class Entry:
    """One thing published, as a feed tells of it."""

    kind: Kind
    key: str
    """Names it on the site for ever: "decisions/24%20001%20234"."""
    start_year: int
    """The review year it belongs to, which dates its id."""
    moment: datetime
    """When it became public."""
    dated: date
    """The day it is dated (decided, issued, agreed): the order of entries of one moment."""
    title: str
    summary: str
    link: str
    """Its page: an address on the site ("/decisions/..."), or a report's own (https://...)."""
    link_type: str | None = "text/html"
    related: str | None = None
    related_title: str | None = None
    version: tuple[int, int] | None = None
    """A letter's version (its id and number), whose formats choose its link."""
    revision: RevisionItem | None = None
    """A correction, written as the revision log's feed writes it."""


class Feed(TypedDict):
    """A feed: what it follows, and its newest entries."""

    title: str
    subtitle: str
    path: str
    """Its own address, which is also its id."""
    page: str
    """The page it follows."""
    updated: datetime | None
    """When it last changed: its newest entry, else the latest publication; None while nothing
    is published."""
    entries: list[Entry]


def _order(entry: Entry) -> tuple[float, int, int, str]:
    return (-entry.moment.timestamp(), _RANK[entry.kind], -entry.dated.toordinal(), entry.key)


def _key(*parts: str) -> str:
    """An entry's key from its parts, each written so it can stand in a tag URI."""
    return "/".join(quote(part, safe="-") for part in parts)


# Reading each kind ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    """What every reader of entries needs: the rule, who is followed, and the names."""

    connection: Connection
    publication: Publication
    code: str | None
    """The council followed; None for the whole site."""
    register: Register
    published_at: dict[int, datetime]
    """When each published review year was published, by its first calendar year."""
    limit: int
    kept: dict[lists.ListName, dict[int, list[tuple[Any, dict[str, Any]]]]] = field(
        default_factory=dict
    )
    """A council's improvements and reports, by review year, read once."""

    def name(self, code: str) -> str:
        return council_name(self.register, code)

    def year_published(self, start: int) -> datetime | None:
        return self.published_at.get(start)


def _decisions(reading: _Reading, start: int) -> list[Entry]:
    """A review year's newest published decisions (about the council followed)."""
    c = schema.cases.c
    query = select(*(c[n] for n in PUBLIC_COLUMNS)).where(
        published_now(reading.publication), c.decided_year == start
    )
    if reading.code is not None:
        query = query.where(c.authority == reading.code)
    rows = reading.connection.execute(
        query.order_by(c.decided.desc(), c.reference).limit(reading.limit)
    )
    found = []
    for row in rows:
        name = reading.name(row.authority)
        outcome = OUTCOMES.label(row.outcome) if row.outcome else "Decided"
        area = f"{row.category}: {row.subcategory}" if row.subcategory else row.category
        found.append(
            Entry(
                kind="decision",
                key=_key("decisions", row.reference),
                start_year=start,
                moment=reading.publication.decision_public_from(
                    row.decided, reading.year_published(start)
                ),
                dated=row.decided,
                title=f"Decision {row.reference}: {name}, {row.category}, {outcome.lower()}",
                summary=f"{outcome}. {area}. Decided on {long_date(row.decided)}. "
                f"{(row.summary or '').strip()}",
                link=decision_path(row.reference),
            )
        )
    return found


def _records(
    reading: _Reading, name: lists.ListName, start: int
) -> list[tuple[Any, dict[str, Any]]]:
    """A review year's newest published improvements or reports, with their public fields."""
    if reading.code is None:
        chosen: lists.Filters = {
            "council": None,
            "category": None,
            "year": ReviewYear(start).label,
            "status": None,
        }
        return lists.published_records(
            reading.connection, name, reading.publication, chosen, limit=reading.limit
        )
    # A council's are few, but finding them means reading the whole list (a record's council
    # is its case's): read them once, for every year, rather than once a year.
    if name not in reading.kept:
        every: lists.Filters = {
            "council": reading.code,
            "category": None,
            "year": None,
            "status": None,
        }
        by_year: dict[int, list[tuple[Any, dict[str, Any]]]] = {}
        for row, item in lists.each_published_record(
            reading.connection, name, reading.publication, every
        ):
            by_year.setdefault(ReviewYear.parse(item["year"]).start_year, []).append((row, item))
        reading.kept[name] = by_year
    return reading.kept[name].get(start, [])[: reading.limit]


def _list_address(name: lists.ListName, code: str, start: int) -> str:
    """A list's page for a council and year: where a record without a page of its own is."""
    return f"/{name}?{urlencode({'council': code, 'year': ReviewYear(start).label})}"


def _web_address(url: str | None) -> bool:
    # A report's own address is offered only if a browser opens it as a page: never
    # "javascript:" or any other scheme a hostile record could carry.
    return bool(url) and urlsplit(url or "").scheme in ("http", "https")


def _reports(reading: _Reading, start: int) -> list[Entry]:
    """A review year's newest published public reports (about the council followed)."""
    found = []
    for row, item in _records(reading, "reports", start):
        name = reading.name(row.authority)
        url = item["url"]
        area = f" Service area: {item['category']}." if item.get("category") else ""
        found.append(
            Entry(
                kind="report",
                key=_key("reports", row.reference, row.kind),
                start_year=start,
                moment=reading.publication.record_public_from(
                    row.issued, reading.year_published(start)
                ),
                dated=row.issued,
                title=f"{item['kind_label']}: {item['title']}",
                summary=f"{item['kind_label']} about {name}, issued on "
                f"{long_date(row.issued)}.{area}",
                link=url if _web_address(url) else _list_address("reports", row.authority, start),
                link_type=None if _web_address(url) else "text/html",
                related=item["decision_url"],
                related_title=f"Decision {row.reference}" if item["decision_url"] else None,
            )
        )
    return found


def _improvements(reading: _Reading, start: int) -> list[Entry]:
    """A review year's newest published service improvements (by the council followed)."""
    found = []
    for row, item in _records(reading, "improvements", start):
        name = reading.name(row.authority)
        area = f"{item['category']}. " if item.get("category") else ""
        # The description is the improvement's name: a short digest of it names the entry.
        digest = hashlib.blake2b(row.description.encode("utf-8"), digest_size=8).hexdigest()
        found.append(
            Entry(
                kind="improvement",
                key=_key("improvements", row.reference, digest),
                start_year=start,
                moment=reading.publication.record_public_from(
                    row.agreed, reading.year_published(start)
                ),
                dated=row.agreed,
                title=f"{name}: {_shortened(row.description.strip())}",
                summary=f"Service improvement. {area}{row.description.strip()} Agreed on "
                f"{long_date(row.agreed)} after complaint {row.reference}. Status: "
                f"{item['status_label'].lower()}.",
                link=item["decision_url"] or _list_address("improvements", row.authority, start),
            )
        )
    return found


def _shortened(text: str) -> str:
    """Text cut at a word to fit a title, marked as cut."""
    if len(text) <= TITLE_LENGTH:
        return text
    return text[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def _latest_decision(
    publication: Publication, start: int, published: datetime | None
) -> datetime | None:
    """The latest moment a decision of a review year can have become public, or None if none
    of its decisions is due yet."""
    year = ReviewYear(start)
    last = min(publication.cutoff, year.end)
    return None if last < year.start else publication.decision_public_from(last, published)


def _latest_record(
    publication: Publication, start: int, published: datetime | None
) -> datetime | None:
    """The latest moment an improvement or report of a review year can have become public, or
    None if none can be public yet."""
    year = ReviewYear(start)
    last = min(publication.today, year.end)
    return None if last < year.start else publication.record_public_from(last, published)


Read = Callable[[_Reading, int], list[Entry]]
"""Reads a review year's newest entries of one kind."""
Latest = Callable[[Publication, int, datetime | None], datetime | None]
"""The latest moment an entry of one kind of a review year can have become public."""


def _newest(
    found: Sequence[Entry],
    limit: int,
    years: list[tuple[datetime, Callable[[], list[Entry]]]],
) -> list[Entry]:
    """One kind's entries from the review years (each: the latest moment one of its entries can
    have, and how to read its newest) that can still hold one of the newest `limit`."""
    added: list[Entry] = []
    for latest, read in sorted(years, key=lambda y: y[0], reverse=True):
        moments = sorted((e.moment for e in (*found, *added)), reverse=True)
        # Strictly older: an entry of the same moment may still come first (`KINDS`).
        if len(moments) >= limit and moments[limit - 1] > latest:
            break
        added += read()
    return added


def _record_years(site: Site, publication: Publication) -> list[int]:
    """The review years whose decisions, improvements and reports may be public now."""
    years = publication.record_years
    if years is not None:
        return sorted(years)

    # Published continuously, any year's records may be public once due: every year from the
    # first decided to the one under way.
    def make() -> list[int]:
        with site.engine.connect() as connection:
            c = schema.cases.c
            found = connection.execute(select(c.decided_year).distinct()).scalars()
            return sorted(y for y in found if y is not None)

    known: list[int] = site.cached(("feeds", "decided years"), make)
    first = min([*known, *publication.published_years], default=None)
    if first is None:
        return []
    return list(range(first, ReviewYear.containing(publication.today).start_year + 1))


# Letters and corrections ----------------------------------------------------------------------


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands back times without their zone; they were written in UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _histories(reading: _Reading, public: list[Year]) -> dict[tuple[int, str], list[Version]]:
    """The versions of each letter in the published years (of the council followed), oldest
    first, in one query; without the figures each keeps, which only corrections show."""
    v = schema.letter_versions.c
    query = select(
        v.id,
        v.authority,
        v.year,
        v.number,
        v.state,
        v.created_at,
        v.reason,
        v.approved_by,
        v.approved_at,
        v.sent_at,
        v.superseded_at,
    ).where(v.year.in_([y.year.start_year for y in public]))
    if reading.code is not None:
        query = query.where(v.authority == reading.code)
    found: dict[tuple[int, str], list[Version]] = {}
    for row in reading.connection.execute(query.order_by(v.year, v.authority, v.number)):
        version = Version(
            id=row.id,
            code=row.authority,
            year=row.year,
            number=row.number,
            state=row.state,
            data_sha256="",
            figures={},
            created_at=_utc(row.created_at) or row.created_at,
            reason=row.reason,
            approved_by=row.approved_by,
            approved_at=_utc(row.approved_at),
            sent_at=_utc(row.sent_at),
            superseded_at=_utc(row.superseded_at),
        )
        found.setdefault((row.year, row.authority), []).append(version)
    return found


def _letters(reading: _Reading, public: list[Year]) -> list[Entry]:
    """Each published letter: the version first shown, when it was first shown."""
    by_start = {y.year.start_year: y for y in public}
    found = []
    for (start, code), history in _histories(reading, public).items():
        year = by_start[start]
        shown = shown_of(history, year)
        if not shown:
            continue
        first = shown[0]
        moment = max(year.config.published_at, released_at(first))
        name = reading.name(code)
        found.append(
            Entry(
                kind="letter",
                key=_key("letters", code, year.label, str(first.number)),
                start_year=start,
                moment=moment,
                dated=year.config.publication_date,
                title=f"{name}: annual review letter for {year.label}",
                summary=f"The annual review letter to {name} for {year.label} "
                f"({year.year.period}), with the council's complaint statistics, published "
                f"on {in_words(moment)}.",
                link=f"/councils/{code}/{year.label}",
                related=f"/councils/{code}/{year.label}",
                related_title=f"{name}, {year.label}",
                version=(first.id, first.number),
            )
        )
    return found


def _letter_links(connection: Connection, chosen: list[Entry]) -> list[Entry]:
    """Letters linked to the version first shown, by its number (so the address lasts), as a
    web page where there is one; else the council's page."""
    formats = version_formats(connection, [e.version[0] for e in chosen if e.version])
    linked = []
    for entry in chosen:
        written = formats.get(entry.version[0], []) if entry.version else []
        if entry.version and written:
            fmt = "html" if "html" in written else written[0]
            entry = replace(
                entry,
                link=f"{entry.link}/letter.{fmt}?version={entry.version[1]}",
                link_type=archive.MEDIA_TYPES[fmt].split(";")[0],
            )
        linked.append(entry)
    return linked


def _corrections(reading: _Reading, public: list[Year]) -> list[Entry]:
    """The newest corrections to published letters (of the council followed)."""
    found = [
        r
        for r in revisions(reading.connection, public)
        if reading.code is None or r[2].code == reading.code
    ][: reading.limit]
    entries = []
    for (year, _earlier, later), item in zip(
        found, revision_items(reading.connection, reading.register, found), strict=True
    ):
        entries.append(
            Entry(
                kind="revision",
                key=f"revisions/{item['id']}",
                start_year=year.year.start_year,
                moment=released_at(later),
                dated=released_at(later).date(),
                title=item["summary"],
                summary=item["summary"],
                link=item["council_page"],
                revision=item,
            )
        )
    return entries


def _years(reading: _Reading, public: list[Year], pages: set[int] | None) -> list[Entry]:
    """Each published year's figures: every council's for the site, or the council's own (the
    years it has a page for, `pages`)."""
    found = []
    for year in public:
        label, start = year.label, year.year.start_year
        if reading.code is None:
            title = f"Complaint statistics for {label} published"
            summary = (
                f"Every council's complaint statistics for {label} ({year.year.period}), "
                "the national figures and the councils' annual review letters are published."
            )
            key, link = _key("years", label), f"/national/{label}"
        elif pages is not None and start in pages:
            name = reading.name(reading.code)
            title = f"{name}: complaint statistics for {label}"
            summary = (
                f"{name}'s complaint statistics for {label} ({year.year.period}), compared with "
                "similar authorities, are published."
            )
            key, link = _key("councils", reading.code, label), f"/councils/{reading.code}/{label}"
        else:
            continue
        found.append(
            Entry(
                kind="year",
                key=key,
                start_year=start,
                moment=year.config.published_at,
                dated=year.config.publication_date,
                title=title,
                summary=summary,
                link=link,
            )
        )
    return found


# The feeds ------------------------------------------------------------------------------------


def entries(
    site: Site, publication: Publication, code: str | None = None, limit: int = FEED_ENTRIES
) -> list[Entry]:
    """The newest things published (about one council, or anywhere), newest first."""
    public = site.published(publication)
    # What the site keeps is read first: working it out needs connections of its own, and
    # holding this one meanwhile could leave a busy server without one to give.
    register = site.register()
    pages = (
        None if code is None else {y.year.start_year for y in site.page_years(code, publication)}
    )
    years = _record_years(site, publication)
    with site.engine.connect() as connection:
        reading = _Reading(
            connection,
            publication,
            code,
            register,
            {y.year.start_year: y.config.published_at for y in public},
            limit,
        )
        found = _years(reading, public, pages) + _letters(reading, public)
        found += _corrections(reading, public)
        kinds: list[tuple[Read, Latest]] = [
            (_decisions, _latest_decision),
            (_reports, _latest_record),
            (_improvements, _latest_record),
        ]
        for read, latest in kinds:
            candidates = []
            for start in years:
                last = latest(publication, start, reading.year_published(start))
                if last is not None:
                    candidates.append((last, _reader(read, reading, start)))
            found += _newest(found, limit, candidates)
        return _letter_links(connection, sorted(found, key=_order)[:limit])


def _reader(read: Read, reading: _Reading, start: int) -> Callable[[], list[Entry]]:
    return lambda: read(reading, start)


def _updated(found: list[Entry], site: Site, publication: Publication) -> datetime | None:
    if found:
        return max(e.moment for e in found)
    public = site.published(publication)
    return max((y.config.published_at for y in public), default=None)


def site_feed(site: Site, publication: Publication, limit: int = FEED_ENTRIES) -> Feed:
    """The whole site's feed: everything published, newest first."""
    found = entries(site, publication, None, limit)
    return {
        "title": "Everything new",
        "subtitle": "Each council's complaint statistics and annual review letter, decisions, "
        "public reports, service improvements and corrections, as they are published.",
        "path": SITE_FEED,
        "page": "/feeds",
        "updated": _updated(found, site, publication),
        "entries": found,
    }


def council_feed(
    site: Site, publication: Publication, code: str, limit: int = FEED_ENTRIES
) -> Feed:
    """A council's feed: what is published about it, newest first."""
    found = entries(site, publication, code, limit)
    name = council_name(site.register(), code)
    return {
        "title": name,
        "subtitle": f"{name}: complaint statistics and the annual review letter, decisions, "
        "public reports, service improvements and corrections, as they are published.",
        "path": council_feed_path(code),
        "page": f"/councils/{code}",
        "updated": _updated(found, site, publication),
        "entries": found,
    }


def _address(base: str, link: str) -> str:
    return base + link if link.startswith("/") else link


def atom_feed(feed: Feed, settings: Settings, fallback: datetime) -> bytes:
    """A feed as Atom 1.0 (RFC 4287). `fallback` is its updated time while nothing is
    published."""
    base = settings.web.base_url.rstrip("/")
    host = urlsplit(base).hostname or "localhost"
    root = atom_root(
        settings,
        path=feed["path"],
        page=feed["page"],
        title=feed["title"],
        subtitle=feed["subtitle"],
        updated=iso_utc(feed["updated"] or fallback),
    )
    for entry in feed["entries"]:
        if entry.revision is not None:
            # A correction reads the same here as in the revision log's feed, with the same id.
            element = revision_entry(root, entry.revision, base)
        else:
            element = atom_element(root, "entry")
            # A tag URI (RFC 4151): the site's host, the first day of the entry's review year,
            # and its key, so it needs no date from the database and never changes.
            atom_element(element, "id", f"tag:{host},{entry.start_year}-04-01:{entry.key}")
            atom_element(element, "title", entry.title)
            atom_element(element, "updated", iso_utc(entry.moment))
            link = {"rel": "alternate", "href": _address(base, entry.link)}
            if entry.link_type:
                link["type"] = entry.link_type
            atom_element(element, "link", **link)
            if entry.related and entry.related != entry.link:
                atom_element(
                    element,
                    "link",
                    rel="related",
                    type="text/html",
                    href=_address(base, entry.related),
                    title=entry.related_title or entry.related,
                )
            atom_element(element, "summary", entry.summary, type="text")
        atom_element(element, "category", term=entry.kind, label=KINDS[entry.kind])
    return atom_bytes(root)


# The page listing the feeds -------------------------------------------------------------------


class FeedLink(TypedDict):
    """A feed, and its full address to give a feed reader."""

    title: str
    url: str
    address: str


class CouncilFeed(TypedDict):
    """A council and its feed."""

    code: str
    name: str
    short_name: str
    initial: str
    """The first letter of its short name, which groups the list."""
    page: str
    feed: str
    current: bool
    valid_to: str | None


class FeedsPage(TypedDict):
    """Every feed: the whole site's, the revision log's and each council's."""

    title: str
    description: str
    query: str
    entries: int
    """Entries in a feed: the newest."""
    decisions_rule: str
    site_feed: FeedLink
    revisions_feed: FeedLink
    councils: list[CouncilFeed]
    initials: list[str]


def feeds_page(site: Site, publication: Publication, text: str = "") -> FeedsPage:
    """The feeds page: every council with published figures (or those whose name matches)."""
    base = site.settings.web.base_url.rstrip("/")
    listed = councils_page(site, publication, text)["councils"]
    councils: list[CouncilFeed] = [
        {
            "code": c["code"],
            "name": c["name"],
            "short_name": c["short_name"],
            "initial": (c["short_name"][:1] or "?").upper(),
            "page": f"/councils/{c['code']}/{c['latest_year']}",
            "feed": council_feed_path(c["code"]),
            "current": c["current"],
            "valid_to": c["valid_to"],
        }
        for c in listed
    ]
    councils.sort(key=lambda c: (c["short_name"].lower(), c["name"]))
    return {
        "title": "Feeds",
        "description": "Be told when something new is published about a council: Atom feeds "
        "of decisions, reports, service improvements, letters and corrections.",
        "query": text,
        "entries": FEED_ENTRIES,
        "decisions_rule": publication.decisions_rule,
        "site_feed": {
            "title": "Everything new",
            "url": SITE_FEED,
            "address": base + SITE_FEED,
        },
        "revisions_feed": {
            "title": "Corrections to letters",
            "url": REVISIONS_FEED,
            "address": base + REVISIONS_FEED,
        },
        "councils": councils,
        "initials": sorted({c["initial"] for c in councils}),
    }
