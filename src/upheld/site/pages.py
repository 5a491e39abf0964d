"""One plain dict per public page: the HTML page, its .json twin and the API all read these.

Charts are the only presentation in the dicts (SVG strings under keys ending in "chart", and
the home map's drawing notes under "map_views_chart"); the JSON twins leave them out. Nothing here
ever reads the `complainant` field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from upheld.core.catalogue import CATALOGUE
from upheld.core.figures import YearFigures
from upheld.core.output import authority_fields, counts_fields
from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.core.vocabulary import AUTHORITY_TYPES, IMPROVEMENT_STATUSES, REPORT_KINDS
from upheld.letters import archive
from upheld.present import charts, sections
from upheld.register import Council
from upheld.site.model import Site, Year
from upheld.store import schema

STATISTICS = {s.key: s.label for s in CATALOGUE}
"""The figures the map can show, every statistic of the catalogue."""
TIERS = {"upper": "Upper tier", "lower": "Lower tier"}
VIEWS = {"hexagons": "Hexagons", "geographic": "Geographic"}
"""The home map's styles: a hexagon per council, or the councils' own areas when stored."""
WEB_FONT = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
"""The website's own font stack, so its charts match its text (letters keep their serif)."""

BANDS = (
    ("much-lower", "Much lower than similar authorities"),
    ("lower", "Lower than similar authorities"),
    ("similar", "About the same as similar authorities"),
    ("higher", "Higher than similar authorities"),
    ("much-higher", "Much higher than similar authorities"),
    ("none", "No figure this year"),
)


def slug(name: str) -> str:
    """A council's name as it appears in a web address: "bury-metropolitan-borough-council"."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    folded = folded.lower().replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def council_summary(council: Council) -> dict[str, Any]:
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


def year_rows(figures: YearFigures, statistic: str, codes: list[str]) -> list[dict[str, Any]]:
    """Each council's figure for one statistic, its average and band, for the map and its table."""
    chosen = CATALOGUE[statistic]
    rows = []
    for code in codes:
        fields = authority_fields(figures, code)
        value, average = fields[chosen.key], fields[chosen.similar_key]
        council = figures.councils[code]
        base = figures.counts[code].count(chosen.denominator)
        rows.append(
            {
                "code": code,
                "name": council.name,
                "short_name": council.short_name,
                "slug": slug(council.name),
                "type": council.type,
                "type_label": AUTHORITY_TYPES.label(council.type),
                "value": value,
                "value_text": chosen.text(value),
                "average": average,
                "average_text": chosen.text(average),
                "base": base,
                "band": chosen.band(value, average),
            }
        )
    return rows


def home_page(site: Site, year: Year, statistic: str, tier: str) -> dict[str, Any]:
    """The map page: every council of a tier coloured by a statistic against its peers."""
    from upheld.maps import cartogram

    figures = site.figures(year.year)
    councils = [c for c in figures.councils.values() if c.exists_in(year.year)]
    chosen = cartogram.tier_councils(councils, tier)
    codes = sorted((c.code for c in chosen), key=lambda c: figures.councils[c].name)
    rows = year_rows(figures, statistic, codes)
    return {
        "title": site.settings.web.title,
        "year": year.label,
        "period": year.year.period,
        "years": [y.label for y in reversed(site.published())],
        "statistic": statistic,
        "statistic_label": STATISTICS[statistic],
        "statistics": STATISTICS,
        "tier": tier,
        "tiers": TIERS,
        "bands": [{"key": k, "label": v} for k, v in BANDS],
        "councils": rows,
    }


def trend(site: Site, council: Council, years: list[Year]) -> dict[str, Any]:
    """A council's key figures over every published year it has figures for."""
    rows = []
    for year in years:
        figures = site.figures(year.year)
        if council.code not in figures.counts:
            continue
        fields = authority_fields(figures, council.code)
        rows.append(
            {
                "year": year.label,
                "investigated": fields["investigated"],
                "upheld": fields["upheld"],
                **{s.key: fields[s.key] for s in CATALOGUE},
                **{s.similar_key: fields[s.similar_key] for s in CATALOGUE},
            }
        )
    trend_charts = {}
    if len(rows) > 1:
        for statistic in CATALOGUE:
            name = statistic.key
            trend_charts[f"{name}_chart"] = charts.trend_chart(
                statistic.label,
                [(r["year"], r[name]) for r in rows],
                unit=statistic.unit.chart_unit,
                chart_id=f"trend-{name.replace('_', '-')}",
                average_points=[(r["year"], r[statistic.similar_key]) for r in rows],
                council_label=council.short_name,
                font_family=WEB_FONT,
            )
    return {"years": rows, **trend_charts}


def council_page(site: Site, code: str, year: Year, *, preview: bool = False) -> dict[str, Any]:
    """A council's page for a year: figures, averages, trend, letters, reports, improvements."""
    register = site.register()
    council = register[code]
    figures = site.figures(year.year)
    counts = figures.counts[code]
    publication = site.publication()
    published = site.published(publication)
    shown_years = [y for y in published if code in site.figures(y.year).counts]
    fields = authority_fields(figures, code)
    with site.engine.connect() as connection:
        letter_years = _letters_for(connection, code, {y.year.start_year for y in shown_years})
        if preview:
            letter_years[year.year.start_year] = _letter_formats(connection, code, year)
        reports = [item for _, item in _listed(connection, "reports", publication, council=code)]
        improvements = [
            item for _, item in _listed(connection, "improvements", publication, council=code)
        ]
        decisions = decision_count(connection, publication, council=code)
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
        "figures": {k: v for k, v in fields.items() if k not in ("code", "name", "type")},
        "statistics": sections.statistics_section(
            council, figures, CATALOGUE, font_family=WEB_FONT
        ),
        "received": sections.received_table(counts),
        "decisions": sections.decisions_table(counts),
        "trend": trend(site, council, shown_years) if not preview else {"years": []},
        "predecessors": [council_summary(c) for c in register.predecessors(code)],
        "successors": [council_summary(c) for c in register.successors(code)],
        "letters": [
            {"year": _label(start), "formats": formats}
            for start, formats in sorted(letter_years.items(), reverse=True)
            if formats
        ],
        "reports": reports,
        "improvements": improvements,
        "decision_count": decisions,
        "decisions_rule": publication.decisions_rule,
    }


def _label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def _letters_for(connection: Connection, code: str, years: set[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for entry in archive.entries(connection, code=code):
        if entry.year in years and entry.format not in found.setdefault(entry.year, []):
            found[entry.year].append(entry.format)
    return {year: sorted(formats, reverse=True) for year, formats in found.items()}


def _letter_formats(connection: Connection, code: str, year: Year) -> list[str]:
    return sorted(
        {e.format for e in archive.entries(connection, year.year.start_year, code)}, reverse=True
    )


def report_fields(row: Any) -> dict[str, Any]:
    """A public report's public fields."""
    return {
        "reference": row.reference,
        "issued": row.issued.isoformat(),
        "year": _label(row.issued_year),
        "title": row.title,
        "kind": row.kind,
        "kind_label": REPORT_KINDS.label(row.kind),
        "url": row.url,
        "category": row.category,
    }


def improvement_fields(row: Any) -> dict[str, Any]:
    """A service improvement's public fields."""
    return {
        "reference": row.reference,
        "agreed": row.agreed.isoformat(),
        "year": _label(row.agreed_year),
        "description": row.description,
        "status": row.status,
        "status_label": IMPROVEMENT_STATUSES.label(row.status),
        "category": row.category,
    }


def decision_count(connection: Connection, publication: Publication, *, council: str) -> int:
    """How many of a council's decisions are published now: the decision search's own total."""
    from upheld import search

    found = search.search(connection, search.DecisionQuery(councils=(council,)), publication)
    return found.total


def national_page(site: Site, year: Year) -> dict[str, Any]:
    """National figures for a year, the averages of similar authorities, and the trend."""
    figures = site.figures(year.year)
    national = counts_fields(figures.national)
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
    history = []
    for past in site.published():
        past_figures = site.figures(past.year)
        history.append({"year": past.label, **counts_fields(past_figures.national)})
    national_trend = {}
    if len(history) > 1:
        for statistic in CATALOGUE:
            name = statistic.key
            national_trend[f"{name}_chart"] = charts.trend_chart(
                statistic.label,
                [(h["year"], h[name]) for h in history],
                unit=statistic.unit.chart_unit,
                chart_id=f"national-{name.replace('_', '-')}",
                council_label="England",
                font_family=WEB_FONT,
            )
    return {
        "title": f"National figures: {year.label}",
        "year": year.label,
        "period": year.year.period,
        "years": [y.label for y in reversed(site.published())],
        "average_method": figures.method,
        "councils": sum(1 for c in figures.councils.values() if c.exists_in(year.year)),
        "national": national,
        "counted": {s.key: sections.counted(s, figures.national) for s in CATALOGUE},
        "received": sections.received_table(figures.national),
        "decisions": sections.decisions_table(figures.national),
        "by_type": by_type,
        "history": history,
        "trend": national_trend,
    }


def without_charts(value: Any) -> Any:
    """A page dict for its .json twin: the same data without the drawn charts."""
    if isinstance(value, dict):
        return {
            k: without_charts(v)
            for k, v in value.items()
            if not (k == "chart" or k.endswith("_chart") or k == "chart_alt")
        }
    if isinstance(value, list):
        return [without_charts(v) for v in value]
    return value


PER_PAGE = 50


def _option_counts(
    connection: Connection, column: Any, base: Any, visible: list[Any]
) -> list[tuple[Any, int]]:
    rows = connection.execute(
        select(column, func.count())
        .select_from(base)
        .where(*visible)
        .group_by(column)
        .order_by(column)
    )
    return [(value, int(count)) for value, count in rows if value is not None]


@dataclass(frozen=True)
class _List:
    """Where a public list's records live and which columns filter them."""

    table: Any
    dated: Any
    year: Any
    status: Any
    category: Any
    describe: Callable[[Any], dict[str, Any]]


_LISTS = {
    "improvements": _List(
        schema.improvements,
        schema.improvements.c.agreed,
        schema.improvements.c.agreed_year,
        schema.improvements.c.status,
        schema.improvements.c.category,
        improvement_fields,
    ),
    # A report's service area is its case's.
    "reports": _List(
        schema.reports,
        schema.reports.c.issued,
        schema.reports.c.issued_year,
        schema.reports.c.kind,
        schema.cases.c.category,
        report_fields,
    ),
}


def _public(listing: _List, publication: Publication) -> list[Any]:
    """The records of a list published now (`publication.record_is_public`, in SQL)."""
    conditions = [listing.dated <= publication.today]
    years = publication.record_years
    if years is not None:
        conditions.append(listing.year.in_(sorted(years)))
    return conditions


def _filters(
    listing: _List,
    publication: Publication,
    council: str | None = None,
    category: str | None = None,
    year: str | None = None,
    status: str | None = None,
) -> list[Any]:
    conditions = _public(listing, publication)
    if council:
        conditions.append(schema.cases.c.authority == council)
    if category:
        conditions.append(listing.category == category)
    if year:
        conditions.append(listing.year == ReviewYear.parse(year).start_year)
    if status:
        conditions.append(listing.status == status)
    return conditions


def _listed(
    connection: Connection,
    kind: str,
    publication: Publication,
    *,
    limit: int | None = None,
    offset: int = 0,
    **chosen: str | None,
) -> list[tuple[Any, dict[str, Any]]]:
    """Public records of a list, newest first: each row with its public fields."""
    listing, cases = _LISTS[kind], schema.cases
    columns: list[Any] = [listing.table, cases.c.authority]
    if listing.category is cases.c.category:
        columns.append(cases.c.category)
    rows = connection.execute(
        select(*columns)
        .select_from(listing.table.join(cases, cases.c.reference == listing.table.c.reference))
        .where(*_filters(listing, publication, **chosen))
        .order_by(listing.dated.desc(), listing.table.c.reference)
        .limit(limit)
        .offset(offset)
    ).all()
    return [(row, listing.describe(row)) for row in rows]


def register_page(
    site: Site,
    kind: str,
    *,
    council: str | None = None,
    category: str | None = None,
    year: str | None = None,
    status: str | None = None,
    page: int = 1,
) -> dict[str, Any]:
    """The service improvements register or the public reports list, filtered and paged."""
    publication = site.publication()
    listing = _LISTS[kind]
    cases = schema.cases
    joined = listing.table.join(cases, cases.c.reference == listing.table.c.reference)
    filters = _filters(listing, publication, council, category, year, status)
    register = site.register()
    with site.engine.connect() as connection:
        total = connection.execute(
            select(func.count()).select_from(joined).where(*filters)
        ).scalar_one()
        rows = _listed(
            connection,
            kind,
            publication,
            council=council,
            category=category,
            year=year,
            status=status,
            limit=PER_PAGE,
            offset=(page - 1) * PER_PAGE,
        )
        options = {
            name: _option_counts(connection, column, joined, _public(listing, publication))
            for name, column in (
                ("council", cases.c.authority),
                ("category", listing.category),
                ("year", listing.year),
                ("status", listing.status),
            )
        }
    items = []
    for row, item in rows:
        known = register.get(row.authority)
        item["council"] = {
            "code": row.authority,
            "name": known.name if known else row.authority,
        }
        items.append(item)
    labels = IMPROVEMENT_STATUSES if kind == "improvements" else REPORT_KINDS
    return {
        "title": "Service improvements" if kind == "improvements" else "Public reports",
        "kind": kind,
        "filters": {
            "council": council,
            "category": category,
            "year": year,
            "status": status,
        },
        "total": int(total),
        "page": page,
        "pages": max(1, -(-int(total) // PER_PAGE)),
        "items": items,
        "options": {
            "council": [
                {
                    "value": code,
                    "label": register[code].name if code in register else code,
                    "count": count,
                }
                for code, count in sorted(
                    options["council"],
                    key=lambda o: register[o[0]].name if o[0] in register else o[0],
                )
            ],
            "category": [{"value": v, "label": v, "count": n} for v, n in options["category"]],
            "year": [
                {"value": _label(v), "label": _label(v), "count": n}
                for v, n in sorted(options["year"], reverse=True)
                if publication.year_is_public(v)
            ],
            "status": [
                {"value": v, "label": labels.label(v), "count": n} for v, n in options["status"]
            ],
        },
    }


def councils_page(site: Site, text: str = "") -> dict[str, Any]:
    """Every council in the published years, optionally those whose name matches some text."""
    register = site.register()
    published = site.published()
    latest = published[-1] if published else None
    wanted = text.strip().lower()
    found = []
    for council in sorted(register, key=lambda c: c.name):
        years = [y.label for y in published if council.code in site.figures(y.year).counts]
        if not years:
            continue
        names = (council.name, council.short_name, *council.aliases)
        if wanted and not any(wanted in name.lower() for name in names):
            continue
        found.append(
            council_summary(council)
            | {"latest_year": years[-1], "years": years, "current": council.valid_to is None}
        )
    return {
        "title": "Councils",
        "query": text,
        "latest_year": latest.label if latest else None,
        "councils": found,
    }
