"""Security headers on every response: what a browser may load, frame, send and remember.

The pages need nothing from elsewhere and nothing inline: styles and the one script are files
under /static, and charts and maps are SVG drawn with attributes, not style sheets. So the policy
is "only this site", and a page that broke it would fail the browser tests, which run with it.
An archived letter carries its own style sheet, allowed by its hash (`letter_policy`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = "max-age=31536000"
"""A year: sent only when the site's address is https, since browsers then refuse plain http."""

_STYLE = re.compile(rb"<style[^>]*>(.*?)</style>", re.DOTALL)


def letter_policy(html: bytes) -> str:
    """The policy for an archived HTML letter: the site's, plus its own style sheets by hash."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(block).digest()).decode() + "'"
        for block in _STYLE.findall(html)
    ]
    return POLICY.replace("style-src 'self'", " ".join(["style-src 'self'", *hashes]))


class SecurityHeaders:
    """ASGI middleware adding the headers to every response that has not set its own."""

    def __init__(self, app: ASGIApp, https: Callable[[], bool]) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                wanted = {"content-security-policy": POLICY, **HEADERS}
                if self.https():
                    wanted["strict-transport-security"] = HSTS
                for name, value in wanted.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
