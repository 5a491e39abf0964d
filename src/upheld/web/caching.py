"""What browsers, proxies and CDNs may keep, and for how long.

Every public page is made from the site's edition (`Site.edition`: the data, the configuration,
what is public and this version of upheld), so a page's ETag is a digest of the edition and its
address, the same in every server process, and its Last-Modified is when the edition began. A
conditional request whose ETag (or date) still holds is answered 304 before the page is built.

A published page may be kept for `[web] cache_seconds` and then shown stale for `stale_seconds`
while it is fetched again, but never past the next moment something is published: a cache cannot
hold back a publication. Searches are kept for `search_cache_seconds`; previews are never kept.
After an import or new letters, caches listed in `[web] purge` are emptied (`upheld.web.purge`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from upheld.config import Web
from upheld.site.model import Edition, Site

CONDITIONS = (b"if-none-match", b"if-modified-since")
SEARCHES = ("/decisions", "/decisions.json", "/decisions.csv", "/api/v1/decisions")
"""Addresses whose answers depend on a search query: kept only briefly."""


def etag(edition: Edition, path: str, query: bytes) -> str:
    """A page's strong ETag: the edition and the address, so that it differs between pages."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(edition.tag.encode())
    digest.update(path.encode())
    digest.update(b"?" + query)
    return f'"{digest.hexdigest()}"'


@functools.lru_cache(maxsize=8)
def http_date(moment: datetime) -> str:
    """A moment as an HTTP date: "Wed, 23 Jul 2025 09:00:00 GMT"."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def max_age(web: Web, edition: Edition, now: datetime, path: str) -> str:
    """The Cache-Control for a published page or a search at this moment."""
    # A cache must not show the page from before a publication after it, even stale.
    left = max(0, int((edition.until - now).total_seconds()))
    if path in SEARCHES:
        return f"public, max-age={min(web.search_cache_seconds, left)}"
    fresh = min(web.cache_seconds, left)
    stale = min(web.stale_seconds, left - fresh)
    if stale > 0:
        return f"public, max-age={fresh}, stale-while-revalidate={stale}"
    return f"public, max-age={fresh}"


def still_valid(headers: Headers, tag: str, since: datetime) -> bool:
    """Whether a conditional request's copy is the current one (RFC 9110, section 13.2.2)."""
    wanted = headers.get("if-none-match")
    if wanted is not None:
        # Weak comparison, as GET requires: a proxy may have compressed the page and weakened it.
        return any(t.strip().removeprefix("W/") == tag for t in wanted.split(","))
    since_text = headers.get("if-modified-since")
    if since_text is None:
        return False
    try:
        held = parsedate_to_datetime(since_text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False  # an unreadable date (or a year past 9999) is ignored, as the RFC says
    return held.tzinfo is not None and since.replace(microsecond=0) <= held


def _private(query: bytes) -> bool:
    # A preview link shows a council's unpublished page: never kept, never answered 304. The
    # page reads its token however the name is written (pr%65view= too), and so must this.
    if b"preview=" in query:
        return True
    if b"%" not in query:
        return False
    return any(name == "preview" for name, _ in parse_qsl(query.decode("latin-1")))


class Caching:
    """ASGI middleware: ETag, Last-Modified and Cache-Control on every public answer to GET and
    HEAD, and 304 to a conditional request for a page that has not changed."""

    def __init__(self, app: ASGIApp, site: Callable[[], Site]) -> None:
        self.app = app
        self.site = site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        query: bytes = scope["query_string"]
        site = self.site()
        web = site.last_settings.web
        if path.startswith("/static/"):
            await self.app(scope, receive, self._static(send, web))
            return
        if _private(query):
            await self.app(scope, receive, send)
            return
        edition = site.peek_edition()
        if edition is None:
            edition = await run_in_threadpool(site.edition)
        tag = etag(edition, path, query)
        control = max_age(web, edition, site.now(), path)
        validators = [
            (b"etag", tag.encode()),
            (b"last-modified", http_date(edition.since).encode()),
        ]
        not_modified: Message = {
            "type": "http.response.start",
            "status": 304,
            "headers": [*validators, (b"cache-control", control.encode())],
        }
        conditional = any(name in CONDITIONS for name, _ in scope["headers"])
        request = Headers(scope=scope)
        if conditional and still_valid(request, tag, edition.since):
            await send(not_modified)
            await send({"type": "http.response.body", "body": b""})
            return
        # "*" holds for any page there is: known only once the page answers.
        any_page = conditional and (request.get("if-none-match") or "").strip() == "*"
        swallowing = False

        async def with_headers(message: Message) -> None:
            nonlocal swallowing
            if swallowing:
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # Only a page already made whole (it has a length): a streamed download would go
                # on being made, unseen, after the 304. It is sent as if "*" were not asked.
                whole = any(name.lower() == b"content-length" for name, _ in headers)
                if any_page and message["status"] == 200 and whole:
                    swallowing = True
                    await send(not_modified)
                    return
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    status = message["status"]
                    if status == 200:
                        headers += [*validators, (b"cache-control", control.encode())]
                    elif status in (301, 302, 404):
                        # Where a page is, or that it is not yet, holds until the next edition.
                        headers.append((b"cache-control", control.encode()))
                    else:
                        headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)

    def _static(self, send: Send, web: Web) -> Send:
        # The style sheet and script change only with upheld itself; their files bring their
        # own ETag and Last-Modified.
        control = f"public, max-age={web.cache_seconds}".encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"cache-control", control)],
                }
            await send(message)

        return with_headers
