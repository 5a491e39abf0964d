"""National figures for a year: totals for England, the averages of similar authorities by type of
council, and the national trend over every published year."""

from __future__ import annotations

from typing import Any, TypedDict

from upheld.breaks import notes_for
from upheld.core.catalogue import CATALOGUE
from upheld.core.output import counts_fields
from upheld.core.publication import Publication
from upheld.core.vocabulary import AUTHORITY_TYPES
from upheld.present import charts, sections
from upheld.present.sections import CountsTable
from upheld.site import funnels
from upheld.site.evidence import Evidence, evidence
from upheld.site.funnels import Funnel
from upheld.site.model import Site, Year


class NationalPage(TypedDict):
    """Everything the national page for a year shows."""

    title: str
    year: str
    period: str
    years: list[str]
    average_method: str
    councils: int
    national: dict[str, Any]
    counted: dict[str, str]
    """Each statistic's counts in a few words: "3,368 upheld decisions of 4,048 detailed ..."."""
    received: CountsTable
    decisions: CountsTable
    by_type: list[dict[str, Any]]
    history: list[dict[str, Any]]
    notes: dict[str, str]
    """Breaks in the series among the years of the history, by year."""
    trend: dict[str, str]
    """A chart of each statistic over the years, by `<key>_chart`."""
    statistic: str
    """The statistic the funnel plots show."""
    statistics: dict[str, str]
    """The statistics a reader may choose for the funnel plots, by key, with their labels."""
    funnels: list[Funnel]
    """A funnel plot of the chosen statistic for each type of council."""
    evidence: list[Evidence]
    """The counts behind the national figures, each with the decisions that make it up."""
    decisions_rule: str


def national_page(
    site: Site, publication: Publication, year: Year, statistic: str = CATALOGUE.keys[0]
) -> NationalPage:
    """National figures for a year, the averages of similar authorities, the trend, and every
    council against its type's average in funnel plots."""
    figures = site.figures(year.year)
    chosen = CATALOGUE[statistic]
    published = site.published(publication)
    by_type = []
    for term in AUTHORITY_TYPES:
        if term.key not in figures.averages:
            continue
        average = figures.averages[term.key]
        members = [figures.counts[c.code] for c in figures.similar(term.key)]
        by_type.append(
            {
                "type": term.key,
                "label": term.label,
                "councils": average.councils,
                "received": sum(m.received for m in members),
                "investigated": sum(m.investigated for m in members),
                "upheld": sum(m.upheld for m in members),
                **{s.key: average.figure(s.key) for s in CATALOGUE},
            }
        )
    history = [
        {"year": past.label, **counts_fields(site.figures(past.year).national)}
        for past in published
    ]
    notes = notes_for([h["year"] for h in history])
    trend = {}
    if len(history) > 1:
        for each in CATALOGUE:
            name = each.key
            trend[f"{name}_chart"] = charts.trend_chart(
                each.label,
                [(h["year"], h[name]) for h in history],
                unit=each.unit.chart_unit,
                chart_id=f"national-{name.replace('_', '-')}",
                council_label="England",
                font_family=charts.WEB_FONT_FAMILY,
                notes=notes,
            )
    with site.engine.connect() as connection:
        behind = evidence(connection, publication, year, figures.national)
    return {
        "title": f"National figures: {year.label}",
        "evidence": behind,
        "decisions_rule": publication.decisions_rule,
        "year": year.label,
        "period": year.year.period,
        "years": [y.label for y in reversed(published)],
        "average_method": figures.method,
        "councils": sum(1 for c in figures.councils.values() if c.exists_in(year.year)),
        "national": counts_fields(figures.national),
        "counted": {s.key: sections.counted(s, figures.national) for s in CATALOGUE},
        "received": sections.received_table(figures.national),
        "decisions": sections.decisions_table(figures.national),
        "by_type": by_type,
        "history": history,
        "notes": notes,
        "trend": trend,
        "statistic": chosen.key,
        "statistics": {s.key: s.label for s in CATALOGUE},
        "funnels": [
            found
            for term in AUTHORITY_TYPES
            if term.key in figures.averages
            and (
                found := funnels.funnel(
                    figures,
                    chosen,
                    figures.similar(term.key),
                    figures.averages[term.key],
                    compared=term.count_noun(2),
                    chart_id=f"funnel-{term.key.replace('_', '-')}",
                )
            )
            is not None
        ],
    }
