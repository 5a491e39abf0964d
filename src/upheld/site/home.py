"""The home page: a map of every council of a tier, coloured by how a statistic compares with the
average of similar authorities, with the same figures in a table beneath."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict
from urllib.parse import urlencode

from upheld.core import judgement
from upheld.core.catalogue import CATALOGUE, Statistic
from upheld.core.groups import TYPE, PeerGroup
from upheld.core.output import authority_fields
from upheld.core.publication import Publication
from upheld.core.uncertainty import Comparison
from upheld.core.vocabulary import AUTHORITY_TYPES
from upheld.core.wording import plural
from upheld.maps import boundaries, cartogram, shapes
from upheld.maps.boundaries import Shape
from upheld.register import Council
from upheld.site.evidence import search_url
from upheld.site.identity import slug
from upheld.site.model import Site, Year

TOO_FEW = cartogram.HATCHED
STATISTICS = {s.key: s.label for s in CATALOGUE}
"""The figures the map can show: every statistic of the catalogue."""
TIERS = {"upper": "Upper tier", "lower": "Lower tier"}
VIEWS = {"hexagons": "Hexagons", "geographic": "Geographic"}
"""The map's styles: a hexagon per council, or the councils' own areas when stored."""
SORTS = ("council", "type", "value", "range", "base", "average", "comparison")
"""What the table under the map sorts by (`?sort=`): each of its columns, left to right."""
ORDERS = ("asc", "desc")
"""Which way (`?order=`): a to z and lowest first, or the reverse."""
_RANKS: dict[Comparison, int] = {
    "well_below": 0,
    "below": 1,
    "within": 2,
    "above": 3,
    "well_above": 4,
}
BAND_COLOURS = {
    "much-better": "#2c5d8f",
    "better": "#9dbfe0",
    "within": "#ddd8cc",
    "worse": "#f2b06b",
    "much-worse": "#a85400",
    "much-higher": "#5b3a8c",
    "higher": "#b9a6d6",
    "lower": "#a8d5c2",
    "much-lower": "#1f6b52",
    "too-few": TOO_FEW,
    "none": "#ffffff",
}
"""The map's colours: blue where a council does better than its peers beyond chance, orange where
it does worse, beige where it is in line, hatched where it has too few cases to tell; purple and
green for higher and lower where neither is better."""
BAND_WORDS = {
    "much-better": "Much better",
    "better": "Better",
    "within": "In line",
    "worse": "Worse",
    "much-worse": "Much worse",
    "much-higher": "Much higher",
    "higher": "Higher",
    "lower": "Lower",
    "much-lower": "Much lower",
    "too-few": "Too few",
    "none": "No figure",
}
"""Each colour in a word or two, for the strip of colours above the map on a phone."""
WIDE_MAP = 16
"""Columns beyond which a map is drawn wider than a phone's screen, to scroll sideways, so that
every hexagon stays a target of at least 24 pixels (WCAG 2.5.8)."""


def band(statistic: Statistic, comparison: Comparison | None) -> str:
    """A council's colour on the map, from its comparison and which way is better."""
    if comparison is None:
        return "none"
    if comparison in ("within", "too_few"):
        return comparison.replace("_", "-")
    much = "much-" if comparison.startswith("well_") else ""
    higher = comparison.endswith("above")
    if statistic.better == "neutral":
        return much + ("higher" if higher else "lower")
    good = higher == (statistic.better == "higher")
    return much + ("better" if good else "worse")


def bands(statistic: Statistic, minimum_base: int) -> list[Band]:
    """The map's key for a statistic: each colour in words, with the rule behind it."""
    if statistic.better == "neutral":
        beyond = [
            ("much-higher", "Much higher than similar authorities, beyond the 99.8% limits"),
            ("higher", "Higher than similar authorities, beyond the 95% limits"),
            ("lower", "Lower than similar authorities, beyond the 95% limits"),
            ("much-lower", "Much lower than similar authorities, beyond the 99.8% limits"),
        ]
    else:
        way = statistic.better
        other = "lower" if way == "higher" else "higher"
        beyond = [
            (
                "much-better",
                f"Much better ({way}) than similar authorities, beyond the 99.8% limits",
            ),
            ("better", f"Better ({way}) than similar authorities, beyond the 95% limits"),
            ("worse", f"Worse ({other}) than similar authorities, beyond the 95% limits"),
            (
                "much-worse",
                f"Much worse ({other}) than similar authorities, beyond the 99.8% limits",
            ),
        ]
    listed = [
        *beyond[:2],
        ("within", "In line with similar authorities, given the number of cases"),
        *beyond[2:],
        ("too-few", f"Too few cases to compare (fewer than {minimum_base})"),
        ("none", "No figure, or nothing to compare with, this year"),
    ]
    return [{"key": key, "label": label} for key, label in listed]


class MapRow(TypedDict):
    """One council on the map and in its table."""

    code: str
    name: str
    short_name: str
    slug: str
    type: str
    type_label: str
    value: int | float | None
    value_text: str
    average: int | float | None
    average_text: str
    base: int
    base_text: str
    base_url: str | None
    """The decision search for the decisions the figure is out of, where they are decisions."""
    """What the figure is out of, in words: "68 detailed investigations"."""
    interval: list[float] | None
    interval_text: str
    """The interval in words: "likely between 75% and 92%"."""
    interval_range: str
    """The interval as a range: "75% to 92%"."""
    comparison: Comparison | None
    comparison_text: str
    band: str


class Band(TypedDict):
    """A colour of the map's key."""

    key: str
    label: str


class SortLink(TypedDict):
    """A column of the table: how to sort by it, and whether it is sorted now."""

    key: str
    label: str
    href: str
    """The address that sorts by this column, lowest first (or a to z) unless already so."""
    order: str
    """The order that address asks for."""
    action: str
    """What following the link does, in words: "sort lowest first"."""
    up: str
    """The ascending order in words: "lowest first", "a to z"."""
    down: str
    sorted: str
    """How the column is sorted now, as aria-sort says it ("ascending", "descending"), or ""."""


class Ordering(TypedDict):
    """The link that puts the table in its most useful order: worst first, or highest first."""

    label: str
    href: str
    sort: str
    order: str
    current: bool


class MapChoices(TypedDict):
    """Which map styles the page offers, and why the one asked for may not be drawn."""

    offered: bool
    fell_back: bool
    missing: list[str]


class HomePage(TypedDict):
    """Everything the home page shows."""

    title: str
    year: str
    period: str
    years: list[str]
    statistic: str
    statistic_label: str
    better: str
    statistics: dict[str, str]
    tier: str
    tiers: dict[str, str]
    group: str
    group_label: str
    groups: dict[str, str]
    bands: list[Band]
    rule: str
    """How the colours are chosen, in words."""
    councils: list[MapRow]
    view: str
    map_chart: str
    map_choices: MapChoices
    band_colours: dict[str, str]
    band_words: dict[str, str]
    map_wide: bool
    """Whether the map is drawn wider than a phone's screen, to scroll."""
    sort: str
    order: str
    columns: list[SortLink]
    worst_first: Ordering
    sorted_by: str
    """The table's order in words: "Sorted by uphold rate, highest first"."""


def map_rows(
    site: Site, year: Year, statistic: str, councils: list[Council], group: PeerGroup = TYPE
) -> list[MapRow]:
    """Each council's figure for one statistic, its average and band, for the map and its table."""
    figures = site.figures(year.year, group)
    chosen = CATALOGUE[statistic]
    rows: list[MapRow] = []
    for council in councils:
        counts = figures.counts[council.code]
        fields = authority_fields(figures, council.code)
        value, average = fields[chosen.key], fields[chosen.similar_key]
        found = fields[f"{chosen.key}_interval"]
        comparison = fields[f"{chosen.key}_comparison"]
        base = counts.count(chosen.denominator)
        rows.append(
            {
                "code": council.code,
                "name": council.name,
                "short_name": council.short_name,
                "slug": slug(council.name),
                "type": council.type,
                "type_label": AUTHORITY_TYPES.label(council.type),
                "value": value,
                "value_text": chosen.text(value, fields.get(chosen.exact_key or "")),
                "average": average,
                "average_text": chosen.text(average),
                "base": base,
                "base_text": plural(base, *chosen.denominator_noun),
                "base_url": search_url(chosen.denominator, year.label, council.code),
                "interval": found,
                "interval_text": judgement.likely_words(chosen, counts),
                "interval_range": judgement.likely(chosen, counts),
                "comparison": comparison,
                "comparison_text": judgement.SAID[comparison],
                "band": band(chosen, comparison),
            }
        )
    return rows


def sort_rows(rows: list[MapRow], sort: str, order: str) -> list[MapRow]:
    """The table's rows in the order asked for; a figure too few cases to compare, and then no
    figure at all, always come last, so "worst first" means worst of those that can be judged.
    """
    if sort not in SORTS or order not in ORDERS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}; order asc or desc")
    reverse = order == "desc"

    def name(row: MapRow) -> tuple[str, str]:
        return row["name"].lower(), row["code"]

    if sort == "council":
        return sorted(rows, key=name, reverse=reverse)
    if sort == "type":
        return sorted(
            rows, key=lambda row: (row["type_label"].lower(), *name(row)), reverse=reverse
        )

    # The others sort by a number; a row without one goes last whichever the order.
    def number(row: MapRow) -> float | None:
        if sort == "base":
            return float(row["base"])
        if sort == "average":
            return None if row["average"] is None else float(row["average"])
        if row["value"] is None or row["comparison"] == "too_few":
            return None
        if sort == "range":
            return row["interval"][0] if row["interval"] else None
        if sort == "comparison":
            return _RANKS.get(row["comparison"]) if row["comparison"] else None
        return float(row["value"])

    def after(row: MapRow) -> int:
        """0 for a figure that can be judged, 1 too few cases, 2 none."""
        if sort in ("base", "average"):
            return 0 if number(row) is not None else 2
        if row["value"] is None or row["comparison"] is None:
            return 2
        return 1 if row["comparison"] == "too_few" else 0

    judged = [row for row in rows if number(row) is not None]
    judged.sort(key=name)
    # Ties keep a to z whichever way the numbers run; the value breaks ties in comparisons.
    judged.sort(
        key=lambda row: (
            number(row),
            float(row["value"]) if sort == "comparison" and row["value"] is not None else 0.0,
        ),
        reverse=reverse,
    )
    rest = sorted((row for row in rows if number(row) is None), key=lambda r: (after(r), *name(r)))
    return judged + rest


class TableOrder(TypedDict):
    """How the table is sorted, and the links that sort it."""

    sort: str
    order: str
    columns: list[SortLink]
    worst_first: Ordering
    sorted_by: str


def _ordering(
    statistic: Statistic, sort: str, order: str, address: Callable[[str, str], str]
) -> TableOrder:
    """The table's sort links, its "worst first" link and its order in words."""
    label = STATISTICS[statistic.key]
    columns = [
        ("council", "Council", "a to z", "z to a"),
        ("type", "Type", "a to z", "z to a"),
        ("value", label, "lowest first", "highest first"),
        ("range", "Likely range (95%)", "lowest first", "highest first"),
        ("base", "Out of", "fewest first", "most first"),
        ("average", "Average of similar authorities", "lowest first", "highest first"),
        ("comparison", "Compared with similar authorities", "lowest first", "highest first"),
    ]
    links: list[SortLink] = []
    said = ""
    for key, title, up, down in columns:
        now = key == sort
        # A click on the sorted column turns it round; on any other, sorts it a to z or lowest
        # first.
        way = "desc" if now and order == "asc" else "asc"
        links.append(
            {
                "key": key,
                "label": title,
                "href": address(key, way),
                "order": way,
                "action": f"sort {up if way == 'asc' else down}",
                "up": up,
                "down": down,
                "sorted": ("ascending" if order == "asc" else "descending") if now else "",
            }
        )
        if now:
            said = f"Sorted by {title[0].lower() + title[1:]}, {up if order == 'asc' else down}"
    if statistic.better == "neutral":
        worst = {"label": "Highest first", "order": "desc"}
    else:
        worst = {"label": "Worst first", "order": "desc" if statistic.better == "lower" else "asc"}
    ordering: Ordering = {
        "label": worst["label"],
        "href": address("value", worst["order"]),
        "sort": "value",
        "order": worst["order"],
        "current": sort == "value" and order == worst["order"],
    }
    return {
        "sort": sort,
        "order": order,
        "columns": links,
        "worst_first": ordering,
        "sorted_by": said,
    }


RULE = (
    "A council is coloured only where its figure differs from the average of similar "
    "authorities by more than chance would explain, given how many cases it is based on: "
    "outside the 95% limits of a funnel plot, or the 99.8% limits for the darker colours."
)


def home_page(
    site: Site,
    publication: Publication,
    year: Year,
    statistic: str,
    tier: str,
    view: str = "hexagons",
    group: PeerGroup = TYPE,
    sort: str = "council",
    order: str = "asc",
) -> HomePage:
    """The map page: every council of a tier coloured by a statistic against its peers, drawn as
    hexagons or, where boundaries are stored, as the councils' own areas; the table beneath
    sorted by `sort` (one of SORTS) in `order` (one of ORDERS)."""
    figures = site.figures(year.year)
    existing = [c for c in figures.councils.values() if c.exists_in(year.year)]
    chosen = sorted(cartogram.tier_councils(existing, tier), key=lambda c: c.name)
    chosen_statistic = CATALOGUE[statistic]
    rows = sort_rows(map_rows(site, year, statistic, chosen, group), sort, order)
    outlines = _outlines(site, year, tier, chosen)
    offered = bool(chosen) and len(outlines) >= shapes.GEOGRAPHIC_COVERAGE * len(chosen)
    drawn = "geographic" if view == "geographic" and offered else "hexagons"
    label = STATISTICS[statistic].lower()
    fills = {row["code"]: BAND_COLOURS[row["band"]] for row in rows}
    labels = {
        row["code"]: f"{row['name']}: {label} {row['value_text']}"
        + (f" ({row['interval_text']})" if row["interval"] else "")
        + f", from {row['base_text']}; {row['comparison_text']} (average "
        f"{row['average_text']})"
        for row in rows
    }
    title = f"Map of councils by {label}, {year.label}"
    compared = (
        "coloured by whether its figure differs from the average of similar authorities by more "
        "than chance would explain, given the number of cases. The table below the map has the "
        "same figures."
    )

    def link(code: str) -> str:
        return f"/councils/{code}/{year.label}"

    by_code = {c.code: c for c in chosen}
    columns = 0
    if drawn == "geographic":
        drawing = boundaries.geo_svg(
            outlines,
            by_code,
            fills,
            labels,
            title=title,
            description=f"Each shape is a council's area, {compared}",
            link=link,
        )
    else:
        # The year's other councils say where a county's districts are, so which councils
        # touch and which are on the coast (upper.maps.measures).
        cells = site.cached(
            ("layout", tier, year.year.start_year), lambda: cartogram.layout(chosen, existing)
        )
        drawing = cartogram.map_svg(
            cells,
            by_code,
            fills,
            labels,
            title=title,
            description=f"Each hexagon is a council, placed roughly where it is in England "
            f"and {compared} Darker lines mark the borders of England's regions, and London's "
            "boroughs are named as a block.",
            link=link,
        )
        columns = max((column for column, _ in cells.values()), default=-1) + 1
    missing = [c.name for c in chosen if c.code not in outlines] if drawn == "geographic" else []

    def address(by: str, way: str) -> str:
        chosen_view = {"view": drawn} if view != "hexagons" else {}
        return "/?" + urlencode(
            {
                "year": year.label,
                "statistic": statistic,
                "group": group.name,
                "tier": tier,
                **chosen_view,
                "sort": by,
                "order": way,
            }
        )

    table = _ordering(chosen_statistic, sort, order, address)
    return {
        "title": site.settings.web.title,
        "year": year.label,
        "period": year.year.period,
        "years": [y.label for y in reversed(site.published(publication))],
        "statistic": statistic,
        "statistic_label": STATISTICS[statistic],
        "better": CATALOGUE[statistic].better,
        "statistics": STATISTICS,
        "tier": tier,
        "tiers": TIERS,
        "group": group.name,
        "group_label": group.label,
        "groups": site.settings.group_labels,
        "bands": bands(CATALOGUE[statistic], site.settings.statistics.minimum_base),
        "rule": RULE,
        "councils": rows,
        "view": drawn,
        "map_chart": drawing,
        "map_choices": {"offered": offered, "fell_back": view != drawn, "missing": missing},
        "band_colours": BAND_COLOURS,
        "band_words": BAND_WORDS,
        "map_wide": columns > WIDE_MAP,
        "sort": table["sort"],
        "order": table["order"],
        "columns": table["columns"],
        "worst_first": table["worst_first"],
        "sorted_by": table["sorted_by"],
    }


def _outlines(site: Site, year: Year, tier: str, chosen: list[Council]) -> dict[str, Shape]:
    """The stored boundaries of the councils on a map, kept until the data changes."""

    def make() -> dict[str, Shape]:
        with site.engine.connect() as connection:
            stored = shapes.shapes_for(connection, year.year.start_year)
        return {c.code: stored[c.code] for c in chosen if c.code in stored}

    found: dict[str, Shape] = site.cached(("map", "geographic", tier, year.year.start_year), make)
    return found


def csv_row(row: MapRow) -> dict[str, object]:
    """A council of the map as a CSV row: its interval as two columns."""
    low, high = row["interval"] or (None, None)
    flat = {k: v for k, v in row.items() if k != "interval"}
    return flat | {"interval_low": low, "interval_high": high}
