"""Figure sections that letters and council pages share: the key statistics, each with its figure,
the counts it comes from, the average of similar authorities and a chart, and the tables of
complaints received and decisions made. Both channels build them here, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from upheld.core import judgement
from upheld.core.catalogue import Statistic
from upheld.core.figures import YearFigures
from upheld.core.stats import Counts
from upheld.core.uncertainty import Comparison
from upheld.core.vocabulary import (
    OUTCOME_GROUP_OF,
    OUTCOME_GROUPS,
    OUTCOMES,
    SERVICE_AREAS,
)
from upheld.core.wording import NOT_AVAILABLE, plural
from upheld.present import charts
from upheld.register import Council


class StatisticSection(TypedDict):
    """One key statistic as a letter or a council page shows it."""

    name: str
    heading: str
    meaning: str
    value: str
    basis: str
    sure: str
    """The figure with its 95% interval: "85%, likely between 75% and 92%, from 68 detailed
    investigations."; empty when n/a or not asked for."""
    average: str
    comparison: str
    change: str
    """The change on the year before, in words; empty when there is none to tell."""
    chart: str | None
    chart_alt: str


class CountsTable(TypedDict):
    """A table of counts with a caption, a header, rows and a total."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    total: list[str]


def _words(statistic: Statistic, counts: Counts, vintage: str | None) -> dict[str, str]:
    numerator, denominator = counts.count(statistic.numerator), counts.count(statistic.denominator)
    return {
        "value": counts.shown(statistic.key),
        "numerator": f"{numerator:,}",
        "denominator": f"{denominator:,}",
        "counted_numerator": plural(numerator, *statistic.numerator_noun),
        "counted_denominator": plural(denominator, *statistic.denominator_noun),
        "vintage": vintage or "source not recorded",
    }


def counted(statistic: Statistic, counts: Counts) -> str:
    """The counts behind a figure in a few words: "3,368 upheld decisions of 4,048 detailed
    investigations"."""
    return statistic.counted.format(**_words(statistic, counts, None))


def basis(statistic: Statistic, counts: Counts, vintage: str | None = None) -> str:
    """What a statistic's figure is, said with the counts it comes from."""
    if counts.count(statistic.denominator) == 0:
        return statistic.not_available
    said = statistic.sentence.format(**_words(statistic, counts, vintage))
    for detail in statistic.details:
        number = counts.count(detail.count)
        if number:
            said += (detail.one if number == 1 else detail.many).format(n=f"{number:,}")
    return said


def comparison(
    council: Council, figures: YearFigures, average_text: str, judged: Comparison | None = None
) -> str:
    """How a council's figure is compared, or why it is not: the average, and whether the
    figure differs from it by more than chance would explain. Nothing for a council that no
    longer existed: the page or letter says why once, not under every figure."""
    if not council.exists_in(figures.year):
        return ""
    if figures.average_for(council.code) is None or average_text == NOT_AVAILABLE:
        return "There is no average of similar authorities to compare with this year."
    similar = figures.group.describe(council)
    said = judgement.said(judged)
    return f"The average of similar authorities ({similar}) was {average_text}." + (
        f" {said}" if said else ""
    )


def statistics_section(
    council: Council,
    figures: YearFigures,
    shown: Iterable[Statistic],
    font_family: str = charts.FONT_FAMILY,
    *,
    intervals: bool = True,
) -> list[StatisticSection]:
    """The key statistics, each with its meaning, figure, basis, interval (when asked for),
    comparison, change on the year before, and chart."""
    code = council.code
    counts = figures.counts[code]
    average = figures.average_for(code)
    existed = council.exists_in(figures.year)
    population = figures.populations.get(code)
    previous = figures.previous.get(code)
    section: list[StatisticSection] = []
    for statistic in shown:
        judged = judgement.comparison(statistic, counts, average, figures.minimum_base)
        changed = judgement.change(statistic, counts, previous, figures.minimum_base)
        figure = counts.figure(statistic.key)
        similar = average.figure(statistic.key) if average is not None and existed else None
        value, average_text = counts.shown(statistic.key), statistic.text(similar)
        chart = None
        # A council that no longer existed has nothing to be compared with: no half-empty chart.
        if figure is not None and existed:
            chart = charts.comparison_chart(
                statistic.heading,
                council.short_name,
                figure,
                "Average of similar authorities",
                similar,
                unit=statistic.unit.chart_unit,
                chart_id=f"chart-{statistic.key.replace('_', '-')}",
                font_family=font_family,
            )
        section.append(
            {
                "name": statistic.key,
                "heading": statistic.heading,
                "meaning": statistic.meaning,
                "value": value,
                "basis": basis(statistic, counts, population.vintage if population else None),
                "sure": judgement.sure(statistic, counts) if intervals else "",
                "average": average_text,
                "comparison": comparison(council, figures, average_text, judged),
                "change": judgement.change_words(
                    statistic, changed, figure, figures.year.previous().label
                ),
                "chart": chart,
                "chart_alt": f"Bar chart. {statistic.heading}: {council.short_name} {value}; "
                f"average of similar authorities {average_text}.",
            }
        )
    return section


def received_table(counts: Counts) -> CountsTable:
    """Complaints and enquiries received, by service area, with a total."""
    rows = [[t.label, f"{counts.received_by_category.get(t.key, 0):,}"] for t in SERVICE_AREAS]
    return {
        "caption": "Complaints and enquiries received, by service area",
        "header": ["Service area", "Received"],
        "rows": rows,
        "total": ["Total", f"{counts.received:,}"],
    }


def decisions_table(counts: Counts) -> CountsTable:
    """Decisions made, by outcome and by the three groups used since 2024-25, with a total."""
    rows = [
        [
            OUTCOME_GROUPS.label(OUTCOME_GROUP_OF[t.key]),
            t.label,
            f"{counts.decided_by_outcome.get(t.key, 0):,}",
        ]
        for t in sorted(OUTCOMES, key=lambda t: OUTCOME_GROUPS.keys.index(OUTCOME_GROUP_OF[t.key]))
    ]
    return {
        "caption": "Decisions made, by outcome",
        "header": ["Group", "Outcome", "Decisions"],
        "rows": rows,
        "total": ["Total", "", f"{counts.decided:,}"],
    }
