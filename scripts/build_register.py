"""Build the council register shipped with upheld from the public reference data.

Reads the reference folder (mySociety names and codes, ONS lookups, populations and label
points) and writes `src/upheld/data/register/councils.csv` and `populations.csv` in upheld's
own layout. Same input, byte-identical output.

Example:
    python scripts/build_register.py --reference ../shared/reference
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from upheld.core.periods import ReviewYear
from upheld.core.vocabulary import AUTHORITY_TYPES
from upheld.register import (
    COUNCIL_COLUMNS,
    LIST_SEPARATOR,
    POPULATION_COLUMNS,
    Council,
    Register,
    name_key,
    read_populations,
)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = REPO.parent / "shared" / "reference"
DEFAULT_OUT = REPO / "src" / "upheld" / "data" / "register"

FIRST_YEAR = ReviewYear(2018)
LAST_YEAR = ReviewYear(2025)
YEARS = [ReviewYear(y) for y in range(FIRST_YEAR.start_year, LAST_YEAR.start_year + 1)]

MYSOCIETY = Path("sources/mysociety_uk_local_authority_names_and_codes")
ONS_TOPOJSON = Path("sources/onsvisual_uk_topojson")
ONS_CENTROIDS = Path("sources/ons_centroids")
DEMOGRAPHR = Path("converted/population_demographr")
CENSUS = Path("converted/population_census2021")

# mySociety's type codes for principal councils; the City of London is compared with the
# London boroughs and the Isles of Scilly with the unitaries, as the ombudsman does.
TYPES = {
    "CTY": "county",
    "NMD": "district",
    "MD": "metropolitan",
    "UA": "unitary",
    "LBO": "london_borough",
    "CC": "london_borough",
}


@dataclass(frozen=True)
class Estimate:
    """One population vintage: the year it is for, its label, and the files holding it."""

    year: int
    vintage: str
    files: tuple[Path, ...]


ESTIMATES = (
    Estimate(
        2019,
        "ONS mid-2019 estimate",
        (
            DEMOGRAPHR / "population19_ltla19_totals.csv",
            DEMOGRAPHR / "population19_utla19_totals.csv",
        ),
    ),
    Estimate(
        2020,
        "ONS mid-2020 estimate",
        (
            DEMOGRAPHR / "population20_ltla20_totals.csv",
            DEMOGRAPHR / "population20_utla20_totals.csv",
        ),
    ),
    Estimate(2021, "Census 2021", (CENSUS / "census2021_usual_residents_ltla21.csv",)),
)

# Label points are inside the area by construction, so they come before anything computed.
CENTROID_FILES = (
    (ONS_CENTROIDS / "ons_lad_dec2019_buc.csv", "lad19cd", "long", "lat", "ONS LAD Dec 2019"),
    (ONS_CENTROIDS / "ons_cty_dec2019_buc.csv", "cty19cd", "long", "lat", "ONS CTY Dec 2019"),
    (ONS_CENTROIDS / "ons_ctyua_may2021_buc.csv", "CTYUA21CD", "LONG", "LAT", "ONS CTYUA May 2021"),
    (ONS_CENTROIDS / "ons_lad_2021_buc.csv", "LAD21CD", "LONG", "LAT", "ONS LAD 2021"),
)

# mySociety's region is wrong for these two counties (issue noted in the reference README).
KNOWN_REGIONS = {"E10000007": "East Midlands", "E10000019": "East Midlands"}


@dataclass
class Draft:
    """A council while the register is being assembled, before it is frozen into a Council."""

    code: str
    mysociety: str
    name: str
    short_name: str
    type: str
    region: str | None
    parent: str | None
    valid_from: date | None
    valid_to: date | None
    successors: list[str]
    former_codes: list[str]
    aliases: list[str]
    lat: float | None = None
    lon: float | None = None
    centroid_source: str = ""

    def exists_on(self, day: date) -> bool:
        """Whether the council existed on that day."""
        started = self.valid_from is None or self.valid_from <= day
        return started and (self.valid_to is None or day <= self.valid_to)


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a reference CSV file, with any byte-order mark dropped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def parse_day(text: str) -> date | None:
    """A date written YYYY-MM-DD, or None for a blank."""
    return date.fromisoformat(text.strip()) if text.strip() else None


def last_day(text: str) -> date | None:
    """The last day a council existed, from mySociety's end date."""
    day = parse_day(text)
    # mySociety writes the 2023 abolitions as 2023-04-01, the day the successor began.
    if day is not None and (day.month, day.day) == (4, 1):
        return day - timedelta(days=1)
    return day


def split_alt_names(text: str) -> list[str]:
    """mySociety's alt-names: separated by commas, but names like "Bristol, City of" keep theirs."""
    return [part.strip() for part in re.split(r",(?! )", text) if part.strip()]


def read_councils(reference: Path) -> dict[str, Draft]:
    """English principal councils that existed on 1 April 2018 or later, from mySociety."""
    rows = read_csv(reference / MYSOCIETY / "uk_local_authorities.csv")
    gss_of = {r["local-authority-code"]: r["gss-code"] for r in rows}
    drafts: dict[str, Draft] = {}
    for row in rows:
        if row["nation"] != "England" or row["local-authority-type"] not in TYPES:
            continue
        start, end = parse_day(row["start-date"]), last_day(row["end-date"])
        if end is not None and end < FIRST_YEAR.start:
            continue
        code = row["gss-code"]
        drafts[code] = Draft(
            code=code,
            mysociety=row["local-authority-code"],
            name=" ".join(row["official-name"].split()),  # one source name has a double space
            short_name=" ".join(row["nice-name"].split()),
            type=TYPES[row["local-authority-type"]],
            region=row["region"].strip() or None,
            parent=gss_of.get(row["county-la"]) if row["county-la"] else None,
            # mySociety's older start dates are register artefacts, not when the council began.
            valid_from=start if start and start > FIRST_YEAR.start else None,
            valid_to=end,
            successors=[gss_of[c] for c in row["replaced-by"].split(",") if c],
            former_codes=[c for c in row["former-gss-codes"].split(",") if c],
            aliases=split_alt_names(row["alt-names"]),
        )
    return drafts


def predecessors_of(drafts: Mapping[str, Draft]) -> dict[str, list[Draft]]:
    """For each code, the councils naming it as a successor."""
    found: dict[str, list[Draft]] = defaultdict(list)
    for draft in drafts.values():
        for successor in draft.successors:
            found[successor].append(draft)
    return found


def add_county_successors(drafts: dict[str, Draft], notes: list[str]) -> None:
    """An abolished county is succeeded by whatever succeeded its districts on the same day."""
    for county in drafts.values():
        if county.type != "county" or county.valid_to is None:
            continue
        inherited = sorted(
            {
                s
                for d in drafts.values()
                if d.parent == county.code and d.valid_to == county.valid_to
                for s in d.successors
            }
        )
        missing = [s for s in inherited if s not in county.successors]
        if missing:
            notes.append(f"{county.name}: successors {', '.join(missing)} added from its districts")
            county.successors = sorted({*county.successors, *missing})


def apply_ons_lookup(reference: Path, drafts: dict[str, Draft], notes: list[str]) -> None:
    """Regions and parent counties from the ONS 2014 lookup, carried to later councils."""
    lookup = read_csv(reference / ONS_TOPOJSON / "ltla14-lookup.csv")
    region = {r["ltlacd"]: r["rgnnm"] for r in lookup}
    county = {r["ltlacd"]: r["ctycd"] or None for r in lookup}
    for row in lookup:
        if row["ctycd"]:
            region[row["ctycd"]] = row["rgnnm"]
    before = predecessors_of(drafts)

    def ons_region(code: str) -> str | None:
        if code in region:
            return region[code]
        found = {ons_region(p.code) for p in before.get(code, [])} - {None}
        return found.pop() if len(found) == 1 else None

    def ons_county(code: str) -> str | None:
        if code in county:
            return county[code]
        found = {ons_county(p.code) for p in before.get(code, []) if p.type == "district"}
        return found.pop() if len(found) == 1 else None

    for draft in sorted(drafts.values(), key=lambda d: d.code):
        fixed = KNOWN_REGIONS.get(draft.code) or ons_region(draft.code)
        if fixed and fixed != draft.region:
            was = draft.region or "blank"
            notes.append(f"{draft.name}: region {was} -> {fixed}")
            draft.region = fixed
        if draft.type == "district":
            parent = ons_county(draft.code)
            if parent and parent != draft.parent:
                notes.append(f"{draft.name}: parent county {draft.parent} -> {parent}")
                draft.parent = parent


def apply_code_changes(reference: Path, drafts: dict[str, Draft], notes: list[str]) -> None:
    """Councils ONS recoded without changing the council (Barnsley and Sheffield, April 2025)."""
    for row in read_csv(reference / ONS_TOPOJSON / "changes.csv"):
        old, new = row["oldcd"], row["newcd"]
        if row["type"] != "new_code" or old not in drafts or new in drafts:
            continue
        first = ReviewYear(int(row["start"])).start
        before = drafts[old]
        drafts[new] = replace(
            before,
            code=new,
            valid_from=first,
            valid_to=None,
            successors=[],
            former_codes=[],
            aliases=list(before.aliases),
        )
        before.valid_to = first - timedelta(days=1)
        before.successors = sorted({*before.successors, new})
        notes.append(f"{before.name}: {old} ends {before.valid_to}, {new} from {first}")


def add_lookup_aliases(reference: Path, drafts: dict[str, Draft]) -> None:
    """Name variants from mySociety's name lookup, added to the council they point at."""
    by_mysociety: dict[str, list[Draft]] = defaultdict(list)
    for draft in drafts.values():
        by_mysociety[draft.mysociety].append(draft)
    for row in read_csv(reference / MYSOCIETY / "lookup_name_to_registry.csv"):
        for draft in by_mysociety.get(row["local-authority-code"], []):
            draft.aliases.append(row["la-name"].strip())


def tidy_aliases(drafts: Mapping[str, Draft]) -> None:
    """Official name first, short name next, then each other spelling once (by its match key)."""
    for draft in drafts.values():
        seen: set[str] = set()
        kept: list[str] = []
        for alias in (draft.name, draft.short_name, *draft.aliases):
            key = name_key(alias)
            if key and key not in seen:
                seen.add(key)
                kept.append(alias)
        draft.aliases = kept


def read_estimate(reference: Path, estimate: Estimate) -> dict[str, int]:
    """One vintage's published figures for English areas, by GSS code."""
    figures: dict[str, int] = {}
    for path in estimate.files:
        for row in read_csv(reference / path):
            code, value = row["gss_code"], int(row["population"])
            if not code.startswith(("E06", "E07", "E08", "E09", "E10")):
                continue
            if figures.setdefault(code, value) != value:
                raise SystemExit(f"{path}: {code} has two different figures")
    return figures


@dataclass(frozen=True)
class Figures:
    """One vintage's published figures, and how to build a council's figure from them."""

    estimate: Estimate
    published: Mapping[str, int]
    drafts: Mapping[str, Draft]
    before: Mapping[str, list[Draft]]

    def figure(self, code: str) -> tuple[int, list[str]] | None:
        """A council's population in this vintage, and the published areas it is the sum of."""
        # The areas ONS published are building blocks: no boundary from 2019 to 2025 cuts one,
        # so a county, or a council formed later, is exactly the sum of its parts.
        if code in self.published:
            return self.published[code], [code]
        draft, on = self.drafts[code], ReviewYear(self.estimate.year).start
        if draft.type == "county":
            parts = [d.code for d in self.drafts.values() if d.parent == code and d.exists_on(on)]
        elif draft.valid_from is not None and draft.valid_from > on:
            parts = [p.code for p in self.before.get(code, []) if p.type != "county"]
        else:
            return None
        found = [self.figure(p) for p in sorted(parts)]
        if not found:
            return None
        total, blocks = 0, []
        for part in found:
            if part is None:
                return None
            total += part[0]
            blocks += part[1]
        return total, sorted(blocks)


def add_populations(
    reference: Path, drafts: Mapping[str, Draft]
) -> list[tuple[str, int, int, str, str]]:
    """The estimates each council needs: for each year it existed, that year's or the last one."""
    before = predecessors_of(drafts)
    rows: list[tuple[str, int, int, str, str]] = []
    for estimate in ESTIMATES:
        figures = Figures(estimate, read_estimate(reference, estimate), drafts, before)
        for code, draft in sorted(drafts.items()):
            wanted = any(
                draft.exists_on(year.start) and latest_estimate(year) == estimate for year in YEARS
            )
            result = figures.figure(code) if wanted else None
            if result is None:
                continue
            value, parts = result
            if parts == [code]:
                basis = "published"
            elif len(parts) == 1:
                basis = f"same area as {parts[0]}"
            else:
                basis = "sum of " + "+".join(parts)
            rows.append((code, estimate.year, value, estimate.vintage, basis))
    return sorted(rows)


def latest_estimate(year: ReviewYear) -> Estimate | None:
    """The vintage used for a review year: its own, else the latest earlier one."""
    earlier = [e for e in ESTIMATES if e.year <= year.start_year]
    return earlier[-1] if earlier else None


def decode_arcs(topology: Mapping[str, object]) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs as lists of (lon, lat), undoing the quantisation and delta encoding."""
    transform = topology["transform"]
    assert isinstance(transform, dict)
    (scale_x, scale_y), (move_x, move_y) = transform["scale"], transform["translate"]
    arcs = topology["arcs"]
    assert isinstance(arcs, list)
    decoded = []
    for arc in arcs:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + move_x, y * scale_y + move_y))
        decoded.append(points)
    return decoded


def rings_of(
    geometry: Mapping[str, object], arcs: list[list[tuple[float, float]]]
) -> Iterator[list[tuple[float, float]]]:
    """The closed rings of a TopoJSON Polygon or MultiPolygon."""
    polygons = geometry["arcs"]
    assert isinstance(polygons, list)
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        for ring in polygon:
            points: list[tuple[float, float]] = []
            for index in ring:
                arc = arcs[index] if index >= 0 else arcs[~index][::-1]
                points.extend(arc if not points else arc[1:])
            yield points


def polygon_centroid(rings: list[list[tuple[float, float]]]) -> tuple[float, float] | None:
    """The area-weighted centre of some rings, if it falls inside them (else None)."""
    area = cx = cy = 0.0
    for ring in rings:
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
    if area == 0:
        return None
    x, y = cx / (3 * area), cy / (3 * area)
    inside = False
    for ring in rings:
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
    return (x, y) if inside else None


def add_centroids(reference: Path, drafts: Mapping[str, Draft]) -> None:
    """Each council's centre: an ONS label point, else its outline's centre, else mySociety's."""
    for path, code_column, lon_column, lat_column, label in CENTROID_FILES:
        for row in read_csv(reference / path):
            draft = drafts.get(row[code_column])
            if draft is not None and draft.lat is None:
                draft.lon, draft.lat = float(row[lon_column]), float(row[lat_column])
                draft.centroid_source = label + " label point"
    with (reference / ONS_TOPOJSON / "topo.json").open(encoding="utf-8") as handle:
        topology = json.load(handle)
    arcs = decode_arcs(topology)
    for layer in ("ltla", "cty", "utla"):
        for geometry in topology["objects"][layer]["geometries"]:
            draft = drafts.get(geometry["properties"]["areacd"])
            if draft is None or draft.lat is not None:
                continue
            centre = polygon_centroid(list(rings_of(geometry, arcs)))
            if centre is not None:
                draft.lon, draft.lat = centre
                draft.centroid_source = "centre of ONS outline (uk-topojson)"
    # mySociety's lat/long is the last resort: its method is not documented, and its point for
    # Dorset County Council lies out at sea.
    for row in read_csv(reference / MYSOCIETY / "uk_local_authorities.csv"):
        draft = drafts.get(row["gss-code"])
        if draft is not None and draft.lat is None and row["lat"] and row["long"]:
            draft.lat, draft.lon = float(row["lat"]), float(row["long"])
            draft.centroid_source = "mySociety lat/long"


def freeze(draft: Draft) -> Council:
    """The finished Council for a draft."""
    return Council(
        code=draft.code,
        name=draft.name,
        short_name=draft.short_name,
        type=draft.type,
        region=draft.region,
        parent=draft.parent if draft.type == "district" else None,
        valid_from=draft.valid_from,
        valid_to=draft.valid_to,
        successors=tuple(sorted(draft.successors)),
        aliases=tuple(draft.aliases),
        lat=draft.lat,
        lon=draft.lon,
        former_codes=tuple(sorted(draft.former_codes)),
    )


def check(register: Register) -> list[str]:
    """What must stop the build: a bad type, a missing parent, a name two live councils share."""
    problems = []
    for council in register:
        if council.type not in AUTHORITY_TYPES:
            problems.append(f"{council}: unknown type {council.type}")
        if council.region is None:
            problems.append(f"{council}: no region")
        if council.type == "district" and council.parent not in register:
            problems.append(f"{council}: parent county {council.parent} not in the register")
        for successor in council.successors:
            if successor not in register:
                problems.append(f"{council}: successor {successor} not in the register")
    owners: dict[str, set[str]] = defaultdict(set)
    for council in register:
        for alias in council.aliases:
            owners[name_key(alias)].add(council.code)
    for key, codes in sorted(owners.items()):
        for year in YEARS:
            alive = sorted(c for c in codes if register[c].exists_in(year))
            if len(alive) > 1:
                problems.append(f"{key!r} names {', '.join(alive)} in {year}")
                break
    return problems


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    """A UTF-8 CSV file with Unix line endings, so rebuilding gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def council_row(council: Council, draft: Draft) -> list[str]:
    """One line of councils.csv."""
    return [
        council.code,
        council.name,
        council.short_name,
        council.type,
        council.region or "",
        council.parent or "",
        council.valid_from.isoformat() if council.valid_from else "",
        council.valid_to.isoformat() if council.valid_to else "",
        LIST_SEPARATOR.join(council.successors),
        LIST_SEPARATOR.join(council.former_codes),
        f"{council.lat:.5f}" if council.lat is not None else "",
        f"{council.lon:.5f}" if council.lon is not None else "",
        draft.centroid_source,
        LIST_SEPARATOR.join(council.aliases),
    ]


def build(reference: Path, out: Path) -> Register:
    """Read the reference folder, write the register files, and return the register they hold."""
    notes: list[str] = []
    drafts = read_councils(reference)
    apply_ons_lookup(reference, drafts, notes)
    add_county_successors(drafts, notes)
    add_lookup_aliases(reference, drafts)
    add_centroids(reference, drafts)
    apply_code_changes(reference, drafts, notes)
    tidy_aliases(drafts)
    populations = add_populations(reference, drafts)
    councils = [freeze(d) for _, d in sorted(drafts.items())]
    register = Register(councils)
    problems = check(register)
    if problems:
        raise SystemExit("register not written:\n  " + "\n  ".join(problems))
    write_csv(
        out / "councils.csv",
        COUNCIL_COLUMNS,
        (council_row(c, drafts[c.code]) for c in councils),
    )
    write_csv(out / "populations.csv", POPULATION_COLUMNS, populations)
    print("Corrections to the sources:")
    for note in notes:
        print(f"  {note}")
    return register


def summary(register: Register, out: Path) -> str:
    """Councils per type per year, and how many of them have a population."""
    types = [t for t in AUTHORITY_TYPES.keys if t != "other"]
    lines = [f"Register written to {out}: {len(register)} councils", ""]
    lines.append(f"{'year':8}" + "".join(f"{t:>15}" for t in types) + f"{'total':>8}")
    with (out / "populations.csv").open(encoding="utf-8", newline="") as handle:
        populations = Register(register, read_populations(handle))
    for year in YEARS:
        counts = Counter(c.type for c in register.in_year(year))
        with_population = sum(
            1 for c in register.in_year(year) if populations.population(c.code, year)
        )
        lines.append(
            f"{year.label:8}"
            + "".join(f"{counts[t]:>15}" for t in types)
            + f"{sum(counts.values()):>8}"
            + f"   ({with_population} with a population)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build the register from the reference folder and print what it holds."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--reference",
        type=Path,
        default=DEFAULT_REFERENCE,
        help=f"the reference data folder (default: {DEFAULT_REFERENCE})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="where to write councils.csv and populations.csv (default: the package data)",
    )
    args = parser.parse_args(argv)
    if not (args.reference / MYSOCIETY).is_dir():
        parser.error(f"no reference data in {args.reference}")
    register = build(args.reference, args.out)
    print()
    print(summary(register, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
