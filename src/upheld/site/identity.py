"""How a council is named and addressed on the website: its summary and the slug of its name;
and a decision's address."""

from __future__ import annotations

import re
import unicodedata
from typing import TypedDict
from urllib.parse import quote

from upheld.core.vocabulary import AUTHORITY_TYPES
from upheld.register import Council, Register


class CouncilSummary(TypedDict):
    """The facts about a council every page shows."""

    code: str
    name: str
    short_name: str
    slug: str
    type: str
    type_label: str
    region: str | None
    valid_from: str | None
    valid_to: str | None


class CouncilName(TypedDict):
    """A council as a record names it: its code and, where the register knows it, its name."""

    code: str
    name: str


def slug(name: str) -> str:
    """A council's name as it appears in a web address: "bury-metropolitan-borough-council"."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    folded = folded.lower().replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def council_summary(council: Council) -> CouncilSummary:
    """The facts about a council every page shows."""
    return {
        "code": council.code,
        "name": council.name,
        "short_name": council.short_name,
        "slug": slug(council.name),
        "type": council.type,
        "type_label": AUTHORITY_TYPES.label(council.type),
        "region": council.region,
        "valid_from": council.valid_from.isoformat() if council.valid_from else None,
        "valid_to": council.valid_to.isoformat() if council.valid_to else None,
    }


def council_name(register: Register, code: str) -> str:
    """A council's name, or its code when the register does not know it."""
    known = register.get(code)
    return known.name if known else code


def decision_path(reference: str) -> str:
    """A decision's address, its reference as stored: "/decisions/24%20001%20234"."""
    # A "/" in a reference stays a "/": its page answers at /decisions/23/001/234.
    return f"/decisions/{quote(reference)}"
