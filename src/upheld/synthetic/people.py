"""Synthetic people: complainants (private) and the council officers letters go to."""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from upheld.core.periods import ReviewYear

if TYPE_CHECKING:
    from upheld.register import Council, Register

FEMALE = (
    "Amelia", "Olivia", "Sarah", "Helen", "Joanne", "Priya", "Fatima", "Claire", "Rebecca", "Emma",
    "Louise", "Aisha", "Gemma", "Katherine", "Nicola", "Rachel", "Sophie", "Zainab", "Laura",
    "Margaret", "Jennifer", "Hannah", "Shabana", "Grace", "Ruth", "Deborah", "Eleanor", "Chloe",
    "Mei", "Bethany",
)  # fmt: skip
MALE = (
    "James", "Oliver", "Mohammed", "David", "Andrew", "Paul", "Richard", "Imran", "Thomas",
    "Daniel", "Michael", "Stephen", "Peter", "Rajesh", "Gareth", "Matthew", "Christopher", "Kwame",
    "Simon", "Mark", "Neil", "Robert", "Tariq", "William", "Jonathan", "Ian", "Samuel", "Wei",
    "Adrian", "Graham",
)  # fmt: skip
NEUTRAL = ("Alex", "Sam", "Jordan", "Charlie", "Robin", "Jamie", "Morgan", "Ashley")
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Khan", "Hughes", "Edwards", "Hussain", "Turner", "Lewis",
    "Harris", "Ahmed", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee",
    "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson",
    "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook",
    "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shah", "Begum", "Ali", "Singh", "Kaur",
    "Okafor", "Mensah", "Nowak", "Kowalski", "O'Brien", "O'Connor", "Murphy", "Chen", "Nguyen",
    "Adeyemi", "Hamilton", "Fletcher", "Stevens", "Marsh", "Doyle",
)  # fmt: skip

# The letters the ombudsman uses to anonymise complainants; X by far the most often.
LETTERS = "XXXXXXXXXXXXXXXBCDFGJKLMNPRST"


@dataclass(frozen=True)
class Complainant:
    """A complainant: their private name, and how a published decision refers to them."""

    name: str
    reference: str
    his: str
    him: str


def _pick(rng: random.Random, options: Sequence[str]) -> str:
    return options[int(rng.random() * len(options))]


def complainant(rng: random.Random) -> Complainant:
    """A made-up complainant; the name is private, the decision calls them "Mrs X" or similar."""
    letter = _pick(rng, LETTERS)
    surname = _pick(rng, SURNAMES)
    draw = rng.random()
    if draw < 0.49:
        title = _pick(rng, ("Mrs", "Mrs", "Ms", "Ms", "Miss"))
        return Complainant(f"{_pick(rng, FEMALE)} {surname}", f"{title} {letter}", "her", "her")
    if draw < 0.95:
        return Complainant(f"{_pick(rng, MALE)} {surname}", f"Mr {letter}", "his", "him")
    if draw < 0.97:
        return Complainant(f"{_pick(rng, NEUTRAL)} {surname}", f"Mx {letter}", "their", "them")
    first = _pick(rng, FEMALE)
    return Complainant(
        f"{first} and {_pick(rng, MALE)} {surname}", f"Mr and Mrs {letter}", "their", "them"
    )


def officer(rng: random.Random) -> tuple[str, str, str]:
    """A made-up council officer: title, first name and surname."""
    titles: tuple[str, ...]
    if rng.random() < 0.5:
        first, titles = _pick(rng, FEMALE), ("Ms", "Ms", "Mrs", "Miss", "Dr")
    else:
        first, titles = _pick(rng, MALE), ("Mr", "Mr", "Mr", "Dr")
    title = "Mx" if rng.random() < 0.02 else _pick(rng, titles)
    return title, first, _pick(rng, SURNAMES)


def slug(text: str) -> str:
    """A council's name as it might appear in an email domain."""
    folded = text.lower().replace("&", "and").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "council"


CONTACT_ROLES = ("chief_executive", "link_officer", "monitoring_officer")
CONTACT_COLUMNS = ("authority", "role", "name", "email", "title")


def write_contacts(
    register: Register, years: Sequence[ReviewYear], path: Path, seed: int, without_email: int = 3
) -> int:
    """Write a chief executive, link officer and monitoring officer per council; return rows."""
    rng = random.Random(f"{seed}/contacts")
    councils: list[Council] = sorted(
        (c for c in register if any(c.exists_in(year) for year in years)), key=lambda c: c.code
    )
    # A few chief executives with no email address, so the letters' "no address" path is exercised.
    missing = {c.code for c in rng.sample(councils, min(without_email, len(councils)))}
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CONTACT_COLUMNS)
        for council in councils:
            domain = f"{slug(council.short_name or council.name)}.example"
            for role in CONTACT_ROLES:
                title, first, surname = officer(rng)
                local = f"{slug(first)}.{slug(surname)}".replace("-", "")
                email = (
                    ""
                    if role == "chief_executive" and council.code in missing
                    else f"{local}@{domain}"
                )
                writer.writerow((council.code, role, f"{first} {surname}", email, title))
                rows += 1
    return rows
