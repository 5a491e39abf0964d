"""A council's page for a year: its figures against similar authorities, its trend, its letters,
reports, improvements and decisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from sqlalchemy import Connection

from upheld.breaks import notes_for
from upheld.core import judgement
from upheld.core.catalogue import CATALOGUE, UPHOLD_RATE, Statistic
from upheld.core.figures import YearFigures
from upheld.core.groups import TYPE, PeerGroup
from upheld.core.output import area_fields, authority_fields
from upheld.core.publication import Publication
from upheld.present import charts, sections
from upheld.present.sections import CountsTable, StatisticSection
from upheld.register import Council
from upheld.site import funnels, lists
from upheld.site.evidence import Evidence, evidence
from upheld.site.funnels import Funnel
from upheld.site.identity import CouncilSummary, council_summary
from upheld.site.letters import PublicLetter, public_letter
from upheld.site.model import Site, Year


class Trend(TypedDict):
    """A council's key figures year by year (each statistic by its key, with its average), and
    a chart of each statistic over the years, by its key."""

    years: list[dict[str, Any]]
    notes: dict[str, str]
    """Breaks in the series among these years, by year: why a year may not compare."""
    chart: dict[str, str]


class AreaRow(TypedDict):
    """One service area of a council's year against the same area across its peers, in words."""

    area: str
    received: int
    investigated: int
    upheld: int
    uphold_rate: str
    likely: str
    """The uphold rate's 95% interval as a range: "55% to 96%"."""
    similar: str
    """The peers' pooled uphold rate, with what it is out of: "88% of 136"."""
    compared: str


class GroupName(TypedDict):
    """The peer group a page compares with."""

    name: str
    label: str


class LinkedCouncil(CouncilSummary):
    """Another council a page names, with its latest published page if it has one: a council
    without one is named, never linked."""

    latest_year: str | None


def linked(site: Site, publication: Publication, council: Council) -> LinkedCouncil:
    """A council as another council's page names it, with where to link if anywhere."""
    years = site.page_years(council.code, publication)
    return {**council_summary(council), "latest_year": years[-1].label if years else None}


class CouncilPage(TypedDict):
    """Everything a council's page for a year shows."""

    title: str
    council: CouncilSummary
    existed: bool
    year: str
    period: str
    preview: bool
    published_at: str
    years: list[str]
    average_method: str
    group: GroupName
    groups: dict[str, str]
    """The peer groups a reader may choose, by name, with their labels."""
    compared_with: str
    """Who the council is compared with, in words: "metropolitan boroughs"."""
    figures: dict[str, Any]
    statistics: list[StatisticSection]
    areas: list[AreaRow]
    funnel: Funnel | None
    """The chosen statistic's funnel plot over the council's peer group, the council
    highlighted; None when the council has no peers or no figure."""
    funnel_statistic: str
    statistic_labels: dict[str, str]
    """The statistics a reader may choose for the funnel plot, by key."""
    received: CountsTable
    decisions: CountsTable
    trend: Trend
    predecessors: list[LinkedCouncil]
    successors: list[LinkedCouncil]
    other_codes: list[LinkedCouncil]
    """The same council under the other codes it has had (a new code is not a new council)."""
    letters: list[PublicLetter]
    reports: list[dict[str, Any]]
    improvements: list[dict[str, Any]]
    decision_count: int
    evidence: list[Evidence]
    """The counts behind the key statistics, each with the decisions that make it up."""
    decisions_rule: str


def trend(
    site: Site,
    council: Council,
    years: list[Year],
    group: PeerGroup = TYPE,
    earlier: Mapping[str, str] | None = None,
) -> Trend:
    """A council's key figures over every published year it has a page for; `earlier` gives,
    by year, a code the same council had before (its figures then are under that code)."""
    rows = []
    earlier = earlier or {}
    for year in years:
        code = earlier.get(year.label, council.code)
        if not site.has_page(code, year.year):
            continue
        figures = site.figures(year.year, group)
        fields = authority_fields(figures, code)
        rows.append(
            {
                "year": year.label,
                "code": code,
                "investigated": fields["investigated"],
                "upheld": fields["upheld"],
                **{s.key: fields[s.key] for s in CATALOGUE},
                **{s.similar_key: fields[s.similar_key] for s in CATALOGUE},
                **{s.exact_key: fields[s.exact_key] for s in CATALOGUE if s.exact_key},
            }
        )
    notes = notes_for([r["year"] for r in rows])
    for label, code in earlier.items():
        if any(r["year"] == label for r in rows):
            said = f"Under the council's former code, {code}."
            notes[label] = f"{notes[label]} {said}" if label in notes else said
    notes = dict(sorted(notes.items()))
    drawn: dict[str, str] = {}
    if len(rows) > 1:
        for statistic in CATALOGUE:
            name = statistic.key
            drawn[name] = charts.trend_chart(
                statistic.label,
                [(r["year"], r[name]) for r in rows],
                unit=statistic.unit.chart_unit,
                chart_id=f"trend-{name.replace('_', '-')}",
                average_points=[(r["year"], r[statistic.similar_key]) for r in rows],
                council_label=council.short_name,
                font_family=charts.WEB_FONT_FAMILY,
                notes=notes,
            )
    return {"years": rows, "notes": notes, "chart": drawn}


def council_page(
    site: Site,
    publication: Publication,
    code: str,
    year: Year,
    *,
    preview: bool = False,
    group: PeerGroup = TYPE,
    funnel: str = CATALOGUE.keys[0],
) -> CouncilPage:
    """A council's page for a year: figures, averages, trend, letters, reports, improvements."""
    register = site.register()
    council = register[code]
    figures = site.figures(year.year, group)
    counts = figures.counts[code]
    shown_years = site.page_years(code, publication)
    # The same council under another code: its years there are this council's too.
    same = register.same_council(code)[1:]
    earlier = {
        y.label: other
        for other in same
        for y in site.page_years(other, publication)
        if y.year.start < (council.valid_from or y.year.start) and y not in shown_years
    }
    trend_years = sorted(
        [*shown_years, *(y for y in site.published(publication) if y.label in earlier)],
        key=lambda y: y.year.start_year,
    )
    fields = authority_fields(figures, code)
    with site.engine.connect() as connection:
        letter_years = [year] if preview else list(reversed(shown_years))
        found_letters = [public_letter(connection, code, y) for y in letter_years]
        reports = lists.council_records(connection, "reports", publication, code)
        improvements = lists.council_records(connection, "improvements", publication, code)
        decisions = decision_count(connection, publication, council=code)
        behind = [] if preview else evidence(connection, publication, year, counts, council.code)
    return {
        "title": f"{council.name}: {year.label}",
        "council": council_summary(council),
        "existed": council.exists_in(year.year),
        "year": year.label,
        "period": year.year.period,
        "preview": preview,
        "published_at": year.config.published_at.isoformat(),
        "years": [y.label for y in reversed(shown_years)] if not preview else [year.label],
        "average_method": figures.method,
        "group": {"name": group.name, "label": group.label},
        "groups": site.settings.group_labels,
        "compared_with": group.describe(council),
        "figures": {k: v for k, v in fields.items() if k not in ("code", "name", "type")},
        "statistics": sections.statistics_section(
            council, figures, CATALOGUE, font_family=charts.WEB_FONT_FAMILY
        ),
        # Before publication a council sees its own figures, never its peers' one by one.
        "areas": area_rows(figures, code),
        "funnel": None if preview else peer_funnel(figures, council, CATALOGUE[funnel]),
        "funnel_statistic": funnel,
        "statistic_labels": {s.key: s.label for s in CATALOGUE},
        "received": sections.received_table(counts),
        "decisions": sections.decisions_table(counts),
        "trend": trend(site, council, trend_years, group, earlier)
        if not preview
        else {"years": [], "notes": {}, "chart": {}},
        "predecessors": [
            linked(site, publication, c) for c in register.predecessors(code) if c.code not in same
        ],
        "successors": [
            linked(site, publication, c) for c in register.successors(code) if c.code not in same
        ],
        "other_codes": [linked(site, publication, register[c]) for c in same],
        "letters": [found for found in found_letters if found is not None],
        "reports": reports,
        "improvements": improvements,
        "decision_count": decisions,
        "evidence": behind,
        "decisions_rule": publication.decisions_rule,
    }


def area_rows(figures: YearFigures, code: str) -> list[AreaRow]:
    """A council's service areas as the page's table says them."""
    counts = figures.counts[code]
    rows: list[AreaRow] = []
    for area, row in area_fields(figures, code).items():
        similar = UPHOLD_RATE.text(row["similar_uphold_rate"])
        if row["similar_uphold_rate"] is not None:
            similar += f" of {row['similar_investigated']:,}"
        rows.append(
            {
                "area": area,
                "received": row["received"],
                "investigated": row["investigated"],
                "upheld": row["upheld"],
                "uphold_rate": UPHOLD_RATE.text(row["uphold_rate"]),
                "likely": judgement.likely(UPHOLD_RATE, counts.area(area)),
                "similar": similar,
                "compared": judgement.IN_SHORT[row["uphold_rate_comparison"]]
                if row["investigated"]
                else "",
            }
        )
    return rows


def peer_funnel(figures: YearFigures, council: Council, statistic: Statistic) -> Funnel | None:
    """A council among its peers for one statistic: a funnel plot with the council highlighted."""
    members = figures.peers.get(council.code)
    if members is None:
        return None
    return funnels.funnel(
        figures,
        statistic,
        sorted((figures.councils[m] for m in members), key=lambda c: c.code),
        figures.average_for(council.code),
        compared=figures.group.describe(council),
        chart_id="funnel",
        highlight=council.code,
    )


def decision_count(connection: Connection, publication: Publication, *, council: str) -> int:
    """How many of a council's decisions are published now: the decision search's own total."""
    from upheld import search

    found = search.search(connection, search.DecisionQuery(councils=(council,)), publication)
    return found.total
