"""Councils side by side: two to four councils' key figures for a published year, each with its
95% interval, its base and its comparison with its own similar authorities, with their service
areas and their figures over the years; or, before any are chosen, the form to choose them.

Each figure is worked out exactly as on the council's own page (the same counts, averages and
judgements), so the two never disagree. Councils of different types are compared with different
averages, and the page says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from upheld.breaks import notes_for
from upheld.core import judgement
from upheld.core.catalogue import CATALOGUE, PERCENT, UPHOLD_RATE, Statistic
from upheld.core.figures import YearFigures
from upheld.core.groups import TYPE, PeerGroup
from upheld.core.output import area_fields
from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.core.stats import Average, Counts
from upheld.core.uncertainty import Comparison
from upheld.core.vocabulary import SERVICE_AREAS
from upheld.core.wording import and_list, day_in_words, plural
from upheld.errors import BadParameter, NotFound
from upheld.present import charts, sections
from upheld.register import AmbiguousAuthority, Council, UnknownAuthority
from upheld.site import council as council_page
from upheld.site.identity import CouncilSummary, council_summary
from upheld.site.model import Site, Year

FEWEST = 2
MOST = 4
"""How many councils a comparison takes: enough to compare, few enough to read side by side."""
TREND_STATISTIC = UPHOLD_RATE
"""The figure drawn over the years for each council (every figure is in the trend tables)."""


class FigureCell(TypedDict):
    """One council's figure for one statistic, with how sure it is and how it compares."""

    value: int | float | None
    text: str
    """As the council's page writes it: "57%", "100% (99.6%)", "n/a"."""
    interval: list[float] | None
    """The 95% interval, to one decimal place: [low, high]."""
    likely: str
    """The 95% interval as a range to read: "50% to 64%"; empty when n/a."""
    numerator: int
    denominator: int
    base: str
    """What the figure is out of: "of 41 detailed investigations"."""
    counted: str
    """The counts behind it: "23 upheld decisions of 41 detailed investigations"."""
    similar: int | float | None
    """The average of the council's similar authorities."""
    similar_text: str
    comparison: Comparison | None
    comparison_text: str
    """The comparison in words: "In line with similar authorities, given the number of cases"."""


class AreaCell(TypedDict):
    """One council's service area: complaints received and the uphold rate, against the same
    area across its similar authorities."""

    received: int
    investigated: int
    upheld: int
    uphold_rate: int | float | None
    uphold_rate_text: str
    uphold_rate_interval: list[float] | None
    likely: str
    similar_investigated: int | None
    similar_uphold_rate: int | float | None
    similar_text: str
    comparison: Comparison | None
    comparison_text: str


class ComparedCouncil(CouncilSummary):
    """A council in the comparison: who it is, who it is compared with, and its figures."""

    page: str
    """Its own page for the year."""
    compared_with: str
    average: int | None
    """Which of the page's averages it is compared with (its place in `averages`)."""
    received: int
    decided: int
    investigated: int
    upheld: int
    figures: dict[str, FigureCell]
    areas: dict[str, AreaCell]


class AverageFigure(TypedDict):
    """An average of similar authorities for one statistic."""

    value: int | float | None
    text: str


class AreaAverage(TypedDict):
    """A service area's uphold rate over a peer group, all its cases added up."""

    investigated: int
    uphold_rate: int | float | None
    text: str


class SimilarAverage(TypedDict):
    """The average of one group of similar authorities, and which chosen councils it is for."""

    label: str
    """Who makes it, in words: "metropolitan boroughs"."""
    size: int
    """How many councils make it."""
    councils: list[str]
    """The codes of the chosen councils compared with it."""
    names: str
    """Those councils in words: "Bury and Bolton"."""
    figures: dict[str, AverageFigure]
    areas: dict[str, AreaAverage]


class StatisticName(TypedDict):
    """A statistic as the comparison names it."""

    key: str
    label: str
    heading: str
    better: str


class TrendCell(TypedDict):
    """A council's figure in one year, with the average it was compared with."""

    value: int | float | None
    text: str
    similar: int | float | None
    similar_text: str


class TrendRow(TypedDict):
    """One year of a statistic's trend: each council's figure, in the order chosen (None where
    the council has no figures that year)."""

    year: str
    councils: list[TrendCell | None]


class TrendTable(TypedDict):
    """One statistic over the published years, council by council."""

    key: str
    label: str
    rows: list[TrendRow]


class Trend(TypedDict):
    """The councils' figures over every published year, and a chart of each one's key figure."""

    years: list[str]
    notes: dict[str, str]
    """Breaks in the series among these years, by year."""
    statistic: str
    """The figure drawn in the charts."""
    statistics: list[TrendTable]
    chart: dict[str, str]
    """Each council's chart of the key figure over the years, by its code."""


class CompareForm(TypedDict):
    """What the form to choose councils shows."""

    councils: list[str]
    """What each of the four boxes holds: a chosen council's name, or what was written."""
    year: str
    group: str
    choices: list[str]
    """The names of the councils with figures in the year, offered as the boxes' suggestions."""
    error: str
    """Why the councils asked for cannot be compared; empty when nothing is wrong."""


class ComparePage(TypedDict):
    """Councils side by side for a year; without councils, the form to choose them."""

    title: str
    names: str
    """The councils compared, in words: "Bury, Bolton and Kent"."""
    chosen: bool
    """Whether councils were chosen: false for the form alone."""
    year: str
    period: str
    years: list[str]
    """The published years, newest first."""
    group: council_page.GroupName
    groups: dict[str, str]
    average_method: str
    statistics: list[StatisticName]
    councils: list[ComparedCouncil]
    averages: list[SimilarAverage]
    same_average: bool
    """Whether every chosen council is compared with the same similar authorities."""
    averages_note: str
    """Who each council is compared with, in words, saying so plainly when they differ."""
    area_names: list[str]
    trend: Trend
    form: CompareForm


@dataclass(frozen=True)
class Choice:
    """What a comparison asks for, checked: a published year, a peer group, the councils."""

    year: Year
    group: PeerGroup
    councils: tuple[Council, ...]


def choose(
    site: Site,
    publication: Publication,
    written: Sequence[str],
    year_label: str | None,
    group_name: str | None = None,
) -> Choice:
    """The councils, year and group a comparison asks for, or NotFound / BadParameter saying
    plainly what is wrong. An embargoed year is refused exactly like one that does not exist."""
    group = site.group(group_name)
    year = published_year(site, publication, year_label)
    wanted = [w.strip() for w in written if w.strip()]
    if not FEWEST <= len(wanted) <= MOST:
        given = "1 council was" if len(wanted) == 1 else f"{len(wanted)} councils were"
        raise BadParameter(f"choose from {FEWEST} to {MOST} councils to compare; {given} given")
    register = site.register()
    figures = site.figures(year.year, group)
    found: list[Council] = []
    for text in wanted:
        if len(text) > 200:
            raise BadParameter("a council's name or code is at most 200 characters long")
        try:
            council = register.resolve(text, year.year.start)
        except UnknownAuthority as error:
            raise NotFound(f"There is no council called {text!r}.{suggestion(error)}") from None
        except AmbiguousAuthority as error:
            names = or_list([str(c) for c in error.candidates])
            raise BadParameter(f"{text!r} could be {names}: give its code") from None
        if council in found:
            raise BadParameter(f"{council.name} is chosen twice: choose different councils")
        if not council.exists_in(year.year) or council.code not in figures.counts:
            raise BadParameter(f"{council.name} {did_not_exist(council, year)}")
        found.append(council)
    return Choice(year, group, tuple(found))


def published_year(site: Site, publication: Publication, label: str | None) -> Year:
    """A published year by its label, or the latest; an embargoed one is "no such year"."""
    published = site.published(publication)
    if not label:
        if not published:
            raise NotFound("There is no such year.")
        return published[-1]
    try:
        wanted = ReviewYear.parse(label).label
    except ValueError:
        raise BadParameter(f"year must be a review year like 2024-25, not {label[:60]!r}") from None
    found = next((y for y in published if y.label == wanted), None)
    if found is None:
        raise NotFound("There is no such year.")
    return found


def suggestion(error: UnknownAuthority) -> str:
    """The names nearest a mistyped one, as a question; empty when there are none."""
    if not error.suggestions:
        return " Write its name or its code, like E08000002."
    return f" Did you mean {or_list(error.suggestions)}?"


def or_list(items: Sequence[str]) -> str:
    """Items as a choice: "Leeds", "Leeds or York", "Leeds, York or Hull"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def did_not_exist(council: Council, year: Year) -> str:
    """Why a council has no figures in a year, after its name."""
    label = year.label
    if council.valid_from and council.valid_from > year.year.start:
        return f"did not exist in {label}: it was created on {day_in_words(council.valid_from)}"
    if council.valid_to and council.valid_to < year.year.start:
        return f"did not exist in {label}: it was abolished on {day_in_words(council.valid_to)}"
    return f"has no figures for {label}"


def compare_page(site: Site, publication: Publication, choice: Choice) -> ComparePage:
    """Two to four councils side by side for a year: their key figures, service areas and trend."""
    year, group = choice.year, choice.group
    figures = site.figures(year.year, group)
    averages = similar_averages(figures, choice.councils)
    which = {code: i for i, average in enumerate(averages) for code in average["councils"]}
    names = [c.short_name for c in choice.councils]
    suffix = "" if group is TYPE else f"?group={group.name}"
    councils: list[ComparedCouncil] = []
    for council in choice.councils:
        counts = figures.counts[council.code]
        councils.append(
            {
                **council_summary(council),
                "page": f"/councils/{council.code}/{year.label}{suffix}",
                "compared_with": compared_with(figures, council),
                "average": which.get(council.code),
                "received": counts.received,
                "decided": counts.decided,
                "investigated": counts.investigated,
                "upheld": counts.upheld,
                "figures": {s.key: figure_cell(figures, council, s) for s in CATALOGUE},
                "areas": area_cells(figures, council.code),
            }
        )
    return {
        "title": f"Compare {and_list(names)}: {year.label}",
        "names": and_list(names),
        "chosen": True,
        "year": year.label,
        "period": year.year.period,
        "years": [y.label for y in reversed(site.published(publication))],
        "group": {"name": group.name, "label": group.label},
        "groups": site.settings.group_labels,
        "average_method": figures.method,
        "statistics": statistic_names(),
        "councils": councils,
        "averages": averages,
        "same_average": len(averages) == 1 and len(which) == len(councils),
        "averages_note": averages_note(figures, choice.councils, averages),
        "area_names": [t.key for t in SERVICE_AREAS],
        "trend": trend(site, publication, choice),
        "form": {
            "councils": padded([c.name for c in choice.councils]),
            "year": year.label,
            "group": group.name,
            "choices": choices(site, year),
            "error": "",
        },
    }


def form_page(
    site: Site,
    publication: Publication,
    year: Year,
    *,
    written: Sequence[str] = (),
    group: str = TYPE.name,
    error: str = "",
) -> ComparePage:
    """The form to choose councils to compare, holding what was written, with why it cannot be
    compared when something is wrong."""
    return {
        "title": "Compare councils",
        "names": "",
        "chosen": False,
        "year": year.label,
        "period": year.year.period,
        "years": [y.label for y in reversed(site.published(publication))],
        "group": {"name": TYPE.name, "label": TYPE.label},
        "groups": site.settings.group_labels,
        "average_method": "",
        "statistics": statistic_names(),
        "councils": [],
        "averages": [],
        "same_average": True,
        "averages_note": "",
        "area_names": [],
        "trend": {
            "years": [],
            "notes": {},
            "statistic": TREND_STATISTIC.key,
            "statistics": [],
            "chart": {},
        },
        "form": {
            "councils": padded(list(written)),
            "year": year.label,
            "group": group if group in site.settings.group_labels else TYPE.name,
            "choices": choices(site, year),
            "error": error,
        },
    }


def starting_council(site: Site, year: Year, text: str) -> list[str]:
    """The council a "Compare with" link starts the form with: its name, or what was written."""
    if not text:
        return []
    try:
        return [site.register().resolve(text, year.year.start).name]
    except (UnknownAuthority, AmbiguousAuthority):
        return [text[:200]]


def padded(names: list[str]) -> list[str]:
    """What the form's four boxes hold: the names given, then empty boxes."""
    return (names + [""] * MOST)[:MOST]


def choices(site: Site, year: Year) -> list[str]:
    """The names of the councils that can be compared in a year, alphabetically."""

    def make() -> list[str]:
        figures = site.figures(year.year)
        return sorted(
            (c.name for c in figures.councils.values() if c.exists_in(year.year)),
            key=str.casefold,
        )

    found: list[str] = site.cached(("compare-choices", year.year.start_year), make)
    return found


def statistic_names() -> list[StatisticName]:
    """Every statistic of the catalogue, as the comparison names it."""
    return [
        {"key": s.key, "label": s.label, "heading": s.heading, "better": s.better}
        for s in CATALOGUE
    ]


def compared_with(figures: YearFigures, council: Council) -> str:
    """Who a council is compared with, in words; or that it is compared with no one."""
    if figures.average_for(council.code) is None:
        return "no similar authorities this year"
    return figures.group.describe(council)


def figure_cell(figures: YearFigures, council: Council, statistic: Statistic) -> FigureCell:
    """A council's figure for one statistic, as the council's own page works it out."""
    counts = figures.counts[council.code]
    average = figures.average_for(council.code)
    judged = judgement.comparison(statistic, counts, average, figures.minimum_base)
    value = counts.figure(statistic.key)
    similar = average.figure(statistic.key) if average is not None else None
    if value is None:
        said = ""
    elif average is None:
        said = "Not compared: there is no average of similar authorities this year"
    else:
        found = judgement.SAID[judged]
        said = found[:1].upper() + found[1:]
    return {
        "value": value,
        "text": counts.shown(statistic.key),
        "interval": judgement.interval(statistic, counts),
        "likely": judgement.likely(statistic, counts),
        "numerator": counts.count(statistic.numerator),
        "denominator": counts.count(statistic.denominator),
        "base": base(statistic, counts),
        "counted": sections.counted(statistic, counts),
        "similar": similar,
        "similar_text": statistic.text(similar),
        "comparison": judged,
        "comparison_text": said,
    }


def base(statistic: Statistic, counts: Counts) -> str:
    """What a figure is out of, in a few words: "of 41 detailed investigations"."""
    denominator = counts.count(statistic.denominator)
    if denominator == 0:
        return statistic.missing or f"no {statistic.denominator_noun[1]}"
    if statistic.unit is PERCENT:
        return f"of {plural(denominator, *statistic.denominator_noun)}"
    # A rate per residents is as sure as the count it is made of: say both.
    return sections.counted(statistic, counts)


def area_cells(figures: YearFigures, code: str) -> dict[str, AreaCell]:
    """A council's service areas, with the same words as its own page's table."""
    said = {row["area"]: row for row in council_page.area_rows(figures, code)}
    cells: dict[str, AreaCell] = {}
    for area, row in area_fields(figures, code).items():
        words = said[area]
        cells[area] = {
            "received": row["received"],
            "investigated": row["investigated"],
            "upheld": row["upheld"],
            "uphold_rate": row["uphold_rate"],
            "uphold_rate_text": words["uphold_rate"],
            "uphold_rate_interval": row["uphold_rate_interval"],
            "likely": words["likely"],
            "similar_investigated": row["similar_investigated"],
            "similar_uphold_rate": row["similar_uphold_rate"],
            "similar_text": words["similar"],
            "comparison": row["uphold_rate_comparison"] if row["investigated"] else None,
            "comparison_text": words["compared"],
        }
    return cells


def similar_averages(figures: YearFigures, councils: Sequence[Council]) -> list[SimilarAverage]:
    """The averages the councils are compared with, each once, in the order first needed:
    councils sharing a peer group share its average."""
    found: list[SimilarAverage] = []
    seen: dict[frozenset[str], int] = {}
    for council in councils:
        average = figures.average_for(council.code)
        members = figures.peers.get(council.code)
        if average is None or members is None:
            continue
        if members in seen:
            shared = found[seen[members]]
            shared["councils"].append(council.code)
            continue
        seen[members] = len(found)
        found.append(
            {
                "label": figures.group.describe(council),
                "size": average.councils,
                "councils": [council.code],
                "names": "",
                "figures": average_figures(average),
                "areas": area_averages(figures, council.code),
            }
        )
    by_code = {c.code: c.short_name for c in councils}
    for made in found:
        made["names"] = and_list([by_code[code] for code in made["councils"]])
    return found


def average_figures(average: Average) -> dict[str, AverageFigure]:
    """An average of similar authorities for every statistic."""
    return {
        s.key: {"value": average.figure(s.key), "text": s.text(average.figure(s.key))}
        for s in CATALOGUE
    }


def area_averages(figures: YearFigures, code: str) -> dict[str, AreaAverage]:
    """Each service area's uphold rate over a council's peer group."""
    found: dict[str, AreaAverage] = {}
    for term in SERVICE_AREAS:
        pooled = figures.similar_area(code, term.key)
        rate = pooled.figure(UPHOLD_RATE.key) if pooled else None
        investigated = pooled.investigated if pooled else 0
        text = UPHOLD_RATE.text(rate)
        if rate is not None:
            text += f" of {investigated:,}"
        found[term.key] = {"investigated": investigated, "uphold_rate": rate, "text": text}
    return found


def averages_note(
    figures: YearFigures, councils: Sequence[Council], averages: list[SimilarAverage]
) -> str:
    """Who each council is compared with, plainly: the same similar authorities or not."""
    alone = [c.short_name for c in councils if figures.average_for(c.code) is None]
    missing = (
        f" {and_list(alone)} {'is' if len(alone) == 1 else 'are'} not compared with similar "
        "authorities this year."
        if alone
        else ""
    )
    if len(averages) == 1 and not alone:
        return (
            f"All {len(councils)} councils are compared with the same similar authorities: "
            f"{averages[0]['label']} ({averages[0]['size']} councils)."
        )
    if len(averages) <= 1:
        said = (
            f"{averages[0]['names']} {'is' if len(averages[0]['councils']) == 1 else 'are'} "
            f"compared with {averages[0]['label']} ({averages[0]['size']} councils)."
            if averages
            else ""
        )
        return (said + missing).strip()
    parts = [f"{a['names']} with {a['label']} ({a['size']} councils)" for a in averages]
    return (
        f"These councils are compared with different similar authorities: {'; '.join(parts)}. "
        "Read each council against its own average: two councils can both be in line with "
        f"their averages and still have different figures.{missing}"
    )


def trend(site: Site, publication: Publication, choice: Choice) -> Trend:
    """The councils' figures over every published year, and a chart of each one's key figure."""
    years = site.published(publication)
    labels = [y.label for y in years]
    notes = notes_for(labels)
    rows: dict[str, list[TrendRow]] = {s.key: [] for s in CATALOGUE}
    for year in years:
        figures = site.figures(year.year, choice.group)
        for statistic in CATALOGUE:
            cells = [trend_cell(figures, c, statistic) for c in choice.councils]
            rows[statistic.key].append({"year": year.label, "councils": cells})
    tables: list[TrendTable] = [
        {"key": s.key, "label": s.label, "rows": rows[s.key]} for s in CATALOGUE
    ]
    return {
        "years": labels,
        "notes": notes,
        "statistic": TREND_STATISTIC.key,
        "statistics": tables,
        "chart": trend_charts(choice, tables, notes),
    }


def trend_cell(figures: YearFigures, council: Council, statistic: Statistic) -> TrendCell | None:
    """A council's figure in a year and the average it was compared with; None when the council
    has no figures that year (it did not exist)."""
    counts = figures.counts.get(council.code)
    if counts is None:
        return None
    average = figures.average_for(council.code)
    similar = average.figure(statistic.key) if average is not None else None
    return {
        "value": counts.figure(statistic.key),
        "text": counts.shown(statistic.key),
        "similar": similar,
        "similar_text": statistic.text(similar),
    }


def trend_charts(choice: Choice, tables: list[TrendTable], notes: dict[str, str]) -> dict[str, str]:
    """Each council's key figure over the years it has figures for, against its average."""
    table = next(t for t in tables if t["key"] == TREND_STATISTIC.key)
    drawn: dict[str, str] = {}
    for i, council in enumerate(choice.councils):
        points = [(row["year"], row["councils"][i]) for row in table["rows"]]
        kept = [(year, cell) for year, cell in points if cell is not None]
        if len(kept) < 2:
            continue
        drawn[council.code] = charts.trend_chart(
            f"{TREND_STATISTIC.label}: {council.short_name}",
            [(year, cell["value"]) for year, cell in kept],
            unit=TREND_STATISTIC.unit.chart_unit,
            chart_id=f"trend-{council.code.lower()}",
            average_points=[(year, cell["similar"]) for year, cell in kept],
            council_label=council.short_name,
            font_family=charts.WEB_FONT_FAMILY,
            notes={year: note for year, note in notes.items() if any(year == y for y, _ in kept)},
        )
    return drawn


def csv_rows(page: ComparePage) -> list[dict[str, Any]]:
    """The comparison as CSV: one row per council per statistic, with its average."""
    rows: list[dict[str, Any]] = []
    for council in page["councils"]:
        for statistic in CATALOGUE:
            cell = council["figures"][statistic.key]
            low, high = cell["interval"] or (None, None)
            rows.append(
                {
                    "year": page["year"],
                    "group": page["group"]["name"],
                    "code": council["code"],
                    "name": council["name"],
                    "type": council["type"],
                    "statistic": statistic.key,
                    "label": statistic.label,
                    "value": cell["value"],
                    "text": cell["text"],
                    "interval_low": low,
                    "interval_high": high,
                    "numerator": cell["numerator"],
                    "denominator": cell["denominator"],
                    "base": cell["base"],
                    "compared_with": council["compared_with"],
                    "similar": cell["similar"],
                    "comparison": cell["comparison"],
                    "comparison_text": cell["comparison_text"],
                }
            )
    return rows
