"""The caches in front of the website (a reverse proxy or a CDN), emptied after the data changes.

Each address in `[web] purge` is sent a `PURGE` request; the cache's own configuration decides what
that empties (the production guide's Varnish configuration empties everything for the site). A
cache that does not answer is reported, never fatal: the change is already in the database, and
the cache's copies expire within `[web] cache_seconds` anyway.
"""

from __future__ import annotations

import urllib.error
import urllib.request

TIMEOUT_SECONDS = 5.0


def empty_caches(addresses: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """Ask each cache to forget its copies of the site: each address, and the trouble if any."""
    found: list[tuple[str, str | None]] = []
    for address in addresses:
        request = urllib.request.Request(address, method="PURGE")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                answer.read()
        except urllib.error.HTTPError as exc:
            found.append((address, f"it answered {exc.code} {exc.reason}"))
        except (urllib.error.URLError, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            found.append((address, f"it could not be reached ({reason})"))
        else:
            found.append((address, None))
    return found
