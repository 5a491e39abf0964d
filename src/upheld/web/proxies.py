"""The caches in front of the website (a reverse proxy or a CDN), emptied after the data changes.

Each address in `[web] purge` is sent a `PURGE` request; the cache's own configuration decides what
that empties (the production guide's Varnish configuration empties everything for the site). A
cache that does not answer is reported, never fatal: the change is already in the database, and
the cache's copies expire within `[web] cache_seconds` anyway.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 5.0
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""Asks a cache itself, never through `$http_proxy`: a proxy would empty its own copies, or
none, and answer for the cache."""


def empty_caches(
    addresses: tuple[str, ...], timeout: float = TIMEOUT_SECONDS
) -> list[tuple[str, str | None]]:
    """Ask each cache to forget its copies of the site: each address, and the trouble if any.
    All are asked at once, and none is waited for longer than `timeout` seconds in all."""
    found: dict[int, str | None] = {}
    # A socket timeout bounds each wait, not the whole answer: a cache that sends a byte every
    # few seconds would hold the import for ever. Threads let the deadline be the whole answer.
    askers = [
        threading.Thread(target=_ask, args=(address, timeout, found, n), daemon=True)
        for n, address in enumerate(addresses)
    ]
    deadline = time.monotonic() + timeout
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(max(0.0, deadline - time.monotonic()))
    late = f"it did not answer within {timeout:g} seconds"
    return [(address, found.get(n, late)) for n, address in enumerate(addresses)]


def _ask(address: str, timeout: float, found: dict[int, str | None], n: int) -> None:
    try:
        request = urllib.request.Request(address, method="PURGE")
        with _DIRECT.open(request, timeout=timeout):
            pass  # the status is the answer; what the cache says after it is not needed
    except urllib.error.HTTPError as exc:
        found[n] = f"it answered {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        found[n] = f"it could not be reached ({reason})"
    except http.client.InvalidURL as exc:
        found[n] = f"it is not a web address upheld can ask ({exc})"
    except http.client.HTTPException as exc:
        found[n] = f"its answer was not HTTP ({type(exc).__name__})"
    except ValueError as exc:
        found[n] = f"it is not a web address upheld can ask ({exc})"
    else:
        found[n] = None
