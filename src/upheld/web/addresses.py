"""Where each address of the website lives in a static copy of it, and a page's links and forms
rewritten to match, so that a static host can serve the copy as it is.

A page is a folder's index.html (/councils/E08000002/2024-25 is councils/E08000002/2024-25/
index.html) and links to it end in "/"; a file (a .json twin, a CSV, a letter, a feed) keeps its
name; an API resource gets ".json", since the API has resources that are also folders
(/api/v1/years and /api/v1/years/2024-25/statistics). A static host ignores an address's query,
so a few choices worth having are written under their own address ("/with/year-2023-24/...");
any other query is dropped, the page then showing its usual choice. The decision search and the
comparison need a server: their links go to the live site when there is one, else to a page
saying so. Decisions' own pages are in the copy only when asked for.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit

LIVE_ONLY = {
    "/decisions": "search",
    "/decisions.json": "search",
    "/decisions.csv": "search",
    "/compare": "compare",
    "/compare.json": "compare",
    "/compare.csv": "compare",
}
"""Addresses that answer a question, so only a server can answer them."""

NOTE_PAGES = {"search": "/decisions", "compare": "/compare"}
"""The page that says so in a copy without a live site to send the question to."""

CHOICES: list[tuple[re.Pattern[str], frozenset[str]]] = [
    (re.compile(r"/(index\.(json|csv))?"), frozenset({"year", "statistic", "tier"})),
    (re.compile(r"/national/[^/.]+(\.(json|csv))?"), frozenset({"statistic"})),
    (re.compile(r"/(improvements|reports|revisions)(\.json)?"), frozenset({"page"})),
    (re.compile(r"/councils/[^/]+/[^/]+/letter\.[a-z]+"), frozenset({"version"})),
]
"""The choices in an address that the copy keeps, each written under its own address: the map
by year, figure and tier; national figures by figure; pages of the lists; a letter's earlier
versions. Others (sorting, peer groups, filters) would multiply the copy for little."""

USUAL = {("page", "1")}
"""A choice that is the address without it."""

API = re.compile(
    r"/api/v1/(openapi\.json|years|councils|years/[^/]+/statistics|national/[^/]+"
    r"|councils/[^/]+/[^/]+)"
)
"""The API's resources in the copy: the description and whole resources; not its searches
and lists a page at a time, whose next pages are queries."""

DECISION = re.compile(r"/decisions/.+")
SAFE_VALUE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Place:
    """Where a link goes in the copy: `href` (None: the link is taken off, its words kept), and
    the live address to copy there (None: nothing to copy, e.g. another site)."""

    href: str | None
    fetch: str | None = None


class Plan:
    """How the copy is laid out: where each live address goes, and how pages are rewritten."""

    def __init__(self, live: str | None = None, decisions: bool = False) -> None:
        self.live = live.rstrip("/") if live else None
        self.decisions = decisions

    # Addresses ----------------------------------------------------------------------------------

    def place(self, address: str, page: str = "/") -> Place:
        """Where a link written on the page at live address `page` goes in the copy."""
        if address.startswith("#") or not address:
            return Place(address or None)
        parts = urlsplit(urljoin(page, address))
        if parts.scheme not in ("http", "https", "") or urlsplit(address).netloc:
            return Place(address)  # another site, mail, a base_url address: left as written
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        path = parts.path or "/"
        if self.dangerous(path):
            return Place(None)
        kind = LIVE_ONLY.get(path)
        if kind is not None:
            if self.live:
                return Place(self.on_live(path, parts.query) + fragment)
            return Place(NOTE_PAGES[kind] + "/", NOTE_PAGES[kind])
        if DECISION.fullmatch(path) and not self.decisions:
            return Place(self.on_live(path, "") + fragment if self.live else None)
        if path.startswith("/api/") and not API.fullmatch(path):
            return Place(self.on_live(path, parts.query) + fragment if self.live else None)
        fetch, at = self.canonical(path, parts.query)
        return Place(at + fragment, fetch)

    def on_live(self, path: str, query: str) -> str:
        """The same address on the live site."""
        assert self.live is not None
        return self.live + path + (f"?{query}" if query else "")

    def canonical(self, path: str, query: str) -> tuple[str, str]:
        """The live address to copy for a local address, and its address in the copy."""
        kept = self.kept_choices(path, query)
        fetch = path + (f"?{urlencode(kept)}" if kept else "")
        if not kept:
            return fetch, static_href(path)
        stem, dot, suffix = path.rpartition("/")[2].partition(".")
        folder = path[: len(path) - len(path.rpartition("/")[2])].rstrip("/")
        base = "" if stem in ("", "index") and folder == "" else f"{folder}/{stem}"
        choices = "/".join(f"{key}-{value}" for key, value in kept)
        return fetch, f"{base}/with/{choices}" + (f".{suffix}" if dot else "/")

    def kept_choices(self, path: str, query: str) -> list[tuple[str, str]]:
        """The choices in a query that the copy keeps, in order of name."""
        if not query:
            return []
        allowed = next((keys for pattern, keys in CHOICES if pattern.fullmatch(path)), None)
        if allowed is None:
            return []
        found: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key in allowed and key not in found and SAFE_VALUE.fullmatch(value):
                found[key] = value
        return sorted((k, v) for k, v in found.items() if (k, v) not in USUAL)

    @staticmethod
    def dangerous(path: str) -> bool:
        """A path that could not be a file inside the copy."""
        return any(part in (".", "..") for part in unquote(path).split("/"))

    # Pages --------------------------------------------------------------------------------------

    def rewrite(self, page: str, body: str, note: str | None = None) -> tuple[str, set[str]]:
        """A page's HTML with every link and form made to work in the copy, and the live
        addresses it links to. With `note`, the page's content is only that note."""
        found: set[str] = set()

        def href(value: str) -> str | None:
            place = self.place(html.unescape(value), page)
            if place.fetch is not None:
                found.add(place.fetch)
            return None if place.href is None else html.escape(place.href)

        if note is not None:
            body = MAIN.sub(lambda m: m.group(1) + note + m.group(3), body, count=1)
        body = ANCHOR.sub(lambda m: anchor(m, href), body)
        body = OTHER_TAG.sub(lambda m: attributes(m.group(0), href), body)
        # Last: the links a form of choices becomes are written for the copy already.
        body = FORM.sub(lambda m: self.form(m.group(0), page, href), body)
        return body, found

    def form(self, form: str, page: str, href: Callable[[str], str | None]) -> str:
        """A form as it can work in the copy: sent to the live site, kept when a static page
        can answer it, or made into links to the choices the copy holds."""
        opening = FORM_OPENING.match(form)
        assert opening is not None
        action = html.unescape(attribute(opening.group(0), "action") or "")
        target = urlsplit(urljoin(page, action)).path or "/"
        kind = LIVE_ONLY.get(target)
        if kind is not None:
            if self.live:
                return attributes(form, lambda value: html.escape(self.on_live(target, "")))
            return self.notice(NOTICES[kind])
        selects = SELECT.findall(form)
        if not selects:
            if target == urlsplit(page).path:
                return self.notice(FIND_ON_PAGE)  # it would only show this page again
            return attributes(form, href)
        return self.choices(form, target, selects, href)

    def choices(
        self,
        form: str,
        target: str,
        selects: list[tuple[str, str]],
        href: Callable[[str], str | None],
    ) -> str:
        """A form of choices as lines of links, one for each choice the copy holds."""
        labels = dict(LABEL.findall(form))
        current = {}
        options = {}
        for attrs, inner in selects:
            name = attribute(attrs, "name") or ""
            found = OPTION.findall(inner)
            options[name] = [(html.unescape(v), label) for v, chosen, label in found]
            chosen = [html.unescape(v) for v, selected, _label in found if selected]
            current[name] = chosen[0] if chosen else (found[0][0] if found else "")
        kept = set(self.kept_choices(target, urlencode(list(current.items()))))
        lines = []
        left_out = []
        for attrs, _inner in selects:
            name = attribute(attrs, "name") or ""
            label = labels.get(attribute(attrs, "id") or "", name)
            allowed = next((keys for pattern, keys in CHOICES if pattern.fullmatch(target)), None)
            if allowed is None or name not in allowed:
                left_out.append(html.unescape(label))
                continue
            links = []
            for value, text in options[name]:
                if value == current[name]:
                    links.append(f'<strong aria-current="page">{text}</strong>')
                    continue
                query = dict(kept) | {name: value}
                link = href(target + "?" + urlencode(sorted(query.items())))
                links.append(f'<a href="{link}">{text}</a>' if link else text)
            lines.append(f"<li><strong>{label}:</strong> {' · '.join(links)}</li>")
        written = f'<ul class="export-choices">{"".join(lines)}</ul>' if lines else ""
        if left_out:
            words = " and ".join(f"“{label}”" for label in left_out)
            written += self.notice(
                f"In this copy of the website, {words} cannot be changed: it shows the usual "
                "choice."
            )
        return written

    def notice(self, text: str) -> str:
        """A short note, in the site's own panel, about what the copy cannot do."""
        more = ""
        if self.live:
            more = f' It can on the <a href="{html.escape(self.live)}/">live website</a>.'
        return f'<p class="panel export-note">{html.escape(text)}{more}</p>'


NOTICES = {
    "search": "Searching decisions needs the live website: it is not available in this copy.",
    "compare": "Comparing councils side by side needs the live website: it is not available "
    "in this copy.",
}
FIND_ON_PAGE = (
    "This copy of the website cannot search: everything is listed on this page; to find a "
    "name, use your browser's Find (Ctrl+F)."
)


def static_href(path: str) -> str:
    """A local address as a static host serves it: a page as its folder."""
    if path.endswith("/"):
        return path
    if "." in path.rpartition("/")[2]:
        return path
    if path.startswith("/api/"):
        return path + ".json"
    return path + "/"


def file_for(href: str) -> str:
    """The file, relative to the copy's folder, that an address in the copy is served from."""
    path = unquote(urlsplit(href).path)
    return (path + "index.html" if path.endswith("/") else path).lstrip("/")


def note_page(live: str | None, kind: str, decisions: bool) -> str:
    """What the copy's page for the search or the comparison says in place of the form."""
    words = NOTICES[kind]
    if kind == "search":
        words += " Each year's decisions are in full in the downloads, as CSV and XLSX" + (
            ", and each decision has its own page here." if decisions else "."
        )
    title = {"search": "Decisions", "compare": "Compare councils"}[kind]
    return (
        f'\n<h1>{title}</h1>\n<p class="panel export-note">{html.escape(words)} '
        '<a href="/downloads">Download the data</a>.</p>\n'
    )


def redirect_page(href: str, canonical: str) -> str:
    """A small page that sends the reader on to where an address now leads."""
    to, full = html.escape(href), html.escape(canonical)
    return (
        '<!doctype html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Moved</title>\n"
        f'<meta http-equiv="refresh" content="0; url={to}">\n'
        f'<link rel="canonical" href="{full}">\n<meta name="robots" content="noindex">\n'
        f'</head>\n<body>\n<p>This page is at <a href="{to}">{to}</a>.</p>\n</body>\n</html>\n'
    )


def links_in(body: str) -> Iterable[str]:
    """Every address a page's HTML links to or loads (href, src and action)."""
    for match in ATTRIBUTE.finditer(body):
        yield html.unescape(match.group(2))


MAIN = re.compile(r"(<main\b[^>]*>)(.*?)(</main>)", re.S)
FORM = re.compile(r"<form\b.*?</form>", re.S)
FORM_OPENING = re.compile(r"<form\b[^>]*>")
ANCHOR = re.compile(r"(<a\b[^>]*>)(.*?)</a>", re.S)
OTHER_TAG = re.compile(r"<(?:link|script|img|source|iframe|use)\b[^>]*>")
ATTRIBUTE = re.compile(r"(?<![\w-])((?:xlink:)?href|src|action)=\"([^\"]*)\"")
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
OPTION = re.compile(r"<option value=\"([^\"]*)\"( selected)?>(.*?)</option>", re.S)
LABEL = re.compile(r"<label for=\"([^\"]*)\">(.*?)</label>", re.S)


def attribute(tag: str, name: str) -> str | None:
    """An attribute's value in a tag, as written."""
    found = re.search(rf"(?<![\w-]){name}=\"([^\"]*)\"", tag)
    return found.group(1) if found else None


def attributes(tag: str, href: Callable[[str], str | None]) -> str:
    """A tag with each link in it rewritten (one that goes nowhere becomes "#")."""

    def one(match: re.Match[str]) -> str:
        new = href(match.group(2))
        return f'{match.group(1)}="{"#" if new is None else new}"'

    return ATTRIBUTE.sub(one, tag)


def anchor(match: re.Match[str], href: Callable[[str], str | None]) -> str:
    """A link rewritten, or its words alone where it would lead nowhere in the copy."""
    opening, inner = match.group(1), match.group(2)
    value = attribute(opening, "href") or attribute(opening, "xlink:href")
    if value is not None and href(value) is None:
        return inner
    return attributes(opening, href) + inner + "</a>"
