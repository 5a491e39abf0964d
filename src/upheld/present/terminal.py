"""Tables for people at a terminal: the statistics and the register, with n/a spelled out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from upheld.core.catalogue import CATALOGUE, Statistic
from upheld.core.periods import ReviewYear
from upheld.core.vocabulary import AUTHORITY_TYPES
from upheld.core.wording import NOT_AVAILABLE

_SHORT_TYPES = {
    "county": "County",
    "district": "District",
    "metropolitan": "Met",
    "unitary": "Unitary",
    "london_borough": "London",
    "other": "Other",
}


def _with_base(statistic: Statistic, row: Mapping[str, Any]) -> str:
    """A rate with the count it is out of, where the row has it: "40% of 15"."""
    own = statistic.text(row[statistic.key], row.get(statistic.exact_key or ""))
    base = row.get(statistic.denominator)
    if statistic.unit.suffix == "%" and isinstance(base, int) and row[statistic.key] is not None:
        return f"{own} of {base:,}"
    return own


MARKS = {"above": "▲", "well_above": "▲▲", "below": "▼", "well_below": "▼▼", "too_few": "·"}
"""How the table marks a comparison; a figure in line with its peers has no mark."""
MARKS_KEY = (
    "▲ ▼ higher or lower than the average by more than chance would explain at the council's "
    "number of cases (▲▲ ▼▼ well beyond it: outside the 99.8% limits); · too few cases to compare."
)


def _figure(statistic: Statistic, row: Mapping[str, Any]) -> Text:
    """A council's figure with its base, then its peers' average in brackets, then how it
    compares: "40% of 15 (67%) ▼"."""
    text = _versus(_with_base(statistic, row), statistic.text(row[statistic.similar_key]))
    mark = MARKS.get(row.get(f"{statistic.key}_comparison") or "")
    if mark:
        text.append(f" {mark}", style="bold")
    return text


def _versus(own: str, similar: str) -> Text:
    text = Text(own)
    text.append(f" ({similar})", style="dim")
    return text


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", header_style="bold", pad_edge=False)


def statistics_table(result: Mapping[str, Any]) -> list[RenderableType]:
    """The `upheld stats` table: one row per council, its figure then its peers' in brackets."""
    method = result["average_method"]
    year = ReviewYear.parse(result["year"])
    table = _table(
        f"Council statistics {year.label} ({year.period}); average of similar authorities "
        f"({method} over {result['group']['label']}) in brackets"
    )
    table.add_column("Code", no_wrap=True)
    table.add_column("Council", no_wrap=True)
    table.add_column("Type")
    for heading in ("Received", "Decided", "Investigated", "Upheld"):
        table.add_column(heading, justify="right")
    for statistic in CATALOGUE:
        table.add_column(statistic.short_label, justify="right")
    for row in result["authorities"]:
        name = row["name"] if row["existed"] else f"{row['name']} (abolished)"
        table.add_row(
            row["code"],
            name,
            _SHORT_TYPES.get(row["type"], row["type"]),
            f"{row['received']:,}",
            f"{row['decided']:,}",
            f"{row['investigated']:,}",
            f"{row['upheld']:,}",
            *(_figure(statistic, row) for statistic in CATALOGUE),
        )
    return [table, Text(MARKS_KEY, style="dim"), averages_table(result), national_line(result)]


def averages_table(result: Mapping[str, Any]) -> Table:
    """The average of similar authorities for each type of council."""
    table = _table(f"Average of similar authorities, {result['year']} ({result['average_method']})")
    table.add_column("Type")
    table.add_column("Councils", justify="right")
    for statistic in CATALOGUE:
        table.add_column(statistic.short_label, justify="right")
    for authority_type, average in result["averages"].items():
        table.add_row(
            AUTHORITY_TYPES.label(authority_type),
            str(average["councils"]),
            *(statistic.text(average[statistic.key]) for statistic in CATALOGUE),
        )
    return table


def national_line(result: Mapping[str, Any]) -> Text:
    """The national totals in a sentence."""
    n = result["national"]
    figures = "; ".join(f"{s.label.lower()} {_with_base(s, n)}" for s in CATALOGUE)
    return Text(
        f"England {result['year']}: {n['received']:,} complaints and enquiries received, "
        f"{n['decided']:,} decided, {n['investigated']:,} detailed investigations, "
        f"{n['upheld']:,} upheld; {figures}; {n['councils']} councils."
    )


def authorities_table(rows: Sequence[Mapping[str, Any]], year: ReviewYear | None) -> Table:
    """The register as a table."""
    title = f"Councils that existed on 1 April {year.start_year}" if year else "All councils"
    table = _table(title)
    table.add_column("Code", no_wrap=True)
    table.add_column("Council", no_wrap=True)
    table.add_column("Type")
    table.add_column("Region")
    if year:
        table.add_column("Population", justify="right")
    else:
        table.add_column("From")
        table.add_column("To")
    for row in rows:
        cells = [row["code"], row["name"], _SHORT_TYPES[row["type"]], row["region"] or ""]
        if year:
            population = row["population"]
            cells.append(f"{population:,}" if population else NOT_AVAILABLE)
        else:
            cells += [row["valid_from"] or "", row["valid_to"] or ""]
        table.add_row(*cells)
    return table
