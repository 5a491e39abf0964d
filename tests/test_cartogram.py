"""The hex map: one cell per council, England recognisable, deterministic, accessible SVG."""

from __future__ import annotations

import functools
import math
import random
import re
import statistics
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upheld.core.periods import ReviewYear
from upheld.maps import baseline, measures
from upheld.maps.cartogram import (
    NO_DATA_COLOUR,
    TIERS,
    Cell,
    cell_centre,
    hex_distance,
    layout,
    map_svg,
    neighbours,
    region_borders,
    tier_councils,
)
from upheld.register import Council, builtin

SVG = "{http://www.w3.org/2000/svg}"
YEARS = ("2019-20", "2024-25")
CITY_OF_LONDON = "E09000001"
CORNWALL = "E06000052"
ISLES_OF_SCILLY = "E06000053"
NORTHUMBERLAND = "E06000057"
MANCHESTER = "E08000003"
SALFORD = "E08000006"
KENT = "E10000016"
SURREY = "E10000030"
NORFOLK = "E10000020"
NORWICH = "E07000148"
GREAT_YARMOUTH = "E07000145"
DOVER = "E07000108"
THANET = "E07000114"
NORTHERN_REGIONS = ("North East", "North West", "Yorkshire and The Humber")


@functools.cache
def councils_of(year: str, tier: str) -> tuple[Council, ...]:
    return tuple(tier_councils(builtin().in_year(ReviewYear.parse(year)), tier))


@functools.cache
def year_of(year: str) -> tuple[Council, ...]:
    """Every council of the year: the districts a map of counties reads its neighbours from."""
    return tuple(builtin().in_year(ReviewYear.parse(year)))


@functools.cache
def cells_of(year: str, tier: str) -> dict[str, Cell]:
    return layout(councils_of(year, tier), year_of(year))


def holes(cells: dict[str, Cell]) -> list[Cell]:
    """Empty cells mostly surrounded by councils: gaps a reader would see inside the map."""
    taken = set(cells.values())
    edge = {n for cell in taken for n in neighbours(cell)} - taken
    return sorted(c for c in edge if sum(n in taken for n in neighbours(c)) >= 4)


def projected(council: Council) -> tuple[float, float]:
    assert council.lat is not None
    assert council.lon is not None
    return council.lon * math.cos(math.radians(53.5)), -council.lat


def geographic_displacement(year: str, tier: str) -> list[float]:
    """How far each cell is from its centroid, with the map scaled and moved to fit best."""
    councils = councils_of(year, tier)
    cells = cells_of(year, tier)
    ideal = [projected(c) for c in councils]
    actual = [cell_centre(cells[c.code]) for c in councils]
    ix, iy = statistics.mean(p[0] for p in ideal), statistics.mean(p[1] for p in ideal)
    ax, ay = statistics.mean(p[0] for p in actual), statistics.mean(p[1] for p in actual)
    scale = sum(
        (p[0] - ix) * (q[0] - ax) + (p[1] - iy) * (q[1] - ay)
        for p, q in zip(ideal, actual, strict=True)
    ) / sum((p[0] - ix) ** 2 + (p[1] - iy) ** 2 for p in ideal)
    return [
        math.hypot((p[0] - ix) * scale - (q[0] - ax), (p[1] - iy) * scale - (q[1] - ay))
        for p, q in zip(ideal, actual, strict=True)
    ]


def council(
    code: str,
    name: str,
    *,
    lat: float | None = None,
    lon: float | None = None,
    parent: str | None = None,
    region: str | None = None,
) -> Council:
    return Council(
        code=code,
        name=name,
        short_name=name,
        type="district",
        lat=lat,
        lon=lon,
        parent=parent,
        region=region,
    )


# Tiers


@pytest.mark.parametrize(
    ("year", "tier", "expected"),
    [
        ("2019-20", "upper", 26 + 56 + 36 + 33),
        ("2019-20", "lower", 192 + 56 + 36 + 33),
        ("2024-25", "upper", 21 + 63 + 36 + 33),
        ("2024-25", "lower", 164 + 63 + 36 + 33),
    ],
)
def test_each_tier_has_the_year_s_councils(year: str, tier: str, expected: int) -> None:
    assert len(councils_of(year, tier)) == expected


def test_tiers_share_unitaries_metropolitan_and_london_boroughs() -> None:
    upper = {c.type for c in councils_of("2024-25", "upper")}
    lower = {c.type for c in councils_of("2024-25", "lower")}
    assert upper == {"county", "unitary", "metropolitan", "london_borough"}
    assert lower == {"district", "unitary", "metropolitan", "london_borough"}
    assert TIERS == ("upper", "lower")


def test_unknown_tier_is_refused() -> None:
    with pytest.raises(ValueError, match="upper, lower"):
        tier_councils(builtin(), "middle")


# Layout on the real register


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("tier", TIERS)
def test_every_council_gets_its_own_cell(year: str, tier: str) -> None:
    cells = cells_of(year, tier)
    assert sorted(cells) == sorted(c.code for c in councils_of(year, tier))
    assert len(set(cells.values())) == len(cells)
    assert min(r for _, r in cells.values()) == 0
    assert min(q for q, _ in cells.values()) == 0
    assert all(isinstance(q, int) and isinstance(r, int) for q, r in cells.values())


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("tier", TIERS)
def test_layout_does_not_depend_on_input_order(year: str, tier: str) -> None:
    councils = list(councils_of(year, tier))
    context = list(year_of(year))
    for seed in range(3):
        random.Random(seed).shuffle(councils)
        random.Random(seed).shuffle(context)
        assert layout(councils, context) == cells_of(year, tier)


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("tier", TIERS)
def test_london_is_south_of_the_northern_conurbations(year: str, tier: str) -> None:
    councils, cells = councils_of(year, tier), cells_of(year, tier)
    london = [cells[c.code][1] for c in councils if c.type == "london_borough"]
    north = [
        cells[c.code][1]
        for c in councils
        if c.type == "metropolitan" and c.region in NORTHERN_REGIONS
    ]
    assert statistics.mean(london) > statistics.mean(north) + 5


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("tier", TIERS)
def test_london_boroughs_form_one_compact_cluster(year: str, tier: str) -> None:
    councils, cells = councils_of(year, tier), cells_of(year, tier)
    boroughs = [c.code for c in councils if c.type == "london_borough"]
    assert len(boroughs) == 33
    assert max(hex_distance(cells[CITY_OF_LONDON], cells[b]) for b in boroughs) <= 6
    # Joined up: every borough touches another borough.
    taken = {cells[b] for b in boroughs}
    assert all(any(n in taken for n in neighbours(cells[b])) for b in boroughs)


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("tier", TIERS)
def test_corners_of_england_are_where_readers_expect(year: str, tier: str) -> None:
    cells = cells_of(year, tier)
    assert cells[NORTHUMBERLAND][1] <= 1
    assert cells[CORNWALL][0] <= 2
    assert hex_distance(cells[CORNWALL], cells[ISLES_OF_SCILLY]) <= 2
    assert hex_distance(cells[MANCHESTER], cells[SALFORD]) <= 2
    # London is in the south-east quarter of the map.
    width = max(q for q, _ in cells.values()) + 1
    height = max(r for _, r in cells.values()) + 1
    city_q, city_r = cells[CITY_OF_LONDON]
    assert city_q > width / 2
    assert city_r > height / 2


@pytest.mark.parametrize("year", YEARS)
def test_kent_and_norfolk_on_the_east_of_the_upper_tier(year: str) -> None:
    cells = cells_of(year, "upper")
    right = max(q for q, _ in cells.values())
    assert cells[KENT][0] > cells[SURREY][0]
    assert cells[KENT][0] >= right - 3
    assert cells[NORFOLK][0] >= right - 3
    # Norfolk is further north than Kent.
    assert cells[NORFOLK][1] < cells[KENT][1]


@pytest.mark.parametrize("year", YEARS)
def test_east_kent_and_east_norfolk_on_the_right_edge_of_the_lower_tier(year: str) -> None:
    cells = cells_of(year, "lower")
    right = max(q for q, _ in cells.values())
    bottom = max(r for _, r in cells.values())
    for code in (DOVER, THANET, NORWICH, GREAT_YARMOUTH):
        assert cells[code][0] >= right - 2, code
    assert cells[DOVER][1] > bottom * 2 / 3
    assert cells[GREAT_YARMOUTH][1] < cells[DOVER][1] - 5


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("tier", TIERS)
def test_councils_stay_near_their_geographic_place(year: str, tier: str) -> None:
    displacement = dict(
        zip(
            (c.code for c in councils_of(year, tier)),
            geographic_displacement(year, tier),
            strict=True,
        )
    )
    # A cartogram must move crowded London outwards, but on average a council sits within two
    # cells of where a plain scaled map would put it, and none but the Isles of Scilly (drawn in
    # beside Cornwall, as on any map of England) is more than four away.
    assert statistics.mean(displacement.values()) < 2.0
    assert max(d for code, d in displacement.items() if code != ISLES_OF_SCILLY) < 4.5


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("tier", TIERS)
def test_geographic_neighbours_stay_neighbours(year: str, tier: str) -> None:
    councils, cells = councils_of(year, tier), cells_of(year, tier)
    points = {c.code: projected(c) for c in councils}
    kept = total = 0
    for c in councils:
        closest = sorted(
            (math.dist(points[c.code], points[o.code]), o.code)
            for o in councils
            if o.code != c.code
        )[:3]
        for _, other in closest:
            total += 1
            kept += hex_distance(cells[c.code], cells[other]) <= 2
    assert kept / total >= 0.9


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("tier", TIERS)
def test_map_is_solid_with_few_holes(year: str, tier: str) -> None:
    cells = cells_of(year, tier)
    assert len(holes(cells)) <= 5
    taken = set(cells.values())
    counts = [sum(n in taken for n in neighbours(cell)) for cell in taken]
    assert min(counts) >= 1
    # Most hexagons are inland, surrounded by others.
    assert sum(n >= 4 for n in counts) >= 0.85 * len(counts)


# Measures: how well a layout keeps England (upheld.maps.measures), against the old layout


@functools.cache
def measured(year: str, tier: str) -> tuple[measures.Measures, measures.Measures]:
    """The old layout's measures and the current one's."""
    councils, context = councils_of(year, tier), year_of(year)
    before = measures.measure(baseline.layout(councils), councils, context)
    return before, measures.measure(cells_of(year, tier), councils, context)


def test_the_layout_keeps_more_neighbours_and_moves_councils_less() -> None:
    print()
    print(
        "| year | tier | councils | real neighbour pairs | neighbour preservation (before -> now)"
        " | mean displacement, cells (before -> now) |"
    )
    for year in YEARS:
        for tier in TIERS:
            before, now = measured(year, tier)
            print(
                f"| {year} | {tier} | {now.councils} | {now.neighbour_pairs} "
                f"| {before.preservation:.1%} -> {now.preservation:.1%} "
                f"| {before.displacement:.2f} -> {now.displacement:.2f} |"
            )
            assert now.neighbour_pairs == before.neighbour_pairs
            # The upper tier was the bad map: better on both counts. The lower no worse.
            if tier == "upper":
                assert now.preservation > before.preservation + 0.01
                assert now.displacement < before.displacement - 0.1
            else:
                assert now.preservation >= before.preservation
                assert now.displacement <= before.displacement


def test_measures_of_a_perfect_and_a_scrambled_map() -> None:
    # Seven councils on a real hexagonal flower: the map that copies it keeps every neighbour
    # and moves nobody, however it is scaled or turned; swapping two breaks some.
    cells = [(1, 0), (2, 0), (0, 1), (1, 1), (2, 1), (1, 2), (2, 2)]
    centres = [cell_centre(c) for c in cells]
    angle = math.radians(25)
    cos, sin = 3 * math.cos(angle), 3 * math.sin(angle)
    turned = [(x * cos - y * sin, x * sin + y * cos) for x, y in centres]
    codes = [f"E0700000{i}" for i in range(len(cells))]
    points = dict(zip(codes, turned, strict=True))
    placed = dict(zip(codes, cells, strict=True))
    pairs = measures.real_neighbours(points)
    assert len(pairs) == sum(
        measures.adjacent(a, b) for i, a in enumerate(cells) for b in cells[i + 1 :]
    )
    assert measures.preservation(placed, pairs) == pytest.approx(1.0)
    assert measures.displacement(placed, points) == pytest.approx(0.0, abs=1e-9)
    swapped = dict(placed)
    swapped[codes[0]], swapped[codes[-1]] = placed[codes[-1]], placed[codes[0]]
    assert measures.preservation(swapped, pairs) < 1.0
    assert measures.displacement(swapped, points) > 0.1


def test_delaunay_matches_scipy() -> None:
    spatial = pytest.importorskip("scipy.spatial")
    points = sorted(set(measures.centroids(year_of("2024-25")).values()))
    reference = {tuple(sorted(int(i) for i in t)) for t in spatial.Delaunay(points).simplices}
    assert set(measures.delaunay(points)) == reference


@pytest.mark.parametrize("year", YEARS)
def test_upper_tier_neighbours_come_from_districts(year: str) -> None:
    found = measures.geography(councils_of(year, "upper"), year_of(year))
    codes = {c.short_name: c.code for c in councils_of(year, "upper")}

    def touching(a: str, b: str) -> bool:
        return (min(codes[a], codes[b]), max(codes[a], codes[b])) in found.pairs

    # Counties touch where their districts do, though their centres are far apart...
    assert touching("Kent", "Surrey")
    assert touching("Surrey", "Hampshire")
    assert touching("Bromley", "Kent")
    # ...and not across the sea, nor where a county lies between.
    assert not touching("Kent", "Suffolk")
    assert not touching("Croydon", "East Sussex")
    for county in ("Norfolk", "Kent", "Northumberland", "Devon", "East Sussex"):
        assert codes[county] in found.coastal, county
    assert not {c.code for c in councils_of(year, "upper") if c.type == "london_borough"} & set(
        found.coastal
    )
    depth = found.depth()
    assert all(depth[c.code] >= 1 for c in councils_of(year, "upper") if c.region == "London")


# England's shape


@pytest.mark.parametrize("year", YEARS)
def test_the_south_west_peninsula_points_west(year: str) -> None:
    cells = cells_of(year, "upper")
    codes = {c.short_name: c.code for c in councils_of(year, "upper")}

    def x(name: str) -> float:
        return cell_centre(cells[codes[name]])[0]

    assert x("Cornwall") < x("Devon") < x("Somerset")
    assert cells[codes["Cornwall"]][1] >= cells[codes["Devon"]][1]
    # Cornwall is the west end of England: nothing but the Isles of Scilly is further west.
    assert all(
        cell_centre(cell)[0] >= x("Cornwall")
        for code, cell in cells.items()
        if code not in (CORNWALL, ISLES_OF_SCILLY)
    )


@pytest.mark.parametrize("year", YEARS)
def test_east_anglia_bulges_east(year: str) -> None:
    cells = cells_of(year, "upper")
    codes = {c.short_name: c.code for c in councils_of(year, "upper")}

    def x(name: str) -> float:
        return cell_centre(cells[codes[name]])[0]

    assert x("Norfolk") > x("Lincolnshire") + 1
    assert x("Suffolk") > x("Cambridgeshire")
    assert x("Norfolk") > x("Peterborough")


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("tier", TIERS)
def test_london_is_a_block_inside_the_south_east(year: str, tier: str) -> None:
    councils, cells = councils_of(year, tier), cells_of(year, tier)
    by_cell = {cell: c for c in councils for cell in [cells[c.code]]}
    london = [c for c in councils if c.region == "London"]
    assert len(london) == 33
    # Everything that touches London is London, the South East or the East of England.
    beside = {
        by_cell[n].region
        for c in london
        for n in neighbours(cells[c.code])
        if n in by_cell and by_cell[n].region != "London"
    }
    assert beside <= {"South East", "East of England"}
    # London is north of the south coast: Brighton and East Sussex are further down the map.
    coast = [c for c in councils if c.short_name in ("Brighton and Hove", "East Sussex")]
    coast += [c for c in councils if c.parent and c.parent in {x.code for x in coast}]
    assert max(cells[c.code][1] for c in london) < min(cells[c.code][1] for c in coast)


@pytest.mark.parametrize("year", YEARS)
def test_on_the_lower_tier_london_is_inland(year: str) -> None:
    cells = cells_of(year, "lower")
    taken = set(cells.values())
    london = [c for c in councils_of(year, "lower") if c.region == "London"]
    assert all(all(n in taken for n in neighbours(cells[c.code])) for c in london)


# Layout edge cases


def test_no_councils_no_cells() -> None:
    assert layout([]) == {}


def test_one_council_sits_at_the_origin() -> None:
    assert layout([council("E07000001", "Alone", lat=52.0, lon=-1.0)]) == {"E07000001": (0, 0)}


def test_two_councils_are_neighbours_in_the_right_order() -> None:
    cells = layout(
        [
            council("E07000002", "East", lat=52.0, lon=1.0),
            council("E07000001", "West", lat=52.0, lon=-1.0),
        ]
    )
    assert hex_distance(cells["E07000001"], cells["E07000002"]) == 1
    assert cells["E07000001"][0] < cells["E07000002"][0]


def test_same_centroid_still_gets_separate_cells() -> None:
    cells = layout([council(f"E0700000{i}", f"Twin {i}", lat=52.0, lon=-1.0) for i in range(4)])
    assert len(set(cells.values())) == 4
    assert max(hex_distance(a, b) for a in cells.values() for b in cells.values()) <= 2


def test_council_without_centroid_goes_beside_its_relations() -> None:
    real = list(councils_of("2024-25", "lower"))
    kent_districts = [c for c in real if c.parent == KENT]
    missing = council("E07999999", "New Kent District", parent=KENT, region="South East")
    cells = layout([*real, missing], year_of("2024-25"))
    assert len(set(cells.values())) == len(real) + 1
    kent_cells = [cells[c.code] for c in kent_districts]
    assert min(hex_distance(cells[missing.code], k) for k in kent_cells) <= 2


def test_council_with_nothing_to_go_on_goes_below_the_map() -> None:
    real = list(councils_of("2024-25", "upper"))
    lost = [council("E07999998", "Nowhere"), council("E07999999", "Nowhere Else")]
    cells = layout([*real, *lost], year_of("2024-25"))
    assert len(set(cells.values())) == len(real) + 2
    bottom = max(cells[c.code][1] for c in real)
    assert cells["E07999998"][1] == cells["E07999999"][1] > bottom
    assert cells["E07999998"][0] < cells["E07999999"][0]
    # Everyone else keeps their place.
    assert {c.code: cells[c.code] for c in real} == cells_of("2024-25", "upper")


def test_a_council_given_twice_is_refused() -> None:
    twice = council("E07000001", "Twice", lat=52.0, lon=-1.0)
    with pytest.raises(ValueError, match="once"):
        layout([twice, twice])


# Hex geometry


@given(st.integers(-50, 50), st.integers(-50, 50))
def test_neighbours_are_one_step_and_one_width_away(q: int, r: int) -> None:
    around = neighbours((q, r))
    assert len(set(around)) == 6
    centre = cell_centre((q, r))
    for cell in around:
        assert hex_distance((q, r), cell) == 1
        assert math.dist(centre, cell_centre(cell)) == pytest.approx(1.0)


@given(
    st.tuples(st.integers(-30, 30), st.integers(-30, 30)),
    st.tuples(st.integers(-30, 30), st.integers(-30, 30)),
    st.tuples(st.integers(-30, 30), st.integers(-30, 30)),
)
def test_hex_distance_is_a_distance(a: Cell, b: Cell, c: Cell) -> None:
    assert hex_distance(a, b) == hex_distance(b, a)
    assert (hex_distance(a, b) == 0) == (a == b)
    assert hex_distance(a, c) <= hex_distance(a, b) + hex_distance(b, c)
    # A step covers at most one width, so a path of n steps spans at most n widths.
    assert math.dist(cell_centre(a), cell_centre(b)) <= hex_distance(a, b) + 1e-9


def test_odd_rows_sit_half_a_cell_right() -> None:
    assert cell_centre((0, 1))[0] == 0.5
    assert set(neighbours((0, 0))) == {(1, 0), (-1, 0), (-1, -1), (0, -1), (-1, 1), (0, 1)}
    assert set(neighbours((0, 1))) == {(1, 1), (-1, 1), (0, 0), (1, 0), (0, 2), (1, 2)}


# SVG


def hexes(root: ET.Element) -> list[ET.Element]:
    """The hexagons of a drawn map (its other paths are region borders)."""
    return [p for p in root.iter(f"{SVG}path") if p.get("class") == "hex"]


def svg_of(
    cells: dict[str, Cell],
    councils: dict[str, Council],
    *,
    linked: bool = False,
    fills: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    return map_svg(
        cells,
        councils,
        fills if fills is not None else {},
        labels if labels is not None else {},
        title="Uphold rate by council, 2024-25",
        description="A hex map of English councils coloured by uphold rate.",
        link=(lambda code: f"/councils/{code}?year=2024-25&tab=stats") if linked else None,
        map_id="uphold-map",
    )


def real_svg(*, linked: bool) -> tuple[str, dict[str, Cell], dict[str, str]]:
    councils = {c.code: c for c in councils_of("2024-25", "lower")}
    cells = cells_of("2024-25", "lower")
    fills = dict.fromkeys(sorted(councils)[::2], "#08519c")
    labels = {code: f"{c.short_name}: uphold rate 50%" for code, c in councils.items()}
    return svg_of(cells, councils, linked=linked, fills=fills, labels=labels), cells, fills


def test_svg_has_one_hexagon_per_council_with_its_fill() -> None:
    svg, cells, fills = real_svg(linked=False)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Uphold rate by council, 2024-25"
    assert root.get("aria-labelledby") == title.get("id") == "uphold-map-title"
    paths = hexes(root)
    assert len(paths) == len(cells)
    assert {p.get("data-code") for p in paths} == set(cells)
    for path in paths:
        code = path.get("data-code")
        assert code is not None
        assert path.get("class") == "hex"
        assert path.get("fill") == fills.get(code, NO_DATA_COLOUR)
        tooltip = path.find(f"{SVG}title")
        assert tooltip is not None
        assert tooltip.text is not None
        assert tooltip.text.endswith("uphold rate 50%")
    assert root.find(f".//{SVG}a") is None
    assert "href" not in svg


def test_svg_links_every_hexagon_with_a_name() -> None:
    svg, cells, _ = real_svg(linked=True)
    root = ET.fromstring(svg)
    # Links must stay visible to screen readers, which role="img" would hide.
    assert root.get("role") == "group"
    links = list(root.iter(f"{SVG}a"))
    assert len(links) == len(cells)
    for a in links:
        path = a.find(f"{SVG}path")
        tooltip = a.find(f"{SVG}title")
        assert path is not None
        assert tooltip is not None
        code = path.get("data-code")
        assert a.get("class") == "hex-link"
        assert a.get("href") == f"/councils/{code}?year=2024-25&tab=stats"
        assert a.get("aria-label") == tooltip.text
    assert "?year=2024-25&amp;tab=stats" in svg


def test_svg_is_in_reading_order() -> None:
    svg, cells, _ = real_svg(linked=True)
    codes = [p.get("data-code") for p in hexes(ET.fromstring(svg))]
    rows_then_columns = [(cells[c][1], cells[c][0]) for c in codes if c]
    assert rows_then_columns == sorted(rows_then_columns)


def vertices(d: str) -> list[tuple[float, float]]:
    """The corners of a hexagon path drawn with M, l, v and z."""
    points: list[tuple[float, float]] = []
    for command, args in re.findall(r"([Mlvz])([^Mlvz]*)", d):
        numbers = [float(n) for n in args.split()]
        if command == "M":
            points.append((numbers[0], numbers[1]))
        elif command == "l":
            points.append((points[-1][0] + numbers[0], points[-1][1] + numbers[1]))
        elif command == "v":
            points.append((points[-1][0], points[-1][1] + numbers[0]))
    return points


def test_svg_viewbox_holds_every_hexagon_snugly() -> None:
    svg, _, _ = real_svg(linked=False)
    root = ET.fromstring(svg)
    left, top, width, height = (float(v) for v in (root.get("viewBox") or "").split())
    corners = [v for p in hexes(root) for v in vertices(p.get("d") or "")]
    assert len(corners) == 6 * len(hexes(root))
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    assert left < min(xs) < left + 10
    assert left + width - 10 < max(xs) < left + width
    assert top < min(ys) < top + 10
    assert top + height - 10 < max(ys) < top + height


def test_svg_escapes_names_labels_and_colours() -> None:
    awkward = council("E06000043", "Brighton & Hove's <Council>", lat=50.8, lon=-0.1)
    quoted = council("E07000146", 'King\'s Lynn & "West" Norfolk', lat=52.7, lon=0.4)
    councils = {c.code: c for c in (awkward, quoted)}
    cells = layout(list(councils.values()))
    svg = map_svg(
        cells,
        councils,
        {awkward.code: '#fff" onclick="x'},
        {quoted.code: 'King\'s Lynn & "West" Norfolk: 40%'},
        title="Tom & Jerry's <map>",
        description="Fish & chips",
        link=lambda code: f"/c?code={code}&x='1'",
    )
    root = ET.fromstring(svg)
    names = sorted(a.get("aria-label") or "" for a in root.iter(f"{SVG}a"))
    assert names == ["Brighton & Hove's <Council>", 'King\'s Lynn & "West" Norfolk: 40%']
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Tom & Jerry's <map>"
    fills = {p.get("data-code"): p.get("fill") for p in hexes(root)}
    assert fills[awkward.code] == '#fff" onclick="x'
    assert fills[quoted.code] == NO_DATA_COLOUR
    assert all(a.get("onclick") is None for a in root.iter())
    assert "<Council>" not in svg
    assert "&amp;" in svg


def test_svg_is_deterministic_whatever_the_mapping_order() -> None:
    svg, cells, fills = real_svg(linked=True)
    councils = {c.code: c for c in councils_of("2024-25", "lower")}
    labels = {code: f"{c.short_name}: uphold rate 50%" for code, c in councils.items()}
    backwards = dict(reversed(list(cells.items())))
    again = svg_of(
        backwards,
        dict(reversed(list(councils.items()))),
        linked=True,
        fills=dict(reversed(list(fills.items()))),
        labels=dict(reversed(list(labels.items()))),
    )
    assert again == svg


def test_svg_of_no_councils_is_still_valid() -> None:
    root = ET.fromstring(map_svg({}, {}, {}, {}, title="Nothing", description="No councils."))
    assert root.find(f"{SVG}path") is None


def test_svg_refuses_an_id_that_would_break_aria() -> None:
    with pytest.raises(ValueError, match="map_id"):
        map_svg({}, {}, {}, {}, title="t", description="d", map_id="two words")


def test_region_borders_run_between_regions() -> None:
    councils = {c.code: c for c in councils_of("2024-25", "upper")}
    cells = cells_of("2024-25", "upper")
    borders = region_borders(cells, councils)
    by_cell = {cell: code for code, cell in cells.items()}
    crossings = {
        frozenset((code, by_cell[n]))
        for code, cell in cells.items()
        for n in neighbours(cell)
        if n in by_cell and councils[by_cell[n]].region != councils[code].region
    }
    assert len(borders) == len(crossings) > 20
    for (ax, ay), (bx, by) in borders:
        # Each is one side of a hexagon: 1/sqrt(3) of a cell width.
        assert math.hypot(bx - ax, by - ay) == pytest.approx(1 / math.sqrt(3))


def test_svg_draws_region_borders_and_names_london_for_eyes_only() -> None:
    svg, cells, _ = real_svg(linked=True)
    root = ET.fromstring(svg)
    lines = [p for p in root.iter(f"{SVG}path") if p.get("class") == "region-borders"]
    assert len(lines) == 1
    assert lines[0].get("aria-hidden") == "true"
    assert lines[0].get("pointer-events") == "none"
    names = list(root.iter(f"{SVG}text"))
    assert [t.text for t in names] == ["London"]
    assert names[0].get("aria-hidden") == "true"
    assert names[0].get("pointer-events") == "none"
    # The name sits over London's boroughs.
    councils = councils_of("2024-25", "lower")
    london = [cell_centre(cells[c.code]) for c in councils if c.region == "London"]
    x, y = float(names[0].get("x") or 0), float(names[0].get("y") or 0)
    assert min(cx for cx, _ in london) * 20 < x < max(cx for cx, _ in london) * 20
    assert min(cy for _, cy in london) * 20 < y < max(cy for _, cy in london) * 20
    # Drawn last, over the hexagons, which stay the only links.
    assert len(list(root.iter(f"{SVG}a"))) == len(cells)
    plain = map_svg({}, {}, {}, {}, title="t", description="d", regions=False)
    assert "region" not in plain


def test_svg_renders_in_typst() -> None:
    typst = pytest.importorskip("typst")
    svg, _, _ = real_svg(linked=True)
    png = typst.compile(
        b"#set page(width: 12cm, height: auto, margin: 0pt)\n"
        b'#image(bytes(sys.inputs.svg), format: "svg", width: 100%)',
        format="png",
        sys_inputs={"svg": svg},
    )
    assert isinstance(png, bytes)
    assert png.startswith(b"\x89PNG")
