"""Tables for people at a terminal: the statistics and the register, with n/a spelled out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from upheld.core.periods import ReviewYear
from upheld.core.vocabulary import AUTHORITY_TYPES

NOT_AVAILABLE = "n/a"

_SHORT_TYPES = {
    "county": "County",
    "district": "District",
    "metropolitan": "Met",
    "unitary": "Unitary",
    "london_borough": "London",
    "other": "Other",
}


def _pct(value: int | None) -> str:
    return NOT_AVAILABLE if value is None else f"{value}%"


def _number(value: float | None) -> str:
    return NOT_AVAILABLE if value is None else f"{value:.1f}"


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
        f"Council statistics {year.label} ({year.period}); "
        f"average of similar authorities ({method}) in brackets"
    )
    table.add_column("Code", no_wrap=True)
    table.add_column("Council", no_wrap=True)
    table.add_column("Type")
    for heading in ("Received", "Decided", "Investigated", "Upheld"):
        table.add_column(heading, justify="right")
    for heading in ("Uphold rate", "Satisfactory remedy", "Compliance", "Upheld per 100k"):
        table.add_column(heading, justify="right")
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
            _versus(_pct(row["uphold_rate"]), _pct(row["similar_uphold_rate"])),
            _versus(
                f"{row['satisfactory_remedies']} · {_pct(row['satisfactory_remedy_rate'])}",
                _pct(row["similar_satisfactory_remedy_rate"]),
            ),
            _versus(
                f"{row['compliance_outcomes']} · {_pct(row['compliance_rate'])}",
                _pct(row["similar_compliance_rate"]),
            ),
            _versus(_number(row["upheld_per_100k"]), _number(row["similar_upheld_per_100k"])),
        )
    return [table, averages_table(result), national_line(result)]


def averages_table(result: Mapping[str, Any]) -> Table:
    """The average of similar authorities for each type of council."""
    table = _table(f"Average of similar authorities, {result['year']} ({result['average_method']})")
    table.add_column("Type")
    table.add_column("Councils", justify="right")
    for heading in ("Uphold rate", "Satisfactory remedy", "Compliance", "Upheld per 100k"):
        table.add_column(heading, justify="right")
    for kind, average in result["averages"].items():
        table.add_row(
            AUTHORITY_TYPES.label(kind),
            str(average["councils"]),
            _pct(average["uphold_rate"]),
            _pct(average["satisfactory_remedy_rate"]),
            _pct(average["compliance_rate"]),
            _number(average["upheld_per_100k"]),
        )
    return table


def national_line(result: Mapping[str, Any]) -> Text:
    """The national totals in a sentence."""
    n = result["national"]
    return Text(
        f"England {result['year']}: {n['received']:,} complaints and enquiries received, "
        f"{n['decided']:,} decided, {n['investigated']:,} detailed investigations, "
        f"{n['upheld']:,} upheld (uphold rate {_pct(n['uphold_rate'])}); satisfactory remedy "
        f"{_pct(n['satisfactory_remedy_rate'])}; compliance {_pct(n['compliance_rate'])} of "
        f"{n['compliance_outcomes']:,} outcomes; {_number(n['upheld_per_100k'])} upheld per "
        f"100,000 residents; {n['councils']} councils."
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
