"""Request methods as RFC 9110 says, on every route of the site and the API.

Each address answers GET and HEAD (a HEAD is the GET without its body), OPTIONS with `204` and
`Allow`, and any other method with `405` and the same `Allow`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Routes = Callable[[], Sequence[BaseRoute]]


CANDIDATES = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
"""The methods a route is asked about; OPTIONS is answered here for all."""


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> set[str] | None:
    """Every method some route at this path answers, with HEAD and OPTIONS; None if no route
    has the path."""
    found: set[str] = set()
    for route in routes:
        if route.matches(scope)[0] == Match.NONE:
            continue
        if isinstance(route, Mount):
            found |= {"GET", "HEAD"}  # only static files are mounted
            continue
        # Asked method by method, since FastAPI's included routers hide their routes' methods.
        found |= {m for m in CANDIDATES if route.matches({**scope, "method": m})[0] == Match.FULL}
    if not found:
        return None
    if "GET" in found:
        found.add("HEAD")
    return found | {"OPTIONS"}


def allow_header(methods: set[str]) -> str:
    """The methods in the order RFC 9110's examples list them."""
    order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return ", ".join(sorted(methods, key=lambda m: (order.index(m) if m in order else 99, m)))


class Methods:
    """Answers OPTIONS, HEAD and unknown methods for every route, as RFC 9110 says."""

    def __init__(self, app: ASGIApp, routes: Routes) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the request, or pass it on with its method or its answer's headers fixed."""
        # A GET needs nothing from here, and a HEAD is that GET without its body: neither asks
        # every route about every method, which would cost a busy page a quarter of its speed.
        if scope["type"] != "http" or scope["method"] == "GET":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "HEAD":
            await self.app({**scope, "method": "GET"}, receive, without_body(send))
            return
        allowed = allowed_methods(self.routes(), scope)
        if allowed is None:
            await self.app(scope, receive, send)
            return
        allow = allow_header(allowed)
        method = scope["method"]
        if method == "OPTIONS":
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [(b"allow", allow.encode()), (b"content-length", b"0")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        if method not in allowed:
            await self.app(scope, receive, with_allow(send, allow))
            return
        await self.app(scope, receive, send)


def without_body(send: Send) -> Send:
    """A send that keeps a response's status and headers and drops its body."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return sending


def with_allow(send: Send, allow: str) -> Send:
    """A send that gives a 405 the whole `Allow` of its address."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 405:
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
            message = {**message, "headers": [*headers, (b"allow", allow.encode())]}
        await send(message)

    return sending
