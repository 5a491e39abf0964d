"""Preview links: signed, expiring links that show one council its own page and letter early."""

from __future__ import annotations

from urllib.parse import urlencode

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from upheld.core.periods import ReviewYear

SALT = "upheld-preview"


def _signer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def preview_token(secret: str, code: str, year: ReviewYear) -> str:
    """A signed token that lets one council see its own page and letter for a year."""
    return _signer(secret).dumps([code, year.start_year])


def preview_link(base_url: str, secret: str, code: str, year: ReviewYear) -> str:
    """The full preview link for a council and year."""
    query = urlencode({"preview": preview_token(secret, code, year)})
    return f"{base_url.rstrip('/')}/councils/{code}/{year.label}?{query}"


def preview_grants(secret: str | None, token: str | None, max_days: int) -> tuple[str, int] | None:
    """The council and year a token was signed for, if it is genuine and not expired."""
    if not secret or not token:
        return None
    try:
        granted = _signer(secret).loads(token, max_age=max_days * 86400)
    except (BadSignature, SignatureExpired):
        return None
    if (
        not isinstance(granted, list)
        or len(granted) != 2
        or not isinstance(granted[0], str)
        or not isinstance(granted[1], int)
    ):
        return None
    return granted[0], granted[1]
