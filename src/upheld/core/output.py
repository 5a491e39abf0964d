"""The statistics output (data-contract.md): each council's fields, the averages, national totals.

`upheld stats` (table, CSV, JSON), the API, the downloads and the pages all read these fields. The
statistics among them, and where each sits, come from the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from upheld.core import judgement
from upheld.core.catalogue import CATALOGUE, UPHOLD_RATE
from upheld.core.figures import YearFigures
from upheld.core.stats import Average, Counts
from upheld.core.vocabulary import COMPLIANCE_OUTCOMES, OUTCOME_GROUPS, OUTCOMES, SERVICE_AREAS


def counts_fields(counts: Counts) -> dict[str, Any]:
    """The counts and rates of one council (or the nation) as output fields."""
    values = _counts(counts) | {s.key: counts.figure(s.key) for s in CATALOGUE}
    exact = {s.exact_key: counts.exact(s.key) for s in CATALOGUE if s.exact_key}
    return {name: values[name] for name in _ORDER} | exact


def _counts(counts: Counts) -> dict[str, Any]:
    return {
        "received": counts.received,
        "received_by_category": {
            t.key: counts.received_by_category.get(t.key, 0) for t in SERVICE_AREAS
        },
        "decided": counts.decided,
        "decided_by_outcome": {t.key: counts.decided_by_outcome.get(t.key, 0) for t in OUTCOMES},
        "decided_by_outcome_group": {
            t.key: counts.decided_by_group.get(t.key, 0) for t in OUTCOME_GROUPS
        },
        "investigated": counts.investigated,
        "upheld": counts.upheld,
        "satisfactory_remedies": counts.satisfactory_remedies,
        "compliance_outcomes": counts.compliance_outcomes,
        **{t.key: counts.compliance_by_outcome.get(t.key, 0) for t in COMPLIANCE_OUTCOMES},
        "population": counts.population,
    }


def _order() -> list[str]:
    """The output fields in order: the counts, each statistic placed after the field it follows
    (or at the end when that is absent)."""
    order = list(_counts(Counts()))
    for statistic in CATALOGUE:
        at = order.index(statistic.follows) + 1 if statistic.follows in order else len(order)
        order.insert(at, statistic.key)
    return order


_ORDER = _order()


def average_fields(average: Average | None) -> dict[str, Any]:
    """The average of similar authorities for each statistic, by its `similar_` field."""
    return {s.similar_key: None if average is None else average.figure(s.key) for s in CATALOGUE}


def authority_fields(figures: YearFigures, code: str) -> dict[str, Any]:
    """One council's row of the statistics output (data-contract.md field names)."""
    council = figures.councils[code]
    population = figures.populations.get(code)
    similar = average_fields(figures.average_for(code))
    ordered: dict[str, Any] = {
        "code": council.code,
        "name": council.name,
        "type": council.type,
        "existed": council.exists_in(figures.year),
    }
    for key, value in counts_fields(figures.counts[code]).items():
        ordered[key] = value
        if key in CATALOGUE:
            ordered[CATALOGUE[key].similar_key] = similar[CATALOGUE[key].similar_key]
        if key == "population":
            ordered["population_vintage"] = population.vintage if population else None
    average = figures.average_for(code)
    ordered["similar_councils"] = average.councils if average else None
    counts = figures.counts[code]
    previous = figures.previous.get(code)
    for statistic in CATALOGUE:
        ordered[f"{statistic.key}_interval"] = judgement.interval(statistic, counts)
    for statistic in CATALOGUE:
        ordered[f"{statistic.key}_comparison"] = judgement.comparison(
            statistic, counts, average, figures.minimum_base
        )
    for statistic in CATALOGUE:
        ordered[f"{statistic.key}_change"] = judgement.change(
            statistic, counts, previous, figures.minimum_base
        )
    ordered["by_category"] = area_fields(figures, code)
    return ordered


def area_fields(figures: YearFigures, code: str) -> dict[str, dict[str, Any]]:
    """A council's figures for each service area, against the same area across its peer group
    (the group's counts added up), by the service area's name."""
    counts = figures.counts[code]
    areas = {}
    for term in SERVICE_AREAS:
        own = counts.area(term.key)
        similar = figures.similar_area(code, term.key)
        areas[term.key] = {
            "received": own.received,
            "decided": own.decided,
            "investigated": own.investigated,
            "upheld": own.upheld,
            "uphold_rate": own.figure("uphold_rate"),
            "uphold_rate_interval": judgement.interval(UPHOLD_RATE, own),
            "similar_investigated": similar.investigated if similar else None,
            "similar_upheld": similar.upheld if similar else None,
            "similar_uphold_rate": similar.figure("uphold_rate") if similar else None,
            "uphold_rate_comparison": judgement.pooled_comparison(
                UPHOLD_RATE, own, similar, figures.minimum_base
            ),
        }
    return areas


def statistics(figures: YearFigures, codes: Sequence[str] | None = None) -> dict[str, Any]:
    """The `upheld stats` output for a year: councils, averages of similar authorities, national."""
    chosen: Iterable[str] = codes if codes else figures.councils
    order = sorted(chosen, key=lambda c: (figures.councils[c].name.casefold(), c))
    return {
        "year": figures.year.label,
        "period": {"start": figures.year.start.isoformat(), "end": figures.year.end.isoformat()},
        "average_method": figures.method,
        "group": {"name": figures.group.name, "label": figures.group.label},
        "authorities": [authority_fields(figures, code) for code in order],
        "averages": {
            authority_type: {s.key: average.figure(s.key) for s in CATALOGUE}
            | {"councils": average.councils}
            for authority_type, average in figures.averages.items()
        },
        "national": {
            "councils": sum(1 for c in figures.councils.values() if c.exists_in(figures.year))
        }
        | counts_fields(figures.national),
    }


def flat(row: Mapping[str, Any]) -> dict[str, Any]:
    """A council's row for a spreadsheet: an interval as its low and high ends, a change as
    its parts, and nothing nested (the service areas are in the JSON)."""
    flattened: dict[str, Any] = {}
    for key, value in row.items():
        if key.endswith("_interval"):
            low, high = value if value else (None, None)
            flattened |= {f"{key}_low": low, f"{key}_high": high}
        elif key.endswith("_change"):
            change = value or {}
            interval = change.get("interval") or (None, None)
            flattened |= {
                f"{key}_previous": change.get("previous"),
                f"{key}_difference": change.get("difference"),
                f"{key}_low": interval[0],
                f"{key}_high": interval[1],
                f"{key}_beyond_chance": change.get("beyond_chance"),
                f"{key}_too_few": change.get("too_few"),
            }
        elif not isinstance(value, Mapping | list):
            flattened[key] = value
    return flattened
