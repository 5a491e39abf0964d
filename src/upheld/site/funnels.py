"""Funnel plots for the website: a statistic for every council of a type (the national page) or
of a council's peer group (its own page, with the council highlighted), against the number of
cases behind each figure, with the average and the limits chance would explain.

Every point's comparison is made against the plot's own average, so what the plot shows and
what its table says are the same judgement; for the councils' own type that is the comparison in
the statistics output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from upheld.core import judgement
from upheld.core.catalogue import Statistic
from upheld.core.figures import YearFigures
from upheld.core.stats import Average
from upheld.core.uncertainty import Comparison
from upheld.core.wording import plural
from upheld.present import funnel as drawing
from upheld.register import Council

_CURVE_POINTS = 90
"""How many bases the limits are worked out at, spread evenly on the plot's axis."""
_REACH = 1.5
"""How far past the largest council's base the limits are drawn: a plot's axis ends at a round
number above it, and the limits should reach that edge."""


class Funnel(TypedDict):
    """One funnel plot, with its table alternative and what it shows in words."""

    key: str
    label: str
    """The statistic's name: "Uphold rate"."""
    id: str
    """The plot's id on its page (its SVG's ids start with it)."""
    heading: str
    compared: str
    """Which councils the plot shows: "metropolitan boroughs"."""
    chart: str
    rows: list[drawing.FunnelRow]
    summary: str
    """How many councils fall where: "36 councils with a figure, of metropolitan boroughs: ..."."""
    highlighted: bool
    """Whether the council the plot was drawn for is on it (it has a figure)."""
    better: str
    """Which way is better for the statistic, in words."""
    base_heading: str
    """The table's heading for the base column: "Detailed investigations"."""


def better_words(statistic: Statistic) -> str:
    """Which way is better for a statistic, as a sentence: "Uphold rate: lower is better."."""
    if statistic.better == "neutral":
        return f"{statistic.label}: neither higher nor lower is better."
    return f"{statistic.label}: {statistic.better} is better."


def _bases(largest: float, whole: bool, log: bool) -> list[float]:
    """The bases the limits are drawn through: every whole case near the narrow end, where the
    limits move most, then evenly spread (on a log scale when the axis is one)."""
    smallest = 1.0
    found: set[float] = set()
    for i in range(_CURVE_POINTS + 1):
        share = i / _CURVE_POINTS
        at = smallest * (largest / smallest) ** share if log else smallest + (largest - 1) * share
        found.add(float(round(at)) if whole else at)
    if whole:
        found.update(float(n) for n in range(1, min(int(largest), 40) + 1))
    return sorted(b for b in found if b > 0)


def funnel(
    figures: YearFigures,
    statistic: Statistic,
    councils: Sequence[Council],
    average: Average | None,
    *,
    compared: str,
    chart_id: str,
    highlight: str | None = None,
    link: str = "/councils/{code}/{year}",
) -> Funnel | None:
    """A statistic's funnel plot over some councils against one average; None when there is no
    average or no council has a figure."""
    target = average.rate(statistic.key) if average is not None else None
    if target is None or average is None:
        return None
    noun = statistic.denominator_noun
    poisson = statistic.unit.scale != 100
    points: list[drawing.FunnelPoint] = []
    for council in councils:
        counts = figures.counts[council.code]
        numerator = counts.count(statistic.numerator)
        base = counts.count(statistic.denominator)
        if base == 0:
            continue
        compared_as: Comparison | None = judgement.comparison(
            statistic, counts, average, figures.minimum_base
        )
        value_text = counts.shown(statistic.key)
        if poisson:
            upheld = plural(numerator, *statistic.numerator_noun)
            said = f"{value_text} per 100,000 residents, {upheld} for {plural(base, *noun)}"
        else:
            said = f"{value_text}, {numerator:,} of {plural(base, *noun)}"
        points.append(
            drawing.FunnelPoint(
                code=council.code,
                name=council.short_name,
                label=f"{council.short_name}: {said}; {judgement.IN_SHORT[compared_as].lower()}",
                base=float(base),
                value=numerator / base * statistic.unit.scale,
                comparison=compared_as,
                link=link.format(code=council.code, year=figures.year.label),
                value_text=value_text,
            )
        )
    if not points:
        return None
    bases = [p.base for p in points]
    log = drawing.wants_log_axis(bases)
    # The limits run on past the largest council, to the edge of the plot (where they are cut).
    reach = max(bases) * _REACH
    limits = judgement.funnel(statistic, float(target), _bases(reach, not poisson, log))
    heading = f"{statistic.label}, {figures.year.label}"
    across = noun[1][:1].upper() + noun[1][1:]
    chart = drawing.funnel_svg(
        heading,
        points,
        float(target) * statistic.unit.scale,
        limits,
        unit=statistic.unit.chart_unit,
        x_label=across,
        chart_id=chart_id,
        compared=compared,
        highlight=highlight if highlight in {p.code for p in points} else None,
        log_x=log,
        better=statistic.better,
    )
    return {
        "key": statistic.key,
        "label": statistic.label,
        "id": chart_id,
        "heading": heading,
        "compared": compared,
        "chart": chart,
        "rows": drawing.funnel_table(points, statistic.unit.chart_unit, highlight),
        "summary": summary(points, compared),
        "highlighted": highlight is not None and highlight in {p.code for p in points},
        "better": better_words(statistic),
        "base_heading": across,
    }


def summary(points: Sequence[drawing.FunnelPoint], compared: str) -> str:
    """How many councils fall where on a plot, in words."""
    counted: dict[Comparison | None, int] = {}
    for point in points:
        counted[point.comparison] = counted.get(point.comparison, 0) + 1
    parts = [
        f"{counted[c]:,} {judgement.IN_SHORT[c].lower()}"
        for c in ("within", "above", "well_above", "below", "well_below", "too_few", None)
        if counted.get(c)
    ]
    councils = plural(len(points), "council", "councils")
    return f"{councils} with a figure, of {compared}: " + ", ".join(parts) + "."
