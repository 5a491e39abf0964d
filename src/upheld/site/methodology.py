"""The methodology page: how every figure is defined, from the same text as docs/methodology.md,
with each statistic of the catalogue under its own id for the "What this means" links."""

from __future__ import annotations

from typing import TypedDict

from upheld.core.catalogue import CATALOGUE
from upheld.present.methodology import Section, web_parts


class Definition(TypedDict):
    """One statistic as the methodology defines it."""

    key: str
    label: str
    heading: str
    meaning: str
    definition: str
    shown_as: str
    better: str
    not_available: str
    in_letters: str


class MethodologyPage(TypedDict):
    """The whole methodology."""

    title: str
    introduction: str
    sections: list[Section]
    statistics: list[Definition]
    """Listed in the section "the-statistics"."""


def methodology_page() -> MethodologyPage:
    """How every figure is defined, rounded and compared."""
    introduction, sections = web_parts()
    statistics: list[Definition] = [
        {
            "key": s.key,
            "label": s.label,
            "heading": s.heading,
            "meaning": s.meaning,
            "definition": s.definition,
            "shown_as": s.unit.description,
            "better": s.better,
            "not_available": s.missing or f"there are no {s.denominator_noun[1]}",
            "in_letters": "always" if s.in_letters == "always" else "when the year asks for it",
        }
        for s in CATALOGUE
    ]
    return {
        "title": "How the figures are worked out",
        "introduction": introduction,
        "sections": list(sections),
        "statistics": statistics,
    }
