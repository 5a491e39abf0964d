"""The revision log: every change to a published annual review letter or its figures, with when
and why, newest first, as a page, its .json twin and an Atom feed (RFC 4287).

A revision is a version of a council's letter the public sees (`letters.shown_of`: the version
current when the year was published and every one released since) after the first of them, in a
year that is public now. Nothing of a year still under embargo is ever read: the one query over
the letter versions asks for the published years only.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any, TypedDict
from urllib.parse import urlsplit

from sqlalchemy import Connection, select

from upheld.config import Settings
from upheld.core.catalogue import CATALOGUE
from upheld.core.publication import TIMEZONE, Publication
from upheld.core.wording import long_date, thousands
from upheld.letters import archive, versions
from upheld.letters.versions import Version
from upheld.register import Register
from upheld.site.identity import CouncilName, council_name
from upheld.site.letters import released_at, shown_of
from upheld.site.model import Site, Year
from upheld.store import schema

PER_PAGE = 50
"""Revisions on a page of the log, newest first (as many as a page of the other lists)."""
FEED_ENTRIES = PER_PAGE
"""Revisions in the Atom feed: the newest, the log's first page."""
ATOM = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml"
ARROW = "→"
NO_FIGURE_CHANGED = "The letter's wording changed; no figure changed"
NOT_RECORDED = "The figures of the earlier version were not recorded, so what changed is not listed"
NO_REASON = "No reason was recorded"
FORMAT_NAMES = {"pdf": "PDF", "html": "web page", "docx": "Word"}

COUNTS: dict[str, str] = {
    "received": "complaints and enquiries received",
    "decided": "decisions",
    "investigated": "detailed investigations",
    "upheld": "upheld decisions",
}
"""The counts each version of a letter keeps (`letters.content.figures_record`), in words."""


class Change(TypedDict):
    """One figure that differs between a version of a letter and the one before it."""

    field: str
    """The figure: a statistic ("uphold_rate"), its average ("similar_uphold_rate"), or a count
    ("upheld", "compliance_outcomes", ...)."""
    label: str
    before: int | float | None
    after: int | float | None
    before_text: str
    after_text: str
    """Each as the site writes it: "50%", "3.4", "1,234" or "n/a"."""
    text: str
    """In words, e.g. "uphold rate 50% → 75%"."""


class LetterFormat(TypedDict):
    """One format a version of a letter was written in, and its address."""

    format: str
    name: str
    url: str


class LetterLink(TypedDict):
    """A version of a letter, as the website serves it: by its number, so the address lasts."""

    version: int
    url: str
    """The first of its formats (PDF where there is one)."""
    formats: list[LetterFormat]


class RevisionItem(TypedDict):
    """One revision: a letter replaced by a later version, with when, why and what changed."""

    id: str
    """Never changes: "E08000002/2023-24/2" (council, year, version)."""
    council: CouncilName
    year: str
    council_page: str
    version: int
    replaces: int
    """The number of the version it replaced: the one shown before it."""
    released: str
    """When the new version was released (approved or sent), ISO 8601 in UTC."""
    released_text: str
    """The same in words, UK time: "3 August 2025 at 14:05"."""
    reason: str | None
    """Why, as staff wrote it; None where no reason was recorded."""
    figures_recorded: bool
    changes: list[Change]
    summary: str
    """What changed, in one sentence: "Uphold rate 50% → 75%; upheld decisions 1 → 3"."""
    letter: LetterLink | None
    previous: LetterLink | None


class RevisionsPage(TypedDict):
    """A page of the revision log."""

    title: str
    description: str
    total: int
    page: int
    pages: int
    per_page: int
    updated: str | None
    """When the log last changed (its newest revision, else the latest publication), ISO 8601
    in UTC; None while nothing is published."""
    feed: str
    revisions: list[RevisionItem]


# Finding the revisions ----------------------------------------------------------------------


def revisions(connection: Connection, years: Iterable[Year]) -> list[tuple[Year, Version, Version]]:
    """Every revision of a letter in the years given (public ones): (year, version before, new
    version), newest first."""
    by_start = {y.year.start_year: y for y in years}
    found: list[tuple[Year, Version, Version]] = []
    for (start, _code), history in versions.revised(connection, by_start).items():
        year = by_start[start]
        found += [(year, earlier, later) for earlier, later in pairwise(shown_of(history, year))]
    found.sort(
        key=lambda r: (released_at(r[2]), r[0].year.start_year, r[2].code, r[2].number),
        reverse=True,
    )
    return found


# Saying what changed ------------------------------------------------------------------------


def _change(
    field: str, label: str, before: Any, after: Any, before_text: str, after_text: str
) -> Change:
    return {
        "field": field,
        "label": label,
        "before": before,
        "after": after,
        "before_text": before_text,
        "after_text": after_text,
        "text": f"{label} {before_text} {ARROW} {after_text}",
    }


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """Each figure a letter gives that differs between two of its versions: the statistics as
    published, then the averages of similar authorities, then the counts."""
    found: list[Change] = []
    old_stats = before.get("statistics") or {}
    new_stats = after.get("statistics") or {}
    both = [s for s in CATALOGUE if s.key in old_stats and s.key in new_stats]
    for s in both:
        old, new = old_stats[s.key].get("value"), new_stats[s.key].get("value")
        if old != new:
            found.append(_change(s.key, _lower_first(s.label), old, new, s.text(old), s.text(new)))
    for s in both:
        old, new = old_stats[s.key].get("similar"), new_stats[s.key].get("similar")
        if old != new:
            label = f"average {_lower_first(s.label)} of similar authorities"
            found.append(_change(s.similar_key, label, old, new, s.text(old), s.text(new)))
    counts: dict[str, tuple[str, Any, Any]] = {
        name: (label, before.get(name), after.get(name)) for name, label in COUNTS.items()
    }
    # The other counts a statistic divides are kept with it, once each.
    for s in both:
        for name, noun, side in (
            (s.numerator, s.numerator_noun, "numerator"),
            (s.denominator, s.denominator_noun, "denominator"),
        ):
            if name not in counts:
                counts[name] = (noun[1], old_stats[s.key].get(side), new_stats[s.key].get(side))
    for name, (label, old_count, new_count) in counts.items():
        # A count is never n/a: missing from either version, it was not recorded there.
        if None not in (old_count, new_count) and old_count != new_count:
            found.append(
                _change(
                    name, label, old_count, new_count, thousands(old_count), thousands(new_count)
                )
            )
    return found


def summary(found: list[Change], recorded: bool = True) -> str:
    """What changed, in one sentence."""
    if not recorded:
        return NOT_RECORDED
    if not found:
        return NO_FIGURE_CHANGED
    return _upper_first("; ".join(change["text"] for change in found))


# The page -----------------------------------------------------------------------------------


def iso_utc(moment: datetime) -> str:
    """A moment as ISO 8601 in UTC, to the second: "2025-08-03T13:05:00Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_words(moment: datetime) -> str:
    """A moment in words, UK time: "3 August 2025 at 14:05"."""
    local = moment.astimezone(TIMEZONE)
    return f"{long_date(local.date())} at {local:%H:%M}"


def version_formats(connection: Connection, ids: list[int]) -> dict[int, list[str]]:
    """The formats each version of a letter was written in, PDF first, by version id."""
    if not ids:
        return {}
    letters = schema.letters
    rows = connection.execute(
        select(letters.c.letter_version, letters.c.format)
        .where(letters.c.letter_version.in_(ids))
        .distinct()
    )
    found: dict[int, list[str]] = defaultdict(list)
    for version_id, fmt in rows:
        found[version_id].append(fmt)
    return {k: sorted(v, key=lambda f: (f != "pdf", f)) for k, v in found.items()}


def _letter_link(version: Version, year: Year, formats: list[str]) -> LetterLink | None:
    if not formats:
        return None
    # Always by number: the letter's plain address shows whichever version is newest.
    found: list[LetterFormat] = [
        {
            "format": fmt,
            "name": FORMAT_NAMES.get(fmt, fmt.upper()),
            "url": f"/councils/{version.code}/{year.label}/letter.{fmt}?version={version.number}",
        }
        for fmt in formats
    ]
    return {"version": version.number, "url": found[0]["url"], "formats": found}


def _item(
    year: Year, earlier: Version, later: Version, name: str, formats: dict[int, list[str]]
) -> RevisionItem:
    recorded = bool(earlier.figures) and bool(later.figures)
    found = changes(earlier.figures, later.figures) if recorded else []
    released = released_at(later)
    return {
        "id": f"{later.code}/{year.label}/{later.number}",
        "council": {"code": later.code, "name": name},
        "year": year.label,
        "council_page": f"/councils/{later.code}/{year.label}",
        "version": later.number,
        "replaces": earlier.number,
        "released": iso_utc(released),
        "released_text": in_words(released),
        "reason": (later.reason or "").strip() or None,
        "figures_recorded": recorded,
        "changes": found,
        "summary": summary(found, recorded),
        "letter": _letter_link(later, year, formats.get(later.id, [])),
        "previous": _letter_link(earlier, year, formats.get(earlier.id, [])),
    }


def revision_items(
    connection: Connection, register: Register, chosen: list[tuple[Year, Version, Version]]
) -> list[RevisionItem]:
    """Revisions (year, version before, new version) as the log lists them."""
    formats = version_formats(connection, [v.id for _y, e, n in chosen for v in (e, n)])
    return [
        _item(year, earlier, later, council_name(register, later.code), formats)
        for year, earlier, later in chosen
    ]


def revisions_page(
    site: Site, publication: Publication, page: int = 1, per_page: int = PER_PAGE
) -> RevisionsPage:
    """A page of the revision log, newest first, for the years public now."""
    public = site.published(publication)
    register = site.register()
    with site.engine.connect() as connection:
        every = revisions(connection, public)
        items = revision_items(connection, register, every[(page - 1) * per_page : page * per_page])
    if every:
        updated: str | None = iso_utc(released_at(every[0][2]))
    elif public:
        updated = iso_utc(max(y.config.published_at for y in public))
    else:
        updated = None
    return {
        "title": "Revision log",
        "description": "Every change to a published annual review letter or its figures, "
        "with when and why, newest first.",
        "total": len(every),
        "page": page,
        "pages": max(1, -(-len(every) // per_page)),
        "per_page": per_page,
        "updated": updated,
        "feed": "/revisions.atom",
        "revisions": items,
    }


# The Atom feed ------------------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text XML 1.0 can hold: the control characters it forbids are left out."""
    return _NOT_XML.sub("", text)


def atom_element(
    parent: ET.Element, name: str, text: str | None = None, **attributes: str
) -> ET.Element:
    """An element added to an Atom document, with text and attributes XML can hold."""
    element = ET.SubElement(parent, name, {k: _xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _xml_text(text)
    return element


def entry_id(base_url: str, item: RevisionItem) -> str:
    """A revision's Atom id, the same for ever: a tag URI (RFC 4151) naming the site's host,
    dated the first day of the review year, so it needs no date from the database."""
    host = urlsplit(base_url).hostname or "localhost"
    start = item["year"][:4]
    return f"tag:{host},{start}-04-01:revisions/{item['id']}"


def _why(item: RevisionItem) -> str:
    return item["reason"] or NO_REASON


def _sentence(text: str) -> str:
    """Text ending as a sentence does, with one full stop at most."""
    return text if text.endswith((".", "!", "?")) else text + "."


def _entry_html(item: RevisionItem, base: str) -> str:
    """An entry's content as HTML; the feed's XML escapes it once more, as type="html" wants."""
    e = html.escape
    parts = [
        f"<p>Version {item['version']} of the letter replaces version {item['replaces']}, "
        f"released on {e(item['released_text'])}.</p>",
        f"<p>Why: {e(_sentence(_why(item)))}</p>",
    ]
    if item["changes"]:
        rows = "".join(
            f"<li>{e(_upper_first(c['label']))}: {e(c['before_text'])} {ARROW} "
            f"{e(c['after_text'])}</li>"
            for c in item["changes"]
        )
        parts.append(f"<p>What changed:</p><ul>{rows}</ul>")
    else:
        parts.append(f"<p>{e(_sentence(item['summary']))}</p>")
    for what, link in (("This version", item["letter"]), ("The version before", item["previous"])):
        if link is not None:
            formats = ", ".join(
                f'<a href="{e(base + f["url"])}">{e(f["name"])}</a>' for f in link["formats"]
            )
            parts.append(f"<p>{what} (version {link['version']}): {formats}</p>")
    return "".join(parts)


def atom_root(
    settings: Settings, *, path: str, page: str, title: str, subtitle: str, updated: str
) -> ET.Element:
    """The head of an Atom 1.0 feed (RFC 4287) of this site: its id and self link (`path`), the
    page it stands for, its title, subtitle, time and author."""
    base = settings.web.base_url.rstrip("/")
    # Atom's namespace is declared once, as the default: every element is Atom's, unprefixed
    # (ElementTree's default_namespace refuses the feed's unqualified attributes).
    root = ET.Element(
        "feed", {"xmlns": ATOM, "{http://www.w3.org/XML/1998/namespace}lang": "en-GB"}
    )
    atom_element(root, "id", f"{base}{path}")
    atom_element(root, "title", f"{title}: {settings.web.title}")
    atom_element(root, "subtitle", subtitle)
    atom_element(root, "updated", updated)
    atom_element(root, "link", rel="self", type=ATOM_MEDIA_TYPE, href=f"{base}{path}")
    atom_element(root, "link", rel="alternate", type="text/html", href=f"{base}{page}")
    atom_element(atom_element(root, "author"), "name", settings.organisation.name)
    return root


def atom_bytes(root: ET.Element) -> bytes:
    """A feed written out, indented, as UTF-8 XML."""
    ET.indent(root)
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def atom_feed(page: RevisionsPage, settings: Settings, fallback: datetime) -> bytes:
    """The revision log as an Atom feed, newest first. `fallback` is the feed's updated time
    while nothing is published."""
    feed = atom_root(
        settings,
        path=page["feed"],
        page="/revisions",
        title=page["title"],
        subtitle=page["description"],
        updated=page["updated"] or iso_utc(fallback),
    )
    base = settings.web.base_url.rstrip("/")
    for item in page["revisions"]:
        revision_entry(feed, item, base)
    return atom_bytes(feed)


def revision_entry(feed: ET.Element, item: RevisionItem, base: str) -> ET.Element:
    """A revision as an Atom entry of a feed; `base` starts every address."""
    entry = atom_element(feed, "entry")
    name = item["council"]["name"]
    atom_element(entry, "id", entry_id(base, item))
    atom_element(entry, "title", f"{name}, {item['year']}: letter version {item['version']}")
    atom_element(entry, "updated", item["released"])
    letter = item["letter"]
    # The new version itself, as a web page where there is one; else the council's page.
    council_rel = "alternate"
    if letter is not None:
        formats = letter["formats"]
        chosen = next((f for f in formats if f["format"] == "html"), formats[0])
        atom_element(
            entry,
            "link",
            rel="alternate",
            type=archive.MEDIA_TYPES[chosen["format"]].split(";")[0],
            href=f"{base}{chosen['url']}",
            title=f"Letter version {letter['version']} ({chosen['name']})",
        )
        council_rel = "related"
    atom_element(
        entry,
        "link",
        rel=council_rel,
        type="text/html",
        href=f"{base}{item['council_page']}",
        title=f"{name}, {item['year']}",
    )
    said = f"Why: {_sentence(_why(item))} What changed: {_sentence(item['summary'])}"
    atom_element(entry, "summary", said, type="text")
    atom_element(entry, "content", _entry_html(item, base), type="html")
    return entry
