"""Serving the website with uvicorn, with limits on what a client may send before it is answered.

Uvicorn's fast HTTP parser accepts request headers of any size and waits for ever for a request
that never finishes its headers, so one client could fill the memory or hold every connection.
`GuardedProtocol` refuses headers over MAX_HEADER_BYTES with 431 and closes a connection whose
request headers are not complete HEADER_TIMEOUT seconds after it opened or after its previous
answer, with 408.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEADER_BYTES = 64 * 1024
"""Request line and headers together; browsers send a few kilobytes."""
HEADER_TIMEOUT = 10.0
"""Seconds a client has to send its request line and headers."""


class GuardedProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol, with a limit on header size and on time to send them."""

    max_header_bytes = MAX_HEADER_BYTES
    header_timeout = HEADER_TIMEOUT

    _header_bytes = 0
    _reading_headers = False
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """A new connection: its first request's headers are due within the timeout."""
        super().connection_made(transport)
        self._expect_headers()

    def _expect_headers(self) -> None:
        self._header_bytes = 0
        self._reading_headers = True
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._too_slow)

    def _headers_done(self) -> None:
        self._reading_headers = False
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def data_received(self, data: bytes) -> None:
        """Bytes from the client; while headers are being read, counted against the limit."""
        if self._reading_headers:
            if self._header_timer is None:
                self._expect_headers()
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._refuse(431, "Request header fields too large.")
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        """The headers are in: the request is answered, with no more limit on time."""
        self._headers_done()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        """An answer is sent: bytes that follow are the next request's headers."""
        super().on_response_complete()
        self._reading_headers = True
        self._header_bytes = 0

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection closed: forget its timer."""
        self._headers_done()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._header_timer = None
        if self._reading_headers and not self.transport.is_closing():
            self._refuse(408, "The request took too long to arrive.")

    def _refuse(self, status: int, message: str) -> None:
        self._headers_done()
        reason = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}[status]
        body = message.encode("ascii")
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (status, reason, len(body), body)
        )
        self.transport.close()


def serve(url: str, config: Path, *, host: str, port: int, workers: int = 1) -> None:
    """Serve the website over a database and a configuration folder until interrupted."""
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "http": GuardedProtocol,
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
    }
    if workers == 1:
        from upheld.web import create_app, site_for

        uvicorn.run(create_app(site_for(url, config)), **options)
        return
    # Each worker process builds its own app, and follows the data and configuration itself.
    os.environ["UPHELD_DB"] = url
    os.environ["UPHELD_CONFIG"] = str(config.resolve())
    uvicorn.run("upheld.web:from_environment", factory=True, workers=workers, **options)
